//! Re-imports that show what they change: the summary's candidate and verdict counts, `import --dry-run`'s list
//! per search, `import --merge`, `imports` and `undo`.

use crate::support::{default_firms, row, shortlists, Env};

/// Firm `f` with search `s1`: three municipal candidates and one private one (compliant).
fn loaded() -> Env {
    let env = Env::new();
    let rows = [
        row().candidate("c1", "kommune"),
        row().candidate("c2", "kommune"),
        row().candidate("c3", "kommune"),
        row().candidate("p1", "privat"),
    ];
    env.load(&default_firms(), &rows, &[]);
    env
}

fn refs(env: &Env) -> Vec<String> {
    let json = env.explain("f", "s1");
    json["candidates"].as_array().unwrap().iter().map(|c| c["candidate_ref"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_re_import_that_removes_candidates_says_so_and_shows_them_in_a_dry_run() {
    let env = loaded();
    let one = env.write("one.csv", shortlists(&[row().candidate("c4", "kommune")]));
    let before = env.snapshot();
    let dry = env.run(&["import", "--dry-run", &one]).ok();
    assert!(
        dry.stdout.contains("1 search changed (1 read; 1 candidate added, 4 removed, 0 changed; 1 verdict changed)"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(
            "  f s1: candidate added: c4; candidates removed: c1, c2, c3, p1; verdict compliant -> non-compliant"
        ),
        "{}",
        dry.stdout
    );
    assert_eq!(env.snapshot(), before, "a dry run wrote something");
    let run = env.run(&["import", &one]).ok();
    assert!(run.stdout.contains("1 candidate added, 4 removed, 0 changed; 1 verdict changed"), "{}", run.stdout);
    assert_eq!(refs(&env), ["c4"]);
}

#[test]
fn merge_adds_and_updates_candidates_and_never_removes_one() {
    let env = loaded();
    let rows = [row().candidate("c4", "kommune"), row().candidate("p1", "privat").set("stage", "hired")];
    let file = env.write("new-rows.csv", shortlists(&rows));
    let dry = env.run(&["import", "--dry-run", "--merge", &file]).ok();
    assert!(dry.stdout.contains("1 candidate added, 0 removed, 1 changed; 0 verdicts changed"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("f s1: candidate added: c4; candidate changed: p1; verdict compliant"),
        "{}",
        dry.stdout
    );
    env.run(&["import", "--merge", &file]).ok();
    assert_eq!(refs(&env), ["c1", "c2", "c3", "c4", "p1"]);
    let stage = env.explain("f", "s1")["candidates"][4]["stage"].clone();
    assert_eq!(stage, "hired");
    // A search's own columns still replace: a new shortlist date is taken.
    let later =
        env.write("later.csv", shortlists(&[row().candidate("c4", "kommune").set("shortlist_on", "2026-03-05")]));
    env.run(&["import", "--merge", &later]).ok();
    assert_eq!(env.search("f", "s1")["shortlist_on"], "2026-03-05");
    assert_eq!(refs(&env).len(), 5);
}

#[test]
fn imports_lists_the_log_and_undo_takes_one_back_as_a_new_change() {
    let env = loaded();
    let one = env.write("one.csv", shortlists(&[row().candidate("c4", "kommune")]));
    env.run(&["import", &one]).ok();
    let log = env.run(&["imports", "--format", "json"]).ok().json();
    let entries = log["imports"].as_array().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last["files"][0], "one.csv");
    assert!(last["summary"].as_str().unwrap().contains("4 removed"));
    let id = last["id"].as_i64().unwrap().to_string();
    let csv = env.run(&["imports", "--format", "csv"]).ok();
    assert!(csv.stdout.starts_with("id,at,by,files,summary\n"), "{}", csv.stdout);

    let undo = env.run(&["undo", &id]).ok();
    assert!(undo.stdout.contains(&format!("undo of import {id}: 1 search restored")), "{}", undo.stdout);
    assert_eq!(refs(&env), ["c1", "c2", "c3", "p1"]);
    assert_eq!(env.search("f", "s1")["verdict"], "compliant");
    env.run(&["audit", "verify"]).ok();
    // History keeps the import and its undoing.
    let history = env.run(&["history", "f", "s1"]).ok().stdout;
    assert!(history.contains("- candidate f/s1/c1") && history.contains("+ candidate f/s1/c1"), "{history}");
    assert_eq!(
        env.run(&["imports", "--format", "json"]).ok().json()["imports"].as_array().unwrap().len(),
        entries.len() + 1
    );
}

#[test]
fn undo_is_refused_with_the_later_changes_listed() {
    let env = loaded();
    let first = env.write("one.csv", shortlists(&[row().candidate("c4", "kommune")]));
    env.run(&["import", &first]).ok();
    let second = env.write("two.csv", shortlists(&[row().candidate("c5", "region")]));
    env.run(&["import", &second]).ok();
    let log = env.run(&["imports", "--format", "json"]).ok().json();
    let ids: Vec<i64> = log["imports"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let (one, two) = (ids[ids.len() - 2], ids[ids.len() - 1]);
    let before = env.snapshot();
    let refused = env.run(&["undo", &one.to_string()]).code(2);
    assert!(refused.stderr.contains(&format!("import {one} cannot be undone")), "{}", refused.stderr);
    assert!(refused.stderr.contains(&format!("import {two} at ")) && refused.stderr.contains("search f/s1"));
    assert_eq!(env.snapshot(), before);
    env.run(&["undo", &two.to_string()]).ok();
    env.run(&["undo", &one.to_string()]).code(2); // the undo of `two` touched s1 after `one`
    env.run(&["undo", "999"]).code(2);
}

#[test]
fn undoing_the_first_import_removes_what_it_created() {
    let env = loaded();
    let log = env.run(&["imports", "--format", "json"]).ok().json();
    let id = log["imports"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap().to_string();
    let undo = env.run(&["undo", &id]).ok();
    assert!(
        undo.stdout.contains("0 searches restored, 1 search removed, 1 firm restored or removed"),
        "{}",
        undo.stdout
    );
    assert!(env.searches().is_empty());
    assert_eq!(env.report_csv(&["firms"]).rows.len(), 0);
    env.run(&["audit", "verify"]).ok();
}
