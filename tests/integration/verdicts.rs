//! One test per verdict and per reason for it, read back through `report searches --format json` and
//! `explain --format json`.

use crate::support::{default_firms, firms, row, Env};
use serde_json::Value;

/// Asserts a search's verdict and that its reason holds every fragment.
#[track_caller]
fn assert_verdict(search: &Value, verdict: &str, reason_has: &[&str]) {
    assert_eq!(search["verdict"], verdict, "{search:#}");
    let reason = search["reason"].as_str().expect("a reason");
    for fragment in reason_has {
        assert!(reason.contains(fragment), "reason {reason:?} does not say {fragment:?}");
    }
}

/// The scope conditions of an explanation that fail, by rule id.
fn failing_scope(explanation: &Value) -> Vec<String> {
    explanation["scope"]
        .as_array()
        .expect("scope is an array")
        .iter()
        .filter(|c| c["holds"] == false)
        .map(|c| c["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Loads firms and one search `f`/`s1` and returns its report row.
fn judge_with_firms(env: &Env, firms_csv: &str, rows: &[crate::support::Row]) -> Value {
    env.load(firms_csv, rows, &[]);
    env.search("f", "s1")
}

// not-applicable, one test per scope condition

#[test]
fn not_applicable_when_the_firm_never_signed() {
    let env = Env::new();
    let s = judge_with_firms(&env, &firms(&["f,Firm F,,"]), &[row()]);
    assert_verdict(&s, "not-applicable", &["has not signed"]);
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.signed"]);
}

#[test]
fn not_applicable_when_the_firm_signed_after_the_search_opened() {
    let env = Env::new();
    let s = judge_with_firms(&env, &firms(&["f,Firm F,2026-01-11,"]), &[row()]);
    assert_verdict(&s, "not-applicable", &["2026-01-11", "after the search opened"]);
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.signed"]);
}

#[test]
fn signing_on_the_opening_day_is_in_scope() {
    let env = Env::new();
    let s = judge_with_firms(&env, &firms(&["f,Firm F,2026-01-10,"]), &[row()]);
    assert_eq!(s["verdict"], "non-compliant");
}

#[test]
fn not_applicable_when_the_firm_withdrew_on_the_opening_day() {
    let env = Env::new();
    let s = judge_with_firms(&env, &firms(&["f,Firm F,2021-06-01,2026-01-10"]), &[row()]);
    assert_verdict(&s, "not-applicable", &["withdrew", "2026-01-10"]);
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.signed"]);
}

#[test]
fn a_withdrawal_after_the_opening_day_keeps_the_search_in_scope() {
    let env = Env::new();
    let s = judge_with_firms(&env, &firms(&["f,Firm F,2021-06-01,2026-01-11"]), &[row()]);
    assert_eq!(s["verdict"], "non-compliant");
}

#[test]
fn not_applicable_for_a_manager_post() {
    let env = Env::new();
    let s = env.judge(&[row().set("level", "Mellemleder")]);
    assert_verdict(&s, "not-applicable", &["level manager"]);
    assert_eq!(s["level"], "manager");
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.level"]);
}

#[test]
fn not_applicable_for_a_private_client() {
    let env = Env::new();
    let s = env.judge(&[row().set("client", "Grundfos A/S").set("client_sector", "privat").candidate("c1", "state")]);
    assert_verdict(&s, "not-applicable", &["client sector private"]);
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.client-sector"]);
}

#[test]
fn not_applicable_for_a_civil_society_client() {
    let env = Env::new();
    let s = env.judge(&[row().set("client", "Dansk Flygtningehjælp").set("client_sector", "forening")]);
    assert_verdict(&s, "not-applicable", &["client sector civil-society"]);
}

#[test]
fn not_applicable_before_any_policy_version_took_effect() {
    let env = Env::new();
    let rows = [row().set("opened_on", "2020-12-31").set("shortlist_on", "2021-02-01")];
    let s = judge_with_firms(&env, &firms(&["f,Firm F,2020-01-01,"]), &rows);
    assert_verdict(&s, "not-applicable", &["no policy version in effect on 2020-12-31"]);
    assert_eq!(s["policy_version"], Value::Null);
    assert_eq!(env.explain("f", "s1")["rule"], "scope.version");
}

#[test]
fn not_applicable_when_cancelled_without_a_shortlist() {
    let env = Env::new();
    let s = env.judge(&[row().set("shortlist_on", "").set("cancelled_on", "2026-02-01")]);
    assert_verdict(&s, "not-applicable", &["cancelled on 2026-02-01 without a shortlist"]);
    assert_eq!(failing_scope(&env.explain("f", "s1")), ["scope.not-cancelled"]);
}

#[test]
fn a_search_cancelled_after_its_shortlist_is_judged_as_usual() {
    let env = Env::new();
    let s = env.judge(&[row().set("cancelled_on", "2026-03-15").candidate("c1", "region")]);
    assert_eq!(s["verdict"], "compliant");
}

// pending

#[test]
fn pending_until_the_shortlist_goes_out() {
    let env = Env::new();
    let s = env.judge(&[row().set("shortlist_on", "").no_candidate()]);
    assert_verdict(&s, "pending", &["shortlist has not gone"]);
    assert_eq!(s["quarter"], "2026-Q1", "a pending search belongs to the quarter it opened in");
    assert_eq!(env.explain("f", "s1")["remedy"], Value::Null);
}

// compliant

#[test]
fn compliant_by_the_current_sector() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "region")]);
    assert_verdict(&s, "compliant", &["c2", "region"]);
    let explanation = env.explain("f", "s1");
    let counting: Vec<&Value> =
        explanation["candidates"].as_array().unwrap().iter().filter(|c| c["counts"] == true).collect();
    assert_eq!(counting.len(), 1);
    assert_eq!(counting[0]["candidate_ref"], "c2");
    assert_eq!(explanation["remedy"], Value::Null);
}

