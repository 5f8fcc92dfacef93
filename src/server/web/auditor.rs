//! The auditors' pages (an admin's too): every firm's rate, a firm, a quarter with its pack, the clients, what-if
//! under another policy, and the state of the evidence.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::form::{check_token, CSRF_FIELD};
use super::layout::{self, badge, change, csrf, page, rate, search_href, segment, stacked_table, Column, Nav};
use super::recruiter::rates;
use super::text::{Lang, K};
use super::{html as page_response, read, read_view, App, Page, Signed};
use crate::model::{Quarter, Verdict};
use crate::report::{self, Filter, Ledger};
use crate::service::{self, reports};
use crate::store::{Moment, Role, Scope};

/// The roles that see every firm.
const READERS: [Role; 2] = [Role::Auditor, Role::Admin];

/// How the overview is sorted.
#[derive(Debug, Default, Deserialize)]
pub(super) struct OverviewQuery {
    /// `firm` (default), `rate`, `rolling` or `change`.
    sort: Option<String>,
    /// `asc` (default for firm) or `desc`.
    dir: Option<String>,
}

/// `GET /firms`.
pub(super) async fn overview(
    State(app): State<Arc<App>>,
    signed: Signed,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, Page> {
    overview_of(app, signed, q).await
}

/// One firm's line of the overview.
struct FirmLine {
    firm: String,
    name: String,
    searches: u64,
    rate: Option<u32>,
    quarter_rate: Option<u32>,
    rolling: Option<u32>,
    change: Option<i64>,
}

/// Every firm's rate over all its searches, its rate and rolling rate in the latest quarter, and the change of the
/// rolling rate since the quarter before; sortable by each through links.
pub(super) async fn overview_of(app: Arc<App>, signed: Signed, q: OverviewQuery) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let (firms, ledger) = read_view(&app, &signed, move |view| {
        Ok((view.firms()?, Ledger::of_counts(view.verdict_counts()?, &Filter::default())))
    })
    .await?;
    let latest = ledger.quarters().filter_map(|q| Quarter::parse(q).ok()).max();
    let mut lines: Vec<FirmLine> = firms
        .iter()
        .map(|f| {
            let total = ledger.total(&f.firm);
            let (quarter_rate, rolling, change) = match latest {
                Some(at) => {
                    let rolling = ledger.rolling(Some(&f.firm), at).rate();
                    let before = ledger.rolling(Some(&f.firm), report::previous_quarter(at)).rate();
                    (ledger.counts(Some(&f.firm), &at.to_string()).rate(), rolling, report::change(before, rolling))
                }
                None => (None, None, None),
            };
            FirmLine {
                firm: f.firm.clone(),
                name: f.name.clone().unwrap_or_default(),
                searches: total.searches,
                rate: total.rate(),
                quarter_rate,
                rolling,
                change,
            }
        })
        .collect();
    let sort = q.sort.as_deref().unwrap_or("firm");
    let descending = q.dir.as_deref() == Some("desc");
    match sort {
        "rate" => lines.sort_by_key(|l| l.rate),
        "rolling" => lines.sort_by_key(|l| l.rolling),
        "change" => lines.sort_by_key(|l| l.change),
        "searches" => lines.sort_by_key(|l| l.searches),
        _ => lines.sort_by(|a, b| a.firm.cmp(&b.firm)),
    }
    if descending {
        lines.reverse();
    }
    // A column's link sorts by it, the other way round when it is the column sorted by.
    let sort_link = |column: &str| {
        let dir = if column == sort && !descending { "desc" } else { "asc" };
        format!("/firms?sort={column}&dir={dir}")
    };
    let marker = |column: &str| match (column == sort, descending) {
        (true, false) => " ▲",
        (true, true) => " ▼",
        _ => "",
    };
    let aria = |column: &str| match (column == sort, descending) {
        (true, false) => "ascending",
        (true, true) => "descending",
        _ => "none",
    };
    let latest_text = latest.map(|q| q.to_string()).unwrap_or_else(|| "–".into());
    let mut quarters: Vec<String> = ledger.quarters().map(str::to_string).collect();
    quarters.sort();
    quarters.dedup();
    quarters.reverse();
    let columns: [(&str, String); 5] = [
        ("firm", lang.t(K::Firm).to_string()),
        ("searches", lang.t(K::Searches).to_string()),
        ("rate", format!("{} ({})", lang.t(K::Rate), lang.t(K::Total).to_lowercase())),
        ("rolling", format!("{} {}", lang.t(K::Rolling), latest_text)),
        ("change", lang.t(K::ChangeInRate).to_string()),
    ];
    let body = html! {
        h1 { (lang.t(K::Overview)) }
        section {
            h2 { (lang.t(K::Firms)) }
            div.scroll {
                table.stack.overview {
                    thead { tr {
                        @for (key, label) in &columns {
                            th scope="col" aria-sort=(aria(key)) class=[(key != &"firm").then_some("num")] {
                                a href=(sort_link(key)) { (label) (marker(key)) }
                            }
                        }
                        th.num scope="col" { (lang.t(K::Rate)) " " (latest_text) }
                    } }
                    tbody {
                        @for l in &lines {
                            tr data-firm=(l.firm) {
                                td data-label=(lang.t(K::Firm)) {
                                    a href={ "/firms/" (segment(&l.firm)) } { (l.firm) }
                                    @if !l.name.is_empty() { " " span.sub { (l.name) } }
                                }
                                td.num data-label=(lang.t(K::Searches)) { (l.searches) }
                                td.num.rate data-label=(lang.t(K::Rate)) { (rate(l.rate)) }
                                td.num data-label=(lang.t(K::Rolling)) { (rate(l.rolling)) }
                                td.num data-label=(lang.t(K::ChangeInRate)) { (change(l.change)) }
                                td.num data-label=(latest_text) { (rate(l.quarter_rate)) }
                            }
                        }
                    }
                }
            }
        }
        (rates(lang, &ledger, None))
        section {
            h2 { (lang.t(K::QuarterPack)) }
            ul.plain { @for qu in &quarters { li { a href={ "/quarters/" (qu) } { (qu) } } } }
        }
        p.lead { (lang.t(K::AdminNote)) }
    };
    Ok(page_response(page(&signed, lang.t(K::Overview), Nav::Home, body)))
}

