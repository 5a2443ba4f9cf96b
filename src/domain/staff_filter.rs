//! The recipients filter, shared by the browser (URL state, form) and the server (query).
//! Filters combine with AND; choices within one filter with OR.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::person_key::PersonKey;
use crate::domain::text;

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
}

pub const PAGE_SIZE: u32 = 50;
pub const JOINED_CHOICES: [u32; 3] = [7, 30, 90];
/// Windows offered for anniversaries and birthdays, in days from today.
pub const UPCOMING_CHOICES: [u32; 4] = [7, 14, 30, 90];

/// One thing a filter can ask of a person. The filter's fields are mapped to parts in
/// [`StaffFilter::parts`] and nowhere else, and each part writes and reads its own URL pairs and
/// narrows a filter to itself. The server matches on every part for its SQL clause, its
/// why-not explanation and whether the word index serves it, so a new part does not compile
/// until each of those says what it does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterPart {
    Text,
    Teams,
    /// With "direct reports only", which means nothing without a manager.
    Manager,
    Joined,
    Countries,
    Departments,
    Offices,
    Sources,
    JobTitle,
    /// Started on or after and/or on or before.
    StartDates,
    Anniversary,
    Birthday,
}

impl FilterPart {
    /// In the order the URL lists them.
    pub const ALL: [FilterPart; 12] = [
        FilterPart::Text,
        FilterPart::Teams,
        FilterPart::Manager,
        FilterPart::Joined,
        FilterPart::Countries,
        FilterPart::Departments,
        FilterPart::Offices,
        FilterPart::Sources,
        FilterPart::JobTitle,
        FilterPart::StartDates,
        FilterPart::Anniversary,
        FilterPart::Birthday,
    ];

    /// The URL keys it reads.
    fn keys(self) -> &'static [&'static str] {
        match self {
            FilterPart::Text => &["q"],
            FilterPart::Teams => &["team"],
            FilterPart::Manager => &["manager", "direct"],
            FilterPart::Joined => &["joined"],
            FilterPart::Countries => &["country"],
            FilterPart::Departments => &["dept"],
            FilterPart::Offices => &["office"],
            FilterPart::Sources => &["source"],
            FilterPart::JobTitle => &["title"],
            FilterPart::StartDates => &["from", "to"],
            FilterPart::Anniversary => &["anniversary"],
            FilterPart::Birthday => &["birthday"],
        }
    }

    /// Its URL pairs in `f`.
    fn pairs(self, f: &StaffFilter) -> Vec<(&'static str, String)> {
        let one = |k: &'static str, v: Option<String>| v.map(|v| (k, v)).into_iter().collect();
        let each = |k: &'static str, vs: &[String]| vs.iter().map(|v| (k, v.clone())).collect();
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        match self {
            FilterPart::Text => one("q", text(&f.q)),
            FilterPart::Teams => each("team", &f.teams),
            FilterPart::Manager => {
                let mut pairs = one("manager", f.manager.clone());
                if f.manager.is_some() && f.direct_only {
                    pairs.push(("direct", "1".to_owned()));
                }
                pairs
            }
            FilterPart::Joined => one("joined", f.joined_within.map(|d| d.to_string())),
            FilterPart::Countries => each("country", &f.countries),
            FilterPart::Departments => each("dept", &f.departments),
            FilterPart::Offices => each("office", &f.offices),
            FilterPart::Sources => each("source", &f.sources),
            FilterPart::JobTitle => one("title", text(&f.job_title)),
            FilterPart::StartDates => {
                let mut pairs = one("from", f.started_from.map(|d| d.to_string()));
                pairs.extend(one("to", f.started_to.map(|d| d.to_string())));
                pairs
            }
            FilterPart::Anniversary => {
                one("anniversary", f.anniversary_within.map(|d| d.to_string()))
            }
            FilterPart::Birthday => one("birthday", f.birthday_within.map(|d| d.to_string())),
        }
    }

    /// Reads one of its URL pairs into `f`; a malformed value, or one past the limits, is
    /// ignored.
    fn read(self, f: &mut StaffFilter, k: &str, v: &str) {
        match self {
            FilterPart::Text => f.q = typed_text(v),
            FilterPart::Teams if is_ref(v) && f.teams.len() < MAX_TEAMS => {
                f.teams.push(v.to_owned())
            }
            FilterPart::Manager if k == "direct" => f.direct_only = v == "1",
            FilterPart::Manager if is_ref(v) => f.manager = Some(v.to_owned()),
            FilterPart::Joined => {
                f.joined_within = v.parse().ok().filter(|d| JOINED_DAYS.contains(d))
            }
            FilterPart::Countries if f.countries.len() < MAX_COUNTRIES => {
                let v = v.to_ascii_uppercase();
                if is_country(&v) {
                    f.countries.push(v)
                }
            }
            FilterPart::Departments if is_ref(v) && f.departments.len() < MAX_DEPARTMENTS => {
                f.departments.push(v.to_owned())
            }
            FilterPart::Offices if is_office(v) && f.offices.len() < MAX_OFFICES => {
                f.offices.push(v.to_owned())
            }
            FilterPart::Sources if is_uuid(v) && f.sources.len() < MAX_SOURCES => {
                f.sources.push(v.to_ascii_lowercase())
            }
            FilterPart::JobTitle => f.job_title = typed_text(v),
            FilterPart::StartDates if k == "from" => f.started_from = start_date(v),
            FilterPart::StartDates => f.started_to = start_date(v),
            FilterPart::Anniversary => f.anniversary_within = days(v),
            FilterPart::Birthday => f.birthday_within = days(v),
            FilterPart::Teams
            | FilterPart::Manager
            | FilterPart::Countries
            | FilterPart::Departments
            | FilterPart::Offices
            | FilterPart::Sources => {}
        }
    }

    /// `f` with this part alone, leavers and starters included: the question "does this part
    /// on its own let the person in?".
    pub fn only(self, f: &StaffFilter) -> StaffFilter {
        let mut only = StaffFilter {
            include_leavers: true,
            include_pending: true,
            ..StaffFilter::default()
        };
        for (k, v) in self.pairs(f) {
            self.read(&mut only, k, &v);
        }
        only
    }
}

