//! Removals and deletions of a connection's people, for the data receipt, and the removals a
//! sync held back because they were too many, which an admin applies or dismisses.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::audit::{AuditAction, removals_reviewed};
use crate::domain::connection_details::{LIST_LIMIT, PersonLine, Removal, RemovalReason};
use crate::server::error::{Context, ServerError};
use crate::server::store::audit::{self, Actor};

/// `sqlx::$mac!` (with `<$out>`, `query_as!` into `$out`) on `$sql`, then a test for the
/// account's (`$1`) people of the connection (`$2`) held for review, then `$rest`. The macros
/// need literal SQL, so the test lives here rather than in a constant.
macro_rules! held_query {
    ($mac:ident $(<$out:path>)? $sql:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::$mac!(
            $($out,)?
            $sql + " WHERE account_id = $1 AND connection_id = $2 AND removal_held
                AND removed_at IS NULL " + $rest
            $(, $arg)*
        )
    };
}

/// The most recent removals and deletions, newest first, and how many there are in all.
pub async fn recent(
    pool: &PgPool,
    account_id: Uuid,
    connection_id: Uuid,
) -> Result<(Vec<Removal>, i64), ServerError> {
    let rows = sqlx::query!(
        r#"SELECT display_name, job_title,
             coalesce(removed_at, modified_at, last_seen_at) AS "at!", deleted
         FROM staff
         WHERE account_id = $1 AND connection_id = $2 AND (deleted OR removed_at IS NOT NULL)
         ORDER BY "at!" DESC, display_name LIMIT $3"#,
        account_id,
        connection_id,
        LIST_LIMIT,
    )
    .fetch_all(pool)
    .await
    .context("listing removed staff")?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM staff
         WHERE account_id = $1 AND connection_id = $2 AND (deleted OR removed_at IS NOT NULL)"#,
        account_id,
        connection_id,
    )
    .fetch_one(pool)
    .await
    .context("counting removed staff")?;
    let removals = rows
        .into_iter()
        .map(|r| Removal {
            person: PersonLine {
                name: r.display_name,
                job_title: r.job_title,
                at: r.at,
            },
            reason: if r.deleted {
                RemovalReason::DeletedInHrSystem
            } else {
                RemovalReason::NoLongerListed
            },
        })
        .collect();
    Ok((removals, total))
}

/// People held for review (by name), and how many there are in all.
pub async fn held(
    pool: &PgPool,
    account_id: Uuid,
    connection_id: Uuid,
) -> Result<(Vec<PersonLine>, i64), ServerError> {
    let rows = held_query!(
        query_as<PersonLine>
        "SELECT display_name AS name, job_title, last_seen_at AS at FROM staff",
        "ORDER BY display_name LIMIT $3",
        account_id,
        connection_id,
        LIST_LIMIT,
    )
    .fetch_all(pool)
    .await
    .context("listing held removals")?;
    let total = held_query!(
        query_scalar
        r#"SELECT count(*) AS "count!" FROM staff"#,
        "",
        account_id,
        connection_id,
    )
    .fetch_one(pool)
    .await
    .context("counting held removals")?;
    Ok((rows, total))
}

/// Settles the held removals: `apply` removes the people, otherwise they stay (a later full
/// sync that still misses them asks again). Returns how many people were settled.
pub async fn settle_held(
    pool: &PgPool,
    account_id: Uuid,
    connection_id: Uuid,
    apply: bool,
    by: &Actor<'_>,
) -> Result<u64, ServerError> {
    let mut tx = pool.begin().await.context("starting a review")?;
    super::staff_lock::share(&mut tx, account_id).await?;
    let n = if apply {
        held_query!(
            query
            "UPDATE staff SET removal_held = false, removed_at = now()",
            "",
            account_id,
            connection_id,
        )
        .execute(&mut *tx)
        .await
    } else {
        held_query!(
            query
            "UPDATE staff SET removal_held = false",
            "",
            account_id,
            connection_id,
        )
        .execute(&mut *tx)
        .await
    }
    .context("settling held removals")?
    .rows_affected();
    // The hold is what put the connection in "needs attention"; settling it clears that.
    let label = sqlx::query_scalar!(
        "UPDATE connections SET
             people_count = (SELECT count(*) FROM staff
                             WHERE connection_id = $2 AND staff_in_hr_data(removed_at, deleted)),
             status = CASE WHEN status = 'needs_attention' THEN 'healthy' ELSE status END,
             status_reason = CASE WHEN status = 'needs_attention' THEN NULL ELSE status_reason END
         WHERE account_id = $1 AND id = $2
         RETURNING label",
        account_id,
        connection_id,
    )
    .fetch_optional(&mut *tx)
    .await
    .context("updating a reviewed connection")?;
    if let Some(label) = label {
        let detail = removals_reviewed(apply, n);
        audit::record_by(&mut *tx, by, AuditAction::RemovalsReviewed, &label, &detail).await?;
    }
    tx.commit().await.context("committing a review")?;
    super::derived::refresh_account(pool, account_id).await?;
    Ok(n)
}
