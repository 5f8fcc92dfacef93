//! The quarterly pack: the files `pledgecheck quarterly 2026-Q3 --output DIR` writes, as tables.
//!
//! Pure: the stored verdicts, the exemptions, the outcomes and a few facts about the data in, named tables out.
//! Nothing here reads the clock, so the same database gives the same files.

use super::clients::Tally;
use super::outcomes::Outcomes;
use super::{change, firms_of, previous_quarter, Cell, Filter, Ledger, Table, SEARCH_COLUMNS};
use crate::model::Quarter;
use crate::model::Verdict;
use crate::model::{FirmName, SearchVerdict};
use crate::registry::Registry;

/// Everything a pack is made from, besides the quarter's searches (streamed into their files: see [`Content`]).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The quarter the pack is for.
    pub quarter: Quarter,
    /// Every firm.
    pub firms: &'a [FirmName],
    /// The verdict counts per firm and quarter (all quarters: the summary and the rolling rates look back).
    pub ledger: &'a Ledger,
    /// Every search counted per client (through no filter but the quarter's), for the clients file.
    pub clients: &'a Tally,
    /// Who reached shortlist, interview and hire (the quarter's searches at least).
    pub outcomes: &'a Outcomes,
    /// Facts about the data for the summary (policy, data time, chain head), in order.
    pub facts: &'a [(&'static str, Cell)],
    /// The registry of public employers, for the clients file.
    pub registry: &'a Registry,
}

/// What a pack file holds: a table in hand, or rows of the quarter's searches that the caller streams from the
/// database in report order (by firm and search reference), so that no file is held whole in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A table in hand.
    Table(Table),
    /// The quarter's searches with one of these verdicts (every search when empty): rows of `report searches`
    /// ([`super::search_row`]).
    Searches(&'static [Verdict]),
    /// The quarter's searches with an exemption: rows of [`exemption_row`].
    Exemptions,
}

impl Content {
    /// The file's columns.
    pub fn columns(&self) -> &[&'static str] {
        match self {
            Content::Table(table) => &table.columns,
            Content::Searches(_) => &SEARCH_COLUMNS,
            Content::Exemptions => &EXEMPTION_COLUMNS,
        }
    }
}

/// The verdicts the failing file lists.
const FAILING: [Verdict; 2] = [Verdict::NonCompliant, Verdict::Incomplete];

/// The kinds of file in a pack, in the order they are written; a file is named `<quarter>-<kind>.csv`.
pub const KINDS: [&str; 7] = ["summary", "firms", "searches", "failing", "exemptions", "outcomes", "clients"];

/// A pack file's name.
pub fn file_name(quarter: Quarter, kind: &str) -> String {
    format!("{quarter}-{kind}.csv")
}

/// Whether a file name is one a pack writes (of any quarter): `YYYY-Qn-<kind>.csv`.
pub fn is_pack_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".csv") else { return false };
    stem.len() > 8 && Quarter::parse(&stem[..7]).is_ok() && stem.as_bytes()[7] == b'-' && KINDS.contains(&&stem[8..])
}

/// The pack's files, named, in [`KINDS`] order.
pub fn files(input: &Input) -> Vec<(String, Content)> {
    let q = input.quarter;
    let filter = Filter { quarter: Some(q.to_string()), ..Filter::default() };
    let contents = [
        Content::Table(summary(input)),
        Content::Table(firms_of(input.firms, input.ledger, &filter)),
        Content::Searches(&[]),
        Content::Searches(&FAILING),
        Content::Exemptions,
        Content::Table(input.outcomes.table(input.firms, &filter)),
        Content::Table(super::clients::clients_of(input.registry, input.clients, &filter)),
    ];
    KINDS.iter().zip(contents).map(|(kind, content)| (file_name(q, kind), content)).collect()
}

/// The columns of `<quarter>-exemptions.csv`.
pub const EXEMPTION_COLUMNS: [&str; 10] = [
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "level",
    "shortlist_on",
    "verdict",
    "policy_version",
    "exemption_reason",
    "exemption_note",
];

/// A row of `<quarter>-exemptions.csv`: an exemption recorded on a search of the quarter, with the search's
/// verdict (`exempt`: the exemption was used; `non-compliant`: its reason is not accepted; `compliant`: not
/// needed).
pub fn exemption_row(r: &SearchVerdict, reason: &str, note: &str) -> Vec<Cell> {
    vec![
        Cell::text(&r.firm),
        Cell::text(&r.search_ref),
        Cell::text(&r.client),
        Cell::text(&r.client_sector),
        Cell::text(&r.level),
        Cell::optional(r.shortlist_on.as_deref()),
        Cell::Verdict(r.verdict),
        Cell::optional(r.policy_version.as_deref()),
        Cell::text(reason),
        Cell::text(note),
    ]
}

