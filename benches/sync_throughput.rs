//! The sync engine's benchmark, through the code the app runs: a connection is made
//! with `connect_with_credentials` and its jobs run with `worker::run_one`, reading the bundled
//! sandbox over loopback HTTP and writing to a fresh `hrc_bench` database on `DATABASE_URL`.
//!
//! 1. Initial sync of 100,000 employees (sandbox `bigco`): employees per second, from claiming
//!    the job to the end of the refresh the worker runs after it (teams, departments, every
//!    employee page, removals, duplicate people, management chains and campaign audiences). The
//!    word index's catch-up, which the worker runs next, is timed on its own.
//! 2. The identical rows loaded with `COPY` (the practical limit) and with a naive upsert, one
//!    row per statement and commit, each into an empty replica of `staff`: the same indexes and
//!    checks, and for COPY once with and once without its foreign keys.
//! 3. Incremental sync after the sandbox changed 1% of those people.
//! 4. With `--million`: peak memory of a sync of 1,000,000 employees (sandbox `megacorp`).
//!
//! Run: `scripts/bench.sh [--million]`, or with DATABASE_URL set,
//! `cargo bench --features ssr --bench sync_throughput [-- --million]`.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use hr_connectors::domain::email::EmailAddress;
use hr_connectors::domain::role::Role;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::server::accounts::{self, NewUser};
use hr_connectors::server::config::Config;
use hr_connectors::server::crypto::Key;
use hr_connectors::server::db::{self, MIGRATOR};
use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
use hr_connectors::server::merge::client::MergeClient;
use hr_connectors::server::sandbox::{self, SandboxHandle, state::SandboxConfig};
use hr_connectors::server::secret::Secret;
use hr_connectors::server::state::AppState;
use hr_connectors::server::store::connections::Connection;
use hr_connectors::server::store::jobs::{self, Job, JobKind, JobState};
use hr_connectors::server::sync::run::{SyncContext, SyncPolicy};
use hr_connectors::server::sync::worker::run_one;
use leptos::config::LeptosOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection as _, PgConnection, PgPool};
use uuid::Uuid;

const SANDBOX_KEY: &str = "bench-sandbox-key";
const BENCH_DB: &str = "hrc_bench";
/// Runs the sync alone in a child process, so its memory is measured without the sandbox's.
const WORKER_FLAG: &str = "--sync-worker";
/// The naive path would need minutes for all 100,000 rows; a sample gives its rate.
const NAIVE_SAMPLE: i64 = 5_000;

/// The columns the sync writes, in `upsert_page`'s order, for the naive upsert into a replica
/// made at run time (which the compiler cannot check against).
const COLUMNS: &str = "connection_id, merge_id, account_id, remote_id, first_name, last_name,
    preferred_name, display_name, work_email, personal_email, job_title, team_id, department_ids,
    manager_id, location_id, city, country, start_date, employment_status, termination_date,
    employee_number, avatar_url, birthday_month, birthday_day, deleted, modified_at, search_text,
    name_words, last_seen_job";

struct StaffRow {
    connection_id: Uuid,
    merge_id: String,
    account_id: Uuid,
    remote_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    preferred_name: Option<String>,
    display_name: String,
    work_email: Option<String>,
    personal_email: Option<String>,
    job_title: Option<String>,
    team_id: Option<String>,
    department_ids: Vec<String>,
    manager_id: Option<String>,
    location_id: Option<String>,
    city: Option<String>,
    country: Option<String>,
    start_date: Option<NaiveDate>,
    employment_status: Option<String>,
    termination_date: Option<NaiveDate>,
    employee_number: Option<String>,
    avatar_url: Option<String>,
    birthday_month: Option<i16>,
    birthday_day: Option<i16>,
    deleted: bool,
    modified_at: Option<DateTime<Utc>>,
    search_text: String,
    name_words: Vec<String>,
    last_seen_job: Option<Uuid>,
}

