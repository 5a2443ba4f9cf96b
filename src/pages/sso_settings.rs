use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::api::sso::{remove_sso, save_sso, sso_settings};
use crate::components::form_state::{Errors, field_error, field_invalid, write_draft};
use crate::components::page_header::PageHeader;
use crate::domain::sso::{
    AdminChoice, MAX_CLIENT_ID, MAX_DISPLAY_NAME, MAX_ISSUER, SsoDraft, SsoSettingsView,
};
use crate::error::AppError;

/// Single sign-on settings (admins only): the identity provider, the domains it covers, who may
/// join through it, and whether passwords are still allowed.
#[component]
pub fn SsoSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| sso_settings());
    view! {
        <Title text="Single sign-on"/>
        <PageHeader
            title="Single sign-on"
            description="Let your people sign in with your company's identity provider (OpenID Connect), such as Okta, Microsoft Entra ID or Google Workspace."
        />
        <Transition fallback=|| view! { <p class="muted">"Loading the single sign-on settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(view) => view! { <SsoForm initial=view/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SsoForm(initial: SsoSettingsView) -> impl IntoView {
    let current = RwSignal::new(initial.clone());
    let draft = RwSignal::new(initial.draft());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let form_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);

    let save = Action::new(|d: &SsoDraft| save_sso(d.clone()));
    let pending = save.pending();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(view)) => {
            draft.set(view.draft());
            saved.set(Some(format!(
                "Saved. People at {} now see \"Continue with {}\" on the sign-in page.",
                view.domains.join(", "),
                view.display_name
            )));
            current.set(view);
        }
        Some(Err(AppError::Invalid {
            field: Some(f),
            message,
        })) => errors.update(|e| {
            e.insert(f, message);
        }),
        Some(Err(other)) => form_error.set(Some(other.to_string())),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        saved.set(None);
        let d = draft.get_untracked();
        match d.validate(current.with_untracked(|c| c.secret_saved)) {
            Ok(_) => {
                errors.set(BTreeMap::new());
                save.dispatch(d);
            }
            Err(found) => errors.set(found.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        }
    };

    view! {
        <form class="form sso-form" on:submit=submit novalidate>
            <ProviderSection draft errors current redirect_uri=initial.redirect_uri/>
            <AccessSection draft errors admins=initial.admins/>
            <div class="form-error" role="alert">{move || form_error.get().map(|e| view! { <p>{e}</p> })}</div>
            <p class="notice notice--ok sso-saved" role="status" class:sr-only=move || saved.with(Option::is_none)>
                {move || saved.get()}
            </p>
            <SsoButtons pending current draft saved form_error/>
        </form>
    }
}

#[component]
fn ProviderSection(
    draft: RwSignal<SsoDraft>,
    errors: Errors,
    current: RwSignal<SsoSettingsView>,
    redirect_uri: String,
) -> impl IntoView {
    let error = move |key| field_error(errors, key);
    let invalid = move |key| field_invalid(errors, key);
    let edit = move |f| write_draft(draft, f);
    view! {
        <section class="card" aria-labelledby="sso-provider-heading">
            <h2 id="sso-provider-heading">"Your identity provider"</h2>
            <div class="sso-redirect">
                <p class="field-label" id="sso-redirect-label">"Redirect URI to register with your provider"</p>
                <code class="sso-redirect-uri" aria-labelledby="sso-redirect-label">{redirect_uri}</code>
                <p class="field-hint">"Create a web application (OpenID Connect) in your identity provider with this sign-in redirect URI and the scopes openid, email and profile. The README lists the steps for Okta, Microsoft Entra ID and Google Workspace."</p>
            </div>
            <div class="field">
                <label for="sso-name">"Provider name"</label>
                <input id="sso-name" type="text" maxlength=MAX_DISPLAY_NAME.to_string() autocomplete="off"
                    placeholder="e.g. Okta"
                    aria-invalid=invalid("display_name") aria-describedby="sso-name-hint sso-name-error"
                    prop:value=move || draft.with(|d| d.display_name.clone())
                    on:input=edit(|d, v| d.display_name = v)/>
                <p class="field-hint" id="sso-name-hint">"Shown on the sign-in page as \"Continue with …\"."</p>
                <p class="field-error" id="sso-name-error" aria-live="polite">{error("display_name")}</p>
            </div>
            <div class="field">
                <label for="sso-issuer">"Issuer URL"</label>
                <input id="sso-issuer" type="text" inputmode="url" maxlength=MAX_ISSUER.to_string() autocomplete="off"
                    spellcheck="false" placeholder="https://yourcompany.okta.com"
                    aria-invalid=invalid("issuer_url") aria-describedby="sso-issuer-hint sso-issuer-error"
                    prop:value=move || draft.with(|d| d.issuer_url.clone())
                    on:input=edit(|d, v| d.issuer_url = v)/>
                <p class="field-hint" id="sso-issuer-hint">"We check it by reading its /.well-known/openid-configuration when you save."</p>
                <p class="field-error" id="sso-issuer-error" aria-live="polite">{error("issuer_url")}</p>
            </div>
            <div class="field">
                <label for="sso-client-id">"Client ID"</label>
                <input id="sso-client-id" type="text" maxlength=MAX_CLIENT_ID.to_string() autocomplete="off"
                    spellcheck="false"
                    aria-invalid=invalid("client_id") aria-describedby="sso-client-id-error"
                    prop:value=move || draft.with(|d| d.client_id.clone())
                    on:input=edit(|d, v| d.client_id = v)/>
                <p class="field-error" id="sso-client-id-error" aria-live="polite">{error("client_id")}</p>
            </div>
            <SecretField draft errors current/>
            <div class="field">
                <label for="sso-domains">"Email domains"</label>
                <input id="sso-domains" type="text" autocomplete="off" spellcheck="false"
                    placeholder="acme.com, acme.co.uk"
                    aria-invalid=invalid("domains") aria-describedby="sso-domains-hint sso-domains-error"
                    prop:value=move || draft.with(|d| d.domains.clone())
                    on:input=edit(|d, v| d.domains = v)/>
                <p class="field-hint" id="sso-domains-hint">"People whose work email is at one of these domains see \"Continue with …\" on the sign-in page. Separate domains with commas."</p>
                <p class="field-error" id="sso-domains-error" aria-live="polite">{error("domains")}</p>
            </div>
        </section>
    }
}

