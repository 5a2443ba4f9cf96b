//! One sync job, start to finish: wait for Merge's own sync, read teams and departments, read
//! employees page by page (each page written and checkpointed in one transaction), then apply
//! removals and update the connection. A failure at any point leaves what was synced before.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::minimise::{self, minimise};
use crate::domain::field_policy::{Consent, FieldKey};
use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::merge::client::{MergeClient, Resource};
use crate::server::merge::error::MergeError;
use crate::server::merge::models::{
    Employee, Group, IssueStatus, LinkedAccountStatus, Page, SyncState, Team,
};
use crate::server::merge::query::ListQuery;
use crate::server::model::records::StaffRecord;
use crate::server::secret::Secret;
use crate::server::store::connections::{self, Connection, ConnectionStatus};
use crate::server::store::jobs::{self, Job, JobState, Outcome, PageProgress};
use crate::server::store::staff::UpsertCounts;
use crate::server::store::{org, staff, staff_lock};

#[derive(Clone)]
pub struct SyncContext {
    pub pool: PgPool,
    pub secrets: std::sync::Arc<SecretBox>,
    pub merge: MergeClient,
    pub worker: String,
    pub policy: SyncPolicy,
    /// For links in the emails a first sync sends.
    pub public_url: String,
    /// The app's time, for requests to connect that fall due a reminder.
    pub clock: crate::server::clock::Clock,
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
                Outcome::failed("The connection was disconnected."),
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
            jobs::finish(&ctx.pool, job.id, &ctx.worker, Outcome::failed(reason)).await
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
            jobs::finish(&ctx.pool, job.id, &ctx.worker, Outcome::failed(&msg)).await
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
        wait_for_merge(ctx, job, &token).await?;
    }
    let window_end = job.window_end.unwrap_or_else(Utc::now);
    let window_start = if job.full_sync {
        None
    } else {
        job.window_start.or(connection.synced_through)
    };
    let expected = if job.full_sync {
        jobs::expected_records(&ctx.pool, connection.id).await?
    } else {
        None
    };
    jobs::begin(
        &ctx.pool,
        job.id,
        &ctx.worker,
        window_start,
        window_end,
        expected,
    )
    .await?;
    phase(ctx, job, "organisation").await?;
    store_organisation(ctx, connection, &token).await?;
    phase(ctx, job, "reading").await?;
    let (removed, held) =
        store_people(ctx, job, connection, &token, window_start, window_end).await?;
    record_outcome(ctx, job, connection, window_end, removed, held).await
}

/// Replaces the connection's teams and departments with the HR system's current ones.
async fn store_organisation(
    ctx: &SyncContext,
    connection: &Connection,
    token: &Secret,
) -> Result<(), Failure> {
    let teams: Vec<Team> = ctx
        .merge
        .list_all(token, Resource::Teams, &ListQuery::default())
        .await?;
    let teams: Vec<_> = teams.iter().filter_map(minimise::team).collect();
    org::replace_teams(&ctx.pool, connection.id, &teams).await?;
    let groups: Vec<Group> = ctx
        .merge
        .list_all(token, Resource::Groups, &ListQuery::default())
        .await?;
    let departments: Vec<_> = groups.iter().filter_map(minimise::department).collect();
    org::replace_departments(&ctx.pool, connection.id, &departments).await?;
    Ok(())
}

/// Reads the people changed in the window (everyone, for a full sync) and stores them; a full
/// sync then removes whoever it did not see, or holds them for review when they are too many.
/// Returns how many were removed and how many held.
async fn store_people(
    ctx: &SyncContext,
    job: &Job,
    connection: &Connection,
    token: &Secret,
    window_start: Option<DateTime<Utc>>,
    window_end: DateTime<Utc>,
) -> Result<(i64, i64), Failure> {
    let mut expand = vec!["work_location"];
    if connection.consent.allows(FieldKey::JobTitle) {
        expand.push("employments");
    }
    let query = ListQuery {
        modified_after: window_start,
        modified_before: window_start.map(|_| window_end),
        include_deleted_data: true,
        expand,
        ..ListQuery::default()
    };
    // Held from the first page to the removals, on a connection of its own. The pages' own
    // transactions cannot each take it: a page queued behind the waiting ranking, while a later
    // page that got in first waits for it to commit, is a cycle Postgres cannot see.
    let mut writing = ctx.pool.begin().await.context("starting to store staff")?;
    staff_lock::share(&mut writing, connection.account_id).await?;
    // Merge serves the next pages, and another thread minimises them, while Postgres stores
    // these, so the sync runs at the pace of the slower side rather than their sum.
    let (sender, mut pages) = mpsc::channel(WRITERS);
    let reader = tokio::spawn(read_pages(
        ctx.merge.clone(),
        token.clone(),
        query,
        connection.consent.clone(),
        job.cursor.clone(),
        sender,
    ));
    let written = write_pages(ctx, job, connection, &mut pages).await;
    reader.abort();
    if let Err(err) = reader.await
        && err.is_panic()
    {
        std::panic::resume_unwind(err.into_panic());
    }
    written?;

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
    writing.commit().await.context("finishing storing staff")?;
    Ok((removed, held))
}

