//! The reports of one view: per search, firm, quarter and outcome, the HTML report's and the quarterly pack's
//! data. Stored verdicts (now, under the policy in force) are counted and streamed by SQLite, so that memory
//! stays flat; any other moment or policy works them out from the rows.

use crate::model::{FirmName, Quarter, SearchVerdict};
use crate::registry::Registry;
use crate::report::outcomes::Outcomes;
use crate::report::pack::{self, ExemptionRow};
use crate::report::{self, Cell, Filter, Ledger, Table};
use crate::store::{Moment, Store, StoreError, View};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// One row per search with its verdict and reason.
    Searches,
    /// One row per firm with counts and compliance rate.
    Firms,
    /// One row per quarter and firm with counts, compliance rate and the rate over four quarters.
    Quarters,
    /// One row per quarter, firm and client sector: cross-sector candidates at shortlist, interview and hire.
    Outcomes,
    /// One row per employer of the registry, and per client text it does not know: counts and rates.
    Clients,
}

/// Everything the HTML report and the quarterly pack are made from.
#[derive(Debug, Clone)]
pub struct Data {
    /// Every firm, ordered by id.
    pub firms: Vec<FirmName>,
    /// Every search's verdict, ordered by firm and search reference.
    pub verdicts: Vec<SearchVerdict>,
    /// Who reached shortlist, interview and hire.
    pub outcomes: Outcomes,
    /// Every exemption, ordered by firm and search reference.
    pub exemptions: Vec<ExemptionRow>,
    /// The registry of public employers at the view's moment.
    pub registry: Registry,
}

/// Reads every firm, verdict, outcome and exemption of the view.
pub fn gather(view: &View) -> Result<Data, StoreError> {
    let policy = &view.judging()?.policy;
    let mut outcomes = Outcomes::default();
    let mut exemptions = Vec::new();
    view.each_dossier(|dossier| {
        outcomes.add(policy, &dossier);
        if let Some(e) = dossier.exemption {
            exemptions.push(ExemptionRow { firm: e.firm, search_ref: e.search_ref, reason: e.reason, note: e.note });
        }
        Ok(())
    })?;
    exemptions.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
    Ok(Data { firms: view.firms()?, verdicts: view.verdicts()?, outcomes, exemptions, registry: view.registry()? })
}

/// Who reached shortlist, interview and hire, over every search of the view whose client the filter covers.
pub fn outcomes(view: &View, filter: &Filter) -> Result<Outcomes, StoreError> {
    let policy = &view.judging()?.policy;
    let mut outcomes = Outcomes::default();
    view.each_dossier(|dossier| {
        let s = &dossier.search;
        if filter.client_ok(&s.client, s.client_ref.as_ref().map(|c| c.id.as_str()), s.client_sector.as_str()) {
            outcomes.add(policy, &dossier);
        }
        Ok(())
    })?;
    Ok(outcomes)
}

/// The verdict counts per firm and quarter that a filter's firm (and client) covers: counted by SQLite, or, for
/// a filter by client, from the verdicts.
pub fn ledger(view: &View, filter: &Filter) -> Result<Ledger, StoreError> {
    if filter.by_client() {
        return Ok(Ledger::new(&view.verdicts()?, filter));
    }
    Ok(Ledger::of_counts(view.verdict_counts()?, filter))
}

/// One report as a table.
pub fn table(view: &View, which: Which, filter: &Filter) -> Result<Table, StoreError> {
    Ok(match which {
        Which::Searches => report::searches(&view.verdicts()?, filter),
        Which::Firms => report::firms_of(&view.firms()?, &ledger(view, filter)?, filter),
        Which::Quarters => report::quarters_of(&view.firms()?, &ledger(view, filter)?, filter),
        Which::Outcomes => outcomes(view, filter)?.table(&view.firms()?, filter),
        Which::Clients => report::clients::clients(&view.registry()?, &view.verdicts()?, filter),
    })
}

/// Visits the rows of `report searches` one at a time, in order, without holding them (stored verdicts are
/// streamed from the database).
pub fn each_search_row(
    view: &View,
    filter: &Filter,
    mut visit: impl FnMut(&SearchVerdict) -> std::io::Result<()>,
) -> Result<(), StoreError> {
    view.each_verdict(filter.firm.as_deref(), &[], |row| match filter.covers(&row) {
        true => visit(&row),
        false => Ok(()),
    })
}

/// The quarterly pack of the database as it stands now: its files (name and table, in the pack's order) and the
/// data they were made from. The facts name the policy and the chain head, times taken from the data, never the
/// clock, so that the same database gives the same files.
pub fn pack(store: &Store, quarter: Quarter) -> Result<(Data, Vec<(String, Table)>), StoreError> {
    let view = store.view(Moment::Now, None)?;
    let data = gather(&view)?;
    let judging = view.judging()?;
    // The date the policy version that applies to the quarter took effect (its last day's version).
    let last_day = chrono::NaiveDate::from_ymd_opt(quarter.year, quarter.number * 3, 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt());
    let version_from = last_day
        .and_then(|d| judging.policy.version_on(d))
        .map(|v| v.effective_from.to_string())
        .or_else(|| judging.in_force_from.clone());
    let mut facts: Vec<(&'static str, Cell)> = vec![
        ("policy", Cell::text(&judging.name)),
        ("policy_sha256", Cell::text(&judging.policy.sha256)),
        ("policy_in_force_from", Cell::optional(version_from.as_deref())),
    ];
    let head = store.chain_head()?;
    let head_at = store.find_entry(&head)?.ok().flatten().map(|(_, at)| at);
    facts.push(("data_changed_at", Cell::optional(head_at.as_deref())));
    facts.push(("chain_head", Cell::text(head)));
    // A signed chain's head carries its signature, which the auditor checks with the public key; an unsigned
    // database's summary stays as it was.
    if let Some(signature) = store.chain_head_signature()? {
        facts.push(("chain_head_signature", Cell::text(signature)));
    }
    let tables = pack::files(&pack::Input {
        quarter,
        firms: &data.firms,
        verdicts: &data.verdicts,
        exemptions: &data.exemptions,
        outcomes: &data.outcomes,
        facts: &facts,
        registry: &data.registry,
    });
    Ok((data, tables))
}
