//! Mail: messages are written to a durable outbox, then delivered over SMTP (lettre) when
//! `SMTP_URL` is set. Without it they stay in the outbox, which the Outbox page shows, so
//! development needs no mail server.

pub mod alerts;
pub mod colleague;
pub mod compose;
pub mod outbox;
pub mod people;
