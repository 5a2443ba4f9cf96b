//! List parameters as Merge reads them, with Merge-style 400s for values it would refuse.
//!
//! Each endpoint declares the model-specific filters Merge documents for it next to the field
//! each one reads, so a filter cannot be accepted without being applied.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Timelike, Utc};
use uuid::Uuid;

use crate::server::merge::models::parse_datetime;

pub const DEFAULT_PAGE_SIZE: usize = 30;
pub const MAX_PAGE_SIZE: usize = 100;

/// How one documented filter reads a record of type `R`.
pub enum Test<R: 'static> {
    /// Equal to the given text.
    Text(fn(&R) -> Option<Cow<'_, str>>),
    /// Equal to one of the given comma-separated texts.
    AnyText(fn(&R) -> Option<Cow<'_, str>>),
    /// Equal to the given choice; other values are refused, as Merge refuses them.
    Choice(&'static [&'static str], fn(&R) -> Option<Cow<'_, str>>),
    /// Equal to the given UUID.
    Id(fn(&R) -> Option<Uuid>),
    /// Equal to one of the given comma-separated UUIDs.
    AnyId(fn(&R) -> Option<Uuid>),
    /// Strictly after the given time; records without one never match.
    After(fn(&R) -> Option<DateTime<Utc>>),
    /// Strictly before the given time; records without one never match.
    Before(fn(&R) -> Option<DateTime<Utc>>),
    /// Equal to the given boolean.
    Flag(fn(&R) -> bool),
    /// Equal to the given boolean, taken as `false` when the parameter is absent.
    Only(fn(&R) -> bool),
    /// Records for which this is true are left out unless the parameter is `true`.
    Reveals(fn(&R) -> bool),
}

pub struct Filter<R: 'static> {
    pub name: &'static str,
    /// The Common Model field the filter reads: when scopes switch it off, Merge holds no value
    /// to compare, so nothing matches.
    pub field: Option<(&'static str, &'static str)>,
    pub test: Test<R>,
}

impl<R: 'static> Filter<R> {
    pub const fn new(name: &'static str, test: Test<R>) -> Self {
        Self {
            name,
            field: None,
            test,
        }
    }

    pub const fn on(
        name: &'static str,
        model: &'static str,
        field: &'static str,
        test: Test<R>,
    ) -> Self {
        Self {
            name,
            field: Some((model, field)),
            test,
        }
    }
}

/// What an endpoint accepts beyond pagination and the windows every Common Model list takes.
pub struct Endpoint<R: 'static> {
    pub expandable: &'static [&'static str],
    /// Enum fields whose original values `show_enum_origins` (or its old name `remote_fields`)
    /// can ask for.
    pub enum_fields: &'static [&'static str],
    pub order_by: &'static [&'static str],
    pub filters: &'static [Filter<R>],
}

impl<R: 'static> Endpoint<R> {
    pub const PLAIN: Endpoint<R> = Endpoint {
        expandable: &[],
        enum_fields: &[],
        order_by: &[],
        filters: &[],
    };
}

enum Arg {
    Text(String),
    Texts(Vec<String>),
    Ids(Vec<Uuid>),
    Time(DateTime<Utc>),
    Flag(bool),
}

/// A filter the request uses, with its value.
pub struct Active<R: 'static> {
    filter: &'static Filter<R>,
    arg: Arg,
    /// The field it reads is switched off by scopes.
    blind: bool,
}

impl<R: 'static> Active<R> {
    fn accepts(&self, r: &R) -> bool {
        if self.blind {
            return false;
        }
        match (&self.filter.test, &self.arg) {
            (Test::Text(get) | Test::Choice(_, get), Arg::Text(want)) => {
                get(r).is_some_and(|v| v == want.as_str())
            }
            (Test::AnyText(get), Arg::Texts(want)) => {
                get(r).is_some_and(|v| want.iter().any(|w| v == w.as_str()))
            }
            (Test::Id(get) | Test::AnyId(get), Arg::Ids(want)) => {
                get(r).is_some_and(|v| want.contains(&v))
            }
            (Test::After(get), Arg::Time(at)) => get(r).is_some_and(|v| shown(v) > *at),
            (Test::Before(get), Arg::Time(at)) => get(r).is_some_and(|v| shown(v) < *at),
            (Test::Flag(get) | Test::Only(get), Arg::Flag(want)) => get(r) == *want,
            (Test::Reveals(get), Arg::Flag(reveal)) => *reveal || !get(r),
            // `parse` pairs each test with its own kind of value.
            _ => false,
        }
    }
}

