//! Sign-in, sessions and throttling against a real Postgres (one fresh database per test).

use crate::common;

use axum::http::StatusCode;
use hr_connectors::domain::role::Role;
use hr_connectors::server::auth::session;
use hr_connectors::server::auth::sign_in::{SignIn, SignInError, sign_in};
use hr_connectors::server::auth::throttle;
use sqlx::PgPool;

fn attempt<'a>(email: &'a str, password: &'a str, previous: Option<&'a str>) -> SignIn<'a> {
    SignIn {
        email,
        password,
        client_ip: "203.0.113.9",
        user_agent: "Mozilla/5.0 (test)",
        previous_token: previous,
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn signs_in_with_the_right_password_only(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;

    let new = sign_in(&pool, attempt("  ADA@acme.example ", &u.password, None))
        .await
        .expect("right password signs in");
    let me = session::resolve(&pool, &new.token).await.unwrap().unwrap();
    assert_eq!(me.user_id, u.user_id);
    assert_eq!(me.account_id, u.account_id);
    assert_eq!(me.account_name, "Acme Ltd");
    assert_eq!(me.role, Role::Admin);

    for (email, password) in [
        ("ada@acme.example", "wrong"),
        ("nobody@acme.example", u.password.as_str()),
        ("not an email", "x"),
    ] {
        assert!(matches!(
            sign_in(&pool, attempt(email, password, None)).await,
            Err(SignInError::WrongCredentials)
        ));
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn signing_in_rotates_the_session_id(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let first = sign_in(&pool, attempt(&u.email, &u.password, None))
        .await
        .unwrap();
    let second = sign_in(&pool, attempt(&u.email, &u.password, Some(&first.token)))
        .await
        .unwrap();
    assert_ne!(first.token, second.token);
    assert!(
        session::resolve(&pool, &first.token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        session::resolve(&pool, &second.token)
            .await
            .unwrap()
            .is_some()
    );

    // Only a hash of the token is stored.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar!("SELECT token_hash FROM sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|h| h.as_slice() != second.token.as_bytes())
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn repeated_failures_for_one_email_are_throttled(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    for _ in 0..throttle::SIGN_IN.per_email {
        assert!(matches!(
            sign_in(&pool, attempt(&u.email, "guess", None)).await,
            Err(SignInError::WrongCredentials)
        ));
    }
    // Even the right password is refused while throttled, so guessing gains nothing.
    match sign_in(&pool, attempt(&u.email, &u.password, None)).await {
        Err(SignInError::Throttled(wait)) => assert!(wait > 0 && wait <= 15 * 60),
        Err(other) => panic!("expected throttling, got {other:?}"),
        Ok(_) => panic!("expected throttling, got a session"),
    }

    // Once the failures age out of the window, signing in works again.
    sqlx::query!("UPDATE login_failures SET failed_at = now() - interval '16 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        sign_in(&pool, attempt(&u.email, &u.password, None))
            .await
            .is_ok()
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn repeated_failures_from_one_address_are_throttled(pool: PgPool) {
    common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    for i in 0..throttle::SIGN_IN.per_client {
        let email = format!("guess{i}@acme.example");
        let _ = sign_in(&pool, attempt(&email, "x", None)).await;
    }
    assert!(matches!(
        sign_in(&pool, attempt("ada@acme.example", "x", None)).await,
        Err(SignInError::Throttled(_))
    ));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn expired_sessions_resolve_to_nobody_and_are_purged(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let new = sign_in(&pool, attempt(&u.email, &u.password, None))
        .await
        .unwrap();
    sqlx::query!("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(session::resolve(&pool, &new.token).await.unwrap().is_none());
    assert_eq!(session::purge_expired(&pool).await.unwrap(), 1);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn pages_need_a_session_and_redirect_to_sign_in(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let app = common::app(pool);

    let res = common::send(&app, common::get("/integrations?x=1", None)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=/integrations%3Fx%3D1"
    );

    let cookie = common::sign_in(&app, &u.email, &u.password).await;
    let res = common::send(&app, common::get("/integrations", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = common::body_text(res).await;
    assert!(html.contains("Integrations"));

    // Signed in, the sign-in page sends you on.
    let res = common::send(&app, common::get("/login", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // A forged or expired cookie is cleared and explained.
    let res = common::send(&app, common::get("/campaigns", Some("hrc_session=forged"))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=/campaigns&expired=1"
    );
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn sign_in_over_http_sets_a_protected_cookie(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let app = common::app(pool);
    let form = format!(
        "email={}&password={}",
        common::urlencode(&u.email),
        common::urlencode(&u.password)
    );
    let res = common::send(&app, common::form_post("/api/auth/login", &form, None)).await;
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));

    let res = common::send(
        &app,
        common::form_post(
            "/api/auth/login",
            "email=ada%40acme.example&password=nope",
            None,
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = common::body_text(res).await;
    assert!(body.contains("don't match an account"), "{body}");
    assert!(!body.contains("sqlx"));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn bad_requests_get_clear_answers(pool: PgPool) {
    let app = common::app(pool);

    // Missing fields: a readable message, not a panic.
    let res = common::send(&app, common::form_post("/api/auth/login", "email=", None)).await;
    assert!(res.status().is_client_error(), "{}", res.status());

    // Oversized body.
    let huge = format!("email=a%40b.example&password={}", "x".repeat(400 * 1024));
    let res = common::send(&app, common::form_post("/api/auth/login", &huge, None)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Another site posting a form is refused before anything runs.
    let req = axum::http::Request::post("/api/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from("email=a%40b.example&password=x"))
        .unwrap();
    assert_eq!(
        common::send(&app, req).await.status(),
        StatusCode::FORBIDDEN
    );

    // Server functions answer 401 without a session.
    let res = common::send(&app, common::form_post("/api/auth/whoami", "", None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn health_check_answers_with_the_database(pool: PgPool) {
    let app = common::app(pool);
    let res = common::send(&app, common::get("/healthz", None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        common::body_text(res).await,
        r#"{"database":"ok","status":"ok"}"#
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn pages_carry_a_nonce_content_security_policy(pool: PgPool) {
    let app = common::app(pool);
    let res = common::send(&app, common::get("/login", None)).await;
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("object-src 'none'"), "{policy}");
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce")
        .to_owned();
    let html = common::body_text(res).await;
    // Every inline script carries this response's nonce; nothing else may run.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );

    let res = common::send(&app, common::get("/healthz", None)).await;
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

/// Text no address can hold is refused like a wrong password, and counted: a 10,000-character
/// or NUL-carrying address used to fail in Postgres (500) without counting, which got round
/// throttling.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn unusable_addresses_are_refused_and_counted(pool: PgPool) {
    let huge = format!("{}@acme.example", "x".repeat(10_000));
    for email in ["ad\u{0}a@acme.example", huge.as_str()] {
        for _ in 0..throttle::SIGN_IN.per_email {
            match sign_in(&pool, attempt(email, "x", None)).await {
                Err(SignInError::WrongCredentials) => {}
                other => panic!("expected wrong credentials, got {:?}", other.err()),
            }
        }
        match sign_in(&pool, attempt(email, "x", None)).await {
            Err(SignInError::Throttled(_)) => {}
            other => panic!("expected throttling, got {:?}", other.err()),
        }
    }

    let app = common::app(pool);
    for form in [
        "email=bo%00b%40acme.example&password=x".to_owned(),
        format!("email=y{}&password=x", common::urlencode(&huge)),
    ] {
        let res = common::send(&app, common::form_post("/api/auth/login", &form, None)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = common::body_text(res).await;
        assert!(body.contains("don't match an account"), "{body}");
    }
}

/// A page address with a dot in its last segment is still a page: without a session it leads
/// to sign-in, like every other page. Only the site's real files are public.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn pages_with_a_dot_still_need_a_session(pool: PgPool) {
    let app = common::app(pool);
    for path in [
        "/help/connect/sage.hr",
        "/campaigns/0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00.x",
        "/integrations/x.y",
    ] {
        let res = common::send(&app, common::get(path, None)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next="),
            "{path}"
        );
    }
}

/// The staff filter's defaults with `change` applied, as the search's JSON body.
fn filter_with(change: serde_json::Value) -> Vec<u8> {
    let mut f =
        serde_json::to_value(hr_connectors::domain::staff_filter::StaffFilter::default()).unwrap();
    for (k, v) in change.as_object().unwrap() {
        f[k] = v.clone();
    }
    serde_json::json!({ "filter": f }).to_string().into_bytes()
}

/// Bad bodies for the search's server functions: each one's path, body and what the answer's
/// sentence says.
fn bad_search_bodies() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let too_many_teams = filter_with(serde_json::json!({
        "teams": (0..51)
            .map(|i| format!("0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/t{i}"))
            .collect::<Vec<_>>()
    }));
    vec![
        (
            "staff/search",
            filter_with(serde_json::json!({"q": "a\u{0}"})),
            "control character",
        ),
        (
            "staff/count",
            filter_with(serde_json::json!({"q": "a\u{0}"})),
            "control character",
        ),
        (
            "staff/search",
            filter_with(serde_json::json!({"joined_within": 2147483647})),
            "between 1 and 3650 days",
        ),
        (
            "staff/search",
            filter_with(serde_json::json!({"started_from": "-200000-01-01"})),
            "Start dates must be between",
        ),
        (
            "staff/search",
            filter_with(serde_json::json!({"sort": "Salary"})),
            "could not be read",
        ),
        // The limits a URL's filter is cut to hold for one sent whole.
        (
            "staff/search",
            filter_with(serde_json::json!({"q": "x".repeat(101)})),
            "The search text can have at most 100 characters.",
        ),
        ("staff/count", too_many_teams.clone(), "Choose at most 50 of the team filter."),
        (
            "campaigns/audience",
            serde_json::json!({
                "id": uuid::Uuid::new_v4(),
                "kind": "Dynamic",
                "filter": serde_json::from_slice::<serde_json::Value>(&too_many_teams).unwrap()["filter"],
                "picked": []
            })
            .to_string()
            .into_bytes(),
            "Choose at most 50 of the team filter.",
        ),
        (
            "staff/search",
            filter_with(serde_json::json!({"page": -1})),
            "could not be read",
        ),
        (
            "staff/search",
            b"{\"filter\": {".to_vec(),
            "could not be read",
        ),
        ("staff/search", b"{}".to_vec(), "could not be read"),
        (
            "staff/search",
            b"{\"filter\": \"\xff\xfe\"}".to_vec(),
            "could not be read",
        ),
    ]
}

/// Bad input to the staff search answers 422 with a sentence about the input, never 500: NUL
/// in text, numbers and dates past the URL's limits, and arguments that do not decode at all.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn bad_search_input_gets_a_sentence_not_a_500(pool: PgPool) {
    let u = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let app = common::app(pool);
    let cookie = common::sign_in(&app, &u.email, &u.password).await;
    let json = |path: &str, body: &[u8]| {
        axum::http::Request::post(format!("/api/{path}"))
            .header("content-type", "application/json")
            .header("origin", common::ORIGIN)
            .header("host", "127.0.0.1:3000")
            .header("cookie", &cookie)
            .body(axum::body::Body::from(body.to_vec()))
            .unwrap()
    };
    let cases = bad_search_bodies();
    for (path, body, expected) in cases {
        let res = common::send(&app, json(path, &body)).await;
        let status = res.status();
        let text = common::body_text(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {text}");
        assert!(text.contains(expected), "{path}: {text}");
        assert!(!text.contains("Transport"), "{text}");
    }
    for form in ["text=a%00b", &format!("text={}", "x".repeat(101))] {
        for path in ["/api/staff/managers", "/api/campaigns/find-anyone"] {
            let res = common::send(&app, common::form_post(path, form, Some(&cookie))).await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {form:.20}"
            );
        }
    }
    let res = common::send(
        &app,
        common::form_post("/api/staff/name", "key=a%00", Some(&cookie)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = common::send(&app, common::get("/people?q=%00", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !common::body_text(res)
            .await
            .contains("Something went wrong")
    );
}
