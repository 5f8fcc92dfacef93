//! JSON files: `{"firms": [...], "searches": [{..., "candidates": [...]}], "exemptions": [...]}` with the CSV
//! column names as keys. Errors name the path, counting from 0: `searches[3].candidates[1].candidate_sector`.
//!
//! Streamed: a file is read through once to check it (syntax, bounds, shape; [`check`]), then once for each kind
//! of record, as the import takes firms, exemptions and searches in that order; only one entry of an array is held
//! in memory at a time.

use std::io::{self, BufRead, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{At, InputError, InputErrors};
use super::limits::{JsonGuard, Refused};
use super::records::{self, Fields};
use super::stream::{self, Decoded, Hashing};
use super::{Encoding, Kind, Open, Place, SearchRecord, Sink, Sources};

const FIRM_KEYS: &[&str] = &["firm", "name", "pledged_on", "withdrawn_on"];
const SEARCH_KEYS: &[&str] = &[
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "position",
    "level",
    "opened_on",
    "shortlist_on",
    "cancelled_on",
    "candidates",
];
const CANDIDATE_KEYS: &[&str] = &["candidate_ref", "candidate_sector", "experience", "stage", "added_on"];
const EXEMPTION_KEYS: &[&str] = &["firm", "search_ref", "reason", "note"];

/// One JSON object's fields as text, checked for unknown keys and types.
struct Object {
    file: String,
    path: String,
    values: Vec<(String, String)>,
}

impl Fields for Object {
    fn file(&self) -> &str {
        &self.file
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn at(&self, name: &str) -> At {
        At::Path(format!("{}.{name}", self.path))
    }
}

struct Reading<'a> {
    file: String,
    errors: &'a mut InputErrors,
}

impl Reading<'_> {
    fn fail(&mut self, path: String, message: String) {
        self.errors.push(InputError { file: self.file.clone(), at: At::Path(path), message });
    }

    /// Checks an object's keys and value types and turns its values into text.
    fn object(&mut self, value: &Value, path: String, keys: &[&str]) -> Option<Object> {
        let Value::Object(map) = value else {
            self.fail(path, format!("found {} (expected an object)", type_name(value)));
            return None;
        };
        let mut values = Vec::with_capacity(map.len());
        let mut good = true;
        for (key, value) in map {
            let at = format!("{path}.{key}");
            if !keys.contains(&key.as_str()) {
                let personal = ["email", "cpr", "phone", "birth", "address", "name"].iter().any(|p| key.contains(p))
                    && key != "name"
                    || (key == "name" && !keys.contains(&"pledged_on"));
                let message = if personal {
                    format!("key {key:?} looks like personal data, which pledgecheck does not store; remove it")
                } else {
                    format!("unknown key {key:?} (expected {})", keys.join(", "))
                };
                self.fail(at, message);
                good = false;
                continue;
            }
            let text = match (key.as_str(), value) {
                ("candidates", _) => continue,
                (_, Value::Null) => continue,
                (_, Value::String(s)) => s.clone(),
                ("experience", Value::Object(entries)) => match self.experience(entries, &at) {
                    Some(text) => text,
                    None => {
                        good = false;
                        continue;
                    }
                },
                (_, other) => {
                    let expected =
                        if key == "experience" { "a string or an object of sector: years" } else { "a string" };
                    self.fail(at, format!("found {} (expected {expected})", type_name(other)));
                    good = false;
                    continue;
                }
            };
            values.push((key.clone(), text));
        }
        good.then(|| Object { file: self.file.clone(), path, values })
    }

    /// `{"private": 4, "state": 1}` as `private:4;state:1`; the sectors are read by the experience parser.
    fn experience(&mut self, entries: &Map<String, Value>, path: &str) -> Option<String> {
        let mut parts = Vec::with_capacity(entries.len());
        for (sector, years) in entries {
            match years.as_u64() {
                Some(y) => parts.push(format!("{sector}:{y}")),
                None => {
                    self.fail(format!("{path}.{sector}"), format!("found {years} (expected whole years from 0 to 60)"));
                    return None;
                }
            }
        }
        Some(parts.join(";"))
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Opens a JSON file for one pass: decoded to UTF-8, hashed, bounded as read.
/// The parser reads its input a byte at a time: the buffer on top makes that cheap.
type Reader<'a> = io::BufReader<JsonGuard<Decoded<Hashing<Box<dyn Read + 'a>>>>>;

fn open<'a>(input: &'a impl Open, encoding: Encoding) -> io::Result<Reader<'a>> {
    Ok(io::BufReader::with_capacity(1 << 16, JsonGuard::new(Decoded::new(Hashing::new(input.open()?), encoding))))
}

