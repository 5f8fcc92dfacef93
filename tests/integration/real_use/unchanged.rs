//! Re-imports of searches that did not change: each search's content digest (`search.content_digest`) lets the
//! import pass over them without reading their rows back, so whatever changes a search otherwise must be picked
//! up: a file in another row order or encoding changes nothing, one changed field, candidate or exemption is
//! found, and a change by hand, `forget`, `search remove` or `undo` is put back by the original file.

use crate::support::{default_firms, exemptions, row, shortlists, Env, Row};

/// Three searches of firm `f`: `s1` with three candidates (compliant), `s2` with two (incomplete: one sector
/// unknown), `s3` with none (pending: no shortlist yet).
fn rows() -> Vec<Row> {
    let s2 = || row().set("search_ref", "s2");
    vec![
        row().candidate("c1", "kommune"),
        row().candidate("c2", "privat").set("experience", "state:2;private:1"),
        row().candidate("c3", "region").set("stage", "interview").set("added_on", "2026-02-01"),
        s2().candidate("c1", "municipality"),
        s2().candidate("c2", "unknown"),
        row().set("search_ref", "s3").set("shortlist_on", "").no_candidate(),
    ]
}

/// The rows loaded, then imported again unchanged.
fn loaded() -> (Env, String, String) {
    let env = Env::new();
    let firms = env.write("firms.csv", default_firms());
    let file = env.write("shortlists.csv", shortlists(&rows()));
    let first = env.import(&[&firms, &file]);
    assert!(first.stdout.contains("3 searches changed"), "{}", first.stdout);
    assert_unchanged(&env, &[&firms, &file]);
    (env, firms, file)
}

#[track_caller]
fn assert_unchanged(env: &Env, files: &[&str]) {
    let versions = env.version_counts();
    let run = env.import(files);
    assert!(
        run.stdout
            .contains("0 searches changed (3 read; 0 candidates added, 0 removed, 0 changed; 0 verdicts changed)"),
        "{}",
        run.stdout
    );
    assert_eq!(env.version_counts(), versions, "an unchanged import wrote versions");
}

/// What the import summary says of searches, candidates and verdicts.
#[track_caller]
fn summary(env: &Env, files: &[&str]) -> String {
    let run = env.import(files);
    let line = run.stdout.lines().next().unwrap_or_default();
    line.split(": ").nth(1).unwrap_or_default().split("), ").next().unwrap_or_default().to_string()
}

fn candidate(env: &Env, search_ref: &str, candidate_ref: &str) -> serde_json::Value {
    let json = env.explain("f", search_ref);
    json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["candidate_ref"] == candidate_ref)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn every_imported_search_holds_a_digest_and_an_unchanged_one_keeps_it() {
    let (env, _, _) = loaded();
    assert_eq!(env.count("SELECT count(*) FROM search WHERE length(content_digest) = 16"), 3);
    assert_eq!(env.count("SELECT count(DISTINCT content_digest) FROM search"), 3);
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn the_same_rows_in_another_order_separator_or_encoding_change_nothing() {
    let (env, firms, _) = loaded();
    let mut reversed = rows();
    reversed.reverse();
    let file = env.write("reversed.csv", shortlists(&reversed));
    assert_unchanged(&env, &[&firms, &file]);
    // The candidates of s1 interleaved with the other searches' rows.
    let all = rows();
    let mixed = [&all[3], &all[0], &all[5], &all[2], &all[4], &all[1]].map(|r| (*r).clone());
    let file = env.write("mixed.csv", shortlists(&mixed));
    assert_unchanged(&env, &[&firms, &file]);
    // CRLF and Windows-1252: the decoded text is what counts.
    let text = shortlists(&all).replace('\n', "\r\n");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let file = env.write("ansi.csv", bytes);
    let versions = env.version_counts();
    let run = env.run(&["import", "--encoding", "windows-1252", &firms, &file]).ok();
    assert!(run.stdout.contains("0 searches changed (3 read;"), "{}", run.stdout);
    assert_eq!(env.version_counts(), versions);
}

#[test]
fn after_an_unchanged_import_one_changed_field_or_candidate_is_found() {
    let (env, firms, _) = loaded();
    // Each file changes one more thing than the one before.
    let current = std::cell::RefCell::new(rows());
    let changed = |i: usize, edit: &dyn Fn(Row) -> Row| {
        let mut all = current.borrow_mut();
        all[i] = edit(all[i].clone());
        shortlists(&all)
    };
    // One candidate's stage.
    let file = env.write("stage.csv", changed(2, &|r| r.set("stage", "hired")));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "1 search changed (3 read; 0 candidates added, 0 removed, 1 changed; 0 verdicts changed");
    assert_eq!(candidate(&env, "s1", "c3")["stage"], "hired");
    // One candidate's sector, which changes the verdict (c2 of s2 becomes cross-sector).
    let file = env.write("sector.csv", changed(4, &|r| r.set("candidate_sector", "privat")));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "1 search changed (3 read; 0 candidates added, 0 removed, 1 changed; 1 verdict changed");
    assert_eq!(env.search("f", "s2")["verdict"], "compliant");
    // One of the search's own columns.
    let file = env.write("position.csv", changed(5, &|r| r.set("position", "Kommunaldirektør")));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "1 search changed (3 read; 0 candidates added, 0 removed, 0 changed; 0 verdicts changed");
    // One candidate's experience written in other words is the same experience.
    let file = env.write("words.csv", changed(1, &|r| r.set("experience", "privat:1 stat:1 stat:1")));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "0 searches changed (3 read; 0 candidates added, 0 removed, 0 changed; 0 verdicts changed");
    // Back to the original rows: each change is taken back.
    let file = env.write("original.csv", shortlists(&rows()));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "3 searches changed (3 read; 0 candidates added, 0 removed, 2 changed; 1 verdict changed");
    assert_unchanged(&env, &[&firms, &file]);
}

