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
    let in_use = filter.with_untracked(any_set);
    let (title, on_title) = typed_filter(
        filter.with_untracked(|f| f.job_title.clone()),
        set,
        |f, v| f.job_title = v,
    );
    let change = move |c: Change| set.run((c, false));
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
                {(!options.sources.is_empty()).then(|| view! { <SourceField sources=options.sources filter set/> })}
                <StartedBetween filter set/>
                <UpcomingField id="staff-anniversary" label="Work anniversary" get=|f| f.anniversary_within put=|f, v| f.anniversary_within = v filter set/>
                {options.birthdays.then(|| view! {
                    <UpcomingField id="staff-birthday" label="Birthday" get=|f| f.birthday_within put=|f, v| f.birthday_within = v filter set/>
                })}
            </div>
        </details>
    }
}

/// Whether the fold starts open: a shared link may use these filters.
fn any_set(f: &StaffFilter) -> bool {
    !f.departments.is_empty()
        || !f.offices.is_empty()
        || !f.sources.is_empty()
        || !f.job_title.is_empty()
        || f.started_from.is_some()
        || f.started_to.is_some()
        || f.anniversary_within.is_some()
        || f.birthday_within.is_some()
}

/// A select's value as a filter of at most one: its first option, "all", is empty.
fn one(v: String) -> Vec<String> {
    if v.is_empty() { vec![] } else { vec![v] }
}

#[component]
fn SourceField(
    sources: Vec<(String, String)>,
    filter: Memo<StaffFilter>,
    set: Callback<(Change, bool)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="staff-source">"HR system"</label>
            <select id="staff-source" on:change=move |ev| { let v = one(event_target_value(&ev)); set.run((Box::new(move |f| f.sources = v), false)); }>
                <option value="" selected=move || filter.with(|f| f.sources.is_empty())>"All HR systems"</option>
                {sources.iter().map(|(id, label)| {
                    let id2 = id.clone();
                    view! { <option value=id.clone() selected=move || filter.with(|f| f.sources.first() == Some(&id2))>{label.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn StartedBetween(filter: Memo<StaffFilter>, set: Callback<(Change, bool)>) -> impl IntoView {
    let change = move |c: Change| set.run((c, false));
    let date = |v: String| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
    view! {
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
    }
}

/// A yearly date coming up within some days: a work anniversary, a birthday.
#[component]
fn UpcomingField(
    id: &'static str,
    label: &'static str,
    get: fn(&StaffFilter) -> Option<u32>,
    put: fn(&mut StaffFilter, Option<u32>),
    filter: Memo<StaffFilter>,
    set: Callback<(Change, bool)>,
) -> impl IntoView {
    let days = |v: String| v.parse::<u32>().ok();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| { let v = days(event_target_value(&ev)); set.run((Box::new(move |f| put(f, v)), false)); }>
                <option value="" selected=move || filter.with(|f| get(f).is_none())>"Any time"</option>
                {UPCOMING_CHOICES.iter().map(|d| {
                    let d = *d;
                    view! { <option value=d.to_string() selected=move || filter.with(|f| get(f) == Some(d))>{format!("In the next {d} days")}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
