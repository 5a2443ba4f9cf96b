use leptos::prelude::*;

use crate::domain::team::InvitationPreview;
use crate::domain::user::CurrentUser;
use crate::error::AppError;

/// Where to go after signing in: only paths on this site, never another origin.
pub fn safe_return_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.starts_with("/login")
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/campaigns".to_owned(),
    }
}

#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::auth::context::{request_session, set_session_cookie, state};
    use crate::server::auth::sign_in::{SignIn, SignInError, sign_in};

    let session = request_session()?;
    let state = state()?;
    let result = sign_in(
        &state.pool,
        SignIn {
            email: &email,
            password: &password,
            client_ip: &session.client_ip,
            user_agent: &session.user_agent,
            previous_token: session.token.as_deref(),
        },
    )
    .await;
    match result {
        Ok(new) => {
            set_session_cookie(&new.token)?;
            leptos_axum::redirect(&safe_return_path(next.as_deref()));
            Ok(())
        }
        Err(SignInError::WrongCredentials) => Err(AppError::Invalid {
            field: None,
            message: "That email and password don't match an account. Check both and try again."
                .into(),
        }),
        Err(SignInError::SsoRequired(provider)) => Err(AppError::Invalid {
            field: None,
            message: format!(
                "Your company signs in with {provider}. Choose \"Continue with {provider}\" to sign in."
            ),
        }),
        Err(SignInError::Throttled(secs)) => Err(AppError::Throttled {
            retry_after_secs: secs,
        }),
        Err(SignInError::Server(err)) => Err(err.into()),
    }
}

#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::auth::context::{request_session, state};
    use crate::server::auth::{cookie, session};
    use axum::http::HeaderValue;
    use axum::http::header::SET_COOKIE;

    let request = request_session()?;
    let state = state()?;
    if let Some(token) = request.token {
        session::revoke(&state.pool, &token).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = HeaderValue::from_str(&cookie::clear(state.config.secure_cookies())) {
        response.append_header(SET_COOKIE, value);
    }
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

/// The invitation behind an emailed link, or a sentence saying why the link no longer works.
#[server(endpoint = "auth/invitation")]
pub async fn invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::server::auth::context::state;
    crate::server::people::invitations::preview(&state()?.pool, &token).await
}

/// Joins the account from an invitation and signs in. A session this browser already had is
/// ended first, so the new person never inherits someone else's.
#[server(endpoint = "auth/accept")]
pub async fn accept_invitation(
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::auth::context::{request_session, set_session_cookie, state};
    use crate::server::people::invitations::{Acceptance, accept};
    let session = request_session()?;
    let state = state()?;
    let new = accept(
        &state.pool,
        Acceptance {
            token: &token,
            name: &name,
            password: &password,
            origin: session.origin(),
        },
    )
    .await?;
    if let Some(previous) = &session.token {
        crate::server::auth::session::revoke(&state.pool, previous).await?;
    }
    set_session_cookie(&new.token)?;
    leptos_axum::redirect("/campaigns?welcome=1");
    Ok(())
}

/// Emails a reset link if the address has a login; the answer is the same either way.
#[server(endpoint = "auth/forgot")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::server::auth::context::{request_session, state};
    use crate::server::people::{Mailing, reset};
    let session = request_session()?;
    let state = state()?;
    reset::request(Mailing::from_state(&state), &email, &session.client_ip).await
}

/// The address a reset link is for, or why the link no longer works.
#[server(endpoint = "auth/reset-link")]
pub async fn reset_link(token: String) -> Result<String, AppError> {
    use crate::server::auth::context::state;
    crate::server::people::reset::preview(&state()?.pool, &token).await
}

#[server(endpoint = "auth/reset")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::auth::context::{request_session, set_session_cookie, state};
    use crate::server::people::{Mailing, reset};
    let session = request_session()?;
    let state = state()?;
    let new = reset::complete(
        Mailing::from_state(&state),
        &token,
        &password,
        &session.origin(),
    )
    .await?;
    if let Some(previous) = &session.token {
        crate::server::auth::session::revoke(&state.pool, previous).await?;
    }
    set_session_cookie(&new.token)?;
    leptos_axum::redirect("/campaigns?password_reset=1");
    Ok(())
}

#[server(endpoint = "auth/whoami")]
pub async fn whoami() -> Result<CurrentUser, AppError> {
    crate::server::auth::context::current_user()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_path(Some("/integrations")), "/integrations");
        assert_eq!(
            safe_return_path(Some("/campaigns?team=Sales")),
            "/campaigns?team=Sales"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/login",
            "",
        ] {
            assert_eq!(safe_return_path(Some(bad)), "/campaigns", "{bad}");
        }
        assert_eq!(safe_return_path(None), "/campaigns");
    }
}
