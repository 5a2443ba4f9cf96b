//! The sandbox's HTTP surface: Merge's paths, headers, status codes and error bodies, plus a few
//! `/sandbox/v1` controls for tests (faults, advancing time).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use serde_json::{Value, json};

use super::state::{Faults, LinkedAccount};
use super::{Sandbox, accounts, admin, catalogue, data, linking};

pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/api/integrations", get(catalogue_all))
        .route("/api/integrations/", get(catalogue_all))
        .route("/api/organizations/integrations", get(catalogue_org))
        .route(
            "/api/integrations/create-link-token",
            post(linking::create_link_token),
        )
        .route("/api/hris/v1/link-token", post(linking::create_link_token))
        .route(
            "/api/integrations/account-token/{public_token}",
            get(linking::account_token),
        )
        .route(
            "/api/hris/v1/account-token/{public_token}",
            get(linking::account_token),
        )
        .route(
            "/api/integrations/bootstrap-linked-account",
            post(linking::bootstrap),
        )
        .route("/api/hris/v1/employees", get(data::employees))
        .route("/api/hris/v1/employees/{id}", get(data::employee))
        .route("/api/hris/v1/employments", get(data::employments))
        .route("/api/hris/v1/teams", get(data::teams))
        .route("/api/hris/v1/locations", get(data::locations))
        .route("/api/hris/v1/groups", get(data::groups))
        .route("/api/hris/v1/companies", get(data::companies))
        .route("/api/hris/v1/sync-status", get(accounts::sync_status))
        .route("/api/hris/v1/sync-status/resync", post(accounts::resync))
        .route(
            "/api/hris/v1/account-details",
            get(accounts::account_details),
        )
        .route(
            "/api/hris/v1/delete-account",
            post(accounts::delete_account),
        )
        .route("/api/hris/v1/issues", get(accounts::issues))
        .route(
            "/api/hris/v1/linked-accounts",
            get(accounts::linked_accounts),
        )
        .route(
            "/link/{link_token}",
            get(linking::link_page).post(linking::link_submit),
        )
        .route("/logos/{file}", get(logo))
        .route("/sandbox/v1/faults", put(admin::global_faults))
        .route(
            "/sandbox/v1/linked-accounts/{id}/faults",
            put(admin::account_faults),
        )
        .route(
            "/sandbox/v1/linked-accounts/{id}/advance",
            post(admin::advance),
        )
        .route(
            "/sandbox/v1/linked-accounts/{id}/finish-sync",
            post(admin::finish_sync),
        )
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found.") })
        .with_state(sandbox)
}

/// Merge's (Django REST Framework's) error body.
pub fn detail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "detail": message }))).into_response()
}

pub fn json_response(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response()
}

/// A request that carries the API key (`Authorization: Bearer <key>`). As an extractor it turns
/// every route's key check into a parameter, answered with Merge's 401 body when it fails.
pub struct ApiKey;

impl FromRequestParts<Arc<Sandbox>> for ApiKey {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        sandbox: &Arc<Sandbox>,
    ) -> Result<Self, Response> {
        let Some(key) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
        else {
            return Err(detail(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials were not provided.",
            ));
        };
        match &sandbox.state.config.api_key {
            Some(expected) if expected != key => {
                Err(detail(StatusCode::UNAUTHORIZED, "Invalid API key."))
            }
            _ => Ok(ApiKey),
        }
    }
}

/// A request that passed the API-key and account-token checks and the fault dice.
pub struct Authorized {
    pub account: LinkedAccount,
    pub faults: Faults,
    /// This request's fault draw, reused to decide whether to drop the body.
    pub roll: u8,
}

impl FromRequestParts<Arc<Sandbox>> for Authorized {
    type Rejection = Response;