#[tokio::main]
async fn main() {
    // `cargo bench` adds `--bench`; anything unknown is ignored.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == WORKER_FLAG) {
        return sync_worker().await;
    }
    let million = args.iter().any(|a| a == "--million");
    let url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must point at a PostgreSQL server (scripts/bench.sh starts one)");
    let pool = fresh_database(&url).await;
    let sandbox = sandbox::spawn(
        SandboxConfig {
            api_key: Some(SANDBOX_KEY.into()),
            // Merge's own sync is emulated with a delay; none, so only our work is timed.
            initial_sync: Duration::ZERO,
            sync_rate: u64::MAX,
            // One generation edits, ends or deletes 1% of the workforce and hires no one.
            change_bp: 100,
            hires_per_generation: 0,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("starting the sandbox");
    let secret_key = Key::generate().encode();
    let state = app_state(pool.clone(), &secret_key, &sandbox.api_url());
    let admin = admin(&pool).await;
    let ctx = sync_context(&state);
    println!(
        "Sync benchmark: PostgreSQL {}, {} CPU cores, sandbox in-process over loopback HTTP",
        server_version(&pool).await,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let bigco = connect(&state, &admin, "bigco").await;
    let sync_rate = initial_sync(&pool, &ctx, &bigco).await;
    against_copy(&pool, &bigco, sync_rate).await;
    incremental(&pool, &ctx, &sandbox, &bigco).await;
    if million {
        peak_memory(&state, &admin, &secret_key, &sandbox).await;
    }
}

/// 1. The initial sync of 100,000 people: employees per second.
async fn initial_sync(pool: &PgPool, ctx: &SyncContext, bigco: &Connection) -> f64 {
    checkpoint(pool).await;
    let started = Instant::now();
    let index_secs = drain(ctx).await;
    let sync_secs = started.elapsed().as_secs_f64() - index_secs;
    let job = finished(pool, bigco).await;
    let people = job.received as f64;
    assert_eq!(job.added, 100_000, "every employee is stored once");
    let sync_rate = people / sync_secs;
    println!(
        "initial sync (real engine, {} pages of 100): {} employees in {sync_secs:.2} s = {sync_rate:.0} employees/s (the job {:.2} s, then the account-wide refresh of duplicates, management chains and audiences)",
        job.pages,
        job.received,
        job_secs(&job)
    );
    println!(
        "then the word index caught up in {index_secs:.2} s (searches read staff directly until it had)"
    );
    sync_rate
}

/// 2. The identical rows through COPY and a naive upsert, each into an empty replica of staff.
async fn against_copy(pool: &PgPool, bigco: &Connection, sync_rate: f64) {
    let rows = copy_out(pool, bigco.id).await;
    let copy_rate = timed_copy(pool, "staff_copy", true, &rows).await;
    let copy_rate_no_fk = timed_copy(pool, "staff_copy_no_fk", false, &rows).await;
    let sample = sqlx::query_as!(
        StaffRow,
        "SELECT connection_id, merge_id, account_id, remote_id, first_name, last_name,
             preferred_name, display_name, work_email, personal_email, job_title, team_id,
             department_ids, manager_id, location_id, city, country, start_date,
             employment_status, termination_date, employee_number, avatar_url, birthday_month,
             birthday_day, deleted, modified_at, search_text, name_words, last_seen_job
         FROM staff WHERE connection_id = $1 ORDER BY merge_id LIMIT $2",
        bigco.id,
        NAIVE_SAMPLE,
    )
    .fetch_all(pool)
    .await
    .expect("reading the naive sample");
    replica(pool, "staff_naive", true).await;
    checkpoint(pool).await;
    let started = Instant::now();
    naive_upsert(pool, &sample).await;
    let naive_secs = started.elapsed().as_secs_f64();
    let naive_rate = sample.len() as f64 / naive_secs;
    println!(
        "naive upsert (INSERT … ON CONFLICT DO UPDATE, one row per statement and commit; the first {} rows): {naive_secs:.2} s = {naive_rate:.0} rows/s",
        sample.len()
    );
    let vs_copy = sync_rate / copy_rate;
    let vs_copy_no_fk = sync_rate / copy_rate_no_fk;
    let vs_naive = sync_rate / naive_rate;
    println!(
        "sync / COPY = {vs_copy:.2} (target ≥ 0.5: {}), {vs_copy_no_fk:.2} against COPY without foreign keys ({}); sync / naive = {vs_naive:.1} (target ≥ 10: {})",
        verdict(vs_copy >= 0.5),
        verdict(vs_copy_no_fk >= 0.5),
        verdict(vs_naive >= 10.0)
    );
}

/// 3. An incremental sync after the sandbox changed 1% of the people.
async fn incremental(
    pool: &PgPool,
    ctx: &SyncContext,
    sandbox: &SandboxHandle,
    bigco: &Connection,
) {
    let merge_account = bigco
        .merge_account_id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .expect("a linked sandbox account");
    let summary = sandbox
        .sandbox
        .advance(merge_account)
        .expect("advancing the workforce");
    assert!(
        jobs::enqueue(pool, bigco.id, JobKind::Incremental)
            .await
            .unwrap()
    );
    checkpoint(pool).await;
    let started = Instant::now();
    let inc_index_secs = drain(ctx).await;
    let inc_secs = started.elapsed().as_secs_f64() - inc_index_secs;
    let job = finished(pool, bigco).await;
    println!(
        "incremental sync: sandbox changed {} edited, {} left, {} deleted; the sync read {} and updated {} in {inc_secs:.2} s, of which the job {:.2} s and the rest the refresh of duplicates and management chains around the people it wrote, and of audiences (target < 2 s: {}); then the word index caught up in {:.2} s",
        summary["changed"],
        summary["left"],
        summary["deleted"],
        job.received,
        job.updated,
        job_secs(&job),
        verdict(inc_secs < 2.0),
        inc_index_secs
    );
}

/// 4. The peak memory of a 1,000,000-person sync, run in a child process that does only that.
async fn peak_memory(
    state: &AppState,
    admin: &CurrentUser,
    secret_key: &str,
    sandbox: &SandboxHandle,
) {
    let megacorp = connect(state, admin, "megacorp").await;
    checkpoint(&state.pool).await;
    let out = tokio::process::Command::new(std::env::current_exe().unwrap())
        .arg(WORKER_FLAG)
        .env("BENCH_SECRET_KEY", secret_key)
        .env("BENCH_MERGE_URL", sandbox.api_url())
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .expect("running the sync worker");
    assert!(out.status.success(), "the sync worker failed");
    let report = String::from_utf8_lossy(&out.stdout);
    let mut fields = report.split_whitespace().map(|f| f.parse::<f64>().unwrap());
    let (peak_kb, secs) = (fields.next().unwrap(), fields.next().unwrap());
    let job = finished(&state.pool, &megacorp).await;
    assert_eq!(job.added, 1_000_000, "every employee is stored once");
    let peak_mb = peak_kb / 1024.0;
    println!(
        "1,000,000-employee sync in a child process running only the sync engine (the sandbox stays in this process, uncounted): {} employees in {secs:.1} s = {:.0} employees/s (the job {:.1} s); peak RSS (VmHWM) {peak_mb:.0} MB (target < 300 MB: {})",
        job.received,
        job.received as f64 / secs,
        job_secs(&job),
        verdict(peak_mb < 300.0)
    );
}

/// The child process of `--million`: runs queued jobs like a worker replica, then reports its
/// peak resident memory (kB) and the seconds the jobs took.
async fn sync_worker() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name}"));
    let pool = pool(&url).await;
    let state = app_state(pool, &var("BENCH_SECRET_KEY"), &var("BENCH_MERGE_URL"));
    let started = Instant::now();
    let index_secs = drain(&sync_context(&state)).await;
    let secs = started.elapsed().as_secs_f64() - index_secs;
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    println!("{peak_kb} {secs}");
}

