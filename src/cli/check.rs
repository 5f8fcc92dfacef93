//! `pledgecheck check [FILE...] [--dry-run] [--fail-on VERDICT,...] [--firm ID]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Invocation;
use crate::import::Encoding;
use crate::output::{self, Format};
use crate::report::{self, Filter, Ledger};
use crate::rules::Verdict;
use crate::store::{FirmRow, ImportOptions, Mode, Store, VerdictRow};

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

/// The verdicts `check` lists search by search.
const FAILING: [Verdict; 2] = [Verdict::NonCompliant, Verdict::Incomplete];

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("check writes a table or JSON; use `pledgecheck report` for CSV");
    }
    let other = args.policy.as_deref().map(super::policy::load).transpose()?.map(|(_, p)| p);
    let filter = Filter { quarter: None, firm: args.firm.map(|f| f.trim().to_string()) };
    let failing_verdict = |r: &VerdictRow| FAILING.contains(&r.verdict);
    // Verdicts in hand (a dry run, another policy) are counted here; stored ones are counted in the database and
    // only the failing searches read, so that memory stays flat however large the database.
    let in_hand = |firms: Vec<FirmRow>, rows: Vec<VerdictRow>| {
        let failing: Vec<VerdictRow> =
            rows.iter().filter(|r| filter.covers(r) && failing_verdict(r)).cloned().collect();
        (firms, Ledger::new(&rows, &filter), failing)
    };
    let stored = |store: &Store| -> anyhow::Result<(Vec<FirmRow>, Ledger, Vec<VerdictRow>)> {
        if let Some(policy) = &other {
            return Ok(in_hand(store.firms()?, store.verdicts_under(policy)?));
        }
        let ledger = Ledger::of_counts(store.verdict_counts()?, &filter);
        // A table for people shows the first failing searches; JSON for programs lists them all, read from the
        // database while the JSON is written.
        let limit = if args.format == Format::Json { 0 } else { SHOWN };
        let mut failing = Vec::new();
        if limit > 0 {
            store.each_verdict(filter.firm.as_deref(), &FAILING, |row| {
                if failing.len() < limit {
                    failing.push(row);
                }
                Ok(())
            })?;
        }
        Ok((store.firms()?, ledger, failing))
    };
    let (store, imported, judged) = if args.dry_run {
        let (_, outcome) = super::import_files(
            invocation,
            db,
            &args.files,
            args.encoding,
            ImportOptions { dry_run: true, judge_under: other.as_ref(), only_firm: None },
        )?;
        (None, Some(outcome.summary()), Some((outcome.judged_firms, outcome.judged)))
    } else if args.files.is_empty() {
        (Some(Store::open(db, Mode::Existing)?), None, None)
    } else {
        let (store, outcome) =
            super::import_files(invocation, db, &args.files, args.encoding, ImportOptions::default())?;
        (Some(store), Some(outcome.summary()), None)
    };
    let (firms, ledger, failing) = match (&store, judged) {
        (Some(store), None) => stored(store)?,
        (_, judged) => {
            let (firms, rows) = judged.unwrap_or_default();
            in_hand(firms, rows)
        }
    };
    // The stored failing searches, for JSON: streamed from the database rather than held.
    let stream_from = store.as_ref().filter(|_| other.is_none() && args.format == Format::Json);
    let summary = report::firms_of(&firms, &ledger, &filter);
    let found = firms.iter().filter(|f| filter.firm_ok(&f.firm)).any(|f| {
        let counts = ledger.total(&f.firm);
        args.fail_on.iter().any(|v| counts.of(*v) > 0)
    });
    super::emit(None, |out| {
        if args.format == Format::Json {
            // Serialised straight from the rows: a long list of failing searches is not copied into a JSON tree.
            let firms = output::json::rows(&summary);
            let (schema_version, dry_run, fail_on_matched) = (output::json::SCHEMA_VERSION, args.dry_run, found);
            match stream_from {
                Some(store) => {
                    let failing = StoredFailing { store, firm: filter.firm.as_deref() };
                    let value = CheckJson { schema_version, dry_run, firms, failing, fail_on_matched };
                    serde_json::to_writer_pretty(&mut *out, &value)?;
                }
                None => {
                    let failing: Vec<FailingJson> = failing.iter().map(FailingJson::from).collect();
                    let value = CheckJson { schema_version, dry_run, firms, failing, fail_on_matched };
                    serde_json::to_writer_pretty(&mut *out, &value)?;
                }
            }
            return writeln!(out);
        }
        if let Some(line) = imported.as_ref().filter(|_| !invocation.quiet()) {
            let prefix = if args.dry_run { "dry run, nothing was written" } else { "imported" };
            writeln!(out, "{prefix}: {line}\n")?;
        }
        let scope = if args.dry_run { "the files' searches" } else { "the whole database" };
        writeln!(out, "Per firm ({scope}):")?;
        output::table::write(&summary, invocation.terminal, out)?;
        let total: u64 = firms
            .iter()
            .filter(|f| filter.firm_ok(&f.firm))
            .map(|f| {
                let c = ledger.total(&f.firm);
                c.non_compliant + c.incomplete
            })
            .sum();
        if failing.is_empty() {
            writeln!(out, "\nNo non-compliant or incomplete searches.")
        } else {
            writeln!(out, "\nNon-compliant and incomplete searches ({total}):")?;
            let failing_table = report::searches(&failing, &Filter::default());
            let table = report::Table {
                columns: vec!["firm", "search_ref", "quarter", "verdict", "reason"],
                rows: failing_table
                    .rows
                    .iter()
                    .map(|r| vec![r[0].clone(), r[1].clone(), r[7].clone(), r[8].clone(), r[10].clone()])
                    .collect(),
            };
            output::table::write(&table, invocation.terminal, out)?;
            if total > failing.len() as u64 {
                writeln!(
                    out,
                    "... and {} more; `pledgecheck report searches` lists them all",
                    total - failing.len() as u64
                )?;
            }
            Ok(())
        }
    })?;
    Ok(if found { ExitCode::from(1) } else { ExitCode::SUCCESS })
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

/// The failing searches of a database, read from it as the JSON is written: never all in memory.
struct StoredFailing<'a> {
    store: &'a Store,
    firm: Option<&'a str>,
}

impl serde::Serialize for StoredFailing<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        let mut failed = None;
        let read = self.store.each_verdict(self.firm, &FAILING, |row| {
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

impl<'a> From<&'a VerdictRow> for FailingJson<'a> {
    fn from(r: &'a VerdictRow) -> Self {
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
