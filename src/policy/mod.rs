//! The pledge written as data: a TOML policy file of versions, each with a scope and rules.
//!
//! Reading is pure: text in, a validated [`Policy`] or every error with its line and column out. The default
//! policy (design.md's reading of the pledge) is `samples/pledge.toml`, embedded in the binary.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::model::{ClientKind, Level, Sector, Stage};

mod describe;
mod own_tests;

pub use describe::describe;
pub use own_tests::PolicyTest;

/// The text of the default policy.
pub const DEFAULT_POLICY_TEXT: &str = include_str!("../../samples/pledge.toml");

/// The name the default policy is known by where no file name exists.
pub const DEFAULT_POLICY_NAME: &str = "built-in default (samples/pledge.toml)";

/// A validated policy: its versions in order of `effective_from`, and the SHA-256 of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Versions, earliest first; no two share an `effective_from`.
    pub versions: Vec<Version>,
    /// Hex SHA-256 of the policy's text.
    pub sha256: String,
    /// The policy's own tests (`[[test]]`), run by `policy test`.
    pub tests: Vec<PolicyTest>,
}

/// One version of the pledge.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// A stable id, such as `v1`.
    pub id: String,
    /// The first `opened_on` date the version applies to.
    pub effective_from: NaiveDate,
    /// A sentence for people.
    pub description: String,
    /// Which searches the pledge covers.
    pub scope: Scope,
    /// What an in-scope search must show.
    pub rules: Rules,
}

/// Which searches a version covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Only searches of firms that had signed, and not withdrawn, when the search opened.
    pub signed_firms_only: bool,
    /// Levels covered.
    pub levels: Vec<Level>,
    /// Client sectors covered.
    pub client_sectors: Vec<Sector>,
    /// Client kinds covered (registry of public employers); `None`: every client, known or not.
    pub client_kinds: Option<Vec<ClientKind>>,
}

/// What an in-scope search must show to meet the pledge.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// How many shortlisted candidates must qualify; at least 1.
    pub qualifying_candidates: u32,
    /// Optionally, the share of the shortlist that must qualify (0 to 1).
    pub qualifying_share: Option<f64>,
    /// The earliest stage at which a candidate counts as shortlisted.
    pub minimum_stage: Stage,
    /// Whether a candidate added after `shortlist_on` counts.
    pub count_added_after_shortlist: bool,
    /// Summed years in one other sector that make a candidate cross-sector.
    pub minimum_years: u32,
    /// Exemption reasons accepted, normalised to lower case.
    pub accepted_exemptions: Vec<String>,
    /// For each client sector, the sectors that count as another sector.
    pub other_sectors: BTreeMap<Sector, Vec<Sector>>,
    /// [`Rules::other_sectors`] as bits, one byte per client sector: the engine asks this for every candidate.
    pub other_mask: [u8; 6],
}

/// The matrix of other sectors as bits, for the engine.
fn other_mask(matrix: &BTreeMap<Sector, Vec<Sector>>) -> [u8; 6] {
    let mut mask = [0u8; 6];
    for (client, list) in matrix {
        for sector in list {
            mask[*client as usize] |= 1 << *sector as u8;
        }
    }
    mask
}

impl Rules {
    /// Whether a candidate's sector counts as another sector for a client in `client`.
    pub fn is_other_sector(&self, client: Sector, sector: Sector) -> bool {
        self.other_mask[client as usize] & (1 << sector as u8) != 0
    }

    /// How many qualifying candidates a shortlist of `shortlisted` people needs.
    pub fn required(&self, shortlisted: usize) -> usize {
        let by_count = self.qualifying_candidates as usize;
        let by_share =
            self.qualifying_share.map_or(0, |share| (share * shortlisted as f64 - 1e-9).ceil().max(0.0) as usize);
        by_count.max(by_share)
    }

    /// Whether an exemption reason is accepted.
    pub fn accepts(&self, reason: &str) -> bool {
        self.accepted_exemptions.iter().any(|r| r == reason)
    }
}

