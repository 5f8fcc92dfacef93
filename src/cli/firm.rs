//! `pledgecheck firm add|update|list`: firms logged by hand.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use serde_json::json;

use super::by_hand::{self, Flags};
use super::Invocation;
use crate::import::{records, InputErrors};
use crate::output::{self, Format};
use crate::report::{Cell, Table};
use crate::store::{Mode, Moment, Store};

/// Arguments of `firm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The firm's values; on `update`, only those given change, and an empty value clears one.
#[derive(Debug, clap::Args)]
struct Values {
    /// The firm's name.
    #[arg(long)]
    name: Option<String>,
    /// When it signed the pledge.
    #[arg(long, value_name = "DATE")]
    pledged_on: Option<String>,
    /// When it withdrew from the pledge.
    #[arg(long, value_name = "DATE")]
    withdrawn_on: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add a firm.
    #[command(
        after_help = "Example:\n  pledgecheck firm add nordsoeg --name \"Nordsøg Executive Search A/S\" --pledged-on 2021-09-15"
    )]
    Add {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Change a firm: its name or pledge dates (withdrawing the pledge is `--withdrawn-on DATE`).
    #[command(after_help = "Example:\n  pledgecheck firm update vestlys --withdrawn-on 2025-10-31")]
    Update {
        /// The firm's id.
        #[arg(value_parser = super::identifier)]
        firm: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// List the firms.
    #[command(after_help = "Example:\n  pledgecheck firm list --format csv")]
    List {
        /// Output format (default: a table on a terminal, CSV otherwise).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (firm, values, format, adding) = match args.command {
        Command::List { format } => return list(invocation, db, format),
        Command::Add { firm, values, format } => (firm, values, format, true),
        Command::Update { firm, values, format } => (firm, values, format, false),
    };
    let firm = firm.trim().to_string();
    let mut flags = Flags::default();
    flags.set("firm", "FIRM", Some(firm.clone()));
    if !adding {
        let store = Store::open(db, Mode::Existing)?;
        let current = store.firm(&firm)?.ok_or_else(|| anyhow!("no firm {firm:?} (add it with `firm add`)"))?;
        flags.set("name", "--name", current.name);
        flags.set("pledged_on", "--pledged-on", current.pledged_on.map(|d| d.to_string()));
        flags.set("withdrawn_on", "--withdrawn-on", current.withdrawn_on.map(|d| d.to_string()));
    } else if db.exists() && Store::open(db, Mode::Existing)?.firm(&firm)?.is_some() {
        bail!("firm {firm:?} exists already (change it with `firm update`)");
    }
    flags.set("name", "--name", values.name);
    flags.set("pledged_on", "--pledged-on", values.pledged_on);
    flags.set("withdrawn_on", "--withdrawn-on", values.withdrawn_on);
    let mut errors = InputErrors::default();
    let parsed = records::firm(&flags, &mut errors);
    by_hand::check(errors)?;
    let mut batch = by_hand::batch();
    batch.firms.push((by_hand::place(), parsed.expect("no errors, so a firm")));
    let store = by_hand::store(invocation, db, Mode::Create, &batch, &super::command_line())?;
    let stored = store.firm(&firm)?.ok_or_else(|| anyhow!("firm {firm:?} vanished"))?;
    let mut searches = 0;
    store.view(Moment::Now, None)?.each_verdict(Some(&firm), &[], |_| {
        searches += 1;
        Ok(())
    })?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let value = json!({
            "schema_version": output::json::SCHEMA_VERSION,
            "firm": {"firm": stored.firm, "name": stored.name, "pledged_on": stored.pledged_on, "withdrawn_on": stored.withdrawn_on},
            "searches_judged": searches,
        });
        output::json::write(&value, &mut out)?;
    } else {
        let searches = crate::import::plural(searches as usize, "search", "searches");
        writeln!(out, "firm {firm} stored; its {searches} judged again")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn list(invocation: &Invocation, db: &Path, format: Option<Format>) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, Mode::Existing)?;
    let mut rows = Vec::new();
    for f in store.view(Moment::Now, None)?.firms()? {
        let firm = store.firm(&f.firm)?.ok_or_else(|| anyhow!("firm {:?} vanished", f.firm))?;
        let text = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Empty, |d| Cell::Text(d.to_string()));
        rows.push(vec![
            Cell::Text(firm.firm),
            firm.name.map_or(Cell::Empty, Cell::Text),
            text(firm.pledged_on),
            text(firm.withdrawn_on),
        ]);
    }
    let table = Table { columns: vec!["firm", "name", "pledged_on", "withdrawn_on"], rows };
    let format = super::resolve_format(format, invocation.terminal);
    super::emit(None, |out| output::write(&table, format, false, invocation.terminal, out))?;
    Ok(ExitCode::SUCCESS)
}
