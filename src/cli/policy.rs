//! `pledgecheck policy check|show|test|use|schema`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::Invocation;
use crate::output;
use crate::policy::{self, Policy};
use crate::store::{Mode, Moment, Store};

/// Arguments of `policy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Validate a policy file: syntax, unknown keys, and meaning (ordered versions, scopes, counts, shares).
    #[command(after_help = "Example:\n  pledgecheck policy check samples/pledge.toml")]
    Check {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Show a policy in words: a file, else the one in force in the database, else the built-in default.
    #[command(
        after_help = "Examples:\n  pledgecheck policy show\n  pledgecheck policy show stricter.toml --version v2"
    )]
    Show {
        /// The policy file (TOML).
        file: Option<PathBuf>,
        /// Only this version.
        #[arg(long, value_name = "ID")]
        version: Option<String>,
    },
    /// Run a policy's own tests ([[test]] tables); exit 1 if any fails.
    #[command(after_help = "Example:\n  pledgecheck policy test samples/pledge.toml")]
    Test {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Put a policy in force: store it and recompute every stored verdict in one transaction.
    #[command(after_help = "Example:\n  pledgecheck policy use stricter.toml")]
    Use {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Print the JSON Schema of the policy file format, for editors.
    #[command(after_help = "Example:\n  pledgecheck policy schema > pledge.schema.json")]
    Schema,
}

/// Reads and validates a policy file; every error names the file, line and column.
pub(super) fn load(path: &Path) -> anyhow::Result<(String, Policy)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read policy {}", path.display()))?;
    match Policy::parse(&text) {
        Ok(policy) => Ok((text, policy)),
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("{}: {e}", path.display())).collect();
            let problems =
                if errors.len() == 1 { "1 problem".to_string() } else { format!("{} problems", errors.len()) };
            anyhow::bail!("invalid policy {} ({problems}):\n{}", path.display(), lines.join("\n"))
        }
    }
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::Check { file } => {
            let (_, policy) = load(&file)?;
            let ids: Vec<String> =
                policy.versions.iter().map(|v| format!("{} from {}", v.id, v.effective_from)).collect();
            writeln!(
                out,
                "{}: valid; versions {}; {} tests; sha256 {}",
                file.display(),
                ids.join(", "),
                policy.tests.len(),
                policy.sha256
            )?;
        }
        Command::Show { file, version } => {
            let (source, policy) = match &file {
                Some(path) => (path.display().to_string(), load(path)?.1),
                None if db.exists() => {
                    let store = Store::open(db, Mode::Existing)?;
                    let stored = store.view(Moment::Now, None)?.judging()?.clone();
                    let since = stored.in_force_from.unwrap_or_default();
                    (format!("{} (in force since {since})", stored.name), stored.policy)
                }
                None => (policy::DEFAULT_POLICY_NAME.to_string(), Policy::default_policy()),
            };
            let words = policy::describe(&policy, version.as_deref()).map_err(anyhow::Error::msg)?;
            writeln!(out, "Policy {source}, sha256 {}\n", policy.sha256)?;
            write!(out, "{words}")?;
        }
        Command::Test { file } => return test(&file, &mut out),
        Command::Use { file } => {
            let (text, policy) = load(&file)?;
            let mut store = invocation.open_for_writing(db, Mode::Create)?;
            let name = file.display().to_string();
            let change = store.use_policy(&name, &text, &policy, &invocation.actor, &super::command_line())?;
            writeln!(
                out,
                "policy {name} (sha256 {}) in force from {}: {} verdicts recomputed, {} changed",
                policy.sha256, change.at, change.judged, change.changed
            )?;
        }
        Command::Schema => output::json::write(&Policy::json_schema(), &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `policy test FILE`: runs the policy's own tests; exit 1 when one fails.
fn test(file: &Path, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (_, policy) = load(file)?;
    let outcomes = crate::rules::run_policy_tests(&policy);
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    for o in &outcomes {
        let j = &o.explanation.judgement;
        if o.passed {
            writeln!(out, "ok    {}", o.case.name)?;
            continue;
        }
        let expected_rule = o.case.rule.as_deref().map(|r| format!(" (rule {r})")).unwrap_or_default();
        let expected_version = o.case.version.as_deref().map(|v| format!(" under {v}")).unwrap_or_default();
        writeln!(out, "FAIL  {}", o.case.name)?;
        writeln!(out, "      expected {}{expected_rule}{expected_version}", o.case.expect)?;
        let version = j.policy_version.as_deref().unwrap_or("no version");
        writeln!(out, "      got      {} (rule {}) under {version}: {}", j.verdict, j.rule, j.reason)?;
        for c in &o.explanation.candidates {
            writeln!(out, "      {}: {}", c.candidate_ref, c.why)?;
        }
    }
    writeln!(out, "\n{} passed, {failed} failed", outcomes.len() - failed)?;
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