impl Policy {
    /// The default policy, embedded in the binary.
    pub fn default_policy() -> Policy {
        Policy::parse(DEFAULT_POLICY_TEXT).expect("the embedded default policy is valid")
    }

    /// The version in effect on a date: the latest whose `effective_from` is on or before it.
    pub fn version_on(&self, date: NaiveDate) -> Option<&Version> {
        self.versions.iter().rev().find(|v| v.effective_from <= date)
    }

    /// Reads and validates a policy's text.
    pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
        Policy::parse_with_tests(text)
    }

    /// The JSON Schema of the policy file format, generated from the structs that read it.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(PolicyFile)).expect("a schema is JSON")
    }

    fn parse_with_tests(text: &str) -> Result<Policy, Vec<PolicyError>> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| {
            vec![PolicyError { location: e.span().map(|s| Location::of(text, s)), message: e.message().to_string() }]
        })?;
        let sha256 = crate::digest::hex_sha256(text.as_bytes());
        file.validate(text, sha256)
    }
}

/// A line and column in a policy file, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl Location {
    fn of(text: &str, span: Range<usize>) -> Location {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Location { line, column }
    }
}

/// One thing wrong with a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Where, when known.
    pub location: Option<Location>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(l) => write!(f, "line {}, column {}: {}", l.line, l.column, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A pledgecheck policy file: versions of the pledge, and tests of them.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pledgecheck policy")]
pub struct PolicyFile {
    /// The versions, in order of effective_from.
    #[schemars(with = "Vec<VersionFile>")]
    version: Vec<Spanned<VersionFile>>,
    /// Tests: a small search, its candidates and the verdict the policy must give.
    #[serde(default)]
    #[schemars(with = "Vec<own_tests::TestTable>")]
    test: Vec<Spanned<own_tests::TestTable>>,
}

/// One version of the pledge.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    /// A stable id that verdicts name, such as v1.
    #[schemars(with = "String")]
    id: Spanned<String>,
    /// The first opened_on date the version applies to (a TOML date, 2021-01-01).
    #[schemars(with = "String", extend("format" = "date"))]
    effective_from: Spanned<toml::value::Datetime>,
    /// A sentence for people.
    #[serde(default)]
    description: String,
    /// Which searches the version covers.
    scope: ScopeFile,
    /// What an in-scope search must show.
    rules: RulesFile,
}

/// Which searches a version covers.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ScopeFile {
    /// Only searches of firms that had signed, and not withdrawn, when the search opened (default true).
    #[serde(default = "yes")]
    signed_firms_only: bool,
    /// Levels covered.
    #[schemars(with = "Vec<Level>")]
    levels: Spanned<Vec<Level>>,
    /// Client sectors covered.
    #[schemars(with = "Vec<Sector>")]
    client_sectors: Spanned<Vec<Sector>>,
    /// Client kinds covered (municipality, region, ministry, agency, other-state), as the registry of public
    /// employers records a search's client; left out, every client is covered, known or not.
    #[serde(default)]
    #[schemars(with = "Option<Vec<ClientKind>>")]
    client_kinds: Option<Spanned<Vec<ClientKind>>>,
}

fn yes() -> bool {
    true
}

/// What an in-scope search must show.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    /// How many shortlisted candidates must come from another sector (default 1).
    #[serde(default = "one")]
    #[schemars(with = "u32", range(min = 1))]
    qualifying_candidates: Spanned<i64>,
    /// Optionally, the share of the shortlist that must come from another sector (above 0, at most 1).
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    qualifying_share: Option<Spanned<f64>>,
    /// The earliest stage at which a candidate counts as shortlisted (default shortlist).
    #[serde(default = "shortlist")]
    minimum_stage: Stage,
    /// Whether a candidate added after shortlist_on counts (default false).
    #[serde(default)]
    count_added_after_shortlist: bool,
    /// Summed years in one other sector that make a candidate cross-sector.
    #[schemars(with = "u32", range(max = 60))]
    minimum_years: Spanned<i64>,
    /// Exemption reasons accepted (default none).
    #[serde(default)]
    accepted_exemptions: Vec<String>,
    /// For each client sector, the sectors that count as another sector (default: every known sector but the
    /// client's).
    #[schemars(with = "Option<BTreeMap<Sector, Vec<Sector>>>")]
    other_sectors: Option<Spanned<BTreeMap<Sector, Vec<Sector>>>>,
}

