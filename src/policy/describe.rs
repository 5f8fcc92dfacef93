//! A policy in words, for `policy show`.

use std::fmt::Write as _;

use super::{Policy, Version};

/// Describes a policy's versions (or the one named) in plain words.
pub fn describe(policy: &Policy, only: Option<&str>) -> Result<String, String> {
    let versions: Vec<&Version> = policy.versions.iter().filter(|v| only.is_none_or(|id| v.id == id)).collect();
    if versions.is_empty() {
        let ids: Vec<&str> = policy.versions.iter().map(|v| v.id.as_str()).collect();
        return Err(format!("no version {:?} in the policy (it has {})", only.unwrap_or_default(), ids.join(", ")));
    }
    let mut out = String::new();
    for (i, v) in versions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let until = policy
            .versions
            .iter()
            .find(|w| w.effective_from > v.effective_from)
            .map_or("until further notice".to_string(), |w| {
                format!("until {} takes effect on {}", w.id, w.effective_from)
            });
        let _ = writeln!(out, "Version {}: searches opened from {}, {until}.", v.id, v.effective_from);
        if !v.description.is_empty() {
            let _ = writeln!(out, "  {}", v.description);
        }
        let join = |items: Vec<String>| items.join(", ");
        let _ = writeln!(out, "  Scope (rule ids in brackets):");
        if v.scope.signed_firms_only {
            let _ = writeln!(
                out,
                "    [scope.signed] the firm signed the pledge on or before the search opened, and had not withdrawn by then"
            );
        } else {
            let _ = writeln!(out, "    [scope.signed] every firm, signed or not");
        }
        let _ = writeln!(
            out,
            "    [scope.level] level is one of {}",
            join(v.scope.levels.iter().map(|l| l.to_string()).collect())
        );
        let _ = writeln!(
            out,
            "    [scope.client-sector] client sector is one of {}",
            join(v.scope.client_sectors.iter().map(|s| s.to_string()).collect())
        );
        if let Some(kinds) = &v.scope.client_kinds {
            let _ = writeln!(
                out,
                "    [scope.client-kind] the client is, in the registry of public employers, one of {}",
                join(kinds.iter().map(|k| k.to_string()).collect())
            );
        }
        let _ = writeln!(out, "    [scope.not-cancelled] the search was not cancelled before a shortlist went out");
        let r = &v.rules;
        let _ = writeln!(out, "  Rules:");
        let shortlisted = if r.count_added_after_shortlist {
            format!("at stage {} or later (added after the shortlist date or not)", r.minimum_stage)
        } else {
            format!("at stage {} or later, added on or before the shortlist date", r.minimum_stage)
        };
        let _ = writeln!(out, "    [shortlist.sent] a search without a shortlist date is pending");
        let share = r
            .qualifying_share
            .map(|s| format!(", and at least {:.0}% of the shortlist", s * 100.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    [pledge.cross-sector] at least {} shortlisted candidate(s) ({shortlisted}) from another sector{share}:",
            r.qualifying_candidates
        );
        let _ = writeln!(
            out,
            "      a current sector that counts as another sector, or {}+ years (summed) in one such sector",
            r.minimum_years
        );
        for client in &v.scope.client_sectors {
            let others = r
                .other_sectors
                .get(client)
                .map(|l| join(l.iter().map(|s| s.to_string()).collect()))
                .unwrap_or_default();
            let _ = writeln!(out, "      for a {client} client, another sector is: {others}");
        }
        let accepted =
            if r.accepted_exemptions.is_empty() { "none".to_string() } else { r.accepted_exemptions.join(", ") };
        let _ = writeln!(out, "    [pledge.exemption] accepted exemption reasons: {accepted}");
        let _ = writeln!(
            out,
            "    [pledge.unknown-sector] a failing search is incomplete when shortlisted candidates of unknown sector could make up the difference"
        );
    }
    Ok(out)
}
