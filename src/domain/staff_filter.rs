//! The recipients filter, shared by the browser (URL state, form) and the server (query).
//! Filters combine with AND; choices within one filter with OR.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffFilter {
    /// Free text over names, preferred name and work email.
    pub q: String,
    /// Teams as `<connection id>/<team id>`; each includes its sub-teams.
    pub teams: Vec<String>,
    /// A manager as `<connection id>/<employee id>`.
    pub manager: Option<String>,
    /// Only direct reports of the manager, rather than everyone under them.
    pub direct_only: bool,
    /// Joined within this many days.
    pub joined_within: Option<u32>,
    /// Office countries, ISO 3166 alpha-2.
    pub countries: Vec<String>,
    pub include_pending: bool,
    pub include_leavers: bool,
    pub page: u32,
}

pub const PAGE_SIZE: u32 = 50;
pub const JOINED_CHOICES: [u32; 3] = [7, 30, 90];

impl StaffFilter {
    /// The filter as URL query parameters, so a filtered list can be shared and Back works.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", encode(v)));
        if !self.q.trim().is_empty() {
            push("q", self.q.trim());
        }
        for t in &self.teams {
            push("team", t);
        }
        if let Some(m) = &self.manager {
            push("manager", m);
        }
        if self.direct_only {
            push("direct", "1");
        }
        if let Some(d) = self.joined_within {
            push("joined", &d.to_string());
        }
        for c in &self.countries {
            push("country", c);
        }
        if self.include_pending {
            push("pending", "1");
        }
        if self.include_leavers {
            push("leavers", "1");
        }
        if self.page > 0 {
            push("page", &self.page.to_string());
        }
        parts.join("&")
    }

    /// Reads the filter back from query pairs; anything malformed is ignored, never an error,
    /// because people edit and paste URLs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut f = StaffFilter::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k {
                "q" => f.q = v.chars().take(100).collect(),
                "team" if is_ref(v) && f.teams.len() < 50 => f.teams.push(v.to_owned()),
                "manager" if is_ref(v) => f.manager = Some(v.to_owned()),
                "direct" => f.direct_only = v == "1",
                "joined" => f.joined_within = v.parse().ok().filter(|d| (1..=3650).contains(d)),
                "country" if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    f.countries.push(v.to_ascii_uppercase())
                }
                "pending" => f.include_pending = v == "1",
                "leavers" => f.include_leavers = v == "1",
                "page" => f.page = v.parse().unwrap_or(0).min(10_000),
                _ => {}
            }
        }
        f
    }
}

/// `<uuid>/<id>` with only characters Merge ids use.
fn is_ref(v: &str) -> bool {
    v.len() <= 200
        && v.split_once('/').is_some_and(|(a, b)| {
            a.len() == 36
                && !b.is_empty()
                && v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'/' || c == b'_')
        })
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One row of the recipients table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRow {
    pub key: String,
    pub display_name: String,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub status: String,
    pub source: String,
    /// Also present in other connected systems (same work email).
    pub also_in: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffPage {
    pub total: i64,
    pub rows: Vec<StaffRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    /// `(ref, name, depth)` in tree order.
    pub teams: Vec<(String, String, i32)>,
    pub countries: Vec<String>,
    pub connections: usize,
    pub syncing: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_url_and_ignores_junk() {
        let f = StaffFilter {
            q: "josé ü".into(),
            teams: vec!["0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/abc-1".into()],
            manager: Some("0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m-9".into()),
            direct_only: true,
            joined_within: Some(30),
            countries: vec!["DE".into()],
            include_pending: true,
            include_leavers: false,
            page: 2,
        };
        let q = f.to_query();
        let pairs: Vec<(String, String)> = q
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), percent_decode(v))
            })
            .collect();
        let back = StaffFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, f);
        let junk = StaffFilter::from_pairs([
            ("team", "'; drop table"),
            ("joined", "-3"),
            ("country", "Germany"),
            ("page", "x"),
        ]);
        assert_eq!(junk, StaffFilter::default());
    }

    fn percent_decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
