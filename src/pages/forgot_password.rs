use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::ForgotPassword;
use crate::components::auth_card::AuthCard;
use crate::domain::team::RESET_MINUTES;

/// "Forgot your password?": asks for an address and always answers the same way, so the page
/// cannot be used to find out who has a login.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let pending = forgot.pending();
    let sent_to = RwSignal::new(String::new());
    let error = move || forgot.value().get().and_then(|r| r.err());
    let done = move || forgot.value().get().is_some_and(|r| r.is_ok());
    view! {
        <Title text="Reset your password"/>
        <AuthCard>
            <h1>"Reset your password"</h1>
            <Show when=done fallback=move || view! {
                <p class="muted">"Enter the email you sign in with. We'll send you a link to choose a new password."</p>
                <ActionForm action=forgot attr:class="form" attr:novalidate=true>
                    <div class="field">
                        <label for="email">"Work email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required maxlength="254"
                            on:input=move |ev| sent_to.set(event_target_value(&ev))
                            aria-invalid=move || error().and_then(|e| e.field_message("email")).is_some().to_string()
                            aria-describedby="email-error"/>
                        <p class="field-error" id="email-error" aria-live="polite">
                            {move || error().and_then(|e| e.field_message("email"))}
                        </p>
                    </div>
                    <div class="form-error" role="alert" aria-live="assertive">
                        {move || error().filter(|e| e.field_message("email").is_none()).map(|e| view! { <p>{e.to_string()}</p> })}
                    </div>
                    <button type="submit" class="button button--primary button--block" disabled=pending>
                        {move || if pending.get() { "Sending…" } else { "Send reset link" }}
                    </button>
                </ActionForm>
            }>
                <div class="notice notice--ok" role="status">
                    <p>{move || format!(
                        "If {} has an HR Connectors login, we've sent it a link to choose a new password. The link works for {RESET_MINUTES} minutes.",
                        sent_to.get().trim().to_lowercase()
                    )}</p>
                    <p>"Nothing arrived after a few minutes? Check your spam folder, or ask an admin of your account to check your address on the Team page."</p>
                </div>
            </Show>
            <p class="auth-footnote"><a href="/login">"Back to sign in"</a></p>
        </AuthCard>
    }
}
