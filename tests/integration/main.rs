//! pledgecheck's integration tests, in one test binary: each test binary links the whole crate and SQLite, so
//! one binary builds and links once. Most tests run the `pledgecheck` binary on files in a temporary directory
//! with its own database; the property tests call the library.
//!
//! | module | what it covers |
//! | --- | --- |
//! | [`support`] | the helpers every test uses: [`support::Env`] (a temporary directory, its database and the binary run in it), [`support::Run`], input-file builders ([`support::row`], [`support::shortlists`], ...), the sample files, and decoders for CSV, JSON and the database |
//! | `bad_input`, `import_semantics`, `database` | importing: refused input, what an import writes, which database is used |
//! | `clients` | the registry of public employers: derived, contradicting and unknown client sectors, `client`, `report clients` |
//! | `files` | output over the database, foreign databases, databases created by refused runs, read-only storage, output files' modes |
//! | `hostile_input` | input that tried to exhaust or fool the import: sizes, control characters, FIFOs and standard input, duplicate JSON keys, open quotes |
//! | `verdicts`, `check`, `policy` | the verdicts and their reasons, `check`, policy files |
//! | `reports::*` | every report: CSV/JSON, Excel CSV, HTML, the quarterly pack, snapshots, the terminal, the SQL views |
//! | `evidence::*` | history, the hash chain, as-of, logging by hand, privacy, and faults (concurrent and killed processes) |
//! | `real_use::*` | issue 13: the pre-send projection, re-imports, exports as they come, personal data, typos |
//! | `readme` | every `console` example of README.md, run in order and compared with what it shows |
//! | `properties::*` | property tests: the value parsers, importing, the rules engine |
//! | `server::*` | `pledgecheck serve`: the access matrix, uploads (errors, dry run, concurrent), the same report bytes as the CLI, limits, the log |
//! | `totals` | the stored totals per firm, quarter and verdict after every kind of change, and a database migrated to them |
//!
//! Run a part with a filter on the module path, `cargo test --test integration reports::`, or one test by name.
//! The fault tests take the longest (one holds a write lock for over 30 s);
//! `cargo test --test integration -- --skip evidence::faults` leaves them out.

mod support;

mod bad_input;
mod check;
mod clients;
mod database;
mod evidence;
mod files;
mod hostile_input;
mod import_semantics;
mod policy;
mod properties;
mod readme;
mod real_use;
mod reports;
mod server;
mod totals;
mod verdicts;
