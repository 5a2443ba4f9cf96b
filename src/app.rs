use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::shell::AppShell;
use crate::pages::account::AccountPage;
use crate::pages::activity::ActivityPage;
use crate::pages::campaign::CampaignPage;
use crate::pages::campaigns::CampaignsPage;
use crate::pages::connect_request::{ConnectRequestLinkedPage, ConnectRequestPage};
use crate::pages::connection::ConnectionPage;
use crate::pages::forgot_password::ForgotPasswordPage;
use crate::pages::help::HelpPage;
use crate::pages::help_data::HelpDataPage;
use crate::pages::help_guide::HelpGuidePage;
use crate::pages::integrations::IntegrationsPage;
use crate::pages::invitation::InvitationPage;
use crate::pages::linked::LinkedPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFound;
use crate::pages::outbox::OutboxPage;
use crate::pages::people::PeoplePage;
use crate::pages::reset_password::ResetPasswordPage;
use crate::pages::sso_error::SsoErrorPage;
use crate::pages::sso_settings::SsoSettingsPage;
use crate::pages::team::TeamPage;

/// Sets the page's Content-Security-Policy with this response's nonce: only our own scripts and
/// the nonce-carrying inline ones Leptos writes for hydration and streaming may run, so markup
/// that slipped into a name could never execute.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use axum::http::HeaderValue;
    use axum::http::header::CONTENT_SECURITY_POLICY;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/hr-connectors.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Connect your HR system and choose gift recipients."/>
        <Title formatter=|title: String| {
            if title.is_empty() { "HR Connectors".to_owned() } else { format!("{title} · HR Connectors") }
        }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/invitation") view=InvitationPage/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                <Route path=path!("/reset-password") view=ResetPasswordPage/>
                <Route path=path!("/sso/error") view=SsoErrorPage/>
                <Route path=path!("/connect") view=ConnectRequestPage/>
                <Route path=path!("/connect/linked") view=ConnectRequestLinkedPage/>
                <ParentRoute path=path!("") view=AppShell>
                    <Route path=path!("") view=|| view! { <Redirect path="/campaigns"/> }/>
                    <Route path=path!("campaigns") view=CampaignsPage/>
                    <Route path=path!("campaigns/:id") view=CampaignPage/>
                    <Route path=path!("people") view=PeoplePage/>
                    <Route path=path!("activity") view=ActivityPage/>
                    <Route path=path!("team") view=TeamPage/>
                    <Route path=path!("account") view=AccountPage/>
                    <Route path=path!("integrations") view=IntegrationsPage/>
                    <Route path=path!("integrations/linked") view=LinkedPage/>
                    <Route path=path!("integrations/:id") view=ConnectionPage/>
                    <Route path=path!("help") view=HelpPage/>
                    <Route path=path!("help/data") view=HelpDataPage/>
                    <Route path=path!("help/connect/:slug") view=HelpGuidePage/>
                    <Route path=path!("outbox") view=OutboxPage/>
                    <Route path=path!("team/sso") view=SsoSettingsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
