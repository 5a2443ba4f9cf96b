//! The one definition of which HR data HR Connectors may read (BRIEF §3).
//!
//! It drives three things that must never disagree: the consent dialog (what is asked, why, what
//! is blocked), the scopes sent to Merge when a connection is made, and ingestion (what the sync
//! is allowed to store). Enabling a new field for a new campaign filter is a new `FieldKey` and
//! its entry in `FIELDS`; the code that stores it asks `Consent::allows` with that key.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FieldGroup {
    Identity,
    Contact,
    Organisation,
    Location,
    Dates,
    Status,
    Photo,
}

impl FieldGroup {
    pub const ALL: [FieldGroup; 7] = [
        FieldGroup::Identity,
        FieldGroup::Contact,
        FieldGroup::Organisation,
        FieldGroup::Location,
        FieldGroup::Dates,
        FieldGroup::Status,
        FieldGroup::Photo,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FieldGroup::Identity => "Identity",
            FieldGroup::Contact => "Contact",
            FieldGroup::Organisation => "Organisation",
            FieldGroup::Location => "Location",
            FieldGroup::Dates => "Dates",
            FieldGroup::Status => "Employment status",
            FieldGroup::Photo => "Photo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Always read: the product cannot choose recipients without it.
    Required,
    /// The admin may switch it on or off; `default_on` is the switch's initial position.
    Optional { default_on: bool },
}

/// A Merge Common Model field, as `(model, field)`.
pub type MergeField = (&'static str, &'static str);

/// The fields the policy names. Code that reads consent names a field by this type, so a
/// misspelt or removed field fails to compile rather than silently reading as "not allowed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldKey {
    Name,
    WorkEmail,
    PersonalEmail,
    Team,
    Manager,
    JobTitle,
    EmployeeNumber,
    WorkLocation,
    StartDate,
    Birthday,
    EmploymentStatus,
    Avatar,
}

