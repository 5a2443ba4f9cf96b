//! Invitations: an admin (or the operator, for a new account's first admin) sends a single-use
//! link; following it lets the person set their name and password and lands them signed in.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{Mailing, is_unique_violation};
use crate::domain::audit::AuditAction;
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::team::{
    INVITATION_DAYS, InvitationPreview, LinkProblem, ValidInvitation, validate_name,
};
use crate::domain::text;
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::auth::{password, session, token};
use crate::server::error::{Context, ServerError};
use crate::server::mail::outbox::{self, NewMail};
use crate::server::mail::people as compose;
use crate::server::store::audit::{self, Actor};

/// Who the operator's invitations come from, in emails and on the acceptance page.
const OPERATOR_NAME: &str = "HR Connectors";

struct InvitationRow {
    id: Uuid,
    account_id: Uuid,
    account_name: String,
    email: String,
    name: String,
    role: String,
    message: String,
    invited_by: Option<Uuid>,
    inviter_name: String,
    expires_at: DateTime<Utc>,
    expired: bool,
    accepted_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    replaced_at: Option<DateTime<Utc>>,
}

/// `query_as!` into [`InvitationRow`]; `$rest` (the `WHERE` clause onwards) follows the join.
/// The macro needs literal SQL, so the shared column list lives here rather than in a constant.
macro_rules! invitation_query {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            InvitationRow,
            r#"SELECT i.id, i.account_id, a.name AS account_name, i.email, i.name, i.role,
                   i.message, i.invited_by, i.inviter_name, i.expires_at,
                   i.expires_at <= now() AS "expired!", i.accepted_at, i.revoked_at, i.replaced_at
               FROM invitations i JOIN accounts a ON a.id = i.account_id "# + $rest
            $(, $arg)*
        )
    };
}

impl InvitationRow {
    fn role(&self) -> Result<Role, ServerError> {
        Role::parse(&self.role)
            .ok_or_else(|| ServerError::Internal(format!("unknown role {:?}", self.role)))
    }

    /// Who to ask for a new link: the inviter (or the operator), or any admin.
    fn ask(&self) -> String {
        if self.invited_by.is_none() {
            "the person who set up your HR Connectors account".to_owned()
        } else {
            format!(
                "{} or another admin of {}",
                self.inviter_name, self.account_name
            )
        }
    }

    fn problem(&self) -> Option<LinkProblem> {
        if self.accepted_at.is_some() {
            Some(LinkProblem::Used)
        } else if self.revoked_at.is_some() {
            Some(LinkProblem::Revoked { ask: self.ask() })
        } else if self.replaced_at.is_some() {
            Some(LinkProblem::Replaced)
        } else if self.expired {
            Some(LinkProblem::Expired { ask: self.ask() })
        } else {
            None
        }
    }
}

fn link_error(problem: LinkProblem) -> AppError {
    match problem {
        LinkProblem::Unknown => AppError::NotFound(problem.invitation_message()),
        other => AppError::Conflict(other.invitation_message()),
    }
}

async fn find(pool: &PgPool, token: &str) -> Result<Option<InvitationRow>, ServerError> {
    let Some(token) = token::plausible(token) else {
        return Ok(None);
    };
    invitation_query!("WHERE i.token_hash = $1", token::hash(token))
        .fetch_optional(pool)
        .await
        .context("looking up an invitation")
}

