use leptos::prelude::*;

/// An HR system's mark: its initials on its brand colour. Drawn locally, so nothing is fetched
/// from a third-party image host.
#[component]
pub fn SystemLogo(
    name: String,
    color: String,
    #[prop(default = "md")] size: &'static str,
) -> impl IntoView {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    let text = crate::domain::integration::text_color_on(&color);
    view! {
        <span class=format!("system-logo system-logo--{size}") style:background-color=color style:color=text aria-hidden="true">
            {initials}
        </span>
    }
}
