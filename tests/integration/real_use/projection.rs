//! The pre-send projection: `check --dry-run` and `explain` judge a pending search as if its shortlist went out
//! on `--send-on DATE` (default: today); the verdict itself stays `pending`.

use crate::support::{default_firms, row, shortlists, Env};

/// A pending shortlist of municipal candidates for a municipal post: it would fail if sent.
fn pending_failing(env: &Env) -> (String, String) {
    let f = env.write("f.csv", default_firms());
    let rows = [
        row().set("shortlist_on", "").candidate("k1", "kommune"),
        row().set("shortlist_on", "").candidate("k2", "kommune").set("experience", "region:1"),
    ];
    (f, env.write("s.csv", shortlists(&rows)))
}

#[test]
fn a_pending_shortlist_that_would_fail_fails_the_pre_send_gate() {
    let env = Env::new();
    let (f, s) = pending_failing(&env);
    let args = ["check", "--dry-run", &f, &s, "--send-on", "2026-12-02", "--fail-on", "non-compliant,incomplete"];
    let run = env.run(&args).code(1);
    assert!(run.stdout.contains("f s1, if sent 2026-12-02: non-compliant (a projection;"), "{}", run.stdout);
    assert!(run.stdout.contains("k2 (shortlist, current sector municipality, experience region:1)"), "{}", run.stdout);
    assert!(run.stdout.contains("To meet the pledge: add a shortlisted candidate"), "{}", run.stdout);
    assert!(!run.stdout.contains("\nNo non-compliant or incomplete searches.\n"), "{}", run.stdout);
    // Without --fail-on the check still only reports.
    env.run(&["check", "--dry-run", &f, &s, "--send-on", "2026-12-02"]).ok();
    assert!(!env.db().exists(), "a dry run created the database");
}

#[test]
fn the_json_keeps_the_verdict_pending_and_adds_the_projection_beside_it() {
    let env = Env::new();
    let (f, s) = pending_failing(&env);
    let run = env.run(&[
        "check",
        "--dry-run",
        &f,
        &s,
        "--send-on",
        "02-12-2026",
        "--format",
        "json",
        "--fail-on",
        "incomplete",
    ]);
    let value = run.json();
    assert_eq!(run.code, Some(0), "the projection is non-compliant, not incomplete");
    assert_eq!(value["firms"][0]["pending"], 1, "the verdict stays pending in the counts");
    assert_eq!(value["firms"][0]["non_compliant"], 0);
    let p = &value["projected"][0];
    assert_eq!(p["verdict"], "pending");
    assert_eq!(p["projected_verdict"], "non-compliant");
    assert_eq!(p["send_on"], "2026-12-02");
    assert_eq!(p["candidates"].as_array().unwrap().len(), 2);
    assert!(p["remedy"].as_str().unwrap().contains("add a shortlisted candidate"));
}

#[test]
fn a_pending_shortlist_that_would_pass_passes_and_send_on_defaults_to_today() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row().set("shortlist_on", "").candidate("p1", "privat")]));
    let run = env
        .command()
        .env("PLEDGECHECK_TODAY", "2026-05-04")
        .args(["check", "--dry-run", &f, &s, "--fail-on", "non-compliant,incomplete"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.contains("judged as if the shortlist were sent 2026-05-04"), "{text}");
    assert!(text.contains("│ f    │ s1         │ pending │ 2026-05-04 │ compliant"), "{text}");
}

#[test]
fn a_candidate_added_after_the_send_date_does_not_count_in_the_projection() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let late = row().set("shortlist_on", "").candidate("p1", "privat").set("added_on", "2026-06-01");
    let s = env.write("s.csv", shortlists(&[late]));
    let gate = ["check", "--dry-run", &f, &s, "--fail-on", "non-compliant"];
    env.run(&[&gate[..], &["--send-on", "2026-05-01"]].concat()).code(1);
    env.run(&[&gate[..], &["--send-on", "2026-06-01"]].concat()).code(0);
}

#[test]
fn explain_projects_a_stored_pending_search_and_stores_nothing() {
    let env = Env::new();
    let (f, s) = pending_failing(&env);
    env.import(&[&f, &s]);
    let run = env.run(&["explain", "f", "s1", "--send-on", "2026-12-02"]).ok();
    assert!(run.stdout.contains("Verdict: pending"), "{}", run.stdout);
    assert!(run.stdout.contains("If sent 2026-12-02: non-compliant (a projection;"), "{}", run.stdout);
    assert!(run.stdout.contains("k1 (shortlist, current sector municipality)"), "{}", run.stdout);
    let json = env.run(&["explain", "f", "s1", "--send-on", "2026-12-02", "--format", "json"]).ok().json();
    assert_eq!(
        (json["verdict"].as_str(), json["projected_verdict"].as_str()),
        (Some("pending"), Some("non-compliant"))
    );
    assert_eq!(json["send_on"], "2026-12-02");
    assert_eq!(json["projection"]["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(env.search("f", "s1")["verdict"], "pending", "the stored verdict stays pending");
    // A search whose shortlist went out has no projection.
    env.load(&default_firms(), &[row().candidate("k1", "kommune")], &[]);
    let json = env.run(&["explain", "f", "s1", "--format", "json"]).ok().json();
    assert!(json.get("projected_verdict").is_none() && json.get("send_on").is_none());
}
