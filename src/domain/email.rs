use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address as typed by a person: trimmed, lower-cased, and plausibly deliverable.
///
/// The check is deliberately modest (one `@`, a dotted domain, no spaces or control characters):
/// the only real proof of an address is a delivered message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter your email address.")]
    Empty,
    #[error("An email address can have at most 254 characters.")]
    TooLong,
    #[error("Enter an email address like name@company.com.")]
    Malformed,
}

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        {
            return Err(EmailError::Malformed);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let domain_ok = domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain.contains('.');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_surrounding_space() {
        let email = EmailAddress::parse("  Priya.Shah@Acme.Example ").unwrap();
        assert_eq!(email.as_str(), "priya.shah@acme.example");
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        for bad in [
            "priya",
            "@acme.example",
            "priya@",
            "priya@acme",
            "priya@@acme.example",
            "pri ya@acme.example",
            "priya@acme..example",
            "priya@-acme.example",
            "<script>@acme.example",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(EmailError::Malformed),
                "{bad}"
            );
        }
        let long = format!("{}@acme.example", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
