//! Requests to connect an HR system, sent by an admin to a colleague. Links are kept only as
//! their SHA-256. Every change happens only while the request is still open at the time given
//! (the SQL rule `connect_invitation_open`, twin of `InvitationStatus::at` for rows already
//! read), so a link used twice at once, or revoked while in use, has one outcome.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::connect_invitation::{ClosedLink, InvitationMoments, InvitationStatus};
use crate::domain::field_policy::Consent;
use crate::server::error::{Context, ServerError};

type StoredConsent = sqlx::types::Json<Consent>;

pub struct InvitationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub integration_slug: String,
    pub integration_name: String,
    pub invitee_name: String,
    pub invitee_email: String,
    pub message: String,
    pub proposed: StoredConsent,
    pub invited_by: Option<Uuid>,
    pub inviter_name: String,
    pub inviter_email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub connection_id: Option<Uuid>,
    pub declined_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub replaced_at: Option<DateTime<Utc>>,
}

/// `query_as!` into [`InvitationRow`]; `$rest` (the `WHERE` clause onwards) follows the join.
macro_rules! invitation_query {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            InvitationRow,
            r#"SELECT i.id, i.account_id, a.name AS account_name, i.integration_slug,
                   i.integration_name, i.invitee_name, i.invitee_email, i.message,
                   i.proposed AS "proposed: StoredConsent", i.invited_by, i.inviter_name,
                   i.inviter_email, i.created_at, i.expires_at, i.opened_at, i.connected_at,
                   i.connection_id, i.declined_at, i.decline_reason, i.revoked_at, i.replaced_at
               FROM connect_invitations i JOIN accounts a ON a.id = i.account_id "# + $rest
            $(, $arg)*
        )
    };
}

impl InvitationRow {
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        InvitationStatus::at(
            &InvitationMoments {
                expires_at: self.expires_at,
                opened_at: self.opened_at,
                connected_at: self.connected_at,
                declined_at: self.declined_at,
                revoked_at: self.revoked_at,
            },
            now,
        )
    }

    /// Who the colleague should ask about this request.
    pub fn ask(&self) -> String {
        format!("{} ({})", self.inviter_name, self.inviter_email)
    }

    /// Why the link no longer works at `now`, if it does not.
    pub fn closed(&self, now: DateTime<Utc>) -> Option<ClosedLink> {
        if self.replaced_at.is_some() {
            return Some(ClosedLink::Replaced);
        }
        match self.status(now) {
            InvitationStatus::Sent | InvitationStatus::Opened => None,
            InvitationStatus::Expired => Some(ClosedLink::NotValid),
            InvitationStatus::Connected => Some(ClosedLink::Connected {
                system: self.integration_name.clone(),
                ask: self.ask(),
            }),
            InvitationStatus::Declined => Some(ClosedLink::Declined { ask: self.ask() }),
            InvitationStatus::Revoked => Some(ClosedLink::Revoked { ask: self.ask() }),
        }
    }
}

pub struct NewInvitation<'a> {
    pub account_id: Uuid,
    pub integration_slug: &'a str,
    pub integration_name: &'a str,
    pub invitee_name: &'a str,
    pub invitee_email: &'a str,
    pub message: &'a str,
    pub proposed: &'a Consent,
    pub invited_by: Uuid,
    pub inviter_name: &'a str,
    pub inviter_email: &'a str,
}

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    new: &NewInvitation<'_>,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO connect_invitations (id, account_id, integration_slug, integration_name,
             invitee_name, invitee_email, message, proposed, token_hash, invited_by, inviter_name,
             inviter_email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        id,
        new.account_id,
        new.integration_slug,
        new.integration_name,
        new.invitee_name,
        new.invitee_email,
        new.message,
        sqlx::types::Json(new.proposed) as _,
        token_hash,
        new.invited_by,
        new.inviter_name,
        new.inviter_email,
        now,
        expires_at,
    )
    .execute(&mut **tx)
    .await
    .context("storing a request to connect")?;
    Ok(id)
}

pub async fn by_token(pool: &PgPool, hash: &[u8]) -> Result<Option<InvitationRow>, ServerError> {
    invitation_query!("WHERE i.token_hash = $1", hash)
        .fetch_optional(pool)
        .await
        .context("looking up a request to connect")
}

