//! Writing versions within one entry of the import log: each firm, search (with its candidates) or exemption
//! compared with what is stored and written as a new version only where it differs, and stored verdicts; also
//! the changes that are not imports (a policy put in force, a search or exemption removed).

use std::cell::RefCell;

use rusqlite::{params, Connection, OptionalExtension, Statement, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

use super::read::{firm_at, load_dossier, FIRM_COLUMNS, LATEST};
use super::totals::{self, Totals};
use super::{chain, forever, next_time, policy_in_force, Store, StoreError, FOREVER, FOREVER_SQL};
use crate::model::{Candidate, Exemption, Firm, Search};
use crate::rules::{self, Case};
use crate::signing::ChainKey;

/// An entry of the import log being written: its id and time, and where its rows start in each table.
pub(crate) struct Entry {
    /// The entry's id.
    pub id: i64,
    /// Its time: the `valid_from` and `valid_to` of the rows it writes and closes.
    pub at: String,
    after_ids: [i64; chain::TABLE_COUNT],
    /// The rows it inserted, as they were written.
    pub(super) written: chain::Written,
    /// What the verdicts it writes do to the stored totals.
    pub(super) totals: Totals,
    /// The key that signs its hash.
    key: Option<ChainKey>,
}

impl Entry {
    /// Starts an entry with its actor, command line and files (name, SHA-256, kind), chained to the latest.
    ///
    /// Refuses a database whose schema was changed outside pledgecheck (a planted trigger could rewrite what the
    /// entry writes before it is sealed), and, once the chain holds a signed entry, a change without its key.
    pub(crate) fn begin(
        tx: &Connection,
        key: Option<&ChainKey>,
        actor: &str,
        command: &str,
        files: &[[&str; 3]],
    ) -> Result<Entry, StoreError> {
        super::schema::check(tx)?;
        Entry::check_key(tx, key)?;
        Entry::insert(tx, key, actor, command, files)
    }

    /// Starts an entry that will be rolled back (a dry run): unsigned, whatever the chain.
    pub(crate) fn begin_trial(tx: &Connection, actor: &str, command: &str) -> Result<Entry, StoreError> {
        super::schema::check(tx)?;
        Entry::insert(tx, None, actor, command, &[])
    }

    fn check_key(tx: &Connection, key: Option<&ChainKey>) -> Result<(), StoreError> {
        match (key, chain::latest_signature(tx)?) {
            (None, Some(_)) => return Err(StoreError::KeyRequired),
            (Some(key), Some((hash, signature))) if !key.public().verifies(&hash, &signature) => {
                return Err(StoreError::WrongKey)
            }
            _ => {}
        }
        Ok(())
    }

    fn insert(
        tx: &Connection,
        key: Option<&ChainKey>,
        actor: &str,
        command: &str,
        files: &[[&str; 3]],
    ) -> Result<Entry, StoreError> {
        let at = next_time(tx, true)?;
        let prev_hash = chain::head(tx)?;
        tx.execute(
            "INSERT INTO import_log (at, actor, command, prev_hash, chain_format) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, actor, command, prev_hash, chain::CHAIN_FORMAT],
        )?;
        let id = tx.last_insert_rowid();
        for (position, [name, sha256, kind]) in files.iter().enumerate() {
            tx.execute(
                "INSERT INTO import_file (import_id, position, name, sha256, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, position as i64 + 1, name, sha256, kind],
            )?;
        }
        let mut after_ids = [0; chain::TABLE_COUNT];
        for (slot, table) in after_ids.iter_mut().zip(&chain::TABLES) {
            *slot = tx.query_row(&format!("SELECT coalesce(max(id), 0) FROM {}", table.name), [], |r| r.get(0))?;
        }
        Ok(Entry {
            id,
            at,
            after_ids,
            written: chain::Written::default(),
            totals: Totals::default(),
            key: key.cloned(),
        })
    }

    /// Records files read by the entry (name, SHA-256, kind), after those it has.
    pub(crate) fn add_files(&self, tx: &Connection, files: &[[&str; 3]]) -> Result<(), StoreError> {
        let after: i64 =
            tx.query_row("SELECT coalesce(max(position), 0) FROM import_file WHERE import_id = ?1", [self.id], |r| {
                r.get(0)
            })?;
        for (i, [name, sha256, kind]) in files.iter().enumerate() {
            tx.execute(
                "INSERT INTO import_file (import_id, position, name, sha256, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![self.id, after + i as i64 + 1, name, sha256, kind],
            )?;
        }
        Ok(())
    }

    /// Brings the stored totals in step with the verdicts the entry wrote, records the summary and seals the entry
    /// into the chain; returns its hash.
    pub(crate) fn finish(&self, tx: &Connection, summary: &str) -> Result<String, StoreError> {
        self.totals.apply(tx)?;
        tx.execute("UPDATE import_log SET summary = ?1 WHERE id = ?2", params![summary, self.id])?;
        chain::seal(tx, self.id, self.after_ids, &self.written, self.key.as_ref())
    }
}

/// Recomputes and stores one search's verdict under the policy in force, noting the change in `totals`.
pub(super) fn recompute(
    tx: &Transaction,
    totals: &Totals,
    policy: &crate::policy::Policy,
    search_id: i64,
    at: &str,
) -> Result<(), StoreError> {
    let Some(case) = load_dossier(tx, search_id, LATEST)? else {
        return totals::delete_verdict(tx, totals, search_id);
    };
    let judgement = rules::judge(policy, &Case::of(&case));
    let before = totals::before(tx, search_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("search {search_id} has rows but no identity")))?;
    let mut stmt = tx.prepare_cached(STORE_VERDICT)?;
    let quarter = store_verdict(&mut stmt, policy, search_id, &judgement, &case.search, at)?;
    totals.replace(before.firm_id, before.stored.as_ref(), quarter, judgement.verdict);
    Ok(())
}

