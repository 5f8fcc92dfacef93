//! The floor for an import: a bare loop of prepared INSERTs of the raw rows of a CSV file, in one transaction,
//! into a bare table of a fresh database. No validation, no normalisation, no history, no verdicts.
//!
//! ```text
//! cargo run --release --example bare_insert -- SHORTLISTS.csv FRESH.db
//! ```
//!
//! The table is named `t` and has one `TEXT` column per header field (as the `sqlite3` shell's `.import` makes
//! it); every field of every row is bound as text, empty fields as empty strings. The database is set up as
//! pledgecheck sets up a first load into a fresh database (`src/store/mod.rs` and `src/store/session.rs`): 16 KB
//! pages, a rollback journal with `synchronous=FULL`, a 32 MB page cache. The CSV file is streamed with one reused `csv::ByteRecord`, so memory stays flat.
//! `scripts/bench.sh` runs it beside `sqlite3 .import` and `pledgecheck import` on the same file.
//!
//! The database must not exist yet (it is a fresh database by definition); the row count and the time go to
//! standard error.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [csv_path, db_path] = args.as_slice() else {
        bail!("usage: bare_insert SHORTLISTS.csv FRESH.db");
    };
    let (csv_path, db_path) = (PathBuf::from(csv_path), PathBuf::from(db_path));
    if db_path.exists() {
        bail!("{} exists: bare_insert writes into a fresh database only", db_path.display());
    }
    let started = Instant::now();

    let file = File::open(&csv_path).with_context(|| format!("opening {}", csv_path.display()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(BufReader::with_capacity(1 << 16, file));
    let header = reader.byte_headers()?.clone();
    if header.is_empty() {
        bail!("{} has no header", csv_path.display());
    }
    let columns: Vec<String> = header
        .iter()
        .map(|h| {
            let name = std::str::from_utf8(h).context("the header is not UTF-8")?;
            Ok(format!("\"{}\" TEXT", name.trim_start_matches('\u{feff}').replace('"', "\"\"")))
        })
        .collect::<Result<_>>()?;
    let placeholders = vec!["?"; columns.len()].join(", ");

    let mut conn = Connection::open(&db_path)?;
    conn.pragma_update(None, "page_size", pledgecheck::store::PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -32768)?;
    conn.execute_batch(&format!("CREATE TABLE t ({})", columns.join(", ")))?;

    let tx = conn.transaction()?;
    let mut rows = 0u64;
    {
        let mut insert = tx.prepare(&format!("INSERT INTO t VALUES ({placeholders})"))?;
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            rows += 1;
            if record.len() != header.len() {
                bail!("row {rows}: {} fields, the header has {}", record.len(), header.len());
            }
            for (i, field) in record.iter().enumerate() {
                let text = std::str::from_utf8(field).with_context(|| format!("row {rows}: a field is not UTF-8"))?;
                insert.raw_bind_parameter(i + 1, text)?;
            }
            insert.raw_execute()?;
        }
    }
    tx.commit()?;
    drop(conn);
    eprintln!("bare_insert: {rows} rows into {} in {:.3} s", db_path.display(), started.elapsed().as_secs_f64());
    Ok(())
}
