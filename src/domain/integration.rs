//! What the browser sees of connections, the catalogue and sync progress. No tokens, no
//! credentials: these types are all that crosses the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::numbers::grouped;
use super::sync_job::JobState;

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
    /// Merge is still copying the staff from the HR system (its own first sync).
    Preparing,
    /// Reading teams and departments, before the first person.
    Organisation,
    Reading,
    /// Removals, and working out who campaigns can choose (leavers, one person in two systems).
    Filtering,
    Ready,
    Failed,
}

impl Phase {
    /// The job's phase and state; `derived` says whether what it wrote is folded into who
    /// campaigns can choose yet. Until it is, the sync is not ready for campaigns.
    pub fn parse(phase: &str, state: JobState, derived: bool) -> Phase {
        match (state, phase) {
            (JobState::Failed, _) => Phase::Failed,
            (JobState::Succeeded | JobState::Partial, _) if derived => Phase::Ready,
            (JobState::Succeeded | JobState::Partial, _) => Phase::Filtering,
            (JobState::Queued, "connecting") => Phase::Queued,
            (_, "connecting") => Phase::Connecting,
            (_, "preparing") => Phase::Preparing,
            (_, "organisation") => Phase::Organisation,
            (_, "reading") => Phase::Reading,
            (_, "filtering") => Phase::Filtering,
            (_, "ready") => Phase::Ready,
            _ => Phase::Queued,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Queued => "Waiting to start",
            Phase::Connecting => "Connecting",
            Phase::Preparing => "Merge is preparing your data",
            Phase::Organisation => "Reading teams and departments",
            Phase::Reading => "Reading people",
            Phase::Filtering => "Applying your data filters",
            Phase::Ready => "Ready",
            Phase::Failed => "Sync failed",
        }
    }

    pub fn step(self) -> usize {
        match self {
            Phase::Queued | Phase::Connecting => 0,
            Phase::Preparing => 1,
            Phase::Organisation | Phase::Reading => 2,
            Phase::Filtering => 3,
            Phase::Ready | Phase::Failed => 4,
        }
    }

    pub fn is_running(self) -> bool {
        !matches!(self, Phase::Ready | Phase::Failed)
    }
}

pub const PHASE_STEPS: [&str; 5] = [
    "Connecting",
    "Merge prepares your data",
    "Reading people",
    "Applying your data filters",
    "Ready",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: Phase,
    pub received: i64,
    /// People expected, when known: as many as the last full sync read. Merge's lists carry no
    /// total, so a first sync (and an incremental one) does not know.
    pub expected: Option<i64>,
    pub elapsed_secs: i64,
    /// Seconds in the current phase.
    pub phase_secs: i64,
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
            Phase::Failed => None,
            _ => self
                .expected
                .filter(|e| *e > 0)
                .map(|e| (self.received as f64 / e as f64).clamp(0.0, 0.99)),
        }
    }

    pub fn percent(&self) -> Option<i64> {
        self.fraction().map(|f| (f * 100.0).floor() as i64)
    }

    /// People read per second while reading, once there is a second to measure.
    pub fn rate(&self) -> Option<i64> {
        (self.phase == Phase::Reading && self.received > 0 && self.phase_secs > 0)
            .then(|| (self.received as f64 / self.phase_secs as f64).round() as i64)
    }

    /// Seconds left, estimated from the reading rate so far.
    pub fn remaining_secs(&self) -> Option<i64> {
        let expected = self.expected?;
        if self.phase != Phase::Reading || self.received == 0 || self.phase_secs == 0 {
            return None;
        }
        let rate = self.received as f64 / self.phase_secs as f64;
        Some(((expected - self.received).max(0) as f64 / rate).ceil() as i64)
    }

    /// The counts, as the dialog and the card both show them.
    pub fn counts(&self) -> String {
        match (self.phase, self.expected) {
            (Phase::Queued | Phase::Connecting | Phase::Preparing | Phase::Organisation, _)
                if self.received == 0 =>
            {
                "No people read yet".to_owned()
            }
            (p, Some(e)) if p.is_running() => {
                format!("{} of about {} people", grouped(self.received), grouped(e))
            }
            _ => format!("{} received", people(self.received)),
        }
    }

    /// What is happening now: how long Merge has been preparing, or the rate, percentage and
    /// time left, as far as each can be known.
    pub fn detail(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.percent().filter(|_| self.phase.is_running()) {
            out.push(format!("{p}%"));
        }
        if let Some(r) = self.rate() {
            out.push(format!("{} people a second", grouped(r)));
        }
        match (self.phase, self.remaining_secs()) {
            (_, Some(r)) => out.push(format!("about {} left", duration(r))),
            (Phase::Preparing, None) => out.push(format!("{} so far", duration(self.phase_secs))),
            _ => {}
        }
        out.push(format!("{} elapsed", duration(self.elapsed_secs)));
        out
    }

    /// Why there is no percentage, when there is none while people are being read.
    pub fn no_total_note(&self) -> Option<&'static str> {
        (self.expected.is_none()
            && matches!(
                self.phase,
                Phase::Preparing | Phase::Organisation | Phase::Reading
            ))
        .then_some(
            "Merge does not say in advance how many people there are, so the first sync shows a count rather than a percentage. Later syncs show a percentage and the time left.",
        )
    }

    /// A sentence for what Merge is doing while it prepares the data.
    pub fn preparing_note(&self) -> Option<&'static str> {
        (self.phase == Phase::Preparing).then_some(
            "Merge is copying your staff from the HR system for the first time. Merge does not report how far it has got; reading starts as soon as it is done.",
        )
    }
}

