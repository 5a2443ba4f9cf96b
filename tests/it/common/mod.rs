//! Helpers shared by the integration tests: configuration, an in-process app, demo users.

pub mod endpoints;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use hr_connectors::domain::email::EmailAddress;
use hr_connectors::domain::role::Role;
use hr_connectors::server::accounts::{self, NewUser};
use hr_connectors::server::config::Config;
use hr_connectors::server::state::AppState;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn config() -> Config {
    let secrets = std::env::temp_dir().join(format!("hrc-test-secrets-{}.env", std::process::id()));
    let secrets = secrets.display().to_string();
    Config::from_lookup(move |name| match name {
        "DATABASE_URL" => Some("postgres://unused-by-tests".into()),
        "DEV_SECRETS_FILE" => Some(secrets.clone()),
        "SEED_DEMO_DATA" => Some("false".into()),
        _ => None,
    })
    .expect("test configuration")
}

pub fn state(pool: PgPool) -> AppState {
    // Nothing in these tests reaches Merge; the discard port makes any attempt fail fast.
    state_with(
        pool,
        hr_connectors::server::merge::client::MergeClient::new(
            "http://127.0.0.1:9/api",
            hr_connectors::server::secret::Secret::new("unused"),
        ),
    )
}

pub fn state_with(
    pool: PgPool,
    merge: hr_connectors::server::merge::client::MergeClient,
) -> AppState {
    let options = LeptosOptions::builder()
        .output_name("hr-connectors")
        .site_root("target/site")
        .build();
    AppState::new(options, pool, config(), merge)
}

pub fn app(pool: PgPool) -> Router {
    hr_connectors::server::startup::router(state(pool))
}

pub struct TestUser {
    pub account_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub password: String,
}

pub async fn user(pool: &PgPool, account: &str, email: &str, role: Role) -> TestUser {
    let account_id = accounts::create_account(pool, account).await.unwrap();
    user_in(pool, account_id, email, role).await
}

pub async fn user_in(pool: &PgPool, account_id: Uuid, email: &str, role: Role) -> TestUser {
    let password = format!("pw-{email}");
    let parsed = EmailAddress::parse(email).unwrap();
    let user_id = accounts::create_user(
        pool,
        NewUser {
            account_id,
            email: &parsed,
            name: "Test Person",
            role,
            password: Some(&password),
        },
    )
    .await
    .unwrap();
    TestUser {
        account_id,
        user_id,
        email: email.to_owned(),
        password,
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Response<Body> {
    app.clone().oneshot(req).await.unwrap()
}

pub async fn body_text(res: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn form_post(path: &str, form: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", form.len())
        .header("origin", ORIGIN)
        .header("host", "127.0.0.1:3000");
    if let Some(c) = cookie {
        builder = builder.header("cookie", c);
    }
    builder.body(Body::from(form.to_owned())).unwrap()
}

pub fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path).header("host", "127.0.0.1:3000");
    if let Some(c) = cookie {
        builder = builder.header("cookie", c);
    }
    builder.body(Body::empty()).unwrap()
}

/// Signs in over HTTP and returns the `name=value` session cookie.
pub async fn sign_in(app: &Router, email: &str, password: &str) -> String {
    let form = format!(
        "email={}&password={}",
        urlencode(email),
        urlencode(password)
    );
    let res = send(app, form_post("/api/auth/login", &form, None)).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "sign-in failed: {}",
        res.status()
    );
    session_cookie(&res).expect("a session cookie")
}

pub fn session_cookie(res: &Response<Body>) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hrc_session=") && !v.starts_with("hrc_session=;"))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An account with an admin, the sandbox over HTTP, and the sync engine, for tests that need
/// synced staff.
pub struct SyncedEnv {
    pub state: AppState,
    pub sandbox: hr_connectors::server::sandbox::SandboxHandle,
    pub admin: hr_connectors::domain::user::CurrentUser,
    /// The sandbox's Merge API key.
    pub key: &'static str,
    poll_merge_every: std::time::Duration,
}

