//! pledgecheck: checks executive searches against the mobility pledge and reports compliance.
//!
//! The functional core is pure and unit-tested: [`model`] (the domain and its values), [`policy`] (the pledge
//! as data), [`rules`] (the verdicts), [`import`] (reading files) and [`report`] (aggregation). The shell sits at
//! the edges: [`store`] (SQLite), [`render`] (output formats), [`html`] and [`svg`] (the HTML report and its
//! charts), [`term`] (the terminal) and [`cli`] (the commands).

pub mod cli;
pub mod digest;
pub mod fit;
pub mod html;
pub mod import;
pub mod model;
pub mod policy;
pub mod render;
pub mod report;
pub mod rules;
pub mod service;
pub mod store;
pub mod svg;
pub mod term;

#[cfg(test)]
mod layers;
