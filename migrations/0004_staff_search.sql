-- Typo-tolerant staff search ("stephen" finds "Steven"; the threshold is set in store::staff_query) over the accent-free search text.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX staff_search_trgm_idx ON staff USING gin (search_text gin_trgm_ops);