impl FieldKey {
    /// The stable key consent records and forms use.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKey::Name => "name",
            FieldKey::WorkEmail => "work_email",
            FieldKey::PersonalEmail => "personal_email",
            FieldKey::Team => "team",
            FieldKey::Manager => "manager",
            FieldKey::JobTitle => "job_title",
            FieldKey::EmployeeNumber => "employee_number",
            FieldKey::WorkLocation => "work_location",
            FieldKey::StartDate => "start_date",
            FieldKey::Birthday => "birthday",
            FieldKey::EmploymentStatus => "employment_status",
            FieldKey::Avatar => "avatar",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyField {
    pub key: FieldKey,
    pub label: &'static str,
    pub group: FieldGroup,
    pub requirement: Requirement,
    pub purpose: &'static str,
    /// The Merge fields this reads. Everything not listed in any enabled field is disabled.
    pub merge_fields: &'static [MergeField],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockedField {
    pub label: &'static str,
    pub reason: &'static str,
    pub merge_fields: &'static [MergeField],
}

pub const FIELDS: &[PolicyField] = &[
    PolicyField {
        key: FieldKey::Name,
        label: "Name and preferred name",
        group: FieldGroup::Identity,
        requirement: Requirement::Required,
        purpose: "Address the gift card and find people by name.",
        merge_fields: &[
            ("Employee", "first_name"),
            ("Employee", "last_name"),
            ("Employee", "preferred_name"),
            ("Employee", "display_full_name"),
        ],
    },
    PolicyField {
        key: FieldKey::WorkEmail,
        label: "Work email",
        group: FieldGroup::Contact,
        requirement: Requirement::Required,
        purpose: "Deliver digital gifts and claim links, and recognise the same person in two HR systems.",
        merge_fields: &[("Employee", "work_email")],
    },
    PolicyField {
        key: FieldKey::PersonalEmail,
        label: "Personal email",
        group: FieldGroup::Contact,
        requirement: Requirement::Optional { default_on: false },
        purpose: "Send gifts to people who have not started yet and have no work email.",
        merge_fields: &[("Employee", "personal_email")],
    },
    PolicyField {
        key: FieldKey::Team,
        label: "Team and department",
        group: FieldGroup::Organisation,
        requirement: Requirement::Required,
        purpose: "Choose everyone on a team or in a department.",
        merge_fields: &[
            ("Employee", "team"),
            ("Employee", "groups"),
            ("Team", "name"),
            ("Team", "parent_team"),
            ("Group", "name"),
            ("Group", "type"),
            ("Group", "parent_group"),
            ("Group", "is_commonly_used_as_team"),
        ],
    },
    PolicyField {
        key: FieldKey::Manager,
        label: "Manager",
        group: FieldGroup::Organisation,
        requirement: Requirement::Required,
        purpose: "Choose everyone who reports to a manager.",
        merge_fields: &[("Employee", "manager")],
    },
    PolicyField {
        key: FieldKey::JobTitle,
        label: "Job title",
        group: FieldGroup::Organisation,
        requirement: Requirement::Optional { default_on: true },
        purpose: "Filter recipients by role.",
        merge_fields: &[
            ("Employee", "employments"),
            ("Employment", "job_title"),
            ("Employment", "employee"),
            ("Employment", "effective_date"),
        ],
    },
    PolicyField {
        key: FieldKey::EmployeeNumber,
        label: "Employee ID",
        group: FieldGroup::Organisation,
        requirement: Requirement::Optional { default_on: false },
        purpose: "Match people with your other company systems.",
        merge_fields: &[("Employee", "employee_number")],
    },
    PolicyField {
        key: FieldKey::WorkLocation,
        label: "Office city and country",
        group: FieldGroup::Location,
        requirement: Requirement::Required,
        purpose: "Pick the shipping region and filter by office.",
        merge_fields: &[
            ("Employee", "work_location"),
            ("Location", "name"),
            ("Location", "city"),
            ("Location", "country"),
            ("Location", "location_type"),
        ],
    },
    PolicyField {
        key: FieldKey::StartDate,
        label: "Start date",
        group: FieldGroup::Dates,
        requirement: Requirement::Required,
        purpose: "Welcome new joiners and celebrate work anniversaries.",
        merge_fields: &[("Employee", "start_date")],
    },
    PolicyField {
        key: FieldKey::Birthday,
        label: "Birthday (day and month only)",
        group: FieldGroup::Dates,
        requirement: Requirement::Optional { default_on: false },
        purpose: "Send birthday gifts. The year of birth is discarded on arrival and never stored.",
        merge_fields: &[("Employee", "date_of_birth")],
    },
    PolicyField {
        key: FieldKey::EmploymentStatus,
        label: "Employment status and leaving date",
        group: FieldGroup::Status,
        requirement: Requirement::Required,
        purpose: "Never send a gift to someone who has left.",
        merge_fields: &[
            ("Employee", "employment_status"),
            ("Employee", "termination_date"),
        ],
    },
    PolicyField {
        key: FieldKey::Avatar,
        label: "Profile photo",
        group: FieldGroup::Photo,
        requirement: Requirement::Optional { default_on: false },
        purpose: "Make the staff list easier to recognise.",
        merge_fields: &[("Employee", "avatar")],
    },
];

pub const BLOCKED: &[BlockedField] = &[
    BlockedField {
        label: "Social security / national insurance number",
        reason: "Identifies a person for tax and benefits; never needed to send a gift.",
        merge_fields: &[("Employee", "ssn"), ("Dependent", "ssn")],
    },
    BlockedField {
        label: "Gender",
        reason: "Special-category personal data; gifts are chosen by the recipient, not by gender.",
        merge_fields: &[("Employee", "gender")],
    },
    BlockedField {
        label: "Ethnicity",
        reason: "Special-category personal data with no place in gifting.",
        merge_fields: &[("Employee", "ethnicity")],
    },
    BlockedField {
        label: "Marital status",
        reason: "Private, and irrelevant to sending a gift.",
        merge_fields: &[("Employee", "marital_status")],
    },
    BlockedField {
        label: "Year of birth",
        reason: "Reveals age; birthdays need only the day and month.",
        merge_fields: &[],
    },
    BlockedField {
        label: "Home address",
        reason: "Gifts ship to the office or through a claim link the recipient controls.",
        merge_fields: &[
            ("Employee", "home_location"),
            ("Location", "street_1"),
            ("Location", "street_2"),
            ("Location", "zip_code"),
            ("Location", "phone_number"),
        ],
    },
    BlockedField {
        label: "Mobile phone number",
        reason: "Not needed: digital gifts go to the work email.",
        merge_fields: &[("Employee", "mobile_phone_number")],
    },
    BlockedField {
        label: "Pay and compensation",
        reason: "Salary data must never leave your HR system for gifting.",
        merge_fields: &[
            ("Employee", "pay_group"),
            ("Employment", "pay_rate"),
            ("Employment", "pay_period"),
            ("Employment", "pay_frequency"),
            ("Employment", "pay_currency"),
            ("Employment", "pay_group"),
            ("Employment", "flsa_status"),
            ("Employment", "employment_type"),
        ],
    },
    BlockedField {
        label: "Bank details",
        reason: "Financial data is never requested.",
        merge_fields: &[],
    },
    BlockedField {
        label: "Dependants, benefits, payroll and time off",
        reason: "Unrelated to gifting.",
        merge_fields: &[],
    },
    BlockedField {
        label: "Custom fields and raw HR-system data",
        reason: "Could contain anything, so they are never read.",
        merge_fields: &[("Employee", "custom_fields")],
    },
];

/// Merge models HR Connectors reads. Every other HRIS model is disabled in the scopes.
pub const READ_MODELS: &[&str] = &["Employee", "Employment", "Team", "Location", "Group"];

/// HRIS models that are switched off entirely.
pub const DISABLED_MODELS: &[&str] = &[
    "Company",
    "PayGroup",
    "BankInfo",
    "Benefit",
    "EmployerBenefit",
    "Dependent",
    "PayrollRun",
    "EmployeePayrollRun",
    "TimeOff",
    "TimeOffBalance",
    "TimesheetEntry",
];

/// The policy's entry for a stable key, as consent records and forms carry it.
pub fn field(key: &str) -> Option<&'static PolicyField> {
    FIELDS.iter().find(|f| f.key.as_str() == key)
}

