//! The two languages pledgecheck speaks to people in, and the domain's words in each: the web pages' interface
//! and the rules engine's reasons are both worded through [`Lang`].

use super::{Level, Sector, Stage, Verdict};

/// A language for people: a web account's choice, else the browser's (`Accept-Language`); the rules engine's
/// reasons are English unless a page asks for Danish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Danish (the recruiters' and auditors' own).
    Da,
    /// English: the language reasons are stored and reported in.
    #[default]
    En,
}

impl Lang {
    /// The language's code, as stored and as `<html lang>` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// A stored code.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of Danish or English in an `Accept-Language` header, by its weight; Danish when neither is
    /// there (the pages' users work in Danish).
    pub fn from_accept(header: Option<&str>) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.unwrap_or("").split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight =
                pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let lang = match tag.split('-').next().unwrap_or("") {
                "da" | "nb" | "nn" | "no" => Lang::Da,
                "en" => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::Da, |(_, lang)| lang)
    }

    /// A verdict for people.
    pub fn verdict(self, verdict: Verdict) -> &'static str {
        match (self, verdict) {
            (Lang::En, v) => v.as_str(),
            (Lang::Da, Verdict::Compliant) => "overholdt",
            (Lang::Da, Verdict::NonCompliant) => "ikke overholdt",
            (Lang::Da, Verdict::Incomplete) => "ufuldstændig",
            (Lang::Da, Verdict::Exempt) => "undtaget",
            (Lang::Da, Verdict::Pending) => "afventer",
            (Lang::Da, Verdict::NotApplicable) => "ikke omfattet",
        }
    }

    /// A sector for people (the choices of a form: Danish labels, the contract's word as the value).
    pub fn sector(self, sector: Sector) -> &'static str {
        match (self, sector) {
            (Lang::En, s) => s.as_str(),
            (Lang::Da, Sector::State) => "stat",
            (Lang::Da, Sector::Region) => "region",
            (Lang::Da, Sector::Municipality) => "kommune",
            (Lang::Da, Sector::Private) => "privat",
            (Lang::Da, Sector::CivilSociety) => "civilsamfund",
            (Lang::Da, Sector::Unknown) => "ukendt",
        }
    }

    /// A level for people.
    pub fn level(self, level: Level) -> &'static str {
        match (self, level) {
            (Lang::En, l) => l.as_str(),
            (Lang::Da, Level::Top) => "topchef",
            (Lang::Da, Level::Executive) => "chef",
            (Lang::Da, Level::Manager) => "leder",
        }
    }

    /// A stage for people.
    pub fn stage(self, stage: Stage) -> &'static str {
        match (self, stage) {
            (Lang::En, s) => s.as_str(),
            (Lang::Da, Stage::Longlist) => "longliste",
            (Lang::Da, Stage::Shortlist) => "kortliste",
            (Lang::Da, Stage::Interview) => "samtale",
            (Lang::Da, Stage::Hired) => "ansat",
        }
    }
}
