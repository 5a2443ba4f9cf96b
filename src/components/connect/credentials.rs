use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use uuid::Uuid;

use crate::api::integrations::{self, connect, resync, same_tenant, start_link, start_relink};
use crate::domain::credentials::{
    CredentialField, FieldKind, SignIn, sign_in_for, tenant_of, validate,
};
use crate::domain::integration::{CatalogueItem, ConnectionView, default_label};
use crate::error::AppError;

/// What submitting the form led to.
#[derive(Clone)]
enum Submitted {
    Linked(ConnectionView),
    /// The tenant is connected already: nothing was sent to the HR system.
    AlreadyConnected(ConnectionView),
}

/// Fields whose value names the tenant (a subdomain, a web services URL).
fn names_tenant(field: &CredentialField) -> bool {
    matches!(field.kind, FieldKind::Subdomain { .. } | FieldKind::Url)
}

type Values = BTreeMap<String, String>;

/// The form for a system's details, generated from its credential schema. The shared validators
/// check each field as it is left and again on the server; errors sit next to their field and
/// nothing typed is lost. With `relink`, the same form gives an existing connection new access
/// and keeps its name and consent. When a new connection's tenant is one the account already
/// reads, the form offers to resync or relink that connection instead (`on_existing` runs once
/// it has), and nothing is sent to the HR system.
#[component]
pub fn CredentialsStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_connected: Callback<ConnectionView>,
    on_back: Callback<()>,
    #[prop(optional)] relink: Option<Uuid>,
    #[prop(optional)] on_existing: Option<Callback<()>>,
) -> impl IntoView {
    let SignIn::Fields { fields, steps } = sign_in_for(&system.slug) else {
        return view! { <MergeLinkStep system optional_on on_back relink/> }.into_any();
    };
    view! {
        <CredentialsForm
            system
            fields
            steps
            optional_on
            on_connected
            on_back
            relink
            on_existing
        />
    }
    .into_any()
}

/// A system that signs in on its own page: Merge Link takes the admin there and back, so there
/// is nothing to type here.
#[component]
fn MergeLinkStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_back: Callback<()>,
    relink: Option<Uuid>,
) -> impl IntoView {
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
    view! {
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
}

#[component]
fn CredentialsForm(
    system: CatalogueItem,
    fields: &'static [CredentialField],
    steps: &'static [&'static str],
    optional_on: RwSignal<BTreeSet<String>>,
    on_connected: Callback<ConnectionView>,
    on_back: Callback<()>,
    relink: Option<Uuid>,
    on_existing: Option<Callback<()>>,
) -> impl IntoView {
    let verb = if relink.is_some() {
        "Relink"
    } else {
        "Connect"
    };
    let values = RwSignal::new(Values::new());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let label = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    let existing = RwSignal::new(None::<ConnectionView>);
    let action = submit_action(system.slug.clone(), relink, optional_on);
    let check_tenant = tenant_check(system.slug.clone(), existing);
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(Submitted::Linked(view)) => on_connected.run(view),
                Ok(Submitted::AlreadyConnected(c)) => existing.set(Some(c)),
                Err(err) => file_error(err, fields, errors, form_error),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        fields.iter().for_each(|f| check_field(f, values, errors));
        if existing.with_untracked(Option::is_some) {
            focus_by_id("same-tenant");
        } else if errors.with_untracked(|e| e.is_empty()) {
            action.dispatch((label.get_untracked(), values.get_untracked()));
        } else if let Some(first) = fields
            .iter()
            .find(|f| errors.with_untracked(|e| e.contains_key(f.key)))
        {
            focus_by_id(&format!("cred-{}", first.key));
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
            {fields.iter().enumerate().map(|(i, field)| view! {
                <CredentialInput field=*field first=i == 0 values errors existing check_tenant relink/>
            }).collect_view()}
            {move || existing.get().map(|c| view! {
                <SameTenant connection=c values on_existing=on_existing.unwrap_or(on_back)/>
            })}
            {relink.is_none().then(|| view! { <ConnectionName system fields values label errors/> })}
            <div class="form-error" role="alert">{move || form_error.get().map(|e| view! { <p>{e}</p> })}</div>
            <div class="button-row dialog-actions">
                <button type="button" class="button button--secondary" on:click=move |_| on_back.run(()) disabled=pending>{if relink.is_some() { "Cancel" } else { "Back" }}</button>
                <button type="submit" class="button button--primary" disabled=pending aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Checking the connection…" } else { verb }}
                </button>
            </div>
        </form>
    }
}

