//! Snapshots (insta) of every report in every format on the bundled samples, and of the quarterly pack. Times
//! and hashes that change from one database to the next (the chain head, when the data changed) are masked.
//! Review a changed snapshot with `cargo insta review` (or `INSTA_UPDATE=always cargo test` and `git diff`).

use crate::support::Env;

fn output(env: &Env, args: &[&str]) -> String {
    env.run(args).ok().text()
}

/// Masks the values that depend on when the database was made.
fn mask(text: &str) -> String {
    text.lines()
        .map(|line| {
            for item in ["policy_in_force_from,", "data_changed_at,", "chain_head,"] {
                if let Some(rest) = line.strip_prefix(item) {
                    return format!("{item}[{} characters]", rest.len());
                }
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reports_in_every_format() {
    let env = Env::with_samples();
    for report in ["searches", "firms", "quarters", "outcomes"] {
        for format in ["csv", "json", "table"] {
            let text = output(&env, &["report", report, "--format", format]);
            insta::assert_snapshot!(format!("{report}_{format}"), text);
        }
    }
}

#[test]
fn reports_of_one_quarter() {
    let env = Env::with_samples();
    for report in ["searches", "firms", "quarters", "outcomes"] {
        let text = output(&env, &["report", report, "--quarter", "2026-Q2", "--format", "csv"]);
        insta::assert_snapshot!(format!("{report}_2026_q2_csv"), text);
    }
    let text = output(&env, &["report", "firms", "--quarter", "2026-Q2", "--format", "json"]);
    insta::assert_snapshot!("firms_2026_q2_json", text);
}

#[test]
fn excel_csv() {
    let env = Env::with_samples();
    let text = output(&env, &["report", "firms", "--quarter", "2026-Q2", "--excel"]);
    // Shown with the byte-order mark and the CRLF spelled out.
    insta::assert_snapshot!("firms_2026_q2_excel", text.replace('\u{feff}', "<BOM>").replace("\r\n", "<CRLF>\n"));
}

#[test]
fn quarterly_pack() {
    let env = Env::with_samples();
    env.run(&["quarterly", "2026-Q2", "--output", "pack"]).ok();
    for kind in ["summary", "firms", "searches", "failing", "exemptions", "outcomes"] {
        let text = std::fs::read_to_string(env.path("pack").join(format!("2026-Q2-{kind}.csv"))).unwrap();
        insta::assert_snapshot!(format!("pack_2026_q2_{kind}"), mask(&text));
    }
}
