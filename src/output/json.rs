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
}
