//! One view of the store for a read command: the rows valid at one moment (now, or `--as-of`) judged under one
//! policy (the one in force then, or `--policy FILE`), chosen once. Every report, check and explanation reads
//! through a view, so that "now under the policy in force" (stored verdicts, counted and streamed by SQLite) and
//! "another moment or another policy" (verdicts worked out from the rows, nothing stored) give the same answers
//! through the same calls.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::read::{for_each_dossier_within, load_dossier, search_id, Pick, VerdictQuery, Within, LATEST};
use super::spill::Spill;
use super::{policy_in_force, Store, StoreError, StoredPolicy};
use crate::model::{Dossier, FirmName, SearchVerdict, Verdict, VerdictCount};
use crate::policy::Policy;
use crate::rules::{self, Case};

/// When a view reads the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// The current rows.
    Now,
    /// The rows valid at a past time (as stored: UTC with microseconds; see [`super::parse_moment`]).
    At(String),
}

impl Moment {
    /// `--as-of TIME` if given, else now.
    pub fn of(as_of: Option<&str>) -> Moment {
        as_of.map_or(Moment::Now, |t| Moment::At(t.to_string()))
    }

    /// The moment as rows are selected by it.
    fn as_stored(&self) -> &str {
        match self {
            Moment::Now => LATEST,
            Moment::At(t) => t,
        }
    }
}

/// The columns of a verdict put in order through a [`Spill`]: a [`SearchVerdict`]'s 13, then an exemption's
/// reason and note.
const SPILL_COLUMNS: usize = 15;

/// The policy a view judges under.
#[derive(Debug, Clone)]
pub struct Judging {
    /// Its name: the file it came from, or the stored policy's name.
    pub name: String,
    /// When it came into force, for a stored policy.
    pub in_force_from: Option<String>,
    /// The policy that judges the view's searches.
    pub policy: Policy,
    /// Whether it is the stored policy of the view's moment (so that, now, the stored verdicts are its verdicts).
    pub stored: bool,
}

/// Which firms' data a view reads: all of them (the CLI, an auditor, an admin), or one firm's (a recruiter of the
/// server). A view scoped to one firm answers for another firm's search exactly as for a search that does not
/// exist, and counts, lists and reports nothing of other firms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every firm.
    #[default]
    All,
    /// Only this firm.
    Firm(String),
}

impl Scope {
    /// Whether the scope covers a firm.
    pub fn covers(&self, firm: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Firm(only) => only == firm,
        }
    }

    /// The one firm, if the scope is one firm.
    pub fn firm(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Firm(only) => Some(only),
        }
    }
}

/// The store at one moment under one policy, over the firms of one scope.
pub struct View<'s> {
    store: &'s Store,
    moment: Moment,
    /// `--policy FILE`, if given: its name and the policy.
    other: Option<(String, Policy)>,
    /// The policy that judges, read when first needed: a read that judges nothing (a list of firms, a search's
    /// rows) works even where the stored policy does not read.
    judging: OnceCell<Judging>,
    scope: Scope,
}

impl Store {
    /// A view at `moment`, under the policy in force then, or under `other` (a name and a policy) if given.
    pub fn view(&self, moment: Moment, other: Option<(String, Policy)>) -> Result<View<'_>, StoreError> {
        Ok(View { store: self, moment, other, judging: OnceCell::new(), scope: Scope::All })
    }
}