    /// Checks the API key and `X-Account-Token`, applies faults, and finds the linked account.
    async fn from_request_parts(
        parts: &mut Parts,
        sandbox: &Arc<Sandbox>,
    ) -> Result<Self, Response> {
        ApiKey::from_request_parts(parts, sandbox).await?;
        let Some(token) = parts
            .headers
            .get("x-account-token")
            .and_then(|v| v.to_str().ok())
        else {
            return Err(detail(
                StatusCode::UNAUTHORIZED,
                "Missing X-Account-Token header.",
            ));
        };
        let (account, faults, roll) = {
            let mut inner = sandbox.state.lock();
            let Some(account) = inner.by_token(token).cloned() else {
                return Err(detail(StatusCode::UNAUTHORIZED, "Invalid account token."));
            };
            let faults = account.faults.merged(&inner.global_faults);
            let roll = inner.roll();
            (account, faults, roll)
        };
        if faults.slow_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.slow_ms)).await;
        }
        if roll < faults.rate_limit_pct {
            let mut res = detail(
                StatusCode::TOO_MANY_REQUESTS,
                "Request was throttled. Expected available in 1 second.",
            );
            let secs = faults.retry_after_secs.max(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(res);
        }
        if roll >= 100 - faults.server_error_pct.min(100) {
            let status = [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
            ][roll as usize % 3];
            return Err(detail(status, "A server error occurred."));
        }
        Ok(Authorized {
            account,
            faults,
            roll,
        })
    }
}

/// A paginated list body; with the drop fault, cut off mid-body so the client sees a broken
/// connection, not a clean error.
pub fn page_response(
    results: Vec<Value>,
    next: Option<String>,
    faults: &Faults,
    roll: u8,
) -> Response {
    let items = results.iter().map(|v| v.to_string()).collect();
    page_response_raw(items, next, faults, roll)
}

/// The same, from records already written as JSON text.
pub fn page_response_raw(
    results: Vec<String>,
    next: Option<String>,
    faults: &Faults,
    roll: u8,
) -> Response {
    let mut bytes = Vec::with_capacity(results.iter().map(String::len).sum::<usize>() + 64);
    bytes.extend_from_slice(b"{\"next\":");
    let _ = serde_json::to_writer(&mut bytes, &next);
    bytes.extend_from_slice(b",\"previous\":null,\"results\":[");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            bytes.push(b',');
        }
        bytes.extend_from_slice(r.as_bytes());
    }
    bytes.extend_from_slice(b"]}");
    if roll < faults.drop_pct {
        let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
        let stream = futures::stream::iter(vec![
            Ok::<Bytes, std::io::Error>(half),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "sandbox fault: connection dropped",
            )),
        ]);
        return Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

async fn catalogue_all(
    axum::extract::State(sandbox): axum::extract::State<Arc<Sandbox>>,
) -> Response {
    let base = sandbox.root_url();
    let all: Vec<Value> = catalogue::entries()
        .map(|e| catalogue::to_json(&e, &base))
        .collect();
    json_response(&Value::Array(all))
}

async fn catalogue_org(
    axum::extract::State(sandbox): axum::extract::State<Arc<Sandbox>>,
    _: ApiKey,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> Response {
    let plain = &super::params::Endpoint::<()>::PLAIN;
    let params = match super::params::ListParams::parse(&query, plain, |_, _| true) {
        Ok(p) => p,
        Err(msg) => return detail(StatusCode::BAD_REQUEST, &msg),
    };
    let base = sandbox.root_url();
    let all: Vec<_> = catalogue::entries().collect();
    let start = params.start as usize;
    let end = (start + params.page_size).min(all.len());
    let results = all
        .get(start..end)
        .unwrap_or(&[])
        .iter()
        .map(|e| catalogue::to_json(e, &base))
        .collect();
    let next = (end < all.len()).then(|| super::params::encode_cursor(end as u64));
    page_response(results, next, &Faults::default(), 100)
}

async fn logo(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some(entry) = file.strip_suffix(".svg").and_then(catalogue::find) else {
        return detail(StatusCode::NOT_FOUND, "Not found.");
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        catalogue::logo_svg(&entry),
    )
        .into_response()
}
