//! `pledgecheck import FILE... [--dry-run] [--encoding E]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::import::Encoding;
use crate::import::ImportOptions;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck import samples/firms.csv samples/shortlists.csv samples/exemptions.csv\n  \
    pledgecheck import --encoding windows-1252 --dry-run export.csv")]
pub struct Args {
    /// CSV files (firms, shortlists or exemptions, told apart by their header) or JSON files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Validate and judge, but write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Accept only rows of this firm; any row of another firm is refused (for agencies collecting files from
    /// firms).
    #[arg(long, value_name = "ID")]
    firm: Option<String>,

    /// How the files are encoded.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: Encoding,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (_, outcome) = super::import_files(
        invocation,
        db,
        &args.files,
        args.encoding,
        ImportOptions {
            dry_run: args.dry_run,
            only_firm: args.firm.as_deref().map(str::trim),
            ..ImportOptions::default()
        },
    )?;
    if invocation.quiet() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        writeln!(out, "dry run, nothing was written: {}", outcome.summary())?;
    } else {
        writeln!(out, "imported {} files into {}: {}", args.files.len(), db.display(), outcome.summary())?;
    }
    Ok(ExitCode::SUCCESS)
}
