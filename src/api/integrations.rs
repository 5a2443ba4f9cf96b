//! Server functions of the Integrations page. Each checks the session, takes the account from
//! it, and calls `server::integrations`.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::connection_details::ConnectionDetails;
use crate::domain::incident::IncidentView;
use crate::domain::integration::{CatalogueItem, ConnectionView, DisconnectPreview};
use crate::error::AppError;

#[server(endpoint = "integrations/list")]
pub async fn list_connections() -> Result<Vec<ConnectionView>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    Ok(crate::server::integrations::views::list(&state.pool, user.account_id).await?)
}

#[server(endpoint = "integrations/catalogue")]
pub async fn catalogue() -> Result<Vec<CatalogueItem>, AppError> {
    use crate::server::auth::context::{current_user, state};
    current_user()?;
    let state = state()?;
    let all = state
        .merge
        .organization_integrations()
        .await
        .map_err(|err| {
            tracing::warn!(error = %err, "could not load the integration catalogue");
            AppError::Unavailable(
                "The list of HR systems could not be loaded. Try again in a minute.".into(),
            )
        })?;
    let mut items: Vec<CatalogueItem> = all
        .into_iter()
        .filter(|i| i.categories.iter().any(|c| c == "hris" || c == "crm"))
        .map(|i| CatalogueItem {
            crm: !i.categories.iter().any(|c| c == "hris"),
            color: i
                .color
                .filter(|c| {
                    c.len() == 7
                        && c.starts_with('#')
                        && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
                })
                .unwrap_or_else(|| "#4338ca".into()),
            slug: i.slug,
            name: i.name,
            abbreviated: i.abbreviated_name,
        })
        .collect();
    items.sort_by_key(|i| i.name.to_lowercase());
    Ok(items)
}

#[server(endpoint = "integrations/connect", input = Json)]
pub async fn connect(
    slug: String,
    label: String,
    optional_fields: Vec<String>,
    credentials: BTreeMap<String, String>,
) -> Result<ConnectionView, AppError> {
    use crate::server::integrations::{connect, views};
    let (user, state) = crate::server::auth::context::admin()?;
    let c = connect::connect_with_credentials(
        &state,
        &user,
        connect::ConnectInput {
            slug,
            label,
            optional_fields,
            credentials,
        },
    )
    .await?;
    Ok(views::view(&state.pool, &c).await?)
}

/// The account's live connection to the tenant these details point at, asked as soon as the
/// tenant is typed so the dialog can offer a resync or relink instead of a second connection.
#[server(endpoint = "integrations/same-tenant", input = Json)]
pub async fn same_tenant(
    slug: String,
    credentials: BTreeMap<String, String>,
) -> Result<Option<ConnectionView>, AppError> {
    use crate::server::integrations::{connect, views};
    let (user, state) = crate::server::auth::context::admin()?;
    match connect::same_tenant(&state, &user, &slug, &credentials).await? {
        Some(c) => Ok(Some(views::view(&state.pool, &c).await?)),
        None => Ok(None),
    }
}

