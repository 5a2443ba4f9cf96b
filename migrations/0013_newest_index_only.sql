-- Start-date filters ("joined in the last 90 days") read their candidates from the newest-first
-- index. With what the everyday filters test stored beside the key, those candidates come from
-- the index alone instead of a heap visit each: at 1,000,000 people, 20,000 visits for "under a
-- manager and joined in the last 90 days" took 45 ms before the manager was even checked.
DROP INDEX staff_newest_idx;
CREATE INDEX staff_newest_idx ON staff (account_id, start_date DESC NULLS LAST, sort_name, connection_id, merge_id)
    INCLUDE (team_id, country, termination_date, employment_status, removed_at, deleted)
    WHERE is_primary;
