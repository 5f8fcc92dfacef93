//! samples/EXPECTED.md, read: every search with its quarter and verdict, and the per-firm counts.

use super::inputs::sample;

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
