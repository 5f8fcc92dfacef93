//! `pledgecheck key new --output DIR`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::signing::ChainKey;

/// Arguments of `key`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write a new Ed25519 key pair: `pledgecheck.key` (secret, mode 0600) and `pledgecheck.pub` (public).
    ///
    /// Give the secret key to every command that writes (`--key FILE` or `PLEDGECHECK_KEY`): each entry's hash is
    /// then signed, and once a chain holds a signed entry, changes without the key are refused. Give the public
    /// key to the auditor: `audit verify --public-key pledgecheck.pub` checks every signature. Existing key files
    /// are never replaced.
    #[command(after_help = "Example:\n  pledgecheck key new --output keys/")]
    New {
        /// The folder to write the two files into (created if missing).
        #[arg(long, value_name = "DIR")]
        output: PathBuf,
    },
}

pub(super) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Command::New { output } = args.command;
    std::fs::create_dir_all(&output)?;
    let key = ChainKey::generate();
    let (secret, public) = key.write_pair(&output)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "secret key: {} (keep it; give it with --key or PLEDGECHECK_KEY)", secret.display())?;
    writeln!(out, "public key: {} ({})", public.display(), key.public().to_hex())?;
    Ok(ExitCode::SUCCESS)
}
