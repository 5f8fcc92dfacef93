//! The command line: clap definitions, one file per command, and what they share (the database, the input
//! files, where output goes). Each command's `run` returns the exit code for a successful run; errors are
//! turned into messages and exit status 2 by [`report_error`].

mod audit;
mod backup;
mod by_hand;
mod candidate;
mod check;
mod completions;
mod exemption;
mod explain;
mod firm;
mod forget;
mod history;
mod import;
mod policy;
mod quarterly;
mod report;
mod search;
mod serve;
mod token;
mod user;
mod whatif;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::import::{Encoding, ImportError, InputErrors, InputFile};
use crate::output::atomic_write;
use crate::output::terminal::{Terminal, Verbosity};
use crate::output::Format;
use crate::store::{Mode, Moment, Store, View};

/// Checks executive searches against the mobility pledge and reports compliance.
#[derive(Debug, Parser)]
#[command(name = "pledgecheck", version, about, long_about = None, after_help = "Examples:\n  \
    pledgecheck check samples/firms.csv samples/shortlists.csv samples/exemptions.csv\n  \
    pledgecheck report firms --quarter 2026-Q1 --format csv --output firms.csv\n  \
    pledgecheck explain nordsoeg NS-2026-004")]
pub struct Cli {
    /// The database file.
    #[arg(long, global = true, env = "PLEDGECHECK_DB", default_value = "pledgecheck.db", value_name = "PATH")]
    pub db: PathBuf,

    /// Who is making the change, as recorded in the import log (default: the OS user).
    #[arg(long, global = true, env = "PLEDGECHECK_BY", value_name = "NAME")]
    pub by: Option<String>,

    /// Print only what was asked for, and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print details on standard error: the database, the policy, counts.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate files of firms, shortlists and exemptions and load them in one transaction.
    Import(import::Args),
    /// Import files, if any, then show the per-firm summary and the failing searches.
    Check(check::Args),
    /// Report per search, firm, quarter or outcome (table, CSV, JSON), or as one HTML page with charts.
    Report(report::Args),
    /// Explain one search's verdict: each condition, each candidate, and what would make it pass.
    Explain(explain::Args),
    /// Validate, show, test and put in force the pledge as a policy file.
    #[command(
        after_help = "Examples:\n  pledgecheck policy check samples/stricter.toml\n  pledgecheck policy use samples/stricter.toml"
    )]
    Policy(policy::Args),
    /// Judge the stored searches under another policy and show what would change; stores nothing.
    Whatif(whatif::Args),
    /// Write a quarter's report files (summary, firms, searches, failing, exemptions, outcomes) into a folder.
    Quarterly(quarterly::Args),
    /// Print shell completions, generated from the command definitions.
    Completions(completions::CompletionsArgs),
    /// Print the man page (or write one per command), generated from the command definitions.
    Man(completions::ManArgs),
    /// Log firms by hand: add, update (incl. withdrawing the pledge), list.
    #[command(
        after_help = "Examples:\n  pledgecheck firm add nordsoeg --name \"Nordsøg Executive Search A/S\" --pledged-on 2021-09-15\n  pledgecheck firm list"
    )]
    Firm(firm::Args),
    /// Log searches by hand: add, update, remove.
    #[command(
        after_help = "Examples:\n  pledgecheck search update nordsoeg NS-2026-050 --shortlist-on 2026-10-15\n  pledgecheck search remove nordsoeg NS-2026-050"
    )]
    Search(search::Args),
    /// Log a search's candidates by hand: add, update, remove.
    #[command(
        after_help = "Examples:\n  pledgecheck candidate update nordsoeg NS-2026-050 c1 --stage hired\n  pledgecheck candidate remove nordsoeg NS-2026-050 c1"
    )]
    Candidate(candidate::Args),
    /// Log a search's exemption by hand: add, remove.
    #[command(
        after_help = "Examples:\n  pledgecheck exemption add nordsoeg NS-2026-050 --reason no-qualified-candidate\n  pledgecheck exemption remove nordsoeg NS-2026-050"
    )]
    Exemption(exemption::Args),
    /// Check the tamper-evident history.
    #[command(after_help = "Example:\n  pledgecheck audit verify")]
    Audit(audit::Args),
    /// Show what changed, when, by whom and from which file, with before and after.
    History(history::Args),
    /// Copy the database consistently while others may write.
    Backup(backup::Args),
    /// Replace a candidate's reference by a redaction token in all its versions (privacy).
    Forget(forget::Args),
    /// Manage the accounts of `pledgecheck serve`: add, list, disable, password.
    #[command(
        after_help = "Examples:\n  pledgecheck user add ada --role admin\n  pledgecheck user add nina --role recruiter --firm nordsoeg\n  pledgecheck user list"
    )]
    User(user::Args),
    /// Manage API tokens: add (printed once), list, revoke.
    #[command(
        after_help = "Examples:\n  pledgecheck token add --user nina --expires 2027-06-30\n  pledgecheck token list\n  pledgecheck token revoke 3"
    )]
    Token(token::Args),
    /// Serve the HTTP API (/api/v1) on the database, for recruiters, auditors and admins.
    Serve(serve::Args),
}

