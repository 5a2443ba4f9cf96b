//! What campaign managers do with the synced staff: search and filter it, count the matches,
//! list the filters' choices and find managers. Every call is scoped to the user's account; the
//! server functions in `api::staff` are the session check and one call here.

use sqlx::PgPool;

use crate::domain::staff_filter::{
    FilterOptions, ManagerSuggestion, StaffFilter, StaffPage, check_person_key,
};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::store::staff_query;

pub async fn search(
    pool: &PgPool,
    user: &CurrentUser,
    filter: &StaffFilter,
) -> Result<StaffPage, AppError> {
    filter.validate()?;
    Ok(staff_query::search(pool, user.account_id, filter).await?)
}

/// The exact number of people matching, for when the search's count stopped at its cap.
pub async fn count(
    pool: &PgPool,
    user: &CurrentUser,
    filter: &StaffFilter,
) -> Result<i64, AppError> {
    filter.validate()?;
    Ok(staff_query::count(pool, user.account_id, filter).await?)
}

pub async fn options(pool: &PgPool, user: &CurrentUser) -> Result<FilterOptions, AppError> {
    Ok(staff_query::options(pool, user.account_id).await?)
}

/// People who manage someone and match `text`, one per person.
pub async fn managers(
    pool: &PgPool,
    user: &CurrentUser,
    text: &str,
) -> Result<Vec<ManagerSuggestion>, AppError> {
    crate::domain::text::search(text)?;
    Ok(staff_query::managers(pool, user.account_id, text).await?)
}

pub async fn person_name(
    pool: &PgPool,
    user: &CurrentUser,
    key: &str,
) -> Result<Option<String>, AppError> {
    check_person_key(key)?;
    Ok(staff_query::person_name(pool, user.account_id, key).await?)
}