fn one() -> Spanned<i64> {
    Spanned::new(0..0, 1)
}

fn shortlist() -> Stage {
    Stage::Shortlist
}

impl PolicyFile {
    fn validate(self, text: &str, sha256: String) -> Result<Policy, Vec<PolicyError>> {
        let mut errors = Vec::new();
        let mut err = |span: Range<usize>, message: String| {
            errors.push(PolicyError { location: Some(Location::of(text, span)), message });
        };
        let mut versions = Vec::new();
        if self.version.is_empty() {
            err(0..0, "the policy has no [[version]]".into());
        }
        for (i, spanned) in self.version.into_iter().enumerate() {
            let span = spanned.span();
            let v = spanned.into_inner();
            let id = v.id.get_ref().trim().to_string();
            if id.is_empty() {
                err(v.id.span(), format!("version[{i}].id is empty (expected an id such as v1)"));
            }
            let date = v.effective_from.get_ref();
            let effective_from = match (date.date, date.time) {
                (Some(d), None) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()),
                _ => None,
            };
            let Some(effective_from) = effective_from else {
                err(v.effective_from.span(), format!("version[{i}].effective_from must be a date such as 2021-01-01"));
                continue;
            };
            if v.scope.levels.get_ref().is_empty() {
                err(
                    v.scope.levels.span(),
                    format!("version {id}: scope.levels is empty, so the version covers no search"),
                );
            }
            if v.scope.client_sectors.get_ref().is_empty() {
                err(
                    v.scope.client_sectors.span(),
                    format!("version {id}: scope.client_sectors is empty, so the version covers no search"),
                );
            }
            if v.scope.client_sectors.get_ref().contains(&Sector::Unknown) {
                err(v.scope.client_sectors.span(), format!("version {id}: unknown is not a client sector"));
            }
            if let Some(kinds) = v.scope.client_kinds.as_ref().filter(|k| k.get_ref().is_empty()) {
                err(
                    kinds.span(),
                    format!("version {id}: scope.client_kinds is empty, so the version covers no search"),
                );
            }
            let count = *v.rules.qualifying_candidates.get_ref();
            if !(1..=1000).contains(&count) {
                err(
                    v.rules.qualifying_candidates.span(),
                    format!(
                        "version {id}: rules.qualifying_candidates is {count} (expected a whole number of at least 1)"
                    ),
                );
            }
            if let Some(share) = &v.rules.qualifying_share {
                let value = *share.get_ref();
                if !(value > 0.0 && value <= 1.0) {
                    err(
                        share.span(),
                        format!(
                            "version {id}: rules.qualifying_share is {value} (expected a share above 0 and at most 1)"
                        ),
                    );
                }
            }
            let years = *v.rules.minimum_years.get_ref();
            if !(0..=60).contains(&years) {
                err(
                    v.rules.minimum_years.span(),
                    format!("version {id}: rules.minimum_years is {years} (expected 0 to 60)"),
                );
            }
            let other_sectors = match v.rules.other_sectors {
                Some(matrix) => {
                    let span = matrix.span();
                    let matrix = matrix.into_inner();
                    for (client, list) in &matrix {
                        if list.contains(client) {
                            err(span.clone(), format!("version {id}: rules.other_sectors.{client} lists {client}, the client's own sector"));
                        }
                        if list.contains(&Sector::Unknown) {
                            err(
                                span.clone(),
                                format!("version {id}: rules.other_sectors.{client} lists unknown, which never counts"),
                            );
                        }
                    }
                    for client in v.scope.client_sectors.get_ref() {
                        if !matrix.contains_key(client) {
                            err(
                                span.clone(),
                                format!("version {id}: rules.other_sectors has no entry for client sector {client}, which the scope covers"),
                            );
                        }
                    }
                    matrix
                }
                None => default_other_sectors(),
            };
            versions.push((
                span,
                Version {
                    id,
                    effective_from,
                    description: v.description,
                    scope: Scope {
                        signed_firms_only: v.scope.signed_firms_only,
                        levels: v.scope.levels.into_inner(),
                        client_sectors: v.scope.client_sectors.into_inner(),
                        client_kinds: v.scope.client_kinds.map(Spanned::into_inner),
                    },
                    rules: Rules {
                        qualifying_candidates: count.clamp(1, 1000) as u32,
                        qualifying_share: v.rules.qualifying_share.map(|s| s.into_inner()),
                        minimum_stage: v.rules.minimum_stage,
                        count_added_after_shortlist: v.rules.count_added_after_shortlist,
                        minimum_years: years.clamp(0, 60) as u32,
                        accepted_exemptions: v
                            .rules
                            .accepted_exemptions
                            .iter()
                            .map(|r| crate::model::normalise_reason(r))
                            .collect(),
                        other_mask: other_mask(&other_sectors),
                        other_sectors,
                    },
                },
            ));
        }
        for pair in versions.windows(2) {
            let ((_, a), (span, b)) = (&pair[0], &pair[1]);
            if b.effective_from == a.effective_from {
                err(
                    span.clone(),
                    format!("versions {} and {} overlap: both take effect on {}", a.id, b.id, a.effective_from),
                );
            } else if b.effective_from < a.effective_from {
                err(
                    span.clone(),
                    format!(
                        "version {} (from {}) comes after {} (from {}): list versions in order of effective_from",
                        b.id, b.effective_from, a.id, a.effective_from
                    ),
                );
            }
        }
        for (i, (span, v)) in versions.iter().enumerate() {
            if versions[..i].iter().any(|(_, w)| w.id == v.id) {
                err(span.clone(), format!("version id {} is used twice", v.id));
            }
        }
        let versions: Vec<Version> = versions.into_iter().map(|(_, v)| v).collect();
        let mut tests = Vec::with_capacity(self.test.len());
        for (i, spanned) in self.test.into_iter().enumerate() {
            let span = spanned.span();
            match spanned.into_inner().read(i, &versions) {
                Ok(case) => tests.push(case),
                Err(message) => err(span, message),
            }
        }
        if errors.is_empty() {
            Ok(Policy { versions, sha256, tests })
        } else {
            Err(errors)
        }
    }
}

