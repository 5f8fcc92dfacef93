//! A policy's own tests as the file writes them: `[[test]]` tables beside the versions, each a small search with its candidates and the
//! verdict (and optionally the rule and version) the policy must give, as `opa test` runs a policy's tests. They
//! are read and checked here; `rules::run_policy_tests` runs them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Version;
use crate::model::{
    normalise_reason, parse_date, Candidate, ClientKind, ClientRef, Exemption, Experience, Firm, Level, Search, Sector,
    SectorFrom, Stage, ValueError,
};
use crate::model::{rule, Verdict};

/// A date written as a TOML date (`2026-03-01`) or a string (`"01-03-2026"`).
#[derive(Deserialize, schemars::JsonSchema, Clone)]
#[serde(untagged)]
enum DateValue {
    #[schemars(with = "String")]
    Date(toml::value::Datetime),
    Text(String),
}

impl DateValue {
    fn read(&self, field: &str) -> Result<chrono::NaiveDate, String> {
        let text = match self {
            DateValue::Date(d) => d.to_string(),
            DateValue::Text(t) => t.clone(),
        };
        parse_date(&text).map_err(|e| format!("{field}: {e}"))
    }
}

fn optional_date(value: &Option<DateValue>, field: &str) -> Result<Option<chrono::NaiveDate>, String> {
    value.as_ref().map(|d| d.read(field)).transpose()
}

fn value<T>(result: Result<T, ValueError>, field: &str) -> Result<T, String> {
    result.map_err(|e| format!("{field}: {e}"))
}