/// The verdict of a search that has none yet: a plain insert. An upsert may abort halfway, so SQLite copies
/// each page it touches into a statement journal first (16 KB a verdict; 6% of an import's instructions).
const INSERT_VERDICT: &str =
    "INSERT INTO verdict (search_id, verdict, rule, reason, policy_version, policy_sha256, quarter, computed_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

const STORE_VERDICT: &str =
    "INSERT INTO verdict (search_id, verdict, rule, reason, policy_version, policy_sha256, quarter, computed_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
     ON CONFLICT (search_id) DO UPDATE SET verdict = excluded.verdict, rule = excluded.rule, reason = excluded.reason,
       policy_version = excluded.policy_version, policy_sha256 = excluded.policy_sha256, quarter = excluded.quarter,
       computed_at = excluded.computed_at";

/// Stores a search's verdict with `stmt` (prepared from [`STORE_VERDICT`]), replacing the one it had; returns the
/// quarter stored with it.
fn store_verdict(
    stmt: &mut Statement,
    policy: &crate::policy::Policy,
    search_id: i64,
    judgement: &rules::Judgement,
    search: &Search,
    at: &str,
) -> Result<String, StoreError> {
    let quarter = search.quarter().to_string();
    stmt.execute(params![
        search_id,
        judgement.verdict.as_str(),
        judgement.rule,
        judgement.reason,
        judgement.policy_version,
        policy.sha256,
        quarter,
        at
    ])?;
    Ok(quarter)
}

/// A firm as it currently stands, with its id.
pub(super) fn current_firm(conn: &Connection, firm: &str) -> Result<Option<(i64, Firm)>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT firm.id, {FIRM_COLUMNS} FROM firm JOIN firm_version v ON v.firm_id = firm.id
         AND v.valid_to = {FOREVER_SQL} WHERE firm.firm = ?1"
    ))?;
    let mut rows = stmt.query([firm])?;
    match rows.next()? {
        Some(r) => Ok(Some((r.get(0)?, firm_at(r, 1, firm.to_string())?))),
        None => Ok(None),
    }
}

/// A stored search's current exemption.
pub(super) fn current_exemption(
    tx: &Transaction,
    search_id: i64,
    search: &Search,
) -> Result<Option<Exemption>, StoreError> {
    Ok(tx
        .prepare_cached(concat!(
            "SELECT reason, note FROM exemption_version WHERE search_id = ?1 AND valid_to = ",
            forever!()
        ))?
        .query_row([search_id], |r| {
            Ok(Exemption {
                firm: search.firm.clone(),
                search_ref: search.search_ref.clone(),
                reason: r.get(0)?,
                note: r.get(1)?,
            })
        })
        .optional()?)
}

pub(super) fn current_search_id(conn: &Connection, firm: &str, search_ref: &str) -> Result<Option<i64>, StoreError> {
    super::read::search_id(conn, firm, search_ref, true)
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// What a row's hash needs of the entry that writes the row.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// The entry's time: the rows' `valid_from`.
    pub at: String,
    /// The entry's id.
    pub import_id: i64,
}

/// A search and its candidates as an entry writes them: the canonical text of their dates and experience, each
/// candidate's salted reference digest, and each row's hash. Worked out from the record and the entry alone, so
/// that an import works it out on its reading thread while the store writes.
pub struct NewVersions {
    /// The content digest of the search and candidates ([`content_digest`]).
    pub digest: ContentDigest,
    opened_on: String,
    shortlist_on: Option<String>,
    cancelled_on: Option<String>,
    search_hash: [u8; 16],
    /// One for each of the record's candidates, in order.
    candidates: Vec<NewCandidate>,
}

struct NewCandidate {
    experience: String,
    added_on: Option<String>,
    salt: [u8; 16],
    digest: [u8; 16],
    hash: [u8; 16],
}

