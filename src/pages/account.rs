use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{
    ChangePassword, SetConnectionAlerts, SignOutElsewhere, connection_alerts, sessions,
};
use crate::components::new_password::NewPasswordField;
use crate::components::page_header::PageHeader;
use crate::components::shell::UserResource;
use crate::domain::team::SignedInSession;

/// "Your account": who you are here, your password, the emails you get, and where you are
/// signed in.
#[component]
pub fn AccountPage() -> impl IntoView {
    let me = expect_context::<UserResource>();
    let change = ServerAction::<ChangePassword>::new();
    let elsewhere = ServerAction::<SignOutElsewhere>::new();
    let list = Resource::new(
        move || (change.version().get(), elsewhere.version().get()),
        |_| sessions(),
    );
    view! {
        <Title text="Your account"/>
        <PageHeader title="Your account" description="Your details, your password, the emails you get and where you are signed in."/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(user) => view! {
                        <section class="card" aria-labelledby="profile-title">
                            <h2 id="profile-title" class="section-title section-title--first">"Profile"</h2>
                            <dl class="facts">
                                <dt>"Name"</dt><dd>{user.name.clone()}</dd>
                                <dt>"Email"</dt><dd>{user.email.clone()}</dd>
                                <dt>"Account"</dt><dd>{user.account_name.clone()}</dd>
                                <dt>"Role"</dt><dd>{user.role.label()}</dd>
                            </dl>
                        </section>
                        <PasswordSection change email=user.email.clone()/>
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <NotificationsSection/>
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title" class="section-title section-title--first">"Where you're signed in"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) => view! { <SessionList items elsewhere/> }.into_any(),
                        Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p role="status" class="muted">
                {move || elsewhere.value().get().and_then(|r| r.ok()).map(|n| format!(
                    "Signed out of {n} other session{}.", if n == 1 { "" } else { "s" }
                ))}
            </p>
            <div class="form-error" role="alert">
                {move || elsewhere.value().get().and_then(|r| r.err()).map(|e| view! { <p>{e.to_string()}</p> })}
            </div>
        </section>
    }
}

/// Each browser signed in to this account, and a way to sign out of all but this one.
#[component]
fn SessionList(
    items: Vec<SignedInSession>,
    elsewhere: ServerAction<SignOutElsewhere>,
) -> impl IntoView {
    let others = items.iter().filter(|s| !s.this_browser).count();
    view! {
        <ul class="session-list">
            {items.into_iter().map(|s| view! {
                <li class="session">
                    <span class="person-line">
                        <span class="person-name">{s.device}</span>
                        {s.this_browser.then(|| view! { <span class="tag tag--ok">"This browser"</span> })}
                    </span>
                    <span class="session-meta muted">{format!(
                        "{} · signed in {} · last active {}",
                        if s.client_ip.is_empty() { "address unknown".to_owned() } else { s.client_ip },
                        s.signed_in_at.format("%-d %b %Y, %H:%M UTC"),
                        s.last_active_at.format("%-d %b %Y, %H:%M UTC"),
                    )}</span>
                </li>
            }).collect_view()}
        </ul>
        {if others == 0 {
            view! { <p class="muted">"You aren't signed in anywhere else."</p> }.into_any()
        } else {
            view! {
                <button type="button" class="button button--secondary" disabled=elsewhere.pending()
                    on:click=move |_| { elsewhere.dispatch(SignOutElsewhere {}); }>
                    {format!("Sign out of the {others} other session{}", if others == 1 { "" } else { "s" })}
                </button>
            }.into_any()
        }}
    }
}

#[component]
fn PasswordSection(change: ServerAction<ChangePassword>, email: String) -> impl IntoView {
    let server_error = Signal::derive(move || change.value().get().and_then(|r| r.err()));
    let current_error = move || {
        server_error
            .get()
            .and_then(|e| e.field_message("current_password"))
    };
    let general = move || {
        server_error
            .get()
            .filter(|e| {
                e.field_message("current_password").is_none()
                    && e.field_message("new_password").is_none()
            })
            .map(|e| e.to_string())
    };
    let done = move || change.value().get().is_some_and(|r| r.is_ok());
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if done()
            && let Some(f) = form.get_untracked()
        {
            f.reset();
        }
    });
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title" class="section-title section-title--first">"Password"</h2>
            <ActionForm action=change node_ref=form attr:class="form form--narrow" attr:novalidate=true>
                <input type="text" autocomplete="username" value=email.clone() hidden aria-hidden="true"/>
                <div class="field">
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password"
                        required maxlength="1024"
                        aria-invalid=move || current_error().is_some().to_string()
                        aria-describedby="current_password-error"/>
                    <p class="field-error" id="current_password-error" aria-live="polite">{current_error}</p>
                </div>
                <NewPasswordField name="new_password" label="New password" email=Signal::derive(move || email.clone()) server_error/>
                <div class="form-error" role="alert">{move || general().map(|e| view! { <p>{e}</p> })}</div>
                <p class="notice notice--ok" role="status" hidden=move || !done()>
                    "Your password was changed. You were signed out everywhere else, and we've emailed you a confirmation."
                </p>
                <button type="submit" class="button button--primary" disabled=change.pending()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// The emails a person can choose: connection alerts (on for admins unless they switch them off).
#[component]
fn NotificationsSection() -> impl IntoView {
    let save = ServerAction::<SetConnectionAlerts>::new();
    let current = Resource::new(move || save.version().get(), |_| connection_alerts());
    view! {
        <section class="card" id="notifications" aria-labelledby="notifications-title">
            <h2 id="notifications-title" class="section-title section-title--first">"Notifications"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(on) => view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=on disabled=move || save.pending().get()
                                    on:change=move |ev| { save.dispatch(SetConnectionAlerts { on: event_target_checked(&ev) }); }/>
                                "Email me when a connection needs attention"
                            </label>
                        }.into_any(),
                        Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p class="muted alerts-help">
                "When an HR system needs relinking, its syncs keep failing, removals wait for review or it withholds permissions: "
                "one email when it starts, a reminder after a day and after three days while it lasts, and a short note when it is fixed. "
                "Admins get these unless they switch them off; campaign managers only if they switch them on."
            </p>
            <p role="status" class="muted">
                {move || save.value().get().and_then(|r| r.ok()).map(|on| if on {
                    "Saved: you get connection alerts."
                } else {
                    "Saved: you no longer get connection alerts."
                })}
            </p>
            <div class="form-error" role="alert">
                {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p>{e.to_string()}</p> })}
            </div>
        </section>
    }
}
