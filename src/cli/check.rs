//! `pledgecheck check [FILE...] [--dry-run] [--fail-on VERDICT,...] [--firm ID]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::import::{Encoding, ImportOptions};
use crate::model::{SearchVerdict, Verdict};
use crate::output::{self, Format};
use crate::report::check::{self, Summary, FAILING};
use crate::report::{self, Filter};
use crate::service;
use crate::store::{Mode, Store, View};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck check samples/firms.csv samples/shortlists.csv samples/exemptions.csv\n  \
    pledgecheck check --fail-on non-compliant,incomplete\n  \
    pledgecheck check --dry-run my-shortlist.csv     # before the shortlist goes out; stores nothing")]
pub struct Args {
    /// Files to import first (as `import` does).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Judge only the files' searches and store nothing; needs no database.
    #[arg(long, requires = "files")]
    dry_run: bool,

    /// Exit with status 1 if any search shown has one of these verdicts.
    #[arg(long, value_delimiter = ',', value_parser = parse_verdict, value_name = "VERDICT,...")]
    fail_on: Vec<Verdict>,

    /// Only this firm.
    #[arg(long, value_name = "ID")]
    firm: Option<String>,

    /// How the files are encoded.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: Encoding,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    /// Judge under this policy file instead of the one in force; nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

fn parse_verdict(raw: &str) -> Result<Verdict, String> {
    Verdict::parse(raw).ok_or_else(|| {
        let words: Vec<_> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        format!("unknown verdict {raw:?} (expected {})", words.join(", "))
    })
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("check writes a table or JSON; use `pledgecheck report` for CSV");
    }
    let filter = Filter { quarter: None, firm: args.firm.as_deref().map(|f| f.trim().to_string()) };
    let (store, imported, judged) = if args.dry_run {
        let other = args.policy.as_deref().map(super::policy::load).transpose()?.map(|(_, p)| p);
        let options = ImportOptions { dry_run: true, judge_under: other.as_ref(), ..ImportOptions::default() };
        let (_, outcome) = super::import_files(invocation, db, &args.files, args.encoding, options)?;
        (None, Some(outcome.summary()), Some((outcome.judged_firms, outcome.judged)))
    } else if args.files.is_empty() {
        (Some(Store::open(db, Mode::Existing)?), None, None)
    } else {
        let (store, outcome) =
            super::import_files(invocation, db, &args.files, args.encoding, ImportOptions::default())?;
        (Some(store), Some(outcome.summary()), None)
    };
    let view = store.as_ref().map(|s| super::view(s, None, args.policy.as_deref())).transpose()?;
    // A table for people shows the first failing searches; JSON for programs lists them all, read from the
    // database while the JSON is written.
    let (summary, failing) = match (&view, judged) {
        (Some(view), None) => {
            let limit = if args.format == Format::Json { 0 } else { SHOWN };
            (service::check::summary(view, &filter)?, service::check::first_failing(view, &filter, limit)?)
        }
        (_, judged) => {
            let (firms, rows) = judged.unwrap_or_default();
            (Summary::of_rows(firms, &rows, &filter), check::failing(&rows, &filter))
        }
    };
    let found = summary.has_any(&args.fail_on);
    let stream_from = view.as_ref().filter(|_| args.format == Format::Json);
    super::emit(None, |out| {
        if args.format == Format::Json {
            return write_json(&summary, stream_from, &failing, args.dry_run, found, out);
        }
        if let Some(line) = imported.as_ref().filter(|_| !invocation.quiet()) {
            let prefix = if args.dry_run { "dry run, nothing was written" } else { "imported" };
            writeln!(out, "{prefix}: {line}\n")?;
        }
        let scope = if args.dry_run { "the files' searches" } else { "the whole database" };
        writeln!(out, "Per firm ({scope}):")?;
        output::table::write(&summary.table(), invocation.terminal, out)?;
        let total = summary.failing_total();
        if failing.is_empty() {
            return writeln!(out, "\nNo non-compliant or incomplete searches.");
        }
        writeln!(out, "\nNon-compliant and incomplete searches ({total}):")?;
        let table = report::searches(&failing, &Filter::default()).select(&FAILING_COLUMNS);
        output::table::write(&table, invocation.terminal, out)?;
        if total > failing.len() as u64 {
            let more = total - failing.len() as u64;
            writeln!(out, "... and {more} more; `pledgecheck report searches` lists them all")?;
        }
        Ok(())
    })?;
    Ok(if found { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The columns of `report searches` that the table of failing searches shows.
const FAILING_COLUMNS: [&str; 5] = ["firm", "search_ref", "quarter", "verdict", "reason"];

/// `check --format json`: the failing searches streamed from the view when there is one, else those in hand.
fn write_json(
    summary: &Summary,
    view: Option<&View>,
    failing: &[SearchVerdict],
    dry_run: bool,
    fail_on_matched: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Serialised straight from the rows: a long list of failing searches is not copied into a JSON tree.
    let firms = output::json::rows(&summary.table());
    let schema_version = output::json::SCHEMA_VERSION;
    match view {
        Some(view) => {
            let failing = StoredFailing { view, firm: summary.filter.firm.as_deref() };
            let value = CheckJson { schema_version, dry_run, firms, failing, fail_on_matched };
            serde_json::to_writer_pretty(&mut *out, &value)?;
        }
        None => {
            let failing: Vec<FailingJson> = failing.iter().map(FailingJson::from).collect();
            let value = CheckJson { schema_version, dry_run, firms, failing, fail_on_matched };
            serde_json::to_writer_pretty(&mut *out, &value)?;
        }
    }
    writeln!(out)
}

/// How many failing searches the table of `check` shows at most.
const SHOWN: usize = 1000;

/// `check --format json`.
#[derive(serde::Serialize)]
struct CheckJson<F: serde::Serialize> {
    schema_version: u32,
    dry_run: bool,
    firms: serde_json::Value,
    failing: F,
    fail_on_matched: bool,
}

/// The failing searches of a view, read from it as the JSON is written: never all in memory.
struct StoredFailing<'a> {
    view: &'a View<'a>,
    firm: Option<&'a str>,
}

impl serde::Serialize for StoredFailing<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        let mut failed = None;
        let read = self.view.each_verdict(self.firm, &FAILING, |row| {
            seq.serialize_element(&FailingJson::from(&row)).map_err(|e| {
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

/// A failing search in `check --format json`: the columns of `report searches`.
#[derive(serde::Serialize)]
struct FailingJson<'a> {
    firm: &'a str,
    search_ref: &'a str,
    client: &'a str,
    client_sector: &'a str,
    level: &'a str,
    opened_on: &'a str,
    shortlist_on: Option<&'a str>,
    quarter: &'a str,
    verdict: &'a str,
    policy_version: Option<&'a str>,
    reason: &'a str,
    rule: &'a str,
}

impl<'a> From<&'a SearchVerdict> for FailingJson<'a> {
    fn from(r: &'a SearchVerdict) -> Self {
        FailingJson {
            firm: &r.firm,
            search_ref: &r.search_ref,
            client: &r.client,
            client_sector: &r.client_sector,
            level: &r.level,
            opened_on: &r.opened_on,
            shortlist_on: r.shortlist_on.as_deref(),
            quarter: &r.quarter,
            verdict: r.verdict.as_str(),
            policy_version: r.policy_version.as_deref(),
            reason: &r.reason,
            rule: &r.rule,
        }
    }
}
