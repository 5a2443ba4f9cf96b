//! The session cookie: HttpOnly, SameSite=Lax, Secure whenever the site is served over https.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION_COOKIE: &str = "hrc_session";

/// Sessions last at most this long without activity (see `session::IDLE_TIMEOUT`); the cookie
/// itself lives as long as the absolute session limit.
const MAX_AGE_SECS: i64 = 7 * 24 * 3600;

pub fn set(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token from the request's `Cookie` headers, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    read_named(headers, SESSION_COOKIE)
}

/// The value of cookie `wanted`, if present, non-empty and no longer than any token of ours.
pub fn read_named(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn sets_the_protective_attributes() {
        let c = set("abc", true);
        for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(c.contains(attr), "{c}");
        }
        assert!(!set("abc", false).contains("Secure"));
        assert!(clear(false).contains("Max-Age=0"));
    }

    #[test]
    fn reads_its_own_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("theme=dark; hrc_session=tok123"),
        );
        assert_eq!(read(&headers).as_deref(), Some("tok123"));
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("hrc_session="));
        assert_eq!(read(&headers), None);
    }
}
