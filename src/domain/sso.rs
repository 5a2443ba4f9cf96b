//! Single sign-on settings as the admin edits them, the sign-in page's hint, and the reasons a
//! single sign-on can be refused. Shared so the form checks what the server checks again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_DISPLAY_NAME: usize = 60;
pub const MAX_ISSUER: usize = 500;
pub const MAX_CLIENT_ID: usize = 300;
pub const MAX_CLIENT_SECRET: usize = 1000;
pub const MAX_DOMAINS: usize = 20;

/// Mailbox providers anyone can sign up to: claiming one would offer a company's identity
/// provider to the whole world's addresses.
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.com",
];

/// What the admin typed into the settings form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoDraft {
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    /// Empty keeps the saved secret; the saved one is never sent to the browser.
    pub client_secret: String,
    /// Comma, semicolon or space separated.
    pub domains: String,
    pub auto_join: bool,
    pub required: bool,
    pub break_glass_user: Option<Uuid>,
}

/// A draft that passed the shape checks (the server still checks the issuer by discovery and
/// the break-glass admin against the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSso {
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub domains: Vec<String>,
    pub auto_join: bool,
    pub required: bool,
    pub break_glass_user: Option<Uuid>,
}

impl SsoDraft {
    /// Checks every field; `secret_saved` says whether an empty secret may keep the stored one.
    pub fn validate(&self, secret_saved: bool) -> Result<ValidSso, BTreeMap<&'static str, String>> {
        let mut errors = BTreeMap::new();
        let display_name = self.display_name.trim().to_owned();
        if let Err(message) = check_display_name(&display_name) {
            errors.insert("display_name", message);
        }

        let issuer_url = self.issuer_url.trim().to_owned();
        if let Err(message) = check_issuer(&issuer_url) {
            errors.insert("issuer_url", message);
        }

        let client_id = self.client_id.trim().to_owned();
        if let Err(message) = check_client_id(&client_id) {
            errors.insert("client_id", message);
        }

        let client_secret = match typed_secret(&self.client_secret, secret_saved) {
            Ok(secret) => secret,
            Err(message) => {
                errors.insert("client_secret", message);
                None
            }
        };

        let domains = match parse_domains(&self.domains) {
            Ok(d) => d,
            Err(message) => {
                errors.insert("domains", message);
                Vec::new()
            }
        };

        if self.required && self.break_glass_user.is_none() {
            errors.insert(
                "break_glass",
                "Choose the admin who may still sign in with a password, in case the identity \
                 provider is down."
                    .into(),
            );
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidSso {
            display_name,
            issuer_url,
            client_id,
            client_secret,
            domains,
            auto_join: self.auto_join,
            required: self.required,
            break_glass_user: self.break_glass_user.filter(|_| self.required),
        })
    }
}

fn check_display_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Enter the name people know the identity provider by, such as Okta.".into());
    }
    crate::domain::text::one_line("The provider name", name, MAX_DISPLAY_NAME)
        .map_err(|e| e.to_string())
}

fn check_client_id(client_id: &str) -> Result<(), String> {
    if client_id.is_empty() {
        return Err(
            "Enter the client ID (also called application ID) from your identity provider.".into(),
        );
    }
    if client_id.chars().any(char::is_whitespace) {
        return Err("A client ID has no spaces. Copy it again from your identity provider.".into());
    }
    crate::domain::text::one_line("The client ID", client_id, MAX_CLIENT_ID)
        .map_err(|e| e.to_string())
}

/// The secret to save: `None` keeps the saved one, which an empty field may do only when one is
/// saved.
fn typed_secret(typed: &str, secret_saved: bool) -> Result<Option<String>, String> {
    let secret = typed.trim();
    if secret.is_empty() {
        return if secret_saved {
            Ok(None)
        } else {
            Err("Enter the client secret from your identity provider.".into())
        };
    }
    crate::domain::text::one_line("The client secret", secret, MAX_CLIENT_SECRET)
        .map_err(|e| e.to_string())?;
    Ok(Some(secret.to_owned()))
}

