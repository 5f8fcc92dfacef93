//! The domain: firms, searches, candidates, exemptions, and the parsing of their values.
//!
//! Everything here is pure. Parsing accepts the English words of the contract and the Danish words that appear
//! in firms' exports, matches them case-insensitively (full Unicode) with surrounding spaces ignored, and says
//! what it expected when a value does not fit.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

mod client;
mod lang;
mod personal;
mod suggest;
mod verdict;

pub use client::{ClientKind, ClientRef, SectorFrom};
pub use lang::Lang;
pub use personal::{excerpt, personal_data, PersonalData};
pub use suggest::{did_you_mean, did_you_mean_text, firm_suggestions};
pub use verdict::{rule, SearchVerdict, Verdict, VerdictCount};

/// A value could not be read; the message says what was found and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

fn normalise_word(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// The sector of a client organisation or of a candidate's background.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Sector {
    State,
    Region,
    Municipality,
    Private,
    CivilSociety,
    Unknown,
}

impl Sector {
    /// Every sector, in the contract's order.
    pub const ALL: [Sector; 6] =
        [Sector::State, Sector::Region, Sector::Municipality, Sector::Private, Sector::CivilSociety, Sector::Unknown];

    /// The contract's word for the sector.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::State => "state",
            Sector::Region => "region",
            Sector::Municipality => "municipality",
            Sector::Private => "private",
            Sector::CivilSociety => "civil-society",
            Sector::Unknown => "unknown",
        }
    }

    /// Reads a sector in English or Danish.
    pub fn parse(raw: &str) -> Result<Sector, ValueError> {
        // The contract's own words, as stored, need no case folding.
        if let Some(sector) = Sector::ALL.iter().find(|s| s.as_str() == raw) {
            return Ok(*sector);
        }
        let word = normalise_word(raw);
        Ok(match word.as_str() {
            "state" | "stat" | "statslig" => Sector::State,
            "region" | "regioner" | "regional" => Sector::Region,
            "municipality" | "kommune" | "kommunal" => Sector::Municipality,
            "private" | "privat" => Sector::Private,
            "civil-society" | "civilsamfund" | "forening" | "fond" => Sector::CivilSociety,
            "unknown" => Sector::Unknown,
            _ => {
                let words =
                    ["state", "stat", "region", "municipality", "kommune", "private", "privat", "civil-society"];
                return Err(ValueError(format!(
                    "unknown sector {raw:?}{} (expected one of state, region, municipality, private, civil-society, \
                     unknown, or Danish stat, region, kommune, privat, civilsamfund)",
                    did_you_mean_text(raw, words.into_iter().chain(["civilsamfund"]))
                )));
            }
        })
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level of the post a search fills.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Top,
    Executive,
    Manager,
}

impl Level {
    /// Every level, highest first.
    pub const ALL: [Level; 3] = [Level::Top, Level::Executive, Level::Manager];

    /// The contract's word for the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Top => "top",
            Level::Executive => "executive",
            Level::Manager => "manager",
        }
    }

    /// Reads a level in English or Danish.
    pub fn parse(raw: &str) -> Result<Level, ValueError> {
        if let Some(level) = Level::ALL.iter().find(|l| l.as_str() == raw) {
            return Ok(*level);
        }
        Ok(match normalise_word(raw).as_str() {
            "top" | "topchef" | "direktør" => Level::Top,
            "executive" | "chef" => Level::Executive,
            "manager" | "leder" | "mellemleder" => Level::Manager,
            _ => {
                let words = ["top", "executive", "manager", "topchef", "direktør", "chef", "leder", "mellemleder"];
                return Err(ValueError(format!(
                    "unknown level {raw:?}{} (expected top, executive or manager, or Danish topchef, direktør, chef, \
                     leder, mellemleder)",
                    did_you_mean_text(raw, words)
                )));
            }
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The furthest stage a candidate reached, in order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Longlist,
    Shortlist,
    Interview,
    Hired,
}

impl Stage {
    /// Every stage, earliest first.
    pub const ALL: [Stage; 4] = [Stage::Longlist, Stage::Shortlist, Stage::Interview, Stage::Hired];

    /// The contract's word for the stage.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Longlist => "longlist",
            Stage::Shortlist => "shortlist",
            Stage::Interview => "interview",
            Stage::Hired => "hired",
        }
    }

    /// Reads a stage.
    pub fn parse(raw: &str) -> Result<Stage, ValueError> {
        if let Some(stage) = Stage::ALL.iter().find(|s| s.as_str() == raw) {
            return Ok(*stage);
        }
        Ok(match normalise_word(raw).as_str() {
            "longlist" | "longliste" => Stage::Longlist,
            "shortlist" | "kortliste" => Stage::Shortlist,
            "interview" | "samtale" => Stage::Interview,
            "hired" | "ansat" => Stage::Hired,
            _ => {
                let words =
                    ["longlist", "shortlist", "interview", "hired", "longliste", "kortliste", "samtale", "ansat"];
                return Err(ValueError(format!(
                    "unknown stage {raw:?}{} (expected longlist, shortlist, interview or hired, or Danish longliste, \
                     kortliste, samtale, ansat)",
                    did_you_mean_text(raw, words)
                )));
            }
        })
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The earliest date the contract accepts.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid date")
}

/// The latest date the contract accepts.
pub fn latest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date")
}

