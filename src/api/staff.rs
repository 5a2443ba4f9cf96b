//! Server functions of the recipients view.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::staff_filter::{FilterOptions, StaffFilter, StaffPage};
use crate::error::AppError;

#[server(endpoint = "staff/search", input = Json)]
pub async fn search_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    Ok(crate::server::store::staff_query::search(&state.pool, user.account_id, &filter).await?)
}

#[server(endpoint = "staff/options")]
pub async fn staff_options() -> Result<FilterOptions, AppError> {
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    Ok(crate::server::store::staff_query::options(&state.pool, user.account_id).await?)
}
