//! The rules engine: a search, its candidates, its firm and its exemption in, a verdict with its reason out.
//!
//! Pure functions over the typed policy. [`decide`] is the fast path (the verdict and its rule, for counts);
//! [`judge`] adds the reason in words (every stored verdict); [`explain`] gives the same verdict with every scope
//! condition, every candidate's part and, for a failing search, what would make it pass. All three rest on the
//! same per-candidate assessment, so they cannot disagree.
//!
//! Reasons are worded in English, as they are stored and reported; [`judge_in`], [`explain_in`] and
//! [`project_in`] word them in Danish for the web pages, from the same facts.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

mod policy_tests;

pub use crate::model::{rule, Verdict};
use crate::model::{Candidate, Dossier, Exemption, Firm, Lang, Search, SearchVerdict, Sector, Stage};
use crate::policy::{Policy, Rules, Version};
pub use policy_tests::{run_policy_tests, TestOutcome};

/// A sentence in one language: English as reasons are stored, or Danish. Both take their values from the same
/// names in scope, so the two cannot say different things.
macro_rules! say {
    ($lang:expr, $en:literal, $da:literal) => {
        match $lang {
            Lang::En => format!($en),
            Lang::Da => format!($da),
        }
    };
}

/// Everything the rules look at for one search.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    /// The firm as it stands (its pledge dates).
    pub firm: &'a Firm,
    /// The search, with its dates, level and client sector.
    pub search: &'a Search,
    /// Its candidates, in any order.
    pub candidates: &'a [Candidate],
    /// Its exemption, if any.
    pub exemption: Option<&'a Exemption>,
}

/// A verdict with the rule that decided it and a reason in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The verdict, decided in the contract's order.
    pub verdict: Verdict,
    /// The id of the deciding rule.
    pub rule: &'static str,
    /// The policy version that applied, if one was in effect.
    pub policy_version: Option<String>,
    /// Why, in plain words.
    pub reason: String,
}

impl<'a> Case<'a> {
    /// The case of a search read whole.
    pub fn of(dossier: &'a Dossier) -> Case<'a> {
        Case {
            firm: &dossier.firm,
            search: &dossier.search,
            candidates: &dossier.candidates,
            exemption: dossier.exemption.as_ref(),
        }
    }
}

impl Judgement {
    /// The judgement as a row of `report searches`, with the search's columns.
    pub fn for_search(&self, s: &Search) -> SearchVerdict {
        SearchVerdict {
            firm: s.firm.clone(),
            search_ref: s.search_ref.clone(),
            client: s.client.clone(),
            client_sector: s.client_sector.as_str().into(),
            level: s.level.as_str().into(),
            opened_on: s.opened_on.to_string(),
            shortlist_on: s.shortlist_on.map(|d| d.to_string()),
            quarter: s.quarter().to_string(),
            verdict: self.verdict,
            rule: self.rule.into(),
            policy_version: self.policy_version.clone(),
            reason: self.reason.clone(),
            client_id: s.client_ref.as_ref().map(|c| c.id.clone()),
        }
    }
}

/// Why a candidate counts as cross-sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The current sector is another sector.
    Current(Sector),
    /// Summed years in one other sector reach the minimum.
    Years(Sector, u32),
}

/// One candidate, measured against one version's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// Stage at or past the minimum stage.
    pub at_stage: bool,
    /// Added on or before the shortlist date, or no date, or late additions count.
    pub in_time: bool,
    /// Why the candidate is cross-sector, if they are.
    pub basis: Option<Basis>,
    /// The most years in one other sector, when that falls short of the minimum.
    pub near_miss: Option<(Sector, u32)>,
}

impl Assessment {
    /// A shortlisted candidate: at the minimum stage and in time.
    pub fn shortlisted(&self) -> bool {
        self.at_stage && self.in_time
    }

    /// A shortlisted candidate from another sector.
    pub fn qualifies(&self) -> bool {
        self.shortlisted() && self.basis.is_some()
    }
}

/// Measures a candidate against a version's rules for a client in `client`.
pub fn assess(rules: &Rules, client: Sector, shortlist_on: Option<NaiveDate>, candidate: &Candidate) -> Assessment {
    let at_stage = candidate.stage >= rules.minimum_stage;
    let in_time = rules.count_added_after_shortlist
        || match (candidate.added_on, shortlist_on) {
            (Some(added), Some(sent)) => added <= sent,
            _ => true,
        };
    let mut best: Option<(Sector, u32)> = None;
    for &(sector, years) in candidate.experience.entries() {
        if rules.is_other_sector(client, sector) && best.is_none_or(|(_, b)| years > b) {
            best = Some((sector, years));
        }
    }
    let basis = if rules.is_other_sector(client, candidate.sector) {
        Some(Basis::Current(candidate.sector))
    } else {
        best.filter(|(_, years)| *years >= rules.minimum_years).map(|(s, y)| Basis::Years(s, y))
    };
    let near_miss = best.filter(|(_, years)| *years < rules.minimum_years && *years > 0);
    Assessment { at_stage, in_time, basis, near_miss }
}

