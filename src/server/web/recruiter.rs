//! The pages a recruiter works in (an admin too; an auditor reads them): the dashboard, the searches with their
//! filters and pages, a search's page, the search form with its pre-send check, and the upload.
//!
//! Every read goes through a view scoped to the account's firm, every write through the API's import path as the
//! account: another firm's search is a 404 here as it is in the API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::super::routes::{run_import, Upload};
use super::form::{check_token, Form, CSRF_FIELD};
use super::layout::{self, badge, csrf, page, rate, search_href, segment, stacked_table, Column, Nav};
use super::text::{Lang, K};
use super::{html as page_response, read, read_view, see_other, App, Page, Signed};
use crate::import::{Encoding, ImportOutcome, Input};
use crate::model::{Level, Quarter, SearchVerdict, Sector, Stage, Verdict};
use crate::report::{Filter, Ledger};
use crate::rules::Explanation;
use crate::service;
use crate::store::{Moment, Role};

/// Searches shown per page of the list, and on the dashboard.
const PER_PAGE: usize = 50;
const DASHBOARD_ROWS: usize = 10;

/// Quarters offered by the list's quarter filter.
const QUARTER_CHOICES: usize = 12;

/// The most candidate rows a form takes (a longer shortlist is an upload's).
const MAX_ROWS: usize = 100;

/// The roles that write searches.
const WRITERS: [Role; 2] = [Role::Recruiter, Role::Admin];

/// The dashboard of a recruiter's firm: its rate per quarter with the rolling rate, searches pending and failing.
pub(super) async fn dashboard(app: Arc<App>, signed: Signed) -> Result<Response, Page> {
    let failing = [Verdict::NonCompliant, Verdict::Incomplete];
    let quarter = Quarter::of(chrono::Utc::now().date_naive()).to_string();
    let q = quarter.clone();
    let lang = signed.lang;
    let (ledger, firms, pending, failing, current) = read_view(&app, &signed, move |view| {
        let ledger = Ledger::of_counts(view.verdict_counts()?, &Filter::default());
        let mut pending = view.page_of_verdicts(None, None, &[Verdict::Pending], 0, DASHBOARD_ROWS)?;
        let mut failing = view.page_of_verdicts(None, None, &failing, 0, DASHBOARD_ROWS)?;
        let mut current = view.page_of_verdicts(None, Some(&q), &[], 0, DASHBOARD_ROWS)?;
        for rows in [&mut pending.1, &mut failing.1, &mut current.1] {
            service::explain::reword(rows, lang);
        }
        Ok((ledger, view.firms()?, pending, failing, current))
    })
    .await?;
    let name = firms.first().map(|f| f.name.clone().unwrap_or_else(|| f.firm.clone())).unwrap_or_default();
    let body = html! {
        h1 { (lang.t(K::Dashboard)) ": " (name) }
        (rates(lang, &ledger, None))
        section.current {
            h2 { (lang.t(K::ThisQuarter)) " " (quarter) " (" (current.0) ")" }
            (short_list(lang, &current.1))
            @if current.0 > current.1.len() {
                p { a href={ "/searches?quarter=" (quarter) } { (lang.t(K::AllOf)) } }
            }
        }
        section {
            h2 { (lang.t(K::FailingSearches)) " (" (failing.0) ")" }
            (short_list(lang, &failing.1))
            @if failing.0 > failing.1.len() {
                p { a href="/searches?verdict=non-compliant" { (lang.t(K::AllOf)) } }
            }
        }
        section {
            h2 { (lang.t(K::PendingSearches)) " (" (pending.0) ")" }
            (short_list(lang, &pending.1))
            @if pending.0 > pending.1.len() {
                p { a href="/searches?verdict=pending" { (lang.t(K::AllOf)) } }
            }
        }
    };
    Ok(page_response(page(&signed, lang.t(K::Dashboard), Nav::Home, body)))
}

/// The rate chart and table of a ledger (one firm's, or all firms' with `firm` None).
pub(super) fn rates(lang: Lang, ledger: &Ledger, firm: Option<&str>) -> Markup {
    let points = crate::output::html::rate_points(ledger, firm);
    let columns = [
        Column::text(lang.t(K::Quarter)),
        Column::num(lang.t(K::Rated)).headed(html! { (lang.t(K::Compliant)) " / " (lang.t(K::Rated)) }),
        Column::num(lang.t(K::Rate)),
        Column::num(lang.t(K::Rolling)),
    ];
    html! {
        section {
            h2 { (lang.t(K::RatePerQuarter)) }
            @if points.is_empty() {
                p.empty { (lang.t(K::NoneHere)) }
            } @else {
                div.panel.chart-box {
                    (layout::chart(crate::output::svg::rate_bars(lang.t(K::RatePerQuarter), &points)))
                    p.key { (lang.t(K::RateKey)) }
                }
                (stacked_table(None, &columns, points.iter().rev(), |p| vec![
                    html! { (p.quarter) },
                    html! { (p.compliant) " / " (p.rated) },
                    html! { (rate(p.rate)) },
                    html! { (rate(p.rolling)) },
                ]))
            }
        }
    }
}

