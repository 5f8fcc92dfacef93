//! `pledgecheck search add|update|remove`: searches logged by hand.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};

use super::by_hand::{self, Flags};
use super::Invocation;
use crate::import::{records, InputErrors, SearchRecord};
use crate::output::Format;
use crate::store::{Mode, Moment, Store};

/// Arguments of `search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The search's values; on `update`, only those given change, and an empty value clears an optional one.
#[derive(Debug, clap::Args)]
struct Values {
    /// The client organisation.
    #[arg(long)]
    client: Option<String>,
    /// The client's sector.
    #[arg(long, value_name = "SECTOR")]
    client_sector: Option<String>,
    /// The position title.
    #[arg(long)]
    position: Option<String>,
    /// top, executive or manager.
    #[arg(long)]
    level: Option<String>,
    /// When the firm took the search.
    #[arg(long, value_name = "DATE")]
    opened_on: Option<String>,
    /// When the shortlist went to the client.
    #[arg(long, value_name = "DATE")]
    shortlist_on: Option<String>,
    /// When the search was cancelled.
    #[arg(long, value_name = "DATE")]
    cancelled_on: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add a search (its candidates come with `candidate add`).
    #[command(after_help = "Example:\n  pledgecheck search add nordsoeg NS-2026-050 --client \"Aarhus Kommune\" \
        --client-sector kommune --position \"Direktør for Børn og Unge\" --level top --opened-on 2026-09-01")]
    Add {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Change a search: shortlist date, level, client, cancellation, ...
    #[command(after_help = "Example:\n  pledgecheck search update nordsoeg NS-2026-050 --shortlist-on 2026-10-15")]
    Update {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Remove a search with its candidates and exemption (the old rows are kept in history).
    #[command(after_help = "Example:\n  pledgecheck search remove nordsoeg NS-2026-050")]
    Remove {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        /// The firm's reference for the search.
        #[arg(value_parser = super::identifier)]
        search_ref: String,
    },
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (firm, search_ref, values, format, adding) = match args.command {
        Command::Remove { firm, search_ref } => return remove(invocation, db, firm.trim(), search_ref.trim()),
        Command::Add { firm, search_ref, values, format } => (firm, search_ref, values, format, true),
        Command::Update { firm, search_ref, values, format } => (firm, search_ref, values, format, false),
    };
    let (firm, search_ref) = (firm.trim().to_string(), search_ref.trim().to_string());
    let store = Store::open(db, Mode::Existing)?;
    let current = store.view(Moment::Now, None)?.dossier(&firm, &search_ref)?;
    let mut flags = Flags::default();
    flags.set("firm", "FIRM", Some(firm.clone()));
    flags.set("search_ref", "SEARCH_REF", Some(search_ref.clone()));
    let candidates = match (&current, adding) {
        (Some(_), true) => {
            bail!("search {search_ref:?} of firm {firm:?} exists already (change it with `search update`)")
        }
        (None, false) => bail!("no search {search_ref:?} of firm {firm:?} (add it with `search add`)"),
        (None, true) => Vec::new(),
        (Some(case), false) => {
            let s = &case.search;
            flags.set("client", "--client", Some(s.client.clone()));
            flags.set("client_sector", "--client-sector", Some(s.client_sector.to_string()));
            flags.set("position", "--position", Some(s.position.clone()));
            flags.set("level", "--level", Some(s.level.to_string()));
            flags.set("opened_on", "--opened-on", Some(s.opened_on.to_string()));
            flags.set("shortlist_on", "--shortlist-on", s.shortlist_on.map(|d| d.to_string()));
            flags.set("cancelled_on", "--cancelled-on", s.cancelled_on.map(|d| d.to_string()));
            case.candidates.clone()
        }
    };
    flags.set("client", "--client", values.client);
    flags.set("client_sector", "--client-sector", values.client_sector);
    flags.set("position", "--position", values.position);
    flags.set("level", "--level", values.level);
    flags.set("opened_on", "--opened-on", values.opened_on);
    flags.set("shortlist_on", "--shortlist-on", values.shortlist_on);
    flags.set("cancelled_on", "--cancelled-on", values.cancelled_on);
    let mut errors = InputErrors::default();
    let search = records::search(&flags, &mut errors);
    if let Some(search) = &search {
        for c in &candidates {
            if c.added_on.is_some_and(|added| added < search.opened_on) {
                let message = format!(
                    "opened_on {} is after candidate {}'s added_on {}",
                    search.opened_on,
                    c.candidate_ref,
                    c.added_on.map(|d| d.to_string()).unwrap_or_default()
                );
                errors.push(crate::import::InputError {
                    file: by_hand::COMMAND_LINE.into(),
                    at: crate::import::At::Path("--opened-on".into()),
                    message,
                });
            }
        }
    }
    by_hand::check(errors)?;
    let search = search.ok_or_else(|| anyhow!("no search read"))?;
    let mut batch = by_hand::batch();
    batch.searches.push(SearchRecord { place: by_hand::place(), search, candidates });
    drop(store);
    let store = by_hand::store(invocation, db, Mode::Existing, &batch, &super::command_line())?;
    by_hand::print_search(&store, &firm, &search_ref, format)?;
    Ok(ExitCode::SUCCESS)
}

/// `search remove`: closes the search's rows (kept in history) and drops its verdict.
fn remove(invocation: &Invocation, db: &Path, firm: &str, search_ref: &str) -> anyhow::Result<ExitCode> {
    let mut store = invocation.open_for_writing(db, Mode::Existing)?;
    if !store.remove_search(firm, search_ref, &invocation.actor, &super::command_line())? {
        bail!("no search {search_ref:?} of firm {firm:?}");
    }
    writeln!(std::io::stdout(), "search {firm}/{search_ref} removed")?;
    Ok(ExitCode::SUCCESS)
}
