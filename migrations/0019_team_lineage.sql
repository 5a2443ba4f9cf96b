-- "A team and its sub-teams" walked down the team tree on every search: a division's 2,813 teams
-- at 1,000,000 people took 9-15 ms, on the path of every keystroke. Each team now lists itself
-- and every team above it, worked out when a sync replaces a connection's teams, so the teams
-- under a choice are one index lookup. Up to 50 levels; a loop stops where it comes round, as
-- the walk down did.
ALTER TABLE teams ADD COLUMN lineage text[] NOT NULL DEFAULT '{}';
-- The hash the word index keeps for a person's team (migration 0018).
ALTER TABLE teams ADD COLUMN team_hash int GENERATED ALWAYS AS (staff_team_hash(merge_id)) STORED;

CREATE FUNCTION staff_team_lineage(conn uuid) RETURNS void LANGUAGE sql AS $$
    WITH RECURSIVE up(merge_id, next, lineage) AS (
        SELECT merge_id, parent_id, ARRAY[merge_id] FROM teams WHERE connection_id = conn
        UNION ALL
        SELECT u.merge_id, p.parent_id, u.lineage || p.merge_id
        FROM up u JOIN teams p ON p.connection_id = conn AND p.merge_id = u.next
        WHERE p.merge_id <> ALL(u.lineage) AND cardinality(u.lineage) <= 50)
    UPDATE teams t SET lineage = l.lineage
    FROM (SELECT DISTINCT ON (merge_id) merge_id, lineage FROM up
          ORDER BY merge_id, cardinality(lineage) DESC) l
    WHERE t.connection_id = conn AND t.merge_id = l.merge_id AND t.lineage <> l.lineage
$$;

SELECT staff_team_lineage(id) FROM connections;
CREATE INDEX teams_lineage_idx ON teams USING gin (lineage);
ANALYZE teams;
