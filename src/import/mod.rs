//! Reading input files: CSV (firms, shortlists, exemptions, told apart by their header) and JSON, decoded,
//! validated value by value and handed to a [`Sink`] record by record.
//!
//! Files are streamed: a CSV file is read row by row and never held in memory whole. A shortlists file's rows are
//! first grouped by search (an external sort within a memory budget, `grouping.rs`), so that each search arrives
//! as one *run* of rows whatever the file's order; rows that only white space other than ASCII keeps apart
//! arrive as several runs, which the import session merges. All firms are read first, then all exemptions, then all searches, whatever the
//! order of the files: a shortlist may name a firm from a later firms file, and the session writes each search
//! with its exemption in hand. What needs the database (an unknown firm, an exemption for a missing search) the
//! session checks through the store's look-ups (`session.rs`).

mod csv;
pub mod error;
mod grouping;
mod json;
pub mod limits;
mod pipeline;
pub mod profile;
pub(crate) mod records;
mod session;
mod stream;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

pub use error::{At, InputError, InputErrors};
pub use pipeline::{stream_pipelined, stream_pipelined_with, PrepareSearch, Preparer};
pub use profile::Profile;
pub use session::{
    import_batch, import_files, plural, undo_import, CandidateTally, ImportError, ImportOptions, ImportOutcome,
    SearchDiff, Tally, UndoError, UndoOutcome,
};

use crate::model::{Candidate, Exemption, Firm, Search};
use crate::registry::Entry;

/// How the bytes of an input file are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252, as older Danish Excel saves CSV (a file that is UTF-8, with its byte-order mark or valid UTF-8
    /// with non-ASCII text, is still read as UTF-8).
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
}

/// An input file held in memory.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name as the user gave it.
    pub name: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

/// An input file on disk, read as a stream.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The name as the user gave it.
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
    /// A copy of an input that cannot be read more than once (standard input, a FIFO, `/dev/stdin`, `<(...)`),
    /// kept while the import reads it.
    _spool: Option<std::sync::Arc<tempfile::TempPath>>,
}

/// The name the import log gives standard input (`-`).
pub const STDIN_NAME: &str = "standard input";

impl InputFile {
    /// An input named on the command line: a regular file is read where it is; `-` (standard input) and anything
    /// that is not a regular file (a FIFO, a device, `<(...)`) is read once, streamed into a temporary file that
    /// the import's passes read instead. A line longer than any valid input could have (4 MB: a JSON file on one
    /// line) stops the copy, so that `/dev/zero` is refused rather than copied without end.
    pub fn from_path(path: &std::path::Path) -> std::io::Result<InputFile> {
        let stdin = path.as_os_str() == "-";
        let name = if stdin { STDIN_NAME.to_string() } else { path.display().to_string() };
        if !stdin && std::fs::metadata(path)?.is_file() {
            std::fs::File::open(path)?;
            return Ok(InputFile { name, path: path.to_path_buf(), _spool: None });
        }
        let mut source: Box<dyn Read> =
            if stdin { Box::new(std::io::stdin().lock()) } else { Box::new(std::fs::File::open(path)?) };
        let mut temp = tempfile::Builder::new().prefix(".pledgecheck-input").tempfile()?;
        let mut buf = vec![0u8; 1 << 16];
        let (mut line, mut run) = (1usize, 0usize);
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            for &b in &buf[..n] {
                if b == b'\n' {
                    line += 1;
                    run = 0;
                } else {
                    run += 1;
                }
            }
            if run > limits::MAX_STREAM_LINE {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("line {line} is longer than {} MB; refused", limits::MAX_STREAM_LINE >> 20),
                ));
            }
            std::io::Write::write_all(&mut temp, &buf[..n])?;
        }
        let path = temp.into_temp_path();
        Ok(InputFile { name, path: path.to_path_buf(), _spool: Some(std::sync::Arc::new(path)) })
    }
}

/// Something that can be read as an input file, more than once.
pub trait Open {
    /// The name errors and the import log give it.
    fn name(&self) -> &str;
    /// A fresh reader from the start.
    fn open(&self) -> std::io::Result<Box<dyn Read + '_>>;
}

impl Open for Input {
    fn name(&self) -> &str {
        &self.name
    }

    fn open(&self) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.bytes.as_slice()))
    }
}

