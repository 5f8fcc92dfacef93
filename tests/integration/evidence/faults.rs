//! Safe under faults (issue 5): two processes importing at once both succeed with nothing lost; a process killed
//! during an import leaves the database as before; `backup` makes a consistent copy while another process
//! imports; `PRAGMA integrity_check` is clean after each. Generous timeouts, no timing assertions.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::support::{csv_samples, firms, Csv, Env, BINARY, SHORTLIST_COLUMNS};

/// Long enough for a slow machine; the tests never assert how long anything took.
const PATIENCE: Duration = Duration::from_secs(300);

/// A shortlists file of `searches` searches of `firm` with `per_search` candidates each, references `prefix-N`.
fn big_file(firm: &str, prefix: &str, searches: usize, per_search: usize) -> String {
    let mut text = SHORTLIST_COLUMNS.join(",");
    text.push('\n');
    for s in 0..searches {
        for c in 0..per_search {
            let sector = if (s + c) % 3 == 0 { "private" } else { "municipality" };
            text.push_str(&format!(
                "{firm},{prefix}-{s:06},Aarhus Kommune,municipality,Direktør,top,2026-01-10,2026-03-01,,c{c},{sector},,shortlist,\n"
            ));
        }
    }
    text
}

/// Waits for a child, killing it if it outlives [`PATIENCE`]; returns its exit code and output.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for pledgecheck").is_some() {
            break;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collect the output");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).expect("open the database").query_row(sql, [], |r| r.get(0)).expect("a count")
}

/// The reports a user would compare, as bytes.
fn reports(env: &Env) -> Vec<Vec<u8>> {
    ["firms", "quarters", "searches"].iter().map(|r| env.run(&["report", r, "--format", "csv"]).ok().bytes).collect()
}

#[test]
fn two_processes_importing_at_once_both_succeed_with_nothing_lost() {
    for fresh in [false, true] {
        let env = Env::new();
        let f = env.write("firms.csv", firms(&["a,A,2021-06-01,", "b,B,2021-06-01,"]));
        if !fresh {
            env.import(&[&f]);
        }
        let a = env.write("a.csv", big_file("a", "A", 4_000, 3));
        let b = env.write("b.csv", big_file("b", "B", 3_000, 4));
        let entries = if fresh { 0 } else { count(&env.db(), "SELECT count(*) FROM import_log") };
        let first = env.spawn(&["import", &f, &a]);
        let second = env.spawn(&["import", &f, &b]);
        let (code_a, out_a) = finish(first);
        let (code_b, out_b) = finish(second);
        assert_eq!(code_a, Some(0), "fresh database: {fresh}; first import:\n{out_a}");
        assert_eq!(code_b, Some(0), "fresh database: {fresh}; second import:\n{out_b}");
        assert!(out_a.contains("4000 searches changed"), "{out_a}");
        assert!(out_b.contains("3000 searches changed"), "{out_b}");

        let db = env.db();
        assert_eq!(count(&db, "SELECT count(*) FROM search"), 7_000);
        assert_eq!(count(&db, "SELECT count(*) FROM search_version"), 7_000);
        assert_eq!(count(&db, "SELECT count(*) FROM candidate_version"), 12_000 + 12_000);
        assert_eq!(count(&db, "SELECT count(*) FROM verdict"), 7_000);
        assert_eq!(count(&db, "SELECT count(*) FROM firm_version"), 2);
        // Both imports are logged (and, on a fresh database, its creation once).
        assert_eq!(count(&db, "SELECT count(*) FROM import_log"), entries + 2 + i64::from(fresh));
        assert_eq!(integrity(&db), "ok");
        env.run(&["audit", "verify"]).ok();
        let firms = env.report_csv(&["firms"]);
        assert_eq!(firms.get(firms.row(&["a"]), "searches"), "4000");
        assert_eq!(firms.get(firms.row(&["b"]), "searches"), "3000");
    }
}