/// The error for a JSON file that could not be parsed or broke a bound: its line and column.
fn parse_error(file: &str, e: serde_json::Error) -> InputError {
    if e.is_io() {
        let io = io::Error::from(e);
        return match Refused::of(&io) {
            Some(refused) => InputError {
                file: file.to_string(),
                at: At::Line { line: refused.line, column: refused.column.map(|c| (c, String::new())) },
                message: refused.message.clone(),
            },
            None => stream::unreadable(file, &io),
        };
    }
    InputError {
        file: file.to_string(),
        at: At::Line { line: e.line(), column: Some((e.column(), String::new())) },
        // The place is given in front, in characters; the parser's own is in bytes.
        message: format!("the file is not valid JSON: {}", e.to_string().split(" at line ").next().unwrap_or_default()),
    }
}

/// The parser counts a syntax error's column in bytes; people count characters (`ø` is two bytes). Reads the
/// file again up to the error, which is rare, to count them; the byte count stands if the file cannot be read.
fn in_characters(mut error: InputError, input: &impl Open, encoding: Encoding) -> InputError {
    let At::Line { line, column: Some((bytes, _)) } = error.at else { return error };
    let Ok(opened) = input.open() else { return error };
    let mut reader = io::BufReader::new(Decoded::new(opened, encoding));
    let mut text = Vec::new();
    for _ in 1..line {
        text.clear();
        match reader.read_until(b'\n', &mut text) {
            Ok(n) if n > 0 => {}
            _ => return error,
        }
    }
    text.clear();
    if reader.take(bytes as u64).read_to_end(&mut text).is_ok() {
        // The column names the byte the parser stopped at: count the characters before it, and it.
        let before = text.len().min(bytes.saturating_sub(1));
        let characters = String::from_utf8_lossy(&text[..before]).chars().count() + 1;
        error.at = At::Line { line, column: Some((characters, String::new())) };
    }
    error
}

/// Reads a JSON file through once, streamed: its syntax, its bounds and its shape (an object of arrays under the
/// known keys). Gives its SHA-256 when it can be imported; the errors are recorded.
pub(super) fn check(input: &impl Open, encoding: Encoding, errors: &mut InputErrors) -> Option<String> {
    let file = input.name();
    let mut reader = match open(input, encoding) {
        Ok(reader) => reader,
        Err(e) => {
            errors.push(stream::unreadable(file, &e));
            return None;
        }
    };
    let mut problems = Vec::new();
    let mut de = serde_json::Deserializer::from_reader(&mut reader);
    // `end` reads to the end of the file (white space only), so the hash below covers every byte.
    let shape = de.deserialize_any(Shape { problems: &mut problems }).and_then(|()| de.end());
    if let Err(e) = shape {
        let syntax = !e.is_io();
        let error = parse_error(file, e);
        errors.push(if syntax { in_characters(error, input, encoding) } else { error });
        return None;
    }
    let good = problems.is_empty();
    for (at, message) in problems {
        errors.push(InputError { file: file.to_string(), at, message });
    }
    good.then(|| reader.into_inner().into_inner().into_inner().finish())
}

/// The top of a JSON file: an object whose keys name arrays; what else it holds is a problem, recorded.
struct Shape<'p> {
    problems: &'p mut Vec<(At, String)>,
}

impl<'de> Visitor<'de> for Shape<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with firms, searches and exemptions")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if !TOP_KEYS.contains(&key.as_str()) {
                self.problems.push((
                    At::Path(key.clone()),
                    format!("unknown key {key:?} (expected firms, searches, exemptions)"),
                ));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match map.next_value::<Kinded>()? {
                Kinded("null" | "an array") => {}
                Kinded(other) => self
                    .problems
                    .push((At::Path(key.clone()), format!("{key} is {other} (expected an array of objects)"))),
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.top("an array")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.top("a string")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.top("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.top("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.top("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.top("a number")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.top("null")
    }
}

impl Shape<'_> {
    fn top<E>(self, found: &str) -> Result<(), E> {
        self.problems
            .push((At::File, format!("found {found} (expected an object with firms, searches and exemptions)")));
        Ok(())
    }
}

