//! `report searches|firms|quarters` in CSV and JSON, decoded: columns in the contract's order, the counts of
//! samples/EXPECTED.md, rates, filters, `--output` and `--excel`.

use std::collections::BTreeMap;

use crate::support::{expected_searches, firms, row, shortlists, Csv, Env, COUNT_COLUMNS, SEARCH_REPORT_COLUMNS};
use serde_json::Value;

/// The firms report's columns, in order.
fn firm_columns() -> Vec<&'static str> {
    let mut columns = vec!["firm", "name"];
    columns.extend(COUNT_COLUMNS);
    columns
}

/// The quarters report's columns, in order.
fn quarter_columns() -> Vec<&'static str> {
    let mut columns = vec!["quarter", "firm", "name"];
    columns.extend(COUNT_COLUMNS);
    columns
}

/// Asserts the header starts with these columns (more may follow).
#[track_caller]
fn assert_columns(csv: &Csv, columns: &[&str]) {
    assert!(csv.header.len() >= columns.len(), "{:?}", csv.header);
    assert_eq!(&csv.header[..columns.len()], columns);
}

/// A CSV rate cell: empty, or a number with exactly 4 decimals.
#[track_caller]
fn assert_rate_format(cell: &str, decimal: char) {
    if cell.is_empty() {
        return;
    }
    let (whole, fraction) = cell.split_once(decimal).unwrap_or_else(|| panic!("rate {cell:?} has no {decimal}"));
    assert!(whole.len() == 1 && whole.bytes().all(|b| b.is_ascii_digit()), "rate {cell:?}");
    assert!(fraction.len() == 4 && fraction.bytes().all(|b| b.is_ascii_digit()), "rate {cell:?}");
}

/// Counts per verdict as the report columns name them, from EXPECTED.md's searches.
fn expected_counts<'a>(verdicts: impl Iterator<Item = &'a str>) -> Vec<u64> {
    let mut counts = [0u64; 7];
    for verdict in verdicts {
        counts[0] += 1;
        let i = ["compliant", "non-compliant", "exempt", "incomplete", "pending", "not-applicable"]
            .iter()
            .position(|v| *v == verdict)
            .expect("a verdict");
        counts[i + 1] += 1;
    }
    counts.to_vec()
}

// report searches

#[test]
fn searches_csv_has_the_contract_columns_and_the_expected_rows_in_byte_order() {
    let csv = Env::with_samples().report_csv(&["searches"]);
    assert_columns(&csv, &SEARCH_REPORT_COLUMNS);
    let got: Vec<[&str; 4]> = csv
        .rows
        .iter()
        .map(|r| [csv.get(r, "firm"), csv.get(r, "search_ref"), csv.get(r, "quarter"), csv.get(r, "verdict")])
        .collect();
    let expected = expected_searches();
    let want: Vec<[&str; 4]> = expected
        .iter()
        .map(|e| [e.firm.as_str(), e.search_ref.as_str(), e.quarter.as_str(), e.verdict.as_str()])
        .collect();
    assert_eq!(got, want);
    let keys: Vec<(&[u8], &[u8])> = got.iter().map(|r| (r[0].as_bytes(), r[1].as_bytes())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "ordered by firm, search_ref");
}

#[test]
fn reports_order_by_the_bytes_of_the_text() {
    let env = Env::new();
    let rows = [("ø", "s1"), ("z", "s9"), ("z", "s10"), ("B", "s1"), ("a", "s1"), ("z", "S1")]
        .map(|(firm, search_ref)| row().set("firm", firm).set("search_ref", search_ref));
    env.load(&firms(&["a,A,2021-01-01,", "B,B,2021-01-01,", "ø,Ø,2021-01-01,", "z,Z,2021-01-01,"]), &rows, &[]);
    let searches = env.report_csv(&["searches"]);
    let keys: Vec<(&str, &str)> = searches.rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(keys, [("B", "s1"), ("a", "s1"), ("z", "S1"), ("z", "s10"), ("z", "s9"), ("ø", "s1")]);
    let firms: Vec<String> = env.report_csv(&["firms"]).rows.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(firms, ["B", "a", "z", "ø"]);
    let quarters: Vec<String> = env.report_csv(&["quarters"]).rows.into_iter().map(|r| r[1].clone()).collect();
    assert_eq!(quarters, ["B", "a", "z", "ø"]);
}

