//! Reports: per search, per firm and per quarter, as a [`Table`] of typed cells that [`crate::output`] writes as a
//! terminal table, CSV or JSON. Pure: rows in, a table out.
//!
//! [`outcomes`] counts who reached shortlist, interview and hire; [`pack`] assembles the quarterly pack.

pub mod check;
pub mod clients;
pub mod outcomes;
pub mod overview;
pub mod pack;
pub mod whatif;

use std::collections::BTreeMap;

use crate::model::Verdict;
use crate::model::{FirmName, SearchVerdict, VerdictCount};
use crate::model::{Quarter, Sector};

/// A cell of a report, typed so that each format writes it right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text (ids, dates, words).
    Text(String),
    /// A verdict: its word in every format, coloured on a terminal and a badge in HTML.
    Verdict(Verdict),
    /// A count of searches or candidates.
    Count(u64),
    /// A rate in ten-thousandths (8750 is 0.8750); `None` where nothing was rated.
    Rate(Option<u32>),
    /// A change of a rate in ten-thousandths (-500 is -0.0500); `None` where either rate is missing.
    Change(Option<i64>),
    /// No value (empty in CSV, null in JSON).
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    /// A text cell, or an empty one.
    pub fn optional(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }
}

/// A report: named columns and rows of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column names, in order.
    pub columns: Vec<&'static str>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The position of a column, by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == name)
    }

    /// The table with only these columns, in this order; a name the table lacks is left out.
    pub fn select(&self, names: &[&'static str]) -> Table {
        let picked: Vec<(&'static str, usize)> = names.iter().filter_map(|n| self.column(n).map(|i| (*n, i))).collect();
        Table {
            columns: picked.iter().map(|(n, _)| *n).collect(),
            rows: self.rows.iter().map(|row| picked.iter().map(|(_, i)| row[*i].clone()).collect()).collect(),
        }
    }
}

/// Counts of verdicts over a set of searches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// All searches.
    pub searches: u64,
    /// Compliant searches.
    pub compliant: u64,
    /// Non-compliant searches.
    pub non_compliant: u64,
    /// Exempt searches.
    pub exempt: u64,
    /// Incomplete searches.
    pub incomplete: u64,
    /// Pending searches.
    pub pending: u64,
    /// Not-applicable searches.
    pub not_applicable: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.searches += other.searches;
        self.compliant += other.compliant;
        self.non_compliant += other.non_compliant;
        self.exempt += other.exempt;
        self.incomplete += other.incomplete;
        self.pending += other.pending;
        self.not_applicable += other.not_applicable;
    }
}

impl Counts {
    /// Counts one more search.
    pub fn add(&mut self, verdict: Verdict) {
        self.add_many(verdict, 1);
    }

    /// How many searches have a verdict.
    pub fn of(&self, verdict: Verdict) -> u64 {
        match verdict {
            Verdict::Compliant => self.compliant,
            Verdict::NonCompliant => self.non_compliant,
            Verdict::Exempt => self.exempt,
            Verdict::Incomplete => self.incomplete,
            Verdict::Pending => self.pending,
            Verdict::NotApplicable => self.not_applicable,
        }
    }

    /// Counts `n` more searches with one verdict.
    pub fn add_many(&mut self, verdict: Verdict, n: u64) {
        self.searches += n;
        *match verdict {
            Verdict::Compliant => &mut self.compliant,
            Verdict::NonCompliant => &mut self.non_compliant,
            Verdict::Exempt => &mut self.exempt,
            Verdict::Incomplete => &mut self.incomplete,
            Verdict::Pending => &mut self.pending,
            Verdict::NotApplicable => &mut self.not_applicable,
        } += n;
    }

    /// compliant / (compliant + non-compliant + incomplete), rounded half-up to 4 decimals, in ten-thousandths.
    pub fn rate(&self) -> Option<u32> {
        rate(self.compliant, self.compliant + self.non_compliant + self.incomplete)
    }

