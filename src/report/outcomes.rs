//! `report outcomes`: whether cross-sector candidates get further than the shortlist.
//!
//! For each in-scope search whose shortlist has gone out, its candidates are counted by the furthest stage they
//! reached (shortlist, interview, hired), all of them and those who are cross-sector as the policy version that
//! applied to the search judges it ([`rules::assess`] with that version's rules). For state clients the hires
//! from another public sub-sector (region or municipality) are counted too, to set beside the national baseline
//! of about 1 in 14 state executive hires (domain.md).

use std::collections::BTreeMap;

use super::{rate, Cell, Filter, Table};
use crate::model::Verdict;
use crate::model::{Dossier, FirmName};
use crate::model::{Sector, Stage};
use crate::policy::Policy;
use crate::rules::{self, Case};

/// The national baseline for state clients: about 1 in 14 executives hired by the state comes with experience
/// from another public sub-sector (domain.md; VIVE 2022).
pub const STATE_BASELINE: (u64, u64) = (1, 14);

/// Candidates of a set of searches, counted by the furthest stage they reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Searches counted.
    pub searches: u64,
    /// Candidates who reached the shortlist (stage shortlist or later).
    pub shortlisted: u64,
    /// Of those, cross-sector.
    pub shortlisted_cross_sector: u64,
    /// Candidates who reached interview (stage interview or hired).
    pub interviewed: u64,
    /// Of those, cross-sector.
    pub interviewed_cross_sector: u64,
    /// Candidates hired.
    pub hired: u64,
    /// Of those, cross-sector.
    pub hired_cross_sector: u64,
    /// Hires from another public sub-sector (counted for state clients only).
    pub hired_other_public: u64,
}

impl std::ops::AddAssign for Funnel {
    fn add_assign(&mut self, o: Funnel) {
        self.searches += o.searches;
        self.shortlisted += o.shortlisted;
        self.shortlisted_cross_sector += o.shortlisted_cross_sector;
        self.interviewed += o.interviewed;
        self.interviewed_cross_sector += o.interviewed_cross_sector;
        self.hired += o.hired;
        self.hired_cross_sector += o.hired_cross_sector;
        self.hired_other_public += o.hired_other_public;
    }
}

impl Funnel {
    /// The share of hires that are cross-sector, in ten-thousandths.
    /// The counts from searches to hired cross-sector, then the hired cross-sector share: the columns of
    /// `report outcomes` after its keys.
    pub fn cells(&self) -> [Cell; 8] {
        [
            Cell::Count(self.searches),
            Cell::Count(self.shortlisted),
            Cell::Count(self.shortlisted_cross_sector),
            Cell::Count(self.interviewed),
            Cell::Count(self.interviewed_cross_sector),
            Cell::Count(self.hired),
            Cell::Count(self.hired_cross_sector),
            Cell::Rate(self.hired_cross_sector_share()),
        ]
    }

    pub fn hired_cross_sector_share(&self) -> Option<u32> {
        rate(self.hired_cross_sector, self.hired)
    }

    /// The share of hires from another public sub-sector, in ten-thousandths.
    pub fn hired_other_public_share(&self) -> Option<u32> {
        rate(self.hired_other_public, self.hired)
    }
}

