//! Signed chain heads (issue 12, item 4): `key new`, `--key` / `PLEDGECHECK_KEY`, `audit verify --public-key`, and
//! the resealing that an unkeyed chain cannot detect and a key does.

use super::chain::{tamper, verify_json};
use crate::support::{csv_samples, row, shortlists, Env};

/// A database whose every entry is signed with the key in `keys/`.
fn signed() -> Env {
    let env = Env::new();
    env.run(&["key", "new", "--output", "keys"]).ok();
    let mut args: Vec<std::ffi::OsString> = vec!["--key".into(), "keys/pledgecheck.key".into(), "import".into()];
    args.extend(csv_samples().into_iter().map(Into::into));
    env.run(&args).ok();
    env
}

#[test]
fn key_new_writes_a_private_secret_key_and_a_public_key_and_never_replaces_them() {
    let env = Env::new();
    let run = env.run(&["key", "new", "--output", "keys"]).ok();
    assert!(run.stdout.contains("pledgecheck.pub"), "{}", run.stdout);
    let secret = env.path("keys/pledgecheck.key");
    assert_eq!(std::fs::read_to_string(&secret).unwrap().trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = std::fs::read(&secret).unwrap();
    env.run(&["key", "new", "--output", "keys"]).code(2);
    assert_eq!(std::fs::read(&secret).unwrap(), before);
}

#[test]
fn every_entry_written_with_the_key_is_signed_and_verifies() {
    let env = signed();
    assert_eq!(env.count("SELECT count(*) FROM import_log WHERE signature IS NULL"), 0);
    let value = verify_json(&env, 0, &["--public-key", "keys/pledgecheck.pub"]);
    assert_eq!(value["signed_entries"], 2);
    assert_eq!(value["bad_signature"], serde_json::Value::Null);
    // The key from the environment signs too.
    let mut cmd = env.command();
    cmd.env("PLEDGECHECK_KEY", env.path("keys/pledgecheck.key")).args(["firm", "add", "g", "--name", "G"]);
    assert!(cmd.output().unwrap().status.success());
    assert_eq!(env.count("SELECT count(*) FROM import_log WHERE signature IS NULL"), 0);
    verify_json(&env, 0, &["--public-key", "keys/pledgecheck.pub"]);
}

#[test]
fn a_signed_chain_refuses_a_change_without_its_key_or_with_another() {
    let env = signed();
    let entries = env.count("SELECT count(*) FROM import_log");
    let run = env.run(&["firm", "add", "g", "--name", "G"]).code(2);
    assert!(run.stderr.contains("--key"), "{}", run.stderr);
    env.run(&["key", "new", "--output", "other"]).ok();
    let run = env.run(&["--key", "other/pledgecheck.key", "firm", "add", "g", "--name", "G"]).code(2);
    assert!(run.stderr.contains("not the key that signed"), "{}", run.stderr);
    env.run(&["forget", "nordsoeg", "NS-2025-041", "c1"]).code(2);
    assert_eq!(env.count("SELECT count(*) FROM import_log"), entries, "nothing was written");
}

#[test]
fn a_chain_resealed_without_the_key_verifies_alone_but_not_with_the_public_key() {
    let env = signed();
    // The attacker strips the signatures and, the chain now unsigned, lets pledgecheck itself seal an entry of
    // their choosing: every hash is right, as after a full reseal with a script.
    tamper(&env, "UPDATE import_log SET signature = NULL");
    env.import(&[env.write("forged.csv", shortlists(&[row().set("firm", "nordsoeg").set("search_ref", "X-1")]))]);
    verify_json(&env, 0, &[]);
    let value = verify_json(&env, 1, &["--public-key", "keys/pledgecheck.pub"]);
    assert_eq!(value["intact"], false);
    assert!(value["bad_signature"].as_str().unwrap().contains("no entry"), "{value:#}");
}

#[test]
fn entries_unsigned_after_a_signed_one_or_resigned_with_another_key_are_caught() {
    let env = signed();
    env.run(&["--key", "keys/pledgecheck.key", "firm", "add", "g", "--name", "G"]).ok();
    tamper(&env, "UPDATE import_log SET signature = NULL WHERE id = (SELECT max(id) FROM import_log)");
    let run = env.run(&["audit", "verify", "--public-key", "keys/pledgecheck.pub"]).code(1);
    assert!(run.stdout.contains("unsigned after a signed entry"), "{}", run.stdout);

    // Resigned with another key from the first entry on: no signature verifies with the auditor's key.
    let env = signed();
    env.run(&["key", "new", "--output", "other"]).ok();
    tamper(&env, "UPDATE import_log SET signature = NULL");
    env.run(&["--key", "other/pledgecheck.key", "firm", "add", "g", "--name", "G"]).ok();
    let run = env.run(&["audit", "verify", "--public-key", "keys/pledgecheck.pub"]).code(1);
    assert!(run.stdout.contains("does not verify with the public key"), "{}", run.stdout);
    // With the attacker's own public key it verifies: the auditor must hold the right public key.
    env.run(&["audit", "verify", "--public-key", "other/pledgecheck.pub"]).ok();
}

#[test]
fn a_row_edited_and_its_entry_resealed_breaks_the_signature() {
    let env = signed();
    // Editing a row and writing the entry's new hash (as a resealing script would) cannot forge the signature.
    tamper(&env, "UPDATE import_log SET hash = substr(hash, 2) || '0' WHERE id = (SELECT max(id) FROM import_log)");
    let run = env.run(&["audit", "verify", "--public-key", "keys/pledgecheck.pub"]).code(1);
    assert!(run.stdout.contains("does not verify"), "{}", run.stdout);
}

#[test]
fn the_quarterly_packs_summary_carries_the_signature_of_its_chain_head() {
    let env = signed();
    env.run(&["quarterly", "2026-Q1", "--output", "pack"]).ok();
    let summary = std::fs::read_to_string(env.path("pack/2026-Q1-summary.csv")).unwrap();
    let value = |name: &str| {
        summary
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name},")))
            .unwrap_or_else(|| panic!("no {name} in:\n{summary}"))
            .to_string()
    };
    let public = pledgecheck::signing::PublicKey::read(&env.path("keys/pledgecheck.pub")).unwrap();
    assert!(public.verifies(&value("chain_head"), &value("chain_head_signature")), "{summary}");
}

