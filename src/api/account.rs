//! "Your account": the signed-in person's own password and sessions.

use leptos::prelude::*;

use crate::domain::team::SignedInSession;
use crate::error::AppError;

#[server(endpoint = "account/sessions")]
pub async fn sessions() -> Result<Vec<SignedInSession>, AppError> {
    use crate::server::auth::context::{current_user, request_session, state};
    let me = current_user()?;
    let token = request_session()?.token;
    Ok(crate::server::people::account::sessions(&state()?.pool, &me, token.as_deref()).await?)
}

/// Ends every other session of the signed-in person; returns how many ended.
#[server(endpoint = "account/sign-out-elsewhere")]
pub async fn sign_out_elsewhere() -> Result<u64, AppError> {
    use crate::server::auth::context::{current_user, request_session, state};
    let me = current_user()?;
    let session = request_session()?;
    Ok(crate::server::people::account::sign_out_elsewhere(
        &state()?.pool,
        &me,
        &session.client_ip,
        session.token.as_deref(),
    )
    .await?)
}

#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::server::auth::context::{current_user, request_session, state};
    use crate::server::people::Mailing;
    use crate::server::people::account::{self, PasswordChange};
    let me = current_user()?;
    let session = request_session()?;
    let state = state()?;
    account::change_password(
        Mailing::from_state(&state),
        &me,
        PasswordChange {
            current: &current_password,
            new: &new_password,
            client_ip: &session.client_ip,
            token: session.token.as_deref(),
        },
    )
    .await
}

/// Whether the signed-in person gets connection alert emails.
#[server(endpoint = "account/alerts")]
pub async fn connection_alerts() -> Result<bool, AppError> {
    let (me, state) = crate::server::auth::context::signed_in()?;
    Ok(crate::server::people::account::connection_alerts(&state.pool, &me).await?)
}

/// Switches the signed-in person's connection alert emails on or off.
#[server(endpoint = "account/set-alerts")]
pub async fn set_connection_alerts(on: bool) -> Result<bool, AppError> {
    let (me, state) = crate::server::auth::context::signed_in()?;
    Ok(crate::server::people::account::set_connection_alerts(&state.pool, &me, on).await?)
}