    /// The count columns and the rate, in the contract's order.
    pub fn cells(&self) -> [Cell; 8] {
        [
            Cell::Count(self.searches),
            Cell::Count(self.compliant),
            Cell::Count(self.non_compliant),
            Cell::Count(self.exempt),
            Cell::Count(self.incomplete),
            Cell::Count(self.pending),
            Cell::Count(self.not_applicable),
            Cell::Rate(self.rate()),
        ]
    }
}

/// `part / whole` rounded half-up to 4 decimals, in ten-thousandths, computed exactly in integers.
pub fn rate(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| ((part * 20_000 + whole) / (2 * whole)) as u32)
}

/// A rate as CSV and tables write it: exactly 4 decimals.
pub fn format_rate(rate: u32, decimal: char) -> String {
    format!("{}{decimal}{:04}", rate / 10_000, rate % 10_000)
}

/// A change of rate as CSV and tables write it: exactly 4 decimals, a minus sign when it fell.
pub fn format_change(change: i64, decimal: char) -> String {
    let sign = if change < 0 { "-" } else { "" };
    let size = change.unsigned_abs();
    format!("{sign}{}{decimal}{:04}", size / 10_000, size % 10_000)
}

/// The change from one rate to another, when both exist.
pub fn change(from: Option<u32>, to: Option<u32>) -> Option<i64> {
    Some(i64::from(to?) - i64::from(from?))
}

/// The quarter before.
pub fn previous_quarter(q: Quarter) -> Quarter {
    if q.number == 1 {
        Quarter { year: q.year - 1, number: 4 }
    } else {
        Quarter { year: q.year, number: q.number - 1 }
    }
}

/// The four quarters ending with `q`, earliest first.
pub fn four_quarters(q: Quarter) -> [Quarter; 4] {
    let q1 = previous_quarter(q);
    let q2 = previous_quarter(q1);
    [previous_quarter(q2), q2, q1, q]
}

/// The column after the contract's columns in `report quarters` (and `report firms --quarter`): the rate over
/// the pooled counts of the four quarters ending with the row's quarter.
pub const ROLLING_RATE_COLUMN: &str = "compliance_rate_4q";

/// Verdict counts per firm and quarter, from which every rate of the reports is taken.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Counts per firm, then per quarter.
    by_firm: BTreeMap<String, BTreeMap<String, Counts>>,
    by_quarter: BTreeMap<String, Counts>,
}

impl Ledger {
    /// Counts the rows the filter's firm covers (all quarters: rolling rates look back).
    pub fn new(rows: &[SearchVerdict], filter: &Filter) -> Ledger {
        let mut ledger = Ledger::default();
        for row in rows.iter().filter(|r| {
            filter.firm_ok(&r.firm) && filter.client_ok(&r.client, r.client_id.as_deref(), &r.client_sector)
        }) {
            ledger.add(&row.firm, &row.quarter, row.verdict, 1);
        }
        ledger
    }

    /// Counts the counts the store gives (firm, quarter, verdict, how many) that the filter's firm covers.
    pub fn of_counts(counts: Vec<VerdictCount>, filter: &Filter) -> Ledger {
        let mut ledger = Ledger::default();
        for c in counts.into_iter().filter(|c| filter.firm_ok(&c.firm)) {
            ledger.add(&c.firm, &c.quarter, c.verdict, c.searches);
        }
        ledger
    }

    /// Counts `n` searches of a firm in a quarter with a verdict.
    pub fn add(&mut self, firm: &str, quarter: &str, verdict: Verdict, n: u64) {
        let mut counts = Counts::default();
        counts.add_many(verdict, n);
        // Most rows add to a firm and quarter already counted: look them up before making keys.
        let quarters = match self.by_firm.get_mut(firm) {
            Some(quarters) => quarters,
            None => self.by_firm.entry(firm.to_string()).or_default(),
        };
        match quarters.get_mut(quarter) {
            Some(c) => *c += counts,
            None => *quarters.entry(quarter.to_string()).or_default() += counts,
        }
        match self.by_quarter.get_mut(quarter) {
            Some(c) => *c += counts,
            None => *self.by_quarter.entry(quarter.to_string()).or_default() += counts,
        }
    }

