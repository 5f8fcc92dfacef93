//! Counting the outcomes of a property test's cases.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many of a property test's cases took each branch: inputs accepted (clean) and inputs refused. A test
/// whose inputs may go either way asserts at the end of its run that both were exercised, so that a generator
/// that drifts to produce only one kind fails the test instead of silently testing half of the property.
///
/// Works in a `static` (for the cases of a `proptest!` function) and shared by reference with a hand-built
/// `TestRunner`.
#[derive(Debug, Default)]
pub struct Branches {
    clean: AtomicUsize,
    refused: AtomicUsize,
}

impl Branches {
    /// No cases counted yet.
    pub const fn new() -> Branches {
        Branches { clean: AtomicUsize::new(0), refused: AtomicUsize::new(0) }
    }

    /// Counts one case: `true` for clean, `false` for refused. Returns `clean` for chaining.
    pub fn record(&self, clean: bool) -> bool {
        let counter = if clean { &self.clean } else { &self.refused };
        counter.fetch_add(1, Ordering::Relaxed);
        clean
    }

    /// The counts so far: `(clean, refused)`.
    pub fn counts(&self) -> (usize, usize) {
        (self.clean.load(Ordering::Relaxed), self.refused.load(Ordering::Relaxed))
    }

    /// Asserts that the run counted at least one clean and one refused case, and prints the counts.
    #[track_caller]
    pub fn assert_both(&self, what: &str) {
        let (clean, refused) = self.counts();
        eprintln!("{what}: {clean} clean, {refused} refused");
        assert!(clean > 0, "{what}: no case was clean ({refused} refused): the generator no longer reaches it");
        assert!(refused > 0, "{what}: no case was refused ({clean} clean): the generator no longer reaches it");
    }
}