impl StaffFilter {
    /// The parts this filter sets, in URL order. Every field is named here, so a new field
    /// does not compile until it is given a part or declared a setting of the list.
    pub fn parts(&self) -> Vec<FilterPart> {
        let StaffFilter {
            q,
            teams,
            manager,
            direct_only: _,
            joined_within,
            countries,
            departments,
            offices,
            sources,
            job_title,
            started_from,
            started_to,
            anniversary_within,
            birthday_within,
            // Settings of the list: who else to show, in which order, which page.
            include_pending: _,
            include_leavers: _,
            sort: _,
            page: _,
        } = self;
        [
            (FilterPart::Text, !q.trim().is_empty()),
            (FilterPart::Teams, !teams.is_empty()),
            (FilterPart::Manager, manager.is_some()),
            (FilterPart::Joined, joined_within.is_some()),
            (FilterPart::Countries, !countries.is_empty()),
            (FilterPart::Departments, !departments.is_empty()),
            (FilterPart::Offices, !offices.is_empty()),
            (FilterPart::Sources, !sources.is_empty()),
            (FilterPart::JobTitle, !job_title.trim().is_empty()),
            (
                FilterPart::StartDates,
                started_from.is_some() || started_to.is_some(),
            ),
            (FilterPart::Anniversary, anniversary_within.is_some()),
            (FilterPart::Birthday, birthday_within.is_some()),
        ]
        .into_iter()
        .filter_map(|(part, set)| set.then_some(part))
        .collect()
    }

