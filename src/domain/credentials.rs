//! How each HR system signs in, and the validators for what an admin types.
//!
//! Merge does not publish credential schemas, so these come from Merge's "How do I link my
//! account?" guides. Systems not listed here sign in through Merge Link, which knows them all.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    /// The first label of a hostname, shown with a fixed suffix such as `.sage.hr`.
    Subdomain { suffix: &'static str },
    /// A token or password: masked, with show/hide.
    Secret,
    /// A plain identifier such as a client ID or user name.
    Identifier,
    /// An https URL.
    Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialField {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub hint: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// A form of fields the admin fills in, with steps to find each value.
    Fields {
        fields: &'static [CredentialField],
        steps: &'static [&'static str],
    },
    /// Sign-in happens at the HR system (OAuth), inside Merge Link.
    OAuth,
}

const API_KEY: CredentialField = CredentialField {
    key: "api_key",
    label: "API key",
    kind: FieldKind::Secret,
    hint: "Paste the key exactly as shown; it is encrypted as soon as it arrives.",
};

const SCHEMAS: &[(&str, SignIn)] = &[
    (
        "sage-hr",
        SignIn::Fields {
            fields: &[
                CredentialField {
                    key: "subdomain",
                    label: "Subdomain",
                    kind: FieldKind::Subdomain { suffix: ".sage.hr" },
                    hint: "The first part of the address you use to sign in to Sage HR.",
                },
                API_KEY,
            ],
            steps: &[
                "Sign in to Sage HR as an administrator.",
                "Open Settings → Integrations → API.",
                "Switch on \"Enable API access\" and copy the API key.",
            ],
        },
    ),
    (
        "bamboohr",
        SignIn::Fields {
            fields: &[
                CredentialField {
                    key: "subdomain",
                    label: "Subdomain",
                    kind: FieldKind::Subdomain {
                        suffix: ".bamboohr.com",
                    },
                    hint: "The first part of your BambooHR address.",
                },
                API_KEY,
            ],
            steps: &[
                "Sign in to BambooHR with a full-admin account.",
                "Click your name in the top right, then \"API Keys\".",
                "Choose \"Add New Key\", name it \"&Open gifting\" and copy the key.",
            ],
        },
    ),
    (
        "personio",
        SignIn::Fields {
            fields: &[
                CredentialField {
                    key: "client_id",
                    label: "Client ID",
                    kind: FieldKind::Identifier,
                    hint: "Starts with \"papi-\" in most accounts.",
                },
                CredentialField {
                    key: "client_secret",
                    label: "Client secret",
                    kind: FieldKind::Secret,
                    hint: "Shown once when you create the credentials.",
                },
            ],
            steps: &[
                "In Personio open Settings → Integrations → API credentials.",
                "Create a custom integration with read access to Employees and Org units.",
                "Copy the client ID and the client secret.",
            ],
        },
    ),
    (
        "peoplehr",
        SignIn::Fields {
            fields: &[API_KEY],
            steps: &[
                "Sign in to Access PeopleHR as an HR admin.",
                "Open Settings → API and press \"+\" to add a key.",
                "Allow the Employee actions, save, and copy the key.",
            ],
        },
    ),
    (
        "hibob",
        SignIn::Fields {
            fields: &[
                CredentialField {
                    key: "service_user_id",
                    label: "Service user ID",
                    kind: FieldKind::Identifier,
                    hint: "The ID of the service user created for &Open.",
                },
                CredentialField {
                    key: "service_user_token",
                    label: "Service user token",
                    kind: FieldKind::Secret,
                    hint: "Shown once when the service user is created.",
                },
            ],
            steps: &[
                "In HiBob open Settings → Integrations → Service users.",
                "Create a service user and add it to a permission group that can read People data.",
                "Copy the service user ID and token.",
            ],
        },
    ),
    (
        "workday",
        SignIn::Fields {
            fields: &[
                CredentialField {
                    key: "tenant_url",
                    label: "Web services URL",
                    kind: FieldKind::Url,
                    hint: "Looks like https://wd2-impl-services1.workday.com/ccx/service/acme.",
                },
                CredentialField {
                    key: "username",
                    label: "Integration system user",
                    kind: FieldKind::Identifier,
                    hint: "The ISU created for &Open.",
                },
                CredentialField {
                    key: "password",
                    label: "Password",
                    kind: FieldKind::Secret,
                    hint: "The ISU's password.",
                },
            ],
            steps: &[
                "Ask your Workday administrator for an integration system user (ISU).",
                "Give its security group read access to Worker data.",
                "Copy the web services URL from \"Public Web Services\".",
            ],
        },
    ),
    (
        "deel",
        SignIn::Fields {
            fields: &[CredentialField {
                key: "organization_token",
                label: "Organisation token",
                kind: FieldKind::Secret,
                hint: "Created in Deel's Developer Center.",
            }],
            steps: &[
                "In Deel open Apps & Perks → Developer Center → Organization tokens.",
                "Generate a token with all scopes and copy it.",
            ],
        },
    ),
];

