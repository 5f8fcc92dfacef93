//! Criterion benchmarks of parsing: the value parsers of the model (dates, experience lists, sectors) and
//! [`pledgecheck::import::stream`] of a 10,000-row shortlists CSV file held in memory (decoding, CSV and
//! validation, each search's records counted; no database).
//!
//! ```text
//! cargo bench --bench parsing
//! ```

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pledgecheck::import::{self, Encoding, Input, InputErrors, Place, SearchRecord, Sink, Sources};
use pledgecheck::model::{self, Experience, Sector};
use pledgecheck::model::{Exemption, Firm};

const DATES: [&str; 6] = ["2026-03-31", "2021-01-01", "31-03-2026", "01.02.2024", "9/7/2025", " 2025-12-24 "];
const EXPERIENCES: [&str; 6] = [
    "",
    "private:4;municipality:2",
    "state:1;state:1",
    "kommune: 3, privat:10",
    "region:12",
    "civil-society:1 state:2",
];
const SECTORS: [&str; 6] = ["municipality", "state", "civil-society", "Kommune", "privat", " unknown "];

fn values(c: &mut Criterion) {
    let mut group = c.benchmark_group("values");
    group.sample_size(50);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, inputs) in [("parse_date", DATES), ("Experience::parse", EXPERIENCES), ("Sector::parse", SECTORS)] {
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(format!("{name} (6 values)"), |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for raw in black_box(&inputs) {
                    ok += usize::from(match name {
                        "parse_date" => model::parse_date(raw).is_ok(),
                        "Experience::parse" => Experience::parse(raw).is_ok(),
                        _ => Sector::parse(raw).is_ok(),
                    });
                }
                assert_eq!(ok, inputs.len());
                ok
            })
        });
    }
    group.finish();
}

fn read_csv(c: &mut Criterion) {
    let bytes = common::build(2_000, 7).shortlists_csv();
    let rows = bytes.iter().filter(|&&b| b == b'\n').count() - 1;
    assert_eq!(rows, 10_000);
    let inputs = [Input { name: "shortlists.csv".into(), bytes }];
    assert_eq!(read(&inputs), 2_000, "the built file is valid, one record per search");

    let mut group = c.benchmark_group("import::stream");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("10k-row shortlists CSV in memory", |b| b.iter(|| read(black_box(&inputs))));
    group.finish();
}

/// Reads the files through the parsers into a sink that counts searches; panics on an input error.
fn read(inputs: &[Input]) -> usize {
    struct Count(usize);
    impl Sink for Count {
        type Error = std::convert::Infallible;
        fn firm(&mut self, _: &Sources, _: Place, _: Firm, _: &mut InputErrors) -> Result<(), Self::Error> {
            Ok(())
        }
        fn search(
            &mut self,
            _: &Sources,
            _: SearchRecord,
            _: Vec<usize>,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            self.0 += 1;
            Ok(())
        }
        fn exemption(&mut self, _: &Sources, _: Place, _: Exemption, _: &mut InputErrors) -> Result<(), Self::Error> {
            Ok(())
        }
        fn client(
            &mut self,
            _: &Sources,
            _: Place,
            _: pledgecheck::registry::Entry,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let Ok((_, errors)) = import::stream(inputs, Encoding::Utf8, &mut count);
    assert!(errors.is_empty(), "{errors}");
    count.0
}

criterion_group!(benches, values, read_csv);
criterion_main!(benches);
