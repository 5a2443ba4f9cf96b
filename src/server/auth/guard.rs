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

/// Paths anyone may request. Server functions (`/api/…`) check the session themselves and
/// answer 401, which is what a script calling them needs, rather than a redirect.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/healthz"
        || path.starts_with("/api/")
        || path.starts_with("/webhooks/")
        || path.starts_with("/pkg/")
        // Files copied from public/ (logos, favicon) all have an extension; pages never do.
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let is_static = path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    let ip = client_ip(&req, state.config.trust_proxy_headers);
    if is_static {
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

    req.extensions_mut().insert(RequestSession {
        user,
        token: token.filter(|_| !stale_cookie),
        client_ip: ip,
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
            "/healthz",
            "/api/auth/login",
            "/pkg/app.wasm",
            "/favicon.svg",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/",
            "/campaigns",
            "/integrations",
            "/help/which-data",
            "/outbox",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn encodes_the_return_path() {
        assert_eq!(
            encode_component("/campaigns?team=Sales & Ops"),
            "/campaigns%3Fteam%3DSales%20%26%20Ops"
        );
    }
}
