-- After an incremental sync only the people it wrote (and those around them) need their derived
-- values worked out again (store::derived). A job's writes are folded in once, after it ends;
-- `derived_at` says when.
ALTER TABLE sync_jobs ADD COLUMN derived_at timestamptz;
UPDATE sync_jobs SET derived_at = coalesce(finished_at, now())
WHERE state IN ('succeeded', 'partial', 'failed');

-- The people already sharing a work email with someone: a changed email may leave their group,
-- so an incremental refresh looks at every such group again. Few rows, so a small index.
CREATE INDEX staff_shared_email_idx ON staff (account_id, lower(work_email))
WHERE also_in > 0 OR NOT is_primary;

-- Management chains are derived from staff and rewritten after every full sync; checking each
-- row against staff took 0.6 of the 3 s that follow a 100,000-person sync. Staff rows are deleted
-- only when a connection is purged, which deletes its chains with them.
ALTER TABLE staff_chains DROP CONSTRAINT staff_chains_connection_id_merge_id_fkey;
