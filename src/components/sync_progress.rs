use leptos::prelude::*;

use crate::domain::integration::{PHASE_STEPS, Phase, SyncProgress};

pub fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The live sync-progress bar: phases, people received against people expected, elapsed time
/// and an estimate when there is one.
#[component]
pub fn SyncProgressBar(progress: SyncProgress, #[prop(optional)] compact: bool) -> impl IntoView {
    let fraction = progress.fraction();
    let step = progress.phase.step();
    let failed = progress.phase == Phase::Failed;
    let counts = match progress.expected {
        Some(e) if progress.phase.is_running() => {
            format!("{} of about {} people", progress.received, e)
        }
        _ => format!("{} people received", progress.received),
    };
    let timing = match progress.remaining_secs() {
        Some(r) => format!(
            "{} elapsed · about {} left",
            duration(progress.elapsed_secs),
            duration(r)
        ),
        None => format!("{} elapsed", duration(progress.elapsed_secs)),
    };
    let value_now = fraction.map(|f| ((f * 100.0).round() as i64).to_string());
    let bar_class = match (failed, fraction) {
        (true, _) => "progress-bar progress-bar--failed",
        (false, None) => "progress-bar progress-bar--indeterminate",
        _ => "progress-bar",
    };
    view! {
        <div class="sync-progress" class:sync-progress--compact=compact>
            {(!compact).then(|| view! {
                <ol class="phases">
                    {PHASE_STEPS.iter().enumerate().map(|(i, label)| {
                        let state = if failed && i == step.min(3) { "failed" }
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
                " · " {counts} " · " {timing}
            </p>
        </div>
    }
}
