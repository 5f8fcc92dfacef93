//! One test per class of bad input: exit status 2, stderr names the file, the line and the column (or the JSON
//! path), and the database is exactly as before.

use crate::support::{column, default_firms, error_line, exemptions, firms, row, shortlists, Env, Row};

/// A database holding firm `f` and its search `s0`, so that "unchanged" means something.
fn baseline() -> Env {
    let env = Env::new();
    env.load(&default_firms(), &[row().set("search_ref", "s0")], &[]);
    env
}

/// Runs `import ARGS`, asserts exit status 2 and an unchanged database, and returns stderr.
#[track_caller]
fn refused(env: &Env, args: &[&str]) -> String {
    let before = env.snapshot();
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    let run = env.run(&all).code(2);
    assert_eq!(env.snapshot(), before, "a refused import changed the database");
    run.stderr
}

/// Imports a shortlists file `s.csv` of these rows into the baseline; asserts it is refused; returns stderr.
#[track_caller]
fn refused_rows(rows: &[Row]) -> String {
    let env = baseline();
    let file = env.write("s.csv", shortlists(rows));
    refused(&env, &[&file])
}

/// Imports a file of this text into the baseline; asserts it is refused; returns stderr.
#[track_caller]
fn refused_file(name: &str, text: &str) -> String {
    let env = baseline();
    let file = env.write(name, text);
    refused(&env, &[&file])
}

/// Asserts that stderr names `s.csv`, the line and the shortlists column, with a message holding `what`.
#[track_caller]
fn assert_names(stderr: &str, line: usize, col: &str, what: &str) {
    let found = error_line(stderr, "s.csv", line, Some(col));
    assert!(found.contains(&format!("column {}", column(col))), "{found}");
    assert!(found.contains(what), "{found:?} does not say {what:?}");
}

fn s1() -> Row {
    row().set("search_ref", "s1")
}

fn s2() -> Row {
    row().set("search_ref", "s2")
}

// values

#[test]
fn unknown_client_sector() {
    let stderr = refused_rows(&[s1(), s2().set("client_sector", "stats")]);
    assert_names(&stderr, 3, "client_sector", "unknown sector \"stats\"");
}

#[test]
fn unknown_candidate_sector() {
    let stderr = refused_rows(&[s1().set("candidate_sector", "kommunen")]);
    assert_names(&stderr, 2, "candidate_sector", "kommunen");
}

#[test]
fn unknown_as_a_client_sector() {
    let stderr = refused_rows(&[s1().set("client_sector", "unknown")]);
    assert_names(&stderr, 2, "client_sector", "unknown");
}

#[test]
fn unknown_level() {
    let stderr = refused_rows(&[s1().set("level", "boss")]);
    assert_names(&stderr, 2, "level", "boss");
}

#[test]
fn unknown_stage() {
    let stderr = refused_rows(&[s1(), s1().candidate("c2", "state").set("stage", "offer")]);
    assert_names(&stderr, 3, "stage", "offer");
}

#[test]
fn malformed_dates() {
    let stderr = refused_rows(&[
        s1().set("opened_on", "2026/01/10"),
        s2().set("shortlist_on", "1.3.26"),
        row().set("search_ref", "s3").set("added_on", "yesterday"),
    ]);
    assert_names(&stderr, 2, "opened_on", "malformed date");
    assert_names(&stderr, 3, "shortlist_on", "malformed date");
    assert_names(&stderr, 4, "added_on", "malformed date");
}

#[test]
fn impossible_date() {
    let stderr = refused_rows(&[s1().set("shortlist_on", "30.02.2026")]);
    assert_names(&stderr, 2, "shortlist_on", "impossible date");
}

#[test]
fn out_of_range_dates() {
    let stderr = refused_rows(&[s1().set("opened_on", "1989-12-31"), s2().set("shortlist_on", "2101-01-01")]);
    assert_names(&stderr, 2, "opened_on", "out of range");
    assert_names(&stderr, 3, "shortlist_on", "out of range");
}

