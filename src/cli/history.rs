//! `pledgecheck history [FIRM [SEARCH_REF]]`: what changed, when, by whom and from which file.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::output::{self, Format};
use crate::store::{Mode, Store, StoreError};

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck history\n  \
    pledgecheck history nordsoeg\n  \
    pledgecheck history nordsoeg NS-2026-003 --format json")]
pub struct Args {
    /// Only this firm (and its searches).
    #[arg(value_parser = super::identifier)]
    firm: Option<String>,

    /// Only this search of the firm.
    #[arg(value_parser = super::identifier)]
    search_ref: Option<String>,

    /// Output format: table or json.
    #[arg(long, value_parser = super::people_format(), default_value = "table")]
    format: Format,
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("history writes a table or JSON");
    }
    let store = Store::open(db, Mode::Existing)?;
    let (firm, search_ref) = (args.firm.as_deref().map(str::trim), args.search_ref.as_deref().map(str::trim));
    if let Some(firm) = firm {
        // Nothing ever recorded for a firm or search is a typo, not an empty history.
        if !anything_recorded(&store, firm, search_ref)? {
            let view = store.view(crate::store::Moment::Now, None)?;
            let place = db.display().to_string();
            crate::service::filters::known_firm_in(&view, Some(firm), &place)?;
            if let Some(search_ref) = search_ref {
                return Err(crate::service::filters::missing_search(&view, firm, search_ref, &place).into());
            }
        }
    }
    // Streamed: each change is written as it is read, so the first lines come at once and a closed pipe ends
    // the walk (the history of 100,000 searches once took more than 10 minutes before its first line).
    super::emit(None, |out| {
        let result = if args.format == Format::Json {
            write_json(&store, firm, search_ref, out)
        } else {
            write_words(&store, firm, search_ref, &mut output::terminal::Printable::new(out))
        };
        result.map_err(StoreError::into_io)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Whether anything was ever recorded for a firm (or one of its searches): the walk stops at the first change.
fn anything_recorded(store: &Store, firm: &str, search_ref: Option<&str>) -> Result<bool, StoreError> {
    let mut found = false;
    let walk = store.each_change(Some(firm), search_ref, |_| {
        found = true;
        Err(StoreError::Io(std::io::Error::other("one change is enough")))
    });
    match walk {
        Err(_) if found => Ok(true),
        other => other.map(|()| found),
    }
}

/// `{"schema_version": 1, "changes": [...]}`, pretty, byte for byte as serde_json writes the whole value, one
/// change at a time.
fn write_json(
    store: &Store,
    firm: Option<&str>,
    search_ref: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), StoreError> {
    write!(out, "{{\n  \"schema_version\": {},\n  \"changes\": [", output::json::SCHEMA_VERSION)?;
    let mut first = true;
    store.each_change(firm, search_ref, |change| {
        let text = serde_json::to_string_pretty(&change).map_err(std::io::Error::other)?;
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write!(out, "    {line}")?;
        }
        Ok(())
    })?;
    if first {
        writeln!(out, "]\n}}")?;
    } else {
        writeln!(out, "\n  ]\n}}")?;
    }
    Ok(())
}

/// The changes in words, grouped by entry.
fn write_words(
    store: &Store,
    firm: Option<&str>,
    search_ref: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), StoreError> {
    let mut last: Option<(String, String)> = None;
    let mut any = false;
    store.each_change(firm, search_ref, |c| {
        any = true;
        if last.as_ref().is_none_or(|(at, actor)| *at != c.at || *actor != c.actor) {
            let source = if c.files.is_empty() { c.command.clone() } else { c.files.join(", ") };
            let source = crate::model::printable(&source);
            writeln!(out, "{} by {}: {source}", c.at, c.actor)?;
            last = Some((c.at.clone(), c.actor.clone()));
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
        Ok(())
    })?;
    if !any {
        writeln!(out, "No changes recorded.")?;
    }
    Ok(())
}
