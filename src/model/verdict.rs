//! Verdicts: the six outcomes of checking a search, the ids of the rules a verdict rests on, and a search's
//! verdict with the columns reports show.

use std::fmt;

use serde::Serialize;

/// The outcome of checking one search, in the order they are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    NotApplicable,
    Pending,
    Compliant,
    Exempt,
    Incomplete,
    NonCompliant,
}

impl Verdict {
    /// Every verdict, in the order they are decided.
    pub const ALL: [Verdict; 6] = [
        Verdict::NotApplicable,
        Verdict::Pending,
        Verdict::Compliant,
        Verdict::Exempt,
        Verdict::Incomplete,
        Verdict::NonCompliant,
    ];

    /// The contract's word for the verdict.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "not-applicable",
            Verdict::Pending => "pending",
            Verdict::Compliant => "compliant",
            Verdict::Exempt => "exempt",
            Verdict::Incomplete => "incomplete",
            Verdict::NonCompliant => "non-compliant",
        }
    }

    /// Reads a verdict word.
    pub fn parse(raw: &str) -> Option<Verdict> {
        let word = raw.trim().to_lowercase();
        Verdict::ALL.into_iter().find(|v| v.as_str() == word)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable ids of the rules a verdict can rest on; verdicts, explanations and reports name them.
pub mod rule {
    /// A policy version is in effect on `opened_on`.
    pub const VERSION: &str = "scope.version";
    /// The firm had signed, and not withdrawn, when the search opened.
    pub const SIGNED: &str = "scope.signed";
    /// The level is covered.
    pub const LEVEL: &str = "scope.level";
    /// The client sector is covered.
    pub const CLIENT_SECTOR: &str = "scope.client-sector";
    /// The client's kind (in the registry of public employers) is covered, for a version that names kinds.
    pub const CLIENT_KIND: &str = "scope.client-kind";
    /// The search was not cancelled without a shortlist.
    pub const NOT_CANCELLED: &str = "scope.not-cancelled";
    /// The shortlist has gone to the client.
    pub const SHORTLIST_SENT: &str = "shortlist.sent";
    /// Enough shortlisted candidates from another sector.
    pub const CROSS_SECTOR: &str = "pledge.cross-sector";
    /// An exemption whose reason the policy accepts.
    pub const EXEMPTION: &str = "pledge.exemption";
    /// Candidates of unknown sector might make up the difference.
    pub const UNKNOWN_SECTOR: &str = "pledge.unknown-sector";
    /// Every rule id.
    pub const ALL: [&str; 10] = [
        VERSION,
        SIGNED,
        LEVEL,
        CLIENT_SECTOR,
        CLIENT_KIND,
        NOT_CANCELLED,
        SHORTLIST_SENT,
        CROSS_SECTOR,
        EXEMPTION,
        UNKNOWN_SECTOR,
    ];
}

/// How many searches of a firm in a quarter have a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictCount {
    /// The firm id.
    pub firm: String,
    /// The quarter (`2026-Q3`).
    pub quarter: String,
    /// The verdict these searches share.
    pub verdict: Verdict,
    /// How many searches.
    pub searches: u64,
}

/// One search's verdict with the search columns reports show: a row of `report searches`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchVerdict {
    /// The firm id.
    pub firm: String,
    /// The firm's reference for the search.
    pub search_ref: String,
    /// The client organisation.
    pub client: String,
    /// The client's sector, as stored (`state`, ...).
    pub client_sector: String,
    /// The level of the post, as stored.
    pub level: String,
    /// When the firm took the search (ISO date).
    pub opened_on: String,
    /// When the shortlist went out (ISO date), if it has.
    pub shortlist_on: Option<String>,
    /// The search's quarter (`2026-Q3`).
    pub quarter: String,
    /// The search's verdict under the policy that judged it.
    pub verdict: Verdict,
    /// The id of the deciding rule.
    pub rule: String,
    /// The policy version that applied, if one was in effect.
    pub policy_version: Option<String>,
    /// Why, in plain words.
    pub reason: String,
    /// The registry entry the client's text names, if any (not a column of `report searches`).
    pub client_id: Option<String>,
}
