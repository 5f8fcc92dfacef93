//! The reports of one view: per search, firm, quarter and outcome, the HTML report's and the quarterly pack's
//! data. Stored verdicts (now, under the policy in force) are counted and streamed by SQLite, so that memory
//! stays flat; any other moment or policy works them out from the rows.

use crate::model::{FirmName, Quarter, SearchVerdict};
use crate::registry::Registry;
use crate::report::clients::{SectorTally, Tally};
use crate::report::outcomes::Outcomes;
use crate::report::overview::Overview;
use crate::report::pack::{self, Content};
use crate::report::{self, Cell, Filter, Ledger, Table};
use crate::store::{Moment, Pick, Store, StoreError, View, Within};

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

/// Everything the HTML report is made from: held per firm, quarter and client, never per search.
#[derive(Debug, Clone)]
pub struct Gathered {
    /// Every firm, ordered by id.
    pub firms: Vec<FirmName>,
    /// The verdicts summed up: counts, the latest failing searches, each firm's kinds of search.
    pub overview: Overview,
    /// Every search counted per client.
    pub clients: Tally,
    /// The public clients' searches counted per client sector.
    pub by_sector: SectorTally,
    /// Who reached shortlist, interview and hire.
    pub outcomes: Outcomes,
    /// The registry of public employers at the view's moment.
    pub registry: Registry,
}

/// Reads every firm, verdict and outcome of the view: the verdicts in one pass in the order they are stored, the
/// outcomes in one pass over the dossiers.
pub fn gather(view: &View) -> Result<Gathered, StoreError> {
    let (mut overview, mut clients, mut by_sector) = (Overview::default(), Tally::default(), SectorTally::default());
    let all = Filter::default();
    view.each_verdict_unordered(|row| {
        clients.add(&row, &all);
        by_sector.add(&row);
        overview.add(row);
        Ok(())
    })?;
    let outcomes = outcomes(view, &all)?;
    Ok(Gathered { firms: view.firms()?, overview, clients, by_sector, outcomes, registry: view.registry()? })
}

/// Who reached shortlist, interview and hire, over every search of the view that the filter covers: its firm
/// and quarter chosen by SQLite, its client checked search by search.
pub fn outcomes(view: &View, filter: &Filter) -> Result<Outcomes, StoreError> {
    let policy = &view.judging()?.policy;
    // A malformed quarter matches no search (as a filter on the rows would).
    let quarter = match filter.quarter.as_deref().map(Quarter::parse) {
        Some(Err(_)) => return Ok(Outcomes::default()),
        other => other.and_then(Result::ok),
    };
    let within = Within { firm: filter.firm.as_deref(), quarter };
    let mut outcomes = Outcomes::default();
    view.each_dossier_within(&within, |dossier| {
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
        let mut ledger = Ledger::default();
        view.each_verdict_unordered(|r| {
            if filter.firm_ok(&r.firm) && filter.client_ok(&r.client, r.client_id.as_deref(), &r.client_sector) {
                ledger.add(&r.firm, &r.quarter, r.verdict, 1);
            }
            Ok(())
        })?;
        return Ok(ledger);
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
        Which::Clients => report::clients::clients_of(&view.registry()?, &clients(view, filter)?, filter),
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

/// Every search of the view counted per client, through the filter's firm and client.
fn clients(view: &View, filter: &Filter) -> Result<Tally, StoreError> {
    let mut tally = Tally::default();
    view.each_verdict_unordered(|row| {
        tally.add(&row, filter);
        Ok(())
    })?;
    Ok(tally)
}

/// The quarterly pack of the database as it stands now: its files in the pack's order, the tables in hand and the
/// quarter's searches read from the database as each file is written ([`Pack::each_row`]).
pub struct Pack<'s> {
    view: View<'s>,
    quarter: Quarter,
    /// The files, named, in the pack's order.
    pub files: Vec<(String, Content)>,
    /// How many firms there are.
    pub firms: usize,
    /// How many searches there are, in every quarter.
    pub searches: u64,
    /// How many searches the quarter has.
    pub of_quarter: u64,
}

impl Pack<'_> {
    /// The policy the pack's verdicts are of.
    pub fn judging(&self) -> Result<&crate::store::Judging, StoreError> {
        self.view.judging()
    }

    /// Visits the rows of one of the pack's files, in order: a table's rows, or the quarter's searches streamed
    /// from the database.
    pub fn each_row(
        &self,
        content: &Content,
        mut visit: impl FnMut(&[Cell]) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let quarter = self.quarter.to_string();
        let pick = Pick { quarter: Some(&quarter), ..Pick::default() };
        match content {
            Content::Table(table) => {
                for row in &table.rows {
                    visit(row)?;
                }
                Ok(())
            }
            Content::Searches(only) => {
                self.view.each_picked(&Pick { only, ..pick }, |row, _| visit(&report::search_row(&row)))
            }
            Content::Exemptions => self.view.each_picked(&Pick { exempted: true, ..pick }, |row, exemption| {
                let (reason, note) = exemption.unwrap_or_default();
                visit(&pack::exemption_row(&row, &reason, &note))
            }),
        }
    }
}

/// The quarterly pack of the database as it stands now. The facts name the policy and the chain head, times taken
/// from the data, never the clock, so that the same database gives the same files.
pub fn pack(store: &Store, quarter: Quarter) -> Result<Pack<'_>, StoreError> {
    let view = store.view(Moment::Now, None)?;
    let judging = view.judging()?;
    let firms = view.firms()?;
    // One pass over every stored verdict counts them per firm and quarter and per client.
    let filter = Filter { quarter: Some(quarter.to_string()), ..Filter::default() };
    let (mut ledger, mut clients) = (Ledger::default(), Tally::default());
    view.each_verdict_unordered(|row| {
        ledger.add(&row.firm, &row.quarter, row.verdict, 1);
        clients.add(&row, &filter);
        Ok(())
    })?;
    let outcomes = outcomes(&view, &filter)?;
    let registry = view.registry()?;
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
    let files = pack::files(&pack::Input {
        quarter,
        firms: &firms,
        ledger: &ledger,
        clients: &clients,
        outcomes: &outcomes,
        facts: &facts,
        registry: &registry,
    });
    let searches = ledger.quarters().map(|q| ledger.counts(None, q).searches).sum();
    let of_quarter = ledger.counts(None, &quarter.to_string()).searches;
    Ok(Pack { view, quarter, files, firms: firms.len(), searches, of_quarter })
}
