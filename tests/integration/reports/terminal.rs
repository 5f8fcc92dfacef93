//! The terminal: a closed pipe ends quietly with 0; colour and fitted tables only on a terminal, never with
//! NO_COLOR; --quiet and --verbose; shell completions and man pages from the command definitions.

use std::io::Read;

use crate::support::{Env, BINARY};

/// A database with a few thousand searches, so that every report is larger than a pipe's buffer.
fn big() -> Env {
    let env = Env::new();
    let firms = env.write("firms.csv", "firm,name,pledged_on\nbig,Big Search A/S,2021-01-01\n");
    let mut rows = String::from(
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n",
    );
    for i in 0..3000 {
        let sector = if i % 3 == 0 { "municipality" } else { "region" };
        rows.push_str(&format!(
            "big,S-{i:05},Aarhus Kommune,municipality,Direktør,top,2026-01-05,2026-02-01,c1,{sector}\n"
        ));
    }
    let shortlists = env.write("shortlists.csv", &rows);
    env.import(&[firms, shortlists]);
    env
}

/// Runs the binary, reads a few bytes of its output and closes the pipe; returns the exit code and stderr.
fn close_early(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let mut child = env.spawn(args);
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_pipe_ends_quietly_with_0() {
    let env = big();
    let commands: [&[&str]; 9] = [
        &["report", "searches", "--format", "csv"],
        &["report", "searches", "--excel"],
        &["report", "searches", "--format", "json"],
        &["report", "searches", "--format", "table"],
        &["report", "html"],
        &["check", "--format", "json"],
        &["whatif", "--policy", concat!(env!("CARGO_MANIFEST_DIR"), "/samples/stricter.toml"), "--format", "json"],
        &["completions", "bash"],
        &["man"],
    ];
    for args in commands {
        let (code, stderr) = close_early(&env, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn no_colour_and_no_wrapping_off_a_terminal() {
    let env = big();
    let out = env.run(&["report", "searches", "--format", "table"]).ok().text();
    assert!(!out.contains('\u{1b}'), "escape codes in piped output");
    // Not fitted to any width: the longest line holds every column in full.
    assert!(out.lines().map(|l| l.chars().count()).max().unwrap() > 150);
}

/// Runs a command line on a pseudo-terminal of `columns` columns with `script`, if the system has it.
fn on_terminal(env: &Env, columns: usize, command: &str, no_color: bool) -> Option<String> {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to run on a terminal");
        return None;
    }
    let line = format!("stty cols {columns} rows 50; {BINARY} --db {} {command}", env.db().display());
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).current_dir(env.dir()).env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn widest(text: &str) -> usize {
    strip_ansi(text).lines().map(|l| l.trim_end_matches('\r').chars().count()).max().unwrap_or(0)
}

#[test]
fn on_a_terminal_tables_fit_and_verdicts_are_coloured() {
    let env = Env::with_samples();
    for columns in [60, 80, 120, 200] {
        for report in ["searches", "firms", "quarters", "outcomes"] {
            let Some(out) = on_terminal(&env, columns, &format!("report {report}"), false) else { return };
            assert!(widest(&out) <= columns, "report {report} wider than {columns} columns:\n{}", strip_ansi(&out));
            if report == "searches" {
                assert!(out.contains("\u{1b}[32mcompliant\u{1b}[0m"), "no coloured verdict:\n{out}");
                assert!(strip_ansi(&out).contains("NS-2026-003"));
            }
        }
    }
    // Wide enough, the searches stay a table; the reasons wrap.
    let out = on_terminal(&env, 200, "report searches", false).unwrap();
    assert!(strip_ansi(&out).starts_with('┌'), "{out}");
    let Some(out) = on_terminal(&env, 80, "report searches", true) else { return };
    assert!(!out.contains('\u{1b}'), "escape codes with NO_COLOR set");
}

#[test]
fn quiet_and_verbose() {
    let env = Env::new();
    let firms = env.write("firms.csv", "firm,name,pledged_on\nf,F,2021-01-01\n");
    let quiet = env.run(&["--quiet", "import", &firms]).ok();
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let normal = env.run(&["import", &firms]).ok();
    assert!(normal.text().contains("0 firms changed"));
    let verbose = env.run(&["-v", "report", "firms", "--format", "json"]).ok();
    assert_eq!(verbose.json()["schema_version"], 1, "details go to stderr, not into the JSON");
    assert!(verbose.stderr.contains("pledgecheck:"), "{}", verbose.stderr);
    let both = env.run(&["-q", "-v", "report", "firms"]);
    assert_eq!(both.code, Some(2));
}

#[test]
fn completions_and_man_pages_come_from_the_command_definitions() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.run(&["completions", shell]).ok().text();
        assert!(script.contains("quarterly") && script.contains("outcomes"), "{shell}");
    }
    let page = env.run(&["man"]).ok().text();
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(page.contains("quarterly"));
    env.run(&["man", "--dir", "man1"]).ok();
    for page in ["pledgecheck.1", "pledgecheck-report.1", "pledgecheck-quarterly.1", "pledgecheck-completions.1"] {
        assert!(env.path("man1").join(page).exists(), "{page}");
    }
}

#[test]
fn every_command_shows_an_example() {
    let env = Env::new();
    let help = env.run(&["--help"]).ok().text();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"quarterly") && commands.contains(&"report"), "{commands:?}");
    for command in commands {
        let text = env.run(&[command, "--help"]).ok().text();
        assert!(text.contains("Example"), "`pledgecheck {command} --help` has no example");
    }
}

#[test]
fn report_firms_stays_a_table_down_to_80_columns_with_numbers_right_aligned() {
    let env = Env::with_samples();
    for columns in [80, 100, 126] {
        let Some(out) = on_terminal(&env, columns, "report firms", true) else { return };
        let text = strip_ansi(&out);
        assert!(text.starts_with('┌'), "{columns} columns: not a table:\n{text}");
        assert!(widest(&text) <= columns, "{columns} columns:\n{text}");
        let nordsoeg = text.lines().find(|l| l.contains("nordsoeg")).unwrap();
        assert!(
            nordsoeg.contains("│  14│") || nordsoeg.contains("│       14 │") || nordsoeg.contains("│   14 │"),
            "{text}"
        );
        // Wrapped lines start with their first word, never a space.
        assert!(!text.contains("│  Executive") && !text.contains("│  Search"), "{text}");
    }
    // An empty table keeps its header and border, however narrow.
    let Some(out) = on_terminal(&env, 40, "report searches --quarter 2031-Q1", true) else { return };
    let text = strip_ansi(&out);
    assert!(text.starts_with('┌') && text.trim_end().ends_with('┘'), "{text}");
}
