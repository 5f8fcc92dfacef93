//! Properties of the rules engine (`pledgecheck::rules`), on arbitrary searches under the default policy and
//! under samples/stricter.toml:
//!
//! - the fast decision ([`decide`]), the judgement ([`judge`]) and the explanation ([`explain`]) agree: the same
//!   verdict, deciding rule and policy version; the explanation's scope conditions, candidates that count,
//!   required number, exemption and remedy fit the verdict; the reason names the candidates that decided it;
//! - all three agree with the contract (docs: the design contract, "The pledge" and "Verdicts"), computed here
//!   on its own from the policy's data: scope conditions in order, `pending` without a shortlist, then
//!   `compliant`, `exempt`, `incomplete`, `non-compliant`, the first that holds winning;
//! - the order of the candidates changes nothing;
//! - over a run, every verdict occurs under each policy (so the generator keeps reaching each branch).
//!
//! 256 cases by default; set `PROPTEST_CASES` for more.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use pledgecheck::model::{Candidate, Exemption, Experience, Firm, Level, Search, Sector, Stage};
use pledgecheck::policy::{Policy, Version, DEFAULT_POLICY_TEXT};
use pledgecheck::rules::{decide, explain, judge, rule, Case, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

use crate::support::sample;

/// The contract's verdicts, in the order they are decided.
const VERDICT_ORDER: [&str; 6] = ["not-applicable", "pending", "compliant", "exempt", "incomplete", "non-compliant"];

/// Exemption reasons, normalised as imports store them: the one both policies accept, and one they do not.
const REASONS: [&str; 2] = ["no-qualified-candidate", "client-declined"];

/// The number of cases: `PROPTEST_CASES` if set, else 256; failing cases kept beside this file.
fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config.source_file = Some(file!());
    config.failure_persistence = Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions")));
    config
}

/// The two policies: the built-in default and the stricter sample (a v2 from 2026 that asks for two).
fn policies() -> [(&'static str, Policy); 2] {
    let default = Policy::parse(DEFAULT_POLICY_TEXT).expect("the default policy");
    let stricter = std::fs::read_to_string(sample("stricter.toml")).expect("samples/stricter.toml");
    let stricter = Policy::parse(&stricter).expect("the stricter policy");
    [("default", default), ("stricter", stricter)]
}

/// One search with everything the rules look at, and each candidate's experience as generated (before the
/// per-sector sums of `Experience`), for the contract's own reckoning.
#[derive(Debug, Clone)]
struct Generated {
    firm: Firm,
    search: Search,
    candidates: Vec<Candidate>,
    experience: Vec<Vec<(Sector, u32)>>,
    exemption: Option<Exemption>,
}

impl Generated {
    fn case(&self) -> Case<'_> {
        Case {
            firm: &self.firm,
            search: &self.search,
            candidates: &self.candidates,
            exemption: self.exemption.as_ref(),
        }
    }
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(n)
}

/// Days from 2020-01-01 to 2028-01-01: the searches open from 2020-07 (before the pledge's first version) to
/// 2027 (under the stricter policy's v2 from 2026).
const OPENED: std::ops::Range<i64> = 182..2922;

fn sector() -> impl Strategy<Value = Sector> {
    prop::sample::select(Sector::ALL.to_vec())
}

/// A client sector: mostly one the pledge covers (`unknown` is refused for a client).
fn client_sector() -> impl Strategy<Value = Sector> {
    prop_oneof![
        4 => Just(Sector::State),
        4 => Just(Sector::Region),
        4 => Just(Sector::Municipality),
        1 => Just(Sector::Private),
        1 => Just(Sector::CivilSociety),
    ]
}

/// A level: mostly covered.
fn level() -> impl Strategy<Value = Level> {
    prop_oneof![4 => Just(Level::Top), 4 => Just(Level::Executive), 1 => Just(Level::Manager)]
}

/// A date on or after `from`, within `days`.
fn after(from: NaiveDate, days: i64) -> impl Strategy<Value = NaiveDate> {
    (0..=days).prop_map(move |d| from + chrono::Duration::days(d))
}

