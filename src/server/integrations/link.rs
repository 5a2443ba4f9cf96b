//! Connecting a system that signs in with OAuth: our picker and consent run first, then the
//! admin is sent to Merge Link (the sandbox's emulated Link locally), preselected on the system
//! with the consented scopes, and comes back with a public token that is exchanged here.

use uuid::Uuid;

use super::connect::{Party, check_label, find_integration};
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
        &Party::admin(user),
        Owner::User(user.user_id),
        &Wanted {
            slug: &integration.slug,
            name: &integration.name,
            label: &label,
            consent: &consent,
            origin_id: &origin_id,
        },
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
        &Party::admin(user),
        Owner::User(user.user_id),
        &Wanted {
            slug: &c.integration_slug,
            name: &c.integration_name,
            label: &c.label,
            consent: &c.consent,
            origin_id: &c.origin_id,
        },
    )
    .await
}

/// Who finishes a hand-off: the admin who started it, or whoever holds the colleague's link.
#[derive(Clone, Copy)]
pub enum Owner {
    User(Uuid),
    Invitation(Uuid),
}

/// The connection a hand-off is for.
pub struct Wanted<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub consent: &'a Consent,
    pub origin_id: &'a str,
}

pub async fn hand_off(
    state: &AppState,
    party: &Party<'_>,
    owner: Owner,
    wanted: &Wanted<'_>,
) -> Result<String, AppError> {
    let Wanted {
        slug,
        name,
        label,
        consent,
        origin_id,
    } = *wanted;
    let link = state
        .merge
        .create_link_token(
            &EndUser {
                email: party.email.to_owned(),
                organization_name: party.account_name.to_owned(),
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
    let (user_id, invitation_id, back) = match owner {
        Owner::User(u) => (Some(u), None, "/integrations/linked"),
        Owner::Invitation(i) => (None, Some(i), "/connect/linked"),
    };
    sqlx::query!(
        "INSERT INTO pending_links (id, account_id, user_id, invitation_id, integration_slug,
             integration_name, label, consent, origin_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        party.account_id,
        user_id,
        invitation_id,
        slug,
        name,
        label,
        sqlx::types::Json(consent) as _,
        origin_id,
    )
    .execute(&state.pool)
    .await
    .map_err(ServerError::from)?;
    let back = format!("{}{back}?pending={id}", state.config.public_url);
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
    let claimed = exchange_and_claim(
        state,
        Finisher::Account(user.account_id),
        pending,
        public_token,
    )
    .await?;
    let id = claimed.connection_id();
    let existed = connections::get(&state.pool, user.account_id, id)
        .await?
        .is_some();
    let ip = crate::server::auth::context::client_ip();
    connections::create(
        &state.pool,
        &state.secrets,
        NewConnection {
            first_sync: if existed {
                JobKind::Relink
            } else {
                JobKind::Initial
            },
            ..claimed.new_connection(user.account_id, Some(user.user_id))
        },
        &Actor::user(user, &ip),
    )
    .await
    .map_err(AppError::from)
}

/// Who may finish a hand-off: any admin of the account that started it, or the holder of the
/// colleague's link it was started from.
#[derive(Clone, Copy)]
pub enum Finisher {
    Account(Uuid),
    Invitation(Uuid),
}

/// Exchanges Link's public token and takes the hand-off, so it is finished only once.
pub async fn exchange_and_claim(
    state: &AppState,
    by: Finisher,
    pending: Uuid,
    public_token: &str,
) -> Result<ClaimedLink, AppError> {
    let expired = || {
        AppError::NotFound(
            "This sign-in has expired or was already finished. Start again from Connect new integration.".into(),
        )
    };
    let (account, invitation) = match by {
        Finisher::Account(a) => (Some(a), None),
        Finisher::Invitation(i) => (None, Some(i)),
    };
    let pending_exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pending_links
         WHERE id = $1 AND ((user_id IS NOT NULL AND account_id = $2) OR invitation_id = $3)
           AND created_at > now() - make_interval(hours => $4)) AS "exists!""#,
        pending,
        account,
        invitation,
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
    let token = exchange(state, public_token).await?;
    let link = sqlx::query_as!(
        PendingLink,
        r#"DELETE FROM pending_links
         WHERE id = $1 AND ((user_id IS NOT NULL AND account_id = $2) OR invitation_id = $3)
           AND created_at > now() - make_interval(hours => $4)
         RETURNING integration_slug, integration_name, label, consent AS "consent: ConsentJson",
             origin_id"#,
        pending,
        account,
        invitation,
        PENDING_HOURS,
    )
    .fetch_optional(&state.pool)
    .await
    .context("claiming a pending link")?;
    Ok(ClaimedLink {
        link: link.ok_or_else(expired)?,
        merge_account_id: token.id,
        token: Secret::new(token.account_token),
    })
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

/// A finished hand-off: what was started, and the linked account Merge gave for it.
pub struct ClaimedLink {
    link: PendingLink,
    merge_account_id: Option<String>,
    token: Secret,
}

impl ClaimedLink {
    /// The connection the hand-off is for: new, or the one a relink started from.
    pub fn connection_id(&self) -> Uuid {
        self.link
            .origin_id
            .rsplit_once("_conn_")
            .and_then(|(_, c)| Uuid::parse_str(c).ok())
            .unwrap_or_else(Uuid::new_v4)
    }

    pub fn system(&self) -> &str {
        &self.link.integration_name
    }

    pub fn new_connection(
        &self,
        account_id: Uuid,
        consented_by: Option<Uuid>,
    ) -> NewConnection<'_> {
        NewConnection {
            id: self.connection_id(),
            account_id,
            integration_slug: &self.link.integration_slug,
            integration_name: &self.link.integration_name,
            label: &self.link.label,
            tenant: None,
            origin_id: &self.link.origin_id,
            merge_account_id: self.merge_account_id.as_deref(),
            account_token: &self.token,
            consent: &self.link.consent.0,
            consented_by,
            requested_by: None,
            first_sync: JobKind::Initial,
        }
    }
}
