//! The sync engine against a real Postgres and the sandbox over HTTP.

use crate::common;
use hr_connectors::server::store::audit::Actor;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hr_connectors::domain::integration::Phase;
use hr_connectors::domain::numbers::grouped;
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::error::AppError;
use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
use hr_connectors::server::integrations::views;
use hr_connectors::server::merge::retry::RetryPolicy;
use hr_connectors::server::merge::signature;
use hr_connectors::server::store::connections::{self, Connection, ConnectionStatus};
use hr_connectors::server::store::jobs::{self, JobKind, JobState};
use hr_connectors::server::store::staff_query;
use hr_connectors::server::sync::worker::run_one;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use common::{EnvOptions, SyncedEnv as Env};

/// The sync engine's tests let Merge's first sync take a while, so the "preparing" phase is
/// seen, and retry Merge's refusals quickly and often.
async fn env(pool: PgPool) -> Env {
    Env::with(
        pool,
        EnvOptions {
            initial_sync: Duration::from_millis(200),
            retry: Some(RetryPolicy {
                max_retries: 10,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(1100),
            }),
            poll_merge_every: Duration::from_millis(50),
        },
    )
    .await
}

fn sage(subdomain: &str, key: &str) -> ConnectInput {
    ConnectInput {
        slug: "sage-hr".into(),
        label: "UK division".into(),
        optional_fields: vec!["job_title".into()],
        credentials: BTreeMap::from([
            ("subdomain".into(), subdomain.into()),
            ("api_key".into(), key.into()),
        ]),
    }
}

async fn connect_and_sync(env: &Env, subdomain: &str) -> Connection {
    let c = connect_with_credentials(&env.state, &env.admin, sage(subdomain, "demo-api-key"))
        .await
        .unwrap();
    env.drain().await;
    connections::get(&env.state.pool, env.admin.account_id, c.id)
        .await
        .unwrap()
        .unwrap()
}

