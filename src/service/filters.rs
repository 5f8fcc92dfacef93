//! Filters given by people (`--firm`, a search named on the command line) checked against the data: a firm or
//! search that is not there is an error with "did you mean", never an empty report that a CI gate would pass.

use crate::model::{did_you_mean, firm_suggestions, FirmName};
use crate::registry::{match_key, Match};
use crate::report::ClientFilter;
use crate::store::{StoreError, View};

/// A filter that names nothing in the data.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// No such firm.
    #[error("no firm {firm:?} in {place}{suggest} (firm ids match exactly; `pledgecheck firm list` lists them)")]
    UnknownFirm {
        /// The id given.
        firm: String,
        /// Where it was looked for.
        place: String,
        /// ` (did you mean ...?)` or nothing.
        suggest: String,
    },
    /// No such search of a firm.
    #[error("no search {search_ref:?} of firm {firm:?} in {place}{suggest}")]
    UnknownSearch {
        /// The firm.
        firm: String,
        /// The reference given.
        search_ref: String,
        /// Where it was looked for.
        place: String,
        /// ` (did you mean ...?)` or nothing.
        suggest: String,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks that a firm given as a filter is among `firms`; `place` says where they come from.
pub fn known_firm(firm: &str, firms: &[FirmName], place: &str) -> Result<(), FilterError> {
    if firms.iter().any(|f| f.firm == firm) {
        return Ok(());
    }
    Err(FilterError::UnknownFirm {
        firm: firm.to_string(),
        place: place.to_string(),
        suggest: firm_suggestions(firm, firms),
    })
}

/// Checks a `--firm` filter against the firms of a view.
pub fn known_firm_in(view: &View, firm: Option<&str>, place: &str) -> Result<(), FilterError> {
    match firm {
        Some(firm) => known_firm(firm, &view.firms()?, place),
        None => Ok(()),
    }
}

/// Why a search named on the command line is not in a view: the firm is unknown, or the search, with
/// suggestions.
pub fn missing_search(view: &View, firm: &str, search_ref: &str, place: &str) -> FilterError {
    let firms = match view.firms() {
        Ok(firms) => firms,
        Err(e) => return e.into(),
    };
    if let Err(e) = known_firm(firm, &firms, place) {
        return e;
    }
    // Only the firm's references are read (the candidates for "did you mean"), not every search.
    let mut refs: Vec<String> = Vec::new();
    if let Err(e) = view.each_verdict(Some(firm), &[], |r| {
        refs.push(r.search_ref);
        Ok(())
    }) {
        return e.into();
    }
    let close = did_you_mean(search_ref, refs.iter().map(String::as_str));
    let suggest = if close.is_empty() { String::new() } else { format!(" (did you mean {}?)", close.join(", ")) };
    FilterError::UnknownSearch {
        firm: firm.to_string(),
        search_ref: search_ref.to_string(),
        place: place.to_string(),
        suggest,
    }
}

/// `--client TEXT` as a filter: a registry entry named by its id or any of its names, else the client's text as
/// the registry would match it (an unknown client).
pub fn client(view: &View, text: Option<&str>) -> Result<Option<ClientFilter>, StoreError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    let registry = view.registry()?;
    Ok(Some(match (registry.get(text), registry.lookup(text)) {
        (Some(e), _) | (None, Match::Known(e)) => ClientFilter::Entry(e.id.clone()),
        (None, Match::Unknown) => ClientFilter::Text(match_key(text)),
    }))
}
