-- Who did what to an account's HR data, when and from where: connections made, relinked and
-- disconnected, data deleted, removals reviewed, recipients exported. Admins read it on the
-- Activity page; rows are never updated.
CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Kept as text so the log still says who it was after the user is deleted.
    actor       text NOT NULL,
    action      text NOT NULL,
    subject     text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    client_ip   text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_account_idx ON audit_events (account_id, at DESC);
