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

/// A versioned row read for history: its key, times, entry and fields.
struct Version {
    key: String,
    valid_from: String,
    valid_to: String,
    fields: Vec<(&'static str, Option<String>)>,
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
        let (name, text, in_force_from) = found.ok_or_else(|| {
            StoreError::Corrupt(format!("no policy was in force at {moment}, before the database was created"))
        })?;
        let policy = Policy::parse(&text).map_err(StoreError::Policy)?;
        Ok(StoredPolicy { name, in_force_from, policy })
    }

    /// The changes to a firm (and its searches) or one search, oldest first; with no firm, to everything.
    pub fn history(&self, firm: Option<&str>, search_ref: Option<&str>) -> Result<Vec<Change>, StoreError> {
        let conn = self.conn();
        let scope = "(?1 IS NULL OR f.firm = ?1) AND (?2 IS NULL OR s.search_ref = ?2)";
        let mut versions: Vec<(&str, Version)> = Vec::new();
        let mut read = |kind: &'static str, sql: String, names: &[&'static str]| -> Result<(), StoreError> {
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params![firm, search_ref])?;
            while let Some(r) = rows.next()? {
                let mut fields = Vec::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    fields.push((*name, r.get::<_, Option<String>>(i + 3)?));
                }
                versions.push((kind, Version { key: r.get(0)?, valid_from: r.get(1)?, valid_to: r.get(2)?, fields }));
            }
            Ok(())
        };
        if search_ref.is_none() {
            read(
                "firm",
                "SELECT f.firm, v.valid_from, v.valid_to, v.name, v.pledged_on, v.withdrawn_on
                 FROM firm_version v JOIN firm f ON f.id = v.firm_id WHERE (?1 IS NULL OR f.firm = ?1) AND ?2 IS NULL"
                    .into(),
                &["name", "pledged_on", "withdrawn_on"],
            )?;
        }
        read(
            "search",
            format!(
                "SELECT f.firm || '/' || s.search_ref, v.valid_from, v.valid_to, v.client, v.client_sector, v.position,
                        v.level, v.opened_on, v.shortlist_on, v.cancelled_on
                 FROM search_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id WHERE {scope}"
            ),
            &["client", "client_sector", "position", "level", "opened_on", "shortlist_on", "cancelled_on"],
        )?;
        read(
            "candidate",
            format!(
                "SELECT f.firm || '/' || s.search_ref || '/' || v.candidate_ref, v.valid_from, v.valid_to, v.sector,
                        v.experience, v.stage, v.added_on
                 FROM candidate_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id WHERE {scope}"
            ),
            &["sector", "experience", "stage", "added_on"],
        )?;
        read(
            "exemption",
            format!(
                "SELECT f.firm || '/' || s.search_ref, v.valid_from, v.valid_to, v.reason, v.note
                 FROM exemption_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id WHERE {scope}"
            ),
            &["reason", "note"],
        )?;
        let entry = |at: &str| -> Result<(String, String, Vec<String>), StoreError> {
            let (id, actor, command): (i64, String, String) =
                conn.query_row("SELECT id, actor, command FROM import_log WHERE at = ?1", [at], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            let files = conn
                .prepare_cached("SELECT name, sha256 FROM import_file WHERE import_id = ?1 ORDER BY position")?
                .query_map([id], |r| Ok(format!("{} (sha256 {})", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok((actor, command, files))
        };
        let show = |fields: &[(&str, Option<String>)]| -> Vec<String> {
            fields.iter().map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or(""))).collect()
        };
        let mut changes = Vec::new();
        for (kind, v) in &versions {
            let before = versions
                .iter()
                .find(|(k, w)| k == kind && w.key == v.key && w.valid_to == v.valid_from)
                .map(|(_, w)| w);
            let (actor, command, files) = entry(&v.valid_from)?;
            let (change, before_fields, after_fields) = match before {
                None => ("added", Vec::new(), show(&v.fields)),
                Some(w) => {
                    let differ: Vec<usize> = (0..v.fields.len()).filter(|&i| v.fields[i].1 != w.fields[i].1).collect();
                    let pick =
                        |f: &[(&str, Option<String>)]| show(&differ.iter().map(|&i| f[i].clone()).collect::<Vec<_>>());
                    ("changed", pick(&w.fields), pick(&v.fields))
                }
            };
            changes.push(Change {
                at: v.valid_from.clone(),
                actor,
                command,
                files,
                what: format!("{kind} {}", v.key),
                change,
                before: before_fields,
                after: after_fields,
            });
            let replaced = versions.iter().any(|(k, w)| k == kind && w.key == v.key && w.valid_from == v.valid_to);
            if v.valid_to != FOREVER && !replaced {
                let (actor, command, files) = entry(&v.valid_to)?;
                changes.push(Change {
                    at: v.valid_to.clone(),
                    actor,
                    command,
                    files,
                    what: format!("{kind} {}", v.key),
                    change: "removed",
                    before: show(&v.fields),
                    after: Vec::new(),
                });
            }
        }
        changes.sort_by(|a, b| (&a.at, &a.what).cmp(&(&b.at, &b.what)));
        Ok(changes)
    }

    /// Copies the database, consistently, with SQLite's online backup while others may write; the copy is
    /// written beside `path` and renamed into place.
    pub fn backup(&self, path: &Path) -> Result<(), StoreError> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".pledgecheck-backup");
        // Mode 0666 less the umask, as any file a program creates (not tempfile's 0600).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)
            .map_err(|e| StoreError::Corrupt(format!("cannot write in {}: {e}", dir.display())))?;
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
        temp.persist(path).map_err(|e| StoreError::Corrupt(format!("cannot write {}: {e}", path.display())))?;
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
        let policy = super::policy_in_force(&tx)?.policy;
        recompute(&tx, &policy, search_id, &entry.at)?;
        entry.finish(
            &tx,
            &format!("a candidate of search {firm}/{search_ref} forgotten: {} versions redacted", ids.len()),
        )?;
        tx.commit()?;
        Ok(Some((token, ids.len())))
    }
}
