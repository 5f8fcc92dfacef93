//! The command line: clap definitions, one file per command, and what they share (the database, the input
//! files, where output goes). Each command's `run` returns the exit code for a successful run; errors are
//! turned into messages and exit status 2 by [`report_error`].

mod audit;
mod backup;
mod by_hand;
mod candidate;
mod check;
mod client;
mod completions;
mod exemption;
mod explain;
mod firm;
mod forget;
mod history;
mod import;
mod imports;
mod key;
mod policy;
mod profile;
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

    /// The secret key that signs each entry written (`pledgecheck key new` writes one); once a database's chain
    /// is signed, every change needs it.
    #[arg(long, global = true, env = "PLEDGECHECK_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// Who makes the change, as the import log records it (default: the OS account). A global option: commands
    /// that change nothing ignore it.
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
    /// Check an import profile (a system's column names and words mapped to pledgecheck's).
    Profile(profile::Args),
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
    /// The registry of public employers: list it, add an employer, change an entry.
    #[command(
        after_help = "Examples:\n  pledgecheck client list --format csv\n  pledgecheck client add stat-folketingets-administration --name \"Folketingets Administration\" --kind other-state"
    )]
    Client(client::Args),
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
    /// List the import log: each import or change with its id, time, who, files and what it changed.
    Imports(imports::ImportsArgs),
    /// Take one import back as a new recorded change (history and the hash chain keep both).
    Undo(imports::UndoArgs),
    /// Make a key pair that signs the chain's entries.
    #[command(
        after_help = "Example:\n  pledgecheck key new --output keys/\n  pledgecheck --key keys/pledgecheck.key import samples/firms.csv"
    )]
    Key(key::Args),
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
    /// Today's date: the default `--send-on` of a projection.
    today: chrono::NaiveDate,
    /// `--key FILE`: the secret key that signs each entry written.
    key: Option<PathBuf>,
}

impl Invocation {
    /// Whether `--quiet` was given.
    fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Opens the database for a command that writes, with the key of `--key` (read now, so that a bad key file
    /// is refused before anything is written).
    fn open_for_writing(&self, db: &Path, mode: Mode) -> anyhow::Result<Store> {
        let key = self.key.as_deref().map(crate::signing::ChainKey::read).transpose()?;
        Ok(Store::open_with_key(db, mode, key)?)
    }

    /// Writes a detail to standard error under `--verbose`.
    fn detail(&self, message: std::fmt::Arguments) {
        self.verbosity.detail(message);
    }

    /// The terminal that output goes to: standard output's, unless the output goes to `--output FILE` (files
    /// are never styled).
    fn terminal_for(&self, output: Option<&Path>) -> Option<Terminal> {
        self.terminal.filter(|_| output.is_none() || is_stdout(output))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let invocation = Invocation {
        actor: actor(cli.by.as_deref()),
        verbosity: Verbosity::from_flags(cli.quiet, cli.verbose),
        terminal: Terminal::stdout(),
        today: today(),
        key: cli.key.clone(),
    };
    let (db, invocation) = (cli.db.as_path(), &invocation);
    if db.as_os_str() == ":memory:" || db.to_string_lossy().starts_with("file:") {
        anyhow::bail!("--db {} is not a database file; give the path of one", db.display());
    }
    // A database is created only when something is written: one created by a run that then failed goes again.
    let existed = db.exists();
    let result = dispatch(cli.command, db, invocation);
    if result.is_err() && !existed && db.exists() {
        remove_if_untouched(db);
    }
    result
}

fn dispatch(command: Command, db: &Path, invocation: &Invocation) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => import::run(invocation, db, args),
        Command::Check(args) => check::run(invocation, db, args),
        Command::Report(args) => report::run(invocation, db, args),
        Command::Explain(args) => explain::run(invocation, db, args),
        Command::Policy(args) => policy::run(invocation, db, args),
        Command::Whatif(args) => whatif::run(invocation, db, args),
        Command::Profile(args) => profile::run(invocation, args),
        Command::Quarterly(args) => quarterly::run(invocation, db, args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Firm(args) => firm::run(invocation, db, args),
        Command::Client(args) => client::run(invocation, db, args),
        Command::Search(args) => search::run(invocation, db, args),
        Command::Candidate(args) => candidate::run(invocation, db, args),
        Command::Exemption(args) => exemption::run(invocation, db, args),
        Command::Imports(args) => imports::imports(invocation, db, args),
        Command::Undo(args) => imports::undo(invocation, db, args),
        Command::Key(args) => key::run(args),
        Command::Audit(args) => audit::run(db, args),
        Command::History(args) => history::run(db, args),
        Command::Backup(args) => backup::run(db, args),
        Command::Forget(args) => forget::run(invocation, db, args),
        Command::User(args) => user::run(invocation, db, args),
        Command::Token(args) => token::run(invocation, db, args),
        Command::Serve(args) => serve::run(invocation, db, args),
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
            let _ = writeln!(err, "{}", crate::model::printable(&errors.to_string()));
        }
        None => {
            let _ = writeln!(err, "error: {}", crate::model::printable(&format!("{error:#}")));
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
        .or_else(os_account)
        .unwrap_or_else(|| "unknown".into())
}

/// The OS account running the process, when no variable names it (a service, a container): the name of the
/// process's user id in /etc/passwd, else `uid N`.
fn os_account() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let fields: Vec<&str> = l.split(':').collect();
        (fields.get(2) == Some(&uid.as_str())).then(|| fields[0].to_string())
    });
    Some(name.unwrap_or(format!("uid {uid}")))
}