/// A JSON value read through and dropped, named by its type.
struct Kinded(&'static str);

impl<'de> Deserialize<'de> for Kinded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Kind;
        impl<'de> Visitor<'de> for Kind {
            type Value = Kinded;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            // Every value is read, not skipped: skipping a string does not check its escapes, and a lone
            // surrogate (`"\ud800"`) then stopped the second reading instead of this one.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kinded, A::Error> {
                while seq.next_element::<Kinded>()?.is_some() {}
                Ok(Kinded("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kinded, A::Error> {
                while map.next_entry::<Kinded, Kinded>()?.is_some() {}
                Ok(Kinded("an object"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Kinded, E> {
                Ok(Kinded("a string"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Kinded, E> {
                Ok(Kinded("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Kinded, E> {
                Ok(Kinded("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Kinded, E> {
                Ok(Kinded("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Kinded, E> {
                Ok(Kinded("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Kinded, E> {
                Ok(Kinded("null"))
            }
        }
        deserializer.deserialize_any(Kind)
    }
}

/// The top-level keys of a JSON file.
const TOP_KEYS: &[&str] = &["firms", "searches", "exemptions"];

/// The entries of one top-level array handed, one at a time, to `each` (its index and value); the others skipped.
struct Entries<'f, F> {
    key: &'static str,
    each: &'f mut F,
}

/// The message of the error that stops a pass when `each` says so.
const STOPPED: &str = "stopped by the import";

impl<'de, F: FnMut(usize, Value) -> bool> Visitor<'de> for Entries<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with firms, searches and exemptions")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key != self.key {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Array { each: &mut *self.each })?;
        }
        Ok(())
    }
}

/// One top-level array, its entries handed to `each` as they are read.
struct Array<'f, F> {
    each: &'f mut F,
}

impl<'de, F: FnMut(usize, Value) -> bool> DeserializeSeed<'de> for Array<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(usize, Value) -> bool> Visitor<'de> for Array<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            if !(self.each)(index, value) {
                return Err(de::Error::custom(STOPPED));
            }
            index += 1;
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Hands one part of a checked JSON file (its firms, searches or exemptions, as `phase` says) to the sink, entry
/// by entry as the file is read again.
pub(super) fn read<S: Sink>(
    source: usize,
    input: &impl Open,
    encoding: Encoding,
    phase: Kind,
    sources: &Sources,
    sink: &mut S,
    errors: &mut InputErrors,
) -> Result<(), S::Error> {
    let key = match phase {
        Kind::Firms => "firms",
        Kind::Exemptions => "exemptions",
        Kind::Shortlists => "searches",
        Kind::Json | Kind::Clients => return Ok(()),
    };
    let file = sources.0[source].name.clone();
    let reader = match open(input, encoding) {
        Ok(reader) => reader,
        Err(e) => {
            errors.push(stream::unreadable(&file, &e));
            return Ok(());
        }
    };
    let mut reading = Reading { file: file.clone(), errors };
    let mut stopped = None;
    let mut each = |i: usize, value: Value| {
        let done = match phase {
            Kind::Firms => firm(source, &value, i, sources, sink, &mut reading),
            Kind::Exemptions => exemption(source, &value, i, sources, sink, &mut reading),
            _ => {
                let path = format!("searches[{i}]");
                match search(source, &value, path, &mut reading) {
                    Some(record) => sink.search(sources, record, Vec::new(), reading.errors),
                    None => Ok(()),
                }
            }
        };
        match done {
            Ok(()) => true,
            Err(e) => {
                stopped = Some(e);
                false
            }
        }
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let read = de.deserialize_map(Entries { key, each: &mut each });
    if let Some(e) = stopped {
        return Err(e);
    }
    if let Err(e) = read {
        // The file was checked whole before: it changed since.
        let mut error = parse_error(&file, e);
        error.message = format!("{} (the file changed while it was read)", error.message);
        errors.push(error);
    }
    Ok(())
}

/// Reads one JSON firm.
fn firm<S: Sink>(
    source: usize,
    value: &Value,
    i: usize,
    sources: &Sources,
    sink: &mut S,
    reading: &mut Reading,
) -> Result<(), S::Error> {
    let path = format!("firms[{i}]");
    if let Some(object) = reading.object(value, path.clone(), FIRM_KEYS) {
        if let Some(firm) = records::firm(&object, reading.errors) {
            sink.firm(sources, Place { source, at: At::Path(path) }, firm, reading.errors)?;
        }
    }
    Ok(())
}

/// Reads one JSON exemption.
fn exemption<S: Sink>(
    source: usize,
    value: &Value,
    i: usize,
    sources: &Sources,
    sink: &mut S,
    reading: &mut Reading,
) -> Result<(), S::Error> {
    let path = format!("exemptions[{i}]");
    if let Some(object) = reading.object(value, path.clone(), EXEMPTION_KEYS) {
        if let Some(exemption) = records::exemption(&object, reading.errors) {
            sink.exemption(sources, Place { source, at: At::Path(path) }, exemption, reading.errors)?;
        }
    }
    Ok(())
}

/// Reads one JSON search with its candidates.
fn search(source: usize, value: &Value, path: String, reading: &mut Reading) -> Option<SearchRecord> {
    let object = reading.object(value, path.clone(), SEARCH_KEYS)?;
    let search = records::search(&object, reading.errors);
    let candidates = match value.get("candidates") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => {
            reading.fail(
                format!("{path}.candidates"),
                format!("found {} (expected an array of objects)", type_name(other)),
            );
            return None;
        }
    };
    if candidates.len() > super::limits::MAX_CANDIDATES {
        let search_ref = search.as_ref().map_or("", |s| s.search_ref.as_str());
        reading.fail(
            format!("{path}.candidates[{}]", super::limits::MAX_CANDIDATES),
            super::csv::too_many_candidates(search_ref),
        );
        return None;
    }
    let mut good = search.is_some();
    let mut read: Vec<crate::model::Candidate> = Vec::with_capacity(candidates.len());
    for (j, value) in candidates.iter().enumerate() {
        let at = format!("{path}.candidates[{j}]");
        let Some(object) = reading.object(value, at.clone(), CANDIDATE_KEYS) else {
            good = false;
            continue;
        };
        let Some(candidate) = records::candidate(&object, search.as_ref().map(|s| s.opened_on), reading.errors) else {
            good = false;
            continue;
        };
        if let Some(k) = read.iter().position(|c| c.candidate_ref == candidate.candidate_ref) {
            reading.fail(
                format!("{at}.candidate_ref"),
                format!(
                    "candidate {} is twice in this search: also at {path}.candidates[{k}]",
                    candidate.candidate_ref
                ),
            );
            good = false;
        }
        read.push(candidate);
    }
    let search = search.filter(|_| good)?;
    Some(SearchRecord { place: Place { source, at: At::Path(path) }, search, candidates: read })
}

#[cfg(test)]
mod tests {
    use super::super::{read as read_all, Encoding, Input};

    fn read(text: &str) -> Result<crate::import::Batch, String> {
        read_all(&[Input { name: "x.json".into(), bytes: text.as_bytes().to_vec() }], Encoding::Utf8)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_all_three_with_both_experience_forms() {
        let batch = read(
            r#"{"firms": [{"firm": "f", "name": "F", "pledged_on": "2022-01-01"}],
                "searches": [{"firm": "f", "search_ref": "s1", "client": "C", "client_sector": "stat", "position": "P",
                  "level": "top", "opened_on": "2026-01-01", "shortlist_on": null,
                  "candidates": [{"candidate_ref": "c1", "candidate_sector": "private", "experience": {"state": 3}},
                                 {"candidate_ref": "c2", "candidate_sector": "region", "experience": "private:1;private:1"}]}],
                "exemptions": [{"firm": "f", "search_ref": "s1", "reason": "No-Qualified-Candidate"}]}"#,
        )
        .unwrap();
        assert_eq!(batch.searches[0].candidates[0].experience.to_string(), "state:3");
        assert_eq!(batch.searches[0].candidates[1].experience.to_string(), "private:2");
        assert_eq!(batch.exemptions[0].1.reason, "no-qualified-candidate");
    }

    #[test]
    fn errors_name_the_path() {
        let err = read(
            r#"{"searches": [{"firm": "f", "search_ref": "s1", "client": "C", "client_sector": "state", "position": "P",
                "level": "top", "opened_on": "2026-01-01",
                "candidates": [{"candidate_ref": "c1", "candidate_sector": "private"}, {"candidate_ref": "c2", "candidate_sector": "stats"}]}]}"#,
        )
        .unwrap_err();
        assert!(
            err.starts_with("x.json: searches[0].candidates[1].candidate_sector: unknown sector \"stats\""),
            "{err}"
        );
        let err = read("{\"firms\": [{\"firm\": 3}]}").unwrap_err();
        assert_eq!(err, "x.json: firms[0].firm: found a number (expected a string)");
        let err = read("{\"firms\": [\n{\"firm\": \"a\",}]}").unwrap_err();
        assert!(err.starts_with("x.json: line 2, column 14: the file is not valid JSON"), "{err}");
        let err = read("{\"firms\": [{\"firm\": \"a\\ud800\"}]}").unwrap_err();
        assert!(err.contains("line 1, column 29: the file is not valid JSON") && !err.contains("changed"), "{err}");
        // Columns count characters, as an editor does: `Øø` is four bytes and two characters.
        let err = read("{\"firms\": [\n{\"firm\": \"Øø\",}]}").unwrap_err();
        assert_eq!(err, "x.json: line 2, column 15: the file is not valid JSON: trailing comma");
        let err = read("{\"searches\": [{\"email\": \"x\"}]}").unwrap_err();
        assert!(err.contains("looks like personal data"), "{err}");
    }
}
