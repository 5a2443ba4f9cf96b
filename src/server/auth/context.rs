//! How server functions learn who is calling. The session middleware (`guard`) resolves the
//! cookie once per request and leaves the result in the request's extensions; leptos_axum hands
//! those request parts to every server function and every server-side render.

use axum::http::request::Parts;
use leptos::prelude::use_context;

use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::state::AppState;

/// What the session middleware learned about the request.
#[derive(Clone, Debug, Default)]
pub struct RequestSession {
    pub user: Option<CurrentUser>,
    pub token: Option<String>,
    pub client_ip: String,
    /// The browser's `User-Agent`, clipped, recorded with new sessions.
    pub user_agent: String,
}

pub fn request_session() -> Result<RequestSession, AppError> {
    let parts = use_context::<Parts>().ok_or_else(|| {
        tracing::error!("server function ran without request parts in context");
        AppError::Internal
    })?;
    Ok(parts
        .extensions
        .get::<RequestSession>()
        .cloned()
        .unwrap_or_default())
}

/// The caller's address, for the activity log.
pub fn client_ip() -> String {
    request_session().map(|s| s.client_ip).unwrap_or_default()
}

/// Where a session started now would come from.
impl RequestSession {
    pub fn origin(&self) -> super::session::Origin<'_> {
        super::session::Origin {
            user_agent: &self.user_agent,
            client_ip: &self.client_ip,
        }
    }
}

/// The signed-in user, or `Unauthenticated`. The account always comes from here, never from
/// an argument the browser sent.
pub fn current_user() -> Result<CurrentUser, AppError> {
    request_session()?.user.ok_or(AppError::Unauthenticated)
}

/// The signed-in user if they are an admin of their account, else `Forbidden`.
pub fn require_admin() -> Result<CurrentUser, AppError> {
    let user = current_user()?;
    if user.role.can_manage_integrations() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// What a server function for any signed-in user runs with: who they are and the application.
pub fn signed_in() -> Result<(CurrentUser, AppState), AppError> {
    Ok((current_user()?, state()?))
}

/// What a server function for admins runs with: the admin and the application.
pub fn admin() -> Result<(CurrentUser, AppState), AppError> {
    Ok((require_admin()?, state()?))
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server function ran without application state in context");
        AppError::Internal
    })
}

/// Hands the browser its new session cookie with this response.
pub fn set_session_cookie(token: &str) -> Result<(), AppError> {
    use axum::http::HeaderValue;
    use axum::http::header::SET_COOKIE;
    let secure = state()?.config.secure_cookies();
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or_else(|| {
        tracing::error!("server function ran without response options in context");
        AppError::Internal
    })?;
    let value = HeaderValue::from_str(&super::cookie::set(token, secure))
        .map_err(|_| AppError::Internal)?;
    response.append_header(SET_COOKIE, value);
    Ok(())
}