impl NewVersions {
    /// The versions entry `stamp` would write for a search and its candidates.
    pub fn of(search: &Search, candidates: &[Candidate], stamp: &Stamp) -> NewVersions {
        let digest = content_digest(search, candidates);
        let (opened_on, shortlist_on, cancelled_on) =
            (search.opened_on.to_string(), date(search.shortlist_on), date(search.cancelled_on));
        let search_hash = chain::new_row_hash(
            chain::SEARCH_VERSION,
            &[
                ("firm", Some(&search.firm)),
                ("search_ref", Some(&search.search_ref)),
                ("client", Some(&search.client)),
                ("client_sector", Some(search.client_sector.as_str())),
                ("position", Some(&search.position)),
                ("level", Some(search.level.as_str())),
                ("opened_on", Some(&opened_on)),
                ("shortlist_on", shortlist_on.as_deref()),
                ("cancelled_on", cancelled_on.as_deref()),
                ("valid_from", Some(&stamp.at)),
                ("client_id", search.client_ref.as_ref().map(|c| c.id.as_str())),
                ("client_kind", search.client_ref.as_ref().map(|c| c.kind.as_str())),
                ("client_sector_from", search.client_ref.as_ref().map(|c| c.sector_from.as_str())),
            ],
            stamp.import_id,
        );
        let candidates = candidates
            .iter()
            .map(|c| {
                let (experience, added_on) = (c.experience.to_string(), date(c.added_on));
                let salt = chain::new_salt();
                let digest = chain::ref_digest(&salt, &c.candidate_ref);
                let hash = chain::new_row_hash(
                    chain::CANDIDATE_VERSION,
                    &[
                        ("firm", Some(&search.firm)),
                        ("search_ref", Some(&search.search_ref)),
                        ("ref_digest", Some(&crate::digest::upper_hex(&digest))),
                        ("sector", Some(c.sector.as_str())),
                        ("experience", Some(&experience)),
                        ("stage", Some(c.stage.as_str())),
                        ("added_on", added_on.as_deref()),
                        ("valid_from", Some(&stamp.at)),
                    ],
                    stamp.import_id,
                );
                NewCandidate { experience, added_on, salt, digest, hash }
            })
            .collect();
        NewVersions { digest, opened_on, shortlist_on, cancelled_on, search_hash, candidates }
    }
}

/// A digest of a search's content as the store keeps it: the first 16 bytes of a SHA-256.
pub type ContentDigest = [u8; 16];

/// The digest of a search and its candidates as [`Writer::put_search`] would store them: every stored column of
/// the search (its client's registry entry included) and of each candidate, candidates in order of reference.
/// Values are hashed as parsed (a date as its day number, a sector, level or stage as its place in its list,
/// experience as its summed entries), which determine the stored text: two records that would store the same rows
/// have the same digest, whatever the order of their candidates, the file, the encoding or the spelling
/// (`kommune`, `31-03-2026`) they were read from. The values are laid out compactly and hashed at once: a search
/// is hashed for every search an import reads.
pub fn content_digest(search: &Search, candidates: &[Candidate]) -> ContentDigest {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"pledgecheck search content 1");
    for text in [&search.firm, &search.search_ref, &search.client, &search.position] {
        put_text(&mut out, Some(text));
    }
    out.extend([search.client_sector as u8, search.level as u8]);
    let client = search.client_ref.as_ref();
    put_text(&mut out, client.map(|c| c.id.as_str()));
    out.extend(client.map_or([u8::MAX; 2], |c| [c.kind as u8, c.sector_from as u8]));
    for day in [Some(search.opened_on), search.shortlist_on, search.cancelled_on] {
        put_day(&mut out, day);
    }
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    // References are unique within a search: ordered by them, the candidates' order in the file does not count.
    order.sort_unstable_by(|a, b| a.candidate_ref.cmp(&b.candidate_ref));
    out.extend_from_slice(&(order.len() as u32).to_le_bytes());
    for c in order {
        put_text(&mut out, Some(&c.candidate_ref));
        out.extend([c.sector as u8, c.stage as u8]);
        put_day(&mut out, c.added_on);
        let entries = c.experience.entries();
        out.push(entries.len().min(u8::MAX as usize) as u8);
        for (sector, years) in entries {
            out.push(*sector as u8);
            out.extend_from_slice(&years.to_le_bytes());
        }
    }
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&Sha256::digest(&out)[..16]);
    digest
}

/// A text after its length (one byte below 254, else 254 and four bytes), or 255 for none: no two lists of texts
/// lay out alike.
fn put_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) if text.len() < 254 => out.push(text.len() as u8),
        Some(text) => {
            out.push(254);
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        }
        None => return out.push(u8::MAX),
    }
    out.extend_from_slice(text.unwrap_or_default().as_bytes());
}

/// A date as its day number, or a mark for none.
fn put_day(out: &mut Vec<u8>, day: Option<chrono::NaiveDate>) {
    use chrono::Datelike;
    out.extend_from_slice(&day.map_or(i32::MIN, |d| d.num_days_from_ce()).to_le_bytes());
}

/// The stored columns of a search version, as written.
struct SearchColumns<'a> {
    client: &'a str,
    client_sector: &'a str,
    position: &'a str,
    level: &'a str,
    opened_on: &'a str,
    shortlist_on: Option<&'a str>,
    cancelled_on: Option<&'a str>,
    client_id: Option<&'a str>,
    client_kind: Option<&'a str>,
    client_sector_from: Option<&'a str>,
}

impl SearchColumns<'_> {
    /// The columns in the order `put_search` selects them.
    fn fields(&self) -> [Option<&str>; 10] {
        [
            Some(self.client),
            Some(self.client_sector),
            Some(self.position),
            Some(self.level),
            Some(self.opened_on),
            self.shortlist_on,
            self.cancelled_on,
            self.client_id,
            self.client_kind,
            self.client_sector_from,
        ]
    }
}

/// The stored columns of a candidate version, as written.
struct CandidateColumns<'a> {
    candidate_ref: &'a str,
    sector: &'a str,
    experience: &'a str,
    stage: &'a str,
    added_on: Option<&'a str>,
}

impl CandidateColumns<'_> {
    /// The columns in the order `put_search` selects them.
    fn fields(&self) -> [Option<&str>; 5] {
        [Some(self.candidate_ref), Some(self.sector), Some(self.experience), Some(self.stage), self.added_on]
    }
}

