//! The recipients filter, shared by the browser (URL state, form) and the server (query).
//! Filters combine with AND; choices within one filter with OR.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many suggestions a people search lists; the server fetches one more so the page can
/// say there are more to narrow down.
pub const SUGGESTIONS_SHOWN: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffFilter {
    /// Free text over names, preferred name and work email.
    pub q: String,
    /// Teams as `<connection id>/<team id>`; each includes its sub-teams.
    pub teams: Vec<String>,
    /// A manager as `<connection id>/<employee id>`.
    pub manager: Option<String>,
    /// Only direct reports of the manager, rather than everyone under them.
    pub direct_only: bool,
    /// Joined within this many days.
    pub joined_within: Option<u32>,
    /// Office countries, ISO 3166 alpha-2.
    pub countries: Vec<String>,
    /// Departments as `<connection id>/<group id>`.
    pub departments: Vec<String>,
    /// Offices as "City, CC".
    pub offices: Vec<String>,
    /// Source HR connections, by id.
    pub sources: Vec<String>,
    /// Part of a job title, any case.
    pub job_title: String,
    /// Started on or after / on or before.
    pub started_from: Option<NaiveDate>,
    pub started_to: Option<NaiveDate>,
    /// A work anniversary (a whole number of years since starting) within this many days.
    pub anniversary_within: Option<u32>,
    /// A birthday within this many days (only where birthdays were shared).
    pub birthday_within: Option<u32>,
    pub include_pending: bool,
    pub include_leavers: bool,
    pub sort: SortOrder,
    pub page: u32,
}

/// The order of the recipients table. Ties always fall back to the name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortOrder {
    #[default]
    NameAsc,
    NameDesc,
    NewestFirst,
    LongestServing,
}

impl SortOrder {
    pub const ALL: [SortOrder; 4] = [
        SortOrder::NameAsc,
        SortOrder::NameDesc,
        SortOrder::NewestFirst,
        SortOrder::LongestServing,
    ];

    /// The value in the URL (`sort=`).
    pub fn key(self) -> &'static str {
        match self {
            SortOrder::NameAsc => "name",
            SortOrder::NameDesc => "name-desc",
            SortOrder::NewestFirst => "newest",
            SortOrder::LongestServing => "longest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortOrder::NameAsc => "Name, A to Z",
            SortOrder::NameDesc => "Name, Z to A",
            SortOrder::NewestFirst => "Newest joiners first",
            SortOrder::LongestServing => "Longest serving first",
        }
    }

    pub fn parse(v: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == v)
    }

    /// Whether the table is ordered by start date rather than by name.
    pub fn by_start_date(self) -> bool {
        matches!(self, SortOrder::NewestFirst | SortOrder::LongestServing)
    }
}

pub const PAGE_SIZE: u32 = 50;
pub const JOINED_CHOICES: [u32; 3] = [7, 30, 90];
/// Windows offered for anniversaries and birthdays, in days from today.
pub const UPCOMING_CHOICES: [u32; 4] = [7, 14, 30, 90];

impl StaffFilter {
    /// The filter as URL query parameters, so a filtered list can be shared and Back works.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", encode(v)));
        if !self.q.trim().is_empty() {
            push("q", self.q.trim());
        }
        for t in &self.teams {
            push("team", t);
        }
        if let Some(m) = &self.manager {
            push("manager", m);
        }
        if self.direct_only {
            push("direct", "1");
        }
        if let Some(d) = self.joined_within {
            push("joined", &d.to_string());
        }
        for c in &self.countries {
            push("country", c);
        }
        for d in &self.departments {
            push("dept", d);
        }
        for o in &self.offices {
            push("office", o);
        }
        for c in &self.sources {
            push("source", c);
        }
        if !self.job_title.trim().is_empty() {
            push("title", self.job_title.trim());
        }
        if let Some(d) = self.started_from {
            push("from", &d.to_string());
        }
        if let Some(d) = self.started_to {
            push("to", &d.to_string());
        }
        if let Some(d) = self.anniversary_within {
            push("anniversary", &d.to_string());
        }
        if let Some(d) = self.birthday_within {
            push("birthday", &d.to_string());
        }
        if self.include_pending {
            push("pending", "1");
        }
        if self.include_leavers {
            push("leavers", "1");
        }
        if self.sort != SortOrder::default() {
            push("sort", self.sort.key());
        }
        if self.page > 0 {
            push("page", &self.page.to_string());
        }
        parts.join("&")
    }

    /// Reads the filter back from query pairs; anything malformed is ignored, never an error,
    /// because people edit and paste URLs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut f = StaffFilter::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k {
                "q" => f.q = v.chars().take(100).collect(),
                "team" if is_ref(v) && f.teams.len() < 50 => f.teams.push(v.to_owned()),
                "manager" if is_ref(v) => f.manager = Some(v.to_owned()),
                "direct" => f.direct_only = v == "1",
                "joined" => f.joined_within = v.parse().ok().filter(|d| (1..=3650).contains(d)),
                "country" if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    f.countries.push(v.to_ascii_uppercase())
                }
                "dept" if is_ref(v) && f.departments.len() < 50 => f.departments.push(v.to_owned()),
                "office" if is_office(v) && f.offices.len() < 50 => f.offices.push(v.to_owned()),
                "source" if is_uuid(v) && f.sources.len() < 20 => {
                    f.sources.push(v.to_ascii_lowercase())
                }
                "title" => f.job_title = v.chars().filter(|c| !c.is_control()).take(100).collect(),
                "from" => f.started_from = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
                "to" => f.started_to = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
                "anniversary" => f.anniversary_within = days(v),
                "birthday" => f.birthday_within = days(v),
                "pending" => f.include_pending = v == "1",
                "leavers" => f.include_leavers = v == "1",
                "sort" => f.sort = SortOrder::parse(v).unwrap_or_default(),
                "page" => f.page = v.parse().unwrap_or(0).min(10_000),
                _ => {}
            }
        }
        f
    }
}

