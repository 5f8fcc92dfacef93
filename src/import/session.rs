//! An import: the rules of taking a call's records into the database, applied as the records are read, on top
//! of the store's write API ([`crate::store::Writer`]). One transaction and one entry of the import log per call;
//! records are written as they come (never the whole input in memory) and verdicts recomputed before the commit.
//!
//! The rules: a firm or an exemption met twice in one call is refused, naming both places; a search's runs of
//! rows standing apart in one CSV file are merged (anywhere else the same search twice is refused); a search
//! replaces the stored one as a whole, candidates compared as a set; an exemption waits for its search and is
//! stored and judged with it, or at the end for a search already stored; `--firm` refuses every record of
//! another firm; a firm that changed has its stored searches judged again. Whole-call knowledge lives in the
//! store's scratch tables, not in memory: where each search was first met, and the exemptions waiting.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{
    csv, stream_pipelined_with, At, Batch, Encoding, InputErrors, Kind, Open, Place, PrepareSearch, Preparer,
    SearchRecord, Sink, Sources,
};
use chrono::NaiveDate;

use crate::model::{ClientRef, Dossier, Exemption, Firm, FirmName, Search, SearchVerdict, Sector, SectorFrom, Verdict};
use crate::policy::Policy;
use crate::registry::{Entry, Match, Registry};
use crate::rules::{self, Case, Explanation, Projection};
use crate::store::{
    content_digest, ContentDigest, FileRecord, LaterChange, Mark, NewVersions, Store, StoreError, Writer,
};

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions<'a> {
    /// Judge and report, then roll everything back.
    pub dry_run: bool,
    /// Report the files' searches as judged by this policy (nothing is stored under it).
    pub judge_under: Option<&'a Policy>,
    /// Refuse every record of another firm.
    pub only_firm: Option<&'a str>,
    /// Project each of the files' pending searches as if its shortlist went out on this date (with `dry_run` or
    /// `judge_under`).
    pub send_on: Option<NaiveDate>,
    /// Add or update the files' candidates of a stored search, never remove one (exports that carry only new or
    /// changed rows); a search's own columns still replace the stored ones.
    pub merge: bool,
    /// Read CSV files through this import profile (their column names and words to ours).
    pub profile: Option<&'a super::Profile>,
    /// Today: a shortlist, addition or cancellation date after it is accepted and listed in
    /// [`ImportOutcome::future`].
    pub today: Option<NaiveDate>,
    /// Keep a file's client sector that contradicts the registry (and list such searches) instead of refusing it.
    pub trust_file_sectors: bool,
    /// Refuse every firm record (a recruiter of the server: pledge dates are an admin's to record).
    pub no_firm_rows: bool,
    /// The language of the explanations and projections (English, as stored, unless a web page asks for Danish);
    /// the judged searches' reasons stay English.
    pub lang: crate::model::Lang,
    /// With a dry run or `judge_under`: also explain each of the files' searches (the pre-send check).
    pub explain: bool,
}

/// How many records of a kind a call held, and how many of them changed what is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Records in the files.
    pub read: usize,
    /// Records that changed what is stored.
    pub changed: usize,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Firms read and changed.
    pub firms: Tally,
    /// Searches read and changed.
    pub searches: Tally,
    /// Exemptions read and changed.
    pub exemptions: Tally,
    /// Candidates added to, removed from and changed in the files' searches.
    pub candidates: CandidateTally,
    /// Searches whose stored verdict changed (searches new to the database not counted).
    pub verdicts_changed: usize,
    /// What a dry run would change, search by search (only in a dry run), in firm and search order.
    pub diff: Vec<SearchDiff>,
    /// Searches with a date after today (the first [`FUTURE_LISTED`]): firm, search reference, column, date.
    pub future: Vec<(String, String, &'static str, NaiveDate)>,
    /// How many searches have a date after today.
    pub future_total: usize,
    /// Users' registry entries read and changed.
    pub clients: Tally,
    /// The verdicts of the files' searches (dry run, or judged under another policy), ordered by firm and search
    /// reference.
    pub judged: Vec<SearchVerdict>,
    /// The firms of those searches, ordered by id.
    pub judged_firms: Vec<FirmName>,
    /// The pending ones among them projected as if sent on `send_on` (firm, search reference, projection), in the
    /// same order.
    pub projected: Vec<(String, String, Projection)>,
    /// With [`ImportOptions::explain`]: each of the files' searches with its explanation, in the order of
    /// `judged`.
    pub explained: Vec<(Dossier, Explanation)>,
    /// The time the import was recorded at.
    pub at: String,
    /// The registry the clients were checked against (its version), as the import log names it.
    pub registry: String,
    /// Searches whose client sector was left empty and taken from the registry.
    pub derived_sectors: usize,
    /// Clients the registry does not know, each with how many searches read name it, in byte order.
    pub unknown_clients: BTreeMap<String, usize>,
    /// Searches kept with a sector that contradicts the registry (`--trust-file-sectors`): where, and why.
    pub trusted: Vec<String>,
}

/// Candidates an import added, removed and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CandidateTally {
    /// New to their search.
    pub added: usize,
    /// No longer on their search (a search replaced as a whole by one without them).
    pub removed: usize,
    /// On their search before and after, with other values.
    pub changed: usize,
}

/// What an import changes in one search (a dry run's list).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SearchDiff {
    /// The firm id.
    pub firm: String,
    /// The search reference.
    pub search_ref: String,
    /// New to the database.
    pub new: bool,
    /// The search's own columns that change (`shortlist_on`, ...).
    pub columns: Vec<&'static str>,
    /// Candidates added, by reference.
    pub added: Vec<String>,
    /// Candidates removed, by reference.
    pub removed: Vec<String>,
    /// Candidates whose values change, by reference.
    pub changed: Vec<String>,
    /// The stored verdict before (none for a new search).
    pub verdict_before: Option<Verdict>,
    /// The verdict after.
    pub verdict_after: Option<Verdict>,
}

/// How many searches with a date after today an outcome names.
pub const FUTURE_LISTED: usize = 10;