/// `N` text columns of a stored row, read to compare with the columns to be written.
struct StoredColumns<const N: usize>([Option<String>; N]);

impl<const N: usize> StoredColumns<N> {
    fn read(row: &rusqlite::Row) -> rusqlite::Result<StoredColumns<N>> {
        let mut fields: [Option<String>; N] = std::array::from_fn(|_| None);
        for (i, field) in fields.iter_mut().enumerate() {
            *field = row.get(i)?;
        }
        Ok(StoredColumns(fields))
    }

    fn fields(&self) -> [Option<&str>; N] {
        std::array::from_fn(|i| self.0[i].as_deref())
    }
}

/// Writes new versions within one entry of the import log (a [`super::Recording`]): the store's write API for
/// imports and changes made by hand. Each method is one step of persistence; what to write, and when, is the
/// caller's (the import session's) to decide.
pub struct Writer<'a> {
    pub(super) tx: &'a Transaction<'a>,
    pub(super) at: &'a str,
    pub(super) import_id: i64,
    /// Told of every row inserted, for sealing the entry.
    pub(super) written: &'a chain::Written,
    /// Told of every verdict written or deleted, for the stored totals.
    pub(super) totals: &'a Totals,
    make_search: KeptStatement<'a>,
    find_search: KeptStatement<'a>,
    insert_search_version: KeptStatement<'a>,
    insert_candidate_version: KeptStatement<'a>,
    store_verdict: KeptStatement<'a>,
    insert_verdict: KeptStatement<'a>,
    pub(super) note_seen: KeptStatement<'a>,
    pub(super) find_waiting: KeptStatement<'a>,
}

/// A statement prepared once for a whole import and run for every search: looking it up in the statement cache
/// by its text, as `prepare_cached` does, cost more than binding and running it.
pub(super) struct KeptStatement<'a>(RefCell<Statement<'a>>);

impl<'a> KeptStatement<'a> {
    /// Prepares a statement.
    pub(super) fn new(conn: &'a Connection, sql: &str) -> Result<KeptStatement<'a>, StoreError> {
        Ok(KeptStatement(RefCell::new(conn.prepare(sql)?)))
    }

    /// Runs it; the number of rows changed.
    pub(super) fn execute(&self, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        Ok(self.0.borrow_mut().execute(params)?)
    }

    /// Its first row, if any.
    pub(super) fn first_row<T>(
        &self,
        params: impl rusqlite::Params,
        row: impl FnOnce(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.0.borrow_mut().query_row(params, row).optional()?)
    }
}

impl<'a> Writer<'a> {
    /// A writer for the entry at `at`, with id `import_id`.
    pub(super) fn new(
        tx: &'a Transaction<'a>,
        at: &'a str,
        import_id: i64,
        written: &'a chain::Written,
        totals: &'a Totals,
    ) -> Result<Writer<'a>, StoreError> {
        Ok(Writer {
            tx,
            at,
            import_id,
            written,
            totals,
            make_search: KeptStatement::new(
                tx,
                "INSERT INTO search (firm_id, search_ref, content_digest) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?,
            find_search: KeptStatement::new(
                tx,
                "SELECT id, content_digest FROM search WHERE firm_id = ?1 AND search_ref = ?2",
            )?,
            insert_search_version: KeptStatement::new(tx, INSERT_SEARCH_VERSION)?,
            insert_candidate_version: KeptStatement::new(tx, INSERT_CANDIDATE_VERSION)?,
            store_verdict: KeptStatement::new(tx, STORE_VERDICT)?,
            insert_verdict: KeptStatement::new(tx, INSERT_VERDICT)?,
            note_seen: KeptStatement::new(tx, super::change::NOTE_SEEN)?,
            find_waiting: KeptStatement::new(tx, super::change::FIND_WAITING)?,
        })
    }
}

const INSERT_SEARCH_VERSION: &str = "INSERT INTO search_version (search_id, client, client_sector, position, level,
       opened_on, shortlist_on, cancelled_on, valid_from, valid_to, import_id, row_hash, client_id, client_kind,
       client_sector_from)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

const INSERT_CANDIDATE_VERSION: &str = "INSERT INTO candidate_version (search_id, candidate_ref, ref_digest, ref_salt,
       sector, experience, stage, added_on, valid_from, valid_to, import_id, row_hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