    /// Adds another ledger's counts to this one.
    pub fn absorb(&mut self, other: Ledger) {
        for (firm, quarters) in other.by_firm {
            for (quarter, counts) in quarters {
                let mine = self.by_firm.entry(firm.clone()).or_default().entry(quarter.clone()).or_default();
                *mine += counts;
                *self.by_quarter.entry(quarter).or_default() += counts;
            }
        }
    }

    /// A firm's counts over every quarter.
    pub fn total(&self, firm: &str) -> Counts {
        let mut total = Counts::default();
        for c in self.by_firm.get(firm).into_iter().flat_map(|quarters| quarters.values()) {
            total += *c;
        }
        total
    }

    /// A firm's counts in a quarter; `None` for the firm means all firms.
    pub fn counts(&self, firm: Option<&str>, quarter: &str) -> Counts {
        let found = match firm {
            Some(firm) => self.by_firm.get(firm).and_then(|quarters| quarters.get(quarter)),
            None => self.by_quarter.get(quarter),
        };
        found.copied().unwrap_or_default()
    }

    /// A firm's counts pooled over the four quarters ending with `quarter`; `None` for the firm means all firms.
    pub fn rolling(&self, firm: Option<&str>, quarter: Quarter) -> Counts {
        let mut pooled = Counts::default();
        for q in four_quarters(quarter) {
            pooled += self.counts(firm, &q.to_string());
        }
        pooled
    }

    /// Every (quarter, firm) pair with searches, ordered by quarter then firm.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str, &Counts)> {
        let mut pairs: Vec<_> = self
            .by_firm
            .iter()
            .flat_map(|(f, quarters)| quarters.iter().map(move |(q, c)| (q.as_str(), f.as_str(), c)))
            .collect();
        pairs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        pairs.into_iter()
    }

    /// Every quarter with searches, in order.
    pub fn quarters(&self) -> impl Iterator<Item = &str> {
        self.by_quarter.keys().map(String::as_str)
    }
}

fn rolling_rate(ledger: &Ledger, firm: Option<&str>, quarter: &str) -> Cell {
    Cell::Rate(Quarter::parse(quarter).ok().and_then(|q| ledger.rolling(firm, q).rate()))
}

pub(crate) const COUNT_COLUMNS: [&str; 8] =
    ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable", "compliance_rate"];

/// Which searches a report covers.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this quarter, written `2026-Q3`.
    pub quarter: Option<String>,
    /// Only this firm.
    pub firm: Option<String>,
    /// Only searches whose client sector is this (`--client-sector`).
    pub client_sector: Option<Sector>,
    /// Only searches of this client (`--client`).
    pub client: Option<ClientFilter>,
}

/// A client as `--client` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFilter {
    /// An entry of the registry, by id: the searches whose client's text names it, however spelled.
    Entry(String),
    /// A client the registry does not know: the searches whose client's text has this key
    /// ([`crate::registry::match_key`]) and no registry entry.
    Text(String),
}

impl Filter {
    /// Whether a firm is covered.
    pub fn firm_ok(&self, firm: &str) -> bool {
        self.firm.as_deref().is_none_or(|f| f == firm)
    }

    /// Whether the filter names a client or a client sector.
    pub fn by_client(&self) -> bool {
        self.client_sector.is_some() || self.client.is_some()
    }

