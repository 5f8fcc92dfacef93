//! `pledgecheck explain FIRM SEARCH_REF [--format table|json]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::model::Dossier;
use crate::output::{self, Format};
use crate::rules::Explanation;
use crate::service;
use crate::store::{Mode, Store};
use anyhow::anyhow;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck explain nordsoeg NS-2026-004\n  \
    pledgecheck explain kbh-executive KE-26-007 --format json")]
pub struct Args {
    /// The firm's id.
    firm: String,

    /// The firm's reference for the search.
    search_ref: String,

    /// Output format: table (words for people) or json.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,

    /// Explain the verdict as it stood at this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC): the rows
    /// valid then, under the policy in force then.
    #[arg(long, value_name = "TIME", value_parser = super::parse_as_of, conflicts_with = "policy")]
    as_of: Option<String>,

    /// Judge under this policy file instead of the one in force; nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("explain writes words (--format table) or JSON");
    }
    let store = Store::open(db, Mode::Existing)?;
    let view = super::view(&store, args.as_of.as_deref(), args.policy.as_deref())?;
    let (firm, search_ref) = (args.firm.trim(), args.search_ref.trim());
    let when = args.as_of.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    let (case, explanation) = service::explain::explain(&view, firm, search_ref)?
        .ok_or_else(|| anyhow!("no search {search_ref:?} of firm {firm:?} in {}{when}", db.display()))?;
    super::emit(None, |out| {
        if args.format == Format::Json {
            output::json::write(&service::explain::to_json(&case, &explanation), out)
        } else {
            write_words(&case, &explanation, out)
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write_words(case: &Dossier, e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &case.search;
    let j = &e.judgement;
    writeln!(
        out,
        "Search {} of firm {}: {}, {} ({}), level {}",
        s.search_ref, s.firm, s.position, s.client, s.client_sector, s.level
    )?;
    let dates = [("opened", Some(s.opened_on)), ("shortlist sent", s.shortlist_on), ("cancelled", s.cancelled_on)];
    let dates: Vec<String> = dates.iter().filter_map(|(w, d)| d.map(|d| format!("{w} {d}"))).collect();
    writeln!(out, "  {}; quarter {}", dates.join(", "), s.quarter())?;
    let version = match (&j.policy_version, e.effective_from) {
        (Some(v), Some(from)) => format!("policy version {v} (in effect from {from})"),
        _ => "no policy version".into(),
    };
    writeln!(out, "\nVerdict: {} (rule {}, {version})", j.verdict, j.rule)?;
    writeln!(out, "  {}", j.reason)?;
    if !e.scope.is_empty() {
        writeln!(out, "\nScope:")?;
        for c in &e.scope {
            writeln!(out, "  [{}] {}: {}", if c.holds { "holds" } else { "fails" }, c.rule, c.fact)?;
        }
    }
    if let Some(required) = e.required {
        let needs = if required == 1 {
            "1 qualifying candidate".to_string()
        } else {
            format!("{required} qualifying candidates")
        };
        writeln!(out, "\nCandidates (the pledge needs {needs}):")?;
        if e.candidates.is_empty() {
            writeln!(out, "  none on the list")?;
        }
        for c in &e.candidates {
            let experience =
                if c.experience.is_empty() { String::new() } else { format!(", experience {}", c.experience) };
            writeln!(out, "  {} ({}, current sector {}{experience}): {}", c.candidate_ref, c.stage, c.sector, c.why)?;
        }
    }
    if let Some(x) = &e.exemption {
        let note = if x.note.is_empty() { String::new() } else { format!(" ({})", x.note) };
        let accepted = if x.accepted { "accepted by the policy" } else { "not a reason the policy accepts" };
        writeln!(out, "\nExemption: {}{note}: {accepted}", x.reason)?;
    }
    if let Some(remedy) = &e.remedy {
        writeln!(out, "\nTo meet the pledge: {remedy}")?;
    }
    Ok(())
}