/// `<quarter>-summary.csv`: `item,value` rows: the quarter's counts and rate, the previous quarter's, the change,
/// the rolling rate, the outcomes, then the facts about the data.
fn summary(input: &Input) -> Table {
    let q = input.quarter;
    let before = previous_quarter(q);
    let ledger = input.ledger;
    let now = ledger.counts(None, &q.to_string());
    let then = ledger.counts(None, &before.to_string());
    let firms_with_searches = ledger.pairs().filter(|(quarter, _, _)| *quarter == q.to_string()).count();
    let outcomes = input.outcomes.total(&Filter { quarter: Some(q.to_string()), ..Filter::default() });
    let mut items: Vec<(&str, Cell)> = vec![
        ("quarter", Cell::text(q.to_string())),
        ("previous_quarter", Cell::text(before.to_string())),
        ("firms_with_searches", Cell::Count(firms_with_searches as u64)),
    ];
    let names = super::COUNT_COLUMNS;
    items.extend(names.iter().copied().zip(now.cells()));
    items.extend([
        ("previous_searches", Cell::Count(then.searches)),
        ("previous_compliance_rate", Cell::Rate(then.rate())),
        ("compliance_rate_change", Cell::Change(change(then.rate(), now.rate()))),
        (super::ROLLING_RATE_COLUMN, Cell::Rate(ledger.rolling(None, q).rate())),
        ("shortlisted_cross_sector", Cell::Count(outcomes.shortlisted_cross_sector)),
        ("hired", Cell::Count(outcomes.hired)),
        ("hired_cross_sector", Cell::Count(outcomes.hired_cross_sector)),
        ("hired_cross_sector_share", Cell::Rate(outcomes.hired_cross_sector_share())),
    ]);
    items.extend(input.facts.iter().cloned());
    Table {
        columns: vec!["item", "value"],
        rows: items.into_iter().map(|(item, value)| vec![Cell::text(item), value]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_file_names() {
        let q = Quarter { year: 2026, number: 3 };
        assert_eq!(file_name(q, "summary"), "2026-Q3-summary.csv");
        assert!(is_pack_file("2026-Q3-summary.csv"));
        assert!(is_pack_file("2025-Q1-outcomes.csv"));
        assert!(!is_pack_file("2026-Q3-other.csv"));
        assert!(!is_pack_file("notes.txt"));
        assert!(!is_pack_file("2026-Q5-firms.csv"));
    }

    use crate::report::test_row as row;

    #[test]
    fn summary_compares_with_the_previous_quarter() {
        let verdicts = [
            row("a", "1", "2026-Q2", Verdict::Compliant),
            row("a", "2", "2026-Q2", Verdict::NonCompliant),
            row("a", "3", "2026-Q3", Verdict::Compliant),
            row("b", "4", "2026-Q3", Verdict::Exempt),
        ];
        let outcomes = Outcomes::default();
        let registry = Registry::builtin();
        let ledger = Ledger::new(&verdicts, &Filter::default());
        let mut clients = Tally::default();
        for r in &verdicts {
            clients.add(r, &Filter::default());
        }
        let input = Input {
            quarter: Quarter { year: 2026, number: 3 },
            firms: &[],
            ledger: &ledger,
            clients: &clients,
            outcomes: &outcomes,
            facts: &[("chain_head", Cell::text("abc"))],
            registry: &registry,
        };
        let files = files(&input);
        assert_eq!(files.len(), KINDS.len());
        let Content::Table(summary) = &files[0].1 else { panic!("the summary is a table") };
        let get = |item: &str| summary.rows.iter().find(|r| r[0] == Cell::text(item)).map(|r| r[1].clone());
        assert_eq!(get("searches"), Some(Cell::Count(2)));
        assert_eq!(get("firms_with_searches"), Some(Cell::Count(2)));
        assert_eq!(get("compliance_rate"), Some(Cell::Rate(Some(10_000))));
        assert_eq!(get("previous_compliance_rate"), Some(Cell::Rate(Some(5000))));
        assert_eq!(get("compliance_rate_change"), Some(Cell::Change(Some(5000))));
        assert_eq!(get("compliance_rate_4q"), Some(Cell::Rate(Some(6667))));
        assert_eq!(get("chain_head"), Some(Cell::text("abc")));
        assert_eq!(files[2].1, Content::Searches(&[]));
        assert_eq!(files[3].1, Content::Searches(&FAILING));
        assert_eq!(files[4].1.columns(), EXEMPTION_COLUMNS);
        assert_eq!(exemption_row(&verdicts[3], "x", "")[8], Cell::text("x"));
    }
}
