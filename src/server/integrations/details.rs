//! The connection details page for one of the account's connections: data receipt, sync
//! history and held removals, and the review of those removals.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::views;
use crate::domain::connection_details::{
    ChangeTotals, ConnectionDetails, HISTORY_LIMIT, SyncRecord,
};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::alerts;
use crate::server::error::{Context, ServerError};
use crate::server::model::records::SkipReason;
use crate::server::state::AppState;
use crate::server::store::audit::Actor;
use crate::server::store::jobs::{self, Job, JobState};
use crate::server::store::{connections, removals};

fn record(job: &Job) -> SyncRecord {
    SyncRecord {
        id: job.id,
        trigger: job.kind.trigger().to_owned(),
        outcome: job.state,
        started_at: job.started_at,
        finished_at: job.finished_at,
        added: job.added.into(),
        updated: job.updated.into(),
        removed: job.removed.into(),
        held: job.held_removals.into(),
        skipped: job
            .skip_reasons
            .0
            .iter()
            .map(|(key, n)| (SkipReason::label_of_key(key).to_owned(), *n))
            .collect(),
        // Errors are written for the admin (see `sync::run`); a running job's last transient
        // error is noise until it fails for good.
        error: job.error.clone().filter(|_| job.state == JobState::Failed),
    }
}

pub async fn details(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Option<ConnectionDetails>, ServerError> {
    let Some(c) = connections::get(pool, account_id, id).await? else {
        return Ok(None);
    };
    let history = jobs::history(pool, c.id, HISTORY_LIMIT).await?;
    let changes = sqlx::query_as!(
        ChangeTotals,
        r#"SELECT count(*) AS "syncs!", coalesce(sum(added), 0) AS "added!",
             coalesce(sum(updated), 0) AS "updated!", coalesce(sum(removed), 0) AS "removed!"
         FROM sync_jobs WHERE connection_id = $1 AND created_at >= $2 AND state <> 'queued'"#,
        c.id,
        c.consented_at,
    )
    .fetch_one(pool)
    .await
    .context("totalling changes since consent")?;
    let (removals, removals_total) = removals::recent(pool, account_id, c.id).await?;
    let (held, held_total) = removals::held(pool, account_id, c.id).await?;
    Ok(Some(ConnectionDetails {
        connection: views::view(pool, &c).await?,
        changes,
        history: history.iter().map(record).collect(),
        removals,
        removals_total,
        held,
        held_total,
    }))
}

/// Applies (`apply`) or dismisses the removals a sync held for review, then reviews incidents
/// at once, so the banner and the "Fixed" email follow the review rather than the next minute.
pub async fn review_held(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    apply: bool,
    client_ip: &str,
) -> Result<u64, AppError> {
    connections::get(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    let by = Actor::user(user, client_ip);
    let n = removals::settle_held(&state.pool, user.account_id, id, apply, &by).await?;
    tracing::info!(connection = %id, apply, people = n, "held removals reviewed");
    alerts::review(&state.pool, &state.config.public_url, Utc::now()).await?;
    Ok(n)
}
