//! Output: everything pledgecheck writes for people and programs, and how.
//!
//! - [`table`]: tables for people, fitted to a terminal's width by [`table_width`], verdicts coloured;
//! - [`csv`]: CSV, plain or shaped for Danish Excel; [`json`]: JSON with its schema version;
//! - [`html`]: the HTML report, with charts drawn by [`svg`];
//! - [`terminal`]: whether standard output is a terminal, its width, colour, and how much the commands say;
//! - [`atomic_write`]: output files and folders written atomically.
//!
//! Output takes what it writes as values: [`crate::model`] values (such as a
//! [`Verdict`](crate::model::Verdict)) and [`crate::report`] tables. It imports nothing else of the crate: it
//! never touches the database, and the commands decide what to write and where, passing what output needs (such
//! as the [`terminal::Terminal`]) explicitly.

pub mod atomic_write;
pub mod csv;
pub mod html;
pub mod json;
pub mod svg;
pub mod table;
pub mod table_width;
pub mod terminal;

use std::io::{self, Write};

use serde_json::json;

use self::terminal::Terminal;
use crate::report::{format_change, format_rate, Cell, Table};

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

/// Writes a report table in a format; `excel` shapes CSV for Danish spreadsheets, and a table is styled for
/// `terminal` (see [`table::write`]).
pub fn write(
    table: &Table,
    format: Format,
    excel: bool,
    terminal: Option<Terminal>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(table, terminal, out),
        Format::Csv => csv::write(table, excel, out),
        Format::Json => json::write(&json!({"schema_version": json::SCHEMA_VERSION, "rows": json::rows(table)}), out),
    }
}

/// Writes a report's rows as they come, in CSV or JSON (the bytes [`write`] gives the same table), without holding
/// them: `each` hands every row to its visitor, in order. A table for people needs every row to fit its columns,
/// so `Format::Table` is not taken here.
pub fn write_rows(
    columns: &[&str],
    format: Format,
    excel: bool,
    out: &mut dyn Write,
    each: impl FnOnce(&mut dyn FnMut(Vec<Cell>) -> io::Result<()>) -> io::Result<()>,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_rows(columns, out, each),
        _ => {
            let mut csv = csv::RowWriter::new(columns, excel, out)?;
            each(&mut |row| csv.row(&row))?;
            csv.finish()
        }
    }
}

/// A cell as tables and CSV write it, with `decimal` as the decimal mark of rates and changes.
fn cell_text(cell: &Cell, decimal: char) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Verdict(verdict) => verdict.as_str().to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Rate(Some(rate)) => format_rate(*rate, decimal),
        Cell::Change(Some(change)) => format_change(*change, decimal),
        Cell::Rate(None) | Cell::Change(None) | Cell::Empty => String::new(),
    }
}
