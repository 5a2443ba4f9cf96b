use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::campaigns::{
    ArchiveCampaign, SaveAudience, SetExclusion, UpdateCampaign, campaign_incidents,
    campaign_recipients, load_campaign,
};
use crate::api::staff::count_staff;
use crate::components::campaign_form::CampaignForm;
use crate::components::incident_banner::IncidentBanner;
use crate::components::recipients::{RecipientsView, use_url_filter};
use crate::components::why_not::WhyNotPanel;
use crate::domain::campaign::{
    AudienceDiff, AudienceKind, CampaignDetails, Person, RECIPIENTS_PAGE, RecipientsPage,
    format_budget,
};
use crate::domain::numbers::grouped;
use crate::error::AppError;

/// One campaign: its details, the staff view to choose who it reaches (first, because refining
/// the audience is the page's work), then its current recipients (paged and searchable, with
/// exclusions, the change at the last sync and the CSV export).
#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let refresh = RwSignal::new(0u64);
    let details = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_campaign(id).await.map_err(|e| e.to_string()),
                None => Err("There is no campaign at this address.".to_owned()),
            }
        },
    );
    let incidents = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => campaign_incidents(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    let on_change = Callback::new(move |_| refresh.update(|r| *r += 1));
    view! {
        <p class="breadcrumb"><a href="/campaigns">"← Campaigns"</a></p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move { view! { <IncidentBanner incidents=incidents.await/> } })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted">"Loading the campaign…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => view! { <Campaign details=d on_change/> }.into_any(),
                    Err(message) => view! {
                        <Title text="Campaign not found"/>
                        <h1>"Campaign not found"</h1>
                        <p class="notice notice--danger" role="alert">{message}</p>
                    }.into_any(),
                }
            })}
        </Transition>
        {move || id().map(|id| view! { <Chooser id on_change/> })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                details.await.ok().map(|d| view! { <Recipients details=d refresh on_change/> })
            })}
        </Transition>
        {move || id().map(|id| view! { <WhyNotPanel campaign=id/> })}
    }
}

