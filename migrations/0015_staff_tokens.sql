-- A dense search ("jose" matches 23,500 of 1,000,000 people) read every match from the trigram
-- index and sorted them all to show the first 50 by name: 43 ms. Here each person is listed once
-- per word of their search text, ordered by name within the word, so the first 50 people having
-- any word that contains the text are the first 50 of a merge of a few index ranges
-- (store::staff_query reads it; store::tokens explains the split).
--
-- Words are the runs of search text between spaces, ASCII punctuation and ASCII digits, plus the
-- name words: a text holding none of those characters can only match inside one such run, so
-- the people having a word that contains it are exactly the people it matches.
CREATE FUNCTION staff_tokens_of(search_text text, name_words text[]) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w FROM unnest(string_to_array(
        translate(search_text, '!"#$%&''()*+,-./0123456789:;<=>?@[\]^_`{|}~', repeat(' ', 42)),
        ' ')) AS w
    WHERE w <> ''
    UNION
    SELECT w FROM unnest(name_words) AS w
$$;

CREATE TABLE staff_tokens (
    account_id uuid NOT NULL,
    word text NOT NULL,
    sort_name text NOT NULL,
    connection_id uuid NOT NULL,
    merge_id text NOT NULL
);
CREATE INDEX staff_tokens_idx ON staff_tokens (account_id, word, sort_name, connection_id, merge_id);

-- The words there are, to find those containing the text or similar to it (loose matching now
-- compares the text with all of a person's words, email included, so this replaces the name-word
-- dictionary `staff_words`). Pages of one sync are written by concurrent transactions that commit
-- in order, so a unique word would make a page wait for a later one's commit while that one waits
-- for its turn: a word may appear more than once. Nothing removes a word nobody has any more: it
-- only costs a search an empty range of the index, and removing it could race a page adding it.
CREATE TABLE staff_token_words (
    account_id uuid NOT NULL,
    word text NOT NULL
);
CREATE INDEX staff_token_words_idx ON staff_token_words (account_id, word);
CREATE INDEX staff_token_words_trgm_idx ON staff_token_words USING gin (word gin_trgm_ops);

-- Kept by statement triggers, so every writer of `staff` keeps them (a sync's pages, a purge's
-- cascade, the benchmark's loader) in the same transaction, a set at a time.
CREATE FUNCTION staff_tokens_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        WITH changed AS (
            SELECT o.account_id, o.connection_id, o.merge_id, o.sort_name, o.search_text, o.name_words
            FROM old_rows o JOIN new_rows n
              ON n.connection_id = o.connection_id AND n.merge_id = o.merge_id
            WHERE o.search_text IS DISTINCT FROM n.search_text
               OR o.name_words IS DISTINCT FROM n.name_words
               OR o.sort_name IS DISTINCT FROM n.sort_name),
        gone AS (
            DELETE FROM staff_tokens t
            USING changed c, staff_tokens_of(c.search_text, c.name_words) w
            WHERE t.account_id = c.account_id AND t.word = w AND t.sort_name = c.sort_name
              AND t.connection_id = c.connection_id AND t.merge_id = c.merge_id),
        added AS (
            INSERT INTO staff_tokens (account_id, word, sort_name, connection_id, merge_id)
            SELECT n.account_id, w, n.sort_name, n.connection_id, n.merge_id
            FROM new_rows n JOIN changed c
              ON c.connection_id = n.connection_id AND c.merge_id = n.merge_id,
              staff_tokens_of(n.search_text, n.name_words) w
            RETURNING account_id, word)
        INSERT INTO staff_token_words (account_id, word)
        SELECT DISTINCT a.account_id, a.word FROM added a
        WHERE NOT EXISTS (SELECT 1 FROM staff_token_words d
                          WHERE d.account_id = a.account_id AND d.word = a.word);
    ELSIF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO staff_tokens (account_id, word, sort_name, connection_id, merge_id)
            SELECT n.account_id, w, n.sort_name, n.connection_id, n.merge_id
            FROM new_rows n, staff_tokens_of(n.search_text, n.name_words) w
            RETURNING account_id, word)
        INSERT INTO staff_token_words (account_id, word)
        SELECT DISTINCT a.account_id, a.word FROM added a
        WHERE NOT EXISTS (SELECT 1 FROM staff_token_words d
                          WHERE d.account_id = a.account_id AND d.word = a.word);
    ELSE
        DELETE FROM staff_tokens t
        USING old_rows o, staff_tokens_of(o.search_text, o.name_words) w
        WHERE t.account_id = o.account_id AND t.word = w AND t.sort_name = o.sort_name
          AND t.connection_id = o.connection_id AND t.merge_id = o.merge_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER staff_tokens_inserted AFTER INSERT ON staff
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_tokens_follow();
CREATE TRIGGER staff_tokens_updated AFTER UPDATE ON staff
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION staff_tokens_follow();
CREATE TRIGGER staff_tokens_deleted AFTER DELETE ON staff
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION staff_tokens_follow();

INSERT INTO staff_tokens (account_id, word, sort_name, connection_id, merge_id)
SELECT s.account_id, w, s.sort_name, s.connection_id, s.merge_id
FROM staff s, staff_tokens_of(s.search_text, s.name_words) w;
INSERT INTO staff_token_words (account_id, word)
SELECT DISTINCT account_id, word FROM staff_tokens;
DROP TABLE staff_words;

-- Search text now separates its parts with a space (sync::minimise), so a word never runs from
-- one name into the next. Existing rows get it when they are next read in full.
UPDATE connections SET synced_through = NULL;
