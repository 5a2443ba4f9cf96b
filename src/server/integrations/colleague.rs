//! "Ask a colleague to connect": an admin sends the rest of connecting one HR system to someone
//! with rights in it. The colleague's link is their only credential: it opens one request of
//! one account, shows who asks and what they proposed, and can make that one connection (with
//! the proposal or less), decline it, or watch its first sync. Nothing else of the account is
//! reachable through it.
//!
//! Every function takes the time (`now`): the app's clock in production, a chosen moment in
//! tests, so a week can pass without waiting.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::connect::{ConnectInput, Party, find_integration, link_new, tenant_race};
use super::link::{self, Finisher, Owner, Wanted};
use crate::domain::audit::AuditAction;
use crate::domain::connect_invitation::{
    ClosedLink, ConnectInvitationView, ConnectRequestPage, ConnectedProgress, LINK_DAYS,
    PROGRESS_HOURS, REMINDER_AFTER_DAYS, ValidConnectRequest, decline_reason, narrowed,
};
use crate::domain::credentials::{SignIn, sign_in_for};
use crate::domain::field_policy::Consent;
use crate::domain::integration::{CatalogueItem, default_label};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::auth::token;
use crate::server::error::{Context, ServerError};
use crate::server::mail::colleague::{self as compose, Request};
use crate::server::mail::outbox::{self, NewMail};
use crate::server::sandbox::catalogue;
use crate::server::state::AppState;
use crate::server::store::audit::{self, Actor};
use crate::server::store::connect_invitations::{
    self as store, InvitationRow, NewInvitation, Outcome,
};
use crate::server::store::connections::{self, Connection};
use crate::server::store::jobs;

use super::views::progress;

impl InvitationRow {
    /// The colleague, as the activity log names them.
    fn colleague<'a>(&'a self, client_ip: &'a str) -> Actor<'a> {
        Actor {
            account_id: self.account_id,
            user_id: None,
            name: &self.invitee_name,
            email: &self.invitee_email,
            client_ip,
        }
    }

    fn request<'a>(&'a self, link: &'a str) -> Request<'a> {
        Request {
            company: &self.account_name,
            inviter_name: &self.inviter_name,
            inviter_email: &self.inviter_email,
            invitee_name: &self.invitee_name,
            system: &self.integration_name,
            message: &self.message,
            link,
        }
    }

    /// "Sage HR: Jane Doe <jane@…>", the subject of the request's log entries.
    fn subject(&self) -> String {
        log_subject(
            &self.integration_name,
            &self.invitee_name,
            &self.invitee_email,
        )
    }
}

/// "Sage HR: Jane Doe <jane@…>", how the activity log names a request.
fn log_subject(system: &str, name: &str, email: &str) -> String {
    format!("{system}: {name} <{email}>")
}

fn refused(closed: ClosedLink) -> AppError {
    match closed {
        // The same answer a link that never existed gets.
        ClosedLink::NotValid => AppError::NotFound(closed.message()),
        other => AppError::Conflict(other.message()),
    }
}

/// The request a link opens, whatever its state; a link that is not ours reads as expired.
async fn by_link(state: &AppState, link: &str) -> Result<InvitationRow, AppError> {
    let found = match token::plausible(link) {
        Some(t) => store::by_token(&state.pool, &token::hash(t)).await?,
        None => None,
    };
    found.ok_or_else(|| refused(ClosedLink::NotValid))
}

/// The request a link opens, if it can still be answered at `now`.
async fn open_by_link(
    state: &AppState,
    link: &str,
    now: DateTime<Utc>,
) -> Result<InvitationRow, AppError> {
    let row = by_link(state, link).await?;
    match row.closed(now) {
        Some(closed) => Err(refused(closed)),
        None => Ok(row),
    }
}

fn admin_only(user: &CurrentUser) -> Result<(), AppError> {
    if user.role.can_manage_integrations() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What the admin asks for: one HR system, and the optional fields they propose.
pub struct Ask<'a> {
    pub slug: &'a str,
    pub optional_fields: &'a [String],
    pub to: &'a ValidConnectRequest,
}