#[test]
fn dates_before_opened_on() {
    let stderr = refused_rows(&[
        s1().set("shortlist_on", "2026-01-09"),
        s2().set("shortlist_on", "").set("cancelled_on", "09-01-2026"),
        row().set("search_ref", "s3").set("added_on", "2026-01-09"),
    ]);
    assert_names(&stderr, 2, "shortlist_on", "before opened_on");
    assert_names(&stderr, 3, "cancelled_on", "before opened_on");
    assert_names(&stderr, 4, "added_on", "opened_on");
}

#[test]
fn cancelled_before_the_shortlist() {
    let stderr = refused_rows(&[s1().set("shortlist_on", "2026-03-01").set("cancelled_on", "2026-02-28")]);
    assert_names(&stderr, 2, "cancelled_on", "before shortlist_on");
}

#[test]
fn malformed_experience() {
    let stderr = refused_rows(&[
        s1().set("experience", "private"),
        s2().set("experience", "private:61"),
        row().set("search_ref", "s3").set("experience", "mars:2"),
        row().set("search_ref", "s4").set("experience", "private:2.5"),
    ]);
    assert_names(&stderr, 2, "experience", "private");
    assert_names(&stderr, 3, "experience", "out of range");
    assert_names(&stderr, 4, "experience", "mars");
    assert_names(&stderr, 5, "experience", "2.5");
}

#[test]
fn a_missing_required_value() {
    let stderr = refused_rows(&[s1().set("client", "  ")]);
    assert_names(&stderr, 2, "client", "missing");
}

#[test]
fn withdrawn_without_pledged_on() {
    let stderr = refused_file("firms2.csv", &firms(&["g,Firm G,,2025-01-01"]));
    let found = error_line(&stderr, "firms2.csv", 2, Some("withdrawn_on"));
    assert!(found.contains("pledged_on"), "{found}");
}

#[test]
fn line_numbers_are_physical_lines() {
    // The first row's position holds a line break, so the bad row starts on line 4.
    let stderr = refused_rows(&[s1().set("position", "Direktør\nfor Børn og Unge"), s2().set("level", "boss")]);
    assert_names(&stderr, 4, "level", "boss");
}

/// A semicolon file with a byte-order mark and a bad level on line 3, with these line endings.
fn semicolon_file(newline: &str) -> String {
    [
        "\u{feff}firm;search_ref;client;client_sector;position;level;opened_on",
        "f;s1;Aarhus Kommune;kommune;Direktør;topchef;10-01-2026",
        "f;s2;Aarhus Kommune;kommune;Direktør;chefen;10-01-2026",
        "",
    ]
    .join(newline)
}

#[test]
fn line_numbers_in_a_semicolon_file_with_a_bom() {
    let stderr = refused_file("dk.csv", &semicolon_file("\n"));
    let found = error_line(&stderr, "dk.csv", 3, Some("level"));
    assert!(found.contains("column 6") && found.contains("chefen"), "{found}");
}

#[test]
fn line_numbers_in_a_file_with_crlf() {
    let stderr = refused_file("dk.csv", &semicolon_file("\r\n"));
    let found = error_line(&stderr, "dk.csv", 3, Some("level"));
    assert!(found.contains("column 6") && found.contains("chefen"), "{found}");
}

// headers

#[test]
fn a_missing_required_column() {
    let stderr =
        refused_file("s.csv", "firm,search_ref,client,client_sector,position,opened_on\nf,s1,C,state,P,2026-01-10\n");
    let found = error_line(&stderr, "s.csv", 1, None);
    assert!(found.contains("level") && found.contains("missing"), "{found}");
}

#[test]
fn an_unknown_column() {
    let stderr = refused_file("f.csv", "firm,name,colour\ng,G,blue\n");
    let found = error_line(&stderr, "f.csv", 1, Some("colour"));
    assert!(found.contains("column 3") && found.contains("unknown column"), "{found}");
}

#[test]
fn a_repeated_column() {
    let stderr = refused_file("e.csv", "firm,search_ref,reason,note,reason\nf,s0,no-qualified-candidate,,x\n");
    let found = error_line(&stderr, "e.csv", 1, Some("reason"));
    assert!(found.contains("column 5") && found.contains("repeated"), "{found}");
}

