//! List parameters as Merge reads them, with Merge-style 400s for values it would refuse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::server::merge::models::parse_datetime;

pub const DEFAULT_PAGE_SIZE: usize = 30;
pub const MAX_PAGE_SIZE: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub start: u64,
    pub page_size: usize,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    pub include_deleted_data: bool,
    pub include_sensitive_fields: bool,
    pub expand: Vec<String>,
}

impl ListParams {
    /// `expandable` lists the relations this endpoint can expand; others are refused.
    pub fn parse(pairs: &[(String, String)], expandable: &[&str]) -> Result<Self, String> {
        let mut p = ListParams {
            page_size: DEFAULT_PAGE_SIZE,
            ..ListParams::default()
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
                "modified_after" => p.modified_after = Some(datetime(key, value)?),
                "modified_before" => p.modified_before = Some(datetime(key, value)?),
                "include_deleted_data" => p.include_deleted_data = boolean(key, value)?,
                "include_sensitive_fields" => p.include_sensitive_fields = boolean(key, value)?,
                "include_remote_data" | "include_shell_data" => {
                    boolean(key, value)?;
                }
                "expand" => {
                    for part in value.split(',').filter(|s| !s.is_empty()) {
                        if !expandable.contains(&part) {
                            return Err(format!("\"{part}\" is not a valid choice for expand."));
                        }
                        p.expand.push(part.to_owned());
                    }
                }
                _ => {}
            }
        }
        Ok(p)
    }

    pub fn in_window(&self, at: DateTime<Utc>) -> bool {
        self.modified_after.is_none_or(|a| at > a) && self.modified_before.is_none_or(|b| at < b)
    }
}

fn datetime(key: &str, value: &str) -> Result<DateTime<Utc>, String> {
    parse_datetime(value).ok_or_else(|| format!("Enter a valid date/time for {key}."))
}

fn boolean(key: &str, value: &str) -> Result<bool, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn accepts_both_expand_forms_and_refuses_bad_values() {
        let comma =
            ListParams::parse(&pairs(&[("expand", "manager,team")]), &["manager", "team"]).unwrap();
        let repeated = ListParams::parse(
            &pairs(&[("expand", "manager"), ("expand", "team")]),
            &["manager", "team"],
        )
        .unwrap();
        assert_eq!(comma.expand, repeated.expand);
        assert!(ListParams::parse(&pairs(&[("expand", "ssn")]), &["manager"]).is_err());
        assert!(ListParams::parse(&pairs(&[("page_size", "x")]), &[]).is_err());
        assert!(ListParams::parse(&pairs(&[("cursor", "garbage!")]), &[]).is_err());
        assert_eq!(
            ListParams::parse(&pairs(&[("page_size", "500")]), &[])
                .unwrap()
                .page_size,
            100
        );
        let c = encode_cursor(4200);
        assert_eq!(decode_cursor(&c), Some(4200));
    }
}