    /// The filter as URL query parameters, so a filtered list can be shared and Back works.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .parts()
            .into_iter()
            .flat_map(|part| part.pairs(self))
            .collect();
        let on = |set: bool| set.then(|| "1".to_owned());
        pairs.extend(on(self.include_pending).map(|v| ("pending", v)));
        pairs.extend(on(self.include_leavers).map(|v| ("leavers", v)));
        if self.sort != SortOrder::default() {
            pairs.push(("sort", self.sort.key().to_owned()));
        }
        if self.page > 0 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads the filter back from query pairs; anything malformed is ignored, never an error,
    /// because people edit and paste URLs. What it returns always passes [`Self::validate`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut f = StaffFilter::default();
        for (k, v) in pairs {
            let v = v.trim();
            if let Some(part) = FilterPart::ALL.into_iter().find(|p| p.keys().contains(&k)) {
                part.read(&mut f, k, v);
                continue;
            }
            match k {
                "pending" => f.include_pending = v == "1",
                "leavers" => f.include_leavers = v == "1",
                "sort" => f.sort = SortOrder::parse(v).unwrap_or_default(),
                "page" => f.page = v.parse().unwrap_or(0).min(MAX_PAGE),
                _ => {}
            }
        }
        // "Direct reports only" means nothing without a manager, and the URL never writes it
        // alone; read alone, it would make a filter that differs from its own URL.
        f.direct_only &= f.manager.is_some();
        f
    }

    /// The limits [`Self::from_pairs`] applies to a URL, applied to a filter that arrives whole
    /// (the server functions take it as JSON): the first value outside them, with a sentence
    /// naming the filter it belongs to.
    pub fn validate(&self) -> Result<(), FilterError> {
        let refuse = |field: &'static str, message: String| Err(FilterError { field, message });
        text::one_line("The search text", &self.q, text::MAX_SEARCH)
            .or_else(|e| refuse("q", e.to_string()))?;
        text::one_line("The job title filter", &self.job_title, text::MAX_SEARCH)
            .or_else(|e| refuse("title", e.to_string()))?;
        self.validate_choices()?;
        self.validate_ranges()
    }

    /// The filters of several choices, and the manager: each value one of its choices.
    fn validate_choices(&self) -> Result<(), FilterError> {
        let refuse = |field: &'static str, message: String| Err(FilterError { field, message });
        let lists: [ChoiceList; 5] = [
            ("team", &self.teams, MAX_TEAMS, is_ref, "team"),
            (
                "dept",
                &self.departments,
                MAX_DEPARTMENTS,
                is_ref,
                "department",
            ),
            ("office", &self.offices, MAX_OFFICES, is_office, "office"),
            (
                "country",
                &self.countries,
                MAX_COUNTRIES,
                is_country,
                "country",
            ),
            ("source", &self.sources, MAX_SOURCES, is_uuid, "HR system"),
        ];
        for (field, values, max, valid, noun) in lists {
            if values.len() > max {
                return refuse(field, format!("Choose at most {max} of the {noun} filter."));
            }
            if !values.iter().all(|v| valid(v)) {
                return refuse(
                    field,
                    format!("The {noun} filter holds a value that is not one of its choices."),
                );
            }
        }
        if self.manager.as_deref().is_some_and(|m| !is_ref(m)) {
            return refuse(
                "manager",
                "The manager filter does not name a person. Choose the manager again.".into(),
            );
        }
        Ok(())
    }

    /// The numbers and dates: within what a person could mean.
    fn validate_ranges(&self) -> Result<(), FilterError> {
        let refuse = |field: &'static str, message: String| Err(FilterError { field, message });
        if self
            .joined_within
            .is_some_and(|d| !JOINED_DAYS.contains(&d))
        {
            return refuse(
                "joined",
                format!(
                    "The \"joined in the last\" filter must be between {} and {} days.",
                    JOINED_DAYS.start(),
                    JOINED_DAYS.end()
                ),
            );
        }
        for (field, date) in [("from", self.started_from), ("to", self.started_to)] {
            if date.is_some_and(|d| !(EARLIEST_START..=LATEST_START).contains(&d)) {
                return refuse(
                    field,
                    format!("Start dates must be between {EARLIEST_START} and {LATEST_START}."),
                );
            }
        }
        for (field, within) in [
            ("anniversary", self.anniversary_within),
            ("birthday", self.birthday_within),
        ] {
            if within.is_some_and(|d| !UPCOMING_DAYS.contains(&d)) {
                return refuse(
                    field,
                    format!(
                        "Upcoming dates can be looked for between {} and {} days ahead.",
                        UPCOMING_DAYS.start(),
                        UPCOMING_DAYS.end()
                    ),
                );
            }
        }
        if self.page > MAX_PAGE {
            return refuse("page", format!("Pages go up to {MAX_PAGE}."));
        }
        Ok(())
    }
}

