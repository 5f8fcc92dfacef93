//! Privacy (issue 5): columns that look like personal data are refused with an explanation, and
//! `forget FIRM SEARCH_REF CANDIDATE_REF` replaces a candidate's reference in every stored version while verdicts,
//! as-of reads and `audit verify` stay as they were.

use crate::support::{default_firms, firms, row, shortlists, Env, SHORTLIST_COLUMNS};

/// A reference no hash, date or word of pledgecheck's own contains.
const SECRET: &str = "Person-Qwz-7";

/// Every text value in every table of the database that contains `needle`, as `table: value`.
fn cells_containing(env: &Env, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, rows) in env.snapshot().0 {
        for row in rows {
            for cell in row {
                if cell.contains(needle) {
                    found.push(format!("{table}: {cell}"));
                }
            }
        }
    }
    found
}

#[test]
fn columns_that_look_like_personal_data_are_refused_with_an_explanation() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let before = env.snapshot();
    for column in
        ["email", "cpr", "phone", "birth", "address", "candidate_name", "Email", " CPR ", "birth_date", "home_address"]
    {
        let mut header: Vec<String> = SHORTLIST_COLUMNS.iter().map(|c| c.to_string()).collect();
        header.insert(10, column.to_string());
        let mut text = header.join(",");
        text.push('\n');
        let mut values: Vec<String> = SHORTLIST_COLUMNS.iter().map(|c| row().get(c).to_string()).collect();
        values.insert(10, "x".into());
        text.push_str(&values.join(","));
        text.push('\n');
        let file = env.write("personal.csv", text);
        let run = env.run(&["import", &file]).code(2);
        let line = crate::support::error_line(&run.stderr, "personal.csv", 1, None);
        assert!(line.contains("column 11"), "{column}: {line}");
        assert!(line.contains("personal data"), "{column}: no explanation: {line}");
        assert!(line.contains("candidate_ref"), "{column}: does not say what to use instead: {line}");
        assert_eq!(env.snapshot(), before, "{column}");
    }

    // `name` belongs in a firms file, and nowhere else.
    let with_name = env.write("named.csv", "firm,search_ref,reason,note,name\nf,s1,no-qualified-candidate,,Anna\n");
    let run = env.run(&["import", &with_name]).code(2);
    assert!(
        crate::support::error_line(&run.stderr, "named.csv", 1, Some("name")).contains("personal data"),
        "{}",
        run.stderr
    );
    let firm_email = env.write("firms2.csv", "firm,name,pledged_on,withdrawn_on,email\nf,F,2021-06-01,,a@b.dk\n");
    let run = env.run(&["import", &firm_email]).code(2);
    assert!(crate::support::error_line(&run.stderr, "firms2.csv", 1, Some("email")).contains("personal data"));
    let firm_name = env.write("firms3.csv", firms(&["f,Firm F A/S,2021-06-01,"]));
    env.import(&[firm_name]);
    assert_eq!(env.snapshot().rows("firm_version"), before.rows("firm_version") + 1);

    // JSON keys too, at any depth.
    let before = env.snapshot();
    for (key, path) in [("email", "searches[0]"), ("cpr", "searches[0].candidates[0]"), ("phone", "firms[0]")] {
        let mut firm = serde_json::json!({"firm": "f", "name": "F", "pledged_on": "2021-06-01"});
        let mut candidate = serde_json::json!({"candidate_ref": "c1", "candidate_sector": "state"});
        let mut search = serde_json::json!({
            "firm": "f", "search_ref": "s1", "client": "Aarhus Kommune", "client_sector": "kommune",
            "position": "P", "level": "top", "opened_on": "2026-01-10",
        });
        match path {
            "firms[0]" => firm[key] = "x".into(),
            "searches[0]" => search[key] = "x".into(),
            _ => candidate[key] = "x".into(),
        }
        search["candidates"] = serde_json::json!([candidate]);
        let file = env.write("p.json", serde_json::json!({"firms": [firm], "searches": [search]}).to_string());
        let run = env.run(&["import", &file]).code(2);
        assert!(run.stderr.contains(&format!("{path}.{key}")), "{key}: {}", run.stderr);
        assert!(run.stderr.contains("personal data"), "{key}: {}", run.stderr);
        assert_eq!(env.snapshot(), before, "{key}");
    }
}

