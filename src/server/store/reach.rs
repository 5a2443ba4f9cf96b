//! What a connection's synced people amount to for campaigns: who can be chosen and why the
//! others are not offered, and which recipient filters find no one from it because its HR
//! system sent no data for them. Both use the recipients query's own rules (`rules`).

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use super::rules::IN_HR_DATA;
use crate::domain::field_policy::{Consent, FieldKey};
use crate::domain::integration::{MissingAccess, Reach};
use crate::domain::sync_job::JobState;
use crate::server::error::{Context, ServerError};
use crate::server::store::connections::{Connection, ConnectionStatus};
use crate::server::store::jobs::Job;

pub async fn reach(pool: &PgPool, connection_id: Uuid) -> Result<Reach, ServerError> {
    sqlx::query_as!(
        Reach,
        r#"SELECT count(*) AS "synced!",
                count(*) FILTER (WHERE staff_has_left(p.employment_status, p.termination_date))
                    AS "leavers!",
                count(*) FILTER (WHERE NOT staff_has_left(p.employment_status, p.termination_date)
                    AND staff_not_started(p.employment_status, p.start_date)) AS "not_started!",
                count(*) FILTER (WHERE NOT staff_has_left(p.employment_status, p.termination_date)
                    AND NOT staff_not_started(p.employment_status, p.start_date)
                    AND NOT p.is_primary) AS "listed_elsewhere!",
                count(*) FILTER (WHERE NOT staff_has_left(p.employment_status, p.termination_date)
                    AND NOT staff_not_started(p.employment_status, p.start_date)
                    AND p.is_primary) AS "recipients!"
         FROM staff p
         WHERE p.connection_id = $1 AND staff_in_hr_data(p.removed_at, p.deleted)"#,
        connection_id,
    )
    .fetch_one(pool)
    .await
    .context("working out who campaigns can choose")
}

/// Each consented field the recipient filters read, the filters it feeds (as the People page
/// names them) and the test for a person having it.
const FILTER_SOURCES: &[(FieldKey, &[&str], &str)] = &[
    (FieldKey::Team, &["Team"], "p.team_id IS NOT NULL"),
    (FieldKey::Team, &["Department"], "p.department_ids <> '{}'"),
    (
        FieldKey::Manager,
        &["Reports to"],
        "p.manager_id IS NOT NULL",
    ),
    (
        FieldKey::JobTitle,
        &["Job title contains"],
        "coalesce(p.job_title, '') <> ''",
    ),
    (
        FieldKey::WorkLocation,
        &["Office country"],
        "p.country IS NOT NULL",
    ),
    (FieldKey::WorkLocation, &["Office"], "p.city IS NOT NULL"),
    (
        FieldKey::StartDate,
        &[
            "Joined",
            "Started on or after",
            "Started on or before",
            "Work anniversary",
        ],
        "p.start_date IS NOT NULL",
    ),
    (
        FieldKey::Birthday,
        &["Birthday"],
        "p.birthday_month IS NOT NULL",
    ),
];

/// The recipient filters that find no one from this connection although its people were shared
/// for them: no one arrived with the data they read.
pub async fn empty_filters(
    pool: &PgPool,
    connection_id: Uuid,
    consent: &Consent,
) -> Result<Vec<String>, ServerError> {
    let sources: Vec<_> = FILTER_SOURCES
        .iter()
        .filter(|(key, _, _)| consent.allows(*key))
        .collect();
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<String> = sources
        .iter()
        .map(|(_, _, has)| format!("bool_or({has})"))
        .collect();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM staff p
         WHERE p.connection_id = $1 AND {IN_HR_DATA}",
        columns.join(", ")
    )))
    .bind(connection_id)
    .fetch_one(pool)
    .await
    .context("finding filters a connection leaves empty")?;
    use sqlx::Row;
    let mut out = Vec::new();
    for (i, (_, filters, _)) in sources.iter().enumerate() {
        let any: Option<bool> = row.try_get(i).context("reading a filter's coverage")?;
        if any == Some(false) {
            out.extend(filters.iter().map(|f| (*f).to_owned()));
        }
    }
    Ok(out)
}

/// What the HR system withholds, when the latest sync ended on an ongoing Merge issue: such a
/// sync ends "partial" without held removals, and the status reason is Merge's description of
/// what the HR system refused.
pub async fn missing_access(
    pool: &PgPool,
    c: &Connection,
    latest: Option<&Job>,
) -> Result<Option<MissingAccess>, ServerError> {
    let withheld = c.status == ConnectionStatus::NeedsAttention
        && latest.is_some_and(|j| j.state == JobState::Partial && j.held_removals == 0);
    match (withheld, &c.status_reason) {
        (true, Some(problem)) => Ok(Some(MissingAccess {
            problem: problem.clone(),
            empty_filters: empty_filters(pool, c.id, &c.consent).await?,
        })),
        _ => Ok(None),
    }
}