#[server(endpoint = "integrations/get")]
pub async fn get_connection(id: Uuid) -> Result<ConnectionView, AppError> {
    use crate::server::store::connections;
    let (user, state) = crate::server::auth::context::signed_in()?;
    let c = connections::get(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    Ok(crate::server::integrations::views::view(&state.pool, &c).await?)
}

#[server(endpoint = "integrations/resync")]
pub async fn resync(id: Uuid) -> Result<(), AppError> {
    use crate::server::store::connections::{self, ConnectionStatus};
    use crate::server::store::jobs::{self, JobKind};
    let (user, state) = crate::server::auth::context::admin()?;
    let c = connections::get(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    if c.status == ConnectionStatus::Disconnected {
        return Err(AppError::Conflict(
            "This connection is disconnected. Connect it again to sync.".into(),
        ));
    }
    if !jobs::enqueue(&state.pool, c.id, JobKind::Manual).await? {
        return Err(AppError::Conflict(
            "A sync is already running for this connection.".into(),
        ));
    }
    Ok(())
}

#[server(endpoint = "integrations/rename")]
pub async fn rename(id: Uuid, label: String) -> Result<(), AppError> {
    use crate::server::integrations::connect::check_label;
    use crate::server::store::connections::{self, Renamed};
    let (user, state) = crate::server::auth::context::admin()?;
    if label.trim().is_empty() {
        return Err(AppError::invalid(
            "label",
            "Enter a name, for example \"UK division\".",
        ));
    }
    let label = check_label(&label, "")?;
    match connections::rename(&state.pool, user.account_id, id, &label).await? {
        Renamed::Done => Ok(()),
        Renamed::NoSuchConnection => Err(AppError::not_found("That connection")),
        Renamed::Taken => Err(AppError::invalid(
            "label",
            format!(
                "Another connection is already called \"{label}\". Choose a name that tells them apart."
            ),
        )),
    }
}

/// What disconnecting would change, for the Disconnect dialog: the connection's name and the
/// open campaigns that would lose recipients.
#[server(endpoint = "integrations/disconnect-impact")]
pub async fn disconnect_impact(id: Uuid) -> Result<DisconnectPreview, AppError> {
    use crate::server::store::{audiences, connections};
    let (user, state) = crate::server::auth::context::admin()?;
    let c = connections::get(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    Ok(DisconnectPreview {
        campaigns: audiences::reach_through(&state.pool, user.account_id, c.id).await?,
        label: c.label,
    })
}

#[server(endpoint = "integrations/disconnect")]
pub async fn disconnect(id: Uuid, delete_now: bool) -> Result<(), AppError> {
    use crate::server::integrations::disconnect::{Retention, disconnect};
    let (user, state) = crate::server::auth::context::admin()?;
    let retention = if delete_now {
        Retention::DeleteNow
    } else {
        Retention::KeepReadOnly
    };
    let ip = crate::server::auth::context::client_ip();
    disconnect(
        &state.pool,
        &state.secrets,
        &state.merge,
        user.account_id,
        id,
        retention,
        &crate::server::store::audit::Actor::user(&user, &ip),
    )
    .await?;
    Ok(())
}

#[server(endpoint = "integrations/start-link", input = Json)]
pub async fn start_link(
    slug: String,
    label: String,
    optional_fields: Vec<String>,
) -> Result<String, AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    crate::server::integrations::link::start(&state, &user, &slug, &label, &optional_fields).await
}

#[server(endpoint = "integrations/complete-link")]
pub async fn complete_link(
    pending: Uuid,
    public_token: String,
) -> Result<ConnectionView, AppError> {
    use crate::server::integrations::link;
    let (user, state) = crate::server::auth::context::admin()?;
    crate::domain::text::one_line("The sign-in token", &public_token, 512)?;
    let c = link::complete(&state, &user, pending, &public_token).await?;
    Ok(crate::server::integrations::views::view(&state.pool, &c).await?)
}

#[server(endpoint = "integrations/details")]
pub async fn connection_page(id: Uuid) -> Result<ConnectionDetails, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::integrations::details::details(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))
}

#[server(endpoint = "integrations/relink", input = Json)]
pub async fn relink(
    id: Uuid,
    credentials: BTreeMap<String, String>,
) -> Result<ConnectionView, AppError> {
    use crate::server::integrations::{relink, views};
    let (user, state) = crate::server::auth::context::admin()?;
    let c = relink::relink_with_credentials(&state, &user, id, &credentials).await?;
    Ok(views::view(&state.pool, &c).await?)
}

#[server(endpoint = "integrations/start-relink")]
pub async fn start_relink(id: Uuid) -> Result<String, AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    crate::server::integrations::link::start_relink(&state, &user, id).await
}

/// Applies (`apply`) or dismisses the removals a sync held back for review.
#[server(endpoint = "integrations/review-held")]
pub async fn review_held(id: Uuid, apply: bool) -> Result<u64, AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    let ip = crate::server::auth::context::client_ip();
    crate::server::integrations::details::review_held(&state, &user, id, apply, &ip).await
}

/// The account's activity log, for admins.
#[server(endpoint = "integrations/activity")]
pub async fn activity() -> Result<Vec<crate::domain::audit::AuditEntry>, AppError> {
    let (user, state) = crate::server::auth::context::admin()?;
    Ok(crate::server::store::audit::recent(&state.pool, user.account_id, 200).await?)
}

/// The account's open connection incidents, for the banner on the Integrations page.
#[server(endpoint = "integrations/incidents")]
pub async fn open_incidents() -> Result<Vec<IncidentView>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    Ok(crate::server::alerts::for_account(&state.pool, user.account_id).await?)
}