/// `GET /firms/{firm}`: a firm's rate per quarter, and its failing searches.
pub(super) async fn firm_page(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path(firm): Path<String>,
) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let scope = signed.caller().scope();
    let f = firm.trim().to_string();
    let found = read(&app, &signed, move |store| {
        let view = store.view(Moment::Now, None)?.within(scope);
        let Some(name) = view.firms()?.into_iter().find(|n| n.firm == f) else { return Ok(None) };
        let filter = Filter { firm: Some(f.clone()), ..Filter::default() };
        // Counted within the firm, through its index, rather than over every firm's searches and then filtered.
        let counts = store.view(Moment::Now, None)?.within(Scope::Firm(f.clone())).verdict_counts()?;
        let ledger = Ledger::of_counts(counts, &filter);
        let mut failing =
            view.page_of_verdicts(Some(&f), None, &[Verdict::NonCompliant, Verdict::Incomplete], 0, 20)?;
        service::explain::reword(&mut failing.1, lang);
        Ok(Some((name, ledger, failing)))
    })
    .await?;
    let Some((name, ledger, failing)) = found else { return Err(Page::not_found(lang)) };
    let body = html! {
        h1 { (name.firm) @if let Some(n) = &name.name { " · " (n) } }
        p { a href={ "/searches?firm=" (segment(&name.firm)) } { (lang.t(K::Searches)) } }
        (rates(lang, &ledger, Some(&name.firm)))
        section {
            h2 { (lang.t(K::FailingSearches)) " (" (failing.0) ")" }
            ul.plain {
                @for r in &failing.1 {
                    li { a href=(search_href(&r.firm, &r.search_ref)) { (r.search_ref) } " " (badge(lang, r.verdict)) " " (r.reason) }
                }
            }
        }
    };
    Ok(page_response(page(&signed, &name.firm, Nav::Home, body)))
}

/// A quarter from a path, or 404.
fn quarter_of(lang: Lang, raw: &str) -> Result<Quarter, Page> {
    Quarter::parse(raw).map_err(|_| Page::not_found(lang))
}

