//! What the store keeps of an HR system's records, once the sync engine has minimised them
//! (`sync::minimise`): the store writes these and never sees Merge's own models.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct StaffRecord {
    pub merge_id: String,
    pub remote_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub preferred_name: Option<String>,
    pub display_name: String,
    pub work_email: Option<String>,
    pub personal_email: Option<String>,
    pub job_title: Option<String>,
    pub team_id: Option<String>,
    pub department_ids: Vec<String>,
    pub manager_id: Option<String>,
    pub location_id: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub employment_status: Option<String>,
    pub termination_date: Option<NaiveDate>,
    pub employee_number: Option<String>,
    pub avatar_url: Option<String>,
    pub birthday: Option<(u32, u32)>,
    pub deleted: bool,
    pub modified_at: Option<DateTime<Utc>>,
    pub search_text: String,
    /// The distinct words of the folded names, as written (an apostrophe or hyphen kept): with
    /// the search text's own words, what a search's words are found among (`store::tokens`).
    pub name_words: Vec<String>,
}

/// Why an employee could not be kept. Counted per sync and shown to the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    NoId,
    NoName,
}

impl SkipReason {
    pub fn key(self) -> &'static str {
        match self {
            SkipReason::NoId => "no_id",
            SkipReason::NoName => "no_name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoId => "missing an id in the HR system",
            SkipReason::NoName => "no name recorded",
        }
    }

    /// The label for a key stored in a job's `skip_reasons`.
    pub fn label_of_key(key: &str) -> &'static str {
        [SkipReason::NoId, SkipReason::NoName]
            .iter()
            .find(|r| r.key() == key)
            .map_or("other reasons", |r| r.label())
    }
}

/// A team, by Merge id, with the team it sits under.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRecord {
    pub merge_id: String,
    pub name: String,
    pub parent_id: Option<String>,
}

/// A department (a Merge group of type department), by Merge id.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRecord {
    pub merge_id: String,
    pub name: String,
}
