use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::campaigns::{
    ArchiveCampaign, SaveAudience, SetExclusion, UpdateCampaign, load_campaign,
};
use crate::components::campaign_form::CampaignForm;
use crate::components::recipients::{RecipientsView, use_url_filter};
use crate::components::why_not::WhyNotPanel;
use crate::domain::campaign::{AudienceKind, CampaignDetails, Person, format_budget};

/// One campaign: its details, its recipients (with exclusions, the change at the last sync and
/// the CSV export), and the staff view to choose who it reaches.
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
    let on_change = Callback::new(move |_| refresh.update(|r| *r += 1));
    view! {
        <p class="breadcrumb"><a href="/campaigns">"← Campaigns"</a></p>
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
        {move || id().map(|id| view! {
            <WhyNotPanel campaign=id/>
            <Chooser id on_change/>
        })}
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
        <Recipients details on_change/>
    }
}

#[component]
fn Recipients(details: CampaignDetails, on_change: Callback<()>) -> impl IntoView {
    let c = details.campaign.clone();
    let id = c.id;
    let exclusion = ServerAction::<SetExclusion>::new();
    Effect::new(move |_| {
        if exclusion.value().get().is_some_and(|r| r.is_ok()) {
            on_change.run(());
        }
    });
    let audience = match (c.audience, c.audience_query.clone()) {
        (None, _) => view! { <p class="muted">"No recipients chosen yet. Filter the staff below, then save them to this campaign."</p> }.into_any(),
        (Some(AudienceKind::Dynamic), query) => view! {
            <p>
                "Everyone matching a saved filter, updated after every sync. "
                <a href=format!("/campaigns/{id}?{}", query.unwrap_or_default())>"Show the filter"</a>
            </p>
        }.into_any(),
        (Some(AudienceKind::Snapshot), _) => view! { <p>"A fixed list: it does not change when your HR data does."</p> }.into_any(),
    };
    let diff = details.diff.clone();
    let shown = details.recipients.len() as i64;
    let row = move |r: Person, excluded: bool| {
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
                        on:click=move |_| { exclusion.dispatch(SetExclusion { id, key: key.clone(), excluded: !excluded }); }>
                        {if excluded { "Include again" } else { "Exclude" }}
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <section class="card" aria-labelledby="recipients-list-title">
            <h2 id="recipients-list-title" class="section-title section-title--first">
                {format!("{} {}", c.recipients, if c.recipients == 1 { "recipient" } else { "recipients" })}
            </h2>
            {audience}
            {(c.audience == Some(AudienceKind::Dynamic)).then(|| {
                let summary = if diff.at.is_none() {
                    "After each sync, this shows who joined and who left.".to_owned()
                } else if diff.joined.is_empty() && diff.left.is_empty() {
                    "Nobody joined or left at the last sync.".to_owned()
                } else {
                    format!("+{} joined, −{} left at the last sync", diff.joined.len(), diff.left.len())
                };
                let at = diff.at.map(|a| format!(" ({})", a.format("%-d %b %Y, %H:%M UTC"))).unwrap_or_default();
                view! {
                    <div class="audience-diff" role="status">
                        <p><strong>{summary}</strong>{at}</p>
                        {(!diff.joined.is_empty()).then(|| view! { <p class="muted">"Joined: " {diff.joined.join(", ")}</p> })}
                        {(!diff.left.is_empty()).then(|| view! { <p class="muted">"Left: " {diff.left.join(", ")}</p> })}
                    </div>
                }
            })}
            {(details.no_longer_eligible > 0).then(|| view! {
                <p class="notice notice--info">{format!(
                    "{} chosen {} left or no longer in your HR data, so {} not included.",
                    details.no_longer_eligible,
                    if details.no_longer_eligible == 1 { "person has" } else { "people have" },
                    if details.no_longer_eligible == 1 { "is" } else { "are" },
                )}</p>
            })}
            {(!details.recipients.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data-table recipients-table">
                        <caption class="sr-only">"Recipients"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Job title"</th><th scope="col">"HR system"</th><th scope="col"><span class="sr-only">"Action"</span></th></tr></thead>
                        <tbody>{details.recipients.clone().into_iter().map(|r| row(r, false)).collect_view()}</tbody>
                    </table>
                </div>
                {(c.recipients > shown).then(|| view! {
                    <p class="muted">{format!("Showing the first {shown} of {} by name; the export has everyone.", c.recipients)}</p>
                })}
            })}
            {(!details.excluded.is_empty()).then(|| view! {
                <h3 class="subsection-title">{format!("Excluded ({})", details.excluded.len())}</h3>
                <div class="table-wrap">
                    <table class="data-table recipients-table">
                        <caption class="sr-only">"Excluded people"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Job title"</th><th scope="col">"HR system"</th><th scope="col"><span class="sr-only">"Action"</span></th></tr></thead>
                        <tbody>{details.excluded.clone().into_iter().map(|r| row(r, true)).collect_view()}</tbody>
                    </table>
                </div>
            })}
            {move || exclusion.value().get().and_then(|r| r.err()).map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
        </section>
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
    view! {
        <section class="chooser" aria-label="Choose recipients">
            <RecipientsView base_path=format!("/campaigns/{id}") selection=picked toolbar=move || view! {
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
                            <button type="button" class="button button--primary" disabled=save.pending()
                                on:click=move |_| dispatch(AudienceKind::Dynamic, false)>"Save as a dynamic audience"</button>
                            <button type="button" class="button button--secondary" disabled=save.pending()
                                on:click=move |_| dispatch(AudienceKind::Snapshot, false)>"Save as a fixed list"</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button button--primary" disabled=save.pending()
                                on:click=move |_| dispatch(AudienceKind::Snapshot, true)>"Save the picked people"</button>
                            <button type="button" class="button button--ghost" on:click=move |_| picked.set(BTreeSet::new())>"Clear picks"</button>
                        }.into_any()
                    }}
                </div>
                <p class="muted">"A dynamic audience follows your HR data: new joiners who match are added and leavers removed after every sync. A fixed list stays as it is."</p>
                <p role="status" aria-live="polite">
                    {move || save.value().get().map(|r| match r {
                        Ok(()) => "Saved. The recipients above are up to date.".to_owned(),
                        Err(e) => e.to_string(),
                    })}
                </p>
            </div>
            }/>
        </section>
    }
}