/// Reads a date: ISO `2026-03-31`, or Danish day-first `31-03-2026`, `31.03.2026`, `31/03/2026`, between
/// 1990-01-01 and 2100-12-31. A time of day after it, as Excel writes date-times (`2026-01-05 00:00:00`,
/// `05-01-2026 00:00`, `2026-01-05T00:00:00`), is read and dropped.
pub fn parse_date(raw: &str) -> Result<NaiveDate, ValueError> {
    let text = without_time_of_day(raw.trim());
    let malformed = || {
        ValueError(format!(
            "malformed date {raw:?} (expected YYYY-MM-DD such as 2026-03-31, or day-first DD-MM-YYYY such as \
             31-03-2026, 31.03.2026 or 31/03/2026)"
        ))
    };
    let separator = text.chars().find(|c| matches!(c, '-' | '.' | '/')).ok_or_else(malformed)?;
    let parts: Vec<&str> = text.split(separator).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(malformed());
    }
    let (year, month, day) = if parts[0].len() == 4 && separator == '-' && parts[1].len() <= 2 && parts[2].len() <= 2 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 && parts[0].len() <= 2 && parts[1].len() <= 2 {
        (parts[2], parts[1], parts[0])
    } else {
        return Err(malformed());
    };
    let (year, month, day): (i32, u32, u32) = (
        year.parse().map_err(|_| malformed())?,
        month.parse().map_err(|_| malformed())?,
        day.parse().map_err(|_| malformed())?,
    );
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| ValueError(format!("impossible date {raw:?} (no day {day} in month {month} of {year})")))?;
    if date < earliest_date() || date > latest_date() {
        return Err(ValueError(format!(
            "date {raw:?} is out of range (expected a date from 1990-01-01 to 2100-12-31)"
        )));
    }
    Ok(date)
}

/// A date without the time of day that follows it (`HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, after a space or `T`);
/// anything else is left as it is for the date parser to refuse.
fn without_time_of_day(text: &str) -> &str {
    let Some(at) = text.find([' ', 'T']) else { return text };
    let (date, time) = (&text[..at], text[at + 1..].trim());
    let mut parts = time.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else { return text };
    let s = parts.next();
    let two_digits = |p: &str, max: u32| p.len() == 2 && p.parse::<u32>().is_ok_and(|n| n <= max);
    let seconds_ok = s.is_none_or(|s| {
        let whole = s.split('.').next().unwrap_or("");
        two_digits(whole, 59)
            && s[whole.len()..].strip_prefix('.').is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
    });
    if parts.next().is_none() && two_digits(h, 23) && two_digits(m, 59) && seconds_ok {
        date
    } else {
        text
    }
}

/// A quarter of a year, written `2026-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The calendar year.
    pub year: i32,
    /// 1 to 4.
    pub number: u32,
}

impl Quarter {
    /// The quarter a date lies in.
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter { year: date.year(), number: (date.month() - 1) / 3 + 1 }
    }

    /// Reads `2026-Q3` (the `Q` in either case).
    pub fn parse(raw: &str) -> Result<Quarter, ValueError> {
        let bad = || ValueError(format!("malformed quarter {raw:?} (expected a year and quarter such as 2026-Q3)"));
        let (year, number) = raw.trim().split_once('-').ok_or_else(bad)?;
        let number = number.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u32 = number.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&number) || !(1000..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, number })
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// A candidate's earlier sectors with whole years, summed per sector, kept in sector order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Experience {
    years: Vec<(Sector, u32)>,
}

/// The most years one entry of an experience list may hold.
pub const MAX_YEARS_PER_ENTRY: u32 = 60;

