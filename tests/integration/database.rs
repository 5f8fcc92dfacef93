//! Which database a command uses, and the databases it refuses: a missing one for commands that only read,
//! one written by a newer pledgecheck for every command.

use crate::support::{default_firms, row, shortlists, Env, BINARY};
use assert_cmd::Command;

/// The commands that only read.
const READERS: [&[&str]; 5] = [
    &["report", "searches", "--format", "csv"],
    &["report", "firms", "--format", "json"],
    &["report", "quarters"],
    &["explain", "f", "s1"],
    &["check"],
];

#[test]
fn read_commands_refuse_a_missing_database_and_do_not_create_it() {
    let env = Env::new();
    for args in READERS {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains("pledge.db"), "{args:?}: {}", run.stderr);
        assert!(!env.db().exists(), "{args:?} created the database");
    }
}

#[test]
fn a_database_of_a_newer_pledgecheck_is_refused_and_left_unchanged() {
    let env = Env::new();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.execute_batch("CREATE TABLE future (x); INSERT INTO future VALUES (1); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(env.db()).unwrap();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    let import: &[&str] = &["import", &f, &s];
    let check: &[&str] = &["check", &f, &s];
    for args in READERS.iter().copied().chain([import, check]) {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains("newer"), "{args:?}: {}", run.stderr);
        assert_eq!(std::fs::read(env.db()).unwrap(), before, "{args:?} changed the database");
    }
    let level: i64 = env.sql().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(level, 99);
}

#[test]
fn explaining_a_search_that_is_not_there_is_an_error() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let run = env.run(&["explain", "f", "nope"]).code(2);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
}

#[test]
fn the_database_comes_from_pledgecheck_db_or_defaults_to_the_current_directory() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let bin = || {
        let mut cmd = Command::new(BINARY);
        cmd.current_dir(env.dir()).env_remove("PLEDGECHECK_DB");
        cmd
    };
    bin().env("PLEDGECHECK_DB", env.path("from-env.db")).args(["import", &f]).assert().success();
    assert!(env.path("from-env.db").exists());
    assert!(!env.path("pledgecheck.db").exists());
    bin().args(["import", &f]).assert().success();
    assert!(env.path("pledgecheck.db").exists());
}