/// Sends the form: a relink straight to the connection; a new connection only once the server
/// has found that its tenant is not one the account reads already.
fn submit_action(
    slug: String,
    relink: Option<Uuid>,
    optional_on: RwSignal<BTreeSet<String>>,
) -> Action<(String, Values), Result<Submitted, AppError>> {
    Action::new(move |(label, values): &(String, Values)| {
        let (slug, label, values) = (slug.clone(), label.clone(), values.clone());
        let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
        async move {
            match relink {
                Some(id) => integrations::relink(id, values)
                    .await
                    .map(Submitted::Linked),
                None => match same_tenant(slug.clone(), values.clone()).await? {
                    Some(c) => Ok(Submitted::AlreadyConnected(c)),
                    None => connect(slug, label, optional, values)
                        .await
                        .map(Submitted::Linked),
                },
            }
        }
    })
}

/// Asks, as a tenant's field is left, whether the account reads that tenant already, so the
/// offer to resync it shows before anything is submitted.
fn tenant_check(
    slug: String,
    existing: RwSignal<Option<ConnectionView>>,
) -> Action<Values, Result<Option<ConnectionView>, AppError>> {
    let check = Action::new(move |values: &Values| same_tenant(slug.clone(), values.clone()));
    Effect::new(move |_| {
        if let Some(Ok(found)) = check.value().get() {
            existing.set(found);
        }
    });
    check
}

