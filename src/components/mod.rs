//! Reusable pieces of the interface, shared by the server render and the browser.

pub mod empty_state;
pub mod icon;
pub mod page_header;
pub mod shell;
