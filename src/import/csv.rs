//! CSV files: the separator and the kind from the header line, then row by row, streamed. The rows of a search
//! that stand together are gathered into one run and checked against each other (they must agree, and a
//! candidate may not appear twice); the sink merges runs of one search that stand apart.

use std::io::{BufRead, Read};

use ::csv::{ByteRecord, ReaderBuilder};

use super::limits::{CsvGuard, Refused};

use super::error::{At, InputError, InputErrors};
use super::grouping::Grouping;
use super::profile::{map_word, normalise_name, Profile};
use super::records::{self, Fields, CANDIDATE_COLUMNS};
use super::stream::{self, CrlfToLf, Hashing};
use super::{Encoding, Kind, Open, Place, SearchRecord, Sink, Sources};
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

/// Danish names of the columns (and other spellings), read as pledgecheck's. Compared after trimming, lower case,
/// with spaces and `-` read as `_`. `navn` is a firm's `name` in a firms file, and personal data anywhere else.
pub const DANISH_COLUMNS: &[(&str, &str)] = &[
    ("firma", "firm"),
    ("firmanavn", "name"),
    ("tilsluttet", "pledged_on"),
    ("underskrevet", "pledged_on"),
    ("udtraadt", "withdrawn_on"),
    ("udtrådt", "withdrawn_on"),
    ("sags_id", "search_ref"),
    ("sagsnr", "search_ref"),
    ("kunde", "client"),
    ("kundesektor", "client_sector"),
    ("stilling", "position"),
    ("niveau", "level"),
    ("oprettet", "opened_on"),
    ("kortliste_sendt", "shortlist_on"),
    ("annulleret", "cancelled_on"),
    ("kandidat", "candidate_ref"),
    ("kandidat_id", "candidate_ref"),
    ("kandidatsektor", "candidate_sector"),
    ("erfaring", "experience"),
    ("fase", "stage"),
    ("tilfoejet", "added_on"),
    ("tilføjet", "added_on"),
    ("begrundelse", "reason"),
    ("aarsag", "reason"),
    ("årsag", "reason"),
    ("bemaerkning", "note"),
    ("bemærkning", "note"),
];

/// Every column of every kind of CSV file, each once.
pub(super) fn known_columns() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for (name, _) in SHORTLIST_COLUMNS.iter().chain(FIRM_COLUMNS).chain(EXEMPTION_COLUMNS).chain(CLIENT_COLUMNS) {
        if !all.contains(name) {
            all.push(name);
        }
    }
    all
}

/// Our name for a header field: a column the profile drops becomes `#name` (never read), one it maps becomes
/// ours, a Danish name becomes its column; anything else stays as written (trimmed, lower case), to be checked.
fn column_name(raw: &str, profile: Option<&Profile>) -> String {
    let lower = normalise_name(raw);
    if let Some(p) = profile {
        if p.ignores(&lower) {
            return format!("#{lower}");
        }
        if let Some(ours) = p.column(&lower) {
            return ours.to_string();
        }
    }
    let key = lower.replace([' ', '-'], "_");
    let known = SHORTLIST_COLUMNS
        .iter()
        .chain(FIRM_COLUMNS)
        .chain(EXEMPTION_COLUMNS)
        .chain(CLIENT_COLUMNS)
        .any(|(c, _)| *c == key);
    if known {
        return key;
    }
    match DANISH_COLUMNS.iter().find(|(danish, _)| *danish == key) {
        Some((_, ours)) => ours.to_string(),
        None => lower,
    }
}

/// A clients file: the users' own entries of the registry (the built-in file's columns; `sector` may be left out).
const CLIENT_COLUMNS: &[(&str, bool)] =
    &[("id", true), ("name", true), ("sector", false), ("kind", true), ("code", false), ("aliases", false)];

/// Column names that suggest personal data, which pledgecheck never stores.
const PERSONAL: &[&str] = &[
    "email", "e-mail", "mail", "cpr", "phone", "telefon", "tlf", "mobil", "birth", "født", "fødsel", "foedsel",
    "address", "adresse",
];

