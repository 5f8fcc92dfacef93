//! `pledgecheck completions SHELL` and `pledgecheck man`: generated from the clap definitions, so they cannot
//! drift from the commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory as _;

use super::Cli;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck completions bash > ~/.local/share/bash-completion/completions/pledgecheck\n  \
    pledgecheck completions zsh > ~/.zfunc/_pledgecheck\n  \
    pledgecheck completions fish > ~/.config/fish/completions/pledgecheck.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck man | man -l -\n  \
    pledgecheck man --dir ~/.local/share/man/man1     # one page per command: pledgecheck-report.1, ...")]
pub struct ManArgs {
    /// Write a page for pledgecheck and one for each command into this folder instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub(super) fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    // clap_complete panics when its writer fails; write into memory, then out (a closed pipe ends quietly).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pledgecheck", &mut script);
    super::emit(None, |out| out.write_all(&script))?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn man(args: ManArgs) -> anyhow::Result<ExitCode> {
    let command = Cli::command();
    match &args.dir {
        Some(dir) => write_pages(&command, dir)?,
        None => super::emit(None, |out| clap_mangen::Man::new(command).render(out))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `pledgecheck.1` and `pledgecheck-COMMAND[-SUBCOMMAND].1` for every command.
fn write_pages(command: &clap::Command, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(command.clone(), dir).with_context(|| format!("cannot write in {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and subcommand's `--help` ends with examples.
    #[test]
    fn every_command_has_an_example() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let help = command.get_after_help().or(command.get_after_long_help()).map(|h| h.to_string());
            if !help.is_some_and(|h| h.contains("Example")) {
                missing.push(path.to_string());
            }
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "pledgecheck", &mut missing);
        assert!(missing.is_empty(), "commands without an example in --help: {missing:?}");
    }

    #[test]
    fn pages_for_every_command() {
        let dir = tempfile::tempdir().unwrap();
        write_pages(&Cli::command(), dir.path()).unwrap();
        let page = std::fs::read_to_string(dir.path().join("pledgecheck-report.1")).unwrap();
        assert!(page.contains(".TH"));
        assert!(dir.path().join("pledgecheck-quarterly.1").exists());
    }
}
