//! `report html`: one self-contained HTML file for people: key figures, per-firm compliance rates over the
//! quarters as charts, the failing searches with their reasons, and the outcome funnel.
//!
//! Self-contained means no network and no external assets: the CSS is inline and the charts are inline SVG drawn
//! by [`super::svg`]. Every text from the data is escaped. The page reads on a phone (one column, tables that
//! scroll or stack) and prints (no shadows, no page breaks inside a chart). Pure: data in, a string out, and no
//! clock, so the same database gives the same file.

use std::fmt::Write as _;

use super::svg::{self, escape, percent, RatePoint};
use crate::model::FirmName;
use crate::model::Quarter;
use crate::model::Verdict;
use crate::report::outcomes::{Outcomes, STATE_BASELINE};
use crate::report::overview::{Overview, FAILING_SHOWN};
use crate::report::{self, Cell, Filter, Ledger, Table};

/// Everything the report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Every firm.
    pub firms: &'a [FirmName],
    /// The verdicts summed up: counts, the latest failing searches, what each firm's searches were.
    pub overview: &'a Overview,
    /// Who reached shortlist, interview and hire, for the outcome funnel and the table by client sector.
    pub outcomes: &'a Outcomes,
    /// Facts about the data shown under the title (label, value), such as the policy and the chain head.
    pub facts: &'a [(&'static str, String)],
    /// The state, the regions and the municipalities compared ([`report::clients::by_sector`]).
    pub by_sector: &'a Table,
    /// The employers with the most failing searches ([`report::clients::most_failing`]).
    pub most_failing: &'a Table,
}

