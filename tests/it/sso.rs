//! Single sign-on against a real Postgres: the settings (validation, account scoping, the
//! sealed secret, domain uniqueness), required sign-on and its break-glass admin, the join
//! rules, and the in-flight sign-ins (single use, expiry, bound to the browser).
//!
//! Saving settings runs OpenID Connect discovery, so a small discovery document is served
//! in-process here. The ID token checks run against the real `oidc-provider` in the browser
//! tests (`end2end/tests/sso.spec.ts`).

use crate::common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::endpoints::{Payload, request};
use common::{body_text, get as get_req, send, sign_in};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::sso::SsoRefusal;
use hr_connectors::server::auth::sign_in::{SignIn, SignInError, sign_in as password_sign_in};
use hr_connectors::server::secret::Secret;
use hr_connectors::server::sso::login::{self, Consumed};
use hr_connectors::server::sso::oidc::Identity;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Serves `/.well-known/openid-configuration` and an empty key set on a loopback port; returns
/// its issuer URL.
async fn discovery_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
    });
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc) }
            }),
        )
        .route("/jwks", get(|| async { axum::Json(json!({"keys": []})) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    issuer
}

fn draft(issuer: &str, domains: &str) -> Value {
    json!({"draft": {
        "display_name": "Okta",
        "issuer_url": issuer,
        "client_id": "hrc-client",
        "client_secret": "very-secret-client-value",
        "domains": domains,
        "auto_join": false,
        "required": false,
        "break_glass_user": null,
    }})
}

async fn call(app: &Router, path: &str, payload: Value, cookie: &str) -> (StatusCode, String) {
    let res = send(app, request(path, &Payload::Json(payload), Some(cookie))).await;
    let status = res.status();
    (status, body_text(res).await)
}

async fn form(app: &Router, path: &str, form: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let res = send(app, request(path, &Payload::Form(form.into()), cookie)).await;
    let status = res.status();
    (status, body_text(res).await)
}

/// Shape checks answer 422 with the field's sentence, and an issuer without a discovery document
/// a sentence naming the document.
async fn assert_bad_settings_are_refused(app: &Router, issuer: &str, cookie: &str) {
    for (bad, field) in [
        (
            json!({"draft": {"display_name": "", "issuer_url": issuer, "client_id": "x", "client_secret": "y", "domains": "acme.example", "auto_join": false, "required": false, "break_glass_user": null}}),
            "display_name",
        ),
        (draft("http://idp.example", "acme.example"), "issuer_url"),
        (draft(issuer, "gmail.com"), "domains"),
        (draft(issuer, "not a domain!"), "domains"),
    ] {
        let (status, body) = call(app, "sso/save", bad, cookie).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains(field), "{body}");
    }
    let (status, body) = call(
        app,
        "sso/save",
        draft("http://127.0.0.1:9", "acme.example"),
        cookie,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("We couldn't reach http://127.0.0.1:9/.well-known/openid-configuration"),
        "{body}"
    );
}

/// The saved secret is sealed at rest and the change logged without it; saving again with an
/// empty secret keeps the saved one.
async fn assert_the_secret_is_sealed_and_kept(
    app: &Router,
    pool: &PgPool,
    issuer: &str,
    cookie: &str,
    account: Uuid,
) {
    let stored = sqlx::query_scalar!("SELECT client_secret_enc FROM sso_providers")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains("very-secret"));
    let logged = sqlx::query!(
        "SELECT action, detail FROM audit_events WHERE account_id = $1 AND action = 'sso_settings_changed'",
        account,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(logged.len(), 1);
    assert!(!logged[0].detail.contains("very-secret"));

    let mut keep = draft(issuer, "acme.example");
    keep["draft"]["client_secret"] = json!("");
    let (status, _) = call(app, "sso/save", keep, cookie).await;
    assert_eq!(status, StatusCode::OK);
    let after = sqlx::query_scalar!("SELECT client_secret_enc FROM sso_providers")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(after, stored);
}

/// Another account (signed in as `cookie`) sees only its own, empty, settings and cannot claim
/// a domain of `owner`'s.
async fn assert_another_account_sees_and_claims_nothing(
    app: &Router,
    pool: &PgPool,
    issuer: &str,
    cookie: &str,
    owner: Uuid,
) {
    let (status, body) = form(app, "sso/settings", "", Some(cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body.contains("acme.example") && !body.contains("hrc-client"),
        "{body}"
    );
    let (status, body) = call(
        app,
        "sso/save",
        draft(issuer, "globex.example, acme.example"),
        cookie,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("acme.example already signs in through another"),
        "{body}"
    );
    let domain_owner =
        sqlx::query_scalar!("SELECT account_id FROM sso_domains WHERE domain = 'acme.example'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(domain_owner, owner);
}

/// The sign-in page's hint: the provider's name for the domain, the same empty answer for
/// anything else.
async fn assert_the_sign_in_hint_names_the_provider(app: &Router) {
    let (status, body) = form(app, "auth/sso-for-email", "email=sam%40acme.example", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"provider": "Okta", "required": false})
    );
    for other in ["email=x%40nowhere.example", "email=garbage", "email="] {
        let (status, body) = form(app, "auth/sso-for-email", other, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"provider": null, "required": false})
        );
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn settings_are_validated_scoped_and_the_secret_sealed(pool: PgPool) {
    let issuer = discovery_server().await;
    let app = common::app(pool.clone());
    let a = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let cam = common::user_in(
        &pool,
        a.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;
    let b = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    let a_cookie = sign_in(&app, &a.email, &a.password).await;
    let cam_cookie = sign_in(&app, &cam.email, &cam.password).await;
    let b_cookie = sign_in(&app, &b.email, &b.password).await;
    assert_bad_settings_are_refused(&app, &issuer, &a_cookie).await;

    // Campaign managers are refused; the admin saves.
    let (status, _) = call(
        &app,
        "sso/save",
        draft(&issuer, "acme.example"),
        &cam_cookie,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = form(&app, "sso/settings", "", Some(&cam_cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &app,
        "sso/save",
        draft(&issuer, "Acme.example, sso-acme.example"),
        &a_cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["domains"], json!(["acme.example", "sso-acme.example"]));
    assert_eq!(view["secret_saved"], json!(true));
    assert_eq!(
        view["redirect_uri"],
        json!("http://127.0.0.1:3000/sso/callback")
    );
    assert!(!body.contains("very-secret-client-value"));

    assert_the_secret_is_sealed_and_kept(&app, &pool, &issuer, &a_cookie, a.account_id).await;
    assert_another_account_sees_and_claims_nothing(&app, &pool, &issuer, &b_cookie, a.account_id)
        .await;

    // The break-glass admin must be an admin of this account.
    let mut required = draft(&issuer, "acme.example");
    required["draft"]["required"] = json!(true);
    required["draft"]["break_glass_user"] = json!(b.user_id);
    let (status, body) = call(&app, "sso/save", required.clone(), &a_cookie).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("break_glass"));
    required["draft"]["break_glass_user"] = json!(cam.user_id);
    let (status, _) = call(&app, "sso/save", required, &a_cookie).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    assert_the_sign_in_hint_names_the_provider(&app).await;

    // Turning it off removes the domains too; turning off twice is a sentence, not a success.
    let (status, _) = form(&app, "sso/remove", "", Some(&a_cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = form(&app, "sso/remove", "", Some(&a_cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let left = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sso_domains"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

async fn configure(pool: &PgPool, issuer: &str, account: Uuid, admin: Uuid, body: Value) {
    // Through the server function, as the admin would.
    let app = common::app(pool.clone());
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", admin)
        .fetch_one(pool)
        .await
        .unwrap();
    let cookie = sign_in(&app, &email, &format!("pw-{email}")).await;
    let mut body = body;
    body["draft"]["issuer_url"] = json!(issuer);
    let (status, text) = call(&app, "sso/save", body, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let _ = account;
}

fn attempt<'a>(email: &'a str, password: &'a str) -> SignIn<'a> {
    SignIn {
        email,
        password,
        client_ip: "203.0.113.7",
        user_agent: "test",
        previous_token: None,
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn required_sso_refuses_passwords_except_for_the_break_glass_admin(pool: PgPool) {
    let issuer = discovery_server().await;
    let ada = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let bob = common::user_in(&pool, ada.account_id, "bob@acme.example", Role::Admin).await;
    let cam = common::user_in(
        &pool,
        ada.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await;
    // A member whose address is outside the account's domains.
    let con = common::user_in(
        &pool,
        ada.account_id,
        "contractor@elsewhere.example",
        Role::CampaignManager,
    )
    .await;
    let gus = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;

    let mut body = draft(&issuer, "acme.example");
    body["draft"]["required"] = json!(true);
    body["draft"]["break_glass_user"] = json!(bob.user_id);
    configure(&pool, &issuer, ada.account_id, ada.user_id, body).await;

    for who in [&ada, &cam, &con] {
        match password_sign_in(&pool, attempt(&who.email, &who.password)).await {
            Err(SignInError::SsoRequired(p)) => assert_eq!(p, "Okta"),
            other => panic!("{} signed in with a password: {:?}", who.email, other.err()),
        }
    }
    // Someone unknown at the domain hears the same as a member: nothing to probe.
    assert!(matches!(
        password_sign_in(&pool, attempt("nobody@acme.example", "whatever")).await,
        Err(SignInError::SsoRequired(_))
    ));
    // The off-domain member with a wrong password learns nothing about the rule.
    assert!(matches!(
        password_sign_in(&pool, attempt(&con.email, "wrong")).await,
        Err(SignInError::WrongCredentials)
    ));
    password_sign_in(&pool, attempt(&bob.email, &bob.password))
        .await
        .expect("break-glass admin signs in");
    password_sign_in(&pool, attempt(&gus.email, &gus.password))
        .await
        .expect("other accounts are untouched");

    // Over HTTP the refusal is a sentence naming the provider, with a 4xx.
    let app = common::app(pool.clone());
    let (status, body) = form(
        &app,
        "auth/login",
        &format!(
            "email={}&password={}",
            common::urlencode(&cam.email),
            common::urlencode(&cam.password)
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Your company signs in with Okta."), "{body}");
    let (_, body) = form(&app, "auth/sso-for-email", "email=cam%40acme.example", None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"provider": "Okta", "required": true})
    );
}

async fn invite(
    pool: &PgPool,
    account: Uuid,
    email: &str,
    role: &str,
    name: &str,
    expires_in: &str,
) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO invitations (id, account_id, email, name, role, token_hash, inviter_name, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'Ada Admin', now() + $7::text::interval)",
        id,
        account,
        email,
        name,
        role,
        id.as_bytes().as_slice(),
        expires_in,
    )
    .execute(pool)
    .await
    .unwrap();
    id
}

fn who(email: &str) -> Identity {
    Identity {
        email: Some(email.into()),
        email_verified: Some(true),
        name: Some("From The Token".into()),
    }
}

/// Who is refused: a member of another account (`gus`), addresses outside the domains,
/// unverified or missing, and anyone not invited while auto-join is off, however expired or
/// other-account invitations say otherwise. Nobody is created.
async fn assert_the_refusals(pool: &PgPool, acct: Uuid, gus: &common::TestUser, ip: &str) {
    // A member of another account is refused, even at a covered domain.
    assert_eq!(
        login::admit(pool, acct, &who(&gus.email), ip)
            .await
            .unwrap(),
        Err(SsoRefusal::OtherAccount)
    );
    // An address outside the account's domains, an unverified one, a missing one.
    assert_eq!(
        login::admit(pool, acct, &who("eve@elsewhere.example"), ip)
            .await
            .unwrap(),
        Err(SsoRefusal::Domain)
    );
    let unverified = Identity {
        email_verified: Some(false),
        ..who("una@acme.example")
    };
    assert_eq!(
        login::admit(pool, acct, &unverified, ip).await.unwrap(),
        Err(SsoRefusal::Unverified)
    );
    let none = Identity {
        email: None,
        ..who("x@acme.example")
    };
    assert_eq!(
        login::admit(pool, acct, &none, ip).await.unwrap(),
        Err(SsoRefusal::NoEmail)
    );
    // Nobody invited and auto-join off: refused, and nobody created.
    assert_eq!(
        login::admit(pool, acct, &who("sam@acme.example"), ip)
            .await
            .unwrap(),
        Err(SsoRefusal::NotInvited)
    );
    // Expired, revoked or other-account invitations do not count.
    invite(pool, acct, "sam@acme.example", "admin", "", "-1 hour").await;
    invite(
        pool,
        gus.account_id,
        "sam@acme.example",
        "admin",
        "",
        "1 day",
    )
    .await;
    assert_eq!(
        login::admit(pool, acct, &who("sam@acme.example"), ip)
            .await
            .unwrap(),
        Err(SsoRefusal::NotInvited)
    );
}

/// Resending replaces the expired invitation (as the Team page does) with an open one: Sam
/// joins with its role and name, no password, and the invitation is accepted; next time Sam is
/// simply a member.
async fn assert_an_invitation_lets_sam_join(pool: &PgPool, acct: Uuid, ip: &str) {
    sqlx::query!(
        "UPDATE invitations SET replaced_at = now() WHERE account_id = $1",
        acct,
    )
    .execute(pool)
    .await
    .unwrap();
    let inv = invite(
        pool,
        acct,
        "sam@acme.example",
        "admin",
        "Sam Invited",
        "1 day",
    )
    .await;
    let sam = login::admit(pool, acct, &who("sam@acme.example"), ip)
        .await
        .unwrap()
        .unwrap();
    assert!(sam.joined);
    let user = sqlx::query!(
        "SELECT role, name, password_hash FROM users WHERE id = $1",
        sam.user_id,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        (user.role.as_str(), user.name.as_str(), user.password_hash),
        ("admin", "Sam Invited", None)
    );
    let invitation = sqlx::query!(
        r#"SELECT accepted_at IS NOT NULL AS "accepted!", accepted_by FROM invitations
           WHERE id = $1"#,
        inv,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(invitation.accepted);
    assert_eq!(invitation.accepted_by, Some(sam.user_id));
    let again = login::admit(pool, acct, &who("sam@acme.example"), ip)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.user_id, again.joined), (sam.user_id, false));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_join_rules(pool: PgPool) {
    let issuer = discovery_server().await;
    let ada = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let gus = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    configure(
        &pool,
        &issuer,
        ada.account_id,
        ada.user_id,
        draft(&issuer, "acme.example, globex.example"),
    )
    .await;
    let acct = ada.account_id;
    let ip = "203.0.113.5";

    // A member signs in.
    let admitted = login::admit(&pool, acct, &who("ADA@acme.example"), ip)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((admitted.user_id, admitted.joined), (ada.user_id, false));
    assert_the_refusals(&pool, acct, &gus, ip).await;
    assert_an_invitation_lets_sam_join(&pool, acct, ip).await;

    // With auto-join on, a new person joins as a campaign manager, named from the token.
    let mut on = draft(&issuer, "acme.example, globex.example");
    on["draft"]["auto_join"] = json!(true);
    on["draft"]["client_secret"] = json!("");
    configure(&pool, &issuer, acct, ada.user_id, on).await;
    let kim = login::admit(&pool, acct, &who("kim@acme.example"), ip)
        .await
        .unwrap()
        .unwrap();
    let user = sqlx::query!("SELECT role, name FROM users WHERE id = $1", kim.user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (user.role.as_str(), user.name.as_str()),
        ("campaign_manager", "From The Token")
    );

    // Each join is in the activity log.
    let joins = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_events WHERE account_id = $1 AND action = 'sso_joined'"#,
        acct,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(joins, 2);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn sign_ins_in_flight_are_single_use_and_expire(pool: PgPool) {
    let ada = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let state = common::state(pool.clone());
    let secrets = &state.secrets;
    let begin = |s: &'static str| {
        let pool = pool.clone();
        let secrets = secrets.clone();
        async move {
            login::begin(
                &pool,
                &secrets,
                ada.account_id,
                &Secret::new(s),
                &Secret::new("nonce-value"),
                &Secret::new("pkce-verifier-value"),
                "/campaigns",
            )
            .await
            .unwrap()
        }
    };
    begin("state-one").await;
    // Nothing secret is stored in the clear.
    let row = sqlx::query!("SELECT nonce_enc, pkce_verifier_enc FROM sso_logins")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        !row.nonce_enc.contains("nonce-value") && !row.pkce_verifier_enc.contains("pkce-verifier")
    );

    match login::consume(&pool, secrets, "state-one").await.unwrap() {
        Consumed::Fresh(p) => {
            assert_eq!(p.nonce.expose(), "nonce-value");
            assert_eq!(p.pkce_verifier.expose(), "pkce-verifier-value");
            assert_eq!(p.account_id, ada.account_id);
        }
        _ => panic!("a fresh sign-in was not found"),
    }
    assert!(
        matches!(
            login::consume(&pool, secrets, "state-one").await.unwrap(),
            Consumed::Unknown
        ),
        "used twice"
    );
    assert!(matches!(
        login::consume(&pool, secrets, "never-issued")
            .await
            .unwrap(),
        Consumed::Unknown
    ));
    assert!(matches!(
        login::consume(&pool, secrets, "bad state!").await.unwrap(),
        Consumed::Unknown
    ));

    begin("state-two").await;
    sqlx::query!("UPDATE sso_logins SET created_at = now() - interval '11 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(
        login::consume(&pool, secrets, "state-two").await.unwrap(),
        Consumed::Expired
    ));
}

fn location(res: &axum::http::Response<axum::body::Body>) -> String {
    res.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `state` parameter of a redirect to the provider.
fn state_in(to: &str) -> String {
    to.split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

/// Start: to the provider with PKCE (S256), state, nonce, the scopes and a login hint; the
/// state also goes into a short-lived cookie, and the page to return to is kept. Returns the
/// state and the cookie as a browser sends it back.
async fn start_for_sam(app: &Router, pool: &PgPool, issuer: &str) -> (String, String) {
    let res = send(
        app,
        get_req("/sso/start?email=Sam%40Acme.example&next=%2Fpeople", None),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with(&format!("{issuer}/authorize?")), "{to}");
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "nonce=",
        "state=",
        "client_id=hrc-client",
        "login_hint=sam%40acme.example",
        "scope=openid+email+profile",
    ] {
        assert!(to.contains(part), "{part} missing in {to}");
    }
    let redirect = format!(
        "redirect_uri={}",
        common::urlencode("http://127.0.0.1:3000/sso/callback")
    );
    assert!(to.contains(&redirect), "{to}");
    let state_value = state_in(&to);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("hrc_sso_state="))
        .expect("a state cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age=600")
    );
    let jar = cookie.split(';').next().unwrap().to_owned();
    let next = sqlx::query_scalar!("SELECT return_path FROM sso_logins")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(next, "/people");
    (state_value, jar)
}

/// A sign-in started more than 10 minutes ago is refused as expired.
async fn assert_an_expired_sign_in_is_refused(app: &Router, pool: &PgPool) {
    let res = send(app, get_req("/sso/start?email=sam%40acme.example", None)).await;
    let state_value = state_in(&location(&res));
    sqlx::query!("UPDATE sso_logins SET created_at = now() - interval '11 minutes'")
        .execute(pool)
        .await
        .unwrap();
    let jar = format!("hrc_sso_state={state_value}");
    let res = send(
        app,
        get_req(
            &format!("/sso/callback?code=abc&state={state_value}"),
            Some(&jar),
        ),
    )
    .await;
    assert_eq!(location(&res), "/sso/error?reason=expired");
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn start_and_callback_over_http(pool: PgPool) {
    let issuer = discovery_server().await;
    let ada = common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    configure(
        &pool,
        &issuer,
        ada.account_id,
        ada.user_id,
        draft(&issuer, "acme.example"),
    )
    .await;
    let app = common::app(pool.clone());
    let (state_value, jar) = start_for_sam(&app, &pool, &issuer).await;

    // No single sign-on for the domain: a clear page.
    let res = send(&app, get_req("/sso/start?email=x%40nowhere.example", None)).await;
    assert_eq!(location(&res), "/sso/error?reason=no_sso");

    // A changed state, or none, or no cookie: refused without using up the real one.
    for (path, c) in [
        (
            format!("/sso/callback?code=abc&state={state_value}x"),
            Some(jar.as_str()),
        ),
        ("/sso/callback?code=abc".to_owned(), Some(jar.as_str())),
        (format!("/sso/callback?code=abc&state={state_value}"), None),
    ] {
        let res = send(&app, get_req(&path, c)).await;
        assert_eq!(location(&res), "/sso/error?reason=state", "{path}");
    }
    // The provider said no: the sign-in is used up and the page says it was cancelled.
    let res = send(
        &app,
        get_req(
            &format!("/sso/callback?error=access_denied&state={state_value}"),
            Some(&jar),
        ),
    )
    .await;
    assert_eq!(location(&res), "/sso/error?reason=cancelled");
    let res = send(
        &app,
        get_req(
            &format!("/sso/callback?code=abc&state={state_value}"),
            Some(&jar),
        ),
    )
    .await;
    assert_eq!(
        location(&res),
        "/sso/error?reason=state",
        "a used state is refused"
    );

    assert_an_expired_sign_in_is_refused(&app, &pool).await;

    // The refusal page is public and carries the sentence.
    let res = send(&app, get_req("/sso/error?reason=expired", None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body_text(res).await;
    assert!(html.contains("took longer than 10 minutes"), "{html}");
    assert!(html.contains("Back to sign in"));
}
