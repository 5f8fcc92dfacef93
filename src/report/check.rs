//! What `check` shows: the per-firm summary, whether a `--fail-on` verdict occurs, and the failing searches.

use super::{firms_of, Filter, Ledger, Table};
use crate::model::{FirmName, SearchVerdict, Verdict};
use crate::report::Cell;
use crate::rules::Projection;

/// The verdicts `check` lists search by search.
pub const FAILING: [Verdict; 2] = [Verdict::NonCompliant, Verdict::Incomplete];

/// The per-firm summary of `check`.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The firms listed.
    pub firms: Vec<FirmName>,
    /// Their verdict counts per quarter.
    pub ledger: Ledger,
    /// Which firm the summary covers (all when none).
    pub filter: Filter,
}

impl Summary {
    /// The summary of verdicts in hand (a dry run's, or judged under another policy).
    pub fn of_rows(firms: Vec<FirmName>, rows: &[SearchVerdict], filter: &Filter) -> Summary {
        Summary { firms, ledger: Ledger::new(rows, filter), filter: filter.clone() }
    }

    /// The per-firm table: `report firms` over every quarter.
    pub fn table(&self) -> Table {
        firms_of(&self.firms, &self.ledger, &self.filter)
    }

    /// Whether any firm shown has a search with one of these verdicts.
    pub fn has_any(&self, verdicts: &[Verdict]) -> bool {
        self.shown().any(|f| {
            let counts = self.ledger.total(&f.firm);
            verdicts.iter().any(|v| counts.of(*v) > 0)
        })
    }

    /// How many searches of the firms shown fail ([`FAILING`]).
    pub fn failing_total(&self) -> u64 {
        self.shown().map(|f| FAILING.iter().map(|v| self.ledger.total(&f.firm).of(*v)).sum::<u64>()).sum()
    }

    fn shown(&self) -> impl Iterator<Item = &FirmName> {
        self.firms.iter().filter(|f| self.filter.firm_ok(&f.firm))
    }
}

/// The failing searches among rows in hand that the filter covers, in their order.
pub fn failing(rows: &[SearchVerdict], filter: &Filter) -> Vec<SearchVerdict> {
    rows.iter().filter(|r| filter.covers(r) && FAILING.contains(&r.verdict)).cloned().collect()
}

/// A pending search of a dry run projected as if sent: firm, search reference and the projection.
pub type Projected = (String, String, Projection);

/// The columns of the table of projected searches in `check --dry-run`.
pub const PROJECTED_COLUMNS: [&str; 6] = ["firm", "search_ref", "verdict", "send_on", "projected_verdict", "reason"];

/// The projections the filter covers (its firm), in their order.
pub fn projected<'a>(all: &'a [Projected], filter: &'a Filter) -> impl Iterator<Item = &'a Projected> + 'a {
    all.iter().filter(|(firm, _, _)| filter.firm_ok(firm))
}

/// The table of projected searches: the verdict (`pending`) beside the projected one and its reason.
pub fn projected_table(all: &[Projected], filter: &Filter) -> Table {
    let rows = projected(all, filter)
        .map(|(firm, search_ref, p)| {
            vec![
                Cell::text(firm.as_str()),
                Cell::text(search_ref.as_str()),
                Cell::Verdict(Verdict::Pending),
                Cell::text(p.send_on.to_string()),
                Cell::Verdict(p.explanation.judgement.verdict),
                Cell::text(p.explanation.judgement.reason.as_str()),
            ]
        })
        .collect();
    Table { columns: PROJECTED_COLUMNS.to_vec(), rows }
}

/// Whether a projection the filter covers has one of these verdicts (`check --dry-run --fail-on`).
pub fn projected_has_any(all: &[Projected], filter: &Filter, verdicts: &[Verdict]) -> bool {
    projected(all, filter).any(|(_, _, p)| verdicts.contains(&p.explanation.judgement.verdict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_row as row;

    #[test]
    fn the_summary_counts_only_the_firm_shown() {
        let firms = vec![FirmName { firm: "a".into(), name: None }, FirmName { firm: "b".into(), name: None }];
        let rows = [
            row("a", "1", "2026-Q1", Verdict::NonCompliant),
            row("a", "2", "2026-Q1", Verdict::Compliant),
            row("b", "1", "2026-Q2", Verdict::Incomplete),
        ];
        let all = Summary::of_rows(firms.clone(), &rows, &Filter::default());
        assert_eq!(all.failing_total(), 2);
        assert!(all.has_any(&[Verdict::Incomplete]));
        assert!(!all.has_any(&[Verdict::Exempt]));
        let only_a = Filter { firm: Some("a".into()), ..Filter::default() };
        let a = Summary::of_rows(firms, &rows, &only_a);
        assert_eq!(a.failing_total(), 1);
        assert!(!a.has_any(&[Verdict::Incomplete]), "b's incomplete search is not a's");
        assert_eq!(a.table().rows.len(), 1);
        let failing: Vec<_> = failing(&rows, &only_a).into_iter().map(|r| r.search_ref).collect();
        assert_eq!(failing, ["1"]);
    }
}
