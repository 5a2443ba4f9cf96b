//! Reusable pieces of the interface, shared by the server render and the browser.

pub mod auth_card;
pub mod campaign_form;
pub mod choice_picker;
pub mod connect;
pub mod connect_requests;
pub mod connection_actions;
pub mod disconnect_dialog;
pub mod empty_state;
pub mod form_state;
pub mod icon;
pub mod incident_banner;
pub mod manager_picker;
pub mod more_filters;
pub mod new_password;
pub mod page_header;
pub mod recipients;
pub mod relink_dialog;
pub mod shell;
pub mod sync_progress;
pub mod system_logo;
pub mod ticker;
pub mod why_not;
