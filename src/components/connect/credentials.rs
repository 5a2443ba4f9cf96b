use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use uuid::Uuid;

use crate::api::integrations::{self, connect, start_link, start_relink};
use crate::domain::credentials::{CredentialField, FieldKind, SignIn, sign_in_for, validate};
use crate::domain::integration::{CatalogueItem, ConnectionView};
use crate::error::AppError;

/// The form for a system's details, generated from its credential schema. The shared validators
/// check each field as it is left and again on the server; errors sit next to their field and
/// nothing typed is lost. With `relink`, the same form gives an existing connection new access
/// and keeps its name and consent.
#[component]
pub fn CredentialsStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_connected: Callback<ConnectionView>,
    on_back: Callback<()>,
    #[prop(optional)] relink: Option<Uuid>,
) -> impl IntoView {
    let verb = if relink.is_some() {
        "Relink"
    } else {
        "Connect"
    };
    let sign_in = sign_in_for(&system.slug);
    let SignIn::Fields { fields, steps } = sign_in else {
        let slug = system.slug.clone();
        let start = Action::new(move |_: &()| {
            let slug = slug.clone();
            let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
            async move {
                match relink {
                    Some(id) => start_relink(id).await,
                    None => start_link(slug, String::new(), optional).await,
                }
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(url)) = start.value().get() {
                let _ = window().location().set_href(&url);
            }
        });
        let name = system.name.clone();
        return view! {
            <div class="credentials">
                <h3 tabindex="-1" data-autofocus>"Sign in to " {name.clone()}</h3>
                <p>
                    {name.clone()} " connects by signing in on its own page, through Merge's secure Link. "
                    "You'll be asked to sign in to " {name.clone()} " and allow the access you chose here, then brought back."
                </p>
                <p class="form-error" role="alert">{move || start.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
                <div class="button-row dialog-actions">
                    <button type="button" class="button button--secondary" on:click=move |_| on_back.run(())>{if relink.is_some() { "Cancel" } else { "Back" }}</button>
                    <button type="button" class="button button--primary" disabled=start.pending() on:click=move |_| { start.dispatch(()); }>
                        {move || if start.pending().get() { "Opening…".to_owned() } else { format!("Continue to {name}") }}
                    </button>
                </div>
            </div>
        }
        .into_any();
    };
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let label = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    let slug = system.slug.clone();
    let action = Action::new(
        move |(label, values): &(String, BTreeMap<String, String>)| {
            let (slug, label, values) = (slug.clone(), label.clone(), values.clone());
            let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
            async move {
                match relink {
                    Some(id) => integrations::relink(id, values).await,
                    None => connect(slug, label, optional, values).await,
                }
            }
        },
    );
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(view) => on_connected.run(view),
                Err(err) => {
                    let field = fields
                        .iter()
                        .find_map(|f| err.field_message(f.key).map(|m| (f.key, m)));
                    match (field, &err) {
                        (Some((key, message)), _) => errors.update(|e| {
                            e.insert(key.to_owned(), message);
                        }),
                        (
                            None,
                            AppError::Invalid {
                                field: Some(f),
                                message,
                            },
                        ) if f == "label" => errors.update(|e| {
                            e.insert("label".into(), message.clone());
                        }),
                        _ => form_error.set(Some(err.to_string())),
                    }
                }
            }
        }
    });
    let check = move |field: &CredentialField| {
        let value = values.with_untracked(|v| v.get(field.key).cloned().unwrap_or_default());
        let result = validate(field, &value);
        errors.update(|e| match result {
            Ok(_) => {
                e.remove(field.key);
            }
            Err(err) => {
                e.insert(field.key.to_owned(), err.to_string());
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        fields.iter().for_each(check);
        if errors.with_untracked(|e| e.is_empty()) {
            action.dispatch((label.get_untracked(), values.get_untracked()));
        } else if let Some(first) = fields
            .iter()
            .find(|f| errors.with_untracked(|e| e.contains_key(f.key)))
            && let Some(el) = document().get_element_by_id(&format!("cred-{}", first.key))
        {
            use leptos::wasm_bindgen::JsCast;
            if let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    };
    let name = system.name.clone();
    view! {
        <form class="credentials form" on:submit=submit novalidate>
            <h3>{verb} " " {name.clone()}</h3>
            <details class="where-to-find">
                <summary>"Where do I find this?"</summary>
                <ol>{steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}</ol>
            </details>
            {fields.iter().enumerate().map(|(i, field)| {
                let key = field.key;
                let id = format!("cred-{key}");
                let err_id = format!("cred-{key}-error");
                let hint_id = format!("cred-{key}-hint");
                let (shown, set_shown) = signal(false);
                let is_secret = matches!(field.kind, FieldKind::Secret);
                let suffix = match field.kind { FieldKind::Subdomain { suffix } => Some(suffix), _ => None };
                let f = *field;
                view! {
                    <div class="field">
                        <label for=id.clone()>{field.label}</label>
                        <div class="input-group" class:input-group--suffix=suffix.is_some()>
                            <input
                                id=id.clone()
                                name=key
                                data-autofocus=(i == 0).then_some("")
                                type=move || if is_secret && !shown.get() { "password" } else { "text" }
                                autocomplete="off"
                                spellcheck="false"
                                aria-invalid=move || errors.with(|e| e.contains_key(key)).to_string()
                                aria-describedby=format!("{hint_id} {err_id}")
                                prop:value=move || values.with(|v| v.get(key).cloned().unwrap_or_default())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    values.update(|m| { m.insert(key.to_owned(), v); });
                                    if errors.with_untracked(|e| e.contains_key(key)) { check(&f); }
                                }
                                on:blur=move |_| {
                                    // Blur also fires while the form is being replaced by the next
                                    // step, after its signals are gone.
                                    let filled = values.try_with_untracked(|v| v.get(key).is_some_and(|s| !s.is_empty()));
                                    if filled == Some(true) { check(&f); }
                                }
                            />
                            {suffix.map(|s| view! { <span class="input-suffix">{s}</span> })}
                            {is_secret.then(|| view! {
                                <button
                                    type="button"
                                    class="button button--ghost button--small input-toggle"
                                    aria-pressed=move || shown.get().to_string()
                                    aria-controls=id.clone()
                                    on:click=move |_| set_shown.update(|s| *s = !*s)
                                >
                                    {move || if shown.get() { "Hide" } else { "Show" }}
                                </button>
                            })}
                        </div>
                        <p class="field-hint" id=hint_id>{field.hint}</p>
                        <p class="field-error" id=err_id aria-live="polite">
                            {move || errors.with(|e| e.get(key).cloned())}
                        </p>
                    </div>
                }
            }).collect_view()}
            {relink.is_none().then(|| view! { <div class="field">
                <label for="cred-label">"Name this connection " <span class="muted">"(optional)"</span></label>
                <input
                    id="cred-label"
                    type="text"
                    maxlength="80"
                    placeholder=format!("{name}, e.g. UK division")
                    aria-describedby="cred-label-error"
                    prop:value=label
                    on:input=move |ev| label.set(event_target_value(&ev))
                />
                <p class="field-error" id="cred-label-error" aria-live="polite">
                    {move || errors.with(|e| e.get("label").cloned())}
                </p>
            </div> })}
            <div class="form-error" role="alert">{move || form_error.get().map(|e| view! { <p>{e}</p> })}</div>
            <div class="button-row dialog-actions">
                <button type="button" class="button button--secondary" on:click=move |_| on_back.run(()) disabled=pending>{if relink.is_some() { "Cancel" } else { "Back" }}</button>
                <button type="submit" class="button button--primary" disabled=pending aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Checking the connection…" } else { verb }}
                </button>
            </div>
        </form>
    }
    .into_any()
}