/// The outcome of one search: its quarter, firm and client sector, and its candidates counted; `None` for a
/// search the pledge does not cover or whose shortlist has not gone out.
pub fn of_case(policy: &Policy, case: &Dossier) -> Option<(String, String, Sector, Funnel)> {
    let decision = rules::decide(policy, &Case::of(case));
    if !matches!(decision.verdict, Verdict::Compliant | Verdict::Exempt | Verdict::Incomplete | Verdict::NonCompliant) {
        return None;
    }
    let version = decision.version?;
    let search = &case.search;
    let client = search.client_sector;
    let public_others: Vec<Sector> =
        [Sector::State, Sector::Region, Sector::Municipality].into_iter().filter(|s| *s != client).collect();
    let mut funnel = Funnel { searches: 1, ..Funnel::default() };
    for candidate in &case.candidates {
        let cross = rules::assess(&version.rules, client, search.shortlist_on, candidate).basis.is_some();
        let stage = candidate.stage;
        let count = |all: &mut u64, of_cross: &mut u64| {
            *all += 1;
            *of_cross += u64::from(cross);
        };
        if stage >= Stage::Shortlist {
            count(&mut funnel.shortlisted, &mut funnel.shortlisted_cross_sector);
        }
        if stage >= Stage::Interview {
            count(&mut funnel.interviewed, &mut funnel.interviewed_cross_sector);
        }
        if stage == Stage::Hired {
            count(&mut funnel.hired, &mut funnel.hired_cross_sector);
            let other_public = public_others.contains(&candidate.sector)
                || candidate
                    .experience
                    .entries()
                    .iter()
                    .any(|(s, years)| public_others.contains(s) && *years >= version.rules.minimum_years);
            if client == Sector::State && other_public {
                funnel.hired_other_public += 1;
            }
        }
    }
    Some((search.quarter().to_string(), search.firm.clone(), client, funnel))
}

/// Outcomes per quarter, firm and client sector.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    by: BTreeMap<(String, String, &'static str), Funnel>,
}

/// The columns of `report outcomes`.
pub const COLUMNS: [&str; 15] = [
    "quarter",
    "firm",
    "name",
    "client_sector",
    "searches",
    "shortlisted",
    "shortlisted_cross_sector",
    "interviewed",
    "interviewed_cross_sector",
    "hired",
    "hired_cross_sector",
    "hired_cross_sector_share",
    "hired_other_public",
    "hired_other_public_share",
    "national_baseline",
];

impl Outcomes {
    /// Counts one search, if the pledge covers it and its shortlist has gone out.
    pub fn add(&mut self, policy: &Policy, case: &Dossier) {
        if let Some((quarter, firm, sector, funnel)) = of_case(policy, case) {
            *self.by.entry((quarter, firm, sector.as_str())).or_default() += funnel;
        }
    }

