use chrono::NaiveDate;
use leptos::prelude::*;

use crate::components::recipients::{Change, typed_filter};
use crate::domain::staff_filter::{FilterOptions, StaffFilter, UPCOMING_CHOICES};

/// The less common filters, folded away until needed (and open when one is in use):
/// department, office, job title, source system, start dates, anniversaries and birthdays.
#[component]
pub fn MoreFilters(
    options: FilterOptions,
    filter: Memo<StaffFilter>,
    set: Callback<(Change, bool)>,
) -> impl IntoView {
    let in_use = filter.with_untracked(|f| {
        !f.departments.is_empty()
            || !f.offices.is_empty()
            || !f.sources.is_empty()
            || !f.job_title.is_empty()
            || f.started_from.is_some()
            || f.started_to.is_some()
            || f.anniversary_within.is_some()
            || f.birthday_within.is_some()
    });
    let (title, on_title) = typed_filter(
        filter.with_untracked(|f| f.job_title.clone()),
        set,
        |f, v| f.job_title = v,
    );
    let change = move |c: Change| set.run((c, false));
    let one = |v: String| if v.is_empty() { vec![] } else { vec![v] };
    let date = |v: String| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
    let days = |v: String| v.parse::<u32>().ok();
    let upcoming = move |id: &'static str,
                         label: &'static str,
                         get: fn(&StaffFilter) -> Option<u32>,
                         put: fn(&mut StaffFilter, Option<u32>)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=move |ev| { let v = days(event_target_value(&ev)); change(Box::new(move |f| put(f, v))); }>
                    <option value="" selected=move || filter.with(|f| get(f).is_none())>"Any time"</option>
                    {UPCOMING_CHOICES.iter().map(|d| {
                        let d = *d;
                        view! { <option value=d.to_string() selected=move || filter.with(|f| get(f) == Some(d))>{format!("In the next {d} days")}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <details class="more-filters" open=in_use>
            <summary>"More filters"</summary>
            <div class="filters-grid">
                <div class="field">
                    <label for="staff-dept">"Department"</label>
                    <select id="staff-dept" on:change=move |ev| { let v = one(event_target_value(&ev)); change(Box::new(move |f| f.departments = v)); }>
                        <option value="" selected=move || filter.with(|f| f.departments.is_empty())>"All departments"</option>
                        {options.departments.iter().map(|(r, name)| {
                            let r2 = r.clone();
                            view! { <option value=r.clone() selected=move || filter.with(|f| f.departments.first() == Some(&r2))>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="staff-office">"Office"</label>
                    <select id="staff-office" on:change=move |ev| { let v = one(event_target_value(&ev)); change(Box::new(move |f| f.offices = v)); }>
                        <option value="" selected=move || filter.with(|f| f.offices.is_empty())>"All offices"</option>
                        {options.offices.iter().map(|o| {
                            let o2 = o.clone();
                            view! { <option value=o.clone() selected=move || filter.with(|f| f.offices.first() == Some(&o2))>{o.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="staff-title">"Job title contains"</label>
                    <input id="staff-title" type="search" placeholder="e.g. engineer" prop:value=title on:input=on_title/>
                </div>
                {(!options.sources.is_empty()).then(|| view! {
                    <div class="field">
                        <label for="staff-source">"HR system"</label>
                        <select id="staff-source" on:change=move |ev| { let v = one(event_target_value(&ev)); change(Box::new(move |f| f.sources = v)); }>
                            <option value="" selected=move || filter.with(|f| f.sources.is_empty())>"All HR systems"</option>
                            {options.sources.iter().map(|(id, label)| {
                                let id2 = id.clone();
                                view! { <option value=id.clone() selected=move || filter.with(|f| f.sources.first() == Some(&id2))>{label.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <div class="field">
                    <label for="staff-from">"Started on or after"</label>
                    <input id="staff-from" type="date" prop:value=move || filter.with(|f| f.started_from.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| { let v = date(event_target_value(&ev)); change(Box::new(move |f| f.started_from = v)); }/>
                </div>
                <div class="field">
                    <label for="staff-to">"Started on or before"</label>
                    <input id="staff-to" type="date" prop:value=move || filter.with(|f| f.started_to.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| { let v = date(event_target_value(&ev)); change(Box::new(move |f| f.started_to = v)); }/>
                </div>
                {upcoming("staff-anniversary", "Work anniversary", |f| f.anniversary_within, |f, v| f.anniversary_within = v)}
                {options.birthdays.then(|| upcoming("staff-birthday", "Birthday", |f| f.birthday_within, |f, v| f.birthday_within = v))}
            </div>
        </details>
    }
}
