//! Accounts and people against a real Postgres: provisioning, invitations, roles, removal,
//! password resets and changes, and that no admin can reach another account's people.

use crate::common;

use axum::http::StatusCode;
use common::{body_text, form_post, get, send, sign_in, urlencode};
use hr_connectors::domain::audit::AuditAction;
use hr_connectors::domain::email::EmailAddress;
use hr_connectors::domain::role::Role;
use hr_connectors::domain::team::ValidInvitation;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::error::AppError;
use hr_connectors::server::accounts;
use hr_connectors::server::auth::session::Origin;
use hr_connectors::server::mail::outbox::{self, PrivateLinks};
use hr_connectors::server::people::invitations::{self, Acceptance};
use hr_connectors::server::people::{Mailing, account, reset, team};
use hr_connectors::server::state::AppState;
use hr_connectors::server::store::audit;
use sqlx::PgPool;
use uuid::Uuid;

const GOOD_PASSWORD: &str = "copper-lantern-sings-at-dusk";
const IP: &str = "203.0.113.7";

fn origin() -> Origin<'static> {
    Origin {
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
        client_ip: IP,
    }
}

async fn me(pool: &PgPool, user_id: Uuid) -> CurrentUser {
    accounts::current_user(pool, user_id)
        .await
        .unwrap()
        .unwrap()
}

async fn admin_of(pool: &PgPool, account: &str, email: &str) -> (common::TestUser, CurrentUser) {
    let u = common::user(pool, account, email, Role::Admin).await;
    let current = me(pool, u.user_id).await;
    (u, current)
}

/// Cam, a campaign manager on `admin`'s team.
async fn manager_of(pool: &PgPool, admin: &CurrentUser) -> common::TestUser {
    common::user_in(
        pool,
        admin.account_id,
        "cam@acme.example",
        Role::CampaignManager,
    )
    .await
}

fn invitation(email: &str, role: Role) -> ValidInvitation {
    ValidInvitation {
        email: EmailAddress::parse(email).unwrap(),
        role,
        message: "Welcome aboard".into(),
    }
}

/// The newest private link mailed to `to`, read the way the development outbox shows it.
async fn link_for(state: &AppState, account_id: Uuid, to: &str, path: &str) -> String {
    let mail = outbox::list(
        &state.pool,
        &state.secrets,
        account_id,
        50,
        PrivateLinks::Show,
    )
    .await
    .unwrap();
    let body = mail
        .iter()
        .find(|m| m.to_address == to && m.body_text.as_deref().unwrap_or("").contains(path))
        .and_then(|m| m.body_text.clone())
        .unwrap_or_else(|| panic!("no mail with {path} to {to}"));
    let line = body.lines().find(|l| l.contains(path)).unwrap();
    line.split("token=").nth(1).unwrap().trim().to_owned()
}

/// Invites `email` as `admin` and returns the token of the link it was mailed.
async fn invite_link(state: &AppState, admin: &CurrentUser, email: &str, role: Role) -> String {
    invitations::invite(
        Mailing::from_state(state),
        admin,
        IP,
        &invitation(email, role),
    )
    .await
    .unwrap();
    link_for(
        state,
        admin.account_id,
        &email.to_lowercase(),
        "/invitation?",
    )
    .await
}

async fn accept(pool: &PgPool, token: &str, password: &str) -> Result<String, AppError> {
    invitations::accept(
        pool,
        Acceptance {
            token,
            name: "Cam Manager",
            password,
            origin: origin(),
        },
    )
    .await
    .map(|s| s.token)
}

