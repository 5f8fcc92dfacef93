//! Changes by hand to one stored search, as the server offers them: the search read back in the JSON input format,
//! changed (a candidate put or removed, search fields set or cleared), and imported again as a whole, so that the
//! change gets the import's validation, messages, evidence and verdict like any other.

use serde_json::{json, Map, Value};

use crate::model::Dossier;
use crate::store::{Moment, Scope, Store, StoreError};

/// A stored search with its candidates in the JSON input format (one element of `searches`).
pub fn search_record(case: &Dossier) -> Value {
    let s = &case.search;
    let candidates: Vec<Value> = case
        .candidates
        .iter()
        .map(|c| {
            json!({"candidate_ref": c.candidate_ref, "candidate_sector": c.sector.to_string(),
                   "experience": c.experience.to_string(), "stage": c.stage.to_string(),
                   "added_on": c.added_on.map(|d| d.to_string())})
        })
        .collect();
    json!({
        "firm": s.firm, "search_ref": s.search_ref, "client": s.client, "client_sector": s.client_sector.to_string(),
        "position": s.position, "level": s.level.to_string(), "opened_on": s.opened_on.to_string(),
        "shortlist_on": s.shortlist_on.map(|d| d.to_string()), "cancelled_on": s.cancelled_on.map(|d| d.to_string()),
        "candidates": candidates,
    })
}

/// One change to a search.
#[derive(Debug, Clone)]
pub enum Change {
    /// Add a candidate, or replace the one with its `candidate_ref`.
    PutCandidate(Map<String, Value>),
    /// Remove the candidate with this reference; `false` from [`apply`] when there is none.
    RemoveCandidate(String),
    /// Set search fields (`null` clears an optional one); `firm`, `search_ref` and `candidates` are not fields.
    SetFields(Map<String, Value>),
}

/// Applies a change to a search record; `false` when it names a candidate the search does not have.
pub fn apply(record: &mut Value, change: Change) -> bool {
    let Some(search) = record.as_object_mut() else { return false };
    match change {
        Change::PutCandidate(candidate) => {
            let key = candidate.get("candidate_ref").and_then(Value::as_str).map(|r| r.trim().to_string());
            let list = search.entry("candidates").or_insert_with(|| json!([]));
            if let Some(list) = list.as_array_mut() {
                list.retain(|c| c["candidate_ref"].as_str().map(str::trim) != key.as_deref());
                list.push(Value::Object(candidate));
            }
            true
        }
        Change::RemoveCandidate(candidate_ref) => {
            let Some(list) = search.get_mut("candidates").and_then(Value::as_array_mut) else { return false };
            let before = list.len();
            list.retain(|c| c["candidate_ref"].as_str().map(str::trim) != Some(candidate_ref.trim()));
            list.len() < before
        }
        Change::SetFields(fields) => {
            for (name, value) in fields {
                if !matches!(name.as_str(), "firm" | "search_ref" | "candidates") {
                    search.insert(name, value);
                }
            }
            true
        }
    }
}

/// What a removal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// Removed, and recorded.
    Done,
    /// No such current search in the scope (another firm's search is not there).
    NoSearch,
    /// The search has no exemption to remove.
    NoExemption,
}

/// Removes a current search of the scope (its rows closed, kept in history), recorded as the actor's change.
pub fn remove_search(
    store: &mut Store,
    scope: &Scope,
    firm: &str,
    search_ref: &str,
    actor: &str,
    command: &str,
) -> Result<Removed, StoreError> {
    let (firm, search_ref) = (firm.trim(), search_ref.trim());
    if !scope.covers(firm) {
        return Ok(Removed::NoSearch);
    }
    Ok(if store.remove_search(firm, search_ref, actor, command)? { Removed::Done } else { Removed::NoSearch })
}

/// Removes the exemption of a current search of the scope, and judges the search again.
pub fn remove_exemption(
    store: &mut Store,
    scope: &Scope,
    firm: &str,
    search_ref: &str,
    actor: &str,
    command: &str,
) -> Result<Removed, StoreError> {
    let (firm, search_ref) = (firm.trim(), search_ref.trim());
    if !scope.covers(firm) || store.view(Moment::Now, None)?.dossier(firm, search_ref)?.is_none() {
        return Ok(Removed::NoSearch);
    }
    Ok(if store.remove_exemption(firm, search_ref, actor, command)? { Removed::Done } else { Removed::NoExemption })
}
