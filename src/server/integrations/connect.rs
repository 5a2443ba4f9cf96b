//! Connecting an HR system: validate the form with the shared validators, link the account at
//! Merge (bootstrap with credentials, or Merge Link for OAuth systems), store the connection
//! with its token encrypted, and queue its first sync at once.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::domain::credentials::{
    CredentialField, FieldKind, SignIn, sign_in_for, tenant_address, tenant_of, validate,
};
use crate::domain::field_policy::Consent;
use crate::domain::integration::{MAX_LABEL, default_label};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::error::ServerError;
use crate::server::merge::client::{Credentials, EndUser};
use crate::server::merge::error::MergeError;
use crate::server::merge::models::{AccountTokenResponse, Integration};
use crate::server::secret::Secret;
use crate::server::state::AppState;
use crate::server::store::audit::Actor;
use crate::server::store::connections::{self, Connection, NewConnection};
use crate::server::store::jobs::JobKind;

pub struct ConnectInput {
    pub slug: String,
    pub label: String,
    pub optional_fields: Vec<String>,
    pub credentials: BTreeMap<String, String>,
}

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

/// The admin's name for a connection, or `fallback` when they left it empty.
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

/// The sign-in fields of a system that connects with typed details.
fn fields_of(slug: &str, system: &str) -> Result<&'static [CredentialField], AppError> {
    match sign_in_for(slug) {
        SignIn::Fields { fields, .. } => Ok(fields),
        SignIn::OAuth => Err(AppError::invalid(
            "integration",
            format!("{system} signs in through its own page; use \"Continue to {system}\"."),
        )),
    }
}

/// Checks the typed details with the shared validators; each problem is reported at its field.
fn checked(
    fields: &[CredentialField],
    typed: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, AppError> {
    fields
        .iter()
        .map(|field| {
            let raw = typed.get(field.key).map(String::as_str).unwrap_or("");
            validate(field, raw)
                .map(|value| (field.key.to_owned(), value))
                .map_err(|e| AppError::invalid(field.key, e.to_string()))
        })
        .collect()
}

/// The tenant the typed details point at, checking only the fields that name it, so it can be
/// asked before the secret is typed.
fn typed_tenant(slug: &str, typed: &BTreeMap<String, String>) -> Result<Option<String>, AppError> {
    let SignIn::Fields { fields, .. } = sign_in_for(slug) else {
        return Ok(None);
    };
    let naming: Vec<CredentialField> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Subdomain { .. } | FieldKind::Url))
        .copied()
        .collect();
    Ok(tenant_of(slug, &checked(&naming, typed)?))
}

/// The account's live connection to the tenant these details point at, if there is one:
/// connecting it again would copy the same staff twice.
pub async fn same_tenant(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
    typed: &BTreeMap<String, String>,
) -> Result<Option<Connection>, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    match typed_tenant(slug, typed)? {
        Some(tenant) => {
            Ok(connections::live_for_tenant(&state.pool, user.account_id, slug, &tenant).await?)
        }
        None => Ok(None),
    }
}

/// The refusal when a tenant is connected again.
pub fn already_connected(existing: &Connection) -> AppError {
    // The name is quoted inside the sentence: an admin may have chosen one starting in lower case.
    AppError::Conflict(format!(
        "This {} account is already connected as “{}”. Resync it, or relink it with these details, instead of connecting it a second time.",
        existing.integration_name, existing.label
    ))
}

/// Connects a system that signs in with credentials typed into our own form. A tenant the
/// account already reads is refused before the details are sent anywhere.
pub async fn connect_with_credentials(
    state: &AppState,
    user: &CurrentUser,
    input: ConnectInput,
) -> Result<Connection, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    let linked = link_new(state, &Party::admin(user), input).await?;
    let ip = crate::server::auth::context::client_ip();
    let connection = connections::create(
        &state.pool,
        &state.secrets,
        linked.new_connection(user.account_id, Some(user.user_id), None),
        &Actor::user(user, &ip),
    )
    .await
    .map_err(|e| tenant_race(e, &linked.integration.name))?;
    tracing::info!(connection = %connection.id, integration = %linked.integration.slug, "HR system connected");
    Ok(connection)
}

/// Whom Merge links an account for: the company, and the person connecting it.
pub struct Party<'a> {
    pub account_id: Uuid,
    pub account_name: &'a str,
    pub email: &'a str,
}

impl<'a> Party<'a> {
    pub fn admin(user: &'a CurrentUser) -> Self {
        Party {
            account_id: user.account_id,
            account_name: &user.account_name,
            email: &user.email,
        }
    }

    fn end_user(&self, origin_id: &str) -> EndUser {
        EndUser {
            email: self.email.to_owned(),
            organization_name: self.account_name.to_owned(),
            origin_id: origin_id.to_owned(),
        }
    }
}

