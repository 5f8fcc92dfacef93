//! `pledgecheck backup FILE`: a consistent copy made with SQLite's online backup, safe while others write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::store::{Mode, Store};

/// Arguments of `backup`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  pledgecheck backup backups/pledgecheck-2026-11-23.db")]
pub struct Args {
    /// Where to write the copy (written beside, then renamed into place).
    file: PathBuf,
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    super::refuse_database_path(db, &args.file)?;
    let store = Store::open(db, Mode::Existing)?;
    store.backup(&args.file)?;
    let head = store.chain_head()?;
    writeln!(std::io::stdout(), "backed up {} to {}; chain hash {head}", db.display(), args.file.display())?;
    Ok(ExitCode::SUCCESS)
}