#[test]
fn an_email_column_is_personal_data() {
    let text = "firm,search_ref,client,client_sector,position,level,opened_on,candidate_ref,candidate_sector,email\n\
                f,s1,C,state,P,top,2026-01-10,c1,region,jens@example.dk\n";
    let stderr = refused_file("s.csv", text);
    let found = error_line(&stderr, "s.csv", 1, Some("email"));
    assert!(found.contains("personal data"), "{found}");
}

#[test]
fn a_candidate_name_column_is_personal_data() {
    let text =
        "firm,search_ref,client,client_sector,position,level,opened_on,candidate_ref,candidate_sector,candidate_name\n\
                f,s1,C,state,P,top,2026-01-10,c1,region,Jens Hansen\n";
    let stderr = refused_file("s.csv", text);
    let found = error_line(&stderr, "s.csv", 1, Some("candidate_name"));
    assert!(found.contains("personal data"), "{found}");
}

#[test]
fn a_header_that_fits_no_kind_names_the_three_kinds() {
    let stderr = refused_file("odd.csv", "client,level\nAarhus Kommune,top\n");
    let found = error_line(&stderr, "odd.csv", 1, None);
    for kind in ["firms", "shortlists", "exemptions", "search_ref", "reason"] {
        assert!(found.contains(kind), "{found:?} does not name {kind}");
    }
}

// rows and searches

#[test]
fn rows_of_one_search_that_disagree() {
    // A client the registry does not know, so that the sector is the file's to choose.
    let s1 = || s1().set("client", "Aarhus Havn");
    let stderr = refused_rows(&[s1(), s2(), s1().candidate("c2", "region").set("client_sector", "region")]);
    let found = error_line(&stderr, "s.csv", 4, Some("client_sector"));
    assert!(found.contains("disagree") && found.contains("line 2"), "{found}");
}

#[test]
fn a_candidate_twice_in_one_search() {
    let stderr = refused_rows(&[s1(), s1().set("candidate_sector", "region")]);
    let found = error_line(&stderr, "s.csv", 3, Some("candidate_ref"));
    assert!(found.contains("c1") && found.contains("line 2"), "{found}");
}

#[test]
fn the_same_search_in_two_files_names_both_places() {
    let env = baseline();
    let a = env.write("a.csv", shortlists(&[s1()]));
    let b = env.write("b.csv", shortlists(&[s2(), s1().candidate("c9", "state")]));
    let stderr = refused(&env, &[&a, &b]);
    let found = error_line(&stderr, "b.csv", 3, Some("search_ref"));
    assert!(found.contains("a.csv line 2"), "{found}");
}

#[test]
fn the_same_firm_in_two_files_names_both_places() {
    let env = baseline();
    let a = env.write("a.csv", firms(&["g,G,,"]));
    let b = env.write("b.csv", firms(&["h,H,,", "g,G2,,"]));
    let stderr = refused(&env, &[&a, &b]);
    let found = error_line(&stderr, "b.csv", 3, Some("firm"));
    assert!(found.contains("a.csv line 2"), "{found}");
}

#[test]
fn an_unknown_firm() {
    let stderr = refused_rows(&[s1(), s2().set("firm", "nobody")]);
    let found = error_line(&stderr, "s.csv", 3, Some("firm"));
    assert!(found.contains("unknown firm") && found.contains("nobody"), "{found}");
}

#[test]
fn a_ragged_row() {
    let mut text = shortlists(&[s1()]);
    text.push_str("f,s2,C,state,P,top,2026-01-10\n");
    let stderr = refused_file("s.csv", &text);
    let found = error_line(&stderr, "s.csv", 3, None);
    assert!(found.contains("7") && found.contains("14"), "{found}");
}

#[test]
fn an_empty_file() {
    let env = baseline();
    let empty = env.write("empty.csv", "");
    let blank = env.write("blank.csv", "\u{feff}\r\n");
    let stderr = refused(&env, &[&empty, &blank]);
    for name in ["empty.csv", "blank.csv"] {
        let found = stderr.lines().find(|l| l.starts_with(&format!("{name}: "))).unwrap_or_else(|| panic!("{stderr}"));
        assert!(found.contains("empty"), "{found}");
    }
}

