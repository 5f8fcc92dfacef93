//! The import log as a list (`imports`), and what taking one entry back (`undo`) needs of the store: what the
//! entry touched, whether a later entry touched the same, the rows as they stood just before it, and closing rows.
//! What to restore is the import session's to decide (`import::session::undo_import`).

use rusqlite::{params, OptionalExtension};

use super::read::{firm_at, load_dossier, FIRM_COLUMNS};
use super::{format_time, Store, StoreError, Writer, FOREVER_SQL};
use crate::model::{Dossier, Firm};

/// One entry of the import log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportEntry {
    /// Its id, as `undo` takes it.
    pub id: i64,
    /// When (UTC).
    pub at: String,
    /// Who.
    pub by: String,
    /// The files it read (their names), empty for a change made by hand.
    pub files: Vec<String>,
    /// The command line.
    pub command: String,
    /// What it did, as it said then.
    pub summary: String,
}

/// What one entry wrote or closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Searches: id, firm, reference.
    pub searches: Vec<(i64, String, String)>,
    /// Firms: id, firm.
    pub firms: Vec<(i64, String)>,
    /// Whether it put a policy in force.
    pub policy: bool,
}

/// A later entry that touched what an entry to undo touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterChange {
    /// The later entry's id.
    pub id: i64,
    /// Its time.
    pub at: String,
    /// Who made it.
    pub by: String,
    /// What it touched: `firm F` or `search F/S`.
    pub what: String,
}

const VERSIONED_BY_SEARCH: [&str; 3] = ["search_version", "candidate_version", "exemption_version"];

