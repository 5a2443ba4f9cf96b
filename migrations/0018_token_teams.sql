-- "müller" within a division (1,517 teams, 61,000 of 1,000,000 people) intersected 12,500
-- trigram matches with the division's people, gathered by 1,517 probes of the team index:
-- p95 38-46 ms. With each person's team beside their words, the word index's 12,500 entries are
-- narrowed to the ~750 in the division without leaving the index (8 ms). The team is kept as a
-- 4-byte hash, a sieve only: the team itself is still checked on `staff`. md5, not `hashtext`,
-- so the values stored here never depend on the server's version.
CREATE FUNCTION staff_team_hash(team_id text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ('x' || left(md5(team_id), 8))::bit(32)::int $$;

ALTER TABLE staff_tokenised ADD COLUMN team_hash int;
UPDATE staff_tokenised t SET team_hash = staff_team_hash(s.team_id)
FROM staff s WHERE s.connection_id = t.connection_id AND s.merge_id = t.merge_id;

ALTER TABLE staff_tokens ADD COLUMN team_hash int;
UPDATE staff_tokens t SET team_hash = o.team_hash
FROM staff_tokenised o WHERE o.connection_id = t.connection_id AND o.merge_id = t.merge_id;

DROP INDEX staff_tokens_idx;
CREATE INDEX staff_tokens_idx ON staff_tokens (account_id, word, sort_name, connection_id, merge_id)
    INCLUDE (team_hash);
ANALYZE staff_tokens, staff_tokenised;
