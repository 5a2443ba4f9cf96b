//! Slows down password guessing: after too many failures for one email, or from one client
//! address, within the window, sign-in is refused until the oldest failure leaves the window.
//! Kept in Postgres so the limit holds across replicas.

use sqlx::PgPool;

use crate::server::error::{Context, ServerError};

pub const WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 20;

/// `Some(seconds to wait)` when this email or address is currently throttled.
pub async fn retry_after(pool: &PgPool, email: &str, ip: &str) -> Result<Option<u64>, ServerError> {
    let wait: Option<i64> = sqlx::query_scalar(
        "WITH by_email AS (
             SELECT failed_at FROM login_failures
             WHERE email = $1 AND failed_at > now() - make_interval(secs => $3)
             ORDER BY failed_at DESC OFFSET $4 - 1 LIMIT 1
         ), by_ip AS (
             SELECT failed_at FROM login_failures
             WHERE client_ip = $2 AND failed_at > now() - make_interval(secs => $3)
             ORDER BY failed_at DESC OFFSET $5 - 1 LIMIT 1
         )
         SELECT ceil(extract(epoch FROM max(failed_at) + make_interval(secs => $3) - now()))::bigint
         FROM (SELECT failed_at FROM by_email UNION ALL SELECT failed_at FROM by_ip) t",
    )
    .bind(email)
    .bind(ip)
    .bind(WINDOW_SECS as f64)
    .bind(MAX_FAILURES_PER_EMAIL)
    .bind(MAX_FAILURES_PER_IP)
    .fetch_one(pool)
    .await
    .context("checking sign-in throttling")?;
    Ok(wait.filter(|w| *w > 0).map(|w| w as u64))
}

pub async fn record_failure(pool: &PgPool, email: &str, ip: &str) -> Result<(), ServerError> {
    sqlx::query("INSERT INTO login_failures (email, client_ip) VALUES ($1, $2)")
        .bind(email)
        .bind(ip)
        .execute(pool)
        .await
        .context("recording a failed sign-in")?;
    sqlx::query("DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => $1)")
        .bind(WINDOW_SECS as f64)
        .execute(pool)
        .await
        .context("pruning old sign-in failures")?;
    Ok(())
}

pub async fn clear(pool: &PgPool, email: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await
        .context("clearing sign-in failures")?;
    Ok(())
}
