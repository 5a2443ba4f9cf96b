use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

/// Liveness and readiness in one: answers 200 only when the database answers.
pub async fn healthz(State(pool): State<PgPool>) -> (StatusCode, Json<Value>) {
    let db = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        sqlx::query_scalar!(r#"SELECT 1 AS "one!""#).fetch_one(&pool),
    )
    .await;
    match db {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok"})),
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database query failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": "error"})),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": "timeout"})),
        ),
    }
}
