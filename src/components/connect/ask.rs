use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use super::credentials::focus_by_id;
use crate::api::colleague::ask_colleague;
use crate::domain::connect_invitation::{ConnectRequestDraft, LINK_DAYS};
use crate::domain::integration::CatalogueItem;

/// "Ask a colleague to connect": who should finish connecting this system, and a note for them.
/// The optional fields switched on at the consent step go with it as the proposal. Checked with
/// the same validator in the browser and on the server; errors sit next to their field.
#[component]
pub fn AskStep(
    system: CatalogueItem,
    optional_on: RwSignal<BTreeSet<String>>,
    on_sent: Callback<String>,
    on_back: Callback<()>,
) -> impl IntoView {
    let draft = RwSignal::new(ConnectRequestDraft::default());
    let errors = RwSignal::new(BTreeMap::<&'static str, String>::new());
    let slug = system.slug.clone();
    let send = Action::new(move |draft: &ConnectRequestDraft| {
        let (slug, draft) = (slug.clone(), draft.clone());
        let optional = optional_on.get_untracked().into_iter().collect::<Vec<_>>();
        async move { ask_colleague(slug, optional, draft).await }
    });
    let pending = send.pending();
    let form_error = RwSignal::new(None::<String>);
    Effect::new(move |_| match send.value().get() {
        Some(Ok(_)) => on_sent.run(draft.get_untracked().name.trim().to_owned()),
        Some(Err(e)) => {
            let field = ["name", "email", "message"]
                .into_iter()
                .find_map(|f| e.field_message(f).map(|m| (f, m)));
            match field {
                Some((f, m)) => errors.update(|es| {
                    es.insert(f, m);
                }),
                None => form_error.set(Some(e.to_string())),
            }
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        match draft.get_untracked().validate() {
            Ok(_) => {
                errors.set(BTreeMap::new());
                send.dispatch(draft.get_untracked());
            }
            Err(e) => {
                errors.set(BTreeMap::from([(e.field(), e.to_string())]));
                focus_by_id(&format!("ask-{}", e.field()));
            }
        }
    };
    // A field with an error is checked again as it is typed, so the error goes once fixed.
    let recheck = move |key: &'static str| {
        if errors.with_untracked(|e| e.contains_key(key)) {
            let problem = draft.with_untracked(|d| d.problem_with(key));
            errors.update(|es| match problem {
                Some(p) => {
                    es.insert(key, p.to_string());
                }
                None => {
                    es.remove(key);
                }
            });
        }
    };
    let name = system.name.clone();
    let field = move |key: &'static str| {
        (
            move || errors.with(|e| e.get(key).cloned()),
            move || errors.with(|e| e.contains_key(key)).to_string(),
        )
    };
    let (name_error, name_invalid) = field("name");
    let (email_error, email_invalid) = field("email");
    let (message_error, message_invalid) = field("message");
    view! {
        <form class="form ask-form" on:submit=submit novalidate>
            <h3 tabindex="-1" data-autofocus>"Who should connect " {name.clone()} "?"</h3>
            <p class="muted">
                "They get an email with a link that works for " {LINK_DAYS} " days, without an account here. "
                "It shows them what you chose to share; they can switch optional items off but not add any, "
                "then enter " {name.clone()} "'s details or decline. We'll email you either way."
            </p>
            <div class="field">
                <label for="ask-name">"Their name"</label>
                <input id="ask-name" type="text" autocomplete="off" maxlength="200"
                    aria-invalid=name_invalid aria-describedby="ask-name-error"
                    prop:value=move || draft.with(|d| d.name.clone())
                    on:input=move |ev| { draft.update(|d| d.name = event_target_value(&ev)); recheck("name"); }/>
                <p class="field-error" id="ask-name-error" aria-live="polite">{name_error}</p>
            </div>
            <div class="field">
                <label for="ask-email">"Their work email"</label>
                <input id="ask-email" type="email" autocomplete="off" maxlength="254"
                    aria-invalid=email_invalid aria-describedby="ask-email-error"
                    prop:value=move || draft.with(|d| d.email.clone())
                    on:input=move |ev| { draft.update(|d| d.email = event_target_value(&ev)); recheck("email"); }/>
                <p class="field-error" id="ask-email-error" aria-live="polite">{email_error}</p>
            </div>
            <div class="field">
                <label for="ask-message">"Message " <span class="muted">"(optional)"</span></label>
                <textarea id="ask-message" rows="3" maxlength="1000"
                    aria-invalid=message_invalid aria-describedby="ask-message-hint ask-message-error"
                    prop:value=move || draft.with(|d| d.message.clone())
                    on:input=move |ev| { draft.update(|d| d.message = event_target_value(&ev)); recheck("message"); }></textarea>
                <p class="field-hint" id="ask-message-hint">"Why you're asking, and anything they should know."</p>
                <p class="field-error" id="ask-message-error" aria-live="polite">{message_error}</p>
            </div>
            <div class="form-error" role="alert">{move || form_error.get().map(|e| view! { <p>{e}</p> })}</div>
            <div class="button-row dialog-actions">
                <button type="button" class="button button--secondary" disabled=pending on:click=move |_| on_back.run(())>"Back"</button>
                <button type="submit" class="button button--primary" disabled=pending aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Sending…" } else { "Send request" }}
                </button>
            </div>
        </form>
    }
}
