//! The tamper-evident history: every entry of the import log carries a hash of its own content, of the rows it
//! wrote and closed, of the policies it put in force and the redactions it made, and of the previous entry's hash.
//!
//! Each version row also carries `row_hash`, the first 16 bytes of the SHA-256 of its content, so that `audit
//! verify` can name a row edited behind pledgecheck's back. The entry hash is computed from row hashes recomputed
//! from content, so editing a row and its `row_hash` together is still caught at the entry. Candidates are
//! hashed by `ref_digest` (a salted hash of the reference), not the reference, so `forget` can replace the
//! reference without breaking the chain. Sealing an entry (at write time) and verifying it read the rows with the
//! same queries and feed the same digest, so the two cannot drift apart.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use super::{StoreError, FOREVER};
use crate::signing::{ChainKey, PublicKey};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The place of each versioned table in [`TABLES`].
pub(crate) const FIRM_VERSION: usize = 0;
/// See [`FIRM_VERSION`].
pub(crate) const SEARCH_VERSION: usize = 1;
/// See [`FIRM_VERSION`].
pub(crate) const CANDIDATE_VERSION: usize = 2;
/// See [`FIRM_VERSION`].
pub(crate) const EXEMPTION_VERSION: usize = 3;
/// See [`FIRM_VERSION`]: users' entries of the registry of public employers (0003_clients.sql).
pub(crate) const CLIENT_VERSION: usize = 4;

/// The versioned tables the chain covers.
pub(crate) const TABLE_COUNT: usize = 5;

/// The tables every entry's hash covers, even when it wrote none of their rows; those after them (added by a later
/// migration) count in an entry's hash only when it wrote or closed some of their rows, so that entries sealed
/// before they existed keep their hashes.
const ALWAYS_HASHED: usize = 4;

/// A versioned table as the chain hashes its rows: the content fields in hash order, each with the SQL
/// expression that reads it back (from `v`, the version row, `s` its search and `f` its firm). The writer names
/// each value it hashes ([`row_hash`] checks the names against this list) and the verifier selects these
/// expressions: the list is spelled once for both.
pub(crate) struct ChainedTable {
    /// The table.
    pub name: &'static str,
    /// The joins that reach its firm (and search).
    from: &'static str,
    /// The content fields, in hash order: (name, SQL expression).
    pub fields: &'static [(&'static str, &'static str)],
    /// How many of the fields are always hashed; those after them (added by a later migration) are hashed only
    /// when the first of them is set, so that rows written before they existed keep their hash.
    pub always: usize,
}

impl ChainedTable {
    /// The query that gives each row's id, import id, stored row hash and content fields, in order.
    fn select(&self) -> String {
        let fields: Vec<&str> = self.fields.iter().map(|(_, sql)| *sql).collect();
        format!("SELECT v.id, v.import_id, v.row_hash, {} FROM {}", fields.join(", "), self.from)
    }
}

