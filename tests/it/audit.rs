//! The activity log over HTTP: the actions it names are recorded with who, what and from where,
//! and only the account's admins can read it.

use crate::common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{SyncedEnv, body_text, send};
use hr_connectors::domain::campaign::{AudienceKind, CampaignDraft};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::store::{audiences, campaigns};
use serde_json::{Value, json};
use sqlx::PgPool;

fn post_json(path: &str, body: Value, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("origin", common::ORIGIN)
        .header("host", "127.0.0.1:3000")
        .header("cookie", cookie)
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The admin exports the recipients of a campaign of everyone, named "Thanks".
async fn export_a_campaign(app: &Router, env: &SyncedEnv, admin: &str) {
    let pool = &env.state.pool;
    let account = env.admin.account_id;
    let id = campaigns::create(
        pool,
        account,
        env.admin.user_id,
        &CampaignDraft {
            name: "Thanks".into(),
            occasion: "Thank you".into(),
            ..CampaignDraft::default()
        }
        .validate()
        .unwrap(),
    )
    .await
    .unwrap();
    audiences::save(
        pool,
        account,
        id,
        AudienceKind::Snapshot,
        &StaffFilter::default(),
        vec![],
    )
    .await
    .unwrap();
    let res = send(
        app,
        common::get(&format!("/campaigns/{id}/export"), Some(admin)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn admin_actions_and_exports_are_logged_for_admins_only(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let app = hr_connectors::server::startup::router(env.state.clone());
    let admin = common::sign_in(&app, "ada@acme.example", "pw-ada@acme.example").await;

    let res = send(
        &app,
        post_json(
            "/api/integrations/connect",
            json!({"slug": "sage-hr", "label": "UK division", "optional_fields": ["job_title"],
                   "credentials": {"subdomain": "initech", "api_key": "demo-api-key"}}),
            &admin,
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let connection: Value = serde_json::from_str(&body_text(res).await).unwrap();
    env.drain().await;

    export_a_campaign(&app, &env, &admin).await;

    let form = format!("id={}&delete_now=true", connection["id"].as_str().unwrap());
    let res = send(
        &app,
        common::form_post("/api/integrations/disconnect", &form, Some(&admin)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = send(
        &app,
        common::form_post("/api/integrations/activity", "", Some(&admin)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let log: Vec<Value> = serde_json::from_str(&body_text(res).await).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "DataDeleted",
            "Disconnected",
            "RecipientsExported",
            "Connected"
        ]
    );
    assert!(
        log.iter()
            .all(|e| e["actor"] == "Ada Admin <ada@acme.example>"
                || e["actor"].as_str().unwrap().ends_with("<ada@acme.example>"))
    );
    assert_eq!(log[2]["subject"], "Thanks");
    assert_eq!(log[3]["subject"], "UK division");
    assert!(log[3]["detail"].as_str().unwrap().contains("Job title"));
    assert!(
        log.iter()
            .all(|e| !e["client_ip"].as_str().unwrap().is_empty())
    );

    let account = env.admin.account_id;
    let manager = common::user_in(&pool, account, "cam@acme.example", Role::CampaignManager).await;
    let cookie = common::sign_in(&app, &manager.email, &manager.password).await;
    let res = send(
        &app,
        common::form_post("/api/integrations/activity", "", Some(&cookie)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
