-- Connections told apart: what identifies the HR tenant a connection reads (a subdomain, or
-- the tenant of a web services URL), so the same tenant is not connected twice, and a name
-- (label) that no two of an account's connections in use share.
ALTER TABLE connections ADD COLUMN tenant text CHECK (length(tenant) BETWEEN 1 AND 100);

-- One live connection per tenant of a system: connecting it again relinks or resyncs instead.
CREATE UNIQUE INDEX connections_one_per_tenant_idx
    ON connections (account_id, integration_slug, lower(tenant))
    WHERE status <> 'disconnected' AND tenant IS NOT NULL;

-- Labels used to default to the bare system name ("Sage HR"), so several connections could
-- read the same. The tenant of those was never stored; the day each was connected is what is
-- known, and it follows the rule new connections use (domain::integration::default_label).
UPDATE connections
SET label = integration_name || ' · connected ' || to_char(created_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY')
WHERE label = integration_name AND category = 'hris';

-- Whatever still repeats within an account is numbered in the order it was connected
-- ("… (2)"), as domain::integration::distinct_label does for new names.
WITH numbered AS (
    SELECT id, label, row_number() OVER (PARTITION BY account_id, lower(label) ORDER BY created_at, id) AS n
    FROM connections
)
UPDATE connections c
SET label = left(numbered.label, 80 - length(' (' || numbered.n || ')')) || ' (' || numbered.n || ')'
FROM numbered
WHERE numbered.id = c.id AND numbered.n > 1;
