//! Who a campaign reaches. `campaign_members` holds the chosen people (a dynamic audience's
//! latest evaluation, or a fixed snapshot); recipients are the members who are still eligible
//! and not excluded. Dynamic audiences are re-evaluated after every sync, recording who joined
//! and who left.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::campaigns::{self, recipients_query};
use super::staff_query::{self, like_escape};
use crate::domain::campaign::{
    AudienceDiff, AudienceKind, CampaignDetails, Person, RECIPIENTS_PAGE, RecipientsPage,
};
use crate::domain::integration::CampaignLoss;
use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};
use crate::server::model::text::search_text;

/// Replaces a campaign's audience. Only people of the account's own staff are kept, whatever
/// keys were sent. Returns false when the account has no such campaign.
async fn set_audience(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    kind: AudienceKind,
    filter: Option<&StaffFilter>,
    keys: &[String],
) -> Result<bool, ServerError> {
    let (connections, ids) = PersonKey::columns(keys.iter().map(String::as_str));
    let mut tx = pool.begin().await.context("starting to save an audience")?;
    let found = sqlx::query!(
        "UPDATE campaigns SET audience_kind = $3, audience_filter = $4, evaluated_at = now()
         WHERE account_id = $1 AND id = $2",
        account_id,
        campaign_id,
        kind.as_str(),
        filter.map(sqlx::types::Json) as _,
    )
    .execute(&mut *tx)
    .await
    .context("saving an audience")?
    .rows_affected()
        == 1;
    if !found {
        return Ok(false);
    }
    sqlx::query!(
        "DELETE FROM campaign_members WHERE campaign_id = $1",
        campaign_id
    )
    .execute(&mut *tx)
    .await
    .context("clearing an audience")?;
    sqlx::query!(
        "DELETE FROM campaign_changes WHERE campaign_id = $1",
        campaign_id
    )
    .execute(&mut *tx)
    .await
    .context("clearing an audience")?;
    sqlx::query!(
        "INSERT INTO campaign_members (campaign_id, connection_id, merge_id)
         SELECT $1, s.connection_id, s.merge_id
         FROM UNNEST($3::uuid[], $4::text[]) AS k(connection_id, merge_id)
         JOIN staff s ON s.connection_id = k.connection_id AND s.merge_id = k.merge_id
         WHERE s.account_id = $2
         ON CONFLICT DO NOTHING",
        campaign_id,
        account_id,
        &connections,
        &ids,
    )
    .execute(&mut *tx)
    .await
    .context("storing an audience")?;
    tx.commit().await.context("committing an audience")?;
    Ok(true)
}

/// Saves who the campaign reaches: the people picked by hand (always a fixed list), or
/// everyone `filter` matches, followed after every sync (`Dynamic`) or fixed now (`Snapshot`).
pub async fn save(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    kind: AudienceKind,
    filter: &StaffFilter,
    picked: Vec<String>,
) -> Result<bool, ServerError> {
    let filter = StaffFilter {
        page: 0,
        ..filter.clone()
    };
    let (kind, keys) = if picked.is_empty() {
        (
            kind,
            staff_query::all_keys(pool, account_id, &filter).await?,
        )
    } else {
        (AudienceKind::Snapshot, picked)
    };
    let stored_filter = (kind == AudienceKind::Dynamic).then_some(&filter);
    let saved = set_audience(pool, account_id, campaign_id, kind, stored_filter, &keys).await?;
    if saved {
        tracing::info!(campaign = %campaign_id, kind = kind.as_str(), people = keys.len(), "audience saved");
    }
    Ok(saved)
}

/// A dynamic audience's filter as stored, compared as stored when its refresh is saved.
type StoredFilter = sqlx::types::Json<serde_json::Value>;