/// `n word` with the word's plural when n is not 1 ("1 search", "2 searches").
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl ImportOutcome {
    /// A warning naming the searches with a date after `today`, if any.
    pub fn future_warning(&self, today: NaiveDate) -> Option<String> {
        if self.future_total == 0 {
            return None;
        }
        let named: Vec<String> =
            self.future.iter().map(|(f, s, column, date)| format!("{f}/{s} ({column} {date})")).collect();
        let more = self.future_total - self.future.len();
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        Some(format!(
            "warning: {} after today ({today}), accepted: {}{more}",
            plural(self.future_total, "search has a date", "searches have dates"),
            named.join(", ")
        ))
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let c = &self.candidates;
        let mut summary = format!(
            "{} changed ({} read; {} added, {} removed, {} changed; {} changed), {} changed ({} read), {} changed ({} \
             read)",
            plural(self.searches.changed, "search", "searches"),
            self.searches.read,
            plural(c.added, "candidate", "candidates"),
            c.removed,
            c.changed,
            plural(self.verdicts_changed, "verdict", "verdicts"),
            plural(self.firms.changed, "firm", "firms"),
            self.firms.read,
            plural(self.exemptions.changed, "exemption", "exemptions"),
            self.exemptions.read
        );
        if self.clients.read > 0 {
            summary.push_str(&format!(", {} clients changed ({} read)", self.clients.changed, self.clients.read));
        }
        summary
    }

    /// The summary, then the notes on clients ([`ImportOutcome::client_notes`]), one per line.
    pub fn summary_with_notes(&self) -> String {
        std::iter::once(self.summary()).chain(self.client_notes()).collect::<Vec<_>>().join("\n")
    }

    /// What the registry said of the clients, one line each, for people: sectors derived, searches kept against
    /// the registry, unknown clients. Empty when every client was known and agreed.
    pub fn client_notes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.derived_sectors > 0 {
            let sectors = plural(self.derived_sectors, "client sector", "client sectors");
            lines.push(format!("{sectors} taken from the registry (client_sector left empty)"));
        }
        if !self.trusted.is_empty() {
            let searches = plural(self.trusted.len(), "search", "searches");
            lines.push(format!(
                "{searches} kept with a client sector that contradicts the registry (--trust-file-sectors):"
            ));
            lines.extend(self.trusted.iter().map(|t| format!("  {}", crate::model::printable(t))));
        }
        if !self.unknown_clients.is_empty() {
            let clients = plural(self.unknown_clients.len(), "unknown client", "unknown clients");
            lines.push(format!("{clients} (not in the registry {}; the file's sector kept):", self.registry));
            lines.extend(self.unknown_clients.iter().take(UNKNOWN_CLIENTS_SHOWN).map(|(client, n)| {
                format!("  {} ({})", crate::model::printable(client), plural(*n, "search", "searches"))
            }));
            if self.unknown_clients.len() > UNKNOWN_CLIENTS_SHOWN {
                lines.push(format!(
                    "  ... and {} more (`pledgecheck report clients` lists every client)",
                    self.unknown_clients.len() - UNKNOWN_CLIENTS_SHOWN
                ));
            }
        }
        lines
    }
}

/// How many unknown clients the notes after an import name; the rest are counted.
const UNKNOWN_CLIENTS_SHOWN: usize = 50;

/// What the registry says of a search's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ClientCheck {
    /// Not in the registry; the file's sector stands.
    Unknown,
    /// Not in the registry, and no sector given: refused.
    UnknownWithoutSector,
    /// Known, and the file's sector agrees.
    Agrees,
    /// Known, and the sector left empty: the registry's taken.
    Derived,
    /// Known, and the file's sector contradicts the registry's: refused.
    Contradicts { id: String, registry: Sector },
    /// As `Contradicts`, but kept (`--trust-file-sectors`).
    Trusted { id: String, registry: Sector },
}

/// Checks a search's client against the registry and completes the search: the registry id beside the client's
/// text, and the registry's sector where the file left it empty (read as `unknown`). The client's text is kept
/// as it is. Pure: runs on the reading thread.
pub(super) fn check_client(registry: &Registry, trust: bool, search: &mut Search) -> ClientCheck {
    let given = search.client_sector;
    let entry = match registry.lookup(&search.client) {
        Match::Known(entry) => entry,
        Match::Unknown => {
            search.client_ref = None;
            return if given == Sector::Unknown { ClientCheck::UnknownWithoutSector } else { ClientCheck::Unknown };
        }
    };
    let registry_sector = entry.sector();
    let (from, check) = if given == Sector::Unknown {
        search.client_sector = registry_sector;
        (SectorFrom::Registry, ClientCheck::Derived)
    } else if given == registry_sector {
        (SectorFrom::File, ClientCheck::Agrees)
    } else if trust {
        (SectorFrom::FileTrusted, ClientCheck::Trusted { id: entry.id.clone(), registry: registry_sector })
    } else {
        (SectorFrom::File, ClientCheck::Contradicts { id: entry.id.clone(), registry: registry_sector })
    };
    search.client_ref = Some(ClientRef { id: entry.id.clone(), kind: entry.kind, sector_from: from });
    check
}

/// What the reading thread prepares with each search: the registry's word on its client, the digest of its
/// content, and the rows to write (left to the writing thread while most searches arrive unchanged: see
/// [`Session::lazy`]).
pub struct Prepared {
    check: ClientCheck,
    digest: ContentDigest,
    new: Option<NewVersions>,
}

impl Prepared {
    /// Prepares a search whose client has been checked; the rows to write only when `eager`.
    fn of(check: ClientCheck, record: &SearchRecord, stamp: &crate::store::Stamp, eager: bool) -> Prepared {
        if eager {
            let new = NewVersions::of(&record.search, &record.candidates, stamp);
            Prepared { check, digest: new.digest, new: Some(new) }
        } else {
            Prepared { check, digest: content_digest(&record.search, &record.candidates), new: None }
        }
    }
}

/// How many searches the writing thread judges at a time whether most arrive unchanged (see [`Session::lazy`]).
const LAZY_WINDOW: u32 = 128;

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have errors.
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `undo` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UndoOutcome {
    /// The entry taken back.
    pub undone: i64,
    /// Searches put back as they stood before it.
    pub restored: usize,
    /// Searches it had created, now removed.
    pub removed: usize,
    /// Firms put back or removed.
    pub firms: usize,
    /// Searches whose verdict changed.
    pub verdicts_changed: usize,
}

impl UndoOutcome {
    /// One line for people (and the import log).
    pub fn summary(&self) -> String {
        format!(
            "undo of import {}: {} restored, {} removed, {} restored or removed, {} changed",
            self.undone,
            plural(self.restored, "search", "searches"),
            plural(self.removed, "search", "searches"),
            plural(self.firms, "firm", "firms"),
            plural(self.verdicts_changed, "verdict", "verdicts")
        )
    }
}

