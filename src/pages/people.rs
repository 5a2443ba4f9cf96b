use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page_header::PageHeader;
use crate::components::recipients::RecipientsView;

/// Everyone the account's HR systems share, to search and filter.
#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <Title text="People"/>
        <PageHeader
            title="People"
            description="Everyone your connected HR systems share with &Open."
        />
        <RecipientsView base_path="/people".to_owned() heading="Find people"/>
    }
}