/// The four versioned tables, in the order the chain hashes them.
pub(crate) const TABLES: [ChainedTable; TABLE_COUNT] = [
    ChainedTable {
        name: "firm_version",
        from: "firm_version v JOIN firm f ON f.id = v.firm_id",
        fields: &[
            ("firm", "f.firm"),
            ("name", "v.name"),
            ("pledged_on", "v.pledged_on"),
            ("withdrawn_on", "v.withdrawn_on"),
            ("valid_from", "v.valid_from"),
        ],
        always: usize::MAX,
    },
    ChainedTable {
        name: "search_version",
        from: "search_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        fields: &[
            ("firm", "f.firm"),
            ("search_ref", "s.search_ref"),
            ("client", "v.client"),
            ("client_sector", "v.client_sector"),
            ("position", "v.position"),
            ("level", "v.level"),
            ("opened_on", "v.opened_on"),
            ("shortlist_on", "v.shortlist_on"),
            ("cancelled_on", "v.cancelled_on"),
            ("valid_from", "v.valid_from"),
            // 0003_clients.sql: the registry entry beside the client's text.
            ("client_id", "v.client_id"),
            ("client_kind", "v.client_kind"),
            ("client_sector_from", "v.client_sector_from"),
        ],
        always: 10,
    },
    ChainedTable {
        name: "candidate_version",
        from: "candidate_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        fields: &[
            ("firm", "f.firm"),
            ("search_ref", "s.search_ref"),
            ("ref_digest", "hex(v.ref_digest)"),
            ("sector", "v.sector"),
            ("experience", "v.experience"),
            ("stage", "v.stage"),
            ("added_on", "v.added_on"),
            ("valid_from", "v.valid_from"),
        ],
        always: usize::MAX,
    },
    ChainedTable {
        name: "exemption_version",
        from: "exemption_version v JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id",
        fields: &[
            ("firm", "f.firm"),
            ("search_ref", "s.search_ref"),
            ("reason", "v.reason"),
            ("note", "v.note"),
            ("valid_from", "v.valid_from"),
        ],
        always: usize::MAX,
    },
    ChainedTable {
        name: "client_version",
        from: "client_version v",
        fields: &[
            ("client_id", "v.client_id"),
            ("name", "v.name"),
            ("kind", "v.kind"),
            ("code", "v.code"),
            ("aliases", "v.aliases"),
            ("valid_from", "v.valid_from"),
        ],
        always: usize::MAX,
    },
];

/// The hash of a row about to be written to `table` by entry `import_id`, from its content fields named as in
/// [`ChainedTable::fields`] and in that order.
pub(crate) fn new_row_hash(table: usize, fields: &[(&str, Option<&str>)], import_id: i64) -> [u8; 16] {
    let chained = &TABLES[table];
    debug_assert!(
        fields.iter().map(|(name, _)| *name).eq(chained.fields.iter().map(|(name, _)| *name)),
        "the fields of a {} row are hashed as ChainedTable lists them",
        chained.name
    );
    row_hash(chained.name, chained.always, fields.iter().map(|(_, value)| *value), import_id)
}

/// The hash of one row's content: the table, each field length-prefixed (NULL distinct from empty), and the id
/// of the entry that wrote it; the first 16 bytes of SHA-256.
fn row_hash<'a>(
    table: &str,
    always: usize,
    fields: impl IntoIterator<Item = Option<&'a str>>,
    import_id: i64,
) -> [u8; 16] {
    let mut h = Sha256::new();
    feed(&mut h, Some(table));
    for (i, field) in fields.into_iter().enumerate() {
        if i == always && field.is_none() {
            break;
        }
        feed(&mut h, field);
    }
    feed(&mut h, Some(&import_id.to_string()));
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

pub(super) fn feed(h: &mut Sha256, field: Option<&str>) {
    match field {
        Some(text) => {
            h.update((text.len() as u32).to_le_bytes());
            h.update(text.as_bytes());
        }
        None => h.update(u32::MAX.to_le_bytes()),
    }
}

/// The digest of a candidate's reference: the first 16 bytes of the SHA-256 of the salt and the reference.
pub(crate) fn ref_digest(salt: &[u8], candidate_ref: &str) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update((salt.len() as u32).to_le_bytes());
    h.update(salt);
    feed(&mut h, Some(candidate_ref));
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    out
}

/// A fresh random salt for a candidate reference.
pub(crate) fn new_salt() -> [u8; 16] {
    rand::random()
}

/// The hash of a row as its content says, from a row of [`ChainedTable::select`] whose `fields` content columns
/// follow the id, the import id and the stored hash; with whether the stored hash is that. The text is borrowed
/// from SQLite's row, not copied (a million rows are read).
fn recomputed_row_hash(
    table: &str,
    always: usize,
    fields: usize,
    row: &Row,
) -> rusqlite::Result<([u8; 16], i64, i64, bool)> {
    let id: i64 = row.get(0)?;
    let import_id: i64 = row.get(1)?;
    let mut content: Vec<Option<&str>> = Vec::with_capacity(fields);
    for i in 3..3 + fields {
        content.push(
            row.get_ref(i)?
                .as_str_or_null()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))?,
        );
    }
    let hash = row_hash(table, always, content, import_id);
    let matches = row.get_ref(2)?.as_blob_or_null().ok().flatten() == Some(hash.as_slice());
    Ok((hash, id, import_id, matches))
}