fn columns_of(kind: Kind) -> &'static [(&'static str, bool)] {
    match kind {
        Kind::Firms => FIRM_COLUMNS,
        Kind::Shortlists => SHORTLIST_COLUMNS,
        Kind::Exemptions => EXEMPTION_COLUMNS,
        Kind::Clients => CLIENT_COLUMNS,
        Kind::Json => &[],
    }
}

/// The separator: `;` when the header line holds more semicolons than commas outside quotes, else `,`.
fn separator(line: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in line {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// One data row of a CSV file, its fields decoded.
struct Row<'a> {
    file: &'a str,
    line: usize,
    fields: &'a [String],
    header: &'a [String],
}

impl Fields for Row<'_> {
    fn file(&self) -> &str {
        self.file
    }

    fn get(&self, name: &str) -> Option<&str> {
        let index = self.header.iter().position(|h| h == name)?;
        self.fields.get(index).map(String::as_str)
    }

    fn at(&self, name: &str) -> At {
        let column = self.header.iter().position(|h| h == name).map(|i| (i + 1, name.to_string()));
        At::Line { line: self.line, column }
    }
}

/// Opens a CSV file for reading records: the separator from its header line, CRLF read as LF, hashed as read.
/// Bounded as read ([`CsvGuard`]): a record longer than 1 MB, or a quote left open at the end, is refused.
type Records<'a> = ::csv::Reader<CsvGuard<CrlfToLf<Hashing<Box<dyn Read + 'a>>>>>;

fn open<'a>(input: &'a impl Open) -> std::io::Result<Records<'a>> {
    let mut first = super::buffered(input)?;
    let line = first.fill_buf()?.to_vec();
    let delimiter = separator(&line);
    Ok(ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(CsvGuard::new(CrlfToLf::new(Hashing::new(input.open()?)))))
}

/// Decodes a record's fields: UTF-8 (a field that is not is refused with its line, column and a hint) or
/// Windows-1252. Returns false when a field could not be decoded.
fn decode(
    record: &ByteRecord,
    encoding: Encoding,
    file: &str,
    line: usize,
    header: &[String],
    fields: &mut Vec<String>,
    errors: &mut InputErrors,
) -> bool {
    // The strings are reused from row to row: no allocation per field once they have grown.
    fields.resize_with(record.len(), String::new);
    let mut good = true;
    for (i, bytes) in record.iter().enumerate() {
        // The byte-order mark, if any, stands before the first field of the first line.
        let bytes = if line == 1 && i == 0 { bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes) } else { bytes };
        let field = &mut fields[i];
        field.clear();
        match encoding {
            Encoding::Windows1252 => field.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0),
            Encoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(text) => field.push_str(text),
                Err(e) => {
                    good = false;
                    let name = header.get(i).cloned().unwrap_or_default();
                    errors.push(InputError {
                        file: file.to_string(),
                        at: At::Line { line, column: Some((i + 1, name)) },
                        message: stream::not_utf8(bytes[e.valid_up_to()]),
                    });
                }
            },
        }
    }
    good
}

