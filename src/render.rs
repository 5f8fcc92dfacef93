//! Writing tables for people (a terminal table), spreadsheets and scripts (CSV, optionally for Danish Excel)
//! and programs (JSON), and writing output files atomically.

use std::cell::Cell as StdCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{json, Map, Value};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

use crate::fit;
use crate::model::Verdict;
use crate::report::{format_change, format_rate, Cell, Table};
use crate::term::{self, Terminal};

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

thread_local! {
    /// The style of the output being written: set while writing to a terminal, so tables written to files and
    /// pipes are never styled.
    static TERMINAL: StdCell<Option<Terminal>> = const { StdCell::new(None) };
}

/// Runs `write` with tables styled for a terminal (its width, colour), or plain when `terminal` is `None`.
pub fn with_terminal<R>(terminal: Option<Terminal>, write: impl FnOnce() -> R) -> R {
    let before = TERMINAL.with(|t| t.replace(terminal));
    let result = write();
    TERMINAL.with(|t| t.set(before));
    result
}

/// Columns whose cells are verdict words, coloured on a terminal.
const VERDICT_COLUMNS: [&str; 3] = ["verdict", "from", "to"];

/// Writes a table for people; on a terminal (see [`with_terminal`]) it fits the width (see [`crate::fit`]: headers
/// wrapped, then long columns wrapped at words, then one record per block) and verdict words are coloured.
pub fn write_table(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let terminal = TERMINAL.with(StdCell::get);
    let color = terminal.is_some_and(|t| t.color);
    let texts: Vec<Vec<String>> = table.rows.iter().map(|row| row.iter().map(|c| plain(c, '.')).collect()).collect();
    let paint = |column: usize, text: &str| -> String {
        match Verdict::parse(text) {
            Some(verdict) if color && VERDICT_COLUMNS.contains(&table.columns[column]) => term::paint(verdict),
            _ => text.to_string(),
        }
    };
    let plan = match terminal.and_then(|t| t.width) {
        Some(width) => fit::plan(&table.columns, &texts, width),
        None => fit::Plan::Natural,
    };
    let headers: Vec<String> = match &plan {
        fit::Plan::Expanded => {
            let width = terminal.and_then(|t| t.width).unwrap_or(80);
            return out.write_all(fit::expanded(&table.columns, &texts, width, paint).as_bytes());
        }
        fit::Plan::Columns { headers, .. } => headers.clone(),
        fit::Plan::Natural => table.columns.iter().map(|c| c.to_string()).collect(),
    };
    let mut builder = Builder::default();
    builder.push_record(headers);
    for row in &texts {
        builder.push_record(row.iter().enumerate().map(|(i, text)| paint(i, text)));
    }
    let mut rendered = builder.build();
    rendered.with(Style::sharp());
    if let fit::Plan::Columns { widths, .. } = &plan {
        for (i, width) in widths.iter().enumerate() {
            if texts.iter().any(|row| row[i].chars().count() > *width) {
                rendered.modify(Columns::one(i), Width::wrap(*width).keep_words(true));
            }
        }
    }
    writeln!(out, "{rendered}")
}

fn plain(cell: &Cell, decimal: char) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Rate(Some(rate)) => format_rate(*rate, decimal),
        Cell::Change(Some(change)) => format_change(*change, decimal),
        Cell::Rate(None) | Cell::Change(None) | Cell::Empty => String::new(),
    }
}

/// A CSV error as the I/O error it wraps, so that a closed pipe is still seen as one (and ends quietly).
fn csv_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Writes CSV; with `excel`: a byte-order mark, `;`, decimal commas, CRLF, and a `'` before a text cell that a
/// spreadsheet would read as a formula.
pub fn write_csv(table: &Table, excel: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = CsvRows::new(&table.columns, excel, out)?;
    for row in &table.rows {
        writer.row(row)?;
    }
    writer.finish()
}

/// CSV written row by row, for reports too long to hold: the header first, then each row as it comes.
pub struct CsvRows<'a> {
    writer: csv::Writer<&'a mut dyn Write>,
    excel: bool,
}

impl<'a> CsvRows<'a> {
    /// Starts the CSV with its header (and, for Excel, a byte-order mark).
    pub fn new(columns: &[&str], excel: bool, out: &'a mut dyn Write) -> io::Result<CsvRows<'a>> {
        if excel {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(if excel { b';' } else { b',' })
            .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(out);
        writer.write_record(columns).map_err(csv_error)?;
        Ok(CsvRows { writer, excel })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &[Cell]) -> io::Result<()> {
        let excel = self.excel;
        self.writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) if excel && text.starts_with(['=', '+', '-', '@']) => format!("'{text}"),
                _ => plain(cell, if excel { ',' } else { '.' }),
            }))
            .map_err(csv_error)
    }

    /// Flushes what is written.
    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
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
                        Cell::Change(Some(change)) => Value::from(*change as f64 / 10_000.0),
                        Cell::Rate(None) | Cell::Change(None) | Cell::Empty => Value::Null,
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

/// Writes a folder of files atomically: the files go into a temporary folder beside `dir`, which is then
/// renamed into place. An existing `dir` is replaced only when it is empty or every entry passes `replaceable`
/// (files an earlier run wrote); anything else in it is refused, and nothing is changed.
pub fn write_dir_atomically(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    replaceable: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing = existing_entries(dir)?;
    if let Some(foreign) = existing.iter().find(|name| !replaceable(name)) {
        anyhow::bail!(
            "{} already holds {foreign:?}, which pledgecheck did not write; choose a new or empty folder",
            dir.display()
        );
    }
    let staging = tempfile::Builder::new()
        .prefix(".pledgecheck-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (name, bytes) in files {
        let path = staging.path().join(name);
        let mut file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    if existing.is_empty() {
        if dir.exists() {
            std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
        }
        std::fs::rename(staging.path(), dir).with_context(|| format!("cannot write {}", dir.display()))?;
        let _ = staging.keep();
    } else {
        // Move the old folder aside, the new one in, then remove the old one's files.
        let old: PathBuf = tempfile::Builder::new().prefix(".pledgecheck-old-").tempdir_in(parent)?.keep();
        std::fs::rename(dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
        if let Err(e) = std::fs::rename(staging.path(), dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(e).with_context(|| format!("cannot write {}", dir.display()));
        }
        let _ = staging.keep();
        for name in &existing {
            let _ = std::fs::remove_file(old.join(name));
        }
        let _ = std::fs::remove_dir(&old);
    }
    if let Ok(parent) = std::fs::File::open(parent) {
        let _ = parent.sync_all();
    }
    Ok(())
}

/// The names of the entries of a folder; none when it does not exist.
fn existing_entries(dir: &Path) -> anyhow::Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    if !dir.is_dir() {
        anyhow::bail!("{} exists and is not a folder", dir.display());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() {
            anyhow::bail!("{} already holds {name:?}, which pledgecheck did not write", dir.display());
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
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
