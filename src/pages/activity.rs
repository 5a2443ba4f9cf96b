use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::integrations::activity;
use crate::components::page_header::PageHeader;

/// The account's activity log: who connected, relinked or disconnected an HR system, deleted
/// data, reviewed removals or exported recipients — when, and from where. Admins only.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let log = Resource::new(|| (), |_| activity());
    view! {
        <Title text="Activity"/>
        <p class="breadcrumb"><a href="/integrations">"← Integrations"</a></p>
        <PageHeader title="Activity" description="Every change to your HR connections and every export of recipients, newest first."/>
        <Transition fallback=|| view! { <p class="muted">"Loading the activity log…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(entries) if entries.is_empty() => view! { <p class="muted">"Nothing yet. Connecting an HR system or exporting recipients will show here."</p> }.into_any(),
                    Ok(entries) => view! {
                        <div class="table-wrap card">
                            <table class="data-table activity-table">
                                <caption class="sr-only">"Activity, newest first"</caption>
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                    <th scope="col">"Details"</th><th scope="col">"From"</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <th scope="row">{e.at.format("%-d %b %Y, %H:%M UTC").to_string()}</th>
                                            <td>{e.actor}</td>
                                            <td><strong>{e.action.map(|a| a.label()).unwrap_or("Other")}</strong><span class="person-email">{e.subject}</span></td>
                                            <td>{e.detail}</td>
                                            <td>{e.client_ip}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