/// "1 person", "10,000 people".
pub fn people(n: i64) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{} people", grouped(n))
    }
}

pub fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Of a connection's synced people, who campaigns can choose and why the others are not offered.
/// Worked out by the store with the recipients query's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// In the HR system now (leavers included).
    pub synced: i64,
    pub leavers: i64,
    /// Starting later, or still pending.
    pub not_started: i64,
    /// The same work email is already listed from a system connected earlier.
    pub listed_elsewhere: i64,
    pub recipients: i64,
}

impl Reach {
    /// "1,200 people synced; 1,157 can receive gifts" and a line per reason for the difference.
    pub fn headline(&self) -> String {
        format!(
            "{} synced; {} can be chosen in campaigns.",
            people(self.synced),
            grouped(self.recipients)
        )
    }

    pub fn reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.leavers > 0 {
            out.push(format!(
                "{} left the company (campaigns never offer leavers)",
                grouped(self.leavers)
            ));
        }
        if self.not_started > 0 {
            out.push(format!(
                "{} start later (offered once they start, or when a campaign includes people who have not started)",
                grouped(self.not_started)
            ));
        }
        if self.listed_elsewhere > 0 {
            out.push(format!(
                "{} are already listed from another HR system with the same work email (each person is offered once)",
                grouped(self.listed_elsewhere)
            ));
        }
        out
    }
}

/// What an HR system would not let Merge read, and what that leaves empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingAccess {
    /// Merge's description of the problem (text from outside: shown as text).
    pub problem: String,
    /// Recipient filters that find no one from this system, because no one came with the data.
    pub empty_filters: Vec<String>,
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
    /// Set while the HR system withholds data Merge asked for (missing permissions).
    pub missing_access: Option<MissingAccess>,
    /// After the first sync: who of its people campaigns can choose.
    pub reach: Option<Reach>,
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
            received: 5_000,
            expected: Some(10_000),
            elapsed_secs: 9,
            phase_secs: 5,
            error: None,
            added: 0,
            updated: 0,
            removed: 0,
            skipped: 0,
        };
        assert_eq!(p.fraction(), Some(0.5));
        assert_eq!(p.percent(), Some(50));
        assert_eq!(p.rate(), Some(1_000));
        assert_eq!(p.remaining_secs(), Some(5));
        assert_eq!(p.counts(), "5,000 of about 10,000 people");
        assert_eq!(
            p.detail(),
            [
                "50%",
                "1,000 people a second",
                "about 5 s left",
                "9 s elapsed"
            ]
        );
        assert_eq!(p.no_total_note(), None);
        let first = SyncProgress {
            expected: None,
            ..p.clone()
        };
        assert_eq!(first.fraction(), None);
        assert_eq!(first.remaining_secs(), None);
        assert_eq!(first.counts(), "5,000 people received");
        assert_eq!(first.detail(), ["1,000 people a second", "9 s elapsed"]);
        assert!(first.no_total_note().is_some());
        let preparing = SyncProgress {
            phase: Phase::Preparing,
            received: 0,
            phase_secs: 4,
            ..first.clone()
        };
        assert_eq!(preparing.counts(), "No people read yet");
        assert_eq!(preparing.detail(), ["4 s so far", "9 s elapsed"]);
        assert!(preparing.preparing_note().is_some());
        assert_eq!(
            Phase::parse("reading", JobState::Running, false),
            Phase::Reading
        );
        assert_eq!(
            Phase::parse("reading", JobState::Failed, false),
            Phase::Failed
        );
        assert_eq!(
            Phase::parse("preparing", JobState::Running, false),
            Phase::Preparing
        );
        assert_eq!(
            Phase::parse("ready", JobState::Partial, false),
            Phase::Filtering
        );
        assert_eq!(Phase::parse("ready", JobState::Partial, true), Phase::Ready);
    }

    #[test]
    fn reach_explains_who_is_left_out() {
        let r = Reach {
            synced: 1_200,
            leavers: 30,
            not_started: 8,
            listed_elsewhere: 5,
            recipients: 1_157,
        };
        assert_eq!(
            r.headline(),
            "1,200 people synced; 1,157 can be chosen in campaigns."
        );
        assert_eq!(r.reasons().len(), 3);
        assert!(r.reasons()[0].starts_with("30 left"));
        let all = Reach {
            synced: 1,
            leavers: 0,
            not_started: 0,
            listed_elsewhere: 0,
            recipients: 1,
        };
        assert!(all.reasons().is_empty());
        assert_eq!(people(1), "1 person");
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