/// A new invitation row and its link, inside the caller's transaction.
struct NewInvitation<'a> {
    account_id: Uuid,
    email: &'a str,
    name: &'a str,
    role: Role,
    message: &'a str,
    invited_by: Option<Uuid>,
    inviter_name: &'a str,
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    mailing: Mailing<'_>,
    account_name: &str,
    new: NewInvitation<'_>,
) -> Result<(Uuid, String), AppError> {
    let id = Uuid::new_v4();
    let token = token::generate();
    let inserted = sqlx::query!(
        "INSERT INTO invitations (id, account_id, email, name, role, message, token_hash,
             invited_by, inviter_name, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(days => $10))",
        id,
        new.account_id,
        new.email,
        new.name,
        new.role.as_str(),
        new.message,
        token::hash(&token),
        new.invited_by,
        new.inviter_name,
        INVITATION_DAYS as i32,
    )
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(already_pending(new.email)),
        Err(e) => return Err(ServerError::from(e).into()),
    }
    let link = format!("{}/invitation?token={token}", mailing.public_url);
    let mail = compose::invitation(&compose::Invitation {
        account_name,
        first_admin: new.invited_by.is_none(),
        inviter_name: new.inviter_name,
        role: new.role,
        message: new.message,
        link: &link,
    });
    outbox::enqueue_sealed(
        &mut **tx,
        mailing.secrets,
        NewMail {
            account_id: new.account_id,
            dedupe_key: &format!("invitation:{id}"),
            to: new.email,
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    Ok((id, link))
}

/// For a resend or revoke of an invitation that is not open (or not this account's).
fn no_longer_pending() -> AppError {
    AppError::NotFound(
        "That invitation is no longer pending: it was accepted, revoked or resent meanwhile. \
         Reload the Team page."
            .into(),
    )
}

fn already_pending(email: &str) -> AppError {
    AppError::Conflict(format!(
        "An invitation to {email} is already waiting. Use Resend on the Team page to send a new link."
    ))
}

/// Refuses an address that already signs in anywhere: one login per address across the
/// platform.
async fn ensure_no_login(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    email: &str,
) -> Result<(), AppError> {
    let existing = sqlx::query_scalar!("SELECT account_id FROM users WHERE email = $1", email)
        .fetch_optional(&mut **tx)
        .await
        .context("checking for an existing login")?;
    match existing {
        None => Ok(()),
        Some(a) if a == account_id => Err(AppError::Conflict(format!(
            "{email} is already on your team."
        ))),
        Some(_) => Err(AppError::Conflict(format!(
            "{email} already signs in to HR Connectors for another company, so it can't join this \
             account. Ask for a different work address, or contact support."
        ))),
    }
}

pub async fn invite(
    mailing: Mailing<'_>,
    admin: &CurrentUser,
    client_ip: &str,
    invitation: &ValidInvitation,
) -> Result<Uuid, AppError> {
    let email = invitation.email.as_str();
    let mut tx = mailing
        .pool
        .begin()
        .await
        .context("starting an invitation")?;
    ensure_no_login(&mut tx, admin.account_id, email).await?;
    // A lapsed invitation should not block a fresh one.
    sqlx::query!(
        "UPDATE open_invitations SET replaced_at = now()
         WHERE account_id = $1 AND email = $2 AND expires_at <= now()",
        admin.account_id,
        email,
    )
    .execute(&mut *tx)
    .await
    .context("retiring a lapsed invitation")?;
    let (id, _) = insert(
        &mut tx,
        mailing,
        &admin.account_name,
        NewInvitation {
            account_id: admin.account_id,
            email,
            name: "",
            role: invitation.role,
            message: &invitation.message,
            invited_by: Some(admin.user_id),
            inviter_name: &admin.name,
        },
    )
    .await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::InvitationSent,
        email,
        invitation.role.label(),
    )
    .await?;
    tx.commit().await.context("saving an invitation")?;
    Ok(id)
}

