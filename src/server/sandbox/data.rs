//! Common Model lists and lookups, generated on demand from the linked account's workforce.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::Sandbox;
use super::params::{Endpoint, Filter, ListParams, Test, encode_cursor};
use super::render::{DEPARTMENT_COUNT, EMPLOYMENT_TYPE, GROUP_TYPE, View, kind, parse_uuid};
use super::routes::{Authorized, detail, page_response_raw};
use super::workforce::{OFFICES, Person, Workforce, index_from, uuid_from};

type Q = Query<Vec<(String, String)>>;

const EMPLOYEE_EXPANDS: &[&str] = &[
    "company",
    "employments",
    "groups",
    "home_location",
    "manager",
    "pay_group",
    "team",
    "work_location",
];
const EMPLOYEE_ENUMS: &[&str] = &["employment_status", "ethnicity", "gender", "marital_status"];

/// A generated person, with the seed their relations' ids derive from.
struct Staff {
    seed: u64,
    p: Person,
}

impl Staff {
    fn id(&self, kind: u64, index: u64) -> uuid::Uuid {
        uuid_from(self.seed, kind, index)
    }
}

static EMPLOYEES: Endpoint<Staff> = Endpoint {
    expandable: EMPLOYEE_EXPANDS,
    enum_fields: EMPLOYEE_ENUMS,
    order_by: &[],
    filters: &[
        Filter::on(
            "company_id",
            "Employee",
            "company",
            Test::Id(|s| Some(s.id(kind::COMPANY, 0))),
        ),
        Filter::on(
            "display_full_name",
            "Employee",
            "display_full_name",
            Test::Text(|s| Some(s.p.display_full_name.as_str().into())),
        ),
        Filter::on(
            "employee_number",
            "Employee",
            "employee_number",
            Test::Text(|s| Some(s.p.employee_number.as_str().into())),
        ),
        Filter::on(
            "employment_status",
            "Employee",
            "employment_status",
            Test::Choice(&["ACTIVE", "INACTIVE", "PENDING"], |s| {
                Some(s.p.status.into())
            }),
        ),
        Filter::on(
            "employment_type",
            "Employment",
            "employment_type",
            Test::Text(|_| Some(EMPLOYMENT_TYPE.into())),
        ),
        Filter::on(
            "first_name",
            "Employee",
            "first_name",
            Test::Text(|s| Some(s.p.first_name.as_str().into())),
        ),
        Filter::on(
            "groups",
            "Employee",
            "groups",
            Test::AnyId(|s| Some(s.id(kind::GROUP, s.p.department))),
        ),
        Filter::on(
            "home_location_id",
            "Employee",
            "home_location",
            Test::Id(|s| Some(s.id(kind::HOME, s.p.index))),
        ),
        Filter::on(
            "job_title",
            "Employment",
            "job_title",
            Test::Text(|s| Some(s.p.job_title.as_str().into())),
        ),
        Filter::on(
            "last_name",
            "Employee",
            "last_name",
            Test::Text(|s| Some(s.p.last_name.as_str().into())),
        ),
        Filter::on(
            "manager_id",
            "Employee",
            "manager",
            Test::Id(|s| s.p.manager.map(|m| s.id(kind::EMPLOYEE, m))),
        ),
        Filter::on(
            "pay_group_id",
            "Employee",
            "pay_group",
            Test::Id(|s| Some(s.id(kind::PAY_GROUP, 0))),
        ),
        Filter::on(
            "personal_email",
            "Employee",
            "personal_email",
            Test::Text(|s| Some(s.p.personal_email.as_str().into())),
        ),
        Filter::new(
            "remote_id",
            Test::Text(|s| Some(s.p.remote_id.as_str().into())),
        ),
        Filter::on(
            "started_after",
            "Employee",
            "start_date",
            Test::After(|s| Some(s.p.start_date)),
        ),
        Filter::on(
            "started_before",
            "Employee",
            "start_date",
            Test::Before(|s| Some(s.p.start_date)),
        ),
        Filter::on(
            "team_id",
            "Employee",
            "team",
            Test::Id(|s| Some(s.id(kind::TEAM, s.p.team))),
        ),
        Filter::on(
            "terminated_after",
            "Employee",
            "termination_date",
            Test::After(|s| s.p.termination_date),
        ),
        Filter::on(
            "terminated_before",
            "Employee",
            "termination_date",
            Test::Before(|s| s.p.termination_date),
        ),
        Filter::on(
            "work_email",
            "Employee",
            "work_email",
            Test::Text(|s| s.p.work_email.as_deref().map(Into::into)),
        ),
        Filter::on(
            "work_location_id",
            "Employee",
            "work_location",
            Test::Id(|s| Some(s.id(kind::OFFICE, s.p.office as u64))),
        ),
    ],
};

