//! One sync job, start to finish: wait for Merge's own sync, read teams and departments, read
//! employees page by page (each page written and checkpointed in one transaction), then apply
//! removals and update the connection. A failure at any point leaves what was synced before.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use tokio::task::JoinHandle;

use super::jobs::{self, Job, Outcome, PageProgress};
use super::minimise::{StaffRecord, minimise};
use crate::domain::field_policy::Consent;
use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::merge::client::{MergeClient, Resource};
use crate::server::merge::error::MergeError;
use crate::server::merge::models::{
    Employee, Group, IssueStatus, LinkedAccountStatus, Page, SyncState, Team,
};
use crate::server::merge::query::ListQuery;
use crate::server::secret::Secret;
use crate::server::store::connections::{self, Connection, ConnectionStatus};
use crate::server::store::{org, staff};

#[derive(Clone)]
pub struct SyncContext {
    pub pool: PgPool,
    pub secrets: std::sync::Arc<SecretBox>,
    pub merge: MergeClient,
    pub worker: String,
    pub policy: SyncPolicy,
    /// For links in the emails a first sync sends.
    pub public_url: String,
}

#[derive(Debug, Clone, Copy)]
pub struct SyncPolicy {
    /// A full sync that would remove more than this share of a connection's people holds the
    /// removals for an admin instead.
    pub removal_hold_ratio: f64,
    /// How long to wait for Merge's own initial sync before reading what it has.
    pub wait_for_merge: Duration,
    pub poll_merge_every: Duration,
    /// Transient failures are retried this many times, with growing delays, before the job fails.
    pub max_attempts: i32,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self {
            removal_hold_ratio: 0.2,
            wait_for_merge: Duration::from_secs(600),
            poll_merge_every: Duration::from_secs(1),
            max_attempts: 5,
        }
    }
}

enum Failure {
    Relink,
    Transient(String),
    Fatal(String),
    Superseded,
    Server(ServerError),
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Self {
        Failure::Server(e)
    }
}

impl From<MergeError> for Failure {
    fn from(e: MergeError) -> Self {
        if e.needs_relink() {
            return Failure::Relink;
        }
        match &e {
            MergeError::Transport { .. } => {
                Failure::Transient("Merge could not be reached.".into())
            }
            MergeError::Status { status, .. }
                if status.is_server_error() || status.as_u16() == 429 =>
            {
                Failure::Transient(format!("Merge answered {status}."))
            }
            MergeError::Status { status, .. } => {
                tracing::warn!(error = %e, "Merge refused a sync request");
                Failure::Fatal(format!("Merge refused a request ({status})."))
            }
            MergeError::Decode { .. } => {
                tracing::warn!(error = %e, "unreadable Merge answer");
                Failure::Fatal("Merge sent an answer we could not read.".into())
            }
        }
    }
}

/// Runs a claimed job to its end, recording the outcome on the job and the connection.
pub async fn run(ctx: &SyncContext, job: Job) -> Result<(), ServerError> {
    let connection = match connections::get_for_sync(&ctx.pool, job.connection_id).await? {
        Some(c) if c.status != ConnectionStatus::Disconnected => c,
        _ => {
            return jobs::finish(
                &ctx.pool,
                job.id,
                &ctx.worker,
                Outcome {
                    state: "failed",
                    removed: 0,
                    held_removals: 0,
                    error: Some("The connection was disconnected."),
                },
            )
            .await;
        }
    };
    match sync(ctx, &job, &connection).await {
        Ok(()) => Ok(()),
        Err(Failure::Superseded) => {
            tracing::info!(job = %job.id, "another worker took this sync over");
            Ok(())
        }
        Err(Failure::Relink) => {
            let reason =
                "The HR system no longer accepts the stored credentials. Relink to continue.";
            connections::set_status(
                &ctx.pool,
                connection.id,
                ConnectionStatus::NeedsRelink,
                Some(reason),
            )
            .await?;
            jobs::finish(
                &ctx.pool,
                job.id,
                &ctx.worker,
                Outcome {
                    state: "failed",
                    removed: 0,
                    held_removals: 0,
                    error: Some(reason),
                },
            )
            .await
        }
        Err(Failure::Transient(msg)) if job.attempts < ctx.policy.max_attempts => {
            let delay = 5i64 * 2i64.pow(job.attempts.clamp(0, 8) as u32);
            tracing::warn!(job = %job.id, attempt = job.attempts, delay, "sync interrupted: {msg}");
            jobs::retry_later(&ctx.pool, job.id, &ctx.worker, delay, &msg).await
        }
        Err(Failure::Transient(msg)) | Err(Failure::Fatal(msg)) => {
            let reason = if connection.data_as_of.is_some() {
                format!(
                    "The last sync failed: {msg} Your staff list still shows the last good sync. Try \"Resync now\" later."
                )
            } else {
                format!(
                    "The first sync failed: {msg} Try \"Resync now\"; if it keeps failing, relink the connection."
                )
            };
            connections::set_status(
                &ctx.pool,
                connection.id,
                ConnectionStatus::NeedsAttention,
                Some(&reason),
            )
            .await?;
            jobs::finish(
                &ctx.pool,
                job.id,
                &ctx.worker,
                Outcome {
                    state: "failed",
                    removed: 0,
                    held_removals: 0,
                    error: Some(&msg),
                },
            )
            .await?;
            notify_first_sync(ctx, &job, &connection, connection.people_count as i64).await
        }
        Err(Failure::Server(err)) => {
            tracing::error!(job = %job.id, error = %err, "sync failed");
            jobs::retry_later(
                &ctx.pool,
                job.id,
                &ctx.worker,
                30,
                "An internal error interrupted the sync.",
            )
            .await?;
            Err(err)
        }
    }
}

