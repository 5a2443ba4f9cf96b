//! Background workers: claim due jobs and run several connections in parallel, queue an
//! incremental sync for every connection whose data is older than the sync interval, and review
//! connection incidents after each sync and every minute.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::run::{SyncContext, run};
use crate::server::alerts;
use crate::server::error::{Context, ServerError};
use crate::server::mail::compose;
use crate::server::store::connections::{self, ConnectionStatus};
use crate::server::store::jobs::{self, JobKind};
use crate::server::store::{audiences, derived, tokens};

/// Jobs that heartbeat less often than this are considered abandoned by a stopped worker.
pub const STALE_AFTER_SECS: i64 = 300;

/// A job a worker ran.
#[derive(Debug, Clone, Copy)]
pub struct Worked {
    pub job: Uuid,
    /// How long the word index took to catch up after it. The job's people were searchable
    /// before that (through the staff table), so it is not part of the sync's time.
    pub index_catch_up: Duration,
}

/// Claims and runs one job, if any is due, exactly as a running worker does.
pub async fn run_one(ctx: &SyncContext) -> Result<Option<Worked>, ServerError> {
    let Some(job) = jobs::claim(&ctx.pool, &ctx.worker, STALE_AFTER_SECS).await? else {
        return Ok(None);
    };
    work_on(ctx, job).await.map(Some)
}

/// What a worker does with a job it claimed: runs it and folds it in, then brings the word
/// index up to date, whether or not the job succeeded.
async fn work_on(ctx: &SyncContext, job: jobs::Job) -> Result<Worked, ServerError> {
    let id = job.id;
    let outcome = run_and_refresh(ctx, job).await;
    review_alerts(ctx).await;
    let started = std::time::Instant::now();
    catch_up_index(ctx).await;
    let index_catch_up = started.elapsed();
    outcome.map(|()| Worked {
        job: id,
        index_catch_up,
    })
}

/// Runs a job, then folds what it wrote into the derived values (`store::derived`: duplicate
/// people, management chains) and re-evaluates the account's dynamic campaign audiences, so
/// all follow every sync.
async fn run_and_refresh(ctx: &SyncContext, job: jobs::Job) -> Result<(), ServerError> {
    let (id, connection) = (job.id, job.connection_id);
    if let Err(err) = run(ctx, job).await {
        release_after_outage(ctx, id).await;
        return Err(err);
    }
    let account = sqlx::query_scalar!(
        "SELECT account_id FROM connections WHERE id = $1",
        connection,
    )
    .fetch_optional(&ctx.pool)
    .await
    .context("finding a synced connection's account")?;
    if let Some(account) = account {
        derived::refresh_after_sync(&ctx.pool, account, connection).await?;
        audiences::refresh_dynamic(&ctx.pool, account).await?;
    }
    notify_first_sync(ctx, id).await
}

/// A connection's first sync (finished or failed) emails the admin who connected it. It is sent
/// once the people it read are folded into who campaigns can choose, so the email's account of
/// who is left out (leavers, people not started, people already listed from another system)
/// matches what a campaign offers.
async fn notify_first_sync(ctx: &SyncContext, id: Uuid) -> Result<(), ServerError> {
    let Some(job) = jobs::get(&ctx.pool, id).await? else {
        return Ok(());
    };
    if job.kind != JobKind::Initial || job.finished_at.is_none() {
        return Ok(());
    }
    match connections::get_for_sync(&ctx.pool, job.connection_id).await? {
        Some(c) if c.status != ConnectionStatus::Disconnected => {
            compose::first_sync_finished(&ctx.pool, &c, &job, &ctx.public_url).await
        }
        _ => Ok(()),
    }
}

/// Brings the word index up to date with the syncs that ended, after their results are already
/// searchable (`store::tokens`). Searches read the staff table directly until it is done, so
/// a failure here only costs speed; the next sync or the scheduler's next round tries again.
async fn catch_up_index(ctx: &SyncContext) {
    if let Err(err) = tokens::catch_up(&ctx.pool).await {
        tracing::warn!(error = %err, "the word index could not catch up with a sync");
    }
}

