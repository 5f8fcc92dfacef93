//! The evidence both front ends show: a firm's or a search's history within a scope, and the verification of
//! the hash chain as `audit verify --format json` prints it.

use serde_json::{json, Value};

use crate::store::{Change, Scope, Store, StoreError};

/// The version of every JSON output's shape.
const SCHEMA_VERSION: u32 = 1;

/// The changes to a firm (and its searches) or one search, oldest first; with no firm, to everything the scope
/// covers. `None` when the firm is outside the scope: the caller answers as for a firm that does not exist.
pub fn history(
    store: &Store,
    scope: &Scope,
    firm: Option<&str>,
    search_ref: Option<&str>,
) -> Result<Option<Vec<Change>>, StoreError> {
    let firm = firm.map(str::trim).or(scope.firm());
    if firm.is_some_and(|f| !scope.covers(f)) {
        return Ok(None);
    }
    let mut changes = Vec::new();
    store.each_change(firm, search_ref.map(str::trim), |change| {
        changes.push(change);
        Ok(())
    })?;
    Ok(Some(changes))
}

/// The history as JSON.
pub fn history_json(changes: &[Change]) -> Value {
    json!({"schema_version": SCHEMA_VERSION, "changes": changes})
}

/// Recomputes the hash chain (and, with `expect`, looks for a hash noted earlier): the JSON of `audit verify`,
/// and whether all is intact.
pub fn verify(store: &Store, expect: Option<&str>) -> Result<(Value, bool), StoreError> {
    let found = store.verify_chain(None)?;
    // A malformed or ambiguous hash is reported as not found: the server's caller gets intact false.
    let expected = expect.map(|hash| store.find_entry(hash).map(|entry| (hash, entry.ok().flatten()))).transpose()?;
    let expect_ok = expected.as_ref().is_none_or(|(_, entry)| entry.is_some());
    let intact = found.intact() && expect_ok;
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "intact": intact,
        "entries": found.entries,
        "head": found.head,
        "first_bad_entry": found.first_bad_entry,
        "bad_rows": found.bad_rows,
        "bad_row_count": found.bad_row_count,
        "expected": expected.as_ref().map(|(hash, entry)| json!({
            "hash": hash, "found": entry.is_some(), "entry": entry.as_ref().map(|e| e.0), "at": entry.as_ref().map(|e| e.1.clone())
        })),
    });
    Ok((value, intact))
}
