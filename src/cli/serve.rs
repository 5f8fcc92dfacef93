//! `pledgecheck serve [--listen ADDR] [--max-upload BYTES] [--rate-limit N]`: the HTTP API and the web pages (see
//! docs/server.md).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::server;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Serves the API under /api/v1 and the web pages for people at / until SIGTERM or Ctrl-C, then \
    finishes the requests in progress. One line per request on standard error. Put TLS in front with a reverse proxy, \
    and give --secure-cookies there (docs/server.md).\n\n\
    Examples:\n  \
    pledgecheck serve\n  \
    pledgecheck serve --listen 0.0.0.0:8080 --db /srv/pledgecheck/pledgecheck.db")]
pub struct Args {
    /// The address and port to listen on; port 0 picks a free one (printed on standard error).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,

    /// The largest request body in bytes (larger uploads get 413).
    #[arg(long, default_value_t = server::DEFAULT_MAX_UPLOAD, value_name = "BYTES")]
    max_upload: usize,

    /// Failed authentications allowed a minute, per address and per account, before 429.
    #[arg(long, default_value_t = server::DEFAULT_RATE_LIMIT, value_name = "N")]
    rate_limit: u32,

    /// Seconds a request may take before 408.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,

    /// Mark the web pages' session cookie Secure (sent over HTTPS only): give it when a reverse proxy serves the
    /// pages over TLS, as it should outside localhost.
    #[arg(long)]
    secure_cookies: bool,

    /// Hours a web session lasts after sign-in.
    #[arg(long, default_value_t = server::DEFAULT_SESSION_HOURS, value_name = "HOURS")]
    session_hours: u32,
}

pub(super) fn run(invocation: &super::Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let key = invocation.key.as_deref().map(crate::signing::ChainKey::read).transpose()?;
    server::serve(server::Config {
        listen: args.listen,
        db: db.to_path_buf(),
        max_upload: args.max_upload,
        rate_limit: args.rate_limit,
        timeout: Duration::from_secs(args.timeout),
        key,
        secure_cookies: args.secure_cookies,
        session_hours: args.session_hours,
    })?;
    Ok(ExitCode::SUCCESS)
}