/// The scope conditions of a version, each with whether it holds and the fact that decided it.
fn scope_conditions(version: &Version, case: &Case, lang: Lang) -> Vec<(&'static str, bool, String)> {
    let search = case.search;
    let firm = &case.firm.firm;
    let opened = search.opened_on;
    let signed = if !version.scope.signed_firms_only {
        say!(
            lang,
            "the version covers firms whether or not they signed",
            "versionen omfatter firmaer, uanset om de har underskrevet"
        )
    } else {
        match (case.firm.pledged_on, case.firm.withdrawn_on) {
            (None, _) => {
                say!(lang, "firm {firm} has not signed the pledge", "firmaet {firm} har ikke underskrevet løftet")
            }
            (Some(p), _) if p > opened => say!(
                lang,
                "firm {firm} signed the pledge on {p}, after the search opened on {opened}",
                "firmaet {firm} underskrev løftet {p}, efter at søgningen blev åbnet {opened}"
            ),
            (Some(_), Some(w)) if w <= opened => say!(
                lang,
                "firm {firm} withdrew from the pledge on {w}, on or before the search opened on {opened}",
                "firmaet {firm} trak sig fra løftet {w}, senest den dag søgningen blev åbnet {opened}"
            ),
            (Some(p), Some(w)) => say!(
                lang,
                "firm {firm} signed on {p} and withdrew on {w}, after the search opened on {opened}",
                "firmaet {firm} underskrev {p} og trak sig {w}, efter at søgningen blev åbnet {opened}"
            ),
            (Some(p), None) => say!(
                lang,
                "firm {firm} signed the pledge on {p}, on or before the search opened on {opened}",
                "firmaet {firm} underskrev løftet {p}, senest den dag søgningen blev åbnet {opened}"
            ),
        }
    };
    let levels = join(version.scope.levels.iter().map(|l| lang.level(*l)));
    let level = lang.level(search.level);
    let level = if version.scope.levels.contains(&search.level) {
        say!(lang, "level {level} is covered ({levels})", "niveauet {level} er omfattet ({levels})")
    } else {
        say!(
            lang,
            "level {level} is outside the pledge (it covers {levels})",
            "niveauet {level} er uden for løftet (det omfatter {levels})"
        )
    };
    let sectors = join(version.scope.client_sectors.iter().map(|s| lang.sector(*s)));
    let sector = lang.sector(search.client_sector);
    let client = if version.scope.client_sectors.contains(&search.client_sector) {
        say!(lang, "client sector {sector} is covered ({sectors})", "kundens sektor {sector} er omfattet ({sectors})")
    } else {
        say!(
            lang,
            "client sector {sector} is outside the pledge (it covers {sectors})",
            "kundens sektor {sector} er uden for løftet (det omfatter {sectors})"
        )
    };
    let cancelled = match (search.cancelled_on, search.shortlist_on) {
        (Some(c), None) => say!(
            lang,
            "the search was cancelled on {c} without a shortlist",
            "søgningen blev aflyst {c} uden en kortliste"
        ),
        (Some(c), Some(s)) => say!(
            lang,
            "the search was cancelled on {c}, after its shortlist of {s}",
            "søgningen blev aflyst {c}, efter at kortlisten blev sendt {s}"
        ),
        (None, _) => say!(lang, "the search was not cancelled", "søgningen er ikke aflyst"),
    };
    // Whether each holds comes from the same functions as `decide`, so words and verdicts cannot disagree.
    let mut conditions = vec![
        (rule::SIGNED, signed_in_time(version, case), signed),
        (rule::LEVEL, version.scope.levels.contains(&search.level), level),
        (rule::CLIENT_SECTOR, version.scope.client_sectors.contains(&search.client_sector), client),
    ];
    // Only a version that names client kinds has the condition, so that other explanations read as before.
    if let Some(kinds) = &version.scope.client_kinds {
        let covered = join(kinds.iter());
        let fact = match &search.client_ref {
            Some(c) => {
                let (id, kind) = (&c.id, c.kind);
                if kinds.contains(&kind) {
                    say!(
                        lang,
                        "client {id} is of kind {kind} ({covered})",
                        "kunden {id} er af typen {kind} ({covered})"
                    )
                } else {
                    say!(
                        lang,
                        "client {id} is of kind {kind}, outside the version's client kinds ({covered})",
                        "kunden {id} er af typen {kind}, uden for versionens kundetyper ({covered})"
                    )
                }
            }
            None => {
                let client = &search.client;
                say!(
                    lang,
                    "client {client:?} is not in the registry, so of no kind the version covers ({covered})",
                    "kunden {client:?} er ikke i registret og dermed ikke af en type, versionen omfatter ({covered})"
                )
            }
        };
        conditions.push((rule::CLIENT_KIND, client_kind_covered(version, case), fact));
    }
    conditions.push((rule::NOT_CANCELLED, not_cancelled_without_shortlist(case), cancelled));
    conditions
}

/// Whether the version covers the client's kind: always, for a version that names no kinds.
fn client_kind_covered(version: &Version, case: &Case) -> bool {
    match &version.scope.client_kinds {
        None => true,
        Some(kinds) => case.search.client_ref.as_ref().is_some_and(|c| kinds.contains(&c.kind)),
    }
}

fn join<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

fn years(n: u32, lang: Lang) -> &'static str {
    match lang {
        Lang::En if n == 1 => "year",
        Lang::En => "years",
        Lang::Da => "år",
    }
}

/// Counts over the candidates of an in-scope search with a shortlist.
struct Tally {
    shortlisted: usize,
    qualifying: usize,
    unknown: usize,
    required: usize,
}

fn tally(rules: &Rules, assessments: &[(&Candidate, Assessment)]) -> Tally {
    let shortlisted = assessments.iter().filter(|(_, a)| a.shortlisted()).count();
    let qualifying = assessments.iter().filter(|(_, a)| a.qualifies()).count();
    let unknown =
        assessments.iter().filter(|(c, a)| a.shortlisted() && !a.qualifies() && c.sector == Sector::Unknown).count();
    Tally { shortlisted, qualifying, unknown, required: rules.required(shortlisted) }
}

/// A verdict and its deciding rule, without words: the fast path for judging many searches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision<'p> {
    /// The verdict, decided in the contract's order.
    pub verdict: Verdict,
    /// The id of the deciding rule.
    pub rule: &'static str,
    /// The version that applied.
    pub version: Option<&'p Version>,
}

fn signed_in_time(version: &Version, case: &Case) -> bool {
    let opened = case.search.opened_on;
    !version.scope.signed_firms_only
        || (case.firm.pledged_on.is_some_and(|p| p <= opened) && case.firm.withdrawn_on.is_none_or(|w| w > opened))
}

