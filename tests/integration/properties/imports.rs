//! Properties of importing (issue 5): arbitrary bytes, and arbitrary files built from a small alphabet of plausible
//! and broken values, never make the importers panic; each import is either clean (logged, the chain intact, the
//! stored totals equal to the verdicts counted, and a second import of the same files changes nothing) or an error with nothing written (the row count of every
//! table unchanged, a dry run included). A dry run accepts or refuses a call's files as the import does.
//!
//! Each run counts its clean and refused imports and fails if it saw only one kind (see [`Branches`]).
//!
//! CI runs a bounded number of cases (64 for the library, 32 for the binary: enough that both clean and refused
//! imports occur); set `PROPTEST_CASES` for more.

use std::cell::RefCell;

use pledgecheck::import::{import_files, Encoding, ImportOptions, ImportOutcome, Input};
use pledgecheck::store::{Mode, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{all_samples, csv_samples, Branches, Env, SHORTLIST_COLUMNS};

/// The number of cases: `PROPTEST_CASES` if set, else `default`.
fn config(default: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default;
    }
    // Shrinking reruns the importer many times; a bounded number of steps keeps a failure quick to report.
    config.max_shrink_iters = 2_000;
    // The runners are built by hand (to share a database across cases), so there is no source file to store
    // failing cases beside: a failure prints its minimal input instead.
    config.failure_persistence = None;
    config
}

/// Values for each column: `(plausible, broken)`. Plausible ones are English or Danish, in odd spacing and case,
/// and keep the dates in order (opened on or before every other date); broken ones are refused on their own.
fn values(column: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    const BAD_DATES: [&str; 9] = [
        "31-02-2026",
        "2026-13-01",
        "1989-12-31",
        "2101-01-01",
        "2026/03/01",
        "tomorrow",
        "2026-3-1",
        "0",
        "١٠-٠١-٢٠٢٦",
    ];
    match column {
        "firm" => (vec!["f", " f ", "nordsoeg", "F", "g"], vec!["", "ø", "unknown-firm"]),
        "search_ref" => (vec!["s1", "s2", " s3 ", "S1", "NS-2025-041", "s\u{301}"], vec!["", "  "]),
        // Clients the registry does not know, so that any sector goes with them (tests/integration/clients.rs
        // covers the known ones).
        "client" => (vec!["Aarhus Havn", "Midtjyllands Lufthavn", "=1+1", "a, \"quoted\"; b"], vec!["", " "]),
        "client_sector" => (
            vec!["municipality", "Kommune", " REGION ", "stat", "STATSLIG", "privat", "civil-society"],
            vec!["unknown", "", "mars", "kommunal\u{0}"],
        ),
        "candidate_sector" => (
            vec!["municipality", "kommune", "Region", "state", "private", "fond", "unknown"],
            vec!["", "mars", "priv ate"],
        ),
        "position" => (vec!["Direktør", "CEO\nof things", "x"], vec!["", "  "]),
        "level" => (vec!["top", "executive", "manager", "Direktør", "CHEF", "leder"], vec!["", "boss", "ceo"]),
        "opened_on" => (vec!["2026-01-10", "10-01-2026", " 2025-12-31 ", "10.01.2026"], BAD_DATES.to_vec()),
        "shortlist_on" => (vec!["", "2026-03-01", "01/03/2026", "2026-02-15"], BAD_DATES.to_vec()),
        "cancelled_on" => (vec!["", "", "", "2026-04-01"], [&BAD_DATES[..], &["2025-01-01"]].concat()),
        "added_on" => (vec!["", "2026-01-10", "2026-03-02", "12.01.2026"], [&BAD_DATES[..], &["2025-01-01"]].concat()),
        "pledged_on" => (vec!["2021-06-01", "", "01.06.2021", "2027-01-01"], BAD_DATES.to_vec()),
        "withdrawn_on" => (vec!["", "", "2028-01-01"], [&BAD_DATES[..], &["2020-01-01"]].concat()),
        "candidate_ref" => (vec!["c1", "c2", " c3 ", "C1", "Person-Æ"], vec![]),
        "experience" => (
            vec!["", "private:4", "privat:1 privat:1", "private:4;municipality:2", "state:2,region:3", "unknown:9"],
            vec!["private:61", "private:-1", "private", "moon:3", ":", "private:4;;x"],
        ),
        "stage" => {
            (vec!["", "longlist", "shortlist", "Interview", "HIRED", " shortlist "], vec!["winner", "shortlisted"])
        }
        "name" => (vec!["Firm F", "", "Nordsøg Executive Search A/S", "=cmd"], vec![]),
        "reason" => (vec!["no-qualified-candidate", "No-Qualified-Candidate ", "client-declined"], vec![""]),
        "note" => (vec!["", "declined", "=HYPERLINK(\"x\")"], vec![]),
        _ => (vec!["", "x"], vec![]),
    }
}

