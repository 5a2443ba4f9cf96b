//! The sandbox's integration catalogue: Merge's 83 HRIS integrations, plus the CRM systems the
//! demo account uses, with slugs, colours and locally served logos.

use serde_json::{Value, json};

/// Merge's HRIS integrations, as `(name, abbreviated name)`.
pub const HRIS: &[(&str, Option<&str>)] = &[
    ("7shifts", None),
    ("ADP DECIDIUM", Some("DECIDIUM")),
    ("ADP Next Gen", None),
    ("ADP RUN", Some("RUN")),
    ("ADP Workforce Now", Some("Workforce Now")),
    ("AllianceHCM", None),
    ("Altera Payroll", None),
    ("BambooHR", None),
    ("Breathe", None),
    ("Cezanne HR", None),
    ("Charlie", None),
    ("ChartHop", None),
    ("ClayHR", None),
    ("CoolCare", None),
    ("CyberArk", None),
    ("Darwinbox", None),
    ("Dayforce", None),
    ("Deel", None),
    ("Employment Hero", None),
    ("Factorial", None),
    ("Folks HR", None),
    ("Fourth", None),
    ("Freshteam", None),
    ("Generic SFTP", Some("SFTP")),
    ("Google Workspace", None),
    ("Gusto", None),
    ("Hailey HR", None),
    ("Hibob", Some("HiBob")),
    ("HR Cloud", None),
    ("HR Partner", None),
    ("HRWorks", None),
    ("Humaans", None),
    ("Humi", None),
    ("Insperity Premier", None),
    ("IntelliHR", None),
    ("IRIS Cascade", None),
    ("ISolved", None),
    ("JumpCloud", None),
    ("Justworks", None),
    ("Kallidus", None),
    ("Keka", None),
    ("Kenjo", None),
    ("Lano", None),
    ("Leapsome", None),
    ("Lucca", None),
    ("Microsoft Entra ID", Some("Entra ID")),
    ("Namely", None),
    ("Nmbrs", None),
    ("Officient", None),
    ("Okta", None),
    ("OneLogin", None),
    ("Oracle Cloud HCM", Some("Oracle HCM")),
    ("OysterHR", None),
    ("PayCaptain", None),
    ("Paychex", None),
    ("Paycom", None),
    ("Paycor", None),
    ("PayFit", None),
    ("Paylocity", None),
    ("PeopleHR", Some("Access PeopleHR")),
    ("Personio", None),
    ("PingOne", None),
    ("Planday", None),
    ("PrismHR", None),
    ("Proliant", None),
    ("Remote", None),
    ("Revolut People", None),
    ("Rippling", None),
    ("Sage HR", Some("Sage")),
    ("Sage People", None),
    ("SAP SuccessFactors", Some("SuccessFactors")),
    ("Sesame", None),
    ("Shapes", None),
    ("Simployer", None),
    ("Square Payroll", None),
    ("TriNet", None),
    ("TriNet HR Platform", None),
    ("UKG Pro", None),
    ("UKG Pro WFM", None),
    ("UKG Ready", None),
    ("Workday", None),
    ("Zelt", None),
    ("Zoho People", None),
];

pub const CRM: &[(&str, Option<&str>)] = &[("Salesforce", None), ("HubSpot", None)];

/// Merge's slug form: lower case, words joined by hyphens.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

pub fn color(name: &str) -> String {
    let h = super::workforce::mix(
        name.bytes()
            .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64)),
    );
    // Mid-tone colours, so white initials stay readable on them.
    format!(
        "#{:02X}{:02X}{:02X}",
        40 + (h & 0x7F),
        40 + ((h >> 8) & 0x7F),
        40 + ((h >> 16) & 0x7F)
    )
}

pub struct Entry {
    pub name: &'static str,
    pub abbreviated: Option<&'static str>,
    pub category: &'static str,
    pub slug: String,
}

pub fn entries() -> impl Iterator<Item = Entry> {
    let hris = HRIS.iter().map(|(n, a)| (n, a, "hris"));
    let crm = CRM.iter().map(|(n, a)| (n, a, "crm"));
    hris.chain(crm).map(|(name, abbreviated, category)| Entry {
        name,
        abbreviated: *abbreviated,
        category,
        slug: slug(name),
    })
}

pub fn find(slug: &str) -> Option<Entry> {
    entries().find(|e| e.slug == slug)
}

pub fn to_json(e: &Entry, base_url: &str) -> Value {
    json!({
        "name": e.name,
        "abbreviated_name": e.abbreviated,
        "categories": [e.category],
        "image": format!("{base_url}/logos/{}.svg", e.slug),
        "square_image": format!("{base_url}/logos/{}.svg", e.slug),
        "color": color(e.name),
        "slug": e.slug,
        "api_endpoints_to_documentation_urls": {},
        "webhook_setup_guide_url": null,
        "category_beta_status": {e.category: false},
    })
}

/// A square logo: the system's initials on its colour.
pub fn logo_svg(e: &Entry) -> String {
    let initials: String = e
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="{}"/><text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">{}</text></svg>"##,
        color(e.name),
        initials
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_hris_integration_with_known_slugs() {
        assert_eq!(HRIS.len(), 83);
        for known in [
            "bamboohr",
            "workday",
            "sap-successfactors",
            "adp-workforce-now",
            "sage-hr",
            "personio",
            "peoplehr",
            "hibob",
            "gusto",
            "rippling",
            "deel",
        ] {
            assert!(find(known).is_some(), "{known}");
        }
        let mut slugs: Vec<_> = entries().map(|e| e.slug).collect();
        let n = slugs.len();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), n);
    }
}