async fn actions(pool: &PgPool, account_id: Uuid) -> Vec<Option<AuditAction>> {
    audit::recent(pool, account_id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn conflict_text(err: AppError) -> String {
    match err {
        AppError::Conflict(m) | AppError::NotFound(m) => m,
        other => panic!("expected a sentence about the link, got {other:?}"),
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn an_invitation_is_single_use_and_lands_the_person_signed_in(pool: PgPool) {
    let state = common::state(pool.clone());
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let token = invite_link(&state, &ada, "Cam@Acme.example", Role::CampaignManager).await;
    assert!(token.len() >= 43, "32 random bytes: {token}");
    let stored = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM invitations WHERE token_hash = sha256(convert_to($1, 'UTF8'))"#,
        &token,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, 1, "only the token's hash is stored");

    let preview = invitations::preview(&pool, &token).await.unwrap();
    assert_eq!(preview.account_name, "Acme Ltd");
    assert_eq!(preview.role, Role::CampaignManager);
    assert_eq!(preview.message, "Welcome aboard");
    let days = (preview.expires_at - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "valid 7 days: {days} h");

    let session = accept(&pool, &token, GOOD_PASSWORD).await.unwrap();
    let app = hr_connectors::server::startup::router(state.clone());
    let res = send(
        &app,
        get("/campaigns", Some(&format!("hrc_session={session}"))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "the new person is signed in");
    let cam = accounts::credentials_for(&pool, &EmailAddress::parse("cam@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me(&pool, cam.0).await.role, Role::CampaignManager);

    let again = accept(&pool, &token, GOOD_PASSWORD).await.unwrap_err();
    assert!(conflict_text(again).contains("already been used"));
    assert!(
        conflict_text(invitations::preview(&pool, &token).await.unwrap_err())
            .contains("already been used")
    );
    let logged = actions(&pool, ada.account_id).await;
    assert!(logged.contains(&Some(AuditAction::InvitationSent)));
    assert!(logged.contains(&Some(AuditAction::InvitationAccepted)));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn expired_revoked_and_resent_links_say_which_and_who_to_ask(pool: PgPool) {
    let state = common::state(pool.clone());
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let mailing = Mailing::from_state(&state);
    let id = invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("old@acme.example", Role::Admin),
    )
    .await
    .unwrap();
    let token = link_for(&state, ada.account_id, "old@acme.example", "/invitation?").await;
    sqlx::query!(
        "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1",
        id,
    )
    .execute(&pool)
    .await
    .unwrap();
    let expired = conflict_text(accept(&pool, &token, GOOD_PASSWORD).await.unwrap_err());
    assert!(expired.contains("expired"), "{expired}");
    assert!(
        expired.contains("Test Person or another admin of Acme Ltd"),
        "{expired}"
    );

    // Resending an expired invitation makes a new link; the old one says it was replaced.
    let team_view = team::view(&pool, &ada).await.unwrap();
    assert!(team_view.invitations[0].expired);
    invitations::resend(mailing, &ada, IP, id).await.unwrap();
    let replaced = conflict_text(invitations::preview(&pool, &token).await.unwrap_err());
    assert!(replaced.contains("newer invitation"), "{replaced}");
    let fresh = link_for(&state, ada.account_id, "old@acme.example", "/invitation?").await;
    assert_ne!(fresh, token);
    invitations::preview(&pool, &fresh).await.unwrap();

    let pending = team::view(&pool, &ada).await.unwrap().invitations;
    assert_eq!(pending.len(), 1, "one pending invitation per address");
    invitations::revoke(&pool, &ada, IP, pending[0].id)
        .await
        .unwrap();
    let revoked = conflict_text(accept(&pool, &fresh, GOOD_PASSWORD).await.unwrap_err());
    assert!(revoked.contains("withdrawn"), "{revoked}");
    assert!(
        team::view(&pool, &ada)
            .await
            .unwrap()
            .invitations
            .is_empty()
    );

    let unknown = invitations::preview(&pool, "not-a-real-token")
        .await
        .unwrap_err();
    assert!(matches!(unknown, AppError::NotFound(_)));
    assert!(matches!(
        invitations::preview(&pool, "bad\0token").await.unwrap_err(),
        AppError::NotFound(_)
    ));
    let logged = actions(&pool, ada.account_id).await;
    assert!(logged.contains(&Some(AuditAction::InvitationResent)));
    assert!(logged.contains(&Some(AuditAction::InvitationRevoked)));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn inviting_refuses_members_pending_addresses_and_other_accounts_logins(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    let mine = invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("ada@acme.example", Role::Admin),
    )
    .await
    .unwrap_err();
    assert_eq!(mine.http_status(), 409);
    assert!(mine.to_string().contains("already on your team"));
    let theirs = invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("gus@globex.example", Role::Admin),
    )
    .await
    .unwrap_err();
    assert!(theirs.to_string().contains("another company"), "{theirs}");
    invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("new@acme.example", Role::Admin),
    )
    .await
    .unwrap();
    let twice = invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("new@acme.example", Role::Admin),
    )
    .await
    .unwrap_err();
    assert!(twice.to_string().contains("Resend"), "{twice}");
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn weak_passwords_are_refused_when_joining(pool: PgPool) {
    let state = common::state(pool.clone());
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let token = invite_link(&state, &ada, "cameron@acme.example", Role::CampaignManager).await;
    for (password, expect) in [
        ("short-one", "at least 12"),
        ("password1234", "easy to guess"),
        ("cameron-was-here-2024", "name part of your email"),
    ] {
        let err = accept(&pool, &token, password).await.unwrap_err();
        assert!(
            err.field_message("password").is_some(),
            "{password}: {err:?}"
        );
        assert!(err.to_string().contains(expect), "{password}: {err}");
    }
    // A refused password does not spend the link.
    accept(&pool, &token, GOOD_PASSWORD).await.unwrap();
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_last_admin_can_be_neither_demoted_nor_removed(pool: PgPool) {
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let cam = manager_of(&pool, &ada).await;
    let demote = team::change_role(&pool, &ada, IP, ada.user_id, Role::CampaignManager)
        .await
        .unwrap_err();
    assert_eq!(demote.http_status(), 409);
    assert!(demote.to_string().contains("only admin"), "{demote}");
    let remove = team::remove(&pool, &ada, IP, ada.user_id)
        .await
        .unwrap_err();
    assert!(remove.to_string().contains("only admin"), "{remove}");

    team::change_role(&pool, &ada, IP, cam.user_id, Role::Admin)
        .await
        .unwrap();
    team::change_role(&pool, &ada, IP, ada.user_id, Role::CampaignManager)
        .await
        .unwrap();
    let cam_now = me(&pool, cam.user_id).await;
    assert_eq!(cam_now.role, Role::Admin);
    let last = team::remove(&pool, &cam_now, IP, cam.user_id)
        .await
        .unwrap_err();
    assert!(last.to_string().contains("only admin"));
    let logged = actions(&pool, ada.account_id).await;
    assert_eq!(
        logged
            .iter()
            .filter(|a| **a == Some(AuditAction::RoleChanged))
            .count(),
        2
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(pool: PgPool) {
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let bo = common::user_in(&pool, ada.account_id, "bo@acme.example", Role::Admin).await;
    let bo = me(&pool, bo.user_id).await;
    for _ in 0..20 {
        let (a, b) = tokio::join!(
            team::change_role(&pool, &ada, IP, bo.user_id, Role::CampaignManager),
            team::change_role(&pool, &bo, IP, ada.user_id, Role::CampaignManager),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "exactly one may succeed: {a:?} {b:?}"
        );
        let admins =
            sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE role = 'admin'"#)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(admins, 1);
        sqlx::query!("UPDATE users SET role = 'admin'")
            .execute(&pool)
            .await
            .unwrap();
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn removing_someone_ends_their_sessions_at_once(pool: PgPool) {
    let state = common::state(pool.clone());
    let app = hr_connectors::server::startup::router(state);
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let cam = manager_of(&pool, &ada).await;
    let cookie = sign_in(&app, &cam.email, &cam.password).await;
    let res = send(&app, form_post("/api/team/list", "", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("cam@acme.example"));

    team::remove(&pool, &ada, IP, cam.user_id).await.unwrap();
    let res = send(&app, form_post("/api/team/list", "", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = send(&app, get("/campaigns", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        actions(&pool, ada.account_id)
            .await
            .contains(&Some(AuditAction::PersonRemoved))
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn campaign_managers_see_the_team_but_change_nothing(pool: PgPool) {
    let app = common::app(pool.clone());
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let cam = manager_of(&pool, &ada).await;
    let cookie = sign_in(&app, &cam.email, &cam.password).await;
    let res = send(&app, form_post("/api/team/list", "", Some(&cookie))).await;
    let body = body_text(res).await;
    assert!(body.contains("ada@acme.example") && body.contains("\"can_manage\":false"));
    for (path, form) in [
        (
            "/api/team/role",
            format!("user_id={}&role=campaign_manager", ada.user_id),
        ),
        ("/api/team/remove", format!("user_id={}", ada.user_id)),
        ("/api/team/revoke", format!("id={}", Uuid::new_v4())),
        ("/api/team/resend", format!("id={}", Uuid::new_v4())),
    ] {
        let res = send(&app, form_post(path, &form, Some(&cookie))).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = send(
        &app,
        common::endpoints::request(
            "team/invite",
            &common::endpoints::Payload::Json(serde_json::json!({"draft": {"email": "x@acme.example", "role": "admin", "message": ""}})),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(me(&pool, ada.user_id).await.role, Role::Admin);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn no_admin_can_invite_into_list_or_change_another_account(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let (_, gus) = admin_of(&pool, "Globex", "gus@globex.example").await;
    let cam = manager_of(&pool, &ada).await;
    let acme_invite = invitations::invite(
        mailing,
        &ada,
        IP,
        &invitation("new@acme.example", Role::Admin),
    )
    .await
    .unwrap();

    let globex = team::view(&pool, &gus).await.unwrap();
    assert!(
        globex
            .members
            .iter()
            .all(|m| m.email.ends_with("globex.example"))
    );
    assert!(globex.invitations.is_empty());
    for err in [
        team::change_role(&pool, &gus, IP, cam.user_id, Role::Admin)
            .await
            .unwrap_err(),
        team::remove(&pool, &gus, IP, cam.user_id)
            .await
            .unwrap_err(),
        invitations::revoke(&pool, &gus, IP, acme_invite)
            .await
            .unwrap_err(),
        invitations::resend(mailing, &gus, IP, acme_invite)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.http_status(), 404, "{err:?}");
    }
    // An invitation Gus sends always joins Globex, whatever address it goes to.
    invitations::invite(
        mailing,
        &gus,
        IP,
        &invitation("spy@acme.example", Role::Admin),
    )
    .await
    .unwrap();
    let token = link_for(&state, gus.account_id, "spy@acme.example", "/invitation?").await;
    accept(&pool, &token, GOOD_PASSWORD).await.unwrap();
    let spy = accounts::credentials_for(&pool, &EmailAddress::parse("spy@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me(&pool, spy.0).await.account_id, gus.account_id);
    assert_eq!(me(&pool, cam.user_id).await.role, Role::CampaignManager);
    assert_eq!(team::view(&pool, &ada).await.unwrap().invitations.len(), 1);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_reset_link_works_once_for_an_hour_and_ends_every_other_session(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let app = hr_connectors::server::startup::router(state.clone());
    let (ada_login, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let old_session = sign_in(&app, &ada_login.email, &ada_login.password).await;

    reset::request(mailing, " ADA@acme.example ", IP)
        .await
        .unwrap();
    let token = link_for(
        &state,
        ada.account_id,
        "ada@acme.example",
        "/reset-password?",
    )
    .await;
    assert_eq!(
        reset::preview(&pool, &token).await.unwrap(),
        "ada@acme.example"
    );
    let weak = reset::complete(mailing, &token, "password1234", &origin())
        .await
        .unwrap_err();
    assert!(weak.field_message("password").is_some());
    let new_session = reset::complete(mailing, &token, GOOD_PASSWORD, &origin())
        .await
        .unwrap();

    let res = send(&app, get("/campaigns", Some(&old_session))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the old session ended");
    let res = send(
        &app,
        get(
            "/campaigns",
            Some(&format!("hrc_session={}", new_session.token)),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    sign_in(&app, "ada@acme.example", GOOD_PASSWORD).await;

    let used = reset::complete(mailing, &token, "another-fine-passphrase", &origin())
        .await
        .unwrap_err();
    assert!(used.to_string().contains("already been used"), "{used}");
    let mail = outbox::list(
        &pool,
        &state.secrets,
        ada.account_id,
        10,
        PrivateLinks::Hide,
    )
    .await
    .unwrap();
    assert!(
        mail.iter()
            .any(|m| m.subject.contains("password was changed")
                && m.to_address == "ada@acme.example")
    );
    assert!(
        actions(&pool, ada.account_id)
            .await
            .contains(&Some(AuditAction::PasswordReset))
    );

    assert_a_new_link_dies_after_an_hour(&state, mailing, ada.account_id).await;
}

/// A new link to reset ada@acme.example's password lasts an hour, and is refused once it has.
async fn assert_a_new_link_dies_after_an_hour(
    state: &AppState,
    mailing: Mailing<'_>,
    account_id: Uuid,
) {
    let pool = &state.pool;
    reset::request(mailing, "ada@acme.example", "198.51.100.1")
        .await
        .unwrap();
    let late = link_for(state, account_id, "ada@acme.example", "/reset-password?").await;
    let hours = sqlx::query_scalar!(
        r#"SELECT extract(epoch FROM expires_at - created_at)::float8 / 3600 AS "hours!"
           FROM password_resets WHERE token_hash = sha256(convert_to($1, 'UTF8'))"#,
        &late,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!((hours - 1.0).abs() < 0.01, "{hours}");
    sqlx::query!("UPDATE password_resets SET expires_at = now() - interval '1 second'")
        .execute(pool)
        .await
        .unwrap();
    let expired = reset::preview(pool, &late).await.unwrap_err();
    assert!(expired.to_string().contains("expired"), "{expired}");
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_reset_request_answers_the_same_for_unknown_addresses_and_is_throttled(pool: PgPool) {
    let app = common::app(pool.clone());
    common::user(&pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let ask = |email: &str| {
        form_post(
            "/api/auth/forgot",
            &format!("email={}", urlencode(email)),
            None,
        )
    };
    let known = send(&app, ask("ada@acme.example")).await;
    let unknown = send(&app, ask("nobody@acme.example")).await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(body_text(known).await, body_text(unknown).await);
    let queued = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM mail_outbox"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the real address gets mail");

    for _ in 0..2 {
        let res = send(&app, ask("nobody@acme.example")).await;
        assert!(res.status().is_success() || res.status().is_redirection());
    }
    let throttled = send(&app, ask("nobody@acme.example")).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body_text(throttled).await.contains("retry_after_secs"));
    let bad = send(&app, ask("not an address")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn changing_your_password_needs_the_current_one_and_ends_other_sessions(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let app = hr_connectors::server::startup::router(state.clone());
    let (login, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let here = sign_in(&app, &login.email, &login.password).await;
    let elsewhere = sign_in(&app, &login.email, &login.password).await;
    let here_token = here.trim_start_matches("hrc_session=").to_owned();
    let listed = account::sessions(&pool, &ada, Some(&here_token))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].this_browser && !listed[1].this_browser);

    let wrong = account::change_password(
        mailing,
        &ada,
        account::PasswordChange {
            current: "not-my-password",
            new: GOOD_PASSWORD,
            client_ip: IP,
            token: Some(&here_token),
        },
    )
    .await
    .unwrap_err();
    assert!(wrong.field_message("current_password").is_some());
    account::change_password(
        mailing,
        &ada,
        account::PasswordChange {
            current: &login.password,
            new: GOOD_PASSWORD,
            client_ip: IP,
            token: Some(&here_token),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        send(&app, get("/campaigns", Some(&here))).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get("/campaigns", Some(&elsewhere)))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let third = sign_in(&app, &login.email, GOOD_PASSWORD).await;
    let ended = account::sign_out_elsewhere(&pool, &ada, IP, Some(&here_token))
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(
        send(&app, get("/campaigns", Some(&third))).await.status(),
        StatusCode::SEE_OTHER
    );
    let logged = actions(&pool, ada.account_id).await;
    assert!(logged.contains(&Some(AuditAction::PasswordChanged)));
    assert!(logged.contains(&Some(AuditAction::SignedOutElsewhere)));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_operator_provisions_an_account_whose_first_admin_sets_a_password(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let done = invitations::provision_account(mailing, "Initech", "Ida@Initech.example", "Ida")
        .await
        .unwrap();
    let token = done.link.split("token=").nth(1).unwrap();
    let preview = invitations::preview(&pool, token).await.unwrap();
    assert_eq!(
        (preview.account_name.as_str(), preview.role),
        ("Initech", Role::Admin)
    );
    assert_eq!(preview.name, "Ida");
    assert_eq!(
        link_for(
            &state,
            done.account_id,
            "ida@initech.example",
            "/invitation?"
        )
        .await,
        token,
        "the same link is emailed"
    );
    accept(&pool, token, GOOD_PASSWORD).await.unwrap();
    let duplicate = invitations::provision_account(mailing, "Initech 2", "ida@initech.example", "")
        .await
        .err()
        .unwrap();
    assert!(
        duplicate.to_string().contains("already signs in"),
        "{duplicate}"
    );
    assert!(
        actions(&pool, done.account_id)
            .await
            .contains(&Some(AuditAction::AccountCreated))
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn where_single_sign_on_is_required_a_reset_explains_how_to_sign_in(pool: PgPool) {
    let state = common::state(pool.clone());
    let mailing = Mailing::from_state(&state);
    let (_, ada) = admin_of(&pool, "Acme Ltd", "ada@acme.example").await;
    let cam = manager_of(&pool, &ada).await;
    // A link asked for before single sign-on became required.
    reset::request(mailing, "cam@acme.example", IP)
        .await
        .unwrap();
    let early = link_for(
        &state,
        ada.account_id,
        "cam@acme.example",
        "/reset-password?",
    )
    .await;
    sqlx::query!(
        "INSERT INTO sso_providers (id, account_id, display_name, issuer_url, client_id,
             client_secret_enc, required, break_glass_user)
         VALUES ($1, $2, 'Okta', 'https://acme.okta.example', 'client', 'sealed', true, $3)",
        Uuid::new_v4(),
        ada.account_id,
        ada.user_id,
    )
    .execute(&pool)
    .await
    .unwrap();

    let refused = reset::complete(mailing, &early, GOOD_PASSWORD, &origin())
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("signs in with Okta"),
        "{refused}"
    );
    reset::request(mailing, "cam@acme.example", IP)
        .await
        .unwrap();
    let mail = outbox::list(
        &pool,
        &state.secrets,
        ada.account_id,
        10,
        PrivateLinks::Show,
    )
    .await
    .unwrap();
    assert_eq!(mail[0].subject, "How to sign in to &Open HR Connectors");
    assert!(!mail[0].body_text.as_deref().unwrap().contains("token="));
    let tokens = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM password_resets WHERE user_id = $1"#,
        cam.user_id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(tokens, 1, "no new link for someone who signs in with Okta");

    // The break-glass admin can still reset theirs.
    reset::request(mailing, "ada@acme.example", IP)
        .await
        .unwrap();
    let token = link_for(
        &state,
        ada.account_id,
        "ada@acme.example",
        "/reset-password?",
    )
    .await;
    reset::complete(mailing, &token, GOOD_PASSWORD, &origin())
        .await
        .unwrap();
}
