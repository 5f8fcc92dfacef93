//! Rows put in order by SQLite's sorter rather than in memory: written to a temporary table (a file beyond a small
//! cache: SQLite keeps temporary tables on disk as built here) and read back ordered by their first two columns.
//! A pass that works rows out in one order and shows them in another (verdicts under `--policy` or `--as-of` in
//! report order, the searches `whatif` changes) so keeps its memory flat however many rows there are.

use rusqlite::{Connection, Row};

use super::{Store, StoreError};

/// The temporary table's name; one spill at a time per connection.
const TABLE: &str = "temp.ordered_spill";

/// A temporary table of rows of text (or null), ordered on reading by its first two columns, dropped when done.
pub struct Spill<'c> {
    conn: &'c Connection,
    width: usize,
    insert: String,
    /// Whether the savepoint holding the rows written is released.
    released: bool,
    /// The connection's page cache, restored after the sort.
    cache_kib: i64,
}

impl<'c> Spill<'c> {
    /// An empty spill of rows of `width` columns (at least the two it is ordered by), on a connection whose page
    /// cache is `cache_kib` (as `PRAGMA cache_size` takes it).
    pub fn new(conn: &'c Connection, width: usize, cache_kib: i64) -> Result<Spill<'c>, StoreError> {
        let width = width.max(2);
        let columns: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        // The rows are written in one savepoint: a write transaction per row would cost a journal each.
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} ({}); SAVEPOINT ordered_spill;",
            columns.join(", ")
        ))?;
        let marks: Vec<&str> = (0..width).map(|_| "?").collect();
        let insert = format!("INSERT INTO {TABLE} VALUES ({})", marks.join(", "));
        Ok(Spill { conn, width, insert, released: false, cache_kib })
    }

    /// Adds a row of [`Spill::new`]'s width.
    pub fn push(&mut self, values: &[Option<&str>]) -> Result<(), StoreError> {
        debug_assert_eq!(values.len(), self.width);
        self.conn.prepare_cached(&self.insert)?.execute(rusqlite::params_from_iter(values))?;
        Ok(())
    }

    /// Visits the rows ordered by their first two columns (byte order, as Rust orders strings), then drops them.
    pub fn each_ordered(
        mut self,
        mut visit: impl FnMut(Vec<Option<String>>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.release()?;
        // SQLite's sorter takes as much memory as the main database's page cache, which the sort hardly needs: a
        // smaller cache while it runs keeps the two within the memory budget (the sorter spills to a file beyond).
        self.conn.pragma_update(None, "cache_size", super::read::SORT_CACHE_KIB.max(self.cache_kib))?;
        let done = self.read_ordered(&mut visit);
        self.conn.pragma_update(None, "cache_size", self.cache_kib)?;
        done
    }

    fn read_ordered(
        &self,
        visit: &mut impl FnMut(Vec<Option<String>>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT * FROM {TABLE} ORDER BY c0, c1"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(row_values(r, self.width)?)?;
        }
        Ok(())
    }

    fn release(&mut self) -> Result<(), StoreError> {
        if !std::mem::replace(&mut self.released, true) {
            self.conn.execute_batch("RELEASE ordered_spill")?;
        }
        Ok(())
    }
}

fn row_values(row: &Row, width: usize) -> Result<Vec<Option<String>>, StoreError> {
    (0..width).map(|i| Ok(row.get(i)?)).collect()
}

impl Store {
    /// An empty [`Spill`] of rows of `width` columns on the store's connection.
    pub fn spill(&self, width: usize) -> Result<Spill<'_>, StoreError> {
        Spill::new(&self.conn, width, self.cache_kib)
    }
}

impl Drop for Spill<'_> {
    fn drop(&mut self) {
        // Released (and its rows kept until dropped) whether or not it was read; nothing to report if the
        // connection is gone.
        let _ = self.release();
        let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {TABLE}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_in_byte_order_of_their_keys() {
        let conn = Connection::open_in_memory().unwrap();
        let mut spill = Spill::new(&conn, 3, -2000).unwrap();
        for (a, b, c) in [("b", "1", Some("x")), ("a", "2", None), ("a", "10", Some("z")), ("Å", "0", Some("y"))] {
            spill.push(&[Some(a), Some(b), c]).unwrap();
        }
        let mut seen = Vec::new();
        spill
            .each_ordered(|r| {
                seen.push((r[0].clone().unwrap(), r[1].clone().unwrap(), r[2].clone()));
                Ok(())
            })
            .unwrap();
        let mut expected = seen.clone();
        expected.sort();
        assert_eq!(seen, expected);
        assert_eq!(seen[0], ("a".into(), "10".into(), Some("z".into())));
        // Dropped: a second spill starts empty.
        let spill = Spill::new(&conn, 2, -2000).unwrap();
        let mut n = 0;
        spill
            .each_ordered(|_| {
                n += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(n, 0);
    }
}
