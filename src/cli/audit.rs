//! `pledgecheck audit verify [--expect HASH]`

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::output::{self, Format};
use crate::service;
use crate::store::{Mode, Store};

/// Arguments of `audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Recompute the hash chain of the import log and every stored row; exit 1 on tampering.
    ///
    /// Names the first entry that was altered, inserted or removed, and rows edited outside pledgecheck. Prints
    /// the chain's latest hash either way: note it, and later check that history up to then is unchanged with
    /// `--expect HASH` (the chain may have grown since; the noted hash must still be in it).
    #[command(after_help = "Examples:\n  pledgecheck audit verify\n  pledgecheck audit verify --expect 3f9a...c2")]
    Verify {
        /// A chain hash noted earlier, which must still be an entry of the chain.
        #[arg(long, value_name = "HASH")]
        expect: Option<String>,
        /// Output format: table (words) or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Command::Verify { expect, format } = args.command;
    let store = Store::open(db, Mode::Existing)?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let (value, intact) = service::evidence::verify(&store, expect.as_deref())?;
        output::json::write(&value, &mut out)?;
        return Ok(if intact { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let found = store.verify_chain()?;
    let expected = expect.map(|hash| store.find_entry(&hash).map(|entry| (hash, entry))).transpose()?;
    let expect_ok = expected.as_ref().is_none_or(|(_, entry)| entry.is_some());
    {
        match &found.first_bad_entry {
            Some(entry) => writeln!(out, "TAMPERED: {entry}")?,
            None if found.bad_row_count == 0 => writeln!(out, "chain intact: {} entries", found.entries)?,
            None => writeln!(out, "the {} entries of the chain are intact, but stored rows are not:", found.entries)?,
        }
        for row in &found.bad_rows {
            writeln!(out, "TAMPERED: {row}")?;
        }
        if found.bad_row_count > found.bad_rows.len() {
            writeln!(out, "TAMPERED: and {} more rows", found.bad_row_count - found.bad_rows.len())?;
        }
        if let Some((hash, entry)) = &expected {
            match entry {
                Some((id, at)) => writeln!(out, "expected hash {hash} is entry {id} ({at})")?,
                None => {
                    writeln!(out, "EXPECTED HASH NOT FOUND: {hash} is no entry of the chain (history was rewritten)")?
                }
            }
        }
        writeln!(out, "latest chain hash: {}", found.head)?;
    }
    Ok(if found.intact() && expect_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
