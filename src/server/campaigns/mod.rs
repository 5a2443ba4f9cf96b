//! What campaign managers do with campaigns: create and edit them, choose who they reach, and
//! ask why someone is not among the recipients. Every call is scoped to the user's account;
//! the server functions in `api::campaigns` are the session check and one call here.

pub mod why_not;

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::campaign::{
    AudienceKind, CampaignDetails, CampaignDraft, CampaignSummary, Person, RecipientsPage,
    ValidCampaign, WhyNot,
};
use crate::domain::incident::IncidentView;
use crate::domain::staff_filter::{MAX_PAGE, StaffFilter, check_person_key};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::alerts;
use crate::server::store::{audiences, campaigns, staff_query};

fn no_campaign() -> AppError {
    AppError::not_found("That campaign")
}

fn checked(draft: &CampaignDraft) -> Result<ValidCampaign, AppError> {
    draft.validate().map_err(|errors| {
        let (field, message) = errors.into_iter().next().unwrap_or_default();
        AppError::invalid(field, message)
    })
}

pub async fn list(
    pool: &PgPool,
    user: &CurrentUser,
    archived: bool,
) -> Result<Vec<CampaignSummary>, AppError> {
    Ok(campaigns::list(pool, user.account_id, archived).await?)
}

pub async fn create(
    pool: &PgPool,
    user: &CurrentUser,
    draft: &CampaignDraft,
) -> Result<Uuid, AppError> {
    let valid = checked(draft)?;
    let id = campaigns::create(pool, user.account_id, user.user_id, &valid).await?;
    tracing::info!(campaign = %id, "campaign created");
    Ok(id)
}

pub async fn update(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    draft: &CampaignDraft,
) -> Result<(), AppError> {
    let valid = checked(draft)?;
    if !campaigns::update(pool, user.account_id, id, &valid).await? {
        return Err(no_campaign());
    }
    Ok(())
}

pub async fn set_archived(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    archived: bool,
) -> Result<(), AppError> {
    if !campaigns::set_archived(pool, user.account_id, id, archived).await? {
        return Err(no_campaign());
    }
    Ok(())
}

pub async fn details(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
) -> Result<CampaignDetails, AppError> {
    audiences::details(pool, user.account_id, id)
        .await?
        .ok_or_else(no_campaign)
}

/// Open incidents of the connections the campaign's recipients come from (its banner).
pub async fn incidents(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<IncidentView>, AppError> {
    if campaigns::get(pool, user.account_id, id).await?.is_none() {
        return Err(no_campaign());
    }
    Ok(alerts::for_campaign(pool, user.account_id, id).await?)
}

/// A page of the campaign's current recipients, optionally narrowed by name or work email.
pub async fn recipients(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    text: &str,
    page: u32,
) -> Result<RecipientsPage, AppError> {
    crate::domain::text::search(text)?;
    if page > MAX_PAGE {
        return Err(AppError::invalid(
            "page",
            format!("Pages go up to {MAX_PAGE}."),
        ));
    }
    audiences::recipients(pool, user.account_id, id, text, page)
        .await?
        .ok_or_else(no_campaign)
}

/// Saves who the campaign reaches: the people picked by hand (a fixed list), or everyone the
/// filter matches, either re-evaluated after every sync (`Dynamic`) or fixed now (`Snapshot`).
pub async fn save_audience(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    kind: AudienceKind,
    filter: &StaffFilter,
    picked: Vec<String>,
) -> Result<(), AppError> {
    filter.validate()?;
    for key in &picked {
        check_person_key(key)?;
    }
    if !audiences::save(pool, user.account_id, id, kind, filter, picked).await? {
        return Err(no_campaign());
    }
    Ok(())
}

pub async fn set_excluded(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    key: &str,
    excluded: bool,
) -> Result<(), AppError> {
    check_person_key(key)?;
    if !audiences::set_excluded(pool, user.account_id, id, key, user.user_id, excluded).await? {
        return Err(no_campaign());
    }
    Ok(())
}

/// Anyone in the account's HR data matching the text, leavers and removed people included.
pub async fn find_anyone(
    pool: &PgPool,
    user: &CurrentUser,
    text: &str,
) -> Result<Vec<Person>, AppError> {
    crate::domain::text::search(text)?;
    Ok(staff_query::anyone(pool, user.account_id, text).await?)
}

pub async fn explain_absence(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
    key: &str,
) -> Result<WhyNot, AppError> {
    check_person_key(key)?;
    why_not::explain(pool, user.account_id, id, key)
        .await?
        .ok_or_else(|| AppError::not_found("That person or campaign"))
}
