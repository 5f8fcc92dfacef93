//! Seeded generator of realistic, valid pledgecheck input files, for benchmarks and load tests.
//!
//! ```text
//! cargo run --release --example generate -- --searches N --out DIR [--seed S] [--firms F] [--candidates-per-search K]
//! ```
//!
//! Writes three files into `DIR` (created if missing), in the formats of `docs`/`design.md` ("Input files"):
//!
//! - `firms.csv` (`firm,name,pledged_on,withdrawn_on`): `F` firms, by default `max(3, N / 2000)`. Most signed the
//!   pledge in 2021-2023, a few early (2020), about one in twelve never signed and about one in twelve withdrew.
//! - `shortlists.csv` (one row per candidate, comma-separated, ISO dates): `N` searches with exactly `K` candidates
//!   each (default 5), so `N * K` rows; the rows of a search are written together.
//! - `exemptions.csv` (`firm,search_ref,reason,note`): about 3% of the searches, mostly `no-qualified-candidate`,
//!   some `client-declined`.
//!
//! Each search is built to reach one verdict under the default pledge, in roughly this mix: 45% compliant, 20%
//! non-compliant, 5% incomplete, 2.6% exempt, 10% pending and the rest not-applicable (firm never signed, opened
//! before signing or after withdrawing, level `manager`, private or civil-society client, opened before 2021 when
//! no policy version was in effect, cancelled without a shortlist). The cases the rules distinguish all occur:
//! cross-sector by current sector or by experience (including `state:1;state:1`, summed), near misses (1 year),
//! `unknown` sectors, candidates who only reached the longlist or were added after the shortlist went out,
//! empty shortlists, searches cancelled after the shortlist, and exemptions whose reason is not accepted.
//!
//! The output is a function of the arguments alone: the same seed gives the same bytes on every run. Rows are
//! streamed through buffered writers, so memory stays flat however many searches are asked for.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Generates seeded pledgecheck input files: firms.csv, shortlists.csv and exemptions.csv.
#[derive(Parser, Debug)]
#[command(name = "generate")]
struct Args {
    /// Number of searches to generate.
    #[arg(long)]
    searches: u64,
    /// Directory to write firms.csv, shortlists.csv and exemptions.csv into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the random generator; the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of firms [default: max(3, searches / 2000)].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    firms: Option<u32>,
    /// Candidates (rows) per search.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    candidates_per_search: u32,
}

// Sectors, as indexes into SECTORS.
const STATE: usize = 0;
const REGION: usize = 1;
const MUNICIPALITY: usize = 2;
const PRIVATE: usize = 3;
const CIVIL_SOCIETY: usize = 4;
const UNKNOWN: usize = 5;
const SECTORS: [&str; 6] = ["state", "region", "municipality", "private", "civil-society", "unknown"];
/// Relative weights when picking a sector for a candidate from outside the client's sector.
const OTHER_WEIGHTS: [u32; 5] = [3, 2, 3, 4, 1];

// Levels, as indexes into LEVELS.
const TOP: usize = 0;
const EXECUTIVE: usize = 1;
const MANAGER: usize = 2;
const LEVELS: [&str; 3] = ["top", "executive", "manager"];

const SHORTLISTS_HEADER: &str = "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,\
cancelled_on,candidate_ref,candidate_sector,experience,stage,added_on\n";

/// Client organisations per sector (no commas or quotes: written without CSV quoting).
const CLIENTS: [&[&str]; 5] = [
    &[
        "Skatteministeriet",
        "Finansministeriet",
        "Energistyrelsen",
        "Beskæftigelsesministeriet",
        "Sundhedsstyrelsen",
        "Digitaliseringsstyrelsen",
        "Rigspolitiet",
        "Erhvervsstyrelsen",
        "Miljøstyrelsen",
        "Styrelsen for Arbejdsmarked og Rekruttering",
    ],
    &["Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Region Midtjylland", "Region Nordjylland"],
    &[
        "Aarhus Kommune",
        "Københavns Kommune",
        "Odense Kommune",
        "Aalborg Kommune",
        "Horsens Kommune",
        "Vejle Kommune",
        "Esbjerg Kommune",
        "Randers Kommune",
        "Kolding Kommune",
        "Roskilde Kommune",
        "Herning Kommune",
        "Silkeborg Kommune",
        "Frederiksberg Kommune",
        "Gentofte Kommune",
        "Viborg Kommune",
    ],
    &[
        "Grundfos Holding A/S",
        "Novo Nordisk A/S",
        "Danske Bank A/S",
        "Vestas Wind Systems A/S",
        "Carlsberg A/S",
        "Ørsted A/S",
        "DSV A/S",
        "Coop Danmark A/S",
        "Arla Foods amba",
    ],
    &[
        "Dansk Flygtningehjælp",
        "Red Barnet",
        "Kræftens Bekæmpelse",
        "Dansk Røde Kors",
        "Ældre Sagen",
        "Folkekirkens Nødhjælp",
        "Hjerteforeningen",
    ],
];

