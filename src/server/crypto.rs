//! Encryption at rest for secrets kept in Postgres (Merge account tokens, HR credentials).
//!
//! AES-256-GCM with a random 96-bit nonce per value. Each ciphertext names the key that made it
//! (a short fingerprint), so keys can be rotated: the current key encrypts, current and previous
//! keys decrypt, and `reencrypt` moves old values onto the current key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

use super::secret::Secret;

const VERSION: &str = "v1";

/// A 32-byte key. `Debug` shows only its fingerprint.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
    fingerprint: String,
}

impl Key {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        let fingerprint = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self { bytes, fingerprint }
    }

    /// Parses the configured form: 32 bytes in standard base64 (padding optional).
    pub fn parse(encoded: &str) -> Result<Self, CryptoError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .or_else(|_| B64.decode(encoded.trim()))
            .map_err(|_| CryptoError::BadKey)?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes)
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Derives an independent sub-key for another purpose (e.g. signing), so one configured
    /// secret never serves two cryptographic roles.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"hr-connectors/");
        hasher.update(purpose.as_bytes());
        hasher.update(self.bytes);
        hasher.finalize().into()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.fingerprint)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the key must be 32 bytes encoded in base64")]
    BadKey,
    #[error("the stored secret is not in a format this version understands")]
    Malformed,
    #[error("the stored secret was encrypted with a key that is not configured (fingerprint {0})")]
    UnknownKey(String),
    #[error("the stored secret failed authentication: it was altered or the key is wrong")]
    Tampered,
}

/// Encrypts with the current key and decrypts with any configured key.
#[derive(Clone, Debug)]
pub struct SecretBox {
    current: Key,
    previous: Vec<Key>,
}

impl SecretBox {
    pub fn new(current: Key, previous: Vec<Key>) -> Self {
        Self { current, previous }
    }

    /// `context` binds the ciphertext to what it belongs to (e.g. a connection id), so a value
    /// copied into another row fails to decrypt.
    pub fn encrypt(&self, plaintext: &Secret, context: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&self.current.bytes).expect("32-byte key");
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.expose().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption cannot fail for in-memory buffers");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!(
            "{VERSION}:{}:{}",
            self.current.fingerprint,
            B64.encode(blob)
        )
    }

    pub fn decrypt(&self, stored: &str, context: &str) -> Result<Secret, CryptoError> {
        let mut parts = stored.splitn(3, ':');
        let (Some(VERSION), Some(fingerprint), Some(body)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.fingerprint == fingerprint)
            .ok_or_else(|| CryptoError::UnknownKey(fingerprint.to_owned()))?;
        let blob = B64.decode(body).map_err(|_| CryptoError::Malformed)?;
        if blob.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(12);
        let cipher = Aes256Gcm::new_from_slice(&key.bytes).expect("32-byte key");
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| CryptoError::Tampered)
    }

    /// Whether `stored` was made with an older key and should be re-encrypted.
    pub fn is_stale(&self, stored: &str) -> bool {
        stored
            .split(':')
            .nth(1)
            .is_some_and(|fp| fp != self.current.fingerprint)
    }

    /// Decrypts with whichever key made it and encrypts again with the current key.
    pub fn reencrypt(&self, stored: &str, context: &str) -> Result<String, CryptoError> {
        let plain = self.decrypt(stored, context)?;
        Ok(self.encrypt(&plain, context))
    }

    pub fn current_key(&self) -> &Key {
        &self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let sbox = SecretBox::new(Key::generate(), vec![]);
        let stored = sbox.encrypt(&Secret::new("acct_tok_SECRET"), "conn-1");
        assert!(!stored.contains("acct_tok_SECRET"));
        assert_eq!(
            sbox.decrypt(&stored, "conn-1").unwrap().expose(),
            "acct_tok_SECRET"
        );
    }

    #[test]
    fn refuses_a_value_moved_to_another_context_or_altered() {
        let sbox = SecretBox::new(Key::generate(), vec![]);
        let stored = sbox.encrypt(&Secret::new("token"), "conn-1");
        assert_eq!(sbox.decrypt(&stored, "conn-2"), Err(CryptoError::Tampered));
        let mut altered = stored.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(sbox.decrypt(&altered, "conn-1").is_err());
        assert_eq!(
            sbox.decrypt("plaintext", "conn-1"),
            Err(CryptoError::Malformed)
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_moves_them_to_the_new_key() {
        let old = Key::generate();
        let before = SecretBox::new(old.clone(), vec![]);
        let stored = before.encrypt(&Secret::new("token"), "c");

        let after = SecretBox::new(Key::generate(), vec![old]);
        assert!(after.is_stale(&stored));
        assert_eq!(after.decrypt(&stored, "c").unwrap().expose(), "token");
        let moved = after.reencrypt(&stored, "c").unwrap();
        assert!(!after.is_stale(&moved));

        let without_old = SecretBox::new(after.current_key().clone(), vec![]);
        assert!(matches!(
            without_old.decrypt(&stored, "c"),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(without_old.decrypt(&moved, "c").unwrap().expose(), "token");
    }

    #[test]
    fn keys_parse_from_base64_and_debug_shows_only_a_fingerprint() {
        let key = Key::generate();
        let parsed = Key::parse(&key.encode()).unwrap();
        assert_eq!(parsed.fingerprint(), key.fingerprint());
        assert!(!format!("{parsed:?}").contains(&key.encode()));
        assert_eq!(Key::parse("too-short").unwrap_err(), CryptoError::BadKey);
    }
}
