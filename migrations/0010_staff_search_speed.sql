-- Everyone above a person in their HR system's management chain, nearest first, worked out once
-- per change (store::staff_query::refresh_derived) so "everyone under a manager" is one indexed
-- containment test instead of a recursive walk on every keystroke. A table of its own, because
-- rewriting a column of `staff` would rewrite every index on `staff`, trigram index included.
CREATE TABLE staff_chains (
    connection_id uuid NOT NULL,
    merge_id text NOT NULL,
    chain text[] NOT NULL,
    PRIMARY KEY (connection_id, merge_id),
    FOREIGN KEY (connection_id, merge_id) REFERENCES staff (connection_id, merge_id) ON DELETE CASCADE
);

WITH RECURSIVE down AS (
    SELECT s.connection_id, s.merge_id,
        CASE WHEN s.manager_id IS NULL THEN '{}'::text[] ELSE ARRAY[s.manager_id] END AS chain
    FROM staff s
    WHERE s.manager_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM staff m WHERE m.connection_id = s.connection_id AND m.merge_id = s.manager_id)
    UNION ALL
    SELECT s.connection_id, s.merge_id, s.manager_id || d.chain
    FROM down d JOIN staff s ON s.connection_id = d.connection_id AND s.manager_id = d.merge_id
    WHERE cardinality(d.chain) < 50
)
INSERT INTO staff_chains SELECT connection_id, merge_id, chain FROM down WHERE cardinality(chain) > 0
ON CONFLICT DO NOTHING;

CREATE INDEX staff_chains_chain_idx ON staff_chains USING gin (chain);

-- A search's page in name order, with what the everyday filters test, read from the index alone.
-- The sort key is a stored column because an index on an expression cannot answer a query by
-- itself: Postgres would visit every row it passes to re-read the name.
ALTER TABLE staff ADD COLUMN sort_name text GENERATED ALWAYS AS (lower(display_name)) STORED;
DROP INDEX staff_primary_name_idx;
CREATE INDEX staff_people_idx ON staff (account_id, sort_name, connection_id, merge_id)
    INCLUDE (team_id, country, start_date, termination_date, employment_status, removed_at, deleted)
    WHERE is_primary;

-- "Newest joiners first" from an index too; ties fall back to the name.
CREATE INDEX staff_newest_idx ON staff (account_id, start_date DESC NULLS LAST, sort_name, connection_id, merge_id)
    WHERE is_primary;