/// Position titles per client sector and level (top, executive, manager).
const POSITIONS: [[&[&str]; 3]; 5] = [
    [
        &["Departementschef", "Styrelsesdirektør", "Vicedirektør", "Direktør for Digitalisering"],
        &["Kontorchef for Inddrivelse", "Afdelingschef", "Kontorchef for Økonomi og Styring", "Centerchef for Analyse"],
        &["Teamleder for Data og Analyse", "Sektionsleder for Sagsbehandling"],
    ],
    [
        &["Koncerndirektør", "Hospitalsdirektør", "Regionsdirektør", "Vicedirektør"],
        &["Kontorchef for Regional Udvikling", "Centerchef for HR", "Økonomichef", "Enhedschef for Psykiatri"],
        &["Afdelingsleder", "Teamleder for Rekruttering", "Ledende oversygeplejerske"],
    ],
    [
        &[
            "Kommunaldirektør",
            "Direktør for Børn og Unge",
            "Direktør for Sundhed og Omsorg",
            "Direktør for Teknik og Miljø",
            "Administrerende direktør for Beskæftigelsesforvaltningen",
        ],
        &[
            "Centerchef for Beskæftigelse",
            "Økonomichef",
            "Skolechef",
            "Chef for Ældreområdet",
            "Kontorchef for Byudvikling",
        ],
        &["Afdelingsleder i Jobcenter", "Teamleder for Myndighed", "Leder af Borgerservice"],
    ],
    [
        &["Administrerende direktør", "Økonomidirektør", "Koncernchef", "Kommerciel direktør"],
        &["HR-direktør", "Økonomichef", "Salgsdirektør Norden"],
        &["Teamleder for Kundeservice", "Afdelingsleder for Logistik"],
    ],
    [
        &["Generalsekretær", "Administrerende direktør", "Direktør"],
        &["Kommunikationschef", "Økonomichef", "Programchef"],
        &["Teamleder for Frivillighed", "Leder af Indsamling"],
    ],
];

/// Firm stems: id, search_ref prefix, name, company form. Past the list the stems repeat with a number.
const FIRM_STEMS: [(&str, &str, &str, &str); 16] = [
    ("nordkap-search", "NK", "Nordkap Search", "A/S"),
    ("skagen-executive", "SE", "Skagen Executive", "ApS"),
    ("fyns-topledere", "FT", "Fyns Topledere", "A/S"),
    ("oeresund-search", "OS", "Øresund Search", "ApS"),
    ("kattegat-partners", "KP", "Kattegat Partners", "ApS"),
    ("himmerland-headhunting", "HH", "Himmerland Headhunting", "ApS"),
    ("lederkompasset", "LK", "Lederkompasset", "A/S"),
    ("stevns-partners", "SP", "Stevns Partners", "ApS"),
    ("aaby-rekruttering", "AR", "Aaby Rekruttering", "ApS"),
    ("vadehavet-executive", "VE", "Vadehavet Executive", "A/S"),
    ("moens-klint-search", "MK", "Møns Klint Search", "ApS"),
    ("gudenaa-ledelse", "GL", "Gudenå Ledelse", "A/S"),
    ("djursland-talent", "DT", "Djursland Talent", "ApS"),
    ("amager-executive", "AE", "Amager Executive", "ApS"),
    ("thy-lederhus", "TL", "Thy Lederhus", "ApS"),
    ("sydhavn-search", "SH", "Sydhavn Search", "A/S"),
];

/// The last day a search may be opened; searches spread over 2021 to 2026.
fn last_opened() -> i32 {
    days(2026, 12, 31)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 } as i32;
    let doy = (153 * mp + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of days since 1970-01-01.
fn civil(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i32::from(m <= 2), m, d)
}

/// Appends an ISO date (`2026-03-31`).
fn push_date(out: &mut Vec<u8>, date: i32) {
    let (y, m, d) = civil(date);
    let y = y as u32;
    out.extend_from_slice(&[
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
    ]);
}

fn push_opt_date(out: &mut Vec<u8>, date: Option<i32>) {
    if let Some(date) = date {
        push_date(out, date);
    }
}