/// The rules entries are sealed with now (`import_log.chain_format`). Each entry is verified under the rules it
/// was sealed with:
/// - 1: the entry, its files, the rows it inserted (id and row hash) and closed (ids), its policies and its
///   redactions (the ids of the candidate versions);
/// - 2: as 1, and the format itself and each redaction's token (so that a token edited into a name is caught).
pub const CHAIN_FORMAT: i64 = 2;

/// What one entry's hash covers, fed in a fixed order.
#[derive(Default)]
struct EntryDigest {
    inserted: [Sha256; TABLE_COUNT],
    closed: [Sha256; TABLE_COUNT],
    /// Whether the entry wrote or closed rows of each table.
    touched: [bool; TABLE_COUNT],
    policies: Sha256,
    redactions: Sha256,
    /// The redactions' tokens (format 2 on).
    tokens: Sha256,
}

impl EntryDigest {
    fn finish(self, meta: &EntryMeta) -> String {
        let mut h = Sha256::new();
        if meta.format >= 2 {
            feed(&mut h, Some(&format!("chain format {}", meta.format)));
        }
        feed(&mut h, Some(&meta.prev_hash));
        feed(&mut h, Some(&meta.id.to_string()));
        feed(&mut h, Some(&meta.at));
        feed(&mut h, Some(&meta.actor));
        feed(&mut h, Some(&meta.command));
        feed(&mut h, Some(&meta.summary));
        for file in &meta.files {
            for field in file {
                feed(&mut h, Some(field));
            }
        }
        let [inserted, closed] = [self.inserted, self.closed].map(|parts| parts.map(|p| p.finalize()));
        for part in inserted[..ALWAYS_HASHED].iter().chain(&closed[..ALWAYS_HASHED]) {
            h.update(part);
        }
        for later in (ALWAYS_HASHED..TABLE_COUNT).filter(|&i| self.touched[i]) {
            h.update(inserted[later]);
            h.update(closed[later]);
        }
        h.update(self.policies.finalize());
        h.update(self.redactions.finalize());
        if meta.format >= 2 {
            h.update(self.tokens.finalize());
        }
        crate::digest::hex_digest(h.finalize().as_slice())
    }
}

/// An entry of the import log as stored.
#[derive(Debug, Clone)]
pub(crate) struct EntryMeta {
    id: i64,
    at: String,
    actor: String,
    command: String,
    summary: String,
    prev_hash: String,
    hash: String,
    files: Vec<[String; 4]>,
    /// The rules it was sealed with ([`CHAIN_FORMAT`]).
    format: i64,
    /// The signature of its hash, if it was signed.
    signature: Option<String>,
}