/// Why `undo` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No such entry.
    #[error("no import {0} in the import log (`pledgecheck imports` lists them)")]
    NoSuchImport(i64),
    /// The entry put a policy in force.
    #[error("import {0} put a policy in force; undo does not take back a policy (put the earlier one in force with `pledgecheck policy use FILE`)")]
    Policy(i64),
    /// The entry changed nothing.
    #[error("import {0} changed no firm, search, candidate or exemption; there is nothing to undo")]
    Nothing(i64),
    /// Later entries changed the same firms or searches.
    #[error("import {id} cannot be undone: later changes touched the same firms or searches (undo those first, latest first):\n{}", .later.iter().map(|l| format!("  import {} at {} by {}: {}", l.id, l.at, l.by, l.what)).collect::<Vec<_>>().join("\n"))]
    Later {
        /// The entry asked for.
        id: i64,
        /// The later changes.
        later: Vec<LaterChange>,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes back one entry of the import log as a new recorded change: every firm and search it wrote is put back
/// as it stood just before it (one it created is removed). Nothing is deleted: history and the hash chain keep
/// both the entry and its undoing. Refused when a later entry changed the same firms or searches.
pub fn undo_import(store: &mut Store, id: i64, actor: &str, command: &str) -> Result<UndoOutcome, UndoError> {
    let entry = store.import_entry(id)?.ok_or(UndoError::NoSuchImport(id))?;
    let touched = store.touched_by(&entry)?;
    if touched.policy {
        return Err(UndoError::Policy(id));
    }
    if touched.searches.is_empty() && touched.firms.is_empty() {
        return Err(UndoError::Nothing(id));
    }
    let later = store.later_changes(&entry, &touched)?;
    if !later.is_empty() {
        return Err(UndoError::Later { id, later });
    }
    let mut firms = Vec::new();
    for (firm_id, firm) in &touched.firms {
        firms.push((*firm_id, firm.clone(), store.firm_before(*firm_id, &entry)?));
    }
    let mut searches = Vec::new();
    for (search_id, _, _) in &touched.searches {
        searches.push((*search_id, store.dossier_before(*search_id, &entry)?));
    }
    let mut outcome = UndoOutcome { undone: id, firms: firms.len(), ..UndoOutcome::default() };
    let recording = store.begin_recording(actor, command)?;
    let policy = recording.policy().clone();
    {
        let w = recording.writer()?;
        for (firm_id, _, before) in &firms {
            match before {
                Some(firm) => drop(w.put_firm(firm)?),
                None => w.close_firm(*firm_id)?,
            }
        }
        for (search_id, before) in &searches {
            let Some(before) = before else {
                w.close_search(*search_id)?;
                outcome.removed += 1;
                continue;
            };
            let new = NewVersions::of(&before.search, &before.candidates, &w.stamp());
            w.put_search(*search_id, true, &before.search, &before.candidates, &new, None)?;
            match &before.exemption {
                Some(exemption) => drop(w.put_exemption(*search_id, exemption)?),
                None => drop(w.close_exemption(*search_id)?),
            }
            w.recompute(&policy, *search_id)?;
            outcome.restored += 1;
        }
        // A firm put back changes the verdicts of its other searches too.
        for (firm_id, _, before) in &firms {
            if before.is_none() {
                continue;
            }
            let mut after = 0;
            loop {
                let ids = w.searches_judged_before(*firm_id, after, CHUNK)?;
                let Some(last) = ids.last() else { break };
                after = *last;
                for id in ids {
                    w.recompute(&policy, id)?;
                }
            }
        }
        outcome.verdicts_changed = w.verdict_changes()?.len();
    }
    recording.finish(&[], &outcome.summary(), true)?;
    Ok(outcome)
}

/// How many ids a pass over stored searches takes at a time, so that memory does not grow with their number.
const CHUNK: usize = 1000;

/// Streams files into the database in one transaction: all or nothing.
pub fn import_files(
    store: &mut Store,
    inputs: &[impl Open + Sync],
    encoding: Encoding,
    actor: &str,
    command: &str,
    options: ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    let first_load = !options.dry_run && store.begin_first_load()?;
    let done = run(store, actor, command, options, |session| {
        stream_pipelined_with(inputs, encoding, options.profile, session)
    });
    if first_load {
        store.end_first_load();
    }
    done
}

/// Writes records held in memory (a change made by hand) as an import does.
pub fn import_batch(
    store: &mut Store,
    batch: &Batch,
    actor: &str,
    command: &str,
    options: ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    run(store, actor, command, options, |session| {
        let sources = Sources(batch.sources.clone());
        let mut errors = InputErrors::default();
        for (place, entry) in &batch.clients {
            session.client(&sources, place.clone(), entry.clone(), &mut errors)?;
        }
        for (place, firm) in &batch.firms {
            session.firm(&sources, place.clone(), firm.clone(), &mut errors)?;
        }
        for (place, exemption) in &batch.exemptions {
            session.exemption(&sources, place.clone(), exemption.clone(), &mut errors)?;
        }
        for record in &batch.searches {
            session.search(&sources, record.clone(), Vec::new(), &mut errors)?;
        }
        Ok((sources, errors))
    })
}

fn run(
    store: &mut Store,
    actor: &str,
    command: &str,
    options: ImportOptions,
    feed: impl for<'s> FnOnce(&mut Session<'s>) -> Result<(Sources, InputErrors), StoreError>,
) -> Result<ImportOutcome, ImportError> {
    let recording =
        if options.dry_run { store.begin_trial(actor, command)? } else { store.begin_recording(actor, command)? };
    let policy = recording.policy().clone();
    let w = recording.writer()?;
    let registry = Arc::new(w.registry()?);
    let held_searches = w.holds_searches()?;
    let (sources, outcome, registry) = {
        let mut session = Session {
            w,
            policy: &policy,
            registry: Arc::clone(&registry),
            trust_file_sectors: options.trust_file_sectors,
            only_firm: options.only_firm,
            merge: options.merge,
            today: options.today,
            no_firm_rows: options.no_firm_rows,
            firms: HashMap::new(),
            firms_met: HashMap::new(),
            firms_changed: BTreeSet::new(),
            exemptions_waiting: false,
            suggested: HashMap::new(),
            clients_met: HashMap::new(),
            clients_changed: false,
            look_first: held_searches,
            lazy: Arc::new(AtomicBool::new(held_searches)),
            window: (0, 0),
            outcome: ImportOutcome {
                at: recording.at().to_string(),
                registry: registry.version().to_string(),
                ..ImportOutcome::default()
            },
        };
        let (sources, mut errors) = feed(&mut session)?;
        session.finish(&sources, &mut errors)?;
        if !errors.is_empty() {
            return Err(ImportError::Input(errors));
        }
        session.count_changes(options.dry_run)?;
        if options.dry_run || options.judge_under.is_some() {
            let policy = options.judge_under.unwrap_or(&policy);
            session.judge_files_searches(policy, options.send_on, options.explain, options.lang)?;
        }
        session.outcome.registry = session.registry.version().to_string();
        (sources, session.outcome, session.registry)
    };
    let mut files: Vec<FileRecord> = sources
        .0
        .iter()
        .filter_map(|s| s.kind.map(|k| FileRecord { name: &s.name, sha256: &s.sha256, kind: k.as_str() }))
        .collect();
    // The registry the clients were checked against is an input of the change like its files.
    let registry_name = format!("registry {}", registry.version());
    files.push(FileRecord { name: &registry_name, sha256: registry.sha256(), kind: "registry" });
    recording.finish(&files, &outcome.summary(), !options.dry_run)?;
    Ok(outcome)
}

