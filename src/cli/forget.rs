//! `pledgecheck forget FIRM SEARCH_REF CANDIDATE_REF`: the one sanctioned rewrite, for a person's right to erasure.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;

use super::Invocation;
use crate::store::Mode;

/// Arguments of `forget`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Replaces the candidate's reference by a redaction token in every stored version, keeping \
    sectors, stages and years, so verdicts, as-of reports and `audit verify` stay as they were. The redaction is \
    recorded in the chain; the command line is logged without the reference. Importing the candidate again later \
    adds them anew.\n\nExample:\n  pledgecheck forget nordsoeg NS-2026-003 c2")]
pub struct Args {
    /// The firm's id.
    #[arg(value_parser = super::identifier)]
    firm: String,
    /// The search's reference.
    #[arg(value_parser = super::identifier)]
    search_ref: String,
    /// The candidate's reference.
    #[arg(value_parser = super::identifier)]
    candidate_ref: String,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let mut store = invocation.open_for_writing(db, Mode::Existing)?;
    let (firm, search_ref) = (args.firm.trim(), args.search_ref.trim());
    // The reference itself must not be kept in the log.
    let command = format!("pledgecheck forget {firm} {search_ref} <candidate>");
    let (token, versions) = store
        .forget(firm, search_ref, args.candidate_ref.trim(), &invocation.actor, &command)?
        .ok_or_else(|| anyhow!("no candidate {:?} in search {search_ref:?} of firm {firm:?}", args.candidate_ref))?;
    writeln!(std::io::stdout(), "forgot the candidate in {versions} stored versions; they are now {token}")?;
    Ok(ExitCode::SUCCESS)
}