/// How a `SyncedEnv` is set up. The defaults suit tests that need synced staff quickly; the
/// sync engine's own tests let Merge's first sync take longer and retry harder.
pub struct EnvOptions {
    /// How long the sandbox's own first sync of a linked account takes.
    pub initial_sync: std::time::Duration,
    /// The Merge client's retries; `None` keeps the client's defaults.
    pub retry: Option<hr_connectors::server::merge::retry::RetryPolicy>,
    /// How often the sync engine asks whether Merge's first sync has finished.
    pub poll_merge_every: std::time::Duration,
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            initial_sync: std::time::Duration::from_millis(50),
            retry: None,
            poll_merge_every: std::time::Duration::from_millis(20),
        }
    }
}

impl SyncedEnv {
    /// Every email of the admin's account, newest first, sealed bodies opened (as the
    /// development outbox shows them).
    pub async fn mail(&self) -> Vec<hr_connectors::server::mail::outbox::OutboxMessage> {
        use hr_connectors::server::mail::outbox::{self, PrivateLinks};
        outbox::list(
            &self.state.pool,
            &self.state.secrets,
            self.admin.account_id,
            100,
            PrivateLinks::Show,
        )
        .await
        .unwrap()
    }

    pub async fn new(pool: PgPool) -> SyncedEnv {
        SyncedEnv::with(pool, EnvOptions::default()).await
    }

    pub async fn with(pool: PgPool, options: EnvOptions) -> SyncedEnv {
        use hr_connectors::server::merge::client::MergeClient;
        use hr_connectors::server::sandbox::{self, state::SandboxConfig};
        use hr_connectors::server::secret::Secret;
        let key = "synced-env-key";
        let sandbox = sandbox::spawn(
            SandboxConfig {
                api_key: Some(key.into()),
                initial_sync: options.initial_sync,
                hires_per_generation: 5,
                change_bp: 300,
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let merge = match options.retry {
            Some(policy) => MergeClient::with_policy(&sandbox.api_url(), Secret::new(key), policy),
            None => MergeClient::new(&sandbox.api_url(), Secret::new(key)),
        };
        let state = state_with(pool.clone(), merge);
        let u = user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
        let admin = hr_connectors::domain::user::CurrentUser {
            user_id: u.user_id,
            account_id: u.account_id,
            account_name: "Acme Ltd".into(),
            name: "Ada Admin".into(),
            email: u.email,
            role: Role::Admin,
        };
        SyncedEnv {
            state,
            sandbox,
            admin,
            key,
            poll_merge_every: options.poll_merge_every,
        }
    }

    /// A sync worker called `worker`, as the server runs one.
    pub fn ctx(&self, worker: &str) -> hr_connectors::server::sync::run::SyncContext {
        use hr_connectors::server::sync::run::{SyncContext, SyncPolicy};
        SyncContext {
            pool: self.state.pool.clone(),
            secrets: self.state.secrets.clone(),
            merge: self.state.merge.clone(),
            worker: worker.into(),
            policy: SyncPolicy {
                poll_merge_every: self.poll_merge_every,
                ..SyncPolicy::default()
            },
            public_url: ORIGIN.into(),
            clock: self.state.clock.clone(),
        }
    }

    /// Connects a sandbox Sage HR subdomain and runs its first sync.
    pub async fn connect(
        &self,
        subdomain: &str,
    ) -> hr_connectors::server::store::connections::Connection {
        use hr_connectors::server::integrations::connect::{
            ConnectInput, connect_with_credentials,
        };
        let c = connect_with_credentials(
            &self.state,
            &self.admin,
            ConnectInput {
                slug: "sage-hr".into(),
                label: subdomain.into(),
                optional_fields: vec!["job_title".into()],
                credentials: std::collections::BTreeMap::from([
                    ("subdomain".into(), subdomain.into()),
                    ("api_key".into(), "demo-api-key".into()),
                ]),
            },
        )
        .await
        .unwrap();
        self.drain().await;
        hr_connectors::server::store::connections::get(
            &self.state.pool,
            self.admin.account_id,
            c.id,
        )
        .await
        .unwrap()
        .unwrap()
    }

    /// Runs queued sync jobs until none is left, as a worker does (the word index catches up
    /// after each).
    pub async fn drain(&self) {
        let ctx = self.ctx("test-worker");
        while hr_connectors::server::sync::worker::run_one(&ctx)
            .await
            .unwrap()
            .is_some()
        {}
    }

    /// Moves the sandbox workforce of a linked account one generation on (hires, changes,
    /// leavers) and syncs it.
    pub async fn advance_and_sync(
        &self,
        connection: &hr_connectors::server::store::connections::Connection,
    ) {
        use hr_connectors::server::store::jobs::{self, JobKind};
        let res = reqwest::Client::new()
            .post(format!(
                "{}/sandbox/v1/linked-accounts/{}/advance",
                self.sandbox.root_url(),
                connection.merge_account_id.as_deref().unwrap()
            ))
            .bearer_auth(self.key)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        jobs::enqueue(&self.state.pool, connection.id, JobKind::Manual)
            .await
            .unwrap();
        self.drain().await;
    }
}

/// What the worker does once a sync's results are stored: brings the word index up to date.
pub async fn catch_up_index(pool: &PgPool) {
    hr_connectors::server::store::tokens::catch_up(pool)
        .await
        .unwrap();
}

/// The word index lists exactly each person's words, under their current name, and the
/// dictionary has every word listed: a search served by the index then finds everyone.
pub async fn assert_word_index_follows_staff(pool: &PgPool) {
    let counts = sqlx::query!(
        r#"WITH expected AS (
             SELECT s.account_id, w AS word, s.sort_name, s.connection_id, s.merge_id,
                 staff_team_hash(s.team_id) AS team_hash
             FROM staff s, staff_tokens_of(s.search_text, s.name_words) w),
         actual AS (
             SELECT account_id, word, sort_name, connection_id, merge_id, team_hash FROM staff_tokens)
         SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual) m)
                    AS "missing!",
                (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected) s)
                    AS "stale!",
                (SELECT count(*) FROM actual a WHERE NOT EXISTS (
                     SELECT 1 FROM staff_token_words d
                     WHERE d.account_id = a.account_id AND d.word = a.word)) AS "unlisted!""#,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        (counts.missing, counts.stale, counts.unlisted),
        (0, 0, 0),
        "word index entries missing, stale, and missing from the dictionary"
    );
}

