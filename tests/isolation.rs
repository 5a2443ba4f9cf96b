//! Tenant isolation over HTTP: every registered server function and every plain route is called
//! without a session, as an admin of another account, and (for admin actions) as a campaign
//! manager. Nothing of account A may be read or changed by account B, and no answer may carry
//! A's data, not even in an error message. A new server function fails this test until it is
//! added to the table below.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{SyncedEnv, body_text, send};
use hr_connectors::domain::campaign::{AudienceKind, CampaignDraft};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::integrations::link;
use hr_connectors::server::store::{audiences, campaigns, connections, staff_query};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

enum Payload {
    Form(String),
    Json(Value),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Access {
    /// Anyone may call it (signing in).
    Public,
    /// Any signed-in user; answers only about their own account.
    Member,
    /// Admins only: campaign managers are refused on the server.
    Admin,
}

fn request(path: &str, payload: &Payload, cookie: Option<&str>) -> Request<Body> {
    let (content_type, body) = match payload {
        Payload::Form(f) => ("application/x-www-form-urlencoded", f.clone()),
        Payload::Json(v) => ("application/json", v.to_string()),
    };
    let mut builder = Request::post(format!("/api/{path}"))
        .header("content-type", content_type)
        .header("origin", common::ORIGIN)
        .header("host", "127.0.0.1:3000");
    if let Some(c) = cookie {
        builder = builder.header("cookie", c);
    }
    builder.body(Body::from(body)).unwrap()
}

/// What account A has, and the strings that must never reach anyone else.
struct AccountA {
    connection: Uuid,
    campaign: Uuid,
    person: String,
    pending: Uuid,
    secrets: Vec<String>,
}

async fn account_a(env: &SyncedEnv, pool: &PgPool) -> AccountA {
    let account = env.admin.account_id;
    let c = env.connect("initech").await;
    connections::rename(pool, account, c.id, "Initech Alpha")
        .await
        .unwrap();
    let campaign = campaigns::create(
        pool,
        account,
        env.admin.user_id,
        &CampaignDraft {
            name: "Alpha secret campaign".into(),
            occasion: "Thank you".into(),
            budget: "10".into(),
            currency: "GBP".into(),
            notes: "Alpha notes".into(),
        }
        .validate()
        .unwrap(),
    )
    .await
    .unwrap();
    audiences::save(
        pool,
        account,
        campaign,
        AudienceKind::Dynamic,
        &StaffFilter::default(),
        vec![],
    )
    .await
    .unwrap();
    let keys = staff_query::all_keys(pool, account, &StaffFilter::default())
        .await
        .unwrap();
    let person = keys[0].clone();
    let name = staff_query::person_name(pool, account, &person)
        .await
        .unwrap()
        .unwrap();
    audiences::set_excluded(pool, account, campaign, &keys[1], env.admin.user_id, true)
        .await
        .unwrap();
    let url = link::start(&env.state, &env.admin, "gusto", "Alpha payroll", &[])
        .await
        .unwrap();
    let pending = url.split("pending%3D").nth(1).unwrap()[..36]
        .parse()
        .unwrap();
    AccountA {
        connection: c.id,
        campaign,
        person,
        pending,
        secrets: vec![
            c.id.to_string(),
            campaign.to_string(),
            "Initech Alpha".into(),
            "Alpha secret campaign".into(),
            "Alpha notes".into(),
            "acme.example".into(),
            name,
        ],
    }
}

/// Every server function, called with account A's ids.
fn table(a: &AccountA) -> BTreeMap<&'static str, (Access, Payload)> {
    use Access::*;
    use Payload::*;
    let (c, k, p) = (a.connection, a.campaign, &a.person);
    let draft = json!({"name": "Hijacked", "occasion": "Thank you", "budget": "", "currency": "GBP", "notes": ""});
    BTreeMap::from([
        (
            "auth/login",
            (
                Public,
                Form("email=ada%40acme.example&password=wrong".into()),
            ),
        ),
        ("auth/logout", (Member, Form(String::new()))),
        ("auth/whoami", (Member, Form(String::new()))),
        ("mail/outbox", (Member, Form(String::new()))),
        ("integrations/list", (Member, Form(String::new()))),
        ("integrations/catalogue", (Member, Form(String::new()))),
        ("integrations/activity", (Admin, Form(String::new()))),
        ("integrations/get", (Member, Form(format!("id={c}")))),
        ("integrations/details", (Member, Form(format!("id={c}")))),
        (
            "integrations/connect",
            (
                Admin,
                Json(
                    json!({"slug": "sage-hr", "label": "x", "optional_fields": [], "credentials": {"subdomain": "initech", "api_key": "wrong-key"}}),
                ),
            ),
        ),
        ("integrations/resync", (Admin, Form(format!("id={c}")))),
        (
            "integrations/rename",
            (Admin, Form(format!("id={c}&label=Hijacked"))),
        ),
        (
            "integrations/disconnect",
            (Admin, Form(format!("id={c}&delete_now=true"))),
        ),
        (
            "integrations/start-link",
            (
                Admin,
                Json(json!({"slug": "nope", "label": "x", "optional_fields": []})),
            ),
        ),
        (
            "integrations/complete-link",
            (Admin, Form(format!("pending={}&public_token=x", a.pending))),
        ),
        (
            "integrations/relink",
            (
                Admin,
                Json(
                    json!({"id": c, "credentials": {"subdomain": "initech", "api_key": "demo-api-key"}}),
                ),
            ),
        ),
        (
            "integrations/start-relink",
            (Admin, Form(format!("id={c}"))),
        ),
        (
            "integrations/review-held",
            (Admin, Form(format!("id={c}&apply=true"))),
        ),
        (
            "staff/search",
            (Member, Json(json!({"filter": StaffFilter::default()}))),
        ),
        (
            "staff/count",
            (Member, Json(json!({"filter": StaffFilter::default()}))),
        ),
        ("staff/options", (Member, Form(String::new()))),
        ("staff/managers", (Member, Form("text=a".into()))),
        (
            "staff/name",
            (Member, Form(format!("key={}", common::urlencode(p)))),
        ),
        ("campaigns/list", (Member, Form("archived=false".into()))),
        (
            "campaigns/create",
            (Member, Json(json!({"draft": draft.clone()}))),
        ),
        (
            "campaigns/update",
            (Member, Json(json!({"id": k, "draft": draft}))),
        ),
        (
            "campaigns/archive",
            (Member, Form(format!("id={k}&archived=true"))),
        ),
        ("campaigns/get", (Member, Form(format!("id={k}")))),
        (
            "campaigns/audience",
            (
                Member,
                Json(
                    json!({"id": k, "kind": "Snapshot", "filter": StaffFilter::default(), "picked": [p]}),
                ),
            ),
        ),
        (
            "campaigns/exclude",
            (
                Member,
                Form(format!("id={k}&key={}&excluded=true", common::urlencode(p))),
            ),
        ),
        ("campaigns/find-anyone", (Member, Form("text=a".into()))),
        (
            "campaigns/why-not",
            (Member, Form(format!("id={k}&key={}", common::urlencode(p)))),
        ),
    ])
}