/// `GET /employees/{id}` takes the list's presentation parameters but none of its filters.
static EMPLOYEE: Endpoint<Staff> = Endpoint {
    expandable: EMPLOYEE_EXPANDS,
    enum_fields: EMPLOYEE_ENUMS,
    order_by: &[],
    filters: &[],
};

const EFFECTIVE_DATE: &str = "effective_date";
const LATEST_FIRST: &str = "-effective_date";

static EMPLOYMENTS: Endpoint<Staff> = Endpoint {
    expandable: &["employee", "pay_group"],
    enum_fields: &[
        "employment_type",
        "flsa_status",
        "pay_frequency",
        "pay_period",
    ],
    order_by: &[LATEST_FIRST, EFFECTIVE_DATE],
    filters: &[
        Filter::on(
            "employee_id",
            "Employment",
            "employee",
            Test::Id(|s| Some(s.p.id)),
        ),
        Filter::new(
            "remote_id",
            Test::Text(|s| Some(format!("EMP-{}", s.p.remote_id).into())),
        ),
    ],
};

struct TeamRow {
    seed: u64,
    index: u64,
    parent: Option<u64>,
}

static TEAMS: Endpoint<TeamRow> = Endpoint {
    expandable: &["parent_team"],
    enum_fields: &[],
    order_by: &[],
    filters: &[
        Filter::on(
            "parent_team_id",
            "Team",
            "parent_team",
            Test::Id(|t| t.parent.map(|p| uuid_from(t.seed, kind::TEAM, p))),
        ),
        Filter::new(
            "remote_id",
            Test::Text(|t| Some(format!("T{}", t.index).into())),
        ),
    ],
};

/// Offices first, then every person's home address.
struct LocationRow {
    index: u64,
}

impl LocationRow {
    fn office(&self) -> bool {
        self.index < OFFICES.len() as u64
    }
}

static LOCATIONS: Endpoint<LocationRow> = Endpoint {
    expandable: &[],
    enum_fields: &["location_type"],
    order_by: &[],
    filters: &[
        Filter::on(
            "location_type",
            "Location",
            "location_type",
            Test::Choice(&["HOME", "WORK"], |l| {
                Some(if l.office() { "WORK" } else { "HOME" }.into())
            }),
        ),
        Filter::new(
            "remote_id",
            Test::Text(|l| {
                Some(if l.office() {
                    format!("OFF{}", l.index).into()
                } else {
                    format!("HOME{}", 10_000 + l.index - OFFICES.len() as u64).into()
                })
            }),
        ),
    ],
};

/// A department, numbered from 1.
struct GroupRow {
    department: u64,
}

static GROUPS: Endpoint<GroupRow> = Endpoint {
    expandable: &[],
    enum_fields: &["type"],
    order_by: &[],
    filters: &[
        Filter::on(
            "is_commonly_used_as_team",
            "Group",
            "is_commonly_used_as_team",
            Test::Flag(|_| false),
        ),
        Filter::on(
            "names",
            "Group",
            "name",
            Test::AnyText(|g| Some(Workforce::department_name(g.department).into())),
        ),
        Filter::on(
            "types",
            "Group",
            "type",
            Test::AnyText(|_| Some(GROUP_TYPE.into())),
        ),
        Filter::new(
            "remote_id",
            Test::Text(|g| Some(format!("D{}", g.department).into())),
        ),
    ],
};

static COMPANIES: Endpoint<()> = Endpoint {
    expandable: &[],
    enum_fields: &[],
    order_by: &[],
    filters: &[Filter::new("remote_id", Test::Text(|_| Some("C1".into())))],
};

