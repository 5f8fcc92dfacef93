//! `pledgecheck report searches|firms|quarters|outcomes|html`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::Quarter;
use crate::output::terminal::Terminal;
use crate::output::{self, Format};
use crate::policy::Policy;
use crate::report::outcomes::Outcomes;
use crate::report::pack::ExemptionRow;
use crate::report::{self, Filter};
use crate::store::{Mode, Store, VerdictRow, LATEST};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// One row per search with its verdict and reason.
    Searches,
    /// One row per firm with counts and compliance rate.
    Firms,
    /// One row per quarter and firm with counts, compliance rate and the rate over four quarters.
    Quarters,
    /// One row per quarter, firm and client sector: cross-sector candidates at shortlist, interview and hire.
    Outcomes,
    /// One self-contained HTML file with charts, for people (use --output).
    Html,
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck report firms\n  \
    pledgecheck report quarters --format json\n  \
    pledgecheck report searches --quarter 2026-Q1 --firm nordsoeg --excel --output searches.csv\n  \
    pledgecheck report outcomes --quarter 2026-Q2\n  \
    pledgecheck report html --output report.html")]
pub struct Args {
    /// The report.
    #[arg(value_enum)]
    which: Which,

    /// Output format (default: a table on a terminal, CSV otherwise); not for html.
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// Only searches of this quarter, such as 2026-Q3 (rolling rates still look back three quarters).
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

    /// The report as it was at this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC): the rows valid then,
    /// judged under the policy in force then; byte for byte what the report gave at that time.
    #[arg(long, value_name = "TIME", value_parser = super::parse_as_of, conflicts_with = "policy")]
    as_of: Option<String>,
}

pub(super) fn parse_quarter(raw: &str) -> Result<Quarter, String> {
    Quarter::parse(raw).map_err(|e| e.to_string())
}

/// What the reports are made from: firms, verdicts, and (read case by case) outcomes and exemptions.
pub(super) struct Data {
    pub firms: Vec<crate::store::FirmRow>,
    pub verdicts: Vec<VerdictRow>,
    pub outcomes: Outcomes,
    pub exemptions: Vec<ExemptionRow>,
    /// The policy name and SHA-256 the verdicts are judged under.
    pub policy: (String, String),
}

/// Reads the data, judged under `policy` if given (nothing stored), as it was at `as_of` if given, or as stored.
pub(super) fn gather(
    invocation: &Invocation,
    store: &Store,
    policy: Option<&Path>,
    as_of: Option<&str>,
) -> anyhow::Result<Data> {
    let (other, in_force) = match (policy, as_of) {
        (Some(path), _) => (Some(super::policy::load(path)?), None),
        (None, Some(moment)) => (None, Some(store.policy_at(moment)?)),
        (None, None) => (None, Some(store.policy_in_force()?)),
    };
    let (judging, name): (&Policy, String) = match (&other, &in_force) {
        (Some((_, p)), _) => (p, policy.map(|p| p.display().to_string()).unwrap_or_default()),
        (None, Some(stored)) => (&stored.policy, stored.name.clone()),
        (None, None) => unreachable!("one of the two is set"),
    };
    let verdicts = match (&other, as_of) {
        (Some((_, p)), _) => store.verdicts_under(p)?,
        (None, Some(moment)) => store.verdicts_at(moment)?,
        (None, None) => store.verdicts()?,
    };
    let firms = match as_of {
        Some(moment) => store.firms_at(moment)?,
        None => store.firms()?,
    };
    let mut outcomes = Outcomes::default();
    let mut exemptions = Vec::new();
    store.for_each_case(as_of.unwrap_or(LATEST), |case| {
        outcomes.add(judging, &case);
        if let Some(e) = &case.exemption {
            exemptions.push(ExemptionRow {
                firm: e.firm.clone(),
                search_ref: e.search_ref.clone(),
                reason: e.reason.clone(),
                note: e.note.clone(),
            });
        }
        Ok(())
    })?;
    exemptions.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
    invocation.detail(format_args!(
        "{} firms, {} searches, judged under {name} (sha256 {})",
        firms.len(),
        verdicts.len(),
        judging.sha256
    ));
    Ok(Data { firms, verdicts, outcomes, exemptions, policy: (name, judging.sha256.clone()) })
}