fn days(v: &str) -> Option<u32> {
    v.parse().ok().filter(|d| (1..=366).contains(d))
}

fn is_uuid(v: &str) -> bool {
    v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| {
            matches!(i, 8 | 13 | 18 | 23) == (b == b'-') && (b == b'-' || b.is_ascii_hexdigit())
        })
}

/// "City, CC" as the office filter stores it.
fn is_office(v: &str) -> bool {
    v.len() <= 120
        && !v.chars().any(char::is_control)
        && v.rsplit_once(", ").is_some_and(|(city, cc)| {
            !city.is_empty() && cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase())
        })
}

/// `<uuid>/<id>` with only characters Merge ids use.
fn is_ref(v: &str) -> bool {
    v.len() <= 200
        && v.split_once('/').is_some_and(|(a, b)| {
            a.len() == 36
                && !b.is_empty()
                && v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'/' || c == b'_')
        })
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One row of the recipients table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StaffRow {
    pub key: String,
    pub display_name: String,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub status: String,
    pub source: String,
    /// Also present in other connected systems (same work email).
    pub also_in: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffPage {
    /// The number of matches, counted up to a cap: see `total_exact`.
    pub total: i64,
    /// False when more than `total` people match and the exact figure must be asked for.
    pub total_exact: bool,
    pub rows: Vec<StaffRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    /// `(ref, name, depth)` in tree order.
    pub teams: Vec<(String, String, i32)>,
    pub countries: Vec<String>,
    /// `(ref, name)` by name.
    pub departments: Vec<(String, String)>,
    /// "City, CC", by country then city.
    pub offices: Vec<String>,
    /// `(connection id, "System · label")`, only when there are several.
    pub sources: Vec<(String, String)>,
    /// Whether any connection shares birthdays.
    pub birthdays: bool,
    pub connections: usize,
    pub syncing: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_url_and_ignores_junk() {
        let f = StaffFilter {
            q: "josé ü".into(),
            teams: vec!["0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/abc-1".into()],
            manager: Some("0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m-9".into()),
            direct_only: true,
            joined_within: Some(30),
            countries: vec!["DE".into()],
            departments: vec!["0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/dept-2".into()],
            offices: vec!["São Paulo, BR".into()],
            sources: vec!["0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00".into()],
            job_title: "Engineer & co".into(),
            started_from: NaiveDate::from_ymd_opt(2024, 2, 29),
            started_to: NaiveDate::from_ymd_opt(2026, 1, 1),
            anniversary_within: Some(30),
            birthday_within: Some(7),
            include_pending: true,
            include_leavers: false,
            sort: SortOrder::NewestFirst,
            page: 2,
        };
        let q = f.to_query();
        let pairs: Vec<(String, String)> = q
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), percent_decode(v))
            })
            .collect();
        let back = StaffFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, f);
        let junk = StaffFilter::from_pairs([
            ("team", "'; drop table"),
            ("joined", "-3"),
            ("country", "Germany"),
            ("page", "x"),
            ("source", "not-a-uuid-but-thirty-six-chars-long"),
            ("office", "Berlin"),
            ("from", "2026-02-30"),
            ("anniversary", "0"),
            ("sort", "salary"),
        ]);
        assert_eq!(junk, StaffFilter::default());
    }

    fn percent_decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
