//! Relinking a connection whose HR system stopped accepting its access (Merge's
//! `RELINK_NEEDED`, or a 401). The connection keeps its id, origin id, label, consent and staff;
//! only Merge's account token is replaced, and a full sync picks up where the data left off.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::connect::{Party, checked_for_relink, link_with_credentials};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::secret::Secret;
use crate::server::state::AppState;
use crate::server::store::audit::Actor;
use crate::server::store::connections::{self, Connection, ConnectionStatus, NewConnection};
use crate::server::store::jobs::JobKind;

/// The account's connection, if an admin may relink it.
pub async fn relinkable(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Connection, AppError> {
    if !user.role.can_manage_integrations() {
        return Err(AppError::Forbidden);
    }
    let c = connections::get(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That connection"))?;
    if c.category != "hris" {
        return Err(AppError::invalid(
            "integration",
            "Only HR systems can be relinked here.",
        ));
    }
    if c.status == ConnectionStatus::Disconnected {
        return Err(AppError::Conflict(
            "This connection is disconnected. Connect the system again instead.".into(),
        ));
    }
    Ok(c)
}

/// Relinks with details typed into the same form used to connect.
pub async fn relink_with_credentials(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    credentials: &BTreeMap<String, String>,
) -> Result<Connection, AppError> {
    let c = relinkable(state, user, id).await?;
    let credentials = checked_for_relink(&c, credentials)?;
    let linked = link_with_credentials(
        state,
        &Party::admin(user),
        &c.integration_slug,
        &c.integration_name,
        &c.origin_id,
        &c.consent,
        credentials,
    )
    .await?;
    let ip = crate::server::auth::context::client_ip();
    let connection = connections::create(
        &state.pool,
        &state.secrets,
        NewConnection {
            id: c.id,
            account_id: c.account_id,
            integration_slug: &c.integration_slug,
            integration_name: &c.integration_name,
            label: &c.label,
            tenant: c.tenant.as_deref(),
            origin_id: &c.origin_id,
            merge_account_id: linked.id.as_deref(),
            account_token: &Secret::new(linked.account_token.clone()),
            consent: &c.consent,
            consented_by: Some(user.user_id),
            requested_by: None,
            first_sync: JobKind::Relink,
        },
        &Actor::user(user, &ip),
    )
    .await?;
    tracing::info!(connection = %connection.id, "HR system relinked");
    Ok(connection)
}
