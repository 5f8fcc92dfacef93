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
