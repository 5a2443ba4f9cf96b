//! Turns a Merge employee into the staff record HR Connectors may keep: only fields the field
//! policy allows and this connection's consent enables, text made safe to store, the birth year
//! dropped. Everything else is gone before the record leaves this function.

use chrono::Datelike;

use crate::domain::field_policy::{Consent, FieldKey};
use crate::server::merge::models::{
    Employee, EmploymentStatus, Group, GroupType, Location, Relation, Team,
};
use crate::server::model::records::{DepartmentRecord, SkipReason, StaffRecord, TeamRecord};
use crate::server::model::text::{clean, person_text_and_words};

fn email(value: Option<&str>) -> Option<String> {
    let v = clean(value)?.to_lowercase();
    (v.contains('@') && !v.contains(' ') && v.len() <= 254).then_some(v)
}

fn https_url(value: Option<&str>) -> Option<String> {
    let v = clean(value)?;
    (v.starts_with("https://") && !v.contains(['"', '<', '>', ' '])).then_some(v)
}

/// A team the store may keep: an id and a name, unless the HR system deleted it.
pub fn team(t: &Team) -> Option<TeamRecord> {
    if t.remote_was_deleted == Some(true) {
        return None;
    }
    Some(TeamRecord {
        merge_id: t.id.clone()?,
        name: clean(t.name.as_deref())?,
        parent_id: t
            .parent_team
            .as_ref()
            .and_then(|p| p.id())
            .map(str::to_owned),
    })
}

/// A department the store may keep: a group of type department with an id and a name.
pub fn department(g: &Group) -> Option<DepartmentRecord> {
    if g.remote_was_deleted == Some(true) || !matches!(g.group_type, Some(GroupType::Department)) {
        return None;
    }
    Some(DepartmentRecord {
        merge_id: g.id.clone()?,
        name: clean(g.name.as_deref())?,
    })
}

/// "Preferred-or-first last", for a record without a display name.
fn joined_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let joined = [first, last]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    clean(Some(&joined))
}

/// Their groups that are departments (or may be: a group Merge did not expand is kept).
fn department_ids(e: &Employee) -> Vec<String> {
    e.groups
        .iter()
        .filter(|g| {
            g.expanded()
                .is_none_or(|g| matches!(g.group_type, Some(GroupType::Department) | None))
        })
        .filter_map(|g| g.id().map(str::to_owned))
        .collect()
}

/// A status as stored: Merge's value, or the HR system's own word for one Merge does not know.
fn status_text(s: &EmploymentStatus) -> String {
    match s {
        EmploymentStatus::Other(raw) => clean(Some(raw)).unwrap_or_default(),
        known => known.as_str().to_owned(),
    }
}

/// The title of their latest employment still in the HR system.
fn current_job_title(e: &Employee) -> Option<String> {
    e.employments
        .iter()
        .filter_map(Relation::expanded)
        .filter(|em| em.remote_was_deleted != Some(true))
        .max_by_key(|em| em.effective_date)
        .and_then(|em| clean(em.job_title.as_deref()))
}

/// An office's country as ISO 3166 alpha-2, which is what Merge sends; anything else is dropped.
fn country_code(l: &Location) -> Option<String> {
    clean(l.country.as_deref())
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| c.len() == 2)
}

pub fn minimise(e: &Employee, consent: &Consent) -> Result<StaffRecord, SkipReason> {
    let merge_id = clean(e.id.as_deref()).ok_or(SkipReason::NoId)?;
    let first_name = clean(e.first_name.as_deref());
    let last_name = clean(e.last_name.as_deref());
    let preferred_name = clean(e.preferred_name.as_deref());
    let display_name = clean(e.display_full_name.as_deref())
        .or_else(|| {
            joined_name(
                preferred_name.as_deref().or(first_name.as_deref()),
                last_name.as_deref(),
            )
        })
        .ok_or(SkipReason::NoName)?;
    let work_email = email(e.work_email.as_deref());
    let personal_email = consent
        .allows(FieldKey::PersonalEmail)
        .then(|| email(e.personal_email.as_deref()))
        .flatten();
    let job_title = consent
        .allows(FieldKey::JobTitle)
        .then(|| current_job_title(e))
        .flatten();
    let office = e.work_location.as_ref();
    let birthday = if consent.allows(FieldKey::Birthday) {
        e.date_of_birth.map(|d| (d.month(), d.day()))
    } else {
        None
    };
    let (search, words) = person_text_and_words(
        &[
            Some(display_name.as_str()),
            first_name.as_deref(),
            last_name.as_deref(),
            preferred_name.as_deref(),
        ],
        work_email.as_deref(),
    );
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
        department_ids: department_ids(e),
        manager_id: e.manager.as_ref().and_then(|m| m.id()).map(str::to_owned),
        location_id: office.and_then(|l| l.id()).map(str::to_owned),
        city: office
            .and_then(Relation::expanded)
            .and_then(|l| clean(l.city.as_deref())),
        country: office.and_then(Relation::expanded).and_then(country_code),
        start_date: e.start_date.map(|d| d.date_naive()),
        employment_status: e.employment_status.as_ref().map(status_text),
        termination_date: e.termination_date.map(|d| d.date_naive()),
        employee_number: consent
            .allows(FieldKey::EmployeeNumber)
            .then(|| clean(e.employee_number.as_deref()))
            .flatten(),
        avatar_url: consent
            .allows(FieldKey::Avatar)
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
}
