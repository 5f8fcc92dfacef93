//! `whatif`: the stored verdicts beside those another policy gives, the searches that would change, and each
//! firm's rate before and after.

use super::{firms_of, Cell, Filter, Ledger, Table};
use crate::model::{Dossier, FirmName, Verdict};
use crate::policy::Policy;
use crate::rules::{self, Case};

/// The comparison over some searches, gathered one search at a time: each firm's counts before and after (the
/// searches that change are handed back one by one, for the caller to keep in order).
#[derive(Debug, Default)]
pub struct Comparison {
    before: Ledger,
    after: Ledger,
}

/// The columns of the changes table.
pub const CHANGE_COLUMNS: [&str; 7] = ["firm", "search_ref", "quarter", "from", "to", "policy_version", "reason"];

/// The columns of `whatif`'s CSV: the changes, each with its firm's rate before and after.
pub const CHANGE_RATE_COLUMNS: [&str; 9] = [
    "firm",
    "search_ref",
    "quarter",
    "from",
    "to",
    "policy_version",
    "reason",
    "compliance_rate_before",
    "compliance_rate_after",
];

/// The changes with their firm's compliance rate before and after (`whatif`'s CSV, one table for a spreadsheet).
pub fn changes_with_rates(changes: &Table, rates: &Table) -> Table {
    let rows = changes.rows.iter().map(|row| with_rates(row.clone(), rates)).collect();
    Table { columns: CHANGE_RATE_COLUMNS.to_vec(), rows }
}

/// A row of the changes table with its firm's compliance rate before and after ([`CHANGE_RATE_COLUMNS`]).
pub fn with_rates(mut row: Vec<Cell>, rates: &Table) -> Vec<Cell> {
    let firm_rates = rates.rows.iter().find(|r| r[0] == row[0]);
    row.push(firm_rates.map_or(Cell::Empty, |r| r[3].clone()));
    row.push(firm_rates.map_or(Cell::Empty, |r| r[4].clone()));
    row
}

/// The columns of the rates table.
pub const RATE_COLUMNS: [&str; 5] = ["firm", "name", "searches", "compliance_rate_before", "compliance_rate_after"];

impl Comparison {
    /// Adds one search with its stored verdict (`None` if it has none), judged under `policy`: the fast verdict
    /// for every search, the reason only for those that change. A search of the filter's quarter that changes
    /// verdict gives its row of the changes table ([`CHANGE_COLUMNS`]).
    pub fn add(
        &mut self,
        policy: &Policy,
        filter: &Filter,
        dossier: &Dossier,
        stored: Option<Verdict>,
    ) -> Option<Vec<Cell>> {
        let search = &dossier.search;
        if !filter.firm_ok(&search.firm) {
            return None;
        }
        let quarter = search.quarter().to_string();
        let verdict = rules::decide(policy, &Case::of(dossier)).verdict;
        if let Some(old) = stored {
            self.before.add(&search.firm, &quarter, old, 1);
        }
        self.after.add(&search.firm, &quarter, verdict, 1);
        let in_quarter = filter.quarter.as_deref().is_none_or(|q| q == quarter);
        match stored {
            Some(old) if in_quarter && old != verdict => {
                let judgement = rules::judge(policy, &Case::of(dossier));
                Some(vec![
                    Cell::text(&search.firm),
                    Cell::text(&search.search_ref),
                    Cell::Text(quarter),
                    Cell::Verdict(old),
                    Cell::Verdict(judgement.verdict),
                    judgement.policy_version.map_or(Cell::Empty, Cell::Text),
                    Cell::Text(judgement.reason),
                ])
            }
            _ => None,
        }
    }

    /// Each firm's compliance rate before and after.
    pub fn rates(&self, firms: &[FirmName], filter: &Filter) -> Table {
        let before = firms_of(firms, &self.before, filter).select(&["firm", "name", "searches", "compliance_rate"]);
        let after = firms_of(firms, &self.after, filter).select(&["compliance_rate"]);
        let rows = before
            .rows
            .into_iter()
            .zip(after.rows)
            .map(|(mut row, rate_after)| {
                row.extend(rate_after);
                row
            })
            .collect();
        Table { columns: RATE_COLUMNS.to_vec(), rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Candidate, Experience, Firm, Level, Search, Sector, Stage};

    fn dossier(search_ref: &str, sector: Sector) -> Dossier {
        let date = |s: &str| crate::model::parse_date(s).unwrap();
        Dossier {
            firm: Firm {
                firm: "f".into(),
                name: Some("F".into()),
                pledged_on: Some(date("2021-01-01")),
                withdrawn_on: None,
            },
            search: Search {
                firm: "f".into(),
                search_ref: search_ref.into(),
                client: "C".into(),
                client_sector: Sector::State,
                position: "P".into(),
                level: Level::Top,
                opened_on: date("2026-01-05"),
                shortlist_on: Some(date("2026-02-01")),
                cancelled_on: None,
                client_ref: None,
            },
            candidates: vec![Candidate {
                candidate_ref: "c1".into(),
                sector,
                experience: Experience::default(),
                stage: Stage::Shortlist,
                added_on: None,
            }],
            exemption: None,
        }
    }

    #[test]
    fn only_searches_that_change_are_listed_and_rates_move() {
        let policy = Policy::default_policy();
        let filter = Filter::default();
        let mut comparison = Comparison::default();
        // Stored as non-compliant, but a private candidate is cross-sector: the policy says compliant.
        let change = comparison.add(&policy, &filter, &dossier("s1", Sector::Private), Some(Verdict::NonCompliant));
        assert!(comparison.add(&policy, &filter, &dossier("s0", Sector::State), Some(Verdict::NonCompliant)).is_none());
        let change = change.expect("s1 changes verdict");
        assert_eq!(change[..2], [Cell::text("f"), Cell::text("s1")]);
        assert_eq!(change[3..5], [Cell::Verdict(Verdict::NonCompliant), Cell::Verdict(Verdict::Compliant)]);
        let rates = comparison.rates(&[FirmName { firm: "f".into(), name: Some("F".into()) }], &filter);
        assert_eq!(rates.columns, RATE_COLUMNS);
        assert_eq!(rates.rows[0][2..], [Cell::Count(2), Cell::Rate(Some(0)), Cell::Rate(Some(5000))]);
    }
}
