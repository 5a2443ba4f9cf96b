//! Argon2id password hashing. Hashing is deliberately slow, so it runs on the blocking pool and
//! never stalls the async workers.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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

#[cfg(test)]
mod tests {
    use super::*;

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