/// A filter of several choices: its URL key, its values, how many it may hold, the check of one
/// value, and its name in a message.
type ChoiceList<'a> = (
    &'static str,
    &'a [String],
    usize,
    fn(&str) -> bool,
    &'static str,
);

/// A filter value outside the limits, and the URL key of the filter it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    pub field: &'static str,
    pub message: String,
}

pub const MAX_TEAMS: usize = 50;
pub const MAX_DEPARTMENTS: usize = 50;
pub const MAX_OFFICES: usize = 50;
pub const MAX_COUNTRIES: usize = 50;
pub const MAX_SOURCES: usize = 20;
pub const MAX_PAGE: u32 = 10_000;
pub const JOINED_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;
pub const UPCOMING_DAYS: std::ops::RangeInclusive<u32> = 1..=366;
/// Start dates a filter may name. Postgres and chrono reach far wider, but a date outside these
/// is a typo, and arithmetic on the extremes overflows.
pub const EARLIEST_START: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
pub const LATEST_START: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a valid date");

/// Typed text from a URL: control characters dropped, cut to the search length.
fn typed_text(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_control())
        .take(text::MAX_SEARCH)
        .collect()
}

fn start_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| (EARLIEST_START..=LATEST_START).contains(d))
}

fn days(v: &str) -> Option<u32> {
    v.parse().ok().filter(|d| UPCOMING_DAYS.contains(d))
}

fn is_country(v: &str) -> bool {
    v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())
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

/// A person, team or department as `<connection id>/<id>`: named like a person
/// ([`PersonKey`]).
pub fn is_ref(v: &str) -> bool {
    PersonKey::parse(v).is_some()
}

