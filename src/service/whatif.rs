//! `whatif`: every stored search judged under another policy, in one streamed pass over the database; nothing
//! stored. The searches that change are put in report order by SQLite (a temporary table), not in memory.

use crate::model::Verdict;
use crate::policy::Policy;
use crate::report::whatif::{Comparison, CHANGE_COLUMNS};
use crate::report::{Cell, Filter, Table};
use crate::store::{Moment, Spill, Store, StoreError};

/// A comparison made: each firm's rate before and after, how many searches change, and the changes, which are
/// read once, in order, from the database's temporary storage.
pub struct Compared<'s> {
    /// Each firm's compliance rate before and after.
    pub rates: Table,
    /// How many searches change verdict.
    pub changed: u64,
    changes: Spill<'s>,
}

impl Compared<'_> {
    /// Visits the rows of the changes table ([`CHANGE_COLUMNS`]), ordered by firm and search reference.
    pub fn each_change(self, mut visit: impl FnMut(Vec<Cell>) -> std::io::Result<()>) -> Result<(), StoreError> {
        self.changes.each_ordered(|mut c| {
            let mut take = |i: usize| c[i].take();
            let verdict = |v: Option<String>| {
                let word = v.unwrap_or_default();
                Verdict::parse(&word).map(Cell::Verdict).ok_or_else(|| StoreError::Corrupt(format!("verdict {word:?}")))
            };
            let text = |v: Option<String>| Cell::Text(v.unwrap_or_default());
            let row = vec![
                text(take(0)),
                text(take(1)),
                text(take(2)),
                verdict(take(3))?,
                verdict(take(4))?,
                take(5).map_or(Cell::Empty, Cell::Text),
                text(take(6)),
            ];
            visit(row).map_err(StoreError::from)
        })
    }

    /// The changes as a table in hand (for a terminal, or a caller that keeps them).
    pub fn changes_table(self) -> Result<(Table, Table), StoreError> {
        let mut changes = Table { columns: CHANGE_COLUMNS.to_vec(), rows: Vec::new() };
        let rates = self.rates.clone();
        self.each_change(|row| {
            changes.rows.push(row);
            Ok(())
        })?;
        Ok((changes, rates))
    }
}

/// Judges every current search under `policy` beside its stored verdict: the firms' rates, and the searches that
/// would change verdict, put aside in report order.
pub fn comparison<'s>(store: &'s Store, policy: &Policy, filter: &Filter) -> Result<Compared<'s>, StoreError> {
    let mut comparison = Comparison::default();
    let mut spill = store.spill(CHANGE_COLUMNS.len())?;
    let mut changed = 0;
    store.each_current_with_verdict(|dossier, stored| {
        let Some(row) = comparison.add(policy, filter, &dossier, stored) else { return Ok(()) };
        changed += 1;
        let text = |cell: &Cell| match cell {
            Cell::Text(t) => Some(t.clone()),
            Cell::Verdict(v) => Some(v.as_str().to_string()),
            _ => None,
        };
        let values: Vec<Option<String>> = row.iter().map(text).collect();
        let values: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        spill.push(&values)
    })?;
    let firms = store.view(Moment::Now, None)?.firms()?;
    Ok(Compared { rates: comparison.rates(&firms, filter), changed, changes: spill })
}

/// The searches that would change verdict under `policy`, and each firm's rate before and after, as tables.
pub fn compare(store: &Store, policy: &Policy, filter: &Filter) -> Result<(Table, Table), StoreError> {
    comparison(store, policy, filter)?.changes_table()
}
