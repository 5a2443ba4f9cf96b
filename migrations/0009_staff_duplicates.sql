-- One person, one recipient, worked out once per change instead of on every search: the record
-- from the connection connected first is primary, and `also_in` counts the person's other
-- records (same work email, case-insensitive). Kept up to date by store::staff_query::
-- refresh_duplicates after every sync, disconnect, purge and removal review.
ALTER TABLE staff
    ADD COLUMN is_primary boolean NOT NULL DEFAULT true,
    ADD COLUMN also_in integer NOT NULL DEFAULT 0;

WITH ranked AS (
    SELECT s.connection_id, s.merge_id,
        row_number() OVER w = 1 AS is_primary,
        count(*) OVER (PARTITION BY s.account_id, coalesce(lower(s.work_email), s.connection_id::text || '/' || s.merge_id)) - 1 AS also_in
    FROM staff s JOIN connections c ON c.id = s.connection_id
    WHERE s.removed_at IS NULL AND NOT s.deleted
      AND (c.status <> 'disconnected' OR c.read_only_until > now())
    WINDOW w AS (PARTITION BY s.account_id, coalesce(lower(s.work_email), s.connection_id::text || '/' || s.merge_id)
                 ORDER BY c.created_at, c.id)
)
UPDATE staff s SET is_primary = r.is_primary, also_in = r.also_in
FROM ranked r WHERE s.connection_id = r.connection_id AND s.merge_id = r.merge_id;

-- The first page of a broad search, in name order, straight from an index.
CREATE INDEX staff_primary_name_idx ON staff (account_id, lower(display_name)) WHERE is_primary;
