//! Server functions of the recipients view.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::staff_filter::{FilterOptions, ManagerSuggestion, StaffFilter, StaffPage};
use crate::error::AppError;

#[server(endpoint = "staff/search", input = Json)]
pub async fn search_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    filter.validate()?;
    Ok(crate::server::store::staff_query::search(&state.pool, user.account_id, &filter).await?)
}

/// The exact number of people matching, for when the search's count stopped at its cap.
#[server(endpoint = "staff/count", input = Json)]
pub async fn count_staff(filter: StaffFilter) -> Result<i64, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    filter.validate()?;
    Ok(crate::server::store::staff_query::count(&state.pool, user.account_id, &filter).await?)
}

#[server(endpoint = "staff/options")]
pub async fn staff_options() -> Result<FilterOptions, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    Ok(crate::server::store::staff_query::options(&state.pool, user.account_id).await?)
}

/// People who manage someone and match `text`, one per person.
#[server(endpoint = "staff/managers")]
pub async fn find_managers(text: String) -> Result<Vec<ManagerSuggestion>, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    crate::domain::text::search(&text)?;
    Ok(crate::server::store::staff_query::managers(&state.pool, user.account_id, &text).await?)
}

#[server(endpoint = "staff/name")]
pub async fn person_name(key: String) -> Result<Option<String>, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    crate::domain::staff_filter::check_person_key(&key)?;
    Ok(crate::server::store::staff_query::person_name(&state.pool, user.account_id, &key).await?)
}