/// A firm: usually signed, before or after the search opened; now and then withdrawn (never before signing).
fn firm(opened: NaiveDate) -> impl Strategy<Value = Firm> {
    let pledged = prop::option::weighted(0.95, after(opened - chrono::Duration::days(1500), 1600));
    (pledged, prop::option::weighted(0.15, 0i64..800)).prop_map(|(pledged_on, withdrawn)| Firm {
        firm: "f".into(),
        name: None,
        pledged_on,
        withdrawn_on: pledged_on.and_then(|p| withdrawn.map(|w| p + chrono::Duration::days(w))),
    })
}

/// A candidate `c{i}`: a sector (a third of the time the client's, a third unknown), a few years in up to three
/// sectors, a stage, and now and then the date they were added (before or after the shortlist).
fn candidate(i: usize, client: Sector, opened: NaiveDate) -> impl Strategy<Value = (Candidate, Vec<(Sector, u32)>)> {
    let sector = prop_oneof![3 => Just(client), 3 => Just(Sector::Unknown), 3 => sector()];
    let experience = prop::collection::vec((sector_or(client), 0u32..=4), 0..3);
    let stage = prop_oneof![
        1 => Just(Stage::Longlist),
        4 => Just(Stage::Shortlist),
        2 => Just(Stage::Interview),
        1 => Just(Stage::Hired),
    ];
    let added_on = prop::option::weighted(0.3, after(opened, 120));
    (sector, experience, stage, added_on).prop_map(move |(sector, experience, stage, added_on)| {
        let candidate = Candidate {
            candidate_ref: format!("c{i}"),
            sector,
            experience: Experience::from_entries(experience.clone()),
            stage,
            added_on,
        };
        (candidate, experience)
    })
}

/// A sector, the client's a third of the time.
fn sector_or(client: Sector) -> impl Strategy<Value = Sector> {
    prop_oneof![1 => Just(client), 2 => sector()]
}

/// A search of firm `f` opened in [`OPENED`], its firm, up to five candidates and maybe an exemption.
fn generated() -> impl Strategy<Value = Generated> {
    (OPENED, client_sector(), level())
        .prop_flat_map(|(opened, client_sector, level)| {
            let opened = day(opened);
            let shortlist_on = prop::option::weighted(0.75, after(opened, 90));
            let cancelled = prop::option::weighted(0.15, 0i64..60);
            let candidates = (0..5usize).map(|i| candidate(i, client_sector, opened)).collect::<Vec<_>>();
            let count = 0..=5usize;
            let reason = prop_oneof![2 => Just(REASONS[0]), 1 => Just(REASONS[1])];
            let exemption = prop::option::weighted(0.5, reason);
            (
                Just(opened),
                Just(client_sector),
                Just(level),
                shortlist_on,
                cancelled,
                candidates,
                count,
                exemption,
                firm(opened),
            )
        })
        .prop_map(|(opened, client_sector, level, shortlist_on, cancelled, candidates, count, reason, firm)| {
            // A search cancelled before its shortlist is refused as input: cancelled on or after it.
            let cancelled_on = cancelled.map(|d| shortlist_on.unwrap_or(opened) + chrono::Duration::days(d));
            let search = Search {
                firm: "f".into(),
                search_ref: "s1".into(),
                client: "Client".into(),
                client_sector,
                position: "Direktør".into(),
                level,
                opened_on: opened,
                shortlist_on,
                cancelled_on,
                client_ref: None,
            };
            let (candidates, experience) = candidates.into_iter().take(count).unzip();
            let exemption = reason.map(|reason| Exemption {
                firm: "f".into(),
                search_ref: "s1".into(),
                reason: reason.into(),
                note: String::new(),
            });
            Generated { firm, search, candidates, experience, exemption }
        })
}

