//! Signing in with email and password.

use sqlx::PgPool;

use crate::domain::email::EmailAddress;
use crate::server::accounts;
use crate::server::error::ServerError;

use super::{password, session, throttle};

/// Passwords longer than any we accept are refused before hashing, so a huge body cannot pin a
/// CPU.
use crate::domain::password::MAX_LEN as MAX_PASSWORD_LEN;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// One message for an unknown email and a wrong password, so neither can be probed.
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("too many failed attempts; retry in {0} s")]
    Throttled(u64),
    /// The person's account requires single sign-on with this provider.
    #[error("single sign-on with {0} is required")]
    SsoRequired(String),
    #[error(transparent)]
    Server(#[from] ServerError),
}

pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
    /// The session the browser already had, if any: it is revoked so the id always changes at
    /// sign-in (no session fixation).
    pub previous_token: Option<&'a str>,
}

/// The key failures are counted under: the address as typed, normalised, without control
/// characters and cut to the longest address. Postgres refuses NUL and its index refuses keys
/// of kilobytes, and an attempt that could not be recorded would not be throttled.
fn throttle_key(email: &str) -> String {
    email
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(EmailAddress::MAX_LEN)
        .collect()
}

pub async fn sign_in(
    pool: &PgPool,
    attempt: SignIn<'_>,
) -> Result<session::NewSession, SignInError> {
    let throttle_key = throttle_key(attempt.email);
    if let Some(wait) = throttle::retry_after(pool, &throttle_key, attempt.client_ip).await? {
        return Err(SignInError::Throttled(wait));
    }

    let email = EmailAddress::parse(attempt.email).ok();
    if let Some(email) = &email
        && let Some(provider) =
            crate::server::sso::settings::password_refused_for_email(pool, email.as_str()).await?
    {
        return Err(SignInError::SsoRequired(provider));
    }
    let found = match &email {
        Some(email) if attempt.password.len() <= MAX_PASSWORD_LEN => {
            accounts::credentials_for(pool, email).await?
        }
        _ => None,
    };
    let (user_id, stored) = match found {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let candidate: String = attempt.password.chars().take(MAX_PASSWORD_LEN).collect();
    let ok = password::verify(candidate, stored).await?;

    let Some(user_id) = user_id.filter(|_| ok) else {
        throttle::record_failure(pool, &throttle_key, attempt.client_ip).await?;
        return Err(SignInError::WrongCredentials);
    };

    throttle::clear(pool, &throttle_key).await?;
    // Only now, with the right password, so this tells nobody else the person is a member.
    if let Some(provider) =
        crate::server::sso::settings::password_refused_for_user(pool, user_id).await?
    {
        return Err(SignInError::SsoRequired(provider));
    }
    if let Some(previous) = attempt.previous_token {
        session::revoke(pool, previous).await?;
    }
    Ok(session::start(
        pool,
        user_id,
        &session::Origin {
            user_agent: attempt.user_agent,
            client_ip: attempt.client_ip,
        },
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_typed_address_has_a_key_the_database_can_store() {
        assert_eq!(throttle_key(" Ada@Acme.Example "), "ada@acme.example");
        assert_eq!(throttle_key("a\u{0}da@acme.example"), "ada@acme.example");
        let huge = throttle_key(&"x".repeat(10_000));
        assert_eq!(huge.chars().count(), EmailAddress::MAX_LEN);
    }
}
