use std::collections::BTreeSet;

use leptos::html;
use leptos::prelude::*;

use super::consent::ConsentStep;
use super::credentials::CredentialsStep;
use super::picker::Picker;
use super::progress::ProgressStep;
use crate::api::integrations::catalogue;
use crate::domain::field_policy::Consent;
use crate::domain::integration::{CatalogueItem, ConnectionView};
use crate::error::AppError;

#[derive(Clone, PartialEq)]
enum Step {
    Pick,
    Consent(CatalogueItem),
    Credentials(CatalogueItem),
    Progress(Box<ConnectionView>),
}

fn default_optional() -> BTreeSet<String> {
    Consent::defaults()
        .optional_on()
        .map(str::to_owned)
        .collect()
}

/// "Connect new integration": a modal `<dialog>` (the browser traps focus, Esc closes, focus
/// returns to the button that opened it) that walks through picker → consent → credentials →
/// live progress.
#[component]
pub fn ConnectDialog(open: RwSignal<bool>, on_change: Callback<()>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let step = RwSignal::new(Step::Pick);
    let optional_on = RwSignal::new(default_optional());
    let items = Resource::new(
        move || open.get(),
        |open| async move {
            if open {
                catalogue().await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        if open.get() {
            if !d.open() {
                step.set(Step::Pick);
                optional_on.set(default_optional());
                let _ = d.show_modal();
            }
        } else if d.open() {
            d.close();
        }
    });
    // Each step puts focus where its work starts, so keyboard and screen-reader users are not
    // left on a control that just disappeared.
    Effect::new(move |_| {
        step.track();
        request_animation_frame(move || {
            use leptos::wasm_bindgen::JsCast;
            if let Some(d) = dialog.get_untracked()
                && let Ok(Some(el)) = d.query_selector("[data-autofocus]")
                && let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>()
            {
                let _ = el.focus();
            }
        });
    });
    let title = move || match step.get() {
        Step::Pick => "Connect an HR system",
        Step::Consent(_) => "Choose what to share",
        Step::Credentials(_) => "Enter your details",
        Step::Progress(_) => "Syncing your staff",
    };
    view! {
        <dialog
            node_ref=dialog
            class="modal"
            aria-labelledby="connect-title"
            on:close=move |_| {
                if matches!(step.get_untracked(), Step::Progress(_)) { on_change.run(()); }
                open.set(false);
            }
        >
            <div class="modal-head">
                <h2 id="connect-title">{title}</h2>
                <button type="button" class="button button--ghost button--small" aria-label="Close" on:click=move |_| open.set(false)>"✕"</button>
            </div>
            <div class="modal-body">
                <CurrentStep step items optional_on open on_change/>
            </div>
        </dialog>
    }
}

/// The step the dialog is at; each one says which comes next.
#[component]
fn CurrentStep(
    step: RwSignal<Step>,
    items: Resource<Result<Option<Vec<CatalogueItem>>, AppError>>,
    optional_on: RwSignal<BTreeSet<String>>,
    open: RwSignal<bool>,
    on_change: Callback<()>,
) -> impl IntoView {
    move || {
        match step.get() {
        Step::Pick => view! {
            <Transition fallback=|| view! { <p class="muted">"Loading HR systems…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(Some(list)) => view! {
                            <Picker items=list on_pick=Callback::new(move |item| step.set(Step::Consent(item)))/>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        }.into_any(),
        Step::Consent(item) => view! {
            <ConsentStep
                system=item.clone()
                optional_on
                on_allow=Callback::new(move |_| step.set(Step::Credentials(item.clone())))
                on_decline=Callback::new(move |_| step.set(Step::Pick))
            />
        }.into_any(),
        Step::Credentials(item) => view! {
            <CredentialsStep
                system=item.clone()
                optional_on
                on_connected=Callback::new(move |c| { step.set(Step::Progress(Box::new(c))); on_change.run(()); })
                on_back=Callback::new(move |_| step.set(Step::Consent(item.clone())))
                on_existing=Callback::new(move |_| { open.set(false); on_change.run(()); })
            />
        }.into_any(),
        Step::Progress(c) => view! {
            <ProgressStep connection=*c on_done=Callback::new(move |_| open.set(false)) on_change/>
        }.into_any(),
    }
    }
}