    fn covered<'a>(
        &'a self,
        filter: &'a Filter,
    ) -> impl Iterator<Item = (&'a (String, String, &'static str), &'a Funnel)> {
        self.by.iter().filter(|((quarter, firm, _), _)| {
            filter.firm_ok(firm) && filter.quarter.as_deref().is_none_or(|q| q == quarter)
        })
    }

    /// All the searches the filter covers, pooled.
    pub fn total(&self, filter: &Filter) -> Funnel {
        let mut total = Funnel::default();
        for (_, funnel) in self.covered(filter) {
            total += *funnel;
        }
        total
    }

    /// The searches the filter covers, pooled per client sector (in byte order of the sector's word).
    pub fn by_sector(&self, filter: &Filter) -> BTreeMap<&'static str, Funnel> {
        let mut out: BTreeMap<&'static str, Funnel> = BTreeMap::new();
        for ((_, _, sector), funnel) in self.covered(filter) {
            *out.entry(sector).or_default() += *funnel;
        }
        out
    }

    /// `report outcomes`: one row per quarter, firm and client sector with counted searches, in that order.
    pub fn table(&self, firms: &[FirmName], filter: &Filter) -> Table {
        let mut rows = Vec::new();
        let _ = self.each_row(firms, filter, |row| {
            rows.push(row);
            Ok(())
        });
        Table { columns: COLUMNS.to_vec(), rows }
    }

    /// Visits the rows of [`Outcomes::table`] one at a time, in order, without making the table (a database of
    /// many firms and quarters has tens of thousands).
    pub fn each_row(
        &self,
        firms: &[FirmName],
        filter: &Filter,
        mut visit: impl FnMut(Vec<Cell>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let names: BTreeMap<&str, Option<&str>> = firms.iter().map(|f| (f.firm.as_str(), f.name.as_deref())).collect();
        for ((quarter, firm, sector), f) in self.covered(filter) {
            let state = *sector == Sector::State.as_str();
            let when_state = |cell: Cell| if state { cell } else { Cell::Empty };
            let mut cells = vec![
                Cell::text(quarter),
                Cell::text(firm),
                Cell::optional(names.get(firm.as_str()).copied().flatten()),
                Cell::text(*sector),
            ];
            cells.extend(f.cells());
            cells.extend([
                when_state(Cell::Count(f.hired_other_public)),
                when_state(Cell::Rate(f.hired_other_public_share())),
                when_state(Cell::Rate(rate(STATE_BASELINE.0, STATE_BASELINE.1))),
            ]);
            visit(cells)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::model::{Candidate, Experience, Firm, Level, Search};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn candidate(r: &str, sector: Sector, experience: &str, stage: Stage) -> Candidate {
        Candidate {
            candidate_ref: r.into(),
            sector,
            experience: Experience::parse(experience).unwrap(),
            stage,
            added_on: None,
        }
    }

    fn case(client: Sector, shortlist_on: Option<&str>, candidates: Vec<Candidate>) -> Dossier {
        Dossier {
            firm: Firm { firm: "f".into(), name: None, pledged_on: Some(date("2021-06-01")), withdrawn_on: None },
            search: Search {
                firm: "f".into(),
                search_ref: "s".into(),
                client: "C".into(),
                client_sector: client,
                client_ref: None,
                position: "P".into(),
                level: Level::Top,
                opened_on: date("2026-01-05"),
                shortlist_on: shortlist_on.map(date),
                cancelled_on: None,
            },
            candidates,
            exemption: None,
        }
    }

    #[test]
    fn counts_candidates_by_stage_and_cross_sector() {
        let policy = Policy::default_policy();
        let c = case(
            Sector::State,
            Some("2026-02-01"),
            vec![
                candidate("a", Sector::State, "", Stage::Longlist),
                candidate("b", Sector::Municipality, "", Stage::Shortlist),
                candidate("c", Sector::State, "region:3", Stage::Interview),
                candidate("d", Sector::State, "private:5", Stage::Hired),
                candidate("e", Sector::State, "", Stage::Interview),
            ],
        );
        let (quarter, firm, sector, f) = of_case(&policy, &c).unwrap();
        assert_eq!((quarter.as_str(), firm.as_str(), sector), ("2026-Q1", "f", Sector::State));
        assert_eq!(
            f,
            Funnel {
                searches: 1,
                shortlisted: 4,
                shortlisted_cross_sector: 3,
                interviewed: 3,
                interviewed_cross_sector: 2,
                hired: 1,
                hired_cross_sector: 1,
                // d is cross-sector by private years, not from another public sub-sector.
                hired_other_public: 0,
            }
        );
        assert_eq!(f.hired_cross_sector_share(), Some(10_000));
        assert_eq!(f.hired_other_public_share(), Some(0));
    }

    #[test]
    fn a_state_hire_with_region_years_is_from_another_public_sub_sector() {
        let policy = Policy::default_policy();
        let c = case(Sector::State, Some("2026-02-01"), vec![candidate("a", Sector::State, "region:2", Stage::Hired)]);
        let (_, _, _, f) = of_case(&policy, &c).unwrap();
        assert_eq!((f.hired, f.hired_cross_sector, f.hired_other_public), (1, 1, 1));
    }

    #[test]
    fn pending_and_out_of_scope_searches_are_not_counted() {
        let policy = Policy::default_policy();
        let pending = case(Sector::State, None, vec![candidate("a", Sector::Region, "", Stage::Shortlist)]);
        assert!(of_case(&policy, &pending).is_none());
        let private = case(Sector::Private, Some("2026-02-01"), vec![candidate("a", Sector::Region, "", Stage::Hired)]);
        assert!(of_case(&policy, &private).is_none());
    }

    #[test]
    fn the_baseline_is_shown_for_state_clients_only() {
        let policy = Policy::default_policy();
        let mut outcomes = Outcomes::default();
        outcomes.add(&policy, &case(Sector::State, Some("2026-02-01"), vec![]));
        outcomes.add(&policy, &case(Sector::Region, Some("2026-02-01"), vec![]));
        let table = outcomes.table(&[], &Filter::default());
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0][3], Cell::text("region"));
        assert_eq!(table.rows[0][14], Cell::Empty);
        assert_eq!(table.rows[1][14], Cell::Rate(Some(714)));
        assert_eq!(table.rows[1][11], Cell::Rate(None));
    }
}