impl View<'_> {
    /// The same view, reading only the firms of `scope`.
    pub fn within(self, scope: Scope) -> Self {
        View { scope, ..self }
    }

    /// The firms the view reads.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The policy the view judges under.
    pub fn judging(&self) -> Result<&Judging, StoreError> {
        if let Some(judging) = self.judging.get() {
            return Ok(judging);
        }
        let judging = match &self.other {
            Some((name, policy)) => {
                Judging { name: name.clone(), in_force_from: None, policy: policy.clone(), stored: false }
            }
            None => {
                let StoredPolicy { name, in_force_from, policy } = match &self.moment {
                    Moment::Now => policy_in_force(&self.store.conn)?,
                    Moment::At(t) => self.store.policy_at(t)?,
                };
                Judging { name, in_force_from: Some(in_force_from), policy, stored: true }
            }
        };
        Ok(self.judging.get_or_init(|| judging))
    }

    /// The moment the view reads.
    pub fn moment(&self) -> &Moment {
        &self.moment
    }

    /// The database connection, for the store's own readers.
    pub(super) fn conn(&self) -> &rusqlite::Connection {
        &self.store.conn
    }

    /// Whether the verdicts are those stored (now, under the policy in force): then they are read, not worked out.
    pub fn reads_stored_verdicts(&self) -> bool {
        self.moment == Moment::Now && self.other.is_none()
    }

    /// Every firm valid at the moment, ordered by id.
    pub fn firms(&self) -> Result<Vec<FirmName>, StoreError> {
        let mut stmt = self.store.conn.prepare(
            "SELECT firm.firm, v.name FROM firm JOIN firm_version v ON v.firm_id = firm.id
             AND v.valid_from <= ?1 AND v.valid_to > ?1 ORDER BY firm.firm",
        )?;
        let rows = stmt.query_map([self.moment.as_stored()], |r| Ok(FirmName { firm: r.get(0)?, name: r.get(1)? }))?;
        let mut firms: Vec<FirmName> = rows.collect::<Result<_, _>>()?;
        firms.retain(|f| self.scope.covers(&f.firm));
        Ok(firms)
    }

    /// Every search with its verdict, ordered by firm and search reference (held in memory: for small views;
    /// [`View::each_verdict`] streams).
    pub fn verdicts(&self) -> Result<Vec<SearchVerdict>, StoreError> {
        let mut rows = Vec::new();
        self.each_picked(&Pick::default(), |row, _| {
            rows.push(row);
            Ok(())
        })?;
        Ok(rows)
    }

    /// Visits every search's verdict (of one firm, or with one of the verdicts `only` names, when given), ordered
    /// by firm and search reference, one at a time: never all held in memory.
    pub fn each_verdict(
        &self,
        firm: Option<&str>,
        only: &[Verdict],
        mut visit: impl FnMut(SearchVerdict) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        self.each_picked(&Pick { firm, only, ..Pick::default() }, |row, _| visit(row))
    }

    /// Visits the verdicts `pick` chooses (with `pick.exempted`, each with its exemption's reason and note), ordered
    /// by firm and search reference, one at a time. Stored verdicts are sorted by SQLite; verdicts worked out
    /// (another moment or policy) are judged in search id order, then put in order by SQLite's sorter through a
    /// temporary table: memory stays flat either way.
    pub fn each_picked(
        &self,
        pick: &Pick,
        mut visit: impl FnMut(SearchVerdict, Option<(String, String)>) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let firm = match (pick.firm, self.scope.firm()) {
            (Some(asked), Some(only)) if asked != only => return Ok(()),
            (asked, only) => asked.or(only),
        };
        let pick = Pick { firm, ..*pick };
        if self.reads_stored_verdicts() {
            return VerdictQuery::each(&self.store.conn, self.store.cache_kib(), &pick, visit);
        }
        let policy = &self.judging()?.policy;
        let mut spill = Spill::new(&self.store.conn, SPILL_COLUMNS, self.store.cache_kib())?;
        self.each_dossier(|dossier| {
            if pick.firm.is_some_and(|f| f != dossier.search.firm) || (pick.exempted && dossier.exemption.is_none()) {
                return Ok(());
            }
            let row = rules::judge(policy, &Case::of(&dossier)).for_search(&dossier.search);
            if !pick.covers(&row) {
                return Ok(());
            }
            let exemption = dossier.exemption.as_ref();
            spill.push(&[
                Some(&row.firm),
                Some(&row.search_ref),
                Some(&row.client),
                Some(&row.client_sector),
                Some(&row.level),
                Some(&row.opened_on),
                row.shortlist_on.as_deref(),
                Some(&row.quarter),
                Some(row.verdict.as_str()),
                Some(&row.rule),
                row.policy_version.as_deref(),
                Some(&row.reason),
                row.client_id.as_deref(),
                exemption.map(|e| e.reason.as_str()),
                exemption.map(|e| e.note.as_str()),
            ])
        })?;
        spill.each_ordered(|mut c| {
            let mut take = |i: usize| c[i].take();
            let text =
                |v: Option<String>| v.ok_or_else(|| StoreError::Corrupt("a spilled verdict lost a value".into()));
            let verdict = text(take(8))?;
            let row = SearchVerdict {
                firm: text(take(0))?,
                search_ref: text(take(1))?,
                client: text(take(2))?,
                client_sector: text(take(3))?,
                level: text(take(4))?,
                opened_on: text(take(5))?,
                shortlist_on: take(6),
                quarter: text(take(7))?,
                verdict: Verdict::parse(&verdict).ok_or_else(|| StoreError::Corrupt(format!("verdict {verdict:?}")))?,
                rule: text(take(9))?,
                policy_version: take(10),
                reason: text(take(11))?,
                client_id: take(12),
            };
            let exemption = match (take(13), take(14)) {
                (Some(reason), Some(note)) => Some((reason, note)),
                _ => None,
            };
            visit(row, exemption).map_err(StoreError::from)
        })
    }

    /// Visits every search's verdict in no particular order (for counts and tallies, which need none): stored
    /// verdicts as they lie in the database, with no sort; others judged search by search.
    pub fn each_verdict_unordered(
        &self,
        mut visit: impl FnMut(SearchVerdict) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.reads_stored_verdicts() {
            return VerdictQuery::each_unordered(&self.store.conn, self.scope.firm(), visit);
        }
        let policy = &self.judging()?.policy;
        self.each_dossier(|dossier| visit(rules::judge(policy, &Case::of(&dossier)).for_search(&dossier.search)))
    }

    /// One page of the searches' verdicts (of a firm, a quarter, with one of the verdicts `only` names, each when
    /// given), in report order, skipping `offset`, at most `limit`; and how many match in all.
    pub fn page_of_verdicts(
        &self,
        firm: Option<&str>,
        quarter: Option<&str>,
        only: &[Verdict],
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<SearchVerdict>), StoreError> {
        let firm = match (firm, self.scope.firm()) {
            (Some(asked), Some(own)) if asked != own => return Ok((0, Vec::new())),
            (asked, own) => asked.or(own),
        };
        if self.reads_stored_verdicts() {
            return VerdictQuery::page(&self.store.conn, firm, quarter, only, offset, limit);
        }
        let (mut total, mut rows) = (0, Vec::new());
        self.each_verdict(firm, only, |row| {
            if quarter.is_none_or(|q| q == row.quarter) {
                if total >= offset && rows.len() < limit {
                    rows.push(row);
                }
                total += 1;
            }
            Ok(())
        })?;
        Ok((total, rows))
    }

    /// How many searches each firm has per quarter and verdict (firm, quarter, verdict, count), in no order:
    /// counted in one pass, so that memory does not grow with the database.
    pub fn verdict_counts(&self) -> Result<Vec<VerdictCount>, StoreError> {
        if self.reads_stored_verdicts() {
            let mut counts = VerdictQuery::counts(&self.store.conn, self.scope.firm())?;
            counts.retain(|c| self.scope.covers(&c.firm));
            return Ok(counts);
        }
        let policy = &self.judging()?.policy;
        let mut counts: HashMap<(String, String, Verdict), u64> = HashMap::new();
        self.each_dossier(|dossier| {
            let verdict = rules::decide(policy, &Case::of(&dossier)).verdict;
            let quarter = dossier.search.quarter().to_string();
            *counts.entry((dossier.search.firm, quarter, verdict)).or_insert(0) += 1;
            Ok(())
        })?;
        Ok(counts
            .into_iter()
            .map(|((firm, quarter, verdict), searches)| VerdictCount { firm, quarter, verdict, searches })
            .collect())
    }

    /// One search's rows valid at the moment.
    pub fn dossier(&self, firm: &str, search_ref: &str) -> Result<Option<Dossier>, StoreError> {
        if !self.scope.covers(firm) {
            return Ok(None);
        }
        match search_id(&self.store.conn, firm, search_ref, false)? {
            Some(id) => load_dossier(&self.store.conn, id, self.moment.as_stored()),
            None => Ok(None),
        }
    }

    /// One search's verdict, if the search exists at the moment.
    pub fn verdict(&self, firm: &str, search_ref: &str) -> Result<Option<SearchVerdict>, StoreError> {
        if !self.scope.covers(firm) {
            return Ok(None);
        }
        if self.reads_stored_verdicts() {
            return VerdictQuery::one(&self.store.conn, firm, search_ref);
        }
        let Some(d) = self.dossier(firm, search_ref)? else { return Ok(None) };
        Ok(Some(rules::judge(&self.judging()?.policy, &Case::of(&d)).for_search(&d.search)))
    }

    /// Visits every search valid at the moment with its firm, candidates and exemption, in search id order,
    /// without holding them all in memory.
    pub fn each_dossier(&self, visit: impl FnMut(Dossier) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.each_dossier_within(&Within::default(), visit)
    }

    /// [`View::each_dossier`] over the searches `within` chooses (one firm's, one quarter's), chosen by SQLite.
    pub fn each_dossier_within(
        &self,
        within: &Within,
        mut visit: impl FnMut(Dossier) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.store.with_small_cache(|conn| {
            for_each_dossier_within(conn, self.moment.as_stored(), within, |dossier| {
                let chosen = within.quarter.is_none_or(|q| q == dossier.search.quarter())
                    && within.firm.is_none_or(|f| f == dossier.search.firm);
                match chosen && self.scope.covers(&dossier.search.firm) {
                    true => visit(dossier),
                    false => Ok(()),
                }
            })
        })
    }
}
