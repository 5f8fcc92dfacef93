//! pledgecheck's integration tests, in one test binary: each test binary links the whole crate and SQLite, so
//! one binary builds and links once. Most tests run the `pledgecheck` binary on files in a temporary directory
//! with its own database; the property tests call the library.
//!
//! - [`support`]: the helpers every test uses: [`support::Env`] (a temporary directory with its own database, and
//!   the binary run in it), input-file builders ([`support::row`], [`support::shortlists`], ...), the sample
//!   files, and decoders for CSV, JSON and the database.
//! - `bad_input`, `import_semantics`, `database`: importing: refused input, what an import writes, which
//!   database is used.
//! - `verdicts`, `check`, `policy`: the verdicts and their reasons, `check`, policy files.
//! - `reports::*`: every report: CSV and JSON, Excel CSV, HTML, the quarterly pack, insta snapshots (in
//!   `reports/snapshots/`), the terminal, the SQL views.
//! - `evidence::*`: history, the hash chain, as-of, logging by hand, privacy, and faults (concurrent and killed
//!   processes).
//! - `properties::*`: property tests: the value parsers and file readers, importing, the rules engine.
//!
//! Run a part with a filter on the module path, `cargo test --test integration reports::`, or one test by name.
//! The fault tests take the longest (one holds a write lock for over 30 s);
//! `cargo test --test integration -- --skip evidence::faults` leaves them out.

mod support;

mod bad_input;
mod check;
mod database;
mod evidence;
mod import_semantics;
mod policy;
mod properties;
mod reports;
mod verdicts;
