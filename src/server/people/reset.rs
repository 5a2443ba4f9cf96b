//! "Forgot your password?": a single-use link valid for an hour. The answer to a request is the
//! same whether or not the address has a login, and requests are throttled per address and per
//! client so the form can be used neither to probe for people nor to flood an inbox.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Mailing;
use super::account::{end_other_sessions, notify_password_changed};
use crate::domain::audit::AuditAction;
use crate::domain::email::EmailAddress;
use crate::domain::team::{LinkProblem, RESET_MINUTES};
use crate::error::AppError;
use crate::server::auth::{password, session, throttle, token};
use crate::server::error::{Context, ServerError};
use crate::server::mail::outbox::{self, NewMail};
use crate::server::mail::people as compose;
use crate::server::sso::settings::password_refused_for_user;
use crate::server::store::audit::{self, Actor};

/// Sends a reset link if the address has a login. Returns `Ok` either way.
pub async fn request(mailing: Mailing<'_>, typed: &str, client_ip: &str) -> Result<(), AppError> {
    let pool = mailing.pool;
    let email =
        EmailAddress::parse(typed).map_err(|e| AppError::invalid("email", e.to_string()))?;
    if let Some(wait) = throttle::wait(pool, &throttle::RESET, email.as_str(), client_ip).await? {
        return Err(AppError::Throttled {
            retry_after_secs: wait,
        });
    }
    throttle::record(pool, &throttle::RESET, email.as_str(), client_ip).await?;

    let user = sqlx::query!(
        "SELECT id, account_id, name FROM users WHERE email = $1",
        email.as_str()
    )
    .fetch_optional(pool)
    .await
    .context("looking up a user for a reset")?;
    let Some(user) = user else {
        return Ok(());
    };
    // A password would not let them in: say how they do sign in instead of sending a link.
    if let Some(provider) = password_refused_for_user(pool, user.id).await? {
        let mail = compose::sign_in_with_provider(&user.name, &provider, mailing.public_url);
        outbox::enqueue(
            pool,
            NewMail {
                account_id: user.account_id,
                dedupe_key: &format!("reset-sso:{}", Uuid::new_v4()),
                to: email.as_str(),
                subject: &mail.subject,
                body: &mail.body,
            },
        )
        .await?;
        return Ok(());
    }
    let token = token::generate();
    let mut tx = pool.begin().await.context("starting a reset")?;
    sqlx::query!(
        "INSERT INTO password_resets (token_hash, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(mins => $3))",
        token::hash(&token),
        user.id,
        RESET_MINUTES as i32,
    )
    .execute(&mut *tx)
    .await
    .context("saving a reset link")?;
    let link = format!("{}/reset-password?token={token}", mailing.public_url);
    let mail = compose::reset(&user.name, &link);
    outbox::enqueue_sealed(
        &mut *tx,
        mailing.secrets,
        NewMail {
            account_id: user.account_id,
            dedupe_key: &format!("reset:{}", Uuid::new_v4()),
            to: email.as_str(),
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    tx.commit().await.context("queueing a reset link")?;
    Ok(())
}

struct ResetRow {
    token_hash: Vec<u8>,
    user_id: Uuid,
    account_id: Uuid,
    email: String,
    name: String,
    account_name: String,
    used_at: Option<DateTime<Utc>>,
    expired: bool,
}

/// `query_as!` into [`ResetRow`] for the link with token hash `$hash`; `$rest` follows the
/// statement (a lock, or nothing). The macro needs literal SQL, hence a macro, not a constant.
macro_rules! reset_query {
    ($rest:literal, $hash:expr) => {
        sqlx::query_as!(
            ResetRow,
            r#"SELECT r.token_hash, r.user_id, u.account_id, u.email, u.name,
                   a.name AS account_name, r.used_at, r.expires_at <= now() AS "expired!"
               FROM password_resets r JOIN users u ON u.id = r.user_id
                   JOIN accounts a ON a.id = u.account_id
               WHERE r.token_hash = $1 "#
                + $rest,
            $hash
        )
    };
}

fn link_error(problem: LinkProblem) -> AppError {
    match problem {
        LinkProblem::Unknown => AppError::NotFound(problem.reset_message()),
        other => AppError::Conflict(other.reset_message()),
    }
}

fn usable(row: Option<ResetRow>) -> Result<ResetRow, AppError> {
    let row = row.ok_or_else(|| link_error(LinkProblem::Unknown))?;
    if row.used_at.is_some() {
        Err(link_error(LinkProblem::Used))
    } else if row.expired {
        Err(link_error(LinkProblem::Expired { ask: String::new() }))
    } else {
        Ok(row)
    }
}

async fn find(pool: &PgPool, typed: &str) -> Result<Option<ResetRow>, ServerError> {
    let Some(t) = token::plausible(typed) else {
        return Ok(None);
    };
    reset_query!("", token::hash(t))
        .fetch_optional(pool)
        .await
        .context("looking up a reset link")
}

/// The address a working link resets, for the page to show.
pub async fn preview(pool: &PgPool, typed: &str) -> Result<String, AppError> {
    Ok(usable(find(pool, typed).await?)?.email)
}

/// Sets the new password, ends every session of that person, emails them that it changed, and
/// signs this browser in.
pub async fn complete(
    mailing: Mailing<'_>,
    typed: &str,
    new_password: &str,
    origin: &session::Origin<'_>,
) -> Result<session::NewSession, AppError> {
    let pool = mailing.pool;
    let row = usable(find(pool, typed).await?)?;
    if let Some(provider) = password_refused_for_user(pool, row.user_id).await? {
        return Err(AppError::Conflict(format!(
            "Your company signs in with {provider}, so a password can't be set here. Use \
             \"Continue with {provider}\" on the sign-in page."
        )));
    }
    password::check_new(new_password, &row.email, &[&row.name, &row.account_name])
        .map_err(|e| AppError::invalid("password", e.to_string()))?;
    let hash = password::hash(new_password.to_owned()).await?;

    let mut tx = pool.begin().await.context("starting a password reset")?;
    let locked = reset_query!("FOR UPDATE OF r", &row.token_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("locking a reset link")?;
    let row = usable(locked)?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1",
        row.user_id,
        &hash,
    )
    .execute(&mut *tx)
    .await
    .context("setting a new password")?;
    // Every outstanding link of this person is spent: the one used, and any sent earlier.
    sqlx::query!(
        "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
        row.user_id,
    )
    .execute(&mut *tx)
    .await
    .context("spending reset links")?;
    end_other_sessions(&mut *tx, row.user_id, None).await?;
    audit::record_by(
        &mut *tx,
        &Actor {
            account_id: row.account_id,
            user_id: Some(row.user_id),
            name: &row.name,
            email: &row.email,
            client_ip: origin.client_ip,
        },
        AuditAction::PasswordReset,
        &row.email,
        "Every session ended",
    )
    .await?;
    notify_password_changed(
        &mut *tx,
        mailing,
        row.account_id,
        row.user_id,
        &row.name,
        &row.email,
    )
    .await?;
    tx.commit().await.context("saving a password reset")?;
    // The person proved they own the address: earlier failed guesses no longer count.
    throttle::clear(pool, &row.email).await?;
    Ok(session::start(pool, row.user_id, origin).await?)
}
