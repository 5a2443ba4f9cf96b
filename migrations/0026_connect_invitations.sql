-- "Ask a colleague to connect": an admin sends the remaining connect steps for one HR system to
-- someone with rights in it. The link works without an account here; only its SHA-256 is kept.
CREATE TABLE connect_invitations (
    id                uuid PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    integration_slug  text NOT NULL,
    integration_name  text NOT NULL,
    invitee_name      text NOT NULL,
    invitee_email     text NOT NULL,
    message           text NOT NULL DEFAULT '',
    -- The optional fields the admin proposed; the colleague may only switch some off.
    proposed          jsonb NOT NULL,
    token_hash        bytea NOT NULL UNIQUE,
    invited_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    inviter_name      text NOT NULL,
    inviter_email     text NOT NULL,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    opened_at         timestamptz,
    connected_at      timestamptz,
    connection_id     uuid REFERENCES connections (id) ON DELETE SET NULL,
    declined_at       timestamptz,
    decline_reason    text,
    revoked_at        timestamptz,
    -- Set when a resend gave the colleague a new link: this one stops working.
    replaced_at       timestamptz,
    reminded_at       timestamptz,
    CHECK (num_nonnulls(connected_at, declined_at, revoked_at, replaced_at) <= 1)
);

CREATE INDEX connect_invitations_account_idx ON connect_invitations (account_id, created_at DESC);
CREATE INDEX connect_invitations_connection_idx ON connect_invitations (connection_id)
    WHERE connection_id IS NOT NULL;

-- A Merge Link hand-off started from an invitation has no signed-in user: it belongs to the
-- invitation instead.
ALTER TABLE pending_links ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE pending_links ADD COLUMN invitation_id uuid REFERENCES connect_invitations (id) ON DELETE CASCADE;
ALTER TABLE pending_links ADD CONSTRAINT pending_links_one_owner
    CHECK (num_nonnulls(user_id, invitation_id) = 1);

-- Whether a request can still be answered at `at`: not connected, declined, withdrawn or
-- replaced by a newer link, and not expired. The one rule every change to a request checks.
CREATE FUNCTION connect_invitation_open(i connect_invitations, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT i.connected_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL
       AND i.replaced_at IS NULL AND i.expires_at > at
$$;
