-- Who counts, written once. Every query (the recipients list, its filter options, campaign
-- audiences, exports, the explanations of why someone is not a recipient, the derived
-- duplicate ranking) calls these, so changing what a leaver is means changing one line here.
-- Plain SQL expressions, STABLE: the planner inlines them, so indexes and plans are as before.

-- A leaver: the HR system marks them inactive, or their last day has passed.
CREATE FUNCTION staff_has_left(employment_status text, termination_date date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(employment_status, '') = 'INACTIVE' OR coalesce(termination_date <= current_date, false) $$;

-- Someone starting later: the HR system marks them pending, or their first day is ahead.
CREATE FUNCTION staff_not_started(employment_status text, start_date date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(employment_status, '') = 'PENDING' OR coalesce(start_date > current_date, false) $$;

-- A record the HR system still lists: neither deleted there nor gone from its last full read.
CREATE FUNCTION staff_in_hr_data(removed_at timestamptz, deleted boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT removed_at IS NULL AND NOT deleted $$;

-- A connection whose people are shown: live, or disconnected but within its read-only days.
CREATE FUNCTION connection_visible(status text, read_only_until timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT status <> 'disconnected' OR coalesce(read_only_until > now(), false) $$;

-- A person's key as the product names them (domain::person_key::PersonKey): "<connection>/<id>".
CREATE FUNCTION person_key(connection_id uuid, merge_id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT connection_id::text || '/' || merge_id $$;
