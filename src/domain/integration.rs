//! What the browser sees of connections, the catalogue and sync progress. No tokens, no
//! credentials: these types are all that crosses the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    Syncing,
    Healthy,
    NeedsAttention,
    NeedsRelink,
    Disconnected,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Syncing => "Syncing",
            Health::Healthy => "Healthy",
            Health::NeedsAttention => "Needs attention",
            Health::NeedsRelink => "Needs relink",
            Health::Disconnected => "Disconnected",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            Health::Syncing => "status status--syncing",
            Health::Healthy => "status status--ok",
            Health::NeedsAttention => "status status--warn",
            Health::NeedsRelink => "status status--danger",
            Health::Disconnected => "status status--muted",
        }
    }
}

/// The steps the connect dialog and the integration card show while a sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Queued,
    Connecting,
    Reading,
    Filtering,
    Ready,
    Failed,
}

impl Phase {
    pub fn parse(phase: &str, state: &str) -> Phase {
        match (state, phase) {
            ("failed", _) => Phase::Failed,
            ("succeeded" | "partial", _) => Phase::Ready,
            ("queued", "connecting") => Phase::Queued,
            (_, "connecting") => Phase::Connecting,
            (_, "reading") => Phase::Reading,
            (_, "filtering") => Phase::Filtering,
            (_, "ready") => Phase::Ready,
            _ => Phase::Queued,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Queued | Phase::Connecting => "Connecting",
            Phase::Reading => "Reading people",
            Phase::Filtering => "Applying your data filters",
            Phase::Ready => "Ready",
            Phase::Failed => "Sync failed",
        }
    }

    pub fn step(self) -> usize {
        match self {
            Phase::Queued | Phase::Connecting => 0,
            Phase::Reading => 1,
            Phase::Filtering => 2,
            Phase::Ready | Phase::Failed => 3,
        }
    }

    pub fn is_running(self) -> bool {
        !matches!(self, Phase::Ready | Phase::Failed)
    }
}

pub const PHASE_STEPS: [&str; 4] = [
    "Connecting",
    "Reading people",
    "Applying your data filters",
    "Ready",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: Phase,
    pub received: i64,
    /// People expected, when known (the previous sync's count); a first sync does not know.
    pub expected: Option<i64>,
    pub elapsed_secs: i64,
    pub error: Option<String>,
    pub added: i64,
    pub updated: i64,
    pub removed: i64,
    pub skipped: i64,
}

impl SyncProgress {
    /// Fraction done, when there is something to measure against.
    pub fn fraction(&self) -> Option<f64> {
        match self.phase {
            Phase::Ready => Some(1.0),
            Phase::Filtering => Some(0.97),
            _ => self
                .expected
                .filter(|e| *e > 0)
                .map(|e| (self.received as f64 / e as f64).clamp(0.0, 0.95)),
        }
    }

