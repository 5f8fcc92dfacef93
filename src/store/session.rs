//! An import into the database: one transaction and one entry of the log per call, records written as they are
//! read (never the whole input in memory), verdicts recomputed before the commit.
//!
//! Whole-file knowledge lives in the database, not in memory: the temporary table `run_seen` holds each search
//! met in this call with where it was first met, so that a later run of rows of the same search (standing apart
//! in its CSV file) is merged into it, and the same search in two files is refused naming both places. A merge
//! takes back what this entry wrote for the search and writes it again whole, so the search is compared with
//! what was stored before the call, as a set.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::read::{load_case, FirmRow, VerdictRow, LATEST};
use super::write::{
    current_exemption, current_firm, current_search_id, recompute, Entry, Held, ImportOutcome, NewVersions, Stamp,
    Writer,
};
use super::{Store, StoreError};
use crate::import::{
    self, At, Batch, Derive, Deriver, Encoding, InputErrors, Open, Place, SearchRecord, Sink, Sources,
};
use crate::model::{Exemption, Firm};
use crate::policy::Policy;
use crate::rules::{self, Case};

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions<'a> {
    /// Judge and report, then roll everything back.
    pub dry_run: bool,
    /// Report the files' searches as judged by this policy (nothing is stored under it).
    pub judge_under: Option<&'a Policy>,
    /// Refuse every record of another firm.
    pub only_firm: Option<&'a str>,
}

impl Store {
    /// Streams files into the database in one transaction: all or nothing.
    pub fn import_files(
        &mut self,
        inputs: &[impl Open + Sync],
        encoding: Encoding,
        actor: &str,
        command: &str,
        options: ImportOptions,
    ) -> Result<ImportOutcome, StoreError> {
        let first_load = !options.dry_run && self.begin_first_load()?;
        let done = self.run_import(actor, command, options, |sink| import::stream_pipelined(inputs, encoding, sink));
        if first_load {
            self.end_first_load();
        }
        done
    }

    /// Prepares a first load (a database that holds no search yet) to write its pages once: with a rollback
    /// journal, as `sqlite3 .import` does, where WAL writes every page twice (to the log, then to the database).
    /// The journal is as atomic as the log, and on a database that holds no search a reader has nothing to miss;
    /// a reader that opens it meanwhile waits for the load to end instead of reading the empty database. Only
    /// possible while no other connection has the database open: else the load keeps the log. True when the
    /// journal is in use.
    fn begin_first_load(&mut self) -> Result<bool, StoreError> {
        let empty: bool = self.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM search)", [], |r| r.get(0))?;
        if !empty {
            return Ok(false);
        }
        // Another connection holding the database makes SQLite refuse (busy), or answer with the mode it stays in.
        match self.conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode == "delete" => {}
            Ok(_) => return Ok(false),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
            {
                return Ok(false)
            }
            Err(e) => return Err(e.into()),
        }
        // Outside WAL, NORMAL may lose a committed load to a power cut at the wrong moment; FULL may not.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(true)
    }

    /// Puts the database back in WAL mode after a first load. If another process holds it meanwhile, the next
    /// open does it (every open asks for WAL).
    fn end_first_load(&mut self) {
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
        let _ = self.conn.pragma_update(None, "synchronous", "NORMAL");
    }

    /// Writes records held in memory (changes made by hand) as an import does.
    pub fn import(
        &mut self,
        batch: &Batch,
        actor: &str,
        command: &str,
        options: ImportOptions,
    ) -> Result<ImportOutcome, StoreError> {
        self.run_import(actor, command, options, |sink| {
            let sources = Sources(batch.sources.clone());
            let mut errors = InputErrors::default();
            for (place, firm) in &batch.firms {
                sink.firm(&sources, place.clone(), firm.clone(), &mut errors)?;
            }
            for (place, exemption) in &batch.exemptions {
                sink.exemption(&sources, place.clone(), exemption.clone(), &mut errors)?;
            }
            for record in &batch.searches {
                sink.search(&sources, record.clone(), Vec::new(), &mut errors)?;
            }
            Ok((sources, errors))
        })
    }

    fn run_import(
        &mut self,
        actor: &str,
        command: &str,
        options: ImportOptions,
        feed: impl for<'s> FnOnce(&mut Session<'s>) -> Result<(Sources, InputErrors), StoreError>,
    ) -> Result<ImportOutcome, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS run_seen (
                 search_id INTEGER PRIMARY KEY, source INTEGER NOT NULL, line INTEGER NOT NULL, path TEXT,
                 changed INTEGER NOT NULL);
             DELETE FROM temp.run_seen;
             CREATE TEMP TABLE IF NOT EXISTS run_exemption (
                 firm TEXT NOT NULL, search_ref TEXT NOT NULL, reason TEXT NOT NULL, note TEXT NOT NULL,
                 source INTEGER NOT NULL, line INTEGER NOT NULL, path TEXT, applied INTEGER NOT NULL DEFAULT 0,
                 PRIMARY KEY (firm, search_ref));
             DELETE FROM temp.run_exemption;",
        )?;
        let entry = Entry::begin(&tx, actor, command, &[])?;
        let policy = super::policy_in_force(&tx)?.policy;
        let mut session = Session {
            w: Writer::new(&tx, &entry.at, entry.id, &entry.written)?,
            note_seen: Held::new(
                &tx,
                "INSERT INTO temp.run_seen (search_id, source, line, path, changed) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            find_waiting: Held::new(
                &tx,
                "SELECT reason, note FROM temp.run_exemption WHERE firm = ?1 AND search_ref = ?2",
            )?,
            policy: &policy,
            only_firm: options.only_firm,
            firms: HashMap::new(),
            firms_met: HashMap::new(),
            firms_changed: BTreeSet::new(),
            exemptions_waiting: false,
            outcome: ImportOutcome { at: entry.at.clone(), ..ImportOutcome::default() },
        };
        let (sources, mut errors) = feed(&mut session)?;
        session.finish(&sources, &mut errors)?;
        let mut outcome = std::mem::take(&mut session.outcome);
        drop(session);
        if !errors.is_empty() {
            return Err(StoreError::Input(errors));
        }
        if options.dry_run || options.judge_under.is_some() {
            judged(&tx, options.judge_under.unwrap_or(&policy), &mut outcome)?;
        }
        let files: Vec<[&str; 3]> =
            sources.0.iter().filter_map(|s| s.kind.map(|k| [s.name.as_str(), s.sha256.as_str(), k.as_str()])).collect();
        entry.add_files(&tx, &files)?;
        entry.finish(&tx, &outcome.summary())?;
        if options.dry_run {
            tx.rollback()?;
        } else {
            tx.commit()?;
        }
        Ok(outcome)
    }
}