#[test]
fn compliant_by_years_summed_in_one_sector() {
    let env = Env::new();
    let s = env.judge(&[row().set("experience", "private:1;private:1")]);
    assert_verdict(&s, "compliant", &["c1", "2 years in private"]);
    let candidate = &env.explain("f", "s1")["candidates"][0];
    assert_eq!(candidate["experience"], "private:2");
    assert_eq!(candidate["counts"], true);
}

#[test]
fn years_in_different_sectors_are_not_added_together() {
    let env = Env::new();
    let s = env.judge(&[row().set("experience", "private:1 state:1")]);
    assert_verdict(&s, "non-compliant", &["needs 2"]);
}

#[test]
fn years_in_the_unknown_sector_do_not_count() {
    let env = Env::new();
    let s = env.judge(&[row().set("experience", "unknown:5")]);
    assert_eq!(s["verdict"], "non-compliant");
}

#[test]
fn an_unknown_current_sector_with_enough_years_elsewhere_is_compliant() {
    let env = Env::new();
    let s = env.judge(&[row().candidate("c1", "unknown").set("experience", "state:2")]);
    assert_verdict(&s, "compliant", &["c1"]);
}

#[test]
fn a_candidate_added_on_the_shortlist_day_counts() {
    let env = Env::new();
    let s = env.judge(&[row().candidate("c1", "state").set("added_on", "2026-03-01").set("stage", "hired")]);
    assert_eq!(s["verdict"], "compliant");
}

// exempt

#[test]
fn exempt_with_an_accepted_reason() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[["f", "s1", " No-Qualified-Candidate ", "three declined"]]);
    assert_verdict(&env.search("f", "s1"), "exempt", &["no-qualified-candidate"]);
    let exemption = &env.explain("f", "s1")["exemption"];
    assert_eq!(exemption["reason"], "no-qualified-candidate");
    assert_eq!(exemption["note"], "three declined");
    assert_eq!(exemption["accepted"], true);
}

#[test]
fn a_compliant_search_stays_compliant_with_an_exemption() {
    let env = Env::new();
    env.load(&default_firms(), &[row().candidate("c1", "state")], &[["f", "s1", "no-qualified-candidate", ""]]);
    assert_eq!(env.search("f", "s1")["verdict"], "compliant");
}