impl Store {
    /// Every entry of the import log, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportEntry>, StoreError> {
        let conn = self.conn();
        let mut entries: Vec<ImportEntry> = conn
            .prepare("SELECT id, at, actor, command, summary FROM import_log ORDER BY id")?
            .query_map([], |r| {
                Ok(ImportEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    by: r.get(2)?,
                    files: Vec::new(),
                    command: r.get(3)?,
                    summary: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare("SELECT import_id, name FROM import_file ORDER BY import_id, position")?;
        let files = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for file in files {
            let (id, name) = file?;
            if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                e.files.push(name);
            }
        }
        Ok(entries)
    }

    /// One entry of the import log.
    pub fn import_entry(&self, id: i64) -> Result<Option<ImportEntry>, StoreError> {
        Ok(self.imports()?.into_iter().find(|e| e.id == id))
    }

    /// What an entry wrote or closed.
    pub fn touched_by(&self, entry: &ImportEntry) -> Result<Touched, StoreError> {
        let conn = self.conn();
        let mut touched = Touched::default();
        let union: Vec<String> = VERSIONED_BY_SEARCH
            .iter()
            .map(|t| format!("SELECT search_id FROM {t} WHERE import_id = ?1 OR valid_to = ?2"))
            .collect();
        touched.searches = conn
            .prepare(&format!(
                "SELECT s.id, f.firm, s.search_ref FROM search s JOIN firm f ON f.id = s.firm_id
                 WHERE s.id IN ({}) ORDER BY f.firm, s.search_ref",
                union.join(" UNION ")
            ))?
            .query_map(params![entry.id, entry.at], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        touched.firms = conn
            .prepare(
                "SELECT f.id, f.firm FROM firm f WHERE f.id IN
                 (SELECT firm_id FROM firm_version WHERE import_id = ?1 OR valid_to = ?2) ORDER BY f.firm",
            )?
            .query_map(params![entry.id, entry.at], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        touched.policy =
            conn.query_row("SELECT count(*) > 0 FROM policy WHERE import_id = ?1", [entry.id], |r| r.get(0))?;
        Ok(touched)
    }

    /// Later entries that wrote, closed or redacted rows of what `entry` touched, by entry then what.
    pub fn later_changes(&self, entry: &ImportEntry, touched: &Touched) -> Result<Vec<LaterChange>, StoreError> {
        let conn = self.conn();
        let mut later = Vec::new();
        let after = |sql: &str| format!("{sql} AND (import_id > ?2 OR (valid_to > ?3 AND valid_to < {FOREVER_SQL}))");
        let mut entries_of = |sql: String, id: i64, what: String| -> Result<(), StoreError> {
            let ids: Vec<i64> = conn
                .prepare_cached(&sql)?
                .query_map(params![id, entry.id, entry.at], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            later.extend(ids.into_iter().map(|id| (id, what.clone())));
            Ok(())
        };
        for (id, firm, search_ref) in &touched.searches {
            for table in VERSIONED_BY_SEARCH {
                let sql = after(&format!(
                    "SELECT CASE WHEN import_id > ?2 THEN import_id ELSE
                       (SELECT id FROM import_log WHERE at = valid_to) END FROM {table} WHERE search_id = ?1"
                ));
                entries_of(sql, *id, format!("search {firm}/{search_ref}"))?;
            }
            let redacted =
                "SELECT r.import_id FROM redaction r JOIN candidate_version c ON c.id = r.candidate_version_id
                            WHERE c.search_id = ?1 AND r.import_id > ?2 AND ?3 IS NOT NULL"
                    .to_string();
            entries_of(redacted, *id, format!("search {firm}/{search_ref}"))?;
        }
        for (id, firm) in &touched.firms {
            let sql = after(
                "SELECT CASE WHEN import_id > ?2 THEN import_id ELSE
                   (SELECT id FROM import_log WHERE at = valid_to) END FROM firm_version WHERE firm_id = ?1",
            );
            entries_of(sql, *id, format!("firm {firm}"))?;
        }
        later.sort();
        later.dedup();
        let entries = self.imports()?;
        Ok(later
            .into_iter()
            .filter_map(|(id, what)| {
                let e = entries.iter().find(|e| e.id == id)?;
                Some(LaterChange { id, at: e.at.clone(), by: e.by.clone(), what })
            })
            .collect())
    }

    /// A search's rows as they stood just before an entry.
    pub fn dossier_before(&self, search_id: i64, entry: &ImportEntry) -> Result<Option<Dossier>, StoreError> {
        load_dossier(self.conn(), search_id, &just_before(&entry.at)?)
    }

    /// A firm as it stood just before an entry.
    pub fn firm_before(&self, firm_id: i64, entry: &ImportEntry) -> Result<Option<Firm>, StoreError> {
        let moment = just_before(&entry.at)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT firm.firm, {FIRM_COLUMNS} FROM firm JOIN firm_version v ON v.firm_id = firm.id
             AND v.valid_from <= ?2 AND v.valid_to > ?2 WHERE firm.id = ?1"
        ))?;
        let mut rows = stmt.query(params![firm_id, moment])?;
        match rows.next()? {
            Some(r) => Ok(Some(firm_at(r, 1, r.get(0)?)?)),
            None => Ok(None),
        }
    }
}

/// The moment one microsecond before a stored time: the rows valid then are those just before that change.
pub(super) fn just_before(at: &str) -> Result<String, StoreError> {
    let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|e| StoreError::Corrupt(format!("time {at:?}: {e}")))?;
    Ok(format_time(at.with_timezone(&chrono::Utc) - chrono::Duration::microseconds(1)))
}

impl Writer<'_> {
    /// Closes a search's current rows (search, candidates, exemption) and drops its verdict: the search is gone.
    pub fn close_search(&self, search_id: i64) -> Result<(), StoreError> {
        for table in VERSIONED_BY_SEARCH {
            self.tx
                .prepare_cached(&format!(
                    "UPDATE {table} SET valid_to = ?2 WHERE search_id = ?1 AND valid_to = {FOREVER_SQL}"
                ))?
                .execute(params![search_id, self.at])?;
        }
        super::totals::delete_verdict(self.tx, self.totals, search_id)?;
        self.forget_digest(search_id)
    }

    /// Closes a search's current exemption, if it has one.
    pub fn close_exemption(&self, search_id: i64) -> Result<bool, StoreError> {
        let closed = self
            .tx
            .prepare_cached(&format!(
                "UPDATE exemption_version SET valid_to = ?2 WHERE search_id = ?1 AND valid_to = {FOREVER_SQL}"
            ))?
            .execute(params![search_id, self.at])?;
        Ok(closed > 0)
    }

    /// Closes a firm's current version: the firm is gone.
    pub fn close_firm(&self, firm_id: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(&format!(
                "UPDATE firm_version SET valid_to = ?2 WHERE firm_id = ?1 AND valid_to = {FOREVER_SQL}"
            ))?
            .execute(params![firm_id, self.at])?;
        Ok(())
    }

    /// A firm's id, whether or not it currently stands.
    pub fn firm_id(&self, firm: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.tx.prepare_cached("SELECT id FROM firm WHERE firm = ?1")?.query_row([firm], |r| r.get(0)).optional()?)
    }
}