/// One cell of a column: a broken value with probability `rate`, else a plausible one.
fn cell(column: &str, rate: f64) -> BoxedStrategy<String> {
    let (good, bad) = values(column);
    let good = prop::sample::select(good).prop_map(str::to_string);
    if bad.is_empty() || rate == 0.0 {
        return good.boxed();
    }
    let bad = prop::sample::select(bad).prop_map(str::to_string);
    (prop::bool::weighted(rate), good, bad).prop_map(|(broken, good, bad)| if broken { bad } else { good }).boxed()
}

/// A record: a value for each column.
type Record = Vec<(&'static str, String)>;

fn record(columns: &'static [&'static str], rate: f64) -> BoxedStrategy<Record> {
    let cells: Vec<_> = columns.iter().map(|c| (Just(*c), cell(c, rate))).collect();
    cells.boxed()
}

const SEARCH_COLUMNS: [&str; 9] =
    ["firm", "search_ref", "client", "client_sector", "position", "level", "opened_on", "shortlist_on", "cancelled_on"];
const CANDIDATE_COLUMNS: [&str; 5] = ["candidate_ref", "candidate_sector", "experience", "stage", "added_on"];
const FIRM_COLUMNS: [&str; 4] = ["firm", "name", "pledged_on", "withdrawn_on"];
const EXEMPTION_COLUMNS: [&str; 4] = ["firm", "search_ref", "reason", "note"];

/// A deterministic shuffle from a seed.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

/// A header: the columns of a kind (required ones nearly always, optional ones often), in order or shuffled, now
/// and then with a repeated, unknown or personal column.
fn header(columns: &'static [&'static str], required: usize, rate: f64) -> BoxedStrategy<Vec<String>> {
    let keep: Vec<_> =
        (0..columns.len()).map(|i| prop::bool::weighted(if i < required { 1.0 - rate / 4.0 } else { 0.7 })).collect();
    let extra = prop::sample::select(vec!["email", "candidate_name", "comment", "firm", "stage", "cpr"]);
    (keep, any::<u64>(), any::<bool>(), prop::bool::weighted(rate / 2.0), extra)
        .prop_map(move |(keep, seed, shuffled, add, extra)| {
            let mut header: Vec<String> =
                columns.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.to_string()).collect();
            if add {
                header.push(extra.to_string());
            }
            if shuffled {
                shuffle(&mut header, seed);
            }
            header
        })
        .boxed()
}

/// How a CSV file is written: separator, line ending, byte-order mark.
#[derive(Debug, Clone, Copy)]
struct Style {
    separator: u8,
    crlf: bool,
    bom: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (prop::sample::select(vec![b',', b';']), any::<bool>(), prop::bool::weighted(0.2))
        .prop_map(|(separator, crlf, bom)| Style { separator, crlf, bom })
}

