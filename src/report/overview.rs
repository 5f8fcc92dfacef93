//! What the HTML report shows of the verdicts, gathered one search at a time in any order: the counts per firm
//! and quarter, the latest failing searches (at most [`FAILING_SHOWN`]) and how many fail in all, and, for each
//! firm, what its searches were (to say why a firm has no rated search). Held per firm and quarter, never per
//! search, so that memory stays flat however many searches there are.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::Ledger;
use crate::model::{rule, SearchVerdict, Verdict};

/// How many failing searches the HTML report lists at most; the rest are counted, and the page points to the CSV.
pub const FAILING_SHOWN: usize = 100;

/// The verdicts as the HTML report sums them up.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Counts per firm and quarter.
    pub ledger: Ledger,
    /// Non-compliant and incomplete searches in all.
    pub failing_total: u64,
    /// The latest failing searches: latest quarter first, then by firm and search reference.
    latest_failing: BTreeMap<(Reverse<String>, String, String), SearchVerdict>,
    /// Per firm: its searches' kinds, for [`Overview::unrated_why`].
    kinds: BTreeMap<String, Kinds>,
}

/// A firm's searches by kind (a verdict, or why it is out of scope), each with the first search reference of that
/// kind (the kinds are told in the order their first searches come).
#[derive(Debug, Clone, Default)]
struct Kinds {
    searches: u64,
    all_unsigned: bool,
    parts: BTreeMap<&'static str, (u64, String)>,
}

impl Overview {
    /// The overview of verdicts in hand.
    pub fn of_rows(rows: &[SearchVerdict]) -> Overview {
        let mut overview = Overview::default();
        for row in rows {
            overview.add(row.clone());
        }
        overview
    }

    /// Counts one search.
    pub fn add(&mut self, row: SearchVerdict) {
        self.ledger.add(&row.firm, &row.quarter, row.verdict, 1);
        let part = kind(&row);
        let kinds = match self.kinds.get_mut(&row.firm) {
            Some(kinds) => kinds,
            None => {
                self.kinds.entry(row.firm.clone()).or_insert_with(|| Kinds { all_unsigned: true, ..Kinds::default() })
            }
        };
        kinds.searches += 1;
        kinds.all_unsigned &= row.rule == rule::SIGNED;
        match kinds.parts.get_mut(part) {
            Some((n, first)) => {
                *n += 1;
                if row.search_ref < *first {
                    first.clone_from(&row.search_ref);
                }
            }
            None => {
                kinds.parts.insert(part, (1, row.search_ref.clone()));
            }
        }
        if matches!(row.verdict, Verdict::NonCompliant | Verdict::Incomplete) {
            self.failing_total += 1;
            let key = (Reverse(row.quarter.clone()), row.firm.clone(), row.search_ref.clone());
            let full = self.latest_failing.len() >= FAILING_SHOWN;
            if !full || self.latest_failing.last_key_value().is_some_and(|(last, _)| key < *last) {
                self.latest_failing.insert(key, row);
                if full {
                    self.latest_failing.pop_last();
                }
            }
        }
    }

    /// The latest failing searches (at most [`FAILING_SHOWN`]): latest quarter first, then by firm and search.
    pub fn latest_failing(&self) -> impl Iterator<Item = &SearchVerdict> {
        self.latest_failing.values()
    }

    /// The firms with searches.
    pub fn firms_with_searches(&self) -> usize {
        self.kinds.len()
    }

    /// Every search's verdict counted over all firms and quarters.
    pub fn all(&self) -> super::Counts {
        self.ledger.quarters().fold(super::Counts::default(), |mut all, q| {
            all += self.ledger.counts(None, q);
            all
        })
    }

    /// Why a firm has no rated searches, in words: never signed or withdrawn (every search out of scope for the
    /// pledge's signature), only pending, exempt or out-of-scope searches, or none at all.
    pub fn unrated_why(&self, firm: &str) -> String {
        let Some(kinds) = self.kinds.get(firm) else { return "no searches".into() };
        let n = kinds.searches;
        let searches = if n == 1 { "1 search".to_string() } else { format!("{n} searches") };
        if kinds.all_unsigned {
            return format!("{searches}, all opened while the firm had not signed the pledge or had withdrawn it");
        }
        let mut parts: Vec<(&&'static str, &(u64, String))> = kinds.parts.iter().collect();
        parts.sort_by(|a, b| a.1 .1.cmp(&b.1 .1));
        let parts: Vec<String> = parts.into_iter().map(|(p, (n, _))| format!("{n} {p}")).collect();
        format!("{searches}: {}", parts.join(", "))
    }
}

/// A search's kind as [`Overview::unrated_why`] tells it: why a search out of scope is out of it, else its verdict.
fn kind(r: &SearchVerdict) -> &'static str {
    match (r.verdict, r.rule.as_str()) {
        (Verdict::NotApplicable, rule::SIGNED) => "opened while not signed or withdrawn",
        (Verdict::NotApplicable, rule::VERSION) => "opened before the pledge took effect",
        (Verdict::NotApplicable, rule::LEVEL) => "below the levels covered",
        (Verdict::NotApplicable, rule::CLIENT_SECTOR) => "private or civil-society clients",
        (Verdict::NotApplicable, _) => "cancelled before a shortlist",
        (verdict, _) => verdict.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_row as row;

    #[test]
    fn keeps_the_latest_failing_searches_in_any_order_of_arrival() {
        let mut rows = Vec::new();
        for i in 0..(FAILING_SHOWN + 50) {
            let quarter = format!("20{:02}-Q{}", 10 + i % 7, i % 4 + 1);
            rows.push(row(&format!("f{}", i % 3), &format!("s{i:04}"), &quarter, Verdict::NonCompliant));
        }
        rows.push(row("f0", "ok", "2030-Q1", Verdict::Compliant));
        let mut expected: Vec<&SearchVerdict> = rows.iter().filter(|r| r.verdict == Verdict::NonCompliant).collect();
        expected
            .sort_by(|a, b| b.quarter.cmp(&a.quarter).then((&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref))));
        expected.truncate(FAILING_SHOWN);
        for order in [rows.clone(), rows.iter().rev().cloned().collect()] {
            let overview = Overview::of_rows(&order);
            assert_eq!(overview.failing_total, (FAILING_SHOWN + 50) as u64);
            let kept: Vec<&SearchVerdict> = overview.latest_failing().collect();
            assert_eq!(kept, expected);
            assert_eq!(overview.all().searches, rows.len() as u64);
        }
    }

    #[test]
    fn says_why_a_firm_is_not_rated_in_the_order_its_searches_come() {
        let mut a = row("a", "2", "2026-Q1", Verdict::NotApplicable);
        a.rule = rule::LEVEL.into();
        let b = row("a", "1", "2026-Q1", Verdict::Pending);
        let c = row("a", "3", "2026-Q1", Verdict::Pending);
        let overview = Overview::of_rows(&[a, c, b]);
        assert_eq!(overview.unrated_why("a"), "3 searches: 2 pending, 1 below the levels covered");
        assert_eq!(overview.unrated_why("b"), "no searches");
        let mut unsigned = row("u", "1", "2026-Q1", Verdict::NotApplicable);
        unsigned.rule = rule::SIGNED.into();
        assert_eq!(
            Overview::of_rows(&[unsigned]).unrated_why("u"),
            "1 search, all opened while the firm had not signed the pledge or had withdrawn it"
        );
    }
}
