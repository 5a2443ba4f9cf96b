//! `POST /webhooks/merge`: verifies Merge's signature over the raw body, processes each delivery
//! once, answers at once and leaves the work to the sync queue.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::server::error::{Context, ServerError};
use crate::server::merge::signature;
use crate::server::state::AppState;
use crate::server::store::connections;
use crate::server::store::jobs::{self, JobKind};

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(sig) = headers.get(signature::HEADER).and_then(|v| v.to_str().ok()) else {
        return StatusCode::UNAUTHORIZED;
    };
    if !signature::verify(
        state.config.merge_webhook_key.expose().as_bytes(),
        &body,
        sig,
    ) {
        tracing::warn!("rejected a webhook with a bad signature");
        return StatusCode::UNAUTHORIZED;
    }
    match handle(&state, sig, &body).await {
        Ok(()) => StatusCode::OK,
        Err(err) => {
            tracing::error!(error = %err, "could not process a webhook");
            // A 5xx makes Merge deliver it again.
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

async fn handle(state: &AppState, sig: &str, body: &[u8]) -> Result<(), ServerError> {
    let Ok(event) = serde_json::from_slice::<Value>(body) else {
        tracing::warn!("ignored a signed webhook that is not JSON");
        return Ok(());
    };
    let first_time = sqlx::query!(
        "INSERT INTO webhook_receipts (signature) VALUES ($1) ON CONFLICT DO NOTHING",
        sig.trim_end_matches('='),
    )
    .execute(&state.pool)
    .await
    .context("recording a webhook")?
    .rows_affected()
        == 1;
    if !first_time {
        return Ok(());
    }
    let name = event["hook"]["event"].as_str().unwrap_or_default();
    let Some(account) = event["linked_account"]["id"].as_str() else {
        return Ok(());
    };
    let Some(connection) = connections::by_merge_account(&state.pool, account).await? else {
        return Ok(());
    };
    let triggers_sync = name == "LinkedAccount.sync_completed"
        || name.starts_with("Employee.")
        || name.starts_with("Team.")
        || name.starts_with("Group.");
    if triggers_sync && connection.data_as_of.is_some() {
        jobs::enqueue(&state.pool, connection.id, JobKind::Webhook).await?;
    }
    tracing::info!(event = name, connection = %connection.id, "webhook received");
    Ok(())
}
