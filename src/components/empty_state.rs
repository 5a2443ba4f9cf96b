use leptos::prelude::*;

use super::icon::{Icon, IconSvg};

/// A designed "nothing here yet" panel that says what would be here and how to get it.
#[component]
pub fn EmptyState(
    title: &'static str,
    #[prop(into)] message: String,
    icon: Icon,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="empty-state">
            <div class="empty-icon">
                <IconSvg icon=icon size=32/>
            </div>
            <h2>{title}</h2>
            <p>{message}</p>
            {children.map(|c| view! { <div class="empty-actions">{c()}</div> })}
        </section>
    }
}