/// The client secret is never sent back, so its box says whether one is saved instead.
#[component]
fn SecretField(
    draft: RwSignal<SsoDraft>,
    errors: Errors,
    current: RwSignal<SsoSettingsView>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="sso-secret">"Client secret"</label>
            <input id="sso-secret" type="password" autocomplete="new-password" spellcheck="false"
                placeholder=move || if current.with(|c| c.secret_saved) { "Leave empty to keep it" } else { "" }
                aria-invalid=field_invalid(errors, "client_secret") aria-describedby="sso-secret-hint sso-secret-error"
                prop:value=move || draft.with(|d| d.client_secret.clone())
                on:input=write_draft(draft, |d, v| d.client_secret = v)/>
            <p class="field-hint" id="sso-secret-hint">
                {move || if current.with(|c| c.secret_saved) {
                    "A secret is saved (encrypted; it is never shown again). Enter a new one only to replace it."
                } else {
                    "Stored encrypted and never shown again."
                }}
            </p>
            <p class="field-error" id="sso-secret-error" aria-live="polite">{field_error(errors, "client_secret")}</p>
        </div>
    }
}

#[component]
fn AccessSection(
    draft: RwSignal<SsoDraft>,
    errors: Errors,
    admins: Vec<AdminChoice>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sso-access-heading">
            <h2 id="sso-access-heading">"Who can sign in"</h2>
            <div class="field">
                <label class="check">
                    <input type="checkbox" id="sso-auto-join"
                        prop:checked=move || draft.with(|d| d.auto_join)
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.auto_join = on); }/>
                    "New people from these domains join as campaign managers"
                </label>
                <p class="field-hint">"When this is off, only people you invited can join through single sign-on. People who are already members always can."</p>
            </div>
            <div class="field">
                <label class="check">
                    <input type="checkbox" id="sso-required"
                        prop:checked=move || draft.with(|d| d.required)
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.required = on); }/>
                    "Require single sign-on"
                </label>
                <p class="field-hint">"Password sign-in is refused for everyone in your account except one break-glass admin, kept for when the identity provider is down."</p>
            </div>
            <Show when=move || draft.with(|d| d.required)>
                <div class="field">
                    <label for="sso-break-glass">"Break-glass admin"</label>
                    <select id="sso-break-glass"
                        aria-invalid=field_invalid(errors, "break_glass") aria-describedby="sso-break-glass-hint sso-break-glass-error"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d.break_glass_user = v.parse::<Uuid>().ok());
                        }>
                        <option value="" selected=move || draft.with(|d| d.break_glass_user.is_none())>"Choose an admin"</option>
                        {admins.iter().map(|a| {
                            let id = a.id;
                            view! {
                                <option value=id.to_string() selected=move || draft.with(|d| d.break_glass_user == Some(id))>
                                    {format!("{} ({})", a.name, a.email)}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    <p class="field-hint" id="sso-break-glass-hint">"This admin can still sign in with a password. Everyone else, including people whose address is outside the domains above, must use single sign-on."</p>
                    <p class="field-error" id="sso-break-glass-error" aria-live="polite">{field_error(errors, "break_glass")}</p>
                </div>
            </Show>
        </section>
    }
}

/// Save, and turning single sign-on off, which asks first.
#[component]
fn SsoButtons(
    pending: Memo<bool>,
    current: RwSignal<SsoSettingsView>,
    draft: RwSignal<SsoDraft>,
    saved: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let confirm_off = RwSignal::new(false);
    let remove = Action::new(|_: &()| remove_sso());
    let removing = remove.pending();
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            confirm_off.set(false);
            current.update(|c| {
                c.configured = false;
                c.secret_saved = false;
                c.required = false;
            });
            draft.set(SsoDraft::default());
            saved.set(Some(
                "Single sign-on is off. Everyone signs in with a password again.".into(),
            ));
        }
        Some(Err(e)) => form_error.set(Some(e.to_string())),
        None => {}
    });
    view! {
        <div class="button-row">
            <button type="submit" class="button button--primary" disabled=pending aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Checking the provider and saving…" } else { "Save single sign-on" }}
            </button>
            <Show when=move || current.with(|c| c.configured) && !confirm_off.get()>
                <button type="button" class="button button--ghost" on:click=move |_| confirm_off.set(true)>
                    "Turn off single sign-on"
                </button>
            </Show>
        </div>
        <Show when=move || confirm_off.get()>
            <div class="notice notice--danger sso-confirm-off" role="group" aria-labelledby="sso-off-text">
                <p id="sso-off-text">"Turn off single sign-on? Everyone will sign in with a password; people who joined through single sign-on have none yet and will need to reset it."</p>
                <div class="button-row">
                    <button type="button" class="button button--danger" disabled=removing on:click=move |_| { remove.dispatch(()); }>
                        "Turn it off"
                    </button>
                    <button type="button" class="button button--secondary" on:click=move |_| confirm_off.set(false)>
                        "Keep it on"
                    </button>
                </div>
            </div>
        </Show>
    }
}
