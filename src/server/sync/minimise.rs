//! Turns a Merge employee into the staff record HR Connectors may keep: only fields the field
//! policy allows and this connection's consent enables, text made safe to store, the birth year
//! dropped. Everything else is gone before the record leaves this function.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::domain::field_policy::Consent;
use crate::server::merge::models::{Employee, EmploymentStatus, GroupType, Relation};

/// Longest text kept from an HR system; longer values are cut (names and titles, not essays).
pub const MAX_TEXT: usize = 200;

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

/// Removes control characters (keeping ordinary spaces), trims, and caps the length. Markup
/// stays as text: it is escaped wherever it is shown.
pub fn clean(value: Option<&str>) -> Option<String> {
    let cleaned: String = value?
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_TEXT)
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Unpaired direction overrides can flip the text around a name; drop them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn email(value: Option<&str>) -> Option<String> {
    let v = clean(value)?.to_lowercase();
    (v.contains('@') && !v.contains(' ') && v.len() <= 254).then_some(v)
}

fn https_url(value: Option<&str>) -> Option<String> {
    let v = clean(value)?;
    (v.starts_with("https://") && !v.contains(['"', '<', '>', ' '])).then_some(v)
}

/// Lower-case, accent-free text for search.
pub fn search_text(parts: &[Option<&str>]) -> String {
    use unicode_normalization::UnicodeNormalization;
    parts
        .iter()
        .flatten()
        .flat_map(|p| p.nfkd())
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ł' => 'l',
            'ø' => 'o',
            'đ' => 'd',
            'ß' => 's',
            other => other,
        })
        .collect::<String>()
}

/// The distinct words of the names, folded as `search_text` folds them, in order. Each is a
/// substring of the search text made from the same names.
pub fn name_words(names: &[Option<&str>]) -> Vec<String> {
    words_of(&fold_each(names))
}

/// A person's stored search text: their folded names (display, first, last, preferred), then
/// their folded work email.
pub fn person_search_text(names: &[Option<&str>], email: Option<&str>) -> String {
    joined(&fold_each(names), email)
}

