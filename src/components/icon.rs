use leptos::prelude::*;

/// Inline line icons. Drawn as SVG rather than emoji: emoji fonts are missing on many machines
/// (headless browsers, locked-down corporate desktops) and render as empty boxes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Gift,
    Plug,
    People,
    Warning,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Gift => {
                "M20 12v9H4v-9M2 7h20v5H2zM12 21V7M12 7H7.5a2.5 2.5 0 1 1 0-5C11 2 12 7 12 7zM12 7h4.5a2.5 2.5 0 1 0 0-5C13 2 12 7 12 7z"
            }
            Icon::Plug => "M9 2v6M15 2v6M6 8h12v4a6 6 0 0 1-12 0zM12 18v4",
            Icon::People => {
                "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75"
            }
            Icon::Warning => {
                "M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01"
            }
        }
    }
}

#[component]
pub fn IconSvg(icon: Icon, #[prop(default = 24)] size: u32) -> impl IntoView {
    view! {
        <svg
            class="icon"
            width=size
            height=size
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            <path d=icon.path()></path>
        </svg>
    }
}
