//! Merge's webhook signature: base64url(HMAC-SHA256(key, raw body)) in
//! `X-Merge-Webhook-Signature`. The sandbox signs with it and the webhook endpoint checks it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "x-merge-webhook-signature";

pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time. Padding is optional: Merge does not say whether it
/// sends the trailing `=`, and Python's encoder adds it.
pub fn verify(key: &[u8], body: &[u8], header: &str) -> bool {
    let expected = sign(key, body);
    let given = header.trim().trim_end_matches('=');
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_merge_and_verifies_with_or_without_padding() {
        // Reference value computed with Python:
        // base64.urlsafe_b64encode(hmac.new(b"key", b'{"hook":{}}', "sha256").digest())
        let sig = sign(b"key", br#"{"hook":{}}"#);
        assert_eq!(sig, "VyR3RJGUqYyYKxv98R1Ler3DqWwrjelEMm0rYUvGYyQ");
        assert!(verify(b"key", br#"{"hook":{}}"#, &sig));
        assert!(verify(b"key", br#"{"hook":{}}"#, &format!("{sig}=")));
        assert!(!verify(b"key", br#"{"hook":{} }"#, &sig));
        assert!(!verify(b"other", br#"{"hook":{}}"#, &sig));
        assert!(!verify(b"key", br#"{"hook":{}}"#, ""));
    }
}
