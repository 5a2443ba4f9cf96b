use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::page_header::PageHeader;
use crate::domain::credentials::{SignIn, sign_in_for};

/// The systems with written connection guides, as `(slug, name)`.
pub const GUIDES: &[(&str, &str)] = &[
    ("sage-hr", "Sage HR"),
    ("bamboohr", "BambooHR"),
    ("personio", "Personio"),
    ("peoplehr", "PeopleHR"),
    ("hibob", "HiBob"),
    ("workday", "Workday"),
    ("deel", "Deel"),
];

/// Where the guide for a system is, or all help when it has none.
pub fn guide_path(slug: &str) -> String {
    if GUIDES.iter().any(|(s, _)| *s == slug) {
        format!("/help/connect/{slug}#permissions")
    } else {
        "/help".to_owned()
    }
}

/// What the HR-system user (or API key) must be allowed to read, and what each feeds. A right
/// that is missing leaves the matching filters empty for that system's people.
const PERMISSIONS: &[(&str, &str)] = &[
    (
        "Employees",
        "names, work emails, managers, start dates and employment status",
    ),
    (
        "Employment details",
        "job titles (the \"Job title contains\" filter)",
    ),
    ("Teams and departments", "the Team and Department filters"),
    ("Work locations", "the Office and Office country filters"),
];

/// What the user or API key that connects `name` must be allowed to read, and what a missing
/// right means.
#[component]
pub fn Permissions(#[prop(into)] name: String) -> impl IntoView {
    view! {
        <p>{format!("The {name} user or API key you connect with must be allowed to read:")}</p>
        <ul>{PERMISSIONS.iter().map(|(what, feeds)| view! { <li><strong>{*what}</strong>" — "{*feeds}</li> }).collect_view()}</ul>
        <p>"If a right is missing, the connection still works, but the filters it feeds find no one from this system. Once the right is granted, a new sync picks the data up."</p>
    }
}

/// How to connect one HR system: who can do it, what to collect, step by step.
#[component]
pub fn HelpGuidePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    view! {
        {move || {
            let slug = slug();
            match GUIDES.iter().find(|(s, _)| *s == slug) {
                None => view! {
                    <Title text="Guide not found"/>
                    <PageHeader title="No guide for this system yet"/>
                    <p>"Connect it from Integrations: systems without a guide sign in on their own page. " <a href="/help">"All help"</a></p>
                }.into_any(),
                Some((slug, name)) => {
                    let (fields, steps) = match sign_in_for(slug) {
                        SignIn::Fields { fields, steps } => (fields, steps),
                        SignIn::OAuth => (&[][..], &[][..]),
                    };
                    view! {
                        <Title text=format!("Connect {name}")/>
                        <PageHeader title="Connection guide"/>
                        <p><a href="/help">"← All help"</a></p>
                        <article class="card guide">
                            <h2>{format!("Connect {name}")}</h2>
                            <p>{format!("You need administrator rights in {name}. If you don't have them, forward this page to your {name} admin.")}</p>
                            <h3>"What you'll need"</h3>
                            <ul>{fields.iter().map(|f| view! { <li><strong>{f.label}</strong>" — "{f.hint}</li> }).collect_view()}</ul>
                            <h3>"Steps"</h3>
                            <ol>
                                {steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
                                <li>"In HR Connectors, open Integrations → Connect new integration, choose " {*name} ", review the data requested, and paste the details."</li>
                            </ol>
                            <h3 id="permissions">"Permissions HR Connectors needs"</h3>
                            <Permissions name=*name/>
                            <p class="muted">"Your details are checked with " {*name} " straight away and stored encrypted. Your staff list starts syncing as soon as the connection works."</p>
                        </article>
                    }.into_any()
                }
            }
        }}
    }
}