/// Re-evaluates every open dynamic audience of the account, recording who joined and left.
/// Returns how many campaigns were re-evaluated.
pub async fn refresh_dynamic(pool: &PgPool, account_id: Uuid) -> Result<usize, ServerError> {
    let dynamic = sqlx::query!(
        r#"SELECT id, audience_filter AS "audience_filter!: StoredFilter" FROM campaigns
         WHERE account_id = $1 AND audience_kind = 'dynamic' AND archived_at IS NULL
           AND audience_filter IS NOT NULL"#,
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("finding dynamic audiences")?;
    let mut refreshed = 0;
    for campaign in &dynamic {
        if refresh_one(pool, account_id, campaign.id, &campaign.audience_filter).await? {
            refreshed += 1;
        }
    }
    Ok(refreshed)
}

/// Re-evaluates one dynamic audience from its stored filter; false when an audience saved
/// meanwhile replaced that filter.
async fn refresh_one(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
    stored: &StoredFilter,
) -> Result<bool, ServerError> {
    let filter: StaffFilter = serde_json::from_value(stored.0.clone()).map_err(|e| {
        ServerError::Internal(format!("campaign {id} has an unreadable filter: {e}"))
    })?;
    let keys = staff_query::all_keys(pool, account_id, &filter).await?;
    let (connections, ids) = PersonKey::columns(keys.iter().map(String::as_str));
    let now = Utc::now();
    let mut tx = pool
        .begin()
        .await
        .context("starting to refresh an audience")?;
    // The campaign row first, as saving takes it, so the two never wait for each other in
    // opposite orders; and only if the filter is still the one the keys came from: an
    // audience saved meanwhile is newer than this refresh.
    let current = sqlx::query!(
        "UPDATE campaigns SET evaluated_at = $3
         WHERE id = $1 AND account_id = $2 AND audience_kind = 'dynamic'
           AND archived_at IS NULL AND audience_filter = $4",
        id,
        account_id,
        now,
        stored as _,
    )
    .execute(&mut *tx)
    .await
    .context("stamping an audience")?
    .rows_affected()
        == 1;
    if !current {
        return Ok(false);
    }
    sqlx::query!(
        "WITH fresh AS (SELECT * FROM UNNEST($2::uuid[], $3::text[]) AS f(connection_id, merge_id)),
         gone AS (
             DELETE FROM campaign_members m WHERE m.campaign_id = $1 AND NOT EXISTS (
                 SELECT 1 FROM fresh f WHERE f.connection_id = m.connection_id AND f.merge_id = m.merge_id)
             RETURNING m.connection_id, m.merge_id),
         came AS (
             INSERT INTO campaign_members (campaign_id, connection_id, merge_id)
             SELECT $1, connection_id, merge_id FROM fresh
             ON CONFLICT DO NOTHING
             RETURNING connection_id, merge_id)
         INSERT INTO campaign_changes (campaign_id, evaluated_at, connection_id, merge_id, joined)
         SELECT $1, $4::timestamptz, connection_id, merge_id, false FROM gone
         UNION ALL SELECT $1, $4::timestamptz, connection_id, merge_id, true FROM came",
        id,
        &connections,
        &ids,
        now,
    )
    .execute(&mut *tx)
    .await
    .context("refreshing an audience")?;
    tx.commit()
        .await
        .context("committing an audience refresh")?;
    Ok(true)
}

/// Excludes a person from a campaign (or lets them back in). False when the account has no
/// such campaign.
pub async fn set_excluded(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
    key: &str,
    user_id: Uuid,
    excluded: bool,
) -> Result<bool, ServerError> {
    let (connections, ids) = PersonKey::columns([key]);
    let (Some(connection), Some(merge_id)) = (connections.first(), ids.first()) else {
        return Ok(false);
    };
    if excluded {
        sqlx::query!(
            "INSERT INTO campaign_exclusions (campaign_id, connection_id, merge_id, excluded_by)
             SELECT k.id, s.connection_id, s.merge_id, $5 FROM campaigns k
             JOIN staff s ON s.account_id = k.account_id AND s.connection_id = $3 AND s.merge_id = $4
             WHERE k.account_id = $1 AND k.id = $2
             ON CONFLICT DO NOTHING",
            account_id,
            campaign_id,
            connection,
            merge_id,
            user_id,
        )
        .execute(pool)
        .await
    } else {
        sqlx::query!(
            "DELETE FROM campaign_exclusions x USING campaigns k
             WHERE k.id = x.campaign_id AND k.account_id = $1 AND k.id = $2
               AND x.connection_id = $3 AND x.merge_id = $4",
            account_id,
            campaign_id,
            connection,
            merge_id,
        )
        .execute(pool)
        .await
    }
    .context("changing an exclusion")?;
    Ok(campaigns::get(pool, account_id, campaign_id)
        .await?
        .is_some())
}

pub async fn details(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Option<CampaignDetails>, ServerError> {
    let Some(campaign) = campaigns::get(pool, account_id, id).await? else {
        return Ok(None);
    };
    let excluded = sqlx::query_as!(
        Person,
        r#"SELECT person_key(s.connection_id, s.merge_id) AS "key!", s.display_name AS name,
             s.work_email, s.job_title, c.label AS source
         FROM campaign_exclusions x
         JOIN staff s ON s.connection_id = x.connection_id AND s.merge_id = x.merge_id AND s.account_id = $1
         JOIN connections c ON c.id = s.connection_id
         WHERE x.campaign_id = $2 ORDER BY x.excluded_at DESC"#,
        account_id,
        id,
    )
    .fetch_all(pool)
    .await
    .context("listing exclusions")?;
    // Members not excluded who fail the rest of `campaigns::recipients_query!`'s test, written
    // out here to count those whose staff row is gone as well.
    let no_longer_eligible = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM campaign_members m
         LEFT JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id AND s.account_id = $1
         LEFT JOIN connections c ON c.id = s.connection_id
         WHERE m.campaign_id = $2
           AND NOT EXISTS (SELECT 1 FROM campaign_exclusions x
               WHERE x.campaign_id = m.campaign_id AND x.connection_id = m.connection_id
                 AND x.merge_id = m.merge_id)
           AND (s.merge_id IS NULL OR NOT (staff_in_hr_data(s.removed_at, s.deleted)
               AND connection_visible(c.status, c.read_only_until)
               AND NOT staff_has_left(s.employment_status, s.termination_date)))"#,
        account_id,
        id,
    )
    .fetch_one(pool)
    .await
    .context("counting people no longer eligible")?;
    let last = sqlx::query_scalar!(
        "SELECT max(evaluated_at) FROM campaign_changes WHERE campaign_id = $1",
        id
    )
    .fetch_one(pool)
    .await
    .context("finding the last audience change")?;
    let changes = sqlx::query!(
        r#"SELECT coalesce(s.display_name, 'Someone no longer in your HR data') AS "name!", ch.joined
         FROM campaign_changes ch
         LEFT JOIN staff s ON s.connection_id = ch.connection_id AND s.merge_id = ch.merge_id AND s.account_id = $1
         WHERE ch.campaign_id = $2 AND ch.evaluated_at = $3
         ORDER BY 1"#,
        account_id,
        id,
        last,
    )
    .fetch_all(pool)
    .await
    .context("listing audience changes")?;
    let (joined, left): (Vec<_>, Vec<_>) = changes.into_iter().partition(|c| c.joined);
    Ok(Some(CampaignDetails {
        campaign,
        excluded,
        no_longer_eligible,
        diff: AudienceDiff {
            at: last,
            joined: joined.into_iter().map(|c| c.name).collect(),
            left: left.into_iter().map(|c| c.name).collect(),
        },
    }))
}

/// The account's open campaigns with recipients from this connection: how many of each
/// campaign's recipients come through it, of how many in all.
pub async fn reach_through(
    pool: &PgPool,
    account_id: Uuid,
    connection_id: Uuid,
) -> Result<Vec<CampaignLoss>, ServerError> {
    recipients_query!(
        query_as<CampaignLoss>
        [r#"SELECT k.id AS campaign_id, k.name,
             count(*) FILTER (WHERE s.connection_id = $2) AS "loses!", count(*) AS "of!"
         FROM campaigns k
         JOIN campaign_members m ON m.campaign_id = k.id
         JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id AND s.account_id = $1
         JOIN connections c ON c.id = s.connection_id
         WHERE k.account_id = $1 AND k.archived_at IS NULL AND "#]
        ["GROUP BY k.id, k.name
         HAVING count(*) FILTER (WHERE s.connection_id = $2) > 0
         ORDER BY lower(k.name), k.id"],
        account_id,
        connection_id,
    )
    .fetch_all(pool)
    .await
    .context("counting recipients reached through a connection")
}

/// `sqlx::$mac!` on `$select`, then the campaign's (`$2`) recipients in the account (`$1`)
/// whose search text contains `$3`, then `$rest`.
macro_rules! matching_recipients {
    ($mac:ident $(<$out:path>)? $select:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        recipients_query!(
            $mac $(<$out>)?
            [$select, " FROM campaign_members m
             JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id AND s.account_id = $1
             JOIN connections c ON c.id = s.connection_id
             WHERE m.campaign_id = $2 AND "]
            ["AND s.search_text LIKE '%' || $3 || '%' ", $rest]
            $(, $arg)*
        )
    };
}

/// A page of the campaign's current recipients by name, narrowed to those whose name or work
/// email contains `text` (accents and case aside); `None` when the account has no such campaign.
pub async fn recipients(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
    text: &str,
    page: u32,
) -> Result<Option<RecipientsPage>, ServerError> {
    if campaigns::get(pool, account_id, id).await?.is_none() {
        return Ok(None);
    }
    let q = search_text(&[Some(text.trim())]);
    let pattern = like_escape(&q);
    let (rows, total) = tokio::try_join!(
        async {
            matching_recipients!(
                query_as<Person>
                r#"SELECT person_key(s.connection_id, s.merge_id) AS "key!", s.display_name AS name,
                     s.work_email, s.job_title, c.label AS source"#,
                "ORDER BY lower(s.display_name), s.merge_id LIMIT $4 OFFSET $5",
                account_id,
                id,
                &pattern,
                i64::from(RECIPIENTS_PAGE),
                i64::from(page) * i64::from(RECIPIENTS_PAGE),
            )
            .fetch_all(pool)
            .await
            .context("listing recipients")
        },
        async {
            matching_recipients!(
                query_scalar
                r#"SELECT count(*) AS "count!""#,
                "",
                account_id,
                id,
                &pattern,
            )
            .fetch_one(pool)
            .await
            .context("counting recipients")
        }
    )?;
    Ok(Some(RecipientsPage { rows, total }))
}

/// One exported recipient: what a gifting team needs to send a gift, nothing more.
pub struct ExportRow {
    pub name: String,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub source: String,
}

/// Every recipient of the campaign, by name.
pub async fn export(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Vec<ExportRow>, ServerError> {
    recipients_query!(
        query_as<ExportRow>
        [r#"SELECT s.display_name AS name, s.work_email, s.job_title, t.name AS "team?", s.city,
             s.country, s.start_date, c.label AS source
         FROM campaign_members m
         JOIN campaigns k ON k.id = m.campaign_id AND k.account_id = $1
         JOIN staff s ON s.connection_id = m.connection_id AND s.merge_id = m.merge_id AND s.account_id = $1
         JOIN connections c ON c.id = s.connection_id
         LEFT JOIN teams t ON t.connection_id = s.connection_id AND t.merge_id = s.team_id
         WHERE m.campaign_id = $2 AND "#]
        ["ORDER BY lower(s.display_name), s.merge_id"],
        account_id,
        id,
    )
    .fetch_all(pool)
    .await
    .context("exporting recipients")
}
