//! What the staff view derives from more than one record: which record of each person is shown
//! (see `staff_query`'s source-of-truth rule), in how many other systems they also appear, and
//! everyone above each person in their management chain. Worked out after anything that changes
//! who is visible or who reports to whom, so searches never compute it. Only rows whose derived
//! values changed are written.

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use super::{staff_lock, tokens};
use crate::server::error::{Context, ServerError};

/// The people a refresh looks at again.
#[derive(Clone, Copy)]
pub(super) enum Scope<'a> {
    /// Everyone in the account: after a full sync, a disconnect or purge, a reviewed removal.
    Account,
    /// The people these jobs of one connection wrote, and everyone their changes reach: people
    /// sharing a work email with them, and everyone below them in their management chain.
    Written { connection: Uuid, jobs: &'a [Uuid] },
}

/// Works out the whole account again, the word index included (which also lets go of the
/// people of purged connections).
pub async fn refresh_account(pool: &PgPool, account_id: Uuid) -> Result<u64, ServerError> {
    let (derived, listed) = tokio::try_join!(
        refresh(pool, account_id, Scope::Account),
        tokens::fold(pool, account_id, Scope::Account)
    )?;
    Ok(derived + listed)
}

/// Folds in what the connection's ended syncs wrote since the last refresh. After incremental
/// syncs that is the people they wrote, a small part of the account; a full sync may have removed
/// people anywhere in the connection, so it refreshes the account. A job still running (or put
/// back in the queue after writing) is looked at now and again once it ends.
pub async fn refresh_after_sync(
    pool: &PgPool,
    account_id: Uuid,
    connection_id: Uuid,
) -> Result<u64, ServerError> {
    let pending = sqlx::query!(
        r#"SELECT id, full_sync, state IN ('succeeded', 'partial', 'failed') AS "ended!"
         FROM sync_jobs
         WHERE connection_id = $1 AND derived_at IS NULL AND started_at IS NOT NULL"#,
        connection_id,
    )
    .fetch_all(pool)
    .await
    .context("finding syncs to fold into derived values")?;
    let jobs: Vec<Uuid> = pending.iter().map(|j| j.id).collect();
    let scope = if pending.iter().any(|j| j.full_sync) {
        Scope::Account
    } else {
        Scope::Written {
            connection: connection_id,
            jobs: &jobs,
        }
    };
    let written = refresh(pool, account_id, scope).await?;
    let ended: Vec<Uuid> = pending.iter().filter(|j| j.ended).map(|j| j.id).collect();
    sqlx::query!(
        "UPDATE sync_jobs SET derived_at = now() WHERE id = ANY($1)",
        &ended
    )
    .execute(pool)
    .await
    .context("marking syncs as folded into derived values")?;
    Ok(written)
}

/// The two are independent (one writes `staff`'s duplicate columns, the other `staff_chains`
/// from `staff`'s managers), so they run side by side. The word index, which only speeds
/// searches up, follows a sync separately (`tokens::catch_up`).
async fn refresh(pool: &PgPool, account_id: Uuid, scope: Scope<'_>) -> Result<u64, ServerError> {
    let (duplicates, chains) = tokio::try_join!(
        duplicates(pool, account_id, scope),
        chains(pool, account_id, scope)
    )?;
    let written = duplicates + chains;
    // After a first sync the planner has no statistics for these tables until autovacuum comes
    // round, up to a minute later; without them "everyone under a manager" at 1,000,000 people
    // was planned as a scan of the whole connection (390 ms instead of 18 ms). The sync does not
    // wait for them, and `staff` is left to autovacuum: its sample takes over a second at
    // 100,000 people.
    if matches!(scope, Scope::Account) {
        analyze_after(pool, written, "staff_chains");
    }
    Ok(written)
}

/// Updates the statistics of `tables` in the background once `written` rows reach
/// `ANALYZE_AFTER`.
pub(super) fn analyze_after(pool: &PgPool, written: u64, tables: &'static str) {
    if written < ANALYZE_AFTER {
        return;
    }
    let pool = pool.clone();
    tokio::spawn(async move {
        if let Err(e) = sqlx::query(AssertSqlSafe(format!("ANALYZE {tables}")))
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, tables, "updating the staff tables' statistics failed");
        }
    });
}

/// Rows an account-wide refresh must have written to refresh the planner's statistics.
const ANALYZE_AFTER: u64 = 10_000;