impl Experience {
    /// Builds an experience list from entries; a sector that repeats has its years summed.
    pub fn from_entries(entries: impl IntoIterator<Item = (Sector, u32)>) -> Experience {
        let mut years: Vec<(Sector, u32)> = Vec::new();
        for (sector, count) in entries {
            match years.iter_mut().find(|(s, _)| *s == sector) {
                Some((_, total)) => *total = total.saturating_add(count),
                None => years.push((sector, count)),
            }
        }
        years.sort_by_key(|(s, _)| *s);
        Experience { years }
    }

    /// Reads `private:4;municipality:2`: entries separated by `;`, `,` or spaces, each a sector (English or
    /// Danish) and whole years from 0 to 60.
    pub fn parse(raw: &str) -> Result<Experience, ValueError> {
        Experience::parse_with_limit(raw, MAX_YEARS_PER_ENTRY)
    }

    /// Reads the stored, canonical form (`state:3;private:5`), whose summed years may exceed the limit of one
    /// entry.
    pub fn parse_stored(raw: &str) -> Result<Experience, ValueError> {
        if raw.is_empty() {
            return Ok(Experience::default());
        }
        let mut years = Vec::with_capacity(2);
        for entry in raw.split(';') {
            let fast = entry.split_once(':').and_then(|(s, y)| {
                let sector = Sector::ALL.iter().find(|k| k.as_str() == s)?;
                Some((*sector, y.parse::<u32>().ok()?))
            });
            match fast {
                Some(pair) => years.push(pair),
                None => return Experience::parse_with_limit(raw, u32::MAX),
            }
        }
        Ok(Experience::from_entries(years))
    }

    fn parse_with_limit(raw: &str, limit: u32) -> Result<Experience, ValueError> {
        let expected = "expected entries of sector:years such as private:4;municipality:2";
        // Spaces around the colon belong to the entry, not between entries.
        let mut compact = String::with_capacity(raw.len());
        for (i, piece) in raw.split(':').enumerate() {
            if i > 0 {
                compact.push(':');
            }
            compact.push_str(piece.trim());
        }
        if raw.trim().is_empty() {
            return Ok(Experience::default());
        }
        let mut entries = Vec::new();
        for token in compact.split([';', ',', ' ', '\t']).filter(|t| !t.is_empty()) {
            let (sector, years) = token.split_once(':').ok_or_else(|| {
                ValueError(format!("malformed experience {raw:?}: entry {token:?} has no years ({expected})"))
            })?;
            if sector.is_empty() {
                return Err(ValueError(format!(
                    "malformed experience {raw:?}: entry {token:?} has no sector before the colon ({expected})"
                )));
            }
            let sector = Sector::parse(sector).map_err(|e| ValueError(format!("malformed experience {raw:?}: {e}")))?;
            let count = parse_years(years, limit)
                .map_err(|e| ValueError(format!("malformed experience {raw:?}: {e} ({expected})")))?;
            entries.push((sector, count));
        }
        Ok(Experience::from_entries(entries))
    }

    /// The summed years per sector, in sector order.
    pub fn entries(&self) -> &[(Sector, u32)] {
        &self.years
    }

    /// The summed years in one sector.
    pub fn years_in(&self, sector: Sector) -> u32 {
        self.years.iter().find(|(s, _)| *s == sector).map_or(0, |(_, y)| *y)
    }

    /// True when no years are recorded.
    pub fn is_empty(&self) -> bool {
        self.years.is_empty()
    }
}

/// Reads whole years of one experience entry, at most `limit`.
pub fn parse_years(raw: &str, limit: u32) -> Result<u32, ValueError> {
    let text = raw.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError(format!("years {text:?} are not a whole number")));
    }
    match text.parse::<u32>() {
        Ok(n) if n <= limit => Ok(n),
        _ => Err(ValueError(format!("years {text} are out of range (0 to {MAX_YEARS_PER_ENTRY} per entry)"))),
    }
}

impl fmt::Display for Experience {
    /// The canonical string form, `municipality:2;private:4`, as stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (sector, years)) in self.years.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{sector}:{years}")?;
        }
        Ok(())
    }
}

/// An executive-search firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firm {
    /// The firm's id.
    pub firm: String,
    /// Its name, if given.
    pub name: Option<String>,
    /// When it signed the pledge; `None` if it has not.
    pub pledged_on: Option<NaiveDate>,
    /// When it withdrew from the pledge.
    pub withdrawn_on: Option<NaiveDate>,
}