    /// Whether a search's client (its text, registry id and sector word) is covered.
    pub fn client_ok(&self, client: &str, client_id: Option<&str>, sector: &str) -> bool {
        self.client_sector.is_none_or(|s| s.as_str() == sector)
            && match &self.client {
                None => true,
                Some(ClientFilter::Entry(id)) => client_id == Some(id.as_str()),
                Some(ClientFilter::Text(key)) => client_id.is_none() && crate::registry::match_key(client) == *key,
            }
    }

    /// Whether a search is covered.
    pub fn covers(&self, row: &SearchVerdict) -> bool {
        self.firm_ok(&row.firm)
            && self.quarter.as_deref().is_none_or(|q| q == row.quarter)
            && self.client_ok(&row.client, row.client_id.as_deref(), &row.client_sector)
    }
}

/// The columns of `report searches` (the contract's, then `rule`); `check` (table and JSON) takes its columns
/// from here, by name.
pub const SEARCH_COLUMNS: [&str; 12] = [
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "level",
    "opened_on",
    "shortlist_on",
    "quarter",
    "verdict",
    "policy_version",
    "reason",
    "rule",
];

/// A search's row of `report searches`, in [`SEARCH_COLUMNS`] order.
pub fn search_row(r: &SearchVerdict) -> Vec<Cell> {
    vec![
        Cell::text(&r.firm),
        Cell::text(&r.search_ref),
        Cell::text(&r.client),
        Cell::text(&r.client_sector),
        Cell::text(&r.level),
        Cell::text(&r.opened_on),
        Cell::optional(r.shortlist_on.as_deref()),
        Cell::text(&r.quarter),
        Cell::Verdict(r.verdict),
        Cell::optional(r.policy_version.as_deref()),
        Cell::text(&r.reason),
        Cell::text(&r.rule),
    ]
}

/// `report searches`: one row per search, ordered by firm and search reference.
pub fn searches(rows: &[SearchVerdict], filter: &Filter) -> Table {
    Table { columns: SEARCH_COLUMNS.to_vec(), rows: rows.iter().filter(|r| filter.covers(r)).map(search_row).collect() }
}

/// `report firms`: every firm (or the one asked for), with zeros where it has no searches. With a quarter,
/// [`ROLLING_RATE_COLUMN`], the previous quarter's rate and the change from it follow the contract's columns.
pub fn firms(firms: &[FirmName], rows: &[SearchVerdict], filter: &Filter) -> Table {
    firms_of(firms, &Ledger::new(rows, filter), filter)
}

/// `report firms` from the counts per firm and quarter.
pub fn firms_of(firms: &[FirmName], ledger: &Ledger, filter: &Filter) -> Table {
    let mut columns = vec!["firm", "name"];
    columns.extend(COUNT_COLUMNS);
    let quarter = filter.quarter.as_deref().and_then(|q| Quarter::parse(q).ok());
    let counts: BTreeMap<&str, Counts> = firms
        .iter()
        .map(|f| {
            let c = match filter.quarter.as_deref() {
                Some(q) => ledger.counts(Some(&f.firm), q),
                None => ledger.total(&f.firm),
            };
            (f.firm.as_str(), c)
        })
        .collect();
    let ledger = quarter.map(|_| ledger);
    if quarter.is_some() {
        columns.extend([ROLLING_RATE_COLUMN, "compliance_rate_previous", "compliance_rate_change"]);
    }
    let rows = firms
        .iter()
        .filter(|f| filter.firm_ok(&f.firm))
        .map(|f| {
            let mut cells = vec![Cell::text(&f.firm), Cell::optional(f.name.as_deref())];
            let this = counts.get(f.firm.as_str()).copied().unwrap_or_default();
            cells.extend(this.cells());
            if let (Some(q), Some(ledger)) = (quarter, &ledger) {
                let firm = Some(f.firm.as_str());
                let before = ledger.counts(firm, &previous_quarter(q).to_string()).rate();
                cells.push(Cell::Rate(ledger.rolling(firm, q).rate()));
                cells.push(Cell::Rate(before));
                cells.push(Cell::Change(change(before, this.rate())));
            }
            cells
        })
        .collect();
    Table { columns, rows }
}

