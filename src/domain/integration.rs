//! What the browser sees of connections, the catalogue and sync progress. No tokens, no
//! credentials: these types are all that crosses the wire.

use chrono::{DateTime, Utc};
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
    pub label: String,
    pub color: String,
    pub health: Health,
    pub reason: Option<String>,
    pub people: i64,
    pub data_as_of: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    pub consented_by: Option<String>,
    pub consented_at: DateTime<Utc>,
    pub fields_enabled: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueItem {
    pub slug: String,
    pub name: String,
    pub abbreviated: Option<String>,
    pub color: String,
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
        }
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
