//! Who may write an account's staff rows at the same time. A sync (from its first page to its
//! removals) and an admin's review of held removals write rows side by side (`share`); the
//! duplicate ranking, which updates rows all over the account, waits until none of them is
//! writing and keeps them out while it runs (`own`).
//!
//! Without it, a sync's page could wait on the ranking's row locks while the ranking waited on
//! the next page's, and that page waits for the first to commit: a cycle through the sync's
//! commit order that Postgres cannot see, so both hung for good. It happened when "Resync now"
//! followed a 100,000-person sync while the account was still being ranked.
//!
//! Both are transaction-level advisory locks taken before any row is touched, so a waiter holds
//! nothing anyone else needs, and a crashed holder's lock goes with its connection. Postgres
//! queues a new shared request behind a waiting exclusive one, so the ranking is not starved.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::server::error::{Context, ServerError};

/// The advisory lock's first key, naming this use ("STAF"); the second is the account's hash.
/// Two accounts sharing a hash only ever wait for each other a little longer.
const STAFF_WRITES: i32 = 0x5354_4146;

/// Lets this transaction write the account's staff rows beside other writers.
pub async fn share(tx: &mut PgConnection, account_id: Uuid) -> Result<(), ServerError> {
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock_shared($1, hashtext($2::uuid::text)) AS "locked: ()""#,
        STAFF_WRITES,
        account_id,
    )
    .execute(tx)
    .await
    .context("waiting to write staff")?;
    Ok(())
}

/// Makes this transaction the account's only writer of staff rows until it ends.
pub async fn own(tx: &mut PgConnection, account_id: Uuid) -> Result<(), ServerError> {
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text)) AS "locked: ()""#,
        STAFF_WRITES,
        account_id,
    )
    .execute(tx)
    .await
    .context("waiting to rank duplicate people")?;
    Ok(())
}
