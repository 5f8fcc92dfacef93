//! Helpers for the report tests (tests/report_*.rs): a temporary folder with its own database, the binary run in
//! it, and decoders for CSV (plain and as a Danish spreadsheet reads it) and JSON.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The path of a bundled sample file.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// A finished run of the binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success; stderr:\n{}", self.stderr);
        self
    }

    /// Standard output as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Standard output decoded as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.text()))
    }
}

/// A temporary folder holding a database and the files of one test.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    /// An empty folder.
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    /// A folder whose database holds the five bundled samples.
    pub fn with_samples() -> Env {
        let env = Env::new();
        let files: Vec<PathBuf> =
            ["firms.csv", "shortlists.csv", "exemptions.csv", "dansk.csv", "example.json"].map(sample).to_vec();
        let mut args = vec!["import".to_string()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        env.run(&args).ok();
        env
    }

    /// A path in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The database.
    pub fn db(&self) -> PathBuf {
        self.path("pledge.db")
    }

    /// Writes a file into the folder and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a file");
        path
    }

    /// The binary, run in the folder with `--db` pointing into it and no colour settings from outside.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("pledgecheck").expect("the pledgecheck binary");
        cmd.current_dir(self.dir.path()).env_remove("PLEDGECHECK_DB").env_remove("NO_COLOR").arg("--db").arg(self.db());
        cmd
    }

    /// Runs the binary.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Run {
        let output = self.command().args(args).output().expect("run pledgecheck");
        Run {
            code: output.status.code(),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into(),
        }
    }

    /// Imports files and asserts success.
    #[track_caller]
    pub fn import(&self, files: &[PathBuf]) {
        let mut args = vec!["import".to_string()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        self.run(&args).ok();
    }
}

/// Plain CSV: a header and rows of strings.
pub fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(!bytes.starts_with(b"\xef\xbb\xbf"), "plain CSV has no byte-order mark");
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header = reader.headers().expect("a header").iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.expect("a record").iter().map(String::from).collect()).collect();
    (header, rows)
}

/// CSV as a Danish spreadsheet reads it: a byte-order mark, `;` between cells, CRLF after each line; cells that
/// look like numbers with a decimal comma are numbers.
pub fn read_excel_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").expect("Excel CSV starts with a byte-order mark");
    let text = std::str::from_utf8(body).expect("UTF-8");
    assert!(text.is_empty() || text.ends_with("\r\n"), "Excel CSV lines end with CRLF");
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF outside quotes in these reports");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_reader(body);
    let header = reader.headers().expect("a header").iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.expect("a record").iter().map(String::from).collect()).collect();
    (header, rows)
}

/// A cell's value as a spreadsheet sees it: a number (decimal comma in Excel CSV, point in plain CSV), or text
/// (with the formula guard's leading `'` removed from Excel CSV's text).
#[derive(Debug, Clone, PartialEq)]
pub enum Value2 {
    Number(f64),
    Text(String),
    Empty,
}

/// Reads a plain CSV cell.
pub fn plain_value(cell: &str) -> Value2 {
    if cell.is_empty() {
        Value2::Empty
    } else if let Some(n) = number(cell, '.') {
        Value2::Number(n)
    } else {
        Value2::Text(cell.to_string())
    }
}

/// Reads an Excel CSV cell as a Danish spreadsheet would: `0,8750` is a number, `'=x` is the text `=x`.
pub fn excel_value(cell: &str) -> Value2 {
    if cell.is_empty() {
        Value2::Empty
    } else if let Some(n) = number(cell, ',') {
        Value2::Number(n)
    } else if let Some(rest) = cell.strip_prefix('\'') {
        Value2::Text(rest.to_string())
    } else {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "an unguarded formula-like cell: {cell:?}");
        Value2::Text(cell.to_string())
    }
}

fn number(cell: &str, decimal: char) -> Option<f64> {
    let other = if decimal == ',' { '.' } else { ',' };
    let body = cell.strip_prefix('-').unwrap_or(cell);
    if body.is_empty() || body.contains(other) || !body.chars().all(|c| c.is_ascii_digit() || c == decimal) {
        return None;
    }
    if body.starts_with(decimal) || body.ends_with(decimal) || body.matches(decimal).count() > 1 {
        return None;
    }
    cell.replace(decimal, ".").parse().ok()
}
