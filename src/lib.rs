#![recursion_limit = "256"]
//! HR Connectors: connect HR systems through Merge and choose gift recipients from the synced
//! staff.
//!
//! Shared by the server and the browser: `domain` (types and validators), `components`,
//! `pages`, `api` (server function signatures) and `error`. Server only: `server`.

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // End-to-end tests wait for this marker before clicking: before it, buttons are inert HTML.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
