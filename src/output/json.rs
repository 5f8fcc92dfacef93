//! JSON for programs: every JSON output carries [`SCHEMA_VERSION`]; a report's rows are objects keyed by column.

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::report::{Cell, Table};

/// The version of every JSON output's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// A table's rows as JSON objects (see [`object`]).
pub fn rows(table: &Table) -> Value {
    Value::Array(table.rows.iter().map(|row| object(&table.columns, row)).collect())
}

/// One row as a JSON object keyed by column, in column order: counts as numbers, rates as numbers or null, empty
/// cells as null.
pub fn object(columns: &[&str], row: &[Cell]) -> Value {
    let mut object = Map::new();
    for (column, cell) in columns.iter().zip(row) {
        let value = match cell {
            Cell::Text(text) => Value::from(text.as_str()),
            Cell::Verdict(verdict) => Value::from(verdict.as_str()),
            Cell::Count(n) => Value::from(*n),
            Cell::Rate(Some(rate)) => Value::from(f64::from(*rate) / 10_000.0),
            Cell::Change(Some(change)) => Value::from(*change as f64 / 10_000.0),
            Cell::Rate(None) | Cell::Change(None) | Cell::Empty => Value::Null,
        };
        object.insert(column.to_string(), value);
    }
    Value::Object(object)
}

/// Writes a JSON value, pretty, with a final newline.
pub fn write(value: &Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Writes `{"schema_version": 1, "rows": [...]}` (what [`write`] gives a table's [`rows`]) with each row serialised
/// as `each` hands it over: a long report is never held as a JSON tree.
pub fn write_rows(
    columns: &[&str],
    out: &mut dyn Write,
    each: impl FnOnce(&mut dyn FnMut(Vec<Cell>) -> io::Result<()>) -> io::Result<()>,
) -> io::Result<()> {
    /// The rows, read once as they are serialised.
    struct Rows<'a, F> {
        columns: &'a [&'a str],
        each: std::cell::RefCell<Option<F>>,
    }
    impl<F> serde::Serialize for Rows<'_, F>
    where
        F: FnOnce(&mut dyn FnMut(Vec<Cell>) -> io::Result<()>) -> io::Result<()>,
    {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeSeq};
            let each = self.each.borrow_mut().take().ok_or_else(|| S::Error::custom("the rows are read once"))?;
            let mut seq = serializer.serialize_seq(None)?;
            let mut failed = None;
            let read = each(&mut |row| {
                seq.serialize_element(&object(self.columns, &row)).map_err(|e| {
                    failed = Some(e);
                    io::Error::other("the JSON could not be written")
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(S::Error::custom)?;
            seq.end()
        }
    }
    #[derive(serde::Serialize)]
    struct Report<R> {
        schema_version: u32,
        rows: R,
    }
    let rows = Rows { columns, each: std::cell::RefCell::new(Some(each)) };
    serde_json::to_writer_pretty(&mut *out, &Report { schema_version: SCHEMA_VERSION, rows })?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Verdict;

    #[test]
    fn json_types() {
        let table = Table {
            columns: vec!["firm", "count", "rate", "date", "verdict"],
            rows: vec![vec![
                Cell::Text("=cmd".into()),
                Cell::Count(3),
                Cell::Rate(Some(8750)),
                Cell::Empty,
                Cell::Verdict(Verdict::NonCompliant),
            ]],
        };
        assert_eq!(
            rows(&table),
            json!([{"firm": "=cmd", "count": 3, "rate": 0.875, "date": null, "verdict": "non-compliant"}])
        );
    }

    #[test]
    fn rows_written_as_they_come_are_the_bytes_of_the_table() {
        for cells in [vec![], vec![vec![Cell::text("a"), Cell::Count(2)], vec![Cell::Empty, Cell::Rate(Some(5000))]]] {
            let table = Table { columns: vec!["x", "n"], rows: cells };
            let mut whole = Vec::new();
            write(&json!({"schema_version": SCHEMA_VERSION, "rows": rows(&table)}), &mut whole).unwrap();
            let mut streamed = Vec::new();
            write_rows(&table.columns, &mut streamed, |visit| table.rows.iter().try_for_each(|r| visit(r.clone())))
                .unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap());
        }
    }
}
