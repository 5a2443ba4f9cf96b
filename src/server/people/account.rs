//! "Your account": a person's own password and the places they are signed in.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::Mailing;
use crate::domain::audit::AuditAction;
use crate::domain::password::MAX_LEN;
use crate::domain::team::{SignedInSession, describe_device};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::auth::{password, session, throttle};
use crate::server::error::{Context, ServerError};
use crate::server::mail::outbox::{self, NewMail};
use crate::server::mail::people as compose;
use crate::server::store::audit::{self, Actor};

struct SessionRow {
    id: Uuid,
    user_agent: String,
    client_ip: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    this_browser: bool,
}

pub async fn sessions(
    pool: &PgPool,
    me: &CurrentUser,
    current_token: Option<&str>,
) -> Result<Vec<SignedInSession>, ServerError> {
    let current = current_token.map(session::hash_token).unwrap_or_default();
    let rows = sqlx::query_as!(
        SessionRow,
        r#"SELECT id, user_agent, client_ip, created_at, last_seen_at,
             token_hash = $2 AS "this_browser!"
         FROM sessions
         WHERE user_id = $1 AND expires_at > now()
           AND created_at > now() - make_interval(days => $3)
         ORDER BY token_hash = $2 DESC, last_seen_at DESC"#,
        me.user_id,
        current,
        session::ABSOLUTE_TIMEOUT_DAYS as i32,
    )
    .fetch_all(pool)
    .await
    .context("listing sessions")?;
    Ok(rows
        .into_iter()
        .map(|r| SignedInSession {
            id: r.id,
            device: describe_device(&r.user_agent),
            client_ip: r.client_ip,
            signed_in_at: r.created_at,
            last_active_at: r.last_seen_at,
            this_browser: r.this_browser,
        })
        .collect())
}

/// Ends every session of `user_id` except the one with `keep` (if any); returns how many.
pub(crate) async fn end_other_sessions(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: Option<&str>,
) -> Result<u64, ServerError> {
    let keep = keep.map(session::hash_token).unwrap_or_default();
    Ok(sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        user_id,
        keep,
    )
    .execute(db)
    .await
    .context("ending other sessions")?
    .rows_affected())
}

pub async fn sign_out_elsewhere(
    pool: &PgPool,
    me: &CurrentUser,
    client_ip: &str,
    current_token: Option<&str>,
) -> Result<u64, ServerError> {
    let mut tx = pool
        .begin()
        .await
        .context("starting to sign out elsewhere")?;
    let ended = end_other_sessions(&mut *tx, me.user_id, current_token).await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(me, client_ip),
        AuditAction::SignedOutElsewhere,
        &me.email,
        &format!("{ended} other session(s) ended"),
    )
    .await?;
    tx.commit().await.context("saving a sign-out")?;
    Ok(ended)
}

/// Queues the notice that a password changed, inside the change's transaction.
pub(crate) async fn notify_password_changed(
    db: impl PgExecutor<'_>,
    mailing: Mailing<'_>,
    account_id: Uuid,
    user_id: Uuid,
    name: &str,
    email: &str,
) -> Result<(), ServerError> {
    let now = Utc::now();
    let mail = compose::password_changed(name, now, mailing.public_url);
    outbox::enqueue(
        db,
        NewMail {
            account_id,
            dedupe_key: &format!("password-changed:{user_id}:{}", now.timestamp_micros()),
            to: email,
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    Ok(())
}

pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub client_ip: &'a str,
    pub token: Option<&'a str>,
}

/// Changes the signed-in person's password (the current one is required), ends their other
/// sessions and emails them that it happened. Wrong current passwords count towards the same
/// throttle as failed sign-ins, so a borrowed session cannot be used to guess it.
pub async fn change_password(
    mailing: Mailing<'_>,
    me: &CurrentUser,
    change: PasswordChange<'_>,
) -> Result<(), AppError> {
    let pool = mailing.pool;
    if let Some(wait) = throttle::retry_after(pool, &me.email, change.client_ip).await? {
        return Err(AppError::Throttled {
            retry_after_secs: wait,
        });
    }
    let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", me.user_id)
        .fetch_one(pool)
        .await
        .context("loading a password hash")?;
    if stored.is_none() {
        return Err(AppError::Conflict(
            "You sign in through your company's identity provider, so there is no password to \
             change here."
                .into(),
        ));
    }
    let candidate: String = change.current.chars().take(MAX_LEN).collect();
    if !password::verify(candidate, stored).await? {
        throttle::record_failure(pool, &me.email, change.client_ip).await?;
        return Err(AppError::invalid(
            "current_password",
            "That isn't your current password. Check it and try again.",
        ));
    }
    password::check_new(change.new, &me.email, &[&me.name, &me.account_name])
        .map_err(|e| AppError::invalid("new_password", e.to_string()))?;
    let hash = password::hash(change.new.to_owned()).await?;

    let mut tx = pool.begin().await.context("starting a password change")?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1",
        me.user_id,
        &hash,
    )
    .execute(&mut *tx)
    .await
    .context("changing a password")?;
    end_other_sessions(&mut *tx, me.user_id, change.token).await?;
    audit::record_by(
        &mut *tx,
        &Actor::user(me, change.client_ip),
        AuditAction::PasswordChanged,
        &me.email,
        "Other sessions ended",
    )
    .await?;
    notify_password_changed(
        &mut *tx,
        mailing,
        me.account_id,
        me.user_id,
        &me.name,
        &me.email,
    )
    .await?;
    tx.commit().await.context("saving a password change")?;
    Ok(())
}

/// Whether the signed-in person is emailed about connection incidents: their own choice, or
/// their role's default (`user_gets_connection_alerts`).
pub async fn connection_alerts(pool: &PgPool, me: &CurrentUser) -> Result<bool, ServerError> {
    let on = sqlx::query_scalar!(
        r#"SELECT user_gets_connection_alerts(connection_alerts, role) AS "on!"
           FROM users WHERE id = $1 AND account_id = $2"#,
        me.user_id,
        me.account_id,
    )
    .fetch_optional(pool)
    .await
    .context("reading a person's alert choice")?;
    Ok(on.unwrap_or(false))
}

/// Switches the signed-in person's connection alerts on or off; returns the choice now saved.
pub async fn set_connection_alerts(
    pool: &PgPool,
    me: &CurrentUser,
    on: bool,
) -> Result<bool, ServerError> {
    sqlx::query!(
        "UPDATE users SET connection_alerts = $3 WHERE id = $1 AND account_id = $2",
        me.user_id,
        me.account_id,
        on,
    )
    .execute(pool)
    .await
    .context("saving a person's alert choice")?;
    connection_alerts(pool, me).await
}
