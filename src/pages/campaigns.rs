use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::campaigns::{CreateCampaign, list_campaigns};
use crate::components::campaign_form::CampaignForm;
use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::page_header::PageHeader;
use crate::domain::campaign::{AudienceKind, CampaignDraft, CampaignSummary, format_budget};

/// Campaigns of the account: open ones (or archived ones), and a form for a new one, which
/// opens the new campaign to choose its recipients.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let archived = RwSignal::new(false);
    // `?new` (the next step after connecting an HR system) opens with the form ready.
    let creating = RwSignal::new(use_query_map().get_untracked().get("new").is_some());
    let list = Resource::new(move || archived.get(), list_campaigns);
    let create = ServerAction::<CreateCampaign>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/campaigns/{id}"), Default::default());
        }
    });
    let result = Signal::derive(move || create.value().get().map(|r| r.map(|_| ())));
    view! {
        <Title text="Campaigns"/>
        <PageHeader title="Campaigns" description="Choose who receives gifts from the staff your HR systems share.">
            <button type="button" class="button button--primary" aria-expanded=move || creating.get().to_string()
                on:click=move |_| creating.update(|c| *c = !*c)>
                "New campaign"
            </button>
        </PageHeader>
        {move || creating.get().then(|| view! {
            <section class="card new-campaign" aria-labelledby="new-campaign-title">
                <h2 id="new-campaign-title" class="section-title section-title--first">"New campaign"</h2>
                <CampaignForm
                    initial=CampaignDraft::default()
                    submit_label="Create and choose recipients"
                    pending=create.pending().into()
                    result
                    on_submit=Callback::new(move |draft| { create.dispatch(CreateCampaign { draft }); })
                    on_cancel=Callback::new(move |_| creating.set(false))
                />
            </section>
        })}
        <div class="tabs" role="group" aria-label="Which campaigns">
            <button type="button" class="tab" aria-pressed=move || (!archived.get()).to_string() on:click=move |_| archived.set(false)>"Open"</button>
            <button type="button" class="tab" aria-pressed=move || archived.get().to_string() on:click=move |_| archived.set(true)>"Archived"</button>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading campaigns…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(items) if items.is_empty() && archived.get_untracked() => view! {
                        <p class="muted">"No archived campaigns."</p>
                    }.into_any(),
                    Ok(items) if items.is_empty() => view! {
                        <EmptyState
                            title="No campaigns yet"
                            icon=Icon::Gift
                            message="A campaign is a gift occasion and the people who receive it: everyone on a team, everyone under a manager, or everyone who joined this month. Start one with New campaign."
                        >
                            <button type="button" class="button button--primary" on:click=move |_| creating.set(true)>"Start a campaign"</button>
                        </EmptyState>
                    }.into_any(),
                    Ok(items) => view! {
                        <ul class="campaign-list">
                            {items.into_iter().map(|c| view! { <CampaignCard campaign=c/> }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn audience_label(c: &CampaignSummary) -> &'static str {
    match c.audience {
        None => "No recipients chosen yet",
        Some(AudienceKind::Dynamic) => "Follows a filter",
        Some(AudienceKind::Snapshot) => "Fixed list",
    }
}

#[component]
fn CampaignCard(campaign: CampaignSummary) -> impl IntoView {
    let c = campaign;
    view! {
        <li class="card campaign-card">
            <h2 class="campaign-title"><a href=format!("/campaigns/{}", c.id)>{c.name.clone()}</a></h2>
            <p class="muted">{c.occasion.clone()} " · " {format_budget(c.budget_minor, &c.currency)}</p>
            <p class="campaign-facts">
                <strong>{format!("{} {}", c.recipients, if c.recipients == 1 { "recipient" } else { "recipients" })}</strong>
                " · " {audience_label(&c)}
            </p>
        </li>
    }
}