/// A space between the parts keeps a word from running from one name into the next, which the
/// word index (`store::tokens`) relies on.
fn joined(folded_names: &[String], email: Option<&str>) -> String {
    let email = email.map(|e| search_text(&[Some(e)]));
    folded_names
        .iter()
        .map(String::as_str)
        .chain(email.as_deref())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each name folded on its own.
fn fold_each(names: &[Option<&str>]) -> Vec<String> {
    names.iter().map(|n| search_text(&[*n])).collect()
}

fn words_of(folded: &[String]) -> Vec<String> {
    let mut words: Vec<String> = folded
        .iter()
        .flat_map(|n| n.split_whitespace().map(str::to_owned))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

pub fn minimise(e: &Employee, consent: &Consent) -> Result<StaffRecord, SkipReason> {
    let merge_id = clean(e.id.as_deref()).ok_or(SkipReason::NoId)?;
    let first_name = clean(e.first_name.as_deref());
    let last_name = clean(e.last_name.as_deref());
    let preferred_name = clean(e.preferred_name.as_deref());
    let display_name = clean(e.display_full_name.as_deref())
        .or_else(|| {
            let joined = [
                preferred_name.as_deref().or(first_name.as_deref()),
                last_name.as_deref(),
            ]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
            clean(Some(&joined))
        })
        .ok_or(SkipReason::NoName)?;
    let work_email = email(e.work_email.as_deref());
    let personal_email = consent
        .allows("personal_email")
        .then(|| email(e.personal_email.as_deref()))
        .flatten();
    let job_title = if consent.allows("job_title") {
        e.employments
            .iter()
            .filter_map(Relation::expanded)
            .filter(|em| em.remote_was_deleted != Some(true))
            .max_by_key(|em| em.effective_date)
            .and_then(|em| clean(em.job_title.as_deref()))
    } else {
        None
    };
    let department_ids = e
        .groups
        .iter()
        .filter(|g| {
            g.expanded()
                .is_none_or(|g| matches!(g.group_type, Some(GroupType::Department) | None))
        })
        .filter_map(|g| g.id().map(str::to_owned))
        .collect();
    let office = e.work_location.as_ref();
    let birthday = if consent.allows("birthday") {
        e.date_of_birth.map(|d| (d.month(), d.day()))
    } else {
        None
    };
    let status = e.employment_status.as_ref().map(|s| match s {
        EmploymentStatus::Other(raw) => clean(Some(raw)).unwrap_or_default(),
        known => known.as_str().to_owned(),
    });
    // The names are folded once, for both the search text and the name words.
    let names = fold_each(&[
        Some(display_name.as_str()),
        first_name.as_deref(),
        last_name.as_deref(),
        preferred_name.as_deref(),
    ]);
    let search = joined(&names, work_email.as_deref());
    let words = words_of(&names);
    Ok(StaffRecord {
        merge_id,
        remote_id: clean(e.remote_id.as_deref()),
        first_name,
        last_name,
        preferred_name,
        display_name,
        work_email,
        personal_email,
        job_title,
        team_id: e.team.as_ref().and_then(|t| t.id()).map(str::to_owned),
        department_ids,
        manager_id: e.manager.as_ref().and_then(|m| m.id()).map(str::to_owned),
        location_id: office.and_then(|l| l.id()).map(str::to_owned),
        city: office
            .and_then(Relation::expanded)
            .and_then(|l| clean(l.city.as_deref())),
        country: office
            .and_then(Relation::expanded)
            .and_then(|l| clean(l.country.as_deref()))
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c.len() == 2),
        start_date: e.start_date.map(|d| d.date_naive()),
        employment_status: status,
        termination_date: e.termination_date.map(|d| d.date_naive()),
        employee_number: consent
            .allows("employee_number")
            .then(|| clean(e.employee_number.as_deref()))
            .flatten(),
        avatar_url: consent
            .allows("avatar")
            .then(|| https_url(e.avatar.as_deref()))
            .flatten(),
        birthday,
        deleted: e.remote_was_deleted == Some(true),
        modified_at: e.modified_at,
        search_text: search,
        name_words: words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employee(json: &str) -> Employee {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keeps_only_consented_fields_and_drops_the_birth_year() {
        let e = employee(
            r#"{"id": "e1", "first_name": "José", "last_name": "Núñez\u0007", "display_full_name": null,
                "work_email": "Jose@Acme.Example", "personal_email": "jose@home.example",
                "date_of_birth": "1988-04-09T00:00:00Z", "employee_number": "E1",
                "avatar": "https://img.example/a.png",
                "employments": [{"id": "m1", "job_title": "Old", "effective_date": "2020-01-01T00:00:00Z"},
                                {"id": "m2", "job_title": "New <b>title</b>", "effective_date": "2023-01-01T00:00:00Z"}],
                "work_location": {"id": "l1", "city": "Berlin", "country": "de", "street_1": "1 Secret St"},
                "ssn": "123-45-6789", "gender": "FEMALE"}"#,
        );
        let defaults = minimise(&e, &Consent::defaults()).unwrap();
        assert_eq!(defaults.display_name, "José Núñez");
        assert_eq!(defaults.work_email.as_deref(), Some("jose@acme.example"));
        assert_eq!(defaults.personal_email, None);
        assert_eq!(defaults.birthday, None);
        assert_eq!(defaults.employee_number, None);
        assert_eq!(defaults.avatar_url, None);
        assert_eq!(defaults.job_title.as_deref(), Some("New <b>title</b>"));
        assert_eq!(defaults.country.as_deref(), Some("DE"));
        assert!(defaults.search_text.contains("jose nunez"));
        assert_eq!(
            defaults.search_text,
            "jose nunez jose nunez jose@acme.example"
        );
        assert_eq!(defaults.name_words, ["jose", "nunez"]);
        let debug = format!("{defaults:?}");
        assert!(!debug.contains("1988") && !debug.contains("Secret") && !debug.contains("123-45"));

        let all =
            Consent::from_optional(["birthday", "personal_email", "employee_number", "avatar"])
                .unwrap();
        let full = minimise(&e, &all).unwrap();
        assert_eq!(full.birthday, Some((4, 9)));
        assert_eq!(full.job_title, None, "job title was switched off");
        assert_eq!(full.personal_email.as_deref(), Some("jose@home.example"));
        assert_eq!(
            full.avatar_url.as_deref(),
            Some("https://img.example/a.png")
        );
    }

    #[test]
    fn skips_what_cannot_be_a_recipient() {
        assert_eq!(
            minimise(&employee(r#"{"first_name": "A"}"#), &Consent::defaults()),
            Err(SkipReason::NoId)
        );
        assert_eq!(
            minimise(&employee(r#"{"id": "x"}"#), &Consent::defaults()),
            Err(SkipReason::NoName)
        );
    }

    #[test]
    fn text_is_cleaned_but_markup_is_kept_as_text() {
        assert_eq!(
            clean(Some("  <script>x</script>\n\tname ")).as_deref(),
            Some("<script>x</script> name")
        );
        assert_eq!(clean(Some("\u{202E}evil")).as_deref(), Some("evil"));
        assert_eq!(clean(Some(&"x".repeat(1000))).unwrap().len(), MAX_TEXT);
        assert_eq!(clean(Some("\u{0}\u{1}")), None);
        assert_eq!(search_text(&[Some("Łukasz Zoë")]), "lukasz zoe");
    }

    #[test]
    fn name_words_are_folded_once_each() {
        assert_eq!(
            name_words(&[
                Some("Zoë  O'Brien"),
                Some("Zoe"),
                None,
                Some("ZOË van Dijk")
            ]),
            ["dijk", "o'brien", "van", "zoe"]
        );
    }
}
