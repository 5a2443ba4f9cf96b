use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::integrations::complete_link;
use crate::components::page_header::PageHeader;

/// What Merge Link's return address carries: the pending hand-off, the public token, and
/// whether the person left Link without finishing.
pub fn link_return() -> impl Fn() -> (Option<Uuid>, Option<String>, bool) + Copy {
    let query = use_query_map();
    move || {
        query.with(|q| {
            (
                q.get("pending").and_then(|p| Uuid::parse_str(&p).ok()),
                q.get("public_token"),
                q.get("link_exit").is_some(),
            )
        })
    }
}

/// Where Merge Link sends the admin back after signing in to an OAuth HR system.
#[component]
pub fn LinkedPage() -> impl IntoView {
    let params = link_return();
    let result = Resource::new(params, |(pending, token, exited)| async move {
        match (pending, token, exited) {
            (_, _, true) => {
                Err("You left the sign-in page before finishing. Nothing was connected.".to_owned())
            }
            (Some(p), Some(t), false) => complete_link(p, t).await.map_err(|e| e.to_string()),
            _ => Err(
                "This address is incomplete. Start again from Connect new integration.".to_owned(),
            ),
        }
    });
    view! {
        <Title text="Connecting"/>
        <PageHeader title="Connecting your HR system"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Finishing the connection…"</p> }>
            {move || Suspend::new(async move {
                match result.await {
                    Ok(c) => view! {
                        <div class="notice notice--ok" role="status">
                            <p><strong>{format!("{} is connected.", c.system)}</strong>" Its first sync has started; we'll email you when it's done."</p>
                        </div>
                        <p><a class="button button--primary" href="/integrations">"See its progress"</a></p>
                    }.into_any(),
                    Err(message) => view! {
                        <div class="notice notice--danger" role="alert"><p>{message}</p></div>
                        <p><a class="button button--secondary" href="/integrations">"Back to Integrations"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
