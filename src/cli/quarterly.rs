//! `pledgecheck quarterly 2026-Q3 --output DIR [--excel]`: the quarter's files in one go, written atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::Quarter;
use crate::output;
use crate::report::pack;
use crate::service::reports;
use crate::store::{Mode, Store};

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
    let pack = reports::pack(&store, args.quarter)?;
    super::report::detail_of(invocation, pack.firms, pack.searches, pack.judging()?);
    let names: Vec<&str> = pack.files.iter().map(|(name, _)| name.as_str()).collect();
    let mut rows = Vec::with_capacity(names.len());
    // Each file is written as its rows come from the database: none is held whole in memory.
    output::atomic_write::write_files_atomically(&args.output, &names, pack::is_pack_file, |i, out| {
        let content = &pack.files[i].1;
        let mut csv = output::csv::RowWriter::new(content.columns(), args.excel, out)?;
        let mut n = 0usize;
        pack.each_row(content, |cells| {
            n += 1;
            csv.row(cells)
        })
        .map_err(crate::store::StoreError::into_io)?;
        rows.push(n);
        csv.finish()
    })?;
    for (name, n) in names.iter().zip(&rows) {
        invocation.detail(format_args!("{name}: {n} rows"));
    }
    if !invocation.quiet() {
        writeln!(
            std::io::stdout().lock(),
            "wrote {} for {} ({}) to {}",
            crate::import::plural(names.len(), "file", "files"),
            args.quarter,
            crate::import::plural(usize::try_from(pack.of_quarter).unwrap_or(usize::MAX), "search", "searches"),
            args.output.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
