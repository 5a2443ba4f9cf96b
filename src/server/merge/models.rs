//! Merge's JSON, read the way Merge documents it: every field nullable, relations that are an id
//! or an expanded object, enums that may carry strings nobody listed, unknown fields ignored.
//!
//! The employee model deliberately has no field for anything the field policy blocks (ssn,
//! gender, ethnicity, marital status, home address, phone, pay): if Merge sends them anyway, serde
//! drops them while parsing, before any of our code can store, log or queue them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub results: Vec<T>,
}

impl<T> Page<T> {
    /// Merge's SDKs stop on a missing or empty cursor; so do we.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref().filter(|c| !c.is_empty())
    }
}

/// A related object: its id by default, the whole object when named in `expand`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Relation<T> {
    Id(String),
    Expanded(Box<T>),
}

pub trait HasId {
    fn merge_id(&self) -> Option<&str>;
}

impl<T: HasId> Relation<T> {
    pub fn id(&self) -> Option<&str> {
        match self {
            Relation::Id(id) => Some(id),
            Relation::Expanded(obj) => obj.merge_id(),
        }
    }

    pub fn expanded(&self) -> Option<&T> {
        match self {
            Relation::Id(_) => None,
            Relation::Expanded(obj) => Some(obj),
        }
    }
}

/// Declares an enum whose unknown values are kept as `Other(raw)` instead of failing the page.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(raw) => raw,
                }
            }

            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Ok(Self::from_wire(&raw))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

open_enum!(EmploymentStatus {
    Active => "ACTIVE",
    Pending => "PENDING",
    Inactive => "INACTIVE",
});

open_enum!(SyncState {
    Syncing => "SYNCING",
    Done => "DONE",
    Failed => "FAILED",
    Disabled => "DISABLED",
    Paused => "PAUSED",
    PartiallySynced => "PARTIALLY_SYNCED",
});

open_enum!(LinkedAccountStatus {
    Complete => "COMPLETE",
    Incomplete => "INCOMPLETE",
    RelinkNeeded => "RELINK_NEEDED",
    Idle => "IDLE",
});

open_enum!(GroupType {
    Team => "TEAM",
    Department => "DEPARTMENT",
    CostCenter => "COST_CENTER",
    BusinessUnit => "BUSINESS_UNIT",
    Group => "GROUP",
});

open_enum!(LocationType {
    Home => "HOME",
    Work => "WORK",
});