/// A person's key as the staff table and campaigns name them: `<connection id>/<Merge id>`.
pub fn check_person_key(key: &str) -> Result<PersonKey, FilterError> {
    PersonKey::parse(key).ok_or_else(|| FilterError {
        field: "key",
        message:
            "That does not name a person in your staff list. Reload the page and choose them again."
                .into(),
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

/// A team as one HR system's tree holds it, for [`team_choices`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemTeam {
    /// `<connection id>/<team id>`.
    pub team_ref: String,
    pub name: String,
    /// The names from the top of its tree down to it, joined by " / ".
    pub path: String,
    pub depth: i32,
    /// The HR system it comes from, as the connection is named.
    pub system: String,
}

/// One choice of the Team filter: a team with its sub-teams, or, where several HR systems have a
/// team of the same name at the same place in their trees ("Leadership / Customer Success"), all
/// of them at once, because that is the team a person means when they choose the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChoice {
    /// The teams it covers, as `<connection id>/<team id>`: what goes into the URL's `team=`.
    pub refs: Vec<String>,
    /// The HR system of each of `refs`, in the same order.
    pub ref_systems: Vec<String>,
    pub name: String,
    /// Where it sits: the names above it, top first (empty at the top of a tree).
    pub parents: String,
    pub depth: i32,
    /// The HR systems it covers, in the order they were connected.
    pub systems: Vec<String>,
}

/// Folds teams of several HR systems into the Team filter's choices: teams whose paths are the
/// same apart from case and surrounding spaces become one choice. `teams` comes in tree order
/// (by path), with each system's teams in the order the systems were connected; the choices keep
/// that order.
pub fn team_choices(teams: Vec<SystemTeam>) -> Vec<TeamChoice> {
    let key = |path: &str| {
        path.split(" / ")
            .map(|part| part.trim().to_lowercase())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut choices: Vec<TeamChoice> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for t in teams {
        let k = key(&t.path);
        match index.get(&k) {
            Some(&i) => {
                let c = &mut choices[i];
                c.refs.push(t.team_ref);
                c.ref_systems.push(t.system.clone());
                if !c.systems.contains(&t.system) {
                    c.systems.push(t.system);
                }
            }
            None => {
                index.insert(k, choices.len());
                let parents = t
                    .path
                    .rsplit_once(" / ")
                    .map(|(above, _)| above.to_owned())
                    .unwrap_or_default();
                choices.push(TeamChoice {
                    refs: vec![t.team_ref],
                    ref_systems: vec![t.system.clone()],
                    name: t.name,
                    parents,
                    depth: t.depth,
                    systems: vec![t.system],
                });
            }
        }
    }
    choices
}

/// A "Reports to" suggestion: one per person, however many HR systems list them (the staff
/// view's one-person rule), with the systems they appear in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ManagerSuggestion {
    /// The record the staff view shows for them, as `<connection id>/<employee id>`.
    pub key: String,
    pub name: String,
    pub job_title: Option<String>,
    pub systems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    /// In tree order.
    pub teams: Vec<TeamChoice>,
    /// `(ISO 3166 alpha-2 code, English name)`, by name.
    pub countries: Vec<(String, String)>,
    /// `(ref, name)` by name.
    pub departments: Vec<(String, String)>,
    /// "City, CC", by country then city.
    pub offices: Vec<String>,
    /// `(connection id, connection name)`, only when there are several.
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
    fn direct_reports_alone_mean_nothing_and_read_as_nothing() {
        let f = StaffFilter::from_pairs([("direct", "1")]);
        assert!(!f.direct_only);
        assert_eq!(f, StaffFilter::default());
    }

    /// A filter that sets every field.
    fn every_part() -> StaffFilter {
        StaffFilter {
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
        }
    }

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), percent_decode(v))
            })
            .collect()
    }

    #[test]
    fn round_trips_through_the_url_and_ignores_junk() {
        let f = every_part();
        let pairs = pairs(&f.to_query());
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

    #[test]
    fn each_part_alone_round_trips_and_is_the_only_part_set() {
        let f = every_part();
        assert_eq!(f.parts(), FilterPart::ALL);
        for part in FilterPart::ALL {
            let only = part.only(&f);
            assert_eq!(only.parts(), [part], "{part:?}");
            assert_eq!(
                only.to_query(),
                format!("{}&pending=1&leavers=1", part_query(&f, part)),
                "{part:?}"
            );
            let back = StaffFilter::from_pairs(
                pairs(&only.to_query())
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            );
            assert_eq!(back, only, "{part:?}");
        }
    }

    fn part_query(f: &StaffFilter, part: FilterPart) -> String {
        part.pairs(f)
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    #[test]
    fn a_filter_sent_whole_meets_the_limits_of_the_url() {
        assert_eq!(StaffFilter::default().validate(), Ok(()));
        let refused = |f: StaffFilter| f.validate().unwrap_err();
        type Breaks = fn(&mut StaffFilter);
        let cases: [(&str, Breaks); 15] = [
            ("q", |f| f.q = "a\u{0}".into()),
            ("q", |f| f.q = "x".repeat(101)),
            ("title", |f| f.job_title = "\u{1b}[31m".into()),
            ("joined", |f| f.joined_within = Some(2_147_483_647)),
            ("joined", |f| f.joined_within = Some(0)),
            ("from", |f| {
                f.started_from = NaiveDate::from_ymd_opt(-200_000, 1, 1)
            }),
            ("to", |f| {
                f.started_to = NaiveDate::from_ymd_opt(262_000, 1, 1)
            }),
            ("anniversary", |f| f.anniversary_within = Some(367)),
            ("birthday", |f| f.birthday_within = Some(0)),
            ("page", |f| f.page = 10_001),
            ("team", |f| f.teams = vec!["'; drop table".into()]),
            ("manager", |f| f.manager = Some("x\u{0}".into())),
            ("country", |f| f.countries = vec!["de".into()]),
            ("office", |f| f.offices = vec!["Berlin".into()]),
            ("source", |f| f.sources = vec!["x".into(); 21]),
        ];
        for (field, set) in cases {
            let mut filter = StaffFilter::default();
            set(&mut filter);
            let err = refused(filter.clone());
            assert_eq!(err.field, field, "{filter:?}");
            assert!(err.message.ends_with('.'), "{}", err.message);
        }
        assert!(
            refused(StaffFilter {
                joined_within: Some(4000),
                ..Default::default()
            })
            .message
            .contains("between 1 and 3650 days")
        );
    }

    #[test]
    fn a_url_with_control_characters_and_extreme_values_reads_as_a_valid_filter() {
        let f = StaffFilter::from_pairs([
            ("q", "ad\u{0}a"),
            ("title", "lead\u{7}"),
            ("joined", "2147483647"),
            ("from", "-200000-01-01"),
            ("to", "+262000-01-01"),
            ("page", "99999999"),
        ]);
        assert_eq!(f.q, "ada");
        assert_eq!(f.job_title, "lead");
        assert_eq!(
            (f.joined_within, f.started_from, f.started_to),
            (None, None, None)
        );
        assert_eq!(f.page, MAX_PAGE);
        assert_eq!(f.validate(), Ok(()));
        let many: Vec<(&str, &str)> = std::iter::repeat_n(("country", "de"), 80).collect();
        let f = StaffFilter::from_pairs(many);
        assert_eq!(f.countries.len(), MAX_COUNTRIES);
        assert_eq!(f.validate(), Ok(()));
    }

    #[test]
    fn person_keys_are_references() {
        assert!(check_person_key("0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m-9").is_ok());
        for bad in ["", "x/y", "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/\u{0}"] {
            assert!(check_person_key(bad).is_err(), "{bad:?}");
        }
    }

    fn team(team_ref: &str, path: &str, system: &str) -> SystemTeam {
        SystemTeam {
            team_ref: team_ref.into(),
            name: path.rsplit(" / ").next().unwrap().into(),
            path: path.into(),
            depth: path.matches(" / ").count() as i32,
            system: system.into(),
        }
    }

    #[test]
    fn the_same_team_in_several_systems_is_one_choice_and_different_ones_stay_apart() {
        let choices = team_choices(vec![
            team("a/1", "Leadership", "Sage HR · A"),
            team("b/1", "leadership ", "BambooHR · B"),
            team("a/2", "Leadership / Customer Success", "Sage HR · A"),
            team("b/7", "Leadership / Customer Success", "BambooHR · B"),
            team("c/3", "Leadership / Customer Success", "Sage HR · A"),
            team("b/8", "Leadership / Sales", "BambooHR · B"),
            team("a/9", "Operations / Customer Success", "Sage HR · A"),
        ]);
        let shown: Vec<(Vec<&str>, &str, &str, Vec<&str>)> = choices
            .iter()
            .map(|c| {
                (
                    c.refs.iter().map(String::as_str).collect(),
                    c.name.as_str(),
                    c.parents.as_str(),
                    c.systems.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    vec!["a/1", "b/1"],
                    "Leadership",
                    "",
                    vec!["Sage HR · A", "BambooHR · B"]
                ),
                (
                    vec!["a/2", "b/7", "c/3"],
                    "Customer Success",
                    "Leadership",
                    vec!["Sage HR · A", "BambooHR · B"]
                ),
                (vec!["b/8"], "Sales", "Leadership", vec!["BambooHR · B"]),
                (
                    vec!["a/9"],
                    "Customer Success",
                    "Operations",
                    vec!["Sage HR · A"]
                ),
            ]
        );
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
