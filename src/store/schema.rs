//! The schema objects pledgecheck created, known by name and SQL: a trigger planted with SQL could rewrite what a
//! later import writes before it is sealed, and a view or index of ours redefined could change what reports read.
//!
//! What pledgecheck created at a level is what the migrations up to that level create in an empty database, so
//! the expected objects are worked out by applying them to a database in memory, never stored (a stored list
//! could be edited with the rest). Objects that are not ours are sorted in two: triggers are refused (they act on
//! writes); users' own tables, views and indexes, and SQLite's own `sqlite_*` tables (`ANALYZE`), are only
//! reported, since docs/storage.md invites users to query the database.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::{StoreError, MIGRATIONS};

/// The schema objects found that pledgecheck did not create or that differ from what it created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaFindings {
    /// Objects that make the database refused: triggers not ours, our objects altered or dropped.
    pub refused: Vec<String>,
    /// Objects that are not ours and are only reported: users' tables, views and indexes, SQLite's own tables.
    pub foreign: Vec<String>,
}

type Objects = BTreeMap<String, (String, Option<String>)>;

fn objects(conn: &Connection) -> Result<Objects, StoreError> {
    let mut stmt = conn.prepare("SELECT name, type, sql FROM main.sqlite_master")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What the migrations up to `level` create.
fn expected(level: i64) -> Result<Objects, StoreError> {
    let conn = Connection::open_in_memory()?;
    for (_, _, sql) in MIGRATIONS.iter().filter(|(n, _, _)| *n <= level) {
        conn.execute_batch(sql)?;
    }
    objects(&conn)
}

/// Compares the database's schema objects with those pledgecheck creates at its level.
pub(crate) fn inspect(conn: &Connection) -> Result<SchemaFindings, StoreError> {
    let level: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let ours = expected(level)?;
    let found = objects(conn)?;
    let mut findings = SchemaFindings::default();
    for (name, (kind, sql)) in &found {
        match ours.get(name) {
            Some((our_kind, our_sql)) if our_kind == kind && our_sql == sql => {}
            Some((our_kind, _)) => {
                findings.refused.push(format!("{our_kind} {name:?} was altered (redefined with SQL)"))
            }
            None if kind == "trigger" => {
                findings.refused.push(format!("trigger {name:?} was not created by pledgecheck"))
            }
            None => findings.foreign.push(format!("{kind} {name:?} (not created by pledgecheck)")),
        }
    }
    for (name, (kind, _)) in &ours {
        if !found.contains_key(name) {
            findings.refused.push(format!("{kind} {name:?} of pledgecheck's schema was dropped"));
        }
    }
    Ok(findings)
}

/// Refuses a database with a trigger pledgecheck did not create, or with one of its own objects altered.
pub(crate) fn check(conn: &Connection) -> Result<(), StoreError> {
    let findings = inspect(conn)?;
    if findings.refused.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Schema(findings.refused))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_new_database_has_only_its_own_objects() {
        let store = Store::in_memory().unwrap();
        assert_eq!(inspect(store.conn()).unwrap(), SchemaFindings::default());
    }

    #[test]
    fn a_planted_trigger_is_refused_and_a_users_view_reported() {
        let store = Store::in_memory().unwrap();
        store
            .conn()
            .execute_batch(
                "CREATE VIEW mine AS SELECT 1;
                 CREATE TRIGGER t AFTER INSERT ON import_log BEGIN UPDATE import_log SET actor = 'x'; END;
                 DROP VIEW firm_totals; CREATE VIEW firm_totals AS SELECT 1 AS firm;",
            )
            .unwrap();
        let findings = inspect(store.conn()).unwrap();
        assert_eq!(findings.foreign, vec!["view \"mine\" (not created by pledgecheck)".to_string()]);
        assert_eq!(findings.refused.len(), 2, "{findings:?}");
        assert!(matches!(check(store.conn()), Err(StoreError::Schema(_))));
    }
}
