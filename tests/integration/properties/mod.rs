//! Property tests (proptest), calling the library: the value parsers and file readers, importing, and the rules
//! engine. Each test whose inputs are either accepted or refused counts both outcomes and fails if a run explored
//! only one; the rules test checks that every verdict occurred.

mod imports;
mod personal;
mod rules;
mod values;
