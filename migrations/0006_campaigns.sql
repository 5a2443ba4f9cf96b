-- Campaigns and their recipients. A campaign's audience is either dynamic (a saved staff
-- filter, re-evaluated after every sync) or a fixed snapshot of people. `campaign_members` is
-- the current recipient list either way; exclusions always win.
CREATE TABLE campaigns (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    occasion        text NOT NULL CHECK (length(occasion) BETWEEN 1 AND 60),
    -- Budget per person in minor units (pence, cents) of `currency`.
    budget_minor    bigint CHECK (budget_minor >= 0),
    currency        text NOT NULL DEFAULT 'GBP' CHECK (currency IN ('GBP', 'EUR', 'USD')),
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    audience_kind   text CHECK (audience_kind IN ('dynamic', 'snapshot')),
    -- The staff filter of a dynamic audience (`domain::staff_filter::StaffFilter`).
    audience_filter jsonb,
    -- When the members were last worked out, and the connections' data they were worked out from.
    evaluated_at    timestamptz,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE INDEX campaigns_account_idx ON campaigns (account_id, archived_at, created_at DESC);

-- People are (connection, Merge employee id), the primary key of `staff`. No foreign key: a
-- purged connection's people simply stop matching, and the campaign says so.
CREATE TABLE campaign_members (
    campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    connection_id  uuid NOT NULL,
    merge_id       text NOT NULL,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, connection_id, merge_id)
);

CREATE TABLE campaign_exclusions (
    campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    connection_id  uuid NOT NULL,
    merge_id       text NOT NULL,
    excluded_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    excluded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, connection_id, merge_id)
);

-- Who joined or left a dynamic audience at each re-evaluation, for "+3 joined, −1 left".
CREATE TABLE campaign_changes (
    campaign_id   uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    evaluated_at  timestamptz NOT NULL,
    connection_id uuid NOT NULL,
    merge_id      text NOT NULL,
    joined        boolean NOT NULL,
    PRIMARY KEY (campaign_id, evaluated_at, connection_id, merge_id)
);
