//! Input files: the bundled samples, and builders for firms, shortlists and exemptions files.

use std::path::{Path, PathBuf};

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

/// The path of a bundled sample file (`samples/NAME`).
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// All five sample files, in the order samples/EXPECTED.md imports them.
pub fn all_samples() -> Vec<PathBuf> {
    ["firms.csv", "shortlists.csv", "exemptions.csv", "dansk.csv", "example.json"].map(sample).to_vec()
}

/// The three CSV samples that import on their own.
pub fn csv_samples() -> Vec<PathBuf> {
    ["firms.csv", "shortlists.csv", "exemptions.csv"].map(sample).to_vec()
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