struct Request<R: 'static> {
    auth: Authorized,
    params: ListParams<R>,
}

fn prepare<R: 'static>(
    mut auth: Authorized,
    query: &[(String, String)],
    endpoint: &'static Endpoint<R>,
    model: &str,
) -> Result<Request<R>, Response> {
    // Rendering reads faults from the account; global ones apply too.
    auth.account.faults = auth.faults.clone();
    if auth.account.scopes.disabled_models.contains(model) && !auth.faults.leak_sensitive {
        return Err(detail(
            StatusCode::FORBIDDEN,
            &format!("The {model} model is disabled for this linked account."),
        ));
    }
    let leak = auth.faults.leak_sensitive;
    let scopes = &auth.account.scopes;
    let params = ListParams::parse(query, endpoint, |m, f| leak || scopes.field_enabled(m, f))
        .map_err(|msg| detail(StatusCode::BAD_REQUEST, &msg))?;
    Ok(Request { auth, params })
}

fn view<R: 'static>(req: &Request<R>) -> View<'_> {
    View {
        account: &req.auth.account,
        workforce: req.auth.account.workforce(),
        expand: req.params.expand.clone(),
        include_sensitive: req.params.include_sensitive_fields,
        include_remote_data: req.params.include_remote_data,
        enum_origins: req.params.enum_origins.clone(),
    }
}

/// When a person joined the workforce's records: link time, or the generation that hired them.
fn created_at(w: &Workforce, i: u64) -> DateTime<Utc> {
    match w.hired_in(i) {
        0 => w.linked_at,
        g => w.generations[g - 1],
    }
}

/// Walks list positions from the cursor, keeping records inside the windows and passing the
/// filters, until a page is full. `quick` decides what it can without building the record, so
/// incremental windows over large workforces stay cheap.
fn scan<R: 'static>(
    req: &Request<R>,
    count: u64,
    at: impl Fn(u64) -> u64,
    quick: impl Fn(&Workforce, u64) -> bool,
    row: impl Fn(&View, u64) -> R,
    render: impl Fn(&View, &R) -> String,
) -> Response {
    let v = view(req);
    let mut results = Vec::with_capacity(req.params.page_size);
    let mut pos = req.params.start;
    while pos < count && results.len() < req.params.page_size {
        let i = at(pos);
        pos += 1;
        if !quick(&v.workforce, i) {
            continue;
        }
        let r = row(&v, i);
        if req.params.accepts(&r) {
            results.push(render(&v, &r));
        }
    }
    let next = (pos < count).then(|| encode_cursor(pos));
    page_response_raw(results, next, &req.auth.faults, req.auth.roll)
}

/// Lists people (as employees or employments) in `order`, or in workforce order.
fn scan_people(
    req: &Request<Staff>,
    order: Option<(&[u64], bool)>,
    render: impl Fn(&View, &Person) -> String,
) -> Response {
    let size = order.map_or(req.auth.account.workforce().size(), |(o, _)| o.len() as u64);
    let p = &req.params;
    let windowed = p.windowed();
    scan(
        req,
        size,
        |pos| match order {
            Some((o, false)) => o[pos as usize],
            Some((o, true)) => o[o.len() - 1 - pos as usize],
            None => pos,
        },
        |w, i| {
            (!windowed || p.in_window(created_at(w, i), w.modified_at(i)))
                && (p.include_deleted_data || !w.is_deleted(i))
        },
        |v, i| Staff {
            seed: v.account.seed,
            p: v.workforce.person(i),
        },
        |v, s| render(v, &s.p),
    )
}

/// Small lists made at link time and never changed since, so never deleted either.
fn static_list<R: 'static>(
    req: &Request<R>,
    count: u64,
    row: impl Fn(&View, u64) -> R,
    render: impl Fn(&View, &R) -> String,
) -> Response {
    let linked = req.auth.account.completed_at;
    let count = if req.params.in_window(linked, linked) {
        count
    } else {
        0
    };
    scan(req, count, |pos| pos, |_, _| true, row, render)
}

