//! The connect-an-HR-system dialog and its steps: picker, consent, credentials, progress, or
//! handing the rest to a colleague.

pub mod ask;
pub mod consent;
pub mod credentials;
pub mod dialog;
pub mod picker;
pub mod progress;