/// One executive search, identified by `(firm, search_ref)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The firm running the search.
    pub firm: String,
    /// The firm's reference for it.
    pub search_ref: String,
    /// The client organisation.
    pub client: String,
    /// The client's sector; never `unknown` once imported (an import reads a sector left empty as `unknown`
    /// until the registry gives it).
    pub client_sector: Sector,
    /// The registry entry the client's text names, if any (the text itself is kept unchanged in `client`).
    pub client_ref: Option<ClientRef>,
    /// The position title.
    pub position: String,
    /// The level of the post.
    pub level: Level,
    /// When the firm took the search.
    pub opened_on: NaiveDate,
    /// When the shortlist went to the client.
    pub shortlist_on: Option<NaiveDate>,
    /// When the search was cancelled.
    pub cancelled_on: Option<NaiveDate>,
}

impl Search {
    /// The quarter the search belongs to: that of its shortlist if sent, else that of its opening.
    pub fn quarter(&self) -> Quarter {
        Quarter::of(self.shortlist_on.unwrap_or(self.opened_on))
    }
}

/// A person on a search's list, known only by a pseudonymous reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The pseudonymous reference, unique within the search.
    pub candidate_ref: String,
    /// The current or most recent sector.
    pub sector: Sector,
    /// Earlier sectors with years.
    pub experience: Experience,
    /// The furthest stage reached.
    pub stage: Stage,
    /// When the candidate was added to the list, if known.
    pub added_on: Option<NaiveDate>,
}

/// A recorded reason why a search could not meet the pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// The firm of the search.
    pub firm: String,
    /// The search's reference.
    pub search_ref: String,
    /// The reason, normalised to lower case.
    pub reason: String,
    /// A free note, possibly empty.
    pub note: String,
}

/// A firm as reports list it: its id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmName {
    /// The firm's id.
    pub firm: String,
    /// Its name, if given.
    pub name: Option<String>,
}

/// A search with everything the rules look at: its firm as it stands, its candidates and its exemption.
#[derive(Debug, Clone)]
pub struct Dossier {
    /// The firm running the search.
    pub firm: Firm,
    /// The search the rules judge.
    pub search: Search,
    /// Its candidates, in any order.
    pub candidates: Vec<Candidate>,
    /// Its exemption, if any.
    pub exemption: Option<Exemption>,
}

/// Normalises an exemption reason: surrounding spaces dropped, lower case.
pub fn normalise_reason(raw: &str) -> String {
    normalise_word(raw)
}

/// Whether a character may not stand in an identifier: control characters (C0, DEL, C1: ESC, BEL, CR, NUL...) and
/// invisible ones (zero-width, bidirectional controls such as U+202E, the byte-order mark, soft hyphen), which
/// make identifiers that look alike or cannot be typed.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
            // Line and paragraph separators, the blank braille pattern, musical format characters and the
            // supplementary variation selectors: as invisible as those above.
            | '\u{2028}' | '\u{2029}' | '\u{2800}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0100}'..='\u{E01EF}')
}

/// An identifier in Unicode's composed form (NFC): `É` typed as one character and as `E` with a combining accent
/// look the same and must be one reference. ASCII, and text already composed, is returned as it is.
pub fn composed(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(text)
}

