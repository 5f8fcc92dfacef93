//! `pledgecheck exemption add|remove`: a search's exemption logged by hand.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;

use super::by_hand::{self, Flags};
use super::Invocation;
use crate::import::{records, InputErrors};
use crate::output::Format;
use crate::store::Mode;

/// Arguments of `exemption`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Record why a search could not meet the pledge (replaces its exemption, if it has one).
    #[command(
        after_help = "Example:\n  pledgecheck exemption add nordsoeg NS-2026-050 --reason no-qualified-candidate \
        --note \"three cross-sector candidates declined\""
    )]
    Add {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        /// The reason; the policy lists the reasons it accepts.
        #[arg(long)]
        reason: Option<String>,
        /// A free note (no personal data).
        #[arg(long)]
        note: Option<String>,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Remove a search's exemption.
    #[command(after_help = "Example:\n  pledgecheck exemption remove nordsoeg NS-2026-050")]
    Remove {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { firm, search_ref, reason, note, format } => {
            let (firm, search_ref) = (firm.trim().to_string(), search_ref.trim().to_string());
            let mut flags = Flags::default();
            flags.set("firm", "FIRM", Some(firm.clone()));
            flags.set("search_ref", "SEARCH_REF", Some(search_ref.clone()));
            flags.set("reason", "--reason", reason);
            flags.set("note", "--note", note);
            let mut errors = InputErrors::default();
            let exemption = records::exemption(&flags, &mut errors);
            by_hand::check(errors)?;
            let mut batch = by_hand::batch();
            batch.exemptions.extend(exemption.map(|e| (by_hand::place(), e)));
            let store = by_hand::store(invocation, db, Mode::Existing, &batch, &super::command_line())?;
            by_hand::print_search(&store, &firm, &search_ref, format)?;
        }
        Command::Remove { firm, search_ref, format } => {
            let (firm, search_ref) = (firm.trim(), search_ref.trim());
            let mut store = invocation.open_for_writing(db, Mode::Existing)?;
            if !store.remove_exemption(firm, search_ref, &invocation.actor, &super::command_line())? {
                bail!("search {search_ref:?} of firm {firm:?} has no exemption");
            }
            by_hand::print_search(&store, firm, search_ref, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