impl Open for InputFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn open(&self) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(std::fs::File::open(&self.path)?))
    }
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
    /// A CSV file of the users' own entries of the registry of public employers.
    Clients,
}

impl Kind {
    /// A word for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Firms => "firms",
            Kind::Shortlists => "shortlists",
            Kind::Exemptions => "exemptions",
            Kind::Json => "json",
            Kind::Clients => "clients",
        }
    }
}

/// One file of a call.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name as the user gave it.
    pub name: String,
    /// Hex SHA-256 of its bytes (known once the file has been read).
    pub sha256: String,
    /// What it holds (when it could be told).
    pub kind: Option<Kind>,
    /// For CSV, the normalised header names in order.
    pub header: Vec<String>,
}

/// Where a record came from: a file and a line or JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Index into the call's sources.
    pub source: usize,
    /// The record's first line, or its JSON path.
    pub at: At,
}

/// A search with its candidates, as read: a whole JSON search, or one run of rows of a CSV search.
#[derive(Debug, Clone)]
pub struct SearchRecord {
    /// Where its first row or its object is.
    pub place: Place,
    /// The search as its first row (or its object) gives it.
    pub search: Search,
    /// The candidates of this run of rows, in file order.
    pub candidates: Vec<Candidate>,
}

/// The files of a call, for naming places in errors.
#[derive(Debug, Clone, Default)]
pub struct Sources(pub Vec<Source>);

impl Sources {
    /// An error at one field of a record.
    pub fn error_at(&self, place: &Place, field: &str, message: String) -> InputError {
        let source = &self.0[place.source];
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
        let name = &self.0[place.source].name;
        match &place.at {
            At::File => name.clone(),
            At::Line { line, .. } => format!("{name} line {line}"),
            At::Path(path) => format!("{name} {path}"),
        }
    }
}

/// Where records go as they are read: the import session, writing as it goes.
pub trait Sink {
    /// What can go wrong in the sink itself (not in the input).
    type Error;
    /// A firm, read whole from one row or object.
    fn firm(
        &mut self,
        sources: &Sources,
        place: Place,
        firm: Firm,
        errors: &mut InputErrors,
    ) -> Result<(), Self::Error>;
    /// A search, or one run of rows of a CSV search; `candidate_lines` holds each candidate's line (CSV).
    fn search(
        &mut self,
        sources: &Sources,
        record: SearchRecord,
        candidate_lines: Vec<usize>,
        errors: &mut InputErrors,
    ) -> Result<(), Self::Error>;
    /// An exemption, read before any search (see [`stream`]).
    fn exemption(
        &mut self,
        sources: &Sources,
        place: Place,
        exemption: Exemption,
        errors: &mut InputErrors,
    ) -> Result<(), Self::Error>;
    /// A user's entry of the registry of public employers.
    fn client(
        &mut self,
        sources: &Sources,
        place: Place,
        entry: Entry,
        errors: &mut InputErrors,
    ) -> Result<(), Self::Error>;
}

/// Reads, validates and hands to `sink` the files of one call: firms first, then exemptions, then searches.
/// Gives the files (with their SHA-256) and every input error found; the sink's own error stops the reading.
pub fn stream<S: Sink>(
    inputs: &[impl Open],
    encoding: Encoding,
    sink: &mut S,
) -> Result<(Sources, InputErrors), S::Error> {
    let mut opened = Opened::new(inputs, encoding, None);
    opened.feed(inputs, sink)?;
    Ok((opened.sources, opened.errors))
}

/// The files of a call with their kinds told (CSV headers read, JSON files checked through once, streamed),
/// ready to hand their records to a sink.
pub(crate) struct Opened {
    /// The files; each SHA-256 is filled in once the file has been read.
    pub(crate) sources: Sources,
    /// The errors found so far.
    pub(crate) errors: InputErrors,
    /// The import profile CSV files are read through, if any.
    pub(crate) profile: Option<Profile>,
    /// The encoding each file is read in (UTF-8 for a file with a byte-order mark; else the one asked).
    pub(crate) encodings: Vec<Encoding>,
}

