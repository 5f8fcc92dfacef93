//! The pledge as a policy file: `policy check|show|test|use|schema`, `explain --format json` naming the version,
//! conditions and candidates, `whatif` and `--policy` with the stricter sample policy.

use crate::support::{sample, Env};
use serde_json::Value;

fn stricter() -> String {
    sample("stricter.toml").display().to_string()
}

fn default_policy() -> String {
    std::fs::read_to_string(sample("pledge.toml")).unwrap()
}

#[test]
fn policy_check_accepts_the_samples() {
    let env = Env::new();
    for name in ["pledge.toml", "stricter.toml"] {
        let run = env.run(&["policy", "check", sample(name).to_str().unwrap()]).ok();
        assert!(run.stdout.contains("valid"), "{}", run.stdout);
    }
}

#[test]
fn policy_check_names_line_and_column_of_every_problem() {
    let env = Env::new();
    let cases = [
        ("minimum_years = 2", "minimum_yeras = 2", "unknown field"),
        ("qualifying_candidates = 1", "qualifying_candidates = 0", "at least 1"),
        ("minimum_years = 2", "minimum_years = 2\nqualifying_share = 1.5", "at most 1"),
        ("levels = [\"top\", \"executive\"]", "levels = []", "covers no search"),
        ("levels = [\"top\", \"executive\"]", "levels = [\"boss\"]", "boss"),
        ("effective_from = 2021-01-01", "effective_from = \"soon\"", "expected a TOML datetime"),
        ("state = [\"region\", \"municipality\", \"private\", \"civil-society\"]", "state = [\"state\"]", "own sector"),
        ("expect = \"pending\"", "expect = \"fine\"", "unknown verdict"),
    ];
    for (from, to, says) in cases {
        let text = default_policy().replacen(from, to, 1);
        assert_ne!(text, default_policy(), "the case {to:?} changes the file");
        let file = env.write("bad.toml", &text);
        let run = env.run(&["policy", "check", &file]).code(2);
        let line = run.stderr.lines().find(|l| l.contains("bad.toml: line ")).unwrap_or_else(|| {
            panic!("no line and column for {to:?}:\n{}", run.stderr);
        });
        assert!(line.contains(", column "), "{line}");
        assert!(run.stderr.contains(says), "{to:?} should say {says:?}:\n{}", run.stderr);
    }
}

#[test]
fn versions_out_of_order_or_overlapping_are_refused() {
    let env = Env::new();
    let text = std::fs::read_to_string(sample("stricter.toml")).unwrap();
    let overlapping = text.replace("effective_from = 2026-01-01", "effective_from = 2021-01-01");
    let run = env.run(&["policy", "check", &env.write("o.toml", &overlapping)]).code(2);
    assert!(run.stderr.contains("overlap"), "{}", run.stderr);
    let unordered = text.replace("effective_from = 2026-01-01", "effective_from = 2020-01-01");
    let run = env.run(&["policy", "check", &env.write("u.toml", &unordered)]).code(2);
    assert!(run.stderr.contains("in order of effective_from"), "{}", run.stderr);
}

#[test]
fn policy_show_gives_the_policy_in_words() {
    let env = Env::new();
    let run = env.run(&["policy", "show", &stricter(), "--version", "v2"]).ok();
    assert!(run.stdout.contains("Version v2: searches opened from 2026-01-01"), "{}", run.stdout);
    assert!(run.stdout.contains("for a state client, another sector is: region, municipality"), "{}", run.stdout);
    assert!(!run.stdout.contains("Version v1"), "{}", run.stdout);
    // Without a file or a database: the built-in default.
    let run = env.run(&["policy", "show"]).ok();
    assert!(run.stdout.contains("Version v1: searches opened from 2021-01-01"), "{}", run.stdout);
    env.run(&["policy", "show", &stricter(), "--version", "v9"]).code(2);
}

