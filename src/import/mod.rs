//! Reading input files: CSV (firms, shortlists, exemptions, told apart by their header) and JSON, decoded,
//! validated value by value and gathered into a [`Batch`]. Pure: bytes in, a batch or every error out. What
//! needs the database (an unknown firm, an exemption for a missing search) is checked by the store.

mod csv;
pub mod error;
mod json;
pub(crate) mod records;

use std::collections::HashMap;

pub use error::{At, InputError, InputErrors};

use crate::model::{Candidate, Exemption, Firm, Search};
use crate::policy::hex_sha256;

/// How the bytes of an input file are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252, as older Danish Excel saves CSV.
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
}

/// An input file as read from disk.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name as the user gave it.
    pub name: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CSV file of firms.
    Firms,
    /// A CSV file of shortlists.
    Shortlists,
    /// A CSV file of exemptions.
    Exemptions,
    /// A JSON file, which may hold all three.
    Json,
}

impl Kind {
    /// A word for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Firms => "firms",
            Kind::Shortlists => "shortlists",
            Kind::Exemptions => "exemptions",
            Kind::Json => "json",
        }
    }
}

/// One file of a batch.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name as the user gave it.
    pub name: String,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    /// What it holds (when it could be told).
    pub kind: Option<Kind>,
    /// For CSV, the normalised header names in order.
    pub header: Vec<String>,
}

/// Where a record came from: a file and a line or JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Index into [`Batch::sources`].
    pub source: usize,
    /// The record's first line, or its JSON path.
    pub at: At,
}

/// A search with its candidates, as read.
#[derive(Debug, Clone)]
pub struct SearchRecord {
    /// Where its first row or its object is.
    pub place: Place,
    /// The search.
    pub search: Search,
    /// Its candidates.
    pub candidates: Vec<Candidate>,
}

/// Everything read from the files of one call, valid value by value.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The files, in the order given.
    pub sources: Vec<Source>,
    /// Firms with their places.
    pub firms: Vec<(Place, Firm)>,
    /// Searches with their candidates and places.
    pub searches: Vec<SearchRecord>,
    /// Exemptions with their places.
    pub exemptions: Vec<(Place, Exemption)>,
}

impl Batch {
    /// An error at one field of a record.
    pub fn error_at(&self, place: &Place, field: &str, message: String) -> InputError {
        let source = &self.sources[place.source];
        let at = match &place.at {
            At::Line { line, .. } => At::Line {
                line: *line,
                column: source.header.iter().position(|h| h == field).map(|i| (i + 1, field.to_string())),
            },
            At::Path(path) => At::Path(format!("{path}.{field}")),
            At::File => At::File,
        };
        InputError { file: source.name.clone(), at, message }
    }

    /// A place in words, to name the other place of a duplicate.
    pub fn describe(&self, place: &Place) -> String {
        let name = &self.sources[place.source].name;
        match &place.at {
            At::File => name.clone(),
            At::Line { line, .. } => format!("{name} line {line}"),
            At::Path(path) => format!("{name} {path}"),
        }
    }
}

/// Reads and validates the files of one call.
pub fn read(inputs: &[Input], encoding: Encoding) -> Result<Batch, InputErrors> {
    let mut batch = Batch::default();
    let mut errors = InputErrors::default();
    for input in inputs {
        let index = batch.sources.len();
        batch.sources.push(Source {
            name: input.name.clone(),
            sha256: hex_sha256(&input.bytes),
            kind: None,
            header: Vec::new(),
        });
        let Some(text) = decode(&input.name, &input.bytes, encoding, &mut errors) else { continue };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        if text.trim().is_empty() {
            errors.push(InputError {
                file: input.name.clone(),
                at: At::File,
                message: "the file is empty (expected a header line, or a JSON object)".into(),
            });
            continue;
        }
        if input.name.to_lowercase().ends_with(".json") || text.trim_start().starts_with('{') {
            batch.sources[index].kind = Some(Kind::Json);
            json::read(index, text, &mut batch, &mut errors);
        } else {
            csv::read(index, text, &mut batch, &mut errors);
        }
    }
    check_duplicates(&batch, &mut errors);
    errors.into_result().map(|()| batch)
}

