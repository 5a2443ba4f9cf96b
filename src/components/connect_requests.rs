use leptos::prelude::*;

use crate::api::colleague::{ResendRequest, RevokeRequest};
use crate::domain::connect_invitation::{ConnectInvitationView, InvitationStatus};
use crate::error::AppError;

/// The requests to connect that admins sent to colleagues, newest first: to whom, for which
/// system, where each stands, and resend (a new link; the old one stops working) or withdraw
/// while it is unanswered. Shown once there is at least one. The page owns the list (a
/// resource created while rendering, not inside a suspended view, so hydration finds it) and
/// `refresh`, which a resend or withdrawal bumps.
#[component]
pub fn ConnectRequests(
    list: Resource<Result<Vec<ConnectInvitationView>, AppError>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let resend = ServerAction::<ResendRequest>::new();
    let revoke = ServerAction::<RevokeRequest>::new();
    Effect::new(move |_| {
        let resent = resend.value().get().is_some_and(|r| r.is_ok());
        let revoked = revoke.value().get().is_some_and(|r| r.is_ok());
        if resent || revoked {
            refresh.update(|r| *r += 1);
        }
    });
    let error = move || {
        resend
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| revoke.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => ().into_any(),
                    Ok(items) => view! {
                        <section class="card requests" aria-labelledby="requests-title">
                            <h2 id="requests-title" class="section-title section-title--first">"Requests to colleagues"</h2>
                            <p class="field-error" role="alert">{error}</p>
                            <ul class="request-list">
                                {items.into_iter().map(|r| view! { <RequestItem request=r resend revoke/> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn status_class(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::Connected => "status status--ok",
        InvitationStatus::Sent | InvitationStatus::Opened => "status status--info",
        InvitationStatus::Declined | InvitationStatus::Expired => "status status--warn",
        InvitationStatus::Revoked => "status status--muted",
    }
}

#[component]
fn RequestItem(
    request: ConnectInvitationView,
    resend: ServerAction<ResendRequest>,
    revoke: ServerAction<RevokeRequest>,
) -> impl IntoView {
    let id = request.id;
    let who = format!("{} ({})", request.invitee_name, request.invitee_email);
    let busy = move || resend.pending().get() || revoke.pending().get();
    view! {
        <li class="request-item">
            <div class="request-main">
                <p class="request-who">
                    <strong>{request.system.clone()}</strong>
                    " · " {who.clone()}
                </p>
                <p class="muted">
                    {format!("Sent by {} on {}", request.inviter_name, request.sent_at.format("%-d %b %Y"))}
                    {request.connection_id.map(|c| view! { " · " <a href=format!("/integrations/{c}")>"See the connection"</a> })}
                </p>
            </div>
            <span class=status_class(request.status)>{request.status_line()}</span>
            <div class="row-actions">
                {request.status.can_resend().then(|| view! {
                    <button type="button" class="button button--ghost button--small"
                        aria-label=format!("Resend the request to {who}")
                        disabled=busy
                        on:click=move |_| { resend.dispatch(ResendRequest { id }); }>
                        "Resend"
                    </button>
                })}
                {request.status.is_open().then(|| view! {
                    <button type="button" class="button button--ghost button--small button--danger-text"
                        aria-label=format!("Withdraw the request to {}", request.invitee_name)
                        disabled=busy
                        on:click=move |_| { revoke.dispatch(RevokeRequest { id }); }>
                        "Withdraw"
                    </button>
                })}
            </div>
        </li>
    }
}
