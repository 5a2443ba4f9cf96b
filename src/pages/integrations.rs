use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::integrations::{Rename, Resync, list_connections};
use crate::components::connect::dialog::ConnectDialog;
use crate::components::disconnect_dialog::DisconnectButton;
use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::page_header::PageHeader;
use crate::components::shell::UserResource;
use crate::components::sync_progress::SyncProgressBar;
use crate::components::system_logo::SystemLogo;
use crate::components::ticker::use_ticker;
use crate::domain::integration::{ConnectionView, Health};

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let me = expect_context::<UserResource>();
    let is_admin = move || async move {
        me.await
            .map(|u| u.role.can_manage_integrations())
            .unwrap_or(false)
    };
    let refresh = RwSignal::new(0u64);
    let connections = Resource::new(move || refresh.get(), |_| list_connections());
    // While a sync runs anywhere on the page, refresh once a second.
    let tick = use_ticker(Duration::from_secs(1));
    Effect::new(move |_| {
        tick.track();
        let syncing = connections
            .get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|list| list.iter().any(|c| c.health == Health::Syncing));
        if syncing {
            refresh.update(|r| *r += 1);
        }
    });
    let dialog_open = RwSignal::new(false);
    let on_change = Callback::new(move |_| refresh.update(|r| *r += 1));

    view! {
        <Title text="Integrations"/>
        <PageHeader
            title="Integrations"
            description="The HR and CRM systems connected to your account."
        >
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    is_admin().await.then(|| view! {
                        <button type="button" class="button button--primary" on:click=move |_| dialog_open.set(true)>
                            "Connect new integration"
                        </button>
                    })
                })}
            </Transition>
        </PageHeader>
        <Transition fallback=|| view! { <p class="muted">"Loading integrations…"</p> }>
            {move || Suspend::new(async move {
                let admin = is_admin().await;
                match connections.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState
                            title="No HR system connected yet"
                            icon=Icon::Plug
                            message="Connecting your HR system lets &Open keep an up-to-date list of your staff — names, work emails, teams, managers, start dates and office countries — so campaigns can reach the right people. Sensitive details such as pay, home address or date of birth are never requested."
                        >
                            {admin.then(|| view! {
                                <button type="button" class="button button--primary" on:click=move |_| dialog_open.set(true)>
                                    "Connect your HR system"
                                </button>
                            })}
                        </EmptyState>
                    }.into_any(),
                    Ok(list) => view! {
                        {(!admin).then(|| view! {
                            <p class="notice notice--info">"Only an admin of your account can connect or change integrations. You can see their status here."</p>
                        })}
                        <ul class="connection-list">
                            {list.into_iter().map(|c| view! { <ConnectionCard connection=c admin on_change/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <ConnectDialog open=dialog_open on_change/>
    }
}

fn as_of(c: &ConnectionView) -> String {
    match c.data_as_of {
        Some(at) => format!("Data as of {}", at.format("%-d %b %Y, %H:%M UTC")),
        None => "Not synced yet".to_owned(),
    }
}

#[component]
fn ConnectionCard(
    connection: ConnectionView,
    admin: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let c = connection;
    let id = c.id;
    let resync = ServerAction::<Resync>::new();
    let rename = ServerAction::<Rename>::new();
    let renaming = RwSignal::new(false);
    Effect::new(move |_| {
        if resync.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    Effect::new(move |_| {
        if rename.value().get().is_some_and(|r| r.is_ok()) {
            renaming.set(false);
            on_change.run(());
        }
    });
    let is_hris = c.category == "hris";
    let category = if is_hris { "HR system" } else { "CRM" };
    let syncing = c.health == Health::Syncing;
    let title = format!("{} · {}", c.system, c.label);
    view! {
        <li class="card connection-card" aria-label=title>
            <div class="connection-main">
                <SystemLogo name=c.system.clone() color=c.color.clone()/>
                <div class="connection-text">
                    <h2 class="connection-title">{c.label.clone()}</h2>
                    <p class="muted">{c.system.clone()} " · " {category}</p>
                </div>
                <span class=c.health.css()>{c.health.label()}</span>
            </div>
            {(c.category == "hris").then(|| view! {
                <p class="connection-facts">
                    <strong>{format!("{} people", c.people)}</strong>
                    " · " {as_of(&c)}
                </p>
            })}
            {c.reason.clone().filter(|_| !syncing).map(|r| view! { <p class="connection-reason">{r}</p> })}
            {c.progress.clone().filter(|_| syncing).map(|p| view! { <SyncProgressBar progress=p compact=true/> })}
            <details class="connection-details">
                <summary>"View details"</summary>
                <dl class="receipt">
                    <dt>"Fields shared"</dt>
                    <dd>{c.fields_enabled.join(", ")}</dd>
                    <dt>"Consent"</dt>
                    <dd>{format!("Given by {} on {}", c.consented_by.clone().unwrap_or_else(|| "an admin".into()), c.consented_at.format("%-d %b %Y"))}</dd>
                    {c.progress.clone().map(|p| view! {
                        <dt>"Last sync"</dt>
                        <dd>{format!("{} added, {} updated, {} removed, {} skipped", p.added, p.updated, p.removed, p.skipped)}</dd>
                    })}
                </dl>
                <p><a href="/help/data">"What is never requested, and why"</a></p>
            </details>
            {admin.then(|| view! {
                <div class="button-row connection-actions">
                    {is_hris.then(|| view! {
                        <button type="button" class="button button--secondary button--small"
                            disabled=move || syncing || resync.pending().get()
                            on:click=move |_| { resync.dispatch(Resync { id }); }>
                            "Resync now"
                        </button>
                    })}
                    <button type="button" class="button button--ghost button--small" on:click=move |_| renaming.update(|r| *r = !*r)>
                        "Rename"
                    </button>
                    {(is_hris && c.health != Health::Disconnected).then(|| view! {
                        <DisconnectButton id system=c.system.clone() on_done=on_change/>
                    })}
                </div>
                {move || resync.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
                {move || renaming.get().then(|| view! {
                    <ActionForm action=rename attr:class="rename-form">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <label class="field-label" for=format!("rename-{id}")>"Name"</label>
                        <input id=format!("rename-{id}") name="label" type="text" maxlength="80" required/>
                        <button type="submit" class="button button--primary button--small">"Save"</button>
                        <p class="field-error" aria-live="polite">{move || rename.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
                    </ActionForm>
                })}
            })}
        </li>
    }
}
