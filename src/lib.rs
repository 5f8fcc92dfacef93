//! pledgecheck: checks executive searches against the mobility pledge and reports compliance.
//!
//! The functional core is pure and unit-tested: [`model`] (the domain and its values), [`policy`] (the pledge
//! as data), [`rules`] (the verdicts), [`import`] (reading files) and [`report`] (aggregation). The shell sits at
//! the edges: [`store`] (SQLite), [`output`] (terminal tables, CSV, JSON, the HTML report and its charts, the
//! terminal itself, atomic output files) and [`cli`] (the commands).

pub mod cli;
pub mod import;
pub mod model;
pub mod output;
pub mod policy;
pub mod report;
pub mod rules;
pub mod store;
