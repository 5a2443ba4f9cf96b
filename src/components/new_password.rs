use leptos::prelude::*;

use crate::domain::password::{self, MAX_LEN, MIN_LEN};
use crate::error::AppError;

/// A field for choosing a password. The length and email rules are checked as the person types
/// (once they have left the field); the server checks them again and also estimates strength,
/// and its sentence appears here too.
#[component]
pub fn NewPasswordField(
    /// The form field name, also the `id` of the input.
    name: &'static str,
    label: &'static str,
    /// The address the password is for: it must not contain its name part.
    #[prop(into)]
    email: Signal<String>,
    /// The server's answer, whose message for `name` is shown under the field.
    #[prop(into)]
    server_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let value = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    // `try_get`: the input's blur can fire while the form is being torn down after a successful
    // submit, when these signals are already gone.
    let local_error = move || {
        let v = value.try_get().unwrap_or_default();
        (touched.try_get().unwrap_or(false) && !v.is_empty())
            .then(|| {
                password::check(&v, &email.try_get().unwrap_or_default())
                    .err()
                    .map(|e| e.to_string())
            })
            .flatten()
    };
    let message = move || {
        local_error().or_else(|| {
            server_error
                .try_get()
                .flatten()
                .and_then(|e| e.field_message(name))
        })
    };
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="password"
                autocomplete="new-password"
                required
                minlength=MIN_LEN.to_string()
                maxlength=MAX_LEN.to_string()
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=described
                on:input=move |ev| { value.try_set(event_target_value(&ev)); }
                on:blur=move |_| { touched.try_set(true); }
            />
            <p class="field-hint" id=hint_id>
                {format!("At least {MIN_LEN} characters. A few unrelated words work well; avoid your name, your company and common passwords.")}
            </p>
            <p class="field-error" id=error_id aria-live="polite">{message}</p>
        </div>
    }
}
