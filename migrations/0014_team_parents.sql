-- "A team and its sub-teams" walks the tree downwards, one level at a time; without an index on
-- the parent each level read every team of the account. At 25,000 teams, finding a division's
-- 2,813 teams took 27 ms that way and takes 7 ms with it.
CREATE INDEX teams_parent_idx ON teams (connection_id, parent_id);