/// What the commands of one run share besides their arguments, taken once from the command line and the
/// environment by [`run`] and passed to the commands that need it.
struct Invocation {
    /// Who is making any change, as the import log records it: `--by`, else the OS user.
    actor: String,
    /// How much to say beyond what was asked for: `--quiet`, `--verbose`, or neither.
    verbosity: Verbosity,
    /// Standard output's terminal, or `None` when it is a file or a pipe: tables written to it fit its width and
    /// colour verdicts (when `NO_COLOR` allows).
    terminal: Option<Terminal>,
}

impl Invocation {
    /// Whether `--quiet` was given.
    fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Writes a detail to standard error under `--verbose`.
    fn detail(&self, message: std::fmt::Arguments) {
        self.verbosity.detail(message);
    }

    /// The terminal that output goes to: standard output's, unless the output goes to `--output FILE` (files
    /// are never styled).
    fn terminal_for(&self, output: Option<&Path>) -> Option<Terminal> {
        self.terminal.filter(|_| output.is_none())
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let invocation = Invocation {
        actor: actor(cli.by.as_deref()),
        verbosity: Verbosity::from_flags(cli.quiet, cli.verbose),
        terminal: Terminal::stdout(),
    };
    let (db, invocation) = (cli.db.as_path(), &invocation);
    match cli.command {
        Command::Import(args) => import::run(invocation, db, args),
        Command::Check(args) => check::run(invocation, db, args),
        Command::Report(args) => report::run(invocation, db, args),
        Command::Explain(args) => explain::run(db, args),
        Command::Policy(args) => policy::run(invocation, db, args),
        Command::Whatif(args) => whatif::run(invocation, db, args),
        Command::Quarterly(args) => quarterly::run(invocation, db, args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Firm(args) => firm::run(invocation, db, args),
        Command::Search(args) => search::run(invocation, db, args),
        Command::Candidate(args) => candidate::run(invocation, db, args),
        Command::Exemption(args) => exemption::run(invocation, db, args),
        Command::Audit(args) => audit::run(db, args),
        Command::History(args) => history::run(db, args),
        Command::Backup(args) => backup::run(db, args),
        Command::Forget(args) => forget::run(invocation, db, args),
        Command::User(args) => user::run(invocation, db, args),
        Command::Token(args) => token::run(invocation, db, args),
        Command::Serve(args) => serve::run(db, args),
    }
}

/// Prints an error for people and gives the exit code: 0 for a closed pipe, else 2.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    if error
        .chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
    {
        return ExitCode::SUCCESS;
    }
    let input = error.chain().find_map(|cause| {
        cause.downcast_ref::<InputErrors>().or_else(|| match cause.downcast_ref::<ImportError>() {
            Some(ImportError::Input(errors)) => Some(errors),
            _ => None,
        })
    });
    let mut err = io::stderr().lock();
    match input {
        Some(errors) => {
            let total = errors.total();
            let _ = writeln!(
                err,
                "error: {total} {} in the input; nothing was written",
                if total == 1 { "problem" } else { "problems" }
            );
            let _ = writeln!(err, "{errors}");
        }
        None => {
            let _ = writeln!(err, "error: {error:#}");
        }
    }
    ExitCode::from(2)
}

/// The person making a change: `by` (from `--by`) unless blank, else the OS user.
fn actor(by: Option<&str>) -> String {
    if let Some(by) = by.map(str::trim).filter(|b| !b.is_empty()) {
        return by.to_string();
    }
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The command line, as recorded in the import log.
fn command_line() -> String {
    std::iter::once("pledgecheck".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ")
}

/// Input files on disk, checked to be readable before anything is opened or created.
fn input_files(paths: &[PathBuf]) -> anyhow::Result<Vec<InputFile>> {
    paths
        .iter()
        .map(|path| {
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok(InputFile { name: path.display().to_string(), path: path.clone() })
        })
        .collect()
}

/// Reads, validates and imports files, streaming; with `dry_run` nothing is stored and a missing database is not
/// created.
fn import_files(
    invocation: &Invocation,
    db: &Path,
    paths: &[PathBuf],
    encoding: Encoding,
    options: crate::import::ImportOptions,
) -> anyhow::Result<(Store, crate::import::ImportOutcome)> {
    let inputs = input_files(paths)?;
    let mut store = if options.dry_run && !db.exists() { Store::in_memory()? } else { Store::open(db, Mode::Create)? };
    let outcome = match progress_bar(paths, invocation.quiet()) {
        Some(bar) => {
            let tracked: Vec<Tracked> = inputs.into_iter().map(|file| Tracked { file, bar: bar.clone() }).collect();
            let outcome = crate::import::import_files(
                &mut store,
                &tracked,
                encoding,
                &invocation.actor,
                &command_line(),
                options,
            );
            bar.finish_and_clear();
            outcome?
        }
        None => {
            crate::import::import_files(&mut store, &inputs, encoding, &invocation.actor, &command_line(), options)?
        }
    };
    Ok((store, outcome))
}

/// A progress bar on standard error for a long import: only on a terminal, only for large files, and never
/// with `--quiet`.
fn progress_bar(paths: &[PathBuf], quiet: bool) -> Option<indicatif::ProgressBar> {
    let bytes: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    if !io::stderr().is_terminal() || quiet || bytes < 8 << 20 {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(bytes), indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("importing {bar:40} {bytes}/{total_bytes} ({eta} left)")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// An input file whose reading moves the progress bar.
struct Tracked {
    file: InputFile,
    bar: indicatif::ProgressBar,
}

impl crate::import::Open for Tracked {
    fn name(&self) -> &str {
        self.file.name()
    }

    fn open(&self) -> io::Result<Box<dyn io::Read + '_>> {
        Ok(Box::new(self.bar.wrap_read(self.file.open()?)))
    }
}

/// The view a read command reads through, chosen once: the rows at `--as-of` (else now) under `--policy FILE`
/// (else the policy in force then).
fn view<'s>(store: &'s Store, as_of: Option<&str>, policy: Option<&Path>) -> anyhow::Result<View<'s>> {
    let other = match policy {
        Some(path) => Some((path.display().to_string(), policy::load(path)?.1)),
        None => None,
    };
    Ok(store.view(Moment::of(as_of), other)?)
}

/// Reads `--as-of TIME` into the stored form.
fn parse_as_of(raw: &str) -> Result<String, String> {
    crate::store::parse_moment(raw).map_err(|e| e.to_string())
}

/// The format to use: the one asked for, else a table on a terminal (`terminal`: the one the output goes to, if
/// any) and CSV otherwise.
fn resolve_format(asked: Option<Format>, terminal: Option<Terminal>) -> Format {
    asked.unwrap_or(if terminal.is_some() { Format::Table } else { Format::Csv })
}

/// Sends output to `--output FILE` (atomically) or to standard output.
fn emit(output: Option<&Path>, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match output {
        Some(path) => atomic_write::write_atomically(path, fill),
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            fill(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}
