use leptos::prelude::*;

/// The centred card that pages for signed-out people use: signing in, joining from an
/// invitation, resetting a password, and (`wide`, for the consent's room) a colleague's request
/// to connect.
#[component]
pub fn AuthCard(children: Children, #[prop(optional)] wide: bool) -> impl IntoView {
    view! {
        <main class="auth-page" id="main">
            <div class="auth-card" class:request-card=wide>
                <div class="auth-brand">
                    <span class="brand-mark" aria-hidden="true">"&"</span>
                    <span>"HR Connectors"</span>
                </div>
                {children()}
            </div>
        </main>
    }
}
