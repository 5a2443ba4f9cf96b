use std::collections::BTreeSet;
use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::colleague::{
    DeclineRequest, complete_requested_link, open_request, request_seen, requested_progress,
};
use crate::components::auth_card::AuthCard;
use crate::components::connect::consent::ConsentStep;
use crate::components::connect::credentials::{CredentialsStep, remembered_request_link};
use crate::components::sync_progress::SyncProgressBar;
use crate::components::ticker::use_ticker;
use crate::domain::connect_invitation::{
    COMMON_REASONS, ConnectRequestPage, ConnectedProgress, MAX_REASON,
};
use crate::domain::integration::Phase;
use crate::error::AppError;
use crate::pages::help_guide::Permissions;
use crate::pages::linked::link_return;

/// The page a colleague's link opens, without an account: who asks and why, the consent
/// (narrow only), the system's details or sign-in, then the first sync, live. Or decline.
#[component]
pub fn ConnectRequestPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let request = Resource::new(token, open_request);
    view! {
        <Title text="Connect an HR system"/>
        <AuthCard wide=true>
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening the request…"</p> }>
                {move || Suspend::new(async move {
                    match request.await {
                        Ok(page) => view! { <Request page token=token()/> }.into_any(),
                        Err(e) => view! { <LinkRefused error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </AuthCard>
    }
}

#[component]
fn LinkRefused(error: AppError) -> impl IntoView {
    view! {
        <h1>"This link can't be used"</h1>
        <p class="notice notice--danger" role="alert">{error.to_string()}</p>
    }
}

#[derive(Clone, PartialEq)]
enum Step {
    Consent,
    Details,
    Progress(ConnectedProgress),
    Decline,
    Declined,
}

#[component]
fn Request(page: ConnectRequestPage, token: String) -> impl IntoView {
    let optional_on: RwSignal<BTreeSet<String>> =
        RwSignal::new(page.proposed.optional_on().map(str::to_owned).collect());
    let step = RwSignal::new(Step::Consent);
    // Effects run only in the browser: a mail scanner fetching the link does not count.
    let seen_token = token.clone();
    Effect::new(move |_| {
        let token = seen_token.clone();
        leptos::task::spawn_local(async move {
            let _ = request_seen(token).await;
        });
    });
    // Each step puts focus where its work starts, as the connect dialog does.
    Effect::new(move |prev: Option<()>| {
        step.track();
        if prev.is_some() {
            request_animation_frame(|| {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(Some(el)) = document().query_selector(".request-card [data-autofocus]")
                    && let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>()
                {
                    let _ = el.focus();
                }
            });
        }
    });
    let system = page.system.clone();
    let name = system.name.clone();
    let help_name = name.clone();
    let expires = format!(
        "This link works until {}.",
        page.expires_at.format("%-d %B %Y, %H:%M UTC")
    );
    view! {
        <h1>{format!("Connect {} for {}", name, page.company)}</h1>
        <p>
            {format!("{} asked you, {}, to connect {} to &Open, which {} uses to send gifts to colleagues. No account is needed.",
                page.inviter_name, page.invitee_name, name, page.company)}
        </p>
        {(!page.message.is_empty()).then(|| view! {
            <blockquote class="invitation-message">
                <p class="muted">{format!("{} wrote:", page.inviter_name)}</p>
                <p>{page.message.clone()}</p>
            </blockquote>
        })}
        {move || step.with(|s| matches!(s, Step::Consent | Step::Details)).then(|| view! {
            <details class="request-help">
                <summary>{format!("Which data to enable in {help_name}")}</summary>
                <Permissions name=help_name.clone()/>
                <p>"Only the items you allow are read, and only read. Pay, home addresses, dates of birth and the like are never requested."</p>
            </details>
        })}
        {move || match step.get() {
            Step::Consent => view! {
                <ConsentStep
                    system=system.clone()
                    optional_on
                    proposed=page.proposed.clone()
                    on_allow=Callback::new(move |_| step.set(Step::Details))
                    on_decline=Callback::new(move |_| step.set(Step::Decline))
                    allow_label="Allow and continue"
                />
            }.into_any(),
            Step::Details => view! {
                <CredentialsStep
                    system=system.clone()
                    optional_on
                    request=token.clone()
                    on_requested=Callback::new(move |p| step.set(Step::Progress(p)))
                    on_back=Callback::new(move |_| step.set(Step::Consent))
                />
            }.into_any(),
            Step::Progress(p) => view! { <RequestProgress token=token.clone() first=p/> }.into_any(),
            Step::Decline => view! {
                <DeclineForm token=token.clone() inviter=page.inviter_name.clone()
                    on_declined=Callback::new(move |_| step.set(Step::Declined))
                    on_back=Callback::new(move |_| step.set(Step::Consent))/>
            }.into_any(),
            Step::Declined => view! {
                <div role="status">
                    <h2 tabindex="-1" data-autofocus>"You declined this request"</h2>
                    <p>{format!("We've told {}. Nothing was connected, and this link no longer works. You can close this page.", page.inviter_name)}</p>
                </div>
            }.into_any(),
        }}
        {move || step.with(|s| matches!(s, Step::Consent | Step::Details | Step::Decline)).then(|| view! {
            <p class="muted request-expiry">{expires.clone()}</p>
        })}
    }
}

/// Declining, with one of the usual reasons or a typed one.
#[component]
fn DeclineForm(
    token: String,
    inviter: String,
    on_declined: Callback<()>,
    on_back: Callback<()>,
) -> impl IntoView {
    let decline = ServerAction::<DeclineRequest>::new();
    let reason = RwSignal::new(String::new());
    Effect::new(move |_| {
        if decline.value().get().is_some_and(|r| r.is_ok()) {
            on_declined.run(());
        }
    });
    let error = move || {
        decline
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let pending = decline.pending();
    view! {
        <form class="form decline-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            decline.dispatch(DeclineRequest { token: token.clone(), reason: reason.get_untracked() });
        }>
            <h2 tabindex="-1" data-autofocus>"Decline this request"</h2>
            <p class="muted">{format!("{inviter} will be emailed that you declined, with your reason.")}</p>
            <fieldset class="reason-choices">
                <legend>"Reason"</legend>
                {COMMON_REASONS.iter().enumerate().map(|(i, r)| {
                    let id = format!("reason-{i}");
                    view! {
                        <div class="radio-line">
                            <input type="radio" name="reason-choice" id=id.clone()
                                prop:checked=move || reason.with(|v| v == r)
                                on:change=move |_| reason.set((*r).to_owned())/>
                            <label for=id>{*r}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field">
                <label for="decline-reason">"Or in your own words " <span class="muted">"(optional)"</span></label>
                <textarea id="decline-reason" rows="3" maxlength=MAX_REASON
                    aria-describedby="decline-error"
                    prop:value=reason
                    on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                <p class="field-error" id="decline-error" role="alert">{error}</p>
            </div>
            <div class="button-row dialog-actions">
                <button type="button" class="button button--secondary" disabled=pending on:click=move |_| on_back.run(())>"Back"</button>
                <button type="submit" class="button button--danger" disabled=pending>
                    {move || if pending.get() { "Declining…" } else { "Decline" }}
                </button>
            </div>
        </form>
    }
}

/// The first sync of the connection the colleague just made, refreshed until it ends.
#[component]
fn RequestProgress(token: String, first: ConnectedProgress) -> impl IntoView {
    let latest = RwSignal::new(first);
    let tick = use_ticker(Duration::from_millis(1500));
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        tick.track();
        let running =
            latest.with_untracked(|p| p.progress.as_ref().is_none_or(|s| s.phase.is_running()));
        if running && !asking.get_untracked() {
            asking.set(true);
            let token = token.clone();
            leptos::task::spawn_local(async move {
                if let Ok(p) = requested_progress(token).await {
                    latest.set(p);
                }
                asking.set(false);
            });
        }
    });
    view! {
        <div class="progress-step" aria-live="polite">
            {move || {
                let p = latest.get();
                let phase = p.progress.as_ref().map(|s| s.phase);
                let title = match phase {
                    Some(Phase::Ready) => format!("{} is connected", p.system),
                    Some(Phase::Failed) => "The first sync did not finish".to_owned(),
                    _ => format!("Connecting {}", p.system),
                };
                view! {
                    <h2 tabindex="-1" data-autofocus>{title}</h2>
                    {p.progress.clone().map(|s| view! { <SyncProgressBar progress=s/> })}
                    <p class="muted">{match phase {
                        Some(Phase::Ready) => format!("Done, thank you. {} has been emailed a summary. You can close this page.", p.inviter_name),
                        Some(Phase::Failed) => format!("The connection is made; {} has been emailed what happened and can retry from their side.", p.inviter_name),
                        _ => format!("You can close this page: the sync carries on, and {} will be emailed when it's done.", p.inviter_name),
                    }}</p>
                }
            }}
        </div>
    }
}

/// Where Merge Link brings a colleague back after signing in to an OAuth system.
#[component]
pub fn ConnectRequestLinkedPage() -> impl IntoView {
    let params = link_return();
    // The link waited in this tab's storage while Merge Link had the colleague; it is read in
    // the browser only, so the server renders the waiting state.
    let token = RwSignal::new(None::<String>);
    Effect::new(move |_| token.set(remembered_request_link()));
    let result = Resource::new(
        move || (token.get(), params()),
        |(token, (pending, public_token, exited))| async move {
            match (token, pending, public_token, exited) {
                (_, _, _, true) => Some(Err(
                    "You left the sign-in page before finishing. Nothing was connected; open the link from the email again to retry.".to_owned(),
                )),
                (None, ..) => None,
                (Some(t), Some(p), Some(pt), false) => {
                    Some(complete_requested_link(t, p, pt).await.map_err(|e| e.to_string()))
                }
                _ => Some(Err("This address is incomplete. Open the link from the email again.".to_owned())),
            }
        },
    );
    view! {
        <Title text="Connecting"/>
        <AuthCard wide=true>
            <Transition fallback=|| view! { <p class="muted" role="status">"Finishing the connection…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        None => view! { <p class="muted" role="status">"Finishing the connection…"</p> }.into_any(),
                        Some(Ok(first)) => {
                            let t = token.get_untracked().unwrap_or_default();
                            view! { <RequestProgress token=t first/> }.into_any()
                        }
                        Some(Err(message)) => view! {
                            <h1>"The connection was not finished"</h1>
                            <p class="notice notice--danger" role="alert">{message}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </AuthCard>
    }
}
