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
-- dictionary `staff_words`). Nothing removes a word nobody has any more: it only costs a search
-- an empty range of the index.
CREATE TABLE staff_token_words (
    account_id uuid NOT NULL,
    word text NOT NULL,
    PRIMARY KEY (account_id, word)
);
CREATE INDEX staff_token_words_trgm_idx ON staff_token_words USING gin (word gin_trgm_ops);

-- Brought up to date after each sync and its derived values (store::tokens, sync::worker), so
-- a sync's pages write no more than before (as triggers they cost 3.9 s per 100,000 people).
-- What each person was last listed under, to take exactly those entries away when their words or
-- name change or they are purged.
CREATE TABLE staff_tokenised (
    connection_id uuid NOT NULL,
    merge_id text NOT NULL,
    account_id uuid NOT NULL,
    sort_name text NOT NULL,
    words text[] NOT NULL,
    PRIMARY KEY (connection_id, merge_id)
);
CREATE INDEX staff_tokenised_account_idx ON staff_tokenised (account_id);

-- Until a sync's writes are listed (its `indexed_at` is set) searches do not use the index.
ALTER TABLE sync_jobs ADD COLUMN indexed_at timestamptz;
UPDATE sync_jobs SET indexed_at = derived_at;
CREATE INDEX sync_jobs_unindexed_idx ON sync_jobs (connection_id)
WHERE indexed_at IS NULL AND started_at IS NOT NULL;

INSERT INTO staff_tokenised (connection_id, merge_id, account_id, sort_name, words)
SELECT s.connection_id, s.merge_id, s.account_id, s.sort_name,
    ARRAY(SELECT w FROM staff_tokens_of(s.search_text, s.name_words) w ORDER BY w)
FROM staff s;
INSERT INTO staff_tokens (account_id, word, sort_name, connection_id, merge_id)
SELECT account_id, unnest(words), sort_name, connection_id, merge_id FROM staff_tokenised;
INSERT INTO staff_token_words (account_id, word)
SELECT DISTINCT account_id, word FROM staff_tokens;
ANALYZE staff_tokens, staff_token_words, staff_tokenised;
DROP TABLE staff_words;

-- Search text now separates its parts with a space (sync::minimise), so a word never runs from
-- one name into the next. Existing rows get it when they are next read in full.
UPDATE connections SET synced_through = NULL;
