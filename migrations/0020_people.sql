-- People joining and managing an account: invitations, password resets, and where each person
-- is signed in. Every link token is kept only as a SHA-256, like session tokens.

-- Someone who signs in only through their company's identity provider has no password here.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;

-- Shown on "Your account" so a person can recognise their other sign-ins.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;
ALTER TABLE sessions ADD COLUMN user_agent text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN client_ip text NOT NULL DEFAULT '';

-- One row per link sent. Resending writes a new row and marks the old one replaced, so an old
-- link can say why it stopped working.
CREATE TABLE invitations (
    id            uuid PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         text NOT NULL CHECK (email = lower(email)),
    -- Prefilled on the acceptance page; the person may change it.
    name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role          text NOT NULL CHECK (role IN ('admin', 'campaign_manager')),
    message       text NOT NULL DEFAULT '' CHECK (length(message) <= 1000),
    token_hash    bytea NOT NULL UNIQUE,
    -- NULL when the operator provisioned the account; the name stays if the inviter leaves.
    invited_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    inviter_name  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz,
    revoked_at    timestamptz,
    replaced_at   timestamptz,
    -- Set when the person signed in through single sign-on instead of following the link.
    accepted_by   uuid REFERENCES users (id) ON DELETE SET NULL
);
-- The one definition of an open invitation: neither accepted, revoked nor replaced (an expired
-- one is still open: it is listed so it can be resent). Queries read and update this view; the
-- index below has to spell the same condition because an index cannot refer to a view.
CREATE VIEW open_invitations AS
    SELECT * FROM invitations
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND replaced_at IS NULL;
-- At most one open invitation per address and account.
CREATE UNIQUE INDEX invitations_open_idx ON invitations (account_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND replaced_at IS NULL;
CREATE INDEX invitations_email_idx ON invitations (email);

CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- "Forgot your password?" requests, for throttling by address and by client; rows older than the
-- window are pruned as new requests arrive.
CREATE TABLE reset_requests (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    client_ip     text NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reset_requests_email_idx ON reset_requests (email, requested_at);
CREATE INDEX reset_requests_ip_idx ON reset_requests (client_ip, requested_at);

-- A message carrying a private link (an invitation, a password reset) is stored encrypted: a copy
-- of the database must not let anyone join an account or take over a person.
ALTER TABLE mail_outbox ADD COLUMN body_sealed text;
