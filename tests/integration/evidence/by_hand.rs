//! Logging by hand (issue 5): `firm add|list|update`, `search add|update|remove`, `candidate add|update|remove`
//! and `exemption add|remove`. Each change prints the search's new verdict (or, with `--format json`, what was
//! stored); values get the same validation and messages as an import; adding what exists or changing what does
//! not exist exits 2 and writes nothing.

use crate::support::{default_firms, firms, row, shortlists, Csv, Env, Run};
use serde_json::Value;

/// Firm `f` (signed 2021-06-01) with search `s1`: Aarhus Kommune, top, opened 2026-01-10, shortlist 2026-03-01,
/// candidate `c1` from a municipality: non-compliant.
fn one_search() -> Env {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    assert_eq!(env.search("f", "s1")["verdict"], "non-compliant");
    env
}

/// The verdict printed after a change: the line `search FIRM/REF: VERDICT (reason)`.
#[track_caller]
fn printed_verdict(run: &Run, firm: &str, search_ref: &str) -> String {
    let prefix = format!("search {firm}/{search_ref}: ");
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{}", run.stdout));
    line.split_whitespace().next().expect("a verdict").to_string()
}

/// Runs a change with `--format json` and returns the decoded output, checking its shape.
#[track_caller]
fn json_change(env: &Env, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let value = env.run(&all).ok().json();
    assert_eq!(value["schema_version"], 1, "{value}");
    value
}

/// The candidates of a search in a JSON change, by reference.
fn candidate<'a>(value: &'a Value, candidate_ref: &str) -> Option<&'a Value> {
    value["search"]["candidates"].as_array().expect("candidates").iter().find(|c| c["candidate_ref"] == candidate_ref)
}

/// The message of the stderr line `command line: FLAG: MESSAGE`.
#[track_caller]
fn by_hand_message(stderr: &str, flag: &str) -> String {
    let prefix = format!("command line: {flag}: ");
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no error naming {flag} in:\n{stderr}"))
        .to_string()
}

/// The message of the stderr line naming `file`, `line` and `(column)`.
#[track_caller]
fn file_message(stderr: &str, file: &str, line: usize, column: &str) -> String {
    let found = crate::support::error_line(stderr, file, line, Some(column));
    found.split_once(&format!("({column}): ")).expect("a message after the column").1.to_string()
}

#[test]
fn firms_are_added_listed_and_updated_by_hand() {
    let env = Env::new();
    // A database is created by the first change.
    let added = json_change(&env, &["firm", "add", " g ", "--name", "G Search A/S", "--pledged-on", "01.02.2022"]);
    assert_eq!(added["firm"]["firm"], "g");
    assert_eq!(added["firm"]["name"], "G Search A/S");
    assert_eq!(added["firm"]["pledged_on"], "2022-02-01");
    assert_eq!(added["firm"]["withdrawn_on"], Value::Null);
    assert_eq!(added["searches_judged"], 0);

    let text = env.run(&["firm", "add", "h"]).ok();
    assert!(text.stdout.contains("firm h stored"), "{}", text.stdout);

    // Update changes only what is given; an empty value clears an optional one.
    let updated = json_change(&env, &["firm", "update", "g", "--name", "G Partners"]);
    assert_eq!(updated["firm"]["name"], "G Partners");
    assert_eq!(updated["firm"]["pledged_on"], "2022-02-01");
    env.run(&["firm", "update", "h", "--pledged-on", "2023-05-01"]).ok();
    env.run(&["firm", "update", "g", "--name", ""]).ok();

    let list = Csv::parse(&env.run(&["firm", "list", "--format", "csv"]).ok().stdout);
    assert_eq!(list.header, ["firm", "name", "pledged_on", "withdrawn_on"]);
    assert_eq!(list.rows, [["g", "", "2022-02-01", ""], ["h", "", "2023-05-01", ""]]);
    let json = env.run(&["firm", "list", "--format", "json"]).ok().json();
    assert_eq!(json["schema_version"], 1);
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["firm"], "h");
    assert_eq!(rows[1]["pledged_on"], "2023-05-01");
    assert_eq!(rows[0]["name"], Value::Null);

    // The same firm in a file changes nothing: the values were stored normalised, as an import stores them.
    let file = env.write("firms.csv", firms(&["g,,2022-02-01,", "h,,01-05-2023,"]));
    let again = env.import(&[file]);
    assert!(again.stdout.contains("0 firms changed"), "{}", again.stdout);
}

