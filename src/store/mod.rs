//! The SQLite database: opening and migrating it, writing new versions within one recorded change, and reading
//! searches and verdicts back. Persistence only: what to write is decided by the import layer
//! (`import::session`), how a search is judged by `rules`. Everything that touches the database lives here.

mod accounts;
mod chain;
mod change;
mod clients;
mod evidence;
mod read;
mod schema;
mod spill;
mod totals;
mod undo;
mod view;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};

pub use accounts::{Account, AccountError, Role, SessionState, TokenRow, TokenState, UserRow};
pub use chain::{HashQueryError, Verification, CHAIN_FORMAT, MIN_PREFIX};
pub use change::{FileRecord, Mark, Recording};
pub use evidence::{parse_moment, Change};
pub use read::{Pick, Within, LATEST};
pub use schema::SchemaFindings;
pub use spill::Spill;
pub use undo::{ImportEntry, LaterChange, Touched};
pub use view::{Judging, Moment, Scope, View};
pub use write::{content_digest, ContentDigest, Identity, NewVersions, PolicyChange, PutSearch, Stamp, Writer};

use crate::policy::{Policy, PolicyError, DEFAULT_POLICY_NAME, DEFAULT_POLICY_TEXT};
use crate::signing::{ChainKey, PublicKey};

/// The numbered migrations in `schema/`, applied in order; the last one's number is the level this build writes.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init.sql", include_str!("../../schema/0001_init.sql")),
    (2, "0002_views.sql", include_str!("../../schema/0002_views.sql")),
    (3, "0003_clients.sql", include_str!("../../schema/0003_clients.sql")),
    (4, "0004_evidence_levels.sql", include_str!("../../schema/0004_evidence_levels.sql")),
    (5, "0005_accounts.sql", include_str!("../../schema/0005_accounts.sql")),
    (6, "0006_sessions.sql", include_str!("../../schema/0006_sessions.sql")),
    (7, "0007_verdict_totals.sql", include_str!("../../schema/0007_verdict_totals.sql")),
    (8, "0008_search_digest.sql", include_str!("../../schema/0008_search_digest.sql")),
];

/// The oldest schema level that read commands serve on read-only storage, where it cannot be migrated: the
/// levels after it (stored totals, the content digest) add nothing that reads need from the file.
const READS_FROM_LEVEL: i64 = 6;

/// How long a writer waits for another process's write (an import) to finish.
pub const BUSY_TIMEOUT_SECONDS: u64 = 600;

/// `valid_to` of a row that is still valid: the one place the time is spelled.
macro_rules! forever_text {
    () => {
        "9999-12-31T23:59:59.999999Z"
    };
}
pub(crate) use forever_text;

/// `valid_to` of a row that is still valid.
pub const FOREVER: &str = forever_text!();

/// [`FOREVER`] as an SQL literal. Current rows are selected with this literal, never a bound parameter: a
/// parameter compared with `valid_to` makes SQLite re-plan the statement on every execution (the partial
/// indexes of closed rows depend on its value), which made imports many times slower.
macro_rules! forever {
    () => {
        concat!("'", $crate::store::forever_text!(), "'")
    };
}
pub(crate) use forever;

