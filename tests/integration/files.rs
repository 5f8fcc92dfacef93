//! Files and databases (issue 12, items 11-15): output over the database, another application's database, a
//! database created by a refused import or `:memory:`, evidence on read-only storage, and output files' modes.

use crate::support::{csv_samples, sample, Env, BINARY};

// Item 11: an output path that is the database.

#[test]
fn output_over_the_database_or_its_companions_is_refused() {
    let env = Env::with_samples();
    let db = env.db();
    let before = std::fs::read(&db).unwrap();
    let wal = format!("{}-wal", db.display());
    let shm = format!("{}-shm", db.display());
    let dotted = env.dir().join(".").join(db.file_name().unwrap());
    for path in [db.to_str().unwrap(), &wal, &shm, dotted.to_str().unwrap()] {
        let run = env.run(&["report", "firms", "--output", path]).code(2);
        assert!(run.stderr.contains("would replace the evidence"), "{path}: {}", run.stderr);
        env.run(&["backup", path]).code(2);
        env.run(&["quarterly", "2026-Q1", "--output", path]).code(2);
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database is as it was");
    env.run(&["audit", "verify"]).ok();
}

// Item 12: another application's SQLite file.

#[test]
fn another_applications_database_is_refused_and_left_alone() {
    let env = Env::new();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 2.5);",
    )
    .unwrap();
    drop(conn);
    let before = std::fs::read(env.db()).unwrap();
    let mut args: Vec<std::ffi::OsString> = vec!["import".into()];
    args.extend(csv_samples().into_iter().map(Into::into));
    let run = env.run(&args).code(2);
    assert!(
        run.stderr.contains("not a pledgecheck database") && run.stderr.contains("table invoices"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("CREATE"), "no SQL reaches the user: {}", run.stderr);
    env.run(&["audit", "verify"]).code(2);
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

// Item 13: a database is created only when something is written.

#[test]
fn a_refused_import_into_a_new_path_leaves_no_database() {
    let env = Env::new();
    let bad = env.write("bad.csv", "firm,name,pledged_on\nf,F,31-02-2026\n");
    let run = env.run(&["import", &bad]).code(2);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = format!("{}{suffix}", env.db().display());
        assert!(!std::path::Path::new(&path).exists(), "{path} was left behind");
    }
    env.run(&["firm", "add", "bad\u{1b}", "--name", "X"]).code(2);
    assert!(!env.db().exists());
    // A good import creates it.
    env.import(&csv_samples());
    assert!(env.db().exists());
}

#[test]
fn an_in_memory_database_is_refused() {
    let env = Env::new();
    let out = std::process::Command::new(BINARY)
        .current_dir(env.dir())
        .args(["--db", ":memory:", "import"])
        .args(csv_samples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":memory: is not a database file"));
    assert!(std::fs::read_dir(env.dir()).unwrap().next().is_none(), "no file was created");
}

// Item 14: evidence on read-only storage.

#[cfg(unix)]
#[test]
fn a_database_on_read_only_storage_is_read_and_verified() {
    read_only_storage(false);
}

#[cfg(unix)]
#[test]
fn an_older_database_on_read_only_storage_is_read_without_being_migrated() {
    read_only_storage(true);
}

#[cfg(unix)]
fn read_only_storage(older: bool) {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let store = env.dir().join("store");
    std::fs::create_dir(&store).unwrap();
    let db = store.join("evidence.db");
    let pc = |args: &[&str]| {
        let out = std::process::Command::new(BINARY)
            .current_dir(&store)
            .args(["--db", "evidence.db"])
            .args(args)
            .args(if args[0] == "import" { csv_samples() } else { Vec::new() })
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    pc(&["import"]);
    let expected = pc(&["report", "firms"]);
    if older {
        // As written before stored totals and content digests (level 6): read there without being migrated.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE verdict_total; ALTER TABLE search DROP COLUMN content_digest;
             DELETE FROM schema_migration WHERE level > 6; PRAGMA user_version = 6; PRAGMA journal_mode = DELETE;",
        )
        .unwrap();
    }
    std::fs::set_permissions(env.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes anyway: run as nobody then (setpriv), so that the storage is read-only for the process.
    let as_reader = |args: &[&str]| -> std::process::Output {
        let root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let mut cmd = if root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BINARY]);
            c
        } else {
            std::process::Command::new(BINARY)
        };
        cmd.current_dir(&store).env_remove("PLEDGECHECK_DB").arg("--db").arg("evidence.db").args(args);
        cmd.output().unwrap()
    };
    let verify = as_reader(&["audit", "verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("chain intact"));
    let report = as_reader(&["report", "firms"]);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    assert_eq!(String::from_utf8_lossy(&report.stdout), expected);
    // Verdicts under another policy are put in order in a temporary table, which read-only storage allows.
    let stricter = sample("stricter.toml");
    let stricter = stricter.to_str().unwrap();
    for args in
        [vec!["report", "searches", "--policy", stricter], vec!["whatif", "--policy", stricter, "--format", "csv"]]
    {
        let read = as_reader(&args);
        assert!(read.status.success(), "{args:?}: {}", String::from_utf8_lossy(&read.stderr));
        assert!(read.stdout.len() > 100, "{args:?}");
    }
    let write = as_reader(&["firm", "add", "g", "--name", "G"]);
    assert_eq!(write.status.code(), Some(2));
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(std::fs::read_dir(&store).unwrap().count(), 1, "nothing was written beside the database");
    let level: i64 =
        rusqlite::Connection::open(&db).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(level, if older { 6 } else { 8 }, "not migrated");
}

// Item 15: output files respect the umask.

#[cfg(unix)]
#[test]
fn output_files_and_backups_respect_the_umask_and_keys_stay_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::with_samples();
    let mode = |name: &str| std::fs::metadata(env.path(name)).unwrap().permissions().mode() & 0o777;
    let with_umask = |umask: &str, args: &str| {
        let status = std::process::Command::new("sh")
            .current_dir(env.dir())
            .env_remove("PLEDGECHECK_DB")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" --db pledge.db {args}"))
            .arg(BINARY)
            .status()
            .unwrap();
        assert!(status.success(), "{args}");
    };
    with_umask("022", "report firms --output r.csv");
    assert_eq!(mode("r.csv"), 0o644);
    with_umask("022", "backup b.db");
    assert_eq!(mode("b.db"), 0o644);
    // An existing 0644 report stays 0644 when replaced.
    with_umask("022", "report firms --output r.csv");
    assert_eq!(mode("r.csv"), 0o644);
    with_umask("077", "report firms --output private.csv");
    assert_eq!(mode("private.csv"), 0o600);
    with_umask("000", "key new --output keys");
    assert_eq!(mode("keys/pledgecheck.key"), 0o600);
}