/// Reads a CSV file's header line: its kind, and its columns checked.
pub(super) fn header(
    index: usize,
    input: &impl Open,
    encoding: Encoding,
    profile: Option<&Profile>,
    sources: &mut Sources,
    errors: &mut InputErrors,
) {
    let name = input.name().to_string();
    let mut reader = match open(input) {
        Ok(reader) => reader,
        Err(e) => return errors.push(stream::unreadable(&name, &e)),
    };
    let mut record = ByteRecord::new();
    let mut fields = Vec::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            return errors.push(InputError {
                file: name,
                at: At::File,
                message: "the file is empty (expected a header line)".into(),
            })
        }
        Err(e) => return errors.push(csv_error(&name, &e, "the header line cannot be read")),
    }
    if !decode(&record, encoding, &name, 1, &[], &mut fields, errors) {
        return;
    }
    let raw: Vec<String> = fields.iter().map(|h| h.trim().to_string()).collect();
    let mut header: Vec<String> = raw.iter().map(|h| column_name(h, profile)).collect();
    let Some(kind) = kind_of(&header) else {
        return errors.push(InputError {
            file: name,
            at: At::Line { line: 1, column: None },
            message: format!(
                "the header fits no kind of file (found {}; expected firms: firm,name,pledged_on,withdrawn_on; \
                 shortlists: firm,search_ref,client,client_sector,position,level,opened_on,...; \
                 exemptions: firm,search_ref,reason,note; clients: id,name,sector,kind,code,aliases)",
                super::limits::excerpt(&raw.join(","))
            ),
        });
    };
    if kind == Kind::Firms {
        for h in header.iter_mut().filter(|h| *h == "navn") {
            *h = "name".into();
        }
    }
    if check_header(&name, kind, &header, &raw, errors) {
        sources.0[index].kind = Some(kind);
        sources.0[index].header = header;
    }
}

/// Reads the rows of a CSV file whose header was read, handing its records to the sink; records the file's
/// SHA-256.
pub(super) fn read<S: Sink>(
    index: usize,
    input: &impl Open,
    encoding: Encoding,
    profile: Option<&Profile>,
    sources: &mut Sources,
    sink: &mut S,
    errors: &mut InputErrors,
) -> Result<(), S::Error> {
    let name = input.name().to_string();
    let (kind, header) = match &sources.0[index] {
        super::Source { kind: Some(kind), header, .. } => (*kind, header.clone()),
        _ => return Ok(()),
    };
    let mut reader = match open(input) {
        Ok(reader) => reader,
        Err(e) => {
            errors.push(stream::unreadable(&name, &e));
            return Ok(());
        }
    };
    // The profile's word maps, by the position of their column.
    let words: Vec<(usize, &[(String, String)])> =
        header.iter().enumerate().filter_map(|(i, h)| profile.and_then(|p| p.words(h)).map(|w| (i, w))).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (firm_at, search_ref_at) = (column("firm"), column("search_ref"));
    // A shortlists file's rows are grouped by search first, whatever their order in the file.
    let mut grouping = (kind == Kind::Shortlists).then(Grouping::new);
    let mut rows = Rows { index, kind, name: &name, header: &header, words, encoding, fields: Vec::new(), run: None };
    let mut record = ByteRecord::new();
    let mut first = true;
    let mut header_line = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                errors.push(csv_error(&name, &e, "the row cannot be read as CSV"));
                if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        if std::mem::take(&mut first) {
            header_line = record.clone(); // read before; kept to name a repeat of it
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        // Spreadsheets write rows of bare separators below the data; they hold nothing.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(InputError {
                file: name.clone(),
                at: At::Line { line, column: None },
                message: format!(
                    "the row has {} fields, the header has {} (expected one field per column)",
                    record.len(),
                    header.len()
                ),
            });
            continue;
        }
        // Two exports joined into one file repeat the header: one error for the line, not one per field.
        if repeats(&record, &header_line) || names_the_columns(&record, &header, profile) {
            errors.push(InputError {
                file: name.clone(),
                at: At::Line { line, column: None },
                message: "the row repeats the header line (expected data; were two files joined into one?)".into(),
            });
            continue;
        }
        match grouping.as_mut() {
            Some(grouping) => {
                let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or_default();
                if let Err(e) = grouping.push(field(firm_at), field(search_ref_at), line as u64, &record) {
                    errors.push(ungrouped(&name, &e));
                    return Ok(());
                }
            }
            None => rows.row(&record, line, sources, sink, errors)?,
        }
    }
    sources.0[index].sha256 = reader.into_inner().into_inner().into_inner().finish();
    if let Some(grouping) = grouping {
        let mut grouped = match grouping.finish() {
            Ok(grouped) => grouped,
            Err(e) => {
                errors.push(ungrouped(&name, &e));
                return Ok(());
            }
        };
        loop {
            match grouped.next(&mut record) {
                Ok(Some(line)) => rows.row(&record, line as usize, sources, sink, errors)?,
                Ok(None) => break,
                Err(e) => {
                    errors.push(ungrouped(&name, &e));
                    return Ok(());
                }
            }
        }
    }
    if let Some(done) = rows.run.take() {
        sink.search(sources, done.record, done.candidate_lines, errors)?;
    }
    Ok(())
}