/// [`forever!`] as a constant, for `format!`.
pub(crate) const FOREVER_SQL: &str = forever!();

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A read command was pointed at a database that does not exist.
    #[error("no database at {0} (import files first, or point --db or PLEDGECHECK_DB at an existing database)")]
    Missing(PathBuf),
    /// The file is an SQLite database that pledgecheck did not create.
    #[error("{} is not a pledgecheck database (it holds {}); it was left as it is", .path.display(), .found.iter().take(10).cloned().collect::<Vec<_>>().join(", "))]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// Its tables and other objects.
        found: Vec<String>,
    },
    /// A migration could not be applied.
    #[error("the database {} cannot be brought to schema level {level} ({name}): {reason}; it was left as it was", .path.display())]
    Migration {
        /// The database.
        path: PathBuf,
        /// The level.
        level: i64,
        /// The migration's file.
        name: &'static str,
        /// SQLite's reason, in its words (never the migration's SQL).
        reason: String,
    },
    /// The database was written by a newer pledgecheck.
    #[error("the database {path} was written by a newer pledgecheck (schema level {found}; this one knows up to {known}); it was left as it is")]
    TooNew {
        /// The database.
        path: PathBuf,
        /// Its level.
        found: i64,
        /// The highest level this build knows.
        known: i64,
    },
    /// The policy stored in the database does not read.
    #[error("the policy in force in the database does not read: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Policy(Vec<PolicyError>),
    /// A stored value does not read.
    #[error("the database holds a value pledgecheck cannot read: {0}")]
    Corrupt(String),
    /// A file (a backup) cannot be written.
    #[error("cannot write {0}")]
    Unwritable(String),
    /// A moment asked for (`--as-of`) lies before the database existed.
    #[error(
        "{moment} is before the database was created (its first entry is at {created}); nothing was recorded then"
    )]
    BeforeCreation {
        /// The moment asked for.
        moment: String,
        /// When the database was created.
        created: String,
    },
    /// The database holds schema objects that pledgecheck did not create, or its own altered.
    #[error("the database's schema was changed outside pledgecheck: {}; refused (see docs/evidence.md)", .0.join("; "))]
    Schema(Vec<String>),
    /// The chain holds signed entries and no key was given to sign the next one.
    #[error("the chain of this database is signed: give the secret key with --key FILE (or PLEDGECHECK_KEY) to write to it; nothing was written")]
    KeyRequired,
    /// The key given is not the one that signed the chain.
    #[error("the key given is not the key that signed this database's chain; nothing was written")]
    WrongKey,
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing what was read failed (a closed pipe, a full disk).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// The error as an I/O error, for a writer's callback: a failed write stays the I/O error it was.
    pub fn into_io(self) -> std::io::Error {
        match self {
            StoreError::Io(io) => io,
            other => std::io::Error::other(other),
        }
    }
}

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create it if it does not exist (commands that write).
    Create,
    /// Refuse a database that does not exist (commands that only read).
    Existing,
}

/// A policy in force, as stored.
#[derive(Debug, Clone)]
pub struct StoredPolicy {
    /// The file name it came from, or the default's name.
    pub name: String,
    /// When it came into force.
    pub in_force_from: String,
    /// The policy, parsed from its stored text.
    pub policy: Policy,
}

/// How many prepared statements a connection keeps for reuse.
const STATEMENT_CACHE: usize = 64;

/// The page cache of a connection: negative, in KiB (24 MB). An import writes searches in order, so its B-trees'
/// working set is their right edge; 32 MB took a 5M-row import past its 64 MB budget (68 MB) beside the grouping.
pub(crate) const CACHE_KIB: i64 = -24576;

/// The page size of a new database, in bytes. Against SQLite's 4 KB default it cuts the kernel's share of a large
/// import by half; 64 KB pages import a little faster still but double the time of the reports that look rows up
/// one by one (docs/performance.md).
pub const PAGE_SIZE: i64 = 16384;

/// An open pledgecheck database.
pub struct Store {
    conn: Connection,
    /// The database file; `None` in memory.
    path: Option<PathBuf>,
    /// The key that signs each entry this store writes.
    key: Option<ChainKey>,
    /// The page cache of the connection, as `PRAGMA cache_size` takes it (negative: KiB).
    cache_kib: i64,
}

impl Store {
    /// Opens (and if asked, creates) the database at `path`, applying any migrations it lacks.
    pub fn open(path: &Path, mode: Mode) -> Result<Store, StoreError> {
        Store::open_with_key(path, mode, None)
    }