/// `query!` ranking the people `$members` lists (their connection, Merge id, work email and
/// whether they are still in the HR data), and saving the ranks that changed. The macro needs
/// literal SQL, so the statement around the list lives here.
macro_rules! rank_duplicates {
    ($members:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query!(
            "WITH ranked AS (
                 SELECT p.connection_id, p.merge_id, row_number() OVER w = 1 AS is_primary,
                     count(*) OVER (PARTITION BY coalesce(lower(p.work_email), person_key(p.connection_id, p.merge_id))) - 1 AS also_in
                 FROM (" + $members + ") p JOIN connections c ON c.id = p.connection_id
                 WHERE staff_in_hr_data(p.removed_at, p.deleted)
                   AND connection_visible(c.status, c.read_only_until)
                 WINDOW w AS (PARTITION BY coalesce(lower(p.work_email), person_key(p.connection_id, p.merge_id))
                              ORDER BY c.created_at, c.id, p.merge_id COLLATE \"C\"))
             UPDATE staff s SET is_primary = r.is_primary, also_in = r.also_in
             FROM ranked r
             WHERE s.connection_id = r.connection_id AND s.merge_id = r.merge_id
               AND (s.is_primary <> r.is_primary OR s.also_in <> r.also_in)"
            $(, $arg)*
        )
    };
}

/// Ranks each group of records sharing a work email (people without one are never merged). Two
/// records of one connection with the same email are ranked by Merge id, so the choice is stable.
async fn duplicates(pool: &PgPool, account_id: Uuid, scope: Scope<'_>) -> Result<u64, ServerError> {
    let what = "working out duplicate people";
    let mut tx = pool.begin().await.context(what)?;
    staff_lock::own(&mut tx, account_id).await?;
    // A written record may have left a group under its old email, so every group that already
    // shares an email is ranked again too. The emails are collected into an array first: as a
    // join, a table without statistics yet (just after its first sync) was planned as a nested
    // loop comparing every person with every email, 46 s instead of 50 ms at 100,000 people.
    let ranked = match scope {
        Scope::Account => rank_duplicates!(
            "SELECT p.connection_id, p.merge_id, p.work_email, p.removed_at, p.deleted
             FROM staff p WHERE p.account_id = $1",
            account_id,
        )
        .execute(&mut *tx)
        .await,
        Scope::Written { connection, jobs } => rank_duplicates!(
            "WITH written AS (
                 SELECT merge_id, lower(work_email) AS email FROM staff
                 WHERE connection_id = $2 AND last_seen_job = ANY($3)),
             emails AS (
                 SELECT email FROM written WHERE email IS NOT NULL
                 UNION
                 SELECT lower(work_email) FROM staff
                 WHERE account_id = $1 AND (also_in > 0 OR NOT is_primary) AND work_email IS NOT NULL)
             SELECT p.connection_id, p.merge_id, p.work_email, p.removed_at, p.deleted FROM staff p
             WHERE p.account_id = $1 AND lower(p.work_email) = ANY (ARRAY(SELECT email FROM emails))
             UNION ALL
             SELECT p.connection_id, p.merge_id, p.work_email, p.removed_at, p.deleted
             FROM staff p JOIN written w ON p.connection_id = $2 AND p.merge_id = w.merge_id
             WHERE w.email IS NULL",
            account_id,
            connection,
            jobs,
        )
        .execute(&mut *tx)
        .await,
    }
    .context(what)?
    .rows_affected();
    tx.commit().await.context(what)?;
    Ok(ranked)
}

/// Management chains, nearest manager first, with each person's start date beside theirs so
/// "under a manager, joined lately" intersects two indexes. People in a reporting loop, or more
/// than 50 levels down, keep just their direct manager; people without a manager have no chain.
async fn chains(pool: &PgPool, account_id: Uuid, scope: Scope<'_>) -> Result<u64, ServerError> {
    match scope {
        Scope::Account => account_chains(pool, account_id).await,
        Scope::Written { connection, jobs } => written_chains(pool, connection, jobs).await,
    }
}