async fn phase(ctx: &SyncContext, job: &Job, name: &str) -> Result<(), Failure> {
    if jobs::set_phase(&ctx.pool, job.id, &ctx.worker, name).await? {
        Ok(())
    } else {
        Err(Failure::Superseded)
    }
}

async fn sync(ctx: &SyncContext, job: &Job, connection: &Connection) -> Result<(), Failure> {
    let token = connections::account_token(&ctx.pool, &ctx.secrets, connection.id)
        .await?
        .ok_or_else(|| Failure::Fatal("The connection has no Merge account yet.".into()))?;
    let resuming = job.cursor.is_some();
    if !resuming {
        phase(ctx, job, "connecting").await?;
        wait_for_merge(ctx, &token).await?;
    }
    let window_end = job.window_end.unwrap_or_else(Utc::now);
    let window_start = if job.full_sync {
        None
    } else {
        job.window_start.or(connection.synced_through)
    };
    let expected =
        (job.full_sync && connection.people_count > 0).then_some(connection.people_count);
    jobs::begin(
        &ctx.pool,
        job.id,
        &ctx.worker,
        window_start,
        window_end,
        expected,
    )
    .await?;

    phase(ctx, job, "reading").await?;
    let teams: Vec<Team> = ctx
        .merge
        .list_all(&token, Resource::Teams, &ListQuery::default())
        .await?;
    org::replace_teams(&ctx.pool, connection.id, &teams).await?;
    let groups: Vec<Group> = ctx
        .merge
        .list_all(&token, Resource::Groups, &ListQuery::default())
        .await?;
    org::replace_departments(&ctx.pool, connection.id, &groups).await?;

    let mut expand = vec!["work_location"];
    if connection.consent.allows("job_title") {
        expand.push("employments");
    }
    let query = ListQuery {
        modified_after: window_start,
        modified_before: window_start.map(|_| window_end),
        include_deleted_data: true,
        expand,
        ..ListQuery::default()
    };
    let read = |cursor: Option<String>| {
        tokio::spawn(read_page(
            ctx.merge.clone(),
            token.clone(),
            query.clone(),
            connection.consent.clone(),
            cursor,
        ))
    };
    let mut page = joined(read(job.cursor.clone())).await?;
    loop {
        // Merge serves the next page, and another thread minimises it, while Postgres stores this
        // one, so the sync runs at the pace of the slower side rather than their sum. If the read
        // fails, this page is still written and its checkpoint names the page that failed, where
        // a retry resumes.
        let next = page.next.clone().map(|cursor| read(Some(cursor)));
        if let Err(failure) = write_page(ctx, job, connection, &page).await {
            if let Some(next) = next {
                next.abort();
            }
            return Err(failure);
        }
        match next {
            Some(next) => page = joined(next).await?,
            None => break,
        }
    }

    phase(ctx, job, "filtering").await?;
    let (mut removed, mut held) = (0i64, 0i64);
    if job.full_sync {
        let unseen = staff::unseen_count(&ctx.pool, connection.id, job.id).await?;
        if unseen > 0 {
            let before = staff::present_count(&ctx.pool, connection.id).await?;
            let hold = (unseen as f64) > ctx.policy.removal_hold_ratio * before as f64;
            let n = staff::remove_unseen(&ctx.pool, connection.id, job.id, hold).await? as i64;
            if hold { held = n } else { removed = n }
        }
    }
    let people = staff::present_count(&ctx.pool, connection.id).await?;
    let issue = open_issue(ctx, connection).await;
    let (status, reason) = if held > 0 {
        (
            ConnectionStatus::NeedsAttention,
            Some(format!(
                "This sync would remove {held} people. Review before they leave your staff list."
            )),
        )
    } else if let Some(issue) = issue {
        (ConnectionStatus::NeedsAttention, Some(issue))
    } else {
        (ConnectionStatus::Healthy, None)
    };
    sqlx::query(
        "UPDATE connections SET status = $2, status_reason = $3, data_as_of = $4, synced_through = $4,
             people_count = $5
         WHERE id = $1 AND status <> 'disconnected'",
    )
    .bind(connection.id)
    .bind(status.clone())
    .bind(reason.as_deref())
    .bind(window_end)
    .bind(people as i32)
    .execute(&ctx.pool)
    .await
    .context("recording a finished sync")?;
    let state = if status == ConnectionStatus::Healthy {
        "succeeded"
    } else {
        "partial"
    };
    jobs::finish(
        &ctx.pool,
        job.id,
        &ctx.worker,
        Outcome {
            state,
            removed,
            held_removals: held,
            error: None,
        },
    )
    .await?;
    tracing::info!(job = %job.id, people, removed, held, "sync finished");
    notify_first_sync(ctx, job, connection, people).await?;
    Ok(())
}