/// An issuer must be https; plain http is only for a provider on this machine (tests, demos).
pub fn check_issuer(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("Enter the issuer URL from your identity provider, such as \
                    https://yourcompany.okta.com."
            .into());
    }
    if let Err(e) = crate::domain::text::one_line("The issuer URL", url, MAX_ISSUER) {
        return Err(e.to_string());
    }
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !matches!(host, "localhost" | "127.0.0.1") {
            return Err(
                "The issuer URL must start with https:// (plain http is only allowed for a \
                        provider on this machine)."
                    .into(),
            );
        }
        rest
    } else {
        return Err("The issuer URL must start with https://.".into());
    };
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty()
        || rest
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '?' | '#' | '@'))
    {
        return Err(
            "Enter the issuer URL without spaces, a query or a fragment, such as \
                    https://yourcompany.okta.com."
                .into(),
        );
    }
    Ok(())
}

/// The domains as typed ("acme.com, acme.co.uk"): lower-cased, without duplicates, each a
/// plausible domain that is not a public mailbox provider.
pub fn parse_domains(input: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in input.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let d = raw.trim().trim_start_matches('@').to_lowercase();
        if d.is_empty() {
            continue;
        }
        if !is_domain(&d) {
            // Shown without control characters, so the sentence stays readable.
            let shown: String = d.chars().filter(|c| !c.is_control()).take(60).collect();
            return Err(format!(
                "This is not a domain: \"{shown}\". Enter domains like acme.com, separated by commas."
            ));
        }
        if PUBLIC_MAIL_DOMAINS.contains(&d.as_str()) {
            return Err(format!(
                "{d} is a public mailbox provider that anyone can sign up to, so it can't use \
                 your single sign-on. Enter your company's own domains."
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err(
            "Enter at least one email domain your identity provider covers, such as acme.com."
                .into(),
        );
    }
    if out.len() > MAX_DOMAINS {
        return Err(format!(
            "Enter at most {MAX_DOMAINS} domains. Ask support if your company needs more."
        ));
    }
    Ok(out)
}

fn is_domain(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        && d.rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_lowercase()))
}

/// The domain part of an (already parsed, lower-case) email address.
pub fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// Where "Continue with …" goes: `/sso/start` with the typed address and the page to return to.
pub fn start_href(email: &str, next: &str) -> String {
    let mut href = format!("/sso/start?email={}", encode(email.trim()));
    if !next.is_empty() {
        href.push_str("&next=");
        href.push_str(&encode(next));
    }
    href
}

/// Percent-encodes all but unreserved characters, for a query value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An admin of the account, offered as the break-glass admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminChoice {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// The settings page's view. The client secret itself never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettingsView {
    pub configured: bool,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub secret_saved: bool,
    pub domains: Vec<String>,
    pub auto_join: bool,
    pub required: bool,
    pub break_glass_user: Option<Uuid>,
    pub admins: Vec<AdminChoice>,
    /// What the customer registers at their identity provider.
    pub redirect_uri: String,
}

impl SsoSettingsView {
    pub fn draft(&self) -> SsoDraft {
        SsoDraft {
            display_name: self.display_name.clone(),
            issuer_url: self.issuer_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: String::new(),
            domains: self.domains.join(", "),
            auto_join: self.auto_join,
            required: self.required,
            break_glass_user: self.break_glass_user,
        }
    }
}

/// What the sign-in page learns about a typed address: the provider's name only, and the same
/// shape for every unknown domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoHint {
    pub provider: Option<String>,
    /// The account requires single sign-on (its break-glass admin still has a password).
    pub required: bool,
}

/// Why a single sign-on did not let someone in; the code travels in `/sso/error?reason=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SsoRefusal {
    /// The state was missing, changed, or already used.
    State,
    /// The sign-in took longer than 10 minutes.
    Expired,
    Audience,
    Issuer,
    Signature,
    TokenExpired,
    /// The ID token failed another check (nonce, missing token, malformed).
    Token,
    NoEmail,
    Unverified,
    Domain,
    NotInvited,
    OtherAccount,
    Cancelled,
    Provider,
    Unavailable,
    NoSso,
}

