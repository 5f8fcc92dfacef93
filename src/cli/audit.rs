//! `pledgecheck audit verify [--expect HASH] [--public-key FILE]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use crate::output::{self, Format};
use crate::signing::PublicKey;
use crate::store::{Mode, Store};

/// Arguments of `audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Recompute the hash chain of the import log and every stored row; exit 1 on tampering.
    ///
    /// Names the first entry that was altered, inserted or removed, and rows edited outside pledgecheck. Prints
    /// the chain's latest hash either way: note it, and later check that history up to then is unchanged with
    /// `--expect HASH` (the chain may have grown since; the noted hash must still be in it).
    #[command(after_help = "Examples:\n  pledgecheck audit verify\n  pledgecheck audit verify --expect 3f9a61c2\n  \
        pledgecheck audit verify --public-key keys/pledgecheck.pub")]
    Verify {
        /// A chain hash noted earlier, or a prefix of it of at least 8 hex digits, which must still be an entry of
        /// the chain.
        #[arg(long, value_name = "HASH")]
        expect: Option<String>,
        /// The public key of the key that signs the chain (`pledgecheck key new`): every entry after the first
        /// signed one must carry a signature that verifies with it.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// Output format: table (words) or json.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub(super) fn run(db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Command::Verify { expect, public_key, format } = args.command;
    let public_key = public_key.as_deref().map(PublicKey::read).transpose()?;
    let store = Store::open(db, Mode::Existing)?;
    // A malformed or ambiguous hash is a usage error (exit 2), found before anything is verified.
    let expected = match expect {
        Some(hash) => Some((hash.trim().to_ascii_lowercase(), store.find_entry(&hash)?.map_err(anyhow::Error::from)?)),
        None => None,
    };
    let found = store.verify_chain(public_key.as_ref())?;
    let expect_ok = expected.as_ref().is_none_or(|(_, entry)| entry.is_some());
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let mut value = json!({
            "schema_version": output::json::SCHEMA_VERSION,
            "intact": found.intact() && expect_ok,
            "entries": found.entries,
            "head": found.head,
            "first_bad_entry": found.first_bad_entry,
            "bad_rows": found.bad_rows,
            "bad_row_count": found.bad_row_count,
            "expected": expected.as_ref().map(|(hash, entry)| json!({
                "hash": hash, "found": entry.is_some(), "entry": entry.as_ref().map(|e| e.0), "at": entry.as_ref().map(|e| e.1.clone())
            })),
        });
        // Fields that only a signed chain, a key or users' own schema objects bring, so that the output of an
        // unsigned database without them stays as it was.
        if found.signed > 0 || public_key.is_some() {
            value["signed_entries"] = json!(found.signed);
            value["head_signature"] = json!(found.head_signature);
        }
        if public_key.is_some() {
            value["signatures_checked"] = json!(true);
            value["bad_signature"] = json!(found.bad_signature);
        }
        if !found.foreign_objects.is_empty() {
            value["foreign_objects"] = json!(found.foreign_objects);
        }
        output::json::write(&value, &mut out)?;
    } else {
        match &found.first_bad_entry {
            Some(entry) => writeln!(out, "TAMPERED: {entry}")?,
            None if found.bad_row_count == 0 => writeln!(out, "chain intact: {} entries", found.entries)?,
            None => writeln!(out, "the {} entries of the chain are intact, but stored rows are not:", found.entries)?,
        }
        for row in &found.bad_rows {
            writeln!(out, "TAMPERED: {row}")?;
        }
        if found.bad_row_count > found.bad_rows.len() {
            writeln!(out, "TAMPERED: and {} more rows", found.bad_row_count - found.bad_rows.len())?;
        }
        if let Some(bad) = &found.bad_signature {
            writeln!(out, "TAMPERED: {bad}")?;
        } else if public_key.is_some() {
            writeln!(
                out,
                "signatures verified: {} of {} entries signed with the public key",
                found.signed, found.entries
            )?;
        } else if found.signed > 0 {
            writeln!(
                out,
                "{} of {} entries are signed; give --public-key FILE to check the signatures",
                found.signed, found.entries
            )?;
        }
        for object in &found.foreign_objects {
            writeln!(out, "note: {object}; reported, not refused")?;
        }
        if let Some((hash, entry)) = &expected {
            match entry {
                Some((id, at)) => writeln!(out, "expected hash {hash} is entry {id} ({at})")?,
                None => {
                    writeln!(out, "EXPECTED HASH NOT FOUND: {hash} is no entry of the chain (history was rewritten)")?
                }
            }
        }
        writeln!(out, "latest chain hash: {}", found.head)?;
    }
    Ok(if found.intact() && expect_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