/// Sends a request with a new link and returns its id.
pub async fn invite(
    state: &AppState,
    admin: &CurrentUser,
    client_ip: &str,
    ask: Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    admin_only(admin)?;
    let integration = find_integration(state, ask.slug).await?;
    let proposed = Consent::from_optional(ask.optional_fields)
        .map_err(|e| AppError::invalid("consent", e.to_string()))?;
    let mut tx = state.pool.begin().await.context("starting a request")?;
    let id = send(
        &mut tx,
        state,
        &NewInvitation {
            account_id: admin.account_id,
            integration_slug: &integration.slug,
            integration_name: &integration.name,
            invitee_name: &ask.to.name,
            invitee_email: ask.to.email.as_str(),
            message: &ask.to.message,
            proposed: &proposed,
            invited_by: admin.user_id,
            inviter_name: &admin.name,
            inviter_email: &admin.email,
        },
        &admin.account_name,
        now,
    )
    .await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::ConnectRequestSent,
        &log_subject(&integration.name, &ask.to.name, ask.to.email.as_str()),
        &crate::domain::audit::fields_proposed(&proposed),
    )
    .await?;
    tx.commit().await.context("saving a request")?;
    Ok(id)
}

/// Stores a request with a fresh link and queues its email, sealed: the link exists nowhere
/// else in the clear.
async fn send(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    state: &AppState,
    new: &NewInvitation<'_>,
    company: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let link_token = token::generate();
    let id = store::insert(
        tx,
        new,
        &token::hash(&link_token),
        now,
        now + Duration::days(LINK_DAYS),
    )
    .await?;
    let link = format!("{}/connect?token={link_token}", state.config.public_url);
    let mail = compose::request(&Request {
        company,
        inviter_name: new.inviter_name,
        inviter_email: new.inviter_email,
        invitee_name: new.invitee_name,
        system: new.integration_name,
        message: new.message,
        link: &link,
    });
    outbox::enqueue_sealed(
        &mut **tx,
        &state.secrets,
        NewMail {
            account_id: new.account_id,
            dedupe_key: &format!("connect-request:{id}"),
            to: new.invitee_email,
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    Ok(id)
}

fn no_longer_open() -> AppError {
    AppError::NotFound(
        "That request is no longer open: it was answered, withdrawn or resent meanwhile. Reload Integrations.".into(),
    )
}

/// Sends a new link for a request not answered yet, expired or not; the old link stops working.
pub async fn resend(
    state: &AppState,
    admin: &CurrentUser,
    client_ip: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    admin_only(admin)?;
    let mut tx = state.pool.begin().await.context("starting a resend")?;
    let old = store::open_for_update(&mut tx, admin.account_id, id, None)
        .await?
        .ok_or_else(no_longer_open)?;
    store::close(&mut *tx, old.id, Outcome::Replaced, "", now).await?;
    let new_id = send(
        &mut tx,
        state,
        &NewInvitation {
            account_id: old.account_id,
            integration_slug: &old.integration_slug,
            integration_name: &old.integration_name,
            invitee_name: &old.invitee_name,
            invitee_email: &old.invitee_email,
            message: &old.message,
            proposed: &old.proposed.0,
            invited_by: admin.user_id,
            inviter_name: &admin.name,
            inviter_email: &admin.email,
        },
        &old.account_name,
        now,
    )
    .await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::ConnectRequestResent,
        &old.subject(),
        "The previous link no longer works",
    )
    .await?;
    tx.commit().await.context("saving a resent request")?;
    Ok(new_id)
}

pub async fn revoke(
    state: &AppState,
    admin: &CurrentUser,
    client_ip: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    admin_only(admin)?;
    let mut tx = state.pool.begin().await.context("starting to withdraw")?;
    let row = store::open_for_update(&mut tx, admin.account_id, id, Some(now))
        .await?
        .ok_or_else(no_longer_open)?;
    store::close(&mut *tx, row.id, Outcome::Revoked, "", now).await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::ConnectRequestRevoked,
        &row.subject(),
        "",
    )
    .await?;
    tx.commit().await.context("saving a withdrawal")?;
    Ok(())
}