/// The import's state for one call: the rules applied as records arrive.
pub(super) struct Session<'a> {
    w: Writer<'a>,
    policy: &'a Policy,
    /// The registry of public employers the clients are checked against.
    registry: Arc<Registry>,
    /// Keep a file's client sector that contradicts the registry.
    trust_file_sectors: bool,
    /// Refuse every record of another firm (an agency collecting one firm's files).
    only_firm: Option<&'a str>,
    /// Add and update candidates, never remove them (`import --merge`).
    merge: bool,
    /// Today, for warning of dates after it.
    today: Option<NaiveDate>,
    /// Refuse every firm record.
    no_firm_rows: bool,
    /// Firms as they stand, by id; `None` for an unknown firm.
    firms: HashMap<String, Option<(i64, Firm)>>,
    /// Where each firm of this call was met.
    firms_met: HashMap<String, Place>,
    firms_changed: BTreeSet<i64>,
    /// Whether any exemption of this call waits for its search.
    exemptions_waiting: bool,
    /// "Did you mean" for unknown firm ids, once per id.
    suggested: HashMap<String, String>,
    /// Where each user's registry entry of this call was met.
    clients_met: HashMap<String, Place>,
    /// Whether this call changed the registry (then its searches are checked against it again).
    clients_changed: bool,
    /// The database held searches when the call began: a search is looked up before it is made.
    look_first: bool,
    /// Told to the reading thread: most searches lately arrived unchanged, so leave their rows to write (row
    /// hashes, salted digests) to this thread, which works them out only for searches that changed. A file of
    /// new or changed searches keeps that work on the reading thread, where it overlaps the writing.
    lazy: Arc<AtomicBool>,
    /// Searches of the current window, and how many of them arrived unchanged.
    window: (u32, u32),
    outcome: ImportOutcome,
}

/// A place as the store's scratch tables keep it.
fn mark_of(place: &Place) -> Mark {
    match &place.at {
        At::Line { line, .. } => Mark { source: place.source, line: *line, path: None },
        At::Path(path) => Mark { source: place.source, line: 0, path: Some(path.clone()) },
        At::File => Mark { source: place.source, line: 0, path: None },
    }
}

/// A place kept in the store's scratch tables: a JSON path, or else a line.
fn place_from(mark: Mark) -> Place {
    let at = match mark.path {
        Some(path) => At::Path(path),
        None => At::Line { line: mark.line, column: None },
    };
    Place { source: mark.source, at }
}

