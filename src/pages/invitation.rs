use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{AcceptInvitation, invitation};
use crate::components::auth_card::AuthCard;
use crate::components::new_password::NewPasswordField;
use crate::domain::role::Role;
use crate::domain::team::InvitationPreview;

/// Where an emailed invitation lands: the person sets their name and password and joins.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, invitation);
    view! {
        <Title text="Join your team"/>
        <AuthCard>
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening your invitation…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(p) => view! { <JoinForm preview=p token=token()/> }.into_any(),
                        Err(e) => view! {
                            <h1>"This invitation can't be used"</h1>
                            <p class="notice notice--danger" role="alert">{e.to_string()}</p>
                            <p><a class="button button--secondary button--block" href="/login">"Go to sign in"</a></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </AuthCard>
    }
}

#[component]
fn JoinForm(preview: InvitationPreview, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let pending = accept.pending();
    let server_error = Signal::derive(move || accept.value().get().and_then(|r| r.err()));
    let general_error = move || {
        server_error
            .get()
            .filter(|e| e.field_message("name").is_none() && e.field_message("password").is_none())
            .map(|e| e.to_string())
    };
    let name_error = move || server_error.get().and_then(|e| e.field_message("name"));
    let role = match preview.role {
        Role::Admin => "an admin",
        Role::CampaignManager => "a campaign manager",
    };
    let email = preview.email.clone();
    view! {
        <h1>{format!("Join {}", preview.account_name)}</h1>
        <p class="muted">
            {if preview.first_admin {
                "Your company's HR Connectors account is ready. Set your name and password to sign in as its first admin: you'll connect HR systems and invite colleagues.".to_owned()
            } else {
                format!("{} invited you to HR Connectors as {role}.", preview.inviter_name)
            }}
        </p>
        {(!preview.message.is_empty()).then(|| view! {
            <blockquote class="invitation-message">
                <p class="muted">{format!("{} wrote:", preview.inviter_name)}</p>
                <p>{preview.message.clone()}</p>
            </blockquote>
        })}
        <ActionForm action=accept attr:class="form" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <div class="field">
                <span class="field-label">"Work email"</span>
                <p class="static-value">{preview.email.clone()}</p>
            </div>
            <div class="field">
                <label for="name">"Your name"</label>
                <input id="name" name="name" type="text" autocomplete="name" required maxlength="200"
                    value=preview.name.clone()
                    aria-invalid=move || name_error().is_some().to_string()
                    aria-describedby="name-error"/>
                <p class="field-error" id="name-error" aria-live="polite">{name_error}</p>
            </div>
            <NewPasswordField name="password" label="Choose a password" email=Signal::derive(move || email.clone()) server_error/>
            <div class="form-error" role="alert" aria-live="assertive">
                {move || general_error().map(|e| view! { <p>{e}</p> })}
            </div>
            <button type="submit" class="button button--primary button--block" disabled=pending>
                {move || if pending.get() { "Joining…" } else { "Join and sign in" }}
            </button>
        </ActionForm>
        <p class="auth-footnote muted">
            {format!("This invitation works until {}.", preview.expires_at.format("%-d %B %Y, %H:%M UTC"))}
        </p>
    }
}
