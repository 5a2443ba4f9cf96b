//! Disconnecting an HR system: Merge's linked account is deleted either way, so the HR system
//! is no longer read; the synced staff is either kept read-only for 30 days or purged now.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::AppError;
use crate::server::crypto::SecretBox;
use crate::server::error::ServerError;
use crate::server::merge::client::MergeClient;
use crate::server::store::audit::Actor;
use crate::server::store::connections;
use crate::server::store::derived;

/// Days a disconnected connection's staff stays available, read-only.
pub const KEEP_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Retention {
    KeepReadOnly,
    DeleteNow,
}

pub async fn disconnect(
    pool: &PgPool,
    secrets: &SecretBox,
    merge: &MergeClient,
    account_id: Uuid,
    id: Uuid,
    retention: Retention,
    by: &Actor<'_>,
) -> Result<(), AppError> {
    let c = connections::get(pool, account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    if c.category != "hris" {
        return Err(AppError::Conflict(
            "CRM integrations are managed by your &Open account team.".into(),
        ));
    }
    if let Some(token) = connections::account_token(pool, secrets, id).await? {
        match merge.delete_account(&token).await {
            Ok(()) => {}
            // Already gone at Merge (or its credentials were revoked): nothing left to delete.
            Err(e)
                if e.status()
                    .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 404) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not delete the linked account at Merge");
                return Err(AppError::Unavailable(
                    "We couldn't reach the connection service to disconnect. Nothing was changed; try again in a minute.".into(),
                ));
            }
        }
    }
    purge(pool, id, retention, Some(by)).await?;
    tracing::info!(connection = %id, ?retention, "HR system disconnected");
    Ok(())
}

/// Cancels the connection's syncs and marks it disconnected, keeping its staff read-only for
/// `KEEP_DAYS` or deleting it now; then works out again who campaigns can choose.
async fn purge(
    pool: &PgPool,
    id: Uuid,
    retention: Retention,
    by: Option<&Actor<'_>>,
) -> Result<(), ServerError> {
    let keep_until = (retention == Retention::KeepReadOnly)
        .then(|| Utc::now() + chrono::Duration::days(KEEP_DAYS));
    let reason = match keep_until {
        Some(until) => format!(
            "Disconnected. The last synced staff stays available, read-only, until {}.",
            until.format("%-d %b %Y")
        ),
        None => "Disconnected. All synced staff data was deleted.".to_owned(),
    };
    let account = connections::mark_disconnected(pool, id, keep_until, &reason, by).await?;
    derived::refresh_account(pool, account).await?;
    Ok(())
}

/// Deletes the staff of connections whose read-only period is over.
pub async fn purge_expired(pool: &PgPool) -> Result<u64, ServerError> {
    let ids = connections::read_only_expired(pool).await?;
    for id in &ids {
        purge(pool, *id, Retention::DeleteNow, None).await?;
    }
    Ok(ids.len() as u64)
}
