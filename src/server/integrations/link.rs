//! Connecting a system that signs in with OAuth: our picker and consent run first, then the
//! admin is sent to Merge Link (the sandbox's emulated Link locally), preselected on the system
//! with the consented scopes, and comes back with a public token that is exchanged here.

use uuid::Uuid;

use super::connect::{check_label, find_integration};
use super::relink::relinkable;
use crate::domain::credentials::{SignIn, sign_in_for};
use crate::domain::field_policy::Consent;
use crate::domain::integration::default_label;
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::auth::guard::encode_component;
use crate::server::error::{Context, ServerError};
use crate::server::merge::client::EndUser;
use crate::server::merge::error::MergeError;
use crate::server::merge::models::AccountTokenResponse;
use crate::server::secret::Secret;
use crate::server::state::AppState;
use crate::server::store::audit::Actor;
use crate::server::store::connections::{self, Connection, NewConnection};
use crate::server::store::jobs::JobKind;

/// How long a started Link hand-off can be completed.
const PENDING_HOURS: i32 = 2;

/// Starts the hand-off and returns the Link address to send the admin to.
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
    label: &str,
    optional_fields: &[String],
) -> Result<String, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    let integration = find_integration(state, slug).await?;
    if sign_in_for(&integration.slug) != SignIn::OAuth {
        return Err(AppError::invalid(
            "integration",
            "This system connects with the details form.",
        ));
    }
    let label = check_label(
        label,
        &default_label(&integration.name, None, chrono::Utc::now().date_naive()),
    )?;
    let consent = Consent::from_optional(optional_fields)
        .map_err(|e| AppError::invalid("consent", e.to_string()))?;
    let origin_id = connections::origin_id(user.account_id, Uuid::new_v4());
    hand_off(
        state,
        user,
        &integration.slug,
        &integration.name,
        &label,
        &consent,
        &origin_id,
    )
    .await
}

/// Sends the admin back through Merge Link for a connection that needs relinking. The same
/// origin id makes Merge relink the existing account, so the connection and its staff stay.
pub async fn start_relink(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<String, AppError> {
    let c = relinkable(state, user, id).await?;
    if sign_in_for(&c.integration_slug) != SignIn::OAuth {
        return Err(AppError::invalid(
            "integration",
            "This system relinks with the details form.",
        ));
    }
    hand_off(
        state,
        user,
        &c.integration_slug,
        &c.integration_name,
        &c.label,
        &c.consent,
        &c.origin_id,
    )
    .await
}

async fn hand_off(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
    name: &str,
    label: &str,
    consent: &Consent,
    origin_id: &str,
) -> Result<String, AppError> {
    let link = state
        .merge
        .create_link_token(
            &EndUser {
                email: user.email.clone(),
                organization_name: user.account_name.clone(),
                origin_id: origin_id.to_owned(),
            },
            slug,
            consent,
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "could not create a Merge link token");
            AppError::Unavailable(
                "We couldn't open the sign-in page just now. Try again in a minute.".into(),
            )
        })?;
    let url = link.magic_link_url.ok_or_else(|| {
        tracing::error!("Merge returned no hosted Link address; Magic Link must be enabled for the organisation");
        AppError::Unavailable("Signing in with this system is not available for your account yet. Contact &Open support.".into())
    })?;
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO pending_links (id, account_id, user_id, integration_slug, integration_name, label, consent, origin_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        user.account_id,
        user.user_id,
        slug,
        name,
        label,
        sqlx::types::Json(consent) as _,
        origin_id,
    )
    .execute(&state.pool)
    .await
    .map_err(ServerError::from)?;
    let back = format!(
        "{}/integrations/linked?pending={id}",
        state.config.public_url
    );
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}return_to={}", encode_component(&back)))
}

/// Finishes the hand-off: exchanges the public token, stores the connection and starts its sync.
pub async fn complete(
    state: &AppState,
    user: &CurrentUser,
    pending: Uuid,
    public_token: &str,
) -> Result<Connection, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    let expired = || {
        AppError::NotFound(
            "This sign-in has expired or was already finished. Start again from Connect new integration.".into(),
        )
    };
    let pending_exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pending_links
         WHERE id = $1 AND account_id = $2 AND created_at > now() - make_interval(hours => $3)) AS "exists!""#,
        pending,
        user.account_id,
        PENDING_HOURS,
    )
    .fetch_one(&state.pool)
    .await
    .context("finding a pending link")?;
    if !pending_exists {
        return Err(expired());
    }
    // Exchanged before the hand-off is claimed, so a token Merge refuses (or an outage) leaves
    // the hand-off in place to be finished with the right token.
    let account = exchange(state, public_token).await?;
    let Some(link) = claim(state, user, pending).await? else {
        return Err(expired());
    };
    let id = link
        .origin_id
        .rsplit_once("_conn_")
        .and_then(|(_, c)| Uuid::parse_str(c).ok())
        .unwrap_or_else(Uuid::new_v4);
    let existed = connections::get(&state.pool, user.account_id, id)
        .await?
        .is_some();
    let ip = crate::server::auth::context::client_ip();
    connections::create(
        &state.pool,
        &state.secrets,
        NewConnection {
            id,
            account_id: user.account_id,
            integration_slug: &link.integration_slug,
            integration_name: &link.integration_name,
            label: &link.label,
            tenant: None,
            origin_id: &link.origin_id,
            merge_account_id: account.id.as_deref(),
            account_token: &Secret::new(account.account_token.clone()),
            consent: &link.consent.0,
            consented_by: user.user_id,
            first_sync: if existed {
                JobKind::Relink
            } else {
                JobKind::Initial
            },
        },
        &Actor::user(user, &ip),
    )
    .await
    .map_err(AppError::from)
}

/// Exchanges Link's public token for the linked account's token.
async fn exchange(state: &AppState, public_token: &str) -> Result<AccountTokenResponse, AppError> {
    state
        .merge
        .exchange_public_token(public_token)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "public token exchange failed");
            let message =
                "The sign-in could not be confirmed. Start again from Connect new integration.";
            match e {
                MergeError::Status { status, .. } if status.is_client_error() => {
                    AppError::invalid("public_token", message)
                }
                _ => AppError::Unavailable(message.into()),
            }
        })
}

/// A started hand-off, as `hand_off` stored it.
struct PendingLink {
    integration_slug: String,
    integration_name: String,
    label: String,
    consent: ConsentJson,
    origin_id: String,
}

type ConsentJson = sqlx::types::Json<Consent>;

/// Takes the hand-off, if it is still live, so it is finished only once.
async fn claim(
    state: &AppState,
    user: &CurrentUser,
    pending: Uuid,
) -> Result<Option<PendingLink>, ServerError> {
    sqlx::query_as!(
        PendingLink,
        r#"DELETE FROM pending_links
         WHERE id = $1 AND account_id = $2 AND created_at > now() - make_interval(hours => $3)
         RETURNING integration_slug, integration_name, label, consent AS "consent: ConsentJson",
             origin_id"#,
        pending,
        user.account_id,
        PENDING_HOURS,
    )
    .fetch_optional(&state.pool)
    .await
    .context("claiming a pending link")
}