#[test]
fn after_an_unchanged_import_a_candidate_added_or_removed_is_found() {
    let (env, firms, _) = loaded();
    let mut fewer = rows();
    fewer.drain(1..3);
    let file = env.write("fewer.csv", shortlists(&fewer));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "1 search changed (3 read; 0 candidates added, 2 removed, 0 changed; 1 verdict changed");
    assert_eq!(env.search("f", "s1")["verdict"], "non-compliant");
    let mut more = rows();
    more.push(row().set("search_ref", "s3").set("shortlist_on", "").candidate("c9", "privat"));
    more.remove(5);
    let file = env.write("more.csv", shortlists(&more));
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "2 searches changed (3 read; 3 candidates added, 0 removed, 0 changed; 1 verdict changed");
    assert!(!candidate(&env, "s3", "c9").is_null());
}

#[test]
fn an_exemption_in_the_same_files_as_unchanged_searches_is_stored_and_judged() {
    let (env, firms, file) = loaded();
    assert_eq!(env.search("f", "s2")["verdict"], "incomplete");
    let exemption = env.write("exemptions.csv", exemptions(&[["f", "s2", "no-qualified-candidate", "none found"]]));
    let run = env.import(&[&firms, &file, &exemption]);
    assert!(
        run.stdout.contains("0 searches changed (3 read; 0 candidates added, 0 removed, 0 changed; 1 verdict changed)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 exemption changed (1 read)"), "{}", run.stdout);
    assert_eq!(env.search("f", "s2")["verdict"], "exempt");
    // Its note changed: stored, the verdict stays.
    let exemption = env.write("exemptions.csv", exemptions(&[["f", "s2", "no-qualified-candidate", "checked again"]]));
    let run = env.import(&[&firms, &file, &exemption]);
    assert!(run.stdout.contains("1 exemption changed (1 read)"), "{}", run.stdout);
    assert_eq!(env.count("SELECT count(*) FROM search_exemptions WHERE note = 'checked again'"), 1);
}