/// Whether a row holds the same words as the header line (ignoring case and surrounding white space).
fn repeats(row: &ByteRecord, header: &ByteRecord) -> bool {
    row.len() == header.len()
        && row.iter().zip(header).all(|(a, b)| a.trim_ascii().eq_ignore_ascii_case(b.trim_ascii()))
}

/// Whether a row names the file's columns in other words or another order (`firma,firmanavn` below `firm,name`):
/// a header of the same kind. Only a row whose first field is a column's name is looked at further, so that data
/// rows cost a few length comparisons.
fn names_the_columns(row: &ByteRecord, header: &[String], profile: Option<&Profile>) -> bool {
    let Some(first) = row.get(0).map(<[u8]>::trim_ascii) else { return false };
    let same = |name: &str| {
        first.len() == name.len()
            && first.iter().zip(name.bytes()).all(|(a, b)| {
                let a = a.to_ascii_lowercase();
                a == b || (matches!(a, b' ' | b'-') && b == b'_')
            })
    };
    let ours = SHORTLIST_COLUMNS.iter().chain(FIRM_COLUMNS).chain(EXEMPTION_COLUMNS).chain(CLIENT_COLUMNS);
    let named = ours.map(|(c, _)| *c).chain(DANISH_COLUMNS.iter().map(|(d, _)| *d)).any(same);
    if !named || row.len() != header.len() {
        return false;
    }
    // A firms header's `navn` is its `name` (as `header` reads it).
    let name = |raw: &[u8]| match column_name(&String::from_utf8_lossy(raw), profile) {
        n if n == "navn" => "name".to_string(),
        n => n,
    };
    let mut found: Vec<String> = row.iter().map(name).collect();
    let mut expected: Vec<String> = header.iter().map(|h| name(h.as_bytes())).collect();
    found.sort();
    expected.sort();
    found == expected
}

/// The error for rows that could not be grouped (a temporary file could not be written or read back).
fn ungrouped(file: &str, e: &std::io::Error) -> InputError {
    InputError {
        file: file.to_string(),
        at: At::File,
        message: format!(
            "the rows could not be grouped by search in a temporary file in {}: {e} (set TMPDIR to a writable \
             directory with room)",
            std::env::temp_dir().display()
        ),
    }
}

/// Turns a CSV file's records into firms, exemptions, clients and runs of searches for the sink.
struct Rows<'a> {
    index: usize,
    kind: Kind,
    name: &'a str,
    header: &'a [String],
    /// The profile's word maps, by the position of their column.
    words: Vec<(usize, &'a [(String, String)])>,
    encoding: Encoding,
    /// The decoded fields, reused from row to row.
    fields: Vec<String>,
    /// The search whose rows are being read.
    run: Option<Run>,
}

