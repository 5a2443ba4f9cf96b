use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="eyebrow">"404"</p>
                <h1>"We can't find that page"</h1>
                <p class="muted">"The link may be old, or the page may have moved."</p>
                <div class="button-row">
                    <a class="button button--primary" href="/campaigns">"Go to Campaigns"</a>
                    <a class="button button--ghost" href="/help">"Get help"</a>
                </div>
            </div>
        </main>
    }
}
