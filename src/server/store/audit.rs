//! The activity log: appended to by the actions it names, read by the account's admins.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::user::CurrentUser;
use crate::server::error::{Context, ServerError};

/// Who did something, as the log names them.
pub struct Actor<'a> {
    pub account_id: Uuid,
    /// `None` for the operator's command line.
    pub user_id: Option<Uuid>,
    pub name: &'a str,
    pub email: &'a str,
    pub client_ip: &'a str,
}

impl<'a> Actor<'a> {
    pub fn user(user: &'a CurrentUser, client_ip: &'a str) -> Self {
        Actor {
            account_id: user.account_id,
            user_id: Some(user.user_id),
            name: &user.name,
            email: &user.email,
            client_ip,
        }
    }

    /// The person running `hr-connectors` commands on the server.
    pub fn operator(account_id: Uuid) -> Self {
        Actor {
            account_id,
            user_id: None,
            name: "HR Connectors operator",
            email: "",
            client_ip: "",
        }
    }

    fn label(&self) -> String {
        if self.email.is_empty() {
            self.name.to_owned()
        } else {
            format!("{} <{}>", self.name, self.email)
        }
    }
}

pub async fn record(
    pool: &PgPool,
    user: &CurrentUser,
    client_ip: &str,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<(), ServerError> {
    record_by(pool, &Actor::user(user, client_ip), action, subject, detail).await
}

/// Records an action; pass the action's own transaction so the two happen together or not at all.
pub async fn record_by(
    db: impl PgExecutor<'_>,
    actor: &Actor<'_>,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<(), ServerError> {
    sqlx::query!(
        "INSERT INTO audit_events (account_id, user_id, actor, action, subject, detail, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        actor.account_id,
        actor.user_id,
        actor.label(),
        action.as_str(),
        subject,
        detail,
        actor.client_ip,
    )
    .execute(db)
    .await
    .context("recording an audit event")?;
    Ok(())
}

/// The account's most recent events, newest first.
pub async fn recent(
    pool: &PgPool,
    account_id: Uuid,
    limit: i64,
) -> Result<Vec<AuditEntry>, ServerError> {
    let rows = sqlx::query!(
        "SELECT at, actor, action, subject, detail, client_ip FROM audit_events
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        account_id,
        limit,
    )
    .fetch_all(pool)
    .await
    .context("reading the activity log")?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            at: r.at,
            actor: r.actor,
            action: AuditAction::parse(&r.action),
            subject: r.subject,
            detail: r.detail,
            client_ip: r.client_ip,
        })
        .collect())
}
