//! Connection alerts: incidents opened by the sandbox's faults, their emails over simulated
//! days, the per-person switch, two workers at once, and the banners' scope.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hr_connectors::domain::incident::{IncidentKind, IncidentView};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::server::alerts::{self, Reviewed};
use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
use hr_connectors::server::integrations::relink::relink_with_credentials;
use hr_connectors::server::merge::retry::RetryPolicy;
use hr_connectors::server::people::account;
use hr_connectors::server::sandbox::credentials::LIMITED_SECRET;
use hr_connectors::server::store::audit::Actor;
use hr_connectors::server::store::connections::Connection;
use hr_connectors::server::store::jobs::{self, JobKind};
use hr_connectors::server::store::removals::settle_held;
use hr_connectors::server::sync::worker::run_one;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{self, EnvOptions, ORIGIN, SyncedEnv as Env};

/// Merge's refusals are not retried, so a server error fails a sync at once.
async fn env(pool: PgPool) -> Env {
    Env::with(
        pool,
        EnvOptions {
            retry: Some(RetryPolicy {
                max_retries: 0,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(1),
            }),
            ..EnvOptions::default()
        },
    )
    .await
}

async fn fault(env: &Env, c: &Connection, faults: Value) {
    let id = c.merge_account_id.as_deref().unwrap();
    let res = reqwest::Client::new()
        .put(format!(
            "{}/sandbox/v1/linked-accounts/{id}/faults",
            env.sandbox.root_url()
        ))
        .bearer_auth(env.key)
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
}

/// A sync as the worker runs it, giving up on the first failure; the worker reviews incidents
/// after it, with the real clock.
async fn sync_once(env: &Env, c: &Connection) {
    jobs::enqueue(&env.state.pool, c.id, JobKind::Manual)
        .await
        .unwrap();
    let mut ctx = env.ctx("alerts-worker");
    ctx.policy.max_attempts = 1;
    while run_one(&ctx).await.unwrap().is_some() {}
}

async fn review_at(env: &Env, at: DateTime<Utc>) {
    alerts::review(&env.state.pool, ORIGIN, at).await.unwrap();
}

fn days(n: f64) -> chrono::Duration {
    chrono::Duration::minutes((n * 24.0 * 60.0) as i64)
}