fn not_cancelled_without_shortlist(case: &Case) -> bool {
    !(case.search.cancelled_on.is_some() && case.search.shortlist_on.is_none())
}

/// The first scope condition that fails, in the contract's order.
fn first_failing_scope(version: &Version, case: &Case) -> Option<&'static str> {
    if !signed_in_time(version, case) {
        Some(rule::SIGNED)
    } else if !version.scope.levels.contains(&case.search.level) {
        Some(rule::LEVEL)
    } else if !version.scope.client_sectors.contains(&case.search.client_sector) {
        Some(rule::CLIENT_SECTOR)
    } else if !client_kind_covered(version, case) {
        Some(rule::CLIENT_KIND)
    } else if !not_cancelled_without_shortlist(case) {
        Some(rule::NOT_CANCELLED)
    } else {
        None
    }
}

/// Decides one search's verdict and rule without building any words.
pub fn decide<'p>(policy: &'p Policy, case: &Case) -> Decision<'p> {
    let search = case.search;
    let Some(version) = policy.version_on(search.opened_on) else {
        return Decision { verdict: Verdict::NotApplicable, rule: rule::VERSION, version: None };
    };
    let decision = |verdict, rule| Decision { verdict, rule, version: Some(version) };
    if let Some(rule) = first_failing_scope(version, case) {
        return decision(Verdict::NotApplicable, rule);
    }
    let Some(sent) = search.shortlist_on else {
        return decision(Verdict::Pending, rule::SHORTLIST_SENT);
    };
    let rules = &version.rules;
    let (mut shortlisted, mut qualifying, mut unknown) = (0, 0, 0);
    for candidate in case.candidates {
        let a = assess(rules, search.client_sector, Some(sent), candidate);
        shortlisted += usize::from(a.shortlisted());
        qualifying += usize::from(a.qualifies());
        unknown += usize::from(a.shortlisted() && !a.qualifies() && candidate.sector == Sector::Unknown);
    }
    let required = rules.required(shortlisted);
    if qualifying >= required {
        decision(Verdict::Compliant, rule::CROSS_SECTOR)
    } else if case.exemption.is_some_and(|e| rules.accepts(&e.reason)) {
        decision(Verdict::Exempt, rule::EXEMPTION)
    } else if qualifying + unknown >= required {
        decision(Verdict::Incomplete, rule::UNKNOWN_SECTOR)
    } else {
        decision(Verdict::NonCompliant, rule::CROSS_SECTOR)
    }
}

/// A verdict's deciding rule in a few words of `lang`, for lists where a search's whole reason (stored in English)
/// would have to be judged again; `None` in English, where the stored reason is shown.
pub fn in_brief(rule_id: &str, verdict: Verdict, lang: Lang) -> Option<&'static str> {
    if lang == Lang::En {
        return None;
    }
    Some(match (rule_id, verdict) {
        (rule::VERSION, _) => "ingen version af politikken gjaldt, da søgningen blev åbnet",
        (rule::SIGNED, _) => "firmaet var ikke med i løftet, da søgningen blev åbnet",
        (rule::LEVEL, _) => "niveauet er uden for løftet",
        (rule::CLIENT_SECTOR, _) => "kundens sektor er uden for løftet",
        (rule::CLIENT_KIND, _) => "kundens type er uden for løftet",
        (rule::NOT_CANCELLED, _) => "søgningen blev aflyst uden en kortliste",
        (rule::SHORTLIST_SENT, _) => "omfattet; kortlisten er endnu ikke sendt til kunden",
        (rule::CROSS_SECTOR, Verdict::Compliant) => "kortlisten har kandidater nok fra en anden sektor end kundens",
        (rule::CROSS_SECTOR, _) => "kortlisten mangler en kandidat fra en anden sektor end kundens",
        (rule::EXEMPTION, _) => "undtagelsen er godtaget",
        (rule::UNKNOWN_SECTOR, _) => "nuværende sektor er ukendt for kandidater, der kunne tælle",
        _ => return None,
    })
}

/// Judges one search under a policy: the verdict, its rule and the reason in words (English, as stored).
pub fn judge(policy: &Policy, case: &Case) -> Judgement {
    judge_in(policy, case, Lang::En)
}

/// [`judge`], with the reason worded in `lang`.
pub fn judge_in(policy: &Policy, case: &Case, lang: Lang) -> Judgement {
    let decision = decide(policy, case);
    let reason = reason(policy, &decision, case, lang);
    Judgement {
        verdict: decision.verdict,
        rule: decision.rule,
        policy_version: decision.version.map(|v| v.id.clone()),
        reason,
    }
}