#[test]
fn a_header_only_file_is_valid_and_changes_nothing() {
    let env = baseline();
    let before = env.version_counts();
    let file = env.write("s.csv", shortlists(&[]));
    let run = env.import(&[&file]);
    assert!(run.stdout.contains("0 searches changed"), "{}", run.stdout);
    assert_eq!(env.version_counts(), before);
}

#[test]
fn a_file_that_is_not_utf8_names_the_line_and_the_flag_and_imports_with_it() {
    let env = baseline();
    let file = env.write("dk.csv", b"firm,name,pledged_on\ng,Firm G,2022-01-01\nh,K\xf8benhavn Search,2022-01-01\n");
    let stderr = refused(&env, &[&file]);
    let found = error_line(&stderr, "dk.csv", 3, None);
    assert!(found.contains("UTF-8") && found.contains("--encoding windows-1252"), "{found}");

    // A UTF-8 file with its byte-order mark in the same call is read as UTF-8, not turned into "KÃ¸ge".
    let utf8 = env.write("utf8.csv", "\u{feff}firm,name,pledged_on\nk,Køge Search,2022-01-01\n");
    env.run(&["import", "--encoding", "windows-1252", &file, &utf8]).ok();
    let names: Vec<_> = env.report_json(&["firms", "--firm", "h"]).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, ["København Search"]);
    let names: Vec<_> = env.report_json(&["firms", "--firm", "k"]).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, ["Køge Search"]);

    // So is a UTF-8 file without one (valid UTF-8 with non-ASCII text is not Windows-1252 but by accident).
    let plain = env.write("plain.csv", "firm,name,pledged_on\nm,Ærø Søgning,2022-01-01\n");
    env.run(&["import", "--encoding", "windows-1252", &file, &plain]).ok();
    let names: Vec<_> = env.report_json(&["firms", "--firm", "m"]).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, ["Ærø Søgning"]);
}

#[test]
fn a_byte_order_mark_before_windows_1252_and_utf16_are_told_apart() {
    let env = baseline();
    // Found by a tester: refused with the hint to add the flag that was given.
    let marked = env.write("marked.csv", b"\xef\xbb\xbffirm,name,pledged_on\np,Nords\xf8g,2022-01-01\n");
    env.run(&["import", "--encoding", "windows-1252", &marked]).ok();
    let names: Vec<_> = env.report_json(&["firms", "--firm", "p"]).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, ["Nordsøg"]);
    let utf16: Vec<u8> =
        [0xff, 0xfe].into_iter().chain("firm,name\nq,Q\n".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
    let utf16 = env.write("u16.csv", utf16);
    for args in [vec!["import", utf16.as_str()], vec!["import", "--encoding", "windows-1252", utf16.as_str()]] {
        let stderr = env.run(&args).code(2).stderr;
        assert!(stderr.contains("u16.csv: the file is UTF-16"), "{stderr}");
    }
}

#[test]
fn two_files_joined_into_one_name_the_repeated_header() {
    let env = baseline();
    let header = "firm,name,pledged_on\n";
    let file = env.write("joined.csv", format!("{header}g,Firm G,2022-01-01\n{header}h,Firm H,2022-01-01\n"));
    let stderr = refused(&env, &[&file]);
    let found = error_line(&stderr, "joined.csv", 3, None);
    assert!(found.contains("repeats the header line"), "{found}");
    assert!(stderr.contains("1 problem"), "{stderr}");
    // In Danish words below the English ones (found by a tester: it made a firm "firma" named "firmanavn").
    let file = env.write("joined.csv", format!("{header}g,Firm G,2022-01-01\nFirma,Firmanavn,Tilsluttet\n"));
    let stderr = refused(&env, &[&file]);
    assert!(error_line(&stderr, "joined.csv", 3, None).contains("repeats the header line"), "{stderr}");
}

#[test]
fn an_exemption_for_a_missing_search() {
    let env = baseline();
    let file = env.write("e.csv", exemptions(&[["f", "s0", "no-qualified-candidate", ""], ["f", "nope", "x", ""]]));
    let stderr = refused(&env, &[&file]);
    let found = error_line(&stderr, "e.csv", 3, Some("search_ref"));
    assert!(found.contains("nope"), "{found}");
}