/// The account's requests as the Integrations page lists them.
pub async fn list(
    state: &AppState,
    admin: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<Vec<ConnectInvitationView>, AppError> {
    admin_only(admin)?;
    Ok(store::list(&state.pool, admin.account_id)
        .await?
        .into_iter()
        .map(|r| ConnectInvitationView {
            id: r.id,
            status: r.status(now),
            invitee_name: r.invitee_name,
            invitee_email: r.invitee_email,
            system: r.integration_name,
            inviter_name: r.inviter_name,
            sent_at: r.created_at,
            decline_reason: r.decline_reason,
            connection_id: r.connection_id,
        })
        .collect())
}

/// What the link's page shows. Reading it changes nothing: mail scanners fetch links too.
pub async fn open(
    state: &AppState,
    link: &str,
    now: DateTime<Utc>,
) -> Result<ConnectRequestPage, AppError> {
    let row = open_by_link(state, link, now).await?;
    Ok(ConnectRequestPage {
        system: CatalogueItem {
            color: catalogue::color(&row.integration_name),
            slug: row.integration_slug,
            name: row.integration_name,
            abbreviated: None,
            crm: false,
        },
        company: row.account_name,
        inviter_name: row.inviter_name,
        invitee_name: row.invitee_name,
        message: row.message,
        proposed: row.proposed.0,
        expires_at: row.expires_at,
    })
}

/// The link's page was shown in a browser that ran it: the request counts as opened, and its
/// first opening is logged.
pub async fn seen(
    state: &AppState,
    link: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let row = open_by_link(state, link, now).await?;
    if store::mark_opened(&state.pool, row.id, now).await? {
        audit::record_by(
            &state.pool,
            &row.colleague(client_ip),
            AuditAction::ConnectRequestOpened,
            &row.subject(),
            &format!("Sent by {}", row.inviter_name),
        )
        .await?;
    }
    Ok(())
}

/// The consent the colleague chose, if it stays within the proposal.
fn chosen(row: &InvitationRow, optional_fields: &[String]) -> Result<Consent, AppError> {
    let consent = Consent::from_optional(optional_fields)
        .map_err(|e| AppError::invalid("consent", e.to_string()))?;
    narrowed(&row.proposed.0, &consent).map_err(|m| AppError::invalid("consent", m))?;
    Ok(consent)
}

fn party(row: &InvitationRow) -> Party<'_> {
    Party {
        account_id: row.account_id,
        account_name: &row.account_name,
        email: &row.invitee_email,
    }
}