#[component]
fn Campaign(details: CampaignDetails, on_change: Callback<()>) -> impl IntoView {
    let c = details.campaign.clone();
    let id = c.id;
    let editing = RwSignal::new(false);
    let update = ServerAction::<UpdateCampaign>::new();
    let archive = ServerAction::<ArchiveCampaign>::new();
    Effect::new(move |_| {
        if update.value().get().is_some_and(|r| r.is_ok()) {
            editing.set(false);
            on_change.run(());
        }
    });
    Effect::new(move |_| {
        if archive.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    let result = Signal::derive(move || update.value().get());
    let draft = c.draft();
    let archived = c.archived;
    view! {
        <Title text=c.name.clone()/>
        <section class="card campaign-summary" aria-labelledby="campaign-title">
            <div class="campaign-head">
                <div>
                    <h1 id="campaign-title" class="campaign-title">{c.name.clone()}</h1>
                    <p class="muted">{c.occasion.clone()} " · " {format_budget(c.budget_minor, &c.currency)}</p>
                </div>
                {archived.then(|| view! { <span class="status status--muted">"Archived"</span> })}
            </div>
            {(!c.notes.is_empty()).then(|| view! { <p class="campaign-notes">{c.notes.clone()}</p> })}
            <div class="button-row">
                <a class="button button--primary button--small" href=format!("/campaigns/{id}/export") download="">
                    {format!("Export {} {} (CSV)", c.recipients, if c.recipients == 1 { "recipient" } else { "recipients" })}
                </a>
                <button type="button" class="button button--secondary button--small" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>"Edit details"</button>
                <button type="button" class="button button--ghost button--small" disabled=archive.pending()
                    on:click=move |_| { archive.dispatch(ArchiveCampaign { id, archived: !archived }); }>
                    {if archived { "Restore" } else { "Archive" }}
                </button>
            </div>
            {move || editing.get().then(|| view! {
                <CampaignForm
                    initial=draft.clone()
                    submit_label="Save changes"
                    pending=update.pending().into()
                    result
                    on_submit=Callback::new(move |draft| { update.dispatch(UpdateCampaign { id, draft }); })
                    on_cancel=Callback::new(move |_| editing.set(false))
                />
            })}
        </section>
    }
}

#[component]
fn Recipients(
    details: CampaignDetails,
    refresh: RwSignal<u64>,
    on_change: Callback<()>,
) -> impl IntoView {
    let c = details.campaign.clone();
    let id = c.id;
    let exclusion = ServerAction::<SetExclusion>::new();
    Effect::new(move |_| {
        if exclusion.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    let typed = RwSignal::new(String::new());
    let page = RwSignal::new(0u32);
    // Fetched in the browser only: this resource is made inside the page's own Suspend, after
    // the campaign has loaded, and one made there on the server is not matched up with its
    // browser twin during hydration.
    let listed = LocalResource::new(move || {
        let (text, page, _) = (typed.get(), page.get(), refresh.get());
        campaign_recipients(id, text, page)
    });
    let count = c.recipients;
    // The recipients' own search and pages are drawn once the page is live: drawn on the server,
    // their nested <Transition> could reach the browser after hydration had begun and break it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <section class="card current-recipients" aria-labelledby="recipients-list-title">
            <h2 id="recipients-list-title" class="section-title section-title--first">
                {recipients(count)}
            </h2>
            {audience_line(id, c.audience, c.audience_query.clone())}
            {(c.audience == Some(AudienceKind::Dynamic)).then(|| view! { <AudienceChange diff=details.diff.clone()/> })}
            {(details.no_longer_eligible > 0).then(|| view! {
                <p class="notice notice--info">{format!(
                    "{} chosen {} left or no longer in your HR data, so {} not included.",
                    details.no_longer_eligible,
                    if details.no_longer_eligible == 1 { "person has" } else { "people have" },
                    if details.no_longer_eligible == 1 { "is" } else { "are" },
                )}</p>
            })}
            {move || (hydrated.get() && count > 0).then(|| view! {
                <RecipientsSearch campaign=id typed page listed exclusion/>
            })}
            {(!details.excluded.is_empty()).then(|| view! {
                <h3 class="subsection-title">{format!("Excluded ({})", details.excluded.len())}</h3>
                <RecipientTable caption="Excluded people" people=details.excluded.clone() excluded=true campaign=id exclusion/>
            })}
            {move || exclusion.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}

/// How the campaign's audience was chosen.
fn audience_line(id: Uuid, audience: Option<AudienceKind>, query: Option<String>) -> AnyView {
    match audience {
        None => view! { <p class="muted">"No recipients chosen yet. Filter the staff above, then save them to this campaign."</p> }.into_any(),
        Some(AudienceKind::Dynamic) => view! {
            <p>
                "Everyone matching a saved filter, updated after every sync. "
                <a href=format!("/campaigns/{id}?{}", query.unwrap_or_default())>"Show the filter"</a>
            </p>
        }.into_any(),
        Some(AudienceKind::Snapshot) => view! { <p>"A fixed list: it does not change when your HR data does."</p> }.into_any(),
    }
}

/// Who a dynamic audience gained and lost at the last sync.
#[component]
fn AudienceChange(diff: AudienceDiff) -> impl IntoView {
    let summary = if diff.at.is_none() {
        "After each sync, this shows who joined and who left.".to_owned()
    } else if diff.joined.is_empty() && diff.left.is_empty() {
        "Nobody joined or left at the last sync.".to_owned()
    } else {
        format!(
            "+{} joined, −{} left at the last sync",
            diff.joined.len(),
            diff.left.len()
        )
    };
    let at = diff
        .at
        .map(|a| format!(" ({})", a.format("%-d %b %Y, %H:%M UTC")))
        .unwrap_or_default();
    view! {
        <div class="audience-diff" role="status">
            <p><strong>{summary}</strong>{at}</p>
            {(!diff.joined.is_empty()).then(|| view! { <p class="muted">"Joined: " {diff.joined.join(", ")}</p> })}
            {(!diff.left.is_empty()).then(|| view! { <p class="muted">"Left: " {diff.left.join(", ")}</p> })}
        </div>
    }
}

/// The recipients' own search, and the page of them it finds.
#[component]
fn RecipientsSearch(
    campaign: Uuid,
    typed: RwSignal<String>,
    page: RwSignal<u32>,
    listed: LocalResource<Result<RecipientsPage, AppError>>,
    exclusion: ServerAction<SetExclusion>,
) -> impl IntoView {
    view! {
        <div class="field recipients-search">
            <label for="recipients-q">"Find a recipient"</label>
            <input id="recipients-q" type="search" placeholder="Name or work email" autocomplete="off"
                prop:value=typed
                on:input=move |ev| { typed.set(event_target_value(&ev)); page.set(0); }/>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading recipients…"</p> }>
            {move || Suspend::new(async move {
                match listed.await {
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! { <RecipientsFound list campaign typed page exclusion/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RecipientsFound(
    list: RecipientsPage,
    campaign: Uuid,
    typed: RwSignal<String>,
    page: RwSignal<u32>,
    exclusion: ServerAction<SetExclusion>,
) -> impl IntoView {
    let p = page.get_untracked();
    let first = i64::from(p * RECIPIENTS_PAGE);
    let shown_to = first + list.rows.len() as i64;
    let has_more = shown_to < list.total;
    let searching = typed.with_untracked(|t| !t.trim().is_empty());
    view! {
        <p class="muted" role="status">
            {match (list.total, searching) {
                (0, true) => "No recipient has that name or work email.".to_owned(),
                (n, true) => format!("{} found · showing {}–{}", recipients(n), first + 1, shown_to),
                (n, false) => format!("Showing {}–{} of {} by name; the export has everyone.", first + 1, shown_to, grouped(n)),
            }}
        </p>
        {(!list.rows.is_empty()).then(|| view! {
            <RecipientTable caption="Recipients" people=list.rows excluded=false campaign exclusion/>
        })}
        {(p > 0 || has_more).then(|| view! {
            <div class="button-row pager" role="group" aria-label="Recipients pages">
                <button type="button" class="button button--secondary button--small" disabled=p == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous recipients"</button>
                <button type="button" class="button button--secondary button--small" disabled=!has_more
                    on:click=move |_| page.update(|p| *p += 1)>"Next recipients"</button>
            </div>
        })}
    }
}

/// Recipients, or the people excluded, each with the button that moves them to the other list.
#[component]
fn RecipientTable(
    caption: &'static str,
    people: Vec<Person>,
    excluded: bool,
    campaign: Uuid,
    exclusion: ServerAction<SetExclusion>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data-table recipients-table">
                <caption class="sr-only">{caption}</caption>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Job title"</th><th scope="col">"HR system"</th><th scope="col"><span class="sr-only">"Action"</span></th></tr></thead>
                <tbody>{people.into_iter().map(|person| view! { <RecipientRow person excluded campaign exclusion/> }).collect_view()}</tbody>
            </table>
        </div>
    }
}

#[component]
fn RecipientRow(
    person: Person,
    excluded: bool,
    campaign: Uuid,
    exclusion: ServerAction<SetExclusion>,
) -> impl IntoView {
    let r = person;
    let key = r.key.clone();
    let name = r.name.clone();
    view! {
        <tr>
            <th scope="row">
                <span class="person-name">{r.name}</span>
                <span class="person-email muted">{r.work_email.unwrap_or_else(|| "No work email".into())}</span>
            </th>
            <td>{r.job_title.unwrap_or_default()}</td>
            <td>{r.source}</td>
            <td>
                <button type="button" class="button button--ghost button--small"
                    aria-label=format!("{} {name}", if excluded { "Include again" } else { "Exclude" })
                    disabled=exclusion.pending()
                    on:click=move |_| { exclusion.dispatch(SetExclusion { id: campaign, key: key.clone(), excluded: !excluded }); }>
                    {if excluded { "Include again" } else { "Exclude" }}
                </button>
            </td>
        </tr>
    }
}

/// The staff view with the campaign's save bar: everyone matching (following the filter, or
/// fixed now), or the people picked by hand.
#[component]
fn Chooser(id: Uuid, on_change: Callback<()>) -> impl IntoView {
    let filter = use_url_filter();
    let picked = RwSignal::new(BTreeSet::<String>::new());
    let save = ServerAction::<SaveAudience>::new();
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            picked.set(BTreeSet::new());
            on_change.run(());
        }
    });
    let dispatch = move |kind: AudienceKind, by_hand: bool| {
        save.dispatch(SaveAudience {
            id,
            kind,
            filter: filter.get_untracked(),
            picked: if by_hand {
                picked.get_untracked().into_iter().collect()
            } else {
                Vec::new()
            },
        });
    };
    // Saving a filter that matches nobody is almost always a slip (a typo in the search, a
    // leftover filter), so it is said before anything is saved, and saved only if confirmed.
    let nobody = RwSignal::new(None::<AudienceKind>);
    let checking = RwSignal::new(false);
    let save_matching = move |kind: AudienceKind| {
        nobody.set(None);
        checking.set(true);
        let f = filter.get_untracked();
        leptos::task::spawn_local(async move {
            let n = count_staff(f).await;
            checking.set(false);
            match n {
                Ok(0) => nobody.set(Some(kind)),
                _ => dispatch(kind, false),
            }
        });
    };
    Effect::new(move |_| {
        filter.track();
        nobody.set(None);
    });
    view! {
        <section class="chooser" aria-label="Choose recipients">
            <RecipientsView base_path=format!("/campaigns/{id}") selection=picked toolbar=move || view! {
                <SaveBar picked save checking nobody dispatch save_matching/>
            }/>
        </section>
    }
}

#[component]
fn SaveBar(
    picked: RwSignal<BTreeSet<String>>,
    save: ServerAction<SaveAudience>,
    checking: RwSignal<bool>,
    nobody: RwSignal<Option<AudienceKind>>,
    dispatch: impl Fn(AudienceKind, bool) + Copy + Send + Sync + 'static,
    save_matching: impl Fn(AudienceKind) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="card save-bar" role="group" aria-label="Save recipients">
            <p class="save-bar-text">
                {move || match picked.with(|p| p.len()) {
                    0 => "Save everyone matching these filters to the campaign:".to_owned(),
                    n => format!("{n} {} picked.", if n == 1 { "person" } else { "people" }),
                }}
            </p>
            <div class="button-row">
                {move || if picked.with(|p| p.is_empty()) {
                    view! {
                        <button type="button" class="button button--primary" disabled=move || save.pending().get() || checking.get()
                            on:click=move |_| save_matching(AudienceKind::Dynamic)>"Save as a dynamic audience"</button>
                        <button type="button" class="button button--secondary" disabled=move || save.pending().get() || checking.get()
                            on:click=move |_| save_matching(AudienceKind::Snapshot)>"Save as a fixed list"</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="button button--primary" disabled=save.pending()
                            on:click=move |_| dispatch(AudienceKind::Snapshot, true)>"Save the picked people"</button>
                        <button type="button" class="button button--ghost" on:click=move |_| picked.set(BTreeSet::new())>"Clear picks"</button>
                    }.into_any()
                }}
            </div>
            {move || nobody.get().map(|kind| view! {
                <div class="notice notice--warning empty-audience" role="alert">
                    <p>
                        <strong>"Nobody matches these filters right now."</strong>
                        {match kind {
                            AudienceKind::Dynamic => " Saved as a dynamic audience, the campaign would have no recipients until someone who matches joins.",
                            AudienceKind::Snapshot => " Saved as a fixed list, the campaign would have no recipients.",
                        }}
                    </p>
                    <div class="button-row">
                        <button type="button" class="button button--secondary button--small"
                            on:click=move |_| { nobody.set(None); dispatch(kind, false); }>"Save anyway"</button>
                        <button type="button" class="button button--ghost button--small"
                            on:click=move |_| nobody.set(None)>"Keep editing the filters"</button>
                    </div>
                </div>
            })}
            <p class="muted">"A dynamic audience follows your HR data: new joiners who match are added and leavers removed after every sync. A fixed list stays as it is."</p>
            <p role="status" aria-live="polite">
                {move || save.value().get().map(|r| match r {
                    Ok(()) => "Saved. The recipients below are up to date.".to_owned(),
                    Err(e) => e.to_string(),
                })}
            </p>
        </div>
    }
}

/// "1 recipient", "1,204 recipients".
fn recipients(n: i64) -> String {
    format!(
        "{} {}",
        grouped(n),
        if n == 1 { "recipient" } else { "recipients" }
    )
}