#[test]
fn withdrawing_the_pledge_by_hand_turns_the_later_searches_not_applicable() {
    let env = Env::new();
    let early = row().set("search_ref", "early").set("opened_on", "2025-01-10").set("shortlist_on", "2025-03-01");
    let late = row().set("search_ref", "late");
    env.load(&default_firms(), &[early.candidate("c1", "private"), late.candidate("c1", "private")], &[]);
    assert_eq!(env.search("f", "early")["verdict"], "compliant");
    assert_eq!(env.search("f", "late")["verdict"], "compliant");

    let run = env.run(&["firm", "update", "f", "--withdrawn-on", "30-06-2025"]).ok();
    assert!(run.stdout.contains("its 2 searches judged again"), "{}", run.stdout);
    assert_eq!(env.search("f", "early")["verdict"], "compliant", "opened before the withdrawal");
    let late = env.search("f", "late");
    assert_eq!(late["verdict"], "not-applicable");
    assert!(late["reason"].as_str().unwrap().contains("withdr"), "{late}");

    // Undoing the withdrawal (an empty value clears it) judges the search again.
    let value = json_change(&env, &["firm", "update", "f", "--withdrawn-on", ""]);
    assert_eq!(value["firm"]["withdrawn_on"], Value::Null);
    assert_eq!(env.search("f", "late")["verdict"], "compliant");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn searches_are_added_updated_and_removed_by_hand_with_the_new_verdict_printed() {
    let env = one_search();
    let add = [
        "search",
        "add",
        "f",
        "s2",
        "--client",
        "Region Midtjylland",
        "--client-sector",
        "regioner",
        "--position",
        "Koncerndirektør",
        "--level",
        "direktør",
        "--opened-on",
        "15.04.2026",
    ];
    let run = env.run(&add).ok();
    assert_eq!(printed_verdict(&run, "f", "s2"), "pending");
    let row = env.search("f", "s2");
    assert_eq!(row["client_sector"], "region");
    assert_eq!(row["level"], "top");
    assert_eq!(row["opened_on"], "2026-04-15");
    assert_eq!(row["verdict"], "pending");

    // A shortlist with no candidates goes out: non-compliant.
    let value = json_change(&env, &["search", "update", "f", "s2", "--shortlist-on", "2026-05-20"]);
    assert_eq!(value["search"]["shortlist_on"], "2026-05-20");
    assert_eq!(value["search"]["client"], "Region Midtjylland", "values not given are kept");
    assert_eq!(value["search"]["candidates"], serde_json::json!([]));
    assert_eq!(value["verdict"]["verdict"], "non-compliant");
    assert_eq!(value["verdict"]["quarter"], "2026-Q2");
    assert_eq!(value["verdict"]["policy_version"], "v1");

    // Level manager is out of scope.
    let run = env.run(&["search", "update", "f", "s2", "--level", "mellemleder"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s2"), "not-applicable");
    // Back to executive, and a new client.
    let run = env.run(&["search", "update", "f", "s2", "--level", "chef", "--client", "Region Nord"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s2"), "non-compliant");
    assert_eq!(env.search("f", "s2")["client"], "Region Nord");
    assert_eq!(env.search("f", "s2")["level"], "executive");

    // Cancelled without a shortlist: out of scope.
    env.run(&["search", "update", "f", "s2", "--shortlist-on", ""]).ok();
    let run = env.run(&["search", "update", "f", "s2", "--cancelled-on", "2026-06-01"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s2"), "not-applicable");
    assert_eq!(env.explain("f", "s2")["search"]["cancelled_on"], "2026-06-01");

    // Removing it drops it from the reports; its rows stay in history.
    let versions = env.version_counts();
    let run = env.run(&["search", "remove", "f", "s2"]).ok();
    assert!(run.stdout.contains("f/s2 removed"), "{}", run.stdout);
    assert!(env.searches().iter().all(|r| r["search_ref"] != "s2"));
    assert_eq!(env.version_counts(), versions, "removing closes rows, it deletes none");
    assert_eq!(
        env.count(
            "SELECT count(*) FROM search_version v JOIN search s ON s.id = v.search_id
             WHERE s.search_ref = 's2' AND v.valid_to < '9999'"
        ),
        6,
        "added, shortlisted, manager, executive, shortlist cleared, cancelled"
    );
    env.run(&["explain", "f", "s2"]).code(2);
    // Nothing more can be logged against it.
    let before = env.snapshot();
    for args in [
        &["search", "update", "f", "s2", "--level", "top"][..],
        &["search", "remove", "f", "s2"],
        &["candidate", "add", "f", "s2", "c1", "--sector", "privat"],
        &["exemption", "add", "f", "s2", "--reason", "no-qualified-candidate"],
        &["exemption", "remove", "f", "s2"],
    ] {
        env.run(args).code(2);
        assert_eq!(env.snapshot(), before, "{args:?}");
    }
    env.run(&["audit", "verify"]).ok();

    // A removed search can be added again.
    let run = env.run(&add).ok();
    assert_eq!(printed_verdict(&run, "f", "s2"), "pending");
}

#[test]
fn candidates_are_added_updated_and_removed_by_hand_with_the_new_verdict_printed() {
    let env = one_search();
    // A private candidate on the longlist does not count.
    let run = env.run(&["candidate", "add", "f", "s1", "c2", "--sector", "privat", "--stage", "longlist"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "non-compliant");

    // Shortlisted: compliant.
    let value = json_change(&env, &["candidate", "update", "f", "s1", "c2", "--stage", "Interview"]);
    assert_eq!(value["verdict"]["verdict"], "compliant");
    let c2 = candidate(&value, "c2").expect("c2 stored");
    assert_eq!(c2["candidate_sector"], "private", "kept from before");
    assert_eq!(c2["stage"], "interview");
    assert_eq!(candidate(&value, "c1").expect("c1 kept")["candidate_sector"], "municipality");

    // Added after the shortlist went out: not in time.
    let run = env.run(&["candidate", "update", "f", "s1", "c2", "--added-on", "2026-03-02"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "non-compliant");
    // Cleared again: in time.
    let run = env.run(&["candidate", "update", "f", "s1", "c2", "--added-on", ""]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "compliant");

    // Removed: back to non-compliant.
    let value = json_change(&env, &["candidate", "remove", "f", "s1", "c2"]);
    assert!(candidate(&value, "c2").is_none(), "{value}");
    assert_eq!(value["verdict"]["verdict"], "non-compliant");

    // Two years in a private firm make the municipal candidate cross-sector.
    let value = json_change(&env, &["candidate", "update", "f", "s1", "c1", "--experience", "privat:1 private:1"]);
    assert_eq!(candidate(&value, "c1").unwrap()["experience"], "private:2");
    assert_eq!(value["verdict"]["verdict"], "compliant");

    // A candidate whose sector is unknown makes a failing search incomplete.
    env.run(&["candidate", "update", "f", "s1", "c1", "--experience", ""]).ok();
    let run = env.run(&["candidate", "add", "f", "s1", "c3", "--sector", "unknown"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "incomplete");
    assert_eq!(env.search("f", "s1")["verdict"], "incomplete");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn exemptions_are_added_and_removed_by_hand_with_the_new_verdict_printed() {
    let env = one_search();
    let value = json_change(
        &env,
        &["exemption", "add", "f", "s1", "--reason", " No-Qualified-Candidate ", "--note", "three declined"],
    );
    assert_eq!(value["search"]["exemption"]["reason"], "no-qualified-candidate");
    assert_eq!(value["search"]["exemption"]["note"], "three declined");
    assert_eq!(value["verdict"]["verdict"], "exempt");
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");

    // A reason the policy does not accept replaces the exemption: non-compliant.
    let run = env.run(&["exemption", "add", "f", "s1", "--reason", "client-declined"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "non-compliant");
    assert_eq!(env.explain("f", "s1")["exemption"]["reason"], "client-declined");

    env.run(&["exemption", "add", "f", "s1", "--reason", "no-qualified-candidate"]).ok();
    let run = env.run(&["exemption", "remove", "f", "s1"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "non-compliant");
    assert_eq!(env.count("SELECT count(*) FROM exemption_version"), 3, "every exemption is kept in history");
    assert_eq!(env.count("SELECT count(*) FROM exemption_version WHERE valid_to < '9999'"), 3);
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn adding_what_exists_or_changing_what_does_not_exits_2_and_writes_nothing() {
    let env = one_search();
    env.run(&["exemption", "add", "f", "s1", "--reason", "no-qualified-candidate"]).ok();
    let before = env.snapshot();
    let search_values = ["--client", "X", "--client-sector", "stat", "--position", "P", "--level", "top"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["firm", "add", "f", "--name", "F again"], "exists"),
        (vec!["firm", "add", " f ", "--name", "F again"], "exists"),
        (vec!["firm", "update", "nope", "--name", "N"], "nope"),
        ([&["search", "add", "f", "s1"][..], &search_values, &["--opened-on", "2026-01-01"]].concat(), "exists"),
        (vec!["search", "update", "f", "nope", "--level", "top"], "nope"),
        (vec!["search", "update", "g", "s1", "--level", "top"], "s1"),
        (vec!["search", "remove", "f", "nope"], "nope"),
        ([&["search", "add", "g", "s9"][..], &search_values, &["--opened-on", "2026-01-01"]].concat(), "unknown firm"),
        (vec!["candidate", "add", "f", "s1", "c1", "--sector", "privat"], "already"),
        (vec!["candidate", "update", "f", "s1", "c9", "--stage", "hired"], "no candidate"),
        (vec!["candidate", "remove", "f", "s1", "c9"], "no candidate"),
        (vec!["candidate", "add", "f", "nope", "c1", "--sector", "privat"], "nope"),
        (vec!["exemption", "add", "f", "nope", "--reason", "no-qualified-candidate"], "nope"),
        (vec!["exemption", "add", "f", "s1"], "--reason"),
        (vec!["search", "add", "f", "bare", "--client", "X", "--client-sector", "stat", "--position", "P"], "--level"),
    ];
    for (args, named) in &cases {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains(named), "{args:?} should name {named:?}: {}", run.stderr);
        assert_eq!(env.snapshot(), before, "{args:?} changed the database");
    }
    env.run(&["exemption", "remove", "f", "s1"]).ok();
    let before = env.snapshot();
    let run = env.run(&["exemption", "remove", "f", "s1"]).code(2);
    assert!(run.stderr.contains("no exemption"), "{}", run.stderr);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn changes_by_hand_need_an_existing_database_except_firm_add() {
    let env = Env::new();
    for args in [
        &["firm", "update", "f", "--name", "F"][..],
        &["firm", "list"],
        &["search", "update", "f", "s1", "--level", "top"],
        &["search", "remove", "f", "s1"],
        &["candidate", "add", "f", "s1", "c1", "--sector", "privat"],
        &["exemption", "add", "f", "s1", "--reason", "no-qualified-candidate"],
        &["exemption", "remove", "f", "s1"],
    ] {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains("pledge.db"), "{args:?}: {}", run.stderr);
        assert!(!env.db().exists(), "{args:?} created the database");
    }
    // A firm refused for its values creates no database either.
    env.run(&["firm", "add", "f", "--pledged-on", "31-02-2021"]).code(2);
    assert!(!env.db().exists());
    env.run(&["firm", "add", "f", "--pledged-on", "28-02-2021"]).ok();
    assert!(env.db().exists());
}

/// One bad value given by hand (`args`, naming `flag`) and in a shortlists file (`row`, naming `column`).
struct Bad {
    args: Vec<&'static str>,
    flag: &'static str,
    row: crate::support::Row,
    column: &'static str,
}

fn bad_values() -> Vec<Bad> {
    let search = |flag: &'static str, value: &'static str| -> Vec<&'static str> {
        let mut args = vec![
            "search",
            "add",
            "f",
            "s2",
            "--client",
            "Aarhus Kommune",
            "--client-sector",
            "municipality",
            "--position",
            "Direktør",
            "--level",
            "top",
            "--opened-on",
            "2026-01-10",
        ];
        match args.iter().position(|a| *a == flag) {
            Some(i) => args[i + 1] = value,
            None => args.extend([flag, value]),
        }
        args
    };
    let s2 = || row().set("search_ref", "s2").no_candidate();
    vec![
        Bad {
            args: search("--opened-on", "31-02-2026"),
            flag: "--opened-on",
            row: s2().set("opened_on", "31-02-2026").set("shortlist_on", ""),
            column: "opened_on",
        },
        Bad {
            args: search("--opened-on", "2026/13/01"),
            flag: "--opened-on",
            row: s2().set("opened_on", "2026/13/01").set("shortlist_on", ""),
            column: "opened_on",
        },
        Bad {
            args: search("--opened-on", "1989-12-31"),
            flag: "--opened-on",
            row: s2().set("opened_on", "1989-12-31").set("shortlist_on", ""),
            column: "opened_on",
        },
        Bad { args: search("--level", "boss"), flag: "--level", row: s2().set("level", "boss"), column: "level" },
        Bad {
            args: search("--client-sector", "unknown"),
            flag: "--client-sector",
            row: s2().set("client_sector", "unknown"),
            column: "client_sector",
        },
        Bad {
            args: search("--client-sector", "mars"),
            flag: "--client-sector",
            row: s2().set("client_sector", "mars"),
            column: "client_sector",
        },
        Bad {
            args: search("--shortlist-on", "2026-01-09"),
            flag: "--shortlist-on",
            row: s2().set("shortlist_on", "2026-01-09"),
            column: "shortlist_on",
        },
        Bad { args: search("--client", "  "), flag: "--client", row: s2().set("client", "  "), column: "client" },
        Bad {
            args: vec!["search", "update", "f", "s1", "--cancelled-on", "2026-02-01"],
            flag: "--cancelled-on",
            row: row().set("cancelled_on", "2026-02-01"),
            column: "cancelled_on",
        },
        Bad {
            args: vec!["candidate", "add", "f", "s1", "c2", "--sector", "mars"],
            flag: "--sector",
            row: row().candidate("c2", "mars"),
            column: "candidate_sector",
        },
        Bad {
            args: vec!["candidate", "add", "f", "s1", "c2", "--sector", "privat", "--experience", "private:61"],
            flag: "--experience",
            row: row().candidate("c2", "privat").set("experience", "private:61"),
            column: "experience",
        },
        Bad {
            args: vec!["candidate", "add", "f", "s1", "c2", "--sector", "privat", "--experience", "moon:3"],
            flag: "--experience",
            row: row().candidate("c2", "privat").set("experience", "moon:3"),
            column: "experience",
        },
        Bad {
            args: vec!["candidate", "add", "f", "s1", "c2", "--sector", "privat", "--stage", "winner"],
            flag: "--stage",
            row: row().candidate("c2", "privat").set("stage", "winner"),
            column: "stage",
        },
        Bad {
            args: vec!["candidate", "update", "f", "s1", "c1", "--added-on", "2026-01-09"],
            flag: "--added-on",
            row: row().set("added_on", "2026-01-09"),
            column: "added_on",
        },
    ]
}

#[test]
fn values_given_by_hand_are_refused_with_the_same_messages_as_in_a_file() {
    let env = one_search();
    let before = env.snapshot();
    for bad in bad_values() {
        let by_hand = env.run(&bad.args).code(2);
        assert!(by_hand.stderr.contains("nothing was written"), "{:?}: {}", bad.args, by_hand.stderr);
        assert_eq!(env.snapshot(), before, "{:?} changed the database", bad.args);
        let by_hand = by_hand_message(&by_hand.stderr, bad.flag);

        let file_env = Env::new();
        let firms = file_env.write("firms.csv", default_firms());
        let rows = file_env.write("shortlists.csv", shortlists(std::slice::from_ref(&bad.row)));
        let from_file = file_env.run(&["import", &firms, &rows]).code(2);
        let from_file = file_message(&from_file.stderr, "shortlists.csv", 2, bad.column);
        assert_eq!(by_hand, from_file, "{:?}: the message differs from an import's", bad.args);
    }
}

#[test]
fn moving_the_opening_date_after_a_candidates_added_date_is_refused() {
    let env = Env::new();
    env.load(&default_firms(), &[row().set("added_on", "2026-01-15")], &[]);
    let before = env.snapshot();
    let run = env.run(&["search", "update", "f", "s1", "--opened-on", "2026-02-01"]).code(2);
    let message = by_hand_message(&run.stderr, "--opened-on");
    assert!(message.contains("2026-01-15"), "{message}");
    assert_eq!(env.snapshot(), before);
    env.run(&["search", "update", "f", "s1", "--opened-on", "2026-01-15"]).ok();
}

#[test]
fn firm_values_given_by_hand_are_refused_with_the_same_messages_as_in_a_file() {
    let env = one_search();
    let before = env.snapshot();
    let cases = [
        (&["firm", "add", "g", "--withdrawn-on", "2024-01-01"][..], "--withdrawn-on", "g,,,2024-01-01", "withdrawn_on"),
        (
            &["firm", "update", "f", "--withdrawn-on", "2021-05-31"],
            "--withdrawn-on",
            "f,,2021-06-01,2021-05-31",
            "withdrawn_on",
        ),
        (&["firm", "update", "f", "--pledged-on", "30.02.2021"], "--pledged-on", "f,,30.02.2021,", "pledged_on"),
        (&["firm", "add", "g", "--pledged-on", "2101-01-01"], "--pledged-on", "g,,2101-01-01,", "pledged_on"),
    ];
    for (args, flag, firm_row, column) in cases {
        let by_hand = env.run(args).code(2);
        assert_eq!(env.snapshot(), before, "{args:?} changed the database");
        let by_hand = by_hand_message(&by_hand.stderr, flag);
        let file_env = Env::new();
        let file = file_env.write("firms.csv", firms(&[firm_row]));
        let from_file = file_env.run(&["import", &file]).code(2);
        assert_eq!(by_hand, file_message(&from_file.stderr, "firms.csv", 2, column), "{args:?}");
    }
}

#[test]
fn a_change_by_hand_that_changes_nothing_is_still_logged_and_keeps_the_rows() {
    let env = one_search();
    let versions = env.version_counts();
    let entries = env.count("SELECT count(*) FROM import_log");
    let run = env.run(&["search", "update", "f", "s1", "--client", "Aarhus Kommune"]).ok();
    assert_eq!(printed_verdict(&run, "f", "s1"), "non-compliant");
    assert_eq!(env.version_counts(), versions);
    assert_eq!(env.count("SELECT count(*) FROM import_log"), entries + 1);
    env.run(&["audit", "verify"]).ok();
}
