//! Reports: per search, per firm and per quarter, as a [`Table`] of typed cells that `render` writes as a
//! terminal table, CSV or JSON. Pure: rows in, a table out.

use std::collections::BTreeMap;

use crate::rules::Verdict;
use crate::store::{FirmRow, VerdictRow};

/// A cell of a report, typed so that each format writes it right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text (ids, dates, words).
    Text(String),
    /// A count.
    Count(u64),
    /// A rate in ten-thousandths (8750 is 0.8750); `None` where nothing was rated.
    Rate(Option<u32>),
    /// No value (empty in CSV, null in JSON).
    Empty,
}

impl Cell {
    fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    fn optional(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }
}

/// A report: named columns and rows of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column names, in order.
    pub columns: Vec<&'static str>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
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

impl Counts {
    /// Counts one more search.
    pub fn add(&mut self, verdict: Verdict) {
        self.searches += 1;
        *match verdict {
            Verdict::Compliant => &mut self.compliant,
            Verdict::NonCompliant => &mut self.non_compliant,
            Verdict::Exempt => &mut self.exempt,
            Verdict::Incomplete => &mut self.incomplete,
            Verdict::Pending => &mut self.pending,
            Verdict::NotApplicable => &mut self.not_applicable,
        } += 1;
    }

    /// compliant / (compliant + non-compliant + incomplete), rounded half-up to 4 decimals, in ten-thousandths.
    pub fn rate(&self) -> Option<u32> {
        rate(self.compliant, self.compliant + self.non_compliant + self.incomplete)
    }

    fn cells(&self) -> [Cell; 8] {
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

const COUNT_COLUMNS: [&str; 8] =
    ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable", "compliance_rate"];

/// Which searches a report covers.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this quarter, written `2026-Q3`.
    pub quarter: Option<String>,
    /// Only this firm.
    pub firm: Option<String>,
}

impl Filter {
    fn firm_ok(&self, firm: &str) -> bool {
        self.firm.as_deref().is_none_or(|f| f == firm)
    }

    /// Whether a search is covered.
    pub fn covers(&self, row: &VerdictRow) -> bool {
        self.firm_ok(&row.firm) && self.quarter.as_deref().is_none_or(|q| q == row.quarter)
    }
}

/// `report searches`: one row per search, ordered by firm and search reference.
pub fn searches(rows: &[VerdictRow], filter: &Filter) -> Table {
    let columns = vec![
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
    let rows = rows
        .iter()
        .filter(|r| filter.covers(r))
        .map(|r| {
            vec![
                Cell::text(&r.firm),
                Cell::text(&r.search_ref),
                Cell::text(&r.client),
                Cell::text(&r.client_sector),
                Cell::text(&r.level),
                Cell::text(&r.opened_on),
                Cell::optional(r.shortlist_on.as_deref()),
                Cell::text(&r.quarter),
                Cell::text(r.verdict.as_str()),
                Cell::optional(r.policy_version.as_deref()),
                Cell::text(&r.reason),
                Cell::text(&r.rule),
            ]
        })
        .collect();
    Table { columns, rows }
}

/// `report firms`: every firm (or the one asked for), with zeros where it has no searches.
pub fn firms(firms: &[FirmRow], rows: &[VerdictRow], filter: &Filter) -> Table {
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for row in rows.iter().filter(|r| filter.covers(r)) {
        counts.entry(&row.firm).or_default().add(row.verdict);
    }
    let mut columns = vec!["firm", "name"];
    columns.extend(COUNT_COLUMNS);
    let rows = firms
        .iter()
        .filter(|f| filter.firm_ok(&f.firm))
        .map(|f| {
            let mut cells = vec![Cell::text(&f.firm), Cell::optional(f.name.as_deref())];
            cells.extend(counts.get(f.firm.as_str()).copied().unwrap_or_default().cells());
            cells
        })
        .collect();
    Table { columns, rows }
}

/// `report quarters`: one row per quarter and firm that has searches, ordered by quarter then firm.
pub fn quarters(firms: &[FirmRow], rows: &[VerdictRow], filter: &Filter) -> Table {
    let mut counts: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    for row in rows.iter().filter(|r| filter.covers(r)) {
        counts.entry((&row.quarter, &row.firm)).or_default().add(row.verdict);
    }
    let names: BTreeMap<&str, Option<&str>> = firms.iter().map(|f| (f.firm.as_str(), f.name.as_deref())).collect();
    let mut columns = vec!["quarter", "firm", "name"];
    columns.extend(COUNT_COLUMNS);
    let rows = counts
        .into_iter()
        .map(|((quarter, firm), c)| {
            let mut cells =
                vec![Cell::text(quarter), Cell::text(firm), Cell::optional(names.get(firm).copied().flatten())];
            cells.extend(c.cells());
            cells
        })
        .collect();
    Table { columns, rows }
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

    fn row(firm: &str, search_ref: &str, quarter: &str, verdict: Verdict) -> VerdictRow {
        VerdictRow {
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
        }
    }

    #[test]
    fn firms_lists_every_firm_and_rates_only_judged_searches() {
        let firms_list =
            [FirmRow { firm: "a".into(), name: Some("A".into()) }, FirmRow { firm: "b".into(), name: None }];
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
        let q = quarters(&firms_list, &rows, &Filter { quarter: Some("2026-Q2".into()), firm: None });
        assert_eq!(q.rows.len(), 1);
        assert_eq!(q.rows[0][0], Cell::text("2026-Q2"));
    }
}
