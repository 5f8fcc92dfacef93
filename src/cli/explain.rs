//! `pledgecheck explain FIRM SEARCH_REF [--format table|json]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::json;

use crate::model::SectorFrom;

use crate::model::Dossier;
use crate::output::{self, Format};
use crate::rules::{self, Case, Explanation, Projection};
use crate::store::{Mode, Store};

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck explain nordsoeg NS-2026-004\n  \
    pledgecheck explain kbh-executive KE-26-007 --format json\n  \
    pledgecheck explain nordsoeg NS-2026-050 --send-on 2026-12-15   # a pending search, as if sent then")]
pub struct Args {
    /// The firm's id.
    #[arg(value_parser = super::identifier)]
    firm: String,

    /// The firm's reference for the search.
    #[arg(value_parser = super::identifier)]
    search_ref: String,

    /// Output format: table (words for people) or json.
    #[arg(long, value_parser = super::people_format(), default_value = "table")]
    format: Format,

    /// Explain the verdict as it stood at this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC): the rows
    /// valid then, under the policy in force then.
    #[arg(long, value_name = "TIME", value_parser = super::parse_as_of, conflicts_with = "policy")]
    as_of: Option<String>,

    /// Judge under this policy file instead of the one in force; nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// For a pending search: judge it as if its shortlist went out on this date (default: today). The verdict
    /// stays pending; the projection is shown beside it.
    #[arg(long, value_name = "DATE", value_parser = super::parse_day)]
    send_on: Option<NaiveDate>,
}

pub(super) fn run(invocation: &super::Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Csv {
        anyhow::bail!("explain writes words (--format table) or JSON");
    }
    let store = Store::open(db, Mode::Existing)?;
    let view = super::view(&store, args.as_of.as_deref(), args.policy.as_deref())?;
    let (firm, search_ref) = (args.firm.trim(), args.search_ref.trim());
    let when = args.as_of.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    let place = format!("{}{when}", db.display());
    let case = match view.dossier(firm, search_ref)? {
        Some(case) => case,
        None => return Err(crate::service::filters::missing_search(&view, firm, search_ref, &place).into()),
    };
    let policy = &view.judging()?.policy;
    let explanation = rules::explain(policy, &Case::of(&case));
    let send_on = args.send_on.unwrap_or(invocation.today);
    let projection = rules::project(policy, &Case::of(&case), send_on);
    super::emit(None, |out| {
        if args.format == Format::Json {
            let mut value = serde_json::to_value(&explanation).map_err(std::io::Error::other)?;
            let object = value.as_object_mut().expect("an explanation is an object");
            object.insert("schema_version".into(), json!(output::json::SCHEMA_VERSION));
            object.insert("search".into(), search_json(&case));
            if let Some(p) = &projection {
                object.insert("send_on".into(), json!(p.send_on.to_string()));
                object.insert("projected_verdict".into(), json!(p.explanation.judgement.verdict.as_str()));
                let projected = serde_json::to_value(&p.explanation).map_err(std::io::Error::other)?;
                object.insert("projection".into(), projected);
            }
            output::json::write(&value, out)
        } else {
            let mut out = output::terminal::Printable::new(out);
            write_words(&case, &explanation, &mut out)?;
            match &projection {
                Some(p) => writeln!(out).and_then(|()| write_projection("If", p, &mut out)),
                None => Ok(()),
            }
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn search_json(case: &Dossier) -> serde_json::Value {
    let s = &case.search;
    json!({
        "firm": s.firm, "search_ref": s.search_ref, "client": s.client, "client_sector": s.client_sector,
        "position": s.position, "level": s.level, "opened_on": s.opened_on, "shortlist_on": s.shortlist_on,
        "cancelled_on": s.cancelled_on, "quarter": s.quarter().to_string(),
        "client_id": s.client_ref.as_ref().map(|c| &c.id),
        "client_kind": s.client_ref.as_ref().map(|c| c.kind),
        "client_sector_from": s.client_ref.as_ref().map(|c| c.sector_from.as_str()),
    })
}

/// The explanation in words; free text (client, position, notes) is stored as given, so the whole is made printable
/// before it reaches a terminal.
fn write_words(case: &Dossier, e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    let mut words = Vec::new();
    write_words_raw(case, e, &mut words)?;
    out.write_all(crate::model::printable(&String::from_utf8_lossy(&words)).as_bytes())
}

fn write_words_raw(case: &Dossier, e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
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
    match &s.client_ref {
        Some(c) if c.sector_from == SectorFrom::Registry => writeln!(
            out,
            "  client sector {} derived from the registry: {} is {} ({}); client_sector was left empty",
            s.client_sector, s.client, c.id, c.kind
        )?,
        Some(c) if c.sector_from == SectorFrom::FileTrusted => writeln!(
            out,
            "  client sector {} is the file's, kept against the registry (--trust-file-sectors): {} is {} ({}, sector {})",
            s.client_sector,
            s.client,
            c.id,
            c.kind,
            c.kind.sector()
        )?,
        _ => {}
    }
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
        writeln!(out, "\nCandidates (the pledge needs {}):", qualifying(required))?;
        write_candidates(e, out)?;
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

fn qualifying(required: usize) -> String {
    if required == 1 {
        "1 qualifying candidate".to_string()
    } else {
        format!("{required} qualifying candidates")
    }
}

fn write_candidates(e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    if e.candidates.is_empty() {
        writeln!(out, "  none on the list")?;
    }
    for c in &e.candidates {
        let experience = if c.experience.is_empty() { String::new() } else { format!(", experience {}", c.experience) };
        writeln!(out, "  {} ({}, current sector {}{experience}): {}", c.candidate_ref, c.stage, c.sector, c.why)?;
    }
    Ok(())
}

/// A pending search judged as if sent, in words: `"{lead} sent DATE: VERDICT"`, its reason, every candidate's
/// part and what would make it pass (also used by `check --dry-run`).
pub(super) fn write_projection(lead: &str, p: &Projection, out: &mut dyn Write) -> std::io::Result<()> {
    let e = &p.explanation;
    let j = &e.judgement;
    writeln!(
        out,
        "{lead} sent {}: {} (a projection; the verdict stays pending until the shortlist goes out)",
        p.send_on, j.verdict
    )?;
    writeln!(out, "  {}", j.reason)?;
    let needs = e.required.map(qualifying).unwrap_or_default();
    writeln!(out, "  Candidates (the pledge needs {needs}):")?;
    let mut lines = Vec::new();
    write_candidates(e, &mut lines)?;
    for line in String::from_utf8_lossy(&lines).lines() {
        writeln!(out, "  {line}")?;
    }
    if let Some(remedy) = &e.remedy {
        writeln!(out, "  To meet the pledge: {remedy}")?;
    }
    Ok(())
}
