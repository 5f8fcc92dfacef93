//! One change to the database as the import layer drives it: a transaction with its entry of the import log
//! ([`Recording`]), and the look-ups and scratch tables a change needs besides writing versions ([`Writer`]).
//!
//! The scratch tables are temporary (they live and die with the connection) and hold what a change must remember
//! about its input without holding the input in memory: `temp.run_seen`, each search met in this change with
//! where it was first met and whether it changed; `temp.run_exemption`, each exemption read, waiting for its
//! search. What they mean is the import session's business (`import::session`); here they are only kept.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::read::{load_dossier, LATEST};
use super::write::{current_exemption, current_firm, current_search_id, recompute, Entry, PutSearch, Stamp, Writer};
use super::{policy_in_force, Store, StoreError};
use crate::model::{Dossier, Exemption, Firm, Search, Verdict};
use crate::policy::Policy;

/// Notes a search met in this change (see [`Writer::note_seen`]).
pub(super) const NOTE_SEEN: &str = "INSERT INTO temp.run_seen (search_id, source, line, path, changed, added, removed,
     updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Finds the exemption of this change waiting for a search (see [`Writer::waiting_exemption`]).
pub(super) const FIND_WAITING: &str = "SELECT reason, note FROM temp.run_exemption WHERE firm = ?1 AND search_ref = ?2";

/// Where a change met a record, as the scratch tables keep it: the index of its file and its line, or its JSON
/// path (line 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The index of the file among the change's files.
    pub source: usize,
    /// The line, or 0 when the record has none.
    pub line: usize,
    /// The JSON path, for a record of a JSON file.
    pub path: Option<String>,
}

impl Mark {
    fn of_row(source: i64, line: i64, path: Option<String>) -> Mark {
        Mark { source: source as usize, line: line as usize, path }
    }
}

/// A file a change read, as the import log records it.
#[derive(Debug, Clone, Copy)]
pub struct FileRecord<'a> {
    /// The name the user gave it.
    pub name: &'a str,
    /// Hex SHA-256 of its bytes.
    pub sha256: &'a str,
    /// What it held (`shortlists`, `firms`, ...).
    pub kind: &'a str,
}

/// A change being recorded: one transaction and one entry of the import log, with the policy in force.
pub struct Recording<'s> {
    tx: Transaction<'s>,
    entry: Entry,
    policy: Policy,
}

impl Store {
    /// Starts a change by `actor`, recording `command` as its source: all that it writes is kept or dropped
    /// together by [`Recording::finish`].
    pub fn begin_recording(&mut self, actor: &str, command: &str) -> Result<Recording<'_>, StoreError> {
        self.begin(actor, command, false)
    }

    /// Starts a change that will be rolled back ([`Recording::finish`] with `keep` false: a dry run): it needs no
    /// key, since the entry it writes is never kept.
    pub fn begin_trial(&mut self, actor: &str, command: &str) -> Result<Recording<'_>, StoreError> {
        self.begin(actor, command, true)
    }

    fn begin(&mut self, actor: &str, command: &str, trial: bool) -> Result<Recording<'_>, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS run_seen (
                 search_id INTEGER PRIMARY KEY, source INTEGER NOT NULL, line INTEGER NOT NULL, path TEXT,
                 changed INTEGER NOT NULL, added INTEGER NOT NULL, removed INTEGER NOT NULL,
                 updated INTEGER NOT NULL);
             DELETE FROM temp.run_seen;
             CREATE TEMP TABLE IF NOT EXISTS run_verdict_before (search_id INTEGER PRIMARY KEY, verdict TEXT NOT NULL);
             DELETE FROM temp.run_verdict_before;
             CREATE TEMP TRIGGER IF NOT EXISTS run_verdict_before_update BEFORE UPDATE OF verdict ON main.verdict
                 WHEN OLD.computed_at <> NEW.computed_at
                 BEGIN INSERT OR IGNORE INTO run_verdict_before VALUES (OLD.search_id, OLD.verdict); END;
             CREATE TEMP TABLE IF NOT EXISTS run_exemption (
                 firm TEXT NOT NULL, search_ref TEXT NOT NULL, reason TEXT NOT NULL, note TEXT NOT NULL,
                 source INTEGER NOT NULL, line INTEGER NOT NULL, path TEXT, applied INTEGER NOT NULL DEFAULT 0,
                 PRIMARY KEY (firm, search_ref));
             DELETE FROM temp.run_exemption;",
        )?;
        let entry = if trial {
            Entry::begin_trial(&tx, actor, command)?
        } else {
            Entry::begin(&tx, self.key.as_ref(), actor, command, &[])?
        };
        let policy = policy_in_force(&tx)?.policy;
        Ok(Recording { tx, entry, policy })
    }

    /// Prepares a first load (a database that holds no search yet) to write its pages once: with a rollback
    /// journal, as `sqlite3 .import` does, where WAL writes every page twice (to the log, then to the database).
    /// The journal is as atomic as the log, and on a database that holds no search a reader has nothing to miss;
    /// a reader that opens it meanwhile waits for the load to end instead of reading the empty database. Only
    /// possible while no other connection has the database open: else the load keeps the log. True when the
    /// journal is in use; then call [`Store::end_first_load`] when the load is over.
    pub fn begin_first_load(&mut self) -> Result<bool, StoreError> {
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
    pub fn end_first_load(&mut self) {
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
        let _ = self.conn.pragma_update(None, "synchronous", "NORMAL");
    }
}

