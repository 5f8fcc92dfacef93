//! The accounts of `pledgecheck serve` and their API tokens, as stored (schema/0005_accounts.sql). Persistence
//! only: passwords and tokens arrive here already hashed (`service::accounts` hashes them), and whether a token
//! may be used is decided by the caller from the [`TokenState`] read here.

use rusqlite::OptionalExtension;

use super::{format_time, Store, StoreError};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads and writes only their own firm's searches.
    Recruiter,
    /// Reads everything, writes nothing.
    Auditor,
    /// Manages firms, accounts and the policy in force.
    Admin,
}

impl Role {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recruiter => "recruiter",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// A role from its word.
    pub fn parse(raw: &str) -> Option<Role> {
        match raw.trim().to_lowercase().as_str() {
            "recruiter" => Some(Role::Recruiter),
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account that may act: its name, role, and for a recruiter the firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's name (the actor of the changes it makes).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The firm of a recruiter.
    pub firm: Option<String>,
}

/// An account as `user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRow {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// A recruiter's firm.
    pub firm: Option<String>,
    /// When it was added.
    pub created_at: String,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
}

/// A token as `token list` shows it (never the token itself, which is not stored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Its number, for `token revoke`.
    pub id: i64,
    /// The account it acts for.
    pub user: String,
    /// When it was made.
    pub created_at: String,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A stored token found by its hash, with what decides whether it may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    /// The account it acts for.
    pub account: Account,
    /// The stored hash (to compare in constant time with the one looked up).
    pub token_sha256: String,
    /// When it stops working.
    pub expires_at: Option<String>,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether its account was disabled.
    pub disabled: bool,
}

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The name is taken.
    #[error("a user named {0:?} already exists")]
    Taken(String),
    /// No such account.
    #[error("no user named {0:?}")]
    NoUser(String),
    /// No such token.
    #[error("no token {0}")]
    NoToken(i64),
    /// The recruiter's firm is not in the database.
    #[error("unknown firm {0:?} (expected a firm already in the database: import or add it first)")]
    NoFirm(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        AccountError::Store(StoreError::Sqlite(e))
    }
}

fn now() -> String {
    format_time(chrono::Utc::now())
}

fn role_at(row: &rusqlite::Row, at: usize) -> rusqlite::Result<Role> {
    let word: String = row.get(at)?;
    Role::parse(&word).ok_or_else(|| rusqlite::Error::InvalidColumnType(at, word, rusqlite::types::Type::Text))
}

