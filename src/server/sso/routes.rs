//! `GET /sso/start` sends the browser to the identity provider; `GET /sso/callback` takes its
//! answer. Both are plain routes (the browser navigates to them) and public. Every refusal
//! redirects to `/sso/error?reason=<code>`, a page with one sentence and a way back; no token,
//! code or provider message is ever put in a page or a log.

use axum::Extension;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::auth::safe_return_path;
use crate::domain::email::EmailAddress;
use crate::domain::sso::SsoRefusal;
use crate::server::auth::context::RequestSession;
use crate::server::auth::{cookie, session};
use crate::server::error::{Context, ServerError};
use crate::server::state::AppState;

use super::login::{self, Consumed};
use super::{oidc, settings};

/// Holds the state of the sign-in this browser started, so an answer carrying another state
/// (someone else's sign-in, or a changed one) is refused. Lax so it comes back on the
/// provider's redirect; only sent to `/sso/`.
const STATE_COOKIE: &str = "hrc_sso_state";

fn state_cookie(value: &str, secure: bool) -> String {
    format!(
        "{STATE_COOKIE}={value}; Path=/sso/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        login::TTL_SECS,
        if secure { "; Secure" } else { "" }
    )
}

fn clear_state_cookie(secure: bool) -> String {
    format!(
        "{STATE_COOKIE}=; Path=/sso/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

fn read_state_cookie(headers: &HeaderMap) -> Option<String> {
    crate::server::auth::cookie::read_named(headers, STATE_COOKIE)
}

fn redirect(target: &str, cookies: &[String]) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(LOCATION, target)
        .header("cache-control", "no-store");
    for c in cookies {
        builder = builder.header(SET_COOKIE, c);
    }
    builder
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn refuse(state: &AppState, reason: SsoRefusal) -> Response {
    tracing::info!(reason = reason.code(), "single sign-on refused");
    redirect(
        &format!("/sso/error?reason={}", reason.code()),
        &[clear_state_cookie(state.config.secure_cookies())],
    )
}

/// A refusal before this browser's own sign-in was taken (an answer carrying another state):
/// its cookie stays, so the genuine answer can still finish that sign-in.
fn refuse_keeping_state(reason: SsoRefusal) -> Response {
    tracing::info!(reason = reason.code(), "single sign-on refused");
    redirect(&format!("/sso/error?reason={}", reason.code()), &[])
}

fn internal(state: &AppState, err: ServerError) -> Response {
    tracing::error!(error = %err, "single sign-on failed");
    refuse(state, SsoRefusal::Unavailable)
}

#[derive(Deserialize)]
pub struct StartQuery {
    email: Option<String>,
    next: Option<String>,
}

/// "Continue with …": finds the provider from the address's domain and sends the browser
/// there with a fresh state, nonce and PKCE challenge.
pub async fn start(
    State(state): State<AppState>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return refuse(&state, SsoRefusal::NoSso);
    };
    let Some(email) = q.email.as_deref().and_then(|e| EmailAddress::parse(e).ok()) else {
        return refuse(&state, SsoRefusal::NoSso);
    };
    let account_id = match settings::target_for_email(&state.pool, email.as_str()).await {
        Ok(Some(t)) => t.account_id,
        Ok(None) => return refuse(&state, SsoRefusal::NoSso),
        Err(err) => return internal(&state, err),
    };
    let provider = match settings::provider(&state.pool, &state.secrets, account_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return refuse(&state, SsoRefusal::NoSso),
        Err(err) => return internal(&state, err),
    };
    let Ok((metadata, _)) = oidc::discover(&provider.issuer_url).await else {
        return refuse(&state, SsoRefusal::Unavailable);
    };
    let redirect_uri = settings::redirect_uri(&state.config.public_url);
    let started = match oidc::authorization(metadata, &provider, &redirect_uri, email.as_str()) {
        Ok(s) => s,
        Err(reason) => return refuse(&state, reason),
    };
    let return_path = safe_return_path(q.next.as_deref().filter(|n| n.len() <= 2000));
    if let Err(err) = login::begin(
        &state.pool,
        &state.secrets,
        account_id,
        &started.state,
        &started.nonce,
        &started.pkce_verifier,
        &return_path,
    )
    .await
    {
        return internal(&state, err);
    }
    redirect(
        &started.url,
        &[state_cookie(
            started.state.expose(),
            state.config.secure_cookies(),
        )],
    )
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider's answer: checks the state against this browser's cookie and takes the
/// sign-in (once), exchanges the code, verifies the ID token, applies the join rules and
/// starts a session.
pub async fn callback(
    State(state): State<AppState>,
    Extension(request): Extension<RequestSession>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return refuse_keeping_state(SsoRefusal::State);
    };
    let Some(returned) = this_browsers_state(&q, &headers) else {
        return refuse_keeping_state(SsoRefusal::State);
    };
    let pending = match login::consume(&state.pool, &state.secrets, returned).await {
        Ok(Consumed::Fresh(p)) => p,
        Ok(Consumed::Expired) => return refuse(&state, SsoRefusal::Expired),
        Ok(Consumed::Unknown) => return refuse(&state, SsoRefusal::State),
        Err(err) => return internal(&state, err),
    };
    if let Some(error) = q.error.as_deref() {
        return refuse(
            &state,
            if error == "access_denied" {
                SsoRefusal::Cancelled
            } else {
                SsoRefusal::Provider
            },
        );
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
    else {
        return refuse(&state, SsoRefusal::Provider);
    };
    let identity = match verified_identity(&state, &pending, code).await {
        Ok(i) => i,
        Err(response) => return response,
    };
    let admitted = match login::admit(
        &state.pool,
        pending.account_id,
        &identity,
        &request.client_ip,
    )
    .await
    {
        Ok(Ok(a)) => a,
        Ok(Err(reason)) => return refuse(&state, reason),
        Err(err) => return internal(&state, err),
    };
    match start_session(&state, &request, admitted.user_id).await {
        Ok(token) => {
            tracing::info!(user = %admitted.user_id, joined = admitted.joined, "signed in through single sign-on");
            let secure = state.config.secure_cookies();
            redirect(
                &safe_return_path(Some(&pending.return_path)),
                &[cookie::set(&token, secure), clear_state_cookie(secure)],
            )
        }
        Err(err) => internal(&state, err),
    }
}

/// The answer's state, when it is the one in this browser's cookie (compared in constant time).
fn this_browsers_state<'a>(q: &'a CallbackQuery, headers: &HeaderMap) -> Option<&'a str> {
    let returned = q.state.as_deref()?;
    let expected = read_state_cookie(headers)?;
    bool::from(subtle::ConstantTimeEq::ct_eq(
        returned.as_bytes(),
        expected.as_bytes(),
    ))
    .then_some(returned)
}