/// How many of a quarter's failing searches its page lists.
const QUARTER_FAILING: usize = 100;

/// `GET /quarters/{quarter}`: each firm's counts and rate in the quarter (`report quarters`), the failing searches,
/// and the pack to download. The page reads stored totals; the pack, which reads every search, is built only when
/// it is downloaded.
pub(super) async fn quarter_page(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let quarter = quarter_of(lang, &raw)?;
    let (firms, failing) = read_view(&app, &signed, move |view| {
        let filter = Filter { quarter: Some(quarter.to_string()), ..Filter::default() };
        let ledger = Ledger::of_counts(view.verdict_counts()?, &filter);
        let firms = report::quarters_of(&view.firms()?, &ledger, &filter);
        let failing = [Verdict::NonCompliant, Verdict::Incomplete];
        let q = quarter.to_string();
        let mut failing = view.page_of_verdicts(None, Some(&q), &failing, 0, QUARTER_FAILING)?;
        service::explain::reword(&mut failing.1, lang);
        Ok((firms, failing))
    })
    .await?;
    let body = html! {
        h1 { (lang.t(K::QuarterPack)) " " (quarter) }
        p { a.button href={ "/quarters/" (quarter) "/pack" } download { (lang.t(K::DownloadPack)) } }
        section { h2 { (lang.t(K::PerFirm)) } (layout::table(lang, &firms)) }
        section {
            h2 { (lang.t(K::FailingSearches)) " (" (failing.0) ")" }
            @if failing.1.is_empty() { p.empty { (lang.t(K::NoneHere)) } }
            ul.plain {
                @for r in &failing.1 {
                    li {
                        a href=(search_href(&r.firm, &r.search_ref)) { (r.firm) " / " (r.search_ref) }
                        " " (badge(lang, r.verdict)) " " (r.reason)
                    }
                }
            }
        }
    };
    Ok(page_response(page(&signed, &quarter.to_string(), Nav::Home, body)))
}