impl Writer<'_> {
    /// Stores the verdict of a search of firm `firm_id`, replacing the one it had; `first` when the search is new
    /// to the database (it has no verdict to replace).
    pub fn store_verdict(
        &self,
        policy: &crate::policy::Policy,
        (search_id, firm_id): (i64, i64),
        judgement: &rules::Judgement,
        search: &Search,
        first: bool,
    ) -> Result<(), StoreError> {
        // The verdict it replaces, taken off the totals; a new search has none, and no look-up is made for it.
        let before = match first {
            true => None,
            false => totals::before(self.tx, search_id)?.and_then(|b| b.stored),
        };
        let stmt = if first { &self.insert_verdict } else { &self.store_verdict };
        let quarter = store_verdict(&mut stmt.0.borrow_mut(), policy, search_id, judgement, search, self.at)?;
        self.totals.replace(firm_id, before.as_ref(), quarter, judgement.verdict);
        self.totals.apply_if_large(self.tx)?;
        Ok(())
    }

    /// A search's id, made if it is new (with `digest`, the digest of the content about to be written for it), and
    /// the content digest it holds. `look_first` when the search is likely stored already (the database held
    /// searches when the change began): then it is looked up before it is made, one look-up instead of two.
    pub fn identity(
        &self,
        firm_id: i64,
        search_ref: &str,
        digest: &ContentDigest,
        look_first: bool,
    ) -> Result<Identity, StoreError> {
        let find = || {
            self.find_search.first_row(params![firm_id, search_ref], |r| {
                let stored: Option<Vec<u8>> = r.get(1)?;
                Ok(Identity { id: r.get(0)?, made: false, digest: stored.and_then(|d| d.try_into().ok()) })
            })
        };
        if look_first {
            if let Some(found) = find()? {
                return Ok(found);
            }
        }
        if self.make_search.execute(params![firm_id, search_ref, digest.as_slice()])? == 1 {
            return Ok(Identity { id: self.tx.last_insert_rowid(), made: true, digest: Some(*digest) });
        }
        find()?.ok_or_else(|| StoreError::Corrupt(format!("search {search_ref:?} neither stored nor made")))
    }

    /// Forgets a search's content digest: its rows changed other than through [`Writer::put_search`] (the next
    /// import compares them).
    pub fn forget_digest(&self, search_id: i64) -> Result<(), StoreError> {
        forget_digest(self.tx, search_id)
    }

    /// Closes the current row of a versioned table for a key: it stops being valid at this entry's time.
    fn close(&self, table: &str, key: &str, id: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(&format!("UPDATE {table} SET valid_to = ?2 WHERE {key} = ?1 AND valid_to = {FOREVER_SQL}"))?
            .execute(params![id, self.at])?;
        Ok(())
    }

    /// Takes back what this entry wrote to a search and its candidates, so that it can be written again whole.
    pub fn undo_search(&self, id: i64) -> Result<(), StoreError> {
        self.written.lose_track();
        for table in ["search_version", "candidate_version"] {
            self.tx
                .prepare_cached(&format!("DELETE FROM {table} WHERE search_id = ?1 AND import_id = ?2"))?
                .execute(params![id, self.import_id])?;
            self.tx
                .prepare_cached(&format!(
                    "UPDATE {table} SET valid_to = {FOREVER_SQL} WHERE search_id = ?1 AND valid_to = ?2"
                ))?
                .execute(params![id, self.at])?;
        }
        Ok(())
    }

    /// Writes a firm if it differs from the stored one; when it changed, returns its id and whether it was stored
    /// before.
    pub fn put_firm(&self, firm: &Firm) -> Result<Option<(i64, bool)>, StoreError> {
        let tx = self.tx;
        tx.prepare_cached("INSERT INTO firm (firm) VALUES (?1) ON CONFLICT (firm) DO NOTHING")?
            .execute([&firm.firm])?;
        let id: i64 =
            tx.prepare_cached("SELECT id FROM firm WHERE firm = ?1")?.query_row([&firm.firm], |r| r.get(0))?;
        let new = (firm.name.clone(), date(firm.pledged_on), date(firm.withdrawn_on));
        let current: Option<(Option<String>, Option<String>, Option<String>)> = tx
            .prepare_cached(concat!(
                "SELECT name, pledged_on, withdrawn_on FROM firm_version WHERE firm_id = ?1 AND valid_to = ",
                forever!()
            ))?
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if current.as_ref() == Some(&new) {
            return Ok(None);
        }
        self.close("firm_version", "firm_id", id)?;
        let hash = chain::new_row_hash(
            chain::FIRM_VERSION,
            &[
                ("firm", Some(&firm.firm)),
                ("name", new.0.as_deref()),
                ("pledged_on", new.1.as_deref()),
                ("withdrawn_on", new.2.as_deref()),
                ("valid_from", Some(self.at)),
            ],
            self.import_id,
        );
        tx.prepare_cached(
            "INSERT INTO firm_version (firm_id, name, pledged_on, withdrawn_on, valid_from, valid_to, import_id, row_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![id, new.0, new.1, new.2, self.at, FOREVER, self.import_id, hash])?;
        self.written.row(chain::FIRM_VERSION, tx.last_insert_rowid(), &hash);
        Ok(Some((id, current.is_some())))
    }

    /// Replaces a search and its candidates as a whole where they differ (`new`: the versions worked out for
    /// them, [`NewVersions::of`]); returns whether it changed and how many candidates it added, removed and
    /// changed. The search's content digest becomes `new`'s; `known` is the digest it holds now, if the caller
    /// knows it (`None`: written whatever it holds).
    pub fn put_search(
        &self,
        id: i64,
        existed: bool,
        search: &Search,
        candidates: &[Candidate],
        new: &NewVersions,
        known: Option<ContentDigest>,
    ) -> Result<PutSearch, StoreError> {
        let tx = self.tx;
        let wanted = SearchColumns {
            client: &search.client,
            client_sector: search.client_sector.as_str(),
            position: &search.position,
            level: search.level.as_str(),
            opened_on: &new.opened_on,
            shortlist_on: new.shortlist_on.as_deref(),
            cancelled_on: new.cancelled_on.as_deref(),
            client_id: search.client_ref.as_ref().map(|c| c.id.as_str()),
            client_kind: search.client_ref.as_ref().map(|c| c.kind.as_str()),
            client_sector_from: search.client_ref.as_ref().map(|c| c.sector_from.as_str()),
        };
        // A search seen for the first time has nothing stored to compare with.
        let current: Option<StoredColumns<10>> = if !existed {
            None
        } else {
            tx.prepare_cached(concat!(
                "SELECT client, client_sector, position, level, opened_on, shortlist_on, cancelled_on, client_id,
                 client_kind, client_sector_from FROM search_version WHERE search_id = ?1 AND valid_to = ",
                forever!()
            ))?
            .query_row(params![id], StoredColumns::read)
            .optional()?
        };
        let mut changed = false;
        if current.as_ref().is_none_or(|c| c.fields() != wanted.fields()) {
            changed = true;
            if current.is_some() {
                self.close("search_version", "search_id", id)?;
            }
            let w = &wanted;
            self.insert_search_version.execute(params![
                id,
                w.client,
                w.client_sector,
                w.position,
                w.level,
                w.opened_on,
                w.shortlist_on,
                w.cancelled_on,
                self.at,
                FOREVER,
                self.import_id,
                new.search_hash,
                w.client_id,
                w.client_kind,
                w.client_sector_from
            ])?;
            self.written.row(chain::SEARCH_VERSION, tx.last_insert_rowid(), &new.search_hash);
        }
        // Candidates as a set: keep the unchanged, close the removed and changed, insert the new and changed.
        let stored: Vec<StoredColumns<5>> = if !existed {
            Vec::new()
        } else {
            tx.prepare_cached(concat!(
                "SELECT candidate_ref, sector, experience, stage, added_on FROM candidate_version
                 WHERE search_id = ?1 AND valid_to = ",
                forever!()
            ))?
            .query_map(params![id], StoredColumns::read)?
            .collect::<Result<_, _>>()?
        };
        let wanted: Vec<CandidateColumns> = candidates
            .iter()
            .zip(&new.candidates)
            .map(|(c, n)| CandidateColumns {
                candidate_ref: &c.candidate_ref,
                sector: c.sector.as_str(),
                experience: &n.experience,
                stage: c.stage.as_str(),
                added_on: n.added_on.as_deref(),
            })
            .collect();
        let mut put = PutSearch::default();
        for old in stored.iter().filter(|s| !wanted.iter().any(|w| w.fields() == s.fields())) {
            changed = true;
            if wanted.iter().any(|w| w.candidate_ref == old.fields()[0].unwrap_or_default()) {
                put.updated += 1;
            } else {
                put.removed += 1;
            }
            tx.prepare_cached(concat!(
                "UPDATE candidate_version SET valid_to = ?3 WHERE search_id = ?1 AND candidate_ref = ?2 AND valid_to = ",
                forever!()
            ))?
            .execute(params![id, old.fields()[0], self.at])?;
        }
        for (w, n) in wanted.iter().zip(&new.candidates) {
            if stored.iter().any(|s| s.fields() == w.fields()) {
                continue;
            }
            changed = true;
            if !stored.iter().any(|s| s.fields()[0] == Some(w.candidate_ref)) {
                put.added += 1;
            }
            self.insert_candidate_version.execute(params![
                id,
                w.candidate_ref,
                n.digest,
                n.salt,
                w.sector,
                w.experience,
                w.stage,
                w.added_on,
                self.at,
                FOREVER,
                self.import_id,
                n.hash
            ])?;
            self.written.row(chain::CANDIDATE_VERSION, tx.last_insert_rowid(), &n.hash);
        }
        put.changed = changed;
        if known != Some(new.digest) {
            self.tx
                .prepare_cached("UPDATE search SET content_digest = ?2 WHERE id = ?1")?
                .execute(params![id, new.digest.as_slice()])?;
        }
        Ok(put)
    }

    /// Replaces a search's exemption if it differs; returns whether it changed.
    pub fn put_exemption(&self, search_id: i64, exemption: &Exemption) -> Result<bool, StoreError> {
        let tx = self.tx;
        let current: Option<(String, String)> = tx
            .prepare_cached(concat!(
                "SELECT reason, note FROM exemption_version WHERE search_id = ?1 AND valid_to = ",
                forever!()
            ))?
            .query_row(params![search_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if current.as_ref().is_some_and(|(r, n)| *r == exemption.reason && *n == exemption.note) {
            return Ok(false);
        }
        self.close("exemption_version", "search_id", search_id)?;
        let hash = chain::new_row_hash(
            chain::EXEMPTION_VERSION,
            &[
                ("firm", Some(&exemption.firm)),
                ("search_ref", Some(&exemption.search_ref)),
                ("reason", Some(&exemption.reason)),
                ("note", Some(&exemption.note)),
                ("valid_from", Some(self.at)),
            ],
            self.import_id,
        );
        tx.prepare_cached(
            "INSERT INTO exemption_version (search_id, reason, note, valid_from, valid_to, import_id, row_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            search_id,
            exemption.reason,
            exemption.note,
            self.at,
            FOREVER,
            self.import_id,
            hash
        ])?;
        self.written.row(chain::EXEMPTION_VERSION, tx.last_insert_rowid(), &hash);
        Ok(true)
    }
}

/// A search's identity as [`Writer::identity`] finds or makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Its id.
    pub id: i64,
    /// Whether it was made now (new to the database).
    pub made: bool,
    /// The digest of its current content, if it holds one ([`content_digest`]).
    pub digest: Option<ContentDigest>,
}

