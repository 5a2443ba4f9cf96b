use leptos::prelude::*;

use crate::api::staff::{find_managers, person_name};
use crate::components::recipients::{Change, shown_suggestions, suggestions};
use crate::domain::staff_filter::StaffFilter;

/// "Reports to": find a manager by name, then everyone under them at any depth, or only their
/// direct reports.
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
    let choose = move |key: Option<String>| {
        typed.set(String::new());
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
                Some(_) => view! {
                    <div class="chip-row">
                        <span class="chip">
                            <Transition fallback=|| "…">
                                {move || Suspend::new(async move { chosen.await.unwrap_or_else(|| "Someone no longer listed".into()) })}
                            </Transition>
                            <button type="button" class="chip-remove" aria-label="Clear the manager filter" on:click=move |_| choose(None)>"×"</button>
                        </span>
                        <label class="check">
                            <input type="checkbox" prop:checked=move || filter.with(|f| f.direct_only)
                                on:change=move |ev| { let on = event_target_checked(&ev); set.run((Box::new(move |f| f.direct_only = on), false)); }/>
                            "Direct reports only"
                        </label>
                    </div>
                }.into_any(),
                None => view! {
                    <input id="staff-manager" type="search" placeholder="Manager's name" autocomplete="off"
                        aria-controls="staff-manager-results"
                        prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))/>
                    <ul id="staff-manager-results" class="suggestions" aria-label="Managers">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                shown_suggestions(found.await.unwrap_or_default(), move |(key, name, title)| {
                                    view! {
                                        <li>
                                            <button type="button" class="suggestion" on:click=move |_| choose(Some(key.clone()))>
                                                "Everyone under " <strong>{name.clone()}</strong>
                                                {title.map(|t| view! { <span class="muted">" · " {t}</span> })}
                                            </button>
                                        </li>
                                    }
                                })
                            })}
                        </Transition>
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}