/// A CSV file of records under a header; a column the record lacks is empty.
fn write_csv(name: &str, style: Style, header: &[String], records: &[Record]) -> Input {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(style.separator)
        .terminator(if style.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(header).unwrap();
    for record in records {
        let row = header.iter().map(|h| record.iter().find(|(c, _)| c == h).map_or("", |(_, v)| v.as_str()));
        writer.write_record(row).unwrap();
    }
    let mut bytes = if style.bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
    bytes.extend(writer.into_inner().unwrap());
    Input { name: name.into(), bytes }
}

/// The trimmed value of a column of a record.
fn key<'a>(record: &'a Record, column: &str) -> &'a str {
    record.iter().find(|(c, _)| *c == column).map_or("", |(_, v)| v.trim())
}

/// Keeps the first of records with the same key, unless `duplicates` (the importer then has to refuse them).
fn dedup_by<T>(items: Vec<T>, duplicates: bool, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items.into_iter().filter(|item| duplicates || seen.insert(key(item))).collect()
}

/// A shortlists file: searches with 0 to 3 candidates each, a search's rows together or scattered.
fn shortlists_file(name: String, rate: f64) -> BoxedStrategy<Input> {
    let search = (
        record(&SEARCH_COLUMNS, rate),
        prop::collection::vec(record(&CANDIDATE_COLUMNS, rate), 0..=3),
        prop::bool::weighted(rate),
    )
        .prop_map(|(search, candidates, duplicates)| {
            (search, dedup_by(candidates, duplicates, |c| key(c, "candidate_ref").to_string()))
        });
    // The required columns first: those of a search, and those a candidate needs.
    const ALL: [&str; 14] = [
        "firm",
        "search_ref",
        "client",
        "client_sector",
        "position",
        "level",
        "opened_on",
        "candidate_ref",
        "candidate_sector",
        "shortlist_on",
        "cancelled_on",
        "experience",
        "stage",
        "added_on",
    ];
    (
        prop::collection::vec(search, 0..=3),
        prop::bool::weighted(rate),
        header(&ALL, 9, rate),
        style(),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(move |(searches, duplicates, header, style, seed, scatter)| {
            let searches =
                dedup_by(searches, duplicates, |(s, _)| format!("{}/{}", key(s, "firm"), key(s, "search_ref")));
            let mut rows: Vec<Record> = Vec::new();
            for (search, candidates) in searches {
                if candidates.is_empty() {
                    rows.push(search.clone());
                }
                for candidate in candidates {
                    rows.push(search.iter().cloned().chain(candidate).collect());
                }
            }
            if scatter {
                shuffle(&mut rows, seed);
            }
            write_csv(&name, style, &header, &rows)
        })
        .boxed()
}

/// A firms or exemptions file: up to 3 records, `required` columns nearly always in the header.
fn simple_file(
    name: &'static str,
    columns: &'static [&'static str],
    required: usize,
    rate: f64,
) -> BoxedStrategy<Input> {
    (
        prop::collection::vec(record(columns, rate), 0..=3),
        prop::bool::weighted(rate),
        header(columns, required, rate),
        style(),
    )
        .prop_map(move |(records, duplicates, header, style)| {
            let records = dedup_by(records, duplicates, |r| format!("{}/{}", key(r, "firm"), key(r, "search_ref")));
            write_csv(name, style, &header, &records)
        })
        .boxed()
}

/// A JSON value of a field: usually text from the column's alphabet, with probability `rate` another type.
fn json_value(column: &'static str, rate: f64) -> BoxedStrategy<serde_json::Value> {
    use serde_json::Value;
    let odd = prop::sample::select(vec![
        Value::Null,
        Value::from(7),
        Value::Bool(true),
        serde_json::json!(["a"]),
        serde_json::json!({"private": 4, "state": 61}),
        serde_json::json!({"private": -1}),
        serde_json::json!({"private": 2, "region": 3}),
    ]);
    (cell(column, rate), prop::bool::weighted(rate), odd)
        .prop_map(|(text, odd, other)| if odd { other } else { Value::String(text) })
        .boxed()
}