/// What an admin agreed to share for one connection: the optional fields they left on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Consent {
    optional_on: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// Says nothing of the value sent: it came from outside and may be anything.
    #[error(
        "One of the chosen fields is not one HR Connectors can request. Reload the page and choose again."
    )]
    UnknownField(String),
    #[error("{label} is always requested and cannot be switched off.", label = field(.0).map_or("That field", |f| f.label))]
    NotOptional(String),
}

impl Consent {
    /// The switches in their initial positions.
    pub fn defaults() -> Self {
        Self {
            optional_on: FIELDS
                .iter()
                .filter(|f| f.requirement == Requirement::Optional { default_on: true })
                .map(|f| f.key.as_str().to_owned())
                .collect(),
        }
    }

    /// Builds a consent from the optional fields switched on; refuses anything else, so a
    /// tampered form cannot enable a blocked or unknown field.
    pub fn from_optional<I, S>(keys: I) -> Result<Self, ConsentError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut optional_on = BTreeSet::new();
        for key in keys {
            let key = key.as_ref();
            match field(key) {
                None => return Err(ConsentError::UnknownField(key.to_owned())),
                Some(f) if f.requirement == Requirement::Required => {
                    return Err(ConsentError::NotOptional(key.to_owned()));
                }
                Some(f) => {
                    optional_on.insert(f.key.as_str().to_owned());
                }
            }
        }
        Ok(Self { optional_on })
    }

    pub fn allows(&self, key: FieldKey) -> bool {
        FIELDS.iter().find(|f| f.key == key).is_some_and(|f| {
            f.requirement == Requirement::Required || self.optional_on.contains(key.as_str())
        })
    }

    pub fn optional_on(&self) -> impl Iterator<Item = &str> {
        self.optional_on.iter().map(String::as_str)
    }

    /// The fields this consent allows, in policy order.
    pub fn enabled_fields(&self) -> impl Iterator<Item = &'static PolicyField> + '_ {
        FIELDS.iter().filter(|f| self.allows(f.key))
    }

    /// Whether a Merge field may be read under this consent.
    pub fn allows_merge_field(&self, model: &str, name: &str) -> bool {
        self.enabled_fields()
            .any(|f| f.merge_fields.contains(&(model, name)))
    }

    /// The Merge fields of one model that this consent reads, sorted.
    pub fn enabled_merge_fields(&self, model: &str) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .enabled_fields()
            .flat_map(|f| f.merge_fields.iter())
            .filter(|(m, _)| *m == model)
            .map(|(_, f)| *f)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The Merge fields of one model that must be off: blocked ones and optional ones left off.
    pub fn disabled_merge_fields(&self, model: &str) -> Vec<&'static str> {
        let enabled = self.enabled_merge_fields(model);
        let mut out: Vec<&'static str> = BLOCKED
            .iter()
            .flat_map(|b| b.merge_fields.iter())
            .chain(FIELDS.iter().flat_map(|f| f.merge_fields.iter()))
            .filter(|(m, f)| *m == model && !enabled.contains(f))
            .map(|(_, f)| *f)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_blocked_fields_are_never_enabled() {
        let mut keys: Vec<_> = FIELDS.iter().map(|f| f.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len());
        let everything = Consent::from_optional(
            FIELDS
                .iter()
                .filter(|f| f.requirement != Requirement::Required)
                .map(|f| f.key.as_str()),
        )
        .unwrap();
        for blocked in BLOCKED.iter().flat_map(|b| b.merge_fields) {
            assert!(
                !everything.allows_merge_field(blocked.0, blocked.1),
                "{blocked:?} is blocked but some policy field enables it"
            );
        }
    }

    #[test]
    fn optional_fields_follow_the_switches() {
        let defaults = Consent::defaults();
        assert!(defaults.allows(FieldKey::JobTitle));
        assert!(!defaults.allows(FieldKey::Birthday));
        assert!(defaults.allows(FieldKey::WorkEmail));
        assert!(
            defaults
                .disabled_merge_fields("Employee")
                .contains(&"date_of_birth")
        );
        let birthdays = Consent::from_optional(["birthday"]).unwrap();
        assert!(birthdays.allows_merge_field("Employee", "date_of_birth"));
        assert!(!birthdays.allows(FieldKey::JobTitle));
        assert!(
            birthdays
                .disabled_merge_fields("Employment")
                .contains(&"job_title")
        );
    }

    #[test]
    fn consent_refuses_unknown_and_required_fields() {
        assert_eq!(
            Consent::from_optional(["ssn"]),
            Err(ConsentError::UnknownField("ssn".into()))
        );
        assert_eq!(
            Consent::from_optional(["work_email"]),
            Err(ConsentError::NotOptional("work_email".into()))
        );
    }

    #[test]
    fn sensitive_employee_fields_are_always_disabled() {
        let disabled = Consent::defaults().disabled_merge_fields("Employee");
        for f in [
            "ssn",
            "gender",
            "ethnicity",
            "marital_status",
            "home_location",
            "mobile_phone_number",
            "date_of_birth",
        ] {
            assert!(disabled.contains(&f), "{f} should be disabled");
        }
    }
}
