//! The README is the user's manual: every `console` example runs, in order, on a fresh database in a folder
//! holding a copy of `samples/`, and prints what the README shows.
//!
//! A `$ pledgecheck ...` line is a command (a line ending in `\` continues it; `# ...` after it is a comment;
//! `> FILE` sends standard output to a file); the lines after it, up to the next command, are what it prints
//! (standard output, then standard error). A command shown without output may print anything. `...` on a line
//! of its own stands for any lines; `…` inside a line for any text. `$ echo $?` prints the exit code of the
//! command before; otherwise a command whose output starts with `error:` must exit with 2, any other with 0.

use std::path::Path;

use crate::support::BINARY;

/// One command of the README with what it prints.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut in_block = false;
    let mut continued = false;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_block = line == "```console";
            continue;
        }
        if !in_block {
            continue;
        }
        if continued {
            let last = examples.last_mut().expect("a command before its continuation");
            last.command.push(' ');
            last.command.push_str(line.trim().trim_end_matches('\\').trim());
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            continued = command.ends_with('\\');
            let command = command.trim_end_matches('\\').trim().to_string();
            examples.push(Example { line: i + 1, command, expected: Vec::new() });
        } else if let Some(last) = examples.last_mut() {
            last.expected.push(line.to_string());
        }
    }
    examples
}

/// Splits a command line into words: double quotes group, `#` after a space starts a comment.
fn words(command: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    let mut previous = ' ';
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '#' if !quoted && previous == ' ' => break,
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => {
                word.push(c);
                any = true;
            }
        }
        previous = c;
    }
    if any {
        words.push(word);
    }
    words
}

/// Whether an actual line matches an expected one, `…` standing for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let mut rest = actual;
    for (k, part) in parts.iter().enumerate() {
        if k == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if k + 1 == parts.len() {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else { return false };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// Whether actual lines match expected ones, a line `...` standing for any lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..])),
        Some((first, rest)) => {
            actual.split_first().is_some_and(|(a, more)| line_matches(first, a) && lines_match(rest, more))
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn every_readme_example_runs_in_order_and_prints_what_it_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root.join("samples"), &dir.path().join("samples"));
    let examples = examples(&readme);
    assert!(examples.len() > 20, "the README's examples were not found");
    let mut last_code = None;
    let mut failures = Vec::new();
    for (k, example) in examples.iter().enumerate() {
        let mut args = words(&example.command);
        let output = if args == ["echo", "$?"] {
            format!("{}\n", last_code.unwrap_or(-1))
        } else {
            assert_eq!(args.remove(0), "pledgecheck", "README line {}: not a pledgecheck command", example.line);
            let redirect = args.iter().position(|a| a == ">").map(|at| {
                let file = args[at + 1].clone();
                args.truncate(at);
                file
            });
            let run = std::process::Command::new(BINARY)
                .args(&args)
                .current_dir(dir.path())
                .env_remove("PLEDGECHECK_DB")
                .env_remove("PLEDGECHECK_BY")
                .env("USER", "recruiter")
                .env("PLEDGECHECK_TODAY", "2026-12-02")
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            last_code = run.status.code();
            let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
            let next_is_echo = examples.get(k + 1).is_some_and(|e| e.command == "echo $?");
            let wants_error = example.expected.first().is_some_and(|l| l.starts_with("error:"));
            let want = if wants_error { Some(2) } else { Some(0) };
            if !next_is_echo && run.status.code() != want {
                failures.push(format!(
                    "README line {}: `{}` exited with {:?}, expected {want:?}\n{stdout}{stderr}",
                    example.line, example.command, last_code
                ));
            }
            if let Some(file) = redirect {
                std::fs::write(dir.path().join(file), &run.stdout).unwrap();
                stderr
            } else {
                stdout + &stderr
            }
        };
        if example.expected.is_empty() {
            continue;
        }
        let actual: Vec<&str> = output.lines().collect();
        if !lines_match(&example.expected, &actual) {
            failures.push(format!(
                "README line {}: `{}` printed\n{output}\nbut the README shows\n{}",
                example.line,
                example.command,
                example.expected.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_matcher_matches_what_it_should() {
    assert!(line_matches("a … c", "a b b c"));
    assert!(!line_matches("a … c", "a b b d"));
    let expected: Vec<String> = ["x", "...", "z"].map(String::from).to_vec();
    assert!(lines_match(&expected, &["x", "y", "y", "z"]));
    assert!(!lines_match(&expected, &["x", "y"]));
    assert_eq!(words(r#"firm add f --name "A B"   # comment"#), ["firm", "add", "f", "--name", "A B"]);
}
