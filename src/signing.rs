//! Ed25519 keys that sign the chain's entries (`pledgecheck key new`, `--key`, `audit verify --public-key`).
//!
//! The cryptography is ed25519-dalek's; this module only reads and writes the two key files. Both are one line of
//! hex: `pledgecheck.key` the 32-byte secret seed (written with mode 0600), `pledgecheck.pub` the 32-byte public
//! key. What is signed is an entry's hash as its 64 hex digits, prefixed by [`CONTEXT`] so that a signature made
//! for the chain means nothing elsewhere.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// What every signed message starts with.
pub const CONTEXT: &[u8] = b"pledgecheck chain entry\n";

/// The file name of a new secret key.
pub const SECRET_FILE: &str = "pledgecheck.key";
/// The file name of a new public key.
pub const PUBLIC_FILE: &str = "pledgecheck.pub";

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold a key.
    #[error("{0}: not a pledgecheck key (expected one line of 64 hex digits, as `pledgecheck key new` writes)")]
    Malformed(PathBuf),
}

/// A secret key that signs entries.
#[derive(Clone)]
pub struct ChainKey(SigningKey);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainKey({})", self.public().to_hex())
    }
}

/// A public key that checks entries' signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

fn read_hex32(path: &Path) -> Result<[u8; 32], KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.to_path_buf(), source })?;
    let text = text.trim();
    let mut out = [0u8; 32];
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed(path.to_path_buf()));
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| KeyError::Malformed(path.to_path_buf()))?;
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn message(entry_hash: &str) -> Vec<u8> {
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(entry_hash.as_bytes());
    m
}

impl ChainKey {
    /// A new random key.
    pub fn generate() -> ChainKey {
        ChainKey(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// Reads a secret key file.
    pub fn read(path: &Path) -> Result<ChainKey, KeyError> {
        Ok(ChainKey(SigningKey::from_bytes(&read_hex32(path)?)))
    }

    /// Its public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature (hex) of an entry's hash.
    pub fn sign(&self, entry_hash: &str) -> String {
        hex(&self.0.sign(&message(entry_hash)).to_bytes())
    }

    /// Writes the pair into `dir` as [`SECRET_FILE`] (mode 0600) and [`PUBLIC_FILE`]; refuses to replace either.
    pub fn write_pair(&self, dir: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
        let secret = dir.join(SECRET_FILE);
        let public = dir.join(PUBLIC_FILE);
        fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
            move |source| KeyError::Io { path: path.to_path_buf(), source }
        }
        for path in [&secret, &public] {
            if path.exists() {
                return Err(KeyError::Io {
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists; not replaced"),
                });
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&secret).map_err(io(&secret))?;
        writeln!(file, "{}", hex(&self.0.to_bytes())).map_err(io(&secret))?;
        file.sync_all().map_err(io(&secret))?;
        std::fs::write(&public, format!("{}\n", self.public().to_hex())).map_err(io(&public))?;
        Ok((secret, public))
    }
}

impl PublicKey {
    /// Reads a public key file.
    pub fn read(path: &Path) -> Result<PublicKey, KeyError> {
        VerifyingKey::from_bytes(&read_hex32(path)?).map(PublicKey).map_err(|_| KeyError::Malformed(path.to_path_buf()))
    }

    /// The key as 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// Whether `signature` (hex) is this key's signature of an entry's hash.
    pub fn verifies(&self, entry_hash: &str, signature: &str) -> bool {
        let Some(bytes) = unhex(signature) else { return false };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
        self.0.verify_strict(&message(entry_hash), &Signature::from_bytes(&bytes)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only() {
        let key = ChainKey::generate();
        let other = ChainKey::generate();
        let hash = "ab".repeat(32);
        let signature = key.sign(&hash);
        assert!(key.public().verifies(&hash, &signature));
        assert!(!other.public().verifies(&hash, &signature));
        assert!(!key.public().verifies(&"cd".repeat(32), &signature));
        assert!(!key.public().verifies(&hash, "zz"));
    }

    #[test]
    fn a_pair_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let key = ChainKey::generate();
        let (secret, public) = key.write_pair(dir.path()).unwrap();
        assert_eq!(ChainKey::read(&secret).unwrap().public(), key.public());
        assert_eq!(PublicKey::read(&public).unwrap(), key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(key.write_pair(dir.path()).is_err(), "an existing key is never replaced");
    }
}
