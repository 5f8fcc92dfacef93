//! Hashing for evidence: the SHA-256 of files and texts, and digests written as hex. Imports nothing of the crate.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of some bytes.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex_digest(Sha256::digest(bytes).as_slice())
}

/// Lower-case hex of a digest; written by hand because it runs for every candidate of a large import.
pub fn hex_digest(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

/// A digest as SQLite's `hex()` writes it (upper case), which is how stored digests are hashed.
pub fn upper_hex(bytes: &[u8]) -> String {
    hex_digest(bytes).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_sha2s_own_formatting() {
        let digest = Sha256::digest(b"pledgecheck");
        assert_eq!(hex_digest(&digest), format!("{digest:x}"));
        assert_eq!(upper_hex(&digest), format!("{digest:X}"));
        assert_eq!(hex_sha256(b"pledgecheck"), format!("{digest:x}"));
    }
}
