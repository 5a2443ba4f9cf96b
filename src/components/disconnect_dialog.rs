use leptos::html;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::integrations::Disconnect;

/// Confirms a disconnect and asks what happens to the synced staff.
#[component]
pub fn DisconnectButton(id: Uuid, system: String, on_done: Callback<()>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let action = ServerAction::<Disconnect>::new();
    let delete_now = RwSignal::new(false);
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
    view! {
        <button type="button" class="button button--ghost button--small button--danger-text"
            on:click=move |_| { if let Some(d) = dialog.get() { let _ = d.show_modal(); } }>
            "Disconnect"
        </button>
        <dialog node_ref=dialog class="modal modal--small" aria-labelledby=labelled_by>
            <div class="modal-head">
                <h2 id=title_id>{format!("Disconnect {system}?")}</h2>
            </div>
            <div class="modal-body">
                <p>"&Open will stop reading from " {system.clone()} " straight away. What should happen to the staff already synced?"</p>
                <fieldset class="choice-group">
                    <legend class="sr-only">"Synced staff"</legend>
                    <label class="choice">
                        <input type="radio" name=format!("retention-{id}") prop:checked=move || !delete_now.get() on:change=move |_| delete_now.set(false)/>
                        <span><strong>"Keep it read-only for 30 days"</strong><br/>
                        <span class="muted">"Running campaigns keep their recipients; the data is deleted automatically after 30 days."</span></span>
                    </label>
                    <label class="choice">
                        <input type="radio" name=format!("retention-{id}") prop:checked=move || delete_now.get() on:change=move |_| delete_now.set(true)/>
                        <span><strong>"Delete it now"</strong><br/>
                        <span class="muted">"Every synced person from this system is removed from &Open immediately."</span></span>
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
