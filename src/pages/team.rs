use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::api::team::{
    ChangeRole, Invite, RemovePerson, ResendInvitation, RevokeInvitation, team,
};
use crate::components::page_header::PageHeader;
use crate::components::shell::UserResource;
use crate::domain::role::Role;
use crate::domain::team::{InvitationDraft, PendingInvitation, TeamMember, TeamView};
use crate::error::AppError;

/// The account's people, their roles and pending invitations. Admins invite, change roles and
/// remove people; campaign managers see who is on the team.
#[component]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<Invite>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemovePerson>::new();
    let versions = move || {
        (
            invite.version().get(),
            resend.version().get(),
            revoke.version().get(),
            role.version().get(),
            remove.version().get(),
        )
    };
    let view_data = Resource::new(versions, |_| team());
    let me = expect_context::<UserResource>();
    let sent_to = RwSignal::new(None::<String>);
    let actions = TeamActions {
        resend,
        revoke,
        role,
        remove,
    };
    // The last thing done, announced politely; failures are announced as alerts.
    let last_error = move || {
        [
            resend.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            role.value().get().and_then(|r| r.err()),
            remove.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <Title text="Team"/>
        <PageHeader title="Team" description="The people who can sign in to your company's HR Connectors account.">
            // From the session, not the team listing: the listing reloads after every change,
            // and the invite dialog (and its "sent" notice) must outlive that.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().filter(|u| u.role == Role::Admin).map(|_| view! { <InviteButton invite sent_to/> })
                })}
            </Transition>
        </PageHeader>
        <div role="status">
            {move || sent_to.get().map(|e| view! {
                <p class="notice notice--ok invite-sent">{format!("Invitation sent to {e}. The link works for 7 days.")}</p>
            })}
        </div>
        <div class="form-error" role="alert">{move || last_error().map(|e| view! { <p>{e.to_string()}</p> })}</div>
        <p class="sr-only" role="status">
            {move || resend.value().get().filter(|r| r.is_ok()).map(|_| "A new invitation link was sent; the previous one no longer works.")}
            {move || revoke.value().get().filter(|r| r.is_ok()).map(|_| "The invitation was revoked.")}
            {move || role.value().get().filter(|r| r.is_ok()).map(|_| "The role was changed.")}
            {move || remove.value().get().filter(|r| r.is_ok()).map(|_| "The person was removed and signed out.")}
        </p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the team…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(t) => view! { <TeamTables team=t actions/> }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct TeamActions {
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    role: ServerAction<ChangeRole>,
    remove: ServerAction<RemovePerson>,
}

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| t.format("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "Never".to_owned())
}

