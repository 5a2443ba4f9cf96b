use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::api::integrations::{ReviewHeld, connection_page};
use crate::components::connection_actions::ConnectionActions;
use crate::components::icon::{Icon, IconSvg};
use crate::components::shell::UserResource;
use crate::components::sync_progress::SyncProgressBar;
use crate::components::system_logo::SystemLogo;
use crate::components::ticker::use_ticker;
use crate::domain::connection_details::{ConnectionDetails, PersonLine, SyncRecord};
use crate::domain::field_policy::BLOCKED;
use crate::domain::integration::{ConnectionView, Health};
use crate::domain::integration::{duration, people};
use crate::domain::numbers::grouped;
use crate::pages::integrations::as_of;

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// One connection: its status and actions, removals held for review, the data receipt (what is
/// stored and blocked, who consented, what changed since, who was removed) and its syncs.
#[component]
pub fn ConnectionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let me = expect_context::<UserResource>();
    let refresh = RwSignal::new(0u64);
    let page = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => connection_page(id).await.map_err(|e| e.to_string()),
                None => Err("There is no connection at this address.".to_owned()),
            }
        },
    );
    let tick = use_ticker(Duration::from_secs(1));
    Effect::new(move |_| {
        tick.track();
        let syncing = page
            .get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|p| p.connection.health == Health::Syncing);
        if syncing {
            refresh.update(|r| *r += 1);
        }
    });
    let on_change = Callback::new(move |_| refresh.update(|r| *r += 1));
    // "?relink" (the link in a relink alert) opens the Relink dialog once the page is live.
    let open_relink = RwSignal::new(use_query_map().read_untracked().get("relink").is_some());
    view! {
        <p class="breadcrumb"><a href="/integrations">"← Integrations"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the connection…"</p> }>
            {move || Suspend::new(async move {
                let admin = me.await.map(|u| u.role.can_manage_integrations()).unwrap_or(false);
                match page.await {
                    Ok(details) => view! { <Details details admin on_change open_relink/> }.into_any(),
                    Err(message) => view! {
                        <Title text="Connection not found"/>
                        <h1>"Connection not found"</h1>
                        <p class="notice notice--danger" role="alert">{message}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(
    details: ConnectionDetails,
    admin: bool,
    on_change: Callback<()>,
    open_relink: RwSignal<bool>,
) -> impl IntoView {
    let c = details.connection.clone();
    let syncing = c.health == Health::Syncing;
    let title = c.label.clone();
    let crm = c.is_crm();
    view! {
        <Title text=title/>
        <section class="card connection-summary" aria-labelledby="connection-title">
            <div class="connection-main">
                <SystemLogo name=c.system.clone() color=c.color.clone()/>
                <div class="connection-text">
                    <h1 id="connection-title" class="connection-title">{c.label.clone()}</h1>
                    <p class="muted">{c.kind_line()}</p>
                </div>
                <span class=c.health.css()>{c.health.label()}</span>
            </div>
            {(!crm).then(|| view! {
                <p class="connection-facts"><strong>{people(c.people)}</strong> " · " {as_of(&c)}</p>
            })}
            {c.reason.clone().filter(|_| !syncing).map(|r| view! { <p class="connection-reason">{r}</p> })}
            {c.progress.clone().filter(|_| syncing).map(|p| view! { <SyncProgressBar progress=p compact=true/> })}
            {admin.then(|| view! { <ConnectionActions connection=c.clone() on_change open_relink/> })}
        </section>
        {(details.held_total > 0).then(|| view! {
            <HeldRemovals id=c.id system=c.system.clone() held=details.held.clone() total=details.held_total admin on_change/>
        })}
        {if crm {
            view! { <CrmSummary connection=c.clone()/> }.into_any()
        } else {
            view! {
                <Receipt details=details.clone()/>
                <History history=details.history.clone()/>
            }.into_any()
        }}
    }
}

/// What a CRM integration does for the account: it carries no staff, so there is no data
/// receipt or sync history to show.
#[component]
fn CrmSummary(connection: ConnectionView) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="crm-title">
            <h2 id="crm-title" class="section-title section-title--first">"What this integration does"</h2>
            <p>{connection.crm_summary()}</p>
            <p class="muted">"To change or remove it, contact your &Open account team."</p>
        </section>
    }
}

fn people_list(people: Vec<PersonLine>, total: i64) -> impl IntoView {
    let more = total - people.len() as i64;
    view! {
        <ul class="people-list">
            {people.into_iter().map(|p| view! {
                <li>
                    <strong>{p.name}</strong>
                    {p.job_title.map(|t| view! { <span class="muted">" · " {t}</span> })}
                </li>
            }).collect_view()}
        </ul>
        {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more")}</p> })}
    }
}

#[component]
fn HeldRemovals(
    id: Uuid,
    system: String,
    held: Vec<PersonLine>,
    total: i64,
    admin: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let review = ServerAction::<ReviewHeld>::new();
    Effect::new(move |_| {
        if review.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    let pending = review.pending();
    view! {
        <section class="card held-removals" aria-labelledby="held-title">
            <h2 id="held-title" class="section-title section-title--first">
                <IconSvg icon=Icon::Warning size=20/> {format!("{} waiting for your review", people(total))}
            </h2>
            <p>
                "The last sync no longer found these people in " {system} ". Because that is more than a fifth of your staff, "
                "&Open has not removed them: a change like this is often a filter or permission problem in the HR system. "
                "They stay in campaigns until you decide."
            </p>
            {people_list(held, total)}
            {if admin {
                view! {
                    <div class="button-row">
                        <button type="button" class="button button--danger button--small" disabled=pending
                            on:click=move |_| { review.dispatch(ReviewHeld { id, apply: true }); }>
                            {format!("Remove these {}", people(total))}
                        </button>
                        <button type="button" class="button button--secondary button--small" disabled=pending
                            on:click=move |_| { review.dispatch(ReviewHeld { id, apply: false }); }>
                            "Keep them"
                        </button>
                    </div>
                    <p class="muted">"If you keep them and the next full sync still does not find them, you'll be asked again."</p>
                    {move || review.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
                }.into_any()
            } else {
                view! { <p class="muted">"An admin of your account can remove or keep them."</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Receipt(details: ConnectionDetails) -> impl IntoView {
    let c = details.connection;
    let changes = details.changes;
    let consent = format!(
        "Given by {} on {}",
        c.consented_by.clone().unwrap_or_else(|| "an admin".into()),
        c.consented_at.format("%-d %b %Y")
    );
    let removals_total = details.removals_total;
    let shown = details.removals.len();
    view! {
        <section class="card" aria-labelledby="receipt-title">
            <h2 id="receipt-title" class="section-title section-title--first">"Data receipt"</h2>
            <dl class="receipt">
                <dt>"Fields stored"</dt>
                <dd>{c.fields_enabled.join(", ")}</dd>
                <dt>"Never requested"</dt>
                <dd>
                    {BLOCKED.iter().map(|b| b.label).collect::<Vec<_>>().join(", ")}
                    " · " <a href="/help/data">"why"</a>
                </dd>
                <dt>"Consent"</dt>
                <dd>{consent}</dd>
                <dt>"Changes since consent"</dt>
                <dd>{format!(
                    "{} {}: {} people added, {} updated, {} removed",
                    grouped(changes.syncs),
                    if changes.syncs == 1 { "sync" } else { "syncs" },
                    grouped(changes.added), grouped(changes.updated), grouped(changes.removed)
                )}</dd>
                <dt>"Removals and deletions"</dt>
                <dd>{if removals_total == 0 { "None".to_owned() } else { people(removals_total) }}</dd>
            </dl>
            {(removals_total > 0).then(|| view! {
                <table class="data-table">
                    <caption class="sr-only">"Most recent removals and deletions"</caption>
                    <thead><tr><th scope="col">"Person"</th><th scope="col">"Why"</th><th scope="col">"When"</th></tr></thead>
                    <tbody>
                        {details.removals.into_iter().map(|r| view! {
                            <tr>
                                <th scope="row">{r.person.name}{r.person.job_title.map(|t| view! { <span class="muted">" · " {t}</span> })}</th>
                                <td>{r.reason.label()}</td>
                                <td>{when(r.person.at)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {(removals_total > shown as i64).then(|| view! {
                    <p class="muted">{format!("Showing the latest {shown} of {}.", grouped(removals_total))}</p>
                })}
            })}
        </section>
    }
}

fn counts(r: &SyncRecord) -> String {
    let mut out = format!(
        "{} added, {} updated, {} removed",
        grouped(r.added),
        grouped(r.updated),
        grouped(r.removed)
    );
    if r.held > 0 {
        out.push_str(&format!(", {} held for review", grouped(r.held)));
    }
    out
}

fn skipped(r: &SyncRecord) -> String {
    if r.skipped.is_empty() {
        return "None".to_owned();
    }
    r.skipped
        .iter()
        .map(|(reason, n)| format!("{} {reason}", grouped(*n)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[component]
fn History(history: Vec<SyncRecord>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title" class="section-title section-title--first">"Sync history"</h2>
            {if history.is_empty() {
                view! { <p class="muted">"No syncs yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table sync-history">
                        <caption class="sr-only">"The latest syncs, newest first"</caption>
                        <thead><tr>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Why"</th>
                            <th scope="col">"Result"</th>
                            <th scope="col">"Changes"</th>
                            <th scope="col">"Skipped"</th>
                        </tr></thead>
                        <tbody>
                            {history.into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">
                                        {r.started_at.map(when).unwrap_or_else(|| "Not started".into())}
                                        {r.duration_secs().map(|s| view! { <span class="muted person-email">{format!("took {}", duration(s))}</span> })}
                                    </th>
                                    <td>{r.trigger.clone()}</td>
                                    <td>
                                        <span class=r.outcome.css()>{r.outcome.label()}</span>
                                        {r.error.clone().map(|e| view! { <span class="person-email">{e}</span> })}
                                    </td>
                                    <td>{counts(&r)}</td>
                                    <td>{skipped(&r)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