/// Sends a new link for an open invitation; the old link stops working.
pub async fn resend(
    mailing: Mailing<'_>,
    admin: &CurrentUser,
    client_ip: &str,
    invitation_id: Uuid,
) -> Result<Uuid, AppError> {
    let mut tx = mailing.pool.begin().await.context("starting a resend")?;
    let old = invitation_query!(
        "WHERE i.id = $1 AND i.account_id = $2
           AND i.id IN (SELECT id FROM open_invitations) FOR UPDATE OF i",
        invitation_id,
        admin.account_id,
    )
    .fetch_optional(&mut *tx)
    .await
    .context("loading an invitation to resend")?;
    let old = old.ok_or_else(no_longer_pending)?;
    sqlx::query!(
        "UPDATE invitations SET replaced_at = now() WHERE id = $1",
        old.id
    )
    .execute(&mut *tx)
    .await
    .context("retiring the old invitation link")?;
    let (id, _) = insert(
        &mut tx,
        mailing,
        &admin.account_name,
        NewInvitation {
            account_id: admin.account_id,
            email: &old.email,
            name: &old.name,
            role: old.role()?,
            message: &old.message,
            invited_by: Some(admin.user_id),
            inviter_name: &admin.name,
        },
    )
    .await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::InvitationResent,
        &old.email,
        "The previous link no longer works",
    )
    .await?;
    tx.commit().await.context("saving a resent invitation")?;
    Ok(id)
}

pub async fn revoke(
    pool: &PgPool,
    admin: &CurrentUser,
    client_ip: &str,
    invitation_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await.context("starting a revocation")?;
    // A view's columns come out nullable; this one is not.
    let email = sqlx::query_scalar!(
        r#"UPDATE open_invitations SET revoked_at = now()
         WHERE id = $1 AND account_id = $2
         RETURNING email AS "email!""#,
        invitation_id,
        admin.account_id,
    )
    .fetch_optional(&mut *tx)
    .await
    .context("revoking an invitation")?;
    let email = email.ok_or_else(no_longer_pending)?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::InvitationRevoked,
        &email,
        "",
    )
    .await?;
    tx.commit().await.context("saving a revocation")?;
    Ok(())
}

/// What the link's page shows, or why the link no longer works.
pub async fn preview(pool: &PgPool, token: &str) -> Result<InvitationPreview, AppError> {
    let row = still_open(find(pool, token).await?)?;
    Ok(InvitationPreview {
        role: row.role()?,
        account_name: row.account_name,
        email: row.email,
        name: row.name,
        inviter_name: row.inviter_name,
        message: row.message,
        expires_at: row.expires_at,
        first_admin: row.invited_by.is_none(),
    })
}

pub struct Acceptance<'a> {
    pub token: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub origin: session::Origin<'a>,
}

/// Creates the person from the invitation and signs them in.
pub async fn accept(
    pool: &PgPool,
    acceptance: Acceptance<'_>,
) -> Result<session::NewSession, AppError> {
    let row = still_open(find(pool, acceptance.token).await?)?;
    let name = member_name(acceptance.name)?;
    password::check_new(acceptance.password, &row.email, &[&name, &row.account_name])
        .map_err(|e| AppError::invalid("password", e.to_string()))?;
    let hash = password::hash(acceptance.password.to_owned()).await?;

    let mut tx = pool
        .begin()
        .await
        .context("starting to accept an invitation")?;
    // Checked again under the lock: the link may have been used or revoked meanwhile.
    let locked = invitation_query!("WHERE i.id = $1 FOR UPDATE OF i", row.id)
        .fetch_optional(&mut *tx)
        .await
        .context("locking an invitation")?;
    let row = still_open(locked)?;
    let role = row.role()?;
    let user_id = add_member(&mut tx, &row, role, &name, &hash).await?;
    audit::record_by(
        &mut *tx,
        &Actor {
            account_id: row.account_id,
            user_id: Some(user_id),
            name: &name,
            email: &row.email,
            client_ip: acceptance.origin.client_ip,
        },
        AuditAction::InvitationAccepted,
        &row.email,
        role.label(),
    )
    .await?;
    tx.commit().await.context("saving a new member")?;
    Ok(session::start(pool, user_id, &acceptance.origin).await?)
}

