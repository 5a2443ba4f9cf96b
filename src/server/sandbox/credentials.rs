//! How the sandbox's pretend HR systems judge credentials. The demo values are documented in
//! the README ("Sandbox demo credentials"); everything else fails the way a real system would.

use std::collections::BTreeMap;

use crate::domain::credentials::{FieldKind, SignIn, sign_in_for, validate};

/// Secrets that link successfully.
pub const GOOD_SECRETS: &[&str] = &["demo-api-key", "demo-secret", "demo-token"];
/// A secret that links, but whose HR-system user lacks permissions to read some data.
pub const LIMITED_SECRET: &str = "demo-no-permissions";

/// Subdomains that exist, with the size of their workforce.
pub const SUBDOMAINS: &[(&str, u64)] = &[
    ("acme", 240),
    ("globex", 1_200),
    ("initech", 60),
    ("umbrella", 10_000),
    ("bigco", 100_000),
    ("megacorp", 1_000_000),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Linked {
        size: Option<u64>,
    },
    MissingPermissions {
        size: Option<u64>,
    },
    /// A problem with one field: which, what status Merge would answer, and why.
    Rejected {
        field: &'static str,
        status: u16,
        problem_type: &'static str,
        detail: String,
    },
}

pub fn check(slug: &str, system_name: &str, credentials: &BTreeMap<String, String>) -> Verdict {
    let SignIn::Fields { fields, .. } = sign_in_for(slug) else {
        // OAuth systems have no credentials to check; their sign-in happens in Link.
        return Verdict::Linked { size: None };
    };
    let mut size = None;
    let mut limited = false;
    for field in fields {
        let raw = credentials.get(field.key).map(String::as_str).unwrap_or("");
        let value = match validate(field, raw) {
            Ok(v) => v,
            Err(err) => {
                return Verdict::Rejected {
                    field: field.key,
                    status: 400,
                    problem_type: "INVALID_FIELD",
                    detail: err.to_string(),
                };
            }
        };
        match field.kind {
            FieldKind::Subdomain { suffix } => match SUBDOMAINS.iter().find(|(s, _)| *s == value) {
                Some((_, n)) => size = Some(*n),
                None => {
                    return Verdict::Rejected {
                        field: field.key,
                        status: 404,
                        problem_type: "UNKNOWN_SUBDOMAIN",
                        detail: format!("No {system_name} account exists at {value}{suffix}."),
                    };
                }
            },
            FieldKind::Secret if value == LIMITED_SECRET => limited = true,
            FieldKind::Secret if !GOOD_SECRETS.contains(&value.as_str()) => {
                return Verdict::Rejected {
                    field: field.key,
                    status: 401,
                    problem_type: "INVALID_CREDENTIALS",
                    detail: format!(
                        "{system_name} rejected this {}.",
                        crate::domain::credentials::in_sentence(field.label)
                    ),
                };
            }
            FieldKind::Url if !value.contains("workday") => {
                return Verdict::Rejected {
                    field: field.key,
                    status: 404,
                    problem_type: "UNKNOWN_SUBDOMAIN",
                    detail: format!("No {system_name} tenant answers at this address."),
                };
            }
            _ => {}
        }
    }
    if limited {
        Verdict::MissingPermissions { size }
    } else {
        Verdict::Linked { size }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn sage_hr_demo_credentials() {
        assert_eq!(
            check(
                "sage-hr",
                "Sage HR",
                &creds(&[("subdomain", "acme"), ("api_key", "demo-api-key")])
            ),
            Verdict::Linked { size: Some(240) }
        );
        assert!(matches!(
            check(
                "sage-hr",
                "Sage HR",
                &creds(&[("subdomain", "nowhere"), ("api_key", "demo-api-key")])
            ),
            Verdict::Rejected {
                field: "subdomain",
                status: 404,
                ..
            }
        ));
        assert!(matches!(
            check(
                "sage-hr",
                "Sage HR",
                &creds(&[("subdomain", "acme"), ("api_key", "wrong-key-123")])
            ),
            Verdict::Rejected {
                field: "api_key",
                status: 401,
                ..
            }
        ));
        assert_eq!(
            check(
                "sage-hr",
                "Sage HR",
                &creds(&[("subdomain", "acme"), ("api_key", LIMITED_SECRET)])
            ),
            Verdict::MissingPermissions { size: Some(240) }
        );
        assert_eq!(
            check("gusto", "Gusto", &BTreeMap::new()),
            Verdict::Linked { size: None }
        );
    }
}
