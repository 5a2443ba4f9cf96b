//! Durable sync jobs in Postgres. A connection has at most one queued or running job (a partial
//! unique index); workers on any replica claim jobs with `FOR UPDATE SKIP LOCKED`, heartbeat as
//! they checkpoint, and reclaim jobs whose worker stopped heartbeating.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use crate::domain::sync_job::{JobKind, JobState};
use crate::server::error::{Context, ServerError};

/// How many records a sync skipped, by reason.
pub type SkipReasons = sqlx::types::Json<std::collections::BTreeMap<String, i64>>;

#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub connection_id: Uuid,
    pub kind: JobKind,
    pub state: JobState,
    pub attempts: i32,
    pub phase: String,
    pub full_sync: bool,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub pages: i32,
    pub received: i32,
    pub expected: Option<i32>,
    pub added: i32,
    pub updated: i32,
    pub removed: i32,
    pub skipped: i32,
    pub skip_reasons: SkipReasons,
    pub held_removals: i32,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub phase_started_at: Option<DateTime<Utc>>,
    /// Set once the people the job wrote are folded into who campaigns can choose
    /// (`store::derived`).
    pub derived_at: Option<DateTime<Utc>>,
}

/// `query_as!` into [`Job`]: `$sql` is the statement up to its column list, `$rest` follows it.
/// The macro needs literal SQL, so the shared column list lives here rather than in a constant.
macro_rules! job_query {
    ($sql:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Job,
            $sql + r#" id, connection_id, kind AS "kind: JobKind", state AS "state: JobState",
                attempts, phase, full_sync, window_start, window_end, cursor, pages, received,
                expected, added, updated, removed, skipped,
                skip_reasons AS "skip_reasons: SkipReasons",
                held_removals, error, created_at, started_at, finished_at, phase_started_at,
                derived_at "# + $rest
            $(, $arg)*
        )
    };
}

/// Queues a sync unless one is already queued or running for the connection. Returns whether a
/// job was added.
pub async fn enqueue(
    db: impl sqlx::PgExecutor<'_>,
    connection_id: Uuid,
    kind: JobKind,
) -> Result<bool, ServerError> {
    let added = sqlx::query!(
        "INSERT INTO sync_jobs (id, connection_id, kind, state, full_sync)
         VALUES ($1, $2, $3, 'queued', $4)
         ON CONFLICT (connection_id) WHERE state IN ('queued', 'running') DO NOTHING",
        Uuid::new_v4(),
        connection_id,
        kind as JobKind,
        kind.is_full(),
    )
    .execute(db)
    .await
    .context("queueing a sync")?
    .rows_affected();
    Ok(added == 1)
}

/// Claims the next runnable job: queued and due, or running under a worker that stopped
/// heartbeating for `stale_after_secs`.
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    stale_after_secs: i64,
) -> Result<Option<Job>, ServerError> {
    job_query!(
        "UPDATE sync_jobs SET state = 'running', locked_by = $1, heartbeat_at = now(),
             attempts = attempts + 1, started_at = coalesce(started_at, now())
         WHERE id = (
             SELECT id FROM sync_jobs
             WHERE (state = 'queued' AND run_after <= now())
                OR (state = 'running' AND heartbeat_at < now() - make_interval(secs => $2))
             ORDER BY run_after
             FOR UPDATE SKIP LOCKED
             LIMIT 1)
         RETURNING",
        "",
        worker,
        stale_after_secs as f64,
    )
    .fetch_optional(pool)
    .await
    .context("claiming a sync job")
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Job>, ServerError> {
    job_query!("SELECT", "FROM sync_jobs WHERE id = $1", id)
        .fetch_optional(pool)
        .await
        .context("loading a sync job")
}

/// The running or most recent job of each given connection.
pub async fn latest(pool: &PgPool, connection_id: Uuid) -> Result<Option<Job>, ServerError> {
    job_query!(
        "SELECT",
        "FROM sync_jobs WHERE connection_id = $1 ORDER BY created_at DESC LIMIT 1",
        connection_id,
    )
    .fetch_optional(pool)
    .await
    .context("loading the latest sync")
}

pub async fn history(
    pool: &PgPool,
    connection_id: Uuid,
    limit: i64,
) -> Result<Vec<Job>, ServerError> {
    job_query!(
        "SELECT",
        "FROM sync_jobs WHERE connection_id = $1 ORDER BY created_at DESC LIMIT $2",
        connection_id,
        limit,
    )
    .fetch_all(pool)
    .await
    .context("loading sync history")
}

/// How many records a full sync of the connection can expect to read: as many as its last
/// finished full sync read. Merge's lists carry no total, so a first sync cannot know.
pub async fn expected_records(
    pool: &PgPool,
    connection_id: Uuid,
) -> Result<Option<i32>, ServerError> {
    sqlx::query_scalar!(
        "SELECT received FROM sync_jobs
         WHERE connection_id = $1 AND full_sync AND state IN ('succeeded', 'partial') AND received > 0
         ORDER BY finished_at DESC LIMIT 1",
        connection_id,
    )
    .fetch_optional(pool)
    .await
    .context("finding how many people the last full sync read")
}

/// Fixes the window once, when the job first runs, so a resumed job reads the same records.
pub async fn begin(
    pool: &PgPool,
    job: Uuid,
    worker: &str,
    window_start: Option<DateTime<Utc>>,
    window_end: DateTime<Utc>,
    expected: Option<i32>,
) -> Result<(), ServerError> {
    sqlx::query!(
        "UPDATE sync_jobs SET window_start = $3, window_end = $4, expected = coalesce(expected, $5)
         WHERE id = $1 AND locked_by = $2 AND window_end IS NULL",
        job,
        worker,
        window_start,
        window_end,
        expected,
    )
    .execute(pool)
    .await
    .context("starting a sync window")?;
    Ok(())
}

pub async fn set_phase(
    pool: &PgPool,
    job: Uuid,
    worker: &str,
    phase: &str,
) -> Result<bool, ServerError> {
    let n = sqlx::query!(
        "UPDATE sync_jobs SET phase = $3, heartbeat_at = now(),
             phase_started_at = CASE WHEN phase = $3 AND phase_started_at IS NOT NULL
                                     THEN phase_started_at ELSE now() END
         WHERE id = $1 AND locked_by = $2",
        job,
        worker,
        phase,
    )
    .execute(pool)
    .await
    .context("updating a sync phase")?
    .rows_affected();
    Ok(n == 1)
}

pub struct PageProgress<'a> {
    pub next_cursor: Option<&'a str>,
    pub received: i32,
    pub added: i64,
    pub updated: i64,
    pub skipped: &'a std::collections::BTreeMap<String, i64>,
}

