use leptos::prelude::*;

use crate::domain::incident::IncidentView;

/// Connections that need someone, each with what is wrong, what campaigns work from meanwhile,
/// and a link to the fix. Nothing at all while every connection is well.
#[component]
pub fn IncidentBanner(incidents: Vec<IncidentView>) -> impl IntoView {
    let title = match incidents.len() {
        1 => "A connection needs attention".to_owned(),
        n => format!("{n} connection problems need attention"),
    };
    (!incidents.is_empty()).then(move || {
        view! {
            <section class="notice notice--warn incident-banner" aria-labelledby="incidents-title">
                <h2 id="incidents-title" class="incident-banner-title">{title}</h2>
                <ul class="incident-list">
                    {incidents.into_iter().map(|i| view! {
                        <li class="incident">
                            <div class="incident-text">
                                <p><strong>{i.headline()}</strong></p>
                                <p>{i.detail.clone()}</p>
                                <p class="incident-meta">
                                    {i.for_campaigns()} " Open since " {i.since.format("%-d %b %Y, %H:%M UTC").to_string()} "."
                                </p>
                            </div>
                            <a class="button button--primary button--small" href=i.fix_path.clone()>{i.kind.fix_label()}</a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
