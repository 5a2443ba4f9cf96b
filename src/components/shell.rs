use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::api::auth::{Logout, whoami};
use crate::api::mail::outbox_in_navigation;
use crate::domain::user::CurrentUser;
use crate::error::AppError;

/// The signed-in user, shared with every page inside the shell.
pub type UserResource = Resource<Result<CurrentUser, AppError>>;

/// Header, main navigation and the page outlet for everything behind sign-in.
#[component]
pub fn AppShell() -> impl IntoView {
    let me: UserResource = Resource::new(|| (), |_| whoami());
    provide_context(me);
    let outbox = Resource::new(|| (), |_| outbox_in_navigation());

    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/campaigns" aria-label="HR Connectors home">
                    <span class="brand-mark" aria-hidden="true">"&"</span>
                    <span class="brand-name">"HR Connectors"</span>
                </a>
                <nav class="main-nav" aria-label="Main">
                    <A href="/campaigns">"Campaigns"</A>
                    <A href="/people">"People"</A>
                    <A href="/integrations">"Integrations"</A>
                    <A href="/team">"Team"</A>
                    <A href="/help">"Help"</A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            outbox.await.unwrap_or(false).then(|| view! { <A href="/outbox">"Outbox"</A> })
                        })}
                    </Transition>
                </nav>
                <Transition fallback=|| view! { <div class="user-chip user-chip--loading" aria-hidden="true"></div> }>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(user) => view! { <UserMenu user/> }.into_any(),
                            Err(_) => view! {
                                <a class="button button--ghost" href="/login">"Sign in"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            <Outlet/>
        </main>
    }
}

#[component]
fn UserMenu(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="user-chip">
            <a class="user-link" href="/account">
                <span class="sr-only">"Your account"</span>
                <span class="avatar" aria-hidden="true">{user.initials()}</span>
                <span class="user-text">
                    <span class="user-name">{user.name.clone()}</span>
                    <span class="user-meta">
                        <span class="account-name">{user.account_name.clone()}</span>
                        " · "
                        <span class="role">{user.role.label()}</span>
                    </span>
                </span>
            </a>
            <ActionForm action=logout attr:class="inline-form">
                <button type="submit" class="button button--ghost button--small">"Sign out"</button>
            </ActionForm>
        </div>
    }
}
