//! Typos that used to pass: an unknown firm or search given as a filter, a malformed quarter, unknown firm ids
//! and words in files are errors with "did you mean"; dates after today are accepted with a warning.

use crate::support::{default_firms, row, shortlists, Env};

#[test]
fn an_unknown_firm_filter_fails_the_gate_with_a_suggestion() {
    let env = Env::with_samples();
    let run = env.run(&["check", "--firm", "nordsog", "--fail-on", "non-compliant"]).code(2);
    assert!(
        run.stderr.contains("no firm \"nordsog\"") && run.stderr.contains("(did you mean nordsoeg?)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no table for a firm that is not there:\n{}", run.stdout);
    for report in ["firms", "searches", "quarters", "outcomes"] {
        let run = env.run(&["report", report, "--firm", "nosuch", "--format", "csv"]).code(2);
        assert!(run.stdout.is_empty(), "{report}: {}", run.stdout);
    }
    env.run(&[
        "whatif",
        "--policy",
        &crate::support::sample("stricter.toml").display().to_string(),
        "--firm",
        "nosuch",
    ])
    .code(2);
    // A display name is suggested as the firm's id, never resolved.
    let run = env.run(&["report", "firms", "--firm", "Nordsøg Executive Search", "--format", "csv"]).code(2);
    assert!(run.stderr.contains("(did you mean nordsoeg?)"), "{}", run.stderr);
    // A known firm and a quarter without searches still list every firm, with zeros.
    let rows = env.report_csv(&["firms", "--quarter", "2031-Q1"]).rows;
    assert_eq!(rows.len(), 5);
    env.run(&["report", "firms", "--quarter", "2026-Q9"]).code(2);
}

#[test]
fn an_unknown_search_is_explained_with_suggestions() {
    let env = Env::with_samples();
    let run = env.run(&["explain", "nordsoeg", "NS-2026-03"]).code(2);
    assert!(
        run.stderr.contains("no search \"NS-2026-03\" of firm \"nordsoeg\"")
            && run.stderr.contains("did you mean NS-2026-003"),
        "{}",
        run.stderr
    );
    let run = env.run(&["explain", "nordsog", "NS-2026-003"]).code(2);
    assert!(run.stderr.contains("(did you mean nordsoeg?)"), "{}", run.stderr);
    let run = env.run(&["history", "nordsog"]).code(2);
    assert!(run.stderr.contains("(did you mean nordsoeg?)"), "{}", run.stderr);
    let run = env.run(&["history", "nordsoeg", "NS-2026-03"]).code(2);
    assert!(run.stderr.contains("did you mean NS-2026-003"), "{}", run.stderr);
    env.run(&["history", "nordsoeg", "NS-2026-003"]).ok();
}

#[test]
fn unknown_firm_ids_and_words_in_files_get_suggestions() {
    let env = Env::new();
    let f = env.write("f.csv", "firm,name,pledged_on\nnordsoeg,Nordsøg Executive Search A/S,2021-09-15\n");
    let s = env.write(
        "s.csv",
        shortlists(&[
            row().set("firm", "Nordsøg Executive Search A/S"),
            row().set("firm", "nordsoeg").set("client_sector", "kommun").set("level", "topchf"),
        ]),
    );
    let run = env.run(&["import", &f, &s]).code(2);
    assert!(
        run.stderr.contains("unknown firm \"Nordsøg Executive Search A/S\" (did you mean nordsoeg?)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown sector \"kommun\" (did you mean kommune?)"), "{}", run.stderr);
    assert!(run.stderr.contains("unknown level \"topchf\" (did you mean topchef"), "{}", run.stderr);
}

#[test]
fn dates_after_today_are_accepted_with_a_warning_naming_the_searches() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let rows = [
        row().set("shortlist_on", "2027-01-05"),
        row().set("search_ref", "s2").set("shortlist_on", "").set("added_on", "2026-12-24"),
    ];
    let s = env.write("s.csv", shortlists(&rows));
    let run = env.command().env("PLEDGECHECK_TODAY", "2026-12-02").args(["import", &f, &s]).output().unwrap();
    assert_eq!(run.status.code(), Some(0));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("warning: 2 searches have dates after today (2026-12-02), accepted: f/s1 (shortlist_on 2027-01-05), f/s2 (added_on 2026-12-24)"),
        "{stderr}"
    );
    let quiet =
        env.command().env("PLEDGECHECK_TODAY", "2026-12-02").args(["--quiet", "import", &f, &s]).output().unwrap();
    assert!(quiet.stderr.is_empty());
    let calm = env.command().env("PLEDGECHECK_TODAY", "2027-02-01").args(["import", &f, &s]).output().unwrap();
    assert!(calm.stderr.is_empty(), "{}", String::from_utf8_lossy(&calm.stderr));
}
