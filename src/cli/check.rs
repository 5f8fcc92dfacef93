//! `pledgecheck check [FILE...] [--dry-run] [--fail-on VERDICT,...] [--firm ID]`

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;

use super::Invocation;
use crate::import::{Encoding, ImportOptions};
use crate::model::{SearchVerdict, Verdict};
use crate::output::{self, Format};
use crate::report::check::{self, Projected, Summary, FAILING};
use crate::report::{self, Filter};
use crate::service;
use crate::store::{Mode, Moment, Store, View};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck check samples/firms.csv samples/shortlists.csv samples/exemptions.csv\n  \
    pledgecheck check --fail-on non-compliant,incomplete\n  \
    pledgecheck check --dry-run my-shortlist.csv     # before the shortlist goes out; stores nothing\n  \
    pledgecheck check --dry-run my-shortlist.csv --send-on 2026-12-15 --fail-on non-compliant,incomplete")]
pub struct Args {
    /// Files to import first (as `import` does).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Judge only the files' searches and store nothing; needs no database.
    #[arg(long, requires = "files")]
    dry_run: bool,

    /// With --dry-run: judge each pending search as if its shortlist went out on this date (default: today). The
    /// verdict stays pending; the projection is shown beside it and --fail-on acts on it too.
    #[arg(long, requires = "dry_run", value_name = "DATE", value_parser = super::parse_day)]
    send_on: Option<NaiveDate>,

    /// Exit with status 1 if any search shown has one of these verdicts (with --dry-run, also a pending search
    /// projected to have one).
    #[arg(long, value_delimiter = ',', value_parser = parse_verdict, value_name = "VERDICT,...")]
    fail_on: Vec<Verdict>,

    /// Only this firm.
    #[arg(long, value_name = "ID")]
    #[arg(value_parser = super::identifier)]
    firm: Option<String>,

    /// Read CSV files through this import profile (as `import --profile`).
    #[arg(long, value_name = "FILE", requires = "files")]
    profile: Option<PathBuf>,

    /// How the files are encoded.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: Encoding,

    /// Import a client sector that contradicts the registry of public employers anyway (and list such searches).
    #[arg(long)]
    trust_file_sectors: bool,

