//! `pledgecheck report searches|firms|quarters`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::model::Quarter;
use crate::render::{self, Format};
use crate::report::{self, Filter};
use crate::store::{Mode, Store};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// One row per search with its verdict and reason.
    Searches,
    /// One row per firm with counts and compliance rate.
    Firms,
    /// One row per quarter and firm with counts and compliance rate.
    Quarters,
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck report firms\n  \
    pledgecheck report quarters --format json\n  \
    pledgecheck report searches --quarter 2026-Q1 --firm nordsoeg --excel --output searches.csv")]
pub struct Args {
    /// The report.
    #[arg(value_enum)]
    which: Which,

    /// Output format (default: a table on a terminal, CSV otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// Only searches of this quarter, such as 2026-Q3.
    #[arg(long, value_parser = parse_quarter)]
    quarter: Option<Quarter>,

    /// Only this firm.
    #[arg(long, value_name = "ID")]
    firm: Option<String>,

    /// Write to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// CSV for Danish spreadsheets: byte-order mark, `;`, decimal commas, CRLF, formula guard.
    #[arg(long)]
    excel: bool,

    /// Judge under this policy file instead of the one in force; nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

pub(super) fn parse_quarter(raw: &str) -> Result<Quarter, String> {
    Quarter::parse(raw).map_err(|e| e.to_string())
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, Mode::Existing)?;
    let filter = Filter { quarter: args.quarter.map(|q| q.to_string()), firm: args.firm.map(|f| f.trim().to_string()) };
    let rows = match &args.policy {
        Some(path) => store.verdicts_under(&super::policy::load(path)?.1)?,
        None => store.verdicts()?,
    };
    let table = match args.which {
        Which::Searches => report::searches(&rows, &filter),
        Which::Firms => report::firms(&store.firms()?, &rows, &filter),
        Which::Quarters => report::quarters(&store.firms()?, &rows, &filter),
    };
    let format = super::resolve_format(args.format, args.output.is_some());
    super::emit(args.output.as_deref(), |out| render::write(&table, format, args.excel, out))?;
    Ok(ExitCode::SUCCESS)
}
