//! `check` over the database: the per-firm summary counted by the view, and the first failing searches.

use crate::model::SearchVerdict;
use crate::report::check::{Summary, FAILING};
use crate::report::Filter;
use crate::store::{StoreError, View};

/// The per-firm summary of a view, counted without holding its verdicts.
pub fn summary(view: &View, filter: &Filter) -> Result<Summary, StoreError> {
    Ok(Summary { firms: view.firms()?, ledger: super::reports::ledger(view, filter)?, filter: filter.clone() })
}

/// The first `limit` failing searches of the view that the filter's firm covers, in report order.
pub fn first_failing(view: &View, filter: &Filter, limit: usize) -> Result<Vec<SearchVerdict>, StoreError> {
    let mut failing = Vec::new();
    if limit == 0 {
        return Ok(failing);
    }
    view.each_verdict(filter.firm.as_deref(), &FAILING, |row| {
        if failing.len() < limit {
            failing.push(row);
        }
        Ok(())
    })?;
    Ok(failing)
}