/// Forgets a search's content digest (see [`Writer::forget_digest`]).
pub(super) fn forget_digest(conn: &Connection, search_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE search SET content_digest = NULL WHERE id = ?1")?.execute([search_id])?;
    Ok(())
}

/// What writing a search did: whether anything changed, and its candidates added, removed and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PutSearch {
    /// Whether the search or any of its candidates changed.
    pub changed: bool,
    /// Candidates new to the search.
    pub added: usize,
    /// Candidates no longer on it.
    pub removed: usize,
    /// Candidates on it before and after, with other values.
    pub updated: usize,
}

/// What putting a policy in force did.
#[derive(Debug, Clone)]
pub struct PolicyChange {
    /// When it came into force.
    pub at: String,
    /// How many stored verdicts were recomputed.
    pub judged: usize,
    /// How many of them changed verdict.
    pub changed: usize,
}

impl Store {
    /// Puts a policy in force: stores its text and hash, recomputes every stored verdict and logs the change, all in
    /// one transaction.
    pub fn use_policy(
        &mut self,
        name: &str,
        text: &str,
        policy: &crate::policy::Policy,
        actor: &str,
        command: &str,
    ) -> Result<PolicyChange, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = Entry::begin(&tx, self.key.as_ref(), actor, command, &[[name, &policy.sha256, "policy"]])?;
        let at = entry.at.clone();
        tx.execute(
            "INSERT INTO policy (name, sha256, text, in_force_from, import_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, policy.sha256, text, at, entry.id],
        )?;
        let before: std::collections::HashMap<i64, String> = tx
            .prepare("SELECT search_id, verdict FROM verdict")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut change = PolicyChange { at: at.clone(), judged: 0, changed: 0 };
        // Every verdict is written again: the totals are counted once at the end rather than verdict by verdict.
        entry.totals.recount();
        for (search_id, old) in &before {
            recompute(&tx, &entry.totals, policy, *search_id, &at)?;
            change.judged += 1;
            let new: String =
                tx.query_row("SELECT verdict FROM verdict WHERE search_id = ?1", [search_id], |r| r.get(0))?;
            change.changed += usize::from(new != *old);
        }
        let summary =
            format!("policy {name} in force; {} verdicts recomputed, {} changed", change.judged, change.changed);
        entry.finish(&tx, &summary)?;
        tx.commit()?;
        Ok(change)
    }
}

