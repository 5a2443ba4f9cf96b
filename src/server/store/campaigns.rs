//! Campaigns of an account: create, list, edit, archive. Every query is scoped to the account.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::campaign::{AudienceKind, CampaignSummary, ValidCampaign};
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};

/// `sqlx::$mac!` (with `<$out>`, `query_as!` into `$out`) on the literal pieces `$before`, then
/// the test that the member `m` of a campaign is one of its recipients, then `$after`. A
/// recipient can receive a gift: their staff row `s` is still in the HR data of a live (or
/// read-only) connection `c`, they are not a leaver, and they are not excluded from the
/// campaign. The macros need literal SQL, so the test lives here rather than in a constant.
macro_rules! recipients_query {
    ($mac:ident $(<$out:path>)? [$($before:literal),+] [$($after:literal),*] $(, $arg:expr)* $(,)?) => {
        sqlx::$mac!(
            $($out,)?
            $($before +)+ "staff_in_hr_data(s.removed_at, s.deleted)
                AND connection_visible(c.status, c.read_only_until)
                AND NOT staff_has_left(s.employment_status, s.termination_date)
                AND NOT EXISTS (SELECT 1 FROM campaign_exclusions x
                    WHERE x.campaign_id = m.campaign_id AND x.connection_id = m.connection_id
                      AND x.merge_id = m.merge_id) " $(+ $after)*
            $(, $arg)*
        )
    };
}
pub(super) use recipients_query;

/// A campaign as stored, with how many recipients it has.
struct Row {
    id: Uuid,
    name: String,
    occasion: String,
    budget_minor: Option<i64>,
    currency: String,
    notes: String,
    audience_kind: Option<String>,
    audience_filter: Option<sqlx::types::Json<StaffFilter>>,
    recipients: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    archived: bool,
}

fn summary(r: Row) -> CampaignSummary {
    CampaignSummary {
        id: r.id,
        name: r.name,
        occasion: r.occasion,
        budget_minor: r.budget_minor,
        currency: r.currency,
        notes: r.notes,
        audience: r.audience_kind.as_deref().and_then(AudienceKind::parse),
        audience_query: r.audience_filter.map(|f| f.0.to_query()),
        recipients: r.recipients,
        created_at: r.created_at,
        archived: r.archived,
    }
}

/// `query_as!` into [`Row`] for the account's (`$1`) campaigns narrowed by `$filter`.
macro_rules! campaign_query {
    ($filter:literal $(, $arg:expr)* $(,)?) => {
        recipients_query!(
            query_as<Row>
            [r#"SELECT k.id, k.name, k.occasion, k.budget_minor, k.currency, k.notes, k.audience_kind,
                 k.audience_filter AS "audience_filter: sqlx::types::Json<StaffFilter>",
                 (SELECT count(*) FROM campaign_members m
                    JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id
                        AND s.account_id = k.account_id
                    JOIN connections c ON c.id = s.connection_id
                  WHERE m.campaign_id = k.id AND "#]
            [r#") AS "recipients!", k.created_at, k.archived_at IS NOT NULL AS "archived!"
             FROM campaigns k WHERE k.account_id = $1 "#, $filter]
            $(, $arg)*
        )
    };
}

pub async fn create(
    pool: &PgPool,
    account_id: Uuid,
    user_id: Uuid,
    c: &ValidCampaign,
) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO campaigns (id, account_id, name, occasion, budget_minor, currency, notes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        account_id,
        &c.name,
        &c.occasion,
        c.budget_minor,
        &c.currency,
        &c.notes,
        user_id,
    )
    .execute(pool)
    .await
    .context("creating a campaign")?;
    Ok(id)
}

/// Open campaigns first (newest first), then archived ones when asked for.
pub async fn list(
    pool: &PgPool,
    account_id: Uuid,
    archived: bool,
) -> Result<Vec<CampaignSummary>, ServerError> {
    let rows = if archived {
        campaign_query!(
            "AND k.archived_at IS NOT NULL ORDER BY k.archived_at DESC",
            account_id
        )
        .fetch_all(pool)
        .await
    } else {
        campaign_query!(
            "AND k.archived_at IS NULL ORDER BY k.created_at DESC",
            account_id
        )
        .fetch_all(pool)
        .await
    }
    .context("listing campaigns")?;
    Ok(rows.into_iter().map(summary).collect())
}

pub async fn get(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Option<CampaignSummary>, ServerError> {
    let row = campaign_query!("AND k.id = $2", account_id, id)
        .fetch_optional(pool)
        .await
        .context("loading a campaign")?;
    Ok(row.map(summary))
}

/// Saves the campaign form; false when there is no such campaign in the account.
pub async fn update(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
    c: &ValidCampaign,
) -> Result<bool, ServerError> {
    let n = sqlx::query!(
        "UPDATE campaigns SET name = $3, occasion = $4, budget_minor = $5, currency = $6, notes = $7
         WHERE account_id = $1 AND id = $2",
        account_id,
        id,
        &c.name,
        &c.occasion,
        c.budget_minor,
        &c.currency,
        &c.notes,
    )
    .execute(pool)
    .await
    .context("updating a campaign")?
    .rows_affected();
    Ok(n == 1)
}

pub async fn set_archived(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
    archived: bool,
) -> Result<bool, ServerError> {
    let n = sqlx::query!(
        "UPDATE campaigns SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END
         WHERE account_id = $1 AND id = $2",
        account_id,
        id,
        archived,
    )
    .execute(pool)
    .await
    .context("archiving a campaign")?
    .rows_affected();
    Ok(n == 1)
}
