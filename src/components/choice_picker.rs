use leptos::prelude::*;

/// One choice of a [`ChoicePicker`].
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The filter values it stands for (a team present in several HR systems is several).
    pub values: Vec<String>,
    pub label: String,
    /// Said after the label: where it sits, which HR systems, a code.
    pub detail: Option<String>,
    /// When only some of `values` are chosen (a link from before they were one choice), what
    /// tells each apart, in the order of `values`; empty when the values never come apart.
    pub value_details: Vec<String>,
    /// The heading it is listed under; choices of one group come together.
    pub group: Option<String>,
    /// What typed text is looked for in, in lower case.
    pub search: String,
}

/// How many matching choices the list shows; typing more narrows it down. Few enough that the
/// list needs no scrolling of its own.
const SHOWN: usize = 10;

/// A filter of many choices that a native select would bury (hundreds of teams, every country):
/// type part of a name, then choose with the mouse or the arrow keys and Enter. Chosen ones are
/// chips with a remove button, under the box so that the boxes of a row of filters stay in line;
/// several combine with OR. Focus stays in the box after choosing, so the filter bar is where
/// keyboard users left it.
#[component]
pub fn ChoicePicker(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    /// The filter's noun: "Remove Sales from the team filter", "No team matches".
    noun: &'static str,
    choices: Vec<Choice>,
    chosen: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
) -> impl IntoView {
    let choices = StoredValue::new(choices);
    let input = NodeRef::<leptos::html::Input>::new();
    view! {
        <div class="field choice-picker">
            <label for=id>{label}</label>
            <ChoiceSearch id label placeholder noun choices chosen on_change input/>
            <ChosenChips label noun choices chosen on_change input/>
        </div>
    }
}

fn option_id(id: &str, i: usize) -> String {
    format!("{id}-option-{i}")
}

fn refocus(input: NodeRef<leptos::html::Input>) {
    if let Some(el) = input.get_untracked() {
        let _ = el.focus();
    }
}

