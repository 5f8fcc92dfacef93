//! The helpers every integration test uses, in one place:
//!
//! - [`Env`]: a temporary directory with its own database, and the `pledgecheck` binary run in it ([`Run`] is a
//!   finished run); shortcuts for importing, reading reports back and looking into the database.
//! - [`inputs`]: the bundled sample files ([`sample`], [`all_samples`], [`csv_samples`]) and builders for input
//!   files: a shortlists [`Row`] with every column ([`row`], [`shortlists`]), [`firms`], [`exemptions`].
//! - [`outputs`]: decoders for what the binary writes: [`Csv`] (plain and Excel CSV), spreadsheet [`Cell`]s,
//!   [`error_line`] for error messages, and the columns reports start with.
//! - [`expected`]: the searches and counts of samples/EXPECTED.md.
//! - [`Branches`]: counts the outcomes of a property test's cases, to show that it explored both.
//! - [`server`]: `pledgecheck serve` started on a free port ([`Server`]), a blocking HTTP client, and accounts
//!   and tokens made with the CLI ([`Env::user`], [`Env::token`]).

mod branches;
mod env;
pub mod expected;
pub mod inputs;
pub mod outputs;
pub mod server;

pub use branches::Branches;
pub use env::{Env, Run, BINARY};
pub use expected::{expected_firms_all, expected_firms_csv_only, expected_searches};
pub use inputs::{
    all_samples, column, csv_samples, default_firms, exemptions, firms, row, sample, shortlists, Row, SHORTLIST_COLUMNS,
};
pub use outputs::{error_line, Cell, Csv, Snapshot, COUNT_COLUMNS, FOREVER, SEARCH_REPORT_COLUMNS};
pub use server::{csrf_of, Browser, Reply, Server};
