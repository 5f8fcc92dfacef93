//! Criterion benchmarks of the rules engine: judging 200,000 searches of five candidates under the default
//! policy, with [`rules::decide`] (the fast path: verdict and rule, no words) and with [`rules::judge`] (verdict,
//! rule and reason in words, as stored), and [`rules::explain`] of one search.
//!
//! ```text
//! cargo bench --bench rules
//! ```
//!
//! The searches are built in memory by a seeded builder (`benches/common`) with the mix of verdicts of
//! `examples/generate.rs`; the mix is printed once. Engine time only: no parsing, no database. A third variant
//! makes the same number of decisions over 1,000 searches that stay in the CPU caches, to tell the engine's own
//! work from the time spent fetching 200,000 searches from memory.

mod common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pledgecheck::policy::Policy;
use pledgecheck::rules::{self, Verdict};

const SEARCHES: usize = 200_000;

fn judging(c: &mut Criterion) {
    let policy = Policy::default_policy();
    let data = common::build(SEARCHES, 42);
    let cases = data.cases();

    let mut mix: BTreeMap<Verdict, usize> = BTreeMap::new();
    for case in &cases {
        *mix.entry(rules::decide(&policy, case).verdict).or_default() += 1;
    }
    let words: Vec<String> = mix.iter().map(|(v, n)| format!("{v} {n}")).collect();
    eprintln!("{SEARCHES} searches of 5 candidates: {}", words.join(", "));

    let mut group = c.benchmark_group("judge 200k searches");
    group.throughput(Throughput::Elements(SEARCHES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("decide (verdict and rule)", |b| {
        b.iter(|| {
            let mut counts = [0usize; 6];
            for case in &cases {
                counts[rules::decide(&policy, black_box(case)).verdict as usize] += 1;
            }
            counts
        })
    });
    group.bench_function("judge (with reasons)", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for case in &cases {
                bytes += rules::judge(&policy, black_box(case)).reason.len();
            }
            bytes
        })
    });
    // The same number of decisions over the first 1,000 searches, 200 times: the searches stay in the CPU's
    // caches, as they are when the import judges each search right after reading it. The difference with
    // `decide` above is the time spent waiting for memory (200,000 searches are about 100 MB of heap objects).
    let hot = &cases[..1_000];
    group.bench_function("decide, 1,000 searches x 200 (in cache)", |b| {
        b.iter(|| {
            let mut counts = [0usize; 6];
            for _ in 0..SEARCHES / hot.len() {
                for case in hot {
                    counts[rules::decide(&policy, black_box(case)).verdict as usize] += 1;
                }
            }
            counts
        })
    });
    group.finish();

    // One search that fails, so the explanation has every part, the remedy included.
    let failing = cases
        .iter()
        .find(|case| rules::decide(&policy, case).verdict == Verdict::NonCompliant)
        .expect("the builder makes non-compliant searches");
    let mut group = c.benchmark_group("explain one search");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("explain (non-compliant)", |b| b.iter(|| rules::explain(&policy, black_box(failing))));
    group.bench_function("judge (non-compliant)", |b| b.iter(|| rules::judge(&policy, black_box(failing))));
    group.finish();
}

criterion_group!(benches, judging);
criterion_main!(benches);
