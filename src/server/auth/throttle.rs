//! Slows down guessing and flooding: after too many events for one address, or from one client
//! address, within a window, the action is refused until the oldest event leaves the window.
//! Kept in Postgres so the limit holds across replicas. Failed sign-ins and "Forgot your
//! password?" requests are each counted in their own table under the same rule.

use sqlx::{AssertSqlSafe, PgPool};

use crate::server::error::{Context, ServerError};

/// One throttled action: the table its events are kept in and its limits.
pub struct Limit {
    table: &'static str,
    at_column: &'static str,
    pub window_secs: i64,
    pub per_email: i64,
    pub per_client: i64,
}

/// Failed sign-ins (and wrong current passwords on "Your account").
pub const SIGN_IN: Limit = Limit {
    table: "login_failures",
    at_column: "failed_at",
    window_secs: 15 * 60,
    per_email: 5,
    per_client: 20,
};

/// Password reset requests, counted whether or not the address has a login.
pub const RESET: Limit = Limit {
    table: "reset_requests",
    at_column: "requested_at",
    window_secs: 3600,
    per_email: 3,
    per_client: 20,
};

/// `Some(seconds to wait)` when this email or address is currently throttled for `limit`.
pub async fn wait(
    pool: &PgPool,
    limit: &Limit,
    email: &str,
    ip: &str,
) -> Result<Option<u64>, ServerError> {
    let Limit {
        table, at_column, ..
    } = limit;
    let wait: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "WITH by_email AS (
             SELECT {at_column} AS at FROM {table}
             WHERE email = $1 AND {at_column} > now() - make_interval(secs => $3)
             ORDER BY {at_column} DESC OFFSET $4 - 1 LIMIT 1
         ), by_ip AS (
             SELECT {at_column} AS at FROM {table}
             WHERE client_ip = $2 AND {at_column} > now() - make_interval(secs => $3)
             ORDER BY {at_column} DESC OFFSET $5 - 1 LIMIT 1
         )
         SELECT ceil(extract(epoch FROM max(at) + make_interval(secs => $3) - now()))::bigint
         FROM (SELECT at FROM by_email UNION ALL SELECT at FROM by_ip) t"
    )))
    .bind(email)
    .bind(ip)
    .bind(limit.window_secs as f64)
    .bind(limit.per_email)
    .bind(limit.per_client)
    .fetch_one(pool)
    .await
    .context("checking throttling")?;
    Ok(wait.filter(|w| *w > 0).map(|w| w as u64))
}

/// Counts one event for `limit`, and forgets those that left the window.
pub async fn record(
    pool: &PgPool,
    limit: &Limit,
    email: &str,
    ip: &str,
) -> Result<(), ServerError> {
    let Limit {
        table, at_column, ..
    } = limit;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} (email, client_ip) VALUES ($1, $2)"
    )))
    .bind(email)
    .bind(ip)
    .execute(pool)
    .await
    .context("recording a throttled event")?;
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE {at_column} < now() - make_interval(secs => $1)"
    )))
    .bind(limit.window_secs as f64)
    .execute(pool)
    .await
    .context("pruning old throttled events")?;
    Ok(())
}

/// `Some(seconds to wait)` when sign-in is throttled for this email or address.
pub async fn retry_after(pool: &PgPool, email: &str, ip: &str) -> Result<Option<u64>, ServerError> {
    wait(pool, &SIGN_IN, email, ip).await
}

pub async fn record_failure(pool: &PgPool, email: &str, ip: &str) -> Result<(), ServerError> {
    record(pool, &SIGN_IN, email, ip).await
}

pub async fn clear(pool: &PgPool, email: &str) -> Result<(), ServerError> {
    sqlx::query!("DELETE FROM login_failures WHERE email = $1", email)
        .execute(pool)
        .await
        .context("clearing sign-in failures")?;
    Ok(())
}
