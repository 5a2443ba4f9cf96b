use leptos::prelude::*;

/// A designed "nothing here yet" panel that says what would be here and how to get it.
#[component]
pub fn EmptyState(
    title: &'static str,
    #[prop(into)] message: String,
    #[prop(optional)] icon: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="empty-state">
            <div class="empty-icon" aria-hidden="true">{icon.unwrap_or("◌")}</div>
            <h2>{title}</h2>
            <p>{message}</p>
            {children.map(|c| view! { <div class="empty-actions">{c()}</div> })}
        </section>
    }
}