impl Store {
    /// Adds an account; a recruiter's firm must be in the database.
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        firm: Option<&str>,
        password_hash: &str,
    ) -> Result<(), AccountError> {
        if let Some(firm) = firm {
            let known: Option<i64> =
                self.conn().query_row("SELECT id FROM firm WHERE firm = ?1", [firm], |r| r.get(0)).optional()?;
            if known.is_none() {
                return Err(AccountError::NoFirm(firm.to_string()));
            }
        }
        let taken: Option<i64> =
            self.conn().query_row("SELECT id FROM account WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        if taken.is_some() {
            return Err(AccountError::Taken(name.to_string()));
        }
        self.conn().execute(
            "INSERT INTO account (name, role, firm, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            (name, role.as_str(), firm, password_hash, now()),
        )?;
        Ok(())
    }

    /// Every account, by name.
    pub fn users(&self) -> Result<Vec<UserRow>, AccountError> {
        let mut stmt =
            self.conn().prepare("SELECT name, role, firm, created_at, disabled_at FROM account ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(UserRow {
                name: r.get(0)?,
                role: role_at(r, 1)?,
                firm: r.get(2)?,
                created_at: r.get(3)?,
                disabled_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Disables an account: its tokens stop working, and it can no longer log in.
    pub fn disable_user(&self, name: &str) -> Result<(), AccountError> {
        let n = self
            .conn()
            .execute("UPDATE account SET disabled_at = coalesce(disabled_at, ?2) WHERE name = ?1", (name, now()))?;
        if n == 0 {
            return Err(AccountError::NoUser(name.to_string()));
        }
        Ok(())
    }

    /// Replaces an account's password hash and deletes the account's web sessions, in one transaction: a new
    /// password (after a leak) must also end a sign-in made with the old one, or a copied cookie keeps working.
    /// API tokens are separate credentials, made and revoked on their own (`token revoke`), and stay.
    pub fn set_password(&self, name: &str, password_hash: &str) -> Result<(), AccountError> {
        let tx = self.conn().unchecked_transaction()?;
        let n = tx.execute("UPDATE account SET password_hash = ?2 WHERE name = ?1", (name, password_hash))?;
        if n == 0 {
            return Err(AccountError::NoUser(name.to_string()));
        }
        tx.execute("DELETE FROM web_session WHERE account_id = (SELECT id FROM account WHERE name = ?1)", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// An enabled account and its password hash, for a login.
    pub fn user_password_hash(&self, name: &str) -> Result<Option<(Account, String)>, AccountError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name, role, firm, password_hash FROM account WHERE name = ?1 AND disabled_at IS NULL",
                [name],
                |r| Ok((Account { name: r.get(0)?, role: role_at(r, 1)?, firm: r.get(2)? }, r.get(3)?)),
            )
            .optional()?)
    }

    /// Stores a new token's hash for an account; its number.
    pub fn add_token(&self, user: &str, token_sha256: &str, expires_at: Option<&str>) -> Result<i64, AccountError> {
        let id: Option<i64> =
            self.conn().query_row("SELECT id FROM account WHERE name = ?1", [user], |r| r.get(0)).optional()?;
        let id = id.ok_or_else(|| AccountError::NoUser(user.to_string()))?;
        self.conn().execute(
            "INSERT INTO api_token (account_id, token_sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            (id, token_sha256, now(), expires_at),
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Every token (without the token), by number.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, AccountError> {
        let mut stmt = self.conn().prepare(
            "SELECT t.id, a.name, t.created_at, t.expires_at, t.revoked_at FROM api_token t
             JOIN account a ON a.id = t.account_id ORDER BY t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                user: r.get(1)?,
                created_at: r.get(2)?,
                expires_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes a token.
    pub fn revoke_token(&self, id: i64) -> Result<(), AccountError> {
        let n = self
            .conn()
            .execute("UPDATE api_token SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1", (id, now()))?;
        if n == 0 {
            return Err(AccountError::NoToken(id));
        }
        Ok(())
    }

    /// The token with this hash, its account and its state, if there is one.
    pub fn token(&self, token_sha256: &str) -> Result<Option<TokenState>, AccountError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT a.name, a.role, a.firm, t.token_sha256, t.expires_at, t.revoked_at IS NOT NULL,
                 a.disabled_at IS NOT NULL FROM api_token t JOIN account a ON a.id = t.account_id
                 WHERE t.token_sha256 = ?1",
            )?
            .query_row([token_sha256], |r| {
                Ok(TokenState {
                    account: Account { name: r.get(0)?, role: role_at(r, 1)?, firm: r.get(2)? },
                    token_sha256: r.get(3)?,
                    expires_at: r.get(4)?,
                    revoked: r.get(5)?,
                    disabled: r.get(6)?,
                })
            })
            .optional()?)
    }
}

/// A web session found by its hash, with its account (schema/0006_sessions.sql).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    /// The account signed in.
    pub account: Account,
    /// The form token of the session.
    pub csrf: String,
    /// The language the account chose (`da`, `en`), if it chose one.
    pub language: Option<String>,
}

impl Store {
    /// Stores a new web session's hash for an enabled account, with its form token, until `expires_at`; sessions
    /// whose time is over are deleted on the way (they are not evidence).
    pub fn add_session(
        &self,
        user: &str,
        session_sha256: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), AccountError> {
        let now = now();
        self.conn().execute("DELETE FROM web_session WHERE expires_at <= ?1 OR ended_at IS NOT NULL", [&now])?;
        let id: Option<i64> = self
            .conn()
            .query_row("SELECT id FROM account WHERE name = ?1 AND disabled_at IS NULL", [user], |r| r.get(0))
            .optional()?;
        let id = id.ok_or_else(|| AccountError::NoUser(user.to_string()))?;
        self.conn().execute(
            "INSERT INTO web_session (session_sha256, account_id, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (session_sha256, id, csrf, &now, expires_at),
        )?;
        Ok(())
    }

