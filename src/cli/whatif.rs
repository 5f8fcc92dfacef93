//! `pledgecheck whatif --policy NEW.toml`: the stored searches judged under another policy, nothing stored.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::Quarter;
use crate::output::{self, Format};
use crate::report::{whatif, Filter};
use crate::service;
use crate::store::{Mode, Store};

/// Arguments of `whatif`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck whatif --policy stricter.toml\n  \
    pledgecheck whatif --policy stricter.toml --quarter 2026-Q1 --format json\n  \
    pledgecheck whatif --policy stricter.toml --excel > changes.csv")]
pub struct Args {
    /// The policy to try (TOML); nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,

    /// Only searches of this quarter, such as 2026-Q3.
    #[arg(long, value_parser = super::report::parse_quarter)]
    quarter: Option<Quarter>,

    /// Only this firm.
    #[arg(long, value_name = "ID")]
    #[arg(value_parser = super::identifier)]
    firm: Option<String>,

    /// Output format (default: a table on a terminal, CSV of the changed searches otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// CSV for Danish spreadsheets: byte-order mark, `;`, decimal commas, CRLF, formula guard.
    #[arg(long)]
    excel: bool,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (_, policy) = super::policy::load(&args.policy)?;
    let store = Store::open(db, Mode::Existing)?;
    let filter = Filter {
        quarter: args.quarter.map(|q| q.to_string()),
        firm: args.firm.map(|f| f.trim().to_string()),
        ..Filter::default()
    };
    let view = store.view(crate::store::Moment::Now, None)?;
    service::filters::known_firm_in(&view, filter.firm.as_deref(), &db.display().to_string())?;
    drop(view);
    let compared = service::whatif::comparison(&store, &policy, &filter)?;
    let format = super::report::excel_format(args.format, args.excel, invocation.terminal)?;
    let policy_name = args.policy.display().to_string();
    super::emit(None, |out| match format {
        // The changes are streamed from the database as they are written, in CSV and JSON alike.
        Format::Json => {
            let firms = output::json::rows(&compared.rates);
            let changes = StreamedChanges(std::cell::RefCell::new(Some(compared)));
            let value = WhatIfJson {
                schema_version: output::json::SCHEMA_VERSION,
                policy: &policy_name,
                policy_sha256: &policy.sha256,
                changes,
                firms,
            };
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        Format::Csv => {
            let rates = compared.rates.clone();
            let mut csv = output::csv::RowWriter::new(&whatif::CHANGE_RATE_COLUMNS, args.excel, out)?;
            compared
                .each_change(|row| csv.row(&whatif::with_rates(row, &rates)))
                .map_err(crate::store::StoreError::into_io)?;
            csv.finish()
        }
        Format::Table => {
            let (changes, rates) = compared.changes_table().map_err(crate::store::StoreError::into_io)?;
            writeln!(
                out,
                "Under {} (nothing stored): {} verdict.",
                args.policy.display(),
                crate::import::plural(changes.rows.len(), "search changes", "searches change")
            )?;
            if !changes.rows.is_empty() {
                output::table::write(&changes, invocation.terminal, out)?;
            }
            writeln!(out, "\nCompliance rate per firm, before and after:")?;
            output::table::write(&rates, invocation.terminal, out)
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `whatif --format json`, its fields in the order the JSON always had.
#[derive(serde::Serialize)]
struct WhatIfJson<'a, 's> {
    schema_version: u32,
    policy: &'a str,
    policy_sha256: &'a str,
    changes: StreamedChanges<'s>,
    firms: serde_json::Value,
}

/// The changes of a comparison, read from the database as the JSON is written: never all in memory.
struct StreamedChanges<'s>(std::cell::RefCell<Option<service::whatif::Compared<'s>>>);

impl serde::Serialize for StreamedChanges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let compared = self.0.borrow_mut().take().ok_or_else(|| S::Error::custom("the changes are read once"))?;
        let mut seq = serializer.serialize_seq(None)?;
        let mut failed = None;
        let read = compared.each_change(|row| {
            seq.serialize_element(&output::json::object(&whatif::CHANGE_COLUMNS, &row)).map_err(|e| {
                failed = Some(e);
                std::io::Error::other("the JSON could not be written")
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(S::Error::custom)?;
        seq.end()
    }
}
