//! "Ask a colleague to connect" against a real Postgres and the sandbox: an admin's request
//! and its sealed email, the link as the colleague's only credential (open, connect within the
//! proposal, decline), withdrawing and resending, expiry with the clock as a parameter (an
//! expired link reads exactly like one that never existed), the one reminder, and the same
//! rules through HTTP.

use crate::common;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::endpoints::{Payload, request};
use common::{SyncedEnv as Env, body_text, send};
use hr_connectors::domain::audit::AuditAction;
use hr_connectors::domain::connect_invitation::{
    ConnectInvitationView, ConnectRequestDraft, InvitationStatus, ValidConnectRequest,
};
use hr_connectors::domain::field_policy::Consent;
use hr_connectors::domain::role::Role;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::error::AppError;
use hr_connectors::server::auth::token;
use hr_connectors::server::integrations::colleague::{self, Ask};
use hr_connectors::server::integrations::views;
use hr_connectors::server::mail::outbox::{self, OutboxMessage, PrivateLinks};
use hr_connectors::server::store::{audit, connections};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const IP: &str = "198.51.100.23";
const COLLEAGUE: &str = "Jane Doe";
const COLLEAGUE_EMAIL: &str = "jane.doe@payroll.example";
const MESSAGE: &str = "Could you connect Sage HR for the winter gifts?\nThanks, Ada";

fn colleague() -> ValidConnectRequest {
    ConnectRequestDraft {
        name: COLLEAGUE.into(),
        email: COLLEAGUE_EMAIL.into(),
        message: MESSAGE.into(),
    }
    .validate()
    .unwrap()
}

fn fields(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

fn sage(subdomain: &str, key: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("subdomain".into(), subdomain.into()),
        ("api_key".into(), key.into()),
    ])
}

fn days(n: f64) -> Duration {
    Duration::minutes((n * 24.0 * 60.0) as i64)
}

/// `admin` asks the colleague to connect Sage HR with `proposed` switched on, at `now`.
async fn ask_as(
    env: &Env,
    admin: &CurrentUser,
    proposed: &[&str],
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let to = colleague();
    let optional_fields = fields(proposed);
    colleague::invite(
        &env.state,
        admin,
        IP,
        Ask {
            slug: "sage-hr",
            optional_fields: &optional_fields,
            to: &to,
        },
        now,
    )
    .await
}

async fn ask(env: &Env, proposed: &[&str], now: DateTime<Utc>) -> Uuid {
    ask_as(env, &env.admin, proposed, now).await.unwrap()
}

/// The request email of request `id`, opened.
async fn request_mail(env: &Env, id: Uuid) -> OutboxMessage {
    let mail_id: Uuid = sqlx::query_scalar("SELECT id FROM mail_outbox WHERE dedupe_key = $1")
        .bind(format!("connect-request:{id}"))
        .fetch_one(&env.state.pool)
        .await
        .unwrap();
    env.mail()
        .await
        .into_iter()
        .find(|m| m.id == mail_id)
        .unwrap()
}

/// The token of the link mailed for request `id`, read out of its sealed email.
async fn link_of(env: &Env, id: Uuid) -> String {
    let body = request_mail(env, id).await.body_text.unwrap();
    let prefix = format!("{}/connect?token=", env.state.config.public_url);
    let line = body
        .lines()
        .find(|l| l.contains("/connect?token="))
        .unwrap_or_else(|| panic!("no link in {body}"));
    assert!(line.trim().starts_with(&prefix), "{line}");
    line.split("token=").nth(1).unwrap().trim().to_owned()
}

async fn listed(env: &Env, now: DateTime<Utc>) -> Vec<ConnectInvitationView> {
    colleague::list(&env.state, &env.admin, now).await.unwrap()
}

async fn status_of(env: &Env, id: Uuid, now: DateTime<Utc>) -> Option<InvitationStatus> {
    listed(env, now)
        .await
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.status)
}

async fn actions(pool: &PgPool, account_id: Uuid) -> Vec<(AuditAction, String, String)> {
    audit::recent(pool, account_id, 200)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.action.map(|a| (a, e.actor, e.detail)))
        .collect()
}

fn count(events: &[(AuditAction, String, String)], action: AuditAction) -> usize {
    events.iter().filter(|e| e.0 == action).count()
}