/// Every matching person's row, paged through the way the People page reads them.
pub async fn every_row(
    pool: &PgPool,
    account_id: Uuid,
    f: &hr_connectors::domain::staff_filter::StaffFilter,
) -> Result<
    Vec<hr_connectors::domain::staff_filter::StaffRow>,
    hr_connectors::server::error::ServerError,
> {
    let mut all = Vec::new();
    let mut page = hr_connectors::domain::staff_filter::StaffFilter {
        page: 0,
        ..f.clone()
    };
    loop {
        let chunk =
            hr_connectors::server::store::staff_query::search(pool, account_id, &page).await?;
        let done = chunk.rows.len() < hr_connectors::domain::staff_filter::PAGE_SIZE as usize;
        all.extend(chunk.rows);
        if done || all.len() >= 100_000 {
            return Ok(all);
        }
        page.page += 1;
    }
}

/// Signs in on the (emulated) Link page at `url` and follows it back: the address it returns
/// to, the pending hand-off id and the public token.
pub async fn sign_in_on_link(url: &str) -> (String, Uuid, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (page, query) = url.split_once('?').unwrap();
    let return_to = query.strip_prefix("return_to=").unwrap();
    let return_to = return_to
        .replace("%3A", ":")
        .replace("%2F", "/")
        .replace("%3F", "?")
        .replace("%3D", "=");
    let res = http
        .post(page)
        .form(&[("action", "authorize"), ("return_to", return_to.as_str())])
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let pending: Uuid = back.split("pending=").nth(1).unwrap()[..36]
        .parse()
        .unwrap();
    let token = back.split("public_token=").nth(1).unwrap().to_owned();
    (back, pending, token)
}

/// The admin of a second account, Globex Corp.
pub async fn other_admin(pool: &PgPool) -> hr_connectors::domain::user::CurrentUser {
    let u = user(pool, "Globex Corp", "gil@globex.example", Role::Admin).await;
    hr_connectors::domain::user::CurrentUser {
        user_id: u.user_id,
        account_id: u.account_id,
        account_name: "Globex Corp".into(),
        name: "Gil Globex".into(),
        email: u.email,
        role: Role::Admin,
    }
}