/// Records a page in the same transaction as its data, so a crash resumes after the last
/// written page. Fails (returns false) if another worker took the job over.
pub async fn checkpoint(
    conn: &mut PgConnection,
    job: Uuid,
    worker: &str,
    p: PageProgress<'_>,
) -> Result<bool, ServerError> {
    let skipped: i64 = p.skipped.values().sum();
    let mut merged = sqlx::types::Json(p.skipped.clone());
    let existing = sqlx::query_scalar!(
        r#"SELECT skip_reasons AS "skip_reasons: SkipReasons" FROM sync_jobs WHERE id = $1 AND locked_by = $2 FOR UPDATE"#,
        job,
        worker,
    )
    .fetch_optional(&mut *conn)
        .await
        .context("locking a sync job")?;
    let Some(existing) = existing else {
        return Ok(false);
    };
    for (k, v) in existing.0 {
        *merged.0.entry(k).or_default() += v;
    }
    sqlx::query!(
        "UPDATE sync_jobs SET cursor = $3, pages = pages + 1, received = received + $4,
             added = added + $5, updated = updated + $6, skipped = skipped + $7, skip_reasons = $8,
             heartbeat_at = now()
         WHERE id = $1 AND locked_by = $2",
        job,
        worker,
        p.next_cursor,
        p.received,
        p.added as i32,
        p.updated as i32,
        skipped as i32,
        merged as _,
    )
    .execute(&mut *conn)
    .await
    .context("checkpointing a sync page")?;
    Ok(true)
}

pub struct Outcome<'a> {
    pub state: JobState,
    pub removed: i64,
    pub held_removals: i64,
    pub error: Option<&'a str>,
}

impl<'a> Outcome<'a> {
    /// A job that ends without storing anything, for `error`.
    pub fn failed(error: &'a str) -> Outcome<'a> {
        Outcome {
            state: JobState::Failed,
            removed: 0,
            held_removals: 0,
            error: Some(error),
        }
    }
}

pub async fn finish(
    pool: &PgPool,
    job: Uuid,
    worker: &str,
    o: Outcome<'_>,
) -> Result<(), ServerError> {
    sqlx::query!(
        "UPDATE sync_jobs SET state = $3, removed = $4, held_removals = $5, error = $6,
             phase = CASE WHEN $7 THEN 'ready' ELSE phase END,
             finished_at = now(), locked_by = NULL
         WHERE id = $1 AND locked_by = $2",
        job,
        worker,
        o.state as JobState,
        o.removed as i32,
        o.held_removals as i32,
        o.error,
        o.state.stored(),
    )
    .execute(pool)
    .await
    .context("finishing a sync job")?;
    Ok(())
}

/// Puts a job back in the queue after a transient failure, keeping its checkpoint.
pub async fn retry_later(
    pool: &PgPool,
    job: Uuid,
    worker: &str,
    delay_secs: i64,
    error: &str,
) -> Result<(), ServerError> {
    sqlx::query!(
        "UPDATE sync_jobs SET state = 'queued', locked_by = NULL, error = $4,
             run_after = now() + make_interval(secs => $3)
         WHERE id = $1 AND locked_by = $2",
        job,
        worker,
        delay_secs as f64,
        error,
    )
    .execute(pool)
    .await
    .context("requeueing a sync job")?;
    Ok(())
}
