//! Server functions of the campaign pages. Campaign managers and admins alike manage campaigns;
//! every call takes the account from the session.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::campaign::{
    AudienceKind, CampaignDetails, CampaignDraft, CampaignSummary, Person, RecipientsPage, WhyNot,
};
use crate::domain::staff_filter::StaffFilter;
#[cfg(feature = "ssr")]
use crate::domain::staff_filter::check_person_key;
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn checked(draft: &CampaignDraft) -> Result<crate::domain::campaign::ValidCampaign, AppError> {
    draft.validate().map_err(|errors| {
        let (field, message) = errors.into_iter().next().unwrap_or_default();
        AppError::invalid(field, message)
    })
}

#[server(endpoint = "campaigns/list")]
pub async fn list_campaigns(archived: bool) -> Result<Vec<CampaignSummary>, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    Ok(crate::server::store::campaigns::list(&state.pool, user.account_id, archived).await?)
}

#[server(endpoint = "campaigns/create", input = Json)]
pub async fn create_campaign(draft: CampaignDraft) -> Result<Uuid, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    let valid = checked(&draft)?;
    let id =
        crate::server::store::campaigns::create(&state.pool, user.account_id, user.user_id, &valid)
            .await?;
    tracing::info!(campaign = %id, "campaign created");
    Ok(id)
}

#[server(endpoint = "campaigns/update", input = Json)]
pub async fn update_campaign(id: Uuid, draft: CampaignDraft) -> Result<(), AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    let valid = checked(&draft)?;
    if !crate::server::store::campaigns::update(&state.pool, user.account_id, id, &valid).await? {
        return Err(AppError::not_found("That campaign"));
    }
    Ok(())
}

#[server(endpoint = "campaigns/archive")]
pub async fn archive_campaign(id: Uuid, archived: bool) -> Result<(), AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    if !crate::server::store::campaigns::set_archived(&state.pool, user.account_id, id, archived)
        .await?
    {
        return Err(AppError::not_found("That campaign"));
    }
    Ok(())
}

#[server(endpoint = "campaigns/get")]
pub async fn load_campaign(id: Uuid) -> Result<CampaignDetails, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    crate::server::store::audiences::details(&state.pool, user.account_id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That campaign"))
}

/// A page of the campaign's current recipients, optionally narrowed by name or work email.
#[server(endpoint = "campaigns/recipients")]
pub async fn campaign_recipients(
    id: Uuid,
    text: String,
    page: u32,
) -> Result<RecipientsPage, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    crate::domain::text::search(&text)?;
    if page > crate::domain::staff_filter::MAX_PAGE {
        return Err(AppError::invalid(
            "page",
            format!("Pages go up to {}.", crate::domain::staff_filter::MAX_PAGE),
        ));
    }
    crate::server::store::audiences::recipients(&state.pool, user.account_id, id, &text, page)
        .await?
        .ok_or_else(|| AppError::not_found("That campaign"))
}

/// Saves who the campaign reaches: the people picked by hand (a fixed list), or everyone the
/// filter matches, either re-evaluated after every sync (`Dynamic`) or fixed now (`Snapshot`).
#[server(endpoint = "campaigns/audience", input = Json)]
pub async fn save_audience(
    id: Uuid,
    kind: AudienceKind,
    filter: StaffFilter,
    picked: Vec<String>,
) -> Result<(), AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    filter.validate()?;
    for key in &picked {
        check_person_key(key)?;
    }
    let saved = crate::server::store::audiences::save(
        &state.pool,
        user.account_id,
        id,
        kind,
        &filter,
        picked,
    )
    .await?;
    if !saved {
        return Err(AppError::not_found("That campaign"));
    }
    Ok(())
}

#[server(endpoint = "campaigns/exclude")]
pub async fn set_exclusion(id: Uuid, key: String, excluded: bool) -> Result<(), AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    check_person_key(&key)?;
    if !crate::server::store::audiences::set_excluded(
        &state.pool,
        user.account_id,
        id,
        &key,
        user.user_id,
        excluded,
    )
    .await?
    {
        return Err(AppError::not_found("That campaign"));
    }
    Ok(())
}

/// Anyone in the account's HR data matching the text, leavers and removed people included:
/// `(key, name, job title, source)`.
#[server(endpoint = "campaigns/find-anyone")]
pub async fn find_anyone(text: String) -> Result<Vec<Person>, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    crate::domain::text::search(&text)?;
    Ok(crate::server::store::staff_query::anyone(&state.pool, user.account_id, &text).await?)
}

#[server(endpoint = "campaigns/why-not")]
pub async fn explain_absence(id: Uuid, key: String) -> Result<WhyNot, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    check_person_key(&key)?;
    crate::server::store::why_not::explain(&state.pool, user.account_id, id, &key)
        .await?
        .ok_or_else(|| AppError::not_found("That person or campaign"))
}
