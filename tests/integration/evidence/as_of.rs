//! As-of (issue 5): `report ... --as-of TIME` and `explain ... --as-of TIME` give, byte for byte, what they gave
//! at that time: the rows valid then, judged under the policy in force then.

use crate::support::{csv_samples, sample, Csv, Env};
use chrono::{SecondsFormat, Utc};

/// A time just after everything written so far, in RFC 3339 with microseconds, and a pause so that the next
/// change is recorded strictly later.
fn now() -> String {
    std::thread::sleep(std::time::Duration::from_millis(5));
    let time = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    std::thread::sleep(std::time::Duration::from_millis(5));
    time
}

/// The reports compared, as CSV and JSON.
const REPORTS: [&[&str]; 6] = [
    &["report", "firms", "--format", "csv"],
    &["report", "quarters", "--format", "csv"],
    &["report", "searches", "--format", "csv"],
    &["report", "searches", "--format", "json"],
    &["report", "firms", "--format", "csv", "--quarter", "2026-Q1"],
    &["report", "searches", "--format", "csv", "--firm", "nordsoeg"],
];

/// Every report's bytes, as they are now.
fn capture(env: &Env) -> Vec<Vec<u8>> {
    REPORTS.iter().map(|args| env.run(args).ok().bytes).collect()
}

/// Changes the data after a capture: a search changed, a firm withdrawn, a new firm, a search removed, and a
/// stricter policy put in force.
fn change_everything(env: &Env) {
    let changed = env.write(
        "changed.csv",
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n\
         nordsoeg,NS-2025-041,Aarhus Kommune,municipality,Direktør for Børn og Unge,top,2025-08-18,2025-10-06,c1,municipality\n",
    );
    env.import(&[changed]);
    env.run(&["firm", "update", "nordsoeg", "--withdrawn-on", "2026-01-01"]).ok();
    env.run(&["firm", "add", "zeta", "--name", "Zeta", "--pledged-on", "2022-01-01"]).ok();
    env.run(&["search", "remove", "kbh-executive", "KE-26-007"]).ok();
    env.import(&[sample("dansk.csv"), sample("example.json")]);
    env.run(&["policy", "use", sample("stricter.toml").to_str().unwrap()]).ok();
}

#[test]
fn reports_as_of_a_time_are_byte_for_byte_what_they_were_then() {
    let env = Env::new();
    env.import(&csv_samples());
    let first = capture(&env);
    let t1 = now();

    change_everything(&env);
    let second = capture(&env);
    let t2 = now();
    assert_ne!(first, second, "the changes must show in the reports for the test to mean anything");

    // More changes after the second capture.
    env.run(&["search", "update", "nordsoeg", "NS-2025-041", "--level", "leder"]).ok();
    env.run(&["policy", "use", sample("pledge.toml").to_str().unwrap()]).ok();

    for (captured, time) in [(&first, &t1), (&second, &t2)] {
        for (args, bytes) in REPORTS.iter().zip(captured.iter()) {
            let mut with_time = args.to_vec();
            with_time.extend(["--as-of", time]);
            let run = env.run(&with_time).ok();
            assert!(
                run.bytes == *bytes,
                "{with_time:?} differs from what it gave then\nthen:\n{}\nnow:\n{}",
                String::from_utf8_lossy(bytes),
                run.stdout
            );
        }
    }

    // A time before the database existed has nothing to report, or is refused; it is never today's data.
    let run = env.run(&["report", "searches", "--format", "csv", "--as-of", "2000-01-01"]);
    if run.code == Some(0) {
        assert_eq!(Csv::parse(&run.stdout).rows.len(), 0, "{}", run.stdout);
    } else {
        run.code(2);
    }
}

#[test]
fn explain_as_of_a_time_is_byte_for_byte_what_it_was_then() {
    let env = Env::new();
    env.import(&csv_samples());
    let searches = [("nordsoeg", "NS-2025-041"), ("kbh-executive", "KE-26-007"), ("vestlys", "VL-2025-29")];
    let explain = |env: &Env, firm: &str, search: &str, extra: &[&str]| -> Vec<Vec<u8>> {
        ["json", "table"]
            .iter()
            .map(|format| {
                let mut args = vec!["explain", firm, search, "--format", format];
                args.extend_from_slice(extra);
                env.run(&args).ok().bytes
            })
            .collect()
    };
    let first: Vec<Vec<Vec<u8>>> = searches.iter().map(|(f, s)| explain(&env, f, s, &[])).collect();
    let t1 = now();
    change_everything(&env);
    let second: Vec<Vec<Vec<u8>>> =
        searches.iter().filter(|(_, s)| *s != "KE-26-007").map(|(f, s)| explain(&env, f, s, &[])).collect();
    let t2 = now();
    env.run(&["search", "update", "nordsoeg", "NS-2025-041", "--level", "leder"]).ok();
    env.run(&["policy", "use", sample("pledge.toml").to_str().unwrap()]).ok();

    for ((firm, search), then) in searches.iter().zip(&first) {
        assert_eq!(&explain(&env, firm, search, &["--as-of", &t1]), then, "{firm}/{search} at {t1}");
    }
    assert_ne!(first[0], second[0], "the changes must show for the test to mean anything");
    for ((firm, search), then) in searches.iter().filter(|(_, s)| *s != "KE-26-007").zip(&second) {
        assert_eq!(&explain(&env, firm, search, &["--as-of", &t2]), then, "{firm}/{search} at {t2}");
    }
    // The removed search is not there at t2, and it is again there at t1.
    let run = env.run(&["explain", "kbh-executive", "KE-26-007", "--as-of", &t2]).code(2);
    assert!(run.stderr.contains("KE-26-007"), "{}", run.stderr);
}

#[test]
fn as_of_accepts_the_time_forms_of_the_contract_and_refuses_others() {
    let env = Env::new();
    env.import(&csv_samples());
    let now = Utc::now();
    let later = now + chrono::Duration::days(1);
    for time in [
        later.format("%Y-%m-%d").to_string(),
        later.format("%Y-%m-%dT%H:%M").to_string(),
        later.format("%Y-%m-%dT%H:%M:%S").to_string(),
        later.to_rfc3339_opts(SecondsFormat::Secs, true),
        later.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap()).to_rfc3339(),
    ] {
        let run = env.run(&["explain", "nordsoeg", "NS-2025-041", "--format", "json", "--as-of", &time]).ok();
        assert_eq!(run.json()["search"]["search_ref"], "NS-2025-041", "{time}");
    }
    for bad in ["yesterday", "2026-13-01", "23-11-2026", ""] {
        let run = env.run(&["explain", "nordsoeg", "NS-2025-041", "--as-of", bad]).code(2);
        assert!(run.stderr.contains("--as-of") || run.stderr.contains("time"), "{bad:?}: {}", run.stderr);
    }
}