#[test]
fn a_database_that_never_used_a_key_works_as_before() {
    let env = Env::new();
    env.import(&csv_samples());
    env.run(&["firm", "add", "g", "--name", "G"]).ok();
    let value = verify_json(&env, 0, &[]);
    assert!(value.get("signed_entries").is_none(), "{value:#}");
    // Asked to check signatures, an unsigned chain fails: the auditor expected a key to have signed it.
    env.run(&["key", "new", "--output", "keys"]).ok();
    let value = verify_json(&env, 1, &["--public-key", "keys/pledgecheck.pub"]);
    assert!(value["bad_signature"].as_str().unwrap().contains("no entry"), "{value:#}");
}

/// A resealing script, as an attacker with the public source would write it: after an edit, every row hash and
/// every entry hash (chain formats 1 and 2) is recomputed from the content.
fn reseal(env: &Env) {
    use sha2::{Digest, Sha256};
    fn feed(h: &mut Sha256, v: Option<String>) {
        match v {
            None => h.update(u32::MAX.to_le_bytes()),
            Some(s) => {
                h.update((s.len() as u32).to_le_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    let db = rusqlite::Connection::open(env.db()).unwrap();
    let joins = "JOIN search s ON s.id = v.search_id JOIN firm f ON f.id = s.firm_id";
    let tables: [(&str, String, &str); 4] = [
        ("firm_version", "JOIN firm f ON f.id = v.firm_id".into(), "f.firm, v.name, v.pledged_on, v.withdrawn_on"),
        ("search_version", joins.into(), "f.firm, s.search_ref, v.client, v.client_sector, v.position, v.level, v.opened_on, v.shortlist_on, v.cancelled_on"),
        ("candidate_version", joins.into(), "f.firm, s.search_ref, hex(v.ref_digest), v.sector, v.experience, v.stage, v.added_on"),
        ("exemption_version", joins.into(), "f.firm, s.search_ref, v.reason, v.note"),
    ];
    // A search version naming a registry entry hashes the entry's columns after valid_from (0003_clients.sql).
    let client_columns =
        |table: &str| if table == "search_version" { ", v.client_id, v.client_kind, v.client_sector_from" } else { "" };
    let mut rows: Vec<Vec<(i64, i64, Vec<u8>)>> = Vec::new();
    for (table, from, fields) in &tables {
        let extra = client_columns(table);
        let mut stmt = db
            .prepare(&format!(
                "SELECT v.id, v.import_id, {fields}, v.valid_from{extra} FROM {table} v {from} ORDER BY v.id"
            ))
            .unwrap();
        let n = stmt.column_count() - if extra.is_empty() { 0 } else { 3 };
        let list: Vec<(i64, i64, Vec<u8>)> = stmt
            .query_map([], |r| {
                let mut h = Sha256::new();
                feed(&mut h, Some(table.to_string()));
                for i in 2..n {
                    feed(&mut h, r.get(i)?);
                }
                if !extra.is_empty() && r.get::<_, Option<String>>(n)?.is_some() {
                    for i in n..n + 3 {
                        feed(&mut h, r.get(i)?);
                    }
                }
                feed(&mut h, Some(r.get::<_, i64>(1)?.to_string()));
                Ok((r.get(0)?, r.get(1)?, h.finalize()[..16].to_vec()))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (id, _, hash) in &list {
            db.execute(&format!("UPDATE {table} SET row_hash = ?1 WHERE id = ?2"), rusqlite::params![hash, id])
                .unwrap();
        }
        rows.push(list);
    }
    let entries: Vec<(i64, String, String, String, String, i64)> = db
        .prepare("SELECT id, at, actor, command, summary, chain_format FROM import_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev = "0".repeat(64);
    for (id, at, actor, command, summary, format) in entries {
        let mut h = Sha256::new();
        if format >= 2 {
            feed(&mut h, Some(format!("chain format {format}")));
        }
        for v in [prev.clone(), id.to_string(), at.clone(), actor, command, summary] {
            feed(&mut h, Some(v));
        }
        let files: Vec<[String; 4]> = db
            .prepare("SELECT position, name, sha256, kind FROM import_file WHERE import_id = ?1 ORDER BY position")
            .unwrap()
            .query_map([id], |r| Ok([r.get::<_, i64>(0)?.to_string(), r.get(1)?, r.get(2)?, r.get(3)?]))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for v in files.into_iter().flatten() {
            feed(&mut h, Some(v));
        }
        for list in &rows {
            let mut part = Sha256::new();
            for (row, _, hash) in list.iter().filter(|(_, entry, _)| *entry == id) {
                part.update(row.to_le_bytes());
                part.update(hash);
            }
            h.update(part.finalize());
        }
        for (table, _, _) in &tables {
            let mut part = Sha256::new();
            let closed: Vec<i64> = db
                .prepare(&format!("SELECT id FROM {table} WHERE valid_to = ?1 ORDER BY id"))
                .unwrap()
                .query_map([&at], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            closed.iter().for_each(|c| part.update(c.to_le_bytes()));
            h.update(part.finalize());
        }
        let mut policies = Sha256::new();
        let found: Vec<[String; 3]> = db
            .prepare("SELECT name, sha256, in_force_from FROM policy WHERE import_id = ?1 ORDER BY id")
            .unwrap()
            .query_map([id], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for policy in found {
            let mut one = Sha256::new();
            policy.into_iter().for_each(|v| feed(&mut one, Some(v)));
            policies.update(one.finalize());
        }
        h.update(policies.finalize());
        h.update(Sha256::new().finalize()); // no redactions in this test
        if format >= 2 {
            h.update(Sha256::new().finalize());
        }
        let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        db.execute("UPDATE import_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3", rusqlite::params![prev, hash, id])
            .unwrap();
        prev = hash;
    }
}

#[test]
fn a_full_reseal_after_an_edit_passes_an_unkeyed_verify_but_not_the_public_key() {
    let env = signed();
    verify_json(&env, 0, &["--public-key", "keys/pledgecheck.pub"]);
    tamper(&env, "UPDATE search_version SET client = 'Forged Kommune' WHERE id = (SELECT min(id) FROM search_version)");
    verify_json(&env, 1, &[]);
    reseal(&env);
    // The limit of an unkeyed chain, as docs/evidence.md says: a full reseal verifies.
    let value = verify_json(&env, 0, &[]);
    assert_eq!(value["intact"], true, "{value:#}");
    // With the key, it is caught: the resealed entries' signatures no longer verify.
    let value = verify_json(&env, 1, &["--public-key", "keys/pledgecheck.pub"]);
    assert!(value["bad_signature"].as_str().unwrap().contains("does not verify"), "{value:#}");
}

#[test]
fn a_dry_run_on_a_signed_chain_needs_no_key_and_writes_nothing() {
    let env = signed();
    let entries = env.count("SELECT count(*) FROM import_log");
    let mut args: Vec<std::ffi::OsString> = vec!["check".into(), "--dry-run".into()];
    args.extend(csv_samples().into_iter().take(2).map(Into::into));
    env.run(&args).ok();
    assert_eq!(env.count("SELECT count(*) FROM import_log"), entries);
    verify_json(&env, 0, &["--public-key", "keys/pledgecheck.pub"]);
}