/// The format of a report: `--excel` means CSV, and goes with no other format; else as [`super::resolve_format`]
/// decides for the `terminal` the report goes to.
pub(super) fn excel_format(asked: Option<Format>, excel: bool, terminal: Option<Terminal>) -> anyhow::Result<Format> {
    match (asked, excel) {
        (Some(Format::Table | Format::Json), true) => anyhow::bail!("--excel shapes CSV; use it with --format csv"),
        (None, true) => Ok(Format::Csv),
        _ => Ok(super::resolve_format(asked, terminal)),
    }
}

/// The hash chain's head (the latest entry of the import log) and that entry's time: a time from the data, never
/// the clock.
pub(super) fn chain_head(store: &Store) -> anyhow::Result<(String, Option<String>)> {
    let head = store.chain_head()?;
    let at = store.find_entry(&head)?.map(|(_, at)| at);
    Ok((head, at))
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, Mode::Existing)?;
    invocation.detail(format_args!("reading {}", db.display()));
    let terminal = invocation.terminal_for(args.output.as_deref());
    let filter = Filter { quarter: args.quarter.map(|q| q.to_string()), firm: args.firm.map(|f| f.trim().to_string()) };
    if args.which == Which::Html {
        if args.format.is_some() || args.excel {
            anyhow::bail!("report html writes one HTML file; --format and --excel are for the other reports");
        }
        if filter.quarter.is_some() || filter.firm.is_some() {
            anyhow::bail!("report html covers every firm and quarter; --quarter and --firm are for the other reports");
        }
        let data = gather(invocation, &store, args.policy.as_deref(), args.as_of.as_deref())?;
        let mut facts = vec![("Policy", data.policy.0.clone()), ("Policy SHA-256", data.policy.1.clone())];
        let (head, head_at) = chain_head(&store)?;
        if let Some(at) = head_at {
            facts.push(("Data as of", at));
        }
        facts.push(("Chain head", head));
        let html = output::html::document(&output::html::Input {
            firms: &data.firms,
            verdicts: &data.verdicts,
            outcomes: &data.outcomes,
            facts: &facts,
        });
        super::emit(args.output.as_deref(), |out| out.write_all(html.as_bytes()))?;
        if let Some(path) = &args.output {
            invocation.detail(format_args!("wrote {} ({} bytes)", path.display(), html.len()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let table = match args.which {
        Which::Outcomes => {
            let data = gather(invocation, &store, args.policy.as_deref(), args.as_of.as_deref())?;
            data.outcomes.table(&data.firms, &filter)
        }
        // Stored verdicts: counted in the database, and a long search report streamed, so that memory stays flat.
        Which::Firms | Which::Quarters if args.policy.is_none() && args.as_of.is_none() => {
            let ledger = report::Ledger::of_counts(store.verdict_counts()?, &filter);
            match args.which {
                Which::Firms => report::firms_of(&store.firms()?, &ledger, &filter),
                _ => report::quarters_of(&store.firms()?, &ledger, &filter),
            }
        }
        Which::Searches
            if args.policy.is_none()
                && args.as_of.is_none()
                && excel_format(args.format, args.excel, terminal)? == Format::Csv =>
        {
            super::emit(args.output.as_deref(), |out| {
                let columns = report::searches(&[], &filter).columns;
                let mut csv = output::csv::RowWriter::new(&columns, args.excel, out)?;
                store
                    .each_verdict(filter.firm.as_deref(), &[], |row| match filter.covers(&row) {
                        true => csv.row(&report::searches(std::slice::from_ref(&row), &filter).rows[0]),
                        false => Ok(()),
                    })
                    .map_err(|e| match e {
                        crate::store::StoreError::Io(io) => io,
                        other => std::io::Error::other(other),
                    })?;
                csv.finish()
            })?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {
            let rows = match (&args.policy, &args.as_of) {
                (Some(path), _) => store.verdicts_under(&super::policy::load(path)?.1)?,
                (None, Some(moment)) => store.verdicts_at(moment)?,
                (None, None) => store.verdicts()?,
            };
            let firms = match &args.as_of {
                Some(moment) => store.firms_at(moment)?,
                None => store.firms()?,
            };
            match args.which {
                Which::Searches => report::searches(&rows, &filter),
                Which::Firms => report::firms(&firms, &rows, &filter),
                _ => report::quarters(&firms, &rows, &filter),
            }
        }
    };
    let format = excel_format(args.format, args.excel, terminal)?;
    super::emit(args.output.as_deref(), |out| output::write(&table, format, args.excel, terminal, out))?;
    Ok(ExitCode::SUCCESS)
}
