-- When the job entered its current phase, so progress can say how long Merge has been preparing
-- the data and how fast people are being read, rather than timing everything from the start.
ALTER TABLE sync_jobs ADD COLUMN phase_started_at timestamptz;
