//! Helpers shared by the integration tests: a temporary directory with its own database, builders for input
//! files, and decoders for the outputs (JSON via serde_json, CSV via csv, the database via rusqlite).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// `valid_to` of a row that is still valid (schema/0001_init.sql).
pub const FOREVER: &str = "9999-12-31T23:59:59.999999Z";

/// The shortlists columns, in the contract's order.
pub const SHORTLIST_COLUMNS: [&str; 14] = [
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "position",
    "level",
    "opened_on",
    "shortlist_on",
    "cancelled_on",
    "candidate_ref",
    "candidate_sector",
    "experience",
    "stage",
    "added_on",
];

/// The columns `report searches` starts with.
pub const SEARCH_REPORT_COLUMNS: [&str; 11] = [
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "level",
    "opened_on",
    "shortlist_on",
    "quarter",
    "verdict",
    "policy_version",
    "reason",
];

/// The count columns of `report firms` and `report quarters`.
pub const COUNT_COLUMNS: [&str; 8] =
    ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable", "compliance_rate"];

/// The path of a bundled sample file.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// All five sample files, in the order EXPECTED.md imports them.
pub fn all_samples() -> Vec<PathBuf> {
    ["firms.csv", "shortlists.csv", "exemptions.csv", "dansk.csv", "example.json"].map(sample).to_vec()
}

/// The three CSV samples that import on their own.
pub fn csv_samples() -> Vec<PathBuf> {
    ["firms.csv", "shortlists.csv", "exemptions.csv"].map(sample).to_vec()
}

/// A finished run of the binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
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

    /// Standard output decoded as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A temporary directory holding the input files and the database of one test.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("a temporary directory") }
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

    /// The binary with `--db` pointing into the directory, run in the directory.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("pledgecheck").expect("the pledgecheck binary");
        cmd.current_dir(self.dir.path()).env_remove("PLEDGECHECK_DB").arg("--db").arg(self.db());
        cmd
    }

    /// Runs the binary with arguments.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Run {
        Run::from(self.command().args(args).output().expect("run pledgecheck"))
    }

    /// Imports files and asserts success.
    #[track_caller]
    pub fn import<S: AsRef<std::ffi::OsStr>>(&self, files: &[S]) -> Run {
        let mut args: Vec<std::ffi::OsString> = vec!["import".into()];
        args.extend(files.iter().map(|f| f.as_ref().to_os_string()));
        self.run(&args).ok()
    }

    /// Imports all five samples.
    pub fn import_samples(&self) -> Run {
        self.import(&all_samples())
    }

    /// Writes the default firms file, the shortlists and the exemptions (if any) and imports them.
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
        let value = self.run(&["report", "searches", "--format", "json"]).ok().json();
        assert_eq!(value["schema_version"], 1);
        value["rows"].as_array().expect("rows is an array").clone()
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
        let conn = self.sql();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut snapshot = Vec::new();
        for table in tables {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid")).unwrap();
            let width = stmt.column_count();
            let rows: Vec<Vec<String>> = stmt
                .query_map([], |r| {
                    (0..width).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect()
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            snapshot.push((table, rows));
        }
        Snapshot(snapshot)
    }

    /// Row counts of the tables that keep versions.
    pub fn version_counts(&self) -> [i64; 4] {
        ["firm_version", "search_version", "candidate_version", "exemption_version"]
            .map(|t| self.count(&format!("SELECT count(*) FROM {t}")))
    }
}

/// Every table's rows.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot(pub Vec<(String, Vec<Vec<String>>)>);

impl Snapshot {
    /// The rows of one table.
    pub fn rows(&self, table: &str) -> usize {
        self.0.iter().find(|(t, _)| t == table).map_or(0, |(_, rows)| rows.len())
    }
}

/// A decoded CSV report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Decodes CSV text with `,` separators.
    pub fn parse(text: &str) -> Csv {
        Csv::parse_with(text.as_bytes(), b',')
    }

    /// Decodes CSV bytes with a separator.
    pub fn parse_with(bytes: &[u8], separator: u8) -> Csv {
        let mut reader = csv::ReaderBuilder::new().delimiter(separator).from_reader(bytes);
        let header = reader.headers().expect("a CSV header").iter().map(str::to_string).collect();
        let rows = reader.records().map(|r| r.expect("a CSV row").iter().map(str::to_string).collect()).collect();
        Csv { header, rows }
    }

    /// The value of a column in a row.
    #[track_caller]
    pub fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        let i = self.header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
        &row[i]
    }

    /// The row whose first columns are these values.
    #[track_caller]
    pub fn row(&self, key: &[&str]) -> &[String] {
        self.rows
            .iter()
            .find(|r| r.iter().zip(key).all(|(a, b)| a == b))
            .unwrap_or_else(|| panic!("no row starting {key:?}"))
    }
}

