//! Tenant isolation over HTTP: every registered server function and every plain route is called
//! without a session, as an admin of another account, and (for admin actions) as a campaign
//! manager. Nothing of account A may be read or changed by account B, and no answer may carry
//! A's data, not even in an error message. A new server function fails this test until it is
//! added to the table below.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::endpoints::{Access, AccountA, Payload, account_a, fingerprint, request, table};
use common::{SyncedEnv, body_text, send};
use hr_connectors::domain::role::Role;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

fn assert_no_leak(a: &AccountA, who: &str, path: &str, body: &str) {
    for secret in &a.secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{who} calling {path} saw {secret:?}: {body}"
        );
    }
}

async fn cookie_for(
    app: &Router,
    pool: &PgPool,
    account: Option<Uuid>,
    email: &str,
    role: Role,
) -> String {
    let user = match account {
        Some(a) => common::user_in(pool, a, email, role).await,
        None => common::user(pool, "Globex", email, role).await,
    };
    common::sign_in(app, &user.email, &user.password).await
}

/// Server functions that answer about the caller's own account: another account's admin
/// calling them gets an answer about their own account, not a refusal.
fn reads_own_account(path: &str) -> bool {
    matches!(
        path,
        "auth/whoami"
            | "mail/outbox"
            | "mail/outbox-in-navigation"
            | "integrations/list"
            | "integrations/catalogue"
            | "integrations/activity"
            | "staff/search"
            | "staff/count"
            | "staff/options"
            | "staff/managers"
            | "staff/name"
            | "campaigns/list"
            | "campaigns/create"
            | "campaigns/find-anyone"
            | "integrations/connect"
            | "integrations/same-tenant"
            | "integrations/start-link"
            | "auth/login"
            | "auth/forgot"
            | "team/list"
            | "team/invite"
            | "account/sessions"
            | "account/alerts"
            | "account/set-alerts"
            | "integrations/incidents"
            | "account/sign-out-elsewhere"
            | "auth/sso-for-email"
            | "sso/settings"
            | "integrations/ask-colleague"
            | "integrations/requests"
    )
}

/// Plain routes: another account's admin gets neither A's export nor anything of A's pages,
/// nobody gets the export, and an unsigned webhook is refused.
async fn assert_plain_routes_are_isolated(
    app: &Router,
    a: &AccountA,
    outsider: &str,
    export: &str,
) {
    let res = send(app, common::get(export, Some(outsider))).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_no_leak(a, "another account", export, &body_text(res).await);
    let res = send(app, common::get(export, None)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for page in [
        format!("/campaigns/{}", a.campaign),
        format!("/integrations/{}", a.connection),
    ] {
        let res = send(app, common::get(&page, Some(outsider))).await;
        assert_no_leak(a, "another account", &page, &body_text(res).await);
    }
    let res = send(
        app,
        Request::post("/webhooks/merge")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"hook": {"event": "LinkedAccount.sync_completed"}}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A new server function fails the test until it is added to the isolation table.
fn assert_every_server_function_is_listed(table: &BTreeMap<&'static str, (Access, Payload)>) {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let listed: BTreeSet<String> = table.keys().map(|k| (*k).to_owned()).collect();
    assert_eq!(
        registered, listed,
        "every server function must be in the isolation table"
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn no_account_reads_or_changes_another(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let a = account_a(&env, &pool).await;
    let app = hr_connectors::server::startup::router(env.state.clone());
    let outsider = cookie_for(&app, &pool, None, "gus@globex.example", Role::Admin).await;
    let manager = cookie_for(
        &app,
        &pool,
        Some(env.admin.account_id),
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;

    let table = table(&a);
    assert_every_server_function_is_listed(&table);

    let before = fingerprint(&pool, &a).await;
    for (path, (access, payload)) in &table {
        // Without a session.
        let res = send(&app, request(path, payload, None)).await;
        let status = res.status();
        let body = body_text(res).await;
        assert_no_leak(&a, "nobody", path, &body);
        if *access != Access::Public && *path != "auth/logout" {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{path} without a session: {body}"
            );
        }

        // As a campaign manager of the same account, for admin actions.
        if *access == Access::Admin {
            let res = send(&app, request(path, payload, Some(&manager))).await;
            assert_eq!(
                res.status(),
                StatusCode::FORBIDDEN,
                "{path} as a campaign manager"
            );
        }

        // As an admin of another account. Signing out would end the session the rest uses.
        if *path == "auth/logout" {
            continue;
        }
        let res = send(&app, request(path, payload, Some(&outsider))).await;
        let status = res.status();
        let body = body_text(res).await;
        assert_no_leak(&a, "another account", path, &body);
        if !reads_own_account(path) {
            assert!(
                status.is_client_error(),
                "{path} as another account answered {status}: {body}"
            );
        }
    }
    assert_eq!(fingerprint(&pool, &a).await, before, "account A changed");

    let export = format!("/campaigns/{}/export", a.campaign);
    assert_plain_routes_are_isolated(&app, &a, &outsider, &export).await;

    // The owner still sees everything, so the checks above were not vacuous.
    let owner = common::sign_in(&app, "ada@acme.example", "pw-ada@acme.example").await;
    let res = send(
        &app,
        request("campaigns/get", &table["campaigns/get"].1, Some(&owner)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("Alpha secret campaign"));
    let res = send(&app, common::get(&export, Some(&owner))).await;
    assert_eq!(res.status(), StatusCode::OK);
}