#[test]
fn searches_json_holds_the_same_values_as_csv() {
    let env = Env::with_samples();
    let csv = env.report_csv(&["searches"]);
    let json = env.report_json(&["searches"]);
    assert_eq!(json.len(), csv.rows.len());
    for (object, row) in json.iter().zip(&csv.rows) {
        for column in SEARCH_REPORT_COLUMNS {
            let cell = csv.get(row, column);
            let value = &object[column];
            match value {
                Value::Null => assert_eq!(cell, "", "{column}"),
                Value::String(s) => assert_eq!(s, cell, "{column}"),
                other => panic!("{column} is {other}, expected text or null"),
            }
        }
    }
    let pending = json.iter().find(|r| r["search_ref"] == "KE-26-022").unwrap();
    assert_eq!(pending["shortlist_on"], Value::Null);
    assert_eq!(pending["policy_version"], "v1");
}

// report firms

#[test]
fn firms_csv_has_the_counts_of_expected_md() {
    let csv = Env::with_samples().report_csv(&["firms"]);
    assert_columns(&csv, &firm_columns());
    let got: Vec<Vec<String>> = csv.rows.iter().map(|r| r[..10].to_vec()).collect();
    assert_eq!(got, crate::support::expected_firms_all());
}

#[test]
fn firms_csv_of_the_three_csv_samples_has_the_counts_of_expected_md() {
    let env = Env::new();
    env.import(&crate::support::csv_samples());
    let csv = env.report_csv(&["firms"]);
    let got: Vec<Vec<String>> =
        csv.rows.iter().map(|r| std::iter::once(r[0].clone()).chain(r[2..10].iter().cloned()).collect()).collect();
    assert_eq!(got, crate::support::expected_firms_csv_only());
}

#[test]
fn firms_json_has_numbers_and_null_rates() {
    let json = Env::with_samples().report_json(&["firms"]);
    let expected = crate::support::expected_firms_all();
    assert_eq!(json.len(), expected.len());
    for (object, want) in json.iter().zip(&expected) {
        assert_eq!(object["firm"], want[0].as_str());
        assert_eq!(object["name"], want[1].as_str());
        for (column, cell) in COUNT_COLUMNS[..7].iter().zip(&want[2..9]) {
            assert_eq!(object[*column].as_u64(), Some(cell.parse().unwrap()), "{} {column}", want[0]);
        }
        let rate = &object["compliance_rate"];
        match want[9].as_str() {
            "" => assert_eq!(rate, &Value::Null, "{}", want[0]),
            text => assert_eq!(rate.as_f64(), Some(text.parse::<f64>().unwrap()), "{}", want[0]),
        }
    }
}

#[test]
fn every_firm_is_listed_with_zeros_when_it_has_no_searches() {
    let env = Env::new();
    env.load(&firms(&["f,Firm F,2021-06-01,", "idle,Idle ApS,,"]), &[row()], &[]);
    let csv = env.report_csv(&["firms"]);
    let idle = csv.row(&["idle"]);
    assert_eq!(&idle[2..10], ["0", "0", "0", "0", "0", "0", "0", ""]);
    let json = env.report_json(&["firms", "--firm", "idle"]);
    assert_eq!(json[0]["searches"], 0);
    assert_eq!(json[0]["compliance_rate"], Value::Null);
}

#[test]
fn rates_round_half_up_to_four_decimals() {
    // 1 compliant of 32 rated = 0.03125, half-up 0.0313; 7 of 8 = 0.875.
    let env = Env::new();
    let mut rows: Vec<crate::support::Row> = (0..32).map(|i| row().set("search_ref", &format!("a{i:02}"))).collect();
    rows[0] = rows[0].clone().candidate("c1", "state");
    rows.extend((0..8).map(|i| {
        let r = row().set("firm", "g").set("search_ref", &format!("b{i}"));
        if i < 7 {
            r.candidate("c1", "state")
        } else {
            r
        }
    }));
    rows.push(row().set("firm", "g").set("search_ref", "b9").set("shortlist_on", "").no_candidate());
    env.load(&firms(&["f,F,2021-06-01,", "g,G,2021-06-01,"]), &rows, &[]);

    let csv = env.report_csv(&["firms"]);
    assert_eq!(csv.get(csv.row(&["f"]), "compliance_rate"), "0.0313");
    assert_eq!(csv.get(csv.row(&["g"]), "compliance_rate"), "0.8750", "a pending search is not rated");
    let json = env.report_json(&["firms"]);
    assert_eq!(json[0]["compliance_rate"].as_f64(), Some(0.0313));
    assert_eq!(json[1]["compliance_rate"].as_f64(), Some(0.875));
}