/// Connects the requested system with details the colleague typed. Wrong details are answered
/// at their field and leave the link working; the connection uses it up.
pub async fn connect(
    state: &AppState,
    link: &str,
    optional_fields: &[String],
    credentials: BTreeMap<String, String>,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<ConnectedProgress, AppError> {
    let row = open_by_link(state, link, now).await?;
    let consent = chosen(&row, optional_fields)?;
    let input = ConnectInput {
        slug: row.integration_slug.clone(),
        label: String::new(),
        optional_fields: consent.optional_on().map(str::to_owned).collect(),
        credentials,
    };
    let linked = link_new(state, &party(&row), input)
        .await
        .map_err(|e| match e {
            // Which connection reads that tenant is the account's business, not the link's.
            AppError::Conflict(_) => AppError::Conflict(format!(
                "This {} account is already connected for {}, so nothing was changed. Let {} know.",
                row.integration_name,
                row.account_name,
                row.ask()
            )),
            other => other,
        })?;
    let mut tx = state.pool.begin().await.context("starting to connect")?;
    let connection = connections::create_in(
        &mut tx,
        &state.secrets,
        linked.new_connection(row.account_id, None, Some(&row.inviter_name)),
        &row.colleague(client_ip),
    )
    .await
    .map_err(|e| tenant_race(e, &row.integration_name))?;
    use_up(tx, &row, &connection, now).await?;
    tracing::info!(connection = %connection.id, "HR system connected through a colleague's request");
    connected_progress(state, &row, connection.id).await
}

/// Closes the request with the connection made, in the connection's transaction: if the link
/// was used, withdrawn or replaced meanwhile, nothing is stored.
async fn use_up(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    row: &InvitationRow,
    connection: &Connection,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !store::close(&mut *tx, row.id, Outcome::Connected(connection.id), "", now).await? {
        tx.rollback().await.context("undoing a connection")?;
        return Err(AppError::Conflict(
            "This request was answered, withdrawn or resent while you were connecting, so nothing was stored. Reload the page.".into(),
        ));
    }
    tx.commit().await.context("storing a connection")?;
    Ok(())
}

/// Starts Merge Link for a system that signs in on its own page.
pub async fn start_link(
    state: &AppState,
    link: &str,
    optional_fields: &[String],
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let row = open_by_link(state, link, now).await?;
    if sign_in_for(&row.integration_slug) != SignIn::OAuth {
        return Err(AppError::invalid(
            "integration",
            "This system connects with the details form.",
        ));
    }
    let consent = chosen(&row, optional_fields)?;
    let origin_id = connections::origin_id(row.account_id, Uuid::new_v4());
    link::hand_off(
        state,
        &party(&row),
        Owner::Invitation(row.id),
        &Wanted {
            slug: &row.integration_slug,
            name: &row.integration_name,
            label: &default_label(&row.integration_name, None, now.date_naive()),
            consent: &consent,
            origin_id: &origin_id,
        },
    )
    .await
}

/// Finishes Merge Link for the request: the connection uses the link up.
pub async fn complete_link(
    state: &AppState,
    link: &str,
    pending: Uuid,
    public_token: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<ConnectedProgress, AppError> {
    let row = open_by_link(state, link, now).await?;
    let claimed =
        link::exchange_and_claim(state, Finisher::Invitation(row.id), pending, public_token)
            .await?;
    let mut tx = state.pool.begin().await.context("starting to connect")?;
    let connection = connections::create_in(
        &mut tx,
        &state.secrets,
        connections::NewConnection {
            requested_by: Some(&row.inviter_name),
            ..claimed.new_connection(row.account_id, None)
        },
        &row.colleague(client_ip),
    )
    .await?;
    use_up(tx, &row, &connection, now).await?;
    connected_progress(state, &row, connection.id).await
}

async fn connected_progress(
    state: &AppState,
    row: &InvitationRow,
    connection: Uuid,
) -> Result<ConnectedProgress, AppError> {
    Ok(ConnectedProgress {
        system: row.integration_name.clone(),
        inviter_name: row.inviter_name.clone(),
        progress: jobs::latest(&state.pool, connection)
            .await?
            .as_ref()
            .map(progress),
    })
}

/// The first sync of the connection the link made, for a day after it was made.
pub async fn first_sync(
    state: &AppState,
    link: &str,
    now: DateTime<Utc>,
) -> Result<ConnectedProgress, AppError> {
    let row = by_link(state, link).await?;
    match (row.connection_id, row.connected_at) {
        (Some(c), Some(at)) if now < at + Duration::hours(PROGRESS_HOURS) => {
            connected_progress(state, &row, c).await
        }
        _ => Err(refused(row.closed(now).unwrap_or(ClosedLink::NotValid))),
    }
}

/// The colleague declines; the admin who asked is emailed at once.
pub async fn decline(
    state: &AppState,
    link: &str,
    reason: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reason = decline_reason(reason).map_err(|e| AppError::invalid("reason", e.to_string()))?;
    let row = open_by_link(state, link, now).await?;
    let mut tx = state.pool.begin().await.context("starting to decline")?;
    if !store::close(&mut *tx, row.id, Outcome::Declined, &reason, now).await? {
        return Err(refused(row.closed(now).unwrap_or(ClosedLink::Replaced)));
    }
    let mail = compose::declined(&row.request(""), &reason, &state.config.public_url);
    outbox::enqueue(
        &mut *tx,
        NewMail {
            account_id: row.account_id,
            dedupe_key: &format!("connect-request-declined:{}", row.id),
            to: &row.inviter_email,
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    audit::record_by(
        &mut *tx,
        &row.colleague(client_ip),
        AuditAction::ConnectRequestDeclined,
        &row.subject(),
        &reason,
    )
    .await?;
    tx.commit().await.context("saving a decline")?;
    Ok(())
}

/// Sends the one reminder of each request still open three days after it was sent; returns how
/// many were sent. Safe to run from several workers at once.
pub async fn remind(pool: &sqlx::PgPool, now: DateTime<Utc>) -> Result<usize, ServerError> {
    let mut sent = 0;
    for row in store::due_reminders(pool, now, REMINDER_AFTER_DAYS).await? {
        let mut tx = pool.begin().await.context("starting a reminder")?;
        if !store::claim_reminder(&mut *tx, row.id, now).await? {
            continue;
        }
        let mail = compose::reminder(&row.request(""), row.created_at, row.expires_at);
        outbox::enqueue(
            &mut *tx,
            NewMail {
                account_id: row.account_id,
                dedupe_key: &format!("connect-request-reminder:{}", row.id),
                to: &row.invitee_email,
                subject: &mail.subject,
                body: &mail.body,
            },
        )
        .await?;
        tx.commit().await.context("saving a reminder")?;
        sent += 1;
    }
    Ok(sent)
}
