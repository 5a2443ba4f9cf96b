//! What "why isn't this person in my list?" is answered from: one person's record in one
//! account, with the rules every listing applies, and where they stand in one campaign. The
//! sentences are written by the campaigns service (`server::campaigns::why_not`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};

/// One person's record, with the who-counts rules (`rules`) as the database reads them.
pub struct Person {
    pub display_name: String,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub termination_date: Option<NaiveDate>,
    pub deleted: bool,
    pub removed_at: Option<DateTime<Utc>>,
    pub removal_held: bool,
    pub connection_status: String,
    pub disconnected_at: Option<DateTime<Utc>>,
    pub read_only_until: Option<DateTime<Utc>>,
    pub source: String,
    pub shown_as: Option<String>,
    pub has_left: bool,
    pub not_started: bool,
    pub in_hr_data: bool,
    pub visible_connection: bool,
}

/// A person and a campaign, as far as explaining one to the other needs.
pub struct Case {
    pub person: Person,
    /// `snapshot` or `dynamic`; none before an audience was chosen.
    pub audience_kind: Option<String>,
    pub filter: Option<StaffFilter>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub member: bool,
    /// Who excluded them, and when.
    pub excluded: Option<(String, DateTime<Utc>)>,
}

/// The person `key` and campaign `campaign_id` of the account, or `None` when either is not
/// the account's.
pub async fn case(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    key: &str,
) -> Result<Option<Case>, ServerError> {
    let Some(PersonKey {
        connection,
        merge_id,
    }) = PersonKey::parse(key)
    else {
        return Ok(None);
    };
    let Some(audience) = audience(pool, account_id, campaign_id).await? else {
        return Ok(None);
    };
    let Some(person) = person(pool, account_id, connection, &merge_id).await? else {
        return Ok(None);
    };
    let member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM campaign_members WHERE campaign_id = $1 AND connection_id = $2 AND merge_id = $3) AS "member!""#,
        campaign_id,
        connection,
        &merge_id,
    )
    .fetch_one(pool)
    .await
    .context("checking membership")?;
    let excluded = sqlx::query!(
        r#"SELECT coalesce(u.name, 'someone') AS "by!", x.excluded_at FROM campaign_exclusions x
         LEFT JOIN users u ON u.id = x.excluded_by
         WHERE x.campaign_id = $1 AND x.connection_id = $2 AND x.merge_id = $3"#,
        campaign_id,
        connection,
        &merge_id,
    )
    .fetch_optional(pool)
    .await
    .context("checking exclusions")?;
    Ok(Some(Case {
        person,
        audience_kind: audience.audience_kind,
        filter: audience.audience_filter.map(|f| f.0),
        evaluated_at: audience.evaluated_at,
        member,
        excluded: excluded.map(|x| (x.by, x.excluded_at)),
    }))
}

type FilterJson = sqlx::types::Json<StaffFilter>;

/// How the campaign chose its audience, if it is the account's.
struct Audience {
    audience_kind: Option<String>,
    audience_filter: Option<FilterJson>,
    evaluated_at: Option<DateTime<Utc>>,
}

async fn audience(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
) -> Result<Option<Audience>, ServerError> {
    sqlx::query_as!(
        Audience,
        r#"SELECT audience_kind, audience_filter AS "audience_filter: FilterJson", evaluated_at
         FROM campaigns WHERE account_id = $1 AND id = $2"#,
        account_id,
        campaign_id,
    )
    .fetch_optional(pool)
    .await
    .context("loading a campaign to explain")
}

/// The person's record in the account, with where their connection stands.
async fn person(
    pool: &PgPool,
    account_id: Uuid,
    connection: Uuid,
    merge_id: &str,
) -> Result<Option<Person>, ServerError> {
    sqlx::query_as!(
        Person,
        r#"SELECT s.display_name, s.work_email, s.job_title, t.name AS "team?", s.country, s.city,
             s.start_date, s.termination_date, s.deleted, s.removed_at, s.removal_held,
             c.status AS connection_status, c.disconnected_at, c.read_only_until,
             c.label AS source,
             (SELECT c2.label FROM staff s2 JOIN connections c2 ON c2.id = s2.connection_id
              WHERE s2.account_id = s.account_id AND lower(s2.work_email) = lower(s.work_email)
                AND (c2.created_at, c2.id) < (c.created_at, c.id)
                AND staff_in_hr_data(s2.removed_at, s2.deleted)
                AND connection_visible(c2.status, c2.read_only_until)
              ORDER BY c2.created_at LIMIT 1) AS "shown_as?",
             staff_has_left(s.employment_status, s.termination_date) AS "has_left!",
             staff_not_started(s.employment_status, s.start_date) AS "not_started!",
             staff_in_hr_data(s.removed_at, s.deleted) AS "in_hr_data!",
             connection_visible(c.status, c.read_only_until) AS "visible_connection!"
         FROM staff s JOIN connections c ON c.id = s.connection_id
         LEFT JOIN teams t ON t.connection_id = s.connection_id AND t.merge_id = s.team_id
         WHERE s.account_id = $1 AND s.connection_id = $2 AND s.merge_id = $3"#,
        account_id,
        connection,
        merge_id,
    )
    .fetch_optional(pool)
    .await
    .context("loading a person to explain")
}
