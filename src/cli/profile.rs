//! `pledgecheck profile check FILE`: validate an import profile (a system's column names and words mapped to
//! pledgecheck's), and load one for `import --profile` and `check --profile`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::import::Profile;

/// Arguments of `profile`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  pledgecheck profile check samples/ats-profile.toml")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// What to do with a profile.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check a profile file: its syntax, its columns and its words; exit 2 with every problem named.
    #[command(after_help = "Example:\n  pledgecheck profile check samples/ats-profile.toml")]
    Check {
        /// The profile (TOML).
        file: std::path::PathBuf,
    },
}

pub(super) fn run(invocation: &super::Invocation, args: Args) -> anyhow::Result<ExitCode> {
    let Command::Check { file } = args.command;
    let profile = load(&file)?;
    if !invocation.quiet() {
        let name = profile.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        writeln!(
            std::io::stdout().lock(),
            "{}{name}: a valid profile: {} mapped, {} dropped, {}",
            file.display(),
            crate::import::plural(profile.columns.len(), "column", "columns"),
            crate::import::plural(profile.ignore.len(), "column", "columns"),
            if profile.values.is_empty() {
                "no word maps".to_string()
            } else {
                format!("word maps for {}", profile.values.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "))
            }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a profile file; an invalid one is an error naming every problem.
pub(super) fn load(path: &Path) -> anyhow::Result<Profile> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Profile::read(&text).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("{}: {p}", path.display())).collect();
        anyhow::anyhow!("the import profile is not valid:\n{}", lines.join("\n"))
    })
}
