//! The stored totals (`verdict_total`, schema/0007_verdict_totals.sql): after every kind of change that writes
//! verdicts, they equal the counts of the stored verdicts per firm, quarter and verdict, and the reports that read
//! them give what counting the verdicts gives. (The property tests of importing check the same after every
//! arbitrary import: `audit verify` compares the totals with the verdicts.)

use crate::support::{all_samples, default_firms, exemptions, row, shortlists, Env};

/// `verdict_total`, ordered.
fn stored(env: &Env) -> Vec<(i64, String, String, i64)> {
    rows(env, "SELECT firm_id, quarter, verdict, searches FROM verdict_total ORDER BY 1, 2, 3")
}

/// The stored verdicts counted per firm, quarter and verdict.
fn counted(env: &Env) -> Vec<(i64, String, String, i64)> {
    rows(
        env,
        "SELECT search.firm_id, verdict.quarter, verdict.verdict, count(*) FROM verdict
         JOIN search ON search.id = verdict.search_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
}

fn rows(env: &Env, sql: &str) -> Vec<(i64, String, String, i64)> {
    env.sql()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The totals equal the counted verdicts, and `audit verify` agrees.
#[track_caller]
fn in_step(env: &Env, after: &str) {
    let (stored, counted) = (stored(env), counted(env));
    assert_eq!(stored, counted, "after {after}");
    assert!(!stored.is_empty() || env.count("SELECT count(*) FROM verdict") == 0, "after {after}");
    env.run(&["audit", "verify"]).ok();
}

/// The id of the latest entry of the import log.
fn latest_entry(env: &Env) -> String {
    env.count("SELECT max(id) FROM import_log").to_string()
}

#[test]
fn the_totals_follow_every_kind_of_change() {
    let env = Env::new();
    env.import(&all_samples());
    in_step(&env, "a first load");
    let firms_before = env.report_csv(&["firms"]);

    // A dry run writes nothing.
    let moved = env.write("moved.csv", shortlists(&[row().set("firm", "nordsoeg").set("search_ref", "NS-2026-003")]));
    env.run(&["import", "--dry-run", &moved]).ok();
    in_step(&env, "a dry run");
    assert_eq!(env.report_csv(&["firms"]), firms_before);

    // A re-import with changes: a search replaced as a whole (another verdict), a search moved to another quarter,
    // and a new firm with searches.
    env.load(
        &default_firms(),
        &[
            row(),
            row().set("search_ref", "s2").candidate("c2", "private"),
            row().set("search_ref", "s3").set("shortlist_on", "2026-07-01"),
        ],
        &[],
    );
    in_step(&env, "a new firm's searches");
    let changed = shortlists(&[
        row().candidate("c9", "private"),
        row().set("search_ref", "s2").set("shortlist_on", "2026-05-02").candidate("c2", "private"),
        row().set("search_ref", "s3").set("shortlist_on", ""),
    ]);
    let changed = env.write("changed.csv", changed);
    env.import(&[&changed]);
    in_step(&env, "a re-import with changes");
    let reimport = latest_entry(&env);
    env.run(&["import", "--merge", &env.write("merge.csv", shortlists(&[row().candidate("c10", "state")]))]).ok();
    in_step(&env, "a merge");

    // Changes by hand.
    env.run(&["search", "update", "f", "s2", "--shortlist-on", "2026-01-12"]).ok();
    in_step(&env, "a search moved to another quarter by hand");
    env.run(&["search", "update", "f", "s3", "--cancelled-on", "2026-06-01"]).ok();
    in_step(&env, "a cancellation");
    env.run(&["candidate", "add", "f", "s3", "c4", "--sector", "privat"]).ok();
    env.run(&["candidate", "remove", "f", "s1", "c9"]).ok();
    in_step(&env, "candidates added and removed by hand");
    env.run(&[
        "search",
        "add",
        "f",
        "s4",
        "--client",
        "Aarhus Kommune",
        "--position",
        "Direktør",
        "--level",
        "top",
        "--opened-on",
        "2026-01-10",
    ])
    .ok();
    in_step(&env, "a search added by hand");

    // Exemptions: from a file, then by hand, then removed.
    let exempt = env.write("exemptions.csv", exemptions(&[["f", "s1", "no-qualified-candidate", "declined"]]));
    env.import(&[exempt]);
    in_step(&env, "an exemption imported");
    env.run(&["exemption", "add", "f", "s2", "--reason", "client-declined"]).ok();
    env.run(&["exemption", "remove", "f", "s1"]).ok();
    in_step(&env, "exemptions added and removed by hand");

    // A firm's withdrawal judges its other searches again.
    env.run(&["firm", "update", "f", "--withdrawn-on", "2026-02-01"]).ok();
    in_step(&env, "a firm withdrawn");

    // Removing a search, and undoing imports.
    env.run(&["search", "remove", "f", "s4"]).ok();
    in_step(&env, "a search removed");
    let undone = latest_entry(&env);
    env.run(&["undo", &undone]).ok();
    in_step(&env, "the removal undone");
    let last = env.write("last.csv", shortlists(&[row().set("search_ref", "s5")]));
    env.import(&[last]);
    env.run(&["undo", &latest_entry(&env)]).ok();
    in_step(&env, "an import that added a search undone");
    env.run(&["undo", &reimport]).code(2);
    in_step(&env, "a refused undo");

    // A policy put in force, and a candidate forgotten.
    env.run(&["policy", "use", concat!(env!("CARGO_MANIFEST_DIR"), "/samples/stricter.toml")]).ok();
    in_step(&env, "another policy in force");
    env.run(&["forget", "f", "s3", "c4"]).ok();
    in_step(&env, "a candidate forgotten");

    // The reports that read the totals give what counting the verdicts gives: the SQL views count them.
    let views: Vec<(String, i64, i64)> = env
        .sql()
        .prepare("SELECT firm, searches, compliant FROM firm_totals ORDER BY firm")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let report = env.report_csv(&["firms"]);
    for (firm, searches, compliant) in views {
        let line = report.row(&[&firm]);
        assert_eq!(line[2], searches.to_string(), "{firm}");
        assert_eq!(line[3], compliant.to_string(), "{firm}");
    }
}

/// A database written before the totals existed (level 6) gets them from its verdicts when it is opened.
#[test]
fn a_database_of_level_six_gets_its_totals_from_its_verdicts() {
    let env = Env::new();
    env.import(&all_samples());
    let expected = counted(&env);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "DROP TABLE verdict_total; ALTER TABLE search DROP COLUMN content_digest;
         DELETE FROM schema_migration WHERE level > 6; PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(conn);
    let before = env.report_csv(&["firms"]);
    assert_eq!(stored(&env), expected);
    assert_eq!(env.count("PRAGMA user_version"), 8);
    assert_eq!(env.report_csv(&["firms"]), before);
    env.run(&["audit", "verify"]).ok();
}
