-- Connections waiting for the admin to finish signing in on Merge Link (OAuth systems).
CREATE TABLE pending_links (
    id                uuid PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    integration_slug  text NOT NULL,
    integration_name  text NOT NULL,
    label             text NOT NULL,
    consent           jsonb NOT NULL,
    origin_id         text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
