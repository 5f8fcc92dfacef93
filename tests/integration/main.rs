//! pledgecheck's integration tests, in one test binary (each binary links the whole crate and SQLite, so one
//! builds and links once). Most tests run the `pledgecheck` binary on files in a temporary directory with its own
//! database; the property tests call the library.
//!
//! | module | what it covers |
//! | --- | --- |
//! | [`support`] | the helpers every test uses: [`support::Env`] (a temporary directory, its database and the binary run in it), [`support::Run`], input-file builders ([`support::row`], [`support::shortlists`], ...), the sample files, and decoders for CSV, JSON and the database |
//! | `bad_input`, `import_semantics`, `database` | importing: refused input, what an import writes, which database is used |
//! | `verdicts`, `check`, `policy` | the verdicts and their reasons, `check`, policy files |
//! | `reports::*` | every report: CSV/JSON, Excel CSV, HTML, the quarterly pack, snapshots, the terminal, the SQL views |
//! | `evidence::*` | history, the hash chain, as-of, logging by hand, privacy, and faults (concurrent and killed processes) |
//! | `properties::*` | property tests: the value parsers, importing, the rules engine |
//! | `server::*` | `pledgecheck serve`: the access matrix, uploads (errors, dry run, concurrent), the same report bytes as the CLI, limits, the log |
//!
//! Run one part with a filter on the module path: `cargo test --test integration reports::`, or one test by name.
//! The fault tests (`evidence::faults`) take the longest; `cargo test --test integration -- --skip faults` leaves
//! them out.

mod support;

mod bad_input;
mod check;
mod database;
mod evidence;
mod import_semantics;
mod policy;
mod properties;
mod reports;
mod server;
mod verdicts;