/// Exchanges the code with the account's provider and verifies the ID token; a refusal comes
/// back as the response to send.
async fn verified_identity(
    state: &AppState,
    pending: &login::Pending,
    code: &str,
) -> Result<oidc::Identity, Response> {
    let provider = match settings::provider(&state.pool, &state.secrets, pending.account_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(refuse(state, SsoRefusal::NoSso)),
        Err(err) => return Err(internal(state, err)),
    };
    let Ok((metadata, _)) = oidc::discover(&provider.issuer_url).await else {
        return Err(refuse(state, SsoRefusal::Unavailable));
    };
    oidc::finish(
        metadata,
        &provider,
        &settings::redirect_uri(&state.config.public_url),
        code,
        &pending.pkce_verifier,
        &pending.nonce,
    )
    .await
    .map_err(|reason| refuse(state, reason))
}

/// A new session (never the one the browser had: no session fixation) and the sign-in time.
async fn start_session(
    state: &AppState,
    request: &RequestSession,
    user_id: uuid::Uuid,
) -> Result<String, ServerError> {
    if let Some(previous) = &request.token {
        session::revoke(&state.pool, previous).await?;
    }
    let new = session::create(&state.pool, user_id, &request.origin()).await?;
    sqlx::query!(
        "UPDATE users SET last_login_at = now() WHERE id = $1",
        user_id
    )
    .execute(&state.pool)
    .await
    .context("recording the sign-in time")?;
    Ok(new.token)
}
