//! Property tests (proptest), calling the library: the value parsers and file readers, and importing. Each test
//! whose inputs are either accepted or refused counts both outcomes and fails if a run explored only one.

mod imports;
mod personal;
mod values;