/// How the HR system with this Merge slug signs in.
pub fn sign_in_for(slug: &str) -> SignIn {
    SCHEMAS
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, sign_in)| *sign_in)
        .unwrap_or(SignIn::OAuth)
}

/// What tells one tenant of a system from another in the details typed for it (already
/// validated): the subdomain, or the tenant a web services URL ends with. None when the
/// details name no tenant (an API key alone, a client ID, an OAuth sign-in).
pub fn tenant_of(
    slug: &str,
    validated: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let SignIn::Fields { fields, .. } = sign_in_for(slug) else {
        return None;
    };
    fields.iter().find_map(|f| {
        let value = validated.get(f.key)?;
        let tenant = match f.kind {
            FieldKind::Subdomain { .. } => value.to_ascii_lowercase(),
            FieldKind::Url => {
                let rest = value.strip_prefix("https://")?;
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                path.split('/')
                    .rfind(|s| !s.is_empty())
                    .unwrap_or(host)
                    .to_ascii_lowercase()
            }
            FieldKind::Secret | FieldKind::Identifier => return None,
        };
        let tenant: String = tenant
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        (!tenant.is_empty()).then_some(tenant)
    })
}

/// Where a tenant lives, as its admins know it: "globex.sage.hr" for a subdomain.
pub fn tenant_address(slug: &str, tenant: &str) -> String {
    let suffix = match sign_in_for(slug) {
        SignIn::Fields { fields, .. } => fields.iter().find_map(|f| match f.kind {
            FieldKind::Subdomain { suffix } => Some(suffix),
            _ => None,
        }),
        SignIn::OAuth => None,
    };
    format!("{tenant}{}", suffix.unwrap_or(""))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CredentialError {
    #[error("Enter the {0}.")]
    Missing(String),
    #[error("Enter only the subdomain: letters, digits and hyphens, for example \"acme\".")]
    BadSubdomain,
    #[error("This doesn't look like a complete {0}: it is too short.")]
    TooShort(String),
    #[error("The {0} is too long; check that you pasted only the value.")]
    TooLong(String),
    #[error("The {0} cannot contain spaces or line breaks.")]
    Whitespace(String),
    #[error("Enter an https:// address.")]
    BadUrl,
}

/// A field label as it reads inside a sentence: "Client secret" → "client secret", while
/// acronyms stay as they are ("API key").
pub fn in_sentence(label: &str) -> String {
    let first = label.split_whitespace().next().unwrap_or("");
    if first.len() > 1 && first.chars().all(|c| c.is_ascii_uppercase()) {
        return label.to_owned();
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A validated subdomain: a single DNS label, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subdomain(String);

impl Subdomain {
    /// Accepts what people paste: `acme`, `acme.sage.hr` or `https://acme.sage.hr/`.
    pub fn parse(input: &str, suffix: &str) -> Result<Self, CredentialError> {
        let mut s = input.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err(CredentialError::Missing("subdomain".into()));
        }
        for prefix in ["https://", "http://"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_owned();
            }
        }
        let s = s.trim_end_matches('/');
        let s = s.strip_suffix(suffix).unwrap_or(s);
        let valid = !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(CredentialError::BadSubdomain)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated token-like value (API key, secret, token): no whitespace, plausible length.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl ApiKey {
    pub fn parse(input: &str, label: &str) -> Result<Self, CredentialError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CredentialError::Missing(in_sentence(label)));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CredentialError::Whitespace(in_sentence(label)));
        }
        if s.chars().count() < 8 {
            return Err(CredentialError::TooShort(in_sentence(label)));
        }
        if s.chars().count() > 512 {
            return Err(CredentialError::TooLong(in_sentence(label)));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Checks one typed value against its field; returns the normalised value to submit.
pub fn validate(field: &CredentialField, input: &str) -> Result<String, CredentialError> {
    match field.kind {
        FieldKind::Subdomain { suffix } => {
            Subdomain::parse(input, suffix).map(|s| s.as_str().to_owned())
        }
        FieldKind::Secret => ApiKey::parse(input, field.label).map(|k| k.expose().to_owned()),
        FieldKind::Identifier => {
            let s = input.trim();
            if s.is_empty() {
                Err(CredentialError::Missing(in_sentence(field.label)))
            } else if s.chars().count() > 256 {
                Err(CredentialError::TooLong(in_sentence(field.label)))
            } else if s.chars().any(char::is_control) {
                Err(CredentialError::Whitespace(in_sentence(field.label)))
            } else {
                Ok(s.to_owned())
            }
        }
        FieldKind::Url => {
            let s = input.trim();
            if s.is_empty() {
                return Err(CredentialError::Missing(in_sentence(field.label)));
            }
            let host = s.strip_prefix("https://").ok_or(CredentialError::BadUrl)?;
            if host.is_empty()
                || host.starts_with('/')
                || s.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(CredentialError::BadUrl);
            }
            Ok(s.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_accepts_what_people_paste() {
        for input in ["acme", " ACME ", "acme.sage.hr", "https://acme.sage.hr/"] {
            assert_eq!(
                Subdomain::parse(input, ".sage.hr").unwrap().as_str(),
                "acme"
            );
        }
        for bad in ["", "acme corp", "-acme", "acme_hr", "a.b", "https://"] {
            assert!(Subdomain::parse(bad, ".sage.hr").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn api_keys_are_checked_and_never_printed() {
        assert_eq!(
            ApiKey::parse("", "API key"),
            Err(CredentialError::Missing("API key".into()))
        );
        assert_eq!(
            ApiKey::parse("abc def ghi", "API key"),
            Err(CredentialError::Whitespace("API key".into()))
        );
        assert!(matches!(
            ApiKey::parse("short", "API key"),
            Err(CredentialError::TooShort(_))
        ));
        let key = ApiKey::parse("  sk_demo_1234567  ", "API key").unwrap();
        assert_eq!(key.expose(), "sk_demo_1234567");
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
    }

    #[test]
    fn labels_read_naturally_inside_sentences() {
        assert_eq!(in_sentence("Client secret"), "client secret");
        assert_eq!(in_sentence("API key"), "API key");
        assert_eq!(in_sentence(""), "");
    }

    #[test]
    fn tenants_come_from_subdomains_and_service_urls() {
        let typed = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let sage = typed(&[("subdomain", "globex"), ("api_key", "demo-api-key")]);
        assert_eq!(tenant_of("sage-hr", &sage).as_deref(), Some("globex"));
        assert_eq!(tenant_address("sage-hr", "globex"), "globex.sage.hr");
        let workday = typed(&[
            (
                "tenant_url",
                "https://wd2-impl-services1.workday.com/ccx/service/Acme/",
            ),
            ("username", "isu"),
            ("password", "secret-password"),
        ]);
        assert_eq!(tenant_of("workday", &workday).as_deref(), Some("acme"));
        let personio = typed(&[("client_id", "papi-1"), ("client_secret", "s3cret-value")]);
        assert_eq!(tenant_of("personio", &personio), None);
        assert_eq!(tenant_of("gusto", &personio), None);
    }

    #[test]
    fn systems_without_a_schema_use_oauth() {
        assert_eq!(sign_in_for("gusto"), SignIn::OAuth);
        assert!(matches!(sign_in_for("sage-hr"), SignIn::Fields { .. }));
    }
}
