//! `pledgecheck quarterly 2026-Q3 --output DIR [--excel]`: the quarter's files in one go, written atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::Quarter;
use crate::output;
use crate::report::pack::{self, Input};
use crate::report::Cell;
use crate::service::reports;
use crate::store::{Mode, Moment, Store};

/// Arguments of `quarterly`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Files (QUARTER-KIND.csv): summary, firms, searches, failing, exemptions, outcomes; see the \
    README for their columns. The same database gives byte-identical files.\n\n\
    Examples:\n  \
    pledgecheck quarterly 2026-Q3 --output packs/2026-Q3\n  \
    pledgecheck quarterly 2026-Q3 --output packs/2026-Q3-excel --excel")]
pub struct Args {
    /// The quarter, such as 2026-Q3.
    #[arg(value_parser = super::report::parse_quarter)]
    quarter: Quarter,

    /// The folder to write (created; an earlier pack in it is replaced, anything else is refused).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,

    /// CSV for Danish spreadsheets: byte-order mark, `;`, decimal commas, CRLF, formula guard.
    #[arg(long)]
    excel: bool,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    super::refuse_database_path(db, &args.output)?;
    let store = Store::open(db, Mode::Existing)?;
    let view = store.view(Moment::Now, None)?;
    let data = reports::gather(&view)?;
    let judging = view.judging()?;
    super::report::detail_of(invocation, &data, judging);
    // The date the policy version that applies to the quarter took effect (its last day's version).
    let last_day = chrono::NaiveDate::from_ymd_opt(args.quarter.year, args.quarter.number * 3, 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt());
    let version_from = last_day
        .and_then(|d| judging.policy.version_on(d))
        .map(|v| v.effective_from.to_string())
        .or_else(|| judging.in_force_from.clone());
    let mut facts: Vec<(&'static str, Cell)> = vec![
        ("policy", Cell::text(&judging.name)),
        ("policy_sha256", Cell::text(&judging.policy.sha256)),
        ("policy_in_force_from", Cell::optional(version_from.as_deref())),
    ];
    let (head, head_at) = super::report::chain_head(&store)?;
    facts.push(("data_changed_at", Cell::optional(head_at.as_deref())));
    facts.push(("chain_head", Cell::text(head)));
    // A signed chain's head carries its signature, which the auditor checks with the public key; an unsigned
    // database's summary stays as it was.
    if let Some(signature) = store.chain_head_signature()? {
        facts.push(("chain_head_signature", Cell::text(signature)));
    }
    let tables = pack::files(&Input {
        quarter: args.quarter,
        firms: &data.firms,
        verdicts: &data.verdicts,
        exemptions: &data.exemptions,
        outcomes: &data.outcomes,
        facts: &facts,
        registry: &data.registry,
    });
    let mut files = Vec::with_capacity(tables.len());
    for (name, table) in &tables {
        let mut bytes = Vec::new();
        output::csv::write(table, args.excel, &mut bytes)?;
        files.push((name.clone(), bytes));
    }
    output::atomic_write::write_dir_atomically(&args.output, &files, pack::is_pack_file)?;
    for (name, table) in &tables {
        invocation.detail(format_args!("{name}: {} rows", table.rows.len()));
    }
    if !invocation.quiet() {
        let searches = data.verdicts.iter().filter(|r| r.quarter == args.quarter.to_string()).count();
        writeln!(
            std::io::stdout().lock(),
            "wrote {} for {} ({}) to {}",
            crate::import::plural(files.len(), "file", "files"),
            args.quarter,
            crate::import::plural(searches, "search", "searches"),
            args.output.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
