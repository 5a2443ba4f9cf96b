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
