//! The word index (`staff_tokens`, migration 0015): each person listed once under each word of
//! their search text, in name order within the word, kept by triggers on `staff`.
//!
//! A dense search ("jose": 23,500 of 1,000,000 people) otherwise reads every match and sorts
//! them all to show 50. Through the index its first page is the first 50 people of a merge of
//! the few words containing the text, each read in name order.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::staff_filter::{PAGE_SIZE, SortOrder, StaffFilter};
use crate::server::error::{Context, ServerError};

/// Where `staff_tokens_of` splits search text into words. The name words, also listed, may
/// hold these (an apostrophe, a hyphen), which only adds entries.
fn splits_words(c: char) -> bool {
    c == ' ' || c.is_ascii_punctuation() || c.is_ascii_digit()
}

/// Whether every match of folded text `q` lies inside one word: then the people having a word
/// that contains `q` are exactly the people whose search text does. Under three characters the
/// dictionary's trigram index cannot find the words.
pub fn fits_in_a_word(q: &str) -> bool {
    q.chars().count() >= 3 && !q.chars().any(splits_words)
}

/// Whether a search's first pages come from the word index: name order, which the index keeps,
/// and no filter that narrows the people much. With a team or a manager the index would be
/// walked past many matches outside them, where their own indexes find the few in a moment.
pub fn serves(f: &StaffFilter) -> bool {
    matches!(f.sort, SortOrder::NameAsc | SortOrder::NameDesc)
        && f.teams.is_empty()
        && f.manager.is_none()
        && f.departments.is_empty()
        && f.offices.is_empty()
        && f.job_title.trim().is_empty()
        && f.joined_within.is_none()
        && f.started_from.is_none()
        && f.started_to.is_none()
        && f.anniversary_within.is_none()
        && f.birthday_within.is_none()
}

/// Most words one search merges. A fragment found in more of them is searched through the
/// trigram index, where merging would cost more than sorting.
pub const MOST_WORDS: usize = 32;

/// Most people a page may read from the word index: each word is read up to the end of the
/// page. Deeper pages (an export walks them all) sort the trigram index's matches instead.
const MOST_READ: usize = 2_000;

/// Whether page `page` of a search merging `words` words comes from the word index.
pub fn serves_page(words: usize, page: u32) -> bool {
    words * (page as usize + 1) * PAGE_SIZE as usize <= MOST_READ
}

/// The account's words containing folded text `q` (which `fits_in_a_word`), or `None` when
/// there are more than `MOST_WORDS`.
pub async fn containing(
    pool: &PgPool,
    account_id: Uuid,
    q: &str,
) -> Result<Option<Vec<String>>, ServerError> {
    debug_assert!(fits_in_a_word(q), "{q:?} needs escaping for LIKE");
    let words: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT word FROM staff_token_words
         WHERE account_id = $1 AND word LIKE '%' || $2 || '%' LIMIT $3",
    )
    .bind(account_id)
    .bind(q)
    .bind(MOST_WORDS as i64 + 1)
    .fetch_all(pool)
    .await
    .context("looking up the words containing a search")?;
    Ok((words.len() <= MOST_WORDS).then_some(words))
}

#[cfg(test)]
mod tests {
    use super::fits_in_a_word;

    #[test]
    fn only_text_without_separators_fits_in_a_word() {
        assert!(fits_in_a_word("jose"));
        assert!(fits_in_a_word("müller"));
        assert!(fits_in_a_word("王小明"));
        assert!(!fits_in_a_word("jo"));
        assert!(!fits_in_a_word("jose garcia"));
        assert!(!fits_in_a_word("maria.garcia"));
        assert!(!fits_in_a_word("o'brien"));
        assert!(!fits_in_a_word("agent007"));
        assert!(!fits_in_a_word("50%"));
    }
}