/// Today in local time; `PLEDGECHECK_TODAY` (a date) stands in for it, so that scripts and tests that project a
/// pending search or warn of a future date give the same output every day.
fn today() -> chrono::NaiveDate {
    std::env::var("PLEDGECHECK_TODAY")
        .ok()
        .and_then(|d| crate::model::parse_date(&d).ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// Reads a date argument (`--send-on`): ISO or Danish day-first, as in the files.
fn parse_day(raw: &str) -> Result<chrono::NaiveDate, String> {
    crate::model::parse_date(raw).map_err(|e| e.to_string())
}

/// The command line, as recorded in the import log.
fn command_line() -> String {
    std::iter::once("pledgecheck".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ")
}

/// Input files on disk, checked to be readable before anything is opened or created.
fn input_files(paths: &[PathBuf]) -> anyhow::Result<Vec<InputFile>> {
    paths
        .iter()
        .map(|path| InputFile::from_path(path).with_context(|| format!("cannot read {}", path.display())))
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
    let options = crate::import::ImportOptions { today: Some(invocation.today), ..options };
    let mut store = if options.dry_run && !db.exists() {
        Store::in_memory()?
    } else {
        invocation.open_for_writing(db, Mode::Create)?
    };
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
    if let Some(warning) = outcome.future_warning(invocation.today).filter(|_| !invocation.quiet()) {
        let _ = writeln!(io::stderr().lock(), "{warning}");
    }
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
    Ok(store.view(Moment::of(as_of), other_policy(policy)?)?)
}

/// `--policy FILE`, read and validated (before anything is written), with the name views give it.
fn other_policy(path: Option<&Path>) -> anyhow::Result<Option<(String, crate::policy::Policy)>> {
    path.map(|path| Ok((path.display().to_string(), policy::load(path)?.1))).transpose()
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

/// Whether an `--output` names standard output (`-`).
fn is_stdout(output: Option<&Path>) -> bool {
    output.is_some_and(|p| p == Path::new("-"))
}

/// Output formats for people (`check`, `explain`, `history`): the help lists only these.
fn people_format() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["table", "json"]).map(|word| {
        if word == "json" {
            Format::Json
        } else {
            Format::Table
        }
    })
}

/// The same file, as far as the file system can tell: by canonical path, or for a file not yet written, by its
/// folder's canonical path and its name.
fn same_file(a: &Path, b: &Path) -> bool {
    fn resolved(path: &Path) -> Option<PathBuf> {
        if let Ok(path) = path.canonicalize() {
            return Some(path);
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(parent.canonicalize().ok()?.join(path.file_name()?))
    }
    match (resolved(a), resolved(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Refuses an output path that is the database or one of its `-wal`, `-shm` or `-journal` files: a report written
/// there would replace the evidence.
fn refuse_database_path(db: &Path, output: &Path) -> anyhow::Result<()> {
    let mut candidates = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        candidates.push(PathBuf::from(name));
    }
    if let Some(hit) = candidates.iter().find(|c| same_file(c, output)) {
        anyhow::bail!(
            "{} is the database's file {} (--db); output there would replace the evidence; choose another path",
            output.display(),
            hit.display()
        );
    }
    Ok(())
}

/// Removes a database this run created but wrote nothing into (a refused import): its file and companions, if it
/// holds only the entry that created it and no other process has it open. Another process is detected as SQLite
/// detects it for a first load (the journal mode cannot leave WAL while another connection is open); the check
/// and the removal happen under an exclusive lock, and a process that opened the file meanwhile is refused by
/// SQLite on its first write (the file it opened was removed) rather than writing into nothing.
fn remove_if_untouched(db: &Path) {
    let removed = (|| -> rusqlite::Result<bool> {
        let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if mode != "delete" {
            return Ok(false);
        }
        conn.execute_batch("BEGIN EXCLUSIVE")?;
        let untouched: bool = conn.query_row(
            "SELECT (SELECT count(*) FROM import_log) <= 1 AND NOT EXISTS (SELECT 1 FROM firm)
             AND NOT EXISTS (SELECT 1 FROM search)",
            [],
            |r| r.get(0),
        )?;
        if untouched {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = db.as_os_str().to_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(name));
            }
        }
        let _ = conn.execute_batch("ROLLBACK");
        Ok(untouched)
    })();
    if removed.unwrap_or(false) {
        let mut journal = db.as_os_str().to_os_string();
        journal.push("-journal");
        let _ = std::fs::remove_file(PathBuf::from(journal));
    }
}

/// Sends output to `--output FILE` (atomically) or to standard output (no `--output`, or `--output -`).
fn emit(output: Option<&Path>, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match output.filter(|p| !is_stdout(Some(p))) {
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

/// An identifier typed on the command line (a firm's id, a search or candidate reference), in Unicode's composed
/// form (NFC) as identifiers are stored: typed decomposed, it names the same firm, search or candidate.
pub(crate) fn identifier(raw: &str) -> Result<String, std::convert::Infallible> {
    Ok(crate::model::composed(raw).into_owned())
}
