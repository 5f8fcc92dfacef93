//! What an import does to the database: idempotence, replacing a search as a whole while keeping its old rows,
//! one transaction across all files, and the import log.

use crate::support::{all_samples, default_firms, exemptions, firms, row, shortlists, Env, FOREVER};
use sha2::{Digest, Sha256};

/// `(candidate_ref, valid_from, valid_to)` of every candidate row, oldest first.
fn candidate_rows(env: &Env) -> Vec<(String, String, String)> {
    env.sql()
        .prepare("SELECT candidate_ref, valid_from, valid_to FROM candidate_version ORDER BY candidate_ref, valid_from")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `(valid_from, valid_to)` of every row of a version table, oldest first.
fn versions(env: &Env, table: &str) -> Vec<(String, String)> {
    env.sql()
        .prepare(&format!("SELECT valid_from, valid_to FROM {table} ORDER BY valid_from"))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn is_closed(valid_to: &str) -> bool {
    valid_to < "9999"
}

#[test]
fn importing_the_same_files_twice_changes_nothing() {
    let env = Env::new();
    let first = env.import_samples();
    assert!(first.stdout.contains("37 searches changed"), "{}", first.stdout);
    let versions = env.version_counts();
    let before = env.snapshot();

    let second = env.import_samples();
    assert!(second.stdout.contains("0 searches changed"), "{}", second.stdout);
    assert!(second.stdout.contains("0 firms changed") && second.stdout.contains("0 exemptions changed"));
    assert_eq!(env.version_counts(), versions);
    let after = env.snapshot();
    for table in
        ["firm", "search", "verdict", "firm_version", "search_version", "candidate_version", "exemption_version"]
    {
        let rows = |s: &crate::support::Snapshot| s.0.iter().find(|(t, _)| t == table).map(|(_, r)| r.clone());
        assert_eq!(rows(&after), rows(&before), "table {table} changed");
    }
    assert_eq!(
        after.rows("import_log"),
        before.rows("import_log") + 1,
        "an import that changed nothing is still logged"
    );
}

#[test]
fn a_search_written_in_other_words_is_unchanged() {
    let env = Env::new();
    env.load(&default_firms(), &[row(), row().candidate("c2", "region").set("experience", "private:2")], &[]);
    let versions = env.version_counts();
    // Danish words, day-first dates, semicolons, other spacing and case, the rows in the other order.
    let danish = "firm;search_ref;client;client_sector;position;level;opened_on;shortlist_on;candidate_ref;candidate_sector;experience;stage\n\
                  f;s1;Aarhus Kommune; Kommune ;Direktør;TOPCHEF;10.01.2026;01-03-2026;c2;regioner;privat:1 , privat : 1;Shortlist\n\
                  f ; s1 ;Aarhus Kommune;kommune;Direktør;direktør;10/01/2026;1.3.2026; c1 ;Kommunal;;\n";
    let file = env.write("dk.csv", danish);
    let run = env.import(&[&file]);
    assert!(run.stdout.contains("0 searches changed"), "{}", run.stdout);
    assert_eq!(env.version_counts(), versions);
}

#[test]
fn a_reference_composed_or_decomposed_is_one_search() {
    let env = Env::new();
    let (composed, decomposed) = ("A\u{00C9}-1", "AE\u{0301}-1");
    env.load(
        &default_firms(),
        &[row().set("search_ref", composed), row().set("search_ref", decomposed).candidate("c2\u{0301}", "private")],
        &[],
    );
    let stored: Vec<String> = env
        .sql()
        .prepare("SELECT search_ref FROM search")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored, [composed]);
    // Looked up as typed, either way.
    let explanation = env.explain("f", decomposed);
    let refs: Vec<&str> =
        explanation["candidates"].as_array().unwrap().iter().map(|c| c["candidate_ref"].as_str().unwrap()).collect();
    assert_eq!(refs, ["c1", "c2\u{0301}"]);
    // A firm's id typed decomposed on the command line names the firm (found by a tester: `--firm` refused it).
    let firm = "\u{00E9}firm";
    env.load(
        &firms(&[&format!("{firm},E Firm,2021-01-01,")]),
        &[row().set("firm", firm).set("search_ref", "R-1")],
        &[],
    );
    let rows = env.report_json(&["searches", "--firm", "e\u{0301}firm"]);
    assert_eq!(rows.iter().map(|r| r["search_ref"].as_str().unwrap()).collect::<Vec<_>>(), ["R-1"]);
    let run = env.run(&["search", "update", "e\u{0301}firm", "R-1", "--position", "Chef"]).ok();
    assert!(!run.stdout.contains("removed"), "{}", run.stdout);
    assert_eq!(env.explain(firm, "R-1")["search"]["position"], "Chef");
}

#[test]
fn rows_of_one_search_may_stand_anywhere_in_the_file() {
    let env = Env::new();
    let s2 = || row().set("search_ref", "s2");
    env.load(
        &default_firms(),
        &[
            row(),
            s2(),
            row().candidate("c2", "state"),
            s2().candidate("c2", "region"),
            row().candidate("c3", "unknown"),
        ],
        &[],
    );
    let refs = |search_ref: &str| -> Vec<String> {
        let explanation = env.explain("f", search_ref);
        explanation["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["candidate_ref"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(refs("s1"), ["c1", "c2", "c3"]);
    assert_eq!(refs("s2"), ["c1", "c2"]);
}

#[test]
fn a_reimported_search_replaces_its_candidates_as_a_whole_and_keeps_the_old_rows() {
    let env = Env::new();
    env.load(
        &default_firms(),
        &[row(), row().candidate("c2", "municipality")],
        &[["f", "s1", "no-qualified-candidate", "two declined"]],
    );
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");

    let file = env.write("again.csv", shortlists(&[row(), row().candidate("c3", "region")]));
    let run = env.import(&[&file]);
    assert!(run.stdout.contains("1 search changed"), "{}", run.stdout);
    assert_eq!(env.search("f", "s1")["verdict"], "compliant");

    let rows = candidate_rows(&env);
    let refs: Vec<&str> = rows.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(refs, ["c1", "c2", "c3"], "unchanged c1 is kept as it is, c2 is closed, c3 is new");
    let (c1, c2, c3) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(c1.2, FOREVER);
    assert!(is_closed(&c2.2) && c2.1 < c2.2, "c2 is closed after it opened: {c2:?}");
    assert_eq!(c3.2, FOREVER);
    assert_eq!(c2.2, c3.1, "c2 closes when c3 opens");
    let exemption = versions(&env, "exemption_version");
    assert_eq!(exemption.len(), 1);
    assert_eq!(exemption[0].1, FOREVER, "the exemption stays");

    // Back to municipal candidates only: the exemption that stayed applies again.
    let file = env.write("third.csv", shortlists(&[row()]));
    env.import(&[&file]);
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");
    let current = candidate_rows(&env).into_iter().filter(|(_, _, to)| to == FOREVER).count();
    assert_eq!(current, 1);
}

#[test]
fn a_changed_search_column_closes_the_old_search_row_only() {
    let env = Env::new();
    env.load(&default_firms(), &[row(), row().candidate("c2", "state")], &[]);
    let candidates = candidate_rows(&env);
    let renamed = row().set("position", "Kommunaldirektør");
    let file = env.write("again.csv", shortlists(&[renamed.clone(), renamed.candidate("c2", "state")]));
    env.import(&[&file]);
    let search = versions(&env, "search_version");
    assert_eq!(search.len(), 2);
    assert!(is_closed(&search[0].1));
    assert_eq!(search[1].1, FOREVER);
    assert_eq!(candidate_rows(&env), candidates, "the candidates did not change");
}

#[test]
fn an_exemptions_file_replaces_the_exemption() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[["f", "s1", "client-declined", ""]]);
    assert_eq!(env.search("f", "s1")["verdict"], "non-compliant");
    let file = env.write("e2.csv", exemptions(&[["f", "s1", "no-qualified-candidate", "log attached"]]));
    let run = env.import(&[&file]);
    assert!(run.stdout.contains("1 exemption changed"), "{}", run.stdout);
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");
    let rows = versions(&env, "exemption_version");
    assert_eq!(rows.len(), 2);
    assert!(is_closed(&rows[0].1));
    assert_eq!(rows[1].1, FOREVER);
}

#[test]
fn a_firms_row_replaces_the_firm_as_a_whole_and_its_verdicts_follow() {
    let env = Env::new();
    env.load(&default_firms(), &[row().candidate("c1", "state")], &[]);
    assert_eq!(env.search("f", "s1")["verdict"], "compliant");
    // pledged_on is left out of the header, so it counts as empty: the firm has not signed.
    let file = env.write("names.csv", "firm,name\nf,Firm F renamed\n");
    env.import(&[&file]);
    let s = env.search("f", "s1");
    assert_eq!(s["verdict"], "not-applicable", "{s}");
    let firm = env.report_json(&["firms"]);
    assert_eq!(firm[0]["name"], "Firm F renamed");
    let rows = versions(&env, "firm_version");
    assert_eq!(rows.len(), 2);
    assert!(is_closed(&rows[0].1));
}

#[test]
fn an_exemption_may_name_a_search_of_the_same_call_in_any_file_order() {
    let env = Env::new();
    let e = env.write("e.csv", exemptions(&[["f", "s1", "no-qualified-candidate", ""]]));
    let s = env.write("s.csv", shortlists(&[row()]));
    let f = env.write("f.csv", default_firms());
    env.import(&[&e, &s, &f]);
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");
}

#[test]
fn identifiers_are_trimmed_but_match_exactly() {
    let env = Env::new();
    env.load(&default_firms(), &[row().set("firm", "  f ").set("search_ref", " s1 ")], &[]);
    assert_eq!(env.searches().len(), 1);
    env.search("f", "s1");
    let file = env.write("upper.csv", shortlists(&[row().set("firm", "F")]));
    let run = env.run(&["import", &file]).code(2);
    assert!(run.stderr.contains("unknown firm"), "{}", run.stderr);
}

#[test]
fn a_bad_third_file_leaves_the_first_two_unwritten() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    let bad = env.write("bad.csv", shortlists(&[row().set("search_ref", "s2").set("level", "boss")]));
    env.run(&["import", &f, &s, &bad]).code(2);
    assert!(!env.db().exists() || env.count("SELECT count(*) FROM search") == 0);
}

