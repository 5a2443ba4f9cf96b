//! Generated records as Merge's JSON: every documented field present, relations as ids unless
//! expanded, fields switched off by scopes (and `ssn` without `include_sensitive_fields`) `null`.
//!
//! Records are written straight into JSON text rather than built as `serde_json::Value` trees:
//! building and freeing a map per record was most of the sandbox's time per page.

use std::borrow::Cow;
use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

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

/// The values every employment and group carries, shared with the filters that read them.
pub const EMPLOYMENT_TYPE: &str = "FULL_TIME";
pub const FLSA_STATUS: &str = "EXEMPT";
pub const PAY_FREQUENCY: &str = "MONTHLY";
pub const PAY_PERIOD: &str = "YEAR";
pub const GROUP_TYPE: &str = "DEPARTMENT";

/// What the synthetic HR system itself calls each of Merge's normalised enum values: what
/// `show_enum_origins` returns and what remote data carries.
pub fn origin(value: &str) -> &str {
    match value {
        "ACTIVE" => "Active",
        "INACTIVE" => "Terminated",
        "PENDING" => "Starting soon",
        "MALE" => "Male",
        "FEMALE" => "Female",
        "NON-BINARY" => "Non-binary",
        "OTHER" => "Other",
        "PREFER_NOT_TO_DISCLOSE" => "Prefer not to say",
        "ASIAN_OR_INDIAN_SUBCONTINENT" => "Asian",
        "BLACK_OR_AFRICAN_AMERICAN" => "Black or African American",
        "HISPANIC_OR_LATINO" => "Hispanic or Latino",
        "WHITE" => "White",
        "TWO_OR_MORE_RACES" => "Mixed",
        "SINGLE" => "Single",
        "MARRIED_FILING_JOINTLY" => "Married",
        "HEAD_OF_HOUSEHOLD" => "Head of household",
        "FULL_TIME" => "Full-time",
        "EXEMPT" => "Salaried (exempt)",
        "MONTHLY" => "Monthly",
        "YEAR" => "Annual salary",
        "HOME" => "Home address",
        "WORK" => "Office",
        "DEPARTMENT" => "Department",
        other => other,
    }
}

pub fn ts(at: DateTime<Utc>) -> Value {
    Value::String(ts_str(at))
}

fn ts_str(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A JSON object being written; fields the scopes switch off are written as `null`.
struct Obj<'v, 'a> {
    out: Vec<u8>,
    view: &'v View<'a>,
    model: &'static str,
}

impl<'v, 'a> Obj<'v, 'a> {
    fn new(view: &'v View<'a>, model: &'static str) -> Self {
        let mut out = Vec::with_capacity(512);
        out.push(b'{');
        Self { out, view, model }
    }

    fn key(&mut self, key: &str) -> bool {
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        let enabled = self.view.leaking()
            || matches!(key, "id" | "remote_id" | "created_at" | "modified_at")
            || self.view.scopes().field_enabled(self.model, key);
        if !enabled {
            self.out.extend_from_slice(b"null");
        }
        enabled
    }

    /// A plain value.
    fn val<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        if self.key(key) {
            // Writing into memory cannot fail.
            let _ = serde_json::to_writer(&mut self.out, value);
        }
        self
    }

    /// A normalised enum value, or the HR system's own when the request asks for its origin.
    fn choice(&mut self, key: &str, value: &str) -> &mut Self {
        let shown = if self.view.shows_origin(key) {
            origin(value)
        } else {
            value
        };
        self.val(key, shown)
    }

    /// Already-serialized JSON (a nested object, an array, `null`).
    fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        if self.key(key) {
            self.out.extend_from_slice(json.as_bytes());
        }
        self
    }

    fn time(&mut self, key: &str, at: Option<DateTime<Utc>>) -> &mut Self {
        match at {
            Some(at) => self.val(key, &ts_str(at)),
            None => self.raw(key, "null"),
        }
    }

    fn finish(&mut self) -> String {
        self.out.push(b'}');
        // Only serde_json output and UTF-8 strings were written, so this never falls back.
        String::from_utf8(std::mem::take(&mut self.out)).unwrap_or_default()
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// How records are shown to one request.
pub struct View<'a> {
    pub account: &'a LinkedAccount,
    pub workforce: Workforce,
    pub expand: Vec<String>,
    pub include_sensitive: bool,
    pub include_remote_data: bool,
    /// Enum fields shown with the HR system's own values (`show_enum_origins`).
    pub enum_origins: Vec<String>,
}