impl Rows<'_> {
    /// Reads one data row (of the right length) and hands what it completes to the sink.
    fn row<S: Sink>(
        &mut self,
        record: &ByteRecord,
        line: usize,
        sources: &Sources,
        sink: &mut S,
        errors: &mut InputErrors,
    ) -> Result<(), S::Error> {
        if !decode(record, self.encoding, self.name, line, self.header, &mut self.fields, errors) {
            return Ok(());
        }
        for (i, map) in &self.words {
            let mapped = map_word(map, &self.fields[*i]);
            if mapped != self.fields[*i] {
                self.fields[*i] = mapped.to_string();
            }
        }
        let row = Row { file: self.name, line, fields: &self.fields, header: self.header };
        let place = Place { source: self.index, at: At::Line { line, column: None } };
        match self.kind {
            Kind::Firms => {
                if let Some(firm) = records::firm(&row, errors) {
                    sink.firm(sources, place, firm, errors)?;
                }
            }
            Kind::Exemptions => {
                if let Some(exemption) = records::exemption(&row, errors) {
                    sink.exemption(sources, place, exemption, errors)?;
                }
            }
            Kind::Shortlists => {
                if let Some(done) = add_row(&mut self.run, &row, place, errors) {
                    sink.search(sources, done.record, done.candidate_lines, errors)?;
                }
            }
            Kind::Clients => {
                if let Some(entry) = records::client(&row, errors) {
                    sink.client(sources, place, entry, errors)?;
                }
            }
            Kind::Json => {}
        }
        Ok(())
    }
}

/// The error for a record the CSV reader could not read: a bound's own line and words, else the reader's.
fn csv_error(file: &str, e: &::csv::Error, what: &str) -> InputError {
    if let ::csv::ErrorKind::Io(io) = e.kind() {
        if let Some(refused) = Refused::of(io) {
            return InputError {
                file: file.to_string(),
                at: At::Line { line: refused.line, column: None },
                message: refused.message.clone(),
            };
        }
    }
    let line = e.position().map_or(0, |p| p.line() as usize);
    InputError { file: file.to_string(), at: At::Line { line, column: None }, message: format!("{what}: {e}") }
}

/// The kind of a CSV file from its header.
fn kind_of(header: &[String]) -> Option<Kind> {
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("id") && has("kind") && !has("firm") {
        Some(Kind::Clients)
    } else if has("search_ref") && has("reason") {
        Some(Kind::Exemptions)
    } else if has("search_ref") {
        Some(Kind::Shortlists)
    } else if has("firm") {
        Some(Kind::Firms)
    } else {
        None
    }
}

