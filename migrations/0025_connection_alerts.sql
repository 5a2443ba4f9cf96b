-- Connection alerts: a connection that needs someone (relink, failing syncs, removals held for
-- review, permissions the HR system withholds) opens an incident; admins are emailed when it
-- opens, reminded after 24 and 72 hours, and told when it closes.

-- Merge's description of an ongoing issue on the linked account as of the last sync (missing
-- permissions, …); kept apart from status_reason, which says only the most pressing thing.
ALTER TABLE connections ADD COLUMN merge_issue text;

-- A person's choice about connection alerts; NULL keeps their role's default.
ALTER TABLE users ADD COLUMN connection_alerts boolean;

-- Who is emailed about a connection's incidents: admins unless they switched it off, campaign
-- managers only if they switched it on.
CREATE FUNCTION user_gets_connection_alerts(setting boolean, role text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(setting, role = 'admin') $$;

-- What is wrong with each live HR connection at `at`, one row per condition: the one place that
-- says when a connection needs relinking, is failing, holds removals or misses permissions.
-- A connection that needs relinking is not also "failing": relinking is what fixes both.
CREATE FUNCTION connection_conditions(at timestamptz)
RETURNS TABLE (connection_id uuid, account_id uuid, kind text, detail text)
LANGUAGE sql STABLE
AS $$
    SELECT c.id, c.account_id, k.kind, k.detail
    FROM connections c
    CROSS JOIN LATERAL (
        SELECT 'needs_relink',
               coalesce(c.status_reason, 'The HR system no longer accepts the access it gave.')
        WHERE c.status = 'needs_relink'
        UNION ALL
        SELECT 'failing',
               CASE WHEN recent.failed >= 3
                    THEN 'The last 3 syncs failed: ' || coalesce(recent.last_error, 'no reason was given.')
                    ELSE 'No sync has succeeded for more than 24 hours.' END
        FROM (SELECT count(*) FILTER (WHERE j.state = 'failed') AS failed,
                     (array_agg(j.error ORDER BY j.created_at DESC))[1] AS last_error
              FROM (SELECT state, error, created_at FROM sync_jobs
                    WHERE sync_jobs.connection_id = c.id AND finished_at IS NOT NULL
                    ORDER BY created_at DESC LIMIT 3) j) recent
        WHERE c.status IN ('healthy', 'needs_attention', 'syncing')
          AND (recent.failed >= 3 OR coalesce(c.data_as_of, c.created_at) < at - interval '24 hours')
        UNION ALL
        SELECT 'removals_held',
               'A sync would remove ' || held.n || CASE WHEN held.n = 1 THEN ' person' ELSE ' people' END
               || ' at once; they stay on your staff list until an admin reviews them.'
        FROM (SELECT count(*) AS n FROM staff
              WHERE staff.connection_id = c.id AND removal_held) held
        WHERE held.n > 0
        UNION ALL
        SELECT 'missing_permissions', c.merge_issue
        WHERE c.merge_issue IS NOT NULL
    ) AS k (kind, detail)
    WHERE c.category = 'hris' AND c.status <> 'disconnected'
$$;

CREATE TABLE connection_incidents (
    id             uuid PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    connection_id  uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind           text NOT NULL
                   CHECK (kind IN ('needs_relink', 'failing', 'removals_held', 'missing_permissions')),
    -- What the connection said when the incident opened, in words a person can read.
    detail         text NOT NULL,
    opened_at      timestamptz NOT NULL,
    closed_at      timestamptz,
    -- 'fixed' when its condition cleared; 'disconnected' when the connection went (no email).
    closed_because text CHECK (closed_because IN ('fixed', 'disconnected')),
    -- Emails sent about it so far (the opening one, then the reminders); a worker claims the
    -- next one by moving this number on, so two workers never send the same one.
    emails_sent    integer NOT NULL DEFAULT 0,
    last_email_at  timestamptz,
    fixed_email_sent boolean NOT NULL DEFAULT false,
    CHECK ((closed_at IS NULL) = (closed_because IS NULL))
);
-- One open incident of a kind per connection, however many workers look at once.
CREATE UNIQUE INDEX connection_incidents_open_idx
    ON connection_incidents (connection_id, kind) WHERE closed_at IS NULL;
CREATE INDEX connection_incidents_account_idx ON connection_incidents (account_id, opened_at DESC);

-- Finding connections with held removals without reading their whole staff.
CREATE INDEX staff_removal_held_idx ON staff (connection_id) WHERE removal_held;
