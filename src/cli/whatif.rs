//! `pledgecheck whatif --policy NEW.toml`: the stored searches judged under another policy, nothing stored.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

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
    let (changes, rates) = service::whatif::compare(&store, &policy, &filter)?;
    let format = super::report::excel_format(args.format, args.excel, invocation.terminal)?;
    super::emit(None, |out| match format {
        Format::Json => output::json::write(
            &json!({
                "schema_version": output::json::SCHEMA_VERSION,
                "policy": args.policy.display().to_string(),
                "policy_sha256": policy.sha256,
                "changes": output::json::rows(&changes),
                "firms": output::json::rows(&rates),
            }),
            out,
        ),
        Format::Csv => output::csv::write(&whatif::changes_with_rates(&changes, &rates), args.excel, out),
        Format::Table => {
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