#[test]
fn forgetting_a_candidate_rewrites_every_version_and_keeps_the_verdicts_and_the_chain() {
    let env = Env::new();
    let f = env.write("firms.csv", default_firms());
    // The candidate is in three versions of the search: added on the longlist, shortlisted, given experience.
    let first =
        env.write("first.csv", shortlists(&[row(), row().candidate(SECRET, "private").set("stage", "longlist")]));
    env.import(&[&f, &first]);
    let second = shortlists(&[row(), row().candidate(SECRET, "private")]);
    let second = env.write("second.csv", second);
    env.import(&[&second]);
    let t_second = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    std::thread::sleep(std::time::Duration::from_millis(5));
    env.run(&["candidate", "update", "f", "s1", SECRET, "--experience", "state:3"]).ok();
    // Another search holds a candidate with the same reference, which must stay.
    let other = env.write("other.csv", shortlists(&[row().set("search_ref", "s2").candidate(SECRET, "state")]));
    env.import(&[&other]);

    let versions = env.count(&format!("SELECT count(*) FROM candidate_version WHERE candidate_ref = '{SECRET}'"));
    assert_eq!(versions, 4);
    let explain_then = env.run(&["explain", "f", "s1", "--format", "json", "--as-of", &t_second]).ok().stdout;
    let before = env.report_csv(&["searches"]);
    let counts = env.version_counts();

    let run = env.run(&["--by", "dpo", "forget", "f", "s1", SECRET]).ok();
    assert!(run.stdout.contains("3 stored versions"), "{}", run.stdout);
    let token = run.stdout.split_whitespace().last().expect("the token").to_string();
    assert!(token.starts_with("redacted-"), "{token}");

    // No row of s1 holds the reference any more; s2's candidate keeps it.
    let left: Vec<(String, String)> = env
        .sql()
        .prepare(
            "SELECT s.search_ref, v.candidate_ref FROM candidate_version v JOIN search s ON s.id = v.search_id
             WHERE v.candidate_ref <> 'c1' ORDER BY v.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        left,
        [
            ("s1".to_string(), token.clone()),
            ("s1".to_string(), token.clone()),
            ("s1".to_string(), token.clone()),
            ("s2".to_string(), SECRET.to_string())
        ]
    );
    let everywhere = cells_containing(&env, SECRET);
    assert!(
        everywhere.iter().all(|c| c.starts_with("candidate_version: ") || c.starts_with("verdict: ")),
        "the reference is still stored elsewhere: {everywhere:#?}"
    );
    assert_eq!(everywhere.iter().filter(|c| c.starts_with("candidate_version: ")).count(), 1, "{everywhere:#?}");
    assert!(
        env.count("SELECT count(*) FROM verdict v JOIN search s ON s.id = v.search_id WHERE s.search_ref = 's1' AND v.reason LIKE '%Person-Qwz-7%'")
            == 0,
        "s1's stored verdict reason still names the candidate"
    );
    assert_eq!(env.version_counts(), counts, "forget rewrites, it adds no versions");

    // Verdicts are as they were; only the reference in the reasons changed.
    let after = env.report_csv(&["searches"]);
    assert_eq!(after.header, before.header);
    for (old, new) in before.rows.iter().zip(&after.rows) {
        let expected: Vec<String> = old.iter().map(|c| c.replace(SECRET, &token)).collect();
        if old[1] == "s1" {
            assert_eq!(new, &expected);
        } else {
            assert_eq!(new, old);
        }
    }
    // As-of reads too: the explanation of the time before is the same but for the reference (and the order of
    // the candidates, which are listed by reference).
    assert!(explain_then.contains(SECRET));
    let explain_now = env.run(&["explain", "f", "s1", "--format", "json", "--as-of", &t_second]).ok().stdout;
    let by_reference = |text: &str| {
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        value["candidates"].as_array_mut().unwrap().sort_by_key(|c| c["candidate_ref"].to_string());
        value
    };
    assert_eq!(by_reference(&explain_now), by_reference(&explain_then.replace(SECRET, &token)));

    // The chain is intact, and records the redaction.
    env.run(&["audit", "verify"]).ok();
    let (actor, command): (String, String) = env
        .sql()
        .query_row("SELECT actor, command FROM import_log ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(actor, "dpo");
    assert!(!command.contains(SECRET), "{command}");
    assert_eq!(env.count("SELECT count(*) FROM redaction"), 3);
    let history = env.run(&["history", "f", "s1"]).ok().stdout;
    assert!(!history.contains(SECRET), "{history}");

    // Forgetting it again finds nothing; the other search still has it.
    let run = env.run(&["forget", "f", "s1", SECRET]).code(2);
    assert!(run.stderr.contains("no candidate"), "{}", run.stderr);

    // Importing the candidate again adds them anew: a new version with the reference, the redacted one closed.
    env.import(&[&second]);
    let current: Vec<String> = env
        .sql()
        .prepare(&format!(
            "SELECT v.candidate_ref FROM candidate_version v JOIN search s ON s.id = v.search_id
             WHERE s.search_ref = 's1' AND v.valid_to = '{}' ORDER BY v.candidate_ref",
            crate::support::FOREVER
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(current, ["Person-Qwz-7", "c1"]);
    assert_eq!(env.count(&format!("SELECT count(*) FROM candidate_version WHERE candidate_ref = '{token}'")), 3);
    env.run(&["audit", "verify"]).ok();
    assert_eq!(env.search("f", "s1")["verdict"], before.get(before.row(&["f", "s1"]), "verdict"));
}

#[test]
fn forgetting_a_candidate_that_is_not_there_exits_2_and_writes_nothing() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let before = env.snapshot();
    for args in [["forget", "f", "s1", "nobody"], ["forget", "f", "nope", "c1"], ["forget", "g", "s1", "c1"]] {
        env.run(&args).code(2);
        assert_eq!(env.snapshot(), before, "{args:?}");
    }
    let missing = Env::new();
    missing.run(&["forget", "f", "s1", "c1"]).code(2);
    assert!(!missing.db().exists());
}

/// Issue 12, item 6: after `forget` returns, no byte of the reference remains in the database file, its `-wal` or
/// its `-shm`, even with another connection open on the database; and the redaction token is covered by the
/// chain (its edit is caught: `evidence::tamper::a_redaction_token_edited_into_a_name_is_caught`).
#[test]
fn forget_leaves_no_byte_of_the_reference_on_disk_with_another_connection_open() {
    let env = Env::new();
    let secret = "ZQX-Jensine-4711";
    let rows =
        shortlists(&[row().candidate(secret, "private"), row().set("search_ref", "s2").candidate(secret, "state")]);
    env.load(&default_firms(), &[row().candidate(secret, "municipality")], &[]);
    env.import(&[env.write("again.csv", rows)]);
    env.run(&["candidate", "update", "f", "s1", secret, "--stage", "interview"]).ok();
    // Another connection, open (and having read) while forget runs, as a report or a browser would be.
    let other = env.sql();
    let _: i64 = other.query_row("SELECT count(*) FROM candidate_version", [], |r| r.get(0)).unwrap();
    let files = |env: &Env| -> Vec<(String, Vec<u8>)> {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|s| {
                let path = format!("{}{s}", env.db().display());
                std::fs::read(&path).ok().map(|b| (path, b))
            })
            .collect()
    };
    let holds = |bytes: &[u8]| bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
    assert!(files(&env).iter().any(|(_, b)| holds(b)), "the reference is on disk before");
    env.run(&["forget", "f", "s1", secret]).ok();
    env.run(&["forget", "f", "s2", secret]).ok();
    for (path, bytes) in files(&env) {
        assert!(!holds(&bytes), "{path} still holds the reference");
    }
    let count: i64 = other.query_row("SELECT count(*) FROM candidate_version", [], |r| r.get(0)).unwrap();
    assert!(count > 0);
    drop(other);
    env.run(&["audit", "verify"]).ok();
}
