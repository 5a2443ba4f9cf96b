//! The field policy and one admin's consent, written as Merge scopes for a link token: the
//! newer `category_common_model_scopes` and the older `common_models`, both sent so that either
//! form the Merge organisation understands restricts the data.

use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::domain::field_policy::{Consent, DISABLED_MODELS, READ_MODELS};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CommonModelScope {
    pub model_id: String,
    pub enabled_actions: Vec<&'static str>,
    pub disabled_fields: Vec<&'static str>,
}

pub fn common_models(consent: &Consent) -> Vec<CommonModelScope> {
    READ_MODELS
        .iter()
        .map(|m| CommonModelScope {
            model_id: format!("hris.{m}"),
            enabled_actions: vec!["READ"],
            disabled_fields: consent.disabled_merge_fields(m),
        })
        .chain(DISABLED_MODELS.iter().map(|m| CommonModelScope {
            model_id: format!("hris.{m}"),
            enabled_actions: vec![],
            disabled_fields: vec![],
        }))
        .collect()
}

pub fn category_common_model_scopes(consent: &Consent) -> BTreeMap<&'static str, Vec<Value>> {
    let read = READ_MODELS.iter().map(|m| {
        json!({
            "model_name": m,
            "model_permissions": {"READ": {"is_enabled": true}, "WRITE": {"is_enabled": false}},
            "field_permissions": {
                "enabled_fields": consent.enabled_merge_fields(m),
                "disabled_fields": consent.disabled_merge_fields(m),
            }
        })
    });
    let off = DISABLED_MODELS.iter().map(|m| {
        json!({
            "model_name": m,
            "model_permissions": {"READ": {"is_enabled": false}, "WRITE": {"is_enabled": false}},
        })
    });
    BTreeMap::from([("hris", read.chain(off).collect())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_disable_blocked_fields_and_unneeded_models() {
        let consent = Consent::defaults();
        let legacy = common_models(&consent);
        let employee = legacy
            .iter()
            .find(|s| s.model_id == "hris.Employee")
            .unwrap();
        assert!(employee.disabled_fields.contains(&"ssn"));
        assert!(employee.disabled_fields.contains(&"date_of_birth"));
        let bank = legacy
            .iter()
            .find(|s| s.model_id == "hris.BankInfo")
            .unwrap();
        assert!(bank.enabled_actions.is_empty());

        let modern = category_common_model_scopes(&consent);
        let employee = modern["hris"]
            .iter()
            .find(|m| m["model_name"] == "Employee")
            .unwrap();
        let enabled = employee["field_permissions"]["enabled_fields"]
            .as_array()
            .unwrap();
        assert!(enabled.iter().any(|f| f == "work_email"));
        assert!(!enabled.iter().any(|f| f == "gender"));
    }
}