/// Appends a number in decimal.
fn push_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A firm as written to firms.csv.
struct Firm {
    id: String,
    prefix: String,
    name: String,
    pledged: Option<i32>,
    withdrawn: Option<i32>,
    /// Relative share of the searches this firm runs.
    weight: u32,
}

impl Firm {
    /// The days on which a search opened is in scope as far as the firm and the policy are concerned.
    fn in_scope_window(&self) -> Option<(i32, i32)> {
        let from = self.pledged?.max(days(2021, 1, 1));
        let to = self.withdrawn.map_or(last_opened(), |w| (w - 1).min(last_opened()));
        (from <= to).then_some((from, to))
    }
}

fn make_firms(count: u32, rng: &mut StdRng) -> Vec<Firm> {
    (0..count as usize)
        .map(|i| {
            let (stem, prefix, base, form) = FIRM_STEMS[i % FIRM_STEMS.len()];
            let round = i / FIRM_STEMS.len() + 1;
            let (id, name) = if round == 1 {
                (stem.to_string(), format!("{base} {form}"))
            } else {
                (format!("{stem}-{round}"), format!("{base} {round} {form}"))
            };
            // A fixed pattern, so even three firms cover signed, withdrawn and never signed.
            let (pledged, withdrawn) = if i % 12 == 2 {
                (None, None)
            } else if i % 12 == 1 {
                let pledged = rng.random_range(days(2021, 1, 15)..=days(2023, 6, 30));
                let withdrawn = rng.random_range(pledged + 365..=days(2026, 6, 30));
                (Some(pledged), Some(withdrawn))
            } else if i % 10 == 0 {
                // Early signers: their searches opened in late 2020 have no policy version in effect.
                (Some(rng.random_range(days(2020, 3, 1)..=days(2020, 10, 31))), None)
            } else {
                (Some(rng.random_range(days(2021, 1, 1)..=days(2023, 12, 31))), None)
            };
            Firm { id, prefix: prefix.to_string(), name, pledged, withdrawn, weight: rng.random_range(1..=10) }
        })
        .collect()
}

fn write_firms(path: &Path, firms: &[Firm]) -> Result<()> {
    let mut out = Vec::with_capacity(64 * (firms.len() + 1));
    out.extend_from_slice(b"firm,name,pledged_on,withdrawn_on\n");
    for firm in firms {
        out.extend_from_slice(firm.id.as_bytes());
        out.push(b',');
        out.extend_from_slice(firm.name.as_bytes());
        out.push(b',');
        push_opt_date(&mut out, firm.pledged);
        out.push(b',');
        push_opt_date(&mut out, firm.withdrawn);
        out.push(b'\n');
    }
    fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

/// Firms to draw from, each in proportion to its weight.
struct Pool {
    firms: Vec<usize>,
    cumulative: Vec<u32>,
}

impl Pool {
    fn new(firms: &[Firm], keep: impl Fn(&Firm) -> bool) -> Pool {
        let mut pool = Pool { firms: Vec::new(), cumulative: Vec::new() };
        let mut total = 0;
        for (i, firm) in firms.iter().enumerate().filter(|(_, f)| keep(f)) {
            total += firm.weight;
            pool.firms.push(i);
            pool.cumulative.push(total);
        }
        pool
    }

    fn pick(&self, rng: &mut StdRng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        let r = rng.random_range(0..total);
        Some(self.firms[self.cumulative.partition_point(|&c| c <= r)])
    }
}

/// The verdict a search is built to get.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Compliant,
    NonCompliant,
    Incomplete,
    Exempt,
    Pending,
    NotApplicable,
}

const KINDS: [(Kind, &str); 6] = [
    (Kind::Compliant, "compliant"),
    (Kind::NonCompliant, "non-compliant"),
    (Kind::Incomplete, "incomplete"),
    (Kind::Exempt, "exempt"),
    (Kind::Pending, "pending"),
    (Kind::NotApplicable, "not-applicable"),
];

/// Why a not-applicable search is out of scope.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OutOfScope {
    NeverSigned,
    AfterWithdrawal,
    BeforeSigning,
    Manager,
    PrivateClient,
    CivilSocietyClient,
    NoPolicyVersion,
    CancelledWithoutShortlist,
}

/// What the candidate list of a search looks like.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    /// Shortlist out, at least one cross-sector shortlisted candidate.
    Meets,
    /// Shortlist out, no cross-sector and no `unknown` shortlisted candidate.
    Fails,
    /// Shortlist out, nobody shortlisted (only longlist or added too late).
    FailsEmpty,
    /// Shortlist out, no cross-sector one, but a shortlisted candidate of `unknown` sector.
    UnknownOnly,
    /// No shortlist yet (or cancelled before one).
    Open,
}

