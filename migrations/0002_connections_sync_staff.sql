-- HR-system connections, their sync jobs, and the minimised staff store.

CREATE TABLE connections (
    id                 uuid PRIMARY KEY,
    account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category           text NOT NULL DEFAULT 'hris' CHECK (category IN ('hris', 'crm')),
    integration_slug   text NOT NULL,
    integration_name   text NOT NULL,
    label              text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    -- Merge's end_user_origin_id: unique per connection, so an account can hold several systems.
    origin_id          text NOT NULL UNIQUE,
    merge_account_id   text,
    -- AES-256-GCM ciphertext of Merge's account token (see server::crypto).
    account_token_enc  text,
    status             text NOT NULL CHECK (status IN ('syncing', 'healthy', 'needs_attention', 'needs_relink', 'disconnected')),
    status_reason      text,
    -- The optional fields the admin left on; required ones are implied by the field policy.
    consent            jsonb NOT NULL,
    consented_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    consented_at       timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    data_as_of         timestamptz,
    people_count       integer NOT NULL DEFAULT 0,
    -- Start of the window the next incremental sync reads from.
    synced_through     timestamptz,
    disconnected_at    timestamptz,
    read_only_until    timestamptz
);
CREATE INDEX connections_account_idx ON connections (account_id, created_at);

-- Durable sync jobs. One queued or running job per connection; workers claim jobs with
-- FOR UPDATE SKIP LOCKED and keep a heartbeat, so a crashed worker's job is picked up again and
-- resumes from its checkpoint.
CREATE TABLE sync_jobs (
    id             uuid PRIMARY KEY,
    connection_id  uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('initial', 'incremental', 'manual', 'webhook', 'relink')),
    state          text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'partial', 'failed')),
    run_after      timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 0,
    locked_by      text,
    heartbeat_at   timestamptz,
    phase          text NOT NULL DEFAULT 'connecting',
    full_sync      boolean NOT NULL,
    window_start   timestamptz,
    window_end     timestamptz,
    -- Checkpoint: the cursor of the next employee page to read.
    cursor         text,
    pages          integer NOT NULL DEFAULT 0,
    received       integer NOT NULL DEFAULT 0,
    expected       integer,
    added          integer NOT NULL DEFAULT 0,
    updated        integer NOT NULL DEFAULT 0,
    removed        integer NOT NULL DEFAULT 0,
    skipped        integer NOT NULL DEFAULT 0,
    skip_reasons   jsonb NOT NULL DEFAULT '{}',
    held_removals  integer NOT NULL DEFAULT 0,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE UNIQUE INDEX sync_jobs_one_active_idx ON sync_jobs (connection_id) WHERE state IN ('queued', 'running');
CREATE INDEX sync_jobs_claim_idx ON sync_jobs (run_after) WHERE state IN ('queued', 'running');
CREATE INDEX sync_jobs_history_idx ON sync_jobs (connection_id, created_at DESC);

-- Webhook deliveries already processed, keyed by their signature (Merge's suggestion).
CREATE TABLE webhook_receipts (
    signature    text PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    connection_id  uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    merge_id       text NOT NULL,
    name           text NOT NULL,
    parent_id      text,
    PRIMARY KEY (connection_id, merge_id)
);

CREATE TABLE departments (
    connection_id  uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    merge_id       text NOT NULL,
    name           text NOT NULL,
    PRIMARY KEY (connection_id, merge_id)
);

-- Only fields the field policy allows, and only those the connection's consent enables.
CREATE TABLE staff (
    connection_id      uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    merge_id           text NOT NULL,
    account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    remote_id          text,
    first_name         text,
    last_name          text,
    preferred_name     text,
    display_name       text NOT NULL,
    work_email         text,
    personal_email     text,
    job_title          text,
    team_id            text,
    department_ids     text[] NOT NULL DEFAULT '{}',
    manager_id         text,
    location_id        text,
    city               text,
    country            text,
    start_date         date,
    employment_status  text,
    termination_date   date,
    employee_number    text,
    avatar_url         text,
    birthday_month     smallint CHECK (birthday_month BETWEEN 1 AND 12),
    birthday_day       smallint CHECK (birthday_day BETWEEN 1 AND 31),
    deleted            boolean NOT NULL DEFAULT false,
    -- Set when a full sync no longer sees the person; cleared if they reappear.
    removed_at         timestamptz,
    removal_held       boolean NOT NULL DEFAULT false,
    first_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_job      uuid,
    modified_at        timestamptz,
    -- Lower-cased, accent-free text for search; maintained by the store.
    search_text        text NOT NULL DEFAULT '',
    PRIMARY KEY (connection_id, merge_id)
);
CREATE INDEX staff_account_idx ON staff (account_id);
CREATE INDEX staff_email_idx ON staff (account_id, lower(work_email));
CREATE INDEX staff_manager_idx ON staff (connection_id, manager_id);
CREATE INDEX staff_team_idx ON staff (connection_id, team_id);
CREATE INDEX staff_start_idx ON staff (account_id, start_date);
CREATE INDEX staff_country_idx ON staff (account_id, country);
CREATE INDEX staff_last_seen_idx ON staff (connection_id, last_seen_job);
