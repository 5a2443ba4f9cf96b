//! The rules a new password must meet that can be checked anywhere: in the browser as it is
//! typed, and again on the server, which also estimates its strength (see
//! `server::auth::password::strength`).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Use at least {MIN_LEN} characters.")]
    TooShort,
    #[error("Use at most {MAX_LEN} characters.")]
    TooLong,
    #[error("Don't use the name part of your email address in your password.")]
    ContainsEmailName,
    #[error("{0}")]
    TooGuessable(String),
}

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 1024;

/// Length and the email rule. A name part shorter than three characters ("al@…") is too common
/// a fragment to forbid.
pub fn check(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LEN {
        return Err(PasswordProblem::TooLong);
    }
    let name_part = email
        .trim()
        .rsplit_once('@')
        .map(|(local, _)| local)
        .unwrap_or("")
        .to_lowercase();
    if name_part.chars().count() >= 3 && password.to_lowercase().contains(&name_part) {
        return Err(PasswordProblem::ContainsEmailName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_the_email_name_are_checked() {
        assert_eq!(
            check("short", "ada@acme.example"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check("é".repeat(11).as_str(), "ada@acme.example"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check(&"é".repeat(12), "ada@acme.example"), Ok(()));
        assert_eq!(
            check(&"x".repeat(MAX_LEN + 1), "ada@acme.example"),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            check("my-ADA.lovelace-1815", "Ada.Lovelace@acme.example"),
            Err(PasswordProblem::ContainsEmailName)
        );
        assert_eq!(
            check("ADA-loves-engines", "ada@acme.example"),
            Err(PasswordProblem::ContainsEmailName)
        );
        assert_eq!(check("al-is-not-forbidden", "al@acme.example"), Ok(()));
    }
}
