//! Limits on text typed in the browser, checked as a form is filled in and again by the server
//! before the text goes near the database. Postgres refuses NUL in text and an index refuses
//! very long values; both used to surface as "something went wrong on our side" instead of a
//! sentence about the input.

/// Longest search text: names and email fragments, never paragraphs.
pub const MAX_SEARCH: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{what} can have at most {max} characters.")]
    TooLong { what: &'static str, max: usize },
    #[error(
        "{what} contains a control character (such as NUL or a line break), which cannot be used here."
    )]
    ControlCharacter { what: &'static str },
}

/// One line of text of at most `max` characters, with no control characters. `what` names the
/// value for the message, capitalised as it starts the sentence ("The search text").
pub fn one_line(what: &'static str, value: &str, max: usize) -> Result<(), TextError> {
    if value.chars().nth(max).is_some() {
        return Err(TextError::TooLong { what, max });
    }
    if value.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter { what });
    }
    Ok(())
}

/// A message of at most `max` characters that may have line breaks and nothing else invisible,
/// trimmed and with Windows line endings made plain.
pub fn message(what: &'static str, value: &str, max: usize) -> Result<String, TextError> {
    let value = value.trim();
    if value.chars().nth(max).is_some() {
        return Err(TextError::TooLong { what, max });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(TextError::ControlCharacter { what });
    }
    Ok(value.replace("\r\n", "\n"))
}

/// Text typed into a people search ("find a manager", "find anyone").
pub fn search(value: &str) -> Result<(), TextError> {
    one_line("The search text", value, MAX_SEARCH)
}

/// Text that is recorded rather than checked (a browser's user agent): control characters
/// dropped and cut to `max` characters, so any value can be stored.
pub fn clip(value: &str, max: usize) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_control_characters_and_long_text_with_a_sentence() {
        assert_eq!(search("José O'Brien"), Ok(()));
        assert_eq!(search(&"é".repeat(MAX_SEARCH)), Ok(()));
        let long = search(&"é".repeat(MAX_SEARCH + 1)).unwrap_err();
        assert_eq!(
            long.to_string(),
            "The search text can have at most 100 characters."
        );
        for bad in ["a\u{0}b", "\u{7}", "line\nbreak", "\u{9f}"] {
            let err = search(bad).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("The search text contains a control character"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn clipped_text_is_always_storable() {
        assert_eq!(clip("Mozilla/5.0\u{0} (X11)", 300), "Mozilla/5.0 (X11)");
        assert_eq!(clip(&"é".repeat(400), 300).chars().count(), 300);
    }
}
