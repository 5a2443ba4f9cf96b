//! Server functions of the recipients view: the session, then one call to `server::staff`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::staff_filter::{FilterOptions, ManagerSuggestion, StaffFilter, StaffPage};
use crate::error::AppError;

#[server(endpoint = "staff/search", input = Json)]
pub async fn search_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::staff::search(&state.pool, &user, &filter).await
}

/// The exact number of people matching, for when the search's count stopped at its cap.
#[server(endpoint = "staff/count", input = Json)]
pub async fn count_staff(filter: StaffFilter) -> Result<i64, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::staff::count(&state.pool, &user, &filter).await
}

#[server(endpoint = "staff/options")]
pub async fn staff_options() -> Result<FilterOptions, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::staff::options(&state.pool, &user).await
}

/// People who manage someone and match `text`, one per person.
#[server(endpoint = "staff/managers")]
pub async fn find_managers(text: String) -> Result<Vec<ManagerSuggestion>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::staff::managers(&state.pool, &user, &text).await
}

#[server(endpoint = "staff/name")]
pub async fn person_name(key: String) -> Result<Option<String>, AppError> {
    let (user, state) = crate::server::auth::context::signed_in()?;
    crate::server::staff::person_name(&state.pool, &user, &key).await
}