fn entries(conn: &Connection, only: Option<i64>) -> Result<Vec<EntryMeta>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, command, summary, prev_hash, hash, chain_format, signature FROM import_log
         WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
    )?;
    let mut list: Vec<EntryMeta> = stmt
        .query_map([only], |r| {
            Ok(EntryMeta {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                command: r.get(3)?,
                summary: r.get(4)?,
                prev_hash: r.get(5)?,
                hash: r.get(6)?,
                files: Vec::new(),
                format: r.get(7)?,
                signature: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = list.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let mut files = conn.prepare(
        "SELECT import_id, position, name, sha256, kind FROM import_file WHERE ?1 IS NULL OR import_id = ?1
         ORDER BY import_id, position",
    )?;
    let mut rows = files.query([only])?;
    while let Some(r) = rows.next()? {
        let import_id: i64 = r.get(0)?;
        let file = [r.get::<_, i64>(1)?.to_string(), r.get(2)?, r.get(3)?, r.get(4)?];
        // A file of a missing entry is reported by `verify`, which looks for such orphans.
        if let Some(&i) = index.get(&import_id) {
            list[i].files.push(file);
        }
    }
    Ok(list)
}

/// The rows an entry inserts into each versioned table, fed to the entry's digest as they are written, so that
/// sealing the entry need not read a large import's rows back. It stands only while the rows came in id order and
/// none was taken back; else, or if the table holds rows it was not told of, sealing reads the rows.
#[derive(Default)]
pub(crate) struct Written(RefCell<WrittenRows>);

#[derive(Default)]
struct WrittenRows {
    digests: [Sha256; TABLE_COUNT],
    counts: [i64; TABLE_COUNT],
    last_ids: [i64; TABLE_COUNT],
    broken: bool,
}

impl Written {
    /// A row inserted into table `table` (an index into [`TABLES`]) with its id and row hash.
    pub(crate) fn row(&self, table: usize, id: i64, hash: &[u8; 16]) {
        let mut rows = self.0.borrow_mut();
        if id <= rows.last_ids[table] {
            rows.broken = true;
        }
        rows.last_ids[table] = id;
        rows.counts[table] += 1;
        rows.digests[table].update(id.to_le_bytes());
        rows.digests[table].update(hash);
    }

    /// Rows of the entry were taken back: its rows must be read to seal it.
    pub(crate) fn lose_track(&self) {
        self.0.borrow_mut().broken = true;
    }
}

/// Computes and stores the hash of entry `import_id`, whose rows in each table have ids above `after_ids`.
pub(crate) fn seal(
    conn: &Connection,
    import_id: i64,
    after_ids: [i64; TABLE_COUNT],
    written: &Written,
    key: Option<&ChainKey>,
) -> Result<String, StoreError> {
    let meta = entries(conn, Some(import_id))?
        .pop()
        .ok_or_else(|| StoreError::Corrupt(format!("entry {import_id} vanished")))?;
    let mut digest = EntryDigest::default();
    let written = std::mem::take(&mut *written.0.borrow_mut());
    for (i, (chained, fed)) in TABLES.iter().zip(written.digests).enumerate() {
        let table = chained.name;
        // The rows' ids are consecutive: when the table ends where the fed rows end, they are all its new rows.
        let max_id: i64 = conn.query_row(&format!("SELECT coalesce(max(id), 0) FROM {table}"), [], |r| r.get(0))?;
        digest.touched[i] |= max_id > after_ids[i];
        if !written.broken && max_id - after_ids[i] == written.counts[i] {
            digest.inserted[i] = fed;
        } else {
            // The row hashes were computed from the content a moment ago, as the rows were written; `verify`
            // recomputes them from the content, so a later edit of a row (and of its hash) still breaks the entry.
            let mut stmt =
                conn.prepare_cached(&format!("SELECT id, row_hash FROM {table} WHERE id > ?1 ORDER BY id"))?;
            let mut rows = stmt.query([after_ids[i]])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let hash = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                digest.inserted[i].update(id.to_le_bytes());
                digest.inserted[i].update(hash);
            }
        }
        let mut stmt = conn
            .prepare_cached(&format!("SELECT id FROM {table} WHERE valid_to = ?1 AND valid_to < '9999' ORDER BY id"))?;
        let mut rows = stmt.query([&meta.at])?;
        while let Some(row) = rows.next()? {
            digest.touched[i] = true;
            digest.closed[i].update(row.get::<_, i64>(0)?.to_le_bytes());
        }
    }
    feed_policies_and_redactions(conn, Some(import_id), |_, part, bytes| {
        match part {
            Part::Policy => digest.policies.update(bytes),
            Part::Redaction => digest.redactions.update(bytes),
            Part::Token => digest.tokens.update(bytes),
        }
        Ok(())
    })?;
    let hash = digest.finish(&meta);
    let signature = key.map(|key| key.sign(&hash));
    conn.execute("UPDATE import_log SET hash = ?1, signature = ?2 WHERE id = ?3", params![hash, signature, import_id])?;
    Ok(hash)
}

enum Part {
    Policy,
    Redaction,
    Token,
}

fn feed_policies_and_redactions(
    conn: &Connection,
    only: Option<i64>,
    mut sink: impl FnMut(i64, Part, &[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT import_id, name, sha256, in_force_from FROM policy WHERE ?1 IS NULL OR import_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([only])?;
    while let Some(r) = rows.next()? {
        let mut h = Sha256::new();
        for i in 1..4 {
            feed(&mut h, Some(&r.get::<_, String>(i)?));
        }
        sink(r.get(0)?, Part::Policy, h.finalize().as_slice())?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT import_id, candidate_version_id, token FROM redaction WHERE ?1 IS NULL OR import_id = ?1
         ORDER BY candidate_version_id",
    )?;
    let mut rows = stmt.query([only])?;
    while let Some(r) = rows.next()? {
        let import_id = r.get(0)?;
        let id = r.get::<_, i64>(1)?;
        sink(import_id, Part::Redaction, &id.to_le_bytes())?;
        let mut h = Sha256::new();
        h.update(id.to_le_bytes());
        feed(&mut h, r.get::<_, Option<String>>(2)?.as_deref());
        sink(import_id, Part::Token, h.finalize().as_slice())?;
    }
    Ok(())
}

/// The hash of the latest entry, or the genesis hash of an empty log.
pub(crate) fn head(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn.query_row("SELECT hash FROM import_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).or_else(|e| {
        if e == rusqlite::Error::QueryReturnedNoRows {
            Ok(GENESIS.to_string())
        } else {
            Err(e)
        }
    })?)
}

/// What `audit verify` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    /// How many entries the chain has.
    pub entries: usize,
    /// The stored hash of the latest entry.
    pub head: String,
    /// The first entry that was altered, inserted or removed, in words.
    pub first_bad_entry: Option<String>,
    /// Rows whose content no longer matches their hash, or that belong to no entry, in words (at most 20).
    pub bad_rows: Vec<String>,
    /// How many bad rows there are in all.
    pub bad_row_count: usize,
    /// The signature of the latest entry, if it was signed.
    pub head_signature: Option<String>,
    /// How many entries are signed.
    pub signed: usize,
    /// With a public key to check against: the first entry whose signature fails, in words.
    pub bad_signature: Option<String>,
    /// Schema objects that pledgecheck did not create and that it only reports (users' views and indexes).
    pub foreign_objects: Vec<String>,
}

impl Verification {
    /// Adds findings about rows outside the chain (stored verdicts).
    pub(crate) fn add_bad_rows(&mut self, rows: Vec<String>) {
        self.bad_row_count += rows.len();
        let room = 20usize.saturating_sub(self.bad_rows.len());
        self.bad_rows.extend(rows.into_iter().take(room));
    }

    /// True when nothing was found.
    pub fn intact(&self) -> bool {
        self.first_bad_entry.is_none() && self.bad_row_count == 0 && self.bad_signature.is_none()
    }
}

/// Recomputes the whole chain from the stored rows.
pub(crate) fn verify(conn: &Connection, public_key: Option<&PublicKey>) -> Result<Verification, StoreError> {
    let list = entries(conn, None)?;
    let by_id: HashMap<i64, usize> = list.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let by_at: HashMap<&str, usize> = list.iter().enumerate().map(|(i, e)| (e.at.as_str(), i)).collect();
    let mut digests: Vec<EntryDigest> = list.iter().map(|_| EntryDigest::default()).collect();
    let mut bad_rows = Vec::new();
    let mut bad_row_count = 0;
    let mut bad = |message: String| {
        bad_row_count += 1;
        if bad_rows.len() < 20 {
            bad_rows.push(message);
        }
    };
    let redacted: std::collections::HashSet<i64> = conn
        .prepare("SELECT candidate_version_id FROM redaction")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (i, chained) in TABLES.iter().enumerate() {
        let table = chained.name;
        // A candidate's reference is checked against its digest in the same pass over its rows.
        let candidates = table == "candidate_version";
        let extra = if candidates { ", v.candidate_ref, v.ref_salt, v.ref_digest" } else { "" };
        let select = chained.select().replacen(" FROM ", &format!("{extra} FROM "), 1);
        let mut stmt = conn.prepare(&format!("{select} ORDER BY v.id"))?;
        let fields = chained.fields.len();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (hash, id, import_id, matches) = recomputed_row_hash(table, chained.always, fields, row)?;
            if !matches {
                bad(format!("{table} row {id}: its content no longer matches its hash (edited outside pledgecheck)"));
            }
            if candidates {
                let at = 3 + fields;
                let candidate_ref = row.get_ref(at)?.as_str().unwrap_or_default();
                match row.get_ref(at + 1)?.as_blob_or_null().ok().flatten() {
                    Some(salt)
                        if row.get_ref(at + 2)?.as_blob().ok() != Some(ref_digest(salt, candidate_ref).as_slice()) =>
                    {
                        bad(format!(
                            "candidate_version row {id}: its reference no longer matches its digest (edited outside \
                             pledgecheck)"
                        ))
                    }
                    None if !redacted.contains(&id) => bad(format!(
                        "candidate_version row {id}: its reference was removed without a recorded redaction"
                    )),
                    _ => {}
                }
            }
            match by_id.get(&import_id) {
                Some(&e) => {
                    digests[e].touched[i] = true;
                    digests[e].inserted[i].update(id.to_le_bytes());
                    digests[e].inserted[i].update(hash);
                }
                None => bad(format!("{table} row {id}: written by entry {import_id}, which is not in the log")),
            }
        }
        let mut stmt =
            conn.prepare(&format!("SELECT valid_to, id FROM {table} WHERE valid_to < '9999' ORDER BY valid_to, id"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (valid_to, id): (String, i64) = (row.get(0)?, row.get(1)?);
            match by_at.get(valid_to.as_str()) {
                Some(&e) => {
                    digests[e].touched[i] = true;
                    digests[e].closed[i].update(id.to_le_bytes());
                }
                None => bad(format!("{table} row {id}: closed at {valid_to}, when no entry was written")),
            }
        }
        // A row is current (the open sentinel) or was closed by an entry: any other end time (`'9999'`, which
        // sorts after every entry but is not the sentinel) would hide the row from every report.
        let mut stmt = conn.prepare(&format!(
            "SELECT valid_to, id FROM {table} WHERE valid_to >= '9999' AND valid_to IS NOT '{FOREVER}' ORDER BY id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (valid_to, id): (Option<String>, i64) = (row.get(0)?, row.get(1)?);
            bad(format!(
                "{table} row {id}: its end time {:?} is neither the open sentinel nor the time of an entry (hidden)",
                valid_to.unwrap_or_default()
            ));
        }
    }
    // A redaction's token (recorded since chain format 2) must be what the candidate's versions hold.
    let mut stmt = conn.prepare(
        "SELECT r.candidate_version_id, r.token, v.candidate_ref FROM redaction r
         JOIN candidate_version v ON v.id = r.candidate_version_id WHERE r.token IS NOT NULL ORDER BY r.candidate_version_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (id, token, candidate_ref): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if token != candidate_ref {
            bad(format!(
                "candidate_version row {id}: its reference is no longer the redaction token recorded by `forget` \
                 (edited outside pledgecheck)"
            ));
        }
    }
    let orphans: Vec<i64> = conn
        .prepare("SELECT DISTINCT import_id FROM import_file WHERE import_id NOT IN (SELECT id FROM import_log)")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for import_id in orphans {
        bad(format!("import_file rows of entry {import_id}, which is not in the log (the entry was removed)"));
    }
    let mut stmt = conn.prepare("SELECT id, sha256, text FROM policy ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (id, sha, text): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if crate::digest::hex_sha256(text.as_bytes()) != sha {
            bad(format!("policy row {id}: its text no longer matches its SHA-256"));
        }
    }
    feed_policies_and_redactions(conn, None, |import_id, part, bytes| {
        match (by_id.get(&import_id), part) {
            (Some(&e), Part::Policy) => digests[e].policies.update(bytes),
            (Some(&e), Part::Redaction) => digests[e].redactions.update(bytes),
            (Some(&e), Part::Token) => digests[e].tokens.update(bytes),
            (None, Part::Token) => {}
            (None, _) => bad(format!("a policy or redaction of entry {import_id}, which is not in the log")),
        }
        Ok(())
    })?;
    let mut first_bad_entry = None;
    let mut previous = GENESIS.to_string();
    let mut format = 1;
    for (meta, digest) in list.iter().zip(digests) {
        if !(format..=CHAIN_FORMAT).contains(&meta.format) {
            first_bad_entry = Some(format!(
                "entry {} ({}): its chain format {} is not one this pledgecheck seals after format {format} (altered)",
                meta.id, meta.at, meta.format
            ));
            break;
        }
        format = meta.format;
        let hash = digest.finish(meta);
        if meta.prev_hash != previous {
            first_bad_entry = Some(format!(
                "entry {} ({}): it does not follow the entry before it (an entry was removed or inserted before it)",
                meta.id, meta.at
            ));
            break;
        }
        if hash != meta.hash {
            first_bad_entry = Some(format!(
                "entry {} ({}, by {}): its content or the rows it wrote no longer match its hash (altered)",
                meta.id, meta.at, meta.actor
            ));
            break;
        }
        previous = meta.hash.clone();
    }
    let signed = list.iter().filter(|e| e.signature.is_some()).count();
    let signatures = public_key.map(|key| check_signatures(&list, key));
    Ok(Verification {
        entries: list.len(),
        head: list.last().map_or(GENESIS.to_string(), |e| e.hash.clone()),
        head_signature: list.last().and_then(|e| e.signature.clone()),
        first_bad_entry,
        bad_rows,
        bad_row_count,
        signed,
        bad_signature: signatures.flatten(),
        foreign_objects: Vec::new(),
    })
}

/// The first entry whose signature does not verify with `key`, or that is unsigned after a signed one; an
/// unsigned chain fails too, since a key was expected to have signed it.
fn check_signatures(list: &[EntryMeta], key: &PublicKey) -> Option<String> {
    let mut seen_signed = false;
    for entry in list {
        match &entry.signature {
            Some(signature) if key.verifies(&entry.hash, signature) => seen_signed = true,
            Some(_) => {
                return Some(format!(
                    "entry {} ({}): its signature does not verify with the public key (resealed or signed with \
                     another key)",
                    entry.id, entry.at
                ))
            }
            None if seen_signed => {
                return Some(format!(
                    "entry {} ({}): unsigned after a signed entry (written or resealed without the key)",
                    entry.id, entry.at
                ))
            }
            None => {}
        }
    }
    (!seen_signed).then(|| "no entry of the chain is signed with the public key".to_string())
}

/// The signature of the latest entry, if it was signed.
pub(crate) fn head_signature(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT signature FROM import_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Whether the chain holds a signed entry, and if so whether `key` signed the latest signed one.
pub(crate) fn latest_signature(conn: &Connection) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT hash, signature FROM import_log WHERE signature IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Why a hash given to look up an entry is not one.
#[derive(Debug, thiserror::Error)]
pub enum HashQueryError {
    /// Not hex, or too short to name one entry.
    #[error("{0:?} is not a chain hash or a prefix of one (expected 8 to 64 hex digits, as `audit verify` prints)")]
    Malformed(String),
    /// The prefix matches several entries.
    #[error("{0:?} is the prefix of several entries' hashes; give more digits")]
    Ambiguous(String),
}

/// The shortest prefix of a hash that `--expect` accepts.
pub const MIN_PREFIX: usize = 8;

/// The entry whose hash is `hash` or starts with it (at least [`MIN_PREFIX`] hex digits), with its id and time.
pub(crate) fn find(conn: &Connection, hash: &str) -> Result<Result<Option<(i64, String)>, HashQueryError>, StoreError> {
    let wanted = hash.trim().to_ascii_lowercase();
    if !(MIN_PREFIX..=64).contains(&wanted.len()) || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(HashQueryError::Malformed(hash.chars().take(80).collect())));
    }
    let found: Vec<(i64, String)> = conn
        .prepare("SELECT id, at FROM import_log WHERE substr(hash, 1, ?2) = ?1 ORDER BY id LIMIT 2")?
        .query_map(params![wanted, wanted.len() as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    match found.len() {
        0 => Ok(Ok(None)),
        1 => Ok(Ok(found.into_iter().next())),
        _ => Ok(Err(HashQueryError::Ambiguous(wanted))),
    }
}