impl Session<'_> {
    /// False, with an error, for a record of another firm than the one accepted.
    fn accepts(&self, sources: &Sources, place: &Place, firm: &str, errors: &mut InputErrors) -> bool {
        match self.only_firm {
            Some(only) if only != firm => {
                let message = format!("firm {firm:?} is not {only:?}, the only firm this import accepts (--firm)");
                errors.push(sources.error_at(place, "firm", message));
                false
            }
            _ => true,
        }
    }

    /// Notes a search with a shortlist, cancellation or addition date after today (accepted, with a warning).
    fn note_future(&mut self, record: &SearchRecord) {
        let Some(today) = self.today else { return };
        let s = &record.search;
        let added = record.candidates.iter().filter_map(|c| c.added_on).max();
        let later = [("shortlist_on", s.shortlist_on), ("cancelled_on", s.cancelled_on), ("added_on", added)]
            .into_iter()
            .find_map(|(column, date)| date.filter(|d| *d > today).map(|d| (column, d)));
        if let Some((column, date)) = later {
            self.outcome.future_total += 1;
            if self.outcome.future.len() < FUTURE_LISTED {
                self.outcome.future.push((s.firm.clone(), s.search_ref.clone(), column, date));
            }
        }
    }

    /// ` (did you mean ...?)` for an unknown firm id, from the firms stored and those of this call (by id or
    /// display name); worked out once per id.
    fn firm_suggestion(&mut self, firm: &str) -> Result<String, StoreError> {
        if let Some(known) = self.suggested.get(firm) {
            return Ok(known.clone());
        }
        let firms = self.w.current_firm_names()?;
        let text = crate::model::firm_suggestions(firm, &firms);
        self.suggested.insert(firm.to_string(), text.clone());
        Ok(text)
    }

    fn firm_of(&mut self, firm: &str) -> Result<Option<(i64, Firm)>, StoreError> {
        if let Some(found) = self.firms.get(firm) {
            return Ok(found.clone());
        }
        let found = self.w.current_firm(firm)?;
        self.firms.insert(firm.to_string(), found.clone());
        Ok(found)
    }

    /// Counts a search met for the first time, unchanged or not; at the end of each window tells the reading
    /// thread whether to leave the rows to write to this thread ([`Session::lazy`]).
    fn note_window(&mut self, unchanged: bool) {
        self.window.0 += 1;
        self.window.1 += u32::from(unchanged);
        if self.window.0 == LAZY_WINDOW {
            self.lazy.store(self.window.1 * 2 > self.window.0, Ordering::Relaxed);
            self.window = (0, 0);
        }
    }

    /// Judges a search from the records in hand and stores its verdict.
    fn judge(
        &self,
        (id, firm_id): (i64, i64),
        existed: bool,
        firm: &Firm,
        record: &SearchRecord,
        waiting: Option<Exemption>,
    ) -> Result<(), StoreError> {
        let exemption = match waiting {
            Some(exemption) => Some(exemption),
            None if existed => self.w.current_exemption(id, &record.search)?,
            None => None,
        };
        let case = Case { firm, search: &record.search, candidates: &record.candidates, exemption: exemption.as_ref() };
        self.w.store_verdict(self.policy, (id, firm_id), &rules::judge(self.policy, &case), &record.search, !existed)
    }

    /// The exemption of this call waiting for a search, if any.
    fn waiting_exemption(&self, firm: &str, search_ref: &str) -> Result<Option<Exemption>, StoreError> {
        if !self.exemptions_waiting {
            return Ok(None);
        }
        self.w.waiting_exemption(firm, search_ref)
    }

    /// Stores a waiting exemption with its search (`id`); true when it changed what is stored.
    fn apply_exemption(&mut self, id: i64, exemption: &Exemption) -> Result<bool, StoreError> {
        self.w.mark_applied(exemption)?;
        let changed = self.w.put_exemption(id, exemption)?;
        self.outcome.exemptions.changed += usize::from(changed);
        Ok(changed)
    }

    /// Finishes the call: stores the exemptions of searches not in these files, recomputes the verdicts that
    /// depend on them and on changed firms, and counts.
    fn finish(&mut self, sources: &Sources, errors: &mut InputErrors) -> Result<(), StoreError> {
        let (read, changed) = self.w.seen_totals()?;
        self.outcome.searches.read = read;
        self.outcome.searches.changed = changed;
        let mut after = 0;
        loop {
            let chunk = self.w.unapplied_exemptions(after, CHUNK)?;
            let Some((last, _, _)) = chunk.last() else { break };
            after = *last;
            for (_, exemption, mark) in chunk {
                let Some(search_id) = self.w.current_search_id(&exemption.firm, &exemption.search_ref)? else {
                    let message = format!(
                        "no search {:?} of firm {:?} in these files or the database (an exemption needs its search)",
                        exemption.search_ref, exemption.firm
                    );
                    errors.push(sources.error_at(&place_from(mark), "search_ref", message));
                    continue;
                };
                if errors.is_empty() && self.apply_exemption(search_id, &exemption)? {
                    self.w.recompute(self.policy, search_id)?;
                }
            }
        }
        if !errors.is_empty() {
            return Ok(());
        }
        // Verdicts computed in this call already saw the firm as it now stands.
        for firm_id in &self.firms_changed {
            let mut after = 0;
            loop {
                let ids = self.w.searches_judged_before(*firm_id, after, CHUNK)?;
                let Some(last) = ids.last() else { break };
                after = *last;
                for id in ids {
                    self.w.recompute(self.policy, id)?;
                }
            }
        }
        Ok(())
    }

    /// The files' searches judged under `policy`, for a dry run or a judgement under another policy.
    fn judge_files_searches(
        &mut self,
        policy: &Policy,
        send_on: Option<NaiveDate>,
        explain: bool,
        lang: crate::model::Lang,
    ) -> Result<(), StoreError> {
        let outcome = &mut self.outcome;
        for id in self.w.seen_ids()? {
            let Some(dossier) = self.w.current_dossier(id)? else { continue };
            if explain {
                let explanation = rules::explain_in(policy, &Case::of(&dossier), lang);
                outcome.explained.push((dossier.clone(), explanation));
            }
            if !outcome.judged_firms.iter().any(|f| f.firm == dossier.firm.firm) {
                outcome
                    .judged_firms
                    .push(FirmName { firm: dossier.firm.firm.clone(), name: dossier.firm.name.clone() });
            }
            let case = Case::of(&dossier);
            outcome.judged.push(rules::judge(policy, &case).for_search(&dossier.search));
            if let Some(projection) = send_on.and_then(|on| rules::project_in(policy, &case, on, lang)) {
                let s = &dossier.search;
                outcome.projected.push((s.firm.clone(), s.search_ref.clone(), projection));
            }
        }
        outcome.judged.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
        outcome.projected.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        outcome.judged_firms.sort_by(|a, b| a.firm.cmp(&b.firm));
        outcome.explained.sort_by(|a, b| {
            (&a.0.search.firm, &a.0.search.search_ref).cmp(&(&b.0.search.firm, &b.0.search.search_ref))
        });
        Ok(())
    }

    /// With `--merge`, a stored search's candidates that the record does not name, added to it (the record's own
    /// candidates replace stored ones of the same reference); `None` when there is nothing to merge.
    fn merged_with_stored(
        &self,
        id: i64,
        existed: bool,
        record: &SearchRecord,
    ) -> Result<Option<SearchRecord>, StoreError> {
        if !self.merge || !existed {
            return Ok(None);
        }
        let Some(stored) = self.w.current_dossier(id)? else { return Ok(None) };
        let kept: Vec<_> = stored
            .candidates
            .into_iter()
            .filter(|c| !record.candidates.iter().any(|r| r.candidate_ref == c.candidate_ref))
            .collect();
        if kept.is_empty() {
            return Ok(None);
        }
        let mut merged = record.clone();
        merged.candidates.extend(kept);
        Ok(Some(merged))
    }

    /// Counts what the call changed: candidates added, removed and changed, and verdicts changed; in a dry run
    /// also lists what changes search by search.
    fn count_changes(&mut self, list: bool) -> Result<(), StoreError> {
        let [added, removed, changed] = self.w.candidate_totals()?;
        self.outcome.candidates = CandidateTally { added, removed, changed };
        let verdicts = self.w.verdict_changes()?;
        self.outcome.verdicts_changed = verdicts.len();
        if !list {
            return Ok(());
        }
        let mut ids = self.w.changed_seen_ids()?;
        ids.extend(verdicts.iter().map(|(id, _, _)| *id));
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let (before, after) = (self.w.dossier_before(id)?, self.w.current_dossier(id)?);
            let Some(after) = after else { continue };
            let verdict_after = self.w.stored_verdict(id)?;
            let verdict_before = match self.w.verdict_before(id)? {
                Some(v) => Some(v),
                None if before.is_some() => verdict_after,
                None => None,
            };
            self.outcome.diff.push(diff_of(before.as_ref(), &after, verdict_before, verdict_after));
        }
        self.outcome.diff.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
        Ok(())
    }

    /// A later run of a search met before (`first`: where): merged into what this call wrote, and the search
    /// written again whole.
    fn merge_later_run(
        &mut self,
        sources: &Sources,
        id: i64,
        first: Place,
        record: &SearchRecord,
        candidate_lines: &[usize],
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        let Some(mut current) = self.w.current_dossier(id)? else { return Ok(()) };
        if self.merge {
            // Stored candidates that `--merge` kept and the later run names again are the later run's to write.
            if let Some(before) = self.w.dossier_before(id)? {
                current.candidates.retain(|c| {
                    !(before.candidates.contains(c)
                        && record.candidates.iter().any(|r| r.candidate_ref == c.candidate_ref))
                });
            }
        }
        let mut merged = SearchRecord { place: first, search: current.search, candidates: current.candidates };
        let before = errors.total();
        merge_run(sources, &mut merged, record.clone(), candidate_lines, errors);
        if errors.total() > before {
            return Ok(());
        }
        self.w.undo_search(id)?;
        let existed = self.w.has_versions(id)?;
        let new = NewVersions::of(&merged.search, &merged.candidates, &self.w.stamp());
        let put = self.w.put_search(id, existed, &merged.search, &merged.candidates, &new, None)?;
        self.w.set_seen_changed(id, &put)?;
        // The verdict stored for the first run may have been of part of the search.
        self.w.recompute(self.policy, id)
    }
}