/// Starts importing a file of `searches` searches of 4 candidates and kills the import once it has been running
/// 200 ms and has written a megabyte of pages to `written_to` (the write-ahead log, or the database itself for a
/// first load, which writes its pages straight into the file); false if it finished first.
fn kill_during_import(env: &Env, searches: usize, written_to: &Path) -> bool {
    let big = env.write("big.csv", big_file("nordsoeg", "BIG", searches, 4));
    let size_before = std::fs::metadata(written_to).map_or(0, |m| m.len());
    let mut child = env.spawn(&["import", &big]);
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    loop {
        let written = std::fs::metadata(written_to).map_or(0, |m| m.len());
        if written > size_before + (1 << 20) {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(start.elapsed() < PATIENCE, "the import wrote nothing in {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill the import");
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed, not finished: {status}");
    true
}

fn journal_mode(db: &Path) -> String {
    rusqlite::Connection::open(db).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_first_load_killed_midway_leaves_the_database_as_before_and_in_wal_mode() {
    for searches in [50_000, 200_000, 800_000] {
        let env = Env::new();
        // Firms only: the next import is the database's first load of searches.
        env.import(&[crate::support::sample("firms.csv")]);
        let before = env.snapshot();
        let head = env.run(&["audit", "verify"]).ok().stdout;
        if !kill_during_import(&env, searches, &env.db()) {
            eprintln!("the load of {searches} searches finished before it could be killed; trying a bigger file");
            continue;
        }

        // The journal left behind by the killed load is rolled back by the next connection.
        assert_eq!(integrity(&env.db()), "ok");
        assert_eq!(count(&env.db(), "SELECT count(*) FROM search"), 0);
        assert_eq!(env.run(&["audit", "verify"]).ok().stdout, head, "the chain changed");
        assert_eq!(env.snapshot(), before, "a row of the killed load is in the database");

        // The next load works, and leaves the database in WAL mode for readers.
        env.import(&csv_samples());
        assert_eq!(count(&env.db(), "SELECT count(*) FROM search"), 28);
        assert_eq!(journal_mode(&env.db()), "wal");
        env.run(&["audit", "verify"]).ok();
        return;
    }
    panic!("every load finished before it could be killed");
}

#[test]
fn a_first_load_beside_an_open_connection_keeps_the_log_and_a_reader_waiting_on_it_sees_all_or_nothing() {
    let env = Env::new();
    env.import(&[crate::support::sample("firms.csv")]);
    // Another connection holds the database open: the load cannot leave WAL mode, and must not need to.
    let other = rusqlite::Connection::open(env.db()).unwrap();
    let searches: i64 = other.query_row("SELECT count(*) FROM search", [], |r| r.get(0)).unwrap();
    assert_eq!(searches, 0);
    env.import(&csv_samples());
    assert_eq!(journal_mode(&env.db()), "wal");
    drop(other);

    // Alone, a first load uses the rollback journal; a reader started meanwhile waits and sees the whole load.
    let env = Env::new();
    env.import(&[crate::support::sample("firms.csv")]);
    let big = env.write("big.csv", big_file("nordsoeg", "BIG", 20_000, 4));
    let mut loader = env.spawn(&["import", &big]);
    // The reader starts once the load is under way: its rollback journal is there (or the load has ended).
    let journal = env.path("pledge.db-journal");
    let start = Instant::now();
    while !journal.exists() && loader.try_wait().expect("wait for pledgecheck").is_none() {
        assert!(start.elapsed() < PATIENCE, "the load wrote nothing in {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let report = env.spawn(&["report", "firms", "--format", "csv"]).wait_with_output().unwrap();
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let firms = Csv::parse(&String::from_utf8(report.stdout).unwrap());
    let searches = firms.rows.iter().find(|r| r[0] == "nordsoeg").map_or("0", |r| firms.get(r, "searches"));
    assert!(searches == "0" || searches == "20000", "the reader saw {searches} searches");
    let (code, output) = finish(loader);
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(journal_mode(&env.db()), "wal");
    assert_eq!(count(&env.db(), "SELECT count(*) FROM search"), 20_000);
    assert_eq!(integrity(&env.db()), "ok");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn an_import_killed_midway_leaves_the_database_as_before() {
    // 200,000 rows; more on a machine fast enough to finish them before the kill.
    for searches in [50_000, 200_000, 800_000] {
        let env = Env::new();
        env.import(&csv_samples());
        env.run(&["search", "update", "nordsoeg", "NS-2025-041", "--level", "executive"]).ok();
        let before_reports = reports(&env);
        let before = env.snapshot();
        let head = env.run(&["audit", "verify"]).ok().stdout;
        if !kill_during_import(&env, searches, &env.db().with_extension("db-wal")) {
            eprintln!("the import of {searches} searches finished before it could be killed; trying a bigger file");
            continue;
        }

        assert_eq!(reports(&env), before_reports, "the reports changed");
        assert_eq!(integrity(&env.db()), "ok");
        assert_eq!(env.run(&["audit", "verify"]).ok().stdout, head, "the chain changed");
        assert_eq!(env.snapshot(), before, "a row of the killed import is in the database");

        // The database is fully usable afterwards.
        let small = env.write("small.csv", big_file("nordsoeg", "SMALL", 10, 2));
        env.import(&[small]);
        env.run(&["audit", "verify"]).ok();
        assert_eq!(integrity(&env.db()), "ok");
        return;
    }
    panic!("every import finished before it could be killed");
}

#[test]
fn a_backup_taken_while_another_process_imports_is_consistent() {
    let env = Env::new();
    env.import(&csv_samples());
    let big = env.write("big.csv", big_file("nordsoeg", "BIG", 25_000, 4));
    let wal = env.db().with_extension("db-wal");
    let importer = env.spawn(&["import", &big]);
    // Let the import get going, so the backup runs while it writes.
    let start = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < (1 << 20) && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(10));
    }

    let mut copies = Vec::new();
    for i in 0..3 {
        let name = format!("backup-{i}.db");
        let run = env.run(&["backup", &name]).ok();
        assert!(run.stdout.contains("chain hash"), "{}", run.stdout);
        copies.push(env.path(&name));
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, output) = finish(importer);
    assert_eq!(code, Some(0), "the import, while backups were taken:\n{output}");

    for copy in &copies {
        assert_eq!(integrity(copy), "ok", "{}", copy.display());
        let run = Command::new(BINARY)
            .env_remove("PLEDGECHECK_DB")
            .arg("--db")
            .arg(copy)
            .args(["audit", "verify"])
            .output()
            .expect("run pledgecheck");
        let said = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        assert_eq!(run.status.code(), Some(0), "{}: {said}", copy.display());
        // Either before the import or after it, never half of it.
        let searches = count(copy, "SELECT count(*) FROM search");
        assert!(searches == 28 || searches == 28 + 25_000, "{}: {searches} searches", copy.display());
        assert_eq!(count(copy, "SELECT count(*) FROM verdict"), searches);
        let reports = Env::new();
        std::fs::copy(copy, reports.db()).unwrap();
        reports.run(&["report", "firms", "--format", "csv"]).ok();
    }
    assert_eq!(integrity(&env.db()), "ok");
    env.run(&["audit", "verify"]).ok();

    // A backup of a quiet database has the same rows as the database.
    env.run(&["backup", "quiet.db"]).ok();
    let original = env.snapshot();
    let copy = Env::new();
    std::fs::copy(env.path("quiet.db"), copy.db()).unwrap();
    assert_eq!(copy.snapshot(), original);
}

#[test]
fn backup_refuses_a_missing_database_and_replaces_a_file_atomically() {
    let env = Env::new();
    let run = env.run(&["backup", "copy.db"]).code(2);
    assert!(run.stderr.contains("pledge.db"), "{}", run.stderr);
    assert!(!env.path("copy.db").exists());
    assert!(!env.db().exists());

    env.import(&csv_samples());
    env.write("copy.db", "an older file in the way");
    env.run(&["backup", "copy.db"]).ok();
    assert_eq!(integrity(&env.path("copy.db")), "ok");
    let leftovers: Vec<String> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pledgecheck-backup"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// How long a writer used to wait for another's write before giving up (the busy timeout of pledgecheck's first
/// versions). An import that holds the write lock longer than this must not make other writers fail.
const OLD_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How much longer than [`OLD_BUSY_TIMEOUT`] the writer is kept waiting, for the moments between its opening the
/// database and its asking for the write lock (longer on a busy machine).
const MARGIN: Duration = Duration::from_secs(3);

/// Whether process `pid` has `file` open: `None` where the system cannot tell (no `/proc`), else from the targets
/// of `/proc/PID/fd` (false once the process has ended).
fn has_open(pid: u32, file: &Path) -> Option<bool> {
    if !Path::new("/proc/self/fd").is_dir() {
        return None;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Some(false) };
    Some(fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).any(|target| target == file))
}

#[test]
fn a_writer_waits_for_an_import_that_takes_longer_than_thirty_seconds() {
    let env = Env::new();
    env.import(&csv_samples());
    // Another process's long import, as SQLite sees it: a write transaction held until this test ends it.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let s = env.write("s.csv", big_file("nordsoeg", "LATE", 10, 2));
    let mut writer = env.spawn(&["import", &s]);
    let started = Instant::now();

    // Hold the lock until the writer has waited on it for longer than writers used to: counted from when it has
    // the database open (from its start where the system cannot tell), so that a slow start does not shorten the
    // wait. No fixed sleep: a writer that gives up fails the test at once.
    let db = std::fs::canonicalize(env.db()).unwrap();
    let mut waiting_since: Option<Instant> = None;
    loop {
        if let Some(status) = writer.try_wait().expect("wait for pledgecheck") {
            let (_, output) = finish(writer);
            panic!(
                "the writer ended ({status}) after {:?}, while the write lock was held:\n{output}",
                started.elapsed()
            );
        }
        if waiting_since.is_none() {
            match has_open(writer.id(), &db) {
                Some(true) => waiting_since = Some(Instant::now()),
                None => waiting_since = Some(started),
                Some(false) => {
                    assert!(started.elapsed() < PATIENCE, "the writer did not open the database in {PATIENCE:?}")
                }
            }
        }
        if waiting_since.is_some_and(|since| since.elapsed() > OLD_BUSY_TIMEOUT + MARGIN) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.execute_batch("COMMIT").unwrap();

    let (code, output) = finish(writer);
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(count(&env.db(), "SELECT count(*) FROM search"), 28 + 10);
}
