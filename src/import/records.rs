//! Turning the fields of one CSV row or JSON object into a firm, search, candidate or exemption, with an error
//! for every value that does not fit. CSV and JSON share this, so both give the same messages.

use chrono::NaiveDate;

use super::error::{At, InputError, InputErrors};
use super::limits;

/// The fields that identify (a firm, a search, a candidate) or name a code (an exemption's reason): they may hold
/// no control, invisible or unusual space character. Free text (names, clients, positions, notes) keeps them, escaped on output.
const IDENTIFIERS: &[&str] = &["firm", "search_ref", "candidate_ref", "reason"];
use crate::model::{
    excerpt, normalise_reason, parse_date, personal_data, Candidate, Exemption, Experience, Firm, Level, PersonalData,
    Search, Sector, Stage, ValueError,
};
use crate::registry::Entry;

/// The fields of one row or object.
pub(crate) trait Fields {
    /// The file's name.
    fn file(&self) -> &str;
    /// A field's raw text: `None` when the column or key is absent; empty text counts as absent.
    fn get(&self, name: &str) -> Option<&str>;
    /// Where a field is.
    fn at(&self, name: &str) -> At;
}

/// Reads the fields one at a time, recording an error for each that does not fit.
pub(crate) struct Reader<'a, F: Fields> {
    fields: &'a F,
    errors: &'a mut InputErrors,
    failed: bool,
}

impl<'a, F: Fields> Reader<'a, F> {
    pub(crate) fn new(fields: &'a F, errors: &'a mut InputErrors) -> Self {
        Reader { fields, errors, failed: false }
    }

    /// Records an error at a field.
    pub(crate) fn fail(&mut self, name: &str, message: String) {
        self.failed = true;
        self.errors.push(InputError { file: self.fields.file().to_string(), at: self.fields.at(name), message });
    }

    fn text(&self, name: &str) -> Option<&'a str> {
        self.fields.get(name).map(str::trim).filter(|t| !t.is_empty())
    }

    /// Refuses a text value that holds personal data (a name, in a reference column), naming only its start.
    fn refuse_personal(&mut self, name: &str, value: &str) {
        let reference = matches!(name, "candidate_ref" | "search_ref");
        if let Some(found) = personal_data(value, reference) {
            let advice = if found == PersonalData::Name {
                "use a pseudonymous reference with a digit (such as c1, or an id from your own system): words of \
                 letters alone read as a name"
            } else if reference {
                "use a pseudonymous reference (such as c1, or an id from your own system)"
            } else {
                "remove it; pledgecheck stores no personal data"
            };
            let verb = if found == PersonalData::Name { "looks like" } else { "holds" };
            self.fail(name, format!("{name} {:?} {verb} {}; {advice}", excerpt(value), found.describe()));
        }
    }

    /// A field's text, trimmed, within its bounds: no longer than [`limits::max_len`], and, for an identifier, no
    /// control, invisible or unusual space character. A value out of bounds is recorded as an error and counts as absent.
    fn bounded(&mut self, name: &str) -> Option<&'a str> {
        let text = self.text(name)?;
        let max = limits::max_len(name);
        if text.len() > max {
            self.fail(
                name,
                format!("{name} is {} bytes long (at most {} KB): {}", text.len(), max >> 10, limits::excerpt(text)),
            );
            return None;
        }
        if IDENTIFIERS.contains(&name) {
            if let Some((at, c)) = limits::first_hidden(text) {
                self.fail(
                    name,
                    format!(
                        "{name} holds a control, invisible or unusual space character (U+{:04X} at character {at}), \
                         which an identifier may not: it could not be told apart or typed",
                        c as u32
                    ),
                );
                return None;
            }
        }
        Some(text)
    }

    /// A required identifier or text, trimmed.
    pub(crate) fn required(&mut self, name: &str, what: &str) -> String {
        if self.text(name).is_none() {
            self.fail(name, format!("{name} is missing (expected {what})"));
            return String::new();
        }
        // A value out of bounds has its error already, and counts as empty.
        let Some(text) = self.bounded(name) else { return String::new() };
        self.refuse_personal(name, text);
        if IDENTIFIERS.contains(&name) {
            return crate::model::composed(text).into_owned();
        }
        text.to_string()
    }

    /// An optional text, trimmed; empty when absent.
    pub(crate) fn optional(&mut self, name: &str) -> Option<String> {
        let text = self.bounded(name)?;
        self.refuse_personal(name, text);
        Some(text.to_string())
    }

    fn parsed<T>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, ValueError>) -> Option<T> {
        let raw = self.bounded(name)?;
        match parse(raw) {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(name, e.0);
                None
            }
        }
    }

    fn required_parsed<T>(
        &mut self,
        name: &str,
        what: &str,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        if self.text(name).is_none() {
            self.fail(name, format!("{name} is missing (expected {what})"));
            return None;
        }
        self.parsed(name, parse)
    }

    /// An optional date.
    pub(crate) fn date(&mut self, name: &str) -> Option<NaiveDate> {
        self.parsed(name, parse_date)
    }

    /// A date that must not come before another.
    fn date_not_before(&mut self, name: &str, earliest: Option<(NaiveDate, &str)>) -> Option<NaiveDate> {
        let date = self.date(name)?;
        if let Some((earliest, earliest_name)) = earliest {
            if date < earliest {
                self.fail(name, format!("{name} {date} is before {earliest_name} {earliest}"));
            }
        }
        Some(date)
    }

    /// True when any field failed.
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }
}