/// `GET /quarters/{quarter}/pack`: the zip of `GET /api/v1/quarterly/{quarter}`, byte for byte.
pub(super) async fn pack(
    State(app): State<Arc<App>>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let quarter = quarter_of(lang, &raw)?;
    let bytes = read(&app, &signed, move |store| {
        let pack = reports::pack(store, quarter)?;
        super::super::routes::zip_of(&pack, false)
            .map_err(|e| super::Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", e.to_string()))
    })
    .await?;
    let disposition = format!("attachment; filename=\"pledgecheck-{quarter}.zip\"");
    Ok(([(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// `GET /clients`: `report clients`, one row per employer of the registry and per unknown client.
pub(super) async fn clients(State(app): State<Arc<App>>, signed: Signed) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let table =
        read_view(&app, &signed, move |view| Ok(reports::table(view, reports::Which::Clients, &Filter::default())?))
            .await?;
    let body = html! {
        h1 { (lang.t(K::Clients)) }
        (layout::table(lang, &table))
    };
    Ok(page_response(page(&signed, lang.t(K::Clients), Nav::Clients, body)))
}

/// The what-if form.
fn whatif_form(signed: &Signed, result: Markup) -> Markup {
    let lang = signed.lang;
    html! {
        h1 { (lang.t(K::WhatIf)) }
        form method="post" action="/whatif" enctype="multipart/form-data" {
            (csrf(signed))
            div.panel {
                label for="policy" { (lang.t(K::PolicyFile)) }
                input id="policy" name="policy" type="file" required accept=".toml,text/plain";
                div.actions { button type="submit" { (lang.t(K::Compare)) } }
            }
        }
        (result)
    }
}

/// `GET /whatif`.
pub(super) async fn whatif_page(signed: Signed) -> Result<Response, Page> {
    signed.require(&READERS)?;
    Ok(page_response(page(&signed, signed.lang.t(K::WhatIf), Nav::WhatIf, whatif_form(&signed, html! {}))))
}

/// `POST /whatif`: every stored search judged under the uploaded policy, as `whatif`; nothing stored.
pub(super) async fn whatif_post(
    State(app): State<Arc<App>>,
    signed: Signed,
    mut multipart: Multipart,
) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let (mut token, mut policy) = (None, None);
    let unreadable = |e: axum::extract::multipart::MultipartError| Page {
        status: crate::server::problem::upload_status(&e),
        lang,
        title: K::ErrorTitle,
        detail: crate::server::problem::upload_detail(&e),
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            CSRF_FIELD => token = Some(field.text().await.map_err(unreadable)?),
            _ => policy = Some(field.bytes().await.map_err(unreadable)?.to_vec()),
        }
    }
    check_token(token.as_deref(), &signed.csrf, &signed)?;
    let text = String::from_utf8_lossy(&policy.unwrap_or_default()).into_owned();
    let parsed = match crate::policy::Policy::parse(&text) {
        Ok(policy) => policy,
        Err(problems) => {
            let result = html! {
                section.notice.bad role="alert" {
                    h2 { (lang.t(K::Errors)) }
                    ul.plain { @for p in &problems { li { (p.to_string()) } } }
                }
            };
            let page = page(&signed, lang.t(K::WhatIf), Nav::WhatIf, whatif_form(&signed, result));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page_response(page)).into_response());
        }
    };
    let (changes, firms) =
        read(&app, &signed, move |store| Ok(service::whatif::compare(store, &parsed, &Filter::default())?)).await?;
    let result = html! {
        section { h2 { (lang.t(K::WouldChangeVerdict)) " (" (changes.rows.len()) ")" } (layout::table(lang, &changes)) }
        section { h2 { (lang.t(K::RatesBeforeAfter)) } (layout::table(lang, &firms)) }
    };
    Ok(page_response(page(&signed, lang.t(K::WhatIf), Nav::WhatIf, whatif_form(&signed, result))))
}

/// How many of the latest changes the evidence page lists.
const LATEST_CHANGES: usize = 20;

/// Whether the evidence page verifies the chain.
#[derive(Debug, Default, Deserialize)]
pub(super) struct EvidenceQuery {
    /// `1`: recompute the chain and every stored row (`audit verify`; seconds on a large database).
    verify: Option<String>,
}

/// `GET /evidence`: the chain head and the latest changes with who made them; with `verify=1`, the verification of
/// the whole chain too (it reads every row, so it is asked for, not done on every visit).
pub(super) async fn evidence(
    State(app): State<Arc<App>>,
    signed: Signed,
    Query(q): Query<EvidenceQuery>,
) -> Result<Response, Page> {
    signed.require(&READERS)?;
    let lang = signed.lang;
    let verify = q.verify.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
    let (head, entries, verified, imports) = read(&app, &signed, move |store| {
        let verified = match verify {
            true => Some(service::evidence::verify(store, None)?.0),
            false => None,
        };
        let mut imports = store.imports()?;
        let entries = imports.len();
        imports.reverse();
        imports.truncate(LATEST_CHANGES);
        Ok((store.chain_head()?, entries, verified, imports))
    })
    .await?;
    let intact = verified.as_ref().map(|v| v.get("intact").and_then(serde_json::Value::as_bool).unwrap_or(false));
    let columns = [
        Column::text(lang.t(K::When)).cells("nowrap"),
        Column::text(lang.t(K::Who)),
        Column::text(lang.t(K::What)),
        Column::text(lang.t(K::Summary)),
    ];
    let body = html! {
        h1 { (lang.t(K::Evidence)) }
        dl.facts {
            dt { (lang.t(K::ChainHead)) } dd.mono { (head) }
            dt { (lang.t(K::Entries)) } dd { (entries) }
            dt { (lang.t(K::Verification)) }
            dd {
                @match intact {
                    Some(true) => span.verdict.v-compliant { (lang.t(K::Intact)) },
                    Some(false) => span.verdict.v-non-compliant { (lang.t(K::NotIntact)) },
                    None => a.button href="/evidence?verify=1" { (lang.t(K::VerifyNow)) },
                }
            }
        }
        section {
            h2 { (lang.t(K::LastImports)) }
            (stacked_table(None, &columns, &imports, |e| vec![
                html! { (e.at) },
                html! { (e.by) },
                html! { (e.command) @if !e.files.is_empty() { " (" (e.files.join(", ")) ")" } },
                html! { (e.summary) },
            ]))
        }
    };
    Ok(page_response(page(&signed, lang.t(K::Evidence), Nav::Evidence, body)))
}
