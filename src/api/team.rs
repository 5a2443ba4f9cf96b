//! The Team page: everyone on the account sees it; only admins change it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::role::Role;
use crate::domain::team::{InvitationDraft, TeamView};
use crate::error::AppError;

#[server(endpoint = "team/list")]
pub async fn team() -> Result<TeamView, AppError> {
    use crate::server::auth::context::{current_user, state};
    let me = current_user()?;
    Ok(crate::server::people::team::view(&state()?.pool, &me).await?)
}

#[server(endpoint = "team/invite", input = Json)]
pub async fn invite(draft: InvitationDraft) -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    use crate::server::people::{Mailing, invitations};
    let admin = require_admin()?;
    let valid = draft
        .validate()
        .map_err(|e| AppError::invalid(invitation_field(&e), e.to_string()))?;
    let state = state()?;
    invitations::invite(Mailing::from_state(&state), &admin, &client_ip(), &valid).await?;
    Ok(())
}

/// Which form field an invitation problem belongs to.
pub fn invitation_field(err: &crate::domain::team::InvitationError) -> &'static str {
    match err {
        crate::domain::team::InvitationError::Email(_) => "email",
        crate::domain::team::InvitationError::Message(_) => "message",
    }
}

#[server(endpoint = "team/resend")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    use crate::server::people::{Mailing, invitations};
    let admin = require_admin()?;
    let state = state()?;
    invitations::resend(Mailing::from_state(&state), &admin, &client_ip(), id).await?;
    Ok(())
}

#[server(endpoint = "team/revoke")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    let admin = require_admin()?;
    crate::server::people::invitations::revoke(&state()?.pool, &admin, &client_ip(), id).await
}

#[server(endpoint = "team/role")]
pub async fn change_role(user_id: Uuid, role: Role) -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    let admin = require_admin()?;
    crate::server::people::team::change_role(&state()?.pool, &admin, &client_ip(), user_id, role)
        .await
}

#[server(endpoint = "team/remove")]
pub async fn remove_person(user_id: Uuid) -> Result<(), AppError> {
    use crate::server::auth::context::{client_ip, require_admin, state};
    let admin = require_admin()?;
    crate::server::people::team::remove(&state()?.pool, &admin, &client_ip(), user_id).await
}