#[test]
fn a_third_file_refused_by_the_database_rolls_back_the_first_two() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    // Valid on its own, but its exemption names a search that exists nowhere: found while writing.
    let bad = env.write("e.csv", exemptions(&[["f", "s1", "no-qualified-candidate", ""], ["f", "s9", "x", ""]]));
    let run = env.run(&["import", &f, &s, &bad]).code(2);
    assert!(run.stderr.contains("e.csv: line 3"), "{}", run.stderr);
    if env.db().exists() {
        for table in
            ["firm", "search", "firm_version", "search_version", "candidate_version", "exemption_version", "verdict"]
        {
            assert_eq!(env.count(&format!("SELECT count(*) FROM {table}")), 0, "{table} has rows");
        }
        let logged = env.count("SELECT count(*) FROM import_file WHERE name IN ('f.csv', 's.csv', 'e.csv')");
        assert_eq!(logged, 0, "the failed import was logged");
    }
}

#[test]
fn a_bad_file_leaves_an_existing_database_as_it_was() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let before = env.snapshot();
    let f = env.write("f2.csv", firms(&["g,G,2022-01-01,"]));
    let s = env.write("s2.csv", shortlists(&[row().set("firm", "g").set("search_ref", "g1")]));
    let bad = env.write("e2.csv", exemptions(&[["g", "missing", "x", ""]]));
    env.run(&["import", &f, &s, &bad]).code(2);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_dry_run_import_writes_nothing() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let before = env.snapshot();
    let s = env.write("s2.csv", shortlists(&[row().candidate("c1", "state"), row().set("search_ref", "s2")]));
    let run = env.run(&["import", "--dry-run", &s]).ok();
    assert!(run.stdout.contains("dry run"), "{}", run.stdout);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_dry_run_import_creates_no_database() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    env.run(&["import", "--dry-run", &f, &s]).ok();
    assert!(!env.db().exists());
}

