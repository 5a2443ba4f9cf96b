use super::role::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person as the browser sees them. Built on the server from the session, never
/// from anything the browser sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub account_name: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl CurrentUser {
    /// Initials for the avatar in the header ("Priya Shah" → "PS").
    pub fn initials(&self) -> String {
        let initials: String = self
            .name
            .split_whitespace()
            .filter_map(|part| part.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect();
        if initials.is_empty() {
            "?".to_owned()
        } else {
            initials
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> CurrentUser {
        CurrentUser {
            user_id: Uuid::nil(),
            account_id: Uuid::nil(),
            account_name: "Acme Ltd".into(),
            name: name.into(),
            email: "a@b.example".into(),
            role: Role::Admin,
        }
    }

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(user("priya shah").initials(), "PS");
        assert_eq!(user("Łukasz Nowak Kowalski").initials(), "ŁN");
        assert_eq!(user("Zoë").initials(), "Z");
        assert_eq!(user("  ").initials(), "?");
    }
}
