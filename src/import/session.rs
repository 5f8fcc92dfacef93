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

use std::collections::{BTreeSet, HashMap};

use super::{
    csv, stream_pipelined, At, Batch, Encoding, InputErrors, Kind, Open, Place, PrepareSearch, Preparer, SearchRecord,
    Sink, Sources,
};
use crate::model::{Dossier, Exemption, Firm, FirmName, SearchVerdict};
use crate::policy::Policy;
use crate::rules::{self, Case, Explanation};
use crate::store::{FileRecord, Mark, NewVersions, Store, StoreError, Writer};

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions<'a> {
    /// Judge and report, then roll everything back.
    pub dry_run: bool,
    /// Report the files' searches as judged by this policy (nothing is stored under it).
    pub judge_under: Option<&'a Policy>,
    /// Refuse every record of another firm.
    pub only_firm: Option<&'a str>,
    /// Refuse every firm record (a recruiter of the server: pledge dates are an admin's to record).
    pub no_firm_rows: bool,
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
    /// The verdicts of the files' searches (dry run, or judged under another policy), ordered by firm and search
    /// reference.
    pub judged: Vec<SearchVerdict>,
    /// The firms of those searches, ordered by id.
    pub judged_firms: Vec<FirmName>,
    /// With [`ImportOptions::explain`]: each of the files' searches with its explanation, in the order of
    /// `judged`.
    pub explained: Vec<(Dossier, Explanation)>,
    /// The time the import was recorded at.
    pub at: String,
}

impl ImportOutcome {
    /// One line for people.
    pub fn summary(&self) -> String {
        format!(
            "{} searches changed ({} read), {} firms changed ({} read), {} exemptions changed ({} read)",
            self.searches.changed,
            self.searches.read,
            self.firms.changed,
            self.firms.read,
            self.exemptions.changed,
            self.exemptions.read
        )
    }
}

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
    let done = run(store, actor, command, options, |session| stream_pipelined(inputs, encoding, session));
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
    let recording = store.begin_recording(actor, command)?;
    let policy = recording.policy().clone();
    let (sources, outcome) = {
        let mut session = Session {
            w: recording.writer()?,
            policy: &policy,
            only_firm: options.only_firm,
            no_firm_rows: options.no_firm_rows,
            firms: HashMap::new(),
            firms_met: HashMap::new(),
            firms_changed: BTreeSet::new(),
            exemptions_waiting: false,
            outcome: ImportOutcome { at: recording.at().to_string(), ..ImportOutcome::default() },
        };
        let (sources, mut errors) = feed(&mut session)?;
        session.finish(&sources, &mut errors)?;
        if !errors.is_empty() {
            return Err(ImportError::Input(errors));
        }
        if options.dry_run || options.judge_under.is_some() {
            session.judge_files_searches(options.judge_under.unwrap_or(&policy), options.explain)?;
        }
        (sources, session.outcome)
    };
    let files: Vec<FileRecord> = sources
        .0
        .iter()
        .filter_map(|s| s.kind.map(|k| FileRecord { name: &s.name, sha256: &s.sha256, kind: k.as_str() }))
        .collect();
    recording.finish(&files, &outcome.summary(), !options.dry_run)?;
    Ok(outcome)
}

