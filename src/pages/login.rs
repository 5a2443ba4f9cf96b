use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::domain::email::EmailAddress;

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

    // Checked in the browser as the user leaves the field; the server checks again.
    let (email_error, set_email_error) = signal(None::<String>);
    let check_email = move |ev: leptos::ev::FocusEvent| {
        let value = event_target_value(&ev);
        set_email_error.set(if value.trim().is_empty() {
            None
        } else {
            EmailAddress::parse(&value).err().map(|e| e.to_string())
        });
    };

    view! {
        <Title text="Sign in"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="auth-brand">
                    <span class="brand-mark" aria-hidden="true">"&"</span>
                    <span>"HR Connectors"</span>
                </div>
                <h1>"Sign in"</h1>
                <p class="muted">"Connect your HR systems and choose who receives gifts."</p>
                {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <ActionForm action=login attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="next" prop:value=next/>
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
                    <div class="form-error" role="alert" aria-live="assertive">
                        {move || error().map(|e| view! { <p>{e}</p> })}
                    </div>
                    <button type="submit" class="button button--primary button--block" disabled=pending>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="auth-footnote muted">
                    "New here? Ask an admin of your company's &Open account to invite you from their Team page."
                </p>
            </div>
        </main>
    }
}
