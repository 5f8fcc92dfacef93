//! pledgecheck: checks executive searches against the mobility pledge and reports compliance.
//!
//! The functional core is pure and unit-tested: [`model`] (the domain and its values), [`policy`] (the pledge
//! as data), [`rules`] (the verdicts), [`report`] (aggregation) and [`digest`] (hashing). The import layer
//! ([`import`]) reads files and applies the import's rules through the store's write API; [`store`] is the SQLite
//! database and nothing else. [`service`] holds the operations both front ends call; [`output`] writes terminal
//! tables, CSV, JSON and the HTML report; [`cli`] parses arguments and calls the rest. docs/architecture.md
//! draws the layers, and a test (`layers.rs`) keeps the imports to them.

pub mod cli;
pub mod digest;
pub mod import;
pub mod model;
pub mod output;
pub mod policy;
pub mod registry;
pub mod report;
pub mod rules;
pub mod server;
pub mod service;
pub mod signing;
pub mod store;

#[cfg(test)]
mod layers;
