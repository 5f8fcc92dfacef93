//! `pledgecheck serve`, started as a process on a free port and called over HTTP.
//!
//! - `access`: the access matrix (every route x role x own/other firm x no/wrong/expired/revoked/disabled
//!   token), and that no answer to a recruiter holds another firm's data;
//! - `uploads`: imports with errors (422, database unchanged), dry runs, the pre-send check, concurrent uploads,
//!   the import log naming the account;
//! - `reports`: the same bytes from the API as from the CLI; the quarterly zip;
//! - `limits`: 429 after failed tokens, 413 past `--max-upload`, the log line, SIGTERM;
//! - `pages`: the web pages: sign-in and sessions, form tokens, firm isolation, the pre-send check, uploads, the
//!   auditor's pack.

mod access;
mod limits;
mod pages;
mod reports;
mod uploads;

use crate::support::{csv_samples, Env};

/// The firm of the recruiter `nina`, and another firm of the samples.
pub const OWN: &str = "nordsoeg";
pub const OTHER: &str = "kbh-executive";

/// Text that only data of the samples' other firms holds: their names and search references.
pub const OTHER_FIRMS_DATA: [&str; 6] =
    ["KBH Executive Partners", "Vestlys Rekruttering", "Jysk Lederhus", "KE-2", "VL-20", "JL-04"];

/// A database with the CSV samples, an admin `ada`, an auditor `aud` and a recruiter `nina` of nordsoeg, each
/// with a token (in that order).
pub fn accounts() -> (Env, [String; 3]) {
    let env = Env::new();
    env.import(&csv_samples());
    env.user("ada", "admin", None);
    env.user("aud", "auditor", None);
    env.user("nina", "recruiter", Some(OWN));
    let tokens = [env.token("ada", None), env.token("aud", None), env.token("nina", None)];
    (env, tokens)
}

/// A shortlists file holding one search (`search_ref`) of `firm`.
pub fn one_search(firm: &str, search_ref: &str) -> Vec<u8> {
    format!(
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n\
         {firm},{search_ref},Region Midtjylland,region,Direktør,top,2026-01-10,2026-02-01,c1,private\n"
    )
    .into_bytes()
}
