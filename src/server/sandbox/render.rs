//! Generated records as Merge's JSON: every documented field present, relations as ids unless
//! expanded, fields switched off by scopes (and `ssn` without `include_sensitive_fields`) `null`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::state::{LinkedAccount, Scopes};
use super::workforce::{OFFICES, Person, Workforce, uuid_from};

/// Kinds for [`uuid_from`].
pub mod kind {
    pub const EMPLOYEE: u64 = 1;
    pub const EMPLOYMENT: u64 = 2;
    pub const TEAM: u64 = 3;
    pub const OFFICE: u64 = 4;
    pub const HOME: u64 = 5;
    pub const GROUP: u64 = 6;
    pub const COMPANY: u64 = 7;
    pub const PAY_GROUP: u64 = 8;
}

pub const DEPARTMENT_COUNT: u64 = 8;

pub fn ts(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// How records are shown to one request.
pub struct View<'a> {
    pub account: &'a LinkedAccount,
    pub workforce: Workforce,
    pub expand: Vec<String>,
    pub include_sensitive: bool,
}

impl View<'_> {
    fn id(&self, kind: u64, index: u64) -> Value {
        Value::String(uuid_from(self.account.seed, kind, index).to_string())
    }

    fn leaking(&self) -> bool {
        self.account.faults.leak_sensitive
    }

    fn scopes(&self) -> &Scopes {
        &self.account.scopes
    }

    /// Nulls fields the scopes switch off, as Merge does, unless the account is set to leak.
    fn apply_scopes(&self, model: &str, mut obj: Map<String, Value>) -> Value {
        if !self.leaking() {
            for (field, value) in obj.iter_mut() {
                if !matches!(
                    field.as_str(),
                    "id" | "remote_id" | "created_at" | "modified_at"
                ) && !self.scopes().field_enabled(model, field)
                {
                    *value = Value::Null;
                }
            }
        }
        Value::Object(obj)
    }

    fn expands(&self, field: &str) -> bool {
        self.expand.iter().any(|e| e == field)
    }

    pub fn employee(&self, p: &Person) -> Value {
        self.employee_with(p, true)
    }

    fn employee_with(&self, p: &Person, allow_expand: bool) -> Value {
        let w = &self.workforce;
        let expand = |field: &str| allow_expand && self.expands(field);
        let manager = match p.manager {
            None => Value::Null,
            Some(m) if expand("manager") => self.employee_with(&w.person(m), false),
            Some(m) => self.id(kind::EMPLOYEE, m),
        };
        let team = if expand("team") {
            self.team(p.team)
        } else {
            self.id(kind::TEAM, p.team)
        };
        let work_location = if expand("work_location") {
            self.office(p.office as u64)
        } else {
            self.id(kind::OFFICE, p.office as u64)
        };
        let home_location = if expand("home_location") {
            self.home(p)
        } else {
            self.id(kind::HOME, p.index)
        };
        let groups = if expand("groups") {
            json!([self.group(p.department)])
        } else {
            json!([self.id(kind::GROUP, p.department)])
        };
        let employments = if expand("employments") {
            json!([self.employment(p)])
        } else {
            json!([self.id(kind::EMPLOYMENT, p.index)])
        };
        let company = if expand("company") {
            self.company()
        } else {
            self.id(kind::COMPANY, 0)
        };
        let pay_group = if expand("pay_group") {
            self.pay_group()
        } else {
            self.id(kind::PAY_GROUP, 0)
        };
        let sensitive = self.include_sensitive || self.leaking();
        let obj = json!({
            "id": p.id.to_string(),
            "remote_id": p.remote_id,
            "created_at": ts(p.created_at),
            "modified_at": ts(p.modified_at),
            "employee_number": p.employee_number,
            "company": company,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "preferred_name": p.preferred_name,
            "display_full_name": p.display_full_name,
            "username": p.username,
            "groups": groups,
            "work_email": p.work_email,
            "personal_email": p.personal_email,
            "mobile_phone_number": p.mobile_phone_number,
            "employments": employments,
            "home_location": home_location,
            "work_location": work_location,
            "manager": manager,
            "team": team,
            "pay_group": pay_group,
            "ssn": if sensitive { Value::String(p.ssn.clone()) } else { Value::Null },
            "gender": p.gender,
            "ethnicity": p.ethnicity,
            "marital_status": p.marital_status,
            "date_of_birth": ts(p.date_of_birth),
            "hire_date": ts(p.hire_date),
            "start_date": ts(p.start_date),
            "remote_created_at": ts(p.created_at),
            "employment_status": p.status,
            "termination_date": p.termination_date.map(ts),
            "avatar": format!("https://avatars.sandbox.invalid/{}.png", p.remote_id),
            "custom_fields": {"t_shirt_size": "M", "allergies": "peanuts"},
            "remote_was_deleted": p.deleted,
            "field_mappings": {"organization_defined_targets": {}, "linked_account_defined_targets": {}},
            "remote_data": null,
        });
        match obj {
            Value::Object(map) => self.apply_scopes("Employee", map),
            other => other,
        }
    }

    fn pay_group(&self) -> Value {
        let at = ts(self.workforce.linked_at);
        json!({"id": self.id(kind::PAY_GROUP, 0), "remote_id": "PG1", "pay_group_name": "Monthly salaried",
               "created_at": at, "modified_at": at, "remote_was_deleted": false,
               "field_mappings": null, "remote_data": null})
    }

    pub fn employment(&self, p: &Person) -> Value {
        let employee = if self.expands("employee") {
            self.employee_with(p, false)
        } else {
            Value::String(p.id.to_string())
        };
        let obj = json!({
            "id": self.id(kind::EMPLOYMENT, p.index),
            "remote_id": format!("EMP-{}", p.remote_id),
            "created_at": ts(p.created_at),
            "modified_at": ts(p.modified_at),
            "employee": employee,
            "job_title": p.job_title,
            "pay_rate": p.pay_rate,
            "pay_period": "YEAR",
            "pay_frequency": "MONTHLY",
            "pay_currency": p.pay_currency,
            "pay_group": if self.expands("pay_group") { self.pay_group() } else { self.id(kind::PAY_GROUP, 0) },
            "flsa_status": "EXEMPT",
            "effective_date": ts(p.start_date),
            "employment_type": "FULL_TIME",
            "remote_was_deleted": p.deleted,
            "field_mappings": null,
            "remote_data": null,
        });
        match obj {
            Value::Object(map) => self.apply_scopes("Employment", map),
            other => other,
        }
    }

    pub fn team(&self, t: u64) -> Value {
        let w = &self.workforce;
        let parent = match w.team_parent(t) {
            Some(parent) if self.expands("parent_team") => json!({
                "id": self.id(kind::TEAM, parent), "remote_id": format!("T{parent}"),
                "name": w.team_name(parent), "parent_team": w.team_parent(parent).map(|pp| self.id(kind::TEAM, pp)),
                "created_at": ts(w.linked_at), "modified_at": ts(w.linked_at),
                "remote_was_deleted": false, "field_mappings": null, "remote_data": null,
            }),
            Some(parent) => self.id(kind::TEAM, parent),
            None => Value::Null,
        };
        let obj = json!({
            "id": self.id(kind::TEAM, t),
            "remote_id": format!("T{t}"),
            "created_at": ts(w.linked_at),
            "modified_at": ts(w.linked_at),
            "name": w.team_name(t),
            "parent_team": parent,
            "remote_was_deleted": false,
            "field_mappings": null,
            "remote_data": null,
        });
        match obj {
            Value::Object(map) => self.apply_scopes("Team", map),
            other => other,
        }
    }

    pub fn office(&self, o: u64) -> Value {
        let office = &OFFICES[o as usize];
        self.location(
            self.id(kind::OFFICE, o),
            format!("OFF{o}"),
            json!({
                "name": office.name,
                "phone_number": format!("+44 20 7946 0{o:03}"),
                "street_1": format!("{} Market Street", 10 + o),
                "street_2": "Floor 3",
                "city": office.city,
                "state": office.state,
                "zip_code": format!("{:05}", 10_000 + o * 37),
                "country": office.country,
                "location_type": "WORK",
            }),
        )
    }

    pub fn home(&self, p: &Person) -> Value {
        let office = &OFFICES[p.office];
        self.location(
            self.id(kind::HOME, p.index),
            format!("HOME{}", p.remote_id),
            json!({
                "name": "Home",
                "phone_number": p.mobile_phone_number,
                "street_1": format!("{} Acacia Avenue", 1 + p.index % 200),
                "street_2": format!("Flat {}", 1 + p.index % 12),
                "city": office.city,
                "state": office.state,
                "zip_code": format!("HX{}", 100 + p.index % 900),
                "country": office.country,
                "location_type": "HOME",
            }),
        )
    }

    fn location(&self, id: Value, remote_id: String, fields: Value) -> Value {
        let at = ts(self.workforce.linked_at);
        let mut obj = Map::new();
        obj.insert("id".into(), id);
        obj.insert("remote_id".into(), Value::String(remote_id));
        obj.insert("created_at".into(), at.clone());
        obj.insert("modified_at".into(), at);
        if let Value::Object(f) = fields {
            obj.extend(f);
        }
        obj.insert("remote_was_deleted".into(), Value::Bool(false));
        obj.insert("field_mappings".into(), Value::Null);
        obj.insert("remote_data".into(), Value::Null);
        self.apply_scopes("Location", obj)
    }

    pub fn group(&self, d: u64) -> Value {
        let at = ts(self.workforce.linked_at);
        let obj = json!({
            "id": self.id(kind::GROUP, d),
            "remote_id": format!("D{d}"),
            "created_at": at,
            "modified_at": at,
            "parent_group": null,
            "name": Workforce::department_name(d),
            "type": "DEPARTMENT",
            "is_commonly_used_as_team": false,
            "remote_was_deleted": false,
            "field_mappings": null,
            "remote_data": null,
        });
        match obj {
            Value::Object(map) => self.apply_scopes("Group", map),
            other => other,
        }
    }

    pub fn company(&self) -> Value {
        let at = ts(self.workforce.linked_at);
        let name = &self.account.end_user.organization_name;
        let obj = json!({
            "id": self.id(kind::COMPANY, 0),
            "remote_id": "C1",
            "created_at": at,
            "modified_at": at,
            "legal_name": name,
            "display_name": name,
            "eins": ["12-3456789"],
            "remote_was_deleted": false,
            "field_mappings": null,
            "remote_data": null,
        });
        match obj {
            Value::Object(map) => self.apply_scopes("Company", map),
            other => other,
        }
    }
}

pub fn parse_uuid(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw).ok()
}
