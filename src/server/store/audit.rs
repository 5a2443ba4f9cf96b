//! The activity log: appended to by the actions it names, read by the account's admins.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::user::CurrentUser;
use crate::server::error::{Context, ServerError};

pub async fn record(
    pool: &PgPool,
    user: &CurrentUser,
    client_ip: &str,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<(), ServerError> {
    sqlx::query(
        "INSERT INTO audit_events (account_id, user_id, actor, action, subject, detail, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.account_id)
    .bind(user.user_id)
    .bind(format!("{} <{}>", user.name, user.email))
    .bind(action.as_str())
    .bind(subject)
    .bind(detail)
    .bind(client_ip)
    .execute(pool)
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
    type Row = (
        chrono::DateTime<chrono::Utc>,
        String,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT at, actor, action, subject, detail, client_ip FROM audit_events
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("reading the activity log")?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            at: r.0,
            actor: r.1,
            action: AuditAction::parse(&r.2),
            subject: r.3,
            detail: r.4,
            client_ip: r.5,
        })
        .collect())
}