/// The part a candidate plays in its search's verdict.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    /// Shortlisted and cross-sector (by current sector or by experience).
    Qualifying,
    /// Shortlisted, in the client's sector, without 2 years in another sector.
    SameSector,
    /// Shortlisted, sector `unknown`, without 2 years in another sector.
    Unknown,
    /// Not shortlisted: only reached the longlist, or added after the shortlist went out.
    NotShortlisted,
    /// On a search without a shortlist.
    Open,
}

struct Search {
    firm: usize,
    opened: i32,
    level: usize,
    client_sector: usize,
    shortlist: Option<i32>,
    cancelled: Option<i32>,
    shape: Shape,
}

struct Generator {
    rng: StdRng,
    firms: Vec<Firm>,
    in_scope: Pool,
    never_signed: Pool,
    withdrew: Pool,
    early: Pool,
    signed: Pool,
    /// Next search number per firm and opening year, for unique search_refs.
    counters: Vec<u32>,
    candidates: u32,
    roles: Vec<Role>,
    /// The rows of the search being written.
    rows: Vec<u8>,
    /// The search columns, repeated on each of its rows.
    prefix: Vec<u8>,
}

const FIRST_YEAR: i32 = 2010;
const YEARS: usize = 30;

impl Generator {
    fn new(seed: u64, firm_count: u32, candidates: u32) -> Generator {
        let mut rng = StdRng::seed_from_u64(seed);
        let firms = make_firms(firm_count, &mut rng);
        Generator {
            in_scope: Pool::new(&firms, |f| f.in_scope_window().is_some()),
            never_signed: Pool::new(&firms, |f| f.pledged.is_none()),
            withdrew: Pool::new(&firms, |f| f.withdrawn.is_some()),
            early: Pool::new(&firms, |f| f.pledged.is_some_and(|p| p < days(2021, 1, 1))),
            signed: Pool::new(&firms, |f| f.pledged.is_some()),
            counters: vec![0; firms.len() * YEARS],
            firms,
            rng,
            candidates,
            roles: Vec::with_capacity(candidates as usize),
            rows: Vec::with_capacity(256 * candidates as usize),
            prefix: Vec::with_capacity(256),
        }
    }

