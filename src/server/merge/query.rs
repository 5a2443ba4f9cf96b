//! Query parameters for Merge list endpoints. Only parameters the product needs can be
//! expressed; `include_remote_data` and `include_sensitive_fields` cannot, so no caller can ask
//! Merge for raw provider data or for social security numbers by mistake.

use chrono::{DateTime, SecondsFormat, Utc};

/// Merge's maximum page size.
pub const PAGE_SIZE: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpandStyle {
    /// `expand=manager,team`, as Merge's docs write it.
    #[default]
    Comma,
    /// `expand=manager&expand=team`, as Merge's SDKs send it.
    Repeated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub page_size: u16,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    pub include_deleted_data: bool,
    pub expand: Vec<&'static str>,
    pub expand_style: ExpandStyle,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            page_size: PAGE_SIZE,
            modified_after: None,
            modified_before: None,
            include_deleted_data: false,
            expand: Vec::new(),
            expand_style: ExpandStyle::Comma,
        }
    }
}

impl ListQuery {
    /// The parameters of one page. Everything but the cursor is identical on every page, as
    /// Merge requires.
    pub fn pairs(&self, cursor: Option<&str>) -> Vec<(&'static str, String)> {
        let mut out = vec![("page_size", self.page_size.min(PAGE_SIZE).to_string())];
        if let Some(at) = self.modified_after {
            out.push(("modified_after", format_datetime(at)));
        }
        if let Some(at) = self.modified_before {
            out.push(("modified_before", format_datetime(at)));
        }
        if self.include_deleted_data {
            out.push(("include_deleted_data", "true".into()));
        }
        if !self.expand.is_empty() {
            match self.expand_style {
                ExpandStyle::Comma => out.push(("expand", self.expand.join(","))),
                ExpandStyle::Repeated => {
                    out.extend(self.expand.iter().map(|e| ("expand", (*e).to_owned())))
                }
            }
        }
        if let Some(c) = cursor {
            out.push(("cursor", c.to_owned()));
        }
        out
    }
}

pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_differ_only_by_cursor_and_never_ask_for_sensitive_data() {
        let q = ListQuery {
            modified_after: Some(
                DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            include_deleted_data: true,
            expand: vec!["manager", "team"],
            ..ListQuery::default()
        };
        let first = q.pairs(None);
        let second = q.pairs(Some("cD0x"));
        assert_eq!(&second[..second.len() - 1], &first[..]);
        assert_eq!(second.last().unwrap(), &("cursor", "cD0x".to_owned()));
        assert!(first.contains(&("expand", "manager,team".to_owned())));
        assert!(first.contains(&("modified_after", "2026-01-02T03:04:05.000000Z".to_owned())));
        let repeated = ListQuery {
            expand_style: ExpandStyle::Repeated,
            ..q
        }
        .pairs(None);
        assert_eq!(repeated.iter().filter(|(k, _)| *k == "expand").count(), 2);
        for (k, _) in first.iter().chain(&repeated) {
            assert!(*k != "include_remote_data" && *k != "include_sensitive_fields");
        }
    }
}