    /// [`Store::open`], signing every entry written (the database's first included) with `key`.
    pub fn open_with_key(path: &Path, mode: Mode, key: Option<ChainKey>) -> Result<Store, StoreError> {
        if mode == Mode::Existing && !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let opened = Connection::open(path)
            .map_err(StoreError::from)
            .and_then(|conn| Store::configure(conn, Some(path), key.clone()));
        match opened {
            // Evidence kept on read-only storage (a read-only folder or file) is still read and verified.
            Err(e) if mode == Mode::Existing && read_only_storage(&e) => Store::open_read_only(path),
            other => other,
        }
    }

    /// Opens a database on read-only storage for reading: immutable (SQLite takes no locks and writes no `-shm`),
    /// as it was left. A database of an older level cannot be upgraded there.
    fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        // Immutable, SQLite would not read a write-ahead log left beside the database: refuse rather than show
        // the database without its latest changes.
        let mut wal = path.as_os_str().to_os_string();
        wal.push("-wal");
        if std::fs::metadata(PathBuf::from(&wal)).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::Corrupt(format!(
                "{} is on read-only storage with changes still in its write-ahead log ({}); copy both to writable \
                 storage, or close the database cleanly before making it read-only",
                path.display(),
                PathBuf::from(wal).display()
            )));
        }
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(uri, flags)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let level: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if level > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: level, known });
        }
        if level < READS_FROM_LEVEL {
            return Err(StoreError::Corrupt(format!(
                "{} is on read-only storage and at schema level {level}; open a writable copy once to bring it to \
                 level {known}",
                path.display()
            )));
        }
        // The levels since add only what reads can do without: the totals are counted into a temporary table
        // (SQLite writes temporary tables outside the database), and the content digest serves imports alone.
        if level < 7 {
            conn.execute_batch(&format!(
                "CREATE TEMP TABLE verdict_total (firm_id, quarter, verdict, searches);
                 INSERT INTO temp.verdict_total {}",
                totals::COUNTED
            ))?;
        }
        Ok(Store { conn, path: Some(path.to_path_buf()), key: None, cache_kib: CACHE_KIB })
    }

    /// A fresh database in memory, for judging files without storing anything.
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::configure(Connection::open_in_memory()?, None, None)
    }

    fn configure(conn: Connection, path: Option<&Path>, key: Option<ChainKey>) -> Result<Store, StoreError> {
        // Another process may hold the write lock during its import, which may take minutes for millions of rows:
        // wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECONDS))?;
        // The merge of a search's later run alone runs about twenty distinct statements; rusqlite keeps 16 by
        // default, and a statement pushed out is parsed again on its next use (most of the time of an import whose
        // rows are shuffled).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = Store { conn, path: path.map(Path::to_path_buf), key, cache_kib: CACHE_KIB };
        // Two processes may create one database at the same moment; switching a new file to WAL can then report
        // it busy without waiting, so the setting up is tried again for as long as a writer would wait.
        let deadline = std::time::Instant::now() + Duration::from_secs(BUSY_TIMEOUT_SECONDS);
        loop {
            match store.set_up(path.unwrap_or(Path::new(":memory:"))) {
                Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other.map(|()| store),
            }
        }
    }

    fn set_up(&mut self, path: &Path) -> Result<(), StoreError> {
        let conn = &self.conn;
        let level: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if level > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: level, known });
        }
        if level > 0 {
            // The level SQLite keeps and the migrations the database records must agree: either one edited alone
            // (to have a migration applied again, or its record hidden) is tampering, not a database to migrate.
            let recorded: Option<i64> =
                conn.query_row("SELECT max(level) FROM schema_migration", [], |r| r.get(0)).unwrap_or(None);
            if recorded != Some(level) {
                let recorded = recorded.map_or("none".to_string(), |r| r.to_string());
                return Err(StoreError::Schema(vec![format!(
                    "its schema level is {level} (PRAGMA user_version), but the migrations it records reach {recorded}"
                )]));
            }
        }
        if level == 0 {
            // A database pledgecheck did not create (another application's file) is never taken over.
            let foreign: Vec<String> = conn
                .prepare("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if !foreign.is_empty() {
                return Err(StoreError::NotOurs { path: path.to_path_buf(), found: foreign });
            }
            // Only a database not yet written takes a page size.
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A larger page cache keeps the indexes of a large import in memory; most of the time goes to them.
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        self.migrate(level)
    }

    /// Applies the migrations above `level` in one transaction, and puts the default policy in force in a new
    /// database.
    fn migrate(&mut self, level: i64) -> Result<(), StoreError> {
        if MIGRATIONS.iter().all(|(n, _, _)| *n <= level) {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let level: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let now = next_time(&tx, level > 0)?;
        for (number, name, sql) in MIGRATIONS.iter().filter(|(n, _, _)| *n > level) {
            tx.execute_batch(sql).map_err(|e| StoreError::Migration {
                path: self.path.clone().unwrap_or_default(),
                level: *number,
                name,
                reason: match &e {
                    rusqlite::Error::SqliteFailure(code, _) => code.to_string(),
                    _ => "SQLite refused it".to_string(),
                },
            })?;
            tx.execute(
                "INSERT INTO schema_migration (level, name, applied_at) VALUES (?1, ?2, ?3)",
                (number, name, &now),
            )?;
            tx.pragma_update(None, "user_version", number)?;
        }
        if level == 0 {
            // The database's first entry puts the default policy in force, so the chain covers it too.
            let sha256 = Policy::default_policy().sha256;
            let entry = write::Entry::begin(
                &tx,
                self.key.as_ref(),
                "pledgecheck",
                "create database",
                &[[DEFAULT_POLICY_NAME, &sha256, "policy"]],
            )?;
            tx.execute(
                "INSERT INTO policy (name, sha256, text, in_force_from, import_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                (DEFAULT_POLICY_NAME, &sha256, DEFAULT_POLICY_TEXT, &entry.at, entry.id),
            )?;
            entry.finish(&tx, "database created; built-in default policy in force")?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The policy in force now.
    fn policy_in_force(&self) -> Result<StoredPolicy, StoreError> {
        policy_in_force(&self.conn)
    }

    /// Recomputes the hash chain from the stored rows: the first entry altered, inserted or removed, and the rows
    /// edited behind pledgecheck's back.
    ///
    /// A database with a trigger pledgecheck did not create, or with its own schema objects altered, is refused
    /// ([`StoreError::Schema`]); users' own tables, views and indexes are reported in
    /// [`Verification::foreign_objects`]. With `public_key`, every entry's signature is checked.
    pub fn verify_chain(&self, public_key: Option<&PublicKey>) -> Result<Verification, StoreError> {
        let schema = schema::inspect(&self.conn)?;
        if !schema.refused.is_empty() {
            return Err(StoreError::Schema(schema.refused));
        }
        let mut found = chain::verify(&self.conn, public_key)?;
        found.foreign_objects = schema.foreign;
        // Stored verdicts are derived, not chained: they must be what the chained rows and policy give.
        let policy = match self.policy_in_force() {
            Ok(stored) => stored.policy,
            Err(StoreError::Policy(errors)) => {
                let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
                found
                    .add_bad_rows(vec![format!("the policy in force no longer reads ({first}); verdicts not checked")]);
                return Ok(found);
            }
            Err(e) => return Err(e),
        };
        // A value of another type (a blob for a quarter, a real for a count) would stop the comparisons below
        // with SQLite's words: each is named as an edit instead, and the derived data is not compared further.
        let mistyped: Vec<String> = self
            .conn
            .prepare(
                "SELECT 'verdict of search id ' || search_id FROM verdict
                 WHERE typeof(verdict) <> 'text' OR typeof(rule) <> 'text' OR typeof(reason) <> 'text'
                    OR typeof(policy_sha256) <> 'text' OR typeof(quarter) <> 'text'
                    OR typeof(policy_version) NOT IN ('text', 'null') OR typeof(search_id) <> 'integer'
                 UNION ALL
                 SELECT 'stored total row ' || rowid FROM verdict_total
                 WHERE typeof(firm_id) <> 'integer' OR typeof(quarter) <> 'text' OR typeof(verdict) <> 'text'
                    OR typeof(searches) <> 'integer'
                 LIMIT 21",
            )?
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|what| what.map(|w| format!("{w}: a value of the wrong type (edited outside pledgecheck)")))
            .collect::<Result<_, _>>()?;
        if !mistyped.is_empty() {
            found.add_bad_rows(mistyped);
            found.add_bad_rows(vec!["stored verdicts and totals not compared with the rows".into()]);
            return Ok(found);
        }
        // Every column of the stored verdict that a report, check, explain or pack reads is recomputed from the
        // chained rows and the policy in force, and compared.
        let mut stored = self.conn.prepare(
            "SELECT verdict, rule, reason, policy_version, policy_sha256, quarter FROM verdict
             JOIN search ON search.id = verdict.search_id
             JOIN firm ON firm.id = search.firm_id WHERE firm.firm = ?1 AND search.search_ref = ?2",
        )?;
        let mut bad = Vec::new();
        const COLUMNS: [&str; 6] = ["verdict", "rule", "reason", "policy_version", "policy_sha256", "quarter"];
        read::for_each_dossier(&self.conn, read::LATEST, |case| {
            let j = crate::rules::judge(&policy, &crate::rules::Case::of(&case));
            let s = &case.search;
            let row: Option<[Option<String>; 6]> = stored
                .query_row((&s.firm, &s.search_ref), |r| {
                    Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?])
                })
                .optional()?;
            let expected: [Option<String>; 6] = [
                Some(j.verdict.as_str().to_string()),
                Some(j.rule.to_string()),
                Some(j.reason),
                j.policy_version,
                Some(policy.sha256.clone()),
                Some(s.quarter().to_string()),
            ];
            match row {
                None => bad.push(format!(
                    "verdict of search {}/{}: missing, but its rows and the policy in force give {} \
                     (deleted outside pledgecheck)",
                    s.firm,
                    s.search_ref,
                    expected[0].as_deref().unwrap_or_default()
                )),
                Some(row) => {
                    for (i, column) in COLUMNS.iter().enumerate() {
                        if row[i] != expected[i] {
                            bad.push(format!(
                                "verdict of search {}/{}: {column} stored as {}, but its rows and the policy in force \
                                 give {} (edited outside pledgecheck)",
                                s.firm,
                                s.search_ref,
                                excerpt(row[i].as_deref()),
                                excerpt(expected[i].as_deref()),
                            ));
                        }
                    }
                }
            }
            Ok(())
        })?;
        let orphans: i64 = self.conn.query_row(
            concat!(
                "SELECT count(*) FROM verdict WHERE search_id NOT IN
                 (SELECT search_id FROM search_version WHERE valid_to = ",
                forever!(),
                ")"
            ),
            [],
            |r| r.get(0),
        )?;
        if orphans > 0 {
            bad.push(format!("{orphans} stored verdicts of searches that do not exist (inserted outside pledgecheck)"));
        }
        found.add_bad_rows(bad);
        // The stored totals are derived from the stored verdicts: they must be what counting them gives.
        let (totals, differing) = totals::disagreements(&self.conn, 20)?;
        found.add_bad_rows(totals);
        found.bad_row_count += differing.saturating_sub(20);
        Ok(found)
    }

    /// Limits the connection's page cache to `mib` MB (the default, 24 MB, suits an import; a server keeping
    /// several connections open for reading keeps each smaller, so that its memory stays within bounds).
    pub fn limit_cache(&mut self, mib: i64) -> Result<(), StoreError> {
        self.cache_kib = -(mib * 1024);
        self.conn.pragma_update(None, "cache_size", self.cache_kib)?;
        Ok(())
    }

    /// The page cache the connection keeps between passes that change it for a while.
    pub(crate) fn cache_kib(&self) -> i64 {
        self.cache_kib
    }

    /// The hash of the latest entry of the import log: the chain's head, which an auditor can note.
    pub fn chain_head(&self) -> Result<String, StoreError> {
        chain::head(&self.conn)
    }

    /// The signature of the latest entry, if it was signed.
    pub fn chain_head_signature(&self) -> Result<Option<String>, StoreError> {
        chain::head_signature(&self.conn)
    }

    /// The entry whose hash is `hash`, or starts with it (at least [`MIN_PREFIX`] hex digits): its id and time,
    /// if any; malformed or ambiguous input is the inner error.
    pub fn find_entry(&self, hash: &str) -> Result<Result<Option<(i64, String)>, HashQueryError>, StoreError> {
        chain::find(&self.conn, hash)
    }

    /// The underlying connection, for the read and write halves of the store.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// A stored value as a message shows it: quoted, and cut short.
fn excerpt(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_string(),
        Some(text) if text.chars().count() > 80 => format!("{:?}…", text.chars().take(80).collect::<String>()),
        Some(text) => format!("{text:?}"),
    }
}

