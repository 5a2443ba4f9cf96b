//! Server functions of single sign-on: the sign-in page's hint (public) and the admin's
//! settings. The account always comes from the session.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::sso::{SsoDraft, SsoHint, SsoSettingsView};
use crate::error::AppError;

/// Whether a typed address signs in through single sign-on, and with which provider. Only the
/// provider's display name is returned, and an unknown or malformed address gets the same
/// empty answer, so nothing about accounts can be learned from it.
#[server(endpoint = "auth/sso-for-email")]
pub async fn sso_for_email(email: String) -> Result<SsoHint, AppError> {
    use crate::domain::email::EmailAddress;
    use crate::server::auth::context::state;
    let state = state()?;
    let Ok(email) = EmailAddress::parse(&email) else {
        return Ok(SsoHint::default());
    };
    let target =
        crate::server::sso::settings::target_for_email(&state.pool, email.as_str()).await?;
    Ok(target
        .map(|t| SsoHint {
            provider: Some(t.display_name),
            required: t.required,
        })
        .unwrap_or_default())
}

#[server(endpoint = "sso/settings")]
pub async fn sso_settings() -> Result<SsoSettingsView, AppError> {
    use crate::server::auth::context::{require_admin, state};
    let admin = require_admin()?;
    let state = state()?;
    Ok(
        crate::server::sso::settings::view(&state.pool, admin.account_id, &state.config.public_url)
            .await?,
    )
}

/// Saves the settings after checking the issuer by OpenID Connect discovery.
#[server(endpoint = "sso/save", input = Json)]
pub async fn save_sso(draft: SsoDraft) -> Result<SsoSettingsView, AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    use crate::server::sso::settings::{self, SaveError};
    let admin = require_admin()?;
    let state = state()?;
    let current = settings::view(&state.pool, admin.account_id, &state.config.public_url).await?;
    let mut valid = draft.validate(current.secret_saved).map_err(|errors| {
        let (field, message) = errors.into_iter().next().unwrap_or_default();
        AppError::invalid(field, message)
    })?;
    let (_, issuer) = crate::server::sso::oidc::discover(&valid.issuer_url)
        .await
        .map_err(|failure| AppError::invalid("issuer_url", failure.message(&valid.issuer_url)))?;
    valid.issuer_url = issuer;
    match settings::save(&state.pool, &state.secrets, &admin, &client_ip(), &valid).await {
        Ok(()) => {}
        Err(SaveError::DomainTaken(domain)) => {
            return Err(AppError::Conflict(format!(
                "{domain} already signs in through another HR Connectors account's single \
                 sign-on. Remove it from the domains, or contact support if your company owns it."
            )));
        }
        Err(SaveError::NotAnAdmin) => {
            return Err(AppError::invalid(
                "break_glass",
                "Choose an admin of your account as the person who may still sign in with a \
                 password.",
            ));
        }
        Err(SaveError::NoSecret) => {
            return Err(AppError::invalid(
                "client_secret",
                "Enter the client secret from your identity provider.",
            ));
        }
        Err(SaveError::Server(err)) => return Err(err.into()),
    }
    tracing::info!(account = %admin.account_id, "single sign-on settings saved");
    Ok(settings::view(&state.pool, admin.account_id, &state.config.public_url).await?)
}

/// Turns single sign-on off for the account.
#[server(endpoint = "sso/remove")]
pub async fn remove_sso() -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    let admin = require_admin()?;
    let state = state()?;
    if !crate::server::sso::settings::remove(&state.pool, &admin, &client_ip()).await? {
        return Err(AppError::NotFound(
            "Single sign-on isn't set up for your account, so there is nothing to turn off.".into(),
        ));
    }
    Ok(())
}