/// The invitation if its link still works, or why it does not.
fn still_open(row: Option<InvitationRow>) -> Result<InvitationRow, AppError> {
    let row = row.ok_or_else(|| link_error(LinkProblem::Unknown))?;
    match row.problem() {
        Some(problem) => Err(link_error(problem)),
        None => Ok(row),
    }
}

/// The name the person typed on the acceptance page, which may not be empty.
fn member_name(typed: &str) -> Result<String, AppError> {
    let name = validate_name(typed).map_err(|e| AppError::invalid("name", e.to_string()))?;
    if name.is_empty() {
        return Err(AppError::invalid(
            "name",
            "Enter your name as colleagues know it.",
        ));
    }
    Ok(name)
}

/// Creates the person and marks the (locked) invitation accepted by them. Someone who got a
/// login with this address meanwhile makes the link count as used.
async fn add_member(
    tx: &mut Transaction<'_, Postgres>,
    row: &InvitationRow,
    role: Role,
    name: &str,
    hash: &str,
) -> Result<Uuid, AppError> {
    ensure_no_login(tx, row.account_id, &row.email)
        .await
        .map_err(|_| link_error(LinkProblem::Used))?;
    let user_id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO users (id, account_id, email, name, role, password_hash, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())",
        user_id,
        row.account_id,
        &row.email,
        name,
        role.as_str(),
        hash,
    )
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            link_error(LinkProblem::Used)
        } else {
            ServerError::from(e).into()
        }
    })?;
    sqlx::query!(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
        row.id,
        user_id,
    )
    .execute(&mut **tx)
    .await
    .context("marking an invitation accepted")?;
    Ok(user_id)
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Server(#[from] ServerError),
}

pub struct Provisioned {
    pub account_id: Uuid,
    pub link: String,
}

/// `hr-connectors create-account`: a new client account and an invitation for its first admin.
pub async fn provision_account(
    mailing: Mailing<'_>,
    account_name: &str,
    admin_email: &str,
    admin_name: &str,
) -> Result<Provisioned, ProvisionError> {
    let account_name = account_name.trim();
    if account_name.is_empty() {
        return Err(ProvisionError::Invalid("--name must not be empty.".into()));
    }
    text::one_line("The account name", account_name, 200)
        .map_err(|e| ProvisionError::Invalid(e.to_string()))?;
    let email = EmailAddress::parse(admin_email)
        .map_err(|e| ProvisionError::Invalid(format!("--admin-email: {e}")))?;
    let admin_name = validate_name(admin_name)
        .map_err(|e| ProvisionError::Invalid(format!("--admin-name: {e}")))?;

    let mut tx = mailing
        .pool
        .begin()
        .await
        .context("starting to provision an account")?;
    let taken = sqlx::query_scalar!(
        "SELECT a.name FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.email = $1",
        email.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await
    .context("checking for an existing login")?;
    if let Some(other) = taken {
        return Err(ProvisionError::Invalid(format!(
            "{email} already signs in to the account \"{other}\". Each address can belong to one \
             account: use another address for this account's first admin."
        )));
    }
    let account_id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO accounts (id, name) VALUES ($1, $2)",
        account_id,
        account_name,
    )
    .execute(&mut *tx)
    .await
    .context("creating an account")?;
    let (_, link) = insert(
        &mut tx,
        mailing,
        account_name,
        NewInvitation {
            account_id,
            email: email.as_str(),
            name: &admin_name,
            role: Role::Admin,
            message: "",
            invited_by: None,
            inviter_name: OPERATOR_NAME,
        },
    )
    .await
    .map_err(|e| ProvisionError::Invalid(e.to_string()))?;
    audit::record_by(
        &mut *tx,
        &Actor::operator(account_id),
        AuditAction::AccountCreated,
        account_name,
        &format!("First admin invited: {email}"),
    )
    .await?;
    tx.commit().await.context("saving a new account")?;
    Ok(Provisioned { account_id, link })
}