fn policy_in_force(conn: &Connection) -> Result<StoredPolicy, StoreError> {
    let (name, text, in_force_from): (String, String, String) = conn.query_row(
        "SELECT name, text, in_force_from FROM policy ORDER BY in_force_from DESC, id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let policy = Policy::parse(&text).map_err(StoreError::Policy)?;
    Ok(StoredPolicy { name, in_force_from, policy })
}

/// Whether opening failed because the database's file or folder cannot be written.
fn read_only_storage(error: &StoreError) -> bool {
    matches!(error, StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
        if matches!(e.code, rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen))
}

/// A path as the path of an SQLite URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Formats a time as stored: UTC with microseconds.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The time of a new change: now, or just after the latest recorded change if the clock says otherwise, so
/// that changes are strictly ordered and as-of reads see each one.
fn next_time(conn: &Connection, has_log: bool) -> Result<String, StoreError> {
    let mut now = Utc::now();
    if has_log {
        let last: Option<String> = conn
            .query_row("SELECT max(at) FROM (SELECT max(at) AS at FROM import_log UNION ALL SELECT max(in_force_from) FROM policy)", [], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(last) = last.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()) {
            let floor = last.with_timezone(&Utc) + chrono::Duration::microseconds(1);
            if now < floor {
                now = floor;
            }
        }
    }
    Ok(format_time(now))
}

/// Reads a stored date (`YYYY-MM-DD`, as written), without the cost of a general date parser.
fn stored_date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    let Some(text) = text else { return Ok(None) };
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let date = match (b.len(), b.get(4), b.get(7)) {
        (10, Some(b'-'), Some(b'-')) => match (digits(0..4), digits(5..7), digits(8..10)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
            _ => None,
        },
        _ => None,
    };
    date.map(Some).ok_or_else(|| StoreError::Corrupt(format!("date {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_migrated_and_has_the_default_policy() {
        let store = Store::in_memory().unwrap();
        let level: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(level, MIGRATIONS.last().unwrap().0);
        let policy = store.policy_in_force().unwrap();
        assert_eq!(policy.policy, Policy::default_policy());
    }

    #[test]
    fn a_newer_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = Store::open(&path, Mode::Create).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 99, known, .. } if known == MIGRATIONS.last().unwrap().0));
        let level: i64 = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(level, 99);
    }

    #[test]
    fn a_new_database_file_has_large_pages_and_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let store = Store::open(&path, Mode::Create).unwrap();
        let page_size: i64 = store.conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let journal: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!((page_size, journal.as_str()), (PAGE_SIZE, "wal"));
    }

    #[test]
    fn a_missing_database_is_refused_for_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.db");
        assert!(matches!(Store::open(&path, Mode::Existing), Err(StoreError::Missing(_))));
        assert!(!path.exists());
    }
}
