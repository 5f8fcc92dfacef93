//! `--excel` on every CSV output: read back as a Danish spreadsheet reads it (byte-order mark, `;`, decimal comma,
//! CRLF), the files hold the same numbers and texts as the plain CSV, and formula-like texts are guarded.

use crate::support::{Cell, Csv, Env};

/// Compares a plain CSV and its Excel twin cell by cell, as values; returns how many numbers were compared.
#[track_caller]
fn assert_same_values(what: &str, plain: &[u8], excel: &[u8]) -> usize {
    let Csv { header: plain_header, rows: plain_rows } = Csv::plain(plain);
    let Csv { header: excel_header, rows: excel_rows } = Csv::excel(excel);
    assert_eq!(plain_header, excel_header, "{what}: headers");
    assert_eq!(plain_rows.len(), excel_rows.len(), "{what}: rows");
    let mut numbers = 0;
    for (p, e) in plain_rows.iter().zip(&excel_rows) {
        for ((column, p), e) in plain_header.iter().zip(p).zip(e) {
            let (p, e) = (Cell::plain(p), Cell::excel(e));
            numbers += usize::from(matches!(p, Cell::Number(_)));
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
        let plain = env.run(&[args.clone(), vec!["--format", "csv"]].concat()).ok().bytes;
        let excel = env.run(&[args.clone(), vec!["--excel"]].concat()).ok().bytes;
        let numbers = assert_same_values(&args.join(" "), &plain, &excel);
        if args[0] == "report" && args[1] != "searches" {
            assert!(numbers > 0, "{}: no numbers compared", args.join(" "));
        }
    }
}

#[test]
fn rates_are_written_with_a_decimal_comma() {
    let env = Env::with_samples();
    let excel = env.run(&["report", "firms", "--excel"]).ok().bytes;
    let Csv { header, rows } = Csv::excel(&excel);
    let rate = header.iter().position(|c| c == "compliance_rate").unwrap();
    let nordsoeg = rows.iter().find(|r| r[0] == "nordsoeg").unwrap();
    assert_eq!(nordsoeg[rate], "0,5000");
    assert_eq!(Cell::excel(&nordsoeg[rate]), Cell::Number(0.5));
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
    assert_eq!(names.len(), 7);
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
        let plain = env.run(&["report", report, "--format", "csv"]).ok().bytes;
        let excel = env.run(&["report", report, "--excel"]).ok().bytes;
        assert_same_values(report, &plain, &excel);
        let text = String::from_utf8(excel).unwrap();
        // Every formula-like cell is guarded (Cell::excel checks), and the firm is one of them.
        assert!(text.contains("'@evil;"), "{report}: {text}");
    }
    let searches = String::from_utf8(env.run(&["report", "searches", "--excel"]).ok().bytes).unwrap();
    assert!(searches.contains("'-1+1;'+Kommune;"), "{searches}");
    let firms = String::from_utf8(env.run(&["report", "firms", "--excel"]).ok().bytes).unwrap();
    assert!(firms.contains("'=HYPERLINK(\"\"x\"\")"), "{firms}");
}

#[test]
fn excel_goes_with_csv_only() {
    let env = Env::with_samples();
    let run = env.run(&["report", "firms", "--excel", "--format", "json"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--excel"), "{}", run.stderr);
}