fn json_object(
    columns: &'static [&'static str],
    rate: f64,
) -> BoxedStrategy<serde_json::Map<String, serde_json::Value>> {
    let fields: Vec<_> = columns
        .iter()
        .map(|c| (Just(c.to_string()), json_value(c, rate), prop::bool::weighted(1.0 - rate / 2.0)))
        .collect();
    fields.prop_map(|fields| fields.into_iter().filter(|(_, _, keep)| *keep).map(|(k, v, _)| (k, v)).collect()).boxed()
}

fn json_file(rate: f64) -> BoxedStrategy<Input> {
    let search =
        (json_object(&SEARCH_COLUMNS, rate), prop::collection::vec(json_object(&CANDIDATE_COLUMNS, rate), 0..3))
            .prop_map(|(mut s, c)| {
                s.insert("candidates".into(), c.into_iter().map(serde_json::Value::Object).collect());
                serde_json::Value::Object(s)
            });
    (
        prop::collection::vec(json_object(&FIRM_COLUMNS, rate), 0..2),
        prop::collection::vec(search, 0..3),
        prop::collection::vec(json_object(&EXEMPTION_COLUMNS, rate), 0..2),
    )
        .prop_map(|(firms, searches, exemptions)| Input {
            name: "batch.json".into(),
            bytes: serde_json::json!({"firms": firms, "searches": searches, "exemptions": exemptions})
                .to_string()
                .into_bytes(),
        })
        .boxed()
}

/// Arbitrary bytes, sometimes after a valid header so the reader gets past it.
fn arbitrary_file() -> BoxedStrategy<Input> {
    let prefix = prop::sample::select(vec![
        String::new(),
        SHORTLIST_COLUMNS.join(",") + "\n",
        SHORTLIST_COLUMNS.join(";") + "\r\n",
        FIRM_COLUMNS.join(",") + "\n",
        EXEMPTION_COLUMNS.join(",") + "\n",
        "{\"searches\": [".into(),
        "\u{feff}".into(),
    ]);
    let name = prop::sample::select(vec!["any.csv", "any.json", "any"]);
    (prefix, prop::collection::vec(any::<u8>(), 0..512), name)
        .prop_map(|(prefix, tail, name)| {
            let mut bytes = prefix.into_bytes();
            bytes.extend(tail);
            Input { name: name.into(), bytes }
        })
        .boxed()
}

/// A CSV sample cut after a whole line, now and then with arbitrary bytes after it: a file that often imports
/// cleanly, for the runs of arbitrary bytes to reach the store too.
fn cut_sample_file() -> BoxedStrategy<Input> {
    let samples: Vec<(String, Vec<u8>)> = csv_samples()
        .iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()))
        .collect();
    let tail = prop::option::weighted(0.3, prop::collection::vec(any::<u8>(), 0..100));
    (prop::sample::select(samples), any::<prop::sample::Index>(), tail)
        .prop_map(|((name, bytes), at, tail)| {
            let ends: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
            let mut bytes = bytes[..*at.get(&ends)].to_vec();
            bytes.extend(tail.unwrap_or_default());
            Input { name, bytes }
        })
        .boxed()
}

/// One call's files: up to a firms file, two shortlists files, an exemptions file, a JSON file and a file of
/// arbitrary bytes, at least one; the share of broken values differs from call to call, none in some.
fn batch() -> BoxedStrategy<(Vec<Input>, Encoding)> {
    prop::sample::select(vec![0.0, 0.0, 0.0, 0.005, 0.02, 0.1, 0.5])
        .prop_flat_map(|rate| {
            (
                prop::option::weighted(0.4, simple_file("firms.csv", &FIRM_COLUMNS, 1, rate)),
                prop::collection::vec(any::<()>(), 0..=2).prop_flat_map(move |n| {
                    (0..n.len()).map(|i| shortlists_file(format!("shortlists-{i}.csv"), rate)).collect::<Vec<_>>()
                }),
                prop::option::weighted(0.3, simple_file("exemptions.csv", &EXEMPTION_COLUMNS, 3, rate)),
                prop::option::weighted(0.2, json_file(rate)),
                prop::option::weighted(rate.max(0.01), arbitrary_file()),
                prop::bool::weighted(0.1),
            )
        })
        .prop_filter_map("at least one file", |(firms, shortlists, exemptions, json, bytes, cp1252)| {
            let mut files: Vec<Input> = firms.into_iter().collect();
            files.extend(shortlists);
            files.extend(exemptions);
            files.extend(json);
            files.extend(bytes);
            let encoding = if cp1252 { Encoding::Windows1252 } else { Encoding::Utf8 };
            (!files.is_empty()).then_some((files, encoding))
        })
        .boxed()
}