/// Every known sector other than the client's counts.
fn default_other_sectors() -> BTreeMap<Sector, Vec<Sector>> {
    Sector::ALL
        .iter()
        .filter(|s| **s != Sector::Unknown)
        .map(|client| (*client, Sector::ALL.iter().copied().filter(|s| s != client && *s != Sector::Unknown).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_reads_as_design_says() {
        let policy = Policy::default_policy();
        assert_eq!(policy.versions.len(), 1);
        let v = &policy.versions[0];
        assert_eq!(v.id, "v1");
        assert_eq!(v.effective_from, NaiveDate::from_ymd_opt(2021, 1, 1).unwrap());
        assert_eq!(v.scope.levels, vec![Level::Top, Level::Executive]);
        assert_eq!(v.rules.qualifying_candidates, 1);
        assert_eq!(v.rules.minimum_years, 2);
        assert!(v.rules.is_other_sector(Sector::Municipality, Sector::Region));
        assert!(!v.rules.is_other_sector(Sector::Municipality, Sector::Municipality));
        assert!(!v.rules.is_other_sector(Sector::State, Sector::Unknown));
        assert!(v.rules.accepts("no-qualified-candidate"));
        assert_eq!(policy.sha256.len(), 64);
    }

    #[test]
    fn version_on_picks_the_latest_in_effect() {
        let text = DEFAULT_POLICY_TEXT.to_string()
            + "\n[[version]]\nid = \"v2\"\neffective_from = 2026-01-01\n[version.scope]\nlevels = [\"top\"]\n\
               client_sectors = [\"state\"]\n[version.rules]\nminimum_years = 3\n";
        let policy = Policy::parse(&text).unwrap();
        let on = |s: &str| policy.version_on(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()).map(|v| v.id.clone());
        assert_eq!(on("2020-12-31"), None);
        assert_eq!(on("2021-01-01").as_deref(), Some("v1"));
        assert_eq!(on("2026-01-01").as_deref(), Some("v2"));
    }

    fn errors_of(text: &str) -> Vec<String> {
        Policy::parse(text).unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    const MINIMAL: &str = "[[version]]\nid = \"v1\"\neffective_from = 2021-01-01\n[version.scope]\n\
                           levels = [\"top\"]\nclient_sectors = [\"state\"]\n[version.rules]\nminimum_years = 2\n";

    #[test]
    fn syntax_and_unknown_keys_have_line_and_column() {
        let e = errors_of(&MINIMAL.replace("minimum_years = 2", "minimum_yeras = 2"));
        assert!(e[0].starts_with("line 8, column 1:"), "{e:?}");
        let e = errors_of(&MINIMAL.replace("[\"top\"]", "[\"boss\"]"));
        assert!(e[0].starts_with("line 5,"), "{e:?}");
        assert!(e[0].contains("boss"), "{e:?}");
    }

    #[test]
    fn meaning_checks() {
        assert!(errors_of(&MINIMAL.replace("[\"top\"]", "[]"))[0].contains("covers no search"));
        assert!(errors_of(&MINIMAL.replace("minimum_years = 2", "minimum_years = 2\nqualifying_candidates = 0"))[0]
            .contains("at least 1"));
        assert!(errors_of(&MINIMAL.replace("minimum_years = 2", "minimum_years = 2\nqualifying_share = 1.5"))[0]
            .contains("at most 1"));
        let twice = format!("{MINIMAL}{}", MINIMAL.replace("\"v1\"", "\"v2\""));
        assert!(errors_of(&twice)[0].contains("overlap"));
        let unordered = format!("{MINIMAL}{}", MINIMAL.replace("\"v1\"", "\"v0\"").replace("2021", "2020"));
        assert!(errors_of(&unordered)[0].contains("in order"));
        let own = MINIMAL
            .replace("minimum_years = 2", "minimum_years = 2\n[version.rules.other_sectors]\nstate = [\"state\"]");
        assert!(errors_of(&own)[0].contains("client's own sector"));
    }
    #[test]
    fn more_meaning_checks() {
        let matrix = |entries: &str| {
            MINIMAL
                .replace("minimum_years = 2", &format!("minimum_years = 2\n[version.rules.other_sectors]\n{entries}"))
        };
        assert!(errors_of(&matrix("state = [\"unknown\"]"))[0].contains("unknown, which never counts"));
        assert!(errors_of(&matrix("region = [\"state\"]"))[0].contains("no entry for client sector state"));
        assert!(errors_of(&MINIMAL.replace("[\"state\"]", "[\"unknown\"]"))
            .iter()
            .any(|e| e.contains("unknown is not a client sector")));
        assert!(errors_of(&MINIMAL.replace("minimum_years = 2", "minimum_years = 61"))[0].contains("0 to 60"));
        let twice = format!("{MINIMAL}{}", MINIMAL.replace("2021-01-01", "2022-01-01"));
        assert!(errors_of(&twice)[0].contains("used twice"));
        assert!(errors_of("")[0].contains("version"));
        let bad_test = format!("{MINIMAL}[[test]]\nname = \"t\"\nversion = \"v7\"\nsearch = {{ client_sector = \"state\" }}\nexpect = \"pending\"\n");
        assert!(errors_of(&bad_test)[0].contains("version \"v7\" is not in the policy"));
    }
}
