use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::page_header::PageHeader;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    view! {
        <Title text="Campaigns"/>
        <PageHeader
            title="Campaigns"
            description="Choose who receives gifts from the staff your HR systems share."
        />
        <EmptyState
            title="No campaigns yet"
            icon=Icon::Gift
            message="A campaign's recipients come from your connected HR systems. Connect one on the Integrations page to begin."
        >
            <a class="button button--primary" href="/integrations">"Go to Integrations"</a>
        </EmptyState>
    }
}