/// Refuses unknown, repeated and missing columns (`raw`: the names as written, for messages); true when the
/// header is good. A column a profile drops (`#name`) is neither known nor refused.
fn check_header(file: &str, kind: Kind, header: &[String], raw: &[String], errors: &mut InputErrors) -> bool {
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
    let mut listed = false;
    // Every unknown column of the file, as written: the first message shows the profile line that drops them.
    let unknown: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.starts_with('#') && !header[..*i].contains(h) && !columns.iter().any(|(c, _)| c == *h))
        .map(|(i, h)| format!("{:?}", raw.get(i).map_or(h.as_str(), String::as_str)))
        .collect();
    for (index, name) in header.iter().enumerate() {
        if name.starts_with('#') {
            continue;
        }
        let written = raw.get(index).map_or(name.as_str(), String::as_str);
        if header[..index].contains(name) {
            let first = raw.get(header.iter().position(|h| h == name).unwrap_or(0)).map_or("", String::as_str);
            let also = if first == written { String::new() } else { format!(" (as {first:?} and {written:?})") };
            fail(index, name, format!("column {name} is repeated{also}"));
        } else if !columns.iter().any(|(c, _)| c == name) {
            let lower = written.to_lowercase();
            let personal = PERSONAL.iter().any(|p| lower.contains(p))
                || (!matches!(kind, Kind::Firms | Kind::Clients) && (lower.contains("name") || lower.contains("navn")));
            let known = columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
            let message = if personal {
                format!(
                    "column {written:?} looks like personal data, which pledgecheck does not store (candidates are \
                     known only by a pseudonymous candidate_ref); remove the column, or drop it unread with an import \
                     profile (--profile FILE with ignore = [{written:?}]). A {} file has the columns {known}",
                    kind.as_str()
                )
            } else {
                let names = columns
                    .iter()
                    .map(|(c, _)| *c)
                    .chain(DANISH_COLUMNS.iter().filter(|(_, c)| columns.iter().any(|(k, _)| k == c)).map(|(d, _)| *d));
                // The columns a file may have are listed once, with the first unknown column.
                let first = !std::mem::replace(&mut listed, true);
                let expected = if first {
                    format!(" (expected the columns {known}, or their Danish names)")
                } else {
                    String::new()
                };
                let way_out = if first {
                    format!(
                        "; to read the file as it is, drop the columns with a profile: a file holding the line \
                         ignore = [{}], passed as --profile FILE (samples/ats-profile.toml shows more)",
                        unknown.join(", ")
                    )
                } else {
                    "; an import profile (--profile FILE) can map or drop it".to_string()
                };
                format!(
                    "unknown column {written:?} in a {} file{}{expected}{way_out}",
                    kind.as_str(),
                    crate::model::did_you_mean_text(written, names)
                )
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

/// The rows of one search that stand together.
struct Run {
    record: SearchRecord,
    candidate_lines: Vec<usize>,
    empty_line: Option<usize>,
    /// The search columns of the run's first row, as written.
    raw_search: Vec<String>,
}

/// The columns of a shortlists row that describe the search.
const SEARCH_COLUMNS: [&str; 9] =
    ["firm", "search_ref", "client", "client_sector", "position", "level", "opened_on", "shortlist_on", "cancelled_on"];

/// Adds a shortlists row to the current run, or starts a new one; gives the finished run when the row belongs to
/// another search.
fn add_row(run: &mut Option<Run>, row: &Row, place: Place, errors: &mut InputErrors) -> Option<Run> {
    // A row whose search columns read exactly as the run's first row continues the run: no need to read them again.
    if let Some(current) = run.as_mut() {
        if SEARCH_COLUMNS.iter().zip(&current.raw_search).all(|(c, raw)| row.get(c).unwrap_or("") == raw) {
            let opened_on = current.record.search.opened_on;
            let has_candidate = CANDIDATE_COLUMNS.iter().any(|c| row.get(c).is_some_and(|v| !v.trim().is_empty()));
            let candidate = if has_candidate { records::candidate(row, Some(opened_on), errors) } else { None };
            if has_candidate && candidate.is_none() {
                return None;
            }
            add_candidate(current, row, candidate, errors);
            return None;
        }
    }
    let search = records::search(row, errors);
    let has_candidate = CANDIDATE_COLUMNS.iter().any(|c| row.get(c).is_some_and(|v| !v.trim().is_empty()));
    // The candidate is read even when the search columns fail, so that every error of the row is reported.
    let opened_on = search.as_ref().map(|s| s.opened_on);
    let candidate = if has_candidate { records::candidate(row, opened_on, errors) } else { None };
    let search = search?;
    if has_candidate && candidate.is_none() {
        return None;
    }
    let same = run
        .as_ref()
        .is_some_and(|r| r.record.search.firm == search.firm && r.record.search.search_ref == search.search_ref);
    if !same {
        let (candidate_lines, empty_line) = match &candidate {
            Some(_) => (vec![row.line], None),
            None => (Vec::new(), Some(row.line)),
        };
        let record = SearchRecord { place, search, candidates: candidate.into_iter().collect() };
        let raw_search = SEARCH_COLUMNS.iter().map(|c| row.get(c).unwrap_or("").to_string()).collect();
        return run.replace(Run { record, candidate_lines, empty_line, raw_search });
    }
    let current = run.as_mut().expect("checked above");
    let first_line = match current.record.place.at {
        At::Line { line, .. } => line,
        _ => 0,
    };
    for (field, differs) in disagreements(&current.record.search, &search) {
        if differs {
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
    add_candidate(current, row, candidate, errors);
    None
}

/// Adds a row's candidate (or its lack of one) to the run of its search.
fn add_candidate(current: &mut Run, row: &Row, candidate: Option<crate::model::Candidate>, errors: &mut InputErrors) {
    let search = &current.record.search;
    let first_line = match current.record.place.at {
        At::Line { line, .. } => line,
        _ => 0,
    };
    match candidate {
        None => {
            let other = current.candidate_lines.first().or(current.empty_line.as_ref()).copied().unwrap_or(first_line);
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
            if let Some(empty) = current.empty_line {
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
                current.record.candidates.iter().position(|c| c.candidate_ref == candidate.candidate_ref)
            {
                errors.push(InputError {
                    file: row.file.into(),
                    at: row.at("candidate_ref"),
                    message: format!(
                        "candidate {} is twice in search {}: also on line {}",
                        candidate.candidate_ref, search.search_ref, current.candidate_lines[i]
                    ),
                });
            } else if current.record.candidates.len() >= super::limits::MAX_CANDIDATES {
                errors.push(InputError {
                    file: row.file.into(),
                    at: row.at("candidate_ref"),
                    message: too_many_candidates(&search.search_ref),
                });
            } else {
                current.record.candidates.push(candidate);
                current.candidate_lines.push(row.line);
            }
        }
    }
}

/// The message for a search with more candidates than [`super::limits::MAX_CANDIDATES`].
pub(super) fn too_many_candidates(search_ref: &str) -> String {
    format!(
        "search {search_ref} has more than {} candidates (refused; a search's longlist and shortlist together hold \
         at most {})",
        super::limits::MAX_CANDIDATES,
        super::limits::MAX_CANDIDATES
    )
}

/// Which search columns of two rows of one search differ, after normalising.
pub(super) fn disagreements(a: &Search, b: &Search) -> [(&'static str, bool); 7] {
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

    const HEADER: &str = "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector,experience";

    fn read(text: &str) -> Result<crate::import::Batch, String> {
        read_all(&[Input { name: "s.csv".into(), bytes: text.as_bytes().to_vec() }], Encoding::Utf8)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn semicolons_danish_words_crlf_and_rows_anywhere() {
        let text = "\u{feff}firm;search_ref;client;client_sector;position;level;opened_on;shortlist_on;candidate_ref;candidate_sector;experience\r\n\
                    f;s1;Aarhus Kommune;kommune;Direktør;topchef;02-01-2026;01.03.2026;c1;privat;stat:2 region:1\r\n\
                    f;s2;Region Midtjylland;region;Chef;chef;2026-01-05;;;;\r\n\
                    f;s1;Aarhus Kommune;municipality;Direktør;top;2026-01-02;2026-03-01;c2;kommune;\r\n";
        // The rows of s1 stand apart in the file and arrive as one run (the search columns agree once normalised).
        let batch = read(text).unwrap();
        let runs: Vec<(&str, usize)> =
            batch.searches.iter().map(|r| (r.search.search_ref.as_str(), r.candidates.len())).collect();
        assert_eq!(runs, [("s1", 2), ("s2", 0)]);
        assert_eq!(batch.searches[0].candidates[0].experience.to_string(), "state:2;region:1");
        assert_eq!(batch.searches[0].candidates[1].candidate_ref, "c2");
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
    fn a_repeated_header_is_named_once() {
        let (one, two) = ("f,s1,C,state,P,top,2026-01-01,,,,", "f,s2,C,state,P,top,2026-01-01,,,,");
        let text = format!("{HEADER}\n{one}\n {}\n{two}\n", HEADER.to_uppercase().replace(',', " , "));
        let err = read(&text).unwrap_err();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("s.csv: line 3: the row repeats the header line"), "{err}");
    }

    #[test]
    fn a_header_repeated_in_other_words_or_order_is_named() {
        let (one, two) = ("f,s1,C,state,P,top,2026-01-01,,,,", "f,s2,C,state,P,top,2026-01-01,,,,");
        let mut reordered: Vec<&str> = HEADER.split(',').collect();
        reordered.rotate_left(3);
        let text = format!("{HEADER}\n{one}\n{}\n{two}\n", reordered.join(","));
        let err = read(&text).unwrap_err();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("s.csv: line 3: the row repeats the header line"), "{err}");
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