impl Sink for Session<'_> {
    type Error = StoreError;

    fn firm(
        &mut self,
        sources: &Sources,
        place: Place,
        firm: Firm,
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        self.outcome.firms.read += 1;
        if self.no_firm_rows {
            let message = format!(
                "firm {:?}: firm rows (pledge and withdrawal dates) are recorded by an admin; this account may not \
                 send them",
                firm.firm
            );
            errors.push(sources.error_at(&place, "firm", message));
            return Ok(());
        }
        if !self.accepts(sources, &place, &firm.firm, errors) {
            return Ok(());
        }
        if let Some(first) = self.firms_met.get(&firm.firm) {
            let message = format!("firm {} appears twice: also at {}", firm.firm, sources.describe(first));
            errors.push(sources.error_at(&place, "firm", message));
            return Ok(());
        }
        self.firms_met.insert(firm.firm.clone(), place);
        if let Some((id, stored_before)) = self.w.put_firm(&firm)? {
            self.outcome.firms.changed += 1;
            // A firm new to the database has no stored searches to judge again.
            if stored_before {
                self.firms_changed.insert(id);
            }
            self.firms.insert(firm.firm.clone(), Some((id, firm)));
        }
        Ok(())
    }

    fn search(
        &mut self,
        sources: &Sources,
        record: SearchRecord,
        candidate_lines: Vec<usize>,
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        let mut record = record;
        let check = check_client(&self.registry, self.trust_file_sectors, &mut record.search);
        let prepared = Prepared::of(check, &record, &self.w.stamp(), true);
        self.prepared_search(sources, &record, &prepared, &candidate_lines, errors)
    }

    fn exemption(
        &mut self,
        sources: &Sources,
        place: Place,
        exemption: Exemption,
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        self.outcome.exemptions.read += 1;
        if !self.accepts(sources, &place, &exemption.firm, errors) {
            return Ok(());
        }
        // Exemptions are read before the searches: each waits for its search, and is stored with it (or at the
        // end, for a search already stored and not in these files).
        if let Some(first) = self.w.waiting_mark(&exemption.firm, &exemption.search_ref)? {
            let message = format!(
                "a second exemption for search {} of firm {} (a search has at most one): also at {}",
                exemption.search_ref,
                exemption.firm,
                sources.describe(&place_from(first))
            );
            errors.push(sources.error_at(&place, "search_ref", message));
            return Ok(());
        }
        self.w.wait_exemption(&exemption, &mark_of(&place))?;
        self.exemptions_waiting = true;
        Ok(())
    }

    /// A user's registry entry: refused when the registry would then have two entries that share a name or short
    /// form; written when it differs from the current one.
    fn client(
        &mut self,
        sources: &Sources,
        place: Place,
        entry: Entry,
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        self.outcome.clients.read += 1;
        // The registry is shared by every firm: an entry changes how all firms' searches are judged, so a call
        // kept to one firm (a recruiter's upload, `import --firm`) may not write one, as it may not write firms.
        if self.no_firm_rows || self.only_firm.is_some() {
            let message = format!(
                "client {:?}: registry entries (clients) are shared by every firm and recorded by an admin; {} may \
                 not send them",
                entry.id,
                if self.no_firm_rows { "this account" } else { "an import kept to one firm (--firm)" }
            );
            errors.push(sources.error_at(&place, "id", message));
            return Ok(());
        }
        if let Some(first) = self.clients_met.get(&entry.id) {
            let message = format!("client {} appears twice: also at {}", entry.id, sources.describe(first));
            errors.push(sources.error_at(&place, "id", message));
            return Ok(());
        }
        self.clients_met.insert(entry.id.clone(), place.clone());
        let mut entries = self.w.current_clients()?;
        entries.retain(|e| e.id != entry.id);
        entries.push(entry.clone());
        if let Err(e) = Registry::with_additions(entries) {
            errors.push(sources.error_at(&place, "name", e.0));
            return Ok(());
        }
        if self.w.put_client(&entry)? {
            self.outcome.clients.changed += 1;
            self.registry = Arc::new(self.w.registry()?);
            self.clients_changed = true;
        }
        Ok(())
    }
}

