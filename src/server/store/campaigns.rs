//! Campaigns of an account: create, list, edit, archive. Every query is scoped to the account.

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::domain::campaign::{AudienceKind, CampaignSummary, ValidCampaign};
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};

/// People who can receive a gift: still in the HR data of a live (or read-only) connection, and
/// not a leaver. `s` is the staff row, `c` its connection.
pub const ELIGIBLE: &str = "staff_in_hr_data(s.removed_at, s.deleted)
    AND connection_visible(c.status, c.read_only_until)
    AND NOT staff_has_left(s.employment_status, s.termination_date)";

/// The member `m` of campaign `k` is not excluded from it.
pub const NOT_EXCLUDED: &str = "NOT EXISTS (SELECT 1 FROM campaign_exclusions x
    WHERE x.campaign_id = m.campaign_id AND x.connection_id = m.connection_id AND x.merge_id = m.merge_id)";

type Row = (
    Uuid,
    String,
    String,
    Option<i64>,
    String,
    String,
    Option<String>,
    Option<sqlx::types::Json<StaffFilter>>,
    i64,
    chrono::DateTime<chrono::Utc>,
    bool,
);

fn summary(r: Row) -> CampaignSummary {
    CampaignSummary {
        id: r.0,
        name: r.1,
        occasion: r.2,
        budget_minor: r.3,
        currency: r.4,
        notes: r.5,
        audience: r.6.as_deref().and_then(AudienceKind::parse),
        audience_query: r.7.map(|f| f.0.to_query()),
        recipients: r.8,
        created_at: r.9,
        archived: r.10,
    }
}

fn select(filter: &str) -> String {
    format!(
        "SELECT k.id, k.name, k.occasion, k.budget_minor, k.currency, k.notes, k.audience_kind,
             k.audience_filter,
             (SELECT count(*) FROM campaign_members m
                JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id
                    AND s.account_id = k.account_id
                JOIN connections c ON c.id = s.connection_id
              WHERE m.campaign_id = k.id AND {ELIGIBLE} AND {NOT_EXCLUDED}),
             k.created_at, k.archived_at IS NOT NULL
         FROM campaigns k WHERE k.account_id = $1 {filter}"
    )
}

pub async fn create(
    pool: &PgPool,
    account_id: Uuid,
    user_id: Uuid,
    c: &ValidCampaign,
) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO campaigns (id, account_id, name, occasion, budget_minor, currency, notes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(account_id)
    .bind(&c.name)
    .bind(&c.occasion)
    .bind(c.budget_minor)
    .bind(&c.currency)
    .bind(&c.notes)
    .bind(user_id)
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
    let filter = if archived {
        "AND k.archived_at IS NOT NULL ORDER BY k.archived_at DESC"
    } else {
        "AND k.archived_at IS NULL ORDER BY k.created_at DESC"
    };
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(select(filter)))
        .bind(account_id)
        .fetch_all(pool)
        .await
        .context("listing campaigns")?;
    Ok(rows.into_iter().map(summary).collect())
}

pub async fn get(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Option<CampaignSummary>, ServerError> {
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(select("AND k.id = $2")))
        .bind(account_id)
        .bind(id)
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
    let n = sqlx::query(
        "UPDATE campaigns SET name = $3, occasion = $4, budget_minor = $5, currency = $6, notes = $7
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(&c.name)
    .bind(&c.occasion)
    .bind(c.budget_minor)
    .bind(&c.currency)
    .bind(&c.notes)
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
    let n = sqlx::query(
        "UPDATE campaigns SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .bind(archived)
    .execute(pool)
    .await
    .context("archiving a campaign")?
    .rows_affected();
    Ok(n == 1)
}
