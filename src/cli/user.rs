//! `pledgecheck user add|list|disable|password`: the accounts of `pledgecheck serve`.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Invocation;
use crate::output::{self, Format};
use crate::report::{Cell, Table};
use crate::service::accounts;
use crate::store::{Mode, Role, Store};

/// Arguments of `user`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add an account: a recruiter of one firm, an auditor (reads everything) or an admin.
    ///
    /// The password is read from standard input with --password-stdin; otherwise one is generated and printed
    /// once. Only its Argon2id hash is stored.
    #[command(after_help = "Examples:\n  \
        pledgecheck user add ada --role admin\n  \
        pledgecheck user add nina --role recruiter --firm nordsoeg\n  \
        printf '%s\\n' \"$PASSWORD\" | pledgecheck user add rigsrevisionen --role auditor --password-stdin")]
    Add {
        /// The account's name.
        name: String,
        /// recruiter, auditor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The firm a recruiter works for (its id).
        #[arg(long, value_name = "ID")]
        #[arg(value_parser = super::identifier)]
        firm: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    #[command(after_help = "Example:\n  pledgecheck user list --format csv")]
    List {
        /// Output format (default: a table on a terminal, CSV otherwise).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Disable an account: its tokens stop working at once.
    #[command(after_help = "Example:\n  pledgecheck user disable nina")]
    Disable {
        /// The account's name.
        name: String,
    },
    /// Set a new password (read from standard input with --password-stdin, else generated and printed once).
    #[command(after_help = "Examples:\n  pledgecheck user password nina\n  \
        printf '%s\\n' \"$PASSWORD\" | pledgecheck user password nina --password-stdin")]
    Password {
        /// The account's name.
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).ok_or_else(|| format!("unknown role {raw:?} (expected recruiter, auditor or admin)"))
}

/// The password: the first line of standard input, or a generated one (and whether it was generated).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((accounts::generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 8 {
        anyhow::bail!("the password on standard input is shorter than 8 characters");
    }
    Ok((password, false))
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { name, role, firm, password_stdin } => {
            let (password, generated) = password(password_stdin)?;
            let store = Store::open(db, Mode::Create)?;
            accounts::add_user(&store, &name, role, firm.as_deref(), &password)?;
            let mut out = std::io::stdout().lock();
            let of = firm.map(|f| format!(" of firm {}", f.trim())).unwrap_or_default();
            if !invocation.quiet() {
                writeln!(out, "added {} {}{of}", role.as_str(), name.trim())?;
            }
            if generated {
                writeln!(out, "password (shown once): {password}")?;
            }
        }
        Command::List { format } => {
            let store = Store::open(db, Mode::Existing)?;
            let rows = store
                .users()?
                .into_iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.name),
                        Cell::text(u.role.as_str()),
                        Cell::optional(u.firm.as_deref()),
                        Cell::Text(u.created_at),
                        Cell::optional(u.disabled_at.as_deref()),
                    ]
                })
                .collect();
            let table = Table { columns: vec!["name", "role", "firm", "created_at", "disabled_at"], rows };
            let format = super::resolve_format(format, invocation.terminal);
            super::emit(None, |out| output::write(&table, format, false, invocation.terminal, out))?;
        }
        Command::Disable { name } => {
            Store::open(db, Mode::Existing)?.disable_user(name.trim())?;
            if !invocation.quiet() {
                writeln!(std::io::stdout().lock(), "disabled {}; its tokens no longer work", name.trim())?;
            }
        }
        Command::Password { name, password_stdin } => {
            let (password, generated) = password(password_stdin)?;
            let store = Store::open(db, Mode::Existing)?;
            store.set_password(name.trim(), &accounts::hash_password(&password)?)?;
            let mut out = std::io::stdout().lock();
            if !invocation.quiet() {
                writeln!(out, "new password set for {}; its sign-ins to the web pages have ended", name.trim())?;
            }
            if generated {
                writeln!(out, "password (shown once): {password}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