async fn sandbox_put(env: &Env, path: &str, body: Value) {
    let res = reqwest::Client::new()
        .put(format!("{}{path}", env.sandbox.root_url()))
        .bearer_auth(env.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
}

async fn advance(env: &Env, merge_account: &str) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/sandbox/v1/linked-accounts/{merge_account}/advance",
            env.sandbox.root_url()
        ))
        .bearer_auth(env.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Everything the staff table says about a connection, for comparing runs.
async fn snapshot(pool: &PgPool, connection: Uuid) -> Vec<String> {
    sqlx::query_scalar!(
        r#"SELECT concat_ws('|', merge_id, display_name, work_email, job_title, team_id, manager_id,
                 country, start_date::text, employment_status, termination_date::text, deleted::text,
                 removed_at IS NOT NULL) AS "row!"
         FROM staff WHERE connection_id = $1 ORDER BY merge_id"#,
        connection,
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn initial_sync_stores_the_workforce(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    assert_eq!(c.status, ConnectionStatus::Healthy);
    assert_eq!(c.people_count, 240);
    assert!(c.data_as_of.is_some());
    let job = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.phase, "ready");
    assert_eq!(job.received, 240);
    assert_eq!(job.added, 240);
    assert_eq!(job.pages, 3);
    let teams = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM teams WHERE connection_id = $1"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(teams, 73);
    let with_title = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM staff
           WHERE connection_id = $1 AND job_title IS NOT NULL AND country IS NOT NULL"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(with_title, 240);
    // The token is encrypted at rest.
    let sealed = sqlx::query_scalar!(
        r#"SELECT account_token_enc AS "account_token_enc!" FROM connections WHERE id = $1"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let token = connections::account_token(&pool, &env.state.secrets, c.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!sealed.contains(token.expose()));
    // The admin who connected gets one summary email.
    let mail = hr_connectors::server::mail::outbox::list(
        &pool,
        &env.state.secrets,
        c.account_id,
        10,
        hr_connectors::server::mail::outbox::PrivateLinks::Hide,
    )
    .await
    .unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "Sage HR is connected: 240 people synced");
    assert_eq!(mail[0].to_address, "ada@acme.example");
    let body = mail[0].body_text.as_deref().unwrap();
    assert!(body.contains("People skipped: none"));
    assert!(body.contains("Never requested: Social security"));
}

/// The sandbox gives person 41 of every workforce a name and job title carrying NUL, a bell, a
/// terminal escape and a tab. Postgres refuses NUL in text, so stored raw it would fail the sync.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn control_characters_from_the_hr_system_are_stored_cleaned(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "initech").await;
    assert_eq!(c.people_count, 60);
    let stored = sqlx::query!(
        r#"SELECT first_name AS "first_name!", last_name AS "last_name!", display_name,
               job_title AS "job_title!"
           FROM staff WHERE connection_id = $1 AND remote_id = '10041'"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (
            stored.first_name,
            stored.last_name,
            stored.display_name,
            stored.job_title
        ),
        (
            "Marie".to_owned(),
            "Lo[31mpez".to_owned(),
            "Marie Lo[31mpez".to_owned(),
            "Night nurse lead".to_owned()
        )
    );
    let with_controls = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM staff WHERE connection_id = $1 AND concat(first_name, last_name,
             display_name, job_title, search_text, work_email) ~ '[[:cntrl:]]'"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(with_controls, 0);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn wrong_credentials_are_reported_next_to_the_field(pool: PgPool) {
    let env = env(pool.clone()).await;
    let err = connect_with_credentials(&env.state, &env.admin, sage("acme", "wrong-key-123"))
        .await
        .unwrap_err();
    assert!(
        err.field_message("api_key").unwrap().contains("rejected"),
        "{err:?}"
    );
    let err = connect_with_credentials(&env.state, &env.admin, sage("nowhere", "demo-api-key"))
        .await
        .unwrap_err();
    assert!(
        err.field_message("subdomain")
            .unwrap()
            .contains("nowhere.sage.hr"),
        "{err:?}"
    );
    let err = connect_with_credentials(&env.state, &env.admin, sage("bad domain", "demo-api-key"))
        .await
        .unwrap_err();
    assert!(err.field_message("subdomain").is_some());
    let manager = CurrentUser {
        role: Role::CampaignManager,
        ..env.admin.clone()
    };
    let err = connect_with_credentials(&env.state, &manager, sage("acme", "demo-api-key"))
        .await
        .unwrap_err();
    assert_eq!(err, AppError::Forbidden);
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM connections"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn incremental_sync_finds_hires_changes_leavers_and_deletions(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "globex").await;
    let summary = advance(&env, c.merge_account_id.as_deref().unwrap()).await;
    jobs::enqueue(&pool, c.id, JobKind::Incremental)
        .await
        .unwrap();
    env.drain().await;
    let job = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(job.kind, JobKind::Incremental);
    assert_eq!(job.state, JobState::Succeeded);
    let hired = summary["hired"].as_i64().unwrap();
    let changed = summary["changed"].as_i64().unwrap() + summary["left"].as_i64().unwrap();
    let deleted = summary["deleted"].as_i64().unwrap();
    assert_eq!(job.added as i64, hired);
    assert_eq!(job.updated as i64, changed + deleted);
    assert_eq!(job.received as i64, hired + changed + deleted);
    let after = connections::get(&pool, env.admin.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.people_count as i64, 1200 + hired - deleted);
    let flagged = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM staff WHERE connection_id = $1 AND deleted"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(flagged, deleted);
    common::assert_word_index_follows_staff(&pool).await;
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn mass_removals_are_held_small_ones_applied(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    let ghost = |n: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query!(
                "INSERT INTO staff (connection_id, merge_id, account_id, display_name)
                 SELECT $1, 'ghost-' || g, $2, 'Ghost ' || g FROM generate_series(1, $3::bigint) g",
                c.id,
                c.account_id,
                n,
            )
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    // 10 people gone: applied.
    ghost(10).await;
    jobs::enqueue(&pool, c.id, JobKind::Manual).await.unwrap();
    env.drain().await;
    let job = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!((job.removed, job.held_removals), (10, 0));
    // 100 of 340 gone at once: held for review, nobody removed.
    sqlx::query!("DELETE FROM staff WHERE merge_id LIKE 'ghost-%'")
        .execute(&pool)
        .await
        .unwrap();
    ghost(100).await;
    jobs::enqueue(&pool, c.id, JobKind::Manual).await.unwrap();
    env.drain().await;
    let job = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!((job.removed, job.held_removals), (0, 100));
    let c = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.status, ConnectionStatus::NeedsAttention);
    assert!(c.status_reason.unwrap().contains("remove 100 people"));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_crashed_sync_resumes_from_its_checkpoint(pool: PgPool) {
    let env = env(pool.clone()).await;
    let clean = connect_and_sync(&env, "globex").await;
    let expected = snapshot(&pool, clean.id).await;

    // A second connection to the same linked account, synced by a worker that dies mid-way.
    let token = connections::account_token(&pool, &env.state.secrets, clean.id)
        .await
        .unwrap()
        .unwrap();
    let crashed = connections::create(
        &pool,
        &env.state.secrets,
        connections::NewConnection {
            id: Uuid::new_v4(),
            account_id: clean.account_id,
            integration_slug: "sage-hr",
            integration_name: "Sage HR",
            label: "Copy",
            tenant: None,
            origin_id: "copy",
            merge_account_id: clean.merge_account_id.as_deref(),
            account_token: &token,
            consent: &clean.consent,
            consented_by: Some(env.admin.user_id),
            requested_by: None,
            first_sync: JobKind::Initial,
        },
        &Actor::user(&env.admin, ""),
    )
    .await
    .unwrap();
    let dying = env.ctx("dying-worker");
    let handle = tokio::spawn(async move { run_one(&dying).await });
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let job = jobs::latest(&pool, crashed.id).await.unwrap().unwrap();
        if job.pages >= 3 {
            break;
        }
    }
    handle.abort();
    let _ = handle.await;
    let job = jobs::latest(&pool, crashed.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Running);
    assert!(job.pages < 12, "the crash should interrupt the sync");
    // Its heartbeat goes stale; another worker takes over and finishes from the checkpoint.
    sqlx::query!(
        "UPDATE sync_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1",
        job.id,
    )
    .execute(&pool)
    .await
    .unwrap();
    env.drain().await;
    let job = jobs::get(&pool, job.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(
        job.received, 1200,
        "each page read exactly once across both workers"
    );
    assert_eq!(snapshot(&pool, crashed.id).await, expected);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn faults_end_in_the_same_data_as_a_clean_run(pool: PgPool) {
    let env = env(pool.clone()).await;
    let clean = connect_and_sync(&env, "globex").await;
    let expected = snapshot(&pool, clean.id).await;
    sandbox_put(
        &env,
        "/sandbox/v1/faults",
        json!({"rate_limit_pct": 10, "retry_after_secs": 1, "server_error_pct": 10, "drop_pct": 10}),
    )
    .await;
    sqlx::query!("DELETE FROM staff WHERE connection_id = $1", clean.id)
        .execute(&pool)
        .await
        .unwrap();
    jobs::enqueue(&pool, clean.id, JobKind::Manual)
        .await
        .unwrap();
    env.drain().await;
    let job = jobs::latest(&pool, clean.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    assert_eq!(snapshot(&pool, clean.id).await, expected);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn two_workers_never_run_one_connection_twice(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_with_credentials(&env.state, &env.admin, sage("globex", "demo-api-key"))
        .await
        .unwrap();
    assert!(
        !jobs::enqueue(&pool, c.id, JobKind::Manual).await.unwrap(),
        "one active job per connection"
    );
    let (a, b) = (env.ctx("worker-a"), env.ctx("worker-b"));
    let (ra, rb) = tokio::join!(run_one(&a), run_one(&b));
    let ran = [ra.unwrap(), rb.unwrap()]
        .iter()
        .filter(|r| r.is_some())
        .count();
    assert_eq!(ran, 1);
    let job = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.received, job.added),
        (JobState::Succeeded, 1200, 1200)
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn relink_needed_keeps_the_staff(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    let before = snapshot(&pool, c.id).await;
    let id = c.merge_account_id.clone().unwrap();
    sandbox_put(
        &env,
        &format!("/sandbox/v1/linked-accounts/{id}/faults"),
        json!({"relink_needed": true}),
    )
    .await;
    jobs::enqueue(&pool, c.id, JobKind::Manual).await.unwrap();
    env.drain().await;
    let after = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, ConnectionStatus::NeedsRelink);
    assert_eq!(after.people_count, 240);
    assert_eq!(snapshot(&pool, c.id).await, before);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn webhooks_need_a_valid_signature_and_count_once(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "initech").await;
    let app = hr_connectors::server::startup::router(env.state.clone());
    let body = json!({
        "hook": {"event": "LinkedAccount.sync_completed"},
        "linked_account": {"id": c.merge_account_id},
        "data": {"is_initial_sync": false}
    })
    .to_string();
    let post = |sig: Option<String>| {
        let mut req = Request::post("/webhooks/merge").header("content-type", "application/json");
        if let Some(s) = sig {
            req = req.header(signature::HEADER, s);
        }
        req.body(Body::from(body.clone())).unwrap()
    };
    let key = env
        .state
        .config
        .merge_webhook_key
        .expose()
        .as_bytes()
        .to_vec();
    assert_eq!(
        common::send(&app, post(None)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        common::send(&app, post(Some("bad".into()))).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(jobs::latest(&pool, c.id).await.unwrap().unwrap().state == JobState::Succeeded);

    let good = signature::sign(&key, body.as_bytes());
    assert_eq!(
        common::send(&app, post(Some(good.clone()))).await.status(),
        StatusCode::OK
    );
    let queued = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(
        (queued.kind, queued.state),
        (JobKind::Webhook, JobState::Queued)
    );
    env.drain().await;
    // The same delivery again is acknowledged but not processed.
    assert_eq!(
        common::send(&app, post(Some(format!("{good}="))))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        jobs::latest(&pool, c.id).await.unwrap().unwrap().id,
        queued.id
    );
}

/// What the HR system sent for the connection's people, sensitive fields included.
async fn sensitive_values_sent(env: &Env, connection: Uuid) -> Vec<String> {
    let token = connections::account_token(&env.state.pool, &env.state.secrets, connection)
        .await
        .unwrap()
        .unwrap();
    let mut sensitive: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = reqwest::Client::new()
            .get(format!(
                "{}/hris/v1/employees?page_size=100&expand=home_location,employments{cursor}",
                env.sandbox.api_url()
            ))
            .bearer_auth(env.key)
            .header("X-Account-Token", token.expose())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["results"].as_array().unwrap() {
            for f in [
                "ssn",
                "mobile_phone_number",
                "personal_email",
                "date_of_birth",
            ] {
                sensitive.push(e[f].as_str().expect(f).to_owned());
            }
            // Full birth dates in any form.
            sensitive.push(e["date_of_birth"].as_str().unwrap()[..10].to_owned());
            sensitive.push(e["home_location"]["street_1"].as_str().unwrap().to_owned());
            sensitive.push(e["home_location"]["zip_code"].as_str().unwrap().to_owned());
            sensitive.push(format!("{}", e["employments"][0]["pay_rate"]));
        }
        match page["next"].as_str() {
            Some(n) => cursor = format!("&cursor={n}"),
            None => break,
        }
    }
    sensitive
}

/// Every row of every table in the schema, as text, a line each.
async fn every_row_as_text(pool: &PgPool) -> String {
    let tables = sqlx::query_scalar!(
        r#"SELECT table_name::text AS "table!" FROM information_schema.tables
           WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"#,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut dump = String::new();
    for t in &tables {
        let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT row_to_json(x)::text FROM \"{t}\" x"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        for r in rows {
            dump.push_str(&r);
            dump.push('\n');
        }
    }
    dump
}

/// BRIEF §3: after syncing data that carries every sensitive field, no table holds any of it.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn privacy_no_blocked_value_is_stored_anywhere(pool: PgPool) {
    let env = env(pool.clone()).await;
    sandbox_put(&env, "/sandbox/v1/faults", json!({"leak_sensitive": true})).await;
    let c = connect_and_sync(&env, "acme").await;
    assert_eq!(c.people_count, 240);

    let sensitive = sensitive_values_sent(&env, c.id).await;
    assert_eq!(sensitive.len(), 240 * 8);
    let enum_values = [
        "NON-BINARY",
        "PREFER_NOT_TO_DISCLOSE",
        "FEMALE",
        "ASIAN_OR_INDIAN_SUBCONTINENT",
        "BLACK_OR_AFRICAN_AMERICAN",
        "HISPANIC_OR_LATINO",
        "TWO_OR_MORE_RACES",
        "MARRIED_FILING_JOINTLY",
        "HEAD_OF_HOUSEHOLD",
        "Acacia Avenue",
        "allergies",
        "t_shirt_size",
    ];

    let dump = every_row_as_text(&pool).await;
    assert!(
        dump.contains("Acme") && dump.len() > 10_000,
        "the dump should hold the synced staff"
    );
    for value in sensitive.iter().map(String::as_str).chain(enum_values) {
        assert!(
            !dump.contains(value),
            "found blocked value {value:?} in the database"
        );
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn disconnecting_keeps_or_purges_and_deletes_the_merge_account(pool: PgPool) {
    use hr_connectors::server::integrations::disconnect::{Retention, disconnect};
    let env = env(pool.clone()).await;
    let keep = connect_and_sync(&env, "acme").await;
    let purge = connect_and_sync(&env, "initech").await;
    let staff = |id: Uuid| staff_of(&pool, id);
    let chains = |id: Uuid| chains_of(&pool, id);
    assert!(
        chains(purge.id).await > 0,
        "the sandbox's people have managers"
    );
    let token = connections::account_token(&pool, &env.state.secrets, keep.id)
        .await
        .unwrap()
        .unwrap();
    let s = &env.state;
    disconnect(
        &pool,
        &s.secrets,
        &s.merge,
        env.admin.account_id,
        keep.id,
        Retention::KeepReadOnly,
        &Actor::user(&env.admin, ""),
    )
    .await
    .unwrap();
    disconnect(
        &pool,
        &s.secrets,
        &s.merge,
        env.admin.account_id,
        purge.id,
        Retention::DeleteNow,
        &Actor::user(&env.admin, ""),
    )
    .await
    .unwrap();
    assert_eq!(staff(keep.id).await, 240);
    assert_eq!(staff(purge.id).await, 0);
    assert_eq!(chains(purge.id).await, 0);
    assert_each_disconnect_is_logged(&pool, env.admin.account_id).await;
    common::assert_word_index_follows_staff(&pool).await;
    let kept = connections::get(&pool, keep.account_id, keep.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.status, ConnectionStatus::Disconnected);
    assert!(
        connections::account_token(&pool, &s.secrets, keep.id)
            .await
            .unwrap()
            .is_none()
    );
    // Merge no longer knows the linked account.
    assert!(s.merge.account_details(&token).await.is_err());
    // Another account cannot disconnect what is not theirs.
    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    let err = disconnect(
        &pool,
        &s.secrets,
        &s.merge,
        other.account_id,
        keep.id,
        Retention::DeleteNow,
        &Actor::operator(other.account_id),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)));
    assert_eq!(staff(keep.id).await, 240);
    assert_kept_staff_goes_after_the_read_only_period(&pool, keep.id).await;
}

/// How many people of the connection are stored.
async fn staff_of(pool: &PgPool, connection: Uuid) -> i64 {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM staff WHERE connection_id = $1"#,
        connection,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// How many management chains of the connection's people are stored.
async fn chains_of(pool: &PgPool, connection: Uuid) -> i64 {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM staff_chains WHERE connection_id = $1"#,
        connection,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Each disconnect is in the activity log, written with it: connected twice, disconnected
/// twice, the data of one deleted.
async fn assert_each_disconnect_is_logged(pool: &PgPool, account: Uuid) {
    let logged: Vec<(String, i64)> = sqlx::query!(
        r#"SELECT action, count(*) AS "n!" FROM audit_events WHERE account_id = $1
           GROUP BY action ORDER BY action"#,
        account,
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.action, r.n))
    .collect();
    assert_eq!(
        logged,
        [
            ("connected".to_owned(), 2),
            ("data_deleted".to_owned(), 1),
            ("disconnected".to_owned(), 2)
        ]
    );
}

/// After the read-only period the kept staff is deleted too, with their chains and words.
async fn assert_kept_staff_goes_after_the_read_only_period(pool: &PgPool, kept: Uuid) {
    sqlx::query!(
        "UPDATE connections SET read_only_until = now() - interval '1 day' WHERE id = $1",
        kept,
    )
    .execute(pool)
    .await
    .unwrap();
    hr_connectors::server::integrations::disconnect::purge_expired(pool)
        .await
        .unwrap();
    assert_eq!(staff_of(pool, kept).await, 0);
    assert_eq!(chains_of(pool, kept).await, 0);
    let words = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM staff_tokens"#)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(words, 0, "a purged person's words are gone with them");
}

/// Signs in on the (emulated) Link page at `url`; back on the admin's return page, the pending
/// hand-off id and the public token.
async fn sign_in_on_link(url: &str) -> (Uuid, String) {
    let (back, pending, token) = common::sign_in_on_link(url).await;
    assert!(
        back.starts_with("http://127.0.0.1:3000/integrations/linked?pending="),
        "{back}"
    );
    (pending, token)
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn oauth_systems_connect_through_link_and_a_public_token(pool: PgPool) {
    use hr_connectors::server::integrations::link;
    let env = env(pool.clone()).await;
    let url = link::start(&env.state, &env.admin, "gusto", "US payroll", &[])
        .await
        .unwrap();
    assert!(
        url.contains("/link/") && url.contains("return_to="),
        "{url}"
    );
    let (pending, token) = sign_in_on_link(&url).await;
    let token = token.as_str();
    // Only an admin of the same account can finish it, and only once.
    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    let outsider = CurrentUser {
        account_id: other.account_id,
        user_id: other.user_id,
        ..env.admin.clone()
    };
    assert!(
        link::complete(&env.state, &outsider, pending, token)
            .await
            .is_err()
    );
    // A token Merge refuses is the caller's mistake, and the hand-off stays to be finished.
    for wrong in ["", "not-a-token"] {
        let err = link::complete(&env.state, &env.admin, pending, wrong)
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), 422, "{wrong:?}: {err:?}");
    }
    let c = link::complete(&env.state, &env.admin, pending, token)
        .await
        .unwrap();
    assert_eq!(
        (c.integration_slug.as_str(), c.label.as_str()),
        ("gusto", "US payroll")
    );
    assert!(
        link::complete(&env.state, &env.admin, pending, token)
            .await
            .is_err()
    );
    env.drain().await;
    let c = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.status, ConnectionStatus::Healthy);
    assert_eq!(c.people_count, 240);
}

/// Puts a connection in "needs relink" the way Merge does: the linked account reports
/// `RELINK_NEEDED` and the next sync stops there.
async fn break_access(env: &Env, c: &Connection) {
    let id = c.merge_account_id.clone().unwrap();
    sandbox_put(
        env,
        &format!("/sandbox/v1/linked-accounts/{id}/faults"),
        json!({"relink_needed": true}),
    )
    .await;
    jobs::enqueue(&env.state.pool, c.id, JobKind::Manual)
        .await
        .unwrap();
    env.drain().await;
    let c = connections::get(&env.state.pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.status, ConnectionStatus::NeedsRelink);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn relinking_with_details_keeps_the_connection_and_its_staff(pool: PgPool) {
    use hr_connectors::server::integrations::relink::relink_with_credentials;
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    let before = snapshot(&pool, c.id).await;
    break_access(&env, &c).await;
    let creds = |key: &str| {
        BTreeMap::from([
            ("subdomain".to_owned(), "acme".to_owned()),
            ("api_key".to_owned(), key.to_owned()),
        ])
    };

    // A wrong key is an error next to the field, and changes nothing.
    let err = relink_with_credentials(&env.state, &env.admin, c.id, &creds("wrong-key"))
        .await
        .unwrap_err();
    assert!(err.field_message("api_key").is_some(), "{err:?}");
    // A campaign manager, or an admin of another account, cannot relink it.
    let manager = CurrentUser {
        role: Role::CampaignManager,
        ..env.admin.clone()
    };
    assert!(matches!(
        relink_with_credentials(&env.state, &manager, c.id, &creds("demo-api-key")).await,
        Err(AppError::Forbidden)
    ));
    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    let outsider = CurrentUser {
        account_id: other.account_id,
        user_id: other.user_id,
        ..env.admin.clone()
    };
    assert!(matches!(
        relink_with_credentials(&env.state, &outsider, c.id, &creds("demo-api-key")).await,
        Err(AppError::NotFound(_))
    ));

    let relinked = relink_with_credentials(&env.state, &env.admin, c.id, &creds("demo-api-key"))
        .await
        .unwrap();
    assert_eq!(
        (relinked.id, relinked.label.as_str(), relinked.consented_at),
        (c.id, "UK division", c.consented_at)
    );
    assert_eq!(
        jobs::latest(&pool, c.id).await.unwrap().unwrap().kind,
        JobKind::Relink
    );
    env.drain().await;
    let after = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, ConnectionStatus::Healthy);
    assert_eq!(after.people_count, 240);
    assert_eq!(snapshot(&pool, c.id).await, before);
    let connections = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM connections"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(connections, 1);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn relinking_an_oauth_system_goes_back_through_link(pool: PgPool) {
    use hr_connectors::server::integrations::link;
    let env = env(pool.clone()).await;
    let url = link::start(&env.state, &env.admin, "gusto", "US payroll", &[])
        .await
        .unwrap();
    let (pending, token) = sign_in_on_link(&url).await;
    let c = link::complete(&env.state, &env.admin, pending, &token)
        .await
        .unwrap();
    env.drain().await;
    let before = snapshot(&pool, c.id).await;
    assert_eq!(before.len(), 240);
    let c = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    break_access(&env, &c).await;

    let url = link::start_relink(&env.state, &env.admin, c.id)
        .await
        .unwrap();
    let (pending, token) = sign_in_on_link(&url).await;
    let relinked = link::complete(&env.state, &env.admin, pending, &token)
        .await
        .unwrap();
    assert_eq!((relinked.id, relinked.label.as_str()), (c.id, "US payroll"));
    assert_eq!(
        jobs::latest(&pool, c.id).await.unwrap().unwrap().kind,
        JobKind::Relink
    );
    env.drain().await;
    let after = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, ConnectionStatus::Healthy);
    assert_eq!(snapshot(&pool, c.id).await, before);
}

/// Stores `n` ghosts the HR system does not list, in place of any before, and queues a sync
/// that will find them gone.
async fn queue_a_sync_missing_ghosts(pool: &PgPool, c: &Connection, n: i64) {
    sqlx::query!("DELETE FROM staff WHERE merge_id LIKE 'ghost-%'")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query!(
        "INSERT INTO staff (connection_id, merge_id, account_id, display_name, job_title)
         SELECT $1, 'ghost-' || g, $2, 'Ghost ' || g, 'Phantom' FROM generate_series(1, $3::bigint) g",
        c.id,
        c.account_id,
        n,
    )
    .execute(pool)
    .await
    .unwrap();
    jobs::enqueue(pool, c.id, JobKind::Manual).await.unwrap();
}

/// Another account sees nothing of the connection's held removals, and settles none.
async fn assert_another_account_can_neither_see_nor_settle(pool: &PgPool, connection: Uuid) {
    use hr_connectors::server::integrations::details::details;
    use hr_connectors::server::store::removals::settle_held;
    let other = common::user(pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert!(
        details(pool, other.account_id, connection)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        settle_held(
            pool,
            other.account_id,
            connection,
            true,
            &Actor::operator(other.account_id)
        )
        .await
        .unwrap(),
        0
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn held_removals_are_reviewed_and_the_receipt_tells_the_story(pool: PgPool) {
    use hr_connectors::domain::connection_details::RemovalReason;

    use hr_connectors::server::integrations::details::details;
    use hr_connectors::server::store::removals::settle_held;
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;

    queue_a_sync_missing_ghosts(&pool, &c, 100).await;
    env.drain().await;
    let d = details(&pool, env.admin.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.held_total, 100);
    assert_eq!(d.held.len(), 20);
    assert_eq!(d.held[0].job_title.as_deref(), Some("Phantom"));
    assert_eq!(d.history[0].outcome, JobState::Partial);
    assert_eq!(d.history[0].held, 100);
    assert_eq!(d.history.last().unwrap().trigger, "First sync");
    assert_eq!(d.connection.people, 340);
    assert_another_account_can_neither_see_nor_settle(&pool, c.id).await;

    // Keeping them clears the hold; they stay on the staff list.
    assert_eq!(
        settle_held(
            &pool,
            c.account_id,
            c.id,
            false,
            &Actor::user(&env.admin, "")
        )
        .await
        .unwrap(),
        100
    );
    let kept = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.status, kept.people_count),
        (ConnectionStatus::Healthy, 340)
    );

    // The next full sync asks again; removing them applies it and records why.
    queue_a_sync_missing_ghosts(&pool, &c, 100).await;
    env.drain().await;
    assert_eq!(
        settle_held(
            &pool,
            c.account_id,
            c.id,
            true,
            &Actor::user(&env.admin, "")
        )
        .await
        .unwrap(),
        100
    );
    let after = connections::get(&pool, c.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.status, after.people_count),
        (ConnectionStatus::Healthy, 240)
    );
    let d = details(&pool, c.account_id, c.id).await.unwrap().unwrap();
    assert_eq!(d.held_total, 0);
    assert_eq!(d.removals_total, 100);
    assert_eq!(d.removals[0].reason, RemovalReason::NoLongerListed);
    assert!(d.removals[0].person.name.starts_with("Ghost "));
    assert_eq!(d.changes.syncs, 3);
    assert_eq!(d.changes.added, 240);
}

/// The single sign-on client secret the dump must not show.
const SSO_SECRET: &str = "sso-client-secret-that-must-stay-sealed";

/// People's links and sessions (an invitation, a password reset and a live session) and the
/// account's single sign-on client secret. Returns the session's token and the two links'
/// tokens.
async fn leave_links_a_session_and_an_sso_secret(env: &Env) -> (String, Vec<String>) {
    // People's links and sessions: an invitation, a password reset and a live session.
    let mailing = hr_connectors::server::people::Mailing::from_state(&env.state);
    hr_connectors::server::people::invitations::invite(
        mailing,
        &env.admin,
        "",
        &hr_connectors::domain::team::ValidInvitation {
            email: hr_connectors::domain::email::EmailAddress::parse("cam@acme.example").unwrap(),
            role: Role::CampaignManager,
            message: String::new(),
        },
    )
    .await
    .unwrap();
    hr_connectors::server::people::reset::request(mailing, &env.admin.email, "")
        .await
        .unwrap();
    let session = hr_connectors::server::auth::session::create(
        &env.state.pool,
        env.admin.user_id,
        &Default::default(),
    )
    .await
    .unwrap()
    .token;
    // The account's single sign-on client secret, saved the way the settings page saves it.
    hr_connectors::server::sso::settings::save(
        &env.state.pool,
        &env.state.secrets,
        &env.admin,
        "",
        &hr_connectors::domain::sso::SsoDraft {
            display_name: "Okta".into(),
            issuer_url: "https://acme.okta.example".into(),
            client_id: "hrc".into(),
            client_secret: SSO_SECRET.into(),
            domains: "acme.example".into(),
            auto_join: false,
            required: false,
            break_glass_user: None,
        }
        .validate(false)
        .unwrap(),
    )
    .await
    .unwrap();
    let mail = env.mail().await;
    let link_tokens: Vec<String> = mail
        .iter()
        .filter_map(|m| m.body_text.as_deref())
        .flat_map(|b| b.lines())
        .filter_map(|l| l.split("token=").nth(1))
        .map(|t| t.trim().to_owned())
        .collect();
    assert_eq!(
        link_tokens.len(),
        2,
        "an invitation and a reset link were mailed"
    );
    (session, link_tokens)
}

/// Asks a colleague to connect an HR system; returns the token of the link they were mailed.
async fn ask_a_colleague(env: &Env) -> String {
    use hr_connectors::server::integrations::colleague::{Ask, invite};
    let to = hr_connectors::domain::connect_invitation::ConnectRequestDraft {
        name: "Jo Colleague".into(),
        email: "jo.colleague@payroll.example".into(),
        message: String::new(),
    }
    .validate()
    .unwrap();
    let ask = Ask {
        slug: "sage-hr",
        optional_fields: &[],
        to: &to,
    };
    invite(&env.state, &env.admin, "", ask, chrono::Utc::now())
        .await
        .unwrap();
    let mail = env.mail().await;
    let body = mail
        .iter()
        .find(|m| m.to_address == "jo.colleague@payroll.example")
        .and_then(|m| m.body_text.clone())
        .unwrap();
    let token = body
        .lines()
        .find_map(|l| l.split("/connect?token=").nth(1))
        .unwrap()
        .trim()
        .to_owned();
    assert!(token.len() >= 40, "{token}");
    token
}

/// A data-only `pg_dump` of the database, as a backup would take it.
fn pg_dump_data(database: &str) -> String {
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.exists())
        .max()
        .expect("pg_dump (scripts/setup.sh installs PostgreSQL)");
    let out = std::process::Command::new(pg_dump)
        .args(["--data-only", "--no-owner", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Dumps the whole database the way a backup would and looks for every secret in plain text:
/// the Merge account token, the API key typed to connect, and the key that encrypts tokens.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_database_dump_holds_no_plaintext_secret(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    let token = connections::account_token(&pool, &env.state.secrets, c.id)
        .await
        .unwrap()
        .unwrap();
    let sealed = sqlx::query_scalar!(
        r#"SELECT account_token_enc AS "account_token_enc!" FROM connections WHERE id = $1"#,
        c.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (session, link_tokens) = leave_links_a_session_and_an_sso_secret(&env).await;
    let request_token = ask_a_colleague(&env).await;
    let database = sqlx::query_scalar!(r#"SELECT current_database() AS "name!""#)
        .fetch_one(&pool)
        .await
        .unwrap();
    let dump = pg_dump_data(&database);
    // The dump has the connection, so the search below is not vacuous.
    assert!(dump.contains(&sealed));
    assert!(dump.contains(&c.id.to_string()));
    for (what, secret) in [
        ("the Merge account token", token.expose().to_owned()),
        ("the API key typed to connect", "demo-api-key".to_owned()),
        ("the sandbox's Merge API key", env.key.to_owned()),
        ("an invitation link's token", link_tokens[0].clone()),
        ("a password reset link's token", link_tokens[1].clone()),
        ("a session token", session),
        ("a request to connect's link token", request_token),
        ("the single sign-on client secret", SSO_SECRET.to_owned()),
    ] {
        assert!(!dump.contains(&secret), "{what} is in the dump");
    }
    assert!(
        dump.contains("cam@acme.example"),
        "the invitation is in the dump"
    );
    assert!(
        dump.contains("jo.colleague@payroll.example"),
        "the request to connect is in the dump"
    );
    let config = &env.state.config;
    let keys = std::iter::once(&config.secret_key).chain(&config.previous_secret_keys);
    for key in keys {
        assert!(
            !dump.contains(&key.encode()),
            "an encryption key is in the dump"
        );
    }
    assert!(
        !dump.contains(config.merge_webhook_key.expose()),
        "the webhook key is in the dump"
    );
}

/// The admin's first-sync email for a connection, with its subject. Connection alerts about the
/// same sync (missing permissions) are emails of their own (`tests/it/alerts.rs`).
async fn first_sync_email(env: &Env, account: Uuid) -> (String, String) {
    let mail = hr_connectors::server::mail::outbox::list(
        &env.state.pool,
        &env.state.secrets,
        account,
        10,
        hr_connectors::server::mail::outbox::PrivateLinks::Hide,
    )
    .await
    .unwrap();
    let mail: Vec<_> = mail
        .into_iter()
        .filter(|m| !m.subject.starts_with("Action needed: "))
        .collect();
    assert_eq!(mail.len(), 1);
    (mail[0].subject.clone(), mail[0].body_text.clone().unwrap())
}

/// An HR-system user without the right to read employment details: the connection works, but
/// job titles never arrive. It must not be announced as a plain success.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn missing_permissions_are_named_with_the_filters_they_leave_empty(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_with_credentials(&env.state, &env.admin, sage("acme", "demo-no-permissions"))
        .await
        .unwrap();
    env.drain().await;
    let c = connections::get(&pool, env.admin.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    let view = views::view(&pool, &c).await.unwrap();
    let missing = view
        .missing_access
        .expect("missing permissions are reported");
    assert!(
        missing.problem.contains("employment details"),
        "{missing:?}"
    );
    assert_eq!(missing.empty_filters, ["Job title contains"]);
    let (subject, body) = first_sync_email(&env, c.account_id).await;
    assert_eq!(
        subject,
        "Sage HR is connected, but some data is missing: 240 people synced"
    );
    assert!(
        body.contains("Missing permission to read employment details"),
        "{body}"
    );
    assert!(
        body.contains("these filters find no one from Sage HR: Job title contains."),
        "{body}"
    );
    assert!(body.contains("http://127.0.0.1:3000/help/connect/sage-hr#permissions"));
    assert!(body.contains("\"Resync now\""));
    assert!(!body.contains("Campaigns can now"));

    // A healthy connection has nothing missing.
    let healthy = connect_and_sync(&env, "initech").await;
    let view = views::view(&pool, &healthy).await.unwrap();
    assert_eq!(view.missing_access, None);
}

/// The email and the Ready step say how many people campaigns can choose, the same number the
/// recipients list offers, and why the others are left out.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_first_sync_explains_who_campaigns_can_choose(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_with_credentials(&env.state, &env.admin, sage("globex", "demo-api-key"))
        .await
        .unwrap();
    env.drain().await;
    let c = connections::get(&pool, env.admin.account_id, c.id)
        .await
        .unwrap()
        .unwrap();
    let reach = views::view(&pool, &c)
        .await
        .unwrap()
        .reach
        .expect("a finished first sync says who campaigns can choose");
    let offered = staff_query::count(&pool, c.account_id, &StaffFilter::default())
        .await
        .unwrap();
    assert_eq!(reach.recipients, offered);
    assert_eq!(reach.synced, c.people_count as i64);
    assert_eq!(
        reach.leavers + reach.not_started + reach.listed_elsewhere + reach.recipients,
        reach.synced
    );
    assert!(
        reach.leavers > 0 && reach.recipients < reach.synced,
        "{reach:?}"
    );
    let (subject, body) = first_sync_email(&env, c.account_id).await;
    assert_eq!(
        subject,
        format!(
            "Sage HR is connected: {} people synced",
            grouped(reach.synced)
        )
    );
    assert!(
        body.contains("Sage HR (\"UK division\") is connected"),
        "{body}"
    );
    assert!(body.contains(&format!("People synced: {}\n", grouped(reach.synced))));
    assert!(body.contains(&format!("Campaigns can choose: {}\n", grouped(offered))));
    for reason in reach.reasons() {
        assert!(body.contains(&format!("  - {reason}\n")), "{body}");
    }
    assert!(body.contains("http://127.0.0.1:3000/campaigns?new\n"));
    assert!(body.contains("http://127.0.0.1:3000/people\n"));
}

/// A first sync cannot know how many people to expect; the next full sync expects as many as
/// the last one read, so it can show a percentage and time left.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_full_sync_expects_as_many_people_as_the_last_one_read(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = connect_and_sync(&env, "acme").await;
    let first = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(first.expected, None);
    assert!(first.phase_started_at.is_some());
    let progress = views::progress(&first);
    assert_eq!(progress.phase, Phase::Ready);
    assert_eq!(progress.counts(), "240 people received");
    jobs::enqueue(&pool, c.id, JobKind::Manual).await.unwrap();
    env.drain().await;
    let second = jobs::latest(&pool, c.id).await.unwrap().unwrap();
    assert_eq!(second.expected, Some(240));
}
