//! Bearer tokens for sessions and emailed links: 32 random bytes, URL-safe, and only their
//! SHA-256 is ever stored, so a copy of the database opens nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Longest token a request may present; anything longer is not ours and is not hashed.
pub const MAX_LEN: usize = 128;

pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token as typed or pasted into a link, if it could be one of ours.
pub fn plausible(token: &str) -> Option<&str> {
    let token = token.trim();
    (!token.is_empty()
        && token.len() <= MAX_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_32_random_bytes_and_differ() {
        let a = generate();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, generate());
        assert_eq!(plausible(&a), Some(a.as_str()));
        assert_eq!(hash(&a).len(), 32);
    }

    #[test]
    fn only_plausible_tokens_are_looked_up() {
        for bad in ["", "  ", "a b", "a\0b", "é", &"x".repeat(MAX_LEN + 1)] {
            assert_eq!(plausible(bad), None, "{bad:?}");
        }
    }
}
