use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{ResetPassword, reset_link};
use crate::components::auth_card::AuthCard;
use crate::components::new_password::NewPasswordField;

/// Where a password reset link lands: choose a new password, then you are signed in and every
/// other session of yours has ended.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let link = Resource::new(token, reset_link);
    view! {
        <Title text="Choose a new password"/>
        <AuthCard>
            <Transition fallback=|| view! { <p class="muted" role="status">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(email) => view! { <ResetForm email token=token()/> }.into_any(),
                        Err(e) => view! {
                            <h1>"This link can't be used"</h1>
                            <p class="notice notice--danger" role="alert">{e.to_string()}</p>
                            <p><a class="button button--primary button--block" href="/forgot-password">"Send a new link"</a></p>
                            <p class="auth-footnote"><a href="/login">"Back to sign in"</a></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </AuthCard>
    }
}

#[component]
fn ResetForm(email: String, token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let pending = reset.pending();
    let server_error = Signal::derive(move || reset.value().get().and_then(|r| r.err()));
    let general_error = move || {
        server_error
            .get()
            .filter(|e| e.field_message("password").is_none())
            .map(|e| e.to_string())
    };
    let for_email = email.clone();
    view! {
        <h1>"Choose a new password"</h1>
        <p class="muted">{format!("For {email}. You'll be signed out everywhere else.")}</p>
        <ActionForm action=reset attr:class="form" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <input type="text" autocomplete="username" value=email.clone() hidden aria-hidden="true"/>
            <NewPasswordField name="password" label="New password" email=Signal::derive(move || for_email.clone()) server_error/>
            <div class="form-error" role="alert" aria-live="assertive">
                {move || general_error().map(|e| view! { <p>{e}</p> })}
            </div>
            <button type="submit" class="button button--primary button--block" disabled=pending>
                {move || if pending.get() { "Saving…" } else { "Save and sign in" }}
            </button>
        </ActionForm>
    }
}
