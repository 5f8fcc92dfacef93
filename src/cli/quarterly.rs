//! `pledgecheck quarterly 2026-Q3 --output DIR [--excel]`: the quarter's files in one go, written atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::Quarter;
use crate::output;
use crate::report::pack;
use crate::service::reports;
use crate::store::{Mode, Moment, Store};

/// Arguments of `quarterly`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Files (QUARTER-KIND.csv): summary, firms, searches, failing, exemptions, outcomes; see the \
    README for their columns. The same database gives byte-identical files.\n\n\
    Examples:\n  \
    pledgecheck quarterly 2026-Q3 --output packs/2026-Q3\n  \
    pledgecheck quarterly 2026-Q3 --output packs/2026-Q3-excel --excel")]
pub struct Args {
    /// The quarter, such as 2026-Q3.
    #[arg(value_parser = super::report::parse_quarter)]
    quarter: Quarter,

    /// The folder to write (created; an earlier pack in it is replaced, anything else is refused).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,

    /// CSV for Danish spreadsheets: byte-order mark, `;`, decimal commas, CRLF, formula guard.
    #[arg(long)]
    excel: bool,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    super::refuse_database_path(db, &args.output)?;
    let store = Store::open(db, Mode::Existing)?;
    let (data, tables) = reports::pack(&store, args.quarter)?;
    super::report::detail_of(invocation, &data, store.view(Moment::Now, None)?.judging()?);
    let mut files = Vec::with_capacity(tables.len());
    for (name, table) in &tables {
        let mut bytes = Vec::new();
        output::csv::write(table, args.excel, &mut bytes)?;
        files.push((name.clone(), bytes));
    }
    output::atomic_write::write_dir_atomically(&args.output, &files, pack::is_pack_file)?;
    for (name, table) in &tables {
        invocation.detail(format_args!("{name}: {} rows", table.rows.len()));
    }
    if !invocation.quiet() {
        let searches = data.verdicts.iter().filter(|r| r.quarter == args.quarter.to_string()).count();
        writeln!(
            std::io::stdout().lock(),
            "wrote {} for {} ({}) to {}",
            crate::import::plural(files.len(), "file", "files"),
            args.quarter,
            crate::import::plural(searches, "search", "searches"),
            args.output.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
