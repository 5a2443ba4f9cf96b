//! The filter written as SQL: which people match, and in what order.

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::{FilterPart, SortOrder, StaffFilter};
use crate::server::model::text::search_text;
use crate::server::store::rules::{HAS_LEFT, IN_HR_DATA, NOT_STARTED};

use super::like_escape;
use super::scope::Scope;

/// Appends the start-date filters (joined lately, a date range) on `table`'s `start_date`.
fn push_start_dates(qb: &mut QueryBuilder<Postgres>, table: &str, f: &StaffFilter) {
    push_joined(qb, table, f);
    push_start_range(qb, table, f);
}

fn push_joined(qb: &mut QueryBuilder<Postgres>, table: &str, f: &StaffFilter) {
    if let Some(days) = f.joined_within {
        qb.push(format!(
            " AND {table}.start_date <= current_date AND {table}.start_date > current_date - "
        ));
        qb.push_bind(days as i32);
    }
}

fn push_start_range(qb: &mut QueryBuilder<Postgres>, table: &str, f: &StaffFilter) {
    if let Some(d) = f.started_from {
        qb.push(format!(" AND {table}.start_date >= "));
        qb.push_bind(d);
    }
    if let Some(d) = f.started_to {
        qb.push(format!(" AND {table}.start_date <= "));
        qb.push_bind(d);
    }
}

/// Most days a start-date range may span to be looked up by its weeks in the chain index: a
/// longer range is more keys than it saves.
const MOST_DAYS_BY_WEEK: i64 = 400;

