-- Outgoing mail. Every message is written here first (in the same breath as the event that
-- causes it), then delivered by a worker: over SMTP when configured, otherwise it stays here and
-- the built-in outbox page shows it. `dedupe_key` makes each message exist at most once.

CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dedupe_key       text NOT NULL UNIQUE,
    to_address       text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_account_idx ON mail_outbox (account_id, created_at DESC);
