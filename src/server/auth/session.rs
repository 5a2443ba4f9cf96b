//! Server-side sessions kept in Postgres, so any replica can serve any request.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::user::CurrentUser;
use crate::server::accounts::UserRow;
use crate::server::error::{Context, ServerError};

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT_HOURS: i64 = 12;
/// ...and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT_DAYS: i64 = 7;
/// `last_seen_at` is refreshed at most this often, to keep reads from turning into writes.
const TOUCH_EVERY_SECS: i64 = 300;

/// A freshly issued session token. Only its hash is stored.
pub struct NewSession {
    pub token: String,
}

/// Never prints the token: a session token in a log is a session anyone can use.
impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewSession { token: <hidden> }")
    }
}

pub use super::token::hash as hash_token;

/// Where a session was started from, shown to its owner on "Your account".
#[derive(Clone, Debug, Default)]
pub struct Origin<'a> {
    pub user_agent: &'a str,
    pub client_ip: &'a str,
}

pub async fn create(
    pool: &PgPool,
    user_id: Uuid,
    origin: &Origin<'_>,
) -> Result<NewSession, ServerError> {
    let token = super::token::generate();
    sqlx::query!(
        "INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, client_ip)
         VALUES ($1, $2, now() + make_interval(hours => $3), $4, $5)",
        hash_token(&token),
        user_id,
        IDLE_TIMEOUT_HOURS as i32,
        crate::domain::text::clip(origin.user_agent, 300),
        origin.client_ip,
    )
    .execute(pool)
    .await
    .context("creating a session")?;
    Ok(NewSession { token })
}

/// A session for someone who has just proved who they are, recording when they signed in.
pub async fn start(
    pool: &PgPool,
    user_id: Uuid,
    origin: &Origin<'_>,
) -> Result<NewSession, ServerError> {
    let new = create(pool, user_id, origin).await?;
    sqlx::query!(
        "UPDATE users SET last_login_at = now() WHERE id = $1",
        user_id
    )
    .execute(pool)
    .await
    .context("recording the sign-in time")?;
    Ok(new)
}

/// The user behind a live session token, sliding its idle expiry forward.
pub async fn resolve(pool: &PgPool, token: &str) -> Result<Option<CurrentUser>, ServerError> {
    let hash = hash_token(token);
    let row = sqlx::query!(
        r#"SELECT u.id AS user_id, u.account_id, a.name AS account_name, u.name, u.email, u.role,
             extract(epoch FROM now() - s.last_seen_at)::bigint AS "idle_secs!"
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         JOIN accounts a ON a.id = u.account_id
         WHERE s.token_hash = $1
           AND s.expires_at > now()
           AND s.created_at > now() - make_interval(days => $2)"#,
        &hash,
        ABSOLUTE_TIMEOUT_DAYS as i32,
    )
    .fetch_optional(pool)
    .await
    .context("resolving a session")?;
    let Some(row) = row else { return Ok(None) };
    if row.idle_secs >= TOUCH_EVERY_SECS {
        sqlx::query!(
            "UPDATE sessions SET last_seen_at = now(),
                 expires_at = now() + make_interval(hours => $2)
             WHERE token_hash = $1",
            &hash,
            IDLE_TIMEOUT_HOURS as i32,
        )
        .execute(pool)
        .await
        .context("refreshing a session")?;
    }
    UserRow {
        user_id: row.user_id,
        account_id: row.account_id,
        account_name: row.account_name,
        name: row.name,
        email: row.email,
        role: row.role,
    }
    .into_current_user()
    .map(Some)
}

pub async fn revoke(pool: &PgPool, token: &str) -> Result<(), ServerError> {
    sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1",
        hash_token(token)
    )
    .execute(pool)
    .await
    .context("revoking a session")?;
    Ok(())
}

/// Removes expired sessions; called periodically by the server.
pub async fn purge_expired(pool: &PgPool) -> Result<u64, ServerError> {
    let done = sqlx::query!(
        "DELETE FROM sessions WHERE expires_at <= now()
            OR created_at <= now() - make_interval(days => $1)",
        ABSOLUTE_TIMEOUT_DAYS as i32,
    )
    .execute(pool)
    .await
    .context("purging expired sessions")?;
    Ok(done.rows_affected())
}
