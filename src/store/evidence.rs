//! Reading the past and keeping evidence: as-of reads (the rows and policy valid at a time), the history of a
//! firm or search with before and after, online backups, and `forget`, the one sanctioned rewrite.

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::write::{recompute, Entry};
use super::{format_time, Store, StoreError, StoredPolicy, FOREVER};
use crate::model::ValueError;
use crate::policy::Policy;

/// Reads `--as-of`: RFC 3339 (`2026-11-23T12:00:00+01:00`), or `YYYY-MM-DD[THH:MM[:SS]]` read as UTC; gives the
/// stored form (UTC, microseconds).
pub fn parse_moment(raw: &str) -> Result<String, ValueError> {
    let text = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(format_time(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(format_time(t.and_utc()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(format_time(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()));
    }
    Err(ValueError(format!(
        "malformed time {raw:?} (expected RFC 3339 such as 2026-11-23T12:00:00Z, or YYYY-MM-DD[THH:MM[:SS]] in UTC)"
    )))
}

/// One change to a firm, search, candidate or exemption, with what it was before and after.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// The command line.
    pub command: String,
    /// The files of the change, `name (sha256 …)`.
    pub files: Vec<String>,
    /// What changed: `firm F`, `search F/S`, `candidate F/S/C`, `exemption F/S`.
    pub what: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    /// Fields before (`field=value`), for changed and removed.
    pub before: Vec<String>,
    /// Fields after, for added and changed.
    pub after: Vec<String>,
}

/// A versioned table as history reads it.
struct HistoryKind {
    /// The word for it in `what`.
    kind: &'static str,
    /// The table.
    table: &'static str,
    /// The key shown after the word, from `f` (firm), `s` (search) and `v` (the version).
    key: &'static str,
    /// The joins from `v` that reach `f` (and `s`).
    joins: &'static str,
    /// The columns that identify one thing across its versions.
    entity: &'static [&'static str],
    /// The fields shown, in order.
    fields: &'static [&'static str],
    /// Whether it belongs to a search (and so is left out of a firm's history only by its firm).
    of_search: bool,
}

/// The most fields a versioned table shows.
const MAX_HISTORY_FIELDS: usize = 7;

const HISTORY_KINDS: [HistoryKind; 4] = [
    HistoryKind {
        kind: "firm",
        table: "firm_version",
        key: "f.firm",
        joins: "JOIN firm f ON f.id = v.firm_id",
        entity: &["firm_id"],
        fields: &["name", "pledged_on", "withdrawn_on"],
        of_search: false,
    },
    HistoryKind {
        kind: "search",
        table: "search_version",
        key: "f.firm || '/' || s.search_ref",
        joins: "JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        entity: &["search_id"],
        fields: &["client", "client_sector", "position", "level", "opened_on", "shortlist_on", "cancelled_on"],
        of_search: true,
    },
    HistoryKind {
        kind: "candidate",
        table: "candidate_version",
        key: "f.firm || '/' || s.search_ref || '/' || v.candidate_ref",
        joins: "JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        entity: &["search_id", "candidate_ref"],
        fields: &["sector", "experience", "stage", "added_on"],
        of_search: true,
    },
    HistoryKind {
        kind: "exemption",
        table: "exemption_version",
        key: "f.firm || '/' || s.search_ref",
        joins: "JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        entity: &["search_id"],
        fields: &["reason", "note"],
        of_search: true,
    },
];

