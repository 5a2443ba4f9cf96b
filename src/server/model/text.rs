//! Text from HR systems made safe to keep, and folded for search. The sync engine stores text
//! this way and the store searches it the same way, so both read it from here.

/// Longest text kept from an HR system; longer values are cut (names and titles, not essays).
pub const MAX_TEXT: usize = 200;

/// Removes control characters (keeping ordinary spaces), trims, and caps the length. Markup
/// stays as text: it is escaped wherever it is shown.
pub fn clean(value: Option<&str>) -> Option<String> {
    let cleaned: String = value?
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_TEXT)
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Unpaired direction overrides can flip the text around a name; drop them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Lower-case, accent-free text for search.
pub fn search_text(parts: &[Option<&str>]) -> String {
    use unicode_normalization::UnicodeNormalization;
    parts
        .iter()
        .flatten()
        .flat_map(|p| p.nfkd())
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ł' => 'l',
            'ø' => 'o',
            'đ' => 'd',
            'ß' => 's',
            other => other,
        })
        .collect::<String>()
}

/// The distinct words of the names, folded as `search_text` folds them, in order. Each is a
/// substring of the search text made from the same names.
pub fn name_words(names: &[Option<&str>]) -> Vec<String> {
    words_of(&fold_each(names))
}

/// A person's stored search text: their folded names (display, first, last, preferred), then
/// their folded work email.
pub fn person_search_text(names: &[Option<&str>], email: Option<&str>) -> String {
    joined(&fold_each(names), email)
}

/// Both of the above for one person, folding the names once (a sync does this for everyone).
pub fn person_text_and_words(names: &[Option<&str>], email: Option<&str>) -> (String, Vec<String>) {
    let folded = fold_each(names);
    (joined(&folded, email), words_of(&folded))
}

/// A space between the parts keeps a word from running from one name into the next, which the
/// word index (`store::tokens`) relies on.
fn joined(folded_names: &[String], email: Option<&str>) -> String {
    let email = email.map(|e| search_text(&[Some(e)]));
    folded_names
        .iter()
        .map(String::as_str)
        .chain(email.as_deref())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each name folded on its own.
fn fold_each(names: &[Option<&str>]) -> Vec<String> {
    names.iter().map(|n| search_text(&[*n])).collect()
}

fn words_of(folded: &[String]) -> Vec<String> {
    let mut words: Vec<String> = folded
        .iter()
        .flat_map(|n| n.split_whitespace().map(str::to_owned))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_but_markup_is_kept_as_text() {
        assert_eq!(
            clean(Some("  <script>x</script>\n\tname ")).as_deref(),
            Some("<script>x</script> name")
        );
        assert_eq!(clean(Some("\u{202E}evil")).as_deref(), Some("evil"));
        assert_eq!(clean(Some(&"x".repeat(1000))).unwrap().len(), MAX_TEXT);
        assert_eq!(clean(Some("\u{0}\u{1}")), None);
        assert_eq!(search_text(&[Some("Łukasz Zoë")]), "lukasz zoe");
    }

    #[test]
    fn name_words_are_folded_once_each() {
        assert_eq!(
            name_words(&[
                Some("Zoë  O'Brien"),
                Some("Zoe"),
                None,
                Some("ZOË van Dijk")
            ]),
            ["dijk", "o'brien", "van", "zoe"]
        );
    }
}
