//! A small, seeded builder of searches for the benchmarks, in memory, with the crate's own model types.
//!
//! It follows the mix of `examples/generate.rs` (which writes files and is not a library): about 45% compliant,
//! 20% non-compliant, 5% incomplete, 3% exempt (a few more exemptions whose reason is not accepted), 10% pending
//! and the rest not applicable (firm never signed or withdrew, manager level, private or civil-society client,
//! opened before the first policy version, cancelled without a shortlist). Candidates qualify by their current
//! sector or by years in another sector (some summed from two entries), some fall one year short, some only
//! reached the longlist or were added after the shortlist went out. The same seed gives the same searches.
//!
//! [`Data::shortlists_csv`] writes the searches as a shortlists CSV file (the contract's 14 columns, one row per
//! candidate), for the parsing benchmarks.

#![allow(dead_code)] // Each benchmark uses part of it.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};
use pledgecheck::model::{Candidate, Exemption, Experience, Firm, Level, Search, Sector, Stage};
use pledgecheck::rules::Case;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Firms, and searches with their candidates and exemptions.
pub struct Data {
    /// The firms.
    pub firms: Vec<Firm>,
    /// Each search with the index of its firm, its candidates and its exemption.
    pub searches: Vec<(usize, Search, Vec<Candidate>, Option<Exemption>)>,
}

impl Data {
    /// The searches as cases for the rules engine.
    pub fn cases(&self) -> Vec<Case<'_>> {
        self.searches
            .iter()
            .map(|(firm, search, candidates, exemption)| Case {
                firm: &self.firms[*firm],
                search,
                candidates,
                exemption: exemption.as_ref(),
            })
            .collect()
    }

    /// The searches as a shortlists CSV file: header and one row per candidate (a search without candidates
    /// has one row with empty candidate columns).
    pub fn shortlists_csv(&self) -> Vec<u8> {
        let mut out = String::from(
            "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,cancelled_on,candidate_ref,\
             candidate_sector,experience,stage,added_on\n",
        );
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for (_, s, candidates, _) in &self.searches {
            let prefix = format!(
                "{},{},{},{},{},{},{},{},{}",
                s.firm,
                s.search_ref,
                s.client,
                s.client_sector,
                s.position,
                s.level,
                s.opened_on,
                date(s.shortlist_on),
                date(s.cancelled_on)
            );
            if candidates.is_empty() {
                writeln!(out, "{prefix},,,,,").expect("writing to a string");
            }
            for c in candidates {
                writeln!(
                    out,
                    "{prefix},{},{},{},{},{}",
                    c.candidate_ref,
                    c.sector,
                    c.experience,
                    c.stage,
                    date(c.added_on)
                )
                .expect("writing to a string");
            }
        }
        out.into_bytes()
    }
}

const PUBLIC: [Sector; 3] = [Sector::State, Sector::Region, Sector::Municipality];
const CLIENTS: [&str; 3] = ["Energistyrelsen", "Region Midtjylland", "Aarhus Kommune"];
const POSITIONS: [&str; 4] = ["Direktør", "Kontorchef", "Økonomichef", "Administrerende direktør for Teknik og Miljø"];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).expect("a date in range")
}

struct Builder {
    rng: StdRng,
    firms: Vec<Firm>,
}

/// What a search is built to be under the default policy.
#[derive(Clone, Copy)]
enum Shape {
    Compliant,
    NonCompliant,
    Incomplete,
    Exempt,
    DeclinedExemption,
    Pending,
    OutOfScope,
}

impl Builder {
    fn other_than(&mut self, client: Sector) -> Sector {
        loop {
            let s = [Sector::State, Sector::Region, Sector::Municipality, Sector::Private, Sector::CivilSociety]
                [self.rng.random_range(0..5)];
            if s != client {
                return s;
            }
        }
    }

    fn candidate(
        &mut self,
        number: usize,
        sector: Sector,
        experience: Experience,
        stage: Stage,
        added: NaiveDate,
    ) -> Candidate {
        Candidate { candidate_ref: format!("c{number}"), sector, experience, stage, added_on: Some(added) }
    }

