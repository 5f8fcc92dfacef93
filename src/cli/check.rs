//! `pledgecheck check [FILE...] [--dry-run] [--fail-on VERDICT,...] [--firm ID]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use crate::import::Encoding;
use crate::render::{self, Format};
use crate::report::{self, Filter};
use crate::rules::Verdict;
use crate::store::{ImportOptions, Mode, Store, VerdictRow};

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

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("check writes a table or JSON; use `pledgecheck report` for CSV");
    }
    let other = args.policy.as_deref().map(super::policy::load).transpose()?.map(|(_, p)| p);
    let verdicts = |store: &Store| match &other {
        Some(policy) => store.verdicts_under(policy),
        None => store.verdicts(),
    };
    let (firms, rows, imported) = if args.dry_run {
        let (_, outcome) = super::import_files(
            db,
            &args.files,
            args.encoding,
            ImportOptions { dry_run: true, judge_under: other.as_ref(), only_firm: None },
        )?;
        let summary = outcome.summary();
        (outcome.judged_firms, outcome.judged, Some(summary))
    } else if args.files.is_empty() {
        let store = Store::open(db, Mode::Existing)?;
        (store.firms()?, verdicts(&store)?, None)
    } else {
        let (store, outcome) = super::import_files(db, &args.files, args.encoding, ImportOptions::default())?;
        (store.firms()?, verdicts(&store)?, Some(outcome.summary()))
    };
    let filter = Filter { quarter: None, firm: args.firm.map(|f| f.trim().to_string()) };
    let summary = report::firms(&firms, &rows, &filter);
    let failing: Vec<VerdictRow> = rows
        .iter()
        .filter(|r| filter.covers(r) && matches!(r.verdict, Verdict::NonCompliant | Verdict::Incomplete))
        .cloned()
        .collect();
    let failing_table = report::searches(&failing, &Filter::default());
    let found = rows.iter().filter(|r| filter.covers(r)).any(|r| args.fail_on.contains(&r.verdict));
    super::emit(None, |out| {
        if args.format == Format::Json {
            let value = json!({
                "schema_version": render::SCHEMA_VERSION,
                "dry_run": args.dry_run,
                "firms": render::rows_json(&summary),
                "failing": render::rows_json(&failing_table),
                "fail_on_matched": found,
            });
            return render::write_json(&value, out);
        }
        if let Some(line) = imported.as_ref().filter(|_| !crate::term::quiet()) {
            let prefix = if args.dry_run { "dry run, nothing was written" } else { "imported" };
            writeln!(out, "{prefix}: {line}\n")?;
        }
        let scope = if args.dry_run { "the files' searches" } else { "the whole database" };
        writeln!(out, "Per firm ({scope}):")?;
        render::write_table(&summary, out)?;
        if failing.is_empty() {
            writeln!(out, "\nNo non-compliant or incomplete searches.")
        } else {
            writeln!(out, "\nNon-compliant and incomplete searches ({}):", failing.len())?;
            let table = report::Table {
                columns: vec!["firm", "search_ref", "quarter", "verdict", "reason"],
                rows: failing_table
                    .rows
                    .iter()
                    .map(|r| vec![r[0].clone(), r[1].clone(), r[7].clone(), r[8].clone(), r[10].clone()])
                    .collect(),
            };
            render::write_table(&table, out)
        }
    })?;
    Ok(if found { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
