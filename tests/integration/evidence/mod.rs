//! Evidence (issue 5): logging by hand, who and how, history, the hash chain, as-of, privacy, and safety under
//! faults.

mod as_of;
mod by_hand;
mod chain;
mod faults;
mod history;
mod privacy;
mod signed;
mod tamper;