impl Store {
    /// Removes a search: closes its current version, candidates and exemption, and drops its verdict. False when
    /// there is no such current search.
    pub fn remove_search(
        &mut self,
        firm: &str,
        search_ref: &str,
        actor: &str,
        command: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(search_id) = current_search_id(&tx, firm, search_ref)? else { return Ok(false) };
        let entry = Entry::begin(&tx, self.key.as_ref(), actor, command, &[])?;
        for table in ["search_version", "candidate_version", "exemption_version"] {
            tx.execute(
                &format!("UPDATE {table} SET valid_to = ?1 WHERE search_id = ?2 AND valid_to = {FOREVER_SQL}"),
                params![entry.at, search_id],
            )?;
        }
        totals::delete_verdict(&tx, &entry.totals, search_id)?;
        forget_digest(&tx, search_id)?;
        entry.finish(&tx, &format!("search {firm}/{search_ref} removed"))?;
        tx.commit()?;
        Ok(true)
    }

    /// Removes a search's exemption and recomputes its verdict. False when it has none.
    pub fn remove_exemption(
        &mut self,
        firm: &str,
        search_ref: &str,
        actor: &str,
        command: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(search_id) = current_search_id(&tx, firm, search_ref)? else { return Ok(false) };
        let has: bool = tx.query_row(
            concat!("SELECT count(*) > 0 FROM exemption_version WHERE search_id = ?1 AND valid_to = ", forever!()),
            params![search_id],
            |r| r.get(0),
        )?;
        if !has {
            return Ok(false);
        }
        let entry = Entry::begin(&tx, self.key.as_ref(), actor, command, &[])?;
        tx.execute(
            concat!("UPDATE exemption_version SET valid_to = ?1 WHERE search_id = ?2 AND valid_to = ", forever!()),
            params![entry.at, search_id],
        )?;
        let policy = policy_in_force(&tx)?.policy;
        recompute(&tx, &entry.totals, &policy, search_id, &entry.at)?;
        entry.finish(&tx, &format!("exemption of search {firm}/{search_ref} removed"))?;
        tx.commit()?;
        Ok(true)
    }