impl PrepareSearch for Session<'_> {
    type Prepared = Prepared;

    fn preparer(&self) -> Preparer<Prepared> {
        let stamp = self.w.stamp();
        let (registry, trust) = (Arc::clone(&self.registry), self.trust_file_sectors);
        let lazy = Arc::clone(&self.lazy);
        Box::new(move |record: &mut SearchRecord| {
            let check = check_client(&registry, trust, &mut record.search);
            Prepared::of(check, record, &stamp, !lazy.load(Ordering::Relaxed))
        })
    }

    fn prepared_search(
        &mut self,
        sources: &Sources,
        record: &SearchRecord,
        prepared: &Prepared,
        candidate_lines: &[usize],
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        if !self.accepts(sources, &record.place, &record.search.firm, errors) {
            return Ok(());
        }
        // The reading thread checked the client against the registry as the call began; entries of a clients file
        // of this call came after.
        let rechecked;
        let (record, prepared) = if self.clients_changed {
            let mut again = record.clone();
            let check = check_client(&self.registry, self.trust_file_sectors, &mut again.search);
            let prepared = Prepared::of(check, &again, &self.w.stamp(), true);
            rechecked = (again, prepared);
            (&rechecked.0, &rechecked.1)
        } else {
            (record, prepared)
        };
        let client = &record.search.client;
        match &prepared.check {
            ClientCheck::UnknownWithoutSector => {
                let message = format!(
                    "client_sector is missing (expected the client's sector: client {client:?} is not in the registry, \
                     which would give it)"
                );
                errors.push(sources.error_at(&record.place, "client_sector", message));
                return Ok(());
            }
            ClientCheck::Contradicts { id, registry } => {
                let message = format!(
                    "client_sector {} contradicts the registry: client {client:?} is {id}, sector {registry} (leave \
                     client_sector empty to take the registry's, correct it, or import with --trust-file-sectors)",
                    record.search.client_sector
                );
                errors.push(sources.error_at(&record.place, "client_sector", message));
                return Ok(());
            }
            _ => {}
        }
        let Some((firm_id, firm)) = self.firm_of(&record.search.firm)? else {
            let suggest = self.firm_suggestion(&record.search.firm)?;
            let message = format!(
                "unknown firm {:?}{suggest} (expected a firm from a firms file of this import or already in the \
                 database; firm ids match exactly)",
                record.search.firm
            );
            errors.push(sources.error_at(&record.place, "firm", message));
            return Ok(());
        };
        let identity = self.w.identity(firm_id, &record.search.search_ref, &prepared.digest, self.look_first)?;
        let (id, made) = (identity.id, identity.made);
        let seen = if made { None } else { self.w.seen(id)? };
        if let Some((first, _)) = seen {
            return self.merge_later_run(sources, id, place_from(first), record, candidate_lines, errors);
        }
        // The first run of this search in this call.
        self.note_future(record);
        match &prepared.check {
            ClientCheck::Unknown => *self.outcome.unknown_clients.entry(client.clone()).or_default() += 1,
            ClientCheck::Derived => self.outcome.derived_sectors += 1,
            ClientCheck::Trusted { id, registry } => self.outcome.trusted.push(format!(
                "{}: {}/{} client {client:?} ({id}, sector {registry}) kept as {}",
                sources.describe(&record.place),
                record.search.firm,
                record.search.search_ref,
                record.search.client_sector
            )),
            _ => {}
        }
        let existed = !made;
        // Stored with the same content digest: the rows are as the record would write them (any change made
        // otherwise since forgot the digest), so there is nothing to compare or write; with `--merge` too, since
        // the stored candidates are then all in the record.
        let unchanged = existed && identity.digest == Some(prepared.digest);
        self.note_window(unchanged);
        let (merged, merged_new, computed);
        let (record, changed) = if unchanged {
            self.w.note_seen(id, &mark_of(&record.place), &crate::store::PutSearch::default())?;
            (record, false)
        } else {
            let (record, new) = match self.merged_with_stored(id, existed, record)? {
                Some(with_stored) => {
                    merged_new = NewVersions::of(&with_stored.search, &with_stored.candidates, &self.w.stamp());
                    merged = with_stored;
                    (&merged, &merged_new)
                }
                None => match &prepared.new {
                    Some(new) => (record, new),
                    None => {
                        computed = NewVersions::of(&record.search, &record.candidates, &self.w.stamp());
                        (record, &computed)
                    }
                },
            };
            let put = self.w.put_search(id, existed, &record.search, &record.candidates, new, identity.digest)?;
            self.w.note_seen(id, &mark_of(&record.place), &put)?;
            (record, put.changed)
        };
        // Its exemption, if these files have one, is stored with it and judged with it.
        let waiting = self.waiting_exemption(&record.search.firm, &record.search.search_ref)?;
        let exemption_changed = match &waiting {
            Some(exemption) => self.apply_exemption(id, exemption)?,
            None => false,
        };
        if changed || exemption_changed {
            self.judge((id, firm_id), existed, &firm, record, waiting)?;
        }
        Ok(())
    }
}

/// What changes in a search from `before` (none: new) to `after`.
fn diff_of(
    before: Option<&crate::model::Dossier>,
    after: &crate::model::Dossier,
    verdict_before: Option<Verdict>,
    verdict_after: Option<Verdict>,
) -> SearchDiff {
    let mut diff = SearchDiff {
        firm: after.search.firm.clone(),
        search_ref: after.search.search_ref.clone(),
        new: before.is_none(),
        verdict_before,
        verdict_after,
        ..SearchDiff::default()
    };
    let empty = Vec::new();
    let old = before.map_or(&empty, |b| &b.candidates);
    for c in &after.candidates {
        match old.iter().find(|o| o.candidate_ref == c.candidate_ref) {
            None => diff.added.push(c.candidate_ref.clone()),
            Some(o) if o != c => diff.changed.push(c.candidate_ref.clone()),
            Some(_) => {}
        }
    }
    for o in old.iter().filter(|o| !after.candidates.iter().any(|c| c.candidate_ref == o.candidate_ref)) {
        diff.removed.push(o.candidate_ref.clone());
    }
    for list in [&mut diff.added, &mut diff.removed, &mut diff.changed] {
        list.sort();
    }
    if let Some(b) = before {
        diff.columns = csv::disagreements(&b.search, &after.search)
            .into_iter()
            .filter(|(_, differs)| *differs)
            .map(|(field, _)| field)
            .collect();
    }
    diff
}

