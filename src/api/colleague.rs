//! Server functions of "ask a colleague to connect". The admin's side checks the session and
//! its account; the colleague's side has no session: the link's token is its only credential,
//! and each function reaches only the one request that token opens.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::connect_invitation::{
    ConnectInvitationView, ConnectRequestDraft, ConnectRequestPage, ConnectedProgress,
};
use crate::error::AppError;

#[server(endpoint = "integrations/ask-colleague", input = Json)]
pub async fn ask_colleague(
    slug: String,
    optional_fields: Vec<String>,
    draft: ConnectRequestDraft,
) -> Result<Uuid, AppError> {
    use crate::server::integrations::colleague::{Ask, invite};
    let (user, state) = crate::server::auth::context::admin()?;
    let to = draft
        .validate()
        .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
    let ask = Ask {
        slug: &slug,
        optional_fields: &optional_fields,
        to: &to,
    };
    let ip = crate::server::auth::context::client_ip();
    invite(&state, &user, &ip, ask, state.clock.now()).await
}

/// The account's requests to connect, for admins.
#[server(endpoint = "integrations/requests")]
pub async fn requests() -> Result<Vec<ConnectInvitationView>, AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    crate::server::integrations::colleague::list(&state, &user, state.clock.now()).await
}

#[server(endpoint = "integrations/request-resend")]
pub async fn resend_request(id: Uuid) -> Result<(), AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    let ip = crate::server::auth::context::client_ip();
    crate::server::integrations::colleague::resend(&state, &user, &ip, id, state.clock.now())
        .await
        .map(drop)
}

#[server(endpoint = "integrations/request-revoke")]
pub async fn revoke_request(id: Uuid) -> Result<(), AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    let ip = crate::server::auth::context::client_ip();
    crate::server::integrations::colleague::revoke(&state, &user, &ip, id, state.clock.now()).await
}

/// What the colleague's link opens, or why it no longer works.
#[server(endpoint = "connect/open")]
pub async fn open_request(token: String) -> Result<ConnectRequestPage, AppError> {
    let state = crate::server::auth::context::state()?;
    crate::server::integrations::colleague::open(&state, &token, state.clock.now()).await
}

/// Called by the link's page once it runs in a browser, which marks the request opened.
#[server(endpoint = "connect/seen")]
pub async fn request_seen(token: String) -> Result<(), AppError> {
    let state = crate::server::auth::context::state()?;
    let ip = crate::server::auth::context::client_ip();
    crate::server::integrations::colleague::seen(&state, &token, &ip, state.clock.now()).await
}

#[server(endpoint = "connect/connect", input = Json)]
pub async fn connect_requested(
    token: String,
    optional_fields: Vec<String>,
    credentials: BTreeMap<String, String>,
) -> Result<ConnectedProgress, AppError> {
    let state = crate::server::auth::context::state()?;
    let ip = crate::server::auth::context::client_ip();
    let now = state.clock.now();
    crate::server::integrations::colleague::connect(
        &state,
        &token,
        &optional_fields,
        credentials,
        &ip,
        now,
    )
    .await
}

#[server(endpoint = "connect/start-link", input = Json)]
pub async fn start_requested_link(
    token: String,
    optional_fields: Vec<String>,
) -> Result<String, AppError> {
    let state = crate::server::auth::context::state()?;
    let now = state.clock.now();
    crate::server::integrations::colleague::start_link(&state, &token, &optional_fields, now).await
}

#[server(endpoint = "connect/complete-link")]
pub async fn complete_requested_link(
    token: String,
    pending: Uuid,
    public_token: String,
) -> Result<ConnectedProgress, AppError> {
    use crate::server::integrations::colleague::complete_link;
    let state = crate::server::auth::context::state()?;
    crate::domain::text::one_line("The sign-in token", &public_token, 512)?;
    let ip = crate::server::auth::context::client_ip();
    let now = state.clock.now();
    complete_link(&state, &token, pending, &public_token, &ip, now).await
}

/// The first sync of the connection the link made.
#[server(endpoint = "connect/progress")]
pub async fn requested_progress(token: String) -> Result<ConnectedProgress, AppError> {
    let state = crate::server::auth::context::state()?;
    crate::server::integrations::colleague::first_sync(&state, &token, state.clock.now()).await
}

#[server(endpoint = "connect/decline")]
pub async fn decline_request(token: String, reason: String) -> Result<(), AppError> {
    let state = crate::server::auth::context::state()?;
    let ip = crate::server::auth::context::client_ip();
    let now = state.clock.now();
    crate::server::integrations::colleague::decline(&state, &token, &reason, &ip, now).await
}