/// Everything about account A that a foreign call could have changed.
async fn fingerprint(pool: &PgPool, a: &AccountA) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT concat_ws('|', c.label, c.status, c.people_count, k.name, k.archived_at IS NULL, k.audience_kind,
             (SELECT count(*) FROM campaign_members m WHERE m.campaign_id = k.id),
             (SELECT count(*) FROM campaign_exclusions x WHERE x.campaign_id = k.id),
             (SELECT count(*) FROM staff s WHERE s.connection_id = c.id AND s.removed_at IS NULL),
             (SELECT count(*) FROM sync_jobs j WHERE j.connection_id = c.id),
             (SELECT count(*) FROM pending_links))
         FROM connections c, campaigns k WHERE c.id = $1 AND k.id = $2",
    )
    .bind(a.connection)
    .bind(a.campaign)
    .fetch_all(pool)
    .await
    .unwrap()
}

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

    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let table = table(&a);
    let listed: BTreeSet<String> = table.keys().map(|k| (*k).to_owned()).collect();
    assert_eq!(
        registered, listed,
        "every server function must be in the isolation table"
    );

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
        let reads_own_account = matches!(
            *path,
            "auth/whoami"
                | "mail/outbox"
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
                | "integrations/start-link"
                | "auth/login"
        );
        if !reads_own_account {
            assert!(
                status.is_client_error(),
                "{path} as another account answered {status}: {body}"
            );
        }
    }
    assert_eq!(fingerprint(&pool, &a).await, before, "account A changed");

    // Plain routes.
    let export = format!("/campaigns/{}/export", a.campaign);
    let res = send(&app, common::get(&export, Some(&outsider))).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_no_leak(&a, "another account", &export, &body_text(res).await);
    let res = send(&app, common::get(&export, None)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for page in [
        format!("/campaigns/{}", a.campaign),
        format!("/integrations/{}", a.connection),
    ] {
        let res = send(&app, common::get(&page, Some(&outsider))).await;
        assert_no_leak(&a, "another account", &page, &body_text(res).await);
    }
    let res = send(
        &app,
        Request::post("/webhooks/merge")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"hook": {"event": "LinkedAccount.sync_completed"}}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

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
