//! `pledgecheck imports` (the import log as a list) and `pledgecheck undo IMPORT_ID` (take one import back as a
//! new recorded change).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use super::Invocation;
use crate::output::{self, Format};
use crate::report::{Cell, Table};
use crate::store::{Mode, Store};

/// Arguments of `imports`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  pledgecheck imports\n  pledgecheck imports --format json")]
pub struct ImportsArgs {
    /// Output format (default: a table on a terminal, CSV otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Arguments of `undo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  pledgecheck imports\n  pledgecheck undo 7")]
pub struct UndoArgs {
    /// The id of the import to take back, as `pledgecheck imports` lists it.
    import_id: i64,
}

/// The columns of `imports`.
const COLUMNS: [&str; 5] = ["id", "at", "by", "files", "summary"];

pub(super) fn imports(invocation: &Invocation, db: &Path, args: ImportsArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, Mode::Existing)?;
    let entries = store.imports()?;
    let format = super::resolve_format(args.format, invocation.terminal);
    super::emit(None, |out| {
        if format == Format::Json {
            let value = json!({"schema_version": output::json::SCHEMA_VERSION, "imports": entries});
            return output::json::write(&value, out);
        }
        let rows = entries
            .iter()
            .map(|e| {
                let files = if e.files.is_empty() { e.command.clone() } else { e.files.join(" ") };
                vec![
                    Cell::Count(e.id as u64),
                    Cell::text(e.at.as_str()),
                    Cell::text(e.by.as_str()),
                    Cell::Text(files),
                    Cell::text(e.summary.as_str()),
                ]
            })
            .collect();
        output::write(&Table { columns: COLUMNS.to_vec(), rows }, format, false, invocation.terminal, out)
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn undo(invocation: &Invocation, db: &Path, args: UndoArgs) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(db, Mode::Existing)?;
    let outcome = crate::import::undo_import(&mut store, args.import_id, &invocation.actor, &super::command_line())?;
    if !invocation.quiet() {
        writeln!(std::io::stdout().lock(), "{}", outcome.summary())?;
    }
    Ok(ExitCode::SUCCESS)
}