open_enum!(IssueStatus {
    Ongoing => "ONGOING",
    Resolved => "RESOLVED",
});

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Employee {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub employee_number: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub display_full_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub groups: Vec<Relation<Group>>,
    #[serde(default)]
    pub work_email: Option<String>,
    #[serde(default)]
    pub personal_email: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub employments: Vec<Relation<Employment>>,
    #[serde(default)]
    pub work_location: Option<Relation<Location>>,
    #[serde(default)]
    pub manager: Option<Relation<Employee>>,
    #[serde(default)]
    pub team: Option<Relation<Team>>,
    /// Read only to keep month and day when birthdays are consented; the year is dropped at
    /// ingestion.
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub date_of_birth: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub start_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub employment_status: Option<EmploymentStatus>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub termination_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub remote_was_deleted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Employment {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub employee: Option<Relation<Employee>>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub effective_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub remote_was_deleted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Team {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub parent_team: Option<Relation<Team>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub remote_was_deleted: Option<bool>,
}

/// A work location. Street, postcode and phone are blocked by the field policy and not read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Location {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub location_type: Option<LocationType>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub remote_was_deleted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Group {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub group_type: Option<GroupType>,
    #[serde(default)]
    pub parent_group: Option<String>,
    #[serde(default)]
    pub is_commonly_used_as_team: Option<bool>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub remote_was_deleted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Company {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub legal_name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

macro_rules! has_id {
    ($($t:ty),+) => { $(impl HasId for $t { fn merge_id(&self) -> Option<&str> { self.id.as_deref() } })+ };
}
has_id!(Employee, Employment, Team, Location, Group, Company);

/// An integration in Merge's catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Integration {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub abbreviated_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub square_image: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub slug: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkToken {
    pub link_token: String,
    #[serde(default)]
    pub integration_name: Option<String>,
    #[serde(default)]
    pub magic_link_url: Option<String>,
}

/// The answer to a public-token exchange or a bootstrap. `Debug` hides the token.
#[derive(Clone, Deserialize)]
pub struct AccountTokenResponse {
    pub account_token: String,
    #[serde(default)]
    pub integration: Option<Integration>,
    /// The linked account's id, which webhooks carry.
    #[serde(default)]
    pub id: Option<String>,
}

impl std::fmt::Debug for AccountTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountTokenResponse")
            .field("account_token", &"[redacted]")
            .field("integration", &self.integration.as_ref().map(|i| &i.slug))
            .field("id", &self.id)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SyncStatus {
    #[serde(default)]
    pub model_name: Option<String>,
    #[serde(default)]
    pub model_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub last_sync_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub next_sync_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_sync_result: Option<SyncState>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub last_sync_finished: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub data_fresh_as_of: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: Option<SyncState>,
    #[serde(default)]
    pub is_initial_sync: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountDetails {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub integration: Option<String>,
    #[serde(default)]
    pub integration_slug: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub end_user_origin_id: Option<String>,
    #[serde(default)]
    pub end_user_organization_name: Option<String>,
    #[serde(default)]
    pub status: Option<LinkedAccountStatus>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Issue {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<IssueStatus>,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub error_details: Vec<String>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub first_incident_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub last_incident_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_muted: Option<bool>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Accepts RFC 3339 with or without fractions, a naive datetime, or a bare date; anything else
/// (including an unparseable string) reads as unknown rather than failing the whole page.
fn lenient_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let raw = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match raw {
        Some(serde_json::Value::String(s)) => parse_datetime(&s),
        _ => None,
    })
}

pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(dt.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike};

    #[test]
    fn reads_merge_documented_example_and_drops_blocked_fields() {
        let json = r#"{
          "id": "0958cbc6-6040-430a-848e-aafacbadf4ae", "remote_id": "19202938",
          "created_at": "2021-09-15T00:00:00Z", "modified_at": "2021-10-16T00:00:00.123456Z",
          "employee_number": "2", "company": "8d9fd929-436c-4fd4-a48b-0c61f68d6178",
          "first_name": "Greg", "last_name": "Hirsch", "preferred_name": "Greg the egg",
          "display_full_name": "Cousin Greg Hirsch", "groups": ["21a54124-397f-494d-985e-3c5b330b8a68"],
          "work_email": "greg@merge.dev", "personal_email": "greg@gmail.com",
          "mobile_phone_number": "+1234567890", "employments": null,
          "home_location": "d2f972d0", "work_location": {"id": "9efb", "city": "London", "country": "GB", "street_1": "1 Main St"},
          "manager": "0048ea5b", "team": {"id": "249c", "name": "Sales", "parent_team": "11"},
          "ssn": "1234567890", "gender": "MALE", "ethnicity": "WHITE", "marital_status": "SINGLE",
          "date_of_birth": "1990-11-10T00:00:00Z", "start_date": "2020-10-11",
          "employment_status": "ON_LEAVE", "termination_date": "not a date",
          "avatar": null, "custom_fields": {"x": 1}, "remote_was_deleted": false,
          "brand_new_field": [1, 2, 3]
        }"#;
        let e: Employee = serde_json::from_str(json).unwrap();
        assert_eq!(e.first_name.as_deref(), Some("Greg"));
        assert_eq!(e.modified_at.unwrap().nanosecond(), 123_456_000);
        assert_eq!(e.start_date.unwrap().year(), 2020);
        assert_eq!(e.termination_date, None);
        assert_eq!(
            e.employment_status,
            Some(EmploymentStatus::Other("ON_LEAVE".into()))
        );
        assert_eq!(e.manager.as_ref().unwrap().id(), Some("0048ea5b"));
        assert_eq!(e.team.as_ref().unwrap().id(), Some("249c"));
        let office = e.work_location.as_ref().unwrap().expanded().unwrap();
        assert_eq!(office.country.as_deref(), Some("GB"));
        assert!(e.employments.is_empty());
        let debug = format!("{e:?}");
        for leaked in [
            "1234567890",
            "MALE",
            "WHITE",
            "SINGLE",
            "+1234567890",
            "Main St",
        ] {
            assert!(!debug.contains(leaked), "{leaked} survived parsing");
        }
    }

    #[test]
    fn pages_stop_on_null_or_empty_cursor() {
        let p: Page<Team> = serde_json::from_str(r#"{"next": "", "results": null}"#).unwrap();
        assert_eq!(p.next_cursor(), None);
        assert!(p.results.is_empty());
        let p: Page<Team> =
            serde_json::from_str(r#"{"next": "cD0x", "previous": null, "results": [{}]}"#).unwrap();
        assert_eq!(p.next_cursor(), Some("cD0x"));
        assert_eq!(p.results[0].name, None);
    }

    #[test]
    fn account_token_is_hidden_from_debug() {
        let t: AccountTokenResponse =
            serde_json::from_str(r#"{"account_token": "T9klMDQrcHdm", "id": "e59b"}"#).unwrap();
        assert!(!format!("{t:?}").contains("T9klMDQrcHdm"));
    }
}
