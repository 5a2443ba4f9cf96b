use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::staff::{count_staff, search_staff, staff_options};
use crate::components::choice_picker::{Choice, ChoicePicker};
use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::manager_picker::ManagerPicker;
use crate::components::more_filters::MoreFilters;
use crate::domain::numbers::{grouped, people_match};
use crate::domain::staff_filter::{
    FilterOptions, JOINED_CHOICES, PAGE_SIZE, SUGGESTIONS_SHOWN, SortOrder, StaffFilter, StaffPage,
    StaffRow,
};
use crate::error::AppError;

/// A change to the filter; the bool says whether it replaces the current history entry.
pub type Change = Box<dyn FnOnce(&mut StaffFilter) + Send + Sync>;

/// A text input's value, and its input handler, which writes the filter (and so the URL and
/// the results) on every key: the server answers a search in about 20 ms, so a pause in typing
/// would be most of the wait. Answers to earlier keys that arrive late are dropped by the
/// results' resource, which keeps only the newest.
pub fn typed_filter(
    initial: String,
    set: Callback<(Change, bool)>,
    write: fn(&mut StaffFilter, String),
) -> (
    ReadSignal<String>,
    impl Fn(leptos::ev::Event) + Copy + 'static,
) {
    let (typed, set_typed) = signal(initial);
    let on_input = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        set_typed.set(v.clone());
        set.run((Box::new(move |f| write(f, v)), true));
    };
    (typed, on_input)
}

/// Suggestions for a search box: asks the server once at least two characters are typed.
pub fn suggestions<T, F, Fut>(
    typed: RwSignal<String>,
    fetch: F,
) -> Resource<Result<Vec<T>, AppError>>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(String) -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<T>, AppError>> + Send + 'static,
{
    Resource::new(
        move || typed.get(),
        move |text| async move {
            if text.trim().chars().count() < 2 {
                Ok(Vec::new())
            } else {
                fetch(text).await
            }
        },
    )
}

/// The suggestions to show, and a last line when the server found more than fit.
pub fn shown_suggestions<T, V: IntoView>(found: Vec<T>, row: impl Fn(T) -> V) -> impl IntoView {
    let more = found.len() > SUGGESTIONS_SHOWN;
    let rows = found
        .into_iter()
        .take(SUGGESTIONS_SHOWN)
        .map(row)
        .collect_view();
    view! {
        {rows}
        {more.then(|| view! { <li class="muted suggestions-more">"More people match: type more of the name."</li> })}
    }
}

/// The count of a search that stopped counting at its cap: says so at once, then asks for the
/// exact figure, which can take a moment in a very large account. Asked from the browser only,
/// once the page is live, so the server's first render and hydration agree.
#[component]
fn ExactCount(filter: StaffFilter, at_least: i64) -> impl IntoView {
    let exact = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        let f = filter.clone();
        leptos::task::spawn_local(async move {
            if let Ok(n) = count_staff(f).await {
                // The results may have moved on to another filter, taking this line with them.
                let _ = exact.try_set(Some(n));
            }
        });
    });
    view! {
        <strong>
            {move || match exact.get() {
                Some(n) => people_match(n),
                None => format!("More than {} people match", grouped(at_least)),
            }}
        </strong>
    }
}

/// The Team filter's choices. With several HR systems they are grouped: teams found in more
/// than one system first (one choice covers them all), then each system's own.
fn team_choices(o: &FilterOptions) -> Vec<Choice> {
    const SEVERAL: &str = "In several HR systems";
    let grouped = o.teams.iter().any(|t| t.systems.len() > 1) || o.sources.len() > 1;
    let rank = |group: &Option<String>| match group.as_deref() {
        Some(SEVERAL) | None => 0,
        Some(system) => {
            1 + o
                .sources
                .iter()
                .position(|(_, label)| label == system)
                .unwrap_or(o.sources.len())
        }
    };
    let mut choices: Vec<Choice> = o
        .teams
        .iter()
        .map(|t| {
            let group = grouped.then(|| match t.systems.as_slice() {
                [one] => one.clone(),
                _ => SEVERAL.to_owned(),
            });
            let mut detail = Vec::new();
            if !t.parents.is_empty() {
                detail.push(format!("in {}", t.parents));
            }
            if t.systems.len() > 1 {
                detail.push(t.systems.join(", "));
            }
            Choice {
                values: t.refs.clone(),
                value_details: t.ref_systems.clone(),
                label: t.name.clone(),
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                search: format!("{} {} {}", t.name, t.parents, t.systems.join(" ")).to_lowercase(),
                group,
            }
        })
        .collect();
    choices.sort_by_key(|c| rank(&c.group));
    choices
}

/// The Office country filter's choices, by name, found by name or ISO code.
fn country_choices(o: &FilterOptions) -> Vec<Choice> {
    o.countries
        .iter()
        .map(|(code, name)| Choice {
            values: vec![code.clone()],
            value_details: Vec::new(),
            label: name.clone(),
            detail: Some(code.clone()),
            group: None,
            search: format!("{name} {code}").to_lowercase(),
        })
        .collect()
}