/// A new account linked at Merge, not stored yet.
pub struct LinkedNew {
    pub id: Uuid,
    pub integration: Integration,
    tenant: Option<String>,
    label: String,
    consent: Consent,
    origin_id: String,
    linked: AccountTokenResponse,
    token: Secret,
}

impl LinkedNew {
    pub fn new_connection<'a>(
        &'a self,
        account_id: Uuid,
        consented_by: Option<Uuid>,
        requested_by: Option<&'a str>,
    ) -> NewConnection<'a> {
        NewConnection {
            id: self.id,
            account_id,
            integration_slug: &self.integration.slug,
            integration_name: &self.integration.name,
            label: &self.label,
            tenant: self.tenant.as_deref(),
            origin_id: &self.origin_id,
            merge_account_id: self.linked.id.as_deref(),
            account_token: &self.token,
            consent: &self.consent,
            consented_by,
            requested_by,
            first_sync: JobKind::Initial,
        }
    }
}

/// Checks the form and links the account at Merge; the caller stores it. Wrong details are
/// reported at their field and change nothing here.
pub async fn link_new(
    state: &AppState,
    party: &Party<'_>,
    input: ConnectInput,
) -> Result<LinkedNew, AppError> {
    let integration = find_integration(state, &input.slug).await?;
    let fields = fields_of(&integration.slug, &integration.name)?;
    let credentials = checked(fields, &input.credentials)?;
    let tenant = tenant_of(&integration.slug, &credentials);
    if let Some(t) = &tenant
        && let Some(existing) =
            connections::live_for_tenant(&state.pool, party.account_id, &integration.slug, t)
                .await?
    {
        return Err(already_connected(&existing));
    }
    let fallback = default_label(
        &integration.name,
        tenant.as_deref(),
        chrono::Utc::now().date_naive(),
    );
    let label = check_label(&input.label, &fallback)?;
    let consent = consent(&input.optional_fields)?;
    let id = Uuid::new_v4();
    let origin_id = connections::origin_id(party.account_id, id);
    let linked = link_with_credentials(
        state,
        party,
        &integration.slug,
        &integration.name,
        &origin_id,
        &consent,
        credentials,
    )
    .await?;
    Ok(LinkedNew {
        id,
        tenant,
        label,
        consent,
        origin_id,
        token: Secret::new(linked.account_token.clone()),
        linked,
        integration,
    })
}

/// Two admins connecting one tenant at the same moment: the index lets one through.
pub fn tenant_race(err: ServerError, system: &str) -> AppError {
    match &err {
        ServerError::Db {
            source: sqlx::Error::Database(db),
            ..
        } if db.constraint() == Some("connections_one_per_tenant_idx") => AppError::Conflict(
            format!("This {system} account was connected a moment ago. Reload the page to see it."),
        ),
        _ => err.into(),
    }
}

/// Links (or, for an origin id Merge already knows, relinks) the account at Merge with details
/// typed into our form.
pub async fn link_with_credentials(
    state: &AppState,
    party: &Party<'_>,
    slug: &str,
    system: &str,
    origin_id: &str,
    consent: &Consent,
    credentials: BTreeMap<String, String>,
) -> Result<AccountTokenResponse, AppError> {
    let first_field = fields_of(slug, system)?.first().map(|f| f.key);
    state
        .merge
        .bootstrap_linked_account(
            &party.end_user(origin_id),
            slug,
            consent,
            &Credentials(credentials),
        )
        .await
        .map_err(|err| credential_error(&err, system, first_field))
}

/// Checks details typed to relink `c`: valid, and for the tenant it reads, so a relink never
/// swaps one company's staff for another's.
pub fn checked_for_relink(
    c: &Connection,
    typed: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, AppError> {
    let credentials = checked(fields_of(&c.integration_slug, &c.integration_name)?, typed)?;
    if let (Some(current), Some(typed_tenant)) =
        (&c.tenant, tenant_of(&c.integration_slug, &credentials))
        && !current.eq_ignore_ascii_case(&typed_tenant)
    {
        let field = match sign_in_for(&c.integration_slug) {
            SignIn::Fields { fields, .. } => fields
                .iter()
                .find(|f| matches!(f.kind, FieldKind::Subdomain { .. } | FieldKind::Url))
                .map_or("credentials", |f| f.key),
            SignIn::OAuth => "credentials",
        };
        return Err(AppError::invalid(
            field,
            format!(
                "This connection, “{}”, reads {}. Enter the details of that account, or connect {typed_tenant} as a new integration.",
                c.label,
                tenant_address(&c.integration_slug, current)
            ),
        ));
    }
    Ok(credentials)
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
