-- "Everyone under a manager who joined in the last 90 days" at 1,000,000 people read the 37,000
-- people of the tree and the 20,000 recent joiners and joined them (count 28 ms), or walked the
-- name index checking recent joiners against the chains (page 37 ms). With the start date beside
-- the chain, the two indexes are intersected as bitmaps and only the ~800 people in both are read
-- (17 and 15 ms). Kept by store::derived with the chain.
ALTER TABLE staff_chains ADD COLUMN start_date date;
UPDATE staff_chains ch SET start_date = s.start_date
FROM staff s WHERE s.connection_id = ch.connection_id AND s.merge_id = ch.merge_id;
CREATE INDEX staff_chains_start_idx ON staff_chains (start_date);
ANALYZE staff_chains;
