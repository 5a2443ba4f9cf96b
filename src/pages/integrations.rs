use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::page_header::PageHeader;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <Title text="Integrations"/>
        <PageHeader
            title="Integrations"
            description="The HR and CRM systems connected to your account."
        />
        <EmptyState
            title="No HR system connected yet"
            icon=Icon::Plug
            message="Connecting your HR system lets &Open keep an up-to-date list of your staff — names, work emails, teams, managers, start dates and office countries — so campaigns can reach the right people. Sensitive details such as pay, home address or date of birth are never requested."
        />
    }
}