/// Records how the sync ended, on the connection (its health and people) and on the job.
async fn record_outcome(
    ctx: &SyncContext,
    job: &Job,
    connection: &Connection,
    window_end: DateTime<Utc>,
    removed: i64,
    held: i64,
) -> Result<(), Failure> {
    let people = staff::present_count(&ctx.pool, connection.id).await?;
    let issue = open_issue(ctx, connection).await;
    let (status, reason) = if held > 0 {
        (
            ConnectionStatus::NeedsAttention,
            Some(format!(
                "This sync would remove {held} people. Review before they leave your staff list."
            )),
        )
    } else if let Some(issue) = &issue {
        (ConnectionStatus::NeedsAttention, Some(issue.clone()))
    } else {
        (ConnectionStatus::Healthy, None)
    };
    connections::record_sync(
        &ctx.pool,
        connection.id,
        status.clone(),
        reason.as_deref(),
        window_end,
        people,
        issue.as_deref(),
    )
    .await?;
    let state = if status == ConnectionStatus::Healthy {
        JobState::Succeeded
    } else {
        JobState::Partial
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
    Ok(())
}

/// Pages stored at once, each in its own transaction. Postgres is the slower side of a sync, and
/// one page's statements keep one of its processes busy at a time.
const WRITERS: usize = 2;

/// One page of employees as the sync keeps them: minimised, with what was skipped and why.
struct ReadPage {
    records: Vec<StaffRecord>,
    received: i32,
    skipped: BTreeMap<String, i64>,
    next: Option<String>,
}

/// Reads pages in order, ahead of the writer, until the last page or the first failure. The
/// channel's bound keeps only a few pages in memory.
async fn read_pages(
    merge: MergeClient,
    token: Secret,
    query: ListQuery,
    consent: Consent,
    mut cursor: Option<String>,
    out: mpsc::Sender<Result<ReadPage, MergeError>>,
) {
    loop {
        let page = read_page(&merge, &token, &query, &consent, cursor).await;
        let next = page.as_ref().ok().and_then(|p| p.next.clone());
        if out.send(page).await.is_err() || next.is_none() {
            return;
        }
        cursor = next;
    }
}

/// Reads one page of employees and minimises it; the raw page goes no further.
async fn read_page(
    merge: &MergeClient,
    token: &Secret,
    query: &ListQuery,
    consent: &Consent,
    cursor: Option<String>,
) -> Result<ReadPage, MergeError> {
    let page: Page<Employee> = merge
        .list_page(token, Resource::Employees, query, cursor.as_deref())
        .await?;
    let mut records = Vec::with_capacity(page.results.len());
    let mut skipped: BTreeMap<String, i64> = BTreeMap::new();
    for e in &page.results {
        match minimise(e, consent) {
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

/// Stores pages as they arrive, up to `WRITERS` at once, each with its checkpoint in its own
/// transaction, committed in page order: the checkpoint only ever moves past stored pages, so a
/// crash resumes after the last committed one. A page that shares a person with an earlier one
/// waits for that page's commit, which never waits for a later page. If a read fails, the pages
/// before it are still stored and the checkpoint names the page that failed, where a retry
/// resumes.
async fn write_pages(
    ctx: &SyncContext,
    job: &Job,
    connection: &Connection,
    pages: &mut mpsc::Receiver<Result<ReadPage, MergeError>>,
) -> Result<(), Failure> {
    let mut storing: VecDeque<JoinHandle<Result<(ReadPage, Staged), Failure>>> = VecDeque::new();
    let mut reading = true;
    let mut read_failure = None;
    let outcome = loop {
        while reading && storing.len() < WRITERS {
            // Wait for a page only when nothing is being stored, so a slow read never holds
            // back a stored page's commit.
            let received = if storing.is_empty() {
                pages.recv().await
            } else {
                match pages.try_recv() {
                    Ok(page) => Some(page),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            match received {
                Some(Ok(page)) => {
                    reading = page.next.is_some();
                    storing.push_back(tokio::spawn(stage_page(
                        ctx.pool.clone(),
                        job.id,
                        connection.account_id,
                        connection.id,
                        page,
                    )));
                }
                Some(Err(err)) => {
                    reading = false;
                    read_failure = Some(err.into());
                }
                None => {
                    reading = false;
                    read_failure = Some(Failure::Transient(
                        "Reading employees stopped before the last page.".into(),
                    ));
                }
            }
        }
        let Some(oldest) = storing.pop_front() else {
            break read_failure.map_or(Ok(()), Err);
        };
        let stored = match oldest.await {
            Ok(staged) => staged,
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        };
        if let Err(failure) = async {
            let (page, staged) = stored?;
            commit_page(ctx, job, &page, staged).await
        }
        .await
        {
            break Err(failure);
        }
    };
    for later in storing {
        later.abort();
    }
    outcome
}

/// A page's people written in a transaction that is not yet committed.
type Staged = (Transaction<'static, Postgres>, UpsertCounts);

/// The page commits without waiting for its WAL to reach the disk: a database crash can then
/// lose the last few pages, but always together with their checkpoints, so the resumed sync
/// reads them again. The job's final commit waits, and takes every earlier page with it. This
/// spares a disk flush per page, a thousand for 100,000 people.
async fn stage_page(
    pool: PgPool,
    job: Uuid,
    account: Uuid,
    connection: Uuid,
    page: ReadPage,
) -> Result<(ReadPage, Staged), Failure> {
    let mut tx = pool.begin().await.context("starting a page write")?;
    sqlx::query!("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await
        .context("starting a page write")?;
    let counts = staff::upsert_page(&mut tx, account, connection, job, &page.records).await?;
    Ok((page, (tx, counts)))
}

async fn commit_page(
    ctx: &SyncContext,
    job: &Job,
    page: &ReadPage,
    (mut tx, counts): Staged,
) -> Result<(), Failure> {
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

/// Waits while Merge is still running its own initial sync, so the first read is complete. The
/// job says so meanwhile ("preparing"): Merge reports that it is syncing, not how far it got.
async fn wait_for_merge(ctx: &SyncContext, job: &Job, token: &Secret) -> Result<(), Failure> {
    let mut preparing = false;
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
        if !preparing {
            phase(ctx, job, "preparing").await?;
            preparing = true;
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
