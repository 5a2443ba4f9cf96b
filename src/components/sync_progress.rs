use leptos::prelude::*;

use crate::domain::integration::{PHASE_STEPS, Phase, SyncProgress};

/// The live sync-progress bar, the one view of a sync's progress (the connect dialog, the
/// Integrations card and the connection's page): phases, people read against people expected
/// when that can be known, the reading rate, elapsed time and an estimate when there is one.
#[component]
pub fn SyncProgressBar(progress: SyncProgress, #[prop(optional)] compact: bool) -> impl IntoView {
    let fraction = progress.fraction();
    let step = progress.phase.step();
    let failed = progress.phase == Phase::Failed;
    let counts = progress.counts();
    let detail = progress.detail().join(" · ");
    let value_now = progress.percent().map(|p| p.to_string());
    let bar_class = match (failed, fraction) {
        (true, _) => "progress-bar progress-bar--failed",
        (false, None) => "progress-bar progress-bar--indeterminate",
        _ => "progress-bar",
    };
    let note = progress
        .preparing_note()
        .or_else(|| progress.no_total_note());
    view! {
        <div class="sync-progress" class:sync-progress--compact=compact>
            {(!compact).then(|| view! {
                <ol class="phases">
                    {PHASE_STEPS.iter().enumerate().map(|(i, label)| {
                        let state = if failed && i == step { "failed" }
                            else if i < step || (i == step && progress.phase == Phase::Ready) { "done" }
                            else if i == step { "current" } else { "todo" };
                        view! { <li class=format!("phase phase--{state}") aria-current=(state == "current").then_some("step")>{*label}</li> }
                    }).collect_view()}
                </ol>
            })}
            <div
                class=bar_class
                role="progressbar"
                aria-label="Sync progress"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=value_now
                aria-valuetext=format!("{} — {}", progress.phase.label(), counts)
            >
                <span style:width=fraction.map(|f| format!("{:.0}%", f * 100.0)).unwrap_or_else(|| "35%".into())></span>
            </div>
            <p class="progress-text">
                <strong>{progress.phase.label()}</strong>
                " · " <span class="progress-counts">{counts}</span>
            </p>
            <p class="progress-detail muted">{detail}</p>
            {(!compact).then(|| note.map(|n| view! { <p class="progress-note muted">{n}</p> }))}
        </div>
    }
}
