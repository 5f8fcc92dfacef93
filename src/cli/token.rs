//! `pledgecheck token add|list|revoke`: API tokens for `pledgecheck serve`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::Invocation;
use crate::output::{self, Format};
use crate::report::{Cell, Table};
use crate::service::accounts;
use crate::store::{Mode, Store};

/// Arguments of `token`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make an API token for an account; it is printed once, and only its SHA-256 is stored.
    #[command(after_help = "Examples:\n  \
        pledgecheck token add --user nina\n  \
        pledgecheck token add --user nina --expires 2027-06-30")]
    Add {
        /// The account the token acts for.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// When the token stops working (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC), after now; default: never
        /// (an admin's token for a service; give --expires for people, and revoke what is no longer used).
        #[arg(long, value_name = "DATE", value_parser = parse_expiry)]
        expires: Option<String>,
    },
    /// List the tokens (never the tokens themselves).
    #[command(after_help = "Example:\n  pledgecheck token list")]
    List {
        /// Output format (default: a table on a terminal, CSV otherwise).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Revoke a token by its number (from `token list`): it stops working at once.
    #[command(after_help = "Example:\n  pledgecheck token revoke 3")]
    Revoke {
        /// The token's number.
        id: i64,
    },
}

/// Reads `--expires`: a time after now (a token that is dead when made is a mistake, such as the wrong year).
fn parse_expiry(raw: &str) -> Result<String, String> {
    let at = crate::store::parse_moment(raw).map_err(|e| e.to_string())?;
    accounts::check_expiry(&at, chrono::Utc::now(), None)?;
    Ok(at)
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { user, expires } => {
            let store = Store::open(db, Mode::Existing)?;
            let (id, token) = accounts::add_token(&store, &user, expires.as_deref())?;
            let mut out = std::io::stdout().lock();
            if !invocation.quiet() {
                let until = expires.map(|e| format!(", expires {e}")).unwrap_or_default();
                writeln!(out, "token {id} for {}{until} (shown once; keep it secret):", user.trim())?;
            }
            writeln!(out, "{token}")?;
        }
        Command::List { format } => {
            let store = Store::open(db, Mode::Existing)?;
            let rows = store
                .tokens()?
                .into_iter()
                .map(|t| {
                    vec![
                        Cell::text(t.id.to_string()),
                        Cell::Text(t.user),
                        Cell::Text(t.created_at),
                        Cell::optional(t.expires_at.as_deref()),
                        Cell::optional(t.revoked_at.as_deref()),
                    ]
                })
                .collect();
            let table = Table { columns: vec!["id", "user", "created_at", "expires_at", "revoked_at"], rows };
            let format = super::resolve_format(format, invocation.terminal);
            super::emit(None, |out| output::write(&table, format, false, invocation.terminal, out))?;
        }
        Command::Revoke { id } => {
            Store::open(db, Mode::Existing)?.revoke_token(id)?;
            if !invocation.quiet() {
                writeln!(std::io::stdout().lock(), "revoked token {id}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
