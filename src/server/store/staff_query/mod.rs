//! The recipients query: every filter of the staff view in one SQL statement, scoped to one
//! account, with one row per person even when they appear in several HR systems.
//!
//! Source-of-truth rule: when the same work email (case-insensitive) appears in several
//! connections, the record from the connection that was connected first is shown (within one
//! connection, the lowest Merge id); the row says in how many other records the person also
//! appears. People without a work email are never merged. `derived` works this out per sync.
//!
//! By concern: `scope` looks up what a filter needs before its query is written, `clauses`
//! writes the filter as SQL, `search` runs pages, counts and audiences, `options` lists the
//! filters' choices, `lookups` finds managers and single people.

mod clauses;
mod lookups;
mod options;
mod scope;
mod search;

pub use lookups::{anyone, managers, matches, person_name};
pub use options::options;
pub use search::{COUNT_CAP, all_keys, count, search};

/// Escapes LIKE's wildcards so typed text only matches itself.
pub(in crate::server::store) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Whether folded search text `q` is also matched loosely (by trigram word similarity, for
/// typos): names of five letters or more. Shorter words share too many trigrams with unrelated
/// names ("jose" and "Jones"), and an email fragment is copied rather than misspelt, while a
/// loose match costs many times an exact one.
pub fn matches_loosely(q: &str) -> bool {
    q.chars().filter(|c| c.is_alphabetic()).count() >= 5
        && q.chars().all(|c| c.is_alphabetic() || c == ' ')
}

#[cfg(test)]
mod tests {
    use super::matches_loosely;

    #[test]
    fn only_names_of_five_letters_or_more_match_loosely() {
        assert!(matches_loosely("stephen"));
        assert!(matches_loosely("ana maria"));
        assert!(matches_loosely("王小明王小"));
        assert!(!matches_loosely("jose"));
        assert!(!matches_loosely("maria.garcia"));
        assert!(!matches_loosely("jo@acme"));
        assert!(!matches_loosely("agent 007"));
    }
}
