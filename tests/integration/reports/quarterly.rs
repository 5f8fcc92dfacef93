//! `pledgecheck quarterly QUARTER --output DIR`: the files, their agreement with the reports, byte-identical
//! output from the same database, and the folder written atomically (an earlier pack replaced, a foreign folder
//! refused and left alone).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Csv, Env};

const KINDS: [&str; 7] = ["summary", "firms", "searches", "failing", "exemptions", "outcomes", "clients"];

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn writes_the_quarters_files() {
    let env = Env::with_samples();
    env.run(&["quarterly", "2026-Q2", "--output", "pack"]).ok();
    let files = files(&env.path("pack"));
    let names: Vec<String> = KINDS.iter().map(|k| format!("2026-Q2-{k}.csv")).collect();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), {
        let mut n = names.clone();
        n.sort();
        n
    });
    // No temporary folder is left beside it.
    let beside: Vec<_> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pledgecheck"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");

    // searches = report searches --quarter; firms, outcomes and clients likewise.
    for (kind, report) in
        [("searches", "searches"), ("firms", "firms"), ("outcomes", "outcomes"), ("clients", "clients")]
    {
        let expected = env.run(&["report", report, "--quarter", "2026-Q2", "--format", "csv"]).ok().bytes;
        assert_eq!(Csv::plain(&files[&format!("2026-Q2-{kind}.csv")]), Csv::plain(&expected), "{kind}");
    }

    // failing: the quarter's non-compliant and incomplete searches, with their reasons.
    let Csv { header, rows: failing } = Csv::plain(&files["2026-Q2-failing.csv"]);
    let verdict = header.iter().position(|c| c == "verdict").unwrap();
    let reason = header.iter().position(|c| c == "reason").unwrap();
    let refs: Vec<&str> = failing.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(refs, ["KE-26-036", "KE-26-055", "NS-2026-027"]);
    assert!(failing.iter().all(|r| ["non-compliant", "incomplete"].contains(&r[verdict].as_str())));
    assert!(failing.iter().all(|r| !r[reason].is_empty()));

    // exemptions: those recorded on the quarter's searches (2026-Q1 holds KE-26-007 and KE-26-015).
    env.run(&["quarterly", "2026-Q1", "--output", "q1"]).ok();
    let Csv { header, rows } = Csv::plain(&std::fs::read(env.path("q1").join("2026-Q1-exemptions.csv")).unwrap());
    assert_eq!(header[..2], ["firm", "search_ref"]);
    let found: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            let get = |c: &str| r[header.iter().position(|h| h == c).unwrap()].as_str();
            (get("search_ref"), get("verdict"), get("exemption_reason"))
        })
        .collect();
    assert_eq!(
        found,
        [("KE-26-007", "exempt", "no-qualified-candidate"), ("KE-26-015", "non-compliant", "client-declined")]
    );
}

#[test]
fn the_summary_compares_with_the_previous_quarter() {
    let env = Env::with_samples();
    env.run(&["quarterly", "2026-Q2", "--output", "pack"]).ok();
    let Csv { header, rows } = Csv::plain(&std::fs::read(env.path("pack").join("2026-Q2-summary.csv")).unwrap());
    assert_eq!(header, ["item", "value"]);
    let items: BTreeMap<&str, &str> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    // EXPECTED.md: 2026-Q2 has 12 searches, 5 compliant, 1 non-compliant, 2 incomplete: 5/8; 2026-Q1 rates 0/3.
    assert_eq!(items["quarter"], "2026-Q2");
    assert_eq!(items["previous_quarter"], "2026-Q1");
    assert_eq!(items["searches"], "12");
    assert_eq!(items["compliance_rate"], "0.6250");
    assert_eq!(items["previous_compliance_rate"], "0.0000");
    assert_eq!(items["compliance_rate_change"], "0.6250");
    assert_eq!(items["compliance_rate_4q"], "0.5294");
    let quarters = env.run(&["report", "quarters", "--format", "json"]).ok().json();
    assert!(quarters["rows"].as_array().unwrap().iter().all(|r| r.get("compliance_rate_4q").is_some()));
    // Facts come from the data: the chain's head and the time of its entry.
    let audit = env.run(&["audit", "verify"]).ok().text();
    let head = audit.lines().find_map(|l| l.strip_prefix("latest chain hash: ")).expect("audit verify names the head");
    assert_eq!(items["chain_head"], head);
    assert_eq!(items["chain_head"].len(), 64);
    assert!(items["data_changed_at"].ends_with('Z'));
}

#[test]
fn the_same_database_gives_byte_identical_files() {
    let env = Env::with_samples();
    for excel in [false, true] {
        let mut first = vec!["quarterly", "2026-Q3", "--output", "one"];
        let mut second = vec!["quarterly", "2026-Q3", "--output", "two"];
        if excel {
            first.push("--excel");
            second.push("--excel");
        }
        env.run(&first).ok();
        std::thread::sleep(std::time::Duration::from_millis(20));
        env.run(&second).ok();
        let (one, two) = (files(&env.path("one")), files(&env.path("two")));
        assert_eq!(one.len(), 7);
        assert_eq!(one, two, "excel: {excel}");
        // Again into the same folder: the earlier pack is replaced, and the files are the same.
        env.run(&second).ok();
        assert_eq!(files(&env.path("two")), one);
        std::fs::remove_dir_all(env.path("one")).unwrap();
        std::fs::remove_dir_all(env.path("two")).unwrap();
    }
}

#[test]
fn a_folder_with_other_files_is_refused_and_left_alone() {
    let env = Env::with_samples();
    std::fs::create_dir(env.path("mine")).unwrap();
    env.write("mine/notes.txt", "my notes");
    let run = env.run(&["quarterly", "2026-Q2", "--output", "mine"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert_eq!(files(&env.path("mine")).keys().collect::<Vec<_>>(), ["notes.txt"]);
    // An empty folder is fine.
    std::fs::create_dir(env.path("empty")).unwrap();
    env.run(&["quarterly", "2026-Q2", "--output", "empty"]).ok();
    assert_eq!(files(&env.path("empty")).len(), 7);
}

#[test]
fn a_bad_quarter_or_a_missing_database_is_refused() {
    let env = Env::new();
    let run = env.run(&["quarterly", "2026-Q5", "--output", "pack"]);
    assert_eq!(run.code, Some(2));
    let run = env.run(&["quarterly", "2026-Q2", "--output", "pack"]);
    assert_eq!(run.code, Some(2));
    assert!(!env.path("pack").exists());
    assert!(!env.db().exists());
}
