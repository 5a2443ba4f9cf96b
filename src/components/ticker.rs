use std::time::Duration;

use leptos::prelude::*;

/// A counter that increases every `period` in the browser (never on the server), for views that
/// refresh themselves, such as live sync progress. Stops when its owner is dropped.
pub fn use_ticker(period: Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), period) {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}
