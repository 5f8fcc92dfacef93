//! What `check` shows: the per-firm summary, whether a `--fail-on` verdict occurs, and the failing searches.

use super::{firms_of, Filter, Ledger, Table};
use crate::model::{FirmName, SearchVerdict, Verdict};

/// The verdicts `check` lists search by search.
pub const FAILING: [Verdict; 2] = [Verdict::NonCompliant, Verdict::Incomplete];

/// The per-firm summary of `check`.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The firms listed.
    pub firms: Vec<FirmName>,
    /// Their verdict counts per quarter.
    pub ledger: Ledger,
    /// Whether the summary covers one firm only.
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