#[test]
fn an_accepted_exemption_comes_before_incomplete() {
    let env = Env::new();
    env.load(&default_firms(), &[row().candidate("c1", "unknown")], &[["f", "s1", "no-qualified-candidate", ""]]);
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");
}

// incomplete

#[test]
fn incomplete_when_a_shortlisted_candidate_has_an_unknown_sector() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "unknown")]);
    assert_verdict(&s, "incomplete", &["unknown", "c2"]);
    let remedy = env.explain("f", "s1")["remedy"].as_str().unwrap().to_string();
    assert!(remedy.contains("unknown"), "{remedy}");
}

#[test]
fn an_unknown_sector_on_the_longlist_does_not_make_it_incomplete() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "unknown").set("stage", "longlist")]);
    assert_eq!(s["verdict"], "non-compliant");
}

// non-compliant

#[test]
fn non_compliant_when_every_shortlisted_candidate_is_from_the_clients_sector() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "kommune").set("experience", "kommune:12")]);
    assert_verdict(&s, "non-compliant", &["no shortlisted candidate from outside municipality"]);
    let remedy = env.explain("f", "s1")["remedy"].as_str().unwrap().to_string();
    assert!(remedy.contains("no-qualified-candidate"), "the remedy names the accepted exemption: {remedy}");
}

#[test]
fn non_compliant_with_an_empty_shortlist() {
    let env = Env::new();
    let s = env.judge(&[row().no_candidate()]);
    assert_verdict(&s, "non-compliant", &["no shortlisted candidates"]);
    let explanation = env.explain("f", "s1");
    assert_eq!(explanation["candidates"], serde_json::json!([]));
    assert_eq!(explanation["required"], 1);
}

#[test]
fn non_compliant_when_the_exemption_reason_is_not_accepted() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[["f", "s1", "client-declined", "municipal only"]]);
    assert_verdict(&env.search("f", "s1"), "non-compliant", &["client-declined", "not a reason the policy accepts"]);
    assert_eq!(env.explain("f", "s1")["exemption"]["accepted"], false);
}

#[test]
fn non_compliant_when_the_cross_sector_candidate_was_added_after_the_shortlist() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "region").set("added_on", "2026-03-02")]);
    assert_verdict(&s, "non-compliant", &["c2", "added on 2026-03-02"]);
    let c2 = &env.explain("f", "s1")["candidates"][1];
    assert_eq!((c2["candidate_ref"].as_str(), c2["shortlisted"].as_bool()), (Some("c2"), Some(false)));
}

#[test]
fn non_compliant_when_the_cross_sector_candidate_is_only_on_the_longlist() {
    let env = Env::new();
    let s = env.judge(&[row(), row().candidate("c2", "private").set("stage", "longlist")]);
    assert_verdict(&s, "non-compliant", &["c2", "reached only longlist"]);
    assert_eq!(env.explain("f", "s1")["candidates"][1]["counts"], false);
}

// the samples

#[test]
fn every_sample_search_has_the_verdict_and_quarter_of_expected_md() {
    let env = Env::with_samples();
    let expected = crate::support::expected_searches();
    assert_eq!(expected.len(), 37, "EXPECTED.md lists 37 searches");
    let rows = env.searches();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (s("firm"), s("search_ref"), s("quarter"), s("verdict"))
        })
        .collect();
    let want: Vec<(String, String, String, String)> =
        expected.into_iter().map(|e| (e.firm, e.search_ref, e.quarter, e.verdict)).collect();
    assert_eq!(got, want);
}

#[test]
fn explain_agrees_with_the_stored_verdict_on_every_sample() {
    let env = Env::with_samples();
    for row in env.searches() {
        let (firm, search_ref) = (row["firm"].as_str().unwrap(), row["search_ref"].as_str().unwrap());
        let explanation = env.explain(firm, search_ref);
        assert_eq!(explanation["verdict"], row["verdict"], "{firm}/{search_ref}");
        assert_eq!(explanation["reason"], row["reason"], "{firm}/{search_ref}");
        assert_eq!(explanation["search"]["quarter"], row["quarter"], "{firm}/{search_ref}");
    }
}
