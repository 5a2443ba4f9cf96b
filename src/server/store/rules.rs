//! Who counts, for a staff row `p` and its connection `c`. Each rule is one SQL function
//! (migration 0024_one_rule_each); SQL with other aliases calls the same function, so every
//! listing, count and explanation agrees on what a leaver or a visible connection is.

/// A leaver: marked inactive, or their last day has passed.
pub const HAS_LEFT: &str = "staff_has_left(p.employment_status, p.termination_date)";

/// Starting later: marked pending, or their first day is ahead.
pub const NOT_STARTED: &str = "staff_not_started(p.employment_status, p.start_date)";

/// Still listed by the HR system: neither deleted there nor gone from its last full read.
pub const IN_HR_DATA: &str = "staff_in_hr_data(p.removed_at, p.deleted)";

/// A connection whose people are shown: live, or disconnected but within its read-only days.
pub const VISIBLE_CONNECTION: &str = "connection_visible(c.status, c.read_only_until)";

/// A person the staff view shows: their record is the one shown for them (`derived`), still
/// listed, from a visible connection.
pub const SHOWN: &str = "(p.is_primary AND staff_in_hr_data(p.removed_at, p.deleted)
    AND connection_visible(c.status, c.read_only_until))";
