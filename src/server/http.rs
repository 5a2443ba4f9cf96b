//! HTTP-level protections applied to every response and request.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

use super::state::AppState;

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when the server is
/// configured to sit behind a trusted proxy.
pub fn client_ip(req: &Request, trust_proxy_headers: bool) -> String {
    if trust_proxy_headers
        && let Some(forwarded) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return forwarded.to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Refuses state-changing requests that come from another site. Browsers always send `Origin`
/// on such requests; it must match this site's own origin. Webhooks are signed instead.
pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || req.uri().path().starts_with("/webhooks/") {
        return next.run(req).await;
    }
    let host_origin = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| {
            let scheme = if state.config.secure_cookies() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        });
    let claimed = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            req.headers()
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
    let allowed = claimed.as_deref().is_some_and(|origin| {
        origin == state.config.public_url || Some(origin) == host_origin.as_deref()
    });
    if !allowed {
        tracing::warn!(path = %req.uri().path(), "refused a cross-origin request");
        return (
            StatusCode::FORBIDDEN,
            "This request came from another website and was refused. Reload HR Connectors and try again.",
        )
            .into_response();
    }
    next.run(req).await
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// Headers that keep browsers from framing, sniffing or leaking the app.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    // Pages set their own policy with a nonce (`app::shell`); everything else embeds nothing.
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    response
}

/// Server functions answer every error with 500; this gives each error its real status (401 for
/// no session, 403 for a refused role, 404, 422 for bad input…) so that HTTP clients, logs and
/// the isolation tests see what happened. The browser decodes any 4xx/5xx body the same way.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_a_referer_drops_the_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/login?next=/").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
