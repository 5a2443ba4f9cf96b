use leptos::html;
use leptos::prelude::*;

use crate::components::connect::credentials::CredentialsStep;
use crate::domain::integration::{CatalogueItem, ConnectionView};

/// "Relink": the system's own details form (or its sign-in page, for OAuth systems) in a modal
/// `<dialog>`, for a connection whose HR system stopped accepting its access. With `open_now`
/// set, the dialog opens as soon as the page is live (a connection alert's link), once.
#[component]
pub fn RelinkButton(
    connection: ConnectionView,
    on_done: Callback<()>,
    #[prop(optional)] open_now: Option<RwSignal<bool>>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    // Mounting the form only while open gives every opening a fresh, empty form.
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        let (Some(wanted), Some(d)) = (open_now, dialog.get()) else {
            return;
        };
        if wanted.get_untracked() {
            wanted.set(false);
            open.set(true);
            let _ = d.show_modal();
        }
    });
    let id = connection.id;
    let system = CatalogueItem {
        slug: connection.slug.clone(),
        name: connection.system.clone(),
        abbreviated: None,
        color: connection.color.clone(),
        crm: false,
    };
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let title_id = format!("relink-title-{id}");
    let labelled_by = title_id.clone();
    view! {
        <button type="button" class="button button--primary button--small"
            on:click=move |_| {
                open.set(true);
                if let Some(d) = dialog.get() { let _ = d.show_modal(); }
            }>
            "Relink"
        </button>
        <dialog node_ref=dialog class="modal" aria-labelledby=labelled_by on:close=move |_| open.set(false)>
            <div class="modal-head">
                <h2 id=title_id>{format!("Relink {}", connection.label)}</h2>
                <button type="button" class="button button--ghost button--small" aria-label="Close" on:click=move |_| close()>"✕"</button>
            </div>
            <div class="modal-body">
                <p class="notice notice--info">
                    {connection.system.clone()} " no longer accepts the access &Open was given. Enter current details to restore it. "
                    "Your staff list, its name and the data you chose to share stay as they are."
                </p>
                {move || open.get().then(|| view! {
                    <CredentialsStep
                        system=system.clone()
                        optional_on=RwSignal::new(Default::default())
                        relink=id
                        on_connected=Callback::new(move |_| { close(); on_done.run(()); })
                        on_back=Callback::new(move |_| close())
                    />
                })}
            </div>
        </dialog>
    }
}
