//! `pledgecheck candidate add|update|remove`: a search's candidates logged by hand.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};

use super::by_hand::{self, Flags};
use super::Invocation;
use crate::import::{records, InputErrors, SearchRecord};
use crate::output::Format;
use crate::store::{Mode, Moment, Store};

/// Arguments of `candidate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The candidate's values; on `update`, only those given change, and an empty value clears an optional one.
#[derive(Debug, clap::Args)]
struct Values {
    /// The current or most recent sector.
    #[arg(long)]
    sector: Option<String>,
    /// Earlier sectors with years, such as private:4;municipality:2.
    #[arg(long)]
    experience: Option<String>,
    /// The furthest stage reached: longlist, shortlist, interview or hired (default shortlist).
    #[arg(long)]
    stage: Option<String>,
    /// When the candidate was added to the list.
    #[arg(long, value_name = "DATE")]
    added_on: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add a candidate to a search, by a pseudonymous reference (never a name).
    #[command(
        after_help = "Example:\n  pledgecheck candidate add nordsoeg NS-2026-050 c1 --sector privat --experience kommune:3 --stage interview"
    )]
    Add {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        /// The candidate's pseudonymous reference.
        #[arg(value_parser = super::identifier)]
        candidate_ref: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Change a candidate: stage, sectors, years, added date.
    #[command(after_help = "Example:\n  pledgecheck candidate update nordsoeg NS-2026-050 c1 --stage hired")]
    Update {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        /// The candidate's pseudonymous reference.
        #[arg(value_parser = super::identifier)]
        candidate_ref: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Remove a candidate from a search (the old rows are kept in history; `forget` erases the reference).
    #[command(after_help = "Example:\n  pledgecheck candidate remove nordsoeg NS-2026-050 c1")]
    Remove {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        /// The candidate's pseudonymous reference.
        #[arg(value_parser = super::identifier)]
        candidate_ref: String,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

enum Change {
    Add(Values),
    Update(Values),
    Remove,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (firm, search_ref, candidate_ref, change, format) = match args.command {
        Command::Add { firm, search_ref, candidate_ref, values, format } => {
            (firm, search_ref, candidate_ref, Change::Add(values), format)
        }
        Command::Update { firm, search_ref, candidate_ref, values, format } => {
            (firm, search_ref, candidate_ref, Change::Update(values), format)
        }
        Command::Remove { firm, search_ref, candidate_ref, format } => {
            (firm, search_ref, candidate_ref, Change::Remove, format)
        }
    };
    let (firm, search_ref, candidate_ref) =
        (firm.trim().to_string(), search_ref.trim().to_string(), candidate_ref.trim().to_string());
    let store = Store::open(db, Mode::Existing)?;
    let case = store
        .view(Moment::Now, None)?
        .dossier(&firm, &search_ref)?
        .ok_or_else(|| anyhow!("no search {search_ref:?} of firm {firm:?} (add it with `search add`)"))?;
    let mut candidates = case.candidates.clone();
    let position = candidates.iter().position(|c| c.candidate_ref == candidate_ref);
    let values = match (change, position) {
        (Change::Add(_), Some(_)) => bail!("search {search_ref:?} has a candidate with that reference already"),
        (Change::Update(_) | Change::Remove, None) => {
            bail!("search {search_ref:?} has no candidate with that reference")
        }
        (Change::Remove, Some(i)) => {
            candidates.remove(i);
            None
        }
        (Change::Add(values), None) => Some((values, None)),
        (Change::Update(values), Some(i)) => Some((values, Some(i))),
    };
    if let Some((values, index)) = values {
        let mut flags = Flags::default();
        flags.set("candidate_ref", "CANDIDATE_REF", Some(candidate_ref.clone()));
        if let Some(i) = index {
            let c = &candidates[i];
            flags.set("candidate_sector", "--sector", Some(c.sector.to_string()));
            flags.set("experience", "--experience", Some(c.experience.to_string()));
            flags.set("stage", "--stage", Some(c.stage.to_string()));
            flags.set("added_on", "--added-on", c.added_on.map(|d| d.to_string()));
        }
        flags.set("candidate_sector", "--sector", values.sector);
        flags.set("experience", "--experience", values.experience);
        flags.set("stage", "--stage", values.stage);
        flags.set("added_on", "--added-on", values.added_on);
        let mut errors = InputErrors::default();
        let candidate = records::candidate(&flags, Some(case.search.opened_on), &mut errors);
        by_hand::check(errors)?;
        let candidate = candidate.ok_or_else(|| anyhow!("no candidate read"))?;
        match index {
            Some(i) => candidates[i] = candidate,
            None => candidates.push(candidate),
        }
    }
    let mut batch = by_hand::batch();
    batch.searches.push(SearchRecord { place: by_hand::place(), search: case.search.clone(), candidates });
    drop(store);
    let store = by_hand::store(invocation, db, Mode::Existing, &batch, &by_hand::command_hiding(&candidate_ref))?;
    by_hand::print_search(&store, &firm, &search_ref, format)?;
    Ok(ExitCode::SUCCESS)
}