#[test]
fn a_change_by_hand_is_put_back_by_re_importing_the_original_file() {
    let (env, firms, file) = loaded();
    let back = |env: &Env, expected: &str| {
        let said = summary(env, &[&firms, &file]);
        assert_eq!(said, expected);
        assert_unchanged(env, &[&firms, &file]);
    };
    env.run(&["candidate", "update", "f", "s1", "c2", "--stage", "longlist"]).ok();
    back(&env, "1 search changed (3 read; 0 candidates added, 0 removed, 1 changed; 0 verdicts changed");
    env.run(&["candidate", "add", "f", "s3", "c4", "--sector", "privat"]).ok();
    back(&env, "1 search changed (3 read; 0 candidates added, 1 removed, 0 changed; 0 verdicts changed");
    env.run(&["candidate", "remove", "f", "s2", "c1"]).ok();
    back(&env, "1 search changed (3 read; 1 candidate added, 0 removed, 0 changed; 0 verdicts changed");
    env.run(&["search", "update", "f", "s1", "--level", "executive"]).ok();
    back(&env, "1 search changed (3 read; 0 candidates added, 0 removed, 0 changed; 0 verdicts changed");
    env.run(&["search", "remove", "f", "s2"]).ok();
    back(&env, "1 search changed (3 read; 2 candidates added, 0 removed, 0 changed; 0 verdicts changed");
    // A forgotten reference comes back as a new candidate, as the contract says.
    env.run(&["forget", "f", "s1", "c1"]).ok();
    back(&env, "1 search changed (3 read; 1 candidate added, 1 removed, 0 changed; 0 verdicts changed");
    assert_eq!(candidate(&env, "s1", "c1")["sector"], "municipality");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn undo_and_merge_leave_digests_that_match_what_is_stored() {
    let (env, firms, file) = loaded();
    // An import that changes s1, undone: s1 is as before, and the original file finds nothing to change.
    let mut changed = rows();
    changed[0] = changed[0].clone().set("stage", "hired");
    let other = env.write("changed.csv", shortlists(&changed));
    env.import(&[&other]);
    let last = env.count("SELECT max(id) FROM import_log");
    env.run(&["undo", &last.to_string()]).ok();
    assert_unchanged(&env, &[&firms, &file]);
    // An import that made a search, undone: the search is gone, and the original file leaves it gone.
    let new = env.write("new.csv", shortlists(&[row().set("search_ref", "s4")]));
    env.import(&[&new]);
    let last = env.count("SELECT max(id) FROM import_log");
    env.run(&["undo", &last.to_string()]).ok();
    assert_unchanged(&env, &[&firms, &file]);
    let run = env.import(&[&new]);
    assert!(run.stdout.contains("1 search changed (1 read; 1 candidate added"), "{}", run.stdout);
    // --merge of some rows of s1 keeps the rest: nothing changes, and the whole file still finds nothing.
    let some = env.write("some.csv", shortlists(&rows()[..1]));
    let run = env.run(&["import", "--merge", &some]).ok();
    assert!(run.stdout.contains("0 searches changed (1 read;"), "{}", run.stdout);
    assert_unchanged(&env, &[&firms, &file]);
    // --merge with a changed candidate changes only that candidate; the original file then changes it back.
    let one = env.write("one.csv", shortlists(&[row().candidate("c1", "privat")]));
    let run = env.run(&["import", "--merge", &one]).ok();
    assert!(
        run.stdout.contains("1 search changed (1 read; 0 candidates added, 0 removed, 1 changed"),
        "{}",
        run.stdout
    );
    let said = summary(&env, &[&firms, &file]);
    assert_eq!(said, "1 search changed (3 read; 0 candidates added, 0 removed, 1 changed; 0 verdicts changed");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn a_search_whose_digest_is_missing_or_wrong_is_compared_row_by_row() {
    let (env, firms, file) = loaded();
    // A database from before the digest (NULL), or one whose digest was edited: the rows decide.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "UPDATE search SET content_digest = NULL WHERE search_ref = 's1';
         UPDATE search SET content_digest = zeroblob(16) WHERE search_ref = 's2';",
    )
    .unwrap();
    drop(conn);
    assert_unchanged(&env, &[&firms, &file]);
    assert_eq!(
        env.count("SELECT count(*) FROM search WHERE length(content_digest) = 16 AND content_digest <> zeroblob(16)"),
        3
    );
    // A row changed with sqlite3 behind pledgecheck's back is what `audit verify` finds.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE candidate_version SET stage = 'hired' WHERE candidate_ref = 'c3'", []).unwrap();
    drop(conn);
    let run = env.run(&["audit", "verify"]).code(1);
    assert!(run.stdout.lines().any(|l| l.starts_with("TAMPERED: ")), "{}", run.stdout);
}