impl View<'_> {
    fn id(&self, kind: u64, index: u64) -> String {
        uuid_from(self.account.seed, kind, index).to_string()
    }

    fn id_json(&self, kind: u64, index: u64) -> String {
        let mut out = String::with_capacity(38);
        let _ = write!(out, "\"{}\"", uuid_from(self.account.seed, kind, index));
        out
    }

    fn leaking(&self) -> bool {
        self.account.faults.leak_sensitive
    }

    fn scopes(&self) -> &Scopes {
        &self.account.scopes
    }

    fn expands(&self, field: &str) -> bool {
        self.expand.iter().any(|e| e == field)
    }

    fn shows_origin(&self, field: &str) -> bool {
        self.enum_origins.iter().any(|e| e == field)
    }

    /// `remote_data`: the record as the HR system's API returned it (its id and its own words for
    /// the enum fields the scopes let through), when the request asks for it.
    fn remote_data(
        &self,
        model: &str,
        path: &str,
        remote_id: &str,
        enums: &[(&str, &str)],
    ) -> Cow<'static, str> {
        if !self.include_remote_data {
            return Cow::Borrowed("null");
        }
        let mut data = serde_json::Map::new();
        data.insert("id".into(), remote_id.into());
        for (field, value) in enums {
            if self.leaking() || self.scopes().field_enabled(model, field) {
                data.insert((*field).into(), origin(value).into());
            }
        }
        serde_json::json!([{"path": format!("/api/v1/{path}/{remote_id}"), "data": data}])
            .to_string()
            .into()
    }

    /// The record metadata every Common Model ends with.
    fn tail(o: &mut Obj<'_, '_>, deleted: bool, remote_data: &str) {
        o.val("remote_was_deleted", &deleted)
            .raw("field_mappings", "null")
            .raw("remote_data", remote_data);
    }

    pub fn employee(&self, p: &Person) -> String {
        self.employee_with(p, true)
    }

    /// The same record as a `Value`, for webhook payloads.
    pub fn employee_value(&self, p: &Person) -> Value {
        serde_json::from_str(&self.employee(p)).unwrap_or(Value::Null)
    }

    fn employee_with(&self, p: &Person, allow_expand: bool) -> String {
        let links = self.relations(p, allow_expand);
        let sensitive = self.include_sensitive || self.leaking();
        let remote_data = self.remote_data(
            "Employee",
            "employees",
            &p.remote_id,
            &[
                ("employment_status", p.status),
                ("gender", p.gender),
                ("ethnicity", p.ethnicity),
                ("marital_status", p.marital_status),
            ],
        );
        let mut o = Obj::new(self, "Employee");
        o.val("id", &p.id.to_string())
            .val("remote_id", &p.remote_id)
            .time("created_at", Some(p.created_at))
            .time("modified_at", Some(p.modified_at))
            .val("employee_number", &p.employee_number)
            .raw("company", &links.company)
            .val("first_name", &p.first_name)
            .val("last_name", &p.last_name)
            .val("preferred_name", &p.preferred_name)
            .val("display_full_name", &p.display_full_name)
            .val("username", &p.username)
            .raw("groups", &links.groups)
            .val("work_email", &p.work_email)
            .val("personal_email", &p.personal_email)
            .val("mobile_phone_number", &p.mobile_phone_number)
            .raw("employments", &links.employments)
            .raw("home_location", &links.home_location)
            .raw("work_location", &links.work_location)
            .raw("manager", &links.manager)
            .raw("team", &links.team)
            .raw("pay_group", &links.pay_group)
            .val("ssn", &sensitive.then_some(&p.ssn))
            .choice("gender", p.gender)
            .choice("ethnicity", p.ethnicity)
            .choice("marital_status", p.marital_status)
            .time("date_of_birth", Some(p.date_of_birth))
            .time("hire_date", Some(p.hire_date))
            .time("start_date", Some(p.start_date))
            .time("remote_created_at", Some(p.created_at))
            .choice("employment_status", p.status)
            .time("termination_date", p.termination_date)
            .val(
                "avatar",
                &format!("https://avatars.sandbox.invalid/{}.png", p.remote_id),
            )
            .raw(
                "custom_fields",
                r#"{"t_shirt_size":"M","allergies":"peanuts"}"#,
            )
            .val("remote_was_deleted", &p.deleted)
            .raw(
                "field_mappings",
                r#"{"organization_defined_targets":{},"linked_account_defined_targets":{}}"#,
            )
            .raw("remote_data", &remote_data);
        o.finish()
    }

    /// An employee's links to other objects: each its id, or the object itself where the
    /// request asked to expand it (one level deep: an expanded manager's links stay ids).
    fn relations(&self, p: &Person, allow_expand: bool) -> Relations {
        let w = &self.workforce;
        let expand = |field: &str| allow_expand && self.expands(field);
        let manager = match p.manager {
            None => "null".to_owned(),
            Some(m) if expand("manager") => self.employee_with(&w.person(m), false),
            Some(m) => self.id_json(kind::EMPLOYEE, m),
        };
        let team = if expand("team") {
            self.team(p.team)
        } else {
            self.id_json(kind::TEAM, p.team)
        };
        let work_location = if expand("work_location") {
            self.office(p.office as u64)
        } else {
            self.id_json(kind::OFFICE, p.office as u64)
        };
        let home_location = if expand("home_location") {
            self.home(p)
        } else {
            self.id_json(kind::HOME, p.index)
        };
        let groups = if expand("groups") {
            format!("[{}]", self.group(p.department))
        } else {
            format!("[{}]", self.id_json(kind::GROUP, p.department))
        };
        // An HR-system user without the right to read employment details (the demo's
        // `demo-no-permissions`) gets Merge no employments, so job titles arrive empty.
        let employments = if self.account.missing_permissions {
            "[]".to_owned()
        } else if expand("employments") {
            format!("[{}]", self.employment(p))
        } else {
            format!("[{}]", self.id_json(kind::EMPLOYMENT, p.index))
        };
        let company = if expand("company") {
            self.company()
        } else {
            self.id_json(kind::COMPANY, 0)
        };
        let pay_group = if expand("pay_group") {
            self.pay_group()
        } else {
            self.id_json(kind::PAY_GROUP, 0)
        };
        Relations {
            manager,
            team,
            work_location,
            home_location,
            groups,
            employments,
            company,
            pay_group,
        }
    }

    fn pay_group(&self) -> String {
        let at = Some(self.workforce.linked_at);
        let mut o = Obj::new(self, "PayGroup");
        o.val("id", &self.id(kind::PAY_GROUP, 0))
            .val("remote_id", "PG1")
            .val("pay_group_name", "Monthly salaried")
            .time("created_at", at)
            .time("modified_at", at);
        Self::tail(
            &mut o,
            false,
            &self.remote_data("PayGroup", "pay-groups", "PG1", &[]),
        );
        o.finish()
    }

    pub fn employment(&self, p: &Person) -> String {
        let employee = if self.expands("employee") {
            self.employee_with(p, false)
        } else {
            quoted(&p.id.to_string())
        };
        let pay_group = if self.expands("pay_group") {
            self.pay_group()
        } else {
            self.id_json(kind::PAY_GROUP, 0)
        };
        let remote_id = format!("EMP-{}", p.remote_id);
        let remote_data = self.remote_data(
            "Employment",
            "employments",
            &remote_id,
            &[
                ("employment_type", EMPLOYMENT_TYPE),
                ("flsa_status", FLSA_STATUS),
                ("pay_frequency", PAY_FREQUENCY),
                ("pay_period", PAY_PERIOD),
            ],
        );
        let mut o = Obj::new(self, "Employment");
        o.val("id", &self.id(kind::EMPLOYMENT, p.index))
            .val("remote_id", &remote_id)
            .time("created_at", Some(p.created_at))
            .time("modified_at", Some(p.modified_at))
            .raw("employee", &employee)
            .val("job_title", &p.job_title)
            .val("pay_rate", &p.pay_rate)
            .choice("pay_period", PAY_PERIOD)
            .choice("pay_frequency", PAY_FREQUENCY)
            .val("pay_currency", p.pay_currency)
            .raw("pay_group", &pay_group)
            .choice("flsa_status", FLSA_STATUS)
            .time("effective_date", Some(p.start_date))
            .choice("employment_type", EMPLOYMENT_TYPE);
        Self::tail(&mut o, p.deleted, &remote_data);
        o.finish()
    }

    pub fn team(&self, t: u64) -> String {
        let w = &self.workforce;
        let at = Some(w.linked_at);
        let parent = match w.team_parent(t) {
            Some(parent) if self.expands("parent_team") => {
                let grand = w
                    .team_parent(parent)
                    .map_or_else(|| "null".to_owned(), |pp| self.id_json(kind::TEAM, pp));
                let mut o = Obj::new(self, "Team");
                o.val("id", &self.id(kind::TEAM, parent))
                    .val("remote_id", &format!("T{parent}"))
                    .time("created_at", at)
                    .time("modified_at", at)
                    .val("name", &w.team_name(parent))
                    .raw("parent_team", &grand);
                let remote_data = self.remote_data("Team", "teams", &format!("T{parent}"), &[]);
                Self::tail(&mut o, false, &remote_data);
                o.finish()
            }
            Some(parent) => self.id_json(kind::TEAM, parent),
            None => "null".to_owned(),
        };
        let mut o = Obj::new(self, "Team");
        o.val("id", &self.id(kind::TEAM, t))
            .val("remote_id", &format!("T{t}"))
            .time("created_at", at)
            .time("modified_at", at)
            .val("name", &w.team_name(t))
            .raw("parent_team", &parent);
        let remote_data = self.remote_data("Team", "teams", &format!("T{t}"), &[]);
        Self::tail(&mut o, false, &remote_data);
        o.finish()
    }

    pub fn office(&self, o: u64) -> String {
        let office = &OFFICES[o as usize];
        self.location(LocationFields {
            id: self.id(kind::OFFICE, o),
            remote_id: format!("OFF{o}"),
            name: office.name,
            phone: format!("+44 20 7946 0{o:03}"),
            street_1: format!("{} Market Street", 10 + o),
            street_2: "Floor 3".to_owned(),
            city: office.city,
            state: office.state,
            zip: format!("{:05}", 10_000 + o * 37),
            country: office.country,
            kind: "WORK",
        })
    }

    pub fn home(&self, p: &Person) -> String {
        let office = &OFFICES[p.office];
        self.location(LocationFields {
            id: self.id(kind::HOME, p.index),
            remote_id: format!("HOME{}", p.remote_id),
            name: "Home",
            phone: p.mobile_phone_number.clone(),
            street_1: format!("{} Acacia Avenue", 1 + p.index % 200),
            street_2: format!("Flat {}", 1 + p.index % 12),
            city: office.city,
            state: office.state,
            zip: format!("HX{}", 100 + p.index % 900),
            country: office.country,
            kind: "HOME",
        })
    }

    fn location(&self, f: LocationFields) -> String {
        let at = Some(self.workforce.linked_at);
        let mut o = Obj::new(self, "Location");
        o.val("id", &f.id)
            .val("remote_id", &f.remote_id)
            .time("created_at", at)
            .time("modified_at", at)
            .val("name", f.name)
            .val("phone_number", &f.phone)
            .val("street_1", &f.street_1)
            .val("street_2", &f.street_2)
            .val("city", f.city)
            .val("state", f.state)
            .val("zip_code", &f.zip)
            .val("country", f.country)
            .choice("location_type", f.kind);
        let remote_data = self.remote_data(
            "Location",
            "locations",
            &f.remote_id,
            &[("location_type", f.kind)],
        );
        Self::tail(&mut o, false, &remote_data);
        o.finish()
    }

    pub fn group(&self, d: u64) -> String {
        let at = Some(self.workforce.linked_at);
        let mut o = Obj::new(self, "Group");
        o.val("id", &self.id(kind::GROUP, d))
            .val("remote_id", &format!("D{d}"))
            .time("created_at", at)
            .time("modified_at", at)
            .raw("parent_group", "null")
            .val("name", Workforce::department_name(d))
            .choice("type", GROUP_TYPE)
            .val("is_commonly_used_as_team", &false);
        let remote_data =
            self.remote_data("Group", "groups", &format!("D{d}"), &[("type", GROUP_TYPE)]);
        Self::tail(&mut o, false, &remote_data);
        o.finish()
    }

    pub fn company(&self) -> String {
        let at = Some(self.workforce.linked_at);
        let name = &self.account.end_user.organization_name;
        let mut o = Obj::new(self, "Company");
        o.val("id", &self.id(kind::COMPANY, 0))
            .val("remote_id", "C1")
            .time("created_at", at)
            .time("modified_at", at)
            .val("legal_name", name)
            .val("display_name", name)
            .raw("eins", r#"["12-3456789"]"#);
        Self::tail(
            &mut o,
            false,
            &self.remote_data("Company", "companies", "C1", &[]),
        );
        o.finish()
    }
}

struct LocationFields {
    id: String,
    remote_id: String,
    name: &'static str,
    phone: String,
    street_1: String,
    street_2: String,
    city: &'static str,
    state: &'static str,
    zip: String,
    country: &'static str,
    kind: &'static str,
}

pub fn parse_uuid(raw: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).ok()
}

/// An employee's links, as JSON: ids or expanded objects.
struct Relations {
    manager: String,
    team: String,
    work_location: String,
    home_location: String,
    groups: String,
    employments: String,
    company: String,
    pay_group: String,
}