pub async fn employees(auth: Authorized, Query(q): Q) -> Response {
    match prepare(auth, &q, &EMPLOYEES, "Employee") {
        Ok(req) => scan_people(&req, None, |v, p| v.employee(p)),
        Err(res) => res,
    }
}

pub async fn employee(auth: Authorized, Path(id): Path<String>, Query(q): Q) -> Response {
    let req = match prepare(auth, &q, &EMPLOYEE, "Employee") {
        Ok(req) => req,
        Err(res) => return res,
    };
    let v = view(&req);
    let index = parse_uuid(&id).and_then(|u| index_from(req.auth.account.seed, kind::EMPLOYEE, &u));
    match index.filter(|i| *i < v.workforce.size()) {
        Some(i) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            v.employee(&v.workforce.person(i)),
        )
            .into_response(),
        None => detail(
            StatusCode::NOT_FOUND,
            "No Employee matches the given query.",
        ),
    }
}

pub async fn employments(State(s): State<Arc<Sandbox>>, auth: Authorized, Query(q): Q) -> Response {
    let req = match prepare(auth, &q, &EMPLOYMENTS, "Employment") {
        Ok(req) => req,
        Err(res) => return res,
    };
    let render = |v: &View, p: &Person| v.employment(p);
    match req.params.order_by {
        None => scan_people(&req, None, render),
        Some(order) => {
            let sorted = by_effective_date(&s, &req).await;
            scan_people(
                &req,
                Some((sorted.as_slice(), order == LATEST_FIRST)),
                render,
            )
        }
    }
}

/// People's indices by their employment's effective date, earliest first, kept per account and
/// generation: working it out means generating everyone once.
async fn by_effective_date(s: &Sandbox, req: &Request<Staff>) -> Arc<Vec<u64>> {
    let account = &req.auth.account;
    let generation = account.generations.len();
    let cached = s.state.lock().effective_order.get(&account.id).cloned();
    if let Some((_, order)) = cached.filter(|(g, _)| *g == generation) {
        return order;
    }
    let w = account.workforce();
    let order = tokio::task::spawn_blocking(move || {
        let mut dated: Vec<(DateTime<Utc>, u64)> =
            (0..w.size()).map(|i| (w.person(i).start_date, i)).collect();
        dated.sort_unstable();
        Arc::new(dated.into_iter().map(|(_, i)| i).collect::<Vec<_>>())
    })
    .await
    .unwrap_or_default();
    s.state
        .lock()
        .effective_order
        .insert(account.id, (generation, order.clone()));
    order
}

pub async fn teams(auth: Authorized, Query(q): Q) -> Response {
    match prepare(auth, &q, &TEAMS, "Team") {
        Ok(req) => {
            let count = req.auth.account.workforce().team_count();
            static_list(
                &req,
                count,
                |v, t| TeamRow {
                    seed: v.account.seed,
                    index: t,
                    parent: v.workforce.team_parent(t),
                },
                |v, t| v.team(t.index),
            )
        }
        Err(res) => res,
    }
}

/// Offices first, then every person's home address (which Merge lists too).
pub async fn locations(auth: Authorized, Query(q): Q) -> Response {
    match prepare(auth, &q, &LOCATIONS, "Location") {
        Ok(req) => {
            let offices = OFFICES.len() as u64;
            let count = offices + req.auth.account.workforce().size();
            static_list(
                &req,
                count,
                |_, index| LocationRow { index },
                |v, l| {
                    if l.office() {
                        v.office(l.index)
                    } else {
                        v.home(&v.workforce.person(l.index - offices))
                    }
                },
            )
        }
        Err(res) => res,
    }
}

pub async fn groups(auth: Authorized, Query(q): Q) -> Response {
    match prepare(auth, &q, &GROUPS, "Group") {
        Ok(req) => static_list(
            &req,
            DEPARTMENT_COUNT,
            |_, d| GroupRow { department: d + 1 },
            |v, g| v.group(g.department),
        ),
        Err(res) => res,
    }
}

pub async fn companies(auth: Authorized, Query(q): Q) -> Response {
    match prepare(auth, &q, &COMPANIES, "Company") {
        Ok(req) => static_list(&req, 1, |_, _| (), |v, _| v.company()),
        Err(res) => res,
    }
}