#[test]
fn a_successful_import_logs_each_file_with_its_sha256() {
    let env = Env::new();
    env.import(&all_samples());
    let files: Vec<(String, String)> = env
        .sql()
        .prepare(
            "SELECT name, sha256 FROM import_file WHERE import_id = (SELECT max(import_id) FROM import_file)
             AND kind <> 'registry' ORDER BY position",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(files.len(), 5);
    for ((name, sha), path) in files.iter().zip(all_samples()) {
        assert_eq!(name, &path.display().to_string());
        let want: String = Sha256::digest(std::fs::read(&path).unwrap()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sha, &want, "{name}");
    }
}

#[test]
fn repeated_entries_may_sum_past_sixty_years() {
    let env = Env::new();
    let s = env.judge(&[row().set("experience", "private:40;private:40")]);
    assert_eq!(s["verdict"], "compliant");
    assert_eq!(env.explain("f", "s1")["candidates"][0]["experience"], "private:80");
}

#[test]
fn an_exemption_is_stored_and_judged_with_its_search_even_when_the_search_rows_stand_apart() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s =
        env.write("s.csv", shortlists(&[row(), row().set("search_ref", "s2"), row().candidate("c2", "municipality")]));
    let e = env.write("e.csv", exemptions(&[["f", "s1", "no-qualified-candidate", "two rows apart"]]));
    let run = env.import(&[&s, &e, &f]);
    assert!(run.stdout.contains("1 exemption changed (1 read)"), "{}", run.stdout);
    let s1 = env.search("f", "s1");
    assert_eq!(s1["verdict"], "exempt", "{s1}");
    assert_eq!(env.search("f", "s2")["verdict"], "non-compliant");
    assert_eq!(env.count("SELECT count(*) FROM candidate_version WHERE valid_to = '9999-12-31T23:59:59.999999Z'"), 3);
    assert_eq!(env.count("SELECT count(*) FROM exemption_version"), 1);
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn a_changed_exemption_of_an_unchanged_search_changes_its_verdict_in_or_out_of_the_files() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    let declined = env.write("e1.csv", exemptions(&[["f", "s1", "client-declined", ""]]));
    env.import(&[&f, &s, &declined]);
    let s1 = env.search("f", "s1");
    assert_eq!(s1["verdict"], "non-compliant");
    assert!(s1["reason"].as_str().unwrap().contains("client-declined"), "{s1}");

    // The same search again, with an exemption the policy accepts: the search is unchanged, its verdict is not.
    let accepted = env.write("e2.csv", exemptions(&[["f", "s1", "no-qualified-candidate", ""]]));
    let run = env.import(&[&s, &accepted]);
    assert!(run.stdout.contains("0 searches changed (1 read;"), "{}", run.stdout);
    assert!(run.stdout.contains("1 exemption changed (1 read)"), "{}", run.stdout);
    assert_eq!(env.search("f", "s1")["verdict"], "exempt");
    let run = env.import(&[&s, &accepted]);
    assert!(run.stdout.contains("0 exemptions changed"), "{}", run.stdout);

    // An exemptions file alone, for a stored search: stored at the end of the import, and judged.
    env.import(&[&declined]);
    assert_eq!(env.search("f", "s1")["verdict"], "non-compliant");
    assert_eq!(env.count("SELECT count(*) FROM exemption_version"), 3);
    env.run(&["audit", "verify"]).ok();
}

