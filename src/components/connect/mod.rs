//! The connect-an-HR-system dialog and its steps: picker, consent, credentials, progress.

pub mod consent;
pub mod credentials;
pub mod dialog;
pub mod picker;
pub mod progress;
