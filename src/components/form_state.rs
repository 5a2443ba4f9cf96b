//! A form's draft and its per-field errors as signals, wired to inputs the same way in every
//! form that validates field by field (campaigns, single sign-on).

use std::collections::BTreeMap;

use leptos::prelude::*;

/// The message for each field that failed validation, by field key.
pub type Errors = RwSignal<BTreeMap<String, String>>;

/// The field's error, if it has one.
pub fn field_error(
    errors: Errors,
    key: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync {
    move || errors.with(|e| e.get(key).cloned())
}

/// `aria-invalid` for the field.
pub fn field_invalid(
    errors: Errors,
    key: &'static str,
) -> impl Fn() -> String + Copy + Send + Sync {
    move || errors.with(|e| e.contains_key(key)).to_string()
}

/// An input handler that writes the typed value into the draft with `f`.
pub fn write_draft<T: Send + Sync + 'static>(
    draft: RwSignal<T>,
    f: fn(&mut T, String),
) -> impl Fn(leptos::ev::Event) + Copy + Send + Sync {
    move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        draft.update(|d| f(d, v));
    }
}
