//! Server functions of the campaign pages: the session, then one call to `server::campaigns`.
//! Campaign managers and admins alike manage campaigns; every call takes the account from the
//! session.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::campaign::{
    AudienceKind, CampaignDetails, CampaignDraft, CampaignSummary, Person, RecipientsPage, WhyNot,
};
use crate::domain::incident::IncidentView;
use crate::domain::staff_filter::StaffFilter;
use crate::error::AppError;

#[server(endpoint = "campaigns/list")]
pub async fn list_campaigns(archived: bool) -> Result<Vec<CampaignSummary>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::list(&state.pool, &user, archived).await
}

#[server(endpoint = "campaigns/create", input = Json)]
pub async fn create_campaign(draft: CampaignDraft) -> Result<Uuid, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::create(&state.pool, &user, &draft).await
}

#[server(endpoint = "campaigns/update", input = Json)]
pub async fn update_campaign(id: Uuid, draft: CampaignDraft) -> Result<(), AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::update(&state.pool, &user, id, &draft).await
}

#[server(endpoint = "campaigns/archive")]
pub async fn archive_campaign(id: Uuid, archived: bool) -> Result<(), AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::set_archived(&state.pool, &user, id, archived).await
}

#[server(endpoint = "campaigns/get")]
pub async fn load_campaign(id: Uuid) -> Result<CampaignDetails, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::details(&state.pool, &user, id).await
}

/// A page of the campaign's current recipients, optionally narrowed by name or work email.
#[server(endpoint = "campaigns/recipients")]
pub async fn campaign_recipients(
    id: Uuid,
    text: String,
    page: u32,
) -> Result<RecipientsPage, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::recipients(&state.pool, &user, id, &text, page).await
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
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::save_audience(&state.pool, &user, id, kind, &filter, picked).await
}

#[server(endpoint = "campaigns/exclude")]
pub async fn set_exclusion(id: Uuid, key: String, excluded: bool) -> Result<(), AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::set_excluded(&state.pool, &user, id, &key, excluded).await
}

/// Anyone in the account's HR data matching the text, leavers and removed people included.
#[server(endpoint = "campaigns/find-anyone")]
pub async fn find_anyone(text: String) -> Result<Vec<Person>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::find_anyone(&state.pool, &user, &text).await
}

#[server(endpoint = "campaigns/why-not")]
pub async fn explain_absence(id: Uuid, key: String) -> Result<WhyNot, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::explain_absence(&state.pool, &user, id, &key).await
}

/// Open incidents of the connections a campaign's recipients come from, for its banner.
#[server(endpoint = "campaigns/incidents")]
pub async fn campaign_incidents(id: Uuid) -> Result<Vec<IncidentView>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::campaigns::incidents(&state.pool, &user, id).await
}
