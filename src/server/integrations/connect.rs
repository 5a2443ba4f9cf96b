//! Connecting an HR system: validate the form with the shared validators, link the account at
//! Merge (bootstrap with credentials, or Merge Link for OAuth systems), store the connection
//! with its token encrypted, and queue its first sync at once.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::domain::credentials::{SignIn, sign_in_for, validate};
use crate::domain::field_policy::Consent;
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::merge::client::{Credentials, EndUser};
use crate::server::merge::error::MergeError;
use crate::server::merge::models::{AccountTokenResponse, Integration};
use crate::server::secret::Secret;
use crate::server::state::AppState;
use crate::server::store::connections::{self, Connection, NewConnection};
use crate::server::sync::jobs::{self, JobKind};

pub struct ConnectInput {
    pub slug: String,
    pub label: String,
    pub optional_fields: Vec<String>,
    pub credentials: BTreeMap<String, String>,
}

pub const MAX_LABEL: usize = 80;

fn unavailable(err: &MergeError) -> AppError {
    tracing::warn!(error = %err, "Merge request failed while connecting");
    AppError::Unavailable(
        "We couldn't reach the connection service just now. Your details are kept: try again in a minute."
            .into(),
    )
}

pub async fn find_integration(state: &AppState, slug: &str) -> Result<Integration, AppError> {
    let all = state
        .merge
        .organization_integrations()
        .await
        .map_err(|e| unavailable(&e))?;
    all.into_iter()
        .find(|i| i.slug == slug && i.categories.iter().any(|c| c == "hris"))
        .ok_or_else(|| AppError::invalid("integration", "Choose an HR system from the list."))
}

pub fn check_label(label: &str, fallback: &str) -> Result<String, AppError> {
    let label = label.trim();
    let label = if label.is_empty() { fallback } else { label };
    if label.chars().count() > MAX_LABEL {
        return Err(AppError::invalid(
            "label",
            format!("Keep the name under {MAX_LABEL} characters."),
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "label",
            "The name cannot contain line breaks.",
        ));
    }
    Ok(label.to_owned())
}

fn consent(optional: &[String]) -> Result<Consent, AppError> {
    Consent::from_optional(optional).map_err(|e| AppError::invalid("consent", e.to_string()))
}

/// Connects a system that signs in with credentials typed into our own form.
pub async fn connect_with_credentials(
    state: &AppState,
    user: &CurrentUser,
    input: ConnectInput,
) -> Result<Connection, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    let integration = find_integration(state, &input.slug).await?;
    let label = check_label(&input.label, &integration.name)?;
    let consent = consent(&input.optional_fields)?;
    let id = Uuid::new_v4();
    let origin_id = connections::origin_id(user.account_id, id);
    let linked = link_with_credentials(
        state,
        user,
        &integration.slug,
        &integration.name,
        &origin_id,
        &consent,
        &input.credentials,
    )
    .await?;
    let connection = connections::create(
        &state.pool,
        &state.secrets,
        NewConnection {
            id,
            account_id: user.account_id,
            integration_slug: &integration.slug,
            integration_name: &integration.name,
            label: &label,
            origin_id: &origin_id,
            merge_account_id: linked.id.as_deref(),
            account_token: &Secret::new(linked.account_token.clone()),
            consent: &consent,
            consented_by: user.user_id,
        },
    )
    .await?;
    jobs::enqueue(&state.pool, connection.id, JobKind::Initial).await?;
    tracing::info!(connection = %connection.id, integration = %integration.slug, "HR system connected");
    Ok(connection)
}

/// Checks the typed details with the shared validators and links (or, for an origin id Merge
/// already knows, relinks) the account at Merge.
pub async fn link_with_credentials(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
    system: &str,
    origin_id: &str,
    consent: &Consent,
    typed: &BTreeMap<String, String>,
) -> Result<AccountTokenResponse, AppError> {
    let SignIn::Fields { fields, .. } = sign_in_for(slug) else {
        return Err(AppError::invalid(
            "integration",
            format!("{system} signs in through its own page; use \"Continue to {system}\"."),
        ));
    };
    let mut credentials = BTreeMap::new();
    for field in fields {
        let raw = typed.get(field.key).map(String::as_str).unwrap_or("");
        let value =
            validate(field, raw).map_err(|e| AppError::invalid(field.key, e.to_string()))?;
        credentials.insert(field.key.to_owned(), value);
    }
    let end_user = EndUser {
        email: user.email.clone(),
        organization_name: user.account_name.clone(),
        origin_id: origin_id.to_owned(),
    };
    state
        .merge
        .bootstrap_linked_account(&end_user, slug, consent, &Credentials(credentials))
        .await
        .map_err(|err| credential_error(&err, system, fields.first().map(|f| f.key)))
}

/// Turns Merge's answer about bad credentials into a message next to the right field.
fn credential_error(err: &MergeError, system: &str, first_field: Option<&'static str>) -> AppError {
    let MergeError::Status { status, body, .. } = err else {
        return unavailable(err);
    };
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let pointer_field = parsed["errors"][0]["source"]["pointer"]
        .as_str()
        .and_then(|p| p.strip_prefix("/credentials/"))
        .map(str::to_owned);
    let detail = parsed["detail"].as_str().map(str::to_owned);
    match status.as_u16() {
        400 | 401 | 403 | 404 | 422 => {
            let field = pointer_field
                .or(first_field.map(str::to_owned))
                .unwrap_or_else(|| "credentials".into());
            let message = match (status.as_u16(), detail) {
                (401, Some(d)) => {
                    format!("{d} Check that you copied the whole value, then try again.")
                }
                (404, Some(d)) => format!("{d} Check the spelling."),
                (_, Some(d)) => d,
                (_, None) => {
                    format!("{system} did not accept these details. Check them and try again.")
                }
            };
            AppError::invalid(field, message)
        }
        _ => unavailable(err),
    }
}
