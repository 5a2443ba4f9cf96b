use serde::{Deserialize, Serialize};

/// What a user may do inside their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Connects, relinks, renames and disconnects HR systems, and does everything a campaign
    /// manager does.
    Admin,
    /// Builds campaigns from the synced staff; sees integrations read-only.
    CampaignManager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CampaignManager => "campaign_manager",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Role::Admin),
            "campaign_manager" => Some(Role::CampaignManager),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::CampaignManager => "Campaign manager",
        }
    }

    pub fn can_manage_integrations(self) -> bool {
        matches!(self, Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_database_name() {
        for role in [Role::Admin, Role::CampaignManager] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn only_admins_manage_integrations() {
        assert!(Role::Admin.can_manage_integrations());
        assert!(!Role::CampaignManager.can_manage_integrations());
    }
}