/// Appends the weeks (`staff_week`, migration 0017) a start-date filter spans, as a test on the
/// chains `ch` their index answers with the chain, when the filter bounds the dates on both sides
/// within `MOST_DAYS_BY_WEEK`. `greatest` and `least` skip a bound the filter does not set.
fn push_start_weeks(qb: &mut QueryBuilder<Postgres>, f: &StaffFilter) {
    let span = match (f.joined_within, f.started_from, f.started_to) {
        (Some(days), _, _) => i64::from(days),
        (None, Some(from), Some(to)) => (to - from).num_days(),
        _ => return,
    };
    if span > MOST_DAYS_BY_WEEK {
        return;
    }
    let days = f.joined_within.map(|d| d as i32);
    qb.push(
        " AND ch.start_weeks && ARRAY(SELECT generate_series(
             staff_week(greatest(current_date + 1 - ",
    );
    qb.push_bind(days);
    qb.push("::int, ");
    qb.push_bind(f.started_from);
    qb.push("::date)), staff_week(least(CASE WHEN ");
    qb.push_bind(days);
    qb.push("::int IS NOT NULL THEN current_date END, ");
    qb.push_bind(f.started_to);
    qb.push("::date))))");
}

/// Appends `FROM staff p WHERE …`: the account's shown people matching the filter. With
/// `from_words`, they come from the word index as `t`, for the word `w.word` of the enclosing
/// query, which the text needs no checking against.
///
/// Statements built here are not kept prepared (`persistent(false)`): a prepared statement is
/// planned once for any values after five runs, and a plan good for a small team is a poor one
/// for a division (at 1,000,000 people, a sub-team with "müller" took p95 150 ms that way and
/// takes 44 ms planned for its own values).
pub(super) fn push_matching(
    qb: &mut QueryBuilder<Postgres>,
    account_id: Uuid,
    scope: &Scope,
    f: &StaffFilter,
    from_words: bool,
) {
    push_from(qb, account_id, scope, from_words);
    for part in f.parts() {
        match part {
            // From the word index, everyone has a word that contains the text or is similar to
            // it: a match by definition.
            FilterPart::Text if from_words => {}
            part => push_part(qb, scope, f, part),
        }
    }
    if !f.include_leavers {
        qb.push(" AND NOT ");
        qb.push(HAS_LEFT);
    }
    if !f.include_pending {
        qb.push(" AND NOT ");
        qb.push(NOT_STARTED);
    }
}

/// `FROM … WHERE`: the account's shown people in the scope's connections, from the word
/// index's word `w.word` when `from_words`.
fn push_from(qb: &mut QueryBuilder<Postgres>, account_id: Uuid, scope: &Scope, from_words: bool) {
    if from_words {
        // Joined on the whole name-index key: with no text left to check, each person is looked
        // up in the name index alone, which holds what the everyday filters test.
        qb.push(
            " FROM staff_tokens t
              JOIN staff p ON p.account_id = t.account_id AND p.sort_name = t.sort_name
                  AND p.connection_id = t.connection_id AND p.merge_id = t.merge_id
              WHERE t.account_id = ",
        );
        qb.push_bind(account_id);
        qb.push(" AND t.word = w.word");
        if scope.teams.is_some() {
            // Sieves the word's entries by team without leaving the index; `p.team_id` below
            // decides.
            qb.push(" AND t.team_hash = ANY(");
            qb.push_bind(scope.team_hashes.clone());
            qb.push(")");
        }
        qb.push(" AND p.account_id = ");
    } else {
        qb.push(" FROM staff p WHERE p.account_id = ");
    }
    qb.push_bind(account_id);
    // The connections were checked for visibility when the scope was worked out.
    qb.push(format!(
        " AND p.is_primary AND {IN_HR_DATA} AND p.connection_id = ANY("
    ));
    qb.push_bind(scope.connections.clone());
    qb.push(")");
}

/// The clause of one part of the filter.
fn push_part(qb: &mut QueryBuilder<Postgres>, scope: &Scope, f: &StaffFilter, part: FilterPart) {
    match part {
        FilterPart::Text => push_text(qb, scope, f),
        FilterPart::Teams => push_teams(qb, scope),
        FilterPart::Manager => push_manager(qb, scope, f),
        FilterPart::Joined => push_joined(qb, "p", f),
        FilterPart::StartDates => push_start_range(qb, "p", f),
        FilterPart::Countries => {
            qb.push(" AND p.country = ANY(");
            qb.push_bind(f.countries.clone());
            qb.push(")");
        }
        FilterPart::Departments => {
            let (conns, ids) = PersonKey::columns(f.departments.iter().map(String::as_str));
            qb.push(" AND EXISTS (SELECT 1 FROM UNNEST(");
            qb.push_bind(conns);
            qb.push("::uuid[], ");
            qb.push_bind(ids);
            qb.push(
                "::text[]) AS d(c, i) WHERE d.c = p.connection_id AND d.i = ANY(p.department_ids))",
            );
        }
        FilterPart::Offices => {
            qb.push(" AND (p.city || ', ' || p.country) = ANY(");
            qb.push_bind(f.offices.clone());
            qb.push(")");
        }
        // The scope keeps only the chosen connections.
        FilterPart::Sources => {}
        FilterPart::JobTitle => {
            qb.push(" AND p.job_title ILIKE '%' || ");
            qb.push_bind(like_escape(f.job_title.trim()));
            qb.push(" || '%'");
        }
        FilterPart::Anniversary => push_anniversary(qb, f),
        FilterPart::Birthday => push_birthday(qb, f),
    }
}

/// The search text, over each person's folded search text, or a word similar to it.
fn push_text(qb: &mut QueryBuilder<Postgres>, scope: &Scope, f: &StaffFilter) {
    let q = search_text(&[Some(f.q.trim())]);
    if q.is_empty() {
        return;
    }
    // Under three characters there is no trigram to look up, and the trigram index would be
    // read whole (1.7 s at p95 under load for "an" within a team); `strpos`, which that index
    // cannot serve, leaves the planner to the other filters and checks their rows.
    if q.chars().count() < 3 {
        qb.push(" AND (strpos(p.search_text, ");
        qb.push_bind(q.clone());
        qb.push(") > 0");
    } else {
        qb.push(" AND (p.search_text LIKE '%' || ");
        qb.push_bind(like_escape(&q));
        qb.push(" || '%'");
    }
    if !scope.similar_words.is_empty() {
        // Each of a person's words is part of their search text, so the trigram index finds the
        // candidates; their own words decide.
        let patterns: Vec<String> = scope
            .similar_words
            .iter()
            .map(|w| format!("%{}%", like_escape(w)))
            .collect();
        qb.push(" OR (p.search_text LIKE ANY(");
        qb.push_bind(patterns);
        qb.push(
            ") AND EXISTS (SELECT 1 FROM staff_tokens_of(p.search_text, p.name_words) AS own
                 WHERE own = ANY(",
        );
        qb.push_bind(scope.similar_words.clone());
        qb.push(")))");
    }
    qb.push(")");
}

/// The chosen teams and every team under them, as the scope worked them out.
fn push_teams(qb: &mut QueryBuilder<Postgres>, scope: &Scope) {
    let Some(teams) = &scope.teams else { return };
    // One `team_id = ANY(…)` per HR system: the planner reads its selectivity from the
    // statistics, and a team id only counts in its own system.
    qb.push(" AND (false");
    for (connection, ids) in teams {
        qb.push(" OR (p.connection_id = ");
        qb.push_bind(*connection);
        qb.push(" AND p.team_id = ANY(");
        qb.push_bind(ids.clone());
        qb.push("))");
    }
    qb.push(")");
}

/// The manager's direct reports, or everyone under them, in each HR system that lists them.
fn push_manager(qb: &mut QueryBuilder<Postgres>, scope: &Scope, f: &StaffFilter) {
    qb.push(" AND (false");
    for (connection, id) in &scope.managers {
        qb.push(" OR (p.connection_id = ");
        qb.push_bind(*connection);
        if f.direct_only {
            qb.push(" AND p.manager_id = ");
            qb.push_bind(id.clone());
        } else {
            qb.push(
                " AND (p.connection_id, p.merge_id) IN (SELECT ch.connection_id, ch.merge_id
                    FROM staff_chains ch WHERE ch.chain @> ARRAY[",
            );
            qb.push_bind(id.clone());
            qb.push("]::text[]");
            // The chains hold each start date too, and its week in their index, so one index
            // scan narrows the tree to the weeks; the dates are then checked exactly.
            push_start_dates(qb, "ch", f);
            push_start_weeks(qb, f);
            qb.push(")");
        }
        qb.push(")");
    }
    qb.push(")");
}

fn push_anniversary(qb: &mut QueryBuilder<Postgres>, f: &StaffFilter) {
    let Some(days) = f.anniversary_within else {
        return;
    };
    // The first anniversary on or after today: start + (whole years up to yesterday + 1).
    qb.push(
        " AND p.start_date < current_date AND (p.start_date + make_interval(years =>
             date_part('year', age(current_date - 1, p.start_date))::int + 1))::date
             <= current_date + ",
    );
    qb.push_bind(days as i32);
}

fn push_birthday(qb: &mut QueryBuilder<Postgres>, f: &StaffFilter) {
    let Some(days) = f.birthday_within else {
        return;
    };
    // The next birthday this year or next; 29 February falls on 28 February in other years.
    qb.push(
        " AND p.birthday_month IS NOT NULL AND p.birthday_day IS NOT NULL
          AND (SELECT min(b.day) FROM (
                  SELECT make_date(y, p.birthday_month::int,
                      CASE WHEN p.birthday_month = 2 AND p.birthday_day = 29
                                AND NOT (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0))
                           THEN 28 ELSE p.birthday_day::int END) AS day
                  FROM (VALUES (extract(year FROM current_date)::int),
                               (extract(year FROM current_date)::int + 1)) AS years(y)) b
               WHERE b.day >= current_date) <= current_date + ",
    );
    qb.push_bind(days as i32);
}

/// The table's order over staff rows `p`; the name and keys break ties so pages never overlap.
///
/// With text, the matches come from the trigram index and are then sorted (`hide_index`). Left
/// to itself the planner walks the sort index instead, hoping to meet 50 matches early, which
/// is a long walk when they share a first name far down the alphabet; `|| ''` and `+ 0` keep
/// the order but hide the index.
pub(super) fn order_by(sort: SortOrder, hide_index: bool) -> &'static str {
    match (sort, hide_index) {
        (SortOrder::NameAsc, false) => "p.sort_name, p.connection_id, p.merge_id",
        (SortOrder::NameAsc, true) => "p.sort_name || '', p.connection_id, p.merge_id",
        (SortOrder::NameDesc, false) => "p.sort_name DESC, p.connection_id DESC, p.merge_id DESC",
        (SortOrder::NameDesc, true) => {
            "p.sort_name || '' DESC, p.connection_id DESC, p.merge_id DESC"
        }
        (SortOrder::NewestFirst, false) => {
            "p.start_date DESC NULLS LAST, p.sort_name, p.connection_id, p.merge_id"
        }
        (SortOrder::NewestFirst, true) => {
            "p.start_date + 0 DESC NULLS LAST, p.sort_name, p.connection_id, p.merge_id"
        }
        (SortOrder::LongestServing, _) => {
            "p.start_date NULLS LAST, p.sort_name, p.connection_id, p.merge_id"
        }
    }
}