pub struct ListParams<R: 'static> {
    pub start: u64,
    pub page_size: usize,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    pub include_deleted_data: bool,
    pub include_sensitive_fields: bool,
    pub include_remote_data: bool,
    pub expand: Vec<String>,
    pub enum_origins: Vec<String>,
    pub order_by: Option<&'static str>,
    pub filters: Vec<Active<R>>,
}

impl<R: 'static> ListParams<R> {
    /// `field_enabled(model, field)` tells whether the linked account's scopes let Merge store a
    /// field.
    pub fn parse(
        pairs: &[(String, String)],
        endpoint: &'static Endpoint<R>,
        field_enabled: impl Fn(&str, &str) -> bool,
    ) -> Result<Self, String> {
        let mut p = ListParams {
            start: 0,
            page_size: DEFAULT_PAGE_SIZE,
            created_after: None,
            created_before: None,
            modified_after: None,
            modified_before: None,
            include_deleted_data: false,
            include_sensitive_fields: false,
            include_remote_data: false,
            expand: Vec::new(),
            enum_origins: Vec::new(),
            order_by: None,
            filters: Vec::new(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "cursor" => p.start = decode_cursor(value).ok_or("Invalid cursor.")?,
                "page_size" => {
                    let n: usize = value
                        .parse()
                        .map_err(|_| "A valid integer is required for page_size.")?;
                    if n == 0 {
                        return Err("page_size must be at least 1.".into());
                    }
                    p.page_size = n.min(MAX_PAGE_SIZE);
                }
                "created_after" => p.created_after = Some(datetime(key, value)?),
                "created_before" => p.created_before = Some(datetime(key, value)?),
                "modified_after" => p.modified_after = Some(datetime(key, value)?),
                "modified_before" => p.modified_before = Some(datetime(key, value)?),
                "include_deleted_data" => p.include_deleted_data = boolean(key, value)?,
                "include_sensitive_fields" => p.include_sensitive_fields = boolean(key, value)?,
                "include_remote_data" => p.include_remote_data = boolean(key, value)?,
                // Shell records are those a provider lists with every field empty; the synthetic
                // HR system fills every record, so there are none to include or leave out.
                "include_shell_data" => {
                    boolean(key, value)?;
                }
                "expand" => choices(key, value, endpoint.expandable, &mut p.expand)?,
                "show_enum_origins" | "remote_fields" => {
                    choices(key, value, endpoint.enum_fields, &mut p.enum_origins)?
                }
                "order_by" if !endpoint.order_by.is_empty() => {
                    p.order_by = Some(
                        endpoint
                            .order_by
                            .iter()
                            .find(|o| **o == value)
                            .copied()
                            .ok_or_else(|| invalid_choice(key, value))?,
                    );
                }
                _ => {
                    if let Some(filter) = endpoint.filters.iter().find(|f| f.name == key) {
                        let arg = argument(filter, value)?;
                        p.filters.retain(|a| a.filter.name != filter.name);
                        let blind = filter.field.is_some_and(|(m, f)| !field_enabled(m, f));
                        p.filters.push(Active { filter, arg, blind });
                    }
                }
            }
        }
        for filter in endpoint.filters {
            let absent = !p.filters.iter().any(|a| a.filter.name == filter.name);
            if absent && matches!(filter.test, Test::Only(_) | Test::Reveals(_)) {
                p.filters.push(Active {
                    filter,
                    arg: Arg::Flag(false),
                    blind: false,
                });
            }
        }
        Ok(p)
    }

    /// Whether a record passes every model-specific filter of the request.
    pub fn accepts(&self, r: &R) -> bool {
        self.filters.iter().all(|a| a.accepts(r))
    }

    pub fn windowed(&self) -> bool {
        self.created_after.is_some()
            || self.created_before.is_some()
            || self.modified_after.is_some()
            || self.modified_before.is_some()
    }

    pub fn in_window(&self, created: DateTime<Utc>, modified: DateTime<Utc>) -> bool {
        let (created, modified) = (shown(created), shown(modified));
        self.created_after.is_none_or(|a| created > a)
            && self.created_before.is_none_or(|b| created < b)
            && self.modified_after.is_none_or(|a| modified > a)
            && self.modified_before.is_none_or(|b| modified < b)
    }
}

/// A time as responses show it, to the microsecond, so that a record's time read from a response
/// and sent back as a bound compares equal to it.
fn shown(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

fn argument<R: 'static>(filter: &Filter<R>, value: &str) -> Result<Arg, String> {
    let key = filter.name;
    Ok(match &filter.test {
        Test::Text(_) => Arg::Text(value.to_owned()),
        Test::AnyText(_) => Arg::Texts(list(value).map(str::to_owned).collect()),
        Test::Choice(allowed, _) => {
            if !allowed.contains(&value) {
                return Err(invalid_choice(key, value));
            }
            Arg::Text(value.to_owned())
        }
        Test::Id(_) => Arg::Ids(vec![uuid(key, value)?]),
        Test::AnyId(_) => Arg::Ids(
            list(value)
                .map(|v| uuid(key, v))
                .collect::<Result<_, _>>()?,
        ),
        Test::After(_) | Test::Before(_) => Arg::Time(datetime(key, value)?),
        Test::Flag(_) | Test::Only(_) | Test::Reveals(_) => Arg::Flag(boolean(key, value)?),
    })
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').filter(|s| !s.is_empty())
}

