//! `pledgecheck report searches|firms|quarters|outcomes|clients|html`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::model::{Quarter, Sector};
use crate::output::terminal::{Terminal, Verbosity};
use crate::output::{self, Format};
use crate::report::{self, Filter};
use crate::service::{self, reports};
use crate::store::{Mode, Store, View};

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
    /// One row per employer of the registry (and per client text it does not know): counts, rate, rolling rate.
    Clients,
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
    pledgecheck report clients --client-sector region\n  \
    pledgecheck report searches --client \"Region H\"\n  \
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
    #[arg(value_parser = super::identifier)]
    firm: Option<String>,

    /// Only searches whose client is in this sector (state, region, municipality, ...; Danish words too).
    #[arg(long, value_name = "SECTOR", value_parser = parse_sector)]
    client_sector: Option<Sector>,

    /// Only searches of this client: a registry id (kommune-751) or any of its names (\"Kbh. Kommune\"), or the
    /// text of a client the registry does not know.
    #[arg(long, value_name = "CLIENT")]
    client: Option<String>,

    /// Write to this file (atomically) instead of standard output; `-` is standard output.
    #[arg(short, long, value_name = "FILE")]
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

fn parse_sector(raw: &str) -> Result<Sector, String> {
    Sector::parse(raw).map_err(|e| e.to_string())
}

/// The searches the arguments choose; `--client` is looked up in the view's registry.
fn filter_of(args: &Args, view: &View) -> anyhow::Result<Filter> {
    let client = service::filters::client(view, args.client.as_deref())?;
    Ok(Filter {
        quarter: args.quarter.map(|q| q.to_string()),
        firm: args.firm.as_deref().map(|f| f.trim().to_string()),
        client_sector: args.client_sector,
        client,
    })
}

pub(super) fn parse_quarter(raw: &str) -> Result<Quarter, String> {
    Quarter::parse(raw).map_err(|e| e.to_string())
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
    let at = store.find_entry(&head)?.ok().flatten().map(|(_, at)| at);
    Ok((head, at))
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if let Some(output) = &args.output {
        super::refuse_database_path(db, output)?;
    }
    let store = Store::open(db, Mode::Existing)?;
    invocation.detail(format_args!("reading {}", db.display()));
    let terminal = invocation.terminal_for(args.output.as_deref());
    let view = super::view(&store, args.as_of.as_deref(), args.policy.as_deref())?;
    let filter = filter_of(&args, &view)?;
    let place = db.display().to_string() + &args.as_of.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    service::filters::known_firm_in(&view, filter.firm.as_deref(), &place)?;
    let which = match args.which {
        Which::Html => return html(invocation, &store, &view, &args, &filter),
        Which::Searches => reports::Which::Searches,
        Which::Firms => reports::Which::Firms,
        Which::Quarters => reports::Which::Quarters,
        Which::Outcomes => reports::Which::Outcomes,
        Which::Clients => reports::Which::Clients,
    };
    let format = excel_format(args.format, args.excel, terminal)?;
    if which == reports::Which::Searches && format != Format::Table {
        // Streamed, row by row, so that memory stays flat however many searches there are.
        super::emit(args.output.as_deref(), |out| {
            let each = |visit: &mut dyn FnMut(Vec<report::Cell>) -> std::io::Result<()>| {
                reports::each_search_row(&view, &filter, |row| visit(report::search_row(row)))
                    .map_err(crate::store::StoreError::into_io)
            };
            output::write_rows(&report::SEARCH_COLUMNS, format, args.excel, out, each)
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if which == reports::Which::Outcomes && invocation.verbosity == Verbosity::Verbose {
        // As the HTML report, the outcomes say what they were made of.
        let searches: u64 = view.verdict_counts()?.iter().map(|c| c.searches).sum();
        let judging = view.judging()?;
        let (name, sha256) = (&judging.name, &judging.policy.sha256);
        let firms = view.firms()?.len();
        invocation.detail(format_args!("{firms} firms, {searches} searches, judged under {name} (sha256 {sha256})"));
    }
    if which == reports::Which::Outcomes && format != Format::Table {
        // Written row by row: a database of many firms and quarters has tens of thousands of rows.
        let (outcomes, firms) = (reports::outcomes(&view, &filter)?, view.firms()?);
        super::emit(args.output.as_deref(), |out| {
            let each = |visit: &mut dyn FnMut(Vec<report::Cell>) -> std::io::Result<()>| {
                outcomes.each_row(&firms, &filter, visit)
            };
            output::write_rows(&report::outcomes::COLUMNS, format, args.excel, out, each)
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let table = reports::table(&view, which, &filter)?;
    super::emit(args.output.as_deref(), |out| output::write(&table, format, args.excel, terminal, out))?;
    Ok(ExitCode::SUCCESS)
}

/// How many employers the HTML report lists by their failing searches.
const MOST_FAILING: usize = 10;

/// `report html`: one self-contained page.
fn html(invocation: &Invocation, store: &Store, view: &View, args: &Args, filter: &Filter) -> anyhow::Result<ExitCode> {
    if args.format.is_some() || args.excel {
        anyhow::bail!("report html writes one HTML file; --format and --excel are for the other reports");
    }
    if filter.quarter.is_some() || filter.firm.is_some() {
        anyhow::bail!("report html covers every firm and quarter; --quarter and --firm are for the other reports");
    }
    if filter.by_client() {
        anyhow::bail!("report html covers every client; --client and --client-sector are for the other reports");
    }
    let data = reports::gather(view)?;
    let judging = view.judging()?;
    detail_of(invocation, data.firms.len(), data.overview.all().searches, judging);
    let mut facts = vec![("Policy", judging.name.clone()), ("Policy SHA-256", judging.policy.sha256.clone())];
    let (head, head_at) = chain_head(store)?;
    if let Some(at) = head_at {
        facts.push(("Data as of", at));
    }
    facts.push(("Chain head", head));
    let by_sector = data.by_sector.table();
    let most_failing = report::clients::most_failing_of(&data.registry, &data.clients, MOST_FAILING);
    let html = output::html::document(&output::html::Input {
        firms: &data.firms,
        overview: &data.overview,
        outcomes: &data.outcomes,
        facts: &facts,
        by_sector: &by_sector,
        most_failing: &most_failing,
    });
    super::emit(args.output.as_deref(), |out| out.write_all(html.as_bytes()))?;
    if let Some(path) = &args.output {
        invocation.detail(format_args!("wrote {} ({} bytes)", path.display(), html.len()));
    }
    Ok(ExitCode::SUCCESS)
}

/// Says under `--verbose` what a report was made of.
pub(super) fn detail_of(invocation: &Invocation, firms: usize, searches: u64, judging: &crate::store::Judging) {
    invocation.detail(format_args!(
        "{} firms, {} searches, judged under {} (sha256 {})",
        firms, searches, judging.name, judging.policy.sha256
    ));
}
