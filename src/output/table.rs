//! Tables for people: a terminal table that fits the terminal's width and colours verdict words, plain when
//! written to a file or a pipe.

use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

use super::cell_text;
use super::table_width::{self, Plan};
use super::terminal::{self, Terminal};
use crate::report::Table;
use crate::rules::Verdict;

/// Columns whose cells are verdict words, coloured on a terminal.
const VERDICT_COLUMNS: [&str; 3] = ["verdict", "from", "to"];

/// Writes a table for people. On a `terminal` (`None` for a file or a pipe) it fits the width (see
/// [`table_width`]: headers wrapped, then long columns wrapped at words, then one record per block) and verdict
/// words are coloured when the terminal allows colour.
pub fn write(table: &Table, terminal: Option<Terminal>, out: &mut dyn Write) -> io::Result<()> {
    let color = terminal.is_some_and(|t| t.color);
    let texts: Vec<Vec<String>> =
        table.rows.iter().map(|row| row.iter().map(|c| cell_text(c, '.')).collect()).collect();
    let paint = |column: usize, text: &str| -> String {
        match Verdict::parse(text) {
            Some(verdict) if color && VERDICT_COLUMNS.contains(&table.columns[column]) => terminal::paint(verdict),
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
    let mut builder = Builder::default();
    builder.push_record(headers);
    for row in &texts {
        builder.push_record(row.iter().enumerate().map(|(i, text)| paint(i, text)));
    }
    let mut rendered = builder.build();
    rendered.with(Style::sharp());
    if let Plan::Columns { widths, .. } = &plan {
        for (i, width) in widths.iter().enumerate() {
            if texts.iter().any(|row| row[i].chars().count() > *width) {
                rendered.modify(Columns::one(i), Width::wrap(*width).keep_words(true));
            }
        }
    }
    writeln!(out, "{rendered}")
}
