//! `pledgecheck import FILE... [--dry-run] [--encoding E]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::import::Encoding;
use crate::import::{plural, ImportOptions, SearchDiff};

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck import samples/firms.csv samples/shortlists.csv samples/exemptions.csv\n  \
    pledgecheck import --encoding windows-1252 --dry-run export.csv\n  \
    pledgecheck import --profile samples/ats-profile.toml samples/ats-export.csv")]
pub struct Args {
    /// CSV files (firms, shortlists or exemptions, told apart by their header) or JSON files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Validate and judge, but write nothing; lists what would change, search by search.
    #[arg(long)]
    dry_run: bool,

    /// For exports that carry only new or changed rows: a stored search's candidates are added or updated, never
    /// removed (its own columns still replace the stored ones).
    #[arg(long)]
    merge: bool,

    /// Accept only rows of this firm; any row of another firm is refused (for agencies collecting files from
    /// firms), and so are clients rows (the registry of public employers is shared by every firm).
    #[arg(long, value_name = "ID")]
    #[arg(value_parser = super::identifier)]
    firm: Option<String>,

    /// Read CSV files through this import profile: a system's column names, columns to drop and words mapped to
    /// pledgecheck's (see `pledgecheck profile check`).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,

    /// How the files are encoded.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: Encoding,

    /// Import a client sector that contradicts the registry of public employers anyway (and list such searches);
    /// without it such a row is refused.
    #[arg(long)]
    trust_file_sectors: bool,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let profile = args.profile.as_deref().map(super::profile::load).transpose()?;
    let (_, outcome) = super::import_files(
        invocation,
        db,
        &args.files,
        args.encoding,
        ImportOptions {
            dry_run: args.dry_run,
            only_firm: args.firm.as_deref().map(str::trim),
            merge: args.merge,
            profile: profile.as_ref(),
            trust_file_sectors: args.trust_file_sectors,
            ..ImportOptions::default()
        },
    )?;
    if invocation.quiet() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        writeln!(out, "dry run, nothing was written: {}", outcome.summary_with_notes())?;
        write_diff(&outcome.diff, &mut out)?;
    } else {
        let files = plural(args.files.len(), "file", "files");
        writeln!(out, "imported {files} into {}: {}", db.display(), outcome.summary_with_notes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How many searches a dry run lists at most.
const LISTED: usize = 1000;

/// A dry run's changes, one line per search.
fn write_diff(diff: &[SearchDiff], out: &mut dyn Write) -> std::io::Result<()> {
    if diff.is_empty() {
        return Ok(());
    }
    writeln!(out, "would change:")?;
    for d in diff.iter().take(LISTED) {
        let mut parts = Vec::new();
        if !d.columns.is_empty() {
            parts.push(format!("{} changed", d.columns.join(", ")));
        }
        for (word, refs) in [("added", &d.added), ("removed", &d.removed), ("changed", &d.changed)] {
            if !refs.is_empty() {
                let candidates = if refs.len() == 1 { "candidate" } else { "candidates" };
                parts.push(format!("{candidates} {word}: {}", refs.join(", ")));
            }
        }
        parts.push(match (d.verdict_before, d.verdict_after) {
            (Some(b), Some(a)) if b != a => format!("verdict {b} -> {a}"),
            (_, Some(a)) => format!("verdict {a}"),
            _ => "no verdict".into(),
        });
        let new = if d.new { " (new)" } else { "" };
        writeln!(out, "  {} {}{new}: {}", d.firm, d.search_ref, parts.join("; "))?;
    }
    if diff.len() > LISTED {
        writeln!(out, "  ... and {} more", diff.len() - LISTED)?;
    }
    Ok(())
}
