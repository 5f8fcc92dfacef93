//! What the commands for logging by hand (`firm`, `search`, `candidate`, `exemption`) share: their flags read as
//! the fields of an input row, so they get the same validation and messages as an import, and the result printed
//! as the new verdict or as JSON of what was stored.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::digest::hex_sha256;
use crate::import::records::Fields;
use crate::import::{At, Batch, InputErrors, Place, Source};
use crate::model::{Dossier, SearchVerdict};
use crate::output::{self, Format};
use crate::store::{Mode, Moment, Store};

/// The name errors give for the command line, where a file name would stand.
pub(super) const COMMAND_LINE: &str = "command line";

/// Flags as the fields of an input row: `(field, flag, value)`; an empty value clears an optional field.
#[derive(Debug, Default)]
pub(super) struct Flags {
    values: Vec<(&'static str, &'static str, Option<String>)>,
}

impl Flags {
    /// Sets a field from a flag, if the flag was given (`Some("")` clears it).
    pub(super) fn set(&mut self, field: &'static str, flag: &'static str, value: Option<String>) {
        match self.values.iter_mut().find(|(f, _, _)| *f == field) {
            Some(slot) => {
                if value.is_some() {
                    slot.2 = value;
                }
            }
            None => self.values.push((field, flag, value)),
        }
    }
}

impl Fields for Flags {
    fn file(&self) -> &str {
        COMMAND_LINE
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(f, _, _)| *f == name).and_then(|(_, _, v)| v.as_deref())
    }

    fn at(&self, name: &str) -> At {
        let flag = self.values.iter().find(|(f, _, _)| *f == name).map_or(name, |(_, flag, _)| flag);
        At::Path(flag.to_string())
    }
}

/// A batch holding one change made by hand.
pub(super) fn batch() -> Batch {
    let command = super::command_line();
    Batch {
        sources: vec![Source {
            name: COMMAND_LINE.into(),
            sha256: hex_sha256(command.as_bytes()),
            kind: None,
            header: Vec::new(),
        }],
        ..Batch::default()
    }
}

/// Where a change made by hand stands, for errors that name a place.
pub(super) fn place() -> Place {
    Place { source: 0, at: At::File }
}

/// Fails with the errors collected, if any.
pub(super) fn check(errors: InputErrors) -> anyhow::Result<()> {
    errors.into_result().map_err(anyhow::Error::from)
}

/// Stores a batch made by hand, recording `actor` as who made it and `command` as its source.
pub(super) fn store(
    invocation: &super::Invocation,
    db: &Path,
    mode: Mode,
    batch: &Batch,
    command: &str,
) -> anyhow::Result<Store> {
    let mut store = invocation.open_for_writing(db, mode)?;
    let actor = &invocation.actor;
    crate::import::import_batch(&mut store, batch, actor, command, crate::import::ImportOptions::default())?;
    Ok(store)
}

/// A current search's rows as JSON.
pub(super) fn case_json(case: &Dossier) -> Value {
    let s = &case.search;
    json!({
        "firm": s.firm, "search_ref": s.search_ref, "client": s.client, "client_sector": s.client_sector,
        "position": s.position, "level": s.level, "opened_on": s.opened_on, "shortlist_on": s.shortlist_on,
        "cancelled_on": s.cancelled_on,
        "candidates": case.candidates.iter().map(|c| json!({
            "candidate_ref": c.candidate_ref, "candidate_sector": c.sector, "experience": c.experience.to_string(),
            "stage": c.stage, "added_on": c.added_on,
        })).collect::<Vec<_>>(),
        "exemption": case.exemption.as_ref().map(|e| json!({"reason": e.reason, "note": e.note})),
    })
}

/// A verdict as JSON.
pub(super) fn verdict_json(row: &SearchVerdict) -> Value {
    json!({
        "verdict": row.verdict, "rule": row.rule, "policy_version": row.policy_version, "reason": row.reason,
        "quarter": row.quarter,
    })
}

/// Prints a search's new state: its verdict in words, or with `--format json` what was stored and the verdict.
pub(super) fn print_search(store: &Store, firm: &str, search_ref: &str, format: Format) -> anyhow::Result<()> {
    let view = store.view(Moment::Now, None)?;
    let (verdict, case) = (view.verdict(firm, search_ref)?, view.dossier(firm, search_ref)?);
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let value = json!({
            "schema_version": output::json::SCHEMA_VERSION,
            "search": case.as_ref().map(case_json),
            "verdict": verdict.as_ref().map(verdict_json),
        });
        output::json::write(&value, &mut out)?;
    } else {
        match verdict {
            Some(v) => writeln!(out, "search {firm}/{search_ref}: {} ({})", v.verdict, v.reason)?,
            None => writeln!(out, "search {firm}/{search_ref}: removed")?,
        }
    }
    Ok(())
}

/// The command line with one argument (a candidate's reference) hidden, so the log keeps no reference.
pub(super) fn command_hiding(secret: &str) -> String {
    std::iter::once("pledgecheck".to_string())
        .chain(std::env::args().skip(1).map(|a| if a.trim() == secret { "<candidate>".to_string() } else { a }))
        .collect::<Vec<_>>()
        .join(" ")
}