#[test]
fn every_rate_in_csv_has_exactly_four_decimals() {
    let env = Env::with_samples();
    for which in ["firms", "quarters"] {
        let csv = env.report_csv(&[which]);
        for row in &csv.rows {
            assert_rate_format(csv.get(row, "compliance_rate"), '.');
        }
    }
}

// report quarters

#[test]
fn quarters_count_each_pair_of_quarter_and_firm_with_searches() {
    let csv = Env::with_samples().report_csv(&["quarters"]);
    assert_columns(&csv, &quarter_columns());
    let mut want: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let expected = expected_searches();
    for e in &expected {
        want.entry((e.quarter.clone(), e.firm.clone())).or_default().push(&e.verdict);
    }
    let got: Vec<(String, String, Vec<u64>)> = csv
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[3..10].iter().map(|c| c.parse().unwrap()).collect()))
        .collect();
    let want: Vec<(String, String, Vec<u64>)> =
        want.into_iter().map(|((q, f), v)| (q, f, expected_counts(v.into_iter()))).collect();
    assert_eq!(got, want, "ordered by quarter then firm, only pairs with searches");
    let names: Vec<&str> = csv.rows.iter().filter(|r| r[1] == "nordsoeg").map(|r| r[2].as_str()).collect();
    assert!(names.iter().all(|n| *n == "Nordsøg Executive Search A/S"), "{names:?}");
}

#[test]
fn quarters_json_rates_are_numbers_or_null() {
    let json = Env::with_samples().report_json(&["quarters"]);
    for object in &json {
        let rated =
            ["compliant", "non_compliant", "incomplete"].iter().map(|c| object[*c].as_u64().unwrap()).sum::<u64>();
        let rate = &object["compliance_rate"];
        if rated == 0 {
            assert_eq!(rate, &Value::Null, "{object}");
        } else {
            let want = object["compliant"].as_u64().unwrap() as f64 / rated as f64;
            assert!((rate.as_f64().unwrap() - want).abs() < 0.00005, "{object}");
        }
    }
}

// filters

#[test]
fn the_quarter_filter() {
    let env = Env::with_samples();
    let want: Vec<String> =
        expected_searches().into_iter().filter(|e| e.quarter == "2026-Q2").map(|e| e.search_ref).collect();
    let searches = env.report_json(&["searches", "--quarter", "2026-Q2"]);
    let got: Vec<&str> = searches.iter().map(|r| r["search_ref"].as_str().unwrap()).collect();
    assert_eq!(got, want);

    let firms = env.report_csv(&["firms", "--quarter", "2026-q2"]);
    assert_eq!(firms.rows.len(), 5, "every firm is listed");
    let total: u64 = firms.rows.iter().map(|r| firms.get(r, "searches").parse::<u64>().unwrap()).sum();
    assert_eq!(total as usize, want.len());
    assert_eq!(firms.get(firms.row(&["jysk-lederhus"]), "searches"), "0");

    let quarters = env.report_csv(&["quarters", "--quarter", "2026-Q2"]);
    assert!(!quarters.rows.is_empty() && quarters.rows.iter().all(|r| r[0] == "2026-Q2"));
}

#[test]
fn the_firm_filter() {
    let env = Env::with_samples();
    let searches = env.report_json(&["searches", "--firm", "nordsoeg"]);
    assert_eq!(searches.len(), 14);
    assert!(searches.iter().all(|r| r["firm"] == "nordsoeg"));
    let firms = env.report_csv(&["firms", "--firm", "nordsoeg"]);
    assert_eq!(firms.rows.len(), 1);
    assert_eq!(
        &firms.rows[0][..10],
        crate::support::expected_firms_all().iter().find(|r| r[0] == "nordsoeg").unwrap().as_slice()
    );
    let quarters = env.report_csv(&["quarters", "--firm", "vestlys", "--quarter", "2025-Q4"]);
    assert_eq!(quarters.rows.len(), 1);
    assert_eq!(quarters.get(&quarters.rows[0], "searches"), "2");
}

#[test]
fn a_malformed_quarter_is_bad_usage() {
    let env = Env::with_samples();
    env.run(&["report", "firms", "--quarter", "2026-Q5"]).code(2);
}