/// One `[[test]]` table.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestTable {
    /// What the test shows, in words.
    name: String,
    /// The version the search must fall under; opened_on defaults to its effective_from.
    version: Option<String>,
    /// The firm's pledge dates (default: signed on 1990-01-01, never withdrawn).
    #[serde(default)]
    firm: FirmFile,
    /// The search: its client sector, level and dates.
    search: SearchFile,
    /// Its candidates.
    #[serde(default)]
    candidates: Vec<CandidateFile>,
    /// An exemption reason, if the search has one.
    exemption: Option<String>,
    /// The verdict the policy must give.
    expect: String,
    /// The rule id that must decide it, such as pledge.cross-sector.
    rule: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct FirmFile {
    pledged_on: Option<DateValue>,
    withdrawn_on: Option<DateValue>,
    /// Set true for a firm that never signed.
    #[serde(default)]
    not_signed: bool,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchFile {
    client_sector: String,
    /// The client's kind in the registry of public employers (`ministry`, ...); left out, a client it does not know.
    client_kind: Option<String>,
    #[serde(default = "top")]
    level: String,
    opened_on: Option<DateValue>,
    shortlist_on: Option<DateValue>,
    cancelled_on: Option<DateValue>,
}

fn top() -> String {
    "top".into()
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CandidateFile {
    candidate_ref: String,
    candidate_sector: String,
    /// `private:4;state:1`, or a table `{ private = 4 }`.
    experience: Option<ExperienceValue>,
    stage: Option<String>,
    added_on: Option<DateValue>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum ExperienceValue {
    Text(String),
    Table(BTreeMap<String, u32>),
}

/// A policy test, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyTest {
    /// What it shows.
    pub name: String,
    /// The version it names, if any.
    pub version: Option<String>,
    /// The firm, with the pledge dates the test gives (signed in 1990 unless it says otherwise).
    pub firm: Firm,
    /// The search, with placeholders for what the rules do not look at.
    pub search: Search,
    /// The candidates, in the order the test lists them.
    pub candidates: Vec<Candidate>,
    /// The exemption, if the test gives a reason.
    pub exemption: Option<Exemption>,
    /// The expected verdict.
    pub expect: Verdict,
    /// The expected rule, if given.
    pub rule: Option<String>,
}

impl TestTable {
    /// Reads a test, resolving a named version's date; the error says which test and field.
    pub(super) fn read(self, index: usize, versions: &[Version]) -> Result<PolicyTest, String> {
        let name = self.name.clone();
        self.read_inner(versions).map_err(|e| format!("test[{index}] ({name}): {e}"))
    }

    fn read_inner(self, versions: &[Version]) -> Result<PolicyTest, String> {
        let named = match &self.version {
            Some(id) => Some(
                versions.iter().find(|v| v.id == *id).ok_or_else(|| format!("version {id:?} is not in the policy"))?,
            ),
            None => None,
        };
        let opened_on = match (&self.search.opened_on, named) {
            (Some(d), _) => d.read("search.opened_on")?,
            (None, Some(v)) => v.effective_from,
            (None, None) => return Err("search.opened_on is missing (or name a version)".into()),
        };
        let pledged_on = match (&self.firm.pledged_on, self.firm.not_signed) {
            (_, true) => None,
            (Some(d), false) => Some(d.read("firm.pledged_on")?),
            (None, false) => Some(crate::model::earliest_date()),
        };
        let firm = Firm {
            firm: "test".into(),
            name: None,
            pledged_on,
            withdrawn_on: optional_date(&self.firm.withdrawn_on, "firm.withdrawn_on")?,
        };
        let search = Search {
            firm: "test".into(),
            search_ref: "test".into(),
            client: "test".into(),
            client_sector: value(Sector::parse(&self.search.client_sector), "search.client_sector")?,
            client_ref: match &self.search.client_kind {
                None => None,
                Some(kind) => Some(ClientRef {
                    id: "test".into(),
                    kind: value(ClientKind::parse(kind), "search.client_kind")?,
                    sector_from: SectorFrom::File,
                }),
            },
            position: "test".into(),
            level: value(Level::parse(&self.search.level), "search.level")?,
            opened_on,
            shortlist_on: optional_date(&self.search.shortlist_on, "search.shortlist_on")?,
            cancelled_on: optional_date(&self.search.cancelled_on, "search.cancelled_on")?,
        };
        let mut candidates = Vec::with_capacity(self.candidates.len());
        for (i, c) in self.candidates.into_iter().enumerate() {
            let field = |f: &str| format!("candidates[{i}].{f}");
            let experience = match c.experience {
                None => Experience::default(),
                Some(ExperienceValue::Text(text)) => value(Experience::parse(&text), &field("experience"))?,
                Some(ExperienceValue::Table(table)) => {
                    let text = table.iter().map(|(s, y)| format!("{s}:{y}")).collect::<Vec<_>>().join(";");
                    value(Experience::parse(&text), &field("experience"))?
                }
            };
            candidates.push(Candidate {
                candidate_ref: c.candidate_ref,
                sector: value(Sector::parse(&c.candidate_sector), &field("candidate_sector"))?,
                experience,
                stage: c
                    .stage
                    .map(|s| value(Stage::parse(&s), &field("stage")))
                    .transpose()?
                    .unwrap_or(Stage::Shortlist),
                added_on: optional_date(&c.added_on, &field("added_on"))?,
            });
        }
        let expect = Verdict::parse(&self.expect).ok_or_else(|| {
            let words: Vec<_> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
            format!("expect: unknown verdict {:?} (expected {})", self.expect, words.join(", "))
        })?;
        if let Some(rule) = &self.rule {
            if !rule::ALL.contains(&rule.as_str()) {
                return Err(format!("rule: unknown rule id {rule:?} (expected {})", rule::ALL.join(", ")));
            }
        }
        let exemption = self.exemption.map(|reason| Exemption {
            firm: "test".into(),
            search_ref: "test".into(),
            reason: normalise_reason(&reason),
            note: String::new(),
        });
        Ok(PolicyTest {
            name: self.name,
            version: self.version,
            firm,
            search,
            candidates,
            exemption,
            expect,
            rule: self.rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;

    #[test]
    fn a_bad_test_is_an_error_with_its_line() {
        let text = format!(
            "{}\n[[test]]\nname = \"bad\"\nsearch = {{ client_sector = \"stats\", opened_on = 2022-01-01 }}\nexpect = \"compliant\"\n",
            crate::policy::DEFAULT_POLICY_TEXT
        );
        let errors = Policy::parse(&text).unwrap_err();
        assert!(errors[0].message.contains("search.client_sector: unknown sector \"stats\""), "{errors:?}");
        assert!(errors[0].location.is_some());
    }
}