/// The contract's verdict for a search, reckoned from the policy's data without the engine.
#[derive(Debug, PartialEq)]
struct Reckoning {
    version: Option<String>,
    /// Whether each scope condition holds, in the contract's order (signed, level, client sector, not cancelled
    /// without a shortlist); empty without a version.
    scope: Vec<(&'static str, bool)>,
    verdict: Verdict,
    rule: &'static str,
    /// By candidate, in the order given: (shortlisted, qualifies).
    candidates: Vec<(bool, bool)>,
    required: Option<usize>,
    /// Shortlisted candidates of unknown current sector who do not qualify.
    unknown: Vec<String>,
    /// Whether the search has an exemption whose reason the version accepts.
    accepted: bool,
}

fn reckon(policy: &Policy, g: &Generated) -> Reckoning {
    let search = &g.search;
    let opened = search.opened_on;
    let version: Option<&Version> =
        policy.versions.iter().filter(|v| v.effective_from <= opened).max_by_key(|v| v.effective_from);
    let Some(version) = version else {
        return Reckoning {
            version: None,
            scope: Vec::new(),
            verdict: Verdict::NotApplicable,
            rule: rule::VERSION,
            candidates: Vec::new(),
            required: None,
            unknown: Vec::new(),
            accepted: false,
        };
    };
    let signed = !version.scope.signed_firms_only
        || (g.firm.pledged_on.is_some_and(|p| p <= opened) && g.firm.withdrawn_on.is_none_or(|w| w > opened));
    let scope = vec![
        (rule::SIGNED, signed),
        (rule::LEVEL, version.scope.levels.contains(&search.level)),
        (rule::CLIENT_SECTOR, version.scope.client_sectors.contains(&search.client_sector)),
        (rule::NOT_CANCELLED, !(search.cancelled_on.is_some() && search.shortlist_on.is_none())),
    ];
    let rules = &version.rules;
    let client = search.client_sector;
    let other = |s: Sector| rules.other_sectors.get(&client).is_some_and(|list| list.contains(&s));
    let candidates: Vec<(bool, bool)> = g
        .candidates
        .iter()
        .zip(&g.experience)
        .map(|(c, experience)| {
            let in_time = rules.count_added_after_shortlist
                || match (c.added_on, search.shortlist_on) {
                    (Some(added), Some(sent)) => added <= sent,
                    _ => true,
                };
            let shortlisted = c.stage >= rules.minimum_stage && in_time;
            let years = |s: Sector| experience.iter().filter(|(e, _)| *e == s).map(|(_, y)| y).sum::<u32>();
            let cross = other(c.sector) || Sector::ALL.iter().any(|&s| other(s) && years(s) >= rules.minimum_years);
            (shortlisted, shortlisted && cross)
        })
        .collect();
    let qualifying = candidates.iter().filter(|(_, q)| *q).count();
    assert_eq!(rules.qualifying_share, None, "this reckoning knows no qualifying_share");
    let required = rules.qualifying_candidates as usize;
    let unknown: Vec<String> = g
        .candidates
        .iter()
        .zip(&candidates)
        .filter(|(c, (s, q))| *s && !*q && c.sector == Sector::Unknown)
        .map(|(c, _)| c.candidate_ref.clone())
        .collect();
    let accepted = g.exemption.as_ref().is_some_and(|e| rules.accepted_exemptions.contains(&e.reason));
    let (verdict, rule) = if let Some(&(failing, _)) = scope.iter().find(|(_, holds)| !holds) {
        (Verdict::NotApplicable, failing)
    } else if search.shortlist_on.is_none() {
        (Verdict::Pending, rule::SHORTLIST_SENT)
    } else if qualifying >= required {
        (Verdict::Compliant, rule::CROSS_SECTOR)
    } else if accepted {
        (Verdict::Exempt, rule::EXEMPTION)
    } else if qualifying + unknown.len() >= required {
        (Verdict::Incomplete, rule::UNKNOWN_SECTOR)
    } else {
        (Verdict::NonCompliant, rule::CROSS_SECTOR)
    };
    Reckoning {
        version: Some(version.id.clone()),
        scope,
        verdict,
        rule,
        candidates,
        required: search.shortlist_on.map(|_| required),
        unknown,
        accepted,
    }
}

/// The references a reason names after `prefix`, in the form `c1 (...), c2 (...)` or `c1, c2`.
fn named_after(reason: &str, prefix: &str) -> Vec<String> {
    let Some(start) = reason.find(prefix) else { return Vec::new() };
    let rest = &reason[start + prefix.len()..];
    let rest = rest.split(';').next().unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for part in rest.split(", ") {
        // Words in brackets may hold commas of their own ("3 years in state"): only `c<digit>` starts a name.
        let word = part.split_whitespace().next().unwrap_or_default();
        if word.starts_with('c') && word[1..].chars().all(|c| c.is_ascii_digit()) && !word[1..].is_empty() {
            names.push(word.to_string());
        }
    }
    names
}

/// Checks one search under one policy; returns its verdict.
fn check(name: &str, policy: &Policy, g: &Generated) -> Result<Verdict, TestCaseError> {
    let case = g.case();
    let want = reckon(policy, g);
    let decision = decide(policy, &case);
    let judgement = judge(policy, &case);
    let explanation = explain(policy, &case);

    // The fast path, the judgement and the explanation agree with each other and with the contract.
    prop_assert_eq!((decision.verdict, decision.rule), (want.verdict, want.rule), "{}: decide", name);
    prop_assert_eq!(decision.version.map(|v| v.id.clone()), want.version.clone(), "{}: decide's version", name);
    prop_assert_eq!((judgement.verdict, judgement.rule), (decision.verdict, decision.rule), "{}: judge", name);
    prop_assert_eq!(&judgement.policy_version, &want.version, "{}: judge's version", name);
    prop_assert!(!judgement.reason.trim().is_empty(), "{}: an empty reason", name);
    prop_assert_eq!(&explanation.judgement, &judgement, "{}: explain's judgement", name);
    prop_assert_eq!(&explanation.policy_sha256, &policy.sha256);

    // The scope conditions, in the contract's order; the first that fails is the deciding rule.
    let scope: Vec<(&str, bool)> = explanation.scope.iter().map(|c| (c.rule, c.holds)).collect();
    prop_assert_eq!(&scope, &want.scope, "{}: explain's scope", name);
    prop_assert!(explanation.scope.iter().all(|c| !c.fact.is_empty()), "{}: a condition without its fact", name);
    if judgement.verdict == Verdict::NotApplicable && judgement.rule != rule::VERSION {
        let first = explanation.scope.iter().find(|c| !c.holds).map(|c| c.rule);
        prop_assert_eq!(first, Some(judgement.rule), "{}: the first failing condition decides", name);
    } else if judgement.verdict != Verdict::NotApplicable {
        prop_assert!(explanation.scope.iter().all(|c| c.holds), "{}: in scope, yet a condition fails", name);
    }

    // Each candidate's part: by reference, shortlisted and counting as the contract reckons.
    if want.version.is_some() {
        let mut expected: Vec<(String, bool, bool)> = g
            .candidates
            .iter()
            .zip(&want.candidates)
            .map(|(c, (shortlisted, qualifies))| (c.candidate_ref.clone(), *shortlisted, *qualifies))
            .collect();
        expected.sort();
        let parts: Vec<(String, bool, bool)> =
            explanation.candidates.iter().map(|p| (p.candidate_ref.clone(), p.shortlisted, p.counts)).collect();
        prop_assert_eq!(&parts, &expected, "{}: explain's candidates", name);
        prop_assert!(explanation.candidates.iter().all(|p| !p.why.is_empty()));
    } else {
        prop_assert!(explanation.candidates.is_empty() && explanation.scope.is_empty());
    }
    prop_assert_eq!(explanation.required, want.required, "{}: explain's required", name);

    // The exemption (shown with whether the version accepts it, when a version applies) and the remedy fit the
    // verdict.
    let exemption = explanation.exemption.as_ref().map(|e| (e.reason.clone(), e.accepted));
    let want_exemption = match (&want.version, &g.exemption) {
        (Some(_), Some(e)) => Some((e.reason.clone(), want.accepted)),
        _ => None,
    };
    prop_assert_eq!(exemption, want_exemption, "{}: explain's exemption", name);
    let fails = matches!(judgement.verdict, Verdict::NonCompliant | Verdict::Incomplete | Verdict::Exempt);
    prop_assert_eq!(explanation.remedy.is_some(), fails, "{}: a remedy exactly when the pledge is not met", name);

    // The reason names the candidates that decided the verdict.
    let qualifying: Vec<String> =
        explanation.candidates.iter().filter(|p| p.counts).map(|p| p.candidate_ref.clone()).collect();
    match judgement.verdict {
        Verdict::Compliant => {
            let prefix = format!("shortlisted from outside {}: ", g.search.client_sector);
            prop_assert!(judgement.reason.starts_with(&prefix), "{}: {}", name, judgement.reason);
            prop_assert_eq!(named_after(&judgement.reason, &prefix), qualifying, "{}: {}", name, judgement.reason);
        }
        Verdict::Incomplete => {
            let mut unknown = want.unknown.clone();
            unknown.sort();
            let named = named_after(&judgement.reason, "current sector unknown for ");
            prop_assert_eq!(named, unknown, "{}: {}", name, judgement.reason);
        }
        Verdict::Exempt => {
            let reason = &g.exemption.as_ref().unwrap().reason;
            prop_assert!(judgement.reason.starts_with(&format!("exemption {reason} accepted")), "{}", judgement.reason);
        }
        Verdict::NonCompliant if g.exemption.is_some() => {
            prop_assert!(judgement.reason.contains("is not a reason the policy accepts"), "{}", judgement.reason);
        }
        _ => {}
    }

    // Invariants of the contract, spelled out.
    if g.search.level == Level::Manager {
        prop_assert_eq!(judgement.verdict, Verdict::NotApplicable, "{}: a manager search", name);
    }
    if g.search.shortlist_on.is_none() {
        prop_assert!(
            matches!(judgement.verdict, Verdict::NotApplicable | Verdict::Pending),
            "{}: no shortlist, yet {}",
            name,
            judgement.verdict
        );
        if want.scope.iter().all(|(_, holds)| *holds) && want.version.is_some() {
            prop_assert_eq!(judgement.verdict, Verdict::Pending, "{}: in scope without a shortlist", name);
        }
    }

    // The order of the candidates changes nothing, words included.
    let mut reversed = g.clone();
    reversed.candidates.reverse();
    reversed.experience.reverse();
    prop_assert_eq!(&explain(policy, &reversed.case()), &explanation, "{}: candidates in another order", name);

    Ok(judgement.verdict)
}

#[test]
fn verdicts_are_decided_in_the_contracts_order() {
    let words: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(words, VERDICT_ORDER);
    assert!(Verdict::ALL.windows(2).all(|w| w[0] < w[1]), "Verdict's order is the order of deciding");
    for word in VERDICT_ORDER {
        assert_eq!(Verdict::parse(word).map(|v| v.as_str()), Some(word));
    }
}

#[test]
fn the_default_policy_is_the_contracts_pledge() {
    let policy = Policy::parse(DEFAULT_POLICY_TEXT).unwrap();
    assert_eq!(policy.versions.len(), 1);
    let v1 = &policy.versions[0];
    assert_eq!((v1.id.as_str(), v1.effective_from), ("v1", NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()));
    assert!(v1.scope.signed_firms_only);
    assert_eq!(v1.scope.levels, [Level::Top, Level::Executive]);
    assert_eq!(v1.scope.client_sectors, [Sector::State, Sector::Region, Sector::Municipality]);
    let rules = &v1.rules;
    assert_eq!((rules.qualifying_candidates, rules.qualifying_share), (1, None));
    assert_eq!(
        (rules.minimum_stage, rules.count_added_after_shortlist, rules.minimum_years),
        (Stage::Shortlist, false, 2)
    );
    assert_eq!(rules.accepted_exemptions, ["no-qualified-candidate"]);
    // Cross-sector: any known sector other than the client's.
    for client in [Sector::State, Sector::Region, Sector::Municipality] {
        let others: Vec<Sector> = Sector::ALL.into_iter().filter(|s| *s != client && *s != Sector::Unknown).collect();
        let mut listed = rules.other_sectors[&client].clone();
        listed.sort();
        assert_eq!(listed, others, "{client}");
    }
}

#[test]
fn decide_judge_and_explain_agree_with_each_other_and_the_contract() {
    let policies = policies();
    let seen: [[AtomicUsize; 6]; 2] = Default::default();
    let mut runner = TestRunner::new(config());
    let result = runner.run(&generated(), |g| {
        for (i, (name, policy)) in policies.iter().enumerate() {
            let verdict = check(name, policy, &g)?;
            seen[i][verdict as usize].fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Every verdict occurred under each policy: the generator reaches every branch of the rules.
    for (i, (name, _)) in policies.iter().enumerate() {
        let counts: Vec<(&str, usize)> =
            Verdict::ALL.iter().map(|v| (v.as_str(), seen[i][*v as usize].load(Ordering::Relaxed))).collect();
        eprintln!("{name}: {counts:?}");
        assert!(counts.iter().all(|(_, n)| *n > 0), "{name}: a verdict never occurred: {counts:?}");
    }
}