/// The alert emails in the outbox: (to, subject, body), oldest first.
async fn alert_mail(pool: &PgPool) -> Vec<(String, String, String)> {
    sqlx::query!(
        "SELECT to_address, subject, body_text FROM mail_outbox
         WHERE dedupe_key LIKE 'incident:%' ORDER BY created_at, to_address"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.to_address, r.subject, r.body_text))
    .collect()
}

async fn open_kinds(env: &Env) -> Vec<IncidentKind> {
    open_views(env).await.into_iter().map(|i| i.kind).collect()
}

async fn open_views(env: &Env) -> Vec<IncidentView> {
    alerts::for_account(&env.state.pool, env.admin.account_id)
        .await
        .unwrap()
}

/// A campaign of the account whose recipients include one person of the connection.
async fn campaign_with(pool: &PgPool, c: &Connection, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO campaigns (id, account_id, name, occasion) VALUES ($1, $2, $3, 'Winter gift')",
        id,
        c.account_id,
        name,
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!(
        "INSERT INTO campaign_members (campaign_id, connection_id, merge_id)
         SELECT $1, connection_id, merge_id FROM staff WHERE connection_id = $2 LIMIT 1",
        id,
        c.id,
    )
    .execute(pool)
    .await
    .unwrap();
    id
}

fn member(user: &common::TestUser, role: Role) -> CurrentUser {
    CurrentUser {
        user_id: user.user_id,
        account_id: user.account_id,
        account_name: "Acme Ltd".into(),
        name: "Cam Manager".into(),
        email: user.email.clone(),
        role,
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_relink_is_emailed_once_reminded_twice_and_its_fix_announced(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = env.connect("acme").await;
    let second_admin =
        common::user_in(&pool, env.admin.account_id, "bo@acme.example", Role::Admin).await;
    common::user_in(
        &pool,
        env.admin.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;
    campaign_with(&pool, &c, "Winter gifts 2026").await;
    assert!(alert_mail(&pool).await.is_empty(), "a healthy connection");

    fault(&env, &c, json!({"relink_needed": true})).await;
    sync_once(&env, &c).await;
    assert_eq!(open_kinds(&env).await, vec![IncidentKind::NeedsRelink]);
    let mail = alert_mail(&pool).await;
    let to: Vec<&str> = mail.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(to, vec!["ada@acme.example", second_admin.email.as_str()]);
    let (_, subject, body) = &mail[0];
    assert_eq!(
        subject,
        "Action needed: Sage HR (\"acme\") needs to be relinked"
    );
    assert!(body.contains("Winter gifts 2026"), "{body}");
    assert!(body.contains("as of the last good sync"), "{body}");
    assert!(
        body.contains(&format!("{ORIGIN}/account#notifications")),
        "{body}"
    );
    assert!(
        body.contains(&format!("{ORIGIN}/integrations/{}?relink", c.id)),
        "{body}"
    );

    // However often it is looked at, and however many syncs fail, one email a day at most:
    // reminders after 24 and 72 hours, then nothing more.
    let opened = open_views(&env).await[0].since;
    sync_once(&env, &c).await;
    for (at, expected) in [
        (days(0.5), 2),
        (days(0.99), 2),
        (days(1.0), 4),
        (days(1.5), 4),
        (days(2.9), 4),
        (days(3.0), 6),
        (days(10.0), 6),
    ] {
        review_at(&env, opened + at).await;
        review_at(&env, opened + at).await;
        assert_eq!(alert_mail(&pool).await.len(), expected, "after {at}");
    }
    let reminder = &alert_mail(&pool).await[2];
    assert!(
        reminder.1.starts_with("Reminder, still open: "),
        "{}",
        reminder.1
    );

    // Relinked: the incident closes and everyone who was told hears it is fixed, once.
    relink_with_credentials(
        &env.state,
        &env.admin,
        c.id,
        &BTreeMap::from([
            ("subdomain".into(), "acme".into()),
            ("api_key".into(), "demo-api-key".into()),
        ]),
    )
    .await
    .unwrap();
    env.drain().await;
    review_at(&env, Utc::now()).await;
    assert!(open_kinds(&env).await.is_empty());
    let mail = alert_mail(&pool).await;
    assert_eq!(mail.len(), 8);
    assert!(
        mail[6..]
            .iter()
            .all(|m| m.1 == "Fixed: Sage HR (\"acme\") is working again")
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn three_failed_syncs_or_a_day_without_one_is_failing(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = env.connect("acme").await;
    fault(&env, &c, json!({"server_error_pct": 100})).await;
    sync_once(&env, &c).await;
    sync_once(&env, &c).await;
    assert!(
        open_kinds(&env).await.is_empty(),
        "two failures are not yet an incident"
    );
    sync_once(&env, &c).await;
    let open = open_views(&env).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, IncidentKind::Failing);
    assert!(
        open[0].detail.starts_with("The last 3 syncs failed: "),
        "{}",
        open[0].detail
    );
    assert_eq!(alert_mail(&pool).await.len(), 1);

    fault(&env, &c, json!({"server_error_pct": 0})).await;
    sync_once(&env, &c).await;
    assert!(open_kinds(&env).await.is_empty());
    assert_eq!(alert_mail(&pool).await.len(), 2, "and the fixed email");

    // No failure at all, but nothing has succeeded for more than a day.
    let quiet = Utc::now() + days(1.1);
    review_at(&env, quiet).await;
    let open = open_views(&env).await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].detail,
        "No sync has succeeded for more than 24 hours."
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn held_removals_and_missing_permissions_are_incidents_with_their_own_fix(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = env.connect("acme").await;
    // 100 people the HR system no longer lists: more than a fifth, so held for review.
    sqlx::query!(
        "INSERT INTO staff (connection_id, merge_id, account_id, display_name)
         SELECT $1, 'ghost-' || g, $2, 'Ghost ' || g FROM generate_series(1, 100) g",
        c.id,
        c.account_id,
    )
    .execute(&pool)
    .await
    .unwrap();
    sync_once(&env, &c).await;
    let open = open_views(&env).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, IncidentKind::RemovalsHeld);
    assert_eq!(
        open[0].fix_path,
        format!("/integrations/{}#held-title", c.id)
    );
    assert!(
        open[0].detail.contains("remove 100 people"),
        "{}",
        open[0].detail
    );
    settle_held(
        &pool,
        c.account_id,
        c.id,
        true,
        &Actor::user(&env.admin, "127.0.0.1"),
    )
    .await
    .unwrap();
    review_at(&env, Utc::now()).await;
    assert!(open_kinds(&env).await.is_empty());

    let limited = connect_with_credentials(
        &env.state,
        &env.admin,
        ConnectInput {
            slug: "sage-hr".into(),
            label: "Limited".into(),
            optional_fields: vec!["job_title".into()],
            credentials: BTreeMap::from([
                ("subdomain".into(), "globex".into()),
                ("api_key".into(), LIMITED_SECRET.into()),
            ]),
        },
    )
    .await
    .unwrap();
    env.drain().await;
    let open = open_views(&env).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, IncidentKind::MissingPermissions);
    assert_eq!(open[0].connection_id, limited.id);
    assert_eq!(open[0].fix_path, "/help/connect/sage-hr#permissions");
    assert!(
        open[0].detail.contains("Missing permission"),
        "{}",
        open[0].detail
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn each_person_chooses_and_two_workers_still_send_one_email(pool: PgPool) {
    let env = env(pool.clone()).await;
    env.connect("acme").await;
    let manager = common::user_in(
        &pool,
        env.admin.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;
    let manager = member(&manager, Role::CampaignManager);
    assert!(account::connection_alerts(&pool, &env.admin).await.unwrap());
    assert!(!account::connection_alerts(&pool, &manager).await.unwrap());
    assert!(
        !account::set_connection_alerts(&pool, &env.admin, false)
            .await
            .unwrap()
    );
    assert!(
        account::set_connection_alerts(&pool, &manager, true)
            .await
            .unwrap()
    );

    // A day passes without a good sync: eight reviews race to open the incident, then eight
    // more to send its first reminder, as workers on several servers would.
    let quiet = Utc::now() + days(1.1);
    let opening = racing_reviews(&pool, quiet).await;
    assert_eq!((opening.opened, opening.emails), (1, 1));
    let reminder = racing_reviews(&pool, quiet + days(1.0)).await;
    assert_eq!((reminder.opened, reminder.emails), (0, 1));
    let mail = alert_mail(&pool).await;
    let to: Vec<&str> = mail.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(to, vec!["cam@acme.example", "cam@acme.example"]);
    assert_eq!(open_kinds(&env).await, vec![IncidentKind::Failing]);
}

/// Eight reviews at once as of `at`; what they did together.
async fn racing_reviews(pool: &PgPool, at: DateTime<Utc>) -> Reviewed {
    let reviews: Vec<_> = (0..8)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { alerts::review(&pool, ORIGIN, at).await.unwrap() })
        })
        .collect();
    let mut total = Reviewed::default();
    for r in reviews {
        let one = r.await.unwrap();
        total.opened += one.opened;
        total.closed += one.closed;
        total.emails += one.emails;
    }
    total
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn banners_show_only_the_accounts_own_incidents(pool: PgPool) {
    let env = env(pool.clone()).await;
    let c = env.connect("acme").await;
    let campaign = campaign_with(&pool, &c, "Winter gifts").await;
    let unaffected = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO campaigns (id, account_id, name, occasion) VALUES ($1, $2, 'Empty', 'Gift')",
        unaffected,
        c.account_id,
    )
    .execute(&pool)
    .await
    .unwrap();
    fault(&env, &c, json!({"relink_needed": true})).await;
    sync_once(&env, &c).await;

    let own = alerts::for_campaign(&pool, c.account_id, campaign)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert!(
        own[0]
            .for_campaigns()
            .starts_with("Campaigns use its people as of ")
    );
    assert!(
        alerts::for_campaign(&pool, c.account_id, unaffected)
            .await
            .unwrap()
            .is_empty()
    );
    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert!(
        alerts::for_account(&pool, other.account_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        alerts::for_campaign(&pool, other.account_id, campaign)
            .await
            .unwrap()
            .is_empty()
    );
}
