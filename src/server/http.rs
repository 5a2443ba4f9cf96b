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
/// configured to sit behind a trusted proxy. Only an address is taken from the header: the value
/// is stored with failed sign-ins, and anything else there could be kilobytes of text.
pub fn client_ip(req: &Request, trust_proxy_headers: bool) -> String {
    if trust_proxy_headers
        && let Some(forwarded) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
    {
        return forwarded.to_string();
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

/// Refusals the framework writes itself (a 405 without a body, tower-http's 413 "length limit
/// exceeded", an address whose id does not parse, an unknown server function) are given a
/// sentence a person can act on. The app's own refusals (pages, server-function errors, plain
/// sentences) pass through unchanged.
pub async fn readable_refusals(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !status.is_client_error() || html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let readable = serde_json::from_slice::<AppError>(&bytes).is_ok()
        || std::str::from_utf8(&bytes).is_ok_and(is_sentence);
    if readable {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(refusal(status)))
}

/// Plain prose: a capital first, a full stop last, and none of the marks of code.
fn is_sentence(text: &str) -> bool {
    let text = text.trim();
    text.chars().next().is_some_and(char::is_uppercase)
        && text.ends_with(['.', '!', '?'])
        && !text.contains(['`', '{', '}'])
        && !text.contains("::")
}

fn refusal(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => {
            "This request was refused: it carries no valid session or signature."
        }
        StatusCode::NOT_FOUND => {
            "There is nothing at this address. Check it, or start again from the home page."
        }
        StatusCode::METHOD_NOT_ALLOWED => "This address does not accept that kind of request.",
        StatusCode::PAYLOAD_TOO_LARGE => {
            "This request is too large. Send less at once and try again."
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "This request is in a format HR Connectors does not read. Reload the page and try again."
        }
        _ => "This request could not be read. Reload the page and try again.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_messages_are_not_sentences() {
        assert!(is_sentence(
            "This request came from another website and was refused."
        ));
        for technical in [
            "",
            "length limit exceeded",
            "Could not find a server function at the route /api/x. Call `register_explicit()`.",
            "Invalid URL: Cannot parse `x` to a `Uuid`",
            "Failed to deserialize form body: missing field `id`",
        ] {
            assert!(!is_sentence(technical), "{technical}");
        }
    }

    #[test]
    fn origin_of_a_referer_drops_the_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/login?next=/").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