/// The reason for a decision, in plain words.
fn reason(policy: &Policy, decision: &Decision, case: &Case, lang: Lang) -> String {
    let search = case.search;
    let Some(version) = decision.version else {
        let opened = search.opened_on;
        let first = policy.versions.first().map_or(String::new(), |v| {
            let (id, from) = (&v.id, v.effective_from);
            say!(lang, " (the first, {id}, takes effect on {from})", " (den første, {id}, gælder fra {from})")
        });
        return say!(
            lang,
            "no policy version in effect on {opened}{first}",
            "ingen version af politikken gælder {opened}{first}"
        );
    };
    match decision.verdict {
        Verdict::NotApplicable => {
            let facts: Vec<String> = scope_conditions(version, case, lang)
                .into_iter()
                .filter(|(_, holds, _)| !holds)
                .map(|(_, _, f)| f)
                .collect();
            return facts.join("; ");
        }
        Verdict::Pending => {
            return say!(
                lang,
                "in scope; the shortlist has not gone to the client yet",
                "omfattet; kortlisten er endnu ikke sendt til kunden"
            )
        }
        _ => {}
    }
    let rules = &version.rules;
    let client = search.client_sector;
    let assessments = sorted_assessments(rules, case);
    if decision.verdict == Verdict::Compliant {
        let who = assessments
            .iter()
            .filter(|(_, a)| a.qualifies())
            .map(|(c, a)| {
                let candidate = &c.candidate_ref;
                match a.basis {
                    Some(Basis::Current(s)) => {
                        let s = lang.sector(s);
                        say!(lang, "{candidate} (current sector {s})", "{candidate} (nuværende sektor {s})")
                    }
                    Some(Basis::Years(s, y)) => {
                        let (s, years) = (lang.sector(s), years(y, lang));
                        say!(lang, "{candidate} ({y} {years} in {s})", "{candidate} ({y} {years} i {s})")
                    }
                    None => candidate.clone(),
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let client = lang.sector(client);
        return say!(
            lang,
            "shortlisted from outside {client}: {who}",
            "på kortlisten fra en anden sektor end {client}: {who}"
        );
    }
    let t = tally(rules, &assessments);
    let shortfall = shortfall_reason(rules, client, &t, &assessments, lang);
    let refused = case.exemption.map_or(String::new(), |e| {
        let reason = &e.reason;
        say!(
            lang,
            "; exemption {reason} is not a reason the policy accepts",
            "; undtagelsen {reason} er ikke en grund, politikken godtager"
        )
    });
    match decision.verdict {
        Verdict::Exempt => {
            let reason = case.exemption.map_or("", |e| e.reason.as_str());
            say!(lang, "exemption {reason} accepted; {shortfall}", "undtagelsen {reason} er godtaget; {shortfall}")
        }
        Verdict::Incomplete => {
            let unknown = assessments
                .iter()
                .filter(|(c, a)| a.shortlisted() && !a.qualifies() && c.sector == Sector::Unknown)
                .map(|(c, _)| c.candidate_ref.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            say!(
                lang,
                "{shortfall}; current sector unknown for {unknown}{refused}",
                "{shortfall}; nuværende sektor ukendt for {unknown}{refused}"
            )
        }
        _ => format!("{shortfall}{refused}"),
    }
}

/// Each candidate with its assessment, in byte order of references, so words do not depend on row order.
fn sorted_assessments<'c>(rules: &Rules, case: &Case<'c>) -> Vec<(&'c Candidate, Assessment)> {
    let search = case.search;
    let mut assessments: Vec<_> =
        case.candidates.iter().map(|c| (c, assess(rules, search.client_sector, search.shortlist_on, c))).collect();
    assessments.sort_by(|a, b| a.0.candidate_ref.cmp(&b.0.candidate_ref));
    assessments
}

/// Why a shortlist falls short, naming the candidates that nearly counted.
fn shortfall_reason(
    rules: &Rules,
    client: Sector,
    t: &Tally,
    assessments: &[(&Candidate, Assessment)],
    lang: Lang,
) -> String {
    let client = lang.sector(client);
    let (qualifying, required) = (t.qualifying, t.required);
    let mut reason = if t.shortlisted == 0 {
        say!(lang, "no shortlisted candidates", "ingen kandidater på kortlisten")
    } else if t.qualifying == 0 {
        say!(
            lang,
            "no shortlisted candidate from outside {client}",
            "ingen kandidat på kortlisten fra en anden sektor end {client}"
        )
    } else {
        say!(
            lang,
            "{qualifying} of {required} required shortlisted candidates from outside {client}",
            "{qualifying} af {required} krævede kandidater på kortlisten fra en anden sektor end {client}"
        )
    };
    for (c, a) in assessments {
        let candidate = &c.candidate_ref;
        if a.qualifies() {
            continue;
        }
        if a.basis.is_some() {
            if !a.at_stage {
                let stage = lang.stage(c.stage);
                reason.push_str(&say!(
                    lang,
                    "; {candidate} is from outside {client} but reached only {stage}",
                    "; {candidate} er fra en anden sektor end {client}, men nåede kun {stage}"
                ));
            } else if !a.in_time {
                let added = c.added_on.map(|d| d.to_string()).unwrap_or_default();
                reason.push_str(&say!(
                    lang,
                    "; {candidate} is from outside {client} but was added on {added}, after the shortlist",
                    "; {candidate} er fra en anden sektor end {client}, men blev tilføjet {added}, efter kortlisten"
                ));
            }
        } else if let Some((sector, y)) = a.near_miss {
            if a.shortlisted() {
                let (sector, years, needs) = (lang.sector(sector), years(y, lang), rules.minimum_years);
                reason.push_str(&say!(
                    lang,
                    "; {candidate} has {y} {years} in {sector} (needs {needs})",
                    "; {candidate} har {y} {years} i {sector} (kræver {needs})"
                ));
            }
        }
    }
    reason
}

/// A scope condition with the fact that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// The rule id.
    pub rule: &'static str,
    /// Whether it holds.
    pub holds: bool,
    /// The fact that decided it.
    pub fact: String,
}

/// One candidate's part in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidatePart {
    /// The pseudonymous reference.
    pub candidate_ref: String,
    /// The furthest stage reached.
    pub stage: Stage,
    /// When added, if known.
    pub added_on: Option<NaiveDate>,
    /// The current sector.
    pub sector: Sector,
    /// The experience list in canonical form.
    pub experience: String,
    /// Shortlisted: at the minimum stage and in time.
    pub shortlisted: bool,
    /// Counts towards the pledge.
    pub counts: bool,
    /// Why, in words.
    pub why: String,
}

/// A verdict with everything that led to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The verdict, rule, version and reason, as [`judge`] gives them.
    #[serde(flatten)]
    pub judgement: Judgement,
    /// The SHA-256 of the policy that judged.
    pub policy_sha256: String,
    /// When the version took effect.
    pub effective_from: Option<NaiveDate>,
    /// Each scope condition with its fact (empty when no version was in effect).
    pub scope: Vec<Condition>,
    /// The shortlist date and the number of qualifying candidates required, when the shortlist has gone out.
    pub required: Option<usize>,
    /// Each candidate's part, by reference.
    pub candidates: Vec<CandidatePart>,
    /// The exemption, and whether its reason is accepted.
    pub exemption: Option<ExemptionPart>,
    /// For a search that does not meet the pledge: what would make it pass.
    pub remedy: Option<String>,
}