/// A table of searches with their verdicts, each linking to its page.
fn short_list(lang: Lang, rows: &[SearchVerdict]) -> Markup {
    let columns = [
        Column::text(lang.t(K::SearchRef)),
        Column::text(lang.t(K::Firm)),
        Column::text(lang.t(K::Client)),
        Column::text(lang.t(K::Quarter)).cells("nowrap"),
        Column::text(lang.t(K::Verdict)),
        Column::text(lang.t(K::Reason)),
    ];
    html! {
        @if rows.is_empty() {
            p.empty { (lang.t(K::NoneHere)) }
        } @else {
            (stacked_table(None, &columns, rows, |r| vec![
                html! { a href=(search_href(&r.firm, &r.search_ref)) { (r.search_ref) } },
                html! { (r.firm) },
                html! { (r.client) },
                html! { (r.quarter) },
                badge(lang, r.verdict),
                html! { (r.reason) },
            ]))
        }
    }
}

/// The filters of the searches' list.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    quarter: Option<String>,
    verdict: Option<String>,
    text: Option<String>,
    firm: Option<String>,
    page: Option<String>,
}

/// `GET /searches`: the searches of the account's firms, filtered by quarter, verdict and text, a page at a time.
pub(super) async fn list(
    State(app): State<Arc<App>>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, Page> {
    let lang = signed.lang;
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let quarter = nonempty(&q.quarter).and_then(|raw| Quarter::parse(&raw).ok()).map(|q| q.to_string());
    let verdict = nonempty(&q.verdict).and_then(|raw| Verdict::parse(&raw));
    let text = nonempty(&q.text);
    let firm = nonempty(&q.firm);
    let page_no = q.page.as_deref().and_then(|p| p.trim().parse::<usize>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let (qf, tf, ff) = (quarter.clone(), text.clone(), firm.clone());
    let (total, rows) = read_view(&app, &signed, move |view| {
        let only: Vec<Verdict> = verdict.into_iter().collect();
        let skip = (page_no - 1).saturating_mul(PER_PAGE);
        let (total, rows) = match &tf {
            None => view.page_of_verdicts(ff.as_deref(), qf.as_deref(), &only, skip, PER_PAGE)?,
            Some(text) => {
                // Text is matched here, over the firm's (or the filter's) searches streamed in order.
                let needle = text.to_lowercase();
                let (mut total, mut rows) = (0, Vec::new());
                view.each_verdict(ff.as_deref(), &only, |row| {
                    let hit =
                        row.search_ref.to_lowercase().contains(&needle) || row.client.to_lowercase().contains(&needle);
                    if hit && qf.as_deref().is_none_or(|q| q == row.quarter) {
                        if total >= skip && rows.len() < PER_PAGE {
                            rows.push(row);
                        }
                        total += 1;
                    }
                    Ok(())
                })?;
                (total, rows)
            }
        };
        let mut rows = rows;
        service::explain::reword(&mut rows, lang);
        Ok((total, rows))
    })
    .await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    // The quarter choices: the last three years up to this quarter (counting the quarters that hold searches would
    // read every verdict of the account's firms on each visit), and the one filtered on if it is older.
    let mut quarters = Vec::new();
    let mut at = Quarter::of(chrono::Utc::now().date_naive());
    for _ in 0..QUARTER_CHOICES {
        quarters.push(at.to_string());
        at = crate::report::previous_quarter(at);
    }
    if let Some(q) = quarter.as_ref().filter(|q| !quarters.contains(q)) {
        quarters.push(q.clone());
    }
    let link = |p: usize| {
        let mut query = vec![format!("page={p}")];
        for (name, value) in [("quarter", &quarter), ("text", &text), ("firm", &firm)] {
            if let Some(v) = value {
                query.push(format!("{name}={}", segment(v)));
            }
        }
        if let Some(v) = verdict {
            query.push(format!("verdict={}", v.as_str()));
        }
        format!("/searches?{}", query.join("&"))
    };
    let all_firms = signed.account.role != Role::Recruiter;
    let body = html! {
        h1 { (lang.t(K::Searches)) }
        form.filters method="get" action="/searches" {
            div {
                label for="quarter" { (lang.t(K::Quarter)) }
                select id="quarter" name="quarter" {
                    option value="" { (lang.t(K::AnyQuarter)) }
                    @for qu in &quarters {
                        option value=(qu) selected[quarter.as_deref() == Some(qu.as_str())] { (qu) }
                    }
                }
            }
            div {
                label for="verdict" { (lang.t(K::Verdict)) }
                select id="verdict" name="verdict" {
                    option value="" { (lang.t(K::AnyVerdict)) }
                    @for v in Verdict::ALL {
                        option value=(v.as_str()) selected[verdict == Some(v)] { (lang.verdict(v)) }
                    }
                }
            }
            @if all_firms {
                div {
                    label for="firm" { (lang.t(K::Firm)) }
                    input id="firm" name="firm" type="text" value=(firm.clone().unwrap_or_default());
                }
            }
            div {
                label for="text" { (lang.t(K::TextFilter)) }
                input id="text" name="text" type="search" value=(text.clone().unwrap_or_default());
            }
            div { button type="submit" { (lang.t(K::Filter)) } }
        }
        p.lead { (total) " " (lang.t(K::SearchesFound)) }
        (short_list(lang, &rows))
        nav.pages aria-label=(lang.t(K::PageOf)) {
            @if page_no > 1 { a href=(link(page_no - 1)) rel="prev" { "← " (lang.t(K::Previous)) } }
            span { (lang.t(K::PageOf)) " " (page_no) " / " (pages) }
            @if page_no < pages { a href=(link(page_no + 1)) rel="next" { (lang.t(K::Next)) " →" } }
        }
    };
    Ok(page_response(page(&signed, lang.t(K::Searches), Nav::Searches, body)))
}

/// A search's verdict explained: the reason, each candidate's part, what would make it pass.
fn explanation(lang: Lang, e: &Explanation) -> Markup {
    let candidate_columns = [
        Column::text(lang.t(K::CandidateRef)),
        Column::text(lang.t(K::Sector)),
        Column::text(lang.t(K::Stage)),
        Column::text(lang.t(K::Counts)),
        Column::text(lang.t(K::CandidatePart)),
    ];
    html! {
        p { (badge(lang, e.judgement.verdict)) " " span.reason { (e.judgement.reason) } }
        @if let Some(remedy) = &e.remedy {
            div.notice.bad {
                h3 { (lang.t(K::WhatWouldPass)) }
                p.remedy { (remedy) }
            }
        }
        h3 { (lang.t(K::Candidates)) }
        @if e.candidates.is_empty() {
            p.empty { (lang.t(K::NoCandidates)) }
        } @else {
            (stacked_table(None, &candidate_columns, &e.candidates, |c| vec![
                html! { (c.candidate_ref) },
                html! { (lang.sector(c.sector)) },
                html! { (lang.stage(c.stage)) },
                html! { (lang.t(if c.counts { K::Yes } else { K::No })) },
                html! { (c.why) },
            ]))
        }
    }
}

/// `?saved=1` after a save, for the notice.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

/// `GET /searches/{firm}/{ref}`: the verdict, its explanation, the exemption and the history; 404 for a search
/// that is not there or not the account's firm's.
pub(super) async fn search_page(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path((firm, search_ref)): Path<(String, String)>,
    Query(shown): Query<SavedQuery>,
) -> Result<Response, Page> {
    let lang = signed.lang;
    let (f, r) = (firm.clone(), search_ref.clone());
    let found = read_view(&app, &signed, move |view| Ok(service::explain::explain_in(view, &f, &r, lang)?)).await?;
    let Some((case, explained)) = found else { return Err(Page::not_found(lang)) };
    let s = &case.search;
    let writes = WRITERS.contains(&signed.account.role);
    let href = search_href(&s.firm, &s.search_ref);
    let body = html! {
        h1 { (lang.t(K::Searching)) " " (s.search_ref) }
        @if shown.saved.is_some() { p.notice.good.saved role="status" { (lang.t(K::SearchSaved)) } }
        dl.facts {
            dt { (lang.t(K::Firm)) } dd { (s.firm) }
            dt { (lang.t(K::Client)) } dd { (s.client) " (" (lang.sector(s.client_sector)) ")" }
            dt { (lang.t(K::Position)) } dd { (s.position) " (" (lang.level(s.level)) ")" }
            dt { (lang.t(K::OpenedOn)) } dd { (s.opened_on) }
            dt { (lang.t(K::ShortlistOn)) } dd { (s.shortlist_on.map(|d| d.to_string()).unwrap_or_else(|| "–".into())) }
            @if let Some(c) = s.cancelled_on { dt { (lang.t(K::CancelledOn)) } dd { (c) } }
            dt { (lang.t(K::Quarter)) } dd { (s.quarter()) }
        }
        @if writes { p { a.button href={ (href) "/edit" } { (lang.t(K::Edit)) } } }
        section {
            h2 { (lang.t(K::Verdict)) }
            (explanation(lang, &explained))
            h3 { (lang.t(K::Scope)) }
            ul.plain { @for c in &explained.scope { li { (if c.holds { "✓ " } else { "✗ " }) (c.fact) } } }
        }
        section {
            h2 { (lang.t(K::Exemption)) }
            @if let Some(e) = &explained.exemption {
                p { strong { (e.reason) } @if !e.note.is_empty() { ": " (e.note) } }
            } @else {
                p.empty { (lang.t(K::NoneHere)) }
            }
            @if writes {
                form method="post" action={ (href) "/exemption" } {
                    (csrf(&signed))
                    div.fields {
                        div {
                            label for="reason" { (lang.t(K::ExemptionReason)) }
                            input id="reason" name="reason" type="text" value="no-qualified-candidate";
                        }
                        div {
                            label for="note" { (lang.t(K::ExemptionNote)) }
                            input id="note" name="note" type="text";
                        }
                    }
                    div.actions {
                        button type="submit" name="action" value="set" { (lang.t(K::SaveExemption)) }
                        @if explained.exemption.is_some() {
                            button.secondary type="submit" name="action" value="remove" { (lang.t(K::RemoveExemption)) }
                        }
                    }
                }
            }
        }
        section {
            h2 { (lang.t(K::History)) }
            // Its own page: the history is read from every versioned table, which takes far longer than the verdict.
            p { a href={ (href) "/history" } { (lang.t(K::History)) ": " (s.search_ref) } }
        }
    };
    Ok(page_response(page(&signed, &s.search_ref, Nav::Searches, body)))
}

/// `GET /searches/{firm}/{ref}/history`: what changed in the search, when, by whom and from which files, newest
/// first; 404 for a search that is not the account's firm's.
pub(super) async fn history_page(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Page> {
    let scope = signed.caller().scope();
    let lang = signed.lang;
    let (f, r) = (firm.clone(), search_ref.clone());
    let history = read(&app, &signed, move |store| {
        Ok(service::evidence::history(store, &scope, Some(&f), Some(&r))?.unwrap_or_default())
    })
    .await?;
    if history.is_empty() {
        return Err(Page::not_found(lang));
    }
    let href = search_href(firm.trim(), search_ref.trim());
    let columns = [
        Column::text(lang.t(K::When)).cells("nowrap"),
        Column::text(lang.t(K::Who)),
        Column::text(lang.t(K::What)),
        Column::text(lang.t(K::Change)),
    ];
    let body = html! {
        h1 { (lang.t(K::History)) ": " a href=(href) { (search_ref.trim()) } }
        (stacked_table(None, &columns, history.iter().rev(), |c| vec![
            html! { (c.at) },
            html! { (c.actor) },
            html! { (c.what) " " (c.change) },
            html! { @if !c.before.is_empty() { (c.before.join(", ")) " → " } (c.after.join(", ")) },
        ]))
    };
    Ok(page_response(page(&signed, lang.t(K::History), Nav::Searches, body)))
}

/// A search as its form holds it: every field as typed, candidate rows in order.
#[derive(Debug, Clone, Default)]
struct SearchForm {
    firm: String,
    search_ref: String,
    client: String,
    client_sector: String,
    position: String,
    level: String,
    opened_on: String,
    shortlist_on: String,
    cancelled_on: String,
    rows: Vec<Row>,
}

/// One candidate row of the form.
#[derive(Debug, Clone, Default)]
struct Row {
    candidate_ref: String,
    sector: String,
    experience: String,
    stage: String,
    added_on: String,
}

impl Row {
    fn is_empty(&self) -> bool {
        self.candidate_ref.is_empty() && self.experience.is_empty() && self.added_on.is_empty()
    }
}

impl SearchForm {
    /// A form as posted; a recruiter's firm is their own, whatever was posted.
    fn posted(form: &Form, signed: &Signed) -> SearchForm {
        let rows_posted = form.get("rows").parse::<usize>().unwrap_or(1).min(MAX_ROWS);
        let rows = (0..rows_posted)
            .map(|i| Row {
                candidate_ref: form.get(&format!("c{i}_ref")).to_string(),
                sector: form.get(&format!("c{i}_sector")).to_string(),
                experience: form.get(&format!("c{i}_experience")).to_string(),
                stage: form.get(&format!("c{i}_stage")).to_string(),
                added_on: form.get(&format!("c{i}_added")).to_string(),
            })
            .collect();
        SearchForm {
            firm: signed.account.firm.clone().unwrap_or_else(|| form.get("firm").to_string()),
            search_ref: form.get("search_ref").to_string(),
            client: form.get("client").to_string(),
            client_sector: form.get("client_sector").to_string(),
            position: form.get("position").to_string(),
            level: form.get("level").to_string(),
            opened_on: form.get("opened_on").to_string(),
            shortlist_on: form.get("shortlist_on").to_string(),
            cancelled_on: form.get("cancelled_on").to_string(),
            rows,
        }
    }

    /// A stored search in its form (`service::by_hand::search_record`, the record the API's changes start from).
    fn stored(record: &Value) -> SearchForm {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let rows = record
            .get("candidates")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|c| Row {
                        candidate_ref: text(c, "candidate_ref"),
                        sector: text(c, "candidate_sector"),
                        experience: text(c, "experience"),
                        stage: text(c, "stage"),
                        added_on: text(c, "added_on"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        SearchForm {
            firm: text(record, "firm"),
            search_ref: text(record, "search_ref"),
            client: text(record, "client"),
            client_sector: text(record, "client_sector"),
            position: text(record, "position"),
            level: text(record, "level"),
            opened_on: text(record, "opened_on"),
            shortlist_on: text(record, "shortlist_on"),
            cancelled_on: text(record, "cancelled_on"),
            rows,
        }
    }

    /// The search in the JSON input format (one element of `searches`); empty optional fields left out and
    /// empty candidate rows skipped, so that the import validates what was typed with its usual messages.
    fn record(&self) -> Value {
        let mut search = Map::new();
        let put = |map: &mut Map<String, Value>, k: &str, v: &str, required: bool| {
            if required || !v.is_empty() {
                map.insert(k.into(), json!(v));
            }
        };
        put(&mut search, "firm", &self.firm, true);
        put(&mut search, "search_ref", &self.search_ref, true);
        put(&mut search, "client", &self.client, true);
        put(&mut search, "client_sector", &self.client_sector, true);
        put(&mut search, "position", &self.position, true);
        put(&mut search, "level", &self.level, true);
        put(&mut search, "opened_on", &self.opened_on, true);
        put(&mut search, "shortlist_on", &self.shortlist_on, false);
        put(&mut search, "cancelled_on", &self.cancelled_on, false);
        let candidates: Vec<Value> = self
            .rows
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                let mut c = Map::new();
                put(&mut c, "candidate_ref", &r.candidate_ref, true);
                put(&mut c, "candidate_sector", &r.sector, true);
                put(&mut c, "experience", &r.experience, false);
                put(&mut c, "stage", &r.stage, false);
                put(&mut c, "added_on", &r.added_on, false);
                Value::Object(c)
            })
            .collect();
        search.insert("candidates".into(), Value::Array(candidates));
        Value::Object(search)
    }
}

/// A `<select>` with a label; the values are the contract's words, the labels in the page's language.
fn choice(id: &str, label: &str, options: &[(&'static str, &'static str)], chosen: &str, blank: bool) -> Markup {
    html! {
        div {
            label for=(id) { (label) }
            select id=(id) name=(id) {
                @if blank { option value="" { "–" } }
                @for (value, text) in options {
                    option value=(value) selected[chosen.eq_ignore_ascii_case(value)] { (text) }
                }
            }
        }
    }
}

/// A labelled text field. A date is typed as text (`2026-03-31` or Danish `31-03-2026`, as in files): a date
/// picker's format follows the browser's locale, and the import's messages name what was typed.
fn text_field(lang: Lang, id: &str, label: &str, value: &str, kind: &str, required: bool) -> Markup {
    let date = kind == "date";
    let hint = lang.t(K::DateHint);
    html! {
        div {
            label for=(id) { (label) }
            @if date {
                input id=(id) name=(id) type="text" value=(value) required[required] placeholder=(hint)
                    autocomplete="off" size="10";
            } @else {
                input id=(id) name=(id) type=(kind) value=(value) required[required];
            }
        }
    }
}

/// The search form: the search's fields, candidate rows (added and removed with buttons, no script), Check before
/// sending and Save; `result` above it (a check's verdict, a refusal's errors).
fn search_form(signed: &Signed, action: &str, f: &SearchForm, editing: bool, result: Markup) -> Markup {
    let lang = signed.lang;
    let sectors: Vec<(&str, &str)> =
        Sector::ALL.iter().filter(|s| **s != Sector::Unknown).map(|s| (s.as_str(), lang.sector(*s))).collect();
    let candidate_sectors: Vec<(&str, &str)> = Sector::ALL.iter().map(|s| (s.as_str(), lang.sector(*s))).collect();
    let levels: Vec<(&str, &str)> = Level::ALL.iter().map(|l| (l.as_str(), lang.level(*l))).collect();
    let stages: Vec<(&str, &str)> = Stage::ALL.iter().map(|s| (s.as_str(), lang.stage(*s))).collect();
    let rows = if f.rows.is_empty() { vec![Row::default()] } else { f.rows.clone() };
    html! {
        (result)
        form method="post" action=(action) {
            (csrf(signed))
            // Enter in a field checks the search: the first submit button of a form is the one Enter presses.
            button.default-action type="submit" name="action" value="check" tabindex="-1" aria-hidden="true" {
                (lang.t(K::CheckBeforeSending))
            }
            input type="hidden" name="rows" value=(rows.len());
            fieldset {
                legend { (lang.t(K::Searching)) }
                div.fields {
                    @if signed.account.firm.is_none() && !editing {
                        (text_field(lang, "firm", lang.t(K::Firm), &f.firm, "text", true))
                    } @else if signed.account.firm.is_none() {
                        input type="hidden" name="firm" value=(f.firm);
                    }
                    @if editing {
                        input type="hidden" name="search_ref" value=(f.search_ref);
                    } @else {
                        (text_field(lang, "search_ref", lang.t(K::SearchRef), &f.search_ref, "text", true))
                    }
                    (text_field(lang, "client", lang.t(K::Client), &f.client, "text", true))
                    (choice("client_sector", lang.t(K::ClientSector), &sectors, &f.client_sector, false))
                    (text_field(lang, "position", lang.t(K::Position), &f.position, "text", true))
                    (choice("level", lang.t(K::Level), &levels, &f.level, false))
                    (text_field(lang, "opened_on", lang.t(K::OpenedOn), &f.opened_on, "date", true))
                    (text_field(lang, "shortlist_on", lang.t(K::ShortlistOn), &f.shortlist_on, "date", false))
                    (text_field(lang, "cancelled_on", lang.t(K::CancelledOn), &f.cancelled_on, "date", false))
                }
            }
            fieldset.candidates {
                legend { (lang.t(K::Candidates)) }
                @for (i, r) in rows.iter().enumerate() {
                    div.row {
                        (text_field(lang, &format!("c{i}_ref"), lang.t(K::CandidateRef), &r.candidate_ref, "text", false))
                        (choice(&format!("c{i}_sector"), lang.t(K::Sector), &candidate_sectors, &r.sector, false))
                        (text_field(lang, &format!("c{i}_experience"), lang.t(K::Experience), &r.experience, "text", false))
                        (choice(&format!("c{i}_stage"), lang.t(K::Stage), &stages,
                            if r.stage.is_empty() { "shortlist" } else { &r.stage }, false))
                        (text_field(lang, &format!("c{i}_added"), lang.t(K::AddedOn), &r.added_on, "date", false))
                        div {
                            button.secondary.small type="submit" name="action" value={ "remove-" (i) }
                                aria-label={ (lang.t(K::RemoveRow)) " " (lang.t(K::Candidate)) " " (i + 1) } {
                                (lang.t(K::RemoveRow))
                            }
                        }
                    }
                }
                div.actions {
                    button.secondary type="submit" name="action" value="add-row" { "+ " (lang.t(K::AddRow)) }
                }
            }
            div.actions {
                button.secondary type="submit" name="action" value="check" { (lang.t(K::CheckBeforeSending)) }
                button type="submit" name="action" value="save" { (lang.t(K::Save)) }
            }
        }
    }
}

/// `GET /searches/new`.
pub(super) async fn new_form(signed: Signed) -> Result<Response, Page> {
    signed.require(&WRITERS)?;
    let lang = signed.lang;
    let f = SearchForm { rows: vec![Row::default()], ..SearchForm::default() };
    let body = html! {
        h1 { (lang.t(K::NewSearch)) }
        p.lead { (lang.t(K::NewSearchLead)) }
        (search_form(&signed, "/searches/new", &f, false, html! {}))
    };
    Ok(page_response(page(&signed, lang.t(K::NewSearch), Nav::NewSearch, body)))
}

/// `POST /searches/new`: add or remove a row, check before sending (nothing stored), or save.
pub(super) async fn new_post(State(app): State<Arc<App>>, signed: Signed, body: Bytes) -> Result<Response, Page> {
    let form = Form::posted(&body, &signed, &WRITERS)?;
    let f = SearchForm::posted(&form, &signed);
    if form.get("action") == "save" {
        // A new search never replaces a stored one by accident: that is the edit page's work.
        let (scope, firm, search_ref) = (signed.caller().scope(), f.firm.clone(), f.search_ref.clone());
        let exists = read(&app, &signed, move |store| {
            Ok(store.view(Moment::Now, None)?.within(scope).dossier(&firm, &search_ref)?.is_some())
        })
        .await?;
        if exists {
            let lang = signed.lang;
            let href = format!("{}/edit", search_href(&f.firm, &f.search_ref));
            let result = html! {
                p.notice.bad.exists role="alert" {
                    (lang.t(K::SearchExists)) " " a href=(href) { (lang.t(K::Edit)) ": " (f.search_ref) }
                }
            };
            let body = html! {
                h1 { (lang.t(K::NewSearch)) }
                (search_form(&signed, "/searches/new", &f, false, result))
            };
            let page = page(&signed, lang.t(K::NewSearch), Nav::NewSearch, body);
            return Ok((StatusCode::CONFLICT, page_response(page)).into_response());
        }
    }
    act(&app, &signed, form.get("action"), f, "/searches/new", false).await
}

/// What a search form's button asks for.
async fn act(
    app: &Arc<App>,
    signed: &Signed,
    action: &str,
    mut f: SearchForm,
    path: &str,
    editing: bool,
) -> Result<Response, Page> {
    let lang = signed.lang;
    let title = if editing { lang.t(K::Edit) } else { lang.t(K::NewSearch) };
    let render = |f: &SearchForm, result: Markup, status: StatusCode| {
        let body = html! {
            h1 { (title) @if editing { ": " (f.search_ref) } }
            (search_form(signed, path, f, editing, result))
        };
        (status, page_response(page(signed, title, Nav::NewSearch, body))).into_response()
    };
    if action == "add-row" {
        if f.rows.len() < MAX_ROWS {
            f.rows.push(Row::default());
        }
        return Ok(render(&f, html! {}, StatusCode::OK));
    }
    if let Some(i) = action.strip_prefix("remove-").and_then(|i| i.parse::<usize>().ok()) {
        if i < f.rows.len() {
            f.rows.remove(i);
        }
        return Ok(render(&f, html! {}, StatusCode::OK));
    }
    let save = action == "save";
    let bytes = serde_json::to_vec(&json!({"searches": [f.record()]})).unwrap_or_default();
    let files = vec![Input { name: "form.json".into(), bytes }];
    let today = chrono::Utc::now().date_naive();
    let how = match save {
        true => Upload::default(),
        false => Upload { dry_run: true, explain: true, send_on: Some(today), lang, ..Upload::default() },
    };
    let command = format!("web POST {}", if editing { "/searches/{firm}/{search_ref}/edit" } else { "/searches/new" });
    match run_import(app, &signed.caller(), files, Encoding::Utf8, how, command).await {
        Ok(_) if save => Ok(see_other(&format!("{}?saved=1", search_href(&f.firm, &f.search_ref)))),
        Ok(outcome) => Ok(render(&f, checked(lang, &outcome, today), StatusCode::OK)),
        Err(problem) if problem.errors.is_some() => {
            Ok(render(&f, errors(lang, problem.errors.as_ref()), StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(problem) => Err(Page::failed(lang, problem)),
    }
}

/// The pre-send check's answer: the verdict (a pending search as if its shortlist went out today) and the advice.
fn checked(lang: Lang, outcome: &ImportOutcome, today: NaiveDate) -> Markup {
    let projected = outcome.projected.first().map(|(_, _, p)| &p.explanation);
    let explained = projected.or(outcome.explained.first().map(|(_, e)| e));
    html! {
        section.notice.check-result aria-live="polite" {
            h2 { (lang.t(K::CheckResult)) }
            @if projected.is_some() { p.lead { (lang.t(K::ProjectedAsIfSent)) " " (today) "." } }
            @if let Some(e) = explained { (explanation(lang, e)) }
        }
    }
}

/// An import's errors by file, line and column (from the API's problem), and that nothing was saved.
fn errors(lang: Lang, errors: Option<&Value>) -> Markup {
    let shown: Vec<Value> = errors.and_then(|e| e.get("shown")).and_then(Value::as_array).cloned().unwrap_or_default();
    let total = errors.and_then(|e| e.get("total")).and_then(Value::as_u64).unwrap_or(shown.len() as u64);
    let text = |v: &Value, k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let columns = [
        Column::text(lang.t(K::File)).cells("error-file"),
        Column::num(lang.t(K::Line)).cells("error-line"),
        Column::text(lang.t(K::Column)).cells("error-column"),
        Column::text(lang.t(K::Message)),
    ];
    html! {
        section.notice.bad.errors role="alert" {
            h2 { (lang.t(K::Errors)) " (" (total) "). " (lang.t(K::NothingSaved)) }
            (stacked_table(None, &columns, &shown, |e| vec![
                html! { (text(e, "file")) },
                html! { (text(e, "line")) },
                html! { (text(e, "column")) (text(e, "path")) },
                html! { (text(e, "message")) },
            ]))
        }
    }
}

/// `GET /searches/{firm}/{ref}/edit`: the stored search in the form.
pub(super) async fn edit_form(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path((firm, search_ref)): Path<(String, String)>,
) -> Result<Response, Page> {
    signed.require(&WRITERS)?;
    let f = stored_form(&app, &signed, firm, search_ref).await?;
    let lang = signed.lang;
    let path = format!("{}/edit", search_href(&f.firm, &f.search_ref));
    let body = html! {
        h1 { (lang.t(K::Edit)) ": " (f.search_ref) }
        (search_form(&signed, &path, &f, true, html! {}))
    };
    Ok(page_response(page(&signed, lang.t(K::Edit), Nav::Searches, body)))
}

/// The stored search of the account's firms in its form, or 404.
async fn stored_form(app: &Arc<App>, signed: &Signed, firm: String, search_ref: String) -> Result<SearchForm, Page> {
    let scope = signed.caller().scope();
    let record = read(app, signed, move |store| {
        let view = store.view(Moment::Now, None)?.within(scope);
        Ok(view.dossier(firm.trim(), search_ref.trim())?.map(|case| service::by_hand::search_record(&case)))
    })
    .await?;
    record.map(|r| SearchForm::stored(&r)).ok_or_else(|| Page::not_found(signed.lang))
}

/// `POST /searches/{firm}/{ref}/edit`: the search's fields and candidates as the form holds them; the firm and
/// reference are the stored search's, whatever was posted.
pub(super) async fn edit_post(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Page> {
    let form = Form::posted(&body, &signed, &WRITERS)?;
    let stored = stored_form(&app, &signed, firm, search_ref).await?;
    let f = SearchForm { firm: stored.firm, search_ref: stored.search_ref, ..SearchForm::posted(&form, &signed) };
    let path = format!("{}/edit", search_href(&f.firm, &f.search_ref));
    act(&app, &signed, form.get("action"), f, &path, true).await
}

/// `POST /searches/{firm}/{ref}/exemption`: record (`action=set`) or remove (`action=remove`) the exemption.
pub(super) async fn exemption_post(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path((firm, search_ref)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Page> {
    let form = Form::posted(&body, &signed, &WRITERS)?;
    let lang = signed.lang;
    let stored = stored_form(&app, &signed, firm, search_ref).await?;
    let back = search_href(&stored.firm, &stored.search_ref);
    if form.get("action") == "remove" {
        let (scope, actor) = (signed.caller().scope(), signed.account.name.clone());
        let (f, r) = (stored.firm.clone(), stored.search_ref.clone());
        app.with_store(true, move |store| {
            let command = "web POST /searches/{firm}/{search_ref}/exemption";
            Ok(service::by_hand::remove_exemption(store, &scope, &f, &r, &actor, command)?)
        })
        .await
        .map_err(|p| Page::failed(lang, p))?;
        return Ok(see_other(&back));
    }
    let exemption = json!({"firm": stored.firm, "search_ref": stored.search_ref, "reason": form.get("reason"),
                           "note": form.get("note")});
    let bytes = serde_json::to_vec(&json!({"exemptions": [exemption]})).unwrap_or_default();
    let files = vec![Input { name: "form.json".into(), bytes }];
    let command = "web POST /searches/{firm}/{search_ref}/exemption".to_string();
    match run_import(&app, &signed.caller(), files, Encoding::Utf8, Upload::default(), command).await {
        Ok(_) => Ok(see_other(&back)),
        Err(problem) if problem.errors.is_some() => {
            let body = html! { (errors(lang, problem.errors.as_ref())) p { a href=(back) { (stored.search_ref) } } };
            let page = page(&signed, lang.t(K::Exemption), Nav::Searches, body);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_response(page)).into_response())
        }
        Err(problem) => Err(Page::failed(lang, problem)),
    }
}

/// The upload form.
fn upload_form(signed: &Signed, result: Markup) -> Markup {
    let lang = signed.lang;
    html! {
        h1 { (lang.t(K::Upload)) }
        p.lead { (lang.t(K::UploadLead)) }
        (result)
        form method="post" action="/upload" enctype="multipart/form-data" {
            (csrf(signed))
            div.panel {
                label for="files" { (lang.t(K::Files)) }
                input id="files" name="files" type="file" multiple required accept=".csv,.json,text/csv,application/json";
                p {
                    input id="dry_run" name="dry_run" type="checkbox" value="1";
                    " "
                    label.inline for="dry_run" { (lang.t(K::DryRun)) }
                }
                div.actions { button type="submit" { (lang.t(K::Import)) } }
            }
        }
    }
}

/// `GET /upload`.
pub(super) async fn upload_page(signed: Signed) -> Result<Response, Page> {
    signed.require(&WRITERS)?;
    let body = upload_form(&signed, html! {});
    Ok(page_response(page(&signed, signed.lang.t(K::Upload), Nav::Upload, body)))
}

/// `POST /upload`: the files imported as the account (a recruiter's only for their firm), or with the dry run,
/// what would change; errors by file, line and column, and nothing saved.
pub(super) async fn upload_post(
    State(app): State<Arc<App>>,
    signed: Signed,
    mut multipart: Multipart,
) -> Result<Response, Page> {
    signed.require(&WRITERS)?;
    let lang = signed.lang;
    let (mut token, mut dry_run, mut files) = (None, false, Vec::new());
    let unreadable = |e: axum::extract::multipart::MultipartError| Page {
        status: crate::server::problem::upload_status(&e),
        lang,
        title: K::ErrorTitle,
        detail: crate::server::problem::upload_detail(&e),
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            CSRF_FIELD => token = Some(field.text().await.map_err(unreadable)?),
            "dry_run" => dry_run = true,
            _ => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                // A browser sends an empty part when no file was chosen.
                if !(name.is_empty() && bytes.is_empty()) {
                    files.push(Input { name, bytes: bytes.to_vec() });
                }
            }
        }
    }
    check_token(token.as_deref(), &signed.csrf, &signed)?;
    if files.is_empty() {
        return Ok(page_response(page(&signed, lang.t(K::Upload), Nav::Upload, upload_form(&signed, html! {}))));
    }
    let command = format!("web POST /upload{}", if dry_run { "?dry_run=true" } else { "" });
    let how = Upload { dry_run, ..Upload::default() };
    let (status, result) = match run_import(&app, &signed.caller(), files, Encoding::Utf8, how, command).await {
        Ok(outcome) => (StatusCode::OK, imported(lang, &outcome, dry_run)),
        Err(problem) if problem.errors.is_some() => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors(lang, problem.errors.as_ref()))
        }
        Err(problem) => return Err(Page::failed(lang, problem)),
    };
    let body = upload_form(&signed, result);
    Ok((status, page_response(page(&signed, lang.t(K::Upload), Nav::Upload, body))).into_response())
}

/// An import's summary, and with the dry run what would change, search by search.
fn imported(lang: Lang, outcome: &ImportOutcome, dry_run: bool) -> Markup {
    let verdict = |v: Option<Verdict>| html! { @if let Some(v) = v { (badge(lang, v)) } @else { "–" } };
    let diff_columns = [
        Column::text(lang.t(K::SearchRef)),
        Column::text(lang.t(K::What)),
        Column::text(lang.t(K::Candidates)),
        Column::text(lang.t(K::Verdict)),
    ];
    html! {
        section.notice.good.summary role="status" {
            h2 { (lang.t(K::Summary)) }
            p { (outcome.summary()) }
            @if dry_run {
                p { strong { (lang.t(K::NothingSaved)) } }
                h3 { (lang.t(K::WouldChange)) }
                @if outcome.diff.is_empty() {
                    p.empty { (lang.t(K::NoneHere)) }
                } @else {
                    (stacked_table(Some("diff"), &diff_columns, &outcome.diff, |d| vec![
                        html! { (d.firm) " / " (d.search_ref) },
                        html! { @if d.new { (lang.t(K::NewSearch)) } @else { (d.columns.join(", ")) } },
                        html! { "+" (d.added.len()) " −" (d.removed.len()) " ~" (d.changed.len()) },
                        html! { (verdict(d.verdict_before)) " → " (verdict(d.verdict_after)) },
                    ]))
                }
            }
        }
    }
}