/// Puts a refused submit's error next to the field it is about, or above the buttons when it is
/// about no one field.
fn file_error(
    err: AppError,
    fields: &[CredentialField],
    errors: RwSignal<BTreeMap<String, String>>,
    form_error: RwSignal<Option<String>>,
) {
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

fn check_field(
    field: &CredentialField,
    values: RwSignal<Values>,
    errors: RwSignal<BTreeMap<String, String>>,
) {
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
}

/// One field of the system's schema. A tenant's field, once left valid, asks whether the
/// account reads that tenant already.
#[component]
fn CredentialInput(
    field: CredentialField,
    first: bool,
    values: RwSignal<Values>,
    errors: RwSignal<BTreeMap<String, String>>,
    existing: RwSignal<Option<ConnectionView>>,
    check_tenant: Action<Values, Result<Option<ConnectionView>, AppError>>,
    relink: Option<Uuid>,
) -> impl IntoView {
    let key = field.key;
    let id = format!("cred-{key}");
    let err_id = format!("cred-{key}-error");
    let hint_id = format!("cred-{key}-hint");
    let (shown, set_shown) = signal(false);
    let is_secret = matches!(field.kind, FieldKind::Secret);
    let suffix = match field.kind {
        FieldKind::Subdomain { suffix } => Some(suffix),
        _ => None,
    };
    let f = field;
    view! {
        <div class="field">
            <label for=id.clone()>{field.label}</label>
            <div class="input-group" class:input-group--suffix=suffix.is_some()>
                <input
                    id=id.clone()
                    name=key
                    data-autofocus=first.then_some("")
                    type=move || if is_secret && !shown.get() { "password" } else { "text" }
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=move || errors.with(|e| e.contains_key(key)).to_string()
                    aria-describedby=format!("{hint_id} {err_id}")
                    prop:value=move || values.with(|v| v.get(key).cloned().unwrap_or_default())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        values.update(|m| { m.insert(key.to_owned(), v); });
                        if errors.with_untracked(|e| e.contains_key(key)) { check_field(&f, values, errors); }
                        if names_tenant(&f) { existing.set(None); }
                    }
                    on:blur=move |_| {
                        // Blur also fires while the form is being replaced by the next
                        // step, after its signals are gone.
                        let filled = values.try_with_untracked(|v| v.get(key).is_some_and(|s| !s.is_empty()));
                        if filled == Some(true) {
                            check_field(&f, values, errors);
                            let valid = errors.with_untracked(|e| !e.contains_key(key));
                            if relink.is_none() && names_tenant(&f) && valid {
                                check_tenant.dispatch(values.get_untracked());
                            }
                        }
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
}

/// The new connection's name, optional: left empty, it is named after the system and the
/// tenant typed so far.
#[component]
fn ConnectionName(
    system: CatalogueItem,
    fields: &'static [CredentialField],
    values: RwSignal<Values>,
    label: RwSignal<String>,
    errors: RwSignal<BTreeMap<String, String>>,
) -> impl IntoView {
    let default_name = {
        let (slug, name) = (system.slug, system.name);
        move || {
            let tenant = values.with(|v| {
                let named: Values = fields
                    .iter()
                    .filter(|f| names_tenant(f))
                    .filter_map(|f| Some((f.key.to_owned(), validate(f, v.get(f.key)?).ok()?)))
                    .collect();
                tenant_of(&slug, &named)
            });
            default_label(&name, tenant.as_deref(), chrono::Utc::now().date_naive())
        }
    };
    view! {
        <div class="field">
            <label for="cred-label">"Name this connection " <span class="muted">"(optional)"</span></label>
            <input
                id="cred-label"
                type="text"
                maxlength="80"
                placeholder=default_name.clone()
                aria-describedby="cred-label-hint cred-label-error"
                prop:value=label
                on:input=move |ev| label.set(event_target_value(&ev))
            />
            <p class="field-hint" id="cred-label-hint">
                "Shown wherever this connection is named. Left empty, it is called “" {default_name} "”."
            </p>
            <p class="field-error" id="cred-label-error" aria-live="polite">
                {move || errors.with(|e| e.get("label").cloned())}
            </p>
        </div>
    }
}

fn focus_by_id(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id)
        && let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// The tenant typed is one the account already reads: resync that connection, or relink it
/// with the details typed, instead of copying its staff a second time.
#[component]
fn SameTenant(
    connection: ConnectionView,
    values: RwSignal<BTreeMap<String, String>>,
    on_existing: Callback<()>,
) -> impl IntoView {
    let id = connection.id;
    let label = connection.label.clone();
    let resync_it = Action::new(move |_: &()| resync(id));
    let relink_it = Action::new(move |values: &BTreeMap<String, String>| {
        integrations::relink(id, values.clone())
    });
    Effect::new(move |_| {
        let resynced = resync_it.value().get().is_some_and(|r| r.is_ok());
        let relinked = relink_it.value().get().is_some_and(|r| r.is_ok());
        if resynced || relinked {
            on_existing.run(());
        }
    });
    let busy = move || resync_it.pending().get() || relink_it.pending().get();
    let error = move || {
        resync_it
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| relink_it.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
    };
    let place = connection
        .tenant_address
        .clone()
        .unwrap_or_else(|| connection.system.clone());
    view! {
        <div id="same-tenant" class="notice notice--warn same-tenant" role="alert" tabindex="-1">
            <p>
                <strong>{format!("{label} is already connected")}</strong>
                {format!(" ({} people, {}).", connection.people, connection.health.label().to_lowercase())}
                {format!(" Connecting {place} again would copy the same staff a second time.")}
            </p>
            <div class="button-row">
                <button type="button" class="button button--primary button--small" disabled=busy
                    on:click=move |_| { resync_it.dispatch(()); }>
                    {format!("Resync {label}")}
                </button>
                <button type="button" class="button button--secondary button--small" disabled=busy
                    on:click=move |_| { relink_it.dispatch(values.get_untracked()); }>
                    "Relink it with these details"
                </button>
                <a class="button button--ghost button--small" href=format!("/integrations/{id}")>"View it"</a>
            </div>
            <p class="field-error" aria-live="polite">{error}</p>
        </div>
    }
}
