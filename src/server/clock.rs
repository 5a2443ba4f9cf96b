//! The time as the app reads it for links that expire and reminders that fall due. Browser
//! tests move it forward (`TEST_CLOCK=true`, development only) to see a week pass without
//! waiting a week; everywhere else it is the system clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::state::AppState;

#[derive(Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves the clock `days` ahead of the system clock (0 puts it back).
    pub fn set_days_ahead(&self, days: i64) {
        self.offset_secs.store(days * 86_400, Ordering::Relaxed);
    }
}

#[derive(Deserialize)]
pub struct SetClock {
    days_ahead: i64,
}

/// `POST /test/clock {"days_ahead": 8}`: only routed when `TEST_CLOCK` is on in development.
pub async fn set(State(state): State<AppState>, Json(body): Json<SetClock>) -> StatusCode {
    if !(0..=366).contains(&body.days_ahead) {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    state.clock.set_days_ahead(body.days_ahead);
    tracing::info!(days_ahead = body.days_ahead, "test clock moved");
    StatusCode::NO_CONTENT
}