#[component]
fn TeamTables(team: TeamView, actions: TeamActions) -> impl IntoView {
    let manage = team.can_manage;
    let invitations = team.invitations.clone();
    view! {
        {(!manage).then(|| view! {
            <p class="notice notice--info">"Only admins can invite people or change the team. Ask an admin if someone is missing."</p>
        })}
        {manage.then(|| view! {
            <p class="muted">
                "Signing in with your company's identity provider? "
                <a href="/team/sso">"Set up single sign-on"</a>
            </p>
        })}
        <section aria-labelledby="members-title" class="card">
            <h2 id="members-title" class="section-title section-title--first">{format!("People ({})", team.members.len())}</h2>
            <div class="table-wrap">
                <table class="data-table team-table">
                    <thead><tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Last signed in"</th>
                        {manage.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                    </tr></thead>
                    <tbody>
                        {team.members.into_iter().map(|m| view! { <MemberRow member=m manage actions/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="invitations-title" class="card">
            <h2 id="invitations-title" class="section-title section-title--first">{format!("Pending invitations ({})", invitations.len())}</h2>
            {if invitations.is_empty() {
                view! { <p class="muted">"No invitations are waiting to be accepted."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table team-table">
                            <thead><tr>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Sent"</th>
                                {manage.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                            </tr></thead>
                            <tbody>
                                {invitations.into_iter().map(|i| view! { <InvitationRow invitation=i manage actions/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn MemberRow(member: TeamMember, manage: bool, actions: TeamActions) -> impl IntoView {
    let id = member.user_id;
    let select_id = format!("role-{id}");
    let name = member.name.clone();
    let saved = member.role;
    let select = NodeRef::<html::Select>::new();
    let asked = RwSignal::new(false);
    // A refused change (the last admin) puts the choice back to what is saved.
    Effect::new(move |_| {
        let Some(result) = actions.role.value().get() else {
            return;
        };
        if !asked.get_untracked() || actions.role.pending().get() {
            return;
        }
        asked.set(false);
        if result.is_err()
            && let Some(el) = select.get_untracked()
        {
            el.set_value(saved.as_str());
        }
    });
    view! {
        <tr>
            <td>
                <span class="person-line">
                    <span class="person-name">{member.name.clone()}</span>
                    {member.is_you.then(|| view! { <span class="tag">"You"</span> })}
                    {member.single_sign_on_only.then(|| view! { <span class="tag">"Single sign-on"</span> })}
                </span>
                <span class="person-email muted">{member.email.clone()}</span>
            </td>
            <td>
                {if manage {
                    view! {
                        <label class="sr-only" for=select_id.clone()>{format!("Role of {name}")}</label>
                        <select id=select_id class="role-select" node_ref=select
                            disabled=move || actions.role.pending().get()
                            on:change=move |ev| {
                                if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                    asked.set(true);
                                    actions.role.dispatch(ChangeRole { user_id: id, role });
                                }
                            }>
                            {[Role::Admin, Role::CampaignManager].into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == member.role>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    }.into_any()
                } else {
                    view! { {member.role.label()} }.into_any()
                }}
            </td>
            <td>{when(member.last_login_at)}</td>
            {manage.then(|| view! {
                <td class="row-actions">
                    <RemoveButton id name=member.name.clone() is_you=member.is_you remove=actions.remove/>
                </td>
            })}
        </tr>
    }
}

#[component]
fn InvitationRow(
    invitation: PendingInvitation,
    manage: bool,
    actions: TeamActions,
) -> impl IntoView {
    let id = invitation.id;
    let email = invitation.email.clone();
    view! {
        <tr>
            <td>
                <span class="person-line">
                    <span class="person-name">{invitation.email.clone()}</span>
                    {invitation.expired.then(|| view! { <span class="tag tag--warn">"Expired"</span> })}
                </span>
            </td>
            <td>{invitation.role.label()}</td>
            <td>
                {format!("{} by {}", invitation.sent_at.format("%-d %b %Y"), invitation.inviter_name)}
                <br/>
                <span class="muted">{if invitation.expired {
                    "Ask them again with Resend".to_owned()
                } else {
                    format!("Works until {}", invitation.expires_at.format("%-d %b %Y"))
                }}</span>
            </td>
            {manage.then(|| view! {
                <td class="row-actions">
                    <button type="button" class="button button--ghost button--small"
                        aria-label=format!("Resend the invitation to {email}")
                        disabled=move || actions.resend.pending().get()
                        on:click=move |_| { actions.resend.dispatch(ResendInvitation { id }); }>
                        "Resend"
                    </button>
                    <button type="button" class="button button--ghost button--small button--danger-text"
                        aria-label=format!("Revoke the invitation to {}", invitation.email)
                        disabled=move || actions.revoke.pending().get()
                        on:click=move |_| { actions.revoke.dispatch(RevokeInvitation { id }); }>
                        "Revoke"
                    </button>
                </td>
            })}
        </tr>
    }
}

#[component]
fn RemoveButton(
    id: Uuid,
    name: String,
    is_you: bool,
    remove: ServerAction<RemovePerson>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("remove-title-{id}");
    let labelled_by = title_id.clone();
    // The action is shared by every row: only the row whose Remove was confirmed reacts.
    let asked = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(result) = remove.value().get() else {
            return;
        };
        if !asked.get_untracked() || remove.pending().get() {
            return;
        }
        asked.set(false);
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        if is_you && result.is_ok() {
            let _ = window().location().set_href("/login?signed_out=1");
        }
    });
    let who = if is_you {
        "yourself".to_owned()
    } else {
        name.clone()
    };
    view! {
        <button type="button" class="button button--ghost button--small button--danger-text"
            aria-label=format!("Remove {name}")
            on:click=move |_| { if let Some(d) = dialog.get() { let _ = d.show_modal(); } }>
            "Remove"
        </button>
        <dialog node_ref=dialog class="modal modal--small" aria-labelledby=labelled_by>
            <div class="modal-head"><h2 id=title_id>{format!("Remove {who}?")}</h2></div>
            <div class="modal-body">
                <p>{format!("{name} will be signed out at once and can no longer sign in. Campaigns they built and the activity log stay as they are.")}</p>
                <div class="button-row dialog-actions">
                    <button type="button" class="button button--secondary" on:click=move |_| { if let Some(d) = dialog.get() { d.close(); } }>"Cancel"</button>
                    <button type="button" class="button button--danger" disabled=remove.pending()
                        on:click=move |_| { asked.set(true); remove.dispatch(RemovePerson { user_id: id }); }>
                        {move || if remove.pending().get() { "Removing…" } else { "Remove" }}
                    </button>
                </div>
            </div>
        </dialog>
    }
}

#[component]
fn InviteButton(invite: ServerAction<Invite>, sent_to: RwSignal<Option<String>>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::CampaignManager);
    let message = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| {
        if invite.value().get().is_some_and(|r| r.is_ok()) {
            if let Some(d) = dialog.get_untracked() {
                d.close();
            }
            sent_to.set(Some(email.get_untracked().trim().to_lowercase()));
            email.set(String::new());
            message.set(String::new());
        }
    });
    view! {
        <button type="button" class="button button--primary"
            on:click=move |_| {
                local_error.set(None);
                if let Some(d) = dialog.get() { let _ = d.show_modal(); }
            }>
            "Invite someone"
        </button>
        <dialog node_ref=dialog class="modal" aria-labelledby="invite-title">
            <div class="modal-head"><h2 id="invite-title">"Invite someone"</h2></div>
            <InviteForm invite dialog email role message local_error/>
        </dialog>
    }
}

/// The invitation, checked here before it is sent; the server's objections show in the same
/// places as the form's own.
#[component]
fn InviteForm(
    invite: ServerAction<Invite>,
    dialog: NodeRef<html::Dialog>,
    email: RwSignal<String>,
    role: RwSignal<Role>,
    message: RwSignal<String>,
    local_error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let error = move || {
        local_error
            .get()
            .or_else(|| invite.value().get().and_then(|r| r.err()))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = InvitationDraft {
            email: email.get_untracked(),
            role: role.get_untracked(),
            message: message.get_untracked(),
        };
        match draft.validate() {
            Ok(_) => {
                local_error.set(None);
                invite.dispatch(Invite { draft });
            }
            Err(e) => local_error.set(Some(AppError::invalid(
                crate::api::team::invitation_field(&e),
                e.to_string(),
            ))),
        }
    };
    let field_error = move |f: &'static str| move || error().and_then(|e| e.field_message(f));
    let general = move || {
        error()
            .filter(|e| e.field_message("email").is_none() && e.field_message("message").is_none())
            .map(|e| e.to_string())
    };
    view! {
        <form class="modal-body form" novalidate on:submit=submit>
            <div class="field">
                <label for="invite-email">"Work email"</label>
                <input id="invite-email" type="email" autocomplete="off" required maxlength="254"
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                    aria-invalid=move || field_error("email")().is_some().to_string()
                    aria-describedby="invite-email-error"/>
                <p class="field-error" id="invite-email-error" aria-live="polite">{field_error("email")}</p>
            </div>
            <RoleChoice role/>
            <div class="field">
                <label for="invite-message">"Message " <span class="muted">"(optional)"</span></label>
                <textarea id="invite-message" rows="3" maxlength="1000"
                    prop:value=move || message.get()
                    on:input=move |ev| message.set(event_target_value(&ev))
                    aria-describedby="invite-message-error"></textarea>
                <p class="field-error" id="invite-message-error" aria-live="polite">{field_error("message")}</p>
            </div>
            <div class="form-error" role="alert">{move || general().map(|e| view! { <p>{e}</p> })}</div>
            <div class="button-row dialog-actions">
                <button type="button" class="button button--secondary" on:click=move |_| { if let Some(d) = dialog.get() { d.close(); } }>"Cancel"</button>
                <button type="submit" class="button button--primary" disabled=invite.pending()>
                    {move || if invite.pending().get() { "Sending…" } else { "Send invitation" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn RoleChoice(role: RwSignal<Role>) -> impl IntoView {
    view! {
        <fieldset class="choice-group">
            <legend class="field-label">"Role"</legend>
            <label class="choice">
                <input type="radio" name="invite-role" prop:checked=move || role.get() == Role::CampaignManager
                    on:change=move |_| role.set(Role::CampaignManager)/>
                <span><strong>"Campaign manager"</strong><br/>
                <span class="muted">"Builds gift campaigns from the synced staff. Sees integrations and the team, changes neither."</span></span>
            </label>
            <label class="choice">
                <input type="radio" name="invite-role" prop:checked=move || role.get() == Role::Admin
                    on:change=move |_| role.set(Role::Admin)/>
                <span><strong>"Admin"</strong><br/>
                <span class="muted">"Also connects HR systems and manages the team."</span></span>
            </label>
        </fieldset>
    }
}
