//! Campaigns as the browser and the server share them, and the validators of the campaign form,
//! which run as the manager types and again on the server.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const OCCASIONS: &[&str] = &[
    "Welcome to the team",
    "Work anniversary",
    "Birthday",
    "Thank you",
    "End of year",
    "Farewell",
    "Other",
];
pub const CURRENCIES: &[(&str, &str)] = &[("GBP", "£"), ("EUR", "€"), ("USD", "$")];
pub const MAX_NAME: usize = 120;
pub const MAX_NOTES: usize = 2000;
/// The largest budget per person the form accepts, in major units.
pub const MAX_BUDGET: i64 = 100_000;

/// The campaign form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDraft {
    pub name: String,
    pub occasion: String,
    /// As typed, e.g. "25" or "25.50"; empty for no budget.
    pub budget: String,
    pub currency: String,
    pub notes: String,
}

/// A draft that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCampaign {
    pub name: String,
    pub occasion: String,
    pub budget_minor: Option<i64>,
    pub currency: String,
    pub notes: String,
}

fn no_controls(s: &str, keep_newlines: bool) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !(keep_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

/// "25", "25.5", "25.50", "1,000" → minor units; empty → no budget.
pub fn parse_budget(raw: &str) -> Result<Option<i64>, String> {
    let s: String = raw.trim().chars().filter(|c| *c != ',').collect();
    let s = s.trim_start_matches(['£', '€', '$']).trim();
    if s.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 {
        return Err("Enter an amount such as 25 or 25.50.".into());
    }
    let whole: i64 = whole
        .parse()
        .ok()
        .filter(|w| *w <= MAX_BUDGET)
        .ok_or_else(|| format!("Keep the budget per person at or under {MAX_BUDGET}."))?;
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(Some(whole * 100 + cents))
}

pub fn format_budget(minor: Option<i64>, currency: &str) -> String {
    match minor {
        None => "No budget set".into(),
        Some(m) => {
            let symbol = CURRENCIES
                .iter()
                .find(|(c, _)| *c == currency)
                .map_or(currency, |(_, s)| s);
            if m % 100 == 0 {
                format!("{symbol}{} per person", m / 100)
            } else {
                format!("{symbol}{}.{:02} per person", m / 100, m % 100)
            }
        }
    }
}

impl CampaignDraft {
    /// Every problem, keyed by the field it belongs to.
    pub fn validate(&self) -> Result<ValidCampaign, BTreeMap<&'static str, String>> {
        let mut errors = BTreeMap::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.insert(
                "name",
                "Give the campaign a name, e.g. \"Q3 welcome gifts\".".into(),
            );
        } else if name.chars().count() > MAX_NAME {
            errors.insert(
                "name",
                format!("Keep the name under {MAX_NAME} characters."),
            );
        } else if !no_controls(name, false) {
            errors.insert("name", "The name cannot contain line breaks.".into());
        }
        let occasion = self.occasion.trim();
        if !OCCASIONS.contains(&occasion) {
            errors.insert("occasion", "Choose an occasion from the list.".into());
        }
        let budget = parse_budget(&self.budget).unwrap_or_else(|e| {
            errors.insert("budget", e);
            None
        });
        let currency = if self.currency.is_empty() {
            "GBP"
        } else {
            self.currency.as_str()
        };
        if !CURRENCIES.iter().any(|(c, _)| *c == currency) {
            errors.insert("currency", "Choose a currency from the list.".into());
        }
        let notes = self.notes.trim();
        if notes.chars().count() > MAX_NOTES {
            errors.insert("notes", format!("Keep notes under {MAX_NOTES} characters."));
        } else if !no_controls(notes, true) {
            errors.insert(
                "notes",
                "Notes contain characters that cannot be stored.".into(),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidCampaign {
            name: name.to_owned(),
            occasion: occasion.to_owned(),
            budget_minor: budget,
            currency: currency.to_owned(),
            notes: notes.to_owned(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AudienceKind {
    /// A saved filter, re-evaluated after every sync.
    Dynamic,
    /// A fixed list of people.
    Snapshot,
}

impl AudienceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AudienceKind::Dynamic => "dynamic",
            AudienceKind::Snapshot => "snapshot",
        }
    }

    pub fn parse(s: &str) -> Option<AudienceKind> {
        match s {
            "dynamic" => Some(AudienceKind::Dynamic),
            "snapshot" => Some(AudienceKind::Snapshot),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub id: Uuid,
    pub name: String,
    pub occasion: String,
    pub budget_minor: Option<i64>,
    pub currency: String,
    pub notes: String,
    pub audience: Option<AudienceKind>,
    /// The staff filter of a dynamic audience, as URL query parameters.
    pub audience_query: Option<String>,
    pub recipients: i64,
    pub created_at: DateTime<Utc>,
    pub archived: bool,
}

impl CampaignSummary {
    pub fn draft(&self) -> CampaignDraft {
        CampaignDraft {
            name: self.name.clone(),
            occasion: self.occasion.clone(),
            budget: self
                .budget_minor
                .map(|m| format!("{}.{:02}", m / 100, m % 100))
                .unwrap_or_default(),
            currency: self.currency.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// Someone a campaign lists (a recipient, an exclusion) or "why isn't this person in my list?"
/// finds. The work email is shown because two people can share a name, a title and an HR
/// system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Person {
    /// `connection/merge id`, what answers and exclusions are asked for.
    pub key: String,
    pub name: String,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    /// The HR connection they come from.
    pub source: String,
}

/// Who joined and left a dynamic audience when it was last re-evaluated after a sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudienceDiff {
    pub at: Option<DateTime<Utc>>,
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDetails {
    pub campaign: CampaignSummary,
    pub excluded: Vec<Person>,
    /// Chosen people who are no longer recipients: they left, or were removed from the HR data.
    pub no_longer_eligible: i64,
    pub diff: AudienceDiff,
}

/// One page of a campaign's current recipients, by name, optionally narrowed by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientsPage {
    pub rows: Vec<Person>,
    /// How many recipients match the search (all of them without one).
    pub total: i64,
}

/// Recipients listed per page on a campaign's page: compact, because the audience builder comes
/// first and the export has everyone.
pub const RECIPIENTS_PAGE: u32 = 20;

/// The answer to "why isn't this person in my list?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhyNot {
    pub name: String,
    pub included: bool,
    /// Every reason they are left out, or notes about them when they are included.
    pub reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_the_way_people_type_them() {
        assert_eq!(parse_budget(""), Ok(None));
        assert_eq!(parse_budget("25"), Ok(Some(2500)));
        assert_eq!(parse_budget("£25.5"), Ok(Some(2550)));
        assert_eq!(parse_budget("1,000.05"), Ok(Some(100_005)));
        assert!(parse_budget("25.555").is_err());
        assert!(parse_budget("-3").is_err());
        assert!(parse_budget("abc").is_err());
        assert!(parse_budget("100001").is_err());
        assert_eq!(format_budget(Some(2550), "EUR"), "€25.50 per person");
        assert_eq!(format_budget(Some(2500), "GBP"), "£25 per person");
    }

    #[test]
    fn drafts_are_checked_field_by_field() {
        let ok = CampaignDraft {
            name: "  Q3 welcome gifts ".into(),
            occasion: "Welcome to the team".into(),
            budget: "30".into(),
            currency: "GBP".into(),
            notes: "Line one\nline two".into(),
        };
        let v = ok.validate().unwrap();
        assert_eq!(v.name, "Q3 welcome gifts");
        assert_eq!(v.budget_minor, Some(3000));
        let bad = CampaignDraft {
            name: "a\u{0}b".into(),
            occasion: "Party".into(),
            budget: "lots".into(),
            currency: "XYZ".into(),
            notes: "x".repeat(MAX_NOTES + 1),
        };
        let errors = bad.validate().unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["budget", "currency", "name", "notes", "occasion"]
        );
    }
}