/// Refuses every record of a firm other than `firm` (an agency collecting one firm's files).
pub fn restrict_to_firm(batch: &Batch, firm: &str) -> Result<(), InputErrors> {
    let mut errors = InputErrors::default();
    let records = batch
        .firms
        .iter()
        .map(|(p, f)| (p, &f.firm))
        .chain(batch.searches.iter().map(|r| (&r.place, &r.search.firm)))
        .chain(batch.exemptions.iter().map(|(p, e)| (p, &e.firm)));
    for (place, other) in records {
        if other != firm {
            let message = format!("firm {other:?} is not {firm:?}, the only firm this import accepts (--firm)");
            errors.push(batch.error_at(place, "firm", message));
        }
    }
    errors.into_result()
}

/// Decodes a file's bytes; a file that is not UTF-8 is refused with the line of the first bad byte.
fn decode(name: &str, bytes: &[u8], encoding: Encoding, errors: &mut InputErrors) -> Option<String> {
    match encoding {
        Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()),
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => Some(text.to_string()),
            Err(e) => {
                let good = &bytes[..e.valid_up_to()];
                let line = good.iter().filter(|b| **b == b'\n').count() + 1;
                let column = good.iter().rev().take_while(|b| **b != b'\n').count() + 1;
                errors.push(InputError {
                    file: name.to_string(),
                    at: At::Line { line, column: Some((column, String::new())) },
                    message: format!(
                        "the file is not UTF-8 (byte 0x{:02X}); if it was saved by older Excel, add --encoding windows-1252",
                        bytes[e.valid_up_to()]
                    ),
                });
                None
            }
        },
    }
}

/// The same firm, search or exemption twice in the files of one call is refused, naming both places.
fn check_duplicates(batch: &Batch, errors: &mut InputErrors) {
    let mut firms: HashMap<&str, &Place> = HashMap::new();
    for (place, firm) in &batch.firms {
        if let Some(first) = firms.insert(&firm.firm, place) {
            let message = format!("firm {} appears twice: also at {}", firm.firm, batch.describe(first));
            errors.push(batch.error_at(place, "firm", message));
        }
    }
    let mut searches: HashMap<(&str, &str), &Place> = HashMap::new();
    for record in &batch.searches {
        let key = (record.search.firm.as_str(), record.search.search_ref.as_str());
        if let Some(first) = searches.insert(key, &record.place) {
            let message =
                format!("search {} of firm {} appears twice: also at {}", key.1, key.0, batch.describe(first));
            errors.push(batch.error_at(&record.place, "search_ref", message));
        }
    }
    let mut exemptions: HashMap<(&str, &str), &Place> = HashMap::new();
    for (place, e) in &batch.exemptions {
        if let Some(first) = exemptions.insert((&e.firm, &e.search_ref), place) {
            let message = format!(
                "a second exemption for search {} of firm {} (a search has at most one): also at {}",
                e.search_ref,
                e.firm,
                batch.describe(first)
            );
            errors.push(batch.error_at(place, "search_ref", message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, text: &str) -> Input {
        Input { name: name.into(), bytes: text.as_bytes().to_vec() }
    }

    #[test]
    fn not_utf8_names_the_line_and_the_flag() {
        let bytes = b"firm,name\nf1,K\xf8benhavn\n".to_vec();
        let err = read(&[Input { name: "firms.csv".into(), bytes: bytes.clone() }], Encoding::Utf8).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("firms.csv: line 2, column 5: the file is not UTF-8"), "{text}");
        assert!(text.contains("--encoding windows-1252"));
        let batch = read(&[Input { name: "firms.csv".into(), bytes }], Encoding::Windows1252).unwrap();
        assert_eq!(batch.firms[0].1.name.as_deref(), Some("København"));
    }

    #[test]
    fn empty_file_is_an_error_header_only_is_not() {
        let err = read(&[input("a.csv", "\u{feff}  \n")], Encoding::Utf8).unwrap_err();
        assert!(err.to_string().contains("a.csv: the file is empty"));
        let batch = read(&[input("a.csv", "firm,name\n")], Encoding::Utf8).unwrap();
        assert!(batch.firms.is_empty());
    }

    #[test]
    fn the_same_search_in_two_files_names_both_places() {
        let text = "firm,search_ref,client,client_sector,position,level,opened_on\nf,s1,C,state,P,top,2026-01-01\n";
        let err = read(&[input("a.csv", text), input("b.csv", text)], Encoding::Utf8).unwrap_err();
        assert_eq!(
            err.to_string(),
            "b.csv: line 2, column 2 (search_ref): search s1 of firm f appears twice: also at a.csv line 2"
        );
    }
}
