//! `/sandbox/v1`: controls that exist only in the sandbox, for tests and demos. They take the
//! same API key as the Merge endpoints.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::Sandbox;
use super::routes::{ApiKey, detail, json_response};
use super::state::Faults;

pub async fn global_faults(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    Json(faults): Json<Faults>,
) -> Response {
    s.state.lock().global_faults = faults;
    StatusCode::NO_CONTENT.into_response()
}

pub async fn account_faults(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    Path(id): Path<Uuid>,
    Json(faults): Json<Faults>,
) -> Response {
    let mut inner = s.state.lock();
    match inner.accounts.get_mut(&id) {
        Some(account) => {
            account.faults = faults;
            s.state.persist(&inner);
            StatusCode::NO_CONTENT.into_response()
        }
        None => detail(StatusCode::NOT_FOUND, "No linked account with this id."),
    }
}

/// Moves the workforce one generation on: hires, edits, leavers and deletions.
pub async fn advance(State(s): State<Arc<Sandbox>>, _: ApiKey, Path(id): Path<Uuid>) -> Response {
    match s.advance(id) {
        Some(summary) => json_response(&summary),
        None => detail(StatusCode::NOT_FOUND, "No linked account with this id."),
    }
}

/// Ends the running sync now, so tests need not wait for the simulated duration.
pub async fn finish_sync(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    Path(id): Path<Uuid>,
) -> Response {
    let account = {
        let mut inner = s.state.lock();
        let Some(account) = inner.accounts.get_mut(&id) else {
            return detail(StatusCode::NOT_FOUND, "No linked account with this id.");
        };
        let elapsed = (chrono::Utc::now() - account.sync_started)
            .num_milliseconds()
            .max(0);
        account.sync_duration_ms = account.sync_duration_ms.min(elapsed as u64);
        account.clone()
    };
    s.complete_sync(&account);
    StatusCode::NO_CONTENT.into_response()
}