/// The row count of every table.
fn table_counts(conn: &rusqlite::Connection) -> Vec<(String, i64)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let n = conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0)).unwrap();
            (t, n)
        })
        .collect()
}

/// A row of totals: firm id, quarter, verdict, searches.
type Total = (i64, String, String, i64);

/// The stored totals, and the stored verdicts counted per firm, quarter and verdict: equal after every change.
fn totals_and_counted(conn: &rusqlite::Connection) -> (Vec<Total>, Vec<Total>) {
    let rows = |sql: &str| -> Vec<Total> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    (
        rows("SELECT firm_id, quarter, verdict, searches FROM verdict_total ORDER BY 1, 2, 3"),
        rows(
            "SELECT search.firm_id, verdict.quarter, verdict.verdict, count(*) FROM verdict
             JOIN search ON search.id = verdict.search_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        ),
    )
}

fn entries(counts: &[(String, i64)]) -> i64 {
    counts.iter().find(|(t, _)| t == "import_log").map_or(0, |(_, n)| *n)
}

/// The firms `f` (signed) and `F` (not) that the generated files name, besides those of the samples.
const MORE_FIRMS: &[u8] = b"firm,name,pledged_on\nf,Firm F,2021-06-01\nF,,\n";

/// A database with the samples and [`MORE_FIRMS`], so that files can name stored firms and searches.
fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("prop.db"), Mode::Create).unwrap();
    let mut inputs: Vec<Input> = all_samples()
        .iter()
        .map(|p| Input { name: p.display().to_string(), bytes: std::fs::read(p).unwrap() })
        .collect();
    inputs.push(Input { name: "f.csv".into(), bytes: MORE_FIRMS.to_vec() });
    import_files(&mut store, &inputs, Encoding::Utf8, "seed", "seed", options(false)).unwrap();
    (dir, store)
}

fn options(dry_run: bool) -> ImportOptions<'static> {
    ImportOptions { dry_run, ..ImportOptions::default() }
}

/// Imports one call's files as the binary does, first as a dry run, checking the properties; returns whether it
/// was a clean import.
fn import_checked(
    store: &mut Store,
    counter: &rusqlite::Connection,
    inputs: &[Input],
    encoding: Encoding,
) -> Result<bool, TestCaseError> {
    let before = table_counts(counter);
    let dry_run = import_files(store, inputs, encoding, "prop", "prop --dry-run", options(true));
    prop_assert_eq!(&table_counts(counter), &before, "a dry run wrote something");
    if let Err(error) = &dry_run {
        prop_assert!(!error.to_string().trim().is_empty(), "an error without a message");
    }
    let imported = import_files(store, inputs, encoding, "prop", "prop", options(false));
    prop_assert_eq!(
        imported.is_ok(),
        dry_run.is_ok(),
        "the dry run and the import disagree: {:?} / {:?}",
        dry_run.as_ref().err().map(|e| e.to_string()),
        imported.as_ref().err().map(|e| e.to_string())
    );
    match imported {
        Err(error) => {
            prop_assert!(!error.to_string().trim().is_empty());
            prop_assert_eq!(&table_counts(counter), &before, "a failed import wrote something: {}", error);
            Ok(false)
        }
        Ok(outcome) => {
            let after = table_counts(counter);
            prop_assert_eq!(entries(&after), entries(&before) + 1, "the import is not logged");
            let verification = store.verify_chain(None).unwrap();
            prop_assert!(verification.intact(), "the chain is broken: {:?}", verification);
            // The stored totals followed every verdict the import wrote (the database is shared by every case).
            let (totals, counted) = totals_and_counted(counter);
            prop_assert_eq!(totals, counted, "the stored totals differ from the verdicts");
            // The same files again change nothing, and are logged.
            let again = import_files(store, inputs, encoding, "prop", "prop", options(false));
            prop_assert!(again.is_ok(), "a second import failed: {:?}", again.err().map(|e| e.to_string()));
            let again = again.unwrap();
            let changed = |o: &ImportOutcome| (o.firms.changed, o.searches.changed, o.exemptions.changed);
            prop_assert_eq!(
                changed(&again),
                (0, 0, 0),
                "the same files changed something the second time (first: {})",
                outcome.summary()
            );
            let last = table_counts(counter);
            prop_assert_eq!(entries(&last), entries(&after) + 1);
            let unchanged = |c: &[(String, i64)]| -> Vec<(String, i64)> {
                c.iter().filter(|(t, _)| t != "import_log" && t != "import_file").cloned().collect()
            };
            prop_assert_eq!(unchanged(&last), unchanged(&after));
            prop_assert!(store.verify_chain(None).unwrap().intact());
            Ok(true)
        }
    }
}