/// An exemption's part in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptionPart {
    /// The reason recorded, lower case.
    pub reason: String,
    /// The note recorded with it (may be empty).
    pub note: String,
    /// Whether the policy accepts the reason.
    pub accepted: bool,
}

/// Judges one search and says why, condition by condition and candidate by candidate (in English, as stored).
pub fn explain(policy: &Policy, case: &Case) -> Explanation {
    explain_in(policy, case, Lang::En)
}

/// [`explain`], worded in `lang`.
pub fn explain_in(policy: &Policy, case: &Case, lang: Lang) -> Explanation {
    let decision = decide(policy, case);
    let judgement = judge_in(policy, case, lang);
    let Some(version) = decision.version else {
        return Explanation {
            judgement,
            policy_sha256: policy.sha256.clone(),
            effective_from: None,
            scope: Vec::new(),
            required: None,
            candidates: Vec::new(),
            exemption: None,
            remedy: None,
        };
    };
    let rules = &version.rules;
    let search = case.search;
    let client = search.client_sector;
    let scope = scope_conditions(version, case, lang)
        .into_iter()
        .map(|(rule, holds, fact)| Condition { rule, holds, fact })
        .collect();
    let assessments = sorted_assessments(rules, case);
    let t = tally(rules, &assessments);
    let candidates = assessments.iter().map(|(c, a)| candidate_part(rules, client, search, c, a, lang)).collect();
    let exemption = case.exemption.map(|e| ExemptionPart {
        reason: e.reason.clone(),
        note: e.note.clone(),
        accepted: rules.accepts(&e.reason),
    });
    let remedy = match judgement.verdict {
        Verdict::NonCompliant | Verdict::Incomplete | Verdict::Exempt => Some(remedy(rules, client, &t, lang)),
        _ => None,
    };
    Explanation {
        judgement,
        policy_sha256: policy.sha256.clone(),
        effective_from: Some(version.effective_from),
        scope,
        required: search.shortlist_on.map(|_| t.required),
        candidates,
        exemption,
        remedy,
    }
}

/// A pending search judged as if its shortlist went out on `send_on`: what a recruiter needs before sending it.
/// The search's verdict stays `pending`; the projection is shown beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// The date the shortlist is assumed to go out.
    pub send_on: NaiveDate,
    /// The search judged as if sent then: verdict, candidates and what would make it pass.
    pub explanation: Explanation,
}

/// Projects a pending search (`None` for any other verdict): judged and explained as if its shortlist went out on
/// `send_on`, the candidates as they stand (one added after `send_on` is late, as it would be after a real
/// shortlist).
pub fn project(policy: &Policy, case: &Case, send_on: NaiveDate) -> Option<Projection> {
    project_in(policy, case, send_on, Lang::En)
}

/// [`project`], worded in `lang`.
pub fn project_in(policy: &Policy, case: &Case, send_on: NaiveDate, lang: Lang) -> Option<Projection> {
    if decide(policy, case).verdict != Verdict::Pending {
        return None;
    }
    let search = Search { shortlist_on: Some(send_on), ..case.search.clone() };
    let explanation = explain_in(policy, &Case { search: &search, ..*case }, lang);
    Some(Projection { send_on, explanation })
}

fn candidate_part(
    rules: &Rules,
    client: Sector,
    search: &Search,
    c: &Candidate,
    a: &Assessment,
    lang: Lang,
) -> CandidatePart {
    let mut why = Vec::new();
    if !a.at_stage {
        let (stage, minimum) = (lang.stage(c.stage), lang.stage(rules.minimum_stage));
        why.push(say!(
            lang,
            "reached only {stage} (needs {minimum} or later)",
            "nåede kun {stage} (kræver {minimum} eller senere)"
        ));
    }
    match (c.added_on, search.shortlist_on) {
        (Some(added), Some(sent)) if added > sent && !rules.count_added_after_shortlist => why.push(say!(
            lang,
            "added on {added}, after the shortlist of {sent}",
            "tilføjet {added}, efter at kortlisten blev sendt {sent}"
        )),
        _ if a.at_stage => why.push(say!(lang, "shortlisted in time", "på kortlisten i tide")),
        _ => {}
    }
    let (sector, client_sector) = (lang.sector(c.sector), lang.sector(client));
    if c.sector == Sector::Unknown {
        why.push(say!(lang, "current sector unknown", "nuværende sektor ukendt"));
    } else if rules.is_other_sector(client, c.sector) {
        why.push(say!(
            lang,
            "current sector {sector} is outside {client_sector}",
            "nuværende sektor {sector} er en anden end {client_sector}"
        ));
    } else if c.sector == client {
        why.push(say!(lang, "current sector {sector} = client's", "nuværende sektor {sector} = kundens"));
    } else {
        why.push(say!(
            lang,
            "current sector {sector} does not count for a {client_sector} client",
            "nuværende sektor {sector} tæller ikke for en kunde i sektoren {client_sector}"
        ));
    }
    if let (Some(Basis::Years(s, y)), _) | (None, Some((s, y))) = (a.basis, a.near_miss) {
        let (s, years, needs) = (lang.sector(s), years(y, lang), rules.minimum_years);
        why.push(say!(lang, "{y} {years} in {s}, needs {needs}", "{y} {years} i {s}, kræver {needs}"));
    }
    let counts = a.qualifies();
    why.push(if counts { say!(lang, "counts", "tæller") } else { say!(lang, "does not count", "tæller ikke") });
    CandidatePart {
        candidate_ref: c.candidate_ref.clone(),
        stage: c.stage,
        added_on: c.added_on,
        sector: c.sector,
        experience: c.experience.to_string(),
        shortlisted: a.shortlisted(),
        counts,
        why: why.join("; "),
    }
}

