//! [`Env`]: a temporary directory holding one test's input files and database, and the binary run in it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use assert_cmd::Command;
use serde_json::Value;

use super::inputs::{all_samples, default_firms, exemptions, shortlists, Row};
use super::outputs::{Csv, Snapshot};

/// The `pledgecheck` binary that cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_pledgecheck");

/// A finished run of the binary.
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output as text (invalid UTF-8 replaced; [`Run::text`] insists on UTF-8).
    pub stdout: String,
    /// Standard error as text.
    pub stderr: String,
    /// Standard output as bytes.
    pub bytes: Vec<u8>,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            bytes: output.stdout,
        }
    }

    /// Asserts exit status 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Asserts an exit status and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Standard output, asserting that it is UTF-8.
    #[track_caller]
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).expect("stdout is UTF-8")
    }

    /// Standard output decoded as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A temporary directory holding the input files and the database (`pledge.db`) of one test. Commands run in the
/// directory, with `--db` pointing at its database and no `PLEDGECHECK_DB` or `NO_COLOR` from outside.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    /// An empty directory, without a database.
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("a temporary directory") }
    }

    /// A directory whose database holds the five bundled samples.
    #[track_caller]
    pub fn with_samples() -> Env {
        let env = Env::new();
        env.import_samples();
        env
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database file (`--db`).
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("pledge.db")
    }

    /// A path in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the directory and returns its name (commands run in the directory).
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        std::fs::write(self.path(name), contents).expect("write an input file");
        name.to_string()
    }

    /// The binary, run in the directory on its database, ready for arguments (assert_cmd's `Command`).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(BINARY);
        cmd.current_dir(self.dir.path()).env_remove("PLEDGECHECK_DB").env_remove("NO_COLOR").arg("--db").arg(self.db());
        cmd
    }

    /// Runs the binary with arguments and waits for it.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        Run::from(self.command().args(args).output().expect("run pledgecheck"))
    }

    /// Starts the binary with arguments, as [`Env::command`] would run it, with its output piped, and does not
    /// wait: for processes that run at the same time as others, or are killed or read from while running.
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> Child {
        std::process::Command::new(BINARY)
            .current_dir(self.dir.path())
            .env_remove("PLEDGECHECK_DB")
            .env_remove("NO_COLOR")
            .arg("--db")
            .arg(self.db())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pledgecheck")
    }

    /// Imports files and asserts success.
    #[track_caller]
    pub fn import<S: AsRef<OsStr>>(&self, files: &[S]) -> Run {
        let mut args: Vec<OsString> = vec!["import".into()];
        args.extend(files.iter().map(|f| f.as_ref().to_os_string()));
        self.run(&args).ok()
    }

    /// Imports all five samples and asserts success.
    #[track_caller]
    pub fn import_samples(&self) -> Run {
        self.import(&all_samples())
    }

    /// Writes the firms file, the shortlists and the exemptions (if any) and imports them.
    #[track_caller]
    pub fn load(&self, firms_csv: &str, rows: &[Row], exemption_rows: &[[&str; 4]]) -> Run {
        let mut files = vec![self.write("firms.csv", firms_csv), self.write("shortlists.csv", shortlists(rows))];
        if !exemption_rows.is_empty() {
            files.push(self.write("exemptions.csv", exemptions(exemption_rows)));
        }
        self.import(&files)
    }

    /// Loads firm `f` (signed 2021-06-01) with the rows, and returns the `report searches` row of `f`/`s1`.
    #[track_caller]
    pub fn judge(&self, rows: &[Row]) -> Value {
        self.load(&default_firms(), rows, &[]);
        self.search("f", "s1")
    }

    /// `report searches --format json`, decoded: the rows.
    #[track_caller]
    pub fn searches(&self) -> Vec<Value> {
        self.report_json(&["searches"])
    }

    /// The `report searches` row of one search.
    #[track_caller]
    pub fn search(&self, firm: &str, search_ref: &str) -> Value {
        self.searches()
            .into_iter()
            .find(|r| r["firm"] == firm && r["search_ref"] == search_ref)
            .unwrap_or_else(|| panic!("no report row for {firm}/{search_ref}"))
    }

    /// `explain FIRM SEARCH_REF --format json`, decoded.
    #[track_caller]
    pub fn explain(&self, firm: &str, search_ref: &str) -> Value {
        let value = self.run(&["explain", firm, search_ref, "--format", "json"]).ok().json();
        assert_eq!(value["schema_version"], 1);
        value
    }

    /// A report as CSV, decoded: the header and the rows.
    #[track_caller]
    pub fn report_csv(&self, args: &[&str]) -> Csv {
        let mut all = vec!["report"];
        all.extend_from_slice(args);
        all.extend(["--format", "csv"]);
        Csv::parse(&self.run(&all).ok().stdout)
    }

    /// A report as JSON, decoded: the rows.
    #[track_caller]
    pub fn report_json(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["report"];
        all.extend_from_slice(args);
        all.extend(["--format", "json"]);
        let value = self.run(&all).ok().json();
        assert_eq!(value["schema_version"], 1);
        value["rows"].as_array().expect("rows is an array").clone()
    }

    /// A read-only connection to the database.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database")
    }

    /// One number from the database.
    pub fn count(&self, sql: &str) -> i64 {
        self.sql().query_row(sql, [], |r| r.get(0)).expect("a count")
    }

    /// Every row of every table, to compare before and after.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.sql())
    }

    /// Row counts of the tables that keep versions.
    pub fn version_counts(&self) -> [i64; 4] {
        ["firm_version", "search_version", "candidate_version", "exemption_version"]
            .map(|t| self.count(&format!("SELECT count(*) FROM {t}")))
    }
}
