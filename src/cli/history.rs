//! `pledgecheck history [FIRM [SEARCH_REF]]`: what changed, when, by whom and from which file.

use std::path::Path;
use std::process::ExitCode;

use crate::output::{self, Format};
use crate::service;
use crate::store::{Mode, Store};

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck history\n  \
    pledgecheck history nordsoeg\n  \
    pledgecheck history nordsoeg NS-2026-003 --format json")]
pub struct Args {
    /// Only this firm (and its searches).
    firm: Option<String>,

    /// Only this search of the firm.
    search_ref: Option<String>,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("history writes a table or JSON");
    }
    let store = Store::open(db, Mode::Existing)?;
    let changes = store.history(args.firm.as_deref().map(str::trim), args.search_ref.as_deref().map(str::trim))?;
    super::emit(None, |out| {
        if args.format == Format::Json {
            return output::json::write(&service::evidence::history_json(&changes), out);
        }
        if changes.is_empty() {
            return writeln!(out, "No changes recorded.");
        }
        let mut last = None;
        for c in &changes {
            if last != Some((&c.at, &c.actor)) {
                let source = if c.files.is_empty() { c.command.clone() } else { c.files.join(", ") };
                writeln!(out, "{} by {}: {source}", c.at, c.actor)?;
                last = Some((&c.at, &c.actor));
            }
            match c.change {
                "added" => writeln!(out, "  + {}: {}", c.what, c.after.join(", "))?,
                "removed" => writeln!(out, "  - {}: {}", c.what, c.before.join(", "))?,
                _ => {
                    let pairs: Vec<String> = c
                        .before
                        .iter()
                        .zip(&c.after)
                        .map(|(b, a)| format!("{b} -> {}", a.split_once('=').map_or(a.as_str(), |(_, v)| v)))
                        .collect();
                    writeln!(out, "  ~ {}: {}", c.what, pairs.join(", "))?
                }
            }
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