/// Walks down from the top of each tree, so every person is reached once.
async fn account_chains(pool: &PgPool, account_id: Uuid) -> Result<u64, ServerError> {
    let mut tx = pool
        .begin()
        .await
        .context("working out management chains")?;
    let unmanaged = sqlx::query!(
        "DELETE FROM staff_chains ch USING staff s
         WHERE s.connection_id = ch.connection_id AND s.merge_id = ch.merge_id
           AND s.account_id = $1 AND s.manager_id IS NULL",
        account_id,
    )
    .execute(&mut *tx)
    .await
    .context("clearing management chains")?
    .rows_affected();
    let chains = sqlx::query!(
        "WITH RECURSIVE down AS (
             SELECT s.connection_id, s.merge_id,
                 CASE WHEN s.manager_id IS NULL THEN '{}'::text[] ELSE ARRAY[s.manager_id] END AS chain
             FROM staff s
             WHERE s.account_id = $1 AND (s.manager_id IS NULL OR NOT EXISTS (
                 SELECT 1 FROM staff m WHERE m.connection_id = s.connection_id AND m.merge_id = s.manager_id))
             UNION ALL
             SELECT s.connection_id, s.merge_id, s.manager_id || d.chain
             FROM down d JOIN staff s ON s.connection_id = d.connection_id AND s.manager_id = d.merge_id
             WHERE cardinality(d.chain) < 50)
         INSERT INTO staff_chains (connection_id, merge_id, chain, start_date)
         SELECT s.connection_id, s.merge_id, coalesce(d.chain, ARRAY[s.manager_id]), s.start_date
         FROM staff s LEFT JOIN down d ON d.connection_id = s.connection_id AND d.merge_id = s.merge_id
         WHERE s.account_id = $1 AND s.manager_id IS NOT NULL
         ON CONFLICT (connection_id, merge_id) DO UPDATE
             SET chain = EXCLUDED.chain, start_date = EXCLUDED.start_date
         WHERE staff_chains.chain IS DISTINCT FROM EXCLUDED.chain
            OR staff_chains.start_date IS DISTINCT FROM EXCLUDED.start_date",
        account_id,
    )
    .execute(&mut *tx)
    .await
    .context("working out management chains")?
    .rows_affected();
    tx.commit().await.context("saving management chains")?;
    Ok(unmanaged + chains)
}

/// A written person's new manager changes their chain and everyone's below them, so those are
/// found first (down the reporting lines; `UNION` stops at loops), then each one's chain is
/// walked up to its top. A walk that meets a loop or passes 50 levels falls back to the direct
/// manager, exactly as the walk down from the tops leaves such people.
async fn written_chains(
    pool: &PgPool,
    connection: Uuid,
    jobs: &[Uuid],
) -> Result<u64, ServerError> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE below(merge_id) AS (
             SELECT merge_id FROM staff WHERE connection_id = $1 AND last_seen_job = ANY($2)
             UNION
             SELECT s.merge_id FROM below b JOIN staff s ON s.connection_id = $1 AND s.manager_id = b.merge_id),
         up(merge_id, next, chain, start_date) AS (
             SELECT s.merge_id, s.manager_id, ARRAY[s.manager_id], s.start_date
             FROM below b JOIN staff s ON s.connection_id = $1 AND s.merge_id = b.merge_id
             WHERE s.manager_id IS NOT NULL
             UNION ALL
             SELECT u.merge_id, m.manager_id, u.chain || m.manager_id, u.start_date
             FROM up u JOIN staff m ON m.connection_id = $1 AND m.merge_id = u.next
             WHERE m.manager_id IS NOT NULL AND m.manager_id <> ALL (u.chain) AND cardinality(u.chain) < 50),
         longest AS (
             SELECT DISTINCT ON (merge_id) merge_id, next, chain, start_date FROM up
             ORDER BY merge_id, cardinality(chain) DESC),
         walked AS (
             SELECT l.merge_id, l.start_date,
                 CASE WHEN m.merge_id IS NULL OR m.manager_id IS NULL THEN l.chain ELSE l.chain[1:1] END AS chain
             FROM longest l LEFT JOIN staff m ON m.connection_id = $1 AND m.merge_id = l.next),
         cleared AS (
             DELETE FROM staff_chains ch USING below b, staff s
             WHERE ch.connection_id = $1 AND ch.merge_id = b.merge_id
               AND s.connection_id = $1 AND s.merge_id = b.merge_id AND s.manager_id IS NULL
             RETURNING 1),
         written AS (
             INSERT INTO staff_chains (connection_id, merge_id, chain, start_date)
             SELECT $1, merge_id, chain, start_date FROM walked
             ON CONFLICT (connection_id, merge_id) DO UPDATE
                 SET chain = EXCLUDED.chain, start_date = EXCLUDED.start_date
             WHERE staff_chains.chain IS DISTINCT FROM EXCLUDED.chain
                OR staff_chains.start_date IS DISTINCT FROM EXCLUDED.start_date
             RETURNING 1)
         SELECT (SELECT count(*) FROM cleared) + (SELECT count(*) FROM written) AS "written!""#,
        connection,
        jobs,
    )
    .fetch_one(pool)
    .await
    .context("working out management chains")
    .map(|n| n as u64)
}
