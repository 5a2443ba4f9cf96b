//! Load test: 50 campaign managers filtering a 100,000-person account at once, over
//! HTTP on loopback, for 60 seconds, while another account's first 100,000-person sync runs.
//! Reports p50/p95/p99 latency and errors. Targets: no errors, p95 ≤ 100 ms.
//!
//! A manager is a person: after each answer they read it, then change a filter or type a word,
//! so each waits `<think ms>` (1,000 by default, spread ±50 %) between searches. With 0 they
//! search back to back, which measures the server's saturation rather than people's wait.
//!
//! Run: `scripts/bench.sh` or, with a Postgres server in DATABASE_URL,
//! `cargo bench --features ssr --bench load_test [-- <seconds> <managers> [<think ms>]]`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::config::Config;
use hr_connectors::server::merge::client::MergeClient;
use hr_connectors::server::sandbox::{self, state::SandboxConfig};
use hr_connectors::server::secret::Secret;
use hr_connectors::server::state::AppState;
use hr_connectors::server::sync::run::{SyncContext, SyncPolicy};
use hr_connectors::server::{accounts, db, startup, sync};
use leptos::config::LeptosOptions;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::{Mutex, watch};

const KEY: &str = "load-test";

/// One answered search: which filter, when it was asked, how long it took in ms.
type Sample = (usize, chrono::DateTime<chrono::Utc>, f64);

/// The managers' filters, in the order `main` builds them.
const FILTER_NAMES: [&str; 10] = [
    "everyone",
    "\"jose\"",
    "\"stephen\" (loose match)",
    "joined in 30 days",
    "Germany, joined in 90 days",
    "a team",
    "a team and \"an\"",
    "job title, page 3",
    "leavers included, page 20",
    "anniversaries in 30 days",
];

