use std::collections::BTreeSet;

use leptos::html;
use leptos::prelude::*;

use super::ask::AskStep;
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
    /// Handing the rest to a colleague, and the confirmation that it was sent.
    Ask(CatalogueItem),
    Asked {
        colleague: String,
        system: String,
    },
}

fn default_optional() -> BTreeSet<String> {
    Consent::defaults()
        .optional_on()
        .map(str::to_owned)
        .collect()
}

/// "Connect new integration": a modal `<dialog>` (the browser traps focus, Esc closes, focus
/// returns to the button that opened it) that walks through picker → consent → credentials →
/// live progress. From the consent step the admin can instead ask a colleague to finish;
/// opened with `asking`, the dialog goes from the consent step straight to that.
#[component]
pub fn ConnectDialog(
    open: RwSignal<bool>,
    on_change: Callback<()>,
    #[prop(optional)] asking: Option<RwSignal<bool>>,
) -> impl IntoView {
    let asking = asking.unwrap_or_else(|| RwSignal::new(false));
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
        Step::Ask(_) => "Ask a colleague to connect",
        Step::Asked { .. } => "Request sent",
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
                <CurrentStep step items optional_on open on_change asking/>
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
    asking: RwSignal<bool>,
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
        Step::Consent(item) if asking.get_untracked() => view! {
            <ConsentStep
                system=item.clone()
                optional_on
                on_allow=Callback::new(move |_| step.set(Step::Ask(item.clone())))
                on_decline=Callback::new(move |_| step.set(Step::Pick))
                allow_label="Next: who connects"
            />
        }.into_any(),
        Step::Consent(item) => {
            let ask = item.clone();
            view! {
                <ConsentStep
                    system=item.clone()
                    optional_on
                    on_allow=Callback::new(move |_| step.set(Step::Credentials(item.clone())))
                    on_decline=Callback::new(move |_| step.set(Step::Pick))
                    on_ask=Callback::new(move |_| step.set(Step::Ask(ask.clone())))
                />
            }.into_any()
        }
        Step::Ask(item) => {
            let system = item.name.clone();
            view! {
                <AskStep
                    system=item.clone()
                    optional_on
                    on_sent=Callback::new(move |colleague| {
                        step.set(Step::Asked { colleague, system: system.clone() });
                        on_change.run(());
                    })
                    on_back=Callback::new(move |_| step.set(Step::Consent(item.clone())))
                />
            }.into_any()
        }
        Step::Asked { colleague, system } => view! {
            <div class="asked" role="status">
                <h3 tabindex="-1" data-autofocus>{format!("We've asked {colleague} to connect {system}")}</h3>
                <p>"They have the link by email. We'll email you when they connect it (with the first sync's summary) or decline. "
                   "Until then the request is listed on Integrations, where you can resend or withdraw it."</p>
                <div class="button-row dialog-actions">
                    <button type="button" class="button button--primary" on:click=move |_| open.set(false)>"Done"</button>
                </div>
            </div>
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