impl Recording<'_> {
    /// The policy in force, which judges what this change writes.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The time of the change: the `valid_from` of every row it writes.
    pub fn at(&self) -> &str {
        &self.entry.at
    }

    /// A writer for this change's rows.
    pub fn writer(&self) -> Result<Writer<'_>, StoreError> {
        Writer::new(&self.tx, &self.entry.at, self.entry.id, &self.entry.written, &self.entry.totals)
    }

    /// Records the files read and the summary, seals the entry into the chain and commits; with `keep` false
    /// (a dry run) rolls everything back instead.
    pub fn finish(self, files: &[FileRecord], summary: &str, keep: bool) -> Result<(), StoreError> {
        let files: Vec<[&str; 3]> = files.iter().map(|f| [f.name, f.sha256, f.kind]).collect();
        self.entry.add_files(&self.tx, &files)?;
        self.entry.finish(&self.tx, summary)?;
        if keep {
            self.tx.commit()?;
        } else {
            self.tx.rollback()?;
        }
        Ok(())
    }
}

impl Writer<'_> {
    /// What the rows this writer writes carry of its entry.
    pub fn stamp(&self) -> Stamp {
        Stamp { at: self.at.to_string(), import_id: self.import_id }
    }

    /// Whether the database holds any search.
    pub fn holds_searches(&self) -> Result<bool, StoreError> {
        Ok(self.tx.query_row("SELECT EXISTS (SELECT 1 FROM search)", [], |r| r.get(0))?)
    }

    /// A firm as it currently stands, with its id.
    pub fn current_firm(&self, firm: &str) -> Result<Option<(i64, Firm)>, StoreError> {
        current_firm(self.tx, firm)
    }

    /// Every current firm with its display name, by id.
    pub fn current_firm_names(&self) -> Result<Vec<crate::model::FirmName>, StoreError> {
        Ok(self
            .tx
            .prepare(&format!(
                "SELECT firm.firm, v.name FROM firm JOIN firm_version v ON v.firm_id = firm.id AND v.valid_to = {}
                 ORDER BY firm.firm",
                super::FOREVER_SQL
            ))?
            .query_map([], |r| Ok(crate::model::FirmName { firm: r.get(0)?, name: r.get(1)? }))?
            .collect::<Result<_, _>>()?)
    }

    /// A stored search's current exemption.
    pub fn current_exemption(&self, search_id: i64, search: &Search) -> Result<Option<Exemption>, StoreError> {
        current_exemption(self.tx, search_id, search)
    }

    /// The id of a search that currently exists.
    pub fn current_search_id(&self, firm: &str, search_ref: &str) -> Result<Option<i64>, StoreError> {
        current_search_id(self.tx, firm, search_ref)
    }

    /// A search's current rows, as this change has written them so far.
    pub fn current_dossier(&self, search_id: i64) -> Result<Option<Dossier>, StoreError> {
        load_dossier(self.tx, search_id, LATEST)
    }

    /// Whether a search has any version, current or closed.
    pub fn has_versions(&self, search_id: i64) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT count(*) > 0 FROM search_version WHERE search_id = ?1")?
            .query_row([search_id], |r| r.get(0))?)
    }

    /// Judges a stored search again from its current rows under `policy`, and stores the verdict.
    pub fn recompute(&self, policy: &Policy, search_id: i64) -> Result<(), StoreError> {
        recompute(self.tx, self.totals, policy, search_id, self.at)
    }

    /// Searches of a firm whose verdict was computed before this change, after id `after`, in id order, at most
    /// `limit` of them.
    pub fn searches_judged_before(&self, firm_id: i64, after: i64, limit: usize) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT search.id FROM search JOIN verdict ON verdict.search_id = search.id
                 WHERE search.firm_id = ?1 AND verdict.computed_at <> ?2 AND search.id > ?3
                 ORDER BY search.id LIMIT ?4",
            )?
            .query_map(params![firm_id, self.at, after, limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Notes that this change met a search first at `mark`, and what writing it did.
    pub fn note_seen(&self, search_id: i64, mark: &Mark, put: &PutSearch) -> Result<(), StoreError> {
        self.note_seen.execute(params![
            search_id,
            mark.source as i64,
            mark.line as i64,
            mark.path,
            put.changed,
            put.added as i64,
            put.removed as i64,
            put.updated as i64
        ])?;
        Ok(())
    }

    /// The search's rows as they stood just before this change (what a dry run compares with).
    pub fn dossier_before(&self, search_id: i64) -> Result<Option<Dossier>, StoreError> {
        load_dossier(self.tx, search_id, &super::undo::just_before(self.at)?)
    }

    /// Candidates this change added, removed and changed in the searches it met, in total.
    pub fn candidate_totals(&self) -> Result<[usize; 3], StoreError> {
        let sums: (i64, i64, i64) = self.tx.query_row(
            "SELECT coalesce(sum(added), 0), coalesce(sum(removed), 0), coalesce(sum(updated), 0) FROM temp.run_seen",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok([sums.0 as usize, sums.1 as usize, sums.2 as usize])
    }

    /// Searches whose stored verdict this change changed: id, verdict before, verdict after, by id.
    pub fn verdict_changes(&self) -> Result<Vec<(i64, Verdict, Verdict)>, StoreError> {
        let rows: Vec<(i64, String, String)> = self
            .tx
            .prepare(
                "SELECT b.search_id, b.verdict, v.verdict FROM temp.run_verdict_before b
                 JOIN verdict v ON v.search_id = b.search_id WHERE b.verdict <> v.verdict ORDER BY b.search_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let word = |w: &str| Verdict::parse(w).ok_or_else(|| StoreError::Corrupt(format!("verdict {w:?}")));
        rows.into_iter().map(|(id, b, a)| Ok((id, word(&b)?, word(&a)?))).collect()
    }

    /// The stored verdict of a search, if it has one.
    pub fn stored_verdict(&self, search_id: i64) -> Result<Option<Verdict>, StoreError> {
        let word: Option<String> = self
            .tx
            .prepare_cached("SELECT verdict FROM verdict WHERE search_id = ?1")?
            .query_row([search_id], |r| r.get(0))
            .optional()?;
        Ok(word.and_then(|w| Verdict::parse(&w)))
    }

    /// The verdict a search had before this change: as stored before it, if this change replaced it.
    pub fn verdict_before(&self, search_id: i64) -> Result<Option<Verdict>, StoreError> {
        let word: Option<String> = self
            .tx
            .prepare_cached("SELECT verdict FROM temp.run_verdict_before WHERE search_id = ?1")?
            .query_row([search_id], |r| r.get(0))
            .optional()?;
        Ok(word.and_then(|w| Verdict::parse(&w)))
    }

    /// Where this change first met a search, and whether it changed it; `None` if it has not met it.
    pub fn seen(&self, search_id: i64) -> Result<Option<(Mark, bool)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT source, line, path, changed FROM temp.run_seen WHERE search_id = ?1")?
            .query_row([search_id], |r| Ok((Mark::of_row(r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))
            .optional()?)
    }

    /// Records what writing a search met before did after all (written again whole).
    pub fn set_seen_changed(&self, search_id: i64, put: &PutSearch) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE temp.run_seen SET changed = ?2, added = ?3, removed = ?4, updated = ?5 WHERE search_id = ?1",
            )?
            .execute(params![search_id, put.changed, put.added as i64, put.removed as i64, put.updated as i64])?;
        Ok(())
    }

    /// How many searches this change met, and how many of them it changed.
    pub fn seen_totals(&self) -> Result<(usize, usize), StoreError> {
        let (met, changed): (i64, i64) =
            self.tx.query_row("SELECT count(*), coalesce(sum(changed), 0) FROM temp.run_seen", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok((met as usize, changed as usize))
    }

    /// The ids of the searches this change met and changed.
    pub fn changed_seen_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .tx
            .prepare("SELECT search_id FROM temp.run_seen WHERE changed")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// The ids of the searches this change met.
    pub fn seen_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .tx
            .prepare("SELECT search_id FROM temp.run_seen")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Keeps an exemption read at `mark` until its search is met.
    pub fn wait_exemption(&self, exemption: &Exemption, mark: &Mark) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO temp.run_exemption (firm, search_ref, reason, note, source, line, path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                exemption.firm,
                exemption.search_ref,
                exemption.reason,
                exemption.note,
                mark.source as i64,
                mark.line as i64,
                mark.path
            ])?;
        Ok(())
    }

    /// Where an exemption of a search waiting in this change was read, if one is.
    pub fn waiting_mark(&self, firm: &str, search_ref: &str) -> Result<Option<Mark>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT source, line, path FROM temp.run_exemption WHERE firm = ?1 AND search_ref = ?2")?
            .query_row([firm, search_ref], |r| Ok(Mark::of_row(r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }

    /// The exemption of a search waiting in this change, if any.
    pub fn waiting_exemption(&self, firm: &str, search_ref: &str) -> Result<Option<Exemption>, StoreError> {
        self.find_waiting.first_row([firm, search_ref], |r| {
            Ok(Exemption {
                firm: firm.to_string(),
                search_ref: search_ref.to_string(),
                reason: r.get(0)?,
                note: r.get(1)?,
            })
        })
    }

    /// Notes that a waiting exemption has been stored with its search.
    pub fn mark_applied(&self, exemption: &Exemption) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE temp.run_exemption SET applied = 1 WHERE firm = ?1 AND search_ref = ?2")?
            .execute([&exemption.firm, &exemption.search_ref])?;
        Ok(())
    }

    /// Exemptions still waiting (their search was not in this change's files), in the order read, after the
    /// position `after`, at most `limit`: each with its position and where it was read.
    pub fn unapplied_exemptions(&self, after: i64, limit: usize) -> Result<Vec<(i64, Exemption, Mark)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT rowid, firm, search_ref, reason, note, source, line, path FROM temp.run_exemption
                 WHERE applied = 0 AND rowid > ?1 ORDER BY rowid LIMIT ?2",
            )?
            .query_map(params![after, limit as i64], |r| {
                let exemption =
                    Exemption { firm: r.get(1)?, search_ref: r.get(2)?, reason: r.get(3)?, note: r.get(4)? };
                Ok((r.get(0)?, exemption, Mark::of_row(r.get(5)?, r.get(6)?, r.get(7)?)))
            })?
            .collect::<Result<_, _>>()?)
    }
}