/// `report quarters`: one row per quarter and firm that has searches, ordered by quarter then firm, with
/// [`ROLLING_RATE_COLUMN`] after the contract's columns.
pub fn quarters(firms: &[FirmName], rows: &[SearchVerdict], filter: &Filter) -> Table {
    quarters_of(firms, &Ledger::new(rows, filter), filter)
}

/// `report quarters` from the counts per firm and quarter.
pub fn quarters_of(firms: &[FirmName], ledger: &Ledger, filter: &Filter) -> Table {
    let names: BTreeMap<&str, Option<&str>> = firms.iter().map(|f| (f.firm.as_str(), f.name.as_deref())).collect();
    let mut columns = vec!["quarter", "firm", "name"];
    columns.extend(COUNT_COLUMNS);
    columns.push(ROLLING_RATE_COLUMN);
    let rows = ledger
        .pairs()
        .filter(|(quarter, _, _)| filter.quarter.as_deref().is_none_or(|q| q == *quarter))
        .map(|(quarter, firm, c)| {
            let mut cells =
                vec![Cell::text(quarter), Cell::text(firm), Cell::optional(names.get(firm).copied().flatten())];
            cells.extend(c.cells());
            cells.push(rolling_rate(ledger, Some(firm), quarter));
            cells
        })
        .collect();
    Table { columns, rows }
}

/// A verdict row for tests of the reports.
#[cfg(test)]
pub(crate) fn test_row(firm: &str, search_ref: &str, quarter: &str, verdict: Verdict) -> SearchVerdict {
    SearchVerdict {
        firm: firm.into(),
        search_ref: search_ref.into(),
        client: "C".into(),
        client_sector: "state".into(),
        level: "top".into(),
        opened_on: "2026-01-01".into(),
        shortlist_on: None,
        quarter: quarter.into(),
        verdict,
        rule: "r".into(),
        policy_version: Some("v1".into()),
        reason: String::new(),
        client_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_to_four_decimals() {
        assert_eq!(rate(7, 8), Some(8750));
        assert_eq!(rate(7, 9), Some(7778));
        assert_eq!(rate(1, 1), Some(10_000));
        assert_eq!(rate(0, 0), None);
        // 1/32 = 0.03125: half-up gives 0.0313.
        assert_eq!(rate(1, 32), Some(313));
        assert_eq!(rate(2, 3), Some(6667));
        assert_eq!(format_rate(8750, '.'), "0.8750");
        assert_eq!(format_rate(10_000, ','), "1,0000");
    }

    use super::test_row as row;

    #[test]
    fn firms_lists_every_firm_and_rates_only_judged_searches() {
        let firms_list =
            [FirmName { firm: "a".into(), name: Some("A".into()) }, FirmName { firm: "b".into(), name: None }];
        let rows = [
            row("a", "1", "2026-Q1", Verdict::Compliant),
            row("a", "2", "2026-Q1", Verdict::Exempt),
            row("a", "3", "2026-Q2", Verdict::Incomplete),
            row("a", "4", "2026-Q2", Verdict::Pending),
        ];
        let table = firms(&firms_list, &rows, &Filter::default());
        assert_eq!(
            table.rows[0][2..],
            Counts { searches: 4, compliant: 1, exempt: 1, incomplete: 1, pending: 1, ..Default::default() }.cells()
        );
        assert_eq!(table.rows[0][9], Cell::Rate(Some(5000)));
        assert_eq!(table.rows[1][2], Cell::Count(0));
        assert_eq!(table.rows[1][9], Cell::Rate(None));
        let q = quarters(&firms_list, &rows, &Filter { quarter: Some("2026-Q2".into()), ..Filter::default() });
        assert_eq!(q.rows.len(), 1);
        assert_eq!(q.rows[0][0], Cell::text("2026-Q2"));
    }
}