/// The files' searches, judged, for a dry run or a judgement under another policy.
fn judged(tx: &Transaction, policy: &Policy, outcome: &mut ImportOutcome) -> Result<(), StoreError> {
    let ids: Vec<i64> =
        tx.prepare("SELECT search_id FROM temp.run_seen")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for id in ids {
        let Some(case) = load_case(tx, id, LATEST)? else { continue };
        if !outcome.judged_firms.iter().any(|f| f.firm == case.firm.firm) {
            outcome.judged_firms.push(FirmRow { firm: case.firm.firm.clone(), name: case.firm.name.clone() });
        }
        outcome.judged.push(VerdictRow::new(&case.search, &rules::judge(policy, &case.as_case())));
    }
    outcome.judged.sort_by(|a, b| (&a.firm, &a.search_ref).cmp(&(&b.firm, &b.search_ref)));
    outcome.judged_firms.sort_by(|a, b| a.firm.cmp(&b.firm));
    Ok(())
}

/// The store as the sink of one import.
pub(super) struct Session<'a> {
    w: Writer<'a>,
    /// Records a search met in this call, in `temp.run_seen`.
    note_seen: Held<'a>,
    /// Finds the exemption of this call waiting for a search.
    find_waiting: Held<'a>,
    policy: &'a Policy,
    /// Refuse every record of another firm (an agency collecting one firm's files).
    only_firm: Option<&'a str>,
    /// Firms as they stand, by id; `None` for an unknown firm.
    firms: HashMap<String, Option<(i64, Firm)>>,
    /// Where each firm of this call was met.
    firms_met: HashMap<String, Place>,
    firms_changed: BTreeSet<i64>,
    /// Whether any exemption of this call waits in `temp.run_exemption` for its search.
    exemptions_waiting: bool,
    outcome: ImportOutcome,
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

    /// What the rows this session writes carry of its entry.
    fn stamp(&self) -> Stamp {
        Stamp { at: self.w.at.to_string(), import_id: self.w.import_id }
    }

    fn firm_of(&mut self, firm: &str) -> Result<Option<(i64, Firm)>, StoreError> {
        if let Some(found) = self.firms.get(firm) {
            return Ok(found.clone());
        }
        let found = current_firm(self.w.tx, firm)?;
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
            None if existed => current_exemption(self.w.tx, id, &record.search)?,
            None => None,
        };
        let case = Case { firm, search: &record.search, candidates: &record.candidates, exemption: exemption.as_ref() };
        self.w.store_verdict(self.policy, id, &rules::judge(self.policy, &case), &record.search)
    }

    /// Where a search was first met in this call, and whether its first runs changed it.
    fn met(&self, id: i64) -> Result<Option<(Place, bool)>, StoreError> {
        Ok(self
            .w
            .tx
            .prepare_cached("SELECT source, line, path, changed FROM temp.run_seen WHERE search_id = ?1")?
            .query_row([id], |r| Ok((stored_place(r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))
            .optional()?)
    }

    /// The exemption of this call waiting for a search, if any.
    fn waiting_exemption(&self, firm: &str, search_ref: &str) -> Result<Option<Exemption>, StoreError> {
        if !self.exemptions_waiting {
            return Ok(None);
        }
        self.find_waiting.first_row([firm, search_ref], |r| {
            Ok(Exemption {
                firm: firm.to_string(),
                search_ref: search_ref.to_string(),
                reason: r.get(0)?,
                note: r.get(1)?,
            })
        })
    }

    /// Stores a waiting exemption with its search (`id`); true when it changed what is stored.
    fn apply_exemption(&mut self, id: i64, exemption: &Exemption) -> Result<bool, StoreError> {
        self.w
            .tx
            .prepare_cached("UPDATE temp.run_exemption SET applied = 1 WHERE firm = ?1 AND search_ref = ?2")?
            .execute([&exemption.firm, &exemption.search_ref])?;
        let changed = self.w.put_exemption(id, exemption)?;
        self.outcome.exemptions.changed += usize::from(changed);
        Ok(changed)
    }

    /// Finishes the call: stores the exemptions of searches not in these files, recomputes the verdicts that
    /// depend on them and on changed firms, and counts. Ids are taken in chunks, so that memory does not grow with
    /// the number of searches to judge again.
    fn finish(&mut self, sources: &Sources, errors: &mut InputErrors) -> Result<(), StoreError> {
        let tx = self.w.tx;
        let (read, changed): (i64, i64) =
            tx.query_row("SELECT count(*), coalesce(sum(changed), 0) FROM temp.run_seen", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        self.outcome.searches.read = read as usize;
        self.outcome.searches.changed = changed as usize;
        let mut after = 0;
        loop {
            type Waiting = (i64, Exemption, Place);
            let chunk: Vec<Waiting> = tx
                .prepare_cached(
                    "SELECT rowid, firm, search_ref, reason, note, source, line, path FROM temp.run_exemption
                     WHERE applied = 0 AND rowid > ?1 ORDER BY rowid LIMIT 1000",
                )?
                .query_map([after], |r| {
                    let exemption =
                        Exemption { firm: r.get(1)?, search_ref: r.get(2)?, reason: r.get(3)?, note: r.get(4)? };
                    Ok((r.get(0)?, exemption, stored_place(r.get(5)?, r.get(6)?, r.get(7)?)))
                })?
                .collect::<Result<_, _>>()?;
            let Some((last, _, _)) = chunk.last() else { break };
            after = *last;
            for (_, exemption, place) in chunk {
                let Some(search_id) = current_search_id(tx, &exemption.firm, &exemption.search_ref)? else {
                    let message = format!(
                        "no search {:?} of firm {:?} in these files or the database (an exemption needs its search)",
                        exemption.search_ref, exemption.firm
                    );
                    errors.push(sources.error_at(&place, "search_ref", message));
                    continue;
                };
                if errors.is_empty() && self.apply_exemption(search_id, &exemption)? {
                    recompute(tx, self.policy, search_id, self.w.at)?;
                }
            }
        }
        if !errors.is_empty() {
            return Ok(());
        }
        // Verdicts computed in this call (computed_at is its time) already saw the firm as it now stands.
        for firm_id in &self.firms_changed {
            let mut after = 0;
            loop {
                let ids: Vec<i64> = tx
                    .prepare_cached(
                        "SELECT search.id FROM search JOIN verdict ON verdict.search_id = search.id
                         WHERE search.firm_id = ?1 AND verdict.computed_at <> ?2 AND search.id > ?3
                         ORDER BY search.id LIMIT 1000",
                    )?
                    .query_map(params![firm_id, self.w.at, after], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let Some(last) = ids.last() else { break };
                after = *last;
                for id in ids {
                    recompute(tx, self.policy, id, self.w.at)?;
                }
            }
        }
        Ok(())
    }
}

/// A place as `temp.run_seen` and `temp.run_exemption` keep it: a JSON path, or else a line.
fn stored_place(source: i64, line: i64, path: Option<String>) -> Place {
    let at = match path {
        Some(path) => At::Path(path),
        None => At::Line { line: line as usize, column: None },
    };
    Place { source: source as usize, at }
}

/// A place as `temp.run_seen` and `temp.run_exemption` keep it: the line (0 for none) and the JSON path.
fn place_columns(place: &Place) -> (i64, Option<&str>) {
    match &place.at {
        At::Line { line, .. } => (*line as i64, None),
        At::Path(path) => (0, Some(path.as_str())),
        At::File => (0, None),
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
        if !self.accepts(sources, &place, &firm.firm, errors) {
            return Ok(());
        }
        if let Some(first) = self.firms_met.get(&firm.firm) {
            errors.push(sources.error_at(&place, "firm", import::second_firm(sources, &firm, first)));
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
        let new = NewVersions::of(&record, &self.stamp());
        self.derived_search(sources, &record, &new, &candidate_lines, errors)
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
        // Exemptions are read before the searches: each waits for its search in a temporary table, and is stored
        // with it (or at the end, for a search already stored and not in these files).
        let first: Option<Place> = self
            .w
            .tx
            .prepare_cached("SELECT source, line, path FROM temp.run_exemption WHERE firm = ?1 AND search_ref = ?2")?
            .query_row([&exemption.firm, &exemption.search_ref], |r| Ok(stored_place(r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some(first) = first {
            errors.push(sources.error_at(&place, "search_ref", import::second_exemption(sources, &exemption, &first)));
            return Ok(());
        }
        let (line, path) = place_columns(&place);
        self.w
            .tx
            .prepare_cached(
                "INSERT INTO temp.run_exemption (firm, search_ref, reason, note, source, line, path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                exemption.firm,
                exemption.search_ref,
                exemption.reason,
                exemption.note,
                place.source as i64,
                line,
                path
            ])?;
        self.exemptions_waiting = true;
        Ok(())
    }
}

impl Derive for Session<'_> {
    type Derived = NewVersions;

    fn deriver(&self) -> Deriver<NewVersions> {
        let stamp = self.stamp();
        Box::new(move |record| NewVersions::of(record, &stamp))
    }

    fn derived_search(
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
        let met = if made { None } else { self.met(id)? };
        let Some((first_place, _)) = met else {
            // The first run of this search in this call.
            let existed = !made;
            let changed = self.w.put_search(id, existed, record, new)?;
            let (line, path) = place_columns(&record.place);
            self.note_seen.execute(params![id, record.place.source as i64, line, path, changed])?;
            // Its exemption, if these files have one, is stored with it and judged with it.
            let waiting = self.waiting_exemption(&record.search.firm, &record.search.search_ref)?;
            let exemption_changed = match &waiting {
                Some(exemption) => self.apply_exemption(id, exemption)?,
                None => false,
            };
            if changed || exemption_changed {
                self.judge(id, existed, &firm, record, waiting)?;
            }
            return Ok(());
        };
        // A later run of a search met before: merge it into what this call wrote, and write the search again whole.
        let Some(current) = load_case(self.w.tx, id, LATEST)? else { return Ok(()) };
        let mut merged = SearchRecord { place: first_place, search: current.search, candidates: current.candidates };
        let before = errors.total();
        import::merge_run(sources, &mut merged, &mut Vec::new(), record.clone(), candidate_lines.to_vec(), errors);
        if errors.total() > before {
            return Ok(());
        }
        self.w.undo_search(id)?;
        let existed = self
            .w
            .tx
            .prepare_cached("SELECT count(*) > 0 FROM search_version WHERE search_id = ?1")?
            .query_row([id], |r| r.get::<_, bool>(0))?;
        let new = NewVersions::of(&merged, &self.stamp());
        let changed = self.w.put_search(id, existed, &merged, &new)?;
        self.w
            .tx
            .prepare_cached("UPDATE temp.run_seen SET changed = ?2 WHERE search_id = ?1")?
            .execute(params![id, changed])?;
        // The verdict stored for the first run may have been of part of the search.
        recompute(self.w.tx, self.policy, id, self.w.at)?;
        Ok(())
    }
}
