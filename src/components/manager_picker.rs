use leptos::prelude::*;

use crate::api::staff::{find_managers, person_name};
use crate::components::choice_picker::keep_list_in_view;
use crate::components::recipients::{Change, shown_suggestions, suggestions};
use crate::domain::staff_filter::{ManagerSuggestion, StaffFilter};
use crate::error::AppError;

/// "Reports to": find a manager by name, then everyone under them at any depth, or only their
/// direct reports. One suggestion per person, even when several HR systems list them, and their
/// whole tree in each of those systems.
#[component]
pub fn ManagerPicker(filter: Memo<StaffFilter>, set: Callback<(Change, bool)>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let found = suggestions(typed, find_managers);
    let chosen = Resource::new(
        move || filter.with(|f| f.manager.clone()),
        |key| async move {
            match key {
                Some(k) => person_name(k).await.ok().flatten(),
                None => None,
            }
        },
    );
    let input = NodeRef::<leptos::html::Input>::new();
    let direct = NodeRef::<leptos::html::Input>::new();
    // Choosing or clearing swaps the search box and the chip, so focus moves to what replaced
    // the control that was used, rather than falling back to the top of the page.
    let refocus = StoredValue::new(false);
    // Both refs keep their last element after it is swapped out, so the one still on the page
    // is the one to focus.
    Effect::new(move |_| {
        let shown = [direct.get(), input.get()]
            .into_iter()
            .flatten()
            .find(|el| el.is_connected());
        if let Some(el) = shown
            && refocus.get_value()
        {
            refocus.set_value(false);
            let _ = el.focus();
        }
    });
    let choose = move |key: Option<String>| {
        typed.set(String::new());
        refocus.set_value(true);
        set.run((
            Box::new(move |f| {
                f.manager = key;
                f.direct_only = false;
            }),
            false,
        ));
    };
    view! {
        <div class="field manager-picker">
            <label for="staff-manager">"Reports to"</label>
            {move || match filter.with(|f| f.manager.clone()) {
                Some(_) => view! { <ChosenManager filter set chosen direct choose/> }.into_any(),
                None => view! { <ManagerSearch typed found input choose/> }.into_any(),
            }}
        </div>
    }
}

/// The manager chosen, as a chip, and whether to keep only their direct reports.
#[component]
fn ChosenManager(
    filter: Memo<StaffFilter>,
    set: Callback<(Change, bool)>,
    chosen: Resource<Option<String>>,
    direct: NodeRef<leptos::html::Input>,
    choose: impl Fn(Option<String>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="chip-row">
            <span class="chip">
                <Transition fallback=|| "…">
                    {move || Suspend::new(async move { chosen.await.unwrap_or_else(|| "Someone no longer listed".into()) })}
                </Transition>
                <button type="button" class="chip-remove" aria-label="Clear the manager filter" on:click=move |_| choose(None)>"×"</button>
            </span>
            <label class="check">
                <input node_ref=direct type="checkbox" prop:checked=move || filter.with(|f| f.direct_only)
                    on:change=move |ev| { let on = event_target_checked(&ev); set.run((Box::new(move |f| f.direct_only = on), false)); }/>
                "Direct reports only"
            </label>
        </div>
    }
}

#[component]
fn ManagerSearch(
    typed: RwSignal<String>,
    found: Resource<Result<Vec<ManagerSuggestion>, AppError>>,
    input: NodeRef<leptos::html::Input>,
    choose: impl Fn(Option<String>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="popover-anchor">
            <input node_ref=input id="staff-manager" type="search" placeholder="Manager's name" autocomplete="off"
                aria-controls="staff-manager-results"
                prop:value=typed
                on:input=move |ev| {
                    typed.set(event_target_value(&ev));
                    if let Some(el) = input.get_untracked() {
                        keep_list_in_view(&el);
                    }
                }/>
            <ul id="staff-manager-results" class="suggestions popover" aria-label="Managers"
                hidden=move || typed.with(|t| t.trim().chars().count() < 2)>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let found = found.await.unwrap_or_default();
                        if found.is_empty() {
                            return view! { <li class="muted suggestions-more">"No manager matches that name."</li> }.into_any();
                        }
                        shown_suggestions(found, move |m| view! { <ManagerSuggestionItem manager=m choose/> }).into_any()
                    })}
                </Transition>
            </ul>
        </div>
    }
}

#[component]
fn ManagerSuggestionItem(
    manager: ManagerSuggestion,
    choose: impl Fn(Option<String>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let m = manager;
    let key = m.key.clone();
    view! {
        <li>
            <button type="button" class="suggestion" on:click=move |_| choose(Some(key.clone()))>
                <span>"Everyone under " <strong>{m.name.clone()}</strong>
                    {m.job_title.map(|t| view! { <span class="muted">" · " {t}</span> })}</span>
                {(m.systems.len() > 1).then(|| view! {
                    <span class="suggestion-systems muted">{format!("In {}", m.systems.join(" and "))}</span>
                })}
            </button>
        </li>
    }
}