/// Reads comma-separated choices, in either of the forms clients send them: one comma-joined
/// parameter or the parameter repeated.
fn choices(key: &str, value: &str, allowed: &[&str], into: &mut Vec<String>) -> Result<(), String> {
    for part in list(value) {
        if !allowed.contains(&part) {
            return Err(invalid_choice(key, part));
        }
        into.push(part.to_owned());
    }
    Ok(())
}

fn invalid_choice(key: &str, value: &str) -> String {
    format!("\"{value}\" is not a valid choice for {key}.")
}

fn datetime(key: &str, value: &str) -> Result<DateTime<Utc>, String> {
    parse_datetime(value).ok_or_else(|| format!("Enter a valid date/time for {key}."))
}

fn uuid(key: &str, value: &str) -> Result<Uuid, String> {
    Uuid::parse_str(value.trim()).map_err(|_| format!("\"{value}\" is not a valid UUID for {key}."))
}

pub fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("Must be a valid boolean: {key}.")),
    }
}

/// Opaque to clients, like Merge's: base64 of `p=<position>`.
pub fn encode_cursor(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("p={position}"))
}

pub fn decode_cursor(raw: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("p=")?
        .parse()
        .ok()
}

/// One page of an in-memory list, and the cursor of the next.
pub fn page_of<T: Clone, R: 'static>(
    all: &[T],
    params: &ListParams<R>,
) -> (Vec<T>, Option<String>) {
    let start = (params.start as usize).min(all.len());
    let end = (start + params.page_size).min(all.len());
    let next = (end < all.len()).then(|| encode_cursor(end as u64));
    (all[start..end].to_vec(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    struct Row {
        name: &'static str,
        muted: bool,
    }

    static ROWS: Endpoint<Row> = Endpoint {
        expandable: &["manager", "team"],
        enum_fields: &["gender"],
        order_by: &[],
        filters: &[
            Filter::new("name", Test::Text(|r| Some(r.name.into()))),
            Filter::on(
                "names",
                "Row",
                "name",
                Test::AnyText(|r| Some(r.name.into())),
            ),
            Filter::new("include_muted", Test::Reveals(|r| r.muted)),
        ],
    };

    fn parse(list: &[(&str, &str)]) -> Result<ListParams<Row>, String> {
        ListParams::parse(&pairs(list), &ROWS, |_, _| true)
    }

    #[test]
    fn accepts_both_expand_forms_and_refuses_bad_values() {
        let comma = parse(&[("expand", "manager,team")]).unwrap();
        let repeated = parse(&[("expand", "manager"), ("expand", "team")]).unwrap();
        assert_eq!(comma.expand, repeated.expand);
        assert!(parse(&[("expand", "ssn")]).is_err());
        assert!(parse(&[("show_enum_origins", "ssn")]).is_err());
        assert!(parse(&[("page_size", "x")]).is_err());
        assert!(parse(&[("cursor", "garbage!")]).is_err());
        assert!(parse(&[("include_muted", "maybe")]).is_err());
        assert_eq!(parse(&[("page_size", "500")]).unwrap().page_size, 100);
        let c = encode_cursor(4200);
        assert_eq!(decode_cursor(&c), Some(4200));
    }

    #[test]
    fn filters_apply_and_default_flags_hide_what_they_reveal() {
        let a = Row {
            name: "a",
            muted: false,
        };
        let b = Row {
            name: "b",
            muted: true,
        };
        let plain = parse(&[]).unwrap();
        assert!(plain.accepts(&a) && !plain.accepts(&b));
        let revealed = parse(&[("include_muted", "true")]).unwrap();
        assert!(revealed.accepts(&a) && revealed.accepts(&b));
        let named = parse(&[("name", "a"), ("include_muted", "true")]).unwrap();
        assert!(named.accepts(&a) && !named.accepts(&b));
        let any = parse(&[("names", "b,a"), ("include_muted", "true")]).unwrap();
        assert!(any.accepts(&a) && any.accepts(&b));
        let blind = ListParams::parse(&pairs(&[("names", "a")]), &ROWS, |_, _| false).unwrap();
        assert!(!blind.accepts(&a));
    }
}
