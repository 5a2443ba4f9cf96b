//! The Merge client against the bundled sandbox, over real loopback HTTP: every endpoint the
//! product uses, pagination, expansion, scopes, faults and retries, webhooks and relinking.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hr_connectors::domain::field_policy::Consent;
use hr_connectors::server::merge::client::{Credentials, EndUser, MergeClient, Resource};
use hr_connectors::server::merge::models::{
    Employee, Employment, Group, Location, Page, SyncState, Team,
};
use hr_connectors::server::merge::query::{ExpandStyle, ListQuery};
use hr_connectors::server::merge::retry::RetryPolicy;
use hr_connectors::server::merge::signature;
use hr_connectors::server::sandbox::state::{Faults, SandboxConfig, WebhookTarget};
use hr_connectors::server::sandbox::{self, SandboxHandle};
use hr_connectors::server::secret::Secret;
use serde_json::Value;

const KEY: &str = "test-merge-key";

async fn sandbox_with(config: SandboxConfig) -> SandboxHandle {
    sandbox::spawn(
        SandboxConfig {
            api_key: Some(KEY.into()),
            initial_sync: Duration::from_millis(300),
            ..config
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

async fn sandbox() -> SandboxHandle {
    sandbox_with(SandboxConfig::default()).await
}

fn client(handle: &SandboxHandle) -> MergeClient {
    MergeClient::with_policy(
        &handle.api_url(),
        Secret::new(KEY),
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(1500),
        },
    )
}

fn user(origin: &str) -> EndUser {
    EndUser {
        email: "admin@acme.example".into(),
        organization_name: "Acme Ltd".into(),
        origin_id: origin.into(),
    }
}

fn sage(subdomain: &str, key: &str) -> Credentials {
    Credentials(BTreeMap::from([
        ("subdomain".to_owned(), subdomain.to_owned()),
        ("api_key".to_owned(), key.to_owned()),
    ]))
}

async fn linked(handle: &SandboxHandle, origin: &str, subdomain: &str) -> (Secret, String) {
    let res = client(handle)
        .bootstrap_linked_account(
            &user(origin),
            "sage-hr",
            &Consent::defaults(),
            &sage(subdomain, "demo-api-key"),
        )
        .await
        .unwrap();
    (Secret::new(res.account_token), res.id.unwrap())
}

async fn all_employees(client: &MergeClient, token: &Secret, query: &ListQuery) -> Vec<Employee> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page: Page<Employee> = client
            .list_page(token, Resource::Employees, query, cursor.as_deref())
            .await
            .unwrap();
        out.extend(page.results.iter().cloned());
        match page.next_cursor() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn raw_get(handle: &SandboxHandle, path: &str, token: &Secret) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", handle.api_url()))
        .bearer_auth(KEY)
        .header("X-Account-Token", token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn catalogue_lists_every_integration_across_pages() {
    let handle = sandbox().await;
    let org = client(&handle).organization_integrations().await.unwrap();
    let hris = org
        .iter()
        .filter(|i| i.categories.iter().any(|c| c == "hris"))
        .count();
    assert_eq!(hris, 83);
    assert!(
        org.iter()
            .any(|i| i.slug == "sage-hr" && i.abbreviated_name.as_deref() == Some("Sage"))
    );
    // Merge's public catalogue (unpaginated, no key) lists the same integrations.
    let all: Vec<Value> = reqwest::get(format!("{}/integrations", handle.api_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), org.len());
    // Logos are served by the sandbox itself.
    let logo = org
        .iter()
        .find(|i| i.slug == "personio")
        .unwrap()
        .square_image
        .clone()
        .unwrap();
    let res = reqwest::get(&logo).await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn bootstrap_reports_specific_credential_failures() {
    let handle = sandbox().await;
    let c = client(&handle);
    let consent = Consent::defaults();

    let err = c
        .bootstrap_linked_account(
            &user("o1"),
            "sage-hr",
            &consent,
            &sage("acme", "wrong-key-1234"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(err.detail().unwrap().contains("rejected this API key"));
    assert!(!err.to_string().contains("wrong-key-1234"));

    let err = c
        .bootstrap_linked_account(
            &user("o1"),
            "sage-hr",
            &consent,
            &sage("nowhere", "demo-api-key"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(err.detail().unwrap().contains("nowhere.sage.hr"));

    let limited = c
        .bootstrap_linked_account(
            &user("o2"),
            "sage-hr",
            &consent,
            &sage("acme", "demo-no-permissions"),
        )
        .await
        .unwrap();
    let issues = c.issues(limited.id.as_deref().unwrap()).await.unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(
        issues[0].error_description.as_deref(),
        Some("Missing Permissions")
    );

    // OAuth-only systems cannot be bootstrapped; they go through Link.
    let err = c
        .bootstrap_linked_account(&user("o3"), "gusto", &consent, &Credentials::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn link_token_link_page_and_public_token_exchange() {
    let handle = sandbox().await;
    let c = client(&handle);
    let link = c
        .create_link_token(&user("origin-link"), "gusto", &Consent::defaults())
        .await
        .unwrap();
    assert_eq!(link.integration_name.as_deref(), Some("Gusto"));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page_url = format!("{}/link/{}", handle.root_url(), link.link_token);
    let page = http
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Gusto"));
    let res = http
        .post(&page_url)
        .form(&[
            ("action", "authorize"),
            ("return_to", "http://127.0.0.1:3000/integrations/return"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let public_token = location.split("public_token=").nth(1).unwrap().to_owned();

    let account = c.exchange_public_token(&public_token).await.unwrap();
    assert_eq!(account.integration.as_ref().unwrap().slug, "gusto");
    // Single use.
    let again = c.exchange_public_token(&public_token).await.unwrap_err();
    assert_eq!(again.status(), Some(StatusCode::NOT_FOUND));
    // A used link token is gone too.
    assert_eq!(
        http.get(&page_url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Malformed tokens never reach the network path.
    assert!(c.exchange_public_token("../../x").await.is_err());
}

#[tokio::test]
async fn relinking_the_same_origin_keeps_one_account() {
    let handle = sandbox().await;
    let (token_a, id_a) = linked(&handle, "acct-1-conn-1", "acme").await;
    let (token_b, id_b) = linked(&handle, "acct-1-conn-1", "acme").await;
    assert_eq!(id_a, id_b);
    assert_eq!(token_a, token_b);
    let (_, id_c) = linked(&handle, "acct-1-conn-2", "acme").await;
    assert_ne!(id_a, id_c);
}

#[tokio::test]
async fn employees_page_with_expand_in_both_forms() {
    let handle = sandbox().await;
    let (token, _) = linked(&handle, "pages", "globex").await;
    let c = client(&handle);
    for style in [ExpandStyle::Comma, ExpandStyle::Repeated] {
        let query = ListQuery {
            expand: vec!["manager", "team", "work_location", "employments", "groups"],
            expand_style: style,
            ..ListQuery::default()
        };
        let people = all_employees(&c, &token, &query).await;
        assert_eq!(people.len(), 1200);
        let ids: BTreeSet<_> = people.iter().map(|p| p.id.clone().unwrap()).collect();
        assert_eq!(ids.len(), 1200);
        let p = &people[100];
        assert!(p.manager.as_ref().unwrap().expanded().is_some());
        assert!(p.team.as_ref().unwrap().expanded().unwrap().name.is_some());
        let office = p.work_location.as_ref().unwrap().expanded().unwrap();
        assert!(office.country.is_some());
        let employment = p.employments[0].expanded().unwrap();
        assert!(employment.job_title.is_some());
    }
    let teams: Vec<Team> = c
        .list_all(&token, Resource::Teams, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(teams.len(), 73);
    let groups: Vec<Group> = c
        .list_all(&token, Resource::Groups, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(groups.len(), 8);
    let employments: Vec<Employment> = c
        .list_all(&token, Resource::Employments, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(employments.len(), 1200);
    let locations: Vec<Location> = c
        .list_all(&token, Resource::Locations, &ListQuery::default())
        .await
        .unwrap();
    assert!(locations.len() > 1200);
}

#[tokio::test]
async fn scopes_null_blocked_fields_unless_the_provider_leaks_them() {
    let handle = sandbox().await;
    let (token, id) = linked(&handle, "scopes", "acme").await;
    let page = raw_get(
        &handle,
        "/hris/v1/employees?page_size=5&include_sensitive_fields=true",
        &token,
    )
    .await;
    let e = &page["results"][1];
    for blocked in [
        "gender",
        "ethnicity",
        "marital_status",
        "date_of_birth",
        "mobile_phone_number",
        "home_location",
        "ssn",
    ] {
        assert!(
            e.as_object().unwrap().contains_key(blocked),
            "{blocked} should be present"
        );
        assert!(
            e[blocked].is_null(),
            "{blocked} should be null: {}",
            e[blocked]
        );
    }
    assert!(e["work_email"].is_string() || e["work_email"].is_null());
    assert!(e["first_name"].is_string());

    let faults = Faults {
        leak_sensitive: true,
        ..Faults::default()
    };
    reqwest::Client::new()
        .put(format!(
            "{}/sandbox/v1/linked-accounts/{id}/faults",
            handle.root_url()
        ))
        .bearer_auth(KEY)
        .json(&faults)
        .send()
        .await
        .unwrap();
    let page = raw_get(&handle, "/hris/v1/employees?page_size=5", &token).await;
    let e = &page["results"][1];
    for leaked in [
        "gender",
        "ethnicity",
        "marital_status",
        "date_of_birth",
        "ssn",
        "mobile_phone_number",
    ] {
        assert!(e[leaked].is_string(), "{leaked} should leak: {}", e[leaked]);
    }
}

#[tokio::test]
async fn sync_status_moves_from_syncing_to_done_and_resyncs() {
    let handle = sandbox().await;
    let (token, _) = linked(&handle, "life", "acme").await;
    let c = client(&handle);
    let first = c.sync_status(&token).await.unwrap();
    let employee = first
        .iter()
        .find(|s| s.model_id.as_deref() == Some("hris.Employee"))
        .unwrap();
    assert_eq!(employee.status, Some(SyncState::Syncing));
    assert_eq!(employee.is_initial_sync, Some(true));
    let bank = first
        .iter()
        .find(|s| s.model_id.as_deref() == Some("hris.BankInfo"))
        .unwrap();
    assert_eq!(bank.status, Some(SyncState::Disabled));

    tokio::time::sleep(Duration::from_millis(500)).await;
    let done = c.sync_status(&token).await.unwrap();
    let employee = done
        .iter()
        .find(|s| s.model_id.as_deref() == Some("hris.Employee"))
        .unwrap();
    assert_eq!(employee.status, Some(SyncState::Done));
    assert_eq!(employee.last_sync_result, Some(SyncState::Done));
    assert!(employee.last_sync_finished.is_some());

    let resync: Vec<Value> = reqwest::Client::new()
        .post(format!("{}/hris/v1/sync-status/resync", handle.api_url()))
        .bearer_auth(KEY)
        .header("X-Account-Token", token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resync.iter().any(|s| s["status"] == "SYNCING"));

    let details = c.account_details(&token).await.unwrap();
    assert_eq!(details.integration_slug.as_deref(), Some("sage-hr"));
    assert_eq!(details.end_user_origin_id.as_deref(), Some("life"));

    c.delete_account(&token).await.unwrap();
    let gone = c.account_details(&token).await.unwrap_err();
    assert_eq!(gone.status(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn faults_are_retried_to_the_same_result() {
    let handle = sandbox().await;
    let (token, _) = linked(&handle, "faults", "globex").await;
    let c = client(&handle);
    let query = ListQuery {
        expand: vec!["team"],
        ..ListQuery::default()
    };
    let clean = all_employees(&c, &token, &query).await;

    let faults = Faults {
        rate_limit_pct: 10,
        retry_after_secs: 1,
        server_error_pct: 10,
        drop_pct: 10,
        ..Faults::default()
    };
    reqwest::Client::new()
        .put(format!("{}/sandbox/v1/faults", handle.root_url()))
        .bearer_auth(KEY)
        .json(&faults)
        .send()
        .await
        .unwrap();
    let faulty = all_employees(&c, &token, &query).await;
    assert_eq!(clean, faulty);

    // A 4xx is not retried and keeps status, headers and body.
    let bad = c
        .list_page::<Employee>(
            &Secret::new("not-a-token"),
            Resource::Employees,
            &query,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(bad.detail().as_deref(), Some("Invalid account token."));
}

#[tokio::test]
async fn incremental_windows_find_hires_changes_and_deletions() {
    let handle = sandbox_with(SandboxConfig {
        hires_per_generation: 4,
        change_bp: 300,
        ..SandboxConfig::default()
    })
    .await;
    let (token, id) = linked(&handle, "changes", "globex").await;
    let c = client(&handle);
    let since = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let summary: Value = reqwest::Client::new()
        .post(format!(
            "{}/sandbox/v1/linked-accounts/{id}/advance",
            handle.root_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["hired"], 4);
    let changed = summary["changed"].as_u64().unwrap() + summary["left"].as_u64().unwrap();
    let deleted = summary["deleted"].as_u64().unwrap();

    let window = ListQuery {
        modified_after: Some(since),
        include_deleted_data: true,
        ..ListQuery::default()
    };
    let delta = all_employees(&c, &token, &window).await;
    assert_eq!(delta.len() as u64, 4 + changed + deleted);
    assert_eq!(
        delta
            .iter()
            .filter(|e| e.remote_was_deleted == Some(true))
            .count() as u64,
        deleted
    );
    let visible = all_employees(&c, &token, &ListQuery::default()).await;
    assert_eq!(visible.len() as u64, 1200 + 4 - deleted);
}

#[tokio::test]
async fn webhooks_are_signed_and_retried_after_server_errors() {
    let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let failures_left = Arc::new(Mutex::new(1));
    let app = {
        let received = received.clone();
        Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let received = received.clone();
                let failures_left = failures_left.clone();
                async move {
                    let mut left = failures_left.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    received.lock().unwrap().push((headers, body));
                    StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let handle = sandbox_with(SandboxConfig {
        webhook: Some(WebhookTarget {
            url: format!("http://{addr}/hook"),
            key: "whsec-test".into(),
        }),
        ..SandboxConfig::default()
    })
    .await;
    linked(&handle, "hooks", "initech").await;
    let mut events = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        events = received.lock().unwrap().clone();
        if events.len() >= 2 {
            break;
        }
    }
    assert!(events.len() >= 2, "got {} webhooks", events.len());
    for (headers, body) in &events {
        let sig = headers[signature::HEADER].to_str().unwrap();
        assert!(signature::verify(b"whsec-test", body, sig));
    }
    let names: Vec<String> = events
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<Value>(b).unwrap()["hook"]["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names[0], "LinkedAccount.linked");
    assert!(names.contains(&"LinkedAccount.sync_completed".to_owned()));
    let linked_event: Value = serde_json::from_slice(&events[0].1).unwrap();
    assert!(linked_event["data"]["account_token"].is_string());
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let handle = sandbox().await;
    let c = client(&handle);
    assert!(!format!("{c:?}").contains(KEY));
    let creds = sage("acme", "demo-api-key");
    assert!(!format!("{creds:?}").contains("demo-api-key"));
    let res = c
        .bootstrap_linked_account(&user("dbg"), "sage-hr", &Consent::defaults(), &creds)
        .await
        .unwrap();
    assert!(!format!("{res:?}").contains(&res.account_token));
}
