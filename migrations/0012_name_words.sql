-- Loose (typo-tolerant) search compares the typed text with the words of people's names. Asked
-- of every search text, trigram similarity rechecked some 35,000 candidates at 1,000,000 people;
-- asked of a dictionary of the account's distinct name words (a few thousand), it finds the
-- similar words in a millisecond, and the people are those having one of them (store::derived
-- keeps the dictionary; store::staff_query reads it).
ALTER TABLE staff ADD COLUMN name_words text[] NOT NULL DEFAULT '{}';

CREATE TABLE staff_words (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    word text NOT NULL,
    PRIMARY KEY (account_id, word)
);
CREATE INDEX staff_words_trgm_idx ON staff_words USING gin (word gin_trgm_ops);

-- The words are folded by the sync (minimise::name_words), which SQL cannot repeat exactly. Until
-- a person is synced again, their words are those of the folded display name, which starts their
-- search text; the next sync reads every connection's people in full and stores the exact words.
UPDATE staff SET name_words = string_to_array(left(search_text, char_length(display_name)), ' ');
UPDATE connections SET synced_through = NULL;
INSERT INTO staff_words (account_id, word)
SELECT DISTINCT account_id, unnest(name_words) FROM staff
ON CONFLICT DO NOTHING;