/// A text as a terminal may show it: control and invisible characters (but line feeds and tabs) written as
/// `\u{1b}`, so that free text stored as given (names, clients, positions, notes) cannot clear the screen, set the
/// window title or reverse the line it stands on.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_hidden(c) && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn identifiers_are_composed() {
        assert_eq!(composed("A\u{0045}\u{0301}-1"), "A\u{00C9}-1");
        assert_eq!(composed("A\u{00C9}-1"), "A\u{00C9}-1");
        assert!(matches!(composed("NS-2026-0123"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(composed("Søg-1"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn sectors_in_english_and_danish() {
        assert_eq!(Sector::parse(" Kommune ").unwrap(), Sector::Municipality);
        assert_eq!(Sector::parse("STATSLIG").unwrap(), Sector::State);
        assert_eq!(Sector::parse("Regioner").unwrap(), Sector::Region);
        assert_eq!(Sector::parse("fond").unwrap(), Sector::CivilSociety);
        assert_eq!(Sector::parse("Civil-Society").unwrap(), Sector::CivilSociety);
        assert!(Sector::parse("stats").unwrap_err().0.contains("expected one of state"));
        assert!(Sector::parse("").is_err());
    }

    #[test]
    fn levels_in_danish_with_unicode_case() {
        assert_eq!(Level::parse("DIREKTØR").unwrap(), Level::Top);
        assert_eq!(Level::parse("chef").unwrap(), Level::Executive);
        assert_eq!(Level::parse("Mellemleder").unwrap(), Level::Manager);
        assert!(Level::parse("boss").is_err());
    }

    #[test]
    fn stages_are_ordered() {
        assert!(Stage::Longlist < Stage::Shortlist && Stage::Interview < Stage::Hired);
        assert_eq!(Stage::parse(" Hired").unwrap(), Stage::Hired);
        assert!(Stage::parse("offer").is_err());
    }

    #[test]
    fn dates_iso_and_day_first() {
        assert_eq!(parse_date("2026-03-31").unwrap(), d(2026, 3, 31));
        assert_eq!(parse_date("31-03-2026").unwrap(), d(2026, 3, 31));
        assert_eq!(parse_date("31.03.2026").unwrap(), d(2026, 3, 31));
        assert_eq!(parse_date("1/3/2026").unwrap(), d(2026, 3, 1));
        assert!(parse_date("2026-02-30").unwrap_err().0.contains("impossible"));
        assert!(parse_date("1989-12-31").unwrap_err().0.contains("out of range"));
        assert!(parse_date("2101-01-01").unwrap_err().0.contains("out of range"));
        assert!(parse_date("2026/03/31").unwrap_err().0.contains("malformed"));
        assert!(parse_date("03-31").is_err());
        assert!(parse_date("31-03-26").is_err());
        assert!(parse_date("").is_err());
    }

    #[test]
    fn excel_date_times_read_as_dates() {
        assert_eq!(parse_date("2026-01-05 00:00:00").unwrap(), d(2026, 1, 5));
        assert_eq!(parse_date("2026-01-05T00:00:00").unwrap(), d(2026, 1, 5));
        assert_eq!(parse_date("05-01-2026 14:30").unwrap(), d(2026, 1, 5));
        assert_eq!(parse_date("05.01.2026 00:00:00.000").unwrap(), d(2026, 1, 5));
        assert!(parse_date("2026-01-05 25:00").unwrap_err().0.contains("malformed"));
        assert!(parse_date("2026-01-05 noon").unwrap_err().0.contains("malformed"));
        assert!(parse_date("2026-01-05 00:00:00:00").is_err());
    }

    #[test]
    fn danish_stage_words() {
        for (word, stage) in [
            ("longliste", Stage::Longlist),
            ("Kortliste", Stage::Shortlist),
            ("samtale", Stage::Interview),
            ("ANSAT", Stage::Hired),
        ] {
            assert_eq!(Stage::parse(word).unwrap(), stage);
        }
    }

    #[test]
    fn quarters() {
        assert_eq!(Quarter::of(d(2026, 9, 30)).to_string(), "2026-Q3");
        assert_eq!(Quarter::of(d(2026, 10, 1)).to_string(), "2026-Q4");
        assert_eq!(Quarter::parse("2026-q1").unwrap(), Quarter { year: 2026, number: 1 });
        assert!(Quarter::parse("2026-Q5").is_err());
        assert!(Quarter::parse("2026").is_err());
    }

    #[test]
    fn experience_sums_and_separators() {
        let e = Experience::parse("private:4;municipality:2, private:1 stat : 3").unwrap();
        assert_eq!(e.years_in(Sector::Private), 5);
        assert_eq!(e.years_in(Sector::Municipality), 2);
        assert_eq!(e.years_in(Sector::State), 3);
        assert_eq!(e.to_string(), "state:3;municipality:2;private:5");
        assert!(Experience::parse("").unwrap().is_empty());
        assert!(Experience::parse("private").is_err());
        assert!(Experience::parse("private:61").unwrap_err().0.contains("out of range"));
        assert!(Experience::parse("private:-1").is_err());
        assert!(Experience::parse("private:2.5").is_err());
        assert!(Experience::parse("mars:2").is_err());
    }

    #[test]
    fn search_quarter_prefers_shortlist() {
        let mut s = Search {
            firm: "f".into(),
            search_ref: "s".into(),
            client: "c".into(),
            client_sector: Sector::State,
            client_ref: None,
            position: "p".into(),
            level: Level::Top,
            opened_on: d(2026, 3, 20),
            shortlist_on: None,
            cancelled_on: None,
        };
        assert_eq!(s.quarter().to_string(), "2026-Q1");
        s.shortlist_on = Some(d(2026, 4, 2));
        assert_eq!(s.quarter().to_string(), "2026-Q2");
    }
}