#[test]
fn two_exemptions_for_one_search() {
    let env = baseline();
    let file = env.write("e.csv", exemptions(&[["f", "s0", "no-qualified-candidate", ""], ["f", "s0", "other", ""]]));
    let stderr = refused(&env, &[&file]);
    let found = error_line(&stderr, "e.csv", 3, Some("search_ref"));
    assert!(found.contains("line 2"), "{found}");
}

#[test]
fn a_row_without_a_candidate_must_be_its_searchs_only_row() {
    let stderr = refused_rows(&[s1(), s1().no_candidate()]);
    let found = error_line(&stderr, "s.csv", 3, Some("candidate_ref"));
    assert!(found.contains("line 2"), "{found}");
}

// JSON

/// The line of stderr that names `x.json` and a JSON path.
#[track_caller]
fn json_error<'a>(stderr: &'a str, path: &str) -> &'a str {
    let prefix = format!("x.json: {path}:");
    stderr.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no error at {path} in:\n{stderr}"))
}

#[test]
fn a_bad_json_value_names_its_path() {
    let json = r#"{"searches": [{"firm": "f", "search_ref": "s1", "client": "C", "client_sector": "state",
        "position": "P", "level": "top", "opened_on": "2026-01-10", "shortlist_on": "2026-03-01",
        "candidates": [{"candidate_ref": "c1", "candidate_sector": "region"},
                       {"candidate_ref": "c2", "candidate_sector": "stats"}]}]}"#;
    let stderr = refused_file("x.json", json);
    let found = json_error(&stderr, "searches[0].candidates[1].candidate_sector");
    assert!(found.contains("stats"), "{found}");
}

#[test]
fn a_json_value_of_the_wrong_type_names_its_path() {
    let stderr = refused_file("x.json", r#"{"firms": [{"firm": "g"}, {"firm": "h", "pledged_on": 20220101}]}"#);
    let found = json_error(&stderr, "firms[1].pledged_on");
    assert!(found.contains("number"), "{found}");
}

#[test]
fn bad_years_in_a_json_experience_object_name_their_path() {
    let json = r#"{"searches": [{"firm": "f", "search_ref": "s1", "client": "C", "client_sector": "state",
        "position": "P", "level": "top", "opened_on": "2026-01-10",
        "candidates": [{"candidate_ref": "c1", "candidate_sector": "state",
                        "experience": {"region": 1, "private": 2.5}}]}]}"#;
    let stderr = refused_file("x.json", json);
    let found = json_error(&stderr, "searches[0].candidates[0].experience.private");
    assert!(found.contains("2.5"), "{found}");
}

#[test]
fn an_unknown_firm_in_json_names_its_path() {
    let json = r#"{"searches": [{"firm": "nobody", "search_ref": "s1", "client": "C", "client_sector": "state",
        "position": "P", "level": "top", "opened_on": "2026-01-10"}]}"#;
    let stderr = refused_file("x.json", json);
    let found = json_error(&stderr, "searches[0].firm");
    assert!(found.contains("nobody"), "{found}");
}

#[test]
fn invalid_json_syntax_names_the_line() {
    let stderr = refused_file("x.json", "{\"firms\": [\n  {\"firm\": \"g\",}\n]}\n");
    let found = error_line(&stderr, "x.json", 2, None);
    assert!(found.contains("JSON"), "{found}");
}

// many errors

#[test]
fn at_most_twenty_errors_per_file_then_and_n_more() {
    let env = baseline();
    let bad =
        |n: usize| (0..n).map(|i| row().set("search_ref", &format!("b{i}")).set("level", "boss")).collect::<Vec<_>>();
    let a = env.write("a.csv", shortlists(&bad(25)));
    let b = env.write("b.csv", shortlists(&bad(3)));
    let stderr = refused(&env, &[&a, &b]);
    let shown = |file: &str| stderr.lines().filter(|l| l.starts_with(&format!("{file}: line"))).count();
    assert_eq!(shown("a.csv"), 20, "{stderr}");
    assert_eq!(shown("b.csv"), 3, "{stderr}");
    assert!(stderr.lines().any(|l| l == "a.csv: and 5 more"), "{stderr}");
    assert!(!stderr.contains("b.csv: and"), "{stderr}");
    assert!(stderr.contains("28"), "the total is given: {stderr}");
}