/// The query of every change in order: for each version, `added` or `changed` (with its predecessor, the version
/// of the same thing that ended when it began) at its start, and `removed` at its end when no version follows.
/// Columns: at, kind, what (`kind key`), removed, has_before, the fields (padded to [`MAX_HISTORY_FIELDS`]), the predecessor's.
fn history_sql() -> String {
    let mut parts = Vec::new();
    for k in &HISTORY_KINDS {
        let pad = |alias: &str| -> String {
            (0..MAX_HISTORY_FIELDS)
                .map(|i| k.fields.get(i).map_or("NULL".to_string(), |f| format!("{alias}.{f}")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let nulls = ["NULL"; MAX_HISTORY_FIELDS].join(", ");
        let same = |other: &str| -> String {
            k.entity.iter().map(|c| format!("{other}.{c} = v.{c}")).collect::<Vec<_>>().join(" AND ")
        };
        let scope = if k.of_search {
            "(?1 IS NULL OR f.firm = ?1) AND (?2 IS NULL OR s.search_ref = ?2)"
        } else {
            "(?1 IS NULL OR f.firm = ?1) AND ?2 IS NULL"
        };
        parts.push(format!(
            "SELECT v.valid_from, '{kind}', '{kind} ' || {key}, 0, p.id IS NOT NULL, {now}, {before}
             FROM {table} v {joins} LEFT JOIN {table} p ON {same_p} AND p.valid_to = v.valid_from WHERE {scope}",
            kind = k.kind,
            key = k.key,
            now = pad("v"),
            before = pad("p"),
            table = k.table,
            joins = k.joins,
            same_p = same("p"),
        ));
        parts.push(format!(
            "SELECT v.valid_to, '{kind}', '{kind} ' || {key}, 1, 0, {now}, {nulls}
             FROM {table} v {joins} WHERE v.valid_to <> '{FOREVER}' AND {scope}
               AND NOT EXISTS (SELECT 1 FROM {table} n WHERE {same_n} AND n.valid_from = v.valid_to)",
            kind = k.kind,
            key = k.key,
            now = pad("v"),
            table = k.table,
            joins = k.joins,
            same_n = same("n"),
        ));
    }
    format!("{} ORDER BY 1, 3", parts.join(" UNION ALL "))
}

impl Store {
    /// The policy that was in force at a moment.
    pub(super) fn policy_at(&self, moment: &str) -> Result<StoredPolicy, StoreError> {
        let found: Option<(String, String, String)> = self
            .conn()
            .query_row(
                "SELECT name, text, in_force_from FROM policy WHERE in_force_from <= ?1
                 ORDER BY in_force_from DESC, id DESC LIMIT 1",
                [moment],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, text, in_force_from)) = found else {
            let created: Option<String> =
                self.conn().query_row("SELECT min(in_force_from) FROM policy", [], |r| r.get(0)).optional()?.flatten();
            return Err(StoreError::BeforeCreation {
                moment: moment.to_string(),
                created: created.unwrap_or_else(|| "an unknown time".into()),
            });
        };
        let policy = Policy::parse(&text).map_err(StoreError::Policy)?;
        Ok(StoredPolicy { name, in_force_from, policy })
    }

    /// Visits the changes to a firm (and its searches) or one search, with no firm to everything, oldest first
    /// (time, then what changed), one at a time, holding none of them: SQLite finds each version's predecessor through the indexes and sorts the changes
    /// (in its temporary storage), so the time grows with the number of versions and memory stays flat. An error
    /// of `visit` (a closed pipe) ends the walk.
    pub fn each_change(
        &self,
        firm: Option<&str>,
        search_ref: Option<&str>,
        mut visit: impl FnMut(Change) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&history_sql())?;
        let mut rows = stmt.query(params![firm, search_ref])?;
        let mut entry: Option<(String, String, String, Vec<String>)> = None;
        while let Some(r) = rows.next()? {
            let at: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let what: String = r.get(2)?;
            let removed: bool = r.get(3)?;
            let has_before: bool = r.get(4)?;
            let names = HISTORY_KINDS.iter().find(|k| k.kind == kind).map_or(&[][..], |k| k.fields);
            let mut now = Vec::with_capacity(names.len());
            let mut before = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                now.push((*name, r.get::<_, Option<String>>(5 + i)?));
                before.push((*name, r.get::<_, Option<String>>(5 + MAX_HISTORY_FIELDS + i)?));
            }
            if entry.as_ref().is_none_or(|(t, ..)| *t != at) {
                let (id, actor, command): (i64, String, String) = conn
                    .prepare_cached("SELECT id, actor, command FROM import_log WHERE at = ?1")?
                    .query_row([&at], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                let files = conn
                    // The registry a change checked clients against is in the log too (kind `registry`), not a file.
                    .prepare_cached(
                        "SELECT name, sha256 FROM import_file WHERE import_id = ?1 AND kind <> 'registry' ORDER BY position",
                    )?
                    .query_map([id], |r| Ok(format!("{} (sha256 {})", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                    .collect::<Result<_, _>>()?;
                entry = Some((at.clone(), actor, command, files));
            }
            let (_, actor, command, files) = entry.as_ref().expect("the entry was just read");
            let show = |fields: &[(&str, Option<String>)]| -> Vec<String> {
                fields.iter().map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or(""))).collect()
            };
            let (change, before_fields, after_fields) = if removed {
                ("removed", show(&now), Vec::new())
            } else if has_before {
                let differ: Vec<usize> = (0..now.len()).filter(|&i| now[i].1 != before[i].1).collect();
                let pick =
                    |f: &[(&str, Option<String>)]| show(&differ.iter().map(|&i| f[i].clone()).collect::<Vec<_>>());
                ("changed", pick(&before), pick(&now))
            } else {
                ("added", Vec::new(), show(&now))
            };
            visit(Change {
                at,
                actor: actor.clone(),
                command: command.clone(),
                files: files.clone(),
                what,
                change,
                before: before_fields,
                after: after_fields,
            })?;
        }
        Ok(())
    }

    /// Copies the database, consistently, with SQLite's online backup while others may write; the copy is
    /// written beside `path` and renamed into place.
    pub fn backup(&self, path: &Path) -> Result<(), StoreError> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unwritable(format!("{} (cannot make the folder {}: {e})", path.display(), dir.display()))
        })?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".pledgecheck-backup");
        // Mode 0666 less the umask, as any file a program creates (not tempfile's 0600).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(dir).map_err(|e| {
            StoreError::Unwritable(format!("{} (cannot write in {}: {e})", path.display(), dir.display()))
        })?;
        let mut copy = rusqlite::Connection::open(temp.path())?;
        {
            // All pages in one step: the copy is one consistent snapshot, however busy the writers are.
            let backup = rusqlite::backup::Backup::new(self.conn(), &mut copy)?;
            loop {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    _ => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        }
        drop(copy);
        temp.persist(path).map_err(|e| StoreError::Unwritable(format!("{}: {e}", path.display())))?;
        Ok(())
    }

    /// Replaces a candidate's reference by a redaction token in all its versions, keeping sectors, stages and
    /// years, records the redaction in the chain, and recomputes the search's verdict. Returns the token and
    /// the number of versions rewritten.
    pub fn forget(
        &mut self,
        firm: &str,
        search_ref: &str,
        candidate_ref: &str,
        actor: &str,
        command: &str,
    ) -> Result<Option<(String, usize)>, StoreError> {
        // Deleted and overwritten content is zeroed, not left in the page or on the free list.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let forgotten = self.forget_rows(firm, search_ref, candidate_ref, actor, command)?;
        if forgotten.is_some() {
            self.erase_remnants()?;
        }
        Ok(forgotten)
    }

    /// After `forget`: no byte of the reference may remain in the database file or its `-wal`. Earlier versions of
    /// pages (a verdict reason that named the candidate, rows rewritten before `secure_delete` was on) may linger in
    /// free space or free pages, and the log holds the pages as they were: `VACUUM` rewrites the database from its
    /// live rows, and a truncating checkpoint copies the log into it and empties the log. A reader holding an old
    /// snapshot keeps the log from being emptied: the checkpoint waits for it (a short while), then says so.
    fn erase_remnants(&mut self) -> Result<(), StoreError> {
        let conn = &self.conn;
        conn.execute_batch("VACUUM")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        conn.busy_timeout(std::time::Duration::from_secs(super::BUSY_TIMEOUT_SECONDS))?;
        if busy != 0 {
            return Err(StoreError::Corrupt(format!(
                "the candidate was forgotten, but another process reading {} kept its write-ahead log from being \
                 emptied: the reference may remain in its -wal file until that process ends",
                self.path.as_deref().map_or("the database".into(), |p| p.display().to_string()),
            )));
        }
        Ok(())
    }

    fn forget_rows(
        &mut self,
        firm: &str,
        search_ref: &str,
        candidate_ref: &str,
        actor: &str,
        command: &str,
    ) -> Result<Option<(String, usize)>, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let search_id: Option<i64> = tx
            .query_row(
                "SELECT search.id FROM search JOIN firm ON firm.id = search.firm_id
                 WHERE firm.firm = ?1 AND search.search_ref = ?2",
                (firm, search_ref),
                |r| r.get(0),
            )
            .optional()?;
        let Some(search_id) = search_id else { return Ok(None) };
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM candidate_version WHERE search_id = ?1 AND candidate_ref = ?2 ORDER BY id")?
            .query_map(params![search_id, candidate_ref], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(None);
        }
        let token = format!("redacted-{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
        let entry = Entry::begin(&tx, self.key.as_ref(), actor, command, &[])?;
        for id in &ids {
            tx.execute(
                "UPDATE candidate_version SET candidate_ref = ?1, ref_salt = NULL WHERE id = ?2",
                params![token, id],
            )?;
            tx.execute(
                "INSERT INTO redaction (import_id, candidate_version_id, token) VALUES (?1, ?2, ?3)",
                params![entry.id, id, token],
            )?;
        }
        // The digest covered the reference: it goes with it, and a re-import compares the rows.
        super::write::forget_digest(&tx, search_id)?;
        let policy = super::policy_in_force(&tx)?.policy;
        recompute(&tx, &entry.totals, &policy, search_id, &entry.at)?;
        entry.finish(
            &tx,
            &format!("a candidate of search {firm}/{search_ref} forgotten: {} versions redacted", ids.len()),
        )?;
        tx.commit()?;
        Ok(Some((token, ids.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// History is linear: each version's predecessor and successor are looked up through an index, never by
    /// scanning the table again per version (the quadratic walk that took 30 s for 8,000 searches).
    #[test]
    fn history_finds_neighbouring_versions_through_indexes() {
        let store = Store::in_memory().unwrap();
        let plan: Vec<String> = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {}", history_sql()))
            .unwrap()
            .query_map(params![None::<String>, None::<String>], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let scans: Vec<&String> = plan.iter().filter(|l| l.starts_with("SCAN p") || l.starts_with("SCAN n")).collect();
        assert!(scans.is_empty(), "{plan:#?}");
        assert!(plan.iter().filter(|l| l.contains("SEARCH p") || l.contains("SEARCH n")).count() >= 8, "{plan:#?}");
    }
}
