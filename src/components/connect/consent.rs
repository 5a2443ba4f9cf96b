use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::components::system_logo::SystemLogo;
use crate::domain::field_policy::{BLOCKED, FIELDS, FieldGroup, Requirement};
use crate::domain::integration::CatalogueItem;

/// "&Open would like to access your …": what is requested and why, optional switches, and what
/// is never requested. Driven entirely by the field policy.
#[component]
pub fn ConsentStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_allow: Callback<()>,
    on_decline: Callback<()>,
) -> impl IntoView {
    let name = system.name.clone();
    view! {
        <div class="consent">
            <div class="consent-head">
                <span class="brand-mark" aria-hidden="true">"&"</span>
                <span class="consent-arrow" aria-hidden="true">"⟷"</span>
                <SystemLogo name=system.name.clone() color=system.color.clone()/>
            </div>
            <h3 class="consent-title" tabindex="-1" data-autofocus>"&Open would like to access your " {name.clone()}</h3>
            <p class="muted">
                "Read-only. Only what a gift needs is requested; you can change the optional items now. "
                <a href="/help/data" target="_blank">"Which data should I enable?"</a>
            </p>
            {FieldGroup::ALL.iter().filter_map(|group| {
                let fields: Vec<_> = FIELDS.iter().filter(|f| f.group == *group).collect();
                (!fields.is_empty()).then(|| view! {
                    <fieldset class="consent-group">
                        <legend>{group.label()}</legend>
                        {fields.into_iter().map(|f| {
                            let key = f.key.as_str();
                            let required = f.requirement == Requirement::Required;
                            let id = format!("consent-{key}");
                            view! {
                                <div class="consent-field">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        disabled=required
                                        prop:checked=move || required || optional_on.with(|s| s.contains(key))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            optional_on.update(|s| { if on { s.insert(key.to_owned()); } else { s.remove(key); } });
                                        }
                                    />
                                    <label for=id>
                                        <span class="consent-line">
                                            <span class="consent-label">{f.label}</span>
                                            {required.then(|| view! { <span class="tag">"Required"</span> })}
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
                <button type="button" class="button button--secondary" on:click=move |_| on_decline.run(())>"Decline"</button>
                <button type="button" class="button button--primary" on:click=move |_| on_allow.run(())>"Allow access"</button>
            </div>
        </div>
    }
}
