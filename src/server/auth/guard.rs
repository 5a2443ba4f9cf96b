//! The session middleware: resolves the cookie once per request, and sends anyone without a
//! session to the sign-in page before a protected page is rendered.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::http::client_ip;
use crate::server::state::AppState;

use super::context::RequestSession;
use super::{cookie, session};

/// The files copied from `public/` into the site root (a test keeps this list equal to the
/// folder). A path is a file because it is listed, never because of its shape: a page address
/// such as `/help/connect/sage.hr` has a dot too.
pub const PUBLIC_FILES: &[&str] = &["/favicon.svg"];

/// The site's static files: the built bundle under `/pkg/` and the listed public files. They
/// need no session, and are served without looking one up.
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/") || PUBLIC_FILES.contains(&path)
}

/// Pages for people who are not signed in: signing in, joining from an invitation, resetting
/// a forgotten password, and a colleague's request to connect an HR system (and its return from
/// Merge Link).
const SIGNED_OUT_PAGES: &[&str] = &[
    "/login",
    "/invitation",
    "/forgot-password",
    "/reset-password",
    "/connect",
    "/connect/linked",
];

/// Paths anyone may request. Server functions (`/api/…`) check the session themselves and
/// answer 401, which is what a script calling them needs, rather than a redirect.
fn is_public(path: &str) -> bool {
    SIGNED_OUT_PAGES.contains(&path)
        || path == "/healthz"
        || path.starts_with("/api/")
        || path.starts_with("/webhooks/")
        // Single sign-on happens before there is a session; its refusal page too.
        || matches!(path, "/sso/start" | "/sso/callback" | "/sso/error")
        || is_static(path)
}

pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let ip = client_ip(&req, state.config.trust_proxy_headers);
    if is_static(&path) {
        req.extensions_mut().insert(RequestSession {
            client_ip: ip,
            ..Default::default()
        });
        return next.run(req).await;
    }

    let token = cookie::read(req.headers());
    let user = match &token {
        Some(token) => match session::resolve(&state.pool, token).await {
            Ok(user) => user,
            Err(err) => {
                tracing::error!(error = %err, "could not resolve a session");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "HR Connectors cannot reach its database right now. Please try again in a minute.",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let stale_cookie = token.is_some() && user.is_none();
    let is_page = matches!(*req.method(), Method::GET | Method::HEAD);

    if is_page && user.is_none() && !is_public(&path) {
        let mut target = format!("/login?next={}", encode_component(&path_and_query(&req)));
        if stale_cookie {
            target.push_str("&expired=1");
        }
        return redirect(
            &target,
            stale_cookie.then(|| cookie::clear(state.config.secure_cookies())),
        );
    }
    if is_page && user.is_some() && path == "/login" {
        return redirect("/campaigns", None);
    }

    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::domain::text::clip(v, 300))
        .unwrap_or_default();
    req.extensions_mut().insert(RequestSession {
        user,
        token: token.filter(|_| !stale_cookie),
        client_ip: ip,
        user_agent,
    });
    let mut response = next.run(req).await;
    if stale_cookie && let Ok(v) = cookie::clear(state.config.secure_cookies()).parse() {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

fn path_and_query(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

fn redirect(target: &str, set_cookie: Option<String>) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(LOCATION, target);
    if let Some(c) = set_cookie {
        builder = builder.header(SET_COOKIE, c);
    }
    builder
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_assets_and_apis_are_public() {
        for p in [
            "/login",
            "/invitation",
            "/forgot-password",
            "/reset-password",
            "/connect",
            "/connect/linked",
            "/healthz",
            "/api/auth/login",
            "/pkg/app.wasm",
            "/favicon.svg",
            "/sso/start",
            "/sso/callback",
            "/sso/error",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/",
            "/campaigns",
            "/integrations",
            "/help/which-data",
            "/outbox",
            "/team",
            "/account",
            "/invitation/x",
            "/connect/x",
            "/help/connect/sage.hr",
            "/campaigns/0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00.x",
            "/integrations/x.y",
            "/favicon.svg/x.y",
            "/robots.txt",
            "/sso",
            "/sso/start/x",
            "/team/sso",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn the_public_files_are_exactly_those_in_the_public_folder() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public");
        let mut found: Vec<String> = Vec::new();
        let mut pending = vec![folder.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(&folder).unwrap();
                    found.push(format!("/{}", relative.display()));
                }
            }
        }
        found.sort();
        let mut listed: Vec<String> = PUBLIC_FILES.iter().map(|p| (*p).to_owned()).collect();
        listed.sort();
        assert_eq!(
            found, listed,
            "PUBLIC_FILES must list every file in public/"
        );
    }

    #[test]
    fn encodes_the_return_path() {
        assert_eq!(
            encode_component("/campaigns?team=Sales & Ops"),
            "/campaigns%3Fteam%3DSales%20%26%20Ops"
        );
    }
}
