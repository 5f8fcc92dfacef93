//! The stored totals (`verdict_total`, schema/0007_verdict_totals.sql): how many current searches each firm has
//! per quarter and verdict, derived from the `verdict` table and kept in step with it by every change that writes
//! it. A change notes what each verdict it writes or deletes does to the totals ([`Totals`]) and applies the sum
//! once, before its entry is sealed: a few hundred rows however many verdicts it wrote. A trigger on `verdict`
//! would do the same, but makes SQLite copy every verdict page into a statement journal during an import.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;
use crate::model::Verdict;

/// The totals worked out from the verdicts: what `verdict_total` must hold.
pub(super) const COUNTED: &str = "SELECT search.firm_id, verdict.quarter, verdict.verdict, count(*)
     FROM verdict JOIN search ON search.id = verdict.search_id
     GROUP BY search.firm_id, verdict.quarter, verdict.verdict";

/// The most firms, quarters and verdicts whose counts a change holds before it writes them (an import meets searches
/// firm by firm, so each firm's keys are written about once).
const HELD_KEYS: usize = 4096;

/// A firm's id, a quarter (`2026-Q3`) and a verdict: one row of `verdict_total`.
type Key = (i64, String, Verdict);

/// What one change does to the stored totals: a count to add per firm, quarter and verdict, or, after a change
/// that rewrites every verdict (a policy put in force), the totals counted again from the verdicts.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    deltas: RefCell<HashMap<Key, i64>>,
    recount: Cell<bool>,
}

/// A search's firm and its stored verdict before a change writes it (quarter and verdict, if it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Before {
    /// The search's firm.
    pub firm_id: i64,
    /// The quarter and verdict stored for it, if any (the verdict `None` when its word is not one pledgecheck
    /// writes).
    pub stored: Option<(String, Option<Verdict>)>,
}

impl Totals {
    /// Notes that a search of `firm_id` now has `verdict` in `quarter`, where it had `before` (quarter and
    /// verdict) or no verdict.
    pub(super) fn replace(
        &self,
        firm_id: i64,
        before: Option<&(String, Option<Verdict>)>,
        quarter: String,
        verdict: Verdict,
    ) {
        match before {
            Some((q, Some(v))) if *q == quarter && *v == verdict => {}
            _ => {
                if let Some(before) = before {
                    self.remove(firm_id, before);
                }
                *self.deltas.borrow_mut().entry((firm_id, quarter, verdict)).or_insert(0) += 1;
            }
        }
    }

    /// Notes that a search of `firm_id` lost its stored verdict (`before`: quarter and verdict).
    pub(super) fn remove(&self, firm_id: i64, before: &(String, Option<Verdict>)) {
        match before {
            (quarter, Some(verdict)) => {
                *self.deltas.borrow_mut().entry((firm_id, quarter.clone(), *verdict)).or_insert(0) -= 1;
            }
            // A verdict word pledgecheck does not write (edited outside it): its row is found by counting again.
            (_, None) => self.recount.set(true),
        }
    }

    /// Writes the counts noted so far once they span [`HELD_KEYS`] firms, quarters and verdicts, so that a large
    /// import holds a bounded map (at 5M rows, 72,000 keys held 7 MB). The table is outside the hash chain and in
    /// the change's transaction, so writing it in parts gives the same totals.
    pub(super) fn apply_if_large(&self, tx: &Connection) -> Result<(), StoreError> {
        if self.deltas.borrow().len() >= HELD_KEYS && !self.recount.get() {
            self.apply(tx)?;
        }
        Ok(())
    }

    /// Has the totals counted again from the verdicts when applied (after a change that rewrites most of them).
    pub(super) fn recount(&self) {
        self.recount.set(true);
    }

    /// Writes what the change did to `verdict_total`; called once, before the change's entry is sealed.
    pub(super) fn apply(&self, tx: &Connection) -> Result<(), StoreError> {
        let deltas = std::mem::take(&mut *self.deltas.borrow_mut());
        if self.recount.replace(false) {
            recount(tx)?;
            return Ok(());
        }
        let mut add = tx.prepare_cached(
            "INSERT INTO verdict_total (firm_id, quarter, verdict, searches) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (firm_id, quarter, verdict) DO UPDATE SET searches = searches + excluded.searches",
        )?;
        let mut drop_empty = tx.prepare_cached(
            "DELETE FROM verdict_total WHERE firm_id = ?1 AND quarter = ?2 AND verdict = ?3 AND searches <= 0",
        )?;
        for ((firm_id, quarter, verdict), n) in deltas {
            if n == 0 {
                continue;
            }
            add.execute(params![firm_id, quarter, verdict.as_str(), n])?;
            if n < 0 {
                drop_empty.execute(params![firm_id, quarter, verdict.as_str()])?;
            }
        }
        Ok(())
    }
}

/// Counts `verdict_total` again from the verdicts.
pub(super) fn recount(tx: &Connection) -> Result<(), StoreError> {
    tx.execute("DELETE FROM verdict_total", [])?;
    tx.execute(&format!("INSERT INTO verdict_total (firm_id, quarter, verdict, searches) {COUNTED}"), [])?;
    Ok(())
}

