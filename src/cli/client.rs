//! `pledgecheck client add|update|list`: the registry of public employers, extended by hand.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use serde_json::json;

use super::by_hand::{self, Flags};
use super::Invocation;
use crate::import::{records, InputErrors};
use crate::output::{self, Format};
use crate::registry::Registry;
use crate::report::clients::client_list;
use crate::store::{Mode, Store};

/// Arguments of `client`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The entry's values; on `update`, only those given change.
#[derive(Debug, clap::Args)]
struct Values {
    /// The official name.
    #[arg(long)]
    name: Option<String>,
    /// municipality, region, ministry, agency or other-state (it gives the sector).
    #[arg(long)]
    kind: Option<String>,
    /// The municipality or region code.
    #[arg(long)]
    code: Option<String>,
    /// Other names and short forms, separated by `|` (on `update`, they replace the entry's).
    #[arg(long)]
    aliases: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add an employer the built-in registry lacks.
    #[command(
        after_help = "Example:\n  pledgecheck client add stat-folketingets-administration --name \"Folketingets Administration\" --kind other-state"
    )]
    Add {
        /// The new entry's id (lower-case letters, digits and `-`).
        id: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Change an entry, built-in or added (a built-in entry changed is kept as a user's entry beside it).
    #[command(after_help = "Example:\n  pledgecheck client update kommune-101 --aliases \"Kbh. Kommune|KK\"")]
    Update {
        /// The entry's id.
        id: String,
        #[command(flatten)]
        values: Values,
        /// Print what was stored as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// List the registry: the built-in entries and the users' own.
    #[command(after_help = "Example:\n  pledgecheck client list --format csv")]
    List {
        /// Output format (default: a table on a terminal, CSV otherwise).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (id, values, format, adding) = match args.command {
        Command::List { format } => return list(invocation, db, format),
        Command::Add { id, values, format } => (id, values, format, true),
        Command::Update { id, values, format } => (id, values, format, false),
    };
    let id = id.trim().to_string();
    let registry = if db.exists() { Store::open(db, Mode::Existing)?.registry()? } else { Registry::builtin() };
    let mut flags = Flags::default();
    flags.set("id", "ID", Some(id.clone()));
    match (registry.get(&id), adding) {
        (Some(_), true) => bail!("client {id:?} exists already (change it with `client update`)"),
        (None, false) => bail!("no client {id:?} in the registry (add it with `client add`)"),
        (Some(current), false) => {
            flags.set("name", "--name", Some(current.name.clone()));
            flags.set("kind", "--kind", Some(current.kind.as_str().to_string()));
            flags.set("code", "--code", current.code.clone());
            flags.set("aliases", "--aliases", Some(current.aliases_text()));
        }
        (None, true) => {}
    }
    flags.set("name", "--name", values.name);
    flags.set("kind", "--kind", values.kind);
    flags.set("code", "--code", values.code);
    flags.set("aliases", "--aliases", values.aliases);
    let mut errors = InputErrors::default();
    let entry = records::client(&flags, &mut errors);
    by_hand::check(errors)?;
    let mut batch = by_hand::batch();
    batch.clients.push((by_hand::place(), entry.expect("no errors, so an entry")));
    let store = by_hand::store(invocation, db, Mode::Create, &batch, &super::command_line())?;
    let stored = store.registry()?;
    let e = stored.get(&id).ok_or_else(|| anyhow!("client {id:?} vanished"))?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let value = json!({
            "schema_version": output::json::SCHEMA_VERSION,
            "client": {"id": e.id, "name": e.name, "sector": e.sector(), "kind": e.kind, "code": e.code,
                       "aliases": e.aliases},
            "registry": stored.version(),
        });
        output::json::write(&value, &mut out)?;
    } else {
        writeln!(out, "client {id} stored ({}, {}); registry {}", e.name, e.kind, stored.version())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists the registry; without a database, the built-in one.
fn list(invocation: &Invocation, db: &Path, format: Option<Format>) -> anyhow::Result<ExitCode> {
    let (registry, users) = if db.exists() {
        let store = Store::open(db, Mode::Existing)?;
        (store.registry()?, store.user_client_ids()?)
    } else {
        (Registry::builtin(), Vec::new())
    };
    let table = client_list(&registry, &users);
    let format = super::resolve_format(format, invocation.terminal);
    super::emit(None, |out| output::write(&table, format, false, invocation.terminal, out))?;
    Ok(ExitCode::SUCCESS)
}
