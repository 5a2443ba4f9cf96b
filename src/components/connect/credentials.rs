use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use uuid::Uuid;

use crate::api::colleague::{connect_requested, start_requested_link};
use crate::api::integrations::{self, connect, resync, same_tenant, start_link, start_relink};
use crate::domain::connect_invitation::ConnectedProgress;
use crate::domain::credentials::{
    CredentialField, FieldKind, SignIn, sign_in_for, tenant_of, validate,
};
use crate::domain::integration::{CatalogueItem, ConnectionView, default_label};
use crate::error::AppError;

/// What submitting the form led to.
#[derive(Clone)]
enum Submitted {
    Linked(ConnectionView),
    /// Connected through a colleague's request link.
    Requested(ConnectedProgress),
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
/// it has), and nothing is sent to the HR system. With `request` (a colleague's link), the
/// connection is made through that link and `on_requested` gets its first sync; the link
/// reveals nothing of the account's other connections, so no tenant is checked as it is typed.
#[component]
pub fn CredentialsStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    #[prop(optional)] on_connected: Option<Callback<ConnectionView>>,
    on_back: Callback<()>,
    #[prop(optional)] relink: Option<Uuid>,
    #[prop(optional)] on_existing: Option<Callback<()>>,
    #[prop(optional)] request: Option<String>,
    #[prop(optional)] on_requested: Option<Callback<ConnectedProgress>>,
) -> impl IntoView {
    let via = match (relink, request) {
        (Some(id), _) => Via::Relink(id),
        (None, Some(token)) => Via::Request(token),
        (None, None) => Via::Admin,
    };
    let SignIn::Fields { fields, steps } = sign_in_for(&system.slug) else {
        return view! { <MergeLinkStep system optional_on on_back via/> }.into_any();
    };
    let done = Callback::new(move |s: Submitted| match s {
        Submitted::Linked(c) => {
            if let Some(f) = on_connected {
                f.run(c)
            }
        }
        Submitted::Requested(p) => {
            if let Some(f) = on_requested {
                f.run(p)
            }
        }
        Submitted::AlreadyConnected(_) => {}
    });
    view! {
        <CredentialsForm
            system
            fields
            steps
            optional_on
            done
            on_back
            via
            on_existing
        />
    }
    .into_any()
}

/// Who the form connects for: an admin (a new connection or a relink), or a colleague through
/// a request link.
#[derive(Clone, PartialEq)]
enum Via {
    Admin,
    Relink(Uuid),
    Request(String),
}

/// Where the browser keeps a request link while Merge Link has the colleague: the return page
/// needs it, and it must not travel through Merge's address bar.
#[cfg(feature = "hydrate")]
const REQUEST_LINK_KEY: &str = "hrc-connect-request";

fn remember_request_link(token: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(store)) = window().session_storage() {
        let _ = store.set_item(REQUEST_LINK_KEY, token);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = token;
}

/// The request link this tab kept before leaving for Merge Link (browser only).
pub fn remembered_request_link() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window()
            .session_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(REQUEST_LINK_KEY).ok().flatten())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// A system that signs in on its own page: Merge Link takes the admin there and back, so there
/// is nothing to type here.
#[component]
fn MergeLinkStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_back: Callback<()>,
    via: Via,
) -> impl IntoView {
    let slug = system.slug.clone();
    let relink = matches!(via, Via::Relink(_));
    let start = Action::new(move |_: &()| {
        let (slug, via) = (slug.clone(), via.clone());
        let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
        async move {
            match via {
                Via::Relink(id) => start_relink(id).await,
                Via::Admin => start_link(slug, String::new(), optional).await,
                Via::Request(token) => {
                    remember_request_link(&token);
                    start_requested_link(token, optional).await
                }
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
                <button type="button" class="button button--secondary" on:click=move |_| on_back.run(())>{if relink { "Cancel" } else { "Back" }}</button>
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
    done: Callback<Submitted>,
    on_back: Callback<()>,
    via: Via,
    on_existing: Option<Callback<()>>,
) -> impl IntoView {
    let relink = match via {
        Via::Relink(id) => Some(id),
        _ => None,
    };
    let new_for_admin = via == Via::Admin;
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
    let action = submit_action(system.slug.clone(), via, optional_on);
    let check_tenant = tenant_check(system.slug.clone(), existing);
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(Submitted::AlreadyConnected(c)) => existing.set(Some(c)),
                Ok(submitted) => done.run(submitted),
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
                <CredentialInput field=*field first=i == 0 values errors existing check_tenant=new_for_admin.then_some(check_tenant)/>
            }).collect_view()}
            {move || existing.get().map(|c| view! {
                <SameTenant connection=c values on_existing=on_existing.unwrap_or(on_back)/>
            })}
            {new_for_admin.then(|| view! { <ConnectionName system fields values label errors/> })}
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
    via: Via,
    optional_on: RwSignal<BTreeSet<String>>,
) -> Action<(String, Values), Result<Submitted, AppError>> {
    Action::new(move |(label, values): &(String, Values)| {
        let (slug, label, values, via) = (slug.clone(), label.clone(), values.clone(), via.clone());
        let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
        async move {
            match via {
                Via::Relink(id) => integrations::relink(id, values)
                    .await
                    .map(Submitted::Linked),
                Via::Request(token) => connect_requested(token, optional, values)
                    .await
                    .map(Submitted::Requested),
                Via::Admin => match same_tenant(slug.clone(), values.clone()).await? {
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
    check_tenant: Option<Action<Values, Result<Option<ConnectionView>, AppError>>>,
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
                            if let Some(check) = check_tenant
                                && names_tenant(&f)
                                && valid
                            {
                                check.dispatch(values.get_untracked());
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

pub(super) fn focus_by_id(id: &str) {
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
