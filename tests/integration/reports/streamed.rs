//! Reports that stream from the database rather than hold every search (issue 15): the HTML page lists the latest
//! failing searches and counts the rest, outcomes are filtered by SQLite, verdicts under another policy or at
//! another moment come in report order, and `whatif`'s changes too, whatever the order the rows were imported in.

use crate::support::{default_firms, firms, row, sample, Csv, Env, Row};

/// 130 non-compliant searches of firm `f` (s000 to s129), their shortlists in 2025-Q2 (i % 3 == 0), Q3 (1) and
/// Q4 (2), written in reverse order of reference.
fn many_failing() -> Vec<Row> {
    (0..130)
        .rev()
        .map(|i| {
            let shortlist_on = ["2025-05-01", "2025-08-01", "2025-11-01"][i % 3];
            row()
                .set("search_ref", &format!("s{i:03}"))
                .set("opened_on", "2025-01-10")
                .set("shortlist_on", shortlist_on)
        })
        .collect()
}

#[test]
fn the_page_lists_the_latest_100_failing_searches_and_points_to_the_rest() {
    let env = Env::new();
    env.load(&default_firms(), &many_failing(), &[]);
    env.run(&["report", "html", "--output", "report.html"]).ok();
    let page = std::fs::read_to_string(env.path("report.html")).unwrap();
    assert!(page.contains("Failing searches (130)"));
    assert!(page.contains("The latest 100 of 130 are listed"));
    assert!(page.contains("<code>pledgecheck report searches --format csv</code>"), "a pointer to the CSV");
    let failing = &page[page.find("id=\"failing\"").unwrap()..page.find("id=\"employers\"").unwrap()];
    assert_eq!(failing.matches("v-non-compliant\">").count(), 100);
    // Latest quarter first: all 43 of 2025-Q4, all 43 of Q3, then the first 14 of Q2 by reference.
    let listed: Vec<usize> = (0..130).filter(|i| failing.contains(&format!(">s{i:03}<"))).collect();
    assert_eq!(listed.len(), 100);
    assert!(listed.iter().filter(|i| *i % 3 == 0).copied().eq((0..42).step_by(3)), "{listed:?}");
    let first_q4 = failing.find(">s002<").unwrap();
    assert!(
        first_q4 < failing.find(">s001<").unwrap() && failing.find(">s001<").unwrap() < failing.find(">s000<").unwrap()
    );
}

#[test]
fn outcomes_of_a_quarter_or_a_firm_are_those_rows_of_the_whole_report() {
    let env = Env::with_samples();
    let all = env.report_csv(&["outcomes"]);
    assert!(all.rows.len() > 3, "the samples have outcomes in several quarters");
    for quarter in ["2025-Q4", "2026-Q1", "2026-Q2", "2030-Q1"] {
        let one = env.report_csv(&["outcomes", "--quarter", quarter]);
        assert_eq!(one.header, all.header);
        let expected: Vec<_> = all.rows.iter().filter(|r| r[0] == quarter).cloned().collect();
        assert_eq!(one.rows, expected, "{quarter}");
    }
    let firm = env.report_csv(&["outcomes", "--firm", "nordsoeg", "--quarter", "2026-Q1"]);
    let expected: Vec<_> = all.rows.iter().filter(|r| r[0] == "2026-Q1" && r[1] == "nordsoeg").cloned().collect();
    assert_eq!(firm.rows, expected);
}

/// Two firms' searches imported in reverse order of firm and reference.
fn two_firms_reversed(env: &Env) {
    let mut rows = Vec::new();
    for firm in ["g", "f"] {
        for (i, sector) in [(3, "region"), (2, "municipality"), (1, "private"), (0, "municipality")] {
            rows.push(row().set("firm", firm).set("search_ref", &format!("s{i}")).candidate("c1", sector));
        }
    }
    env.load(&firms(&["f,Firm F,2021-06-01,", "g,Firm G,2021-06-01,"]), &rows, &[]);
}

#[test]
fn verdicts_under_another_policy_come_in_report_order() {
    let env = Env::new();
    two_firms_reversed(&env);
    let stricter = sample("stricter.toml");
    let stricter = stricter.to_str().unwrap();
    let run = env.run(&["report", "searches", "--format", "csv", "--policy", stricter]).ok();
    let under = Csv::parse(&run.stdout);
    let keys: Vec<(String, String)> = under.rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 8);
    // check's JSON lists the failing ones of the same rows, in the same order.
    let check = env.run(&["check", "--format", "json", "--policy", stricter]).ok().json();
    let failing: Vec<(String, String)> = check["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["firm"].as_str().unwrap().to_string(), r["search_ref"].as_str().unwrap().to_string()))
        .collect();
    let expected: Vec<(String, String)> = under
        .rows
        .iter()
        .filter(|r| r[8] == "non-compliant" || r[8] == "incomplete")
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(failing, expected);
    assert_eq!(failing.len(), 8, "the stricter pledge's 2026 version wants two cross-sector candidates");
    // At a moment after the import, the rows and verdicts are those of now, in the same order.
    let later = env.run(&["report", "searches", "--format", "csv", "--as-of", "2999-01-01"]).ok();
    let now = env.run(&["report", "searches", "--format", "csv"]).ok();
    assert_eq!(later.stdout, now.stdout);
}

#[test]
fn whatif_lists_its_changes_in_report_order_in_csv_and_json() {
    let env = Env::new();
    two_firms_reversed(&env);
    // The stricter pledge wants two cross-sector candidates from 2026: the searches with a region or private
    // candidate change; the municipal-only ones stay non-compliant.
    let strict = sample("stricter.toml");
    let strict = strict.to_str().unwrap();
    let csv = Csv::parse(&env.run(&["whatif", "--policy", strict, "--format", "csv"]).ok().stdout);
    let json = env.run(&["whatif", "--policy", strict, "--format", "json"]).ok().json();
    let from_json: Vec<(String, String)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["firm"].as_str().unwrap().to_string(), r["search_ref"].as_str().unwrap().to_string()))
        .collect();
    let from_csv: Vec<(String, String)> = csv.rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(from_csv, from_json);
    let mut sorted = from_csv.clone();
    sorted.sort();
    assert_eq!(from_csv, sorted);
    let expected = [("f", "s1"), ("f", "s3"), ("g", "s1"), ("g", "s3")].map(|(f, s)| (f.to_string(), s.to_string()));
    assert_eq!(from_csv, expected);
    assert_eq!(json["firms"].as_array().unwrap().len(), 2);
}
