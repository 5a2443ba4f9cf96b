//! Property tests over everything that parses input from outside: the filter in the URL,
//! credential validators, webhook signatures, Merge responses, budgets and CSV cells. None may
//! panic, and each keeps its promise on every input.
//!
//! `cargo test --features ssr --test it properties::` runs proptest's default 256 cases per target;
//! `PROPTEST_CASES=1000000 cargo test --release --features ssr --test it properties::` is the
//! million-input run reported in the README.

use hr_connectors::domain::campaign::{format_budget, parse_budget};
use hr_connectors::domain::credentials::{SignIn, sign_in_for, validate};
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::merge::models::{Employee, Page};
use hr_connectors::server::merge::signature;
use hr_connectors::server::recipients_csv::cell;
use proptest::prelude::*;

const SYSTEMS: [&str; 7] = [
    "sage-hr", "bamboohr", "personio", "peoplehr", "hibob", "workday", "deel",
];

fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), decode(v))
        })
        .collect()
}

fn parse(pairs: &[(String, String)]) -> StaffFilter {
    StaffFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

const KEYS: [&str; 18] = [
    "q",
    "team",
    "manager",
    "direct",
    "joined",
    "country",
    "dept",
    "office",
    "source",
    "title",
    "from",
    "to",
    "anniversary",
    "birthday",
    "pending",
    "leavers",
    "page",
    "other",
];

/// URL values people (and attackers) paste: anything, or something close to valid.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(/[a-z0-9_-]{1,12})?",
        "[A-Za-z ]{1,12}, [A-Z]{2}",
        "[0-9]{1,5}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "[+-]?[0-9]{5,7}-0[1-9]-[0-2][0-9]",
        "-?[0-9]{6,12}",
        "[a-z\\x00-\\x1f]{0,8}",
    ]
}

proptest! {
    /// Any query parses without panicking, what it parses to survives the URL unchanged, and
    /// the server functions, which take the filter whole, accept it: both apply one set of limits.
    #[test]
    fn the_filter_url_round_trips(raw in prop::collection::vec((prop::sample::select(KEYS.to_vec()), value()), 0..12)) {
        let raw: Vec<(String, String)> = raw.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let filter = parse(&raw);
        prop_assert_eq!(filter.validate(), Ok(()));
        let again = parse(&pairs(&filter.to_query()));
        prop_assert_eq!(again, filter);
    }

    /// Validators never panic; what they accept, they accept again unchanged.
    #[test]
    fn credential_validators_are_total_and_idempotent(system in prop::sample::select(SYSTEMS.to_vec()), input in any::<String>()) {
        let SignIn::Fields { fields, .. } = sign_in_for(system) else { return Ok(()) };
        for field in fields {
            if let Ok(clean) = validate(field, &input) {
                prop_assert_eq!(validate(field, &clean), Ok(clean.clone()));
            }
        }
    }

    /// A signature only verifies for the exact body and key it was made with.
    #[test]
    fn webhook_signatures_verify_only_what_was_signed(key in prop::collection::vec(any::<u8>(), 1..64), body in prop::collection::vec(any::<u8>(), 0..512), header in any::<String>(), flip in any::<prop::sample::Index>()) {
        let good = signature::sign(&key, &body);
        prop_assert!(signature::verify(&key, &body, &good));
        prop_assert!(!signature::verify(&key, &body, &header) || header.trim() == good);
        if !body.is_empty() {
            let mut other = body.clone();
            let i = flip.index(other.len());
            other[i] ^= 0x01;
            prop_assert!(!signature::verify(&key, &other, &good));
        }
    }

    /// Merge responses of any shape parse or fail cleanly, never panic.
    #[test]
    fn merge_pages_never_panic(body in any::<String>()) {
        let _ = serde_json::from_str::<Page<Employee>>(&body);
    }

    /// Employee-shaped JSON with wrong types in every field still parses or fails cleanly.
    #[test]
    fn employee_fields_of_any_type_never_panic(
        fields in prop::collection::btree_map(
            prop::sample::select(vec!["id", "first_name", "display_full_name", "work_email", "manager", "team",
                "groups", "employments", "work_location", "start_date", "termination_date", "employment_status",
                "remote_was_deleted", "modified_at", "date_of_birth", "ssn", "custom_fields"]),
            prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<String>().prop_map(serde_json::Value::from),
                prop::collection::vec(any::<String>(), 0..3).prop_map(serde_json::Value::from),
            ],
            0..17,
        )
    ) {
        let employee: serde_json::Map<String, serde_json::Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let page = serde_json::json!({"next": null, "previous": null, "results": [employee]});
        let _ = serde_json::from_value::<Page<Employee>>(page);
    }

    /// Budgets never panic; an accepted budget formats back to the same amount.
    #[test]
    fn budgets_parse_or_explain(raw in prop_oneof![any::<String>(), "[£€$]?[0-9,]{1,9}(\\.[0-9]{0,3})?"]) {
        if let Ok(Some(minor)) = parse_budget(&raw) {
            let shown = format_budget(Some(minor), "GBP");
            let amount = shown.trim_start_matches('£').trim_end_matches(" per person");
            prop_assert_eq!(parse_budget(amount), Ok(Some(minor)));
        }
    }

    /// No CSV cell can start a formula, whatever the HR system sent.
    #[test]
    fn csv_cells_never_start_a_formula(text in any::<String>()) {
        let c = cell(&text);
        prop_assert!(c.starts_with('"') && c.ends_with('"'));
        let first = c[1..].chars().next().unwrap();
        prop_assert!(!matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '|' | '%'), "{c}");
        let inner = &c[1..c.len() - 1];
        prop_assert!(!inner.replace("\"\"", "").contains('"'));
    }
}
