use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page_header::PageHeader;
use crate::pages::help_guide::GUIDES;

#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <Title text="Help"/>
        <PageHeader title="Help" description="How HR Connectors work and what they share."/>
        <div class="help-grid">
            <article class="card">
                <h2>"Which data should I enable?"</h2>
                <p>"Every field HR Connectors can read, why, and what is never requested."</p>
                <p><a href="/help/data">"Read the data guide"</a></p>
            </article>
            <article class="card">
                <h2>"Connection guides"</h2>
                <ul class="guide-links">
                    {GUIDES.iter().map(|(slug, name)| view! { <li><a href=format!("/help/connect/{slug}")>{*name}</a></li> }).collect_view()}
                </ul>
            </article>
            <article class="card">
                <h2>"Before you connect"</h2>
                <p>
                    "Connecting an HR system needs someone with admin rights in that system to grant access. "
                    "If that isn't you, ask your HR system's admin to help with the connection step."
                </p>
            </article>
            <article class="card">
                <h2>"What gets shared"</h2>
                <p>
                    "Only what is needed to send someone a gift: names, work email, team, manager, start date and office country. "
                    "Sensitive details such as pay, gender, ethnicity, home address or full date of birth are never requested."
                </p>
            </article>
            <article class="card">
                <h2>"After you connect"</h2>
                <p>
                    "Your staff list starts synchronising at once and usually finishes within minutes. "
                    "You'll see its progress on the Integrations page and get an email when it's done. "
                    "Without a mail server configured, emails wait in the " <a href="/outbox">"Outbox"</a> "."
                </p>
            </article>
        </div>
    }
}
