//! "Why isn't this person in my list?": for one person and one campaign, every reason they are
//! not a recipient, in plain words. Checks the person's own record (left, removed, deleted,
//! their HR system disconnected), the campaign (excluded, not picked) and each part of a
//! dynamic audience's filter on its own.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::staff_query;
use crate::domain::campaign::WhyNot;
use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};

#[derive(sqlx::FromRow)]
struct Person {
    display_name: String,
    work_email: Option<String>,
    job_title: Option<String>,
    team: Option<String>,
    country: Option<String>,
    city: Option<String>,
    start_date: Option<NaiveDate>,
    termination_date: Option<NaiveDate>,
    deleted: bool,
    removed_at: Option<DateTime<Utc>>,
    removal_held: bool,
    connection_status: String,
    disconnected_at: Option<DateTime<Utc>>,
    read_only_until: Option<DateTime<Utc>>,
    source: String,
    shown_as: Option<String>,
    /// The rules every listing applies (`rules`), as the database reads them.
    has_left: bool,
    not_started: bool,
    in_hr_data: bool,
    visible_connection: bool,
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn or_none(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "not recorded".into())
}

/// Each part of a filter on its own, with the reason to give when the person fails it.
fn parts(f: &StaffFilter, p: &Person) -> Vec<(StaffFilter, String)> {
    let all = StaffFilter {
        include_leavers: true,
        include_pending: true,
        ..StaffFilter::default()
    };
    let mut out = Vec::new();
    let mut part = |only: StaffFilter, why: String| out.push((only, why));
    if !f.q.trim().is_empty() {
        part(
            StaffFilter {
                q: f.q.clone(),
                ..all.clone()
            },
            format!(
                "Their name and work email do not match the search \u{201c}{}\u{201d}.",
                f.q.trim()
            ),
        );
    }
    if !f.teams.is_empty() {
        part(
            StaffFilter {
                teams: f.teams.clone(),
                ..all.clone()
            },
            format!(
                "They are not in the chosen team (their team: {}).",
                or_none(&p.team)
            ),
        );
    }
    if f.manager.is_some() {
        part(
            StaffFilter {
                manager: f.manager.clone(),
                direct_only: f.direct_only,
                ..all.clone()
            },
            if f.direct_only {
                "They do not report directly to the chosen manager.".into()
            } else {
                "They are not in the chosen manager's reporting line.".into()
            },
        );
    }
    if let Some(d) = f.joined_within {
        part(
            StaffFilter {
                joined_within: Some(d),
                ..all.clone()
            },
            format!(
                "They did not join in the last {d} days (start date: {}).",
                p.start_date
                    .map(day)
                    .unwrap_or_else(|| "not recorded".into())
            ),
        );
    }
    if !f.countries.is_empty() {
        part(
            StaffFilter {
                countries: f.countries.clone(),
                ..all.clone()
            },
            format!(
                "Their office country ({}) is not one of {}.",
                or_none(&p.country),
                f.countries.join(", ")
            ),
        );
    }
    if !f.departments.is_empty() {
        part(
            StaffFilter {
                departments: f.departments.clone(),
                ..all.clone()
            },
            "They are not in the chosen department.".into(),
        );
    }
    if !f.offices.is_empty() {
        part(
            StaffFilter {
                offices: f.offices.clone(),
                ..all.clone()
            },
            format!(
                "Their office ({}) is not {}.",
                or_none(&p.city),
                f.offices.join(" or ")
            ),
        );
    }
    if !f.sources.is_empty() {
        part(
            StaffFilter {
                sources: f.sources.clone(),
                ..all.clone()
            },
            format!("They come from {}, which the filter leaves out.", p.source),
        );
    }
    if !f.job_title.trim().is_empty() {
        part(
            StaffFilter {
                job_title: f.job_title.clone(),
                ..all.clone()
            },
            format!(
                "Their job title ({}) does not contain \u{201c}{}\u{201d}.",
                or_none(&p.job_title),
                f.job_title.trim()
            ),
        );
    }
    if f.started_from.is_some() || f.started_to.is_some() {
        part(
            StaffFilter {
                started_from: f.started_from,
                started_to: f.started_to,
                ..all.clone()
            },
            format!(
                "Their start date ({}) is outside the chosen dates.",
                p.start_date
                    .map(day)
                    .unwrap_or_else(|| "not recorded".into())
            ),
        );
    }
    if let Some(d) = f.anniversary_within {
        part(
            StaffFilter {
                anniversary_within: Some(d),
                ..all.clone()
            },
            format!("They have no work anniversary in the next {d} days."),
        );
    }
    if let Some(d) = f.birthday_within {
        part(
            StaffFilter {
                birthday_within: Some(d),
                ..all.clone()
            },
            format!("Their birthday is not in the next {d} days, or was not shared."),
        );
    }
    out
}

