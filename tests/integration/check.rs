//! `check`: the per-firm summary and the failing searches, `--fail-on`, `--firm`, `--dry-run` and JSON output.

use crate::support::{all_samples, default_firms, expected_searches, row, shortlists, Env};
use serde_json::Value;

/// `check ARGS --format json`, decoded, with the exit code.
fn check_json(env: &Env, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let run = env.run(&all);
    let value = run.json();
    assert_eq!(value["schema_version"], 1);
    (run.code, value)
}

fn refs(rows: &Value) -> Vec<String> {
    rows.as_array().unwrap().iter().map(|r| r["search_ref"].as_str().unwrap().to_string()).collect()
}

#[test]
fn fail_on_non_compliant_exits_1_on_the_samples() {
    let env = Env::with_samples();
    env.run(&["check", "--fail-on", "non-compliant"]).code(1);
}

#[test]
fn importing_and_failing_in_one_call() {
    let env = Env::new();
    let mut args: Vec<String> = vec!["check".into(), "--fail-on".into(), "incomplete".into()];
    args.extend(all_samples().iter().map(|p| p.display().to_string()));
    env.run(&args).code(1);
    assert_eq!(env.searches().len(), 37, "the files were imported");
}

#[test]
fn without_fail_on_check_exits_0() {
    let env = Env::with_samples();
    let run = env.run(&["check"]).ok();
    assert!(run.stdout.contains("KE-26-036"), "the failing searches are listed:\n{}", run.stdout);
}

#[test]
fn fail_on_pending() {
    let env = Env::with_samples();
    env.run(&["check", "--fail-on", "pending"]).code(1);
    env.run(&["check", "--fail-on", "pending", "--firm", "kbh-executive"]).code(1);
    env.run(&["check", "--fail-on", "pending", "--firm", "vestlys"]).code(0);
    env.run(&["check", "--fail-on", "non-compliant,pending", "--firm", "jysk-lederhus"]).code(0);
    env.run(&["check", "--fail-on", "exempt,not-applicable", "--firm", "jysk-lederhus"]).code(1);
}

#[test]
fn fail_on_without_a_match_exits_0() {
    let env = Env::new();
    env.load(&default_firms(), &[row().candidate("c1", "state")], &[]);
    let (code, value) = check_json(&env, &["--fail-on", "non-compliant,incomplete,pending"]);
    assert_eq!(code, Some(0));
    assert_eq!(value["fail_on_matched"], false);
}

#[test]
fn an_unknown_verdict_is_bad_usage() {
    let env = Env::with_samples();
    env.run(&["check", "--fail-on", "bogus"]).code(2);
}

#[test]
fn json_has_the_firm_summary_and_exactly_the_failing_searches() {
    let env = Env::with_samples();
    let (code, value) = check_json(&env, &["--fail-on", "non-compliant"]);
    assert_eq!(code, Some(1));
    assert_eq!(value["fail_on_matched"], true);
    assert_eq!(value["firms"].as_array().unwrap(), &env.report_json(&["firms"]));
    let want: Vec<String> = expected_searches()
        .into_iter()
        .filter(|e| e.verdict == "non-compliant" || e.verdict == "incomplete")
        .map(|e| e.search_ref)
        .collect();
    assert_eq!(refs(&value["failing"]), want);
    for failing in value["failing"].as_array().unwrap() {
        assert!(!failing["reason"].as_str().unwrap().is_empty());
    }
}

#[test]
fn the_firm_filter_narrows_summary_and_failing_searches() {
    let env = Env::with_samples();
    let (_, value) = check_json(&env, &["--firm", "nordsoeg"]);
    let firms: Vec<&str> = value["firms"].as_array().unwrap().iter().map(|f| f["firm"].as_str().unwrap()).collect();
    assert_eq!(firms, ["nordsoeg"]);
    assert_eq!(refs(&value["failing"]), ["NS-2025-052", "NS-2026-003", "NS-2026-027", "NS-2026-038"]);
}

#[test]
fn dry_run_without_a_database_creates_none() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row(), row().set("search_ref", "s2").candidate("c1", "region")]));
    let (code, value) = check_json(&env, &["--dry-run", "--fail-on", "non-compliant", &f, &s]);
    assert_eq!(code, Some(1));
    assert_eq!(value["dry_run"], true);
    assert_eq!(refs(&value["failing"]), ["s1"]);
    assert_eq!(value["firms"][0]["compliant"], 1);
    assert!(!env.db().exists(), "a dry run created the database");
}

#[test]
fn dry_run_with_a_database_uses_its_firms_and_stores_nothing() {
    let env = Env::with_samples();
    let before = env.snapshot();
    let s = env.write("mine.csv", shortlists(&[row().set("firm", "nordsoeg").set("search_ref", "NEW-1")]));
    let (code, value) = check_json(&env, &["--dry-run", &s]);
    assert_eq!(code, Some(0));
    assert_eq!(refs(&value["failing"]), ["NEW-1"], "only the file's searches are judged");
    let firms: Vec<&str> = value["firms"].as_array().unwrap().iter().map(|f| f["firm"].as_str().unwrap()).collect();
    assert_eq!(firms, ["nordsoeg"]);
    assert_eq!(value["firms"][0]["searches"], 1);
    assert_eq!(env.snapshot(), before, "a dry run stored something");
}

#[test]
fn dry_run_refuses_bad_input_with_status_2() {
    let env = Env::new();
    let s = env.write("s.csv", shortlists(&[row().set("level", "boss")]));
    let run = env.run(&["check", "--dry-run", &s]).code(2);
    assert!(run.stderr.contains("s.csv: line 2"), "{}", run.stderr);
    assert!(!env.db().exists());
}

#[test]
fn a_bad_file_given_to_check_writes_nothing() {
    let env = Env::with_samples();
    let before = env.snapshot();
    let s = env.write("s.csv", shortlists(&[row().set("firm", "nordsoeg").set("level", "boss")]));
    env.run(&["check", &s]).code(2);
    assert_eq!(env.snapshot(), before);
}
