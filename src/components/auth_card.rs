use leptos::prelude::*;

/// The centred card that pages for signed-out people use: signing in, joining from an
/// invitation, resetting a password.
#[component]
pub fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="auth-brand">
                    <span class="brand-mark" aria-hidden="true">"&"</span>
                    <span>"HR Connectors"</span>
                </div>
                {children()}
            </div>
        </main>
    }
}