    /// Seconds left, estimated from the reading rate so far.
    pub fn remaining_secs(&self) -> Option<i64> {
        let expected = self.expected?;
        if self.phase != Phase::Reading || self.received == 0 || self.elapsed_secs == 0 {
            return None;
        }
        let rate = self.received as f64 / self.elapsed_secs as f64;
        Some(((expected - self.received).max(0) as f64 / rate).ceil() as i64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: Uuid,
    pub category: String,
    pub slug: String,
    pub system: String,
    /// The connection's name, distinct within the account and shown wherever it is named.
    pub label: String,
    /// Where its HR tenant lives, e.g. "globex.sage.hr", when the details named one.
    pub tenant_address: Option<String>,
    pub color: String,
    pub health: Health,
    pub reason: Option<String>,
    pub people: i64,
    pub data_as_of: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    pub consented_by: Option<String>,
    pub consented_at: DateTime<Utc>,
    pub fields_enabled: Vec<String>,
    pub disconnected_at: Option<DateTime<Utc>>,
}

impl ConnectionView {
    pub fn is_crm(&self) -> bool {
        self.category == "crm"
    }

    /// What the connection is, under its name: "Sage HR · HR system · globex.sage.hr".
    pub fn kind_line(&self) -> String {
        let kind = if self.is_crm() { "CRM" } else { "HR system" };
        match &self.tenant_address {
            Some(address) => format!("{} · {kind} · {address}", self.system),
            None => format!("{} · {kind}", self.system),
        }
    }

    /// What a CRM integration does for the account, in place of an HR system's staff figures.
    pub fn crm_summary(&self) -> String {
        format!(
            "{} is your CRM. &Open uses it for gifts to your clients and prospects, and your &Open account team \
             sets it up and looks after it. It reads no staff data: nobody from it appears under People or \
             among a campaign's recipients.",
            self.system
        )
    }
}

/// The picker's answer when a search names a CRM rather than an HR system.
pub fn crm_in_picker(name: &str) -> String {
    format!(
        "{name} is a CRM, not an HR system. CRM integrations are set up by your &Open account team \
         rather than here: ask them to connect {name}, and it will be listed on this page."
    )
}

/// An open campaign that reaches people through a connection: disconnecting it takes `loses`
/// of its `of` recipients away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLoss {
    pub campaign_id: Uuid,
    pub name: String,
    pub loses: i64,
    pub of: i64,
}

impl CampaignLoss {
    pub fn sentence(&self) -> String {
        format!("{} loses {} of {}", self.name, self.loses, self.of)
    }
}

/// What the Disconnect dialog shows before anything is changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisconnectPreview {
    pub label: String,
    pub campaigns: Vec<CampaignLoss>,
}

/// Longest connection name, as the database allows.
pub const MAX_LABEL: usize = 80;

/// The name a connection gets when the admin does not choose one: the system and the tenant
/// that tells it apart ("Sage HR · globex"), or, when the details name no tenant, the day it
/// was connected ("Personio · connected 4 Dec 2026").
pub fn default_label(system: &str, tenant: Option<&str>, connected_on: NaiveDate) -> String {
    let label = match tenant {
        Some(t) => format!("{system} · {t}"),
        None => format!("{system} · connected {}", connected_on.format("%-d %b %Y")),
    };
    label.chars().take(MAX_LABEL).collect()
}

/// `wanted`, or, when another connection of the account already has that name
/// (case-insensitively), the same name numbered: "Sage HR · globex (2)", "(3)", …
pub fn distinct_label(wanted: &str, taken: &[String]) -> String {
    let is_taken = |l: &str| taken.iter().any(|t| t.to_lowercase() == l.to_lowercase());
    if !is_taken(wanted) {
        return wanted.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let room = MAX_LABEL - suffix.chars().count();
            let base: String = wanted.chars().take(room).collect();
            format!("{}{suffix}", base.trim_end())
        })
        .find(|l| !is_taken(l))
        .unwrap_or_else(|| wanted.to_owned())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueItem {
    pub slug: String,
    pub name: String,
    pub abbreviated: Option<String>,
    pub color: String,
    /// A CRM: listed so the picker can say how those are set up, never connected from it.
    pub crm: bool,
}

impl CatalogueItem {
    /// Matches a search box entry: every word must start a word of the name, the abbreviated
    /// name or an alias ("sage" finds Sage HR, "access" finds PeopleHR as Access PeopleHR).
    pub fn matches(&self, query: &str) -> bool {
        let q = fold(query);
        if q.is_empty() {
            return true;
        }
        let hay = [
            Some(self.name.as_str()),
            self.abbreviated.as_deref(),
            alias(&self.slug),
        ];
        let haystack: Vec<String> = hay.iter().flatten().map(|s| fold(s)).collect();
        q.split_whitespace().all(|word| {
            haystack.iter().any(|h| {
                h.contains(word)
                    && (h.starts_with(word) || h.split(' ').any(|w| w.starts_with(word)))
            }) || haystack.iter().any(|h| h.replace(' ', "").contains(word))
        })
    }

    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect()
    }
}

