use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;

use super::secret::Secret;

/// The schema, embedded at compile time so the binary can migrate any database it is given.
/// Several replicas starting at once are safe: sqlx takes an advisory lock while migrating.
pub static MIGRATOR: Migrator = sqlx::migrate!();

pub async fn connect(url: &Secret) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(24)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url.expose())
        .await
}
