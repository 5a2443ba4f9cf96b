use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::colleague::requests;
use crate::api::integrations::open_incidents;
use crate::components::connect::dialog::ConnectDialog;
use crate::components::connect::progress::LiveConnections;
use crate::components::connect_requests::ConnectRequests;
use crate::components::connection_actions::ConnectionActions;
use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::incident_banner::IncidentBanner;
use crate::components::page_header::PageHeader;
use crate::components::shell::UserResource;
use crate::components::sync_progress::SyncProgressBar;
use crate::components::system_logo::SystemLogo;
use crate::components::ticker::use_ticker;
use crate::domain::integration::{ConnectionView, Health, people};

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let me = expect_context::<UserResource>();
    let is_admin = move || async move {
        me.await
            .map(|u| u.role.can_manage_integrations())
            .unwrap_or(false)
    };
    let refresh = RwSignal::new(0u64);
    let live = LiveConnections::new(refresh);
    provide_context(live);
    let connections = live.resource;
    let incidents = Resource::new(move || refresh.get(), |_| open_incidents());
    let requests = Resource::new(
        move || refresh.get(),
        move |_| async move {
            if is_admin().await {
                requests().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    // While a sync runs anywhere on the page, refresh once a second, but only once the last
    // refresh has answered: a newer request discards an older one's answer, so asking every
    // second while answers take longer would leave the cards showing old numbers.
    let tick = use_ticker(Duration::from_secs(1));
    Effect::new(move |_| {
        tick.track();
        let due = connections.get_untracked().is_some_and(|(answered, list)| {
            answered == refresh.get_untracked()
                && list.is_ok_and(|list| list.iter().any(|c| c.health == Health::Syncing))
        });
        if due {
            refresh.update(|r| *r += 1);
        }
    });
    let dialog_open = RwSignal::new(false);
    let asking = RwSignal::new(false);
    let connect = move |ask: bool| {
        asking.set(ask);
        dialog_open.set(true);
    };
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
                        <a class="button button--ghost" href="/activity">"Activity log"</a>
                        <button type="button" class="button button--secondary" on:click=move |_| connect(true)>
                            "Ask a colleague to connect"
                        </button>
                        <button type="button" class="button button--primary" on:click=move |_| connect(false)>
                            "Connect new integration"
                        </button>
                    })
                })}
            </Transition>
        </PageHeader>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                incidents.await.ok().map(|list| view! { <IncidentBanner incidents=list/> })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted">"Loading integrations…"</p> }>
            {move || Suspend::new(async move {
                let admin = is_admin().await;
                match connections.await.1 {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState
                            title="No HR system connected yet"
                            icon=Icon::Plug
                            message="Connecting your HR system lets &Open keep an up-to-date list of your staff — names, work emails, teams, managers, start dates and office countries — so campaigns can reach the right people. Sensitive details such as pay, home address or date of birth are never requested."
                        >
                            {admin.then(|| view! {
                                <div class="button-row">
                                    <button type="button" class="button button--primary" on:click=move |_| connect(false)>
                                        "Connect your HR system"
                                    </button>
                                    <button type="button" class="button button--secondary" on:click=move |_| connect(true)>
                                        "Ask a colleague to connect it"
                                    </button>
                                </div>
                            })}
                        </EmptyState>
                    }.into_any(),
                    Ok(list) => view! { <ConnectionList list admin on_change/> }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <ConnectRequests list=requests refresh/>
        <ConnectDialog open=dialog_open on_change asking/>
    }
}

/// The connections that read staff now, as cards, then those disconnected.
#[component]
fn ConnectionList(
    list: Vec<ConnectionView>,
    admin: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let (gone, live): (Vec<_>, Vec<_>) = list
        .into_iter()
        .partition(|c| c.health == Health::Disconnected);
    view! {
        {(!admin).then(|| view! {
            <p class="notice notice--info">"Only an admin of your account can connect or change integrations. You can see their status here."</p>
        })}
        {live.is_empty().then(|| view! {
            <p class="muted">"No integration is connected at the moment."</p>
        })}
        <ul class="connection-list">
            {live.into_iter().map(|c| view! { <ConnectionCard connection=c admin on_change/> }).collect_view()}
        </ul>
        {(!gone.is_empty()).then(|| view! { <DisconnectedHistory connections=gone/> })}
    }
}

pub fn as_of(c: &ConnectionView) -> String {
    match c.data_as_of {
        Some(at) => format!("Data as of {}", at.format("%-d %b %Y, %H:%M UTC")),
        None => "Not synced yet".to_owned(),
    }
}

/// Connections that were disconnected, folded away: when each went and what happened to its
/// staff data (kept read-only until a date, or deleted).
#[component]
fn DisconnectedHistory(connections: Vec<ConnectionView>) -> impl IntoView {
    let n = connections.len();
    view! {
        <details class="disconnected-history">
            <summary>{format!("Disconnected ({n})")}</summary>
            <ul class="disconnected-list">
                {connections.into_iter().map(|c| {
                    let when = c.disconnected_at.map(|at| format!("Disconnected on {}", at.format("%-d %b %Y")));
                    view! {
                        <li class="disconnected-item">
                            <p class="disconnected-name">
                                <a href=format!("/integrations/{}", c.id)>{c.label.clone()}</a>
                                <span class="status status--muted">{Health::Disconnected.label()}</span>
                            </p>
                            <p class="muted">{c.kind_line()} {when.map(|w| format!(" · {w}"))}</p>
                            {c.reason.clone().map(|r| view! { <p class="connection-reason">{r}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn ConnectionCard(
    connection: ConnectionView,
    admin: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let c = connection;
    let syncing = c.health == Health::Syncing;
    let title = c.label.clone();
    let href = format!("/integrations/{}", c.id);
    view! {
        <li class="card connection-card" aria-label=title.clone()>
            <div class="connection-main">
                <SystemLogo name=c.system.clone() color=c.color.clone()/>
                <div class="connection-text">
                    <h2 class="connection-title">{c.label.clone()}</h2>
                    <p class="muted">{c.kind_line()}</p>
                </div>
                <span class=c.health.css()>{c.health.label()}</span>
            </div>
            {if c.is_crm() {
                view! { <p class="connection-facts">{c.crm_summary()}</p> }.into_any()
            } else {
                view! {
                    <p class="connection-facts">
                        <strong>{people(c.people)}</strong>
                        " · " {as_of(&c)}
                    </p>
                }.into_any()
            }}
            {c.reason.clone().filter(|_| !syncing).map(|r| view! { <p class="connection-reason">{r}</p> })}
            {c.progress.clone().filter(|_| syncing).map(|p| view! { <SyncProgressBar progress=p compact=true/> })}
            <p class="connection-link">
                <a href=href aria-label=format!("View details of {title}")>"View details"</a>
            </p>
            {admin.then(|| view! { <ConnectionActions connection=c.clone() on_change/> })}
        </li>
    }
}