    /// A search of firm `firm` opened on `opened`, of the given shape.
    fn search(&mut self, number: usize, shape: Shape) -> (usize, Search, Vec<Candidate>, Option<Exemption>) {
        let r = self.rng.random_range(0..100);
        // Firms 0..84 signed in 2020-2021 and stay; 85..92 withdrew on 2024-06-01; 93..99 never signed.
        let mut firm = self.rng.random_range(0..85);
        let mut client_sector = PUBLIC[self.rng.random_range(0..3)];
        let mut level = if self.rng.random_bool(0.5) { Level::Top } else { Level::Executive };
        let mut opened = plus(day(2022, 1, 1), self.rng.random_range(0..1400));
        let mut shortlist = Some(plus(opened, self.rng.random_range(30..120)));
        let mut cancelled = None;
        match shape {
            Shape::Pending => shortlist = None,
            Shape::OutOfScope => match r % 6 {
                0 => firm = self.rng.random_range(93..100),
                1 => {
                    firm = self.rng.random_range(85..93);
                    opened = plus(day(2024, 6, 1), self.rng.random_range(0..400));
                    shortlist = Some(plus(opened, 60));
                }
                2 => level = Level::Manager,
                3 => client_sector = if r % 2 == 0 { Sector::Private } else { Sector::CivilSociety },
                4 => {
                    opened = plus(day(2020, 6, 1), self.rng.random_range(0..180));
                    shortlist = Some(plus(opened, 60));
                }
                _ => {
                    shortlist = None;
                    cancelled = Some(plus(opened, 90));
                }
            },
            _ => {}
        }
        if matches!(shape, Shape::Compliant) && r < 5 {
            cancelled = shortlist.map(|s| plus(s, 30)); // cancelled after its shortlist: still judged
        }
        let sent = shortlist.unwrap_or(plus(opened, 60));
        let firm_id = self.firms[firm].firm.clone();
        let search = Search {
            firm: firm_id.clone(),
            search_ref: format!("S-{number:07}"),
            client: CLIENTS[PUBLIC.iter().position(|s| *s == client_sector).unwrap_or(0)].to_string(),
            client_sector,
            client_ref: None,
            position: POSITIONS[self.rng.random_range(0..POSITIONS.len())].to_string(),
            level,
            opened_on: opened,
            shortlist_on: shortlist,
            cancelled_on: cancelled,
        };
        let early = |b: &mut Builder| plus(opened, b.rng.random_range(1..25));
        let mut candidates = Vec::with_capacity(5);
        // Four candidates from the client's own sector, some with a near miss or a longlist stage.
        for n in 1..=4 {
            let stage = if self.rng.random_range(0..4) == 0 { Stage::Longlist } else { Stage::Shortlist };
            let experience = match self.rng.random_range(0..3) {
                0 => Experience::default(),
                1 => {
                    let other = self.other_than(client_sector);
                    Experience::from_entries([(other, 1), (client_sector, self.rng.random_range(2..15))])
                }
                _ => Experience::from_entries([(client_sector, self.rng.random_range(1..20))]),
            };
            let added = early(self);
            candidates.push(self.candidate(n, client_sector, experience, stage, added));
        }
        // The fifth decides the shape.
        let added = early(self);
        let fifth = match shape {
            Shape::Compliant | Shape::Pending | Shape::OutOfScope => {
                if r % 3 == 0 {
                    // Cross-sector by summed years (two entries of the same sector).
                    let other = self.other_than(client_sector);
                    let experience = Experience::from_entries([(other, 1), (other, 1), (client_sector, 3)]);
                    self.candidate(5, client_sector, experience, Stage::Interview, added)
                } else {
                    let other = self.other_than(client_sector);
                    let stage = if r % 7 == 0 { Stage::Hired } else { Stage::Shortlist };
                    self.candidate(5, other, Experience::default(), stage, added)
                }
            }
            Shape::NonCompliant | Shape::Exempt | Shape::DeclinedExemption => {
                let other = self.other_than(client_sector);
                match r % 3 {
                    // Cross-sector, but only on the longlist.
                    0 => self.candidate(5, other, Experience::default(), Stage::Longlist, added),
                    // Cross-sector, but added after the shortlist went out.
                    1 => self.candidate(5, other, Experience::default(), Stage::Shortlist, plus(sent, 3)),
                    // One year short.
                    _ => self.candidate(
                        5,
                        client_sector,
                        Experience::from_entries([(other, 1)]),
                        Stage::Shortlist,
                        added,
                    ),
                }
            }
            Shape::Incomplete => self.candidate(5, Sector::Unknown, Experience::default(), Stage::Shortlist, added),
        };
        candidates.push(fifth);
        let exemption = match shape {
            Shape::Exempt | Shape::DeclinedExemption => Some(Exemption {
                firm: firm_id,
                search_ref: search.search_ref.clone(),
                reason: if matches!(shape, Shape::Exempt) { "no-qualified-candidate" } else { "client-declined" }
                    .to_string(),
                note: String::new(),
            }),
            _ => None,
        };
        (firm, search, candidates, exemption)
    }
}

/// Builds `searches` searches of five candidates each, from `seed`.
pub fn build(searches: usize, seed: u64) -> Data {
    let mut rng = StdRng::seed_from_u64(seed);
    let firms = (0..100)
        .map(|i| {
            let pledged_on = (i < 93).then(|| plus(day(2020, 1, 1), rng.random_range(0..700)));
            let withdrawn_on = (85..93).contains(&i).then(|| day(2024, 6, 1));
            Firm { firm: format!("firm-{i:03}"), name: Some(format!("Firm {i} A/S")), pledged_on, withdrawn_on }
        })
        .collect();
    let mut builder = Builder { rng, firms };
    let mut built = Vec::with_capacity(searches);
    for number in 0..searches {
        let shape = match builder.rng.random_range(0..1000) {
            0..450 => Shape::Compliant,
            450..650 => Shape::NonCompliant,
            650..700 => Shape::Incomplete,
            700..726 => Shape::Exempt,
            726..735 => Shape::DeclinedExemption,
            735..835 => Shape::Pending,
            _ => Shape::OutOfScope,
        };
        built.push(builder.search(number, shape));
    }
    Data { firms: builder.firms, searches: built }
}