/// The filter in the current URL's query.
pub fn use_url_filter() -> Memo<StaffFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let pairs: Vec<(String, String)> = q
                .clone()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            StaffFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
    })
}

/// Search and filter the synced staff. Every filter lives in the URL of `base_path`, so a
/// filtered list can be shared and Back works. With `selection`, each row can be picked.
#[component]
pub fn RecipientsView(
    base_path: String,
    #[prop(default = "Choose recipients")] heading: &'static str,
    #[prop(optional)] selection: Option<RwSignal<BTreeSet<String>>>,
    /// Shown between the filters and the results, e.g. a campaign's save bar.
    #[prop(optional, into)]
    toolbar: Option<ViewFn>,
) -> impl IntoView {
    let filter = use_url_filter();
    let toolbar = StoredValue::new(toolbar);
    let navigate = use_navigate();
    let apply = Callback::new(move |(f, replace): (StaffFilter, bool)| {
        let qs = f.to_query();
        navigate(
            &if qs.is_empty() {
                base_path.clone()
            } else {
                format!("{base_path}?{qs}")
            },
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    let set_filter = Callback::new(move |(change, replace): (Change, bool)| {
        let mut f = filter.get_untracked();
        change(&mut f);
        f.page = 0;
        apply.run((f, replace));
    });
    let options = Resource::new(|| (), |_| staff_options());
    let results = Resource::new(move || filter.get(), search_staff);

    let (typed, on_type) = typed_filter(filter.get_untracked().q, set_filter, |f, v| f.q = v);

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(o) if o.connections == 0 => view! {
                        <EmptyState
                            title="No HR system connected yet"
                            icon=Icon::Gift
                            message="A campaign's recipients come from your connected HR systems. Once one is connected, you can choose everyone on a team, everyone under a manager, or everyone who joined recently."
                        >
                            <a class="button button--primary" href="/integrations">"Go to Integrations"</a>
                        </EmptyState>
                    }.into_any(),
                    Ok(o) => view! {
                        {o.syncing.then(|| view! {
                            <p class="notice notice--info" role="status">"A sync is in progress, so this list may be incomplete. It fills in as people arrive."</p>
                        })}
                        <section class="recipients" aria-labelledby="recipients-title">
                            <h2 id="recipients-title" class="section-title">{heading}</h2>
                            <FilterBar options=o filter set=set_filter typed on_type/>
                            {toolbar.with_value(|t| t.clone()).map(|t| t.run())}
                            <SortSelect filter set=set_filter/>
                            <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
                                {move || Suspend::new(async move {
                                    match results.await {
                                        Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                                        Ok(page) => view! { <ResultsPage page filter selection apply/> }.into_any(),
                                    }
                                })}
                            </Transition>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterBar(
    options: FilterOptions,
    filter: Memo<StaffFilter>,
    set: Callback<(Change, bool)>,
    typed: ReadSignal<String>,
    on_type: impl Fn(leptos::ev::Event) + Copy + 'static,
) -> impl IntoView {
    let change = move |c: Change| set.run((c, false));
    view! {
        <div class="filters card">
            <div class="field filter-search">
                <label for="staff-q">"Search"</label>
                <input id="staff-q" type="search" placeholder="Name or work email" prop:value=typed on:input=on_type/>
            </div>
            <ChoicePicker id="staff-team" label="Team" placeholder="Type a team's name" noun="team"
                choices=team_choices(&options)
                chosen=Signal::derive(move || filter.with(|f| f.teams.clone()))
                on_change=Callback::new(move |teams| change(Box::new(move |f| f.teams = teams)))/>
            <div class="field">
                <label for="staff-joined">"Joined"</label>
                <select id="staff-joined" on:change=move |ev| {
                    let v = event_target_value(&ev).parse().ok();
                    change(Box::new(move |f| f.joined_within = v));
                }>
                    <option value="" selected=move || filter.with(|f| f.joined_within.is_none())>"Any time"</option>
                    {JOINED_CHOICES.iter().map(|d| {
                        let d = *d;
                        view! { <option value=d.to_string() selected=move || filter.with(|f| f.joined_within == Some(d))>{format!("In the last {d} days")}</option> }
                    }).collect_view()}
                </select>
            </div>
            <ChoicePicker id="staff-country" label="Office country" placeholder="Country name or code" noun="country"
                choices=country_choices(&options)
                chosen=Signal::derive(move || filter.with(|f| f.countries.clone()))
                on_change=Callback::new(move |countries| change(Box::new(move |f| f.countries = countries)))/>
            <ManagerPicker filter set/>
            <MoreFilters options filter set/>
            <div class="filter-toggles">
                <label class="check">
                    <input type="checkbox" prop:checked=move || filter.with(|f| f.include_pending)
                        on:change=move |ev| { let on = event_target_checked(&ev); change(Box::new(move |f| f.include_pending = on)); }/>
                    "Include people starting soon"
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || filter.with(|f| f.include_leavers)
                        on:change=move |ev| { let on = event_target_checked(&ev); change(Box::new(move |f| f.include_leavers = on)); }/>
                    "Include people who have left"
                </label>
            </div>
        </div>
    }
}

#[component]
fn SortSelect(filter: Memo<StaffFilter>, set: Callback<(Change, bool)>) -> impl IntoView {
    view! {
        <div class="results-sort">
            <label for="staff-sort">"Sort by"</label>
            <select id="staff-sort" on:change=move |ev| {
                let v = SortOrder::parse(&event_target_value(&ev)).unwrap_or_default();
                set.run((Box::new(move |f| f.sort = v), false));
            }>
                {SortOrder::ALL.map(|s| view! {
                    <option value=s.key() selected=move || filter.with(|f| f.sort == s)>{s.label()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// One page of results: how many match, who, and the way to the pages either side.
#[component]
fn ResultsPage(
    page: StaffPage,
    filter: Memo<StaffFilter>,
    selection: Option<RwSignal<BTreeSet<String>>>,
    apply: Callback<(StaffFilter, bool)>,
) -> impl IntoView {
    let f = filter.get_untracked();
    let first = f.page * PAGE_SIZE;
    let shown_to = first as i64 + page.rows.len() as i64;
    let has_more = shown_to < page.total;
    view! {
        <p class="result-count" role="status" aria-live="polite">
            {if page.total_exact {
                view! { <strong>{people_match(page.total)}</strong> }.into_any()
            } else {
                view! { <ExactCount filter=f.clone() at_least=page.total/> }.into_any()
            }}
            {(page.total > 0).then(|| format!(" · showing {}–{}", first + 1, shown_to))}
        </p>
        {if page.rows.is_empty() {
            view! { <p class="muted">"Nobody matches these filters. Try removing one."</p> }.into_any()
        } else {
            view! { <StaffTable rows=page.rows sort=f.sort selection/> }.into_any()
        }}
        <div class="button-row pager">
            <button type="button" class="button button--secondary button--small" disabled=f.page == 0
                on:click=move |_| { let mut f = filter.get_untracked(); f.page = f.page.saturating_sub(1); apply.run((f, false)); }>
                "Previous"
            </button>
            <button type="button" class="button button--secondary button--small" disabled=!has_more
                on:click=move |_| { let mut f = filter.get_untracked(); f.page += 1; apply.run((f, false)); }>
                "Next"
            </button>
        </div>
    }
}

#[component]
fn StaffTable(
    rows: Vec<StaffRow>,
    sort: SortOrder,
    selection: Option<RwSignal<BTreeSet<String>>>,
) -> impl IntoView {
    let (name_sort, date_sort) = match sort {
        SortOrder::NameAsc => (Some("ascending"), None),
        SortOrder::NameDesc => (Some("descending"), None),
        SortOrder::NewestFirst => (None, Some("descending")),
        SortOrder::LongestServing => (None, Some("ascending")),
    };
    view! {
        <div class="table-wrap card">
            <table class="data-table staff-table">
                <thead><tr>
                    {selection.map(|_| view! { <th scope="col"><span class="sr-only">"Pick"</span></th> })}
                    <th scope="col" aria-sort=name_sort>"Name"</th><th scope="col">"Job title"</th><th scope="col">"Team"</th>
                    <th scope="col">"Office"</th><th scope="col" aria-sort=date_sort>"Started"</th><th scope="col">"Status"</th><th scope="col">"Source"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <StaffTableRow row selection/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn StaffTableRow(row: StaffRow, selection: Option<RwSignal<BTreeSet<String>>>) -> impl IntoView {
    let r = row;
    view! {
        <tr>
            {selection.map(|sel| {
                let key = r.key.clone();
                let k2 = key.clone();
                view! {
                    <td>
                        <input type="checkbox" class="pick" aria-label=format!("Pick {}", r.display_name)
                            prop:checked=move || sel.with(|s| s.contains(&key))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let k = k2.clone();
                                sel.update(|s| { if on { s.insert(k); } else { s.remove(&k); } });
                            }/>
                    </td>
                }
            })}
            <th scope="row">
                <span class="person-name">{r.display_name}</span>
                <span class="person-email muted">{r.work_email.unwrap_or_else(|| "No work email".into())}</span>
            </th>
            <td>{r.job_title.unwrap_or_default()}</td>
            <td>{r.team.unwrap_or_default()}</td>
            <td>{[r.city, r.country].into_iter().flatten().collect::<Vec<_>>().join(", ")}</td>
            <td>{r.start_date.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_default()}</td>
            <td>{r.status}</td>
            <td>{r.source}{(r.also_in > 0).then(|| format!(" (+{} more)", r.also_in))}</td>
        </tr>
    }
}