#[test]
fn policy_tests_pass_and_a_wrong_expectation_fails_with_its_explanation() {
    let env = Env::new();
    let run = env.run(&["policy", "test", sample("pledge.toml").to_str().unwrap()]).ok();
    assert!(run.stdout.contains(" passed, 0 failed"), "{}", run.stdout);
    env.run(&["policy", "test", &stricter()]).ok();
    let wrong = default_policy().replacen(
        "name = \"another public sub-sector counts: a region candidate for a municipality client\"\nversion = \"v1\"\nsearch = { client_sector = \"municipality\", shortlist_on = 2021-03-01 }\ncandidates = [{ candidate_ref = \"c1\", candidate_sector = \"municipality\" }, { candidate_ref = \"c2\", candidate_sector = \"region\" }]\nexpect = \"compliant\"",
        "name = \"another public sub-sector counts: a region candidate for a municipality client\"\nversion = \"v1\"\nsearch = { client_sector = \"municipality\", shortlist_on = 2021-03-01 }\ncandidates = [{ candidate_ref = \"c1\", candidate_sector = \"municipality\" }, { candidate_ref = \"c2\", candidate_sector = \"region\" }]\nexpect = \"non-compliant\"",
        1,
    );
    assert_ne!(wrong, default_policy());
    let run = env.run(&["policy", "test", &env.write("wrong.toml", &wrong)]).code(1);
    assert!(run.stdout.contains("FAIL  another public sub-sector counts"), "{}", run.stdout);
    assert!(run.stdout.contains("expected non-compliant"), "{}", run.stdout);
    assert!(run.stdout.contains("got      compliant (rule pledge.cross-sector)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("c2: shortlisted in time; current sector region is outside municipality"),
        "{}",
        run.stdout
    );
}

#[test]
fn policy_use_recomputes_every_verdict_and_is_recorded() {
    let env = Env::with_samples();
    let before = env.report_json(&["searches"]);
    let run = env.run(&["policy", "use", &stricter()]).ok();
    assert!(run.stdout.contains("verdicts recomputed"), "{}", run.stdout);
    let after = env.report_json(&["searches"]);
    let changed: Vec<&Value> =
        after.iter().zip(&before).filter(|(a, b)| a["verdict"] != b["verdict"]).map(|(a, _)| a).collect();
    assert!(!changed.is_empty());
    assert!(changed.iter().all(|r| r["policy_version"] == "v2"), "{changed:?}");
    // The policy in force, with its text and hash, and the change in the log.
    let (name, sha): (String, String) = env
        .sql()
        .query_row("SELECT name, sha256 FROM policy ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert!(name.ends_with("stricter.toml"));
    assert_eq!(sha.len(), 64);
    assert_eq!(env.count("SELECT count(*) FROM import_file WHERE kind = 'policy' AND name LIKE '%stricter.toml'"), 1);
    env.run(&["audit", "verify"]).ok();
    // An invalid policy is refused and nothing changes.
    let bad = env.write("bad.toml", "[[version]]\nid = 3\n");
    env.run(&["policy", "use", &bad]).code(2);
    assert_eq!(env.report_json(&["searches"]), after);
}

#[test]
fn policy_schema_is_a_json_schema_of_the_format() {
    let env = Env::new();
    let schema = env.run(&["policy", "schema"]).ok().json();
    assert_eq!(schema["title"], "pledgecheck policy");
    let text = schema.to_string();
    for key in
        ["effective_from", "client_sectors", "qualifying_share", "other_sectors", "accepted_exemptions", "expect"]
    {
        assert!(text.contains(key), "{key} missing from the schema");
    }
}

#[test]
fn explain_json_names_the_version_each_condition_and_each_candidates_part() {
    let env = Env::with_samples();
    let e = env.explain("nordsoeg", "NS-2026-003");
    assert_eq!(e["verdict"], "non-compliant");
    assert_eq!(e["rule"], "pledge.cross-sector");
    assert_eq!(e["policy_version"], "v1");
    assert_eq!(e["effective_from"], "2021-01-01");
    let scope = e["scope"].as_array().unwrap();
    let rules: Vec<&str> = scope.iter().map(|c| c["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["scope.signed", "scope.level", "scope.client-sector", "scope.not-cancelled"]);
    assert!(scope.iter().all(|c| c["holds"] == true && !c["fact"].as_str().unwrap().is_empty()));
    let c2 = e["candidates"].as_array().unwrap().iter().find(|c| c["candidate_ref"] == "c2").unwrap();
    assert_eq!(c2["counts"], false);
    assert!(c2["why"].as_str().unwrap().contains("1 year in municipality, needs 2"), "{c2}");
    assert!(e["remedy"].as_str().unwrap().starts_with("add a shortlisted candidate"), "{e}");
    // Under another policy, nothing stored: the stricter v2 applies only from 2026 and names itself.
    let e =
        env.run(&["explain", "kbh-executive", "KE-26-030", "--format", "json", "--policy", &stricter()]).ok().json();
    assert_eq!(e["policy_version"], "v2");
    assert_eq!(e["verdict"], "non-compliant");
    assert_eq!(env.explain("kbh-executive", "KE-26-030")["verdict"], "compliant");
}

#[test]
fn whatif_shows_changes_and_rates_before_and_after_and_stores_nothing() {
    let env = Env::with_samples();
    let before = env.snapshot();
    let value = env.run(&["whatif", "--policy", &stricter(), "--format", "json"]).ok().json();
    assert_eq!(value["schema_version"], 1);
    let changes = value["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    for c in changes {
        assert_ne!(c["from"], c["to"]);
        assert_eq!(c["policy_version"], "v2");
        assert!(!c["reason"].as_str().unwrap().is_empty());
    }
    let ke = changes.iter().find(|c| c["search_ref"] == "KE-26-030").expect("KE-26-030 changes");
    assert_eq!((ke["from"].as_str(), ke["to"].as_str()), (Some("compliant"), Some("non-compliant")));
    let firms = value["firms"].as_array().unwrap();
    let kbh = firms.iter().find(|f| f["firm"] == "kbh-executive").unwrap();
    assert_eq!(kbh["compliance_rate_before"], 0.4444);
    assert!(kbh["compliance_rate_after"].as_f64().unwrap() < 0.4444);
    // The same figures as the reports under that policy give, and the database as it was.
    let under: Vec<Value> = env.report_json(&["firms", "--policy", &stricter()]);
    let kbh_under = under.iter().find(|f| f["firm"] == "kbh-executive").unwrap();
    assert_eq!(kbh_under["compliance_rate"], kbh["compliance_rate_after"]);
    assert_eq!(env.snapshot(), before);
    // --quarter and --firm narrow the changes.
    let value = env.run(&["whatif", "--policy", &stricter(), "--format", "json", "--firm", "nordsoeg"]).ok().json();
    assert!(value["changes"].as_array().unwrap().iter().all(|c| c["firm"] == "nordsoeg"));
    let value = env.run(&["whatif", "--policy", &stricter(), "--format", "json", "--quarter", "2026-Q3"]).ok().json();
    assert!(value["changes"].as_array().unwrap().iter().all(|c| c["quarter"] == "2026-Q3"));
}
