use leptos::html;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::integrations::{Disconnect, disconnect_impact};
use crate::domain::integration::DisconnectPreview;
use crate::error::AppError;

/// Confirms a disconnect, naming the exact connection and the campaigns that would lose
/// recipients, and asks what happens to the synced staff.
#[component]
pub fn DisconnectButton(id: Uuid, label: String, on_done: Callback<()>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let action = ServerAction::<Disconnect>::new();
    let delete_now = RwSignal::new(false);
    // Asked each time the dialog opens, so the counts are those of the moment.
    let opened = RwSignal::new(0u32);
    let impact = Resource::new(
        move || opened.get(),
        move |n| async move {
            if n == 0 {
                Ok(None)
            } else {
                disconnect_impact(id).await.map(Some)
            }
        },
    );
    Effect::new(move |_| {
        if action.value().get().is_some_and(|r| r.is_ok()) {
            if let Some(d) = dialog.get_untracked() {
                d.close();
            }
            on_done.run(());
        }
    });
    let title_id = format!("disconnect-title-{id}");
    let labelled_by = title_id.clone();
    let name = label.clone();
    view! {
        <button type="button" class="button button--ghost button--small button--danger-text"
            aria-label=format!("Disconnect {label}")
            on:click=move |_| {
                opened.update(|n| *n += 1);
                if let Some(d) = dialog.get() { let _ = d.show_modal(); }
            }>
            "Disconnect"
        </button>
        <dialog node_ref=dialog class="modal modal--small" aria-labelledby=labelled_by>
            <div class="modal-head">
                <h2 id=title_id>{format!("Disconnect {name}?")}</h2>
            </div>
            <div class="modal-body">
                <p>"&Open will stop reading from " <strong>{name.clone()}</strong> " straight away."</p>
                <Transition fallback=|| view! { <p class="muted">"Checking which campaigns use it…"</p> }>
                    {move || Suspend::new(async move { impact_view(impact.await, delete_now) })}
                </Transition>
                <fieldset class="choice-group">
                    <legend>"What should happen to the staff already synced?"</legend>
                    <label class="choice">
                        <input type="radio" name=format!("retention-{id}") prop:checked=move || !delete_now.get() on:change=move |_| delete_now.set(false)/>
                        <span><strong>"Keep it read-only for 30 days"</strong><br/>
                        <span class="muted">"Running campaigns keep these recipients for 30 days; then the data is deleted automatically and they drop out."</span></span>
                    </label>
                    <label class="choice">
                        <input type="radio" name=format!("retention-{id}") prop:checked=move || delete_now.get() on:change=move |_| delete_now.set(true)/>
                        <span><strong>"Delete it now"</strong><br/>
                        <span class="muted">"Every synced person from this connection is removed from &Open immediately, and drops out of campaigns now."</span></span>
                    </label>
                </fieldset>
                <p class="form-error" role="alert">{move || action.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
                <div class="button-row dialog-actions">
                    <button type="button" class="button button--secondary" on:click=move |_| { if let Some(d) = dialog.get() { d.close(); } }>"Cancel"</button>
                    <button type="button" class="button button--danger" disabled=action.pending()
                        on:click=move |_| { action.dispatch(Disconnect { id, delete_now: delete_now.get_untracked() }); }>
                        {move || if action.pending().get() { "Disconnecting…" } else { "Disconnect" }}
                    </button>
                </div>
            </div>
        </dialog>
    }
}

fn impact_view(
    impact: Result<Option<DisconnectPreview>, AppError>,
    delete_now: RwSignal<bool>,
) -> AnyView {
    match impact {
        Ok(None) => ().into_any(),
        Ok(Some(i)) if i.campaigns.is_empty() => view! {
            <p class="muted">"No open campaign has recipients from this connection."</p>
        }
        .into_any(),
        Ok(Some(i)) => view! {
            <div class="disconnect-impact">
                <p>
                    {move || if delete_now.get() { "Campaigns that lose recipients now:" } else { "Campaigns that lose recipients when the 30 days are over:" }}
                </p>
                <ul>
                    {i.campaigns.iter().map(|c| view! {
                        <li>{c.sentence()}</li>
                    }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
        Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
    }
}