/// The account's requests, newest first; a resent request shows once, as its newest link.
pub async fn list(pool: &PgPool, account_id: Uuid) -> Result<Vec<InvitationRow>, ServerError> {
    invitation_query!(
        "WHERE i.account_id = $1 AND i.replaced_at IS NULL ORDER BY i.created_at DESC LIMIT 100",
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing requests to connect")
}

/// The account's request `id` if it is open at `at` (or unanswered, expired or not, for `None`),
/// locked for the caller's change.
pub async fn open_for_update(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    id: Uuid,
    at: Option<DateTime<Utc>>,
) -> Result<Option<InvitationRow>, ServerError> {
    invitation_query!(
        "WHERE i.id = $1 AND i.account_id = $2
           AND connect_invitation_open(i, coalesce($3::timestamptz, '-infinity')) FOR UPDATE OF i",
        id,
        account_id,
        at,
    )
    .fetch_optional(&mut **tx)
    .await
    .context("loading a request to connect")
}

/// Marks the first time the link was opened; false if it was opened before.
pub async fn mark_opened(pool: &PgPool, id: Uuid, now: DateTime<Utc>) -> Result<bool, ServerError> {
    let done = sqlx::query!(
        "UPDATE connect_invitations SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL",
        id,
        now,
    )
    .execute(pool)
    .await
    .context("noting that a request was opened")?;
    Ok(done.rows_affected() == 1)
}

/// One of the outcomes that close a request, set only while it is open at `now`.
#[derive(Clone, Copy)]
pub enum Outcome {
    Connected(Uuid),
    Declined,
    Revoked,
    Replaced,
}

/// Closes the request with `outcome` if it is still open at `now` (a request is replaced by a
/// new link even once expired); false if something else closed it first.
pub async fn close(
    db: impl PgExecutor<'_>,
    id: Uuid,
    outcome: Outcome,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServerError> {
    let (connection, kind) = match outcome {
        Outcome::Connected(c) => (Some(c), "connected"),
        Outcome::Declined => (None, "declined"),
        Outcome::Revoked => (None, "revoked"),
        Outcome::Replaced => (None, "replaced"),
    };
    let done = sqlx::query!(
        "UPDATE connect_invitations SET
             connected_at = CASE WHEN $3 = 'connected' THEN $2 END,
             connection_id = $4,
             declined_at = CASE WHEN $3 = 'declined' THEN $2 END,
             decline_reason = CASE WHEN $3 = 'declined' THEN $5 END,
             revoked_at = CASE WHEN $3 = 'revoked' THEN $2 END,
             replaced_at = CASE WHEN $3 = 'replaced' THEN $2 END
         WHERE id = $1 AND connect_invitation_open(connect_invitations,
             CASE WHEN $3 = 'replaced' THEN '-infinity' ELSE $2::timestamptz END)",
        id,
        now,
        kind,
        connection,
        reason,
    )
    .execute(db)
    .await
    .context("closing a request to connect")?;
    Ok(done.rows_affected() == 1)
}

/// Requests still open at `now` that were sent at least `after_days` ago and not reminded yet.
pub async fn due_reminders(
    pool: &PgPool,
    now: DateTime<Utc>,
    after_days: i64,
) -> Result<Vec<InvitationRow>, ServerError> {
    invitation_query!(
        "WHERE i.reminded_at IS NULL AND i.created_at <= $1::timestamptz - make_interval(days => $2)
           AND connect_invitation_open(i, $1) ORDER BY i.created_at LIMIT 500",
        now,
        after_days as i32,
    )
    .fetch_all(pool)
    .await
    .context("finding requests due a reminder")
}

/// Claims a request's one reminder; false if another worker claimed it first.
pub async fn claim_reminder(
    db: impl PgExecutor<'_>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ServerError> {
    let done = sqlx::query!(
        "UPDATE connect_invitations SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL",
        id,
        now,
    )
    .execute(db)
    .await
    .context("claiming a reminder")?;
    Ok(done.rows_affected() == 1)
}

/// The colleague and the admin who asked, for a connection made through a request: its data
/// receipt names both.
pub async fn made_by(
    pool: &PgPool,
    connection_id: Uuid,
) -> Result<Option<(String, String, String)>, ServerError> {
    let row = sqlx::query!(
        "SELECT invitee_name, invitee_email, inviter_name FROM connect_invitations
         WHERE connection_id = $1",
        connection_id,
    )
    .fetch_optional(pool)
    .await
    .context("finding who made a connection")?;
    Ok(row.map(|r| (r.invitee_name, r.invitee_email, r.inviter_name)))
}