fn remedy(rules: &Rules, client: Sector, t: &Tally, lang: Lang) -> String {
    let missing = t.required.saturating_sub(t.qualifying).max(1);
    let others = rules.other_sectors.get(&client).map(|l| join(l.iter().map(|s| lang.sector(*s)))).unwrap_or_default();
    let who = if missing == 1 {
        say!(lang, "a shortlisted candidate", "en kandidat på kortlisten")
    } else {
        say!(lang, "{missing} shortlisted candidates", "{missing} kandidater på kortlisten")
    };
    let years = rules.minimum_years;
    let mut text = say!(
        lang,
        "add {who} whose current sector is one of {others}, or with {years}+ years in one of them",
        "tilføj {who}, hvis nuværende sektor er en af {others}, eller med mindst {years} års erfaring fra en af dem"
    );
    if t.unknown > 0 {
        text.push_str(&say!(
            lang,
            "; or record the current sector of the candidates whose sector is unknown",
            "; eller registrér den nuværende sektor for de kandidater, hvis sektor er ukendt"
        ));
    }
    if !rules.accepted_exemptions.is_empty() {
        let reasons = rules.accepted_exemptions.join(say!(lang, " or ", " eller ").as_str());
        text.push_str(&say!(
            lang,
            "; or record an exemption with reason {reasons}",
            "; eller registrér en undtagelse med grunden {reasons}"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Experience, Level};

    fn d(s: &str) -> NaiveDate {
        crate::model::parse_date(s).unwrap()
    }

    fn firm() -> Firm {
        Firm { firm: "f".into(), name: None, pledged_on: Some(d("2021-06-01")), withdrawn_on: None }
    }

    fn search() -> Search {
        Search {
            firm: "f".into(),
            search_ref: "s1".into(),
            client: "Aarhus Kommune".into(),
            client_sector: Sector::Municipality,
            client_ref: None,
            position: "Direktør".into(),
            level: Level::Top,
            opened_on: d("2026-01-10"),
            shortlist_on: Some(d("2026-03-01")),
            cancelled_on: None,
        }
    }

    fn cand(r: &str, sector: Sector, exp: &str) -> Candidate {
        Candidate {
            candidate_ref: r.into(),
            sector,
            experience: Experience::parse(exp).unwrap(),
            stage: Stage::Shortlist,
            added_on: None,
        }
    }

    fn verdict_of(firm: &Firm, search: &Search, candidates: &[Candidate], exemption: Option<&Exemption>) -> Judgement {
        judge(&Policy::default_policy(), &Case { firm, search, candidates, exemption })
    }

    #[test]
    fn a_pending_search_is_projected_and_only_a_pending_one() {
        let (f, mut s) = (firm(), search());
        s.shortlist_on = None;
        let same = [cand("c1", Sector::Municipality, "")];
        let policy = Policy::default_policy();
        let case = Case { firm: &f, search: &s, candidates: &same, exemption: None };
        assert_eq!(judge(&policy, &case).verdict, Verdict::Pending, "the verdict itself stays pending");
        let p = project(&policy, &case, d("2026-04-01")).expect("a pending search is projected");
        assert_eq!(p.explanation.judgement.verdict, Verdict::NonCompliant);
        assert_eq!(p.explanation.candidates.len(), 1);
        assert!(p.explanation.remedy.is_some(), "a failing projection says what would make it pass");
        let other = [cand("c1", Sector::Private, "")];
        let p = project(&policy, &Case { candidates: &other, ..case }, d("2026-04-01")).unwrap();
        assert_eq!(p.explanation.judgement.verdict, Verdict::Compliant);
        let sent = search();
        assert!(project(&policy, &Case { search: &sent, ..case }, d("2026-04-01")).is_none());
    }

    fn exemption(reason: &str) -> Exemption {
        Exemption { firm: "f".into(), search_ref: "s1".into(), reason: reason.into(), note: String::new() }
    }

    #[test]
    fn scope_firm_must_have_signed_before_opening() {
        let mut f = firm();
        f.pledged_on = None;
        let j = verdict_of(&f, &search(), &[], None);
        assert_eq!((j.verdict, j.rule), (Verdict::NotApplicable, rule::SIGNED));
        f.pledged_on = Some(d("2026-01-11"));
        assert_eq!(verdict_of(&f, &search(), &[], None).verdict, Verdict::NotApplicable);
        f.pledged_on = Some(d("2026-01-10"));
        assert_eq!(verdict_of(&f, &search(), &[], None).verdict, Verdict::NonCompliant);
    }

    #[test]
    fn every_rule_has_danish_words_in_brief() {
        for rule_id in rule::ALL {
            for verdict in Verdict::ALL {
                assert!(in_brief(rule_id, verdict, Lang::Da).is_some(), "{rule_id} {verdict:?}");
                assert_eq!(in_brief(rule_id, verdict, Lang::En), None, "English lists show the stored reason");
            }
        }
    }

    #[test]
    fn danish_words_say_what_the_english_say() {
        let policy = Policy::default_policy();
        let (f, s) = (firm(), search());
        let mut pending = search();
        pending.shortlist_on = None;
        let mut outside = search();
        outside.client_sector = Sector::Private;
        let late = Candidate { added_on: Some(d("2026-03-02")), ..cand("c3", Sector::Private, "") };
        let longlist = Candidate { stage: Stage::Longlist, ..cand("c4", Sector::State, "") };
        let cases: Vec<(&Search, Vec<Candidate>, Option<Exemption>)> = vec![
            (&s, vec![cand("c1", Sector::Private, ""), cand("c2", Sector::Municipality, "state:3")], None),
            (&s, vec![cand("c1", Sector::Municipality, "region:1"), late, longlist], None),
            (&s, vec![cand("c1", Sector::Unknown, "")], Some(exemption("other"))),
            (&s, vec![cand("c1", Sector::Municipality, "")], Some(exemption("no-qualified-candidate"))),
            (&pending, vec![], None),
            (&outside, vec![], None),
        ];
        let mut verdicts = Vec::new();
        for (search, candidates, exemption) in &cases {
            let case = Case { firm: &f, search, candidates, exemption: exemption.as_ref() };
            let (en, da) = (explain(&policy, &case), explain_in(&policy, &case, Lang::Da));
            assert_eq!((en.judgement.verdict, en.judgement.rule), (da.judgement.verdict, da.judgement.rule));
            assert_eq!(en.candidates.len(), da.candidates.len());
            assert_eq!(en.remedy.is_some(), da.remedy.is_some());
            assert_eq!(judge(&policy, &case), en.judgement, "English stays the stored wording");
            let words: Vec<&str> = std::iter::once(da.judgement.reason.as_str())
                .chain(da.candidates.iter().map(|c| c.why.as_str()))
                .chain(da.scope.iter().map(|c| c.fact.as_str()))
                .chain(da.remedy.as_deref())
                .collect();
            for text in words {
                for english in [" the ", "shortlist", " from outside", "sector ", "years", "counts", " needs "] {
                    assert!(!text.contains(english), "{english:?} in Danish {text:?}");
                }
            }
            verdicts.push((en.judgement.verdict, da.judgement.reason));
        }
        assert_eq!(
            verdicts[0],
            (
                Verdict::Compliant,
                "på kortlisten fra en anden sektor end kommune: c1 (nuværende sektor privat), c2 (3 år i stat)"
                    .to_string()
            )
        );
        assert_eq!(verdicts[1].0, Verdict::NonCompliant);
        assert!(verdicts[1].1.contains("c1 har 1 år i region (kræver 2)"), "{}", verdicts[1].1);
        assert!(
            verdicts[1].1.contains("c3 er fra en anden sektor end kommune, men blev tilføjet 2026-03-02"),
            "{}",
            verdicts[1].1
        );
        assert!(
            verdicts[1].1.contains("c4 er fra en anden sektor end kommune, men nåede kun longliste"),
            "{}",
            verdicts[1].1
        );
        assert_eq!(verdicts[4], (Verdict::Pending, "omfattet; kortlisten er endnu ikke sendt til kunden".to_string()));
        assert!(verdicts[5].1.starts_with("kundens sektor privat er uden for løftet"), "{}", verdicts[5].1);
    }

    #[test]
    fn scope_withdrawal_on_or_before_opening() {
        let mut f = firm();
        f.withdrawn_on = Some(d("2026-01-10"));
        assert_eq!(verdict_of(&f, &search(), &[], None).verdict, Verdict::NotApplicable);
        f.withdrawn_on = Some(d("2026-01-11"));
        assert_eq!(verdict_of(&f, &search(), &[], None).verdict, Verdict::NonCompliant);
    }

    #[test]
    fn scope_level_and_client_sector() {
        let mut s = search();
        s.level = Level::Manager;
        let j = verdict_of(&firm(), &s, &[], None);
        assert_eq!((j.verdict, j.rule), (Verdict::NotApplicable, rule::LEVEL));
        assert!(j.reason.contains("level manager"), "{}", j.reason);
        s.level = Level::Executive;
        s.client_sector = Sector::Private;
        let j = verdict_of(&firm(), &s, &[], None);
        assert_eq!((j.verdict, j.rule), (Verdict::NotApplicable, rule::CLIENT_SECTOR));
        s.client_sector = Sector::Region;
        assert_eq!(verdict_of(&firm(), &s, &[], None).verdict, Verdict::NonCompliant);
    }

    #[test]
    fn scope_policy_version_in_effect() {
        let mut s = search();
        s.opened_on = d("2020-12-31");
        let mut f = firm();
        f.pledged_on = Some(d("2020-01-01"));
        let j = verdict_of(&f, &s, &[], None);
        assert_eq!((j.verdict, j.rule, j.policy_version), (Verdict::NotApplicable, rule::VERSION, None));
    }

    #[test]
    fn scope_cancelled_without_shortlist() {
        let mut s = search();
        s.shortlist_on = None;
        s.cancelled_on = Some(d("2026-02-01"));
        let j = verdict_of(&firm(), &s, &[], None);
        assert_eq!((j.verdict, j.rule), (Verdict::NotApplicable, rule::NOT_CANCELLED));
        // Cancelled after the shortlist went out: judged as usual.
        s.shortlist_on = Some(d("2026-01-20"));
        let c = [cand("c1", Sector::Private, "")];
        assert_eq!(verdict_of(&firm(), &s, &c, None).verdict, Verdict::Compliant);
    }

    #[test]
    fn pending_without_shortlist() {
        let mut s = search();
        s.shortlist_on = None;
        let j = verdict_of(&firm(), &s, &[cand("c1", Sector::Municipality, "")], None);
        assert_eq!((j.verdict, j.rule), (Verdict::Pending, rule::SHORTLIST_SENT));
    }

    #[test]
    fn compliant_by_current_sector_including_other_public_sub_sector() {
        let c = [cand("c1", Sector::Municipality, ""), cand("c2", Sector::Region, "")];
        let j = verdict_of(&firm(), &search(), &c, None);
        assert_eq!((j.verdict, j.rule), (Verdict::Compliant, rule::CROSS_SECTOR));
        assert_eq!(j.reason, "shortlisted from outside municipality: c2 (current sector region)");
    }

    #[test]
    fn experience_years_are_summed_per_sector() {
        let c = [cand("c1", Sector::Municipality, "state:1;private:1;state:1")];
        let j = verdict_of(&firm(), &search(), &c, None);
        assert_eq!(j.verdict, Verdict::Compliant);
        assert!(j.reason.contains("c1 (2 years in state)"), "{}", j.reason);
        // Years in different sectors are not added together.
        let c = [cand("c2", Sector::Municipality, "state:1;private:1")];
        let j = verdict_of(&firm(), &search(), &c, None);
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert_eq!(j.reason, "no shortlisted candidate from outside municipality; c2 has 1 year in state (needs 2)");
    }

    #[test]
    fn experience_in_the_clients_sector_or_unknown_does_not_count() {
        let c = [cand("c1", Sector::Municipality, "municipality:20;unknown:5")];
        assert_eq!(verdict_of(&firm(), &search(), &c, None).verdict, Verdict::NonCompliant);
    }

    #[test]
    fn shortlisted_means_stage_and_in_time() {
        let mut late = cand("c1", Sector::Private, "");
        late.added_on = Some(d("2026-03-02"));
        let j = verdict_of(&firm(), &search(), &[late.clone()], None);
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert!(j.reason.contains("added on 2026-03-02, after the shortlist"), "{}", j.reason);
        late.added_on = Some(d("2026-03-01"));
        assert_eq!(verdict_of(&firm(), &search(), &[late], None).verdict, Verdict::Compliant);
        let mut longlist = cand("c2", Sector::Private, "");
        longlist.stage = Stage::Longlist;
        let j = verdict_of(&firm(), &search(), &[longlist.clone()], None);
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert!(j.reason.contains("reached only longlist"), "{}", j.reason);
        longlist.stage = Stage::Hired;
        assert_eq!(verdict_of(&firm(), &search(), &[longlist], None).verdict, Verdict::Compliant);
    }

    #[test]
    fn unknown_current_sector_makes_incomplete() {
        let c = [cand("c1", Sector::Municipality, ""), cand("c2", Sector::Unknown, "")];
        let j = verdict_of(&firm(), &search(), &c, None);
        assert_eq!((j.verdict, j.rule), (Verdict::Incomplete, rule::UNKNOWN_SECTOR));
        // An unknown current sector with enough years elsewhere qualifies.
        let c = [cand("c2", Sector::Unknown, "private:3")];
        assert_eq!(verdict_of(&firm(), &search(), &c, None).verdict, Verdict::Compliant);
        // An unknown candidate who is not shortlisted does not make the search incomplete.
        let mut longlisted = cand("c3", Sector::Unknown, "");
        longlisted.stage = Stage::Longlist;
        assert_eq!(verdict_of(&firm(), &search(), &[longlisted], None).verdict, Verdict::NonCompliant);
    }

    #[test]
    fn empty_shortlist_is_non_compliant() {
        let j = verdict_of(&firm(), &search(), &[], None);
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert_eq!(j.reason, "no shortlisted candidates");
    }

    #[test]
    fn exemptions_accepted_or_not_and_verdict_order() {
        let c = [cand("c1", Sector::Municipality, "")];
        let j = verdict_of(&firm(), &search(), &c, Some(&exemption("no-qualified-candidate")));
        assert_eq!((j.verdict, j.rule), (Verdict::Exempt, rule::EXEMPTION));
        let j = verdict_of(&firm(), &search(), &c, Some(&exemption("client-declined")));
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert!(j.reason.contains("not a reason the policy accepts"));
        // Compliant wins over an exemption; exempt wins over incomplete.
        let ok = [cand("c1", Sector::Private, "")];
        assert_eq!(
            verdict_of(&firm(), &search(), &ok, Some(&exemption("no-qualified-candidate"))).verdict,
            Verdict::Compliant
        );
        let unknown = [cand("c1", Sector::Unknown, "")];
        assert_eq!(
            verdict_of(&firm(), &search(), &unknown, Some(&exemption("no-qualified-candidate"))).verdict,
            Verdict::Exempt
        );
        assert_eq!(verdict_of(&firm(), &search(), &unknown, Some(&exemption("other"))).verdict, Verdict::Incomplete);
        // Out of scope wins over everything.
        let mut s = search();
        s.level = Level::Manager;
        assert_eq!(verdict_of(&firm(), &s, &ok, None).verdict, Verdict::NotApplicable);
    }

    #[test]
    fn explanation_names_each_candidates_part_and_a_remedy() {
        let policy = Policy::default_policy();
        let (f, s) = (firm(), search());
        let c = [cand("c2", Sector::Municipality, "state:1"), cand("c1", Sector::Unknown, "")];
        let e = explain(&policy, &Case { firm: &f, search: &s, candidates: &c, exemption: None });
        assert_eq!(e.judgement, judge(&policy, &Case { firm: &f, search: &s, candidates: &c, exemption: None }));
        assert_eq!(e.judgement.verdict, Verdict::Incomplete);
        assert_eq!(e.scope.len(), 4);
        assert!(e.scope.iter().all(|c| c.holds));
        assert_eq!(e.candidates[1].candidate_ref, "c2");
        assert_eq!(
            e.candidates[1].why,
            "shortlisted in time; current sector municipality = client's; 1 year in state, needs 2; does not count"
        );
        let remedy = e.remedy.unwrap();
        assert!(
            remedy.starts_with("add a shortlisted candidate whose current sector is one of state, region, private"),
            "{remedy}"
        );
    }

    #[test]
    fn stricter_rules_count_and_matrix() {
        let text = crate::policy::DEFAULT_POLICY_TEXT
            .replace("qualifying_candidates = 1", "qualifying_candidates = 2")
            .replace(
                "state = [\"region\", \"municipality\", \"private\", \"civil-society\"]",
                "state = [\"region\", \"municipality\"]",
            );
        let policy = Policy::parse(&text).unwrap();
        let mut s = search();
        s.client_sector = Sector::State;
        let f = firm();
        let c = [cand("c1", Sector::Private, ""), cand("c2", Sector::Region, "")];
        let j = judge(&policy, &Case { firm: &f, search: &s, candidates: &c, exemption: None });
        assert_eq!(j.verdict, Verdict::NonCompliant);
        assert_eq!(j.reason, "1 of 2 required shortlisted candidates from outside state");
        let c = [cand("c1", Sector::Municipality, ""), cand("c2", Sector::Region, "")];
        assert_eq!(
            judge(&policy, &Case { firm: &f, search: &s, candidates: &c, exemption: None }).verdict,
            Verdict::Compliant
        );
    }
}
