//! Accounts and API tokens: passwords hashed with Argon2id, tokens made at random and kept only as their SHA-256,
//! and a token checked for a request. `user` and `token` commands and the server's authentication call these;
//! the store keeps the rows ([`crate::store::Store::add_user`] and the rest).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::digest::hex_sha256;
use crate::store::{Account, AccountError, Role, SessionState, Store};

/// The prefix of every API token, so that a token pasted in the wrong place can be recognised (and scanned for).
pub const TOKEN_PREFIX: &str = "pct_";

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("the password could not be hashed: {0}")]
pub struct HashError(String);

/// A password's Argon2id hash as a PHC string (with its random salt and parameters).
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| HashError(e.to_string()))?;
    let hash = Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| HashError(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether a password matches a stored hash (compared in constant time by the hasher).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A new random password for people to copy: 24 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..24).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

/// Checks a new account's role and firm together, and adds it with the password's hash.
pub fn add_user(store: &Store, name: &str, role: Role, firm: Option<&str>, password: &str) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        anyhow::bail!("a user name must not be empty or hold control characters");
    }
    let firm = firm.map(str::trim);
    match (role, firm) {
        (Role::Recruiter, None) => anyhow::bail!("a recruiter works for one firm: give --firm ID"),
        (Role::Auditor | Role::Admin, Some(_)) => {
            anyhow::bail!("--firm is for recruiters; an {} sees every firm", role.as_str())
        }
        _ => {}
    }
    store.add_user(name, role, firm, &hash_password(password)?)?;
    Ok(())
}

/// Days ahead a token made by a login (`POST /api/v1/tokens`, an account for itself) may expire at most: a token
/// for longer is an admin's to make (`token add`, `POST /api/v1/users/{name}/tokens`).
pub const LOGIN_TOKEN_MAX_DAYS: i64 = 366;

/// Refuses a token expiry (stored time) that is not after `now`, or more than `max_days` ahead when given: a
/// token already dead is a mistake (the wrong year), never what was meant.
pub fn check_expiry(expires_at: &str, now: chrono::DateTime<chrono::Utc>, max_days: Option<i64>) -> Result<(), String> {
    let at = chrono::DateTime::parse_from_rfc3339(expires_at)
        .map_err(|e| format!("{expires_at:?} is not a time: {e}"))?
        .with_timezone(&chrono::Utc);
    if at <= now {
        return Err(format!("{expires_at} is in the past (a token must expire after now)"));
    }
    if let Some(days) = max_days {
        if at > now + chrono::Duration::days(days) {
            return Err(format!(
                "{expires_at} is more than {days} days ahead (the longest a login's token lasts; an admin makes \
                 longer ones with `pledgecheck token add`)"
            ));
        }
    }
    Ok(())
}

/// A new API token for `user`, valid until `expires_at` (stored time) if given: its number, and the token,
/// which is shown once and never stored.
pub fn add_token(store: &Store, user: &str, expires_at: Option<&str>) -> Result<(i64, String), AccountError> {
    let token = format!("{TOKEN_PREFIX}{}", crate::digest::hex_digest(&rand::random::<[u8; 32]>()));
    let id = store.add_token(user.trim(), &hex_sha256(token.as_bytes()), expires_at)?;
    Ok((id, token))
}

/// Why a token was refused. Callers answer every kind the same way (the client learns only that it was
/// refused); the kind is for the rate limit, which counts failures per account when the account is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such token.
    Unknown,
    /// The token's time is over, it was revoked, or its account was disabled.
    Inactive {
        /// The account whose token it was.
        account: String,
    },
}

/// The account a bearer token acts for, at `now` (a stored time).
pub fn authenticate(store: &Store, token: &str, now: &str) -> Result<Result<Account, Refused>, AccountError> {
    let hash = hex_sha256(token.trim().as_bytes());
    let Some(found) = store.token(&hash)? else { return Ok(Err(Refused::Unknown)) };
    // Found by an index on the hash; compared again in constant time, so that no timing tells a near miss.
    if !constant_time_eq(found.token_sha256.as_bytes(), hash.as_bytes()) {
        return Ok(Err(Refused::Unknown));
    }
    let expired = found.expires_at.as_deref().is_some_and(|at| at <= now);
    if expired || found.revoked || found.disabled {
        return Ok(Err(Refused::Inactive { account: found.account.name }));
    }
    Ok(Ok(found.account))
}

/// The account whose name and password these are, if they are an enabled account's. An unknown name costs one
/// hash as a wrong password does, so that the time taken does not tell which names exist.
pub fn login(store: &Store, user: &str, password: &str) -> Result<Option<Account>, AccountError> {
    match store.user_password_hash(user.trim())? {
        Some((account, stored)) => Ok(verify_password(password, &stored).then_some(account)),
        None => {
            let _ = hash_password(password);
            Ok(None)
        }
    }
}

/// A new web session for an enabled account, working until `expires_at` (a stored time): the session id for the
/// browser's cookie (shown to the browser only; its SHA-256 is stored) and the session's form token.
pub fn start_session(store: &Store, user: &str, expires_at: &str) -> Result<(String, String), AccountError> {
    let session = crate::digest::hex_digest(&rand::random::<[u8; 32]>());
    let csrf = crate::digest::hex_digest(&rand::random::<[u8; 32]>());
    store.add_session(user.trim(), &hex_sha256(session.as_bytes()), &csrf, expires_at)?;
    Ok((session, csrf))
}

/// The session a cookie's id belongs to at `now`, if it still works.
pub fn session(store: &Store, session: &str, now: &str) -> Result<Option<SessionState>, AccountError> {
    store.session(&hex_sha256(session.trim().as_bytes()), now)
}

/// Ends the session of a cookie's id (logout).
pub fn end_session(store: &Store, session: &str) -> Result<(), AccountError> {
    store.end_session(&hex_sha256(session.trim().as_bytes()))
}

/// Whether two byte strings are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn a_token_acts_until_it_expires_or_is_revoked() {
        let store = Store::in_memory().unwrap();
        add_user(&store, "ada", Role::Admin, None, "pw").unwrap();
        let (id, token) = add_token(&store, "ada", Some("2030-01-01T00:00:00.000000Z")).unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        let at = "2029-01-01T00:00:00.000000Z";
        assert_eq!(authenticate(&store, &token, at).unwrap().unwrap().name, "ada");
        let later = "2030-01-01T00:00:00.000000Z";
        assert_eq!(authenticate(&store, &token, later).unwrap(), Err(Refused::Inactive { account: "ada".into() }));
        assert_eq!(authenticate(&store, "pct_nope", at).unwrap(), Err(Refused::Unknown));
        store.revoke_token(id).unwrap();
        assert!(authenticate(&store, &token, at).unwrap().is_err());
    }
}