/// Opens and closes connection incidents after a sync ended, and emails about them
/// (`server::alerts`). A failure here delays an alert until the next review, a minute later.
async fn review_alerts(ctx: &SyncContext) {
    match alerts::review(&ctx.pool, &ctx.public_url, chrono::Utc::now()).await {
        Ok(r) if r != alerts::Reviewed::default() => tracing::info!(
            opened = r.opened,
            closed = r.closed,
            emails = r.emails,
            "connection incidents reviewed"
        ),
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "could not review connection incidents"),
    }
}

/// Sends the one reminder of requests to connect still unanswered after three days.
async fn remind_requests(ctx: &SyncContext) {
    match crate::server::integrations::colleague::remind(&ctx.pool, ctx.clock.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(reminders = n, "reminded colleagues of requests to connect"),
        Err(err) => tracing::warn!(error = %err, "could not send reminders of requests to connect"),
    }
}

/// A job that stopped on a database error could not be put back in the queue while the database
/// was away. Keep trying for a minute, so it resumes from its checkpoint as soon as Postgres is
/// back instead of waiting for its heartbeat to go stale.
async fn release_after_outage(ctx: &SyncContext, job: Uuid) {
    for attempt in 0..6u32 {
        let requeued = jobs::retry_later(
            &ctx.pool,
            job,
            &ctx.worker,
            1,
            "The database was briefly unavailable; the sync resumes from where it stopped.",
        )
        .await;
        if requeued.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
    }
    tracing::warn!(job = %job, "could not requeue a sync after a database error; its heartbeat will");
}

/// Queues incremental syncs for connections whose data is older than `interval`.
pub async fn schedule_due(ctx: &SyncContext, interval: Duration) -> Result<u64, ServerError> {
    let due = sqlx::query_scalar!(
        "SELECT id FROM connections
         WHERE category = 'hris' AND status IN ('healthy', 'needs_attention')
           AND data_as_of IS NOT NULL
           AND data_as_of < now() - make_interval(secs => $1)",
        interval.as_secs_f64(),
    )
    .fetch_all(&ctx.pool)
    .await
    .context("finding connections due for a sync")?;
    let mut queued = 0;
    for id in due {
        if jobs::enqueue(&ctx.pool, id, JobKind::Incremental).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Runs until `stop` turns true: up to `parallel` jobs at once, plus the periodic scheduler.
pub fn spawn(
    ctx: SyncContext,
    parallel: usize,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut running: JoinSet<()> = JoinSet::new();
        let mut poll = tokio::time::interval(Duration::from_millis(500));
        let mut schedule = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = poll.tick() => {
                    while running.len() < parallel {
                        match jobs::claim(&ctx.pool, &ctx.worker, STALE_AFTER_SECS).await {
                            Ok(Some(job)) => {
                                let ctx = ctx.clone();
                                running.spawn(async move {
                                    if let Err(err) = work_on(&ctx, job).await {
                                        tracing::error!(error = %err, "sync job failed");
                                    }
                                });
                            }
                            Ok(None) => break,
                            Err(err) => {
                                tracing::warn!(error = %err, "could not claim sync jobs");
                                break;
                            }
                        }
                    }
                }
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = schedule.tick() => {
                    // Also after a restart that cut a catch-up short.
                    catch_up_index(&ctx).await;
                    // Time alone opens some incidents (a day without a good sync) and makes
                    // reminders due.
                    review_alerts(&ctx).await;
                    remind_requests(&ctx).await;
                    match schedule_due(&ctx, interval).await {
                        Ok(n) if n > 0 => tracing::info!(queued = n, "queued periodic syncs"),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "could not queue periodic syncs"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
        // Jobs still running keep their checkpoints; another start resumes them.
        running.abort_all();
    });
}