/// The box and the list of choices that opens under it as a name is typed.
#[component]
fn ChoiceSearch(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    noun: &'static str,
    choices: StoredValue<Vec<Choice>>,
    chosen: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
    input: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let found = Memo::new(move |_| {
        let t = typed.with(|t| t.trim().to_lowercase());
        if t.is_empty() {
            return Vec::new();
        }
        choices.with_value(|all| {
            all.iter()
                .filter(|c| c.search.contains(&t))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let choose = Callback::new(move |c: Choice| {
        let mut values = chosen.get_untracked();
        for v in c.values {
            if !values.contains(&v) {
                values.push(v);
            }
        }
        typed.set(String::new());
        on_change.run(values);
        refocus(input);
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = found.with(|f| f.len().min(SHOWN));
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1).min(n - 1));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if n > 0 => {
                ev.prevent_default();
                if let Some(c) = found.with(|f| f.get(active.get_untracked()).cloned()) {
                    choose.run(c);
                }
            }
            "Escape" => typed.set(String::new()),
            _ => {}
        }
    };
    let open = move || !typed.with(|t| t.trim().is_empty());
    let listed = move || open() && found.with(|f| !f.is_empty());
    view! {
        <div class="popover-anchor">
            <input node_ref=input id=id type="search" role="combobox" autocomplete="off" placeholder=placeholder
                aria-autocomplete="list" aria-controls=format!("{id}-list")
                aria-expanded=move || listed().to_string()
                aria-activedescendant=move || listed().then(|| option_id(id, active.get()))
                prop:value=typed
                on:input=move |ev| {
                    typed.set(event_target_value(&ev));
                    active.set(0);
                    if let Some(el) = input.get_untracked() {
                        keep_list_in_view(&el);
                    }
                }
                on:keydown=on_key/>
            <div class="popover" hidden=move || !open()>
                <ChoiceList id label noun typed found active choose/>
            </div>
        </div>
    }
}

/// The first [`SHOWN`] matches, under their group's heading, and a line on the rest.
#[component]
fn ChoiceList(
    id: &'static str,
    label: &'static str,
    noun: &'static str,
    typed: RwSignal<String>,
    found: Memo<Vec<Choice>>,
    active: RwSignal<usize>,
    choose: Callback<Choice>,
) -> impl IntoView {
    let list_id = format!("{id}-list");
    view! {
        {move || found.with(|f| !f.is_empty()).then(|| view! {
            <ul id=list_id.clone() role="listbox" class="options-list" aria-label=label>
                {move || {
                    let mut last_group: Option<String> = None;
                    found.get().into_iter().take(SHOWN).enumerate().map(|(i, c)| {
                        let heading = (c.group.is_some() && c.group != last_group).then(|| c.group.clone()).flatten();
                        last_group = c.group.clone();
                        let c2 = c.clone();
                        view! {
                            {heading.map(|g| view! { <li role="presentation" class="options-heading">{g}</li> })}
                            <li id=option_id(id, i) role="option" class="options-item"
                                aria-selected=move || (active.get() == i).to_string()
                                on:mousemove=move |_| active.set(i)
                                on:click=move |_| choose.run(c2.clone())>
                                <span class="options-label">{c.label}</span>
                                {c.detail.map(|d| view! { <span class="options-detail">{d}</span> })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        })}
        <p class="options-note muted" aria-live="polite">
            {move || match found.with(Vec::len) {
                0 => format!("No {noun} matches \u{201c}{}\u{201d}.", typed.get().trim()),
                n if n > SHOWN => format!("{n} match; the first {SHOWN} are listed. Type more of the name."),
                _ => String::new(),
            }}
        </p>
    }
}

/// Each choice with any of its values chosen is a chip; one chosen only in part (a link naming
/// one system's team of a name several systems share) says which part. Also how many chosen
/// values no choice lists any more.
fn chips_of(all: &[Choice], values: &[String]) -> (Vec<(Choice, Option<String>)>, usize) {
    let chips: Vec<(Choice, Option<String>)> = all
        .iter()
        .filter_map(|c| {
            let parts: Vec<usize> = (0..c.values.len())
                .filter(|&i| values.contains(&c.values[i]))
                .collect();
            if parts.is_empty() {
                return None;
            }
            let detail = if parts.len() == c.values.len() {
                c.detail.clone()
            } else {
                let mut which: Vec<&str> = parts
                    .iter()
                    .filter_map(|&i| c.value_details.get(i).map(String::as_str))
                    .collect();
                which.dedup();
                Some(format!("only {}", which.join(", ")))
            };
            Some((c.clone(), detail))
        })
        .collect();
    let unlisted = values
        .iter()
        .filter(|v| !chips.iter().any(|(c, _)| c.values.contains(v)))
        .count();
    (chips, unlisted)
}

#[component]
fn ChosenChips(
    label: &'static str,
    noun: &'static str,
    choices: StoredValue<Vec<Choice>>,
    chosen: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
    input: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let picked =
        Memo::new(move |_| chosen.with(|values| choices.with_value(|all| chips_of(all, values))));
    let remove = move |c: Choice| {
        let mut values = chosen.get_untracked();
        values.retain(|v| !c.values.contains(v));
        on_change.run(values);
        refocus(input);
    };
    move || {
        let (chips, unlisted) = picked.get();
        (!chips.is_empty() || unlisted > 0).then(|| view! {
            <ul class="chip-row" aria-label=format!("Chosen: {label}")>
                {chips.into_iter().map(|(c, detail)| {
                    let name = c.label.clone();
                    view! {
                        <li class="chip">
                            <span>{name.clone()}{detail.map(|d| view! { <span class="chip-detail">" · " {d}</span> })}</span>
                            <button type="button" class="chip-remove" aria-label=format!("Remove {name} from the {noun} filter")
                                on:click=move |_| remove(c.clone())>"×"</button>
                        </li>
                    }
                }).collect_view()}
                {(unlisted > 0).then(|| view! {
                    <li class="chip">
                        {format!("{unlisted} no longer listed")}
                        <button type="button" class="chip-remove" aria-label=format!("Remove what is no longer listed from the {noun} filter")
                            on:click=move |_| {
                                let listed: Vec<String> = chosen.get_untracked().into_iter()
                                    .filter(|v| picked.with_untracked(|(chips, _)| chips.iter().any(|(c, _)| c.values.contains(v))))
                                    .collect();
                                on_change.run(listed);
                                refocus(input);
                            }>"×"</button>
                    </li>
                })}
            </ul>
        })
    }
}

/// Scrolls a search box towards the top of the window when the list opening below it would
/// end below the fold (on a phone, the filter bar is lower than the screen is tall).
pub fn keep_list_in_view(input: &leptos::web_sys::HtmlInputElement) {
    #[cfg(feature = "hydrate")]
    {
        let below = input.get_bounding_client_rect().bottom();
        let height = window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(f64::MAX);
        if height - below < LIST_HEIGHT_PX {
            input.scroll_into_view_with_bool(true);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = input;
}

/// About the height of a full list of choices under its box (`SHOWN` of them).
#[cfg(feature = "hydrate")]
const LIST_HEIGHT_PX: f64 = 320.0;
