use leptos::prelude::*;

use crate::components::auth_card::AuthCard;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::sso::SsoRefusal;

/// Where a refused single sign-on lands: one sentence saying what happened and what to do,
/// and the way back to the sign-in page. The reason is a code from a fixed list, so nothing a
/// link carries is ever shown as text.
#[component]
pub fn SsoErrorPage() -> impl IntoView {
    let query = use_query_map();
    let reason = move || {
        query
            .read()
            .get("reason")
            .and_then(|r| SsoRefusal::parse(&r))
    };
    let title = move || {
        reason()
            .map(SsoRefusal::title)
            .unwrap_or("We couldn't sign you in")
    };
    let message = move || {
        reason().map(SsoRefusal::message).unwrap_or(
            "Something interrupted the single sign-on, so we didn't sign you in. Start again from the sign-in page.",
        )
    };
    view! {
        <Title text="Single sign-on"/>
        <AuthCard>
                <h1>{title}</h1>
                <p class="notice notice--danger sso-refusal" data-reason=move || reason().map(SsoRefusal::code)>
                    {message}
                </p>
                <a class="button button--primary button--block" href="/login">"Back to sign in"</a>
                <p class="auth-footnote muted">
                    "Trouble signing in? Ask an admin of your company's &Open account to check your access."
                </p>
        </AuthCard>
    }
}
