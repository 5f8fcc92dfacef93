//! The SQL views of schema/0002_views.sql give the reports' numbers: a user who opens the database in sqlite3
//! gets what `report searches|firms|quarters` and the quarterly summary print, rates rounded half-up alike.

use crate::support::Env;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::Value;

/// Every row of a query as JSON objects keyed by column name.
fn query(conn: &Connection, sql: &str) -> Vec<serde_json::Map<String, Value>> {
    let mut stmt = conn.prepare(sql).unwrap();
    let names: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    stmt.query_map([], |row| {
        let mut object = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get::<_, Sql>(i)? {
                Sql::Null => Value::Null,
                Sql::Integer(n) => Value::from(n),
                Sql::Real(x) => Value::from(x),
                Sql::Text(t) => Value::from(t),
                Sql::Blob(_) => panic!("a blob in a view"),
            };
            object.insert(name.clone(), value);
        }
        Ok(object)
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The report's rows, decoded from its JSON.
fn report(env: &Env, args: &[&str]) -> Vec<serde_json::Map<String, Value>> {
    let json = env.run(&[args, &["--format", "json"]].concat()).ok().json();
    assert_eq!(json["schema_version"], 1);
    json["rows"].as_array().unwrap().iter().map(|r| r.as_object().unwrap().clone()).collect()
}

/// Asserts that each report row's fields equal the view row's fields of the same name (numbers compared exactly).
#[track_caller]
fn assert_agree(what: &str, report: &[serde_json::Map<String, Value>], view: &[serde_json::Map<String, Value>]) {
    assert_eq!(report.len(), view.len(), "{what}: row count");
    for (i, (r, v)) in report.iter().zip(view).enumerate() {
        for (column, value) in r {
            let in_view = v.get(column).unwrap_or_else(|| panic!("{what}: the view has no column {column}"));
            let same = match (value, in_view) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == b,
            };
            assert!(same, "{what}: row {i}, column {column}: report {value}, view {in_view}");
        }
    }
}

/// A firm whose rates land on rounding ties: 1 of 32 compliant (0.03125, half-up 0.0313) in 2026-Q1 and 1 of 160
/// (0.00625, half-up 0.0063) in 2026-Q2.
fn add_ties(env: &Env) {
    let firms = env.write("tie-firms.csv", "firm,name,pledged_on\ntie,Tie & Co,2021-01-01\n");
    let mut rows = String::from(
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n",
    );
    for (quarter, opened, shortlist, count) in
        [("q1", "2026-01-05", "2026-02-01", 32), ("q2", "2026-04-06", "2026-05-04", 160)]
    {
        for i in 0..count {
            let sector = if i == 0 { "region" } else { "municipality" };
            rows.push_str(&format!(
                "tie,{quarter}-{i:03},Kommune,municipality,Chef,top,{opened},{shortlist},c1,{sector}\n"
            ));
        }
    }
    let shortlists = env.write("tie-shortlists.csv", &rows);
    env.import(&[firms, shortlists]);
}

#[test]
fn views_give_the_reports_numbers() {
    let env = Env::with_samples();
    add_ties(&env);
    let conn = Connection::open(env.db()).unwrap();

    let searches = report(&env, &["report", "searches"]);
    let view = query(&conn, "SELECT * FROM search_verdicts ORDER BY firm, search_ref");
    assert_agree("search_verdicts", &searches, &view);

    let firms = report(&env, &["report", "firms"]);
    let view = query(&conn, "SELECT * FROM firm_totals ORDER BY firm");
    assert_agree("firm_totals", &firms, &view);

    let quarters = report(&env, &["report", "quarters"]);
    let view = query(&conn, "SELECT * FROM firm_quarter ORDER BY quarter, firm");
    assert_agree("firm_quarter", &quarters, &view);
    assert!(quarters[0].contains_key("compliance_rate_4q"));

    let ties: Vec<_> = view.iter().filter(|r| r["firm"] == "tie").collect();
    assert_eq!(ties[0]["compliance_rate"], 0.0313);
    assert_eq!(ties[1]["compliance_rate"], 0.0063);
    // Pooled: 2 of 192 = 0.0104166...
    assert_eq!(ties[1]["compliance_rate_4q"], 0.0104);
}

#[test]
fn quarter_totals_give_the_quarterly_summary() {
    let env = Env::with_samples();
    add_ties(&env);
    let conn = Connection::open(env.db()).unwrap();
    for quarter in ["2025-Q4", "2026-Q1", "2026-Q2"] {
        env.run(&["quarterly", quarter, "--output", quarter]).ok();
        let summary = std::fs::read(env.path(quarter).join(format!("{quarter}-summary.csv"))).unwrap();
        let mut reader = csv::Reader::from_reader(summary.as_slice());
        let items: std::collections::HashMap<String, String> =
            reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[1].to_string())).collect();
        let view = query(&conn, &format!("SELECT * FROM quarter_totals WHERE quarter = '{quarter}'"));
        let row = &view[0];
        for column in ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable"] {
            assert_eq!(items[column], row[column].to_string(), "{quarter} {column}");
        }
        assert_eq!(items["firms_with_searches"], row["firms"].to_string());
        for column in ["compliance_rate", "compliance_rate_4q"] {
            let csv: f64 = items[column].parse().unwrap();
            assert_eq!(Some(csv), row[column].as_f64(), "{quarter} {column}");
        }
    }
}

#[test]
fn views_are_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/storage.md")).unwrap();
    let env = Env::with_samples();
    let conn = Connection::open(env.db()).unwrap();
    let views: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(views.len() >= 6, "{views:?}");
    for view in views {
        assert!(doc.contains(&format!("`{view}`")), "docs/storage.md does not document the view {view}");
    }
}
