//! CSV files: the separator and the kind from the header, then row by row into the batch. A search's rows may
//! stand anywhere in the file; they are gathered by `(firm, search_ref)` and must agree.

use std::collections::HashMap;

use ::csv::{ReaderBuilder, StringRecord};

use super::error::{At, InputError, InputErrors};
use super::records::{self, Fields, CANDIDATE_COLUMNS};
use super::{Batch, Kind, Place, SearchRecord};
use crate::model::Search;

const FIRM_COLUMNS: &[(&str, bool)] =
    &[("firm", true), ("name", false), ("pledged_on", false), ("withdrawn_on", false)];

const SHORTLIST_COLUMNS: &[(&str, bool)] = &[
    ("firm", true),
    ("search_ref", true),
    ("client", true),
    ("client_sector", true),
    ("position", true),
    ("level", true),
    ("opened_on", true),
    ("shortlist_on", false),
    ("cancelled_on", false),
    ("candidate_ref", false),
    ("candidate_sector", false),
    ("experience", false),
    ("stage", false),
    ("added_on", false),
];

const EXEMPTION_COLUMNS: &[(&str, bool)] = &[("firm", true), ("search_ref", true), ("reason", true), ("note", false)];

/// Column names that suggest personal data, which pledgecheck never stores.
const PERSONAL: &[&str] =
    &["email", "e-mail", "mail", "cpr", "phone", "telefon", "birth", "født", "address", "adresse"];

fn columns_of(kind: Kind) -> &'static [(&'static str, bool)] {
    match kind {
        Kind::Firms => FIRM_COLUMNS,
        Kind::Shortlists => SHORTLIST_COLUMNS,
        Kind::Exemptions => EXEMPTION_COLUMNS,
        Kind::Json => &[],
    }
}

/// The separator: `;` when the header line holds more semicolons than commas outside quotes, else `,`.
fn separator(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// One data row of a CSV file.
struct Row<'a> {
    file: &'a str,
    line: usize,
    record: &'a StringRecord,
    header: &'a [String],
}

impl Fields for Row<'_> {
    fn file(&self) -> &str {
        self.file
    }

    fn get(&self, name: &str) -> Option<&str> {
        let index = self.header.iter().position(|h| h == name)?;
        self.record.get(index)
    }

    fn at(&self, name: &str) -> At {
        let column = self.header.iter().position(|h| h == name).map(|i| (i + 1, name.to_string()));
        At::Line { line: self.line, column }
    }
}

