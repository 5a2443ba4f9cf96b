use leptos::prelude::*;

use crate::components::auth_card::AuthCard;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::api::sso::sso_for_email;
use crate::domain::email::EmailAddress;
use crate::domain::sso::{SsoHint, start_href};

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let notice = move || {
        let q = query.read();
        if q.get("expired").is_some() {
            Some("Your session has ended. Please sign in again.")
        } else if q.get("signed_out").is_some() {
            Some("You have signed out.")
        } else {
            None
        }
    };

    let login = ServerAction::<Login>::new();
    let pending = login.pending();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };

    // Single sign-on: once a valid address is typed, ask whether its domain signs in through
    // a company identity provider; the answer carries the provider's name and nothing else.
    let sso_email = RwSignal::new(String::new());
    let sso_lookup = Action::new(|email: &String| {
        let email = email.clone();
        async move {
            (
                email.clone(),
                sso_for_email(email).await.unwrap_or_default(),
            )
        }
    });
    let sso = move || {
        sso_lookup
            .value()
            .get()
            .filter(|(email, _)| *email == sso_email.get())
            .map(|(_, hint)| hint)
            .unwrap_or_default()
    };

    view! {
        <Title text="Sign in"/>
        <AuthCard>
                <h1>"Sign in"</h1>
                <p class="muted">"Connect your HR systems and choose who receives gifts."</p>
                {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <ActionForm action=login attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="next" prop:value=next/>
                    <EmailField sso_email sso_lookup/>
                    <SsoOffer hint=Signal::derive(sso) email=sso_email.into() next=Signal::derive(next)/>
                    <PasswordField/>
                    <div class="form-error" role="alert" aria-live="assertive">
                        {move || error().map(|e| view! { <p>{e}</p> })}
                    </div>
                    <button type="submit" disabled=pending
                        class=move || if sso().provider.is_some() { "button button--secondary button--block" } else { "button button--primary button--block" }>
                        {move || if pending.get() { "Signing in…" } else if sso().provider.is_some() { "Sign in with password" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="auth-footnote muted">
                    "New here? Ask an admin of your company's &Open account to invite you from their Team page."
                </p>
        </AuthCard>
    }
}

/// The work email. Once it is a valid address, it is also looked up for single sign-on.
#[component]
fn EmailField(
    sso_email: RwSignal<String>,
    sso_lookup: Action<String, (String, SsoHint)>,
) -> impl IntoView {
    // Checked in the browser as the user leaves the field; the server checks again.
    let (email_error, set_email_error) = signal(None::<String>);
    let check_email = move |ev: leptos::ev::FocusEvent| {
        let value = event_target_value(&ev);
        let parsed = EmailAddress::parse(&value);
        set_email_error.set(if value.trim().is_empty() {
            None
        } else {
            parsed.as_ref().err().map(|e| e.to_string())
        });
        if let Ok(email) = parsed
            && email.as_str() != sso_email.get_untracked()
        {
            sso_email.set(email.as_str().to_owned());
            sso_lookup.dispatch(email.as_str().to_owned());
        }
    };
    view! {
        <div class="field">
            <label for="email">"Work email"</label>
            <input
                id="email"
                name="email"
                type="email"
                autocomplete="username"
                required
                maxlength="254"
                aria-invalid=move || email_error.get().is_some().to_string()
                aria-describedby="email-error"
                on:blur=check_email
            />
            <p class="field-error" id="email-error" aria-live="polite">
                {move || email_error.get()}
            </p>
        </div>
    }
}

#[component]
fn PasswordField() -> impl IntoView {
    view! {
        <div class="field">
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="current-password"
                required
                maxlength="1024"
            />
            <p class="field-hint"><a href="/forgot-password">"Forgot your password?"</a></p>
        </div>
    }
}

/// "Continue with <provider>" for an address whose company signs in through single sign-on.
/// When the company requires it, the password below is only for its break-glass admin.
#[component]
fn SsoOffer(hint: Signal<SsoHint>, email: Signal<String>, next: Signal<String>) -> impl IntoView {
    move || {
        let SsoHint { provider, required } = hint.get();
        provider.map(|provider| {
            let href = start_href(&email.get(), &next.get());
            let note = if required {
                format!(
                    "Your company signs in with {provider}. The password below is only for your account's emergency admin."
                )
            } else {
                "Or sign in with your password below.".to_owned()
            };
            view! {
                <div class="sso-offer" role="group" aria-label="Single sign-on">
                    // A server route, not a page: `rel=external` keeps the router from
                    // handling it in the browser.
                    <a class="button button--primary button--block" href=href rel="external">
                        {format!("Continue with {provider}")}
                    </a>
                    <p class="field-hint" role="status">{note}</p>
                </div>
            }
        })
    }
}
