//! "Why isn't this person in my list?": for one person and one campaign, every reason they are
//! not a recipient, in plain words. Checks the person's own record (left, removed, deleted,
//! their HR system disconnected), the campaign (excluded, not picked) and each part of a
//! dynamic audience's filter on its own. The facts come from the store (`store::why_not`).

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::campaign::WhyNot;
use crate::domain::staff_filter::{FilterPart, StaffFilter};
use crate::server::error::ServerError;
use crate::server::store::staff_query;
use crate::server::store::why_not::{self, Case, Person};

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn or_none(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "not recorded".into())
}

/// Each part of a filter on its own, with the reason to give when the person fails it.
fn parts(f: &StaffFilter, p: &Person) -> Vec<(StaffFilter, String)> {
    f.parts()
        .into_iter()
        .map(|part| (part.only(f), reason(part, f, p)))
        .collect()
}

/// Why `p` fails `part` of `f`, in the words of their own record where it says why.
fn reason(part: FilterPart, f: &StaffFilter, p: &Person) -> String {
    let started = || {
        p.start_date
            .map(day)
            .unwrap_or_else(|| "not recorded".into())
    };
    match part {
        FilterPart::Text => format!(
            "Their name and work email do not match the search \u{201c}{}\u{201d}.",
            f.q.trim()
        ),
        FilterPart::Teams => format!(
            "They are not in the chosen team (their team: {}).",
            or_none(&p.team)
        ),
        FilterPart::Manager if f.direct_only => {
            "They do not report directly to the chosen manager.".into()
        }
        FilterPart::Manager => "They are not in the chosen manager's reporting line.".into(),
        FilterPart::Joined => format!(
            "They did not join in the last {} days (start date: {}).",
            f.joined_within.unwrap_or_default(),
            started()
        ),
        FilterPart::Countries => format!(
            "Their office country ({}) is not one of {}.",
            or_none(&p.country),
            f.countries.join(", ")
        ),
        FilterPart::Departments => "They are not in the chosen department.".into(),
        FilterPart::Offices => format!(
            "Their office ({}) is not {}.",
            or_none(&p.city),
            f.offices.join(" or ")
        ),
        FilterPart::Sources => format!("They come from {}, which the filter leaves out.", p.source),
        FilterPart::JobTitle => format!(
            "Their job title ({}) does not contain \u{201c}{}\u{201d}.",
            or_none(&p.job_title),
            f.job_title.trim()
        ),
        FilterPart::StartDates => format!(
            "Their start date ({}) is outside the chosen dates.",
            started()
        ),
        FilterPart::Anniversary => format!(
            "They have no work anniversary in the next {} days.",
            f.anniversary_within.unwrap_or_default()
        ),
        FilterPart::Birthday => format!(
            "Their birthday is not in the next {} days, or was not shared.",
            f.birthday_within.unwrap_or_default()
        ),
    }
}

pub async fn explain(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    key: &str,
) -> Result<Option<WhyNot>, ServerError> {
    let Some(case) = why_not::case(pool, account_id, campaign_id, key).await? else {
        return Ok(None);
    };
    let mut reasons: Vec<String> = Vec::new();
    if let Some((by, at)) = &case.excluded {
        reasons.push(format!(
            "{by} excluded them from this campaign on {}.",
            day(at.date_naive())
        ));
    }
    reasons.extend(record_reasons(&case.person));
    reasons.extend(audience_reasons(pool, account_id, key, &case).await?);
    let p = case.person;
    let member = case.member;
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

/// What in the person's own record keeps them out: their HR system disconnected, their record
/// gone, having left, or being listed through another system.
fn record_reasons(p: &Person) -> Vec<String> {
    let mut reasons = Vec::new();
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
    reasons
}

/// What in the campaign's audience keeps them out: none chosen yet, not among a fixed list, or
/// each part of a dynamic audience's filter they fail.
async fn audience_reasons(
    pool: &PgPool,
    account_id: Uuid,
    key: &str,
    case: &Case,
) -> Result<Vec<String>, ServerError> {
    let p = &case.person;
    let mut reasons = Vec::new();
    match (case.audience_kind.as_deref(), &case.filter) {
        (None, _) => reasons.push("No recipients have been chosen for this campaign yet.".into()),
        (Some("snapshot"), _) if !case.member => reasons.push(format!(
            "They were not among the people saved to this fixed list{}.",
            case.evaluated_at
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
            let checks = if visible { parts(f, p) } else { Vec::new() };
            for (only, why) in checks {
                if !staff_query::matches(pool, account_id, &only, key).await? {
                    reasons.push(why);
                }
            }
        }
        _ => {}
    }
    Ok(reasons)
}
