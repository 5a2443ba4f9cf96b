//! How a person is named across the product: `<connection id>/<Merge id>`, the staff table's
//! primary key as one string. URLs, campaign members, exclusions and "why not" answers carry it;
//! teams and departments are named the same way within their connection.

use std::fmt;

use uuid::Uuid;

/// Longest key accepted: a UUID, a slash and a Merge id well past any seen.
const MAX_LEN: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonKey {
    pub connection: Uuid,
    pub merge_id: String,
}

impl PersonKey {
    /// The one parser: a UUID, a slash, then only the characters Merge ids use.
    pub fn parse(key: &str) -> Option<PersonKey> {
        if key.len() > MAX_LEN {
            return None;
        }
        let (connection, merge_id) = key.split_once('/')?;
        let merge_id_ok = !merge_id.is_empty()
            && merge_id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'/' || c == b'_');
        if connection.len() != 36 || !merge_id_ok {
            return None;
        }
        Some(PersonKey {
            connection: Uuid::parse_str(connection).ok()?,
            merge_id: merge_id.to_owned(),
        })
    }

    /// The keys that parse, as the two columns they stand for.
    pub fn columns<'a>(keys: impl IntoIterator<Item = &'a str>) -> (Vec<Uuid>, Vec<String>) {
        keys.into_iter()
            .filter_map(PersonKey::parse)
            .map(|k| (k.connection, k.merge_id))
            .unzip()
    }
}

/// The one formatter; SQL builds the same string with `person_key(connection_id, merge_id)`
/// (migration 0024_one_rule_each).
impl fmt::Display for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.connection, self.merge_id)
    }
}

#[cfg(test)]
mod tests {
    use super::PersonKey;

    #[test]
    fn a_key_round_trips_and_anything_else_is_refused() {
        let text = "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m-9_x";
        let key = PersonKey::parse(text).unwrap();
        assert_eq!(key.merge_id, "m-9_x");
        assert_eq!(key.to_string(), text);
        for bad in [
            "",
            "/",
            "m-9",
            "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/",
            "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f0/m-9",
            "zzzzzzzz-2a7e-4c61-9d1e-9c1a0b6d7f00/m-9",
            "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m 9",
            "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/m\u{0}9",
            "0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/é",
        ] {
            assert!(PersonKey::parse(bad).is_none(), "{bad:?}");
        }
        let long = format!("0e6b8e3a-2a7e-4c61-9d1e-9c1a0b6d7f00/{}", "a".repeat(200));
        assert!(PersonKey::parse(&long).is_none());
        let (connections, ids) = PersonKey::columns([text, "junk"]);
        assert_eq!((connections.len(), ids), (1, vec!["m-9_x".to_owned()]));
    }
}