fn run_library(strategy: impl Strategy<Value = (Vec<Input>, Encoding)>, name: &str) {
    let (dir, store) = seeded();
    let counter = rusqlite::Connection::open(dir.path().join("prop.db")).unwrap();
    let store = RefCell::new(store);
    let imports = Branches::new();
    let mut runner = TestRunner::new(config(64));
    let result = runner.run(&strategy, |(inputs, encoding)| {
        let ok = import_checked(&mut store.borrow_mut(), &counter, &inputs, encoding)?;
        imports.record(ok);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    imports.assert_both(&format!("{name}: imports"));
}

#[test]
fn arbitrary_files_from_a_small_alphabet_import_cleanly_or_write_nothing() {
    run_library(batch(), "alphabet");
}

#[test]
fn arbitrary_bytes_import_cleanly_or_write_nothing() {
    let file = prop_oneof![arbitrary_file(), cut_sample_file()];
    let strategy = (prop::collection::vec(file, 1..3), prop::bool::weighted(0.3))
        .prop_map(|(files, cp)| (files, if cp { Encoding::Windows1252 } else { Encoding::Utf8 }));
    run_library(strategy, "bytes");
}

#[test]
fn the_binary_never_panics_and_imports_cleanly_or_writes_nothing() {
    let env = Env::new();
    env.import(&all_samples());
    env.import(&[env.write("more-firms.csv", MORE_FIRMS)]);
    let mut runner = TestRunner::new(config(32));
    let imports = Branches::new();
    runner
        .run(&batch(), |(inputs, encoding)| {
            let mut args: Vec<String> = vec!["import".into()];
            if encoding == Encoding::Windows1252 {
                args.extend(["--encoding".into(), "windows-1252".into()]);
            }
            for input in &inputs {
                args.push(env.write(&input.name, &input.bytes));
            }
            let before = env.snapshot();
            let run = env.run(&args);
            prop_assert!(!run.stderr.contains("panicked"), "a panic: {}", run.stderr);
            prop_assert!(run.code == Some(0) || run.code == Some(2), "exit {:?}: {}", run.code, run.stderr);
            let clean = imports.record(run.code == Some(0));
            if !clean {
                prop_assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
                prop_assert_eq!(env.snapshot(), before);
            } else {
                let verify = env.run(&["audit", "verify"]);
                prop_assert_eq!(verify.code, Some(0), "{}", verify.stdout);
                let again = env.run(&args);
                prop_assert_eq!(again.code, Some(0), "the same files the second time: {}", again.stderr);
                for zero in ["0 searches changed", "0 firms changed", "0 exemptions changed"] {
                    prop_assert!(again.stdout.contains(zero), "the same files changed something: {}", again.stdout);
                }
            }
            Ok(())
        })
        .unwrap();
    imports.assert_both("binary: imports");
    env.run(&["audit", "verify"]).ok();
}