/// Reads one CSV file into the batch.
pub(super) fn read(source: usize, text: &str, batch: &mut Batch, errors: &mut InputErrors) {
    let name = batch.sources[source].name.clone();
    let file_error = |errors: &mut InputErrors, at: At, message: String| {
        errors.push(InputError { file: name.clone(), at, message });
    };
    let mut reader =
        ReaderBuilder::new().delimiter(separator(text)).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => {
            file_error(errors, At::Line { line: 1, column: None }, format!("the header line cannot be read: {e}"));
            return;
        }
        None => {
            file_error(errors, At::File, "the file is empty (expected a header line)".into());
            return;
        }
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let Some(kind) = kind_of(&header) else {
        file_error(
            errors,
            At::Line { line: 1, column: None },
            format!(
                "the header fits no kind of file (found {}; expected firms: firm,name,pledged_on,withdrawn_on; \
                 shortlists: firm,search_ref,client,client_sector,position,level,opened_on,...; \
                 exemptions: firm,search_ref,reason,note)",
                header.join(",")
            ),
        );
        return;
    };
    batch.sources[source].kind = Some(kind);
    if !check_header(&name, kind, &header, errors) {
        return;
    }
    batch.sources[source].header = header.clone();
    let mut shortlists = Shortlists::default();
    let mut lines = Lines { text: text.as_bytes(), byte: 0, line: 1 };
    for result in records {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                file_error(errors, At::Line { line, column: None }, format!("the row cannot be read as CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        // Spreadsheets write rows of bare separators below the data; they hold nothing.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            file_error(
                errors,
                At::Line { line, column: None },
                format!(
                    "the row has {} fields, the header has {} (expected one field per column)",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let row = Row { file: &name, line, record: &record, header: &header };
        let place = Place { source, at: At::Line { line, column: None } };
        match kind {
            Kind::Firms => {
                if let Some(firm) = records::firm(&row, errors) {
                    batch.firms.push((place, firm));
                }
            }
            Kind::Exemptions => {
                if let Some(exemption) = records::exemption(&row, errors) {
                    batch.exemptions.push((place, exemption));
                }
            }
            Kind::Shortlists => shortlists.add(&row, place, batch, errors),
            Kind::Json => unreachable!("a CSV header never reads as JSON"),
        }
    }
}

/// Physical line numbers from byte offsets, counted as the reader moves forward. The csv crate's own line count
/// is wrong for CRLF files (BurntSushi/rust-csv#395), which is what Danish Excel writes.
struct Lines<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of the byte at `offset`; offsets must not go backwards.
    fn at(&mut self, offset: u64) -> usize {
        let mut offset = (offset as usize).min(self.text.len());
        // A record's offset may point at the line ending before it (the `\n` of a CRLF, or blank lines): the
        // record starts at its first other byte.
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > self.byte {
            self.line += self.text[self.byte..offset].iter().filter(|b| **b == b'\n').count();
            self.byte = offset;
        }
        self.line
    }
}

/// The kind of a CSV file from its header.
fn kind_of(header: &[String]) -> Option<Kind> {
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("search_ref") && has("reason") {
        Some(Kind::Exemptions)
    } else if has("search_ref") {
        Some(Kind::Shortlists)
    } else if has("firm") {
        Some(Kind::Firms)
    } else {
        None
    }
}

/// Refuses unknown, repeated and missing columns; true when the header is good.
fn check_header(file: &str, kind: Kind, header: &[String], errors: &mut InputErrors) -> bool {
    let columns = columns_of(kind);
    let mut good = true;
    let mut fail = |index: usize, name: &str, message: String| {
        good = false;
        errors.push(InputError {
            file: file.into(),
            at: At::Line { line: 1, column: Some((index + 1, name.into())) },
            message,
        });
    };
    for (index, name) in header.iter().enumerate() {
        if header[..index].contains(name) {
            fail(index, name, format!("column {name} is repeated"));
        } else if !columns.iter().any(|(c, _)| c == name) {
            let personal = PERSONAL.iter().any(|p| name.contains(p)) || (kind != Kind::Firms && name.contains("name"));
            let known = columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
            let message = if personal {
                format!(
                    "column {name:?} looks like personal data, which pledgecheck does not store (candidates are known \
                     only by a pseudonymous candidate_ref); remove the column. A {} file has the columns {known}",
                    kind.as_str()
                )
            } else {
                format!("unknown column {name:?} in a {} file (expected the columns {known})", kind.as_str())
            };
            fail(index, name, message);
        }
    }
    for (name, required) in columns {
        if *required && !header.iter().any(|h| h == name) {
            errors.push(InputError {
                file: file.into(),
                at: At::Line { line: 1, column: None },
                message: format!("required column {name} is missing from the {} header", kind.as_str()),
            });
            good = false;
        }
    }
    good
}

/// The searches of one shortlists file, gathered by `(firm, search_ref)`.
#[derive(Default)]
struct Shortlists {
    /// Index into the batch's searches, and per candidate the line it came from.
    seen: HashMap<(String, String), Gathered>,
}

struct Gathered {
    index: usize,
    candidate_lines: Vec<usize>,
    empty_line: Option<usize>,
}

impl Shortlists {
    fn add(&mut self, row: &Row, place: Place, batch: &mut Batch, errors: &mut InputErrors) {
        let search = records::search(row, errors);
        let has_candidate = CANDIDATE_COLUMNS.iter().any(|c| row.get(c).is_some_and(|v| !v.trim().is_empty()));
        // The candidate is read even when the search columns fail, so that every error of the row is reported.
        let opened_on = search.as_ref().map(|s| s.opened_on);
        let candidate = if has_candidate { records::candidate(row, opened_on, errors) } else { None };
        let Some(search) = search else { return };
        if has_candidate && candidate.is_none() {
            return;
        }
        let key = (search.firm.clone(), search.search_ref.clone());
        let Some(gathered) = self.seen.get_mut(&key) else {
            let index = batch.searches.len();
            let (candidate_lines, empty_line) = match &candidate {
                Some(_) => (vec![row.line], None),
                None => (Vec::new(), Some(row.line)),
            };
            batch.searches.push(SearchRecord { place, search, candidates: candidate.into_iter().collect() });
            self.seen.insert(key, Gathered { index, candidate_lines, empty_line });
            return;
        };
        let record = &mut batch.searches[gathered.index];
        let first_line = match record.place.at {
            At::Line { line, .. } => line,
            _ => 0,
        };
        for (field, disagrees) in disagreements(&record.search, &search) {
            if disagrees {
                errors.push(InputError {
                    file: row.file.into(),
                    at: row.at(field),
                    message: format!(
                        "the rows of search {} disagree: {field} here differs from line {first_line} (the search \
                         columns must be the same on every row of a search)",
                        search.search_ref
                    ),
                });
            }
        }
        match candidate {
            None => {
                let other =
                    gathered.candidate_lines.first().or(gathered.empty_line.as_ref()).copied().unwrap_or(first_line);
                errors.push(InputError {
                    file: row.file.into(),
                    at: row.at("candidate_ref"),
                    message: format!(
                        "candidate_ref is empty, but search {} has another row on line {other} (a row without a \
                         candidate must be its search's only row)",
                        search.search_ref
                    ),
                });
            }
            Some(candidate) => {
                if let Some(empty) = gathered.empty_line {
                    errors.push(InputError {
                        file: row.file.into(),
                        at: row.at("candidate_ref"),
                        message: format!(
                            "search {} has a row without a candidate on line {empty} (a row without a candidate must \
                             be its search's only row)",
                            search.search_ref
                        ),
                    });
                } else if let Some(i) =
                    record.candidates.iter().position(|c| c.candidate_ref == candidate.candidate_ref)
                {
                    errors.push(InputError {
                        file: row.file.into(),
                        at: row.at("candidate_ref"),
                        message: format!(
                            "candidate {} is twice in search {}: also on line {}",
                            candidate.candidate_ref, search.search_ref, gathered.candidate_lines[i]
                        ),
                    });
                } else {
                    record.candidates.push(candidate);
                    gathered.candidate_lines.push(row.line);
                }
            }
        }
    }
}

/// Which search columns of two rows of one search differ, after normalising.
fn disagreements(a: &Search, b: &Search) -> [(&'static str, bool); 7] {
    [
        ("client", a.client != b.client),
        ("client_sector", a.client_sector != b.client_sector),
        ("position", a.position != b.position),
        ("level", a.level != b.level),
        ("opened_on", a.opened_on != b.opened_on),
        ("shortlist_on", a.shortlist_on != b.shortlist_on),
        ("cancelled_on", a.cancelled_on != b.cancelled_on),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::{read as read_all, Encoding, Input};
    use super::*;

    const HEADER: &str = "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector,experience";

    fn read(text: &str) -> Result<Batch, String> {
        read_all(&[Input { name: "s.csv".into(), bytes: text.as_bytes().to_vec() }], Encoding::Utf8)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn semicolons_danish_words_crlf_and_rows_anywhere() {
        let text = "\u{feff}firm;search_ref;client;client_sector;position;level;opened_on;shortlist_on;candidate_ref;candidate_sector;experience\r\n\
                    f;s1;Aarhus Kommune;kommune;Direktør;topchef;02-01-2026;01.03.2026;c1;privat;stat:2 region:1\r\n\
                    f;s2;Region Midtjylland;region;Chef;chef;2026-01-05;;;;\r\n\
                    f;s1;Aarhus Kommune;municipality;Direktør;top;2026-01-02;2026-03-01;c2;kommune;\r\n";
        let batch = read(text).unwrap();
        assert_eq!(batch.searches.len(), 2);
        assert_eq!(batch.searches[0].candidates.len(), 2);
        assert_eq!(batch.searches[0].candidates[0].experience.to_string(), "state:2;region:1");
        assert!(batch.searches[1].candidates.is_empty());
    }

    #[test]
    fn rows_of_one_search_that_disagree() {
        let text = format!(
            "{HEADER}\nf,s1,C,state,P,top,2026-01-01,,c1,private,\nf,s1,C,region,P,top,2026-01-01,,c2,private,\n"
        );
        let err = read(&text).unwrap_err();
        assert!(err.starts_with("s.csv: line 3, column 4 (client_sector): the rows of search s1 disagree"), "{err}");
    }

    #[test]
    fn a_candidate_twice_in_one_search() {
        let text =
            format!("{HEADER}\nf,s1,C,state,P,top,2026-01-01,,c1,private,\nf,s1,C,state,P,top,2026-01-01,,c1,state,\n");
        let err = read(&text).unwrap_err();
        assert!(
            err.contains("line 3, column 9 (candidate_ref): candidate c1 is twice in search s1: also on line 2"),
            "{err}"
        );
    }

    #[test]
    fn header_problems() {
        assert!(read("firm,search_ref,reason,reason\n")
            .unwrap_err()
            .contains("column 4 (reason): column reason is repeated"));
        assert!(read("firm,colour\n").unwrap_err().contains("unknown column \"colour\" in a firms file"));
        assert!(read("client,level\n").unwrap_err().contains("the header fits no kind of file"));
        let err = read("firm,search_ref,client\n").unwrap_err();
        assert!(err.contains("required column client_sector is missing"), "{err}");
        let err = read(&format!("{HEADER},candidate_name\n")).unwrap_err();
        assert!(err.contains("looks like personal data"), "{err}");
    }

    #[test]
    fn ragged_rows_and_bad_values_name_line_and_column() {
        let text = format!("{HEADER}\nf,s1,C,state,P,top,2026-01-01\nf,s2,C,stats,P,top,2026-13-01,,,,\n");
        let err = read(&text).unwrap_err();
        assert!(err.contains("s.csv: line 2: the row has 7 fields, the header has 11"), "{err}");
        assert!(err.contains("s.csv: line 3, column 4 (client_sector): unknown sector \"stats\""), "{err}");
        assert!(err.contains("s.csv: line 3, column 7 (opened_on): impossible date"), "{err}");
    }

    #[test]
    fn dates_before_opening_and_cancelled_before_shortlist() {
        let header = "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,cancelled_on,candidate_ref,candidate_sector,added_on";
        let text = format!("{header}\nf,s1,C,state,P,top,2026-02-01,2026-01-01,,,,\nf,s2,C,state,P,top,2026-02-01,2026-03-01,2026-02-15,,,\nf,s3,C,state,P,top,2026-02-01,,,c1,private,2026-01-31\n");
        let err = read(&text).unwrap_err();
        assert!(
            err.contains("line 2, column 8 (shortlist_on): shortlist_on 2026-01-01 is before opened_on 2026-02-01"),
            "{err}"
        );
        assert!(
            err.contains("line 3, column 9 (cancelled_on): cancelled_on 2026-02-15 is before shortlist_on"),
            "{err}"
        );
        assert!(
            err.contains("line 4, column 12 (added_on): added_on 2026-01-31 is before the search's opened_on"),
            "{err}"
        );
    }
}