/// A search's firm and its stored verdict, read before a change replaces or deletes the verdict; `None` for a
/// search id that does not exist.
pub(super) fn before(conn: &Connection, search_id: i64) -> Result<Option<Before>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT search.firm_id, verdict.quarter, verdict.verdict FROM search
             LEFT JOIN verdict ON verdict.search_id = search.id WHERE search.id = ?1",
        )?
        .query_row([search_id], |r| {
            let quarter: Option<String> = r.get(1)?;
            let verdict: Option<String> = r.get(2)?;
            Ok(Before { firm_id: r.get(0)?, stored: quarter.map(|q| (q, verdict.as_deref().and_then(Verdict::parse))) })
        })
        .optional()?)
}

/// Deletes a search's stored verdict, noting it in `totals`.
pub(super) fn delete_verdict(conn: &Connection, totals: &Totals, search_id: i64) -> Result<(), StoreError> {
    let Some(Before { firm_id, stored: Some(stored) }) = before(conn, search_id)? else { return Ok(()) };
    conn.prepare_cached("DELETE FROM verdict WHERE search_id = ?1")?.execute([search_id])?;
    totals.remove(firm_id, &stored);
    Ok(())
}

/// Where the stored totals differ from the verdicts they are counted from, in words (at most `limit`), and how
/// many rows differ in all: for `audit verify`.
pub(super) fn disagreements(conn: &Connection, limit: usize) -> Result<(Vec<String>, usize), StoreError> {
    let mut stmt = conn.prepare(&format!(
        "WITH counted (firm_id, quarter, verdict, searches) AS ({COUNTED}),
         keys AS (SELECT firm_id, quarter, verdict FROM counted UNION SELECT firm_id, quarter, verdict FROM verdict_total)
         SELECT coalesce(firm.firm, '#' || keys.firm_id), keys.quarter, keys.verdict,
                coalesce(t.searches, 0), coalesce(c.searches, 0)
         FROM keys
         LEFT JOIN verdict_total t USING (firm_id, quarter, verdict)
         LEFT JOIN counted c USING (firm_id, quarter, verdict)
         LEFT JOIN firm ON firm.id = keys.firm_id
         WHERE coalesce(t.searches, 0) <> coalesce(c.searches, 0) OR (t.searches IS NOT NULL AND c.searches IS NULL)
         ORDER BY 1, 2, 3"
    ))?;
    let mut rows = stmt.query([])?;
    let (mut found, mut count) = (Vec::new(), 0);
    while let Some(r) = rows.next()? {
        count += 1;
        if found.len() < limit {
            let (firm, quarter, verdict): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (stored, counted): (i64, i64) = (r.get(3)?, r.get(4)?);
            found.push(format!(
                "stored total of firm {firm}, {quarter}, {verdict}: {stored} searches, but the stored verdicts give \
                 {counted} (edited outside pledgecheck)"
            ));
        }
    }
    Ok((found, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn totals(conn: &Connection) -> Vec<(i64, String, String, i64)> {
        conn.prepare("SELECT firm_id, quarter, verdict, searches FROM verdict_total ORDER BY 1, 2, 3")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn firm(conn: &Connection) -> i64 {
        conn.execute("INSERT INTO firm (firm) VALUES ('f')", []).unwrap();
        conn.last_insert_rowid()
    }

    #[test]
    fn deltas_that_cancel_write_nothing_and_a_total_that_reaches_zero_is_removed() {
        let store = Store::in_memory().unwrap();
        let conn = store.conn();
        let f = firm(conn);
        let t = Totals::default();
        t.replace(f, None, "2026-Q1".into(), Verdict::Compliant);
        t.replace(f, None, "2026-Q1".into(), Verdict::Compliant);
        t.apply(conn).unwrap();
        assert_eq!(totals(conn), vec![(f, "2026-Q1".into(), "compliant".into(), 2)]);

        let was = ("2026-Q1".to_string(), Some(Verdict::Compliant));
        t.replace(f, Some(&was), "2026-Q1".into(), Verdict::Compliant);
        t.replace(f, Some(&was), "2026-Q2".into(), Verdict::Pending);
        t.remove(f, &was);
        t.apply(conn).unwrap();
        assert_eq!(totals(conn), vec![(f, "2026-Q2".into(), "pending".into(), 1)]);
    }

    #[test]
    fn an_unknown_verdict_word_has_the_totals_counted_again() {
        let store = Store::in_memory().unwrap();
        let conn = store.conn();
        let f = firm(conn);
        conn.execute_batch(&format!(
            "INSERT INTO search (id, firm_id, search_ref) VALUES (1, {f}, 's1'), (2, {f}, 's2');
             INSERT INTO verdict VALUES (1, 'pending', 'r', '', NULL, '', '2026-Q1', '');
             INSERT INTO verdict_total VALUES ({f}, '2026-Q1', 'bogus', 7);"
        ))
        .unwrap();
        let t = Totals::default();
        t.remove(f, &("2026-Q1".to_string(), None));
        t.apply(conn).unwrap();
        assert_eq!(totals(conn), vec![(f, "2026-Q1".into(), "pending".into(), 1)]);
        assert_eq!(disagreements(conn, 10).unwrap().1, 0);
        conn.execute("UPDATE verdict_total SET searches = 3", []).unwrap();
        let (found, count) = disagreements(conn, 10).unwrap();
        assert_eq!(count, 1);
        assert!(found[0].contains("firm f, 2026-Q1, pending: 3 searches, but the stored verdicts give 1"), "{found:?}");
    }
}
