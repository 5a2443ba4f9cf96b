//! Connection alerts: the email when an incident opens (and its reminders), and the short one
//! when it is fixed. Plain text, so names from HR systems cannot become markup.

use super::compose::named_as;
use super::people::Composed;
use crate::domain::incident::{IncidentKind, campaigns_meanwhile};
use crate::server::store::incidents::Incident;

/// What the email needs beyond the incident.
pub struct Alert<'a> {
    pub incident: &'a Incident,
    pub name: &'a str,
    /// 0 for the opening email, then 1, 2 for the reminders.
    pub reminder: i32,
    pub campaigns: &'a [String],
    pub fix_url: &'a str,
    pub public_url: &'a str,
}

pub fn opened(a: &Alert<'_>) -> Composed {
    let i = a.incident;
    let named = named_as(&i.system, &i.connection);
    let subject = match a.reminder {
        0 => format!("Action needed: {}", short(i.kind, &named)),
        _ => format!("Reminder, still open: {}", short(i.kind, &named)),
    };
    let since = i.opened_at.format("%-d %b %Y, %H:%M UTC");
    let still = if a.reminder > 0 {
        format!("This has been open since {since}.\n\n")
    } else {
        String::new()
    };
    let body = format!(
        "Hello {name},\n\n\
         {headline}\n{detail}\n\n\
         {still}\
         What it means for campaigns:\n{campaigns}\n\n\
         Fix it here ({fix}):\n{fix_url}\n\n\
         You get this email because connection alerts are on for you. \
         To switch them off:\n{public_url}/account#notifications\n\n\
         — &Open HR Connectors\n",
        name = a.name,
        headline = i.kind.headline(&named),
        detail = i.detail,
        campaigns = campaigns_line(i, a.campaigns),
        fix = i.kind.fix_label(),
        fix_url = a.fix_url,
        public_url = a.public_url,
    );
    Composed { subject, body }
}

pub fn fixed(incident: &Incident, name: &str, public_url: &str) -> Composed {
    let named = named_as(&incident.system, &incident.connection);
    Composed {
        subject: format!("Fixed: {named} is working again"),
        body: format!(
            "Hello {name},\n\n\
             {named} is working again: {what} is resolved. Campaigns use its current people again.\n\n\
             Integrations:\n{public_url}/integrations\n\n\
             — &Open HR Connectors\n",
            what = match incident.kind {
                IncidentKind::NeedsRelink => "the relink it needed",
                IncidentKind::Failing => "the failing syncs",
                IncidentKind::RemovalsHeld => "the held removals",
                IncidentKind::MissingPermissions => "the missing permissions",
            },
        ),
    }
}

fn short(kind: IncidentKind, named: &str) -> String {
    match kind {
        IncidentKind::NeedsRelink => format!("{named} needs to be relinked"),
        IncidentKind::Failing => format!("{named} is not syncing"),
        IncidentKind::RemovalsHeld => format!("{named} holds removals for your review"),
        IncidentKind::MissingPermissions => format!("{named} is missing permissions"),
    }
}

/// Which campaigns are affected, and what they use until the fix.
fn campaigns_line(i: &Incident, campaigns: &[String]) -> String {
    let meanwhile = campaigns_meanwhile(i.data_as_of);
    if campaigns.is_empty() {
        format!("No campaign has recipients from it yet. {meanwhile}")
    } else {
        let list: Vec<String> = campaigns.iter().map(|c| format!("  - {c}")).collect();
        format!(
            "These campaigns have recipients from it:\n{}\n{meanwhile}",
            list.join("\n")
        )
    }
}
