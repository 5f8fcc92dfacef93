//! Tamper evidence (issue 5): `audit verify` recomputes the hash chain over the import log and every stored row.
//! It exits 0 on an untouched database and 1 after plain-SQL edits behind pledgecheck's back, naming the row or
//! the first entry altered, inserted or removed; either way it prints the latest chain hash, which
//! `--expect HASH` checks later.

use crate::support::{csv_samples, default_firms, row, shortlists, Env, Run};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A database with the CSV samples, a second import and changes by hand, so the chain has several entries.
pub(super) fn history() -> Env {
    let env = Env::new();
    env.import(&csv_samples());
    env.run(&["--by", "rita", "firm", "add", "f", "--name", "F", "--pledged-on", "2021-06-01"]).ok();
    let s = env.write("s.csv", shortlists(&[row(), row().set("search_ref", "s2").candidate("c2", "private")]));
    env.import(&[s]);
    env.run(&["exemption", "add", "f", "s1", "--reason", "no-qualified-candidate", "--note", "declined"]).ok();
    env.run(&["candidate", "update", "f", "s2", "c2", "--stage", "hired"]).ok();
    env
}

/// Runs a plain SQL edit on the database, behind pledgecheck's back; its last statement must change a row.
pub(super) fn tamper(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.db()).expect("open the database for writing");
    conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert!(conn.changes() > 0, "the edit changed nothing: {sql}");
}

/// `audit verify --format json`, decoded, with the exit code checked.
#[track_caller]
pub(super) fn verify_json(env: &Env, code: i32, extra: &[&str]) -> Value {
    let mut args = vec!["audit", "verify", "--format", "json"];
    args.extend_from_slice(extra);
    let value = env.run(&args).code(code).json();
    assert_eq!(value["schema_version"], 1);
    value
}

/// The hash printed on the line `latest chain hash: HASH`.
#[track_caller]
pub(super) fn printed_head(run: &Run) -> String {
    let head = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("latest chain hash: "))
        .unwrap_or_else(|| panic!("no chain hash in:\n{}", run.stdout))
        .to_string();
    assert_eq!(head.len(), 64, "{head}");
    assert!(head.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{head}");
    head
}

/// Asserts that `audit verify` exits 1, names `named` in words and in JSON, and still prints the head.
#[track_caller]
pub(super) fn assert_tampered(env: &Env, named: &str) -> Value {
    let run = env.run(&["audit", "verify"]).code(1);
    assert!(
        run.stdout.lines().any(|l| l.starts_with("TAMPERED: ") && l.contains(named)),
        "expected a TAMPERED line naming {named:?}:\n{}",
        run.stdout
    );
    let head = printed_head(&run);
    let value = verify_json(env, 1, &[]);
    assert_eq!(value["intact"], false);
    assert_eq!(value["head"], head);
    let mut found: Vec<String> = value["bad_rows"].as_array().unwrap().iter().map(|v| v.to_string()).collect();
    found.push(value["first_bad_entry"].to_string());
    assert!(found.iter().any(|f| f.contains(named)), "JSON does not name {named:?}: {value:#}");
    value
}