fn alias(slug: &str) -> Option<&'static str> {
    match slug {
        "peoplehr" => Some("Access PeopleHR"),
        "hibob" => Some("Bob"),
        "sage-hr" => Some("Sage CakeHR"),
        "adp-workforce-now" => Some("ADP WFN"),
        "microsoft-entra-id" => Some("Azure Active Directory AD"),
        _ => None,
    }
}

fn fold(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(slug: &str, name: &str, abbr: Option<&str>) -> CatalogueItem {
        CatalogueItem {
            slug: slug.into(),
            name: name.into(),
            abbreviated: abbr.map(Into::into),
            color: "#000".into(),
            crm: false,
        }
    }

    #[test]
    fn default_labels_name_the_tenant_or_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(
            default_label("Sage HR", Some("globex"), day),
            "Sage HR · globex"
        );
        assert_eq!(
            default_label("Personio", None, day),
            "Personio · connected 4 Dec 2026"
        );
        let long = "x".repeat(200);
        assert_eq!(
            default_label("Workday", Some(&long), day).chars().count(),
            MAX_LABEL
        );
    }

    #[test]
    fn labels_are_numbered_until_distinct() {
        let taken = vec![
            "Sage HR · globex".to_owned(),
            "sage hr · GLOBEX (2)".to_owned(),
        ];
        assert_eq!(
            distinct_label("Sage HR · initech", &taken),
            "Sage HR · initech"
        );
        assert_eq!(
            distinct_label("Sage HR · globex", &taken),
            "Sage HR · globex (3)"
        );
        let full = "y".repeat(MAX_LABEL);
        let numbered = distinct_label(&full, std::slice::from_ref(&full));
        assert_eq!(numbered.chars().count(), MAX_LABEL);
        assert!(numbered.ends_with(" (2)"));
    }

    #[test]
    fn search_finds_names_abbreviations_and_aliases() {
        let sage = item("sage-hr", "Sage HR", Some("Sage"));
        let people = item("peoplehr", "PeopleHR", Some("Access PeopleHR"));
        let bamboo = item("bamboohr", "BambooHR", None);
        assert!(sage.matches("sage"));
        assert!(sage.matches("SAGE h"));
        assert!(people.matches("access"));
        assert!(people.matches("people hr"));
        assert!(bamboo.matches("bamboo"));
        assert!(!bamboo.matches("sage"));
        assert!(bamboo.matches(""));
    }

    #[test]
    fn progress_estimates_only_what_it_can() {
        let p = SyncProgress {
            phase: Phase::Reading,
            received: 500,
            expected: Some(1000),
            elapsed_secs: 5,
            error: None,
            added: 0,
            updated: 0,
            removed: 0,
            skipped: 0,
        };
        assert_eq!(p.fraction(), Some(0.5));
        assert_eq!(p.remaining_secs(), Some(5));
        let first = SyncProgress {
            expected: None,
            ..p
        };
        assert_eq!(first.fraction(), None);
        assert_eq!(first.remaining_secs(), None);
        assert_eq!(Phase::parse("reading", "running"), Phase::Reading);
        assert_eq!(Phase::parse("reading", "failed"), Phase::Failed);
    }
}

/// White or near-black, whichever reads better on a brand colour (WCAG contrast).
pub fn text_color_on(hex: &str) -> &'static str {
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map(|v| {
                let c = v as f64 / 255.0;
                if c <= 0.03928 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            })
    };
    let (Some(r), Some(g), Some(b)) = (channel(1), channel(3), channel(5)) else {
        return "#ffffff";
    };
    let lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let with_white = 1.05 / (lum + 0.05);
    let with_dark = (lum + 0.05) / 0.0605;
    if with_white >= with_dark {
        "#ffffff"
    } else {
        "#141a2b"
    }
}

#[cfg(test)]
mod contrast_tests {
    use super::text_color_on;

    #[test]
    fn picks_the_readable_text_colour() {
        assert_eq!(text_color_on("#1f2a44"), "#ffffff");
        assert_eq!(text_color_on("#f6a704"), "#141a2b");
        assert_eq!(text_color_on("nonsense"), "#ffffff");
    }
}
