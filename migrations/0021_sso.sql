-- Single sign-on through the account's own OpenID Connect identity provider (Okta, Microsoft
-- Entra ID, Google Workspace, ...). One provider per account.
CREATE TABLE sso_providers (
    -- Its own id (not the account's) so the key rotation pass can page through it like every
    -- other sealed table; the client secret is sealed to this id, which is one-to-one with the
    -- account, so a secret copied into another account's row does not decrypt.
    id                 uuid PRIMARY KEY,
    account_id         uuid NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    -- Shown on the sign-in page: "Continue with Okta".
    display_name       text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 60),
    issuer_url         text NOT NULL CHECK (length(issuer_url) BETWEEN 1 AND 500),
    client_id          text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 300),
    -- SecretBox ciphertext, never the secret itself.
    client_secret_enc  text NOT NULL,
    -- New people from the account's domains join as campaign managers without an invitation.
    auto_join          boolean NOT NULL DEFAULT false,
    -- Password sign-in is refused for everyone in the account but the break-glass admin.
    required           boolean NOT NULL DEFAULT false,
    -- No CHECK ties this to `required`: removing that person must not fail. With nobody left,
    -- nobody signs in with a password, which is the safe reading of "required".
    break_glass_user   uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The email domains each provider covers. The primary key makes a domain belong to one account
-- only, so the sign-in page can pick the provider from the typed address.
CREATE TABLE sso_domains (
    domain      text PRIMARY KEY CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
    account_id  uuid NOT NULL REFERENCES sso_providers (account_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_account_idx ON sso_domains (account_id);

-- Sign-ins in flight between "Continue with ..." and the provider's answer. Kept on the server
-- (not in a cookie) so each is usable once, even with several replicas. The state is stored only
-- as a SHA-256; the nonce and PKCE verifier are sealed. Rows older than 10 minutes are refused
-- and pruned as new sign-ins start.
CREATE TABLE sso_logins (
    id                 uuid PRIMARY KEY,
    state_hash         bytea NOT NULL UNIQUE,
    account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    nonce_enc          text NOT NULL,
    pkce_verifier_enc  text NOT NULL,
    return_path        text NOT NULL CHECK (length(return_path) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_logins_created_idx ON sso_logins (created_at);