fn config(base: &str) -> Config {
    let base = base.to_owned();
    let secrets = std::env::temp_dir().join("hrc-load-test-secrets.env");
    let secrets = secrets.display().to_string();
    Config::from_lookup(move |name| match name {
        "DATABASE_URL" => Some(base.clone()),
        "DEV_SECRETS_FILE" => Some(secrets.clone()),
        "SEED_DEMO_DATA" => Some("false".into()),
        _ => None,
    })
    .expect("configuration")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    async fn sign_in(base: &str, email: &str, password: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = http
            .post(format!("{base}/api/auth/login"))
            .header("origin", base)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("hrc_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        Client {
            http,
            base: base.to_owned(),
            cookie,
        }
    }

    async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

async fn wait_synced(pool: &sqlx::PgPool, label: &str) {
    loop {
        let done = sqlx::query_scalar!(
            r#"SELECT status = 'healthy' AS "healthy!" FROM connections WHERE label = $1"#,
            label,
        )
        .fetch_optional(pool)
        .await
        .unwrap();
        if done == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The run's settings: `[<seconds> <managers> [<think ms>]]` on the command line.
struct Settings {
    seconds: u64,
    managers: usize,
    think_ms: u64,
}

impl Settings {
    fn from_args() -> Settings {
        let args: Vec<u64> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        Settings {
            seconds: args.first().copied().unwrap_or(60),
            managers: args.get(1).copied().unwrap_or(50) as usize,
            think_ms: args.get(2).copied().unwrap_or(1_000),
        }
    }
}

/// A new, migrated `hrc_load` database on the server, replacing any left by an earlier run.
/// Returns its URL and a pool on it.
async fn fresh_database(server_url: &str) -> (String, sqlx::PgPool) {
    let admin_pool = PgPoolOptions::new().connect(server_url).await.unwrap();
    sqlx::query!("DROP DATABASE IF EXISTS hrc_load WITH (FORCE)")
        .execute(&admin_pool)
        .await
        .unwrap();
    sqlx::query!("CREATE DATABASE hrc_load")
        .execute(&admin_pool)
        .await
        .unwrap();
    let url = format!("{}/hrc_load", server_url.rsplit_once('/').unwrap().0);
    let pool = db::pool_options()
        .max_connections(20)
        .connect(&url)
        .await
        .unwrap();
    db::MIGRATOR.run(&pool).await.unwrap();
    (url, pool)
}

/// What keeps the app running: the sandbox it syncs from, and the sender whose drop would stop
/// the sync worker.
struct Running {
    sandbox: sandbox::SandboxHandle,
    _stop: watch::Sender<bool>,
    /// The app's address, `http://127.0.0.1:<port>`.
    base: String,
}

/// Serves the app on loopback over the database, with the sandbox as Merge and the sync worker
/// running as in production.
async fn serve_app(pool: &sqlx::PgPool, url: &str) -> Running {
    let sandbox = sandbox::spawn(
        SandboxConfig {
            api_key: Some(KEY.into()),
            initial_sync: Duration::ZERO,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let merge = MergeClient::new(&sandbox.api_url(), Secret::new(KEY));
    let options = LeptosOptions::builder()
        .output_name("hr-connectors")
        .site_root("target/site")
        .build();
    let state = AppState::new(options, pool.clone(), config(url), merge.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = startup::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let (stop, stop_rx) = watch::channel(false);
    sync::worker::spawn(
        SyncContext {
            pool: pool.clone(),
            secrets: state.secrets.clone(),
            merge,
            worker: "load-test".into(),
            policy: SyncPolicy::default(),
            public_url: base.clone(),
            clock: state.clock.clone(),
        },
        2,
        Duration::from_secs(3600),
        stop_rx,
    );
    Running {
        sandbox,
        _stop: stop,
        base,
    }
}

/// Accounts A and B, each with an admin; returns each account with its admin's email.
async fn two_accounts(pool: &sqlx::PgPool) -> Vec<(uuid::Uuid, String)> {
    let mut users = Vec::new();
    for (name, who) in [("Acme Ltd", "a"), ("Globex Ltd", "b")] {
        let account = accounts::create_account(pool, name).await.unwrap();
        let email =
            hr_connectors::domain::email::EmailAddress::parse(&format!("admin@{who}.example"))
                .unwrap();
        accounts::create_user(
            pool,
            accounts::NewUser {
                account_id: account,
                email: &email,
                name: "Admin",
                role: Role::Admin,
                password: Some("load-test-password"),
            },
        )
        .await
        .unwrap();
        users.push((account, email.to_string()));
    }
    users
}

/// Connects the big sandbox company as `label`, as the signed-in `admin`.
async fn connect_bigco(admin: &Client, label: &str) {
    let input = json!({
        "slug": "sage-hr", "label": label, "optional_fields": ["job_title"],
        "credentials": {"subdomain": "bigco", "api_key": "demo-api-key"}});
    assert!(
        admin
            .post_json("/api/integrations/connect", input)
            .await
            .status()
            .is_success()
    );
}

/// `managers` campaign managers of the account, each signed in.
async fn signed_in_managers(
    pool: &sqlx::PgPool,
    base: &str,
    account: uuid::Uuid,
    managers: usize,
) -> Vec<Arc<Client>> {
    let mut clients = Vec::new();
    for i in 0..managers {
        let email = format!("manager{i}@a.example");
        let parsed = hr_connectors::domain::email::EmailAddress::parse(&email).unwrap();
        accounts::create_user(
            pool,
            accounts::NewUser {
                account_id: account,
                email: &parsed,
                name: "Manager",
                role: Role::CampaignManager,
                password: Some("load-test-password"),
            },
        )
        .await
        .unwrap();
        clients.push(Arc::new(
            Client::sign_in(base, &email, "load-test-password").await,
        ));
    }
    clients
}

/// The managers' filters, named in [`FILTER_NAMES`].
async fn filters(pool: &sqlx::PgPool) -> Vec<StaffFilter> {
    let teams = sqlx::query_scalar!(
        r#"SELECT connection_id::text || '/' || merge_id AS "team!" FROM teams LIMIT 40"#
    )
    .fetch_all(pool)
    .await
    .unwrap();
    vec![
        StaffFilter::default(),
        StaffFilter {
            q: "jose".into(),
            ..StaffFilter::default()
        },
        StaffFilter {
            q: "stephen".into(),
            ..StaffFilter::default()
        },
        StaffFilter {
            joined_within: Some(30),
            ..StaffFilter::default()
        },
        StaffFilter {
            countries: vec!["DE".into()],
            joined_within: Some(90),
            ..StaffFilter::default()
        },
        StaffFilter {
            teams: vec![teams[3].clone()],
            ..StaffFilter::default()
        },
        StaffFilter {
            teams: vec![teams[17].clone()],
            q: "an".into(),
            ..StaffFilter::default()
        },
        StaffFilter {
            job_title: "engineer".into(),
            page: 3,
            ..StaffFilter::default()
        },
        StaffFilter {
            include_leavers: true,
            page: 20,
            ..StaffFilter::default()
        },
        StaffFilter {
            anniversary_within: Some(30),
            ..StaffFilter::default()
        },
    ]
}

/// Every manager searches with the filters in turn (each starting at a filter of their own),
/// thinking between searches, until the settings' seconds are up. Returns every answered
/// search and how many failed, by status.
async fn search_until_the_end(
    clients: Vec<Arc<Client>>,
    filters: &[StaffFilter],
    settings: &Settings,
) -> (Vec<Sample>, BTreeMap<String, u64>) {
    let latencies = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let errors = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let think_ms = settings.think_ms;
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let (latencies, errors, filters) = (latencies.clone(), errors.clone(), filters.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut n = i;
            while Instant::now() < deadline {
                if think_ms > 0 {
                    let spread = {
                        use rand::Rng;
                        rand::thread_rng().gen_range(think_ms / 2..=think_ms + think_ms / 2)
                    };
                    tokio::time::sleep(Duration::from_millis(spread)).await;
                }
                let which = n % filters.len();
                let filter = &filters[which];
                n += 1;
                let (t, asked) = (Instant::now(), chrono::Utc::now());
                let res = client
                    .post_json("/api/staff/search", json!({ "filter": filter }))
                    .await;
                let status = res.status();
                let ok = status.is_success() && res.bytes().await.is_ok();
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if ok {
                    latencies.lock().await.push((which, asked, ms));
                } else {
                    *errors.lock().await.entry(status.to_string()).or_default() += 1;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = latencies.lock().await.clone();
    let errors = errors.lock().await.clone();
    (all, errors)
}

/// Prints the latencies overall, while and after account B's sync ran, and by filter, and
/// whether the target was met.
async fn report(
    pool: &sqlx::PgPool,
    settings: &Settings,
    all: &[Sample],
    errors: &BTreeMap<String, u64>,
) {
    let Settings {
        seconds,
        managers,
        think_ms,
    } = settings;
    let b_sync = sqlx::query!(
        "SELECT j.received, j.started_at, j.derived_at FROM sync_jobs j JOIN connections c ON c.id = j.connection_id
         WHERE c.label = 'B' ORDER BY j.created_at DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .unwrap();
    let received = b_sync.as_ref().map(|j| j.received);
    let sync_started = b_sync.as_ref().and_then(|j| j.started_at);
    let sync_finished = b_sync.as_ref().and_then(|j| j.derived_at);
    let sorted = |pick: &dyn Fn(&Sample) -> bool| {
        let mut v: Vec<f64> = all.iter().filter(|x| pick(x)).map(|x| x.2).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    let l = sorted(&|_| true);
    let error_count: u64 = errors.values().sum();
    println!(
        "{managers} managers ({think_ms} ms between searches) for {seconds} s on loopback, while account B's sync received {} people:",
        received.unwrap_or(0)
    );
    println!(
        "  {} searches ({:.0}/s), p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {error_count} {errors:?}",
        l.len(),
        l.len() as f64 / *seconds as f64,
        percentile(&l, 0.50),
        percentile(&l, 0.95),
        percentile(&l, 0.99),
        l.last().copied().unwrap_or(0.0)
    );
    let during = |at: &chrono::DateTime<chrono::Utc>| {
        sync_started.is_some_and(|s| *at >= s) && sync_finished.is_none_or(|f| *at < f)
    };
    for (label, part) in [
        ("while B's sync ran", sorted(&|x| during(&x.1))),
        ("after it", sorted(&|x| !during(&x.1))),
    ] {
        if !part.is_empty() {
            println!(
                "  {label}: {} searches, p50 {:.1} ms, p95 {:.1} ms",
                part.len(),
                percentile(&part, 0.50),
                percentile(&part, 0.95)
            );
        }
    }
    for (i, name) in FILTER_NAMES.iter().enumerate() {
        let part = sorted(&|x| x.0 == i);
        if !part.is_empty() {
            println!(
                "    {name}: p50 {:.1} ms, p95 {:.1} ms",
                percentile(&part, 0.50),
                percentile(&part, 0.95)
            );
        }
    }
    let met = error_count == 0 && percentile(&l, 0.95) <= 100.0;
    println!(
        "  target (no errors, p95 ≤ 100 ms): {}",
        if met { "met" } else { "NOT met" }
    );
}

#[tokio::main]
async fn main() {
    let settings = Settings::from_args();
    let server_url = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let (url, pool) = fresh_database(&server_url).await;
    let running = serve_app(&pool, &url).await;
    let base = &running.base;

    // Account A: 100,000 people, and the managers who filter them.
    let users = two_accounts(&pool).await;
    let admin_a = Client::sign_in(base, &users[0].1, "load-test-password").await;
    let started = Instant::now();
    connect_bigco(&admin_a, "A").await;
    wait_synced(&pool, "A").await;
    println!(
        "account A: 100,000 people synced in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let clients = signed_in_managers(&pool, base, users[0].0, settings.managers).await;
    let filters = filters(&pool).await;

    // Account B's first sync runs during the whole measurement.
    let admin_b = Client::sign_in(base, &users[1].1, "load-test-password").await;
    connect_bigco(&admin_b, "B").await;
    let (all, errors) = search_until_the_end(clients, &filters, &settings).await;
    report(&pool, &settings, &all, &errors).await;
    drop(running.sandbox);
}