/// Merges a later run of a search into the first: refused when the two are not rows of one CSV file, when the
/// search columns disagree, or when a candidate is in both. `later_lines` are the later run's candidate lines.
fn merge_run(
    sources: &Sources,
    first: &mut SearchRecord,
    later: SearchRecord,
    later_lines: &[usize],
    errors: &mut InputErrors,
) {
    let search = &later.search;
    let same_csv_file = first.place.source == later.place.source
        && matches!(sources.0[later.place.source].kind, Some(Kind::Shortlists));
    if !same_csv_file {
        let message = format!(
            "search {} of firm {} appears twice: also at {}",
            search.search_ref,
            search.firm,
            sources.describe(&first.place)
        );
        errors.push(sources.error_at(&later.place, "search_ref", message));
        return;
    }
    let first_line = match first.place.at {
        At::Line { line, .. } => line,
        _ => 0,
    };
    let mut good = true;
    for (field, differs) in csv::disagreements(&first.search, search) {
        if differs {
            good = false;
            let message = format!(
                "the rows of search {} disagree: {field} here differs from line {first_line} (the search columns must \
                 be the same on every row of a search)",
                search.search_ref
            );
            errors.push(sources.error_at(&later.place, field, message));
        }
    }
    let empty_first = first.candidates.is_empty();
    if empty_first || later.candidates.is_empty() {
        let message = format!(
            "search {} has a row without a candidate and other rows (on line {first_line}); a row without a candidate \
             must be its search's only row",
            search.search_ref
        );
        errors.push(sources.error_at(&later.place, "candidate_ref", message));
        return;
    }
    for (i, candidate) in later.candidates.into_iter().enumerate() {
        let line = later_lines.get(i).copied().unwrap_or(first_line);
        let place = Place { source: later.place.source, at: At::Line { line, column: None } };
        if first.candidates.iter().any(|c| c.candidate_ref == candidate.candidate_ref) {
            let message = format!(
                "candidate {} is twice in search {}: also in an earlier row",
                candidate.candidate_ref, search.search_ref
            );
            errors.push(sources.error_at(&place, "candidate_ref", message));
        } else if good {
            first.candidates.push(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Input;

    fn input(name: &str, text: &str) -> Input {
        Input { name: name.into(), bytes: text.as_bytes().to_vec() }
    }

    const FIRMS: &str = "firm,pledged_on\nf,2021-01-01\n";
    const HEADER: &str = "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,\
                          candidate_sector";

    fn import(store: &mut Store, inputs: &[Input]) -> Result<ImportOutcome, ImportError> {
        import_files(store, inputs, Encoding::Utf8, "test", "test", ImportOptions::default())
    }

    fn errors(result: Result<ImportOutcome, ImportError>) -> String {
        match result {
            Err(ImportError::Input(errors)) => errors.to_string(),
            other => panic!("expected input errors, got {other:?}"),
        }
    }

    fn search_of(client: &str, sector: Sector) -> Search {
        Search {
            firm: "f".into(),
            search_ref: "s".into(),
            client: client.into(),
            client_sector: sector,
            client_ref: None,
            position: "p".into(),
            level: crate::model::Level::Top,
            opened_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            shortlist_on: None,
            cancelled_on: None,
        }
    }

    #[test]
    fn a_client_is_checked_against_the_registry_and_its_text_kept() {
        let registry = Registry::builtin();
        let check = |client: &str, sector: Sector, trust: bool| {
            let mut search = search_of(client, sector);
            let found = check_client(&registry, trust, &mut search);
            (found, search)
        };
        let (found, search) = check("kbh kommune", Sector::Unknown, false);
        assert_eq!(found, ClientCheck::Derived);
        assert_eq!((search.client.as_str(), search.client_sector), ("kbh kommune", Sector::Municipality));
        assert_eq!(search.client_ref.unwrap().sector_from, SectorFrom::Registry);
        let (found, search) = check("Region Midtjylland", Sector::Municipality, false);
        assert_eq!(found, ClientCheck::Contradicts { id: "region-1082".into(), registry: Sector::Region });
        assert_eq!(search.client_sector, Sector::Municipality);
        let (found, search) = check("Region Midtjylland", Sector::Municipality, true);
        assert_eq!(found, ClientCheck::Trusted { id: "region-1082".into(), registry: Sector::Region });
        assert_eq!(search.client_ref.unwrap().sector_from, SectorFrom::FileTrusted);
        let (found, search) = check("Energistyrelsen", Sector::State, false);
        assert_eq!((found, search.client_ref.unwrap().kind), (ClientCheck::Agrees, crate::model::ClientKind::Agency));
        assert_eq!(check("Grundfos", Sector::Private, false).0, ClientCheck::Unknown);
        assert_eq!(check("Grundfos", Sector::Unknown, false).0, ClientCheck::UnknownWithoutSector);
    }

    #[test]
    fn unknown_clients_are_named_up_to_fifty_then_counted() {
        let mut outcome = ImportOutcome::default();
        for i in 0..52 {
            outcome.unknown_clients.insert(format!("Client {i:02}"), 1);
        }
        let notes = outcome.client_notes();
        assert_eq!(notes.len(), 1 + 50 + 1);
        assert_eq!(notes[1], "  Client 00 (1 search)");
        assert_eq!(notes[51], "  ... and 2 more (`pledgecheck report clients` lists every client)");
    }

    #[test]
    fn the_same_search_in_two_files_names_both_places() {
        let text = "firm,search_ref,client,client_sector,position,level,opened_on\nf,s1,C,state,P,top,2026-01-01\n";
        let mut store = Store::in_memory().unwrap();
        let found = errors(import(&mut store, &[input("f.csv", FIRMS), input("a.csv", text), input("b.csv", text)]));
        assert_eq!(
            found,
            "b.csv: line 2, column 2 (search_ref): search s1 of firm f appears twice: also at a.csv line 2"
        );
    }

    #[test]
    fn runs_of_a_search_standing_apart_in_one_file_are_one_search() {
        let text = format!(
            "{HEADER}\nf,s1,C,state,P,top,2026-01-01,2026-02-01,c1,state\nf,s2,C,state,P,top,2026-01-01,,c1,state\n\
             f,s1,C,state,P,top,2026-01-01,2026-02-01,c2,private\n"
        );
        let mut store = Store::in_memory().unwrap();
        let outcome = import(&mut store, &[input("f.csv", FIRMS), input("s.csv", &text)]).unwrap();
        assert_eq!((outcome.searches.read, outcome.searches.changed), (2, 2));
        let again = import(&mut store, &[input("f.csv", FIRMS), input("s.csv", &text)]).unwrap();
        assert_eq!(
            again.summary(),
            "0 searches changed (2 read; 0 candidates added, 0 removed, 0 changed; 0 verdicts changed), 0 firms changed \
             (1 read), 0 exemptions changed (0 read)"
        );
    }

    #[test]
    fn runs_that_disagree_or_repeat_a_candidate_are_refused() {
        let text = format!(
            "{HEADER}\nf,s1,C,state,P,top,2026-01-01,,c1,state\nf,s2,C,state,P,top,2026-01-01,,c1,state\n\
             f,s1,C,region,P,top,2026-01-01,,c1,private\n"
        );
        let mut store = Store::in_memory().unwrap();
        let found = errors(import(&mut store, &[input("f.csv", FIRMS), input("s.csv", &text)]));
        assert!(found.contains("s.csv: line 4, column 4 (client_sector): the rows of search s1 disagree"), "{found}");
        assert!(
            found.contains("line 4, column 9 (candidate_ref): candidate c1 is twice in search s1: also on line 2"),
            "{found}"
        );
    }

    #[test]
    fn only_firm_refuses_records_of_other_firms_and_writes_nothing() {
        let firms = "firm,pledged_on\nf,2021-01-01\ng,2021-01-01\n";
        let mut store = Store::in_memory().unwrap();
        let options = ImportOptions { only_firm: Some("f"), ..ImportOptions::default() };
        let result = import_files(&mut store, &[input("f.csv", firms)], Encoding::Utf8, "t", "t", options);
        assert!(errors(result).contains("firm \"g\" is not \"f\", the only firm this import accepts (--firm)"));
        assert!(store.firm("f").unwrap().is_none(), "nothing was written");
    }

    #[test]
    fn an_exemption_waits_for_its_search_or_needs_a_stored_one() {
        let exemptions = "firm,search_ref,reason\nf,s1,no-qualified-candidate\n";
        let search = format!("{HEADER}\nf,s1,C,state,P,top,2026-01-01,2026-02-01,c1,state\n");
        let mut store = Store::in_memory().unwrap();
        let found = errors(import(&mut store, &[input("f.csv", FIRMS), input("e.csv", exemptions)]));
        assert!(found.contains("no search \"s1\" of firm \"f\" in these files or the database"), "{found}");
        let outcome =
            import(&mut store, &[input("e.csv", exemptions), input("s.csv", &search), input("f.csv", FIRMS)]).unwrap();
        assert_eq!((outcome.exemptions.changed, outcome.searches.changed), (1, 1));
        let verdict = store.view(crate::store::Moment::Now, None).unwrap().verdict("f", "s1").unwrap().unwrap();
        assert_eq!(verdict.verdict, crate::model::Verdict::Exempt);
    }
}
