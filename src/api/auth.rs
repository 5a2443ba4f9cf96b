use leptos::prelude::*;

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
    use crate::server::auth::context::{request_session, state};
    use crate::server::auth::cookie;
    use crate::server::auth::sign_in::{SignIn, SignInError, sign_in};
    use axum::http::HeaderValue;
    use axum::http::header::SET_COOKIE;

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
            let response = expect_context::<leptos_axum::ResponseOptions>();
            let value =
                HeaderValue::from_str(&cookie::set(&new.token, state.config.secure_cookies()))
                    .map_err(|_| AppError::Internal)?;
            response.append_header(SET_COOKIE, value);
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
