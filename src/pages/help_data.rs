use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page_header::PageHeader;
use crate::domain::field_policy::{BLOCKED, FIELDS, FieldGroup, Requirement};

/// "Which data should I enable?": every field, its purpose and whether it is required, and
/// everything that is never requested — all read from the field policy.
#[component]
pub fn HelpDataPage() -> impl IntoView {
    view! {
        <Title text="Which data should I enable?"/>
        <PageHeader
            title="Which data should I enable?"
            description="HR Connectors only reads what helps send someone a gift. Here is every field, why it is used, and what is never requested."
        />
        <p><a href="/help">"← All help"</a></p>
        <div class="card">
            <table class="data-table">
                <caption class="sr-only">"Fields HR Connectors can read"</caption>
                <thead>
                    <tr><th scope="col">"Field"</th><th scope="col">"Group"</th><th scope="col">"Requested"</th><th scope="col">"Why"</th></tr>
                </thead>
                <tbody>
                    {FieldGroup::ALL.iter().flat_map(|g| FIELDS.iter().filter(move |f| f.group == *g)).map(|f| {
                        let requested = match f.requirement {
                            Requirement::Required => "Always",
                            Requirement::Optional { default_on: true } => "Optional, on unless you switch it off",
                            Requirement::Optional { default_on: false } => "Optional, off unless you switch it on",
                        };
                        view! {
                            <tr>
                                <th scope="row">{f.label}</th>
                                <td>{f.group.label()}</td>
                                <td>{requested}</td>
                                <td>{f.purpose}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2 class="section-title">"Never requested"</h2>
        <p class="muted">
            "These are switched off in what we ask your HR system for. If a system sends them anyway, they are dropped on arrival — before anything is stored, logged or queued."
        </p>
        <ul class="blocked-list card">
            {BLOCKED.iter().map(|b| view! { <li><strong>{b.label}</strong>" — "{b.reason}</li> }).collect_view()}
        </ul>
        <h2 class="section-title">"Our recommendation"</h2>
        <p>
            "Keep the defaults. Switch on birthdays only if you plan birthday gifts, personal email only for people "
            "who have not started yet, and photos only if your campaign managers find the staff list hard to scan."
        </p>
    }
}
