use leptos::prelude::*;
use uuid::Uuid;

use crate::api::campaigns::{explain_absence, find_anyone};
use crate::components::recipients::{shown_suggestions, suggestions};

/// "Why isn't someone in the list?": find anyone in the HR data, leavers included, and read
/// every reason they are not a recipient of this campaign.
#[component]
pub fn WhyNotPanel(campaign: Uuid) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let found = suggestions(typed, find_anyone);
    let answer = Resource::new(
        move || chosen.get(),
        move |key| async move {
            match key {
                Some(k) => Some(explain_absence(campaign, k).await),
                None => None,
            }
        },
    );
    view! {
        <details class="card why-not">
            <summary>"Why isn't someone in the list?"</summary>
            <div class="field">
                <label for="why-search">"Find a person"</label>
                <input id="why-search" type="search" autocomplete="off" placeholder="Name or work email, leavers included"
                    prop:value=typed on:input=move |ev| { typed.set(event_target_value(&ev)); chosen.set(None); }/>
            </div>
            <ul class="suggestions" aria-label="People found">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        shown_suggestions(found.await.unwrap_or_default(), move |p| {
                            let email = p.work_email.unwrap_or_else(|| "no work email".into());
                            view! {
                                <li>
                                    <button type="button" class="suggestion" on:click=move |_| chosen.set(Some(p.key.clone()))>
                                        <strong>{p.name}</strong>
                                        <span class="muted">{p.job_title.map(|t| format!(" · {t}"))}</span>
                                        <span class="muted suggestion-meta">{format!("{email} · {}", p.source)}</span>
                                    </button>
                                </li>
                            }
                        })
                    })}
                </Transition>
            </ul>
            <Transition fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match answer.await {
                        None => ().into_any(),
                        Some(Err(e)) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                        Some(Ok(w)) => view! {
                            <div class="why-answer" role="status">
                                <p><strong>{w.name.clone()}</strong>
                                    {if w.included { " is in this campaign's list." } else { " is not in this campaign's list:" }}
                                </p>
                                <ul>{w.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
}
