//! Tampering that `audit verify` once missed (issue 12, items 1, 2, 3, 5 and 6's token), each performed with plain
//! SQL as the `sqlite3` shell would, and a database sealed before chain format 2 that still verifies.

use super::chain::{assert_tampered, history, printed_head, tamper, verify_json};
use crate::support::{csv_samples, Env, FOREVER};

/// The first current search's id and key.
fn first_search(env: &Env) -> (i64, String, String) {
    env.sql()
        .query_row(
            "SELECT s.id, f.firm, s.search_ref FROM search s JOIN firm f ON f.id = s.firm_id
             JOIN verdict ON verdict.search_id = s.id ORDER BY f.firm, s.search_ref LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

// Item 1: every stored verdict column a report reads is recomputed and compared.

/// The stored totals (`verdict_total`) are derived from the stored verdicts: a total edited, added or deleted with
/// plain SQL shows in the reports that read them and is named by `audit verify`.
#[test]
fn stored_totals_edited_with_plain_sql_are_caught() {
    for (edit, expected) in [
        (
            "UPDATE verdict_total SET searches = searches + 5 WHERE rowid = (SELECT min(rowid) FROM verdict_total)",
            "searches, but the stored verdicts give",
        ),
        ("DELETE FROM verdict_total WHERE rowid = (SELECT min(rowid) FROM verdict_total)", ": 0 searches, but"),
        (
            "INSERT INTO verdict_total SELECT firm_id, '2019-Q1', 'compliant', 3 FROM verdict_total LIMIT 1",
            "2019-Q1, compliant: 3 searches, but the stored verdicts give 0",
        ),
    ] {
        let env = history();
        let before = env.report_csv(&["firms"]);
        env.run(&["audit", "verify"]).ok();
        tamper(&env, edit);
        assert_ne!(env.report_csv(&["firms"]), before, "{edit}: the edit shows in the firms report");
        let value = assert_tampered(&env, "stored total of firm ");
        let rows = value["bad_rows"].as_array().unwrap();
        assert!(rows.iter().any(|r| r.as_str().unwrap().contains(expected)), "{edit}: {value:#}");
        assert!(rows.iter().all(|r| r.as_str().unwrap().ends_with("(edited outside pledgecheck)")), "{value:#}");
        assert_eq!(value["first_bad_entry"], serde_json::Value::Null, "{edit}: the chain itself is intact");
    }
}

/// A value of another type (found by a tester: `audit verify` stopped with SQLite's "Invalid column type").
#[test]
fn stored_values_of_another_type_are_named() {
    for edit in [
        "UPDATE verdict_total SET quarter = CAST(quarter AS BLOB) WHERE rowid = (SELECT min(rowid) FROM verdict_total)",
        "UPDATE verdict_total SET searches = searches + 0.5 WHERE rowid = (SELECT min(rowid) FROM verdict_total)",
        "UPDATE verdict SET quarter = CAST(quarter AS BLOB) WHERE search_id = (SELECT min(search_id) FROM verdict)",
    ] {
        let env = history();
        tamper(&env, edit);
        let value = assert_tampered(&env, "a value of the wrong type (edited outside pledgecheck)");
        assert_eq!(value["first_bad_entry"], serde_json::Value::Null, "{edit}: the chain itself is intact");
    }
}

#[test]
fn a_verdict_moved_to_another_quarter_is_caught() {
    let env = history();
    let (id, firm, search_ref) = first_search(&env);
    // `report searches` reads the stored verdicts (`report quarters` the stored totals, which the edit missed).
    let before = env.report_csv(&["searches"]);
    tamper(&env, &format!("UPDATE verdict SET quarter = '2019-Q1' WHERE search_id = {id}"));
    assert_ne!(env.report_csv(&["searches"]), before, "the edit shows in the searches report");
    let value = assert_tampered(&env, &format!("verdict of search {firm}/{search_ref}: quarter stored as"));
    assert!(value["bad_rows"][0].as_str().unwrap().contains("\"2019-Q1\""), "{value:#}");
}

#[test]
fn a_verdicts_policy_version_or_hash_edited_is_caught() {
    let env = history();
    let (id, _, _) = first_search(&env);
    tamper(&env, &format!("UPDATE verdict SET policy_version = 'v9' WHERE search_id = {id}"));
    assert_tampered(&env, "policy_version stored as");
    tamper(&env, &format!("UPDATE verdict SET policy_version = NULL, policy_sha256 = 'x' WHERE search_id = {id}"));
    let value = assert_tampered(&env, "policy_sha256 stored as");
    assert!(value["bad_row_count"].as_u64().unwrap() >= 2, "{value:#}");
}

// Item 2: a row's end time is the open sentinel or the time of the entry that closed it.

#[test]
fn a_current_row_hidden_by_its_end_time_is_caught() {
    let env = history();
    let (id, firm, search_ref) = first_search(&env);
    let searches = env.report_csv(&["searches"]).rows.len();
    tamper(
        &env,
        &format!("UPDATE search_version SET valid_to = '9999' WHERE search_id = {id} AND valid_to = '{FOREVER}'"),
    );
    assert_eq!(env.report_csv(&["searches"]).rows.len(), searches - 1, "the search is gone from the report");
    assert_tampered(&env, "neither the open sentinel nor the time of an entry");
    assert!(!env.report_csv(&["searches"]).rows.iter().any(|r| r[0] == firm && r[1] == search_ref));
}

#[test]
fn a_current_candidate_hidden_by_its_end_time_is_caught() {
    let env = history();
    tamper(&env, &format!("UPDATE candidate_version SET valid_to = '9999-12-31' WHERE id = (SELECT max(id) FROM candidate_version WHERE valid_to = '{FOREVER}')"));
    assert_tampered(&env, "candidate_version row");
}

#[test]
fn a_current_row_closed_at_an_entrys_time_is_caught_at_that_entry() {
    let env = history();
    tamper(
        &env,
        &format!(
            "UPDATE search_version SET valid_to = (SELECT max(at) FROM import_log)
             WHERE id = (SELECT min(id) FROM search_version WHERE valid_to = '{FOREVER}')"
        ),
    );
    assert_tampered(&env, "no longer match its hash");
}

#[test]
fn a_closed_row_reopened_is_caught() {
    let env = history();
    assert!(env.count("SELECT count(*) FROM candidate_version WHERE valid_to < '9999'") > 0);
    tamper(
        &env,
        &format!(
            "UPDATE candidate_version SET valid_to = '{FOREVER}'
             WHERE id = (SELECT min(id) FROM candidate_version WHERE valid_to < '9999')"
        ),
    );
    assert_tampered(&env, "no longer match its hash");
}

// Item 3: schema objects pledgecheck did not create.

#[test]
fn a_planted_trigger_is_refused_by_audit_verify_and_every_writing_command() {
    let env = history();
    tamper(
        &env,
        "CREATE TRIGGER launder AFTER INSERT ON import_file BEGIN
             UPDATE import_file SET name = 'innocent.csv', sha256 = 'x' WHERE rowid = new.rowid;
             UPDATE import_log SET actor = 'someone-else' WHERE id = new.import_id;
         END;
         UPDATE firm SET firm = firm WHERE id = 1",
    );
    let run = env.run(&["audit", "verify"]).code(2);
    assert!(run.stderr.contains("trigger \"launder\" was not created by pledgecheck"), "{}", run.stderr);
    let entries = env.count("SELECT count(*) FROM import_log");
    let mut args: Vec<std::ffi::OsString> = vec!["import".into()];
    args.extend(csv_samples().into_iter().map(Into::into));
    let run = env.run(&args).code(2);
    assert!(run.stderr.contains("launder"), "{}", run.stderr);
    for args in [
        &["firm", "add", "g", "--name", "G"][..],
        &["forget", "f", "s1", "c1"],
        &["search", "remove", "f", "s2"],
        &["policy", "use", concat!(env!("CARGO_MANIFEST_DIR"), "/samples/stricter.toml")],
    ] {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains("launder"), "{args:?}: {}", run.stderr);
    }
    assert_eq!(env.count("SELECT count(*) FROM import_log"), entries, "nothing was written");
    assert_eq!(env.count("SELECT count(*) FROM import_log WHERE actor = 'someone-else'"), 0);
}

#[test]
fn one_of_pledgechecks_views_redefined_is_refused() {
    let env = history();
    tamper(
        &env,
        "DROP VIEW firm_totals;
         CREATE VIEW firm_totals AS SELECT firm, 1.0 AS compliance_rate FROM firm;
         UPDATE firm SET firm = firm WHERE id = 1",
    );
    let run = env.run(&["audit", "verify"]).code(2);
    assert!(run.stderr.contains("view \"firm_totals\" was altered"), "{}", run.stderr);
    env.run(&["firm", "add", "g", "--name", "G"]).code(2);
}

#[test]
fn an_index_of_pledgechecks_dropped_is_refused() {
    let env = history();
    tamper(&env, "DROP INDEX search_version_closed; UPDATE firm SET firm = firm WHERE id = 1");
    let run = env.run(&["audit", "verify"]).code(2);
    assert!(
        run.stderr.contains("index \"search_version_closed\" of pledgecheck's schema was dropped"),
        "{}",
        run.stderr
    );
}

#[test]
fn users_own_views_indexes_and_analyze_are_reported_not_refused() {
    let env = history();
    tamper(
        &env,
        "CREATE VIEW my_failing AS SELECT * FROM search_verdicts WHERE verdict = 'non-compliant';
         CREATE INDEX my_index ON verdict (quarter);
         ANALYZE;
         UPDATE firm SET firm = firm WHERE id = 1",
    );
    let run = env.run(&["audit", "verify"]).ok();
    for name in ["view \"my_failing\"", "index \"my_index\"", "table \"sqlite_stat1\""] {
        assert!(run.stdout.contains(&format!("note: {name} (not created by pledgecheck)")), "{name}: {}", run.stdout);
    }
    let value = verify_json(&env, 0, &[]);
    let foreign = value["foreign_objects"].as_array().unwrap();
    assert!(foreign.len() >= 3 && foreign.iter().all(|o| !o.as_str().unwrap().contains("trigger")), "{value:#}");
    env.run(&["firm", "add", "g", "--name", "G"]).ok();
}

// Item 5: `--expect` with a prefix of the hash.

#[test]
fn expect_accepts_a_prefix_of_eight_digits_and_refuses_malformed_input() {
    let env = history();
    let head = printed_head(&env.run(&["audit", "verify"]).ok());
    for prefix in [&head[..8], &head[..20], &head.to_uppercase()[..12]] {
        let run = env.run(&["audit", "verify", "--expect", prefix]).ok();
        assert!(run.stdout.contains(" is entry "), "{prefix}: {}", run.stdout);
    }
    // The README's old elided form, too few digits, not hex: usage errors, not tamper findings.
    for bad in ["3f9a…c2", &head[..7], "zzzzzzzzzz", "", &format!("{head}0")] {
        let run = env.run(&["audit", "verify", "--expect", bad]).code(2);
        assert!(run.stderr.contains("not a chain hash or a prefix"), "{bad}: {}", run.stderr);
    }
    // A well-formed prefix of no entry stays a finding.
    let other = if head.starts_with('0') { "11111111" } else { "00000000" };
    let run = env.run(&["audit", "verify", "--expect", other]).code(1);
    assert!(run.stdout.contains("EXPECTED HASH NOT FOUND"), "{}", run.stdout);
}

#[test]
fn expect_with_a_prefix_of_several_entries_is_a_usage_error() {
    let env = history();
    tamper(&env, "UPDATE import_log SET hash = 'abcdef01' || substr(hash, 9) WHERE id IN (2, 3)");
    let run = env.run(&["audit", "verify", "--expect", "abcdef01"]).code(2);
    assert!(run.stderr.contains("several"), "{}", run.stderr);
}

// Item 6 (its token): the redaction token is covered.

#[test]
fn a_redaction_token_edited_into_a_name_is_caught() {
    let env = history();
    env.run(&["forget", "f", "s2", "c2"]).ok();
    env.run(&["audit", "verify"]).ok();
    tamper(&env, "UPDATE candidate_version SET candidate_ref = 'Jens Hansen' WHERE candidate_ref LIKE 'redacted-%'");
    assert_tampered(&env, "no longer the redaction token");
    // Editing the recorded token along with the reference breaks the entry of the redaction instead.
    tamper(&env, "UPDATE redaction SET token = 'Jens Hansen'");
    assert_tampered(&env, "no longer match its hash");
}

// Chain-format levels: a database sealed before this change still verifies, and grows under the new format.

#[test]
fn a_database_sealed_before_chain_format_2_still_verifies() {
    let env = Env::new();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(include_str!("fixtures/level2.sql")).unwrap();
    drop(conn);
    let value = verify_json(&env, 0, &[]);
    assert_eq!(value["intact"], true, "{value:#}");
    assert_eq!(env.count("SELECT count(*) FROM import_log WHERE chain_format = 1"), 4);
    env.run(&["candidate", "update", "nordsoeg", "NS-2025-041", "c1", "--stage", "interview"]).ok();
    env.run(&["forget", "nordsoeg", "NS-2025-041", "c1"]).ok();
    assert_eq!(env.count("SELECT count(*) FROM import_log WHERE chain_format = 2"), 2);
    let value = verify_json(&env, 0, &[]);
    assert_eq!(value["intact"], true, "{value:#}");
    // The latest entry passed off as format 1, after one of format 2: formats never go down.
    tamper(&env, "UPDATE import_log SET chain_format = 1 WHERE id = (SELECT max(id) FROM import_log)");
    assert_tampered(&env, "chain format 1 is not one");
    // Every entry passed off as format 1 (to escape what format 2 covers): no longer matches its hash.
    tamper(&env, "UPDATE import_log SET chain_format = 1 WHERE chain_format = 2");
    assert_tampered(&env, "no longer match its hash");
}

#[test]
fn a_schema_level_or_migration_record_edited_is_named_as_tampering() {
    for edit in [
        "PRAGMA user_version = 3",
        "DELETE FROM schema_migration WHERE level = (SELECT max(level) FROM schema_migration)",
    ] {
        let env = history();
        rusqlite::Connection::open(env.db()).unwrap().execute_batch(edit).unwrap();
        let run = env.run(&["audit", "verify"]).code(2);
        assert!(
            run.stderr.contains("changed outside pledgecheck") && run.stderr.contains("schema level"),
            "{edit}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("SQL logic error"), "{edit}: {}", run.stderr);
        env.run(&["report", "firms"]).code(2);
    }
}
