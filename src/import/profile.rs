//! Import profiles: a small TOML file that maps an exporting system's column names to pledgecheck's, names
//! columns to drop unread, and maps that system's words (stages, sectors, levels) to pledgecheck's. A profile
//! applies to CSV files; JSON files use pledgecheck's names.
//!
//! ```toml
//! name = "Rekrutto ATS export"
//! ignore = ["Konsulent", "Noter", "Kandidatnavn"]   # read and dropped, never stored
//! [columns]                                         # their column = ours
//! "Sags-ID" = "search_ref"
//! [values.stage]                                    # their word = ours, for one of our columns
//! "Præsenteret" = "shortlist"
//! ```

use std::collections::BTreeMap;

use crate::model::{did_you_mean_text, Level, Sector, Stage};

/// A profile, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Its name, for people.
    pub name: Option<String>,
    /// Their column (normalised: trimmed, lower case) and ours.
    pub columns: Vec<(String, &'static str)>,
    /// Their columns to drop unread (normalised).
    pub ignore: Vec<String>,
    /// Per column of ours, their words (normalised) and ours.
    pub values: Vec<(&'static str, Vec<(String, String)>)>,
}

/// The profile file as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The columns whose values a profile may map, with how each reads a word.
const VALUE_COLUMNS: [&str; 4] = ["client_sector", "candidate_sector", "level", "stage"];

/// A column name as profiles and headers compare it: trimmed, lower case.
pub fn normalise_name(raw: &str) -> String {
    raw.trim().to_lowercase()
}

impl Profile {
    /// Reads and checks a profile against pledgecheck's columns; every problem is given, as `key: message`.
    pub fn read(text: &str) -> Result<Profile, Vec<String>> {
        Profile::parse(text, &super::csv::known_columns())
    }

    /// Reads and checks a profile; every problem is given, as `key: message`.
    pub fn parse(text: &str, known_columns: &[&'static str]) -> Result<Profile, Vec<String>> {
        let raw: Raw = toml::from_str(text).map_err(|e| vec![e.to_string().trim_end().replace('\n', " ")])?;
        let mut problems = Vec::new();
        let mut profile = Profile { name: raw.name, ..Profile::default() };
        for (theirs, ours) in &raw.columns {
            let key = normalise_name(theirs);
            match known_columns.iter().find(|c| **c == normalise_name(ours)) {
                Some(column) => {
                    if let Some((other, _)) = profile.columns.iter().find(|(_, c)| c == column) {
                        problems.push(format!(
                            "columns.{theirs:?}: {column} is also the column {other:?} maps to (a column of ours \
                             takes one of theirs)"
                        ));
                    }
                    profile.columns.push((key, column));
                }
                None => problems.push(format!(
                    "columns.{theirs:?}: unknown pledgecheck column {ours:?}{} (expected one of {})",
                    did_you_mean_text(ours, known_columns.iter().copied()),
                    known_columns.join(", ")
                )),
            }
        }
        for theirs in &raw.ignore {
            let key = normalise_name(theirs);
            if profile.columns.iter().any(|(c, _)| *c == key) {
                problems.push(format!("ignore: {theirs:?} is also mapped in [columns]; drop it from one of them"));
            }
            profile.ignore.push(key);
        }
        for (column, words) in &raw.values {
            let Some(ours) = VALUE_COLUMNS.iter().find(|c| **c == normalise_name(column)) else {
                problems.push(format!(
                    "values.{column}: values can be mapped for {} only{}",
                    VALUE_COLUMNS.join(", "),
                    did_you_mean_text(column, VALUE_COLUMNS)
                ));
                continue;
            };
            let mut mapped = Vec::new();
            for (theirs, word) in words {
                match canonical_word(ours, word) {
                    Ok(canonical) => mapped.push((normalise_name(theirs), canonical)),
                    Err(message) => problems.push(format!("values.{column}.{theirs:?}: {message}")),
                }
            }
            profile.values.push((ours, mapped));
        }
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(problems)
        }
    }

    /// Our column for one of theirs (normalised), if the profile maps it.
    pub fn column(&self, theirs: &str) -> Option<&'static str> {
        self.columns.iter().find(|(t, _)| t == theirs).map(|(_, ours)| *ours)
    }

    /// Whether the profile drops their column (normalised).
    pub fn ignores(&self, theirs: &str) -> bool {
        self.ignore.iter().any(|t| t == theirs)
    }

    /// The word maps of our columns, if any.
    pub fn words(&self, ours: &str) -> Option<&[(String, String)]> {
        self.values.iter().find(|(c, _)| *c == ours).map(|(_, words)| words.as_slice())
    }
}

/// Maps a value with a word map: ours for a word of theirs (case and surrounding spaces ignored), else the value.
pub fn map_word<'a>(words: &'a [(String, String)], value: &'a str) -> &'a str {
    let key = normalise_name(value);
    words.iter().find(|(t, _)| *t == key).map_or(value, |(_, ours)| ours.as_str())
}

/// A word of ours for a column, in its canonical form, or why it is not one.
fn canonical_word(column: &str, word: &str) -> Result<String, String> {
    match column {
        "client_sector" | "candidate_sector" => Sector::parse(word).map(|s| s.as_str().to_string()),
        "level" => Level::parse(word).map(|l| l.as_str().to_string()),
        _ => Stage::parse(word).map(|s| s.as_str().to_string()),
    }
    .map_err(|e| e.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 4] = ["firm", "search_ref", "stage", "candidate_sector"];

    #[test]
    fn a_profile_maps_columns_ignores_columns_and_maps_words() {
        let text = r#"
            name = "ATS"
            ignore = ["Konsulent"]
            [columns]
            "Sags-ID" = "search_ref"
            [values.stage]
            "Præsenteret" = "kortliste"
        "#;
        let p = Profile::parse(text, &KNOWN).unwrap();
        assert_eq!(p.column("sags-id"), Some("search_ref"));
        assert!(p.ignores("konsulent"));
        assert_eq!(map_word(p.words("stage").unwrap(), " præsenteret "), "shortlist");
        assert_eq!(map_word(p.words("stage").unwrap(), "hired"), "hired");
    }

    #[test]
    fn every_problem_is_named() {
        let text = r#"
            ignore = ["A"]
            [columns]
            "A" = "serch_ref"
            "B" = "firm"
            "C" = "firm"
            [values.stage]
            "x" = "boss"
            [values.colour]
            "y" = "z"
        "#;
        let problems = Profile::parse(text, &KNOWN).unwrap_err().join("\n");
        assert!(
            problems.contains("columns.\"A\": unknown pledgecheck column \"serch_ref\" (did you mean search_ref?)"),
            "{problems}"
        );
        assert!(problems.contains("columns.\"C\": firm is also the column \"b\" maps to"), "{problems}");
        assert!(problems.contains("values.stage.\"x\": unknown stage \"boss\""), "{problems}");
        assert!(problems.contains("values.colour: values can be mapped for"), "{problems}");
        assert!(Profile::parse("colums = 1", &KNOWN).unwrap_err()[0].contains("unknown field"));
    }
}