fn conflict(err: AppError) -> String {
    match err {
        AppError::Conflict(m) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn manager(env: &Env) -> CurrentUser {
    CurrentUser {
        role: Role::CampaignManager,
        name: "Cam Manager".into(),
        ..env.admin.clone()
    }
}

/// Everything stored about the account's requests and their emails, to show nothing changed.
async fn requests_state(pool: &PgPool, account_id: Uuid) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('#',
             (SELECT string_agg(t::text, '|' ORDER BY t.id) FROM connect_invitations t
              WHERE account_id = $1),
             (SELECT string_agg(m.id::text || m.dedupe_key, '|' ORDER BY m.id) FROM mail_outbox m
              WHERE account_id = $1))",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn an_admin_sends_a_sealed_link_that_is_stored_only_as_its_hash(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title", "birthday"], now).await;

    // One email, to the colleague, its body sealed in the outbox.
    let all = env.mail().await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].to_address, COLLEAGUE_EMAIL);
    assert_eq!(
        all[0].subject,
        "Ada Admin asks you to connect Sage HR to &Open for Acme Ltd"
    );
    let hidden = outbox::list(
        &pool,
        &env.state.secrets,
        env.admin.account_id,
        10,
        PrivateLinks::Hide,
    )
    .await
    .unwrap();
    assert_eq!(hidden[0].body_text, None, "the request's body is sealed");
    let body = all[0].body_text.clone().unwrap();
    assert!(body.contains("Hello Jane Doe,"), "{body}");
    assert!(body.contains("> Thanks, Ada"), "{body}");
    let link = link_of(&env, id).await;
    assert!(token::plausible(&link).is_some(), "{link}");

    // The row keeps the link's hash only, and neither it nor the stored email holds the link.
    let hash: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM connect_invitations WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hash, token::hash(&link));
    let stored: String = sqlx::query_scalar(
        "SELECT concat_ws('|', (SELECT string_agg(t::text, '|') FROM connect_invitations t),
                               (SELECT string_agg(m::text, '|') FROM mail_outbox m))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        stored.contains(COLLEAGUE_EMAIL),
        "the search is not vacuous"
    );
    assert!(!stored.contains(&link), "the link is stored in plain text");

    let list = listed(&env, now).await;
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(
        (
            r.id,
            r.status,
            r.invitee_name.as_str(),
            r.invitee_email.as_str(),
            r.system.as_str(),
            r.inviter_name.as_str(),
            r.connection_id
        ),
        (
            id,
            InvitationStatus::Sent,
            COLLEAGUE,
            COLLEAGUE_EMAIL,
            "Sage HR",
            "Ada Admin",
            None
        )
    );
    assert_eq!(
        count(
            &actions(&pool, env.admin.account_id).await,
            AuditAction::ConnectRequestSent
        ),
        1
    );

    // A campaign manager can do none of it, and changes nothing.
    let before = requests_state(&pool, env.admin.account_id).await;
    let cam = manager(&env);
    assert_eq!(
        ask_as(&env, &cam, &["job_title"], now).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        colleague::list(&env.state, &cam, now).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        colleague::resend(&env.state, &cam, IP, id, now).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        colleague::revoke(&env.state, &cam, IP, id, now).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(requests_state(&pool, env.admin.account_id).await, before);
    assert_eq!(status_of(&env, id, now).await, Some(InvitationStatus::Sent));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn opening_the_link_shows_the_request_and_is_logged_once(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title", "birthday"], now).await;
    let link = link_of(&env, id).await;

    let page = colleague::open(&env.state, &link, now).await.unwrap();
    assert_eq!(page.company, "Acme Ltd");
    assert_eq!(page.inviter_name, "Ada Admin");
    assert_eq!(page.invitee_name, COLLEAGUE);
    assert_eq!(page.message, MESSAGE);
    assert_eq!(
        (page.system.slug.as_str(), page.system.name.as_str()),
        ("sage-hr", "Sage HR")
    );
    assert_eq!(
        page.proposed,
        Consent::from_optional(["job_title", "birthday"]).unwrap()
    );
    let sent_at = listed(&env, now).await[0].sent_at;
    assert_eq!(page.expires_at, sent_at + Duration::days(7));
    // Reading the page (as a mail scanner does) is not opening it; the page running is.
    assert_eq!(status_of(&env, id, now).await, Some(InvitationStatus::Sent));
    colleague::seen(&env.state, &link, IP, now).await.unwrap();
    assert_eq!(
        status_of(&env, id, now).await,
        Some(InvitationStatus::Opened)
    );

    // Opened again later: the same page, still one entry in the log.
    let again = colleague::open(&env.state, &link, now + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(again, page);
    colleague::seen(&env.state, &link, IP, now + Duration::hours(2))
        .await
        .unwrap();
    let events = actions(&pool, env.admin.account_id).await;
    let opened: Vec<_> = events
        .iter()
        .filter(|e| e.0 == AuditAction::ConnectRequestOpened)
        .collect();
    assert_eq!(opened.len(), 1, "{events:?}");
    assert_eq!(opened[0].1, format!("{COLLEAGUE} <{COLLEAGUE_EMAIL}>"));
    assert_eq!(opened[0].2, "Sent by Ada Admin");
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_colleague_connects_within_the_proposal_and_the_admin_hears_of_it(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title", "birthday"], now).await;
    let link = link_of(&env, id).await;
    let connect = |optional: &[&str], key: &str| {
        let optional = fields(optional);
        let credentials = sage("initech", key);
        let state = env.state.clone();
        let link = link.clone();
        async move { colleague::connect(&state, &link, &optional, credentials, IP, now).await }
    };

    // Widening the proposal is refused, even with the right details, and connects nothing.
    let err = connect(&["job_title", "personal_email"], "demo-api-key")
        .await
        .unwrap_err();
    let message = err
        .field_message("consent")
        .unwrap_or_else(|| panic!("{err:?}"));
    assert!(message.contains("Personal email"), "{message}");
    assert!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .is_empty()
    );

    // Wrong details are answered at their field and leave the link working.
    let err = connect(&["job_title"], "wrong-key-123").await.unwrap_err();
    assert!(
        err.field_message("api_key")
            .unwrap_or_else(|| panic!("{err:?}"))
            .contains("rejected"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong-key-123"));
    colleague::seen(&env.state, &link, IP, now).await.unwrap();
    assert!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        status_of(&env, id, now).await,
        Some(InvitationStatus::Opened)
    );

    // The right details with less than proposed: the connection has the narrowed consent.
    let done = connect(&["job_title"], "demo-api-key").await.unwrap();
    assert_eq!(
        (done.system.as_str(), done.inviter_name.as_str()),
        ("Sage HR", "Ada Admin")
    );
    assert!(done.progress.is_some(), "its first sync is queued");
    let made = connections::list(&pool, env.admin.account_id)
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    let c = &made[0];
    assert_eq!(c.consent, Consent::from_optional(["job_title"]).unwrap());
    assert_eq!(c.consented_by, None, "no user of the account consented");
    let view = views::view(&pool, c).await.unwrap();
    assert_eq!(
        view.consented_by.as_deref(),
        Some("Jane Doe (jane.doe@payroll.example), at the request of Ada Admin")
    );
    let events = actions(&pool, env.admin.account_id).await;
    let connected: Vec<_> = events
        .iter()
        .filter(|e| e.0 == AuditAction::Connected)
        .collect();
    assert_eq!(connected.len(), 1, "{events:?}");
    assert_eq!(connected[0].1, format!("{COLLEAGUE} <{COLLEAGUE_EMAIL}>"));
    assert!(
        connected[0].2.starts_with("At the request of Ada Admin."),
        "{}",
        connected[0].2
    );
    let r = &listed(&env, now).await[0];
    assert_eq!(
        (r.status, r.connection_id),
        (InvitationStatus::Connected, Some(c.id))
    );

    // The link is used up: it says so, and nothing more can be done with it.
    let used = conflict(colleague::open(&env.state, &link, now).await.unwrap_err());
    assert!(used.contains("has been used"), "{used}");
    assert!(used.contains("Sage HR is connected"), "{used}");
    conflict(connect(&["job_title"], "demo-api-key").await.unwrap_err());
    conflict(
        colleague::decline(&env.state, &link, "", IP, now)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Its page follows the first sync for a day; the admin who asked gets the first-sync email.
    let progress = colleague::first_sync(&env.state, &link, now).await.unwrap();
    assert!(progress.progress.is_some());
    assert!(
        colleague::first_sync(&env.state, &link, now + Duration::hours(25))
            .await
            .is_err()
    );
    env.drain().await;
    let first_sync: Vec<_> = env
        .mail()
        .await
        .into_iter()
        .filter(|m| m.subject.contains("answered your request"))
        .collect();
    assert_eq!(first_sync.len(), 1, "{first_sync:?}");
    assert_eq!(first_sync[0].to_address, "ada@acme.example");
    assert!(
        first_sync[0]
            .subject
            .starts_with("Jane Doe answered your request. "),
        "{}",
        first_sync[0].subject
    );
    let body = first_sync[0].body_text.as_deref().unwrap();
    assert!(body.contains("Jane Doe connected"), "{body}");
    assert!(
        env.mail()
            .await
            .iter()
            .all(|m| m.to_address != COLLEAGUE_EMAIL || m.subject.contains("asks you")),
        "the colleague gets no first-sync email"
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_decline_is_recorded_and_the_inviter_told(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title"], now).await;
    let link = link_of(&env, id).await;

    // A reason no one could have typed is refused at its field, and the request stays open.
    for bad in ["a\0b".to_owned(), "x".repeat(501)] {
        let err = colleague::decline(&env.state, &link, &bad, IP, now)
            .await
            .unwrap_err();
        assert!(err.field_message("reason").is_some(), "{err:?}");
    }
    assert_eq!(status_of(&env, id, now).await, Some(InvitationStatus::Sent));

    let reason = "We don't use this system.";
    colleague::decline(&env.state, &link, reason, IP, now)
        .await
        .unwrap();
    let r = &listed(&env, now).await[0];
    assert_eq!(
        (r.status, r.decline_reason.as_deref()),
        (InvitationStatus::Declined, Some(reason))
    );
    assert_eq!(r.status_line(), format!("Declined: {reason}"));

    let told: Vec<_> = env
        .mail()
        .await
        .into_iter()
        .filter(|m| m.to_address == "ada@acme.example")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].subject, "Jane Doe declined to connect Sage HR");
    let body = told[0].body_text.as_deref().unwrap();
    assert!(body.contains(&format!("> {reason}")), "{body}");
    let events = actions(&pool, env.admin.account_id).await;
    let declined: Vec<_> = events
        .iter()
        .filter(|e| e.0 == AuditAction::ConnectRequestDeclined)
        .collect();
    assert_eq!(declined.len(), 1);
    assert_eq!(declined[0].2, reason);

    // The link no longer works, for anything, and the admin is told only once.
    let closed = conflict(colleague::open(&env.state, &link, now).await.unwrap_err());
    assert!(closed.contains("declined"), "{closed}");
    assert!(closed.contains("Ada Admin"), "{closed}");
    conflict(
        colleague::decline(&env.state, &link, "Changed my mind.", IP, now)
            .await
            .unwrap_err(),
    );
    conflict(
        colleague::connect(
            &env.state,
            &link,
            &fields(&["job_title"]),
            sage("initech", "demo-api-key"),
            IP,
            now,
        )
        .await
        .unwrap_err(),
    );
    assert!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .is_empty()
    );
    let to_admin = env
        .mail()
        .await
        .into_iter()
        .filter(|m| m.to_address == "ada@acme.example")
        .count();
    assert_eq!(to_admin, 1);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn withdrawn_and_replaced_links_stop_working_and_other_accounts_change_nothing(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let first = ask(&env, &["job_title"], now).await;
    let old_link = link_of(&env, first).await;

    // A new link replaces the old one, which then says a newer one was sent.
    let second = colleague::resend(&env.state, &env.admin, IP, first, now)
        .await
        .unwrap();
    assert_ne!(second, first);
    let new_link = link_of(&env, second).await;
    assert_ne!(new_link, old_link);
    let replaced = conflict(
        colleague::open(&env.state, &old_link, now)
            .await
            .unwrap_err(),
    );
    assert!(replaced.contains("newer link"), "{replaced}");
    colleague::seen(&env.state, &new_link, IP, now)
        .await
        .unwrap();
    let list = listed(&env, now).await;
    assert_eq!(
        list.iter().map(|r| (r.id, r.status)).collect::<Vec<_>>(),
        vec![(second, InvitationStatus::Opened)],
        "a resent request is listed once, as its newest link"
    );
    // A replaced request can be neither resent nor withdrawn.
    assert!(matches!(
        colleague::resend(&env.state, &env.admin, IP, first, now).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        colleague::revoke(&env.state, &env.admin, IP, first, now).await,
        Err(AppError::NotFound(_))
    ));

    // Another account's admin can neither withdraw nor resend it, nor see it.
    let gil = common::other_admin(&pool).await;
    let before = requests_state(&pool, env.admin.account_id).await;
    let refused = [
        colleague::revoke(&env.state, &gil, IP, second, now)
            .await
            .map(|()| second),
        colleague::resend(&env.state, &gil, IP, second, now).await,
    ];
    for r in refused {
        assert!(matches!(r, Err(AppError::NotFound(_))), "{r:?}");
    }
    assert!(
        colleague::list(&env.state, &gil, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(requests_state(&pool, env.admin.account_id).await, before);
    assert_eq!(
        requests_state(&pool, gil.account_id).await,
        "",
        "nothing was sent from the other account"
    );
    colleague::open(&env.state, &new_link, now).await.unwrap();

    // Withdrawn: the link says so and names who to ask; it cannot be withdrawn twice.
    colleague::revoke(&env.state, &env.admin, IP, second, now)
        .await
        .unwrap();
    let withdrawn = conflict(
        colleague::open(&env.state, &new_link, now)
            .await
            .unwrap_err(),
    );
    assert!(withdrawn.contains("withdrawn"), "{withdrawn}");
    assert!(withdrawn.contains("ada@acme.example"), "{withdrawn}");
    assert_eq!(
        status_of(&env, second, now).await,
        Some(InvitationStatus::Revoked)
    );
    assert!(matches!(
        colleague::revoke(&env.state, &env.admin, IP, second, now).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        colleague::resend(&env.state, &env.admin, IP, second, now).await,
        Err(AppError::NotFound(_))
    ));
    conflict(
        colleague::decline(&env.state, &new_link, "", IP, now)
            .await
            .unwrap_err(),
    );
    let events = actions(&pool, env.admin.account_id).await;
    assert_eq!(count(&events, AuditAction::ConnectRequestResent), 1);
    assert_eq!(count(&events, AuditAction::ConnectRequestRevoked), 1);
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn an_expired_link_reads_exactly_like_one_that_never_existed(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title"], now).await;
    let link = link_of(&env, id).await;
    let later = now + days(8.0);

    let expired = colleague::open(&env.state, &link, later).await.unwrap_err();
    let unknown = colleague::open(&env.state, &token::generate(), later)
        .await
        .unwrap_err();
    let mut altered = link.clone().into_bytes();
    altered[5] = if altered[5] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert!(token::plausible(&altered).is_some());
    let altered = colleague::open(&env.state, &altered, now)
        .await
        .unwrap_err();
    let garbage = colleague::open(&env.state, "not a link!", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&expired, AppError::NotFound(m) if m.contains("not valid")),
        "{expired:?}"
    );
    assert_eq!(expired, unknown);
    assert_eq!(expired, altered);
    assert_eq!(expired, garbage);

    // Everything else the link does reads the same once it has expired.
    let decline = colleague::decline(&env.state, &link, "", IP, later)
        .await
        .unwrap_err();
    let connect = colleague::connect(
        &env.state,
        &link,
        &fields(&["job_title"]),
        sage("initech", "demo-api-key"),
        IP,
        later,
    )
    .await
    .unwrap_err();
    let progress = colleague::first_sync(&env.state, &link, later)
        .await
        .unwrap_err();
    assert_eq!(
        [&decline, &connect, &progress],
        [&expired, &expired, &expired]
    );
    assert!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .is_empty()
    );

    // It cannot be withdrawn once expired; it was never opened; a minute before, it worked.
    assert_eq!(
        status_of(&env, id, later).await,
        Some(InvitationStatus::Expired)
    );
    assert!(matches!(
        colleague::revoke(&env.state, &env.admin, IP, id, later).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(status_of(&env, id, now).await, Some(InvitationStatus::Sent));
    let sent_at = listed(&env, now).await[0].sent_at;
    colleague::open(
        &env.state,
        &link,
        sent_at + Duration::days(7) - Duration::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(
        colleague::open(&env.state, &link, sent_at + Duration::days(7))
            .await
            .unwrap_err(),
        expired,
        "it expires exactly seven days after it was sent"
    );

    // An expired request can be sent again: the new link works from then on.
    let again = colleague::resend(&env.state, &env.admin, IP, id, later)
        .await
        .unwrap();
    let fresh = link_of(&env, again).await;
    colleague::open(&env.state, &fresh, later).await.unwrap();
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_link_used_twice_at_once_connects_once(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let id = ask(&env, &["job_title"], now).await;
    let link = link_of(&env, id).await;
    let optional = fields(&["job_title"]);
    let (a, b) = tokio::join!(
        colleague::connect(
            &env.state,
            &link,
            &optional,
            sage("initech", "demo-api-key"),
            IP,
            now
        ),
        colleague::connect(
            &env.state,
            &link,
            &optional,
            sage("initech", "demo-api-key"),
            IP,
            now
        ),
    );
    let outcomes = [a, b];
    assert_eq!(
        outcomes.iter().filter(|r| r.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    for r in outcomes.into_iter().filter(Result::is_err) {
        conflict(r.unwrap_err());
    }
    let made = connections::list(&pool, env.admin.account_id)
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    let r = &listed(&env, now).await[0];
    assert_eq!(
        (r.status, r.connection_id),
        (InvitationStatus::Connected, Some(made[0].id))
    );
    assert_eq!(
        count(
            &actions(&pool, env.admin.account_id).await,
            AuditAction::Connected
        ),
        1
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_system_that_signs_in_on_its_own_page_connects_through_the_link(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let now = Utc::now();
    let to = colleague();
    let proposed = fields(&["job_title", "birthday"]);
    let ask_gusto = || {
        colleague::invite(
            &env.state,
            &env.admin,
            IP,
            Ask {
                slug: "gusto",
                optional_fields: &proposed,
                to: &to,
            },
            now,
        )
    };
    let id = ask_gusto().await.unwrap();
    let other = ask_gusto().await.unwrap();
    let link = link_of(&env, id).await;
    let other_link = link_of(&env, other).await;

    // Sage HR's request has no sign-in page; Gusto's cannot be widened either.
    let sage_request = ask(&env, &["job_title"], now).await;
    let sage_link = link_of(&env, sage_request).await;
    let err = colleague::start_link(&env.state, &sage_link, &[], now)
        .await
        .unwrap_err();
    assert!(err.field_message("integration").is_some(), "{err:?}");
    let err = colleague::start_link(&env.state, &link, &fields(&["avatar"]), now)
        .await
        .unwrap_err();
    assert!(err.field_message("consent").is_some(), "{err:?}");

    let url = colleague::start_link(&env.state, &link, &fields(&["birthday"]), now)
        .await
        .unwrap();
    let (back, pending, public_token) = common::sign_in_on_link(&url).await;
    assert!(
        back.starts_with(&format!(
            "{}/connect/linked?pending=",
            env.state.config.public_url
        )),
        "{back}"
    );

    // Only the link the hand-off was started from can finish it.
    let err = colleague::complete_link(&env.state, &other_link, pending, &public_token, IP, now)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    assert!(
        hr_connectors::server::integrations::link::complete(
            &env.state,
            &env.admin,
            pending,
            &public_token
        )
        .await
        .is_err(),
        "an admin of the account cannot take the colleague's hand-off"
    );

    let done = colleague::complete_link(&env.state, &link, pending, &public_token, IP, now)
        .await
        .unwrap();
    assert_eq!(done.system, "Gusto");
    let made = connections::list(&pool, env.admin.account_id)
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    let c = &made[0];
    assert_eq!(c.consent, Consent::from_optional(["birthday"]).unwrap());
    assert_eq!(c.consented_by, None);
    assert_eq!(
        views::view(&pool, c).await.unwrap().consented_by.as_deref(),
        Some("Jane Doe (jane.doe@payroll.example), at the request of Ada Admin")
    );
    assert_eq!(
        status_of(&env, id, now).await,
        Some(InvitationStatus::Connected)
    );
    assert_eq!(
        status_of(&env, other, now).await,
        Some(InvitationStatus::Sent)
    );
    conflict(
        colleague::start_link(&env.state, &link, &[], now)
            .await
            .unwrap_err(),
    );
    conflict(
        colleague::complete_link(&env.state, &link, pending, &public_token, IP, now)
            .await
            .unwrap_err(),
    );
    let events = actions(&pool, env.admin.account_id).await;
    let connected: Vec<_> = events
        .iter()
        .filter(|e| e.0 == AuditAction::Connected)
        .collect();
    assert_eq!(connected.len(), 1);
    assert_eq!(connected[0].1, format!("{COLLEAGUE} <{COLLEAGUE_EMAIL}>"));
    assert!(connected[0].2.starts_with("At the request of Ada Admin."));
}

/// The reminders in the outbox: (request id, body).
async fn reminders(pool: &PgPool) -> Vec<(Uuid, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT dedupe_key, body_text FROM mail_outbox
         WHERE dedupe_key LIKE 'connect-request-reminder:%' ORDER BY created_at",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(key, body)| {
            let id = key.trim_start_matches("connect-request-reminder:");
            (id.parse().unwrap(), body)
        })
        .collect()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn an_open_request_gets_one_reminder_without_its_link(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let t0 = Utc::now();
    let waiting = ask(&env, &["job_title"], t0).await;
    let declined = ask(&env, &["job_title"], t0).await;
    let connected = ask(&env, &["job_title"], t0).await;
    let link = link_of(&env, declined).await;
    colleague::decline(&env.state, &link, "", IP, t0)
        .await
        .unwrap();
    let link = link_of(&env, connected).await;
    colleague::connect(
        &env.state,
        &link,
        &fields(&["job_title"]),
        sage("initech", "demo-api-key"),
        IP,
        t0,
    )
    .await
    .unwrap();
    let link = link_of(&env, waiting).await;

    assert_eq!(colleague::remind(&pool, t0 + days(2.9)).await.unwrap(), 0);
    assert!(reminders(&pool).await.is_empty());

    assert_eq!(colleague::remind(&pool, t0 + days(3.0)).await.unwrap(), 1);
    let sent = reminders(&pool).await;
    assert_eq!(
        sent.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![waiting],
        "only the request still open"
    );
    let body = &sent[0].1;
    assert!(!body.contains(&link), "{body}");
    assert!(!body.contains("token="), "{body}");
    assert!(!body.contains("/connect"), "{body}");
    assert!(body.contains("ada@acme.example"), "{body}");
    let reminder = env
        .mail()
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Reminder: "))
        .unwrap();
    assert_eq!(reminder.to_address, COLLEAGUE_EMAIL);
    assert_eq!(
        reminder.subject,
        "Reminder: Ada Admin asked you to connect Sage HR for Acme Ltd"
    );

    // One reminder only, and none once the request has expired.
    assert_eq!(colleague::remind(&pool, t0 + days(4.0)).await.unwrap(), 0);
    assert_eq!(colleague::remind(&pool, t0 + days(6.0)).await.unwrap(), 0);
    assert_eq!(reminders(&pool).await.len(), 1);

    // Two workers at once send one reminder between them.
    let t1 = t0 + days(10.0);
    let raced = ask(&env, &["job_title"], t1).await;
    let due = t1 + days(3.5);
    let (a, b) = tokio::join!(colleague::remind(&pool, due), colleague::remind(&pool, due));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let sent = reminders(&pool).await;
    assert_eq!(
        sent.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![waiting, raced]
    );
    assert_eq!(colleague::remind(&pool, due).await.unwrap(), 0);
}

/// A server function called with the colleague's link and no session.
async fn call(app: &axum::Router, path: &str, payload: Payload) -> (StatusCode, String) {
    let res = send(app, request(path, &payload, None)).await;
    let status = res.status();
    (status, body_text(res).await)
}

fn form(pairs: &[(&str, &str)]) -> Payload {
    Payload::Form(
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", common::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn through_http_the_link_is_the_only_credential_and_bad_input_is_refused(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let app = hr_connectors::server::startup::router(env.state.clone());
    let now = env.state.clock.now();
    let id = ask(&env, &["job_title"], now).await;
    let link = link_of(&env, id).await;

    // The owner's admin sees the request.
    let owner = common::sign_in(&app, "ada@acme.example", "pw-ada@acme.example").await;
    let res = send(
        &app,
        request("integrations/requests", &form(&[]), Some(&owner)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains(COLLEAGUE_EMAIL));

    let (status, body) = call(&app, "connect/open", form(&[("token", &link)])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("Acme Ltd") && body.contains(COLLEAGUE),
        "{body}"
    );

    // Hostile input with a real link: refused with a 4xx, never a server error.
    let hostile: Vec<(&str, Payload)> = vec![
        (
            "connect/decline",
            form(&[("token", &link), ("reason", "a\0b")]),
        ),
        (
            "connect/decline",
            form(&[("token", &link), ("reason", &"x".repeat(10_000))]),
        ),
        (
            "connect/decline",
            form(&[("token", &link), ("reason", "\u{7}\u{1b}[31m")]),
        ),
        ("connect/decline", form(&[("token", &link)])),
        (
            "connect/connect",
            Payload::Json(json!({"token": link, "optional_fields": ["salary"], "credentials": {}})),
        ),
        (
            "connect/connect",
            Payload::Json(
                json!({"token": link, "optional_fields": ["name"], "credentials": sage("initech", "demo-api-key")}),
            ),
        ),
        (
            "connect/connect",
            Payload::Json(
                json!({"token": link, "optional_fields": ["job_title", "birthday"], "credentials": sage("initech", "demo-api-key")}),
            ),
        ),
        (
            "connect/connect",
            Payload::Json(
                json!({"token": link, "optional_fields": [], "credentials": {"subdomain": "\u{0}", "api_key": "x".repeat(10_000)}}),
            ),
        ),
        (
            "connect/connect",
            Payload::Json(
                json!({"token": link, "optional_fields": [], "credentials": sage("initech", "wrong-key-123")}),
            ),
        ),
        (
            "connect/connect",
            Payload::Json(json!({"token": link, "optional_fields": "job_title"})),
        ),
        (
            "connect/start-link",
            Payload::Json(json!({"token": link, "optional_fields": []})),
        ),
        (
            "connect/complete-link",
            form(&[
                ("token", &link),
                ("pending", &Uuid::new_v4().to_string()),
                ("public_token", "x"),
            ]),
        ),
        (
            "connect/complete-link",
            form(&[
                ("token", &link),
                ("pending", "not-a-uuid"),
                ("public_token", "x"),
            ]),
        ),
        (
            "connect/complete-link",
            form(&[
                ("token", &link),
                ("pending", &Uuid::new_v4().to_string()),
                ("public_token", "a\0b"),
            ]),
        ),
        ("connect/progress", form(&[("token", &link)])),
        ("connect/open", form(&[("token", &format!("{link}\0"))])),
        ("connect/open", form(&[("token", &"A".repeat(10_000))])),
    ];
    let before = requests_state(&pool, env.admin.account_id).await;
    for (path, payload) in hostile {
        let (status, body) = call(&app, path, payload.clone()).await;
        assert!(
            status.is_client_error(),
            "{path} {payload:?} answered {status}: {body}"
        );
        let err: AppError = serde_json::from_str(&body)
            .unwrap_or_else(|_| panic!("{path} {payload:?}: an error a page can show: {body}"));
        assert!(
            !matches!(err, AppError::Internal | AppError::Transport(_)),
            "{path} {payload:?}: {err:?}"
        );
    }
    assert_eq!(
        requests_state(&pool, env.admin.account_id).await,
        before,
        "refusals changed the request"
    );
    assert!(
        connections::list(&pool, env.admin.account_id)
            .await
            .unwrap()
            .is_empty()
    );

    // A week on, the app's own clock: the link reads exactly like one nobody was sent.
    env.state.clock.set_days_ahead(8);
    let expired = call(&app, "connect/open", form(&[("token", &link)])).await;
    let unknown = call(&app, "connect/open", form(&[("token", &token::generate())])).await;
    env.state.clock.set_days_ahead(0);
    assert_eq!(expired.0, StatusCode::NOT_FOUND, "{}", expired.1);
    assert_eq!(expired, unknown);
    let (status, _) = call(&app, "connect/open", form(&[("token", &link)])).await;
    assert_eq!(status, StatusCode::OK);
}

/// The fuzzer's rule for a refusal (`tests/it/fuzz.rs`, `is_sentence`): a capital first, a full
/// stop last, no marks of code; and nothing typed echoed back raw.
fn readable(message: &str) -> bool {
    let text = message.trim();
    text.chars().next().is_some_and(char::is_uppercase)
        && text.ends_with(['.', '!', '?'])
        && !text.contains(['`', '{', '}'])
        && !text.contains("::")
        && !text.chars().any(char::is_control)
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn consent_refusals_are_readable_sentences(pool: PgPool) {
    let env = Env::new(pool.clone()).await;
    let app = hr_connectors::server::startup::router(env.state.clone());
    let now = env.state.clock.now();
    let id = ask(&env, &["job_title"], now).await;
    let link = link_of(&env, id).await;
    let owner = common::sign_in(&app, "ada@acme.example", "pw-ada@acme.example").await;
    let mut unreadable = Vec::new();
    // Widening the proposal, a field that does not exist, one that cannot be switched off.
    let refused = [
        json!(["personal_email"]),
        json!(["job_title", "birthday"]),
        json!(["\u{0}"]),
        json!(["00000000-0000-0000-0000-000000000000"]),
        json!(["work_email"]),
    ];
    for (i, optional) in refused.iter().enumerate() {
        let mut calls = vec![(
            "connect/connect",
            json!({"token": link, "optional_fields": optional, "credentials": sage("initech", "demo-api-key")}),
            None,
        )];
        if i >= 2 {
            calls.push((
                "integrations/ask-colleague",
                json!({"slug": "sage-hr", "optional_fields": optional, "draft": {"name": "Jo", "email": "jo@payroll.example", "message": ""}}),
                Some(owner.as_str()),
            ));
        }
        for (path, body, cookie) in calls {
            let payload = Payload::Json(body);
            let res = send(&app, request(path, &payload, cookie)).await;
            let status = res.status();
            let text = body_text(res).await;
            let message = serde_json::from_str::<AppError>(&text)
                .map(|e| e.to_string())
                .unwrap_or(text);
            if status != StatusCode::UNPROCESSABLE_ENTITY || !readable(&message) {
                unreadable.push(format!("{path} {optional}: {status} {message:?}"));
            }
        }
    }
    assert!(unreadable.is_empty(), "{unreadable:#?}");
}