#[test]
fn an_untouched_database_verifies_and_prints_the_chain_hash() {
    let env = history();
    let run = env.run(&["audit", "verify"]).ok();
    let head = printed_head(&run);
    assert!(!run.stdout.contains("TAMPERED"), "{}", run.stdout);
    let entries = env.count("SELECT count(*) FROM import_log");
    assert!(run.stdout.contains(&format!("{entries} entries")), "{}", run.stdout);

    let value = verify_json(&env, 0, &[]);
    assert_eq!(value["intact"], true);
    assert_eq!(value["head"], head);
    assert_eq!(value["entries"], entries);
    assert_eq!(value["first_bad_entry"], Value::Null);
    assert_eq!(value["bad_rows"], serde_json::json!([]));
    assert_eq!(value["bad_row_count"], 0);

    // The head is the latest entry's hash, and each entry links to the one before it.
    let chain: Vec<(String, String)> = env
        .sql()
        .prepare("SELECT prev_hash, hash FROM import_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chain.last().unwrap().1, head);
    assert_eq!(chain[0].0, "0".repeat(64));
    assert!(chain.windows(2).all(|w| w[1].0 == w[0].1));

    // Reading changes nothing: the same hash again; a new entry moves it.
    assert_eq!(printed_head(&env.run(&["audit", "verify"]).ok()), head);
    env.run(&["report", "firms", "--format", "csv"]).ok();
    assert_eq!(printed_head(&env.run(&["audit", "verify"]).ok()), head);
    env.run(&["firm", "update", "f", "--name", "F2"]).ok();
    assert_ne!(printed_head(&env.run(&["audit", "verify"]).ok()), head);
}

#[test]
fn a_stored_row_edited_with_plain_sql_is_named() {
    let edits = [
        ("firm_version", "UPDATE firm_version SET name = 'Someone Else' WHERE id = {id}"),
        ("search_version", "UPDATE search_version SET client = 'Odense Kommune' WHERE id = {id}"),
        ("search_version", "UPDATE search_version SET shortlist_on = '2026-02-28' WHERE id = {id}"),
        ("candidate_version", "UPDATE candidate_version SET sector = 'state' WHERE id = {id}"),
        ("candidate_version", "UPDATE candidate_version SET stage = 'longlist' WHERE id = {id}"),
        ("exemption_version", "UPDATE exemption_version SET reason = 'client-declined', note = '' WHERE id = {id}"),
        ("search_version", "UPDATE search_version SET valid_from = '2020-01-01T00:00:00.000000Z' WHERE id = {id}"),
    ];
    for (table, edit) in edits {
        let env = history();
        let id = env.count(&format!("SELECT max(id) FROM {table}"));
        tamper(&env, &edit.replace("{id}", &id.to_string()));
        let value = assert_tampered(&env, &format!("{table} row {id}"));
        assert!(value["bad_row_count"].as_u64().unwrap() >= 1, "{edit}");
    }
}

/// `row_hash` as src/store/chain.rs computes it: SHA-256 over the table name, each field length-prefixed (NULL as
/// u32::MAX) and the entry id; the first 16 bytes. A forger who knows the algorithm can rewrite it too.
fn forged_row_hash(table: &str, fields: &[Option<&str>], import_id: i64) -> Vec<u8> {
    let mut h = Sha256::new();
    let mut feed = |field: Option<&str>| match field {
        Some(text) => {
            h.update((text.len() as u32).to_le_bytes());
            h.update(text.as_bytes());
        }
        None => h.update(u32::MAX.to_le_bytes()),
    };
    feed(Some(table));
    for field in fields {
        feed(*field);
    }
    feed(Some(&import_id.to_string()));
    h.finalize()[..16].to_vec()
}

#[test]
fn a_row_edited_together_with_its_row_hash_is_caught_at_its_entry() {
    let env = history();
    // Search f/s1 as last written, with its entry.
    let (id, import_id, valid_from): (i64, i64, String) = env
        .sql()
        .query_row(
            "SELECT v.id, v.import_id, v.valid_from FROM search_version v JOIN search s ON s.id = v.search_id
             WHERE s.search_ref = 's1' AND s.firm_id = (SELECT id FROM firm WHERE firm = 'f')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let fields = [
        Some("f"),
        Some("s1"),
        Some("Aarhus Kommune"),
        Some("municipality"),
        Some("Direktør"),
        Some("top"),
        Some("2026-01-10"),
        Some("2026-03-01"),
        None,
        Some(valid_from.as_str()),
        // The registry entry beside the client (0003_clients.sql).
        Some("kommune-751"),
        Some("municipality"),
        Some("file"),
    ];
    // The algorithm is right: it gives the stored hash for the stored content.
    let stored: Vec<u8> =
        env.sql().query_row("SELECT row_hash FROM search_version WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(forged_row_hash("search_version", &fields, import_id), stored, "the test's copy of row_hash");

    let mut forged = fields;
    forged[3] = Some("state");
    let hash = forged_row_hash("search_version", &forged, import_id);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE search_version SET client_sector = 'state', row_hash = ?1 WHERE id = ?2", (hash, id)).unwrap();
    drop(conn);

    let value = assert_tampered(&env, &format!("entry {import_id} "));
    assert!(value["first_bad_entry"].as_str().unwrap().contains("altered"), "{value:#}");
    // The row itself looks consistent; only the search's stored verdict (now unlike its rows) may be named.
    let rows = value["bad_rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| !r.as_str().unwrap().contains("search_version row")), "{value:#}");
}

#[test]
fn an_import_log_entry_edited_with_plain_sql_is_named() {
    for edit in [
        "UPDATE import_log SET actor = 'mallory' WHERE id = {id}",
        "UPDATE import_log SET command = 'pledgecheck import innocent.csv' WHERE id = {id}",
        "UPDATE import_log SET at = '2020-01-01T00:00:00.000000Z' WHERE id = {id}",
        "UPDATE import_file SET sha256 = '0000000000000000000000000000000000000000000000000000000000000000' WHERE import_id = {id}",
        "UPDATE import_file SET name = 'other.csv' WHERE import_id = {id}",
    ] {
        let env = history();
        // The second import, which wrote rows and has a file.
        let id = env.count("SELECT max(import_id) FROM import_file WHERE name = 's.csv'");
        tamper(&env, &edit.replace("{id}", &id.to_string()));
        let value = assert_tampered(&env, &format!("entry {id} "));
        assert!(value["first_bad_entry"].as_str().unwrap().starts_with(&format!("entry {id} ")), "{edit}: {value:#}");
    }
}

#[test]
fn a_deleted_import_log_entry_is_named_by_the_next_entry() {
    let env = history();
    let entries = env.count("SELECT count(*) FROM import_log");
    let id = env.count("SELECT id FROM import_log WHERE actor = 'rita'");
    assert!(id < entries);
    tamper(
        &env,
        &format!(
            "PRAGMA foreign_keys = OFF; DELETE FROM import_file WHERE import_id = {id}; DELETE FROM import_log WHERE id = {id};"
        ),
    );
    let next = env.count(&format!("SELECT min(id) FROM import_log WHERE id > {id}"));
    let value = assert_tampered(&env, &format!("entry {next} "));
    let first = value["first_bad_entry"].as_str().unwrap();
    assert!(first.starts_with(&format!("entry {next} ")), "{first}");
    assert!(first.contains("removed or inserted"), "{first}");
}

#[test]
fn the_last_entry_deleted_with_its_rows_is_caught_with_expect() {
    let env = history();
    let head = printed_head(&env.run(&["audit", "verify"]).ok());
    let id = env.count("SELECT max(id) FROM import_log");
    // The cleanest possible removal: the entry, its files and every row it wrote, and reopen what it closed.
    let at: String = env.sql().query_row("SELECT at FROM import_log WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    let mut sql = String::from("PRAGMA foreign_keys = OFF;");
    for table in ["firm_version", "search_version", "candidate_version", "exemption_version"] {
        sql.push_str(&format!("DELETE FROM {table} WHERE import_id = {id};"));
        sql.push_str(&format!("UPDATE {table} SET valid_to = '{}' WHERE valid_to = '{at}';", crate::support::FOREVER));
    }
    sql.push_str(&format!("DELETE FROM import_file WHERE import_id = {id}; DELETE FROM import_log WHERE id = {id};"));
    tamper(&env, &sql);
    // The chain that is left is consistent; only the hash noted earlier tells.
    env.run(&["audit", "verify"]).ok();
    let run = env.run(&["audit", "verify", "--expect", &head]).code(1);
    assert!(run.stdout.contains("NOT FOUND"), "{}", run.stdout);
    let value = verify_json(&env, 1, &["--expect", &head]);
    assert_eq!(value["expected"]["found"], false);
    assert_eq!(value["intact"], false);
}

#[test]
fn a_candidate_reference_edited_with_plain_sql_is_named() {
    let env = history();
    let id = env.count("SELECT max(id) FROM candidate_version WHERE candidate_ref = 'c2'");
    tamper(&env, &format!("UPDATE candidate_version SET candidate_ref = 'c7' WHERE id = {id}"));
    assert_tampered(&env, &format!("candidate_version row {id}"));

    // Dropping the salt (as `forget` does) without a recorded redaction is caught too.
    let env = history();
    let id = env.count("SELECT min(id) FROM candidate_version");
    tamper(
        &env,
        &format!("UPDATE candidate_version SET candidate_ref = 'redacted-x', ref_salt = NULL WHERE id = {id}"),
    );
    assert_tampered(&env, &format!("candidate_version row {id}"));
}

#[test]
fn an_inserted_or_deleted_row_is_caught() {
    // A row inserted without an entry of its own, claiming the entry of the last import.
    let env = history();
    let (import_id, id) =
        (env.count("SELECT max(import_id) FROM candidate_version"), env.count("SELECT max(id) FROM candidate_version"));
    tamper(
        &env,
        &format!(
            "INSERT INTO candidate_version (search_id, candidate_ref, ref_digest, ref_salt, sector, experience, stage,
               added_on, valid_from, valid_to, import_id, row_hash)
             SELECT search_id, 'ghost', ref_digest, ref_salt, 'state', '', 'shortlist', NULL, valid_from, valid_to,
               import_id, row_hash FROM candidate_version WHERE id = {id}"
        ),
    );
    let value = assert_tampered(&env, &format!("candidate_version row {}", id + 1));
    assert!(value["first_bad_entry"].as_str().unwrap_or("").contains(&format!("entry {import_id} ")), "{value:#}");

    // A row deleted: the entry that wrote it no longer matches.
    let env = history();
    let (id, import_id) = (
        env.count("SELECT max(id) FROM exemption_version"),
        env.count("SELECT import_id FROM exemption_version ORDER BY id DESC LIMIT 1"),
    );
    tamper(&env, &format!("DELETE FROM exemption_version WHERE id = {id}"));
    assert_tampered(&env, &format!("entry {import_id} "));

    // An entry appended by hand, with a made-up hash.
    let env = history();
    let head = printed_head(&env.run(&["audit", "verify"]).ok());
    let id = env.count("SELECT max(id) FROM import_log") + 1;
    tamper(
        &env,
        &format!(
            "INSERT INTO import_log (id, at, actor, command, summary, prev_hash, hash)
             VALUES ({id}, '2099-01-01T00:00:00.000000Z', 'mallory', 'pledgecheck import x.csv', '', '{head}', '{}')",
            "ab".repeat(32)
        ),
    );
    assert_tampered(&env, &format!("entry {id} "));
}

#[test]
fn a_stored_policy_edited_with_plain_sql_is_named() {
    let env = history();
    env.run(&["policy", "use", crate::support::sample("stricter.toml").to_str().unwrap()]).ok();
    let id = env.count("SELECT max(id) FROM policy");
    tamper(&env, &format!("UPDATE policy SET text = replace(text, '2', '3') WHERE id = {id}"));
    assert_tampered(&env, &format!("policy row {id}"));
}

#[test]
fn a_hash_noted_earlier_is_found_after_more_changes_and_a_made_up_one_is_not() {
    let env = Env::new();
    let f = env.write("firms.csv", default_firms());
    env.import(&[f]);
    let noted = printed_head(&env.run(&["audit", "verify"]).ok());
    let noted_entry = env.count("SELECT max(id) FROM import_log");

    // More imports and changes by hand.
    env.import(&csv_samples());
    let s = env.write("s.csv", shortlists(&[row()]));
    env.import(&[s]);
    env.run(&["search", "update", "f", "s1", "--level", "executive"]).ok();
    env.run(&["policy", "use", crate::support::sample("stricter.toml").to_str().unwrap()]).ok();

    let run = env.run(&["audit", "verify", "--expect", &noted]).ok();
    assert!(run.stdout.contains(&format!("expected hash {noted} is entry {noted_entry}")), "{}", run.stdout);
    let head = printed_head(&run);
    assert_ne!(head, noted);
    let value = verify_json(&env, 0, &["--expect", &noted]);
    assert_eq!(value["intact"], true);
    assert_eq!(value["expected"]["hash"], noted);
    assert_eq!(value["expected"]["found"], true);
    assert_eq!(value["expected"]["entry"], noted_entry);
    // Upper case is the same hash.
    env.run(&["audit", "verify", "--expect", &noted.to_uppercase()]).ok();
    // The current head is found too.
    env.run(&["audit", "verify", "--expect", &head]).ok();

    let made_up = format!("{}{}", &noted[..60], if &noted[60..] == "0000" { "1111" } else { "0000" });
    let run = env.run(&["audit", "verify", "--expect", &made_up]).code(1);
    assert!(run.stdout.contains(&format!("EXPECTED HASH NOT FOUND: {made_up}")), "{}", run.stdout);
    assert_eq!(printed_head(&run), head);
    let value = verify_json(&env, 1, &["--expect", &made_up]);
    assert_eq!(value["intact"], false);
    assert_eq!(value["expected"]["found"], false);
    assert_eq!(value["expected"]["entry"], Value::Null);
    assert_eq!(value["first_bad_entry"], Value::Null, "the chain itself is intact");
}

#[test]
fn audit_verify_refuses_a_missing_database() {
    let env = Env::new();
    let run = env.run(&["audit", "verify"]).code(2);
    assert!(run.stderr.contains("pledge.db"), "{}", run.stderr);
    assert!(!env.db().exists());
}

#[test]
fn a_stored_verdict_edited_with_plain_sql_is_caught() {
    let env = history();
    // `report searches` reads each stored verdict (`report firms` reads the stored totals, which the edit missed).
    let before = env.report_csv(&["searches"]);
    tamper(&env, "UPDATE verdict SET verdict = 'compliant' WHERE verdict IN ('non-compliant', 'incomplete')");
    assert_ne!(env.report_csv(&["searches"]), before, "the edit shows in the reports");
    let value = verify_json(&env, 1, &[]);
    let rows = value["bad_rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r.as_str().unwrap().starts_with("verdict of search ")), "{value:#}");
    assert!(rows.iter().any(|r| r.as_str().unwrap().starts_with("stored total of firm ")), "{value:#}");
}

#[test]
fn entries_sealed_from_the_rows_as_written_or_read_back_verify_alike() {
    let env = Env::new();
    // A first load of many rows: sealed from the rows as they were written.
    env.import(&csv_samples());
    env.run(&["audit", "verify"]).ok();
    // Rows of search s1 standing apart: the second run takes back the first and writes the search again, so the
    // entry is sealed by reading its rows back.
    let apart = shortlists(&[
        row(),
        row().set("search_ref", "s2").candidate("c2", "private"),
        row().candidate("apart-3", "private"),
    ]);
    env.run(&["firm", "add", "f", "--name", "F", "--pledged-on", "2021-06-01"]).ok();
    env.import(&[env.write("apart.csv", apart)]);
    assert_eq!(env.count("SELECT count(*) FROM candidate_version WHERE candidate_ref = 'apart-3'"), 1);
    env.run(&["audit", "verify"]).ok();
    // A later import that changes, adds and closes rows: sealed from the rows as written.
    let changed = shortlists(&[row().candidate("later-4", "state"), row().set("search_ref", "s3")]);
    env.import(&[env.write("changed.csv", changed)]);
    let value = verify_json(&env, 0, &[]);
    assert_eq!(value["intact"], true);
    // And the chain still names a row edited afterwards.
    tamper(&env, "UPDATE candidate_version SET stage = 'hired' WHERE candidate_ref = 'later-4'");
    assert_tampered(&env, "candidate_version");
}