/// The import's state for one call: the rules applied as records arrive.
pub(super) struct Session<'a> {
    w: Writer<'a>,
    policy: &'a Policy,
    /// Refuse every record of another firm (an agency collecting one firm's files).
    only_firm: Option<&'a str>,
    /// Refuse every firm record.
    no_firm_rows: bool,
    /// Firms as they stand, by id; `None` for an unknown firm.
    firms: HashMap<String, Option<(i64, Firm)>>,
    /// Where each firm of this call was met.
    firms_met: HashMap<String, Place>,
    firms_changed: BTreeSet<i64>,
    /// Whether any exemption of this call waits for its search.
    exemptions_waiting: bool,
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

    fn firm_of(&mut self, firm: &str) -> Result<Option<(i64, Firm)>, StoreError> {
        if let Some(found) = self.firms.get(firm) {
            return Ok(found.clone());
        }
        let found = self.w.current_firm(firm)?;
        self.firms.insert(firm.to_string(), found.clone());
        Ok(found)
    }

    /// Judges a search from the records in hand and stores its verdict.
    fn judge(
        &self,
        id: i64,
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
        self.w.store_verdict(self.policy, id, &rules::judge(self.policy, &case), &record.search)
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
    fn judge_files_searches(&mut self, policy: &Policy, explain: bool) -> Result<(), StoreError> {
        let outcome = &mut self.outcome;
        for id in self.w.seen_ids()? {
            let Some(dossier) = self.w.current_dossier(id)? else { continue };
            if explain {
                let explanation = rules::explain(policy, &Case::of(&dossier));
                outcome.explained.push((dossier.clone(), explanation));
            }
            if !outcome.judged_firms.iter().any(|f| f.firm == dossier.firm.firm) {
                outcome
                    .judged_firms
                    .push(FirmName { firm: dossier.firm.firm.clone(), name: dossier.firm.name.clone() });
            }
            outcome.judged.push(rules::judge(policy, &Case::of(&dossier)).for_search(&dossier.search));
        }
        outcome.judged.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
        outcome.judged_firms.sort_by(|a, b| a.firm.cmp(&b.firm));
        outcome.explained.sort_by(|a, b| {
            (&a.0.search.firm, &a.0.search.search_ref).cmp(&(&b.0.search.firm, &b.0.search.search_ref))
        });
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
        let Some(current) = self.w.current_dossier(id)? else { return Ok(()) };
        let mut merged = SearchRecord { place: first, search: current.search, candidates: current.candidates };
        let before = errors.total();
        merge_run(sources, &mut merged, record.clone(), candidate_lines, errors);
        if errors.total() > before {
            return Ok(());
        }
        self.w.undo_search(id)?;
        let existed = self.w.has_versions(id)?;
        let new = NewVersions::of(&merged.search, &merged.candidates, &self.w.stamp());
        let changed = self.w.put_search(id, existed, &merged.search, &merged.candidates, &new)?;
        self.w.set_seen_changed(id, changed)?;
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
        let new = NewVersions::of(&record.search, &record.candidates, &self.w.stamp());
        self.prepared_search(sources, &record, &new, &candidate_lines, errors)
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
}

impl PrepareSearch for Session<'_> {
    type Prepared = NewVersions;

    fn preparer(&self) -> Preparer<NewVersions> {
        let stamp = self.w.stamp();
        Box::new(move |record| NewVersions::of(&record.search, &record.candidates, &stamp))
    }

    fn prepared_search(
        &mut self,
        sources: &Sources,
        record: &SearchRecord,
        new: &NewVersions,
        candidate_lines: &[usize],
        errors: &mut InputErrors,
    ) -> Result<(), StoreError> {
        if !self.accepts(sources, &record.place, &record.search.firm, errors) {
            return Ok(());
        }
        let Some((firm_id, firm)) = self.firm_of(&record.search.firm)? else {
            let message = format!(
                "unknown firm {:?} (expected a firm from a firms file of this import or already in the database)",
                record.search.firm
            );
            errors.push(sources.error_at(&record.place, "firm", message));
            return Ok(());
        };
        let (id, made) = self.w.identity(firm_id, &record.search.search_ref)?;
        let seen = if made { None } else { self.w.seen(id)? };
        if let Some((first, _)) = seen {
            return self.merge_later_run(sources, id, place_from(first), record, candidate_lines, errors);
        }
        // The first run of this search in this call.
        let existed = !made;
        let changed = self.w.put_search(id, existed, &record.search, &record.candidates, new)?;
        self.w.note_seen(id, &mark_of(&record.place), changed)?;
        // Its exemption, if these files have one, is stored with it and judged with it.
        let waiting = self.waiting_exemption(&record.search.firm, &record.search.search_ref)?;
        let exemption_changed = match &waiting {
            Some(exemption) => self.apply_exemption(id, exemption)?,
            None => false,
        };
        if changed || exemption_changed {
            self.judge(id, existed, &firm, record, waiting)?;
        }
        Ok(())
    }
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
            "0 searches changed (2 read), 0 firms changed (1 read), 0 exemptions changed (0 read)"
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
        assert!(found.contains("candidate c1 is twice in search s1: also in an earlier row"), "{found}");
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
