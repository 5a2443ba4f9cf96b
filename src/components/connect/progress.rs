use leptos::prelude::*;
use uuid::Uuid;

use crate::api::integrations::{Resync, list_connections};
use crate::components::sync_progress::SyncProgressBar;
use crate::domain::integration::{ConnectionView, MissingAccess, Phase, Reach};
use crate::error::AppError;
use crate::pages::help_guide::guide_path;

/// The Integrations page's list of connections, refreshed while a sync runs. The connect dialog
/// reads its connection from it, so the dialog and the card always show the same numbers. Each
/// value carries the refresh it answers, so the page asks again only once it has its answer.
#[derive(Clone, Copy)]
pub struct LiveConnections {
    pub resource: Resource<(u64, Result<Vec<ConnectionView>, AppError>)>,
    /// The last list received, for readers outside a `<Transition>` (the dialog): a resource
    /// read there would be read before hydration ends, so an effect copies each answer here.
    latest: RwSignal<Option<Vec<ConnectionView>>>,
}

impl LiveConnections {
    pub fn new(refresh: RwSignal<u64>) -> Self {
        let resource = Resource::new(
            move || refresh.get(),
            |r| async move { (r, list_connections().await) },
        );
        let latest = RwSignal::new(None);
        Effect::new(move |_| {
            if let Some((_, Ok(list))) = resource.get() {
                latest.set(Some(list));
            }
        });
        LiveConnections { resource, latest }
    }

    pub fn find(&self, id: Uuid) -> Option<ConnectionView> {
        self.latest
            .with(|list| list.as_ref()?.iter().find(|c| c.id == id).cloned())
    }
}

/// The dialog's last step: the first sync, live, then what it brought and what to do next.
#[component]
pub fn ProgressStep(
    connection: ConnectionView,
    on_done: Callback<()>,
    on_change: Callback<()>,
) -> impl IntoView {
    let id: Uuid = connection.id;
    let live = expect_context::<LiveConnections>();
    let latest = Memo::new(move |_| live.find(id).unwrap_or_else(|| connection.clone()));
    let finished =
        move || latest.with(|c| c.progress.as_ref().is_some_and(|p| !p.phase.is_running()));
    let recheck = ServerAction::<Resync>::new();
    Effect::new(move |_| {
        if recheck.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    view! {
        <div class="progress-step" aria-live="polite">
            {move || {
                let c = latest.get();
                let phase = c.progress.as_ref().map(|p| p.phase);
                let title = match (phase, &c.missing_access) {
                    (Some(Phase::Ready), Some(_)) => format!("{} is connected, but some data is missing", c.label),
                    (Some(Phase::Ready), None) => format!("{} is connected", c.label),
                    (Some(Phase::Failed), _) => "The first sync did not finish".to_owned(),
                    _ => format!("Connecting {}", c.label),
                };
                view! {
                    <h3 tabindex="-1" data-autofocus>{title}</h3>
                    {c.progress.clone().map(|p| view! { <SyncProgressBar progress=p/> })}
                    {match phase {
                        Some(Phase::Ready) => view! {
                            {c.missing_access.clone().map(|m| view! {
                                <MissingAccessNotice system=c.system.clone() slug=c.slug.clone() missing=m
                                    on_check=Callback::new(move |_| { recheck.dispatch(Resync { id }); })
                                    checking=recheck.pending().into()/>
                            })}
                            {c.reach.map(|r| view! { <ReachSummary reach=r/> })}
                            {recheck.value().get().is_none().then(|| view! {
                                <p class="muted">"We've emailed you the same summary."</p>
                            })}
                        }.into_any(),
                        Some(Phase::Failed) => view! {
                            <p class="notice notice--danger">
                                {c.reason.clone().unwrap_or_else(|| "The sync failed.".into())}
                            </p>
                        }.into_any(),
                        _ => view! {
                            <p class="muted">"You can close this — we'll email you when it's done."</p>
                        }.into_any(),
                    }}
                    {move || recheck.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
                }
            }}
            <div class="button-row dialog-actions">
                {move || finished().then(|| view! {
                    <a class="button button--primary" href="/campaigns?new">"Start a campaign"</a>
                    <a class="button button--secondary" href="/people">"See the people"</a>
                })}
                <button type="button"
                    class=move || if finished() { "button button--ghost" } else { "button button--primary" }
                    on:click=move |_| on_done.run(())>
                    {move || if finished() { "Done" } else { "Close" }}
                </button>
            </div>
        </div>
    }
}

/// Who of the synced people campaigns can choose, and why the others are not offered.
#[component]
pub fn ReachSummary(reach: Reach) -> impl IntoView {
    let reasons = reach.reasons();
    view! {
        <div class="reach">
            <p><strong>{reach.headline()}</strong></p>
            {(!reasons.is_empty()).then(|| view! {
                <p class="muted">"The difference:"</p>
                <ul class="reach-reasons">
                    {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// What the HR system withheld, what that empties, where the needed permissions are listed, and
/// a way to check again once they are granted.
#[component]
pub fn MissingAccessNotice(
    system: String,
    slug: String,
    missing: MissingAccess,
    on_check: Callback<()>,
    checking: Signal<bool>,
) -> impl IntoView {
    let empty = if missing.empty_filters.is_empty() {
        "No recipient filter is empty because of it yet, but some details may be missing."
            .to_owned()
    } else {
        format!(
            "Until it is fixed, these filters find no one from {system}: {}.",
            missing.empty_filters.join(", ")
        )
    };
    view! {
        <div class="notice notice--warn missing-access" role="status">
            <p><strong>{format!("{system} did not give Merge everything it asked for.")}</strong></p>
            <p>"Merge reports: " <q>{missing.problem}</q></p>
            <p>{empty}</p>
            <p>
                {format!("Ask your {system} admin to grant the missing permissions, then check again. ")}
                <a href=guide_path(&slug)>{format!("Permissions {system} needs")}</a>
            </p>
            <button type="button" class="button button--secondary button--small"
                disabled=move || checking.get()
                on:click=move |_| on_check.run(())>
                "Check again"
            </button>
        </div>
    }
}
