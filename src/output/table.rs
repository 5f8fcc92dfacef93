//! Tables for people: a terminal table that fits the terminal's width and colours verdict words, plain when
//! written to a file or a pipe.

use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Padding, Style};

use super::cell_text;
use super::table_width::{self, Plan};
use super::terminal::{self, Terminal};
use crate::report::{Cell, Table};

/// Writes a table for people. On a `terminal` (`None` for a file or a pipe) it fits the width (see
/// [`table_width`]: headers wrapped, then long columns wrapped at words, then one record per block) and verdict
/// words are coloured when the terminal allows colour.
pub fn write(table: &Table, terminal: Option<Terminal>, out: &mut dyn Write) -> io::Result<()> {
    let color = terminal.is_some_and(|t| t.color);
    let texts: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| row.iter().map(|c| crate::model::printable(&cell_text(c, '.')).into_owned()).collect())
        .collect();
    // A verdict cell is coloured where its word is shown whole, never a piece of it wrapped across lines.
    let paint = |row: usize, column: usize, text: &str| -> String {
        match table.rows[row].get(column) {
            Some(Cell::Verdict(verdict)) if color && text == verdict.as_str() => terminal::paint(*verdict),
            _ => text.to_string(),
        }
    };
    let plan = match terminal.and_then(|t| t.width) {
        Some(width) => table_width::plan(&table.columns, &texts, width),
        None => Plan::Natural,
    };
    let headers: Vec<String> = match &plan {
        Plan::Expanded => {
            let width = terminal.and_then(|t| t.width).unwrap_or(80);
            return out.write_all(table_width::expanded(&table.columns, &texts, width, paint).as_bytes());
        }
        Plan::Columns { headers, .. } => headers.clone(),
        Plan::Natural => table.columns.iter().map(|c| c.to_string()).collect(),
    };
    let widths = match &plan {
        Plan::Columns { widths, .. } => Some(widths),
        _ => None,
    };
    let mut builder = Builder::default();
    builder.push_record(headers);
    for (r, row) in texts.iter().enumerate() {
        builder.push_record(row.iter().enumerate().map(|(column, text)| {
            // Wrapped here at words (never a leading space on a line), and painted only when whole.
            match widths.map(|w| w[column]).filter(|w| text.chars().count() > *w) {
                Some(width) => table_width::wrap_words(text, width).join("\n"),
                None => paint(r, column, text),
            }
        }));
    }
    let mut rendered = builder.build();
    rendered.with(Style::sharp());
    if matches!(plan, Plan::Columns { padded: false, .. }) {
        rendered.with(Padding::zero());
    }
    for column in 0..table.columns.len() {
        if is_number_column(table, column) {
            rendered.modify(Columns::one(column), Alignment::right());
        }
    }
    let text = rendered.to_string();
    if table.rows.is_empty() {
        // With its header only, the table would end in the header's rule: close it with a bottom border.
        if let Some((body, last)) = text.rsplit_once('\n') {
            let bottom: String = last
                .chars()
                .map(|c| match c {
                    '├' => '└',
                    '┼' => '┴',
                    '┤' => '┘',
                    c => c,
                })
                .collect();
            return writeln!(out, "{body}\n{bottom}");
        }
    }
    writeln!(out, "{text}")
}

/// Whether a column holds numbers (counts, rates, changes), which are right-aligned.
fn is_number_column(table: &Table, column: usize) -> bool {
    let mut cells = table.rows.iter().filter_map(|r| r.get(column)).filter(|c| !matches!(c, Cell::Empty)).peekable();
    cells.peek().is_some() && cells.all(|c| matches!(c, Cell::Count(_) | Cell::Rate(_) | Cell::Change(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    fn written(terminal: Option<Terminal>) -> String {
        let table = Table {
            columns: vec!["verdict", "note"],
            rows: vec![vec![Cell::Verdict(Verdict::NonCompliant), Cell::text("compliant")]],
        };
        let mut out = Vec::new();
        write(&table, terminal, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn only_verdict_cells_are_coloured_and_only_on_a_terminal_that_allows_it() {
        let painted = terminal::paint(Verdict::NonCompliant);
        let coloured = written(Some(Terminal { width: Some(80), color: true }));
        assert!(coloured.contains(&painted));
        assert!(!coloured.contains(&terminal::paint(Verdict::Compliant)), "a text cell is never coloured");
        assert!(!written(Some(Terminal { width: Some(80), color: false })).contains('\u{1b}'));
        assert!(!written(None).contains('\u{1b}'));
        assert_eq!(written(None).replace(' ', ""), coloured.replace(&painted, "non-compliant").replace(' ', ""));
    }
}
