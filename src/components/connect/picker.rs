use leptos::prelude::*;

use crate::components::system_logo::SystemLogo;
use crate::domain::integration::{CatalogueItem, crm_in_picker};

const ADMIN_NOTE: &str = "Hello, we'd like to connect our HR system to &Open so that gifts reach the right people. \
Connecting needs an administrator of our HR system, who approves read-only access to names, work emails, teams, \
managers, start dates and office countries. Sensitive data such as pay, home address or date of birth is never \
requested. Could you sign in to HR Connectors (Integrations → Connect new integration) or send me the API details? Thank you!";

/// Searchable list of HR systems: filters on every keystroke, arrow keys and Enter choose.
#[component]
pub fn Picker(items: Vec<CatalogueItem>, on_pick: Callback<CatalogueItem>) -> impl IntoView {
    let (query, set_query) = signal(String::new());
    let (active, set_active) = signal(0usize);
    let (crms, items): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.crm);
    let items = StoredValue::new(items);
    let crms = StoredValue::new(crms);
    let filtered = Memo::new(move |_| {
        let q = query.get();
        items.with_value(|all| {
            all.iter()
                .filter(|i| i.matches(&q))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // A CRM typed here gets a sentence on how those are set up, not an empty list.
    let crm_named = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            return None;
        }
        crms.with_value(|all| all.iter().find(|i| i.matches(&q)).map(|i| i.name.clone()))
    });
    let choose = move |i: usize| {
        if let Some(item) = filtered.with(|f| f.get(i).cloned()) {
            on_pick.run(item);
        }
    };
    view! {
        <div class="picker">
            <label class="field-label" for="picker-search">"Search for your HR system"</label>
            <PickerSearch query set_query active set_active filtered crm_named choose/>
            <PickerList filtered active set_active choose/>
            <details class="picker-help">
                <summary>"Can't find your system?"</summary>
                <p>
                    "HR Connectors reaches more than 80 HR systems through Merge. If yours is missing, try its other name "
                    "(for example \"Access PeopleHR\" or \"Bob\"), or tell your &Open account manager which system you use "
                    "— we can add it, or import a staff list for you in the meantime."
                </p>
            </details>
            <AdminNeeded/>
        </div>
    }
}

#[component]
fn PickerSearch(
    query: ReadSignal<String>,
    set_query: WriteSignal<String>,
    active: ReadSignal<usize>,
    set_active: WriteSignal<usize>,
    filtered: Memo<Vec<CatalogueItem>>,
    crm_named: Memo<Option<String>>,
    choose: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let search = NodeRef::<leptos::html::Input>::new();
    // The list arrives after the dialog opened, so `autofocus` alone would be too late.
    Effect::new(move |_| {
        if let Some(input) = search.get() {
            request_animation_frame(move || {
                let _ = input.focus();
            });
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = filtered.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                set_active.update(|a| *a = (*a + 1).min(n - 1));
            }
            "ArrowUp" => {
                ev.prevent_default();
                set_active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                choose(active.get_untracked());
            }
            _ => {}
        }
    };
    view! {
        <input
            node_ref=search
            id="picker-search"
            class="picker-search"
            type="search"
            role="combobox"
            autocomplete="off"
            autofocus
            placeholder="e.g. Sage HR, Personio, BambooHR"
            aria-controls="picker-list"
            aria-expanded="true"
            // No option to point at when nothing matches (a CRM's name, a typo).
            aria-activedescendant=move || (filtered.with(|f| !f.is_empty())).then(|| format!("picker-option-{}", active.get()))
            prop:value=query
            on:input=move |ev| {
                set_query.set(event_target_value(&ev));
                set_active.set(0);
            }
            on:keydown=on_key
        />
        <p class="picker-count muted" aria-live="polite">
            {move || match filtered.with(Vec::len) {
                // The CRM sentence below answers the search instead.
                0 if crm_named.with(Option::is_some) => String::new(),
                0 => "No HR system matches.".to_owned(),
                1 => "1 HR system".to_owned(),
                n => format!("{n} HR systems"),
            }}
        </p>
        {move || crm_named.get().map(|name| view! {
            <p class="notice notice--info picker-crm" role="status">{crm_in_picker(&name)}</p>
        })}
    }
}

#[component]
fn PickerList(
    filtered: Memo<Vec<CatalogueItem>>,
    active: ReadSignal<usize>,
    set_active: WriteSignal<usize>,
    choose: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <ul id="picker-list" class="picker-list" role="listbox" aria-label="HR systems">
            {move || filtered.get().into_iter().enumerate().map(|(i, item)| {
                let label = item.name.clone();
                let abbr = item.abbreviated.clone().filter(|a| *a != item.name);
                view! {
                    <li
                        id=format!("picker-option-{i}")
                        role="option"
                        class="picker-option"
                        aria-selected=move || (active.get() == i).to_string()
                        on:click=move |_| choose(i)
                        on:mousemove=move |_| set_active.set(i)
                    >
                        <SystemLogo name=item.name.clone() color=item.color.clone() size="sm"/>
                        <span class="picker-name">{label}</span>
                        {abbr.map(|a| view! { <span class="picker-abbr muted">{a}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Only an HR system's administrators can approve the access, so whoever got this far may need
/// to hand it on.
#[component]
fn AdminNeeded() -> impl IntoView {
    view! {
        <div class="notice notice--info">
            <p>
                <strong>"You'll need admin rights in your HR system."</strong>
                " Connecting asks your HR system to allow read-only access, which only its administrators can approve."
            </p>
            <details>
                <summary>"Not an admin there? Forward this to your HR system admin"</summary>
                <p class="forward-text" tabindex="0">{ADMIN_NOTE}</p>
            </details>
        </div>
    }
}