fn bench_options(url: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url)
        .expect("DATABASE_URL is a PostgreSQL URL")
        .database(BENCH_DB)
}

/// The app's pool, on the benchmark database.
async fn pool(url: &str) -> PgPool {
    db::connect_with(bench_options(url))
        .await
        .expect("connecting to the benchmark database")
}

/// Drops and recreates the benchmark database, so every run starts from an empty schema.
async fn fresh_database(url: &str) -> PgPool {
    let mut admin = PgConnection::connect(url)
        .await
        .expect("connecting to DATABASE_URL");
    for sql in [
        format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"),
        format!("CREATE DATABASE {BENCH_DB}"),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let pool = pool(url).await;
    MIGRATOR.run(&pool).await.expect("migrating");
    pool
}

fn app_state(pool: PgPool, secret_key: &str, merge_url: &str) -> AppState {
    let config = Config::from_lookup(|name| match name {
        // Only the pool given here is used; the configuration insists on a URL.
        "DATABASE_URL" => Some("postgres://unused-by-the-benchmark".into()),
        "APP_SECRET_KEY" => Some(secret_key.to_owned()),
        "MERGE_WEBHOOK_SECRET" => Some("unused-by-the-benchmark".into()),
        "SEED_DEMO_DATA" => Some("false".into()),
        _ => None,
    })
    .expect("benchmark configuration");
    let options = LeptosOptions::builder()
        .output_name("hr-connectors")
        .site_root("target/site")
        .build();
    let merge = MergeClient::new(merge_url, Secret::new(SANDBOX_KEY));
    AppState::new(options, pool, config, merge)
}

fn sync_context(state: &AppState) -> SyncContext {
    SyncContext {
        pool: state.pool.clone(),
        secrets: state.secrets.clone(),
        merge: state.merge.clone(),
        worker: format!("bench-{}", std::process::id()),
        policy: SyncPolicy {
            poll_merge_every: Duration::from_millis(10),
            ..SyncPolicy::default()
        },
        public_url: "http://127.0.0.1:3000".into(),
        clock: state.clock.clone(),
    }
}

async fn admin(pool: &PgPool) -> CurrentUser {
    let account_id = accounts::create_account(pool, "Bench Ltd").await.unwrap();
    let email = "admin@bench.example";
    let user_id = accounts::create_user(
        pool,
        NewUser {
            account_id,
            email: &EmailAddress::parse(email).unwrap(),
            name: "Bench Admin",
            role: Role::Admin,
            password: Some("bench-password"),
        },
    )
    .await
    .unwrap();
    CurrentUser {
        user_id,
        account_id,
        account_name: "Bench Ltd".into(),
        name: "Bench Admin".into(),
        email: email.into(),
        role: Role::Admin,
    }
}

/// Connects a sandbox Sage HR subdomain with every optional field on, so rows are as wide as
/// the product ever stores them; this queues the initial sync.
async fn connect(state: &AppState, admin: &CurrentUser, subdomain: &str) -> Connection {
    connect_with_credentials(
        state,
        admin,
        ConnectInput {
            slug: "sage-hr".into(),
            label: subdomain.into(),
            optional_fields: [
                "personal_email",
                "job_title",
                "employee_number",
                "birthday",
                "avatar",
            ]
            .map(String::from)
            .to_vec(),
            credentials: BTreeMap::from([
                ("subdomain".into(), subdomain.into()),
                ("api_key".into(), "demo-api-key".into()),
            ]),
        },
    )
    .await
    .expect("connecting the sandbox")
}

/// Runs every queued job as the worker does. Returns the seconds the word index took to catch
/// up after them, which the sync's own time leaves out: its people were searchable before.
async fn drain(ctx: &SyncContext) -> f64 {
    let mut index_secs = 0.0;
    while let Some(worked) = run_one(ctx).await.expect("a sync job") {
        index_secs += worked.index_catch_up.as_secs_f64();
    }
    index_secs
}

async fn finished(pool: &PgPool, connection: &Connection) -> Job {
    let job = jobs::latest(pool, connection.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    job
}

/// From claiming the job to its end, without the refresh the worker runs after it.
fn job_secs(job: &Job) -> f64 {
    let took = job.finished_at.expect("finished") - job.started_at.expect("started");
    took.num_milliseconds() as f64 / 1000.0
}

/// Writes dirty pages out before a measurement, so it does not pay for the previous one's.
/// Needs superuser rights; without them the measurement just runs on.
async fn checkpoint(pool: &PgPool) {
    let _ = sqlx::query("CHECKPOINT").execute(pool).await;
}

async fn server_version(pool: &PgPool) -> String {
    sqlx::query_scalar!(r#"SELECT current_setting('server_version') AS "v!""#)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// An empty table like `staff`: its columns, defaults, checks and indexes, and optionally its
/// foreign keys, which `LIKE` leaves out and every row written to `staff` pays for.
async fn replica(pool: &PgPool, table: &str, foreign_keys: bool) {
    let mut sql = format!("CREATE TABLE {table} (LIKE staff INCLUDING ALL);");
    if foreign_keys {
        sql += &format!(
            "ALTER TABLE {table}
                 ADD FOREIGN KEY (connection_id) REFERENCES connections (id) ON DELETE CASCADE,
                 ADD FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE;"
        );
    }
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(pool)
        .await
        .unwrap();
}

/// Loads `rows` (binary COPY data) into a new replica of staff and returns the rows per second.
async fn timed_copy(pool: &PgPool, table: &str, foreign_keys: bool, rows: &[u8]) -> f64 {
    replica(pool, table, foreign_keys).await;
    checkpoint(pool).await;
    let started = Instant::now();
    let copied = copy_in(pool, table, rows).await;
    let secs = started.elapsed().as_secs_f64();
    let rate = copied as f64 / secs;
    let keys = if foreign_keys { "with" } else { "without" };
    println!(
        "COPY (binary, one statement) into a replica of staff {keys} its foreign keys: {copied} rows in {secs:.2} s = {rate:.0} rows/s"
    );
    rate
}

/// The columns of `staff` that are written; generated ones (the sort key) are computed by the
/// server and cannot be copied in.
async fn written_columns(pool: &PgPool) -> String {
    sqlx::query_scalar!(
        r#"SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS "columns!"
           FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = 'staff' AND is_generated = 'NEVER'"#,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn copy_out(pool: &PgPool, connection: Uuid) -> Vec<u8> {
    let columns = written_columns(pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let mut stream = conn
        .copy_out_raw(&format!(
            "COPY (SELECT {columns} FROM staff WHERE connection_id = '{connection}') TO STDOUT (FORMAT binary)"
        ))
        .await
        .unwrap();
    let mut rows = Vec::new();
    while let Some(chunk) = stream.try_next().await.unwrap() {
        rows.extend_from_slice(&chunk);
    }
    rows
}

async fn copy_in(pool: &PgPool, table: &str, rows: &[u8]) -> u64 {
    let columns = written_columns(pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .await
        .unwrap();
    // Streamed in socket-sized pieces, as a loader reading from elsewhere would.
    for chunk in rows.chunks(64 * 1024) {
        copy.send(chunk).await.unwrap();
    }
    copy.finish().await.unwrap()
}

/// One row per statement and commit, into a replica made at run time. Its `SET` list repeats
/// the one in `store::staff`'s upsert on purpose: the comparison is of how rows reach Postgres,
/// so both must write the same columns the same way.
async fn naive_upsert(pool: &PgPool, rows: &[StaffRow]) {
    let sql = format!(
        "INSERT INTO staff_naive ({COLUMNS}, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, now())
         ON CONFLICT (connection_id, merge_id) DO UPDATE SET
             remote_id = excluded.remote_id, first_name = excluded.first_name,
             last_name = excluded.last_name, preferred_name = excluded.preferred_name,
             display_name = excluded.display_name, work_email = excluded.work_email,
             personal_email = excluded.personal_email, job_title = excluded.job_title,
             team_id = excluded.team_id, department_ids = excluded.department_ids,
             manager_id = excluded.manager_id, location_id = excluded.location_id,
             city = excluded.city, country = excluded.country, start_date = excluded.start_date,
             employment_status = excluded.employment_status,
             termination_date = excluded.termination_date,
             employee_number = excluded.employee_number, avatar_url = excluded.avatar_url,
             birthday_month = excluded.birthday_month, birthday_day = excluded.birthday_day,
             deleted = excluded.deleted, modified_at = excluded.modified_at,
             search_text = excluded.search_text, name_words = excluded.name_words,
             last_seen_job = excluded.last_seen_job,
             last_seen_at = now(), removed_at = NULL, removal_held = false"
    );
    let mut conn = pool.acquire().await.unwrap();
    for r in rows {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(r.connection_id)
            .bind(&r.merge_id)
            .bind(r.account_id)
            .bind(&r.remote_id)
            .bind(&r.first_name)
            .bind(&r.last_name)
            .bind(&r.preferred_name)
            .bind(&r.display_name)
            .bind(&r.work_email)
            .bind(&r.personal_email)
            .bind(&r.job_title)
            .bind(&r.team_id)
            .bind(&r.department_ids)
            .bind(&r.manager_id)
            .bind(&r.location_id)
            .bind(&r.city)
            .bind(&r.country)
            .bind(r.start_date)
            .bind(&r.employment_status)
            .bind(r.termination_date)
            .bind(&r.employee_number)
            .bind(&r.avatar_url)
            .bind(r.birthday_month)
            .bind(r.birthday_day)
            .bind(r.deleted)
            .bind(r.modified_at)
            .bind(&r.search_text)
            .bind(&r.name_words)
            .bind(r.last_seen_job)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