/// Reads a firm.
pub(crate) fn firm<F: Fields>(fields: &F, errors: &mut InputErrors) -> Option<Firm> {
    let mut r = Reader::new(fields, errors);
    let firm = r.required("firm", "the firm's id");
    let name = r.optional("name");
    let pledged_on = r.date("pledged_on");
    let withdrawn_on = r.date("withdrawn_on");
    match (pledged_on, withdrawn_on) {
        (None, Some(_)) if !r.failed() => r.fail(
            "withdrawn_on",
            "withdrawn_on is set but pledged_on is empty (a firm withdraws only after signing)".into(),
        ),
        (Some(p), Some(w)) if w < p => {
            r.fail("withdrawn_on", format!("withdrawn_on {w} is before pledged_on {p}"));
        }
        _ => {}
    }
    (!r.failed()).then_some(Firm { firm, name, pledged_on, withdrawn_on })
}

/// Reads the search columns of a shortlists row or the fields of a JSON search.
pub(crate) fn search<F: Fields>(fields: &F, errors: &mut InputErrors) -> Option<Search> {
    let mut r = Reader::new(fields, errors);
    let firm = r.required("firm", "the firm's id");
    let search_ref = r.required("search_ref", "the firm's reference for the search");
    let client = r.required("client", "the client organisation");
    // Left empty, the sector reads as `unknown` for now: the import session gives a client the registry knows its
    // sector, and refuses an empty sector for any other client. Written `unknown`, it is refused here.
    let client_sector = if r.text("client_sector").is_none() {
        Some(Sector::Unknown)
    } else {
        r.parsed("client_sector", Sector::parse)
    };
    if client_sector == Some(Sector::Unknown) && r.text("client_sector").is_some() {
        r.fail("client_sector", "client_sector is unknown (expected the client's sector: state, region, municipality, private or civil-society)".into());
    }
    let position = r.required("position", "the position title");
    let level = r.required_parsed("level", "top, executive or manager", Level::parse);
    let opened_on = r.required_parsed("opened_on", "the date the firm took the search", parse_date);
    let after_opening = opened_on.map(|d| (d, "opened_on"));
    let shortlist_on = r.date_not_before("shortlist_on", after_opening);
    let cancelled_on = r.date_not_before("cancelled_on", after_opening);
    if let (Some(cancelled), Some(sent)) = (cancelled_on, shortlist_on) {
        if cancelled < sent {
            r.fail(
                "cancelled_on",
                format!("cancelled_on {cancelled} is before shortlist_on {sent} (a search is cancelled after its shortlist or instead of one)"),
            );
        }
    }
    if r.failed() {
        return None;
    }
    Some(Search {
        firm,
        search_ref,
        client,
        client_sector: client_sector?,
        client_ref: None,
        position,
        level: level?,
        opened_on: opened_on?,
        shortlist_on,
        cancelled_on,
    })
}

/// The columns that describe a candidate.
pub(crate) const CANDIDATE_COLUMNS: [&str; 5] =
    ["candidate_ref", "candidate_sector", "experience", "stage", "added_on"];

/// Reads a candidate; `opened_on` is the search's, when it could be read.
pub(crate) fn candidate<F: Fields>(
    fields: &F,
    opened_on: Option<NaiveDate>,
    errors: &mut InputErrors,
) -> Option<Candidate> {
    let mut r = Reader::new(fields, errors);
    let candidate_ref = r.required("candidate_ref", "the candidate's pseudonymous reference");
    let sector = r.required_parsed("candidate_sector", "the candidate's current or most recent sector", Sector::parse);
    let experience = r.parsed("experience", Experience::parse).unwrap_or_default();
    let stage = r.parsed("stage", Stage::parse).unwrap_or(Stage::Shortlist);
    let added_on = r.date_not_before("added_on", opened_on.map(|d| (d, "the search's opened_on")));
    if r.failed() {
        return None;
    }
    Some(Candidate { candidate_ref, sector: sector?, experience, stage, added_on })
}

/// Reads an exemption.
pub(crate) fn exemption<F: Fields>(fields: &F, errors: &mut InputErrors) -> Option<Exemption> {
    let mut r = Reader::new(fields, errors);
    let firm = r.required("firm", "the firm's id");
    let search_ref = r.required("search_ref", "the firm's reference for the search");
    let reason = r.required("reason", "the exemption's reason, such as no-qualified-candidate");
    let note = r.optional("note").unwrap_or_default();
    (!r.failed()).then(|| Exemption { firm, search_ref, reason: normalise_reason(&reason), note })
}

/// Reads a user's entry of the registry of public employers (a clients file's row, or `client add`).
pub(crate) fn client<F: Fields>(fields: &F, errors: &mut InputErrors) -> Option<Entry> {
    let mut r = Reader::new(fields, errors);
    let id = r.required("id", "the client's id, such as kommune-751 or one of your own");
    let name = r.required("name", "the client's official name");
    let kind = r.required("kind", "municipality, region, ministry, agency or other-state");
    let (sector, code, aliases) = (r.optional("sector"), r.optional("code"), r.optional("aliases"));
    if r.failed() {
        return None;
    }
    match Entry::from_fields(&id, &name, sector.as_deref(), &kind, code.as_deref(), aliases.as_deref()) {
        Ok(entry) => Some(entry),
        Err(problems) => {
            for (field, problem) in problems {
                r.fail(field, problem.0);
            }
            None
        }
    }
}
