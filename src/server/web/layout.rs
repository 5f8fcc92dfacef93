//! The frame of every page (head, header with the account's navigation, language and sign-out, main), the pages'
//! own CSS on top of the HTML report's, and small pieces the pages share (verdict badges, tables, rate cells).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::form::CSRF_FIELD;
use super::text::{Lang, K};
use super::Signed;
use crate::model::Verdict;
use crate::store::Role;

/// The pages' CSS, after the HTML report's (`output::html::CSS`): header, forms, buttons, focus, pagination.
pub(crate) const CSS: &str = r#"
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; top: 8px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bar { background: var(--panel); border-bottom: 1px solid var(--line); }
.bar .inner { max-width: 1120px; margin: 0 auto; padding: 10px 20px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; }
.bar .brand { font-weight: 650; color: var(--ink); text-decoration: none; margin-right: auto; }
.bar nav { margin: 0; }
.bar nav a { padding: 4px 2px; }
.bar nav a[aria-current="page"] { color: var(--ink); font-weight: 600; border-bottom: 2px solid var(--accent); }
.bar .who { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; font-size: .85rem; color: var(--muted); }
.bar form { display: inline-flex; gap: 6px; align-items: center; margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
  outline: 3px solid #f59e0b; outline-offset: 2px; }
label { display: block; font-size: .85rem; font-weight: 600; margin: 0 0 2px; }
label.inline { display: inline; font-weight: 400; font-size: .9rem; }
input, select, textarea { font: inherit; color: var(--ink); background: #fff; border: 1px solid #9ca3af;
  border-radius: 6px; padding: 6px 8px; max-width: 100%; }
input[type=file] { border: 0; padding: 0; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px 14px; }
.fields > div { min-width: 0; }
.fields input, .fields select { width: 100%; }
fieldset { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; margin: 0 0 14px; background: var(--panel); }
legend { font-weight: 650; padding: 0 4px; }
.row { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px 12px; align-items: end;
  border-top: 1px solid var(--line); padding: 10px 0; }
.row:first-of-type { border-top: 0; }
.row input, .row select { width: 100%; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
button, .button { font: inherit; font-weight: 600; border-radius: 6px; padding: 7px 14px; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: #fff; text-decoration: none; display: inline-block; }
button.secondary { background: #fff; color: var(--accent); }
button.small { padding: 3px 10px; font-size: .85rem; }
button.quiet { background: none; border: 0; color: var(--accent); padding: 2px 4px; text-decoration: underline; font-weight: 400; }
.default-action { position: absolute; left: -9999px; }
.notice { border-radius: 10px; padding: 12px 14px; margin: 12px 0; border: 1px solid var(--line); background: var(--panel); }
.notice.good { border-color: #16a34a; background: #f0fdf4; }
.notice.bad { border-color: #dc2626; background: #fef2f2; }
.pages { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 12px 0; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; margin: 0 0 12px; }
.login { max-width: 380px; margin: 48px auto; }
.login input { width: 100%; }
.login div { margin: 0 0 12px; }
th a { color: inherit; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; overflow-wrap: anywhere; }
.chart-box { max-width: 560px; margin-bottom: 12px; }
@media (max-width: 640px) {
  .bar .inner { padding: 8px 12px; }
  table.stack td.num { text-align: left; }
  table.stack td::before { min-width: 9.5em; margin-right: 8px; vertical-align: top; }
  .fields { grid-template-columns: 1fr; }
  .row { grid-template-columns: 1fr 1fr; }
}
"#;

/// Which page of the navigation is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Home,
    Searches,
    NewSearch,
    Upload,
    Clients,
    WhatIf,
    Evidence,
    Accounts,
}

/// The head of every page.
fn head(lang: Lang, title: &str) -> Markup {
    html! {
        (DOCTYPE)
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · " (lang.t(K::AppName)) }
        link rel="stylesheet" href="/style.css";
    }
}

/// A page for someone signed in: the header with their navigation, their language and sign-out, then `body`.
pub(crate) fn page(signed: &Signed, title: &str, current: Nav, body: Markup) -> Markup {
    let lang = signed.lang;
    let mut links: Vec<(Nav, &str, K)> = Vec::new();
    match signed.account.role {
        Role::Recruiter => {
            links.push((Nav::Home, "/", K::Dashboard));
            links.push((Nav::Searches, "/searches", K::Searches));
            links.push((Nav::NewSearch, "/searches/new", K::NewSearch));
            links.push((Nav::Upload, "/upload", K::Upload));
        }
        Role::Auditor | Role::Admin => {
            links.push((Nav::Home, "/", K::Overview));
            links.push((Nav::Searches, "/searches", K::Searches));
            if signed.account.role == Role::Admin {
                links.push((Nav::NewSearch, "/searches/new", K::NewSearch));
                links.push((Nav::Upload, "/upload", K::Upload));
            }
            links.push((Nav::Clients, "/clients", K::Clients));
            links.push((Nav::WhatIf, "/whatif", K::WhatIf));
            links.push((Nav::Evidence, "/evidence", K::Evidence));
            if signed.account.role == Role::Admin {
                links.push((Nav::Accounts, "/accounts", K::Accounts));
            }
        }
    }
    let other = if lang == Lang::Da { Lang::En } else { Lang::Da };
    html! {
        html lang=(lang.code()) {
            head { (head(lang, title)) }
            body {
                a.skip href="#main" { (lang.t(K::SkipToContent)) }
                header.bar {
                    div.inner {
                        a.brand href="/" { (lang.t(K::AppName)) }
                        nav aria-label=(lang.t(K::AppName)) {
                            @for (nav, href, key) in &links {
                                @if *nav == current {
                                    a href=(href) aria-current="page" { (lang.t(*key)) }
                                } @else {
                                    a href=(href) { (lang.t(*key)) }
                                }
                            }
                        }
                        div.who {
                            span { (lang.t(K::SignedInAs)) " " strong { (signed.account.name) }
                                @if let Some(firm) = &signed.account.firm { " (" (firm) ")" } }
                            form method="post" action="/language" {
                                (csrf(signed))
                                input type="hidden" name="language" value=(other.code());
                                button.quiet type="submit" lang=(other.code()) {
                                    @if other == Lang::Da { "Dansk" } @else { "English" }
                                }
                            }
                            form method="post" action="/logout" {
                                (csrf(signed))
                                button.secondary.small type="submit" { (lang.t(K::SignOut)) }
                            }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// A page without the account's header (sign-in, errors).
pub(crate) fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        html lang=(lang.code()) {
            head { (head(lang, title)) }
            body {
                header.bar { div.inner { a.brand href="/" { (lang.t(K::AppName)) } } }
                main id="main" { (body) }
            }
        }
    }
}

/// The hidden token field every form of a session carries.
pub(crate) fn csrf(signed: &Signed) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(signed.csrf); }
}

/// A verdict as the HTML report's badge, in the page's language; `data-verdict` holds the contract's word.
pub(crate) fn badge(lang: Lang, verdict: Verdict) -> Markup {
    let word = verdict.as_str();
    html! { span class={ "verdict v-" (word) } data-verdict=(word) { (lang.verdict(verdict)) } }
}

/// A rate in ten-thousandths as a percentage with one decimal, or a dash.
pub(crate) fn rate(rate: Option<u32>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| crate::output::svg::percent(r, true))
}

/// A change of a rate in ten-thousandths, in percentage points with a sign, or a dash.
pub(crate) fn change(change: Option<i64>) -> String {
    match change {
        None => "–".to_string(),
        Some(c) => {
            let tenths = (c.abs() + 5) / 10;
            let sign = if c > 0 {
                "+"
            } else if c < 0 {
                "−"
            } else {
                "±"
            };
            format!("{sign}{}.{} pp", tenths / 10, tenths % 10)
        }
    }
}

/// An SVG chart drawn by `output::svg` (its text already escaped there).
pub(crate) fn chart(svg: String) -> Markup {
    PreEscaped(svg)
}

/// A column of a [`stacked_table`]: its heading, the label its cells carry when the table is stacked as cards on a
/// phone (`data-label`), whether it holds numbers (right-aligned), and classes of its cells.
pub(crate) struct Column<'a> {
    heading: Markup,
    label: &'a str,
    numeric: bool,
    class: Option<&'static str>,
}

impl<'a> Column<'a> {
    /// A column of text, headed by its label.
    pub(crate) fn text(label: &'a str) -> Column<'a> {
        Column { heading: html! { (label) }, label, numeric: false, class: None }
    }

    /// A column of numbers, headed by its label.
    pub(crate) fn num(label: &'a str) -> Column<'a> {
        Column { numeric: true, ..Column::text(label) }
    }

    /// The column with another heading than its cells' label.
    pub(crate) fn headed(self, heading: Markup) -> Column<'a> {
        Column { heading, ..self }
    }

    /// The column with `class` on each of its cells (`nowrap`, or a name the browser test looks for).
    pub(crate) fn cells(self, class: &'static str) -> Column<'a> {
        Column { class: Some(class), ..self }
    }

    fn cell_class(&self) -> Option<String> {
        match (self.numeric, self.class) {
            (false, None) => None,
            (true, None) => Some("num".to_string()),
            (false, Some(class)) => Some(class.to_string()),
            (true, Some(class)) => Some(format!("num {class}")),
        }
    }
}

/// A table that reads on a phone: a heading per column, then a row per item of `rows` with the cells `cells` gives
/// for it (one per column, in order), each labelled with its column for the stacked layout; `class` is added to
/// the table's.
pub(crate) fn stacked_table<T>(
    class: Option<&str>,
    columns: &[Column],
    rows: impl IntoIterator<Item = T>,
    mut cells: impl FnMut(T) -> Vec<Markup>,
) -> Markup {
    let table_class = match class {
        Some(class) => format!("stack {class}"),
        None => "stack".to_string(),
    };
    html! {
        div.scroll {
            table class=(table_class) {
                thead { tr { @for c in columns { th scope="col" class=[c.numeric.then_some("num")] { (c.heading) } } } }
                tbody {
                    @for row in rows {
                        tr {
                            @for (c, cell) in columns.iter().zip(cells(row)) {
                                td class=[c.cell_class()] data-label=(c.label) { (cell) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A report table (`report::Table`) as an HTML table, every cell escaped; verdicts as badges.
pub(crate) fn table(lang: Lang, table: &crate::report::Table) -> Markup {
    use crate::report::Cell;
    html! {
        div.scroll {
            table.stack {
                thead { tr { @for c in &table.columns { th scope="col" title=(c) { (column(lang, c)) } } } }
                tbody {
                    @for row in &table.rows {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @let label = column(lang, table.columns.get(i).copied().unwrap_or(""));
                                @match cell {
                                    Cell::Verdict(v) => td data-label=(label) { (badge(lang, *v)) },
                                    Cell::Count(n) => td.num data-label=(label) { (n) },
                                    Cell::Rate(r) => td.num data-label=(label) { (rate(*r)) },
                                    Cell::Change(c) => td.num data-label=(label) { (change(*c)) },
                                    Cell::Text(t) => td data-label=(label) { (t) },
                                    Cell::Empty => td data-label=(label) {},
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A report column's name for people: the common ones in the page's language, the rest as written with spaces
/// (the header's `title` keeps the CSV's name).
pub(crate) fn column(lang: Lang, name: &str) -> String {
    let danish = match name {
        "quarter" => "kvartal",
        "firm" => "firma",
        "name" => "navn",
        "searches" => "søgninger",
        "compliant" => "overholdt",
        "non_compliant" => "ikke overholdt",
        "exempt" => "undtaget",
        "incomplete" => "ufuldstændig",
        "pending" => "afventer",
        "not_applicable" => "ikke omfattet",
        "compliance_rate" => "andel",
        "compliance_rate_4q" => "andel, fire kvartaler",
        "client" => "kunde",
        "client_sector" => "kundens sektor",
        "search_ref" => "reference",
        "verdict" => "vurdering",
        "reason" => "begrundelse",
        _ => "",
    };
    match lang {
        Lang::Da if !danish.is_empty() => danish.to_string(),
        _ => name.replace('_', " "),
    }
}

/// A path segment, percent-encoded (firm ids and search references may hold any character).
pub(crate) fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The address of a search's page.
pub(crate) fn search_href(firm: &str, search_ref: &str) -> String {
    format!("/searches/{}/{}", segment(firm), segment(search_ref))
}
