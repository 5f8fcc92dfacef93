//! `--excel` on every CSV output: read back as a Danish spreadsheet reads it (byte-order mark, `;`, decimal comma,
//! CRLF), the files hold the same numbers and texts as the plain CSV, and formula-like texts are guarded.

use crate::report_support::{excel_value, plain_value, read_csv, read_excel_csv, Env, Value2};

/// Compares a plain CSV and its Excel twin cell by cell, as values; returns how many numbers were compared.
#[track_caller]
fn assert_same_values(what: &str, plain: &[u8], excel: &[u8]) -> usize {
    let (plain_header, plain_rows) = read_csv(plain);
    let (excel_header, excel_rows) = read_excel_csv(excel);
    assert_eq!(plain_header, excel_header, "{what}: headers");
    assert_eq!(plain_rows.len(), excel_rows.len(), "{what}: rows");
    let mut numbers = 0;
    for (p, e) in plain_rows.iter().zip(&excel_rows) {
        for ((column, p), e) in plain_header.iter().zip(p).zip(e) {
            let (p, e) = (plain_value(p), excel_value(e));
            numbers += usize::from(matches!(p, Value2::Number(_)));
            assert_eq!(p, e, "{what}: column {column}");
        }
    }
    numbers
}

#[test]
fn every_report_reads_back_with_the_same_numbers() {
    let env = Env::with_samples();
    let stricter = format!("{}/samples/stricter.toml", env!("CARGO_MANIFEST_DIR"));
    let reports: [Vec<&str>; 6] = [
        vec!["report", "searches"],
        vec!["report", "firms"],
        vec!["report", "firms", "--quarter", "2026-Q2"],
        vec!["report", "quarters"],
        vec!["report", "outcomes"],
        vec!["whatif", "--policy", &stricter],
    ];
    for args in reports {
        let plain = env.run(&[args.clone(), vec!["--format", "csv"]].concat()).ok().stdout;
        let excel = env.run(&[args.clone(), vec!["--excel"]].concat()).ok().stdout;
        let numbers = assert_same_values(&args.join(" "), &plain, &excel);
        if args[0] == "report" && args[1] != "searches" {
            assert!(numbers > 0, "{}: no numbers compared", args.join(" "));
        }
    }
}

#[test]
fn rates_are_written_with_a_decimal_comma() {
    let env = Env::with_samples();
    let excel = env.run(&["report", "firms", "--excel"]).ok().stdout;
    let (header, rows) = read_excel_csv(&excel);
    let rate = header.iter().position(|c| c == "compliance_rate").unwrap();
    let nordsoeg = rows.iter().find(|r| r[0] == "nordsoeg").unwrap();
    assert_eq!(nordsoeg[rate], "0,5000");
    assert_eq!(excel_value(&nordsoeg[rate]), Value2::Number(0.5));
}

#[test]
fn the_quarterly_pack_reads_back_with_the_same_numbers() {
    let env = Env::with_samples();
    env.run(&["quarterly", "2026-Q2", "--output", "plain"]).ok();
    env.run(&["quarterly", "2026-Q2", "--output", "excel", "--excel"]).ok();
    let mut names: Vec<String> = std::fs::read_dir(env.path("plain"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6);
    let mut numbers = 0;
    for name in &names {
        let plain = std::fs::read(env.path("plain").join(name)).unwrap();
        let excel = std::fs::read(env.path("excel").join(name)).unwrap();
        numbers += assert_same_values(name, &plain, &excel);
    }
    assert!(numbers > 50, "only {numbers} numbers compared");
}

#[test]
fn formula_like_texts_are_guarded_and_read_back_as_the_same_text() {
    let env = Env::new();
    let firms = env.write("firms.csv", "firm,name,pledged_on\n@evil,=HYPERLINK(\"x\"),2021-01-01\n");
    let shortlists = env.write(
        "shortlists.csv",
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n\
         @evil,-1+1,+Kommune,municipality,Chef,top,2026-01-05,2026-02-01,c1,region\n",
    );
    env.import(&[firms, shortlists]);
    for report in ["searches", "firms", "quarters", "outcomes"] {
        let plain = env.run(&["report", report, "--format", "csv"]).ok().stdout;
        let excel = env.run(&["report", report, "--excel"]).ok().stdout;
        assert_same_values(report, &plain, &excel);
        let text = String::from_utf8(excel).unwrap();
        // Every formula-like cell is guarded (excel_value checks), and the firm is one of them.
        assert!(text.contains("'@evil;"), "{report}: {text}");
    }
    let searches = String::from_utf8(env.run(&["report", "searches", "--excel"]).ok().stdout).unwrap();
    assert!(searches.contains("'-1+1;'+Kommune;"), "{searches}");
    let firms = String::from_utf8(env.run(&["report", "firms", "--excel"]).ok().stdout).unwrap();
    assert!(firms.contains("'=HYPERLINK(\"\"x\"\")"), "{firms}");
}

#[test]
fn excel_goes_with_csv_only() {
    let env = Env::with_samples();
    let run = env.run(&["report", "firms", "--excel", "--format", "json"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--excel"), "{}", run.stderr);
}