    fn percent(&mut self) -> u32 {
        self.rng.random_range(0..100)
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..1000) < percent * 10
    }

    fn between(&mut self, from: i32, to: i32) -> i32 {
        self.rng.random_range(from..=to.max(from))
    }

    fn pick_kind(&mut self) -> Kind {
        match self.rng.random_range(0..1000) {
            0..450 => Kind::Compliant,
            450..650 => Kind::NonCompliant,
            650..700 => Kind::Incomplete,
            700..726 => Kind::Exempt,
            726..826 => Kind::Pending,
            _ => Kind::NotApplicable,
        }
    }

    fn pick_out_of_scope(&mut self) -> OutOfScope {
        let why = match self.percent() {
            0..20 => OutOfScope::NeverSigned,
            20..28 => OutOfScope::AfterWithdrawal,
            28..36 => OutOfScope::BeforeSigning,
            36..56 => OutOfScope::Manager,
            56..70 => OutOfScope::PrivateClient,
            70..78 => OutOfScope::CivilSocietyClient,
            78..88 => OutOfScope::NoPolicyVersion,
            _ => OutOfScope::CancelledWithoutShortlist,
        };
        let available = match why {
            OutOfScope::NeverSigned => !self.never_signed.firms.is_empty(),
            OutOfScope::AfterWithdrawal => !self.withdrew.firms.is_empty(),
            OutOfScope::NoPolicyVersion => !self.early.firms.is_empty(),
            _ => true,
        };
        if available {
            why
        } else {
            OutOfScope::Manager
        }
    }

    fn public_sector(&mut self) -> usize {
        match self.percent() {
            0..35 => STATE,
            35..55 => REGION,
            _ => MUNICIPALITY,
        }
    }

    fn in_scope_level(&mut self) -> usize {
        if self.chance(45) {
            TOP
        } else {
            EXECUTIVE
        }
    }

    /// A firm, and an opening day, that put a search in scope.
    fn in_scope_opening(&mut self, recent: bool) -> (usize, i32) {
        let firm = self.in_scope.pick(&mut self.rng).expect("a firm that signed");
        let (from, to) = self.firms[firm].in_scope_window().expect("an in-scope window");
        let from = if recent && self.chance(70) { from.max(to - 180) } else { from };
        (firm, self.between(from, to))
    }

    fn plan(&mut self, kind: Kind) -> Search {
        let shape = match kind {
            Kind::Compliant => Shape::Meets,
            Kind::NonCompliant | Kind::Exempt if self.chance(8) => Shape::FailsEmpty,
            Kind::NonCompliant | Kind::Exempt => Shape::Fails,
            Kind::Incomplete => Shape::UnknownOnly,
            Kind::Pending => Shape::Open,
            Kind::NotApplicable => match self.percent() {
                0..50 => Shape::Meets,
                50..75 => Shape::Fails,
                75..85 => Shape::UnknownOnly,
                _ => Shape::Open,
            },
        };
        let why = (kind == Kind::NotApplicable).then(|| self.pick_out_of_scope());
        let mut level = self.in_scope_level();
        let mut client_sector = self.public_sector();
        let (firm, opened) = match why {
            None => self.in_scope_opening(kind == Kind::Pending),
            Some(OutOfScope::NeverSigned) => {
                level = match self.percent() {
                    0..40 => TOP,
                    40..85 => EXECUTIVE,
                    _ => MANAGER,
                };
                if self.chance(20) {
                    client_sector = if self.chance(75) { PRIVATE } else { CIVIL_SOCIETY };
                }
                let firm = self.never_signed.pick(&mut self.rng).expect("a firm that never signed");
                (firm, self.between(days(2019, 6, 1), last_opened()))
            }
            Some(OutOfScope::AfterWithdrawal) => {
                let firm = self.withdrew.pick(&mut self.rng).expect("a firm that withdrew");
                let withdrawn = self.firms[firm].withdrawn.expect("withdrawn");
                // Opened on the very day of the withdrawal is out of scope too.
                let opened = if self.chance(10) { withdrawn } else { self.between(withdrawn, last_opened()) };
                (firm, opened)
            }
            Some(OutOfScope::BeforeSigning) => {
                let firm = self.signed.pick(&mut self.rng).expect("a firm that signed");
                let pledged = self.firms[firm].pledged.expect("pledged");
                (firm, self.between(pledged - 540, pledged - 1))
            }
            Some(OutOfScope::NoPolicyVersion) => {
                let firm = self.early.pick(&mut self.rng).expect("an early signer");
                let pledged = self.firms[firm].pledged.expect("pledged");
                (firm, self.between(pledged, days(2020, 12, 31)))
            }
            Some(OutOfScope::Manager) => {
                level = MANAGER;
                self.in_scope_opening(false)
            }
            Some(OutOfScope::PrivateClient) => {
                client_sector = PRIVATE;
                self.in_scope_opening(false)
            }
            Some(OutOfScope::CivilSocietyClient) => {
                client_sector = CIVIL_SOCIETY;
                self.in_scope_opening(false)
            }
            Some(OutOfScope::CancelledWithoutShortlist) => self.in_scope_opening(false),
        };
        let (shape, shortlist, cancelled) = if why == Some(OutOfScope::CancelledWithoutShortlist) {
            (Shape::Open, None, Some(opened + self.rng.random_range(14..=150)))
        } else if shape == Shape::Open {
            (shape, None, None)
        } else {
            let shortlist = opened + self.rng.random_range(21..=120);
            // A few are cancelled after the shortlist went out, and judged as usual.
            let cancelled = self.chance(3).then(|| shortlist + self.rng.random_range(0..=60));
            (shape, Some(shortlist), cancelled)
        };
        Search { firm, opened, level, client_sector, shortlist, cancelled, shape }
    }

    /// Writes the search columns and the trailing comma before the candidate columns into `prefix`.
    fn write_prefix(&mut self, search: &Search) {
        let firm = &self.firms[search.firm];
        let (year, _, _) = civil(search.opened);
        let slot = search.firm * YEARS + (year - FIRST_YEAR).clamp(0, YEARS as i32 - 1) as usize;
        self.counters[slot] += 1;
        let number = self.counters[slot];
        let clients = CLIENTS[search.client_sector];
        let client = clients[self.rng.random_range(0..clients.len())];
        let positions = POSITIONS[search.client_sector][search.level];
        let position = positions[self.rng.random_range(0..positions.len())];

        let p = &mut self.prefix;
        p.clear();
        p.extend_from_slice(firm.id.as_bytes());
        p.push(b',');
        p.extend_from_slice(firm.prefix.as_bytes());
        p.push(b'-');
        push_u32(p, year as u32);
        p.push(b'-');
        if number < 1000 {
            p.push(b'0');
        }
        if number < 100 {
            p.push(b'0');
        }
        if number < 10 {
            p.push(b'0');
        }
        push_u32(p, number);
        p.push(b',');
        p.extend_from_slice(client.as_bytes());
        p.push(b',');
        p.extend_from_slice(SECTORS[search.client_sector].as_bytes());
        p.push(b',');
        p.extend_from_slice(position.as_bytes());
        p.push(b',');
        p.extend_from_slice(LEVELS[search.level].as_bytes());
        p.push(b',');
        push_date(p, search.opened);
        p.push(b',');
        push_opt_date(p, search.shortlist);
        p.push(b',');
        push_opt_date(p, search.cancelled);
        p.push(b',');
    }

    /// The parts the candidates play: the shape's required one at a random place, the rest drawn.
    fn cast(&mut self, shape: Shape) {
        self.roles.clear();
        let (required, draw): (Role, fn(u32) -> Role) = match shape {
            Shape::Meets => (Role::Qualifying, |r| match r {
                0..25 => Role::Qualifying,
                25..65 => Role::SameSector,
                65..70 => Role::Unknown,
                _ => Role::NotShortlisted,
            }),
            Shape::Fails => (Role::SameSector, |r| if r < 65 { Role::SameSector } else { Role::NotShortlisted }),
            Shape::FailsEmpty => (Role::NotShortlisted, |_| Role::NotShortlisted),
            Shape::UnknownOnly => (Role::Unknown, |r| match r {
                0..50 => Role::SameSector,
                50..65 => Role::Unknown,
                _ => Role::NotShortlisted,
            }),
            Shape::Open => (Role::Open, |_| Role::Open),
        };
        for _ in 0..self.candidates {
            let r = self.percent();
            self.roles.push(draw(r));
        }
        let at = self.rng.random_range(0..self.roles.len());
        self.roles[at] = required;
    }

    /// A sector other than `client` and `unknown`.
    fn other_sector(&mut self, client: usize) -> usize {
        loop {
            let total: u32 = OTHER_WEIGHTS.iter().sum();
            let mut r = self.rng.random_range(0..total);
            let mut sector = 0;
            while r >= OTHER_WEIGHTS[sector] {
                r -= OTHER_WEIGHTS[sector];
                sector += 1;
            }
            if sector != client {
                return sector;
            }
        }
    }

    /// Any sector, `unknown` rarely.
    fn any_sector(&mut self) -> usize {
        if self.chance(3) {
            UNKNOWN
        } else {
            self.rng.random_range(0..UNKNOWN)
        }
    }

    fn years(&mut self) -> u32 {
        if self.chance(2) {
            0
        } else {
            self.rng.random_range(1..=15)
        }
    }

    fn push_entry(&mut self, first: &mut bool, sector: usize, years: u32) {
        if !*first {
            self.rows.push(b';');
        }
        *first = false;
        self.rows.extend_from_slice(SECTORS[sector].as_bytes());
        self.rows.push(b':');
        push_u32(&mut self.rows, years);
    }

    /// An experience list with no bearing on the rules' thresholds in particular.
    fn any_experience(&mut self) {
        let entries = match self.percent() {
            0..40 => 0,
            40..75 => 1,
            75..95 => 2,
            _ => 3,
        };
        let mut first = true;
        for _ in 0..entries {
            let sector = self.any_sector();
            let years = self.years();
            self.push_entry(&mut first, sector, years);
        }
    }

    /// Experience holding at least 2 summed years in a sector other than the client's.
    fn qualifying_experience(&mut self, client: usize) {
        let other = self.other_sector(client);
        let mut first = true;
        if self.chance(20) {
            // Summed: `region:1;region:1`, maybe with the client's sector in between.
            self.push_entry(&mut first, other, 1);
            if self.chance(40) {
                let years = self.years();
                self.push_entry(&mut first, client, years);
            }
            self.push_entry(&mut first, other, 1);
        } else {
            let years = self.rng.random_range(2..=15);
            let own = self.chance(50).then(|| self.years());
            let own_first = self.chance(50);
            if let (Some(own), true) = (own, own_first) {
                self.push_entry(&mut first, client, own);
            }
            self.push_entry(&mut first, other, years);
            if let (Some(own), false) = (own, own_first) {
                self.push_entry(&mut first, client, own);
            }
        }
    }

    /// Experience without 2 summed years in any one sector other than the client's: none, the client's own
    /// sector, or near misses.
    fn short_experience(&mut self, client: usize) {
        let mut first = true;
        match self.percent() {
            0..35 => {}
            35..65 => {
                let years = self.rng.random_range(1..=20);
                self.push_entry(&mut first, client, years);
                if self.chance(15) {
                    // The client's sector repeated: summed, still the same sector.
                    let years = self.rng.random_range(1..=5);
                    self.push_entry(&mut first, client, years);
                }
            }
            65..85 => {
                // One year short.
                if self.chance(50) {
                    let years = self.rng.random_range(1..=12);
                    self.push_entry(&mut first, client, years);
                }
                let other = self.other_sector(client);
                self.push_entry(&mut first, other, 1);
            }
            85..95 => {
                // A year each in two sectors: not summed across sectors.
                let a = self.other_sector(client);
                let mut b = self.other_sector(client);
                while b == a {
                    b = self.other_sector(client);
                }
                self.push_entry(&mut first, a, 1);
                self.push_entry(&mut first, b, 1);
            }
            _ => {
                if self.chance(50) {
                    let years = self.rng.random_range(2..=10);
                    self.push_entry(&mut first, UNKNOWN, years);
                } else {
                    let other = self.other_sector(client);
                    self.push_entry(&mut first, other, 0);
                }
            }
        }
    }

    /// A stage of a shortlisted candidate; at most one is hired.
    fn shortlisted_stage(&mut self, hired: &mut bool) -> &'static str {
        match self.percent() {
            0..55 => "shortlist",
            55..88 => "interview",
            88..95 if !*hired => {
                *hired = true;
                "hired"
            }
            88..95 => "interview",
            // Empty: read as `shortlist`.
            _ => "",
        }
    }

    fn write_candidate(&mut self, number: u32, role: Role, search: &Search, hired: &mut bool) {
        let client = search.client_sector;
        self.rows.extend_from_slice(&self.prefix);
        self.rows.push(b'c');
        push_u32(&mut self.rows, number);
        self.rows.push(b',');

        let sector = match role {
            Role::Qualifying => match self.percent() {
                0..55 => self.other_sector(client),
                55..93 => client,
                _ => UNKNOWN,
            },
            Role::SameSector => client,
            Role::Unknown => UNKNOWN,
            Role::NotShortlisted => match self.percent() {
                0..55 => self.other_sector(client),
                55..70 => UNKNOWN,
                _ => client,
            },
            Role::Open => match self.percent() {
                0..45 => client,
                45..92 => self.other_sector(client),
                _ => UNKNOWN,
            },
        };
        self.rows.extend_from_slice(SECTORS[sector].as_bytes());
        self.rows.push(b',');

        match role {
            Role::Qualifying if sector == client || sector == UNKNOWN => self.qualifying_experience(client),
            Role::SameSector | Role::Unknown => self.short_experience(client),
            _ => self.any_experience(),
        }
        self.rows.push(b',');

        let opened = search.opened;
        let (stage, added) = match (role, search.shortlist) {
            (Role::Qualifying | Role::SameSector | Role::Unknown, Some(shortlist)) => {
                let stage = self.shortlisted_stage(hired);
                let added = (!self.chance(5)).then(|| self.between(opened, shortlist));
                (stage, added)
            }
            (Role::NotShortlisted, Some(shortlist)) if self.chance(65) => {
                let added = (!self.chance(5)).then(|| self.between(opened, shortlist));
                ("longlist", added)
            }
            (Role::NotShortlisted, Some(shortlist)) => {
                // Added after the shortlist went out: does not count, whatever the stage.
                let stage = match self.percent() {
                    0..50 => "shortlist",
                    50..90 => "interview",
                    _ if !*hired => {
                        *hired = true;
                        "hired"
                    }
                    _ => "interview",
                };
                (stage, Some(shortlist + self.rng.random_range(1..=35)))
            }
            _ => {
                let stage = match self.percent() {
                    0..60 => "longlist",
                    60..95 => "shortlist",
                    _ => "interview",
                };
                let last = search.cancelled.unwrap_or(opened + 90);
                let added = (!self.chance(5)).then(|| self.between(opened, last));
                (stage, added)
            }
        };
        self.rows.extend_from_slice(stage.as_bytes());
        self.rows.push(b',');
        push_opt_date(&mut self.rows, added);
        self.rows.push(b'\n');
    }

    /// Generates one search: its rows into `rows`, its exemption (if any) into `exemption`.
    fn search(&mut self, exemption: &mut Vec<u8>) -> Kind {
        let kind = self.pick_kind();
        let search = self.plan(kind);
        self.write_prefix(&search);
        self.cast(search.shape);
        self.rows.clear();
        let mut hired = false;
        for i in 0..self.roles.len() {
            let role = self.roles[i];
            self.write_candidate(i as u32 + 1, role, &search, &mut hired);
        }

        exemption.clear();
        let reason = match kind {
            Kind::Exempt => Some("no-qualified-candidate"),
            // A reason the default policy does not accept: stays non-compliant.
            Kind::NonCompliant if self.chance(3) => Some("client-declined"),
            // Filed, but not needed.
            Kind::Compliant | Kind::NotApplicable if self.chance(1) && self.chance(30) => {
                Some("no-qualified-candidate")
            }
            _ => None,
        };
        if let Some(reason) = reason {
            // firm,search_ref: the first two columns of the prefix.
            let end = self.prefix.iter().enumerate().filter(|(_, &b)| b == b',').nth(1).map(|(i, _)| i);
            exemption.extend_from_slice(&self.prefix[..end.expect("two columns")]);
            exemption.push(b',');
            exemption.extend_from_slice(reason.as_bytes());
            exemption.push(b',');
            let n = self.rng.random_range(2..=9);
            let note = match (reason, self.percent()) {
                ("client-declined", 0..50) => {
                    format!("Client asked for candidates with {} experience only", SECTORS[search.client_sector])
                }
                ("client-declined", _) => "Client declined to meet candidates from outside the sector".to_string(),
                (_, 0..40) => format!("Search log shows {n} cross-sector approaches declined"),
                (_, 40..80) => format!("{n} cross-sector candidates approached; none wished to be presented"),
                (_, 80..90) => String::new(),
                _ => format!("No qualified cross-sector candidate found in {n} approaches"),
            };
            exemption.extend_from_slice(note.as_bytes());
            exemption.push(b'\n');
        }
        kind
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let firm_count = args.firms.unwrap_or_else(|| (args.searches / 2000).clamp(3, u64::from(u32::MAX)) as u32);
    fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;

    let mut generator = Generator::new(args.seed, firm_count, args.candidates_per_search);
    write_firms(&args.out.join("firms.csv"), &generator.firms)?;

    let shortlists_path = args.out.join("shortlists.csv");
    let exemptions_path = args.out.join("exemptions.csv");
    let mut shortlists = create(&shortlists_path)?;
    let mut exemptions = create(&exemptions_path)?;
    shortlists.write_all(SHORTLISTS_HEADER.as_bytes())?;
    exemptions.write_all(b"firm,search_ref,reason,note\n")?;

    let mut counts = [0u64; KINDS.len()];
    let mut exempted = 0u64;
    let mut exemption = Vec::with_capacity(256);
    for _ in 0..args.searches {
        let kind = generator.search(&mut exemption);
        counts[KINDS.iter().position(|(k, _)| *k == kind).expect("a kind")] += 1;
        shortlists.write_all(&generator.rows)?;
        if !exemption.is_empty() {
            exempted += 1;
            exemptions.write_all(&exemption)?;
        }
    }
    shortlists.flush().with_context(|| format!("cannot write {}", shortlists_path.display()))?;
    exemptions.flush().with_context(|| format!("cannot write {}", exemptions_path.display()))?;

    let mix: Vec<String> = KINDS.iter().zip(counts).map(|((_, name), n)| format!("{name} {n}")).collect();
    eprintln!(
        "wrote {} firms, {} searches ({} rows), {} exemptions to {} in {:.2?}\nbuilt for: {}",
        firm_count,
        args.searches,
        args.searches * u64::from(args.candidates_per_search),
        exempted,
        args.out.display(),
        started.elapsed(),
        mix.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for d in days(1990, 1, 1)..=days(2100, 12, 31) {
            let (y, m, dd) = civil(d);
            assert_eq!(days(y, m, dd), d);
            let mut out = Vec::new();
            push_date(&mut out, d);
            let expected = chrono::NaiveDate::from_num_days_from_ce_opt(d + 719_163).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn fixed_texts_need_no_quoting() {
        let texts = CLIENTS.iter().flat_map(|c| c.iter()).chain(POSITIONS.iter().flatten().flat_map(|p| p.iter()));
        for text in texts {
            assert!(!text.contains([',', '"', ';', '\n', '\r']), "{text}");
        }
    }

    #[test]
    fn same_seed_same_rows() {
        let run = |seed| {
            let mut g = Generator::new(seed, 5, 5);
            let mut all = Vec::new();
            let mut exemption = Vec::new();
            for _ in 0..500 {
                g.search(&mut exemption);
                all.extend_from_slice(&g.rows);
                all.extend_from_slice(&exemption);
            }
            all
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