/// One page of employees as the sync keeps them: minimised, with what was skipped and why.
struct ReadPage {
    records: Vec<StaffRecord>,
    received: i32,
    skipped: BTreeMap<String, i64>,
    next: Option<String>,
}

/// Reads one page of employees and minimises it; the raw page goes no further.
async fn read_page(
    merge: MergeClient,
    token: Secret,
    query: ListQuery,
    consent: Consent,
    cursor: Option<String>,
) -> Result<ReadPage, MergeError> {
    let page: Page<Employee> = merge
        .list_page(&token, Resource::Employees, &query, cursor.as_deref())
        .await?;
    let mut records = Vec::with_capacity(page.results.len());
    let mut skipped: BTreeMap<String, i64> = BTreeMap::new();
    for e in &page.results {
        match minimise(e, &consent) {
            Ok(r) => records.push(r),
            Err(reason) => *skipped.entry(reason.key().to_owned()).or_default() += 1,
        }
    }
    Ok(ReadPage {
        records,
        received: page.results.len() as i32,
        skipped,
        next: page.next_cursor().map(str::to_owned),
    })
}

/// A reader's panic surfaces here, as if the read had run inline.
async fn joined(read: JoinHandle<Result<ReadPage, MergeError>>) -> Result<ReadPage, Failure> {
    match read.await {
        Ok(page) => Ok(page?),
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// Writes one page of staff and its checkpoint in one transaction, so a crash resumes after the
/// last written page.
async fn write_page(
    ctx: &SyncContext,
    job: &Job,
    connection: &Connection,
    page: &ReadPage,
) -> Result<(), Failure> {
    let mut tx = ctx.pool.begin().await.context("starting a page write")?;
    let counts = staff::upsert_page(
        &mut tx,
        connection.account_id,
        connection.id,
        job.id,
        &page.records,
    )
    .await?;
    let still_ours = jobs::checkpoint(
        &mut tx,
        job.id,
        &ctx.worker,
        PageProgress {
            next_cursor: page.next.as_deref(),
            received: page.received,
            added: counts.added,
            updated: counts.updated,
            skipped: &page.skipped,
        },
    )
    .await?;
    if !still_ours {
        return Err(Failure::Superseded);
    }
    tx.commit().await.context("committing a page")?;
    Ok(())
}

/// The first sync of a connection (finished or failed) emails the admin who connected it.
async fn notify_first_sync(
    ctx: &SyncContext,
    job: &Job,
    connection: &Connection,
    people: i64,
) -> Result<(), ServerError> {
    if job.kind != "initial" {
        return Ok(());
    }
    let Some(done) = jobs::get(&ctx.pool, job.id).await? else {
        return Ok(());
    };
    crate::server::mail::compose::first_sync_finished(
        &ctx.pool,
        connection,
        &done,
        people,
        &ctx.public_url,
    )
    .await?;
    Ok(())
}

/// Waits while Merge is still running its own initial sync, so the first read is complete.
async fn wait_for_merge(ctx: &SyncContext, token: &Secret) -> Result<(), Failure> {
    let details = ctx.merge.account_details(token).await?;
    if details.status == Some(LinkedAccountStatus::RelinkNeeded) {
        return Err(Failure::Relink);
    }
    let deadline = tokio::time::Instant::now() + ctx.policy.wait_for_merge;
    loop {
        let statuses = ctx.merge.sync_status(token).await?;
        let employee = statuses.iter().find(|s| {
            s.model_id.as_deref() == Some("hris.Employee")
                || s.model_name.as_deref() == Some("Employee")
        });
        let initial_running = employee.is_some_and(|s| {
            s.status == Some(SyncState::Syncing) && s.last_sync_finished.is_none()
        });
        if !initial_running || tokio::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(ctx.policy.poll_merge_every).await;
    }
}

/// Merge's description of an ongoing issue (missing permissions, …), if any.
async fn open_issue(ctx: &SyncContext, connection: &Connection) -> Option<String> {
    let id = connection.merge_account_id.as_deref()?;
    match ctx.merge.issues(id).await {
        Ok(issues) => issues
            .into_iter()
            .find(|i| i.status == Some(IssueStatus::Ongoing) && i.is_muted != Some(true))
            .map(|i| {
                let what = i.error_description.unwrap_or_else(|| "A problem".into());
                match i.error_details.first() {
                    Some(d) => format!("{what}: {d}"),
                    None => what,
                }
            }),
        Err(err) => {
            tracing::warn!(error = %err, "could not read Merge issues");
            None
        }
    }
}