    /// The current firm, if it exists.
    pub fn firm(&self, firm: &str) -> Result<Option<Firm>, StoreError> {
        Ok(current_firm(&self.conn, firm)?.map(|(_, firm)| firm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientKind, ClientRef, Experience, Level, SectorFrom, Stage};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    fn search() -> Search {
        Search {
            firm: "f".into(),
            search_ref: "s1".into(),
            client: "Aarhus Kommune".into(),
            client_sector: crate::model::Sector::Municipality,
            client_ref: None,
            position: "Direktør".into(),
            level: Level::Top,
            opened_on: day(10),
            shortlist_on: Some(day(20)),
            cancelled_on: None,
        }
    }

    fn candidate(candidate_ref: &str) -> Candidate {
        Candidate {
            candidate_ref: candidate_ref.into(),
            sector: crate::model::Sector::Private,
            experience: Experience::parse("private:2;state:1").unwrap(),
            stage: Stage::Shortlist,
            added_on: None,
        }
    }

    #[test]
    fn the_digest_is_that_of_the_versions_and_ignores_the_candidates_order() {
        let (s, cs) = (search(), vec![candidate("c1"), candidate("c2"), candidate("c3")]);
        let stamp = Stamp { at: "2026-12-02T10:00:00.000000Z".into(), import_id: 7 };
        let digest = content_digest(&s, &cs);
        assert_eq!(NewVersions::of(&s, &cs, &stamp).digest, digest, "worked out once, the same either way");
        let reversed: Vec<Candidate> = cs.iter().rev().cloned().collect();
        assert_eq!(content_digest(&s, &reversed), digest);
        // The entry writing the rows (its time and id) is no part of the content.
        let later = Stamp { at: "2027-01-01T00:00:00.000000Z".into(), import_id: 8 };
        assert_eq!(NewVersions::of(&s, &reversed, &later).digest, digest);
    }

    /// One change to a value.
    type Edit<T> = Box<dyn Fn(&mut T)>;

    #[test]
    fn every_stored_column_changes_the_digest() {
        let (s, cs) = (search(), vec![candidate("c1"), candidate("c2")]);
        let digest = content_digest(&s, &cs);
        let searches: Vec<Edit<Search>> = vec![
            Box::new(|s| s.firm = "g".into()),
            Box::new(|s| s.search_ref = "s2".into()),
            Box::new(|s| s.client = "Aarhus kommune".into()),
            Box::new(|s| s.client_sector = crate::model::Sector::Region),
            Box::new(|s| s.position = "Direktor".into()),
            Box::new(|s| s.level = Level::Executive),
            Box::new(|s| s.opened_on = day(11)),
            Box::new(|s| s.shortlist_on = None),
            Box::new(|s| s.cancelled_on = Some(day(25))),
            Box::new(|s| {
                s.client_ref = Some(ClientRef {
                    id: "k-751".into(),
                    kind: ClientKind::Municipality,
                    sector_from: SectorFrom::File,
                })
            }),
        ];
        for (i, change) in searches.iter().enumerate() {
            let mut other = s.clone();
            change(&mut other);
            assert_ne!(content_digest(&other, &cs), digest, "search change {i}");
        }
        let candidates: Vec<Edit<Candidate>> = vec![
            Box::new(|c| c.candidate_ref = "c9".into()),
            Box::new(|c| c.sector = crate::model::Sector::State),
            Box::new(|c| c.experience = Experience::parse("private:3;state:1").unwrap()),
            Box::new(|c| c.stage = Stage::Interview),
            Box::new(|c| c.added_on = Some(day(12))),
        ];
        for (i, change) in candidates.iter().enumerate() {
            let mut other = cs.clone();
            change(&mut other[1]);
            assert_ne!(content_digest(&s, &other), digest, "candidate change {i}");
        }
        assert_ne!(content_digest(&s, &cs[..1]), digest, "a candidate fewer");
        assert_ne!(content_digest(&s, &[]), content_digest(&s, &cs[..1]));
        // Fields end where their length says: moving text from one field to the next changes the digest.
        let mut shifted = s.clone();
        (shifted.client, shifted.position) = ("Aarhus KommuneD".into(), "irektør".into());
        assert_ne!(content_digest(&shifted, &cs), digest);
    }

    fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
        let sector = prop::sample::select(vec![
            crate::model::Sector::State,
            crate::model::Sector::Region,
            crate::model::Sector::Municipality,
            crate::model::Sector::Private,
            crate::model::Sector::Unknown,
        ]);
        let stage = prop::sample::select(vec![Stage::Longlist, Stage::Shortlist, Stage::Interview, Stage::Hired]);
        let one = (sector, "(private:[0-9]|state:[0-9]|)", stage, proptest::option::of(1u32..28));
        proptest::collection::btree_map("[a-c][0-9]{0,2}", one, 0..8).prop_map(|by_ref| {
            by_ref
                .into_iter()
                .map(|(candidate_ref, (sector, experience, stage, added))| Candidate {
                    candidate_ref,
                    sector,
                    experience: Experience::parse(&experience).unwrap(),
                    stage,
                    added_on: added.map(day),
                })
                .collect()
        })
    }

    proptest! {
        /// Any order of the same candidates gives the same digest; one candidate changed or dropped gives another.
        #[test]
        fn the_digest_depends_on_the_candidates_not_their_order(
            cs in candidates(),
            order in proptest::collection::vec(any::<u32>(), 8),
            pick in any::<prop::sample::Index>(),
        ) {
            let s = search();
            let digest = content_digest(&s, &cs);
            let mut shuffled: Vec<(u32, Candidate)> = cs.iter().cloned().zip(order).map(|(c, k)| (k, c)).collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let shuffled: Vec<Candidate> = shuffled.into_iter().map(|(_, c)| c).collect();
            prop_assert_eq!(content_digest(&s, &shuffled), digest);
            if !cs.is_empty() {
                let i = pick.index(cs.len());
                let mut other = cs.clone();
                other[i].stage = if other[i].stage == Stage::Hired { Stage::Longlist } else { Stage::Hired };
                prop_assert_ne!(content_digest(&s, &other), digest);
                other.remove(i);
                prop_assert_ne!(content_digest(&s, &other), digest);
            }
        }
    }
}
