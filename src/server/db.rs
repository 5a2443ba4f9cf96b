use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use super::secret::Secret;

/// The schema, embedded at compile time so the binary can migrate any database it is given.
/// Several replicas starting at once are safe: sqlx takes an advisory lock while migrating.
pub static MIGRATOR: Migrator = sqlx::migrate!();

pub async fn connect(url: &Secret) -> Result<PgPool, sqlx::Error> {
    connect_with(url.expose().parse()?).await
}

/// The app's pool on the database `options` name.
pub async fn connect_with(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    pool_options()
        .max_connections(24)
        .min_connections(1)
        .connect_with(options)
        .await
}

/// The pool settings every process uses, including the check that keeps a connection left
/// inside a transaction from reaching the next borrower.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        .after_release(|conn, _| Box::pin(outside_any_transaction(conn)))
}

/// Sent as a simple query (one protocol message): with the extended protocol's separate
/// parse, bind and execute messages the statement's start time moves on between them.
pub const OUTSIDE_ANY_TRANSACTION: &str =
    "SELECT pg_catalog.now() = pg_catalog.statement_timestamp()";

/// Whether a connection handed back to the pool is outside any transaction, so that it may be
/// lent again. Dropping a future at the wrong moment (a client that disconnects, a `try_join!`
/// whose sibling failed, a timeout) can leave the server inside a transaction that sqlx no
/// longer knows about; the next borrower's statements would then run, and seem to commit,
/// inside it. sqlx 0.9 closes the gap it knew of in `begin()`; this catches any other way in.
///
/// Outside a transaction block every statement is its own transaction, so its start time is the
/// transaction's; inside one, `now()` is when the block began. An aborted block refuses the
/// query, which the pool also takes as "close this connection". A closed connection's open
/// transaction is rolled back by the server, so nothing half-done is ever committed.
async fn outside_any_transaction(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    let outside: bool = sqlx::raw_sql(OUTSIDE_ANY_TRANSACTION)
        .fetch_one(conn)
        .await?
        .try_get(0)?;
    if !outside {
        tracing::warn!("closed a pooled database connection that was left inside a transaction");
    }
    Ok(outside)
}