    /// Output format: table or json.
    #[arg(long, value_parser = super::people_format(), default_value = "table")]
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
    let filter = Filter { firm: args.firm.as_deref().map(|f| f.trim().to_string()), ..Filter::default() };
    let send_on = args.send_on.unwrap_or(invocation.today);
    let profile = args.profile.as_deref().map(super::profile::load).transpose()?;
    let profile = profile.as_ref();
    // Read before anything is imported: a bad policy file writes nothing.
    let other = super::other_policy(args.policy.as_deref())?;
    let trust_file_sectors = args.trust_file_sectors;
    let (store, imported, judged) = if args.dry_run {
        let judge_under = other.as_ref().map(|(_, policy)| policy);
        let send_on = Some(send_on);
        let options =
            ImportOptions { dry_run: true, judge_under, send_on, profile, trust_file_sectors, ..<_>::default() };
        let (_, outcome) = super::import_files(invocation, db, &args.files, args.encoding, options)?;
        (None, Some(outcome.summary_with_notes()), Some((outcome.judged_firms, outcome.judged, outcome.projected)))
    } else if args.files.is_empty() {
        (Some(Store::open(db, Mode::Existing)?), None, None)
    } else {
        let options = ImportOptions { profile, trust_file_sectors, ..ImportOptions::default() };
        let (store, outcome) = super::import_files(invocation, db, &args.files, args.encoding, options)?;
        (Some(store), Some(outcome.summary_with_notes()), None)
    };
    let view = store.as_ref().map(|s| s.view(Moment::Now, other)).transpose()?;
    // A table for people shows the first failing searches; JSON for programs lists them all, read from the
    // database while the JSON is written.
    let (summary, failing, projected) = match (&view, judged) {
        (Some(view), None) => {
            let limit = if args.format == Format::Json { 0 } else { SHOWN };
            let failing = service::check::first_failing(view, &filter, limit)?;
            (service::check::summary(view, &filter)?, failing, Vec::new())
        }
        (_, judged) => {
            let (firms, rows, projected) = judged.unwrap_or_default();
            (Summary::of_rows(firms, &rows, &filter), check::failing(&rows, &filter), projected)
        }
    };
    if let Some(firm) = filter.firm.as_deref() {
        let place = if args.dry_run { "the files' searches".to_string() } else { db.display().to_string() };
        service::filters::known_firm(firm, &summary.firms, &place)?;
    }
    let found = summary.has_any(&args.fail_on) || check::projected_has_any(&projected, &filter, &args.fail_on);
    let stream_from = view.as_ref().filter(|_| args.format == Format::Json);
    let shown = Shown { summary: &summary, failing: &failing, projected: &projected, dry_run: args.dry_run };
    super::emit(None, |out| {
        if args.format == Format::Json {
            return write_json(&shown, stream_from, found, out);
        }
        let out = &mut output::terminal::Printable::new(out);
        if let Some(line) = imported.as_ref().filter(|_| !invocation.quiet()) {
            let prefix = if args.dry_run { "dry run, nothing was written" } else { "imported" };
            writeln!(out, "{prefix}: {line}\n")?;
        }
        write_tables(invocation, &shown, out)
    })?;
    Ok(if found { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// What `check` shows.
struct Shown<'a> {
    summary: &'a Summary,
    failing: &'a [SearchVerdict],
    /// A dry run's pending searches, projected.
    projected: &'a [Projected],
    dry_run: bool,
}

/// `check` for people: the summary, the failing searches and, in a dry run, the projected pending ones.
fn write_tables(invocation: &Invocation, shown: &Shown, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let Shown { summary, failing, dry_run, .. } = *shown;
    let scope = if dry_run { "the files' searches" } else { "the whole database" };
    writeln!(out, "Per firm ({scope}):")?;
    output::table::write(&summary.table(), invocation.terminal, out)?;
    let total = summary.failing_total();
    if failing.is_empty() && dry_run && !shown.projected.is_empty() {
        writeln!(out, "\nNo non-compliant or incomplete searches among the shortlists already sent.")?;
    } else if failing.is_empty() {
        writeln!(out, "\nNo non-compliant or incomplete searches.")?;
    } else {
        writeln!(out, "\nNon-compliant and incomplete searches ({total}):")?;
        let table = report::searches(failing, &Filter::default()).select(&FAILING_COLUMNS);
        output::table::write(&table, invocation.terminal, out)?;
        if total > failing.len() as u64 {
            let more = total - failing.len() as u64;
            writeln!(out, "... and {more} more; `pledgecheck report searches` lists them all")?;
        }
    }
    write_projected(invocation, shown, out)
}

/// A dry run's pending searches judged as if sent: a table, then each one that would fail with its candidates
/// and what would make it pass.
fn write_projected(invocation: &Invocation, shown: &Shown, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let table = check::projected_table(shown.projected, &shown.summary.filter);
    let Some((_, _, first)) = check::projected(shown.projected, &shown.summary.filter).next() else {
        return Ok(());
    };
    let n = table.rows.len();
    let (searches, stays) = if n == 1 { ("search", "its verdict stays") } else { ("searches", "their verdicts stay") };
    writeln!(
        out,
        "\nPending {searches} ({n}) judged as if the shortlist were sent {} (a projection; {stays} pending until \
         it goes out):",
        first.send_on
    )?;
    output::table::write(&table, invocation.terminal, out)?;
    let failing = check::projected(shown.projected, &shown.summary.filter)
        .filter(|(_, _, p)| FAILING.contains(&p.explanation.judgement.verdict));
    for (firm, search_ref, p) in failing.take(SHOWN) {
        writeln!(out)?;
        super::explain::write_projection(&format!("{firm} {search_ref}, if"), p, out)?;
    }
    Ok(())
}

/// The columns of `report searches` that the table of failing searches shows.
const FAILING_COLUMNS: [&str; 5] = ["firm", "search_ref", "quarter", "verdict", "reason"];

/// `check --format json`: the failing searches streamed from the view when there is one, else those in hand.
fn write_json(
    shown: &Shown,
    view: Option<&View>,
    fail_on_matched: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Serialised straight from the rows: a long list of failing searches is not copied into a JSON tree.
    let firms = output::json::rows(&shown.summary.table());
    let schema_version = output::json::SCHEMA_VERSION;
    let dry_run = shown.dry_run;
    // Only a dry run projects; other checks keep their JSON as it was.
    let projected = dry_run
        .then(|| check::projected(shown.projected, &shown.summary.filter).map(ProjectedJson::from).collect::<Vec<_>>());
    match view {
        Some(view) => {
            let failing = StoredFailing { view, firm: shown.summary.filter.firm.as_deref() };
            let value = CheckJson { schema_version, dry_run, firms, failing, projected, fail_on_matched };
            serde_json::to_writer_pretty(&mut *out, &value)?;
        }
        None => {
            let failing: Vec<serde_json::Value> = shown.failing.iter().map(failing_json).collect();
            let value = CheckJson { schema_version, dry_run, firms, failing, projected, fail_on_matched };
            serde_json::to_writer_pretty(&mut *out, &value)?;
        }
    }
    writeln!(out)
}

/// A pending search of a dry run in `check --format json`: its verdict, and beside it the projection.
#[derive(serde::Serialize)]
struct ProjectedJson<'a> {
    firm: &'a str,
    search_ref: &'a str,
    verdict: &'static str,
    send_on: String,
    projected_verdict: &'static str,
    projected_rule: &'static str,
    projected_reason: &'a str,
    candidates: &'a [crate::rules::CandidatePart],
    remedy: Option<&'a str>,
}

impl<'a> From<&'a Projected> for ProjectedJson<'a> {
    fn from((firm, search_ref, p): &'a Projected) -> Self {
        let j = &p.explanation.judgement;
        ProjectedJson {
            firm,
            search_ref,
            verdict: Verdict::Pending.as_str(),
            send_on: p.send_on.to_string(),
            projected_verdict: j.verdict.as_str(),
            projected_rule: j.rule,
            projected_reason: &j.reason,
            candidates: &p.explanation.candidates,
            remedy: p.explanation.remedy.as_deref(),
        }
    }
}

/// How many failing searches the table of `check` shows at most.
const SHOWN: usize = 1000;

/// `check --format json`.
#[derive(serde::Serialize)]
struct CheckJson<'a, F: serde::Serialize> {
    schema_version: u32,
    dry_run: bool,
    firms: serde_json::Value,
    failing: F,
    #[serde(skip_serializing_if = "Option::is_none")]
    projected: Option<Vec<ProjectedJson<'a>>>,
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
            seq.serialize_element(&failing_json(&row)).map_err(|e| {
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

/// A failing search in `check --format json`: a row of `report searches`.
fn failing_json(row: &SearchVerdict) -> serde_json::Value {
    output::json::object(&report::SEARCH_COLUMNS, &report::search_row(row))
}
