//! CSV for spreadsheets and scripts, plain or shaped for Danish Excel, whole or row by row.

use std::io::{self, Write};

use super::cell_text;
use crate::report::{Cell, Table};

/// A CSV error as the I/O error it wraps, so that a closed pipe is still seen as one (and ends quietly).
fn csv_error(error: ::csv::Error) -> io::Error {
    match error.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Writes CSV; with `excel`: a byte-order mark, `;`, decimal commas, CRLF, and a `'` before a text cell that a
/// spreadsheet would read as a formula.
pub fn write(table: &Table, excel: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = RowWriter::new(&table.columns, excel, out)?;
    for row in &table.rows {
        writer.row(row)?;
    }
    writer.finish()
}

/// CSV written row by row, for reports too long to hold: the header first, then each row as it comes.
pub struct RowWriter<'a> {
    writer: ::csv::Writer<&'a mut dyn Write>,
    excel: bool,
}

impl<'a> RowWriter<'a> {
    /// Starts the CSV with its header (and, for Excel, a byte-order mark).
    pub fn new(columns: &[&str], excel: bool, out: &'a mut dyn Write) -> io::Result<RowWriter<'a>> {
        if excel {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(if excel { b';' } else { b',' })
            .terminator(if excel { ::csv::Terminator::CRLF } else { ::csv::Terminator::Any(b'\n') })
            .from_writer(out);
        writer.write_record(columns).map_err(csv_error)?;
        Ok(RowWriter { writer, excel })
    }

    /// Writes one row, its cells in the order of the columns.
    pub fn row(&mut self, row: &[Cell]) -> io::Result<()> {
        let excel = self.excel;
        self.writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) if excel && text.starts_with(['=', '+', '-', '@']) => format!("'{text}"),
                _ => cell_text(cell, if excel { ',' } else { '.' }),
            }))
            .map_err(csv_error)
    }

    /// Flushes what is written.
    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    fn table() -> Table {
        Table {
            columns: vec!["firm", "count", "rate", "date"],
            rows: vec![vec![Cell::Text("=cmd".into()), Cell::Count(3), Cell::Rate(Some(8750)), Cell::Empty]],
        }
    }

    #[test]
    fn csv_plain_and_for_excel() {
        let mut plain = Vec::new();
        write(&table(), false, &mut plain).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), "firm,count,rate,date\n=cmd,3,0.8750,\n");
        let mut excel = Vec::new();
        write(&table(), true, &mut excel).unwrap();
        assert_eq!(String::from_utf8(excel).unwrap(), "\u{feff}firm;count;rate;date\r\n'=cmd;3;0,8750;\r\n");
    }

    #[test]
    fn a_verdict_is_its_word() {
        let table = Table { columns: vec!["verdict"], rows: vec![vec![Cell::Verdict(Verdict::NotApplicable)]] };
        let mut out = Vec::new();
        write(&table, true, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\u{feff}verdict\r\nnot-applicable\r\n");
    }
}