pub async fn explain(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    key: &str,
) -> Result<Option<WhyNot>, ServerError> {
    let Some(PersonKey {
        connection,
        merge_id,
    }) = PersonKey::parse(key)
    else {
        return Ok(None);
    };
    type CampaignRow = (
        Option<String>,
        Option<sqlx::types::Json<StaffFilter>>,
        Option<DateTime<Utc>>,
    );
    let campaign: Option<CampaignRow> = sqlx::query_as(
        "SELECT audience_kind, audience_filter, evaluated_at FROM campaigns WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(campaign_id)
    .fetch_optional(pool)
    .await
    .context("loading a campaign to explain")?;
    let Some((kind, filter, evaluated_at)) = campaign else {
        return Ok(None);
    };
    let person: Option<Person> = sqlx::query_as(
        "SELECT s.display_name, s.work_email, s.job_title, t.name AS team, s.country, s.city, s.start_date,
             s.termination_date, s.deleted, s.removed_at, s.removal_held,
             c.status AS connection_status, c.disconnected_at, c.read_only_until,
             c.label AS source,
             (SELECT c2.label FROM staff s2 JOIN connections c2 ON c2.id = s2.connection_id
              WHERE s2.account_id = s.account_id AND lower(s2.work_email) = lower(s.work_email)
                AND (c2.created_at, c2.id) < (c.created_at, c.id)
                AND staff_in_hr_data(s2.removed_at, s2.deleted)
                AND connection_visible(c2.status, c2.read_only_until)
              ORDER BY c2.created_at LIMIT 1) AS shown_as,
             staff_has_left(s.employment_status, s.termination_date) AS has_left,
             staff_not_started(s.employment_status, s.start_date) AS not_started,
             staff_in_hr_data(s.removed_at, s.deleted) AS in_hr_data,
             connection_visible(c.status, c.read_only_until) AS visible_connection
         FROM staff s JOIN connections c ON c.id = s.connection_id
         LEFT JOIN teams t ON t.connection_id = s.connection_id AND t.merge_id = s.team_id
         WHERE s.account_id = $1 AND s.connection_id = $2 AND s.merge_id = $3",
    )
    .bind(account_id)
    .bind(connection)
    .bind(&merge_id)
    .fetch_optional(pool)
    .await
    .context("loading a person to explain")?;
    let Some(p) = person else {
        return Ok(None);
    };
    type Membership = (bool, Option<(String, DateTime<Utc>)>);
    let (member, excluded): Membership = {
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM campaign_members WHERE campaign_id = $1 AND connection_id = $2 AND merge_id = $3)",
        )
        .bind(campaign_id)
        .bind(connection)
        .bind(&merge_id)
        .fetch_one(pool)
        .await
        .context("checking membership")?;
        let excluded: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT coalesce(u.name, 'someone'), x.excluded_at FROM campaign_exclusions x
             LEFT JOIN users u ON u.id = x.excluded_by
             WHERE x.campaign_id = $1 AND x.connection_id = $2 AND x.merge_id = $3",
        )
        .bind(campaign_id)
        .bind(connection)
        .bind(&merge_id)
        .fetch_optional(pool)
        .await
        .context("checking exclusions")?;
        (member, excluded)
    };

    let mut reasons: Vec<String> = Vec::new();
    if let Some((by, at)) = &excluded {
        reasons.push(format!(
            "{by} excluded them from this campaign on {}.",
            day(at.date_naive())
        ));
    }
    if p.connection_status == "disconnected" {
        let when = p
            .disconnected_at
            .map(|d| day(d.date_naive()))
            .unwrap_or_default();
        if p.visible_connection {
            reasons.push(format!(
                "{} was disconnected on {when}; its people stay available read-only until {}.",
                p.source,
                p.read_only_until
                    .map(|d| day(d.date_naive()))
                    .unwrap_or_default()
            ));
        } else {
            reasons.push(format!("{} was disconnected on {when}.", p.source));
        }
    }
    if p.deleted {
        reasons.push(format!("Their record was deleted in {}.", p.source));
    } else if let Some(at) = p.removed_at {
        reasons.push(format!(
            "{} no longer lists them (since {}).",
            p.source,
            day(at.date_naive())
        ));
    }
    if p.has_left {
        reasons.push(match p.termination_date {
            Some(t) => format!("They left on {}. Leavers never receive gifts.", day(t)),
            None => format!(
                "{} marks them as no longer employed. Leavers never receive gifts.",
                p.source
            ),
        });
    }
    if let Some(other) = &p.shown_as {
        reasons.push(format!(
            "The same work email is also in {other}, which was connected first, so they appear once, through {other}."
        ));
    }
    let filter = filter.map(|f| f.0);
    match (kind.as_deref(), &filter) {
        (None, _) => reasons.push("No recipients have been chosen for this campaign yet.".into()),
        (Some("snapshot"), _) if !member => reasons.push(format!(
            "They were not among the people saved to this fixed list{}.",
            evaluated_at
                .map(|d| format!(" on {}", day(d.date_naive())))
                .unwrap_or_default()
        )),
        (Some("dynamic"), Some(f)) => {
            if p.not_started && !f.include_pending {
                reasons.push(format!(
                    "They start on {}, and this audience leaves out people who have not started yet.",
                    p.start_date.map(day).unwrap_or_else(|| "a later date".into())
                ));
            }
            // Only someone the staff view can show is worth checking part by part; otherwise
            // every part fails for the reason already given.
            let visible = p.in_hr_data && p.shown_as.is_none() && p.visible_connection;
            let checks = if visible { parts(f, &p) } else { Vec::new() };
            for (only, why) in checks {
                if !staff_query::matches(pool, account_id, &only, key).await? {
                    reasons.push(why);
                }
            }
        }
        _ => {}
    }
    let included = reasons.is_empty() && member;
    if included && p.removal_held {
        reasons.push(format!(
            "{} no longer lists them, but the removal is waiting for an admin's review, so they are still included.",
            p.source
        ));
    }
    if p.work_email.is_none() {
        reasons.push("They have no work email, so a gift cannot be emailed to them.".into());
    }
    Ok(Some(WhyNot {
        name: p.display_name,
        included,
        reasons,
    }))
}