impl Opened {
    /// Tells what each file holds.
    pub(crate) fn new(inputs: &[impl Open], encoding: Encoding, profile: Option<&Profile>) -> Opened {
        let mut sources = Sources(Vec::with_capacity(inputs.len()));
        let mut errors = InputErrors::default();
        let mut encodings = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            sources.0.push(Source {
                name: input.name().to_string(),
                sha256: String::new(),
                kind: None,
                header: Vec::new(),
            });
            let encoding = stream::encoding_of(input, encoding);
            encodings.push(encoding);
            match stream::peek(input, &mut errors) {
                stream::Peek::Unreadable | stream::Peek::Empty => {}
                stream::Peek::Json => {
                    if let Some(sha256) = json::check(input, encoding, &mut errors) {
                        sources.0[index].kind = Some(Kind::Json);
                        sources.0[index].sha256 = sha256;
                    }
                }
                stream::Peek::Csv => csv::header(index, input, encoding, profile, &mut sources, &mut errors),
            }
        }
        Opened { sources, errors, profile: profile.cloned(), encodings }
    }

    /// Hands every record to the sink: all firms, then all exemptions, then all searches, whatever the order of
    /// the files (so that a search's exemption is known when the search is written).
    pub(crate) fn feed<S: Sink>(&mut self, inputs: &[impl Open], sink: &mut S) -> Result<(), S::Error> {
        // Clients first: the searches of the same call are checked against the registry with them.
        for phase in [Kind::Clients, Kind::Firms, Kind::Exemptions, Kind::Shortlists] {
            for (index, input) in inputs.iter().enumerate() {
                let encoding = self.encodings[index];
                match self.sources.0[index].kind {
                    Some(kind) if kind == phase => {
                        let profile = self.profile.as_ref();
                        csv::read(index, input, encoding, profile, &mut self.sources, sink, &mut self.errors)?
                    }
                    Some(Kind::Json) => {
                        json::read(index, input, encoding, phase, &self.sources, sink, &mut self.errors)?
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Records held in memory: a change made by hand, written by [`import_batch`] as an import writes files.
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
    /// Users' registry entries with their places.
    pub clients: Vec<(Place, Entry)>,
}

impl Batch {
    /// An error at one field of a record.
    pub fn error_at(&self, place: &Place, field: &str, message: String) -> InputError {
        Sources(self.sources.clone()).error_at(place, field, message)
    }
}

/// Opens a reader buffered for streaming.
fn buffered<'a>(input: &'a impl Open) -> std::io::Result<impl BufRead + 'a> {
    Ok(BufReader::with_capacity(1 << 16, input.open()?))
}

/// Reading without importing, for the parsers' own tests: every record as read, no import rule applied.
#[cfg(test)]
pub(crate) fn read(inputs: &[Input], encoding: Encoding) -> Result<Batch, InputErrors> {
    struct Collect(Batch);
    impl Sink for Collect {
        type Error = std::convert::Infallible;
        fn firm(&mut self, _: &Sources, place: Place, firm: Firm, _: &mut InputErrors) -> Result<(), Self::Error> {
            self.0.firms.push((place, firm));
            Ok(())
        }
        fn search(
            &mut self,
            _: &Sources,
            record: SearchRecord,
            _: Vec<usize>,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            self.0.searches.push(record);
            Ok(())
        }
        fn exemption(
            &mut self,
            _: &Sources,
            place: Place,
            exemption: Exemption,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            self.0.exemptions.push((place, exemption));
            Ok(())
        }
        fn client(&mut self, _: &Sources, place: Place, entry: Entry, _: &mut InputErrors) -> Result<(), Self::Error> {
            self.0.clients.push((place, entry));
            Ok(())
        }
    }
    let mut collect = Collect(Batch::default());
    let Ok((sources, errors)) = stream(inputs, encoding, &mut collect);
    collect.0.sources = sources.0;
    errors.into_result().map(|()| collect.0)
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
        assert!(text.starts_with("firms.csv: line 2, column 2 (name): the field is not UTF-8"), "{text}");
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
    fn firms_are_read_before_searches_whatever_the_order() {
        let shortlists = input(
            "s.csv",
            "firm,search_ref,client,client_sector,position,level,opened_on\nf,s1,C,state,P,top,2026-01-01\n",
        );
        let exemptions = input("e.csv", "firm,search_ref,reason\nf,s1,no-qualified-candidate\n");
        let firms = input("f.csv", "firm,pledged_on\nf,2021-01-01\n");
        let batch = read(&[exemptions, shortlists, firms], Encoding::Utf8).unwrap();
        assert_eq!((batch.firms.len(), batch.searches.len(), batch.exemptions.len()), (1, 1, 1));
    }
}
