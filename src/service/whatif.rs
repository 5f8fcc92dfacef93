//! `whatif`: every stored search judged under another policy, in one pass over the database split between two
//! threads; nothing stored.

use crate::policy::Policy;
use crate::report::whatif::Comparison;
use crate::report::{Filter, Table};
use crate::store::{Moment, Store, StoreError};

/// The searches that would change verdict under `policy`, and each firm's rate before and after.
pub fn compare(store: &Store, policy: &Policy, filter: &Filter) -> Result<(Table, Table), StoreError> {
    let (mut comparison, rest) = store.fold_current_in_halves(Comparison::default, |part, dossier, stored| {
        part.add(policy, filter, &dossier, stored);
        Ok(())
    })?;
    comparison.absorb(rest);
    let firms = store.view(Moment::Now, None)?.firms()?;
    Ok((comparison.changes(), comparison.rates(&firms, filter)))
}