impl SsoRefusal {
    pub const ALL: &[SsoRefusal] = &[
        SsoRefusal::State,
        SsoRefusal::Expired,
        SsoRefusal::Audience,
        SsoRefusal::Issuer,
        SsoRefusal::Signature,
        SsoRefusal::TokenExpired,
        SsoRefusal::Token,
        SsoRefusal::NoEmail,
        SsoRefusal::Unverified,
        SsoRefusal::Domain,
        SsoRefusal::NotInvited,
        SsoRefusal::OtherAccount,
        SsoRefusal::Cancelled,
        SsoRefusal::Provider,
        SsoRefusal::Unavailable,
        SsoRefusal::NoSso,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SsoRefusal::State => "state",
            SsoRefusal::Expired => "expired",
            SsoRefusal::Audience => "audience",
            SsoRefusal::Issuer => "issuer",
            SsoRefusal::Signature => "signature",
            SsoRefusal::TokenExpired => "token_expired",
            SsoRefusal::Token => "token",
            SsoRefusal::NoEmail => "no_email",
            SsoRefusal::Unverified => "unverified",
            SsoRefusal::Domain => "domain",
            SsoRefusal::NotInvited => "not_invited",
            SsoRefusal::OtherAccount => "other_account",
            SsoRefusal::Cancelled => "cancelled",
            SsoRefusal::Provider => "provider",
            SsoRefusal::Unavailable => "unavailable",
            SsoRefusal::NoSso => "no_sso",
        }
    }

    pub fn parse(code: &str) -> Option<SsoRefusal> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            SsoRefusal::State | SsoRefusal::Expired => "This sign-in link no longer works",
            SsoRefusal::Audience
            | SsoRefusal::Issuer
            | SsoRefusal::Signature
            | SsoRefusal::TokenExpired
            | SsoRefusal::Token => "We couldn't verify your sign-in",
            SsoRefusal::NoEmail | SsoRefusal::Unverified | SsoRefusal::Domain => {
                "That address can't sign in here"
            }
            SsoRefusal::NotInvited => "You haven't been invited yet",
            SsoRefusal::OtherAccount => "Your address belongs to another account",
            SsoRefusal::Cancelled => "Sign-in cancelled",
            SsoRefusal::Provider | SsoRefusal::Unavailable => {
                "Your identity provider didn't answer"
            }
            SsoRefusal::NoSso => "No single sign-on for that address",
        }
    }

    /// One plain sentence (or two) saying what happened and what to do next.
    pub fn message(self) -> &'static str {
        match self {
            SsoRefusal::State => {
                "This sign-in was already used, or its answer was changed on the way back from your identity provider, so we didn't sign you in. Start again from the sign-in page."
            }
            SsoRefusal::Expired => {
                "This sign-in took longer than 10 minutes and has expired. Start again from the sign-in page."
            }
            SsoRefusal::Audience => {
                "Your identity provider's answer was meant for a different application, so we didn't sign you in. Ask your admin to check the client ID in the single sign-on settings."
            }
            SsoRefusal::Issuer => {
                "Your identity provider's answer came from a different issuer than the one set up for your company, so we didn't sign you in. Ask your admin to check the issuer URL in the single sign-on settings."
            }
            SsoRefusal::Signature => {
                "Your identity provider's answer failed its signature check, so we didn't sign you in. Try again; if it keeps happening, ask your admin to check the single sign-on settings."
            }
            SsoRefusal::TokenExpired => {
                "Your identity provider's answer had already expired when it reached us, so we didn't sign you in. Try again; if it keeps happening, ask your admin to check the provider's token lifetime and clock."
            }
            SsoRefusal::Token => {
                "Your identity provider's answer could not be verified, so we didn't sign you in. Start again from the sign-in page; if it keeps happening, ask your admin."
            }
            SsoRefusal::NoEmail => {
                "Your identity provider didn't tell us your email address. Ask your admin to allow the email scope for HR Connectors."
            }
            SsoRefusal::Unverified => {
                "Your identity provider says your email address isn't verified yet. Verify it there, then sign in again."
            }
            SsoRefusal::Domain => {
                "You signed in at your identity provider with an address your company's single sign-on doesn't cover. Sign in there with your work address, or ask your admin to add your address's domain."
            }
            SsoRefusal::NotInvited => {
                "You haven't been invited to your company's HR Connectors account. Ask one of its admins to invite you, then sign in again."
            }
            SsoRefusal::OtherAccount => {
                "Your address is a member of a different HR Connectors account, so you can't sign in through this company's identity provider. Sign in with your password, or ask your admin for help."
            }
            SsoRefusal::Cancelled => {
                "The sign-in was cancelled at your identity provider. Start again from the sign-in page when you're ready."
            }
            SsoRefusal::Provider => {
                "Your identity provider didn't complete the sign-in. Try again; if it keeps happening, ask your admin to check the single sign-on settings."
            }
            SsoRefusal::Unavailable => {
                "We couldn't reach your identity provider. Try again in a minute; if it keeps happening, ask your admin to check the single sign-on settings."
            }
            SsoRefusal::NoSso => {
                "We don't have single sign-on set up for that address. Sign in with your password instead."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SsoDraft {
        SsoDraft {
            display_name: "Okta".into(),
            issuer_url: "https://acme.okta.com".into(),
            client_id: "0oa1".into(),
            client_secret: "s3cret".into(),
            domains: "Acme.com, acme.co.uk acme.com".into(),
            auto_join: false,
            required: false,
            break_glass_user: None,
        }
    }

    #[test]
    fn a_good_draft_is_normalised() {
        let v = draft().validate(false).unwrap();
        assert_eq!(v.domains, vec!["acme.com", "acme.co.uk"]);
        assert_eq!(v.client_secret.as_deref(), Some("s3cret"));
    }

    #[test]
    fn an_empty_secret_keeps_a_saved_one_only() {
        let d = SsoDraft {
            client_secret: String::new(),
            ..draft()
        };
        assert!(d.validate(false).unwrap_err().contains_key("client_secret"));
        assert_eq!(d.validate(true).unwrap().client_secret, None);
    }

    #[test]
    fn issuers_are_https_except_on_this_machine() {
        assert!(check_issuer("https://login.microsoftonline.com/abc/v2.0").is_ok());
        assert!(check_issuer("http://127.0.0.1:3090").is_ok());
        assert!(check_issuer("http://localhost:3090/oidc").is_ok());
        for bad in [
            "",
            "http://idp.example",
            "ftp://idp.example",
            "https://",
            "https://idp.example/?x=1",
            "https://user@idp.example",
            "https://idp example",
        ] {
            assert!(check_issuer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains_are_checked() {
        assert!(parse_domains("").is_err());
        assert!(parse_domains("not a domain!").is_err());
        assert!(
            parse_domains("gmail.com")
                .unwrap_err()
                .contains("public mailbox")
        );
        assert_eq!(parse_domains("@Acme.com").unwrap(), vec!["acme.com"]);
        let many = (0..21)
            .map(|i| format!("d{i}.example"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse_domains(&many).is_err());
    }

    #[test]
    fn requiring_sso_needs_a_break_glass_admin() {
        let d = SsoDraft {
            required: true,
            ..draft()
        };
        assert!(d.validate(false).unwrap_err().contains_key("break_glass"));
    }

    #[test]
    fn the_start_link_carries_the_address_and_return_path() {
        assert_eq!(
            start_href(" sam+x@acme.com ", "/campaigns?a=1&b=2"),
            "/sso/start?email=sam%2Bx%40acme.com&next=%2Fcampaigns%3Fa%3D1%26b%3D2"
        );
        assert_eq!(start_href("a@b.co", ""), "/sso/start?email=a%40b.co");
    }

    #[test]
    fn refusal_codes_round_trip() {
        for r in SsoRefusal::ALL {
            assert_eq!(SsoRefusal::parse(r.code()), Some(*r));
            assert!(r.message().ends_with('.'));
        }
    }
}
