//! Users' entries of the registry of public employers (`client_version`): written within a recorded change like
//! every other version row, hash-chained, and read back at a moment to build the [`Registry`] in use then.

use rusqlite::{params, Connection, OptionalExtension};

use super::view::{Moment, View};
use super::write::Writer;
use super::{chain, forever, Store, StoreError, FOREVER};
use crate::registry::{Entry, Registry};

/// The users' entries valid at `at` (the current ones for `None`), ordered by id.
fn entries_at(conn: &Connection, at: Option<&str>) -> Result<Vec<Entry>, StoreError> {
    let sql = match at {
        None => concat!(
            "SELECT client_id, name, kind, code, aliases FROM client_version WHERE valid_to = ",
            forever!(),
            " AND ?1 IS NULL ORDER BY client_id"
        ),
        Some(_) => {
            "SELECT client_id, name, kind, code, aliases FROM client_version
             WHERE valid_from <= ?1 AND valid_to > ?1 ORDER BY client_id"
        }
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([at], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (id, name, kind, code, aliases) = row?;
        let entry = Entry::from_fields(&id, &name, None, &kind, code.as_deref(), Some(&aliases))
            .map_err(|_| StoreError::Corrupt(format!("client_version entry {id:?}")))?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The registry with the users' entries valid at `at`.
fn registry_at(conn: &Connection, at: Option<&str>) -> Result<Registry, StoreError> {
    Registry::with_additions(entries_at(conn, at)?).map_err(|e| StoreError::Corrupt(format!("client registry: {e}")))
}

impl Store {
    /// The registry in use now: the built-in entries with the users' own.
    pub fn registry(&self) -> Result<Registry, StoreError> {
        registry_at(&self.conn, None)
    }

    /// The ids of the users' current entries.
    pub fn user_client_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(entries_at(&self.conn, None)?.into_iter().map(|e| e.id).collect())
    }
}

impl View<'_> {
    /// The registry at the view's moment.
    pub fn registry(&self) -> Result<Registry, StoreError> {
        match self.moment() {
            Moment::Now => registry_at(self.conn(), None),
            Moment::At(t) => registry_at(self.conn(), Some(t)),
        }
    }
}

impl Writer<'_> {
    /// The registry as this change sees it: the built-in entries with the users' current ones.
    pub fn registry(&self) -> Result<Registry, StoreError> {
        registry_at(self.tx, None)
    }

    /// The users' current entries.
    pub fn current_clients(&self) -> Result<Vec<Entry>, StoreError> {
        entries_at(self.tx, None)
    }

    /// Writes a user's registry entry if it differs from the current one with its id; true when it changed.
    pub fn put_client(&self, entry: &Entry) -> Result<bool, StoreError> {
        let tx = self.tx;
        let aliases = entry.aliases_text();
        let new = (entry.name.clone(), entry.kind.as_str().to_string(), entry.code.clone(), aliases.clone());
        let current: Option<(String, String, Option<String>, String)> = tx
            .prepare_cached(concat!(
                "SELECT name, kind, code, aliases FROM client_version WHERE client_id = ?1 AND valid_to = ",
                forever!()
            ))?
            .query_row([&entry.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        if current.as_ref() == Some(&new) {
            return Ok(false);
        }
        tx.prepare_cached(concat!(
            "UPDATE client_version SET valid_to = ?2 WHERE client_id = ?1 AND valid_to = ",
            forever!()
        ))?
        .execute(params![entry.id, self.at])?;
        let hash = chain::new_row_hash(
            chain::CLIENT_VERSION,
            &[
                ("client_id", Some(&entry.id)),
                ("name", Some(&entry.name)),
                ("kind", Some(entry.kind.as_str())),
                ("code", entry.code.as_deref()),
                ("aliases", Some(&aliases)),
                ("valid_from", Some(self.at)),
            ],
            self.import_id,
        );
        tx.prepare_cached(
            "INSERT INTO client_version (client_id, name, kind, code, aliases, valid_from, valid_to, import_id, row_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![entry.id, entry.name, entry.kind.as_str(), entry.code, aliases, self.at, FOREVER, self.import_id, hash])?;
        self.written.row(chain::CLIENT_VERSION, tx.last_insert_rowid(), &hash);
        Ok(true)
    }
}