    /// The session with this hash at `now` (a stored time), if it is still working: not ended, not expired, and
    /// its account not disabled.
    pub fn session(&self, session_sha256: &str, now: &str) -> Result<Option<SessionState>, AccountError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT a.name, a.role, a.firm, s.csrf, a.language FROM web_session s
                 JOIN account a ON a.id = s.account_id
                 WHERE s.session_sha256 = ?1 AND s.ended_at IS NULL AND s.expires_at > ?2
                 AND a.disabled_at IS NULL",
            )?
            .query_row((session_sha256, now), |r| {
                Ok(SessionState {
                    account: Account { name: r.get(0)?, role: role_at(r, 1)?, firm: r.get(2)? },
                    csrf: r.get(3)?,
                    language: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// Ends a session (logout): it stops working at once.
    pub fn end_session(&self, session_sha256: &str) -> Result<(), AccountError> {
        self.conn().execute(
            "UPDATE web_session SET ended_at = coalesce(ended_at, ?2) WHERE session_sha256 = ?1",
            (session_sha256, now()),
        )?;
        Ok(())
    }

    /// Sets the language of an account's pages (`da`, `en`, or `None` for the browser's).
    pub fn set_language(&self, name: &str, language: Option<&str>) -> Result<(), AccountError> {
        let n = self.conn().execute("UPDATE account SET language = ?2 WHERE name = ?1", (name, language))?;
        if n == 0 {
            return Err(AccountError::NoUser(name.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_tokens_round_trip() {
        let store = Store::in_memory().unwrap();
        store.add_user("ada", Role::Admin, None, "$argon2id$x").unwrap();
        assert!(matches!(store.add_user("ada", Role::Auditor, None, "h"), Err(AccountError::Taken(_))));
        assert!(matches!(store.add_user("r", Role::Recruiter, Some("nope"), "h"), Err(AccountError::NoFirm(_))));
        let id = store.add_token("ada", "abc", Some("2099-01-01T00:00:00.000000Z")).unwrap();
        let found = store.token("abc").unwrap().unwrap();
        assert_eq!(found.account.role, Role::Admin);
        assert!(!found.revoked && !found.disabled);
        store.revoke_token(id).unwrap();
        store.disable_user("ada").unwrap();
        let found = store.token("abc").unwrap().unwrap();
        assert!(found.revoked && found.disabled);
        assert!(store.token("nope").unwrap().is_none());
        assert!(store.user_password_hash("ada").unwrap().is_none());
    }

    #[test]
    fn a_session_works_until_it_ends_expires_or_its_account_is_disabled() {
        let store = Store::in_memory().unwrap();
        store.add_user("ada", Role::Auditor, None, "$argon2id$x").unwrap();
        store.add_session("ada", "s1", "c1", "2099-01-01T00:00:00.000000Z").unwrap();
        let at = "2030-01-01T00:00:00.000000Z";
        let found = store.session("s1", at).unwrap().unwrap();
        assert_eq!((found.account.name.as_str(), found.csrf.as_str(), found.language), ("ada", "c1", None));
        assert!(store.session("s1", "2099-01-01T00:00:00.000000Z").unwrap().is_none());
        store.set_language("ada", Some("da")).unwrap();
        assert_eq!(store.session("s1", at).unwrap().unwrap().language.as_deref(), Some("da"));
        store.end_session("s1").unwrap();
        assert!(store.session("s1", at).unwrap().is_none());
        store.add_session("ada", "s2", "c2", "2099-01-01T00:00:00.000000Z").unwrap();
        store.disable_user("ada").unwrap();
        assert!(store.session("s2", at).unwrap().is_none());
        assert!(store.add_session("ada", "s3", "c3", "2099-01-01T00:00:00.000000Z").is_err());
    }
}
