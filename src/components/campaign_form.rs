use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::form_state::{Errors, field_error, field_invalid, write_draft};
use crate::domain::campaign::{CURRENCIES, CampaignDraft, MAX_NAME, MAX_NOTES, OCCASIONS};
use crate::error::AppError;

/// The campaign form, for a new campaign and for editing one. The shared validator checks it
/// before it is sent; an error the server finds lands next to its field, and nothing typed is
/// lost.
#[component]
pub fn CampaignForm(
    initial: CampaignDraft,
    submit_label: &'static str,
    pending: Signal<bool>,
    /// The server's answer to the last submit.
    result: Signal<Option<Result<(), AppError>>>,
    on_submit: Callback<CampaignDraft>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let draft = RwSignal::new(initial);
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let form_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Err(err)) = result.get() {
            match &err {
                AppError::Invalid {
                    field: Some(f),
                    message,
                } => errors.update(|e| {
                    e.insert(f.clone(), message.clone());
                }),
                other => form_error.set(Some(other.to_string())),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let d = draft.get_untracked();
        match d.validate() {
            Ok(_) => {
                errors.set(BTreeMap::new());
                on_submit.run(d);
            }
            Err(found) => errors.set(found.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        }
    };
    let error = move |key| field_error(errors, key);
    let invalid = move |key| field_invalid(errors, key);
    let edit = move |f| write_draft(draft, f);
    view! {
        <form class="form campaign-form" on:submit=submit novalidate>
            <div class="field">
                <label for="campaign-name">"Name"</label>
                <input id="campaign-name" type="text" maxlength=MAX_NAME.to_string() autocomplete="off"
                    placeholder="e.g. Q3 welcome gifts"
                    aria-invalid=invalid("name") aria-describedby="campaign-name-error"
                    prop:value=move || draft.with(|d| d.name.clone())
                    on:input=edit(|d, v| d.name = v)/>
                <p class="field-error" id="campaign-name-error" aria-live="polite">{error("name")}</p>
            </div>
            <OccasionField draft errors/>
            <BudgetField draft errors/>
            <div class="field">
                <label for="campaign-notes">"Notes " <span class="muted">"(optional)"</span></label>
                <textarea id="campaign-notes" rows="3" maxlength=MAX_NOTES.to_string()
                    aria-invalid=invalid("notes") aria-describedby="campaign-notes-error"
                    prop:value=move || draft.with(|d| d.notes.clone())
                    on:input=edit(|d, v| d.notes = v)></textarea>
                <p class="field-error" id="campaign-notes-error" aria-live="polite">{error("notes")}</p>
            </div>
            <div class="form-error" role="alert">{move || form_error.get().map(|e| view! { <p>{e}</p> })}</div>
            <div class="button-row">
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="button button--secondary" disabled=pending on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
                <button type="submit" class="button button--primary" disabled=pending aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Saving…" } else { submit_label }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn OccasionField(draft: RwSignal<CampaignDraft>, errors: Errors) -> impl IntoView {
    view! {
        <div class="field">
            <label for="campaign-occasion">"Occasion"</label>
            <select id="campaign-occasion" aria-invalid=field_invalid(errors, "occasion") aria-describedby="campaign-occasion-error"
                on:change=write_draft(draft, |d, v| d.occasion = v)>
                <option value="" selected=move || draft.with(|d| d.occasion.is_empty())>"Choose an occasion"</option>
                {OCCASIONS.iter().map(|o| view! {
                    <option value=*o selected=move || draft.with(|d| d.occasion == *o)>{*o}</option>
                }).collect_view()}
            </select>
            <p class="field-error" id="campaign-occasion-error" aria-live="polite">{field_error(errors, "occasion")}</p>
        </div>
    }
}

/// The amount, after its currency; pounds unless another is chosen.
#[component]
fn BudgetField(draft: RwSignal<CampaignDraft>, errors: Errors) -> impl IntoView {
    view! {
        <div class="field">
            <label for="campaign-budget">"Budget per person " <span class="muted">"(optional)"</span></label>
            <div class="input-group budget-group">
                <select aria-label="Currency" on:change=write_draft(draft, |d, v| d.currency = v)>
                    {CURRENCIES.iter().map(|(code, symbol)| view! {
                        <option value=*code selected=move || draft.with(|d| d.currency == *code || (d.currency.is_empty() && *code == "GBP"))>
                            {format!("{symbol} {code}")}
                        </option>
                    }).collect_view()}
                </select>
                <input id="campaign-budget" type="text" inputmode="decimal" autocomplete="off" placeholder="25.00"
                    aria-invalid=field_invalid(errors, "budget") aria-describedby="campaign-budget-error"
                    prop:value=move || draft.with(|d| d.budget.clone())
                    on:input=write_draft(draft, |d, v| d.budget = v)/>
            </div>
            <p class="field-error" id="campaign-budget-error" aria-live="polite">{field_error(errors, "budget")}</p>
        </div>
    }
}
