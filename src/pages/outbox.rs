use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::mail::outbox_messages;
use crate::components::empty_state::EmptyState;
use crate::components::icon::Icon;
use crate::components::page_header::PageHeader;

/// Mail sent for this account. Without SMTP configured this is where it is delivered.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| outbox_messages());
    view! {
        <Title text="Outbox"/>
        <PageHeader title="Outbox" description="Emails HR Connectors sent for your account."/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(o) => view! {
                        <p class="notice notice--info">
                            {if o.smtp_configured {
                                "These messages are also delivered by email."
                            } else {
                                "This installation does not send email yet, so messages are kept here instead."
                            }}
                        </p>
                        {if o.messages.is_empty() {
                            view! { <EmptyState title="No emails yet" icon=Icon::Plug message="Connecting an HR system sends a confirmation when its first sync finishes."/> }.into_any()
                        } else {
                            view! {
                                <ul class="outbox-list">
                                    {o.messages.into_iter().map(|m| view! {
                                        <li class="card outbox-message">
                                            <h2>{m.subject}</h2>
                                            <p class="muted">{format!("To {} · {}", m.to, m.created_at.format("%-d %b %Y, %H:%M UTC"))}</p>
                                            {match m.body {
                                                Some(body) => view! { <pre class="mail-body">{body}</pre> }.into_any(),
                                                None => view! {
                                                    <p class="muted">"This message holds a private link, so it is only shown in the inbox it was sent to."</p>
                                                }.into_any(),
                                            }}
                                            {(!m.links.is_empty()).then(|| view! {
                                                <ul class="mail-links">
                                                    {m.links.into_iter().map(|l| view! {
                                                        <li><a href=l.clone()>{format!("Open {l}")}</a></li>
                                                    }).collect_view()}
                                                </ul>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice--danger" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
