//! Writing tables for people (a terminal table), spreadsheets and scripts (CSV, optionally for Danish Excel)
//! and programs (JSON), and writing output files atomically.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use serde_json::{json, Map, Value};
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::report::{format_rate, Cell, Table};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// CSV for spreadsheets and scripts.
    Csv,
    /// JSON for programs.
    Json,
}

/// The version of every JSON output's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// Writes a table in a format; `excel` shapes CSV for Danish spreadsheets.
pub fn write(table: &Table, format: Format, excel: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => write_table(table, out),
        Format::Csv => write_csv(table, excel, out),
        Format::Json => write_json(&json!({"schema_version": SCHEMA_VERSION, "rows": rows_json(table)}), out),
    }
}

/// Writes a table for people.
pub fn write_table(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let mut builder = Builder::default();
    builder.push_record(table.columns.iter().map(|c| c.to_string()));
    for row in &table.rows {
        builder.push_record(row.iter().map(|cell| plain(cell, '.')));
    }
    let mut rendered = builder.build();
    rendered.with(Style::sharp());
    writeln!(out, "{rendered}")
}

fn plain(cell: &Cell, decimal: char) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Rate(Some(rate)) => format_rate(*rate, decimal),
        Cell::Rate(None) | Cell::Empty => String::new(),
    }
}

/// Writes CSV; with `excel`: a byte-order mark, `;`, decimal commas, CRLF, and a `'` before a text cell that a
/// spreadsheet would read as a formula.
pub fn write_csv(table: &Table, excel: bool, out: &mut dyn Write) -> io::Result<()> {
    if excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(if excel { b';' } else { b',' })
        .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(out);
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) if excel && text.starts_with(['=', '+', '-', '@']) => format!("'{text}"),
            _ => plain(cell, if excel { ',' } else { '.' }),
        }))?;
    }
    writer.flush()
}

/// A table's rows as JSON objects: counts as numbers, rates as numbers or null, empty cells as null.
pub fn rows_json(table: &Table) -> Value {
    Value::Array(
        table
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (column, cell) in table.columns.iter().zip(row) {
                    let value = match cell {
                        Cell::Text(text) => Value::from(text.as_str()),
                        Cell::Count(n) => Value::from(*n),
                        Cell::Rate(Some(rate)) => Value::from(f64::from(*rate) / 10_000.0),
                        Cell::Rate(None) | Cell::Empty => Value::Null,
                    };
                    object.insert(column.to_string(), value);
                }
                Value::Object(object)
            })
            .collect(),
    )
}

/// Writes a JSON value, pretty, with a final newline.
pub fn write_json(value: &Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Writes a file atomically: into a temporary file beside it, renamed into place when complete.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    {
        let mut buffered = io::BufWriter::new(file.as_file_mut());
        fill(&mut buffered).with_context(|| format!("writing {}", path.display()))?;
        buffered.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            columns: vec!["firm", "count", "rate", "date"],
            rows: vec![vec![Cell::Text("=cmd".into()), Cell::Count(3), Cell::Rate(Some(8750)), Cell::Empty]],
        }
    }

    #[test]
    fn csv_plain_and_for_excel() {
        let mut plain = Vec::new();
        write_csv(&table(), false, &mut plain).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), "firm,count,rate,date\n=cmd,3,0.8750,\n");
        let mut excel = Vec::new();
        write_csv(&table(), true, &mut excel).unwrap();
        assert_eq!(String::from_utf8(excel).unwrap(), "\u{feff}firm;count;rate;date\r\n'=cmd;3;0,8750;\r\n");
    }

    #[test]
    fn json_types() {
        let rows = rows_json(&table());
        assert_eq!(rows, json!([{"firm": "=cmd", "count": 3, "rate": 0.875, "date": null}]));
    }
}
