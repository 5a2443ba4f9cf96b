use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::integrations::get_connection;
use crate::components::sync_progress::SyncProgressBar;
use crate::components::ticker::use_ticker;
use crate::domain::integration::{ConnectionView, Phase};

/// The dialog's last step: the first sync, live, refreshed every second.
#[component]
pub fn ProgressStep(connection: ConnectionView, on_done: Callback<()>) -> impl IntoView {
    let id: Uuid = connection.id;
    let tick = use_ticker(Duration::from_secs(1));
    let latest = RwSignal::new(connection);
    let finished =
        move || latest.with(|c| c.progress.as_ref().is_some_and(|p| !p.phase.is_running()));
    Effect::new(move |_| {
        tick.track();
        if finished() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = get_connection(id).await {
                latest.set(fresh);
            }
        });
    });
    view! {
        <div class="progress-step" aria-live="polite">
            {move || {
                let c = latest.get();
                let title = match c.progress.as_ref().map(|p| p.phase) {
                    Some(Phase::Ready) => format!("{} is connected", c.label),
                    Some(Phase::Failed) => "The first sync did not finish".to_owned(),
                    _ => format!("Connecting {}", c.label),
                };
                view! {
                    <h3 tabindex="-1" data-autofocus>{title}</h3>
                    {c.progress.clone().map(|p| view! { <SyncProgressBar progress=p/> })}
                    {match c.progress.as_ref().map(|p| p.phase) {
                        Some(Phase::Ready) => view! {
                            <p class="notice notice--ok">
                                {format!("{} people are ready for your campaigns. ", c.people)}
                                "We've emailed you a summary."
                            </p>
                        }.into_any(),
                        Some(Phase::Failed) => view! {
                            <p class="notice notice--danger">
                                {c.reason.clone().unwrap_or_else(|| "The sync failed.".into())}
                            </p>
                        }.into_any(),
                        _ => view! {
                            <p class="muted">"You can close this — we'll email you when it's done."</p>
                        }.into_any(),
                    }}
                }
            }}
            <div class="button-row dialog-actions">
                <button type="button" class="button button--primary" on:click=move |_| on_done.run(())>
                    {move || if finished() { "Done" } else { "Close" }}
                </button>
            </div>
        </div>
    }
}