/// The report's stylesheet; the web pages of `pledgecheck serve` serve it too, so that both look alike.
pub const CSS: &str = r#"
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f6f7f9; --accent: #0072b2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 1.6rem; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 12px 0 0; font-size: .85rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
nav { margin: 16px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; }
section { margin-top: 32px; }
h2 { font-size: 1.25rem; margin: 0 0 4px; }
h3 { font-size: 1rem; margin: 0 0 2px; }
.lead { color: var(--muted); margin: 0 0 12px; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-top: 20px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card .value { font-size: 1.8rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .note { font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.panel .sub { color: var(--muted); font-size: .8rem; margin: 0 0 6px; }
svg.chart { display: block; width: 100%; height: auto; }
svg.compact { display: none; }
.outcomes { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 8px 0 0; padding: 0; list-style: none; font-size: .85rem; }
.legend li::before { content: ""; display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  margin-right: 6px; vertical-align: -1px; background: var(--swatch); }
.key { font-size: .8rem; color: var(--muted); margin: 6px 0 0; }
.key .bar { display: inline-block; width: 12px; height: 10px; background: var(--accent); vertical-align: 0; }
.key .dash { display: inline-block; width: 16px; border-top: 2px dashed #d55e00; vertical-align: 3px; }
.key .light { display: inline-block; width: 12px; height: 10px; background: #9ecae1; vertical-align: 0; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { width: 100%; border-collapse: collapse; background: var(--panel); font-size: .88rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #f9fafb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.verdict { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.v-compliant { background: #dcfce7; color: #14532d; }
.v-non-compliant { background: #fee2e2; color: #7f1d1d; }
.v-incomplete { background: #fef3c7; color: #78350f; }
.v-exempt { background: #cffafe; color: #164e63; }
.v-pending { background: #dbeafe; color: #1e3a8a; }
.v-not-applicable { background: #f3f4f6; color: #374151; }
.empty { color: var(--muted); font-style: italic; }
ul.plain { margin: 0; padding-left: 18px; font-size: .9rem; }
footer { margin-top: 40px; color: var(--muted); font-size: .8rem; }
@media (max-width: 640px) {
  main { padding: 16px 12px 32px; }
  header h1 { font-size: 1.3rem; }
  .card .value { font-size: 1.5rem; }
  .grid { grid-template-columns: 1fr; }
  svg.wide { display: none; }
  svg.compact { display: block; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 6px 8px; background: var(--panel); }
  table.stack td { border: 0; padding: 2px 0; }
  table.stack td::before { content: attr(data-label); display: inline-block; min-width: 6.5em; color: var(--muted); font-size: .8rem; }
}
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  .card, .panel { border-color: #bbb; break-inside: avoid; }
  section { break-inside: auto; }
  h2, h3 { break-after: avoid; }
  tr, svg.chart { break-inside: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  th, td { padding: 3px 4px; }
  .lead { break-after: avoid; }
  th { background: #eee; }
  .verdict { border: 1px solid #999; font-size: 7pt; }
}
"#;

/// The quarters from the earliest to the latest that has searches, without gaps.
fn quarter_span(ledger: &Ledger) -> Vec<Quarter> {
    let known: Vec<Quarter> = ledger.quarters().filter_map(|q| Quarter::parse(q).ok()).collect();
    let (Some(first), Some(last)) = (known.iter().min().copied(), known.iter().max().copied()) else {
        return Vec::new();
    };
    let mut span = vec![first];
    let mut q = first;
    while q < last {
        q = if q.number == 4 { Quarter { year: q.year + 1, number: 1 } } else { Quarter { number: q.number + 1, ..q } };
        span.push(q);
    }
    span
}

/// Each quarter's rate and rolling rate of one firm (or of all firms), from the ledger's first quarter with
/// searches to its last, for [`svg::rate_bars`].
pub fn rate_points(ledger: &Ledger, firm: Option<&str>) -> Vec<RatePoint> {
    points(ledger, firm, &quarter_span(ledger))
}

fn rated(c: &report::Counts) -> u64 {
    c.compliant + c.non_compliant + c.incomplete
}

fn points(ledger: &Ledger, firm: Option<&str>, span: &[Quarter]) -> Vec<RatePoint> {
    span.iter()
        .map(|q| {
            let c = ledger.counts(firm, &q.to_string());
            RatePoint {
                quarter: q.to_string(),
                compliant: c.compliant,
                rated: rated(&c),
                rate: c.rate(),
                rolling: ledger.rolling(firm, *q).rate(),
            }
        })
        .collect()
}

/// A verdict as a badge, coloured by the page's CSS for its class.
fn verdict_badge(verdict: Verdict) -> String {
    let word = escape(verdict.as_str());
    format!(r#"<span class="verdict v-{word}">{word}</span>"#)
}

/// Columns of identifiers and short words, which read badly broken at their hyphens.
const NOWRAP: [&str; 4] = ["quarter", "firm", "search_ref", "client_sector"];

/// A report table as HTML: numbers right-aligned (rates and changes with 4 decimals, as in CSV), verdicts as
/// badges, dates and identifiers unbroken. With `class` `stack`, each row stacks on a phone, its cells labelled
/// with their column names.
fn html_table(table: &Table, class: &str) -> String {
    let mut out = format!(r#"<div class="scroll"><table class="{class}"><thead><tr>"#);
    let numeric: Vec<bool> = (0..table.columns.len())
        .map(|i| table.rows.iter().any(|r| matches!(r[i], Cell::Count(_) | Cell::Rate(_) | Cell::Change(_))))
        .collect();
    for (column, numeric) in table.columns.iter().zip(&numeric) {
        let class = if *numeric { r#" class="num""# } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(&column.replace('_', " ")));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for (cell, column) in row.iter().zip(&table.columns) {
            let label = escape(&column.replace('_', " "));
            let (class, content) = match cell {
                Cell::Verdict(verdict) => ("", verdict_badge(*verdict)),
                Cell::Text(t) if column.ends_with("_on") || NOWRAP.contains(column) => (" class=\"nowrap\"", escape(t)),
                Cell::Text(t) => ("", escape(t)),
                Cell::Count(n) => (" class=\"num\"", n.to_string()),
                Cell::Rate(Some(r)) => (" class=\"num\"", report::format_rate(*r, '.')),
                Cell::Change(Some(c)) => (" class=\"num\"", report::format_change(*c, '.')),
                Cell::Rate(None) | Cell::Change(None) => (" class=\"num\"", String::new()),
                Cell::Empty => ("", String::new()),
            };
            let _ = write!(out, r#"<td{class} data-label="{label}">{content}</td>"#);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The whole HTML document.
pub fn document(input: &Input) -> String {
    let ledger = &input.overview.ledger;
    let span = quarter_span(ledger);
    let all = input.overview.all();
    let funnel = input.outcomes.total(&Filter::default());

    let mut html = String::with_capacity(64 * 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<meta name=\"generator\" content=\"pledgecheck\">\n");
    html.push_str("<title>Mobility pledge compliance report</title>\n<style>");
    html.push_str(CSS);
    html.push_str("</style>\n</head>\n<body>\n<main>\n");

    // Title and facts.
    let period = match (span.first(), span.last()) {
        (Some(a), Some(b)) if a == b => format!(", {a}"),
        (Some(a), Some(b)) => format!(", {a} to {b}"),
        _ => String::new(),
    };
    let _ = write!(
        html,
        "<header><h1>Mobility pledge compliance</h1><p>{} searches of {} firms{}.</p>",
        all.searches,
        input.overview.firms_with_searches(),
        escape(&period)
    );
    if !input.facts.is_empty() {
        html.push_str("<dl class=\"facts\">");
        for (label, value) in input.facts {
            let _ = write!(html, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
        }
        html.push_str("</dl>");
    }
    html.push_str(
        "<nav><a href=\"#rates\">Rates by quarter</a><a href=\"#failing\">Failing searches</a>\
         <a href=\"#employers\">Employers</a><a href=\"#outcomes\">Outcomes</a><a href=\"#firms\">Per firm</a></nav>\
         </header>\n",
    );

    // Key figures: every percentage computed from its counts and shown with them.
    html.push_str("<div class=\"cards\">");
    card(&mut html, "Compliance rate, all quarters", all.compliant, rated(&all), "rated searches");
    if let Some(last) = span.last() {
        let now = ledger.counts(None, &last.to_string());
        let previous = report::previous_quarter(*last);
        let before = ledger.counts(None, &previous.to_string());
        let mut note = format!("{} of {} rated searches", now.compliant, rated(&now));
        if rated(&now) < svg::FEW {
            note.push_str("; few searches, read with care");
        } else if rated(&before) >= svg::FEW {
            let change =
                tenths_of_percent(now.compliant, rated(&now)) - tenths_of_percent(before.compliant, rated(&before));
            let _ = write!(note, "; {} points from {previous}", signed_tenths(change));
        }
        card_note(&mut html, &format!("Compliance rate, {last}"), now.compliant, rated(&now), &note);
    }
    let _ = write!(
        html,
        "<div class=\"card\"><div class=\"label\">Failing searches</div><div class=\"value\">{}</div>\
         <div class=\"note\">{} non-compliant, {} incomplete</div></div>",
        input.overview.failing_total, all.non_compliant, all.incomplete
    );
    card(&mut html, "Hires that are cross-sector", funnel.hired_cross_sector, funnel.hired, "hires");
    html.push_str("</div>\n");

    rates_section(&mut html, input, ledger, &span);
    failing_section(&mut html, input.overview);
    employers_section(&mut html, input);
    outcomes_section(&mut html, input.outcomes);

    // Per firm.
    html.push_str(
        "<section id=\"firms\"><h2>Per firm</h2><p class=\"lead\">All quarters. The compliance rate is compliant / \
         (compliant + non-compliant + incomplete); exempt, pending and not-applicable searches are counted but not \
         rated.</p>",
    );
    html.push_str(&html_table(&report::firms_of(input.firms, ledger, &Filter::default()), ""));
    html.push_str("</section>\n");

    let _ = writeln!(
        html,
        "<footer>Made by pledgecheck {} from the verdicts stored in the database. Rates are rounded half-up; \
         the tables show them with 4 decimals; percentages are computed from the counts.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// A share in tenths of a percent, half-up, from its counts.
fn tenths_of_percent(part: u64, whole: u64) -> i64 {
    if whole == 0 {
        0
    } else {
        ((part * 2000 + whole) / (2 * whole)) as i64
    }
}

/// A change in percentage points from tenths of a percent: `+4.5`, `−62.0`, `±0.0`.
fn signed_tenths(change: i64) -> String {
    let sign = match change.signum() {
        1 => "+",
        -1 => "−",
        _ => "±",
    };
    format!("{sign}{}.{}", change.abs() / 10, change.abs() % 10)
}

/// A key figure: `part` of `whole` as a percentage, and the counts under it.
fn card(html: &mut String, label: &str, part: u64, whole: u64, what: &str) {
    card_note(html, label, part, whole, &format!("{part} of {whole} {what}"));
}

fn card_note(html: &mut String, label: &str, part: u64, whole: u64, note: &str) {
    let value = svg::percent_of(part, whole, true).unwrap_or_else(|| "–".to_string());
    let _ = write!(
        html,
        "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
        escape(label),
        escape(&value),
        escape(note)
    );
}

fn rates_section(html: &mut String, input: &Input, ledger: &Ledger, span: &[Quarter]) {
    html.push_str(
        "<section id=\"rates\"><h2>Compliance rates by quarter</h2><p class=\"lead\">Each search counts in the \
         quarter of its shortlist (or of its opening, before the shortlist).</p>",
    );
    if span.is_empty() {
        html.push_str("<p class=\"empty\">No searches yet.</p></section>\n");
        return;
    }
    // Axes start at the first quarter with a rated search: years of pending or out-of-scope searches before it
    // would only stretch the charts.
    let first_rated = span.iter().position(|q| rated(&ledger.counts(None, &q.to_string())) > 0).unwrap_or(0);
    let span = &span[first_rated..];
    let quarters: Vec<String> = span.iter().map(|q| q.to_string()).collect();
    let labels: Vec<&str> = quarters.iter().map(String::as_str).collect();
    let charted: Vec<&FirmName> = input
        .firms
        .iter()
        .filter(|f| span.iter().any(|q| ledger.counts(Some(&f.firm), &q.to_string()).rate().is_some()))
        .collect();
    if !charted.is_empty() {
        let mut series: Vec<(&str, Vec<Option<u32>>)> = charted
            .iter()
            .map(|f| {
                (f.firm.as_str(), span.iter().map(|q| ledger.counts(Some(&f.firm), &q.to_string()).rate()).collect())
            })
            .collect();
        let highlight = series.len() > svg::PALETTE.len();
        if highlight {
            series.push(("all firms", span.iter().map(|q| ledger.counts(None, &q.to_string()).rate()).collect()));
        }
        html.push_str("<div class=\"panel\"><h3>All firms</h3><p class=\"sub\">Compliance rate per quarter</p>");
        // Drawn twice: for wide screens and print, and for a phone's width; CSS shows one.
        let title = "Compliance rate per quarter, all firms";
        html.push_str(&svg::rate_lines(title, &labels, &series, false));
        html.push_str(&svg::rate_lines(title, &labels, &series, true));
        html.push_str("<ul class=\"legend\">");
        if highlight {
            let _ = write!(
                html,
                "<li style=\"--swatch: {}\">all firms together</li><li style=\"--swatch: #c7cbd1\">each of the {} \
                 firms (their own charts follow)</li>",
                svg::PALETTE[0],
                charted.len()
            );
        } else {
            for (i, f) in charted.iter().enumerate() {
                let _ = write!(html, "<li style=\"--swatch: {}\">{}</li>", svg::PALETTE[i], escape(&display_name(f)));
            }
        }
        html.push_str("</ul></div>");
    }
    html.push_str(
        "<p class=\"key\"><span class=\"bar\"></span> the quarter's rate (its label; under it compliant/rated) \
         &nbsp; <span class=\"light\"></span> fewer than 5 rated searches: read with care &nbsp; \
         <span class=\"dash\"></span> the rate over the four quarters ending with it</p><div class=\"grid\">",
    );
    let mut not_charted = Vec::new();
    for firm in input.firms {
        let total = span.iter().fold(report::Counts::default(), |mut acc, q| {
            acc += ledger.counts(Some(&firm.firm), &q.to_string());
            acc
        });
        if rated(&total) == 0 {
            not_charted.push((firm, input.overview.unrated_why(&firm.firm)));
            continue;
        }
        let _ = write!(html, "<div class=\"panel\"><h3>{}</h3>", escape(&display_name(firm)));
        let _ = write!(
            html,
            "<p class=\"sub\">{}: {} of {} rated searches compliant ({})</p>",
            escape(&firm.firm),
            total.compliant,
            rated(&total),
            svg::percent_of(total.compliant, rated(&total), true).unwrap_or_default()
        );
        // The firm's axis starts at its own first rated quarter.
        let from = span.iter().position(|q| rated(&ledger.counts(Some(&firm.firm), &q.to_string())) > 0).unwrap_or(0);
        html.push_str(&svg::rate_bars(
            &format!("Compliance rate per quarter, {}", display_name(firm)),
            &points(ledger, Some(&firm.firm), &span[from..]),
        ));
        html.push_str("</div>");
    }
    html.push_str("</div>");
    if !not_charted.is_empty() {
        html.push_str("<p class=\"lead\">Not charted (no rated searches):</p><ul class=\"plain\">");
        for (firm, why) in not_charted {
            let _ = write!(html, "<li><strong>{}</strong>: {}</li>", escape(&display_name(firm)), escape(&why));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>\n");
}

fn display_name(firm: &FirmName) -> String {
    firm.name.clone().unwrap_or_else(|| firm.firm.clone())
}

fn failing_section(html: &mut String, overview: &Overview) {
    let total = overview.failing_total;
    let _ = write!(
        html,
        "<section id=\"failing\"><h2>Failing searches ({total})</h2><p class=\"lead\">Non-compliant and incomplete \
         searches, latest quarter first, with the reason for each verdict.</p>",
    );
    if total == 0 {
        html.push_str("<p class=\"empty\">No non-compliant or incomplete searches.</p></section>\n");
        return;
    }
    if total > FAILING_SHOWN as u64 {
        let _ = write!(
            html,
            "<p class=\"lead\">The latest {FAILING_SHOWN} of {total} are listed; all of them: <code>pledgecheck report \
             searches --format csv</code> (or <code>pledgecheck check --format json</code>).</p>",
        );
    }
    let table = Table {
        columns: vec!["quarter", "firm", "search_ref", "verdict", "client", "client_sector", "reason"],
        rows: overview
            .latest_failing()
            .map(|r| {
                vec![
                    Cell::text(&r.quarter),
                    Cell::text(&r.firm),
                    Cell::text(&r.search_ref),
                    Cell::Verdict(r.verdict),
                    Cell::text(&r.client),
                    Cell::text(&r.client_sector),
                    Cell::text(&r.reason),
                ]
            })
            .collect(),
    };
    html.push_str(&html_table(&table, "stack"));
    html.push_str("</section>\n");
}

fn employers_section(html: &mut String, input: &Input) {
    html.push_str(
        "<section id=\"employers\"><h2>Employers: the state, the regions and the municipalities</h2>\
         <p class=\"lead\">All quarters, by the client's sector (each of the pledge's three bodies looks at its own \
         employers). Clients are matched to the registry of public employers.</p>",
    );
    html.push_str(&html_table(input.by_sector, ""));
    if input.most_failing.rows.is_empty() {
        html.push_str("<p>No employer has a failing search.</p>");
    } else {
        html.push_str("<h3>The employers with the most failing searches</h3>");
        html.push_str(&html_table(input.most_failing, "stack"));
    }
    html.push_str("</section>\n");
}

fn outcomes_section(html: &mut String, outcomes: &Outcomes) {
    let all = outcomes.total(&Filter::default());
    html.push_str(
        "<section id=\"outcomes\"><h2>Outcomes: who gets further than the shortlist</h2><p class=\"lead\">\
         Candidates of in-scope searches whose shortlist has gone out, by the furthest stage they reached; \
         cross-sector as the policy version that applied to each search judges it.</p>",
    );
    if all.searches == 0 {
        html.push_str("<p class=\"empty\">No in-scope searches with a shortlist yet.</p></section>\n");
        return;
    }
    let stages = [
        svg::Stage { label: "Shortlisted".into(), all: all.shortlisted, cross_sector: all.shortlisted_cross_sector },
        svg::Stage { label: "Interviewed".into(), all: all.interviewed, cross_sector: all.interviewed_cross_sector },
        svg::Stage { label: "Hired".into(), all: all.hired, cross_sector: all.hired_cross_sector },
    ];
    let _ = write!(
        html,
        "<div class=\"outcomes\"><div class=\"panel\"><h3>Funnel, all firms</h3><p class=\"sub\">Candidates of {} \
         searches by the furthest stage reached</p>",
        all.searches
    );
    html.push_str(&svg::funnel("Candidates by stage reached, all and cross-sector", &stages));
    html.push_str(
        "<p class=\"key\"><span class=\"bar\"></span> cross-sector &nbsp; <span class=\"light\"></span> \
         all candidates</p></div>",
    );

    let state = outcomes.by_sector(&Filter::default()).get("state").copied().unwrap_or_default();
    let baseline = report::rate(STATE_BASELINE.0, STATE_BASELINE.1);
    html.push_str(
        "<div class=\"panel\"><h3>State clients: hires from another public sub-sector</h3><p class=\"sub\">Hires \
         whose current sector is region or municipality, or with the policy&#39;s minimum years there</p>",
    );
    let share = state.hired_other_public_share();
    let ours = match share {
        Some(_) => format!(
            "{} of {} hires ({})",
            state.hired_other_public,
            state.hired,
            svg::percent_of(state.hired_other_public, state.hired, true).unwrap_or_default()
        ),
        None => "no hires yet".to_string(),
    };
    let national = format!("about 1 in 14 ({})", baseline.map_or_else(String::new, |b| percent(b, true)));
    html.push_str(&svg::share_bars(
        "Share of state hires from another public sub-sector, against the national baseline",
        &[("These searches", share, ours), ("National baseline", baseline, national)],
    ));
    html.push_str(
        "<p class=\"key\">About 1 in 14 executives hired by the state comes with experience from a region or a \
         municipality (VIVE, 2022).</p></div></div>",
    );
    let mut by_sector = Table {
        columns: vec![
            "client_sector",
            "searches",
            "shortlisted",
            "cross-sector",
            "interviewed",
            "cross-sector ",
            "hired",
            "cross-sector  ",
            "share of hires cross-sector",
        ],
        rows: Vec::new(),
    };
    for (sector, f) in outcomes.by_sector(&Filter::default()) {
        let mut row = vec![Cell::text(sector)];
        row.extend(f.cells());
        by_sector.rows.push(row);
    }
    html.push_str("<h3 style=\"margin-top:16px\">By client sector</h3>");
    html.push_str(&html_table(&by_sector, ""));
    html.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SearchVerdict;

    fn row(firm: &str, search_ref: &str, quarter: &str, verdict: Verdict, reason: &str) -> SearchVerdict {
        SearchVerdict {
            client: "<Client & Co>".into(),
            reason: reason.into(),
            ..crate::report::test_row(firm, search_ref, quarter, verdict)
        }
    }

    #[test]
    fn escapes_data_and_draws_charts() {
        let firms = [FirmName { firm: "a".into(), name: Some("<script>alert(1)</script>".into()) }];
        let verdicts = [
            row("a", "1", "2025-Q4", Verdict::Compliant, ""),
            row("a", "2", "2026-Q2", Verdict::NonCompliant, "no \"one\" <b>"),
        ];
        let outcomes = Outcomes::default();
        let by_sector = crate::report::clients::by_sector(&verdicts);
        let most_failing = Table { columns: vec!["client"], rows: vec![vec![Cell::text("<Employer>")]] };
        let html = document(&Input {
            firms: &firms,
            overview: &Overview::of_rows(&verdicts),
            outcomes: &outcomes,
            facts: &[],
            by_sector: &by_sector,
            most_failing: &most_failing,
        });
        assert!(html.contains("id=\"employers\"") && html.contains("&lt;Employer&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("no &quot;one&quot; &lt;b&gt;"));
        assert!(html.contains("&lt;Client &amp; Co&gt;"));
        assert!(html.matches("<svg").count() >= 2);
        // The span fills the gap: 2025-Q4, 2026-Q1, 2026-Q2.
        assert!(html.contains(">Q1<"));
    }

    #[test]
    fn at_scale_colours_never_repeat_the_failing_list_is_cut_and_percentages_come_from_counts() {
        let quarters: Vec<String> = (0..20).map(|i| format!("{}-Q{}", 2022 + i / 4, i % 4 + 1)).collect();
        let firms: Vec<FirmName> = (0..20).map(|i| FirmName { firm: format!("f{i:02}"), name: None }).collect();
        let mut verdicts = Vec::new();
        for f in &firms {
            for (k, q) in quarters.iter().enumerate() {
                let verdict = if k % 3 == 0 { Verdict::NonCompliant } else { Verdict::Compliant };
                verdicts.push(row(&f.firm, &format!("{q}-{k}"), q, verdict, "why"));
            }
        }
        // One firm with 6 of 11 compliant in a quarter of its own: 54.5%, not the 54.6% of the rounded rate.
        let firms = [firms, vec![FirmName { firm: "z".into(), name: None }]].concat();
        for k in 0..11 {
            let verdict = if k < 6 { Verdict::Compliant } else { Verdict::NonCompliant };
            verdicts.push(row("z", &format!("z{k:02}"), "2026-Q4", verdict, "why"));
        }
        verdicts.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
        let outcomes = Outcomes::default();
        let by_sector = crate::report::clients::by_sector(&verdicts);
        let most_failing = Table { columns: vec!["client"], rows: Vec::new() };
        let html = document(&Input {
            firms: &firms,
            overview: &Overview::of_rows(&verdicts),
            outcomes: &outcomes,
            facts: &[],
            by_sector: &by_sector,
            most_failing: &most_failing,
        });
        assert!(html.contains("6 of 11 rated searches compliant (54.5%)"), "percentages from the counts");
        assert!(html.contains("The latest 100 of "), "the failing list is cut");
        assert_eq!(html.matches("v-non-compliant\">").count(), 100);
        // (#d55e00 is also the rolling rate's dashed line in each firm's chart.)
        for colour in svg::PALETTE[1..].iter().filter(|c| **c != "#d55e00") {
            assert!(!html.contains(&format!("stroke=\"{colour}\"")), "{colour}: with 21 firms, no firm gets a colour");
        }
        assert!(html.contains("all firms together"));
    }

    #[test]
    fn signed_tenths_read_as_percentage_points() {
        assert_eq!(signed_tenths(250), "+25.0");
        assert_eq!(signed_tenths(-6), "−0.6");
        assert_eq!(signed_tenths(0), "±0.0");
        assert_eq!(tenths_of_percent(6, 11), 545);
    }
}
