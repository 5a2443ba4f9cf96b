use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::components::system_logo::SystemLogo;
use crate::domain::field_policy::{BLOCKED, Consent, FIELDS, FieldGroup, Requirement};
use crate::domain::integration::CatalogueItem;

/// "&Open would like to access your …": what is requested and why, optional switches, and what
/// is never requested. Driven entirely by the field policy. With `proposed` (a colleague
/// answering an admin's request), optional fields outside the proposal stay off and locked:
/// they can narrow what is shared, never widen it. `on_ask` offers to hand the rest to a
/// colleague; `allow_label` renames the button that goes on.
#[component]
pub fn ConsentStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_allow: Callback<()>,
    on_decline: Callback<()>,
    #[prop(optional)] proposed: Option<Consent>,
    #[prop(optional)] on_ask: Option<Callback<()>>,
    #[prop(optional)] allow_label: Option<&'static str>,
) -> impl IntoView {
    let name = system.name.clone();
    let narrowing = proposed.is_some();
    let offered = move |key: &str| {
        proposed
            .as_ref()
            .is_none_or(|p| p.optional_on().any(|k| k == key))
    };
    view! {
        <div class="consent">
            <div class="consent-head">
                <span class="brand-mark" aria-hidden="true">"&"</span>
                <span class="consent-arrow" aria-hidden="true">"⟷"</span>
                <SystemLogo name=system.name.clone() color=system.color.clone()/>
            </div>
            <h3 class="consent-title" tabindex="-1" data-autofocus>"&Open would like to access your " {name.clone()}</h3>
            {if narrowing {
                view! {
                    <p class="muted">
                        "Read-only. Only what a gift needs is requested. You can switch off optional items that were asked for; items marked “Not requested” stay off."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="muted">
                        "Read-only. Only what a gift needs is requested; you can change the optional items now. "
                        <a href="/help/data" target="_blank">"Which data should I enable?"</a>
                    </p>
                }.into_any()
            }}
            {FieldGroup::ALL.iter().filter_map(|group| {
                let fields: Vec<_> = FIELDS.iter().filter(|f| f.group == *group).collect();
                (!fields.is_empty()).then(|| view! {
                    <fieldset class="consent-group">
                        <legend>{group.label()}</legend>
                        {fields.into_iter().map(|f| {
                            let key = f.key.as_str();
                            let required = f.requirement == Requirement::Required;
                            let locked = !required && !offered(key);
                            let id = format!("consent-{key}");
                            view! {
                                <div class="consent-field">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        disabled=required || locked
                                        prop:checked=move || required || (!locked && optional_on.with(|s| s.contains(key)))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            optional_on.update(|s| { if on { s.insert(key.to_owned()); } else { s.remove(key); } });
                                        }
                                    />
                                    <label for=id>
                                        <span class="consent-line">
                                            <span class="consent-label">{f.label}</span>
                                            {required.then(|| view! { <span class="tag">"Required"</span> })}
                                            {locked.then(|| view! { <span class="tag tag--muted">"Not requested"</span> })}
                                        </span>
                                        <span class="consent-purpose">{f.purpose}</span>
                                    </label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                })
            }).collect_view()}
            <details class="consent-blocked" open>
                <summary>"Never requested"</summary>
                <ul>
                    {BLOCKED.iter().map(|b| view! {
                        <li><span class="blocked-label">{b.label}</span>" — "<span class="muted">{b.reason}</span></li>
                    }).collect_view()}
                </ul>
            </details>
            <div class="button-row dialog-actions">
                {on_ask.map(|ask| view! {
                    <button type="button" class="button button--ghost consent-ask" on:click=move |_| ask.run(())>
                        "Ask a colleague to connect"
                    </button>
                })}
                <button type="button" class="button button--secondary" on:click=move |_| on_decline.run(())>"Decline"</button>
                <button type="button" class="button button--primary" on:click=move |_| on_allow.run(())>{allow_label.unwrap_or("Allow access")}</button>
            </div>
        </div>
    }
}
