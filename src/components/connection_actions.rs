use leptos::prelude::*;

use crate::api::integrations::{Rename, Resync};
use crate::components::disconnect_dialog::DisconnectButton;
use crate::components::relink_dialog::RelinkButton;
use crate::domain::integration::{ConnectionView, Health};

/// An admin's actions on one connection, on its card and on its details page: Relink when the
/// HR system needs it, Resync now, Rename and Disconnect.
#[component]
pub fn ConnectionActions(
    connection: ConnectionView,
    on_change: Callback<()>,
    /// Open the Relink dialog at once (see `RelinkButton`).
    #[prop(optional)]
    open_relink: Option<RwSignal<bool>>,
) -> impl IntoView {
    let c = connection;
    let id = c.id;
    let resync = ServerAction::<Resync>::new();
    let rename = ServerAction::<Rename>::new();
    let renaming = RwSignal::new(false);
    Effect::new(move |_| {
        if resync.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    Effect::new(move |_| {
        if rename.value().get().is_some_and(|r| r.is_ok()) {
            renaming.set(false);
            on_change.run(());
        }
    });
    let is_hris = c.category == "hris";
    let syncing = c.health == Health::Syncing;
    let live = is_hris && c.health != Health::Disconnected;
    let label = c.label.clone();
    view! {
        <div class="button-row connection-actions">
            {(live && c.health == Health::NeedsRelink).then(|| view! {
                <RelinkButton connection=c.clone() on_done=on_change open_now=open_relink.unwrap_or_else(|| RwSignal::new(false))/>
            })}
            {live.then(|| view! {
                <button type="button" class="button button--secondary button--small"
                    disabled=move || syncing || resync.pending().get()
                    on:click=move |_| { resync.dispatch(Resync { id }); }>
                    "Resync now"
                </button>
            })}
            <button type="button" class="button button--ghost button--small"
                aria-expanded=move || renaming.get().to_string()
                on:click=move |_| renaming.update(|r| *r = !*r)>
                "Rename"
            </button>
            {live.then(|| view! {
                <DisconnectButton id label=c.label.clone() on_done=on_change/>
            })}
        </div>
        {move || resync.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
        {move || { let label = label.clone(); renaming.get().then(move || view! {
            <ActionForm action=rename attr:class="rename-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <label class="field-label" for=format!("rename-{id}")>"Name"</label>
                <input id=format!("rename-{id}") name="label" type="text" maxlength="80" required value=label/>
                <button type="submit" class="button button--primary button--small">"Save"</button>
                <p class="field-error" aria-live="polite">{move || rename.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
            </ActionForm>
        }) }}
    }
}