/// The default firms file: firm `f`, signed 2021-06-01.
pub fn default_firms() -> String {
    firms(&["f,Firm F,2021-06-01,"])
}

/// A firms file from rows of `firm,name,pledged_on,withdrawn_on`.
pub fn firms(rows: &[&str]) -> String {
    let mut text = String::from("firm,name,pledged_on,withdrawn_on\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// An exemptions file from `[firm, search_ref, reason, note]` rows.
pub fn exemptions(rows: &[[&str; 4]]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["firm", "search_ref", "reason", "note"]).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// One row of a shortlists file, with every column of the contract.
#[derive(Debug, Clone)]
pub struct Row(Vec<(&'static str, String)>);

/// A shortlists row of an in-scope search with one municipal candidate: firm `f`, search `s1`, Aarhus Kommune
/// (municipality), level top, opened 2026-01-10, shortlist 2026-03-01, candidate `c1` (municipality, shortlist).
pub fn row() -> Row {
    let defaults = [
        "f",
        "s1",
        "Aarhus Kommune",
        "municipality",
        "Direktør",
        "top",
        "2026-01-10",
        "2026-03-01",
        "",
        "c1",
        "municipality",
        "",
        "shortlist",
        "",
    ];
    Row(SHORTLIST_COLUMNS.iter().zip(defaults).map(|(c, v)| (*c, v.to_string())).collect())
}

impl Row {
    /// Sets a column.
    #[track_caller]
    pub fn set(mut self, column: &str, value: &str) -> Row {
        let slot = self.0.iter_mut().find(|(c, _)| *c == column).unwrap_or_else(|| panic!("no column {column}"));
        slot.1 = value.to_string();
        self
    }

    /// Sets the candidate's reference and current sector.
    pub fn candidate(self, candidate_ref: &str, sector: &str) -> Row {
        self.set("candidate_ref", candidate_ref).set("candidate_sector", sector)
    }

    /// Empties the candidate columns (a search with no candidates).
    pub fn no_candidate(self) -> Row {
        self.candidate("", "").set("stage", "")
    }

    /// The value of a column.
    pub fn get(&self, column: &str) -> &str {
        &self.0.iter().find(|(c, _)| *c == column).expect("a column").1
    }
}

/// A shortlists file with every column.
pub fn shortlists(rows: &[Row]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(SHORTLIST_COLUMNS).unwrap();
    for row in rows {
        writer.write_record(row.0.iter().map(|(_, v)| v)).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// The 1-based position of a shortlists column, as errors name it.
pub fn column(name: &str) -> usize {
    SHORTLIST_COLUMNS.iter().position(|c| *c == name).expect("a shortlists column") + 1
}

/// One search of samples/EXPECTED.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub firm: String,
    pub search_ref: String,
    pub file: String,
    pub quarter: String,
    pub verdict: String,
}

fn markdown_cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|c| c.trim().to_string()).collect())
}

fn expected_md() -> String {
    std::fs::read_to_string(sample("EXPECTED.md")).expect("samples/EXPECTED.md")
}

/// The table of md lines under a heading (until the next heading).
fn section(md: &str, heading: &str) -> Vec<Vec<String>> {
    md.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(markdown_cells)
        .filter(|cells| !cells[0].starts_with("---") && cells[0] != "firm")
        .collect()
}

/// Every search of samples/EXPECTED.md with its expected quarter and verdict.
pub fn expected_searches() -> Vec<Expected> {
    section(&expected_md(), "## Every search")
        .into_iter()
        .map(|c| Expected {
            firm: c[0].clone(),
            search_ref: c[1].clone(),
            file: c[2].clone(),
            quarter: c[3].clone(),
            verdict: c[4].clone(),
        })
        .collect()
}

/// The per-firm table of samples/EXPECTED.md for all five files: `firm, name, searches, ..., compliance_rate`.
pub fn expected_firms_all() -> Vec<Vec<String>> {
    section(&expected_md(), "## Per-firm counts, all files together")
}

/// The per-firm table of samples/EXPECTED.md for the three CSV files: `firm, searches, ..., compliance_rate`.
pub fn expected_firms_csv_only() -> Vec<Vec<String>> {
    section(&expected_md(), "## Per-firm counts, firms.csv + shortlists.csv + exemptions.csv only")
}

/// Asserts that some line of `stderr` names `file`, `line N` and, if given, the column, and returns it.
#[track_caller]
pub fn error_line<'a>(stderr: &'a str, file: &str, line: usize, column: Option<&str>) -> &'a str {
    stderr
        .lines()
        .find(|l| {
            l.starts_with(&format!("{file}: "))
                && (l.contains(&format!("line {line},")) || l.contains(&format!("line {line}:")))
                && column.is_none_or(|c| l.contains(&format!("({c})")))
        })
        .unwrap_or_else(|| panic!("no error naming {file}, line {line}, column {column:?} in:\n{stderr}"))
}