/// The samples' shortlists with their data rows in another order: every third row first, then the rest reversed.
fn reordered_samples(env: &Env) -> Vec<String> {
    let text = std::fs::read_to_string(crate::support::sample("shortlists.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut order: Vec<&str> = rows.iter().step_by(3).copied().collect();
    order.extend(rows.iter().enumerate().rev().filter(|(i, _)| i % 3 != 0).map(|(_, r)| *r));
    assert_eq!(order.len(), rows.len());
    let shortlists = env.write("shortlists.csv", format!("{header}\n{}\n", order.join("\n")));
    let [firms, exemptions] = ["firms.csv", "exemptions.csv"].map(|f| crate::support::sample(f).display().to_string());
    vec![firms, shortlists, exemptions]
}

#[test]
fn the_order_of_a_files_rows_changes_no_report() {
    let grouped = Env::new();
    grouped.import(&crate::support::csv_samples()).ok();
    let shuffled = Env::new();
    let files = reordered_samples(&shuffled);
    let first = shuffled.import(&files).ok();
    assert!(first.stdout.contains("28 searches changed (28 read"), "{}", first.stdout);
    for args in [
        &["report", "searches", "--format", "csv"][..],
        &["report", "firms", "--format", "csv"],
        &["report", "quarters", "--format", "csv"],
        &["report", "outcomes", "--format", "csv"],
        &["check", "--format", "json"],
    ] {
        assert_eq!(shuffled.run(args).stdout, grouped.run(args).stdout, "{args:?}");
    }
    assert_eq!(shuffled.version_counts(), grouped.version_counts());
    let again = shuffled.import(&files).ok();
    assert!(again.stdout.contains("0 searches changed (28 read"), "{}", again.stdout);
}

#[test]
fn a_shuffled_files_errors_are_listed_in_line_order() {
    let env = Env::new();
    let header = "firm,search_ref,client,client_sector,position,level,opened_on,candidate_ref,candidate_sector";
    // s9 sorts last but its error is on line 2; s1's rows disagree on line 5, far from its first row.
    let text = format!(
        "{header}\nf,s9,C,stats,P,top,2026-01-01,c1,private\nf,s1,C,state,P,top,2026-01-01,c1,private\n\
         f,s5,C,state,P,top,2026-02-30,c1,private\nf,s1,C,region,P,top,2026-01-01,c2,private\n"
    );
    let firms = env.write("firms.csv", default_firms());
    let file = env.write("s.csv", text);
    let run = env.run(&["import", firms.as_str(), file.as_str()]).code(2);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("s.csv: line")).collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(lines[0].starts_with("s.csv: line 2, column 4 (client_sector): unknown sector"), "{}", run.stderr);
    assert!(lines[1].starts_with("s.csv: line 4, column 7 (opened_on): impossible date"), "{}", run.stderr);
    assert!(
        lines[2].starts_with("s.csv: line 5, column 4 (client_sector): the rows of search s1 disagree"),
        "{}",
        run.stderr
    );
    assert!(!env.db().exists(), "nothing written, not even the database");
}
