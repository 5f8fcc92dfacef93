//! Smaller things a new user met: `-o` and `--output -`, a backup into a missing folder, errors in the right
//! words, plurals, whatif's CSV rates, the default actor, the quarter's policy date.

use crate::support::{default_firms, row, sample, shortlists, Csv, Env};

#[test]
fn dash_o_and_output_dash() {
    let env = Env::with_samples();
    env.run(&["report", "firms", "-o", "firms.csv"]).ok();
    let file = std::fs::read_to_string(env.path("firms.csv")).unwrap();
    assert!(file.starts_with("firm,name,searches"));
    let run = env.run(&["report", "firms", "--output", "-"]).ok();
    assert_eq!(run.stdout, file, "--output - is standard output");
    assert!(!env.path("-").exists());
}

#[test]
fn a_backup_makes_its_folder_and_an_unwritable_one_says_so() {
    let env = Env::with_samples();
    env.run(&["backup", "backups/nightly/p.db"]).ok();
    assert!(env.path("backups/nightly/p.db").exists());
    std::fs::write(env.path("afile"), "x").unwrap();
    let run = env.run(&["backup", "afile/p.db"]).code(2);
    assert!(run.stderr.contains("error: cannot write afile/p.db"), "{}", run.stderr);
    assert!(!run.stderr.contains("holds a value pledgecheck cannot read"), "{}", run.stderr);
}

#[test]
fn a_moment_before_the_database_existed_says_so() {
    let env = Env::with_samples();
    let run = env.run(&["report", "firms", "--as-of", "2020-01-01"]).code(2);
    assert!(run.stderr.contains("2020-01-01T00:00:00.000000Z is before the database was created"), "{}", run.stderr);
}

#[test]
fn experience_without_a_sector_says_the_sector_is_missing() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row().set("experience", ":3")]));
    let run = env.run(&["import", &f, &s]).code(2);
    assert!(run.stderr.contains("entry \":3\" has no sector before the colon"), "{}", run.stderr);
}

#[test]
fn plurals_are_right() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let run = env.run(&["import", &f]).ok();
    assert!(run.stdout.starts_with("imported 1 file into "), "{}", run.stdout);
    assert!(
        run.stdout.contains("0 searches changed") && run.stdout.contains("1 firm changed (1 read)"),
        "{}",
        run.stdout
    );
    let s = env.write("s.csv", shortlists(&[row()]));
    let run = env.run(&["import", &s]).ok();
    assert!(run.stdout.contains("1 search changed (1 read; 1 candidate added"), "{}", run.stdout);
}

#[test]
fn whatif_csv_carries_the_rates_before_and_after() {
    let env = Env::with_samples();
    let run = env.run(&["whatif", "--policy", &sample("stricter.toml").display().to_string(), "--format", "csv"]).ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(csv.header[csv.header.len() - 2..], ["compliance_rate_before", "compliance_rate_after"]);
    assert!(!csv.rows.is_empty());
}

#[test]
fn the_default_actor_is_the_os_account_without_user() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    let out = env
        .command()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("USERNAME")
        .env_remove("PLEDGECHECK_BY")
        .args(["import", &f])
        .output()
        .unwrap();
    assert!(out.status.success());
    let by = env.run(&["imports", "--format", "json"]).ok().json()["imports"][1]["by"].as_str().unwrap().to_string();
    assert_ne!(by, "unknown");
    assert!(!by.is_empty());
}

#[test]
fn the_quarter_s_policy_date_is_the_version_s() {
    let env = Env::with_samples();
    env.run(&["quarterly", "2026-Q1", "-o", "pack"]).ok();
    let summary = std::fs::read_to_string(env.path("pack/2026-Q1-summary.csv")).unwrap();
    assert!(summary.contains("policy_in_force_from,2021-01-01\n"), "{summary}");
}