// --output

#[test]
fn output_writes_the_report_to_a_file() {
    let env = Env::with_samples();
    let stdout = env.run(&["report", "firms", "--format", "csv"]).ok().stdout;
    let run = env.run(&["report", "firms", "--output", "firms.csv"]).ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let written = std::fs::read_to_string(env.path("firms.csv")).unwrap();
    assert_eq!(Csv::parse(&written), Csv::parse(&stdout), "a file gets CSV unless --format says otherwise");

    env.run(&["report", "searches", "--format", "json", "--output", "s.json"]).ok();
    let value: Value = serde_json::from_slice(&std::fs::read(env.path("s.json")).unwrap()).unwrap();
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["rows"].as_array().unwrap().len(), 37);
}

// --excel

#[test]
fn excel_csv_has_a_bom_semicolons_decimal_commas_and_crlf() {
    let env = Env::with_samples();
    let bytes = env.run(&["report", "firms", "--format", "csv", "--excel"]).ok().bytes;
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("a byte-order mark");
    assert!(body.ends_with(b"\r\n"));
    let lines = body.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    assert!(lines.clone().all(|l| l.ends_with(b"\r")), "every line ends with CRLF");
    assert_eq!(lines.count(), 6);
    let csv = Csv::parse_with(body, b';');
    assert_columns(&csv, &firm_columns());
    let kbh = csv.row(&["kbh-executive"]);
    assert_eq!(csv.get(kbh, "compliance_rate"), "0,4444");
    assert_eq!(csv.get(kbh, "searches"), "14");
    for row in &csv.rows {
        assert_rate_format(csv.get(row, "compliance_rate"), ',');
    }
}

#[test]
fn excel_keeps_dates_iso() {
    let env = Env::with_samples();
    let bytes = env.run(&["report", "searches", "--excel", "--output", "s.csv"]).ok();
    assert!(bytes.stdout.is_empty());
    let file = std::fs::read(env.path("s.csv")).unwrap();
    let csv = Csv::parse_with(file.strip_prefix("\u{feff}".as_bytes()).unwrap(), b';');
    let row = csv.row(&["nordsoeg", "NS-2026-041"]);
    assert_eq!(csv.get(row, "opened_on"), "2026-03-02");
    assert_eq!(csv.get(row, "shortlist_on"), "2026-04-20");
}

#[test]
fn excel_guards_text_cells_that_start_like_a_formula() {
    let env = Env::new();
    let hyperlink = r#"=HYPERLINK("http://evil.example","click")"#;
    let firms_csv = {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["firm", "name", "pledged_on", "withdrawn_on"]).unwrap();
        w.write_record(["f", hyperlink, "2021-06-01", ""]).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    };
    let rows = [
        row().set("client", "+45 Kommune").set("search_ref", "-s1"),
        row().set("client", "@Kommune").set("search_ref", "s2").candidate("c1", "state"),
    ];
    let f = env.write("f.csv", firms_csv);
    let s = env.write("s.csv", shortlists(&rows));
    env.import(&[&f, &s]);

    let excel = |which: &str| {
        let bytes = env.run(&["report", which, "--format", "csv", "--excel"]).ok().bytes;
        Csv::parse_with(bytes.strip_prefix("\u{feff}".as_bytes()).unwrap(), b';')
    };
    let firms = excel("firms");
    assert_eq!(firms.get(&firms.rows[0], "name"), format!("'{hyperlink}"));
    assert_eq!(firms.get(&firms.rows[0], "searches"), "2", "numbers are not guarded");
    let searches = excel("searches");
    let refs: Vec<&str> = searches.rows.iter().map(|r| searches.get(r, "search_ref")).collect();
    assert_eq!(refs, ["'-s1", "s2"]);
    let clients: Vec<&str> = searches.rows.iter().map(|r| searches.get(r, "client")).collect();
    assert_eq!(clients, ["'+45 Kommune", "'@Kommune"]);
    assert_eq!(searches.get(&searches.rows[0], "opened_on"), "2026-01-10");

    // Without --excel, and in JSON, the text is as it was imported.
    let plain = env.report_csv(&["firms"]);
    assert_eq!(plain.get(&plain.rows[0], "name"), hyperlink);
    assert_eq!(env.report_json(&["searches"])[0]["search_ref"], "-s1");
}
