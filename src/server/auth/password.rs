//! Argon2id password hashing. Hashing is deliberately slow, so it runs on the blocking pool and
//! never stalls the async workers.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::domain::password::{self as password_rules, PasswordProblem};
use crate::server::error::ServerError;

pub async fn hash(password: String) -> Result<String, ServerError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServerError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| ServerError::Internal(format!("password hashing task: {e}")))?
}

/// A real hash of a random password, verified against when the email is unknown so that a
/// wrong email takes as long as a wrong password and the response time reveals nothing.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
        .expect("hashing the decoy password")
        .to_string()
});

/// Checks `password` against `stored`, or against the decoy when there is no user.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ServerError> {
    tokio::task::spawn_blocking(move || {
        let is_real = stored.is_some();
        let stored = stored.unwrap_or_else(|| DECOY_HASH.clone());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| ServerError::Internal(format!("stored password hash unreadable: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && is_real)
    })
    .await
    .map_err(|e| ServerError::Internal(format!("password verification task: {e}")))?
}

/// The whole rule for a new password: the shared checks, then a strength estimate that knows
/// common passwords, keyboard walks, dates and the person's own details (`related`: their
/// name, email, company), so "Password123!" or "Acme12345678" are refused.
pub fn check_new(password: &str, email: &str, related: &[&str]) -> Result<(), PasswordProblem> {
    password_rules::check(password, email)?;
    let mut inputs: Vec<&str> = related.iter().flat_map(|s| s.split_whitespace()).collect();
    inputs.push(email);
    inputs.extend(email.split(['@', '.']));
    inputs.extend(["hr connectors", "hrconnectors", "&open", "password"]);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) >= MIN_SCORE {
        return Ok(());
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!("{w} "))
        .unwrap_or_default();
    Err(PasswordProblem::TooGuessable(format!(
        "This password would be easy to guess. {why}Try a few unrelated words, or a longer phrase."
    )))
}

/// zxcvbn's scale: 3 is "safely unguessable: moderate protection from offline slow-hash scenario".
const MIN_SCORE: u8 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_or_personal_passwords_are_refused() {
        for weak in [
            "password1234",
            "Password123!",
            "qwertyuiop123",
            "lovelace1815",
            "acme12345678",
        ] {
            assert!(
                matches!(
                    check_new(weak, "ada@acme.example", &["Ada Lovelace", "Acme Ltd"]),
                    Err(PasswordProblem::TooGuessable(_))
                ),
                "{weak} should be refused"
            );
        }
        assert_eq!(
            check_new("lantern-oboe-42-quartz", "ada@acme.example", &["Ada"]),
            Ok(())
        );
        assert_eq!(
            check_new("short", "ada@acme.example", &[]),
            Err(PasswordProblem::TooShort)
        );
    }

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("correct horse".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong".into(), Some(stored)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
