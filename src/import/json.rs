//! JSON files: `{"firms": [...], "searches": [{..., "candidates": [...]}], "exemptions": [...]}` with the CSV
//! column names as keys. Errors name the path, counting from 0: `searches[3].candidates[1].candidate_sector`.

use serde_json::{Map, Value};

use super::error::{At, InputError, InputErrors};
use super::records::{self, Fields};
use super::{Kind, Place, SearchRecord, Sink, Sources};

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

    /// The array under a top-level key, or nothing.
    fn array<'v>(&mut self, top: &'v Map<String, Value>, key: &str) -> &'v [Value] {
        match top.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.fail(key.into(), format!("{key} is {} (expected an array of objects)", type_name(other)));
                &[]
            }
        }
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

/// Parses a JSON file's text; a syntax error names its line and column.
pub(super) fn parse(file: &str, text: &str, errors: &mut InputErrors) -> Option<Value> {
    // Bounds and duplicate keys first: the parser would keep the last of two keys and drop the first silently.
    if let Err((line, column, message)) = super::limits::check_json(text) {
        errors.push(InputError {
            file: file.to_string(),
            at: At::Line { line, column: Some((column, String::new())) },
            message,
        });
        return None;
    }
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(e) => {
            errors.push(InputError {
                file: file.to_string(),
                at: At::Line { line: e.line(), column: Some((e.column(), String::new())) },
                message: format!("the file is not valid JSON: {e}"),
            });
            None
        }
    }
}

/// Hands one part of a parsed JSON file (its firms, searches or exemptions, as `phase` says) to the sink.
pub(super) fn read<S: Sink>(
    source: usize,
    value: &Value,
    phase: Kind,
    sources: &Sources,
    sink: &mut S,
    errors: &mut InputErrors,
) -> Result<(), S::Error> {
    let file = sources.0[source].name.clone();
    let mut reading = Reading { file: file.clone(), errors };
    let Value::Object(top) = value else {
        if phase == Kind::Firms {
            reading.errors.push(InputError {
                file,
                at: At::File,
                message: format!("found {} (expected an object with firms, searches and exemptions)", type_name(value)),
            });
        }
        return Ok(());
    };
    match phase {
        Kind::Firms => {
            for key in top.keys() {
                if !["firms", "searches", "exemptions"].contains(&key.as_str()) {
                    reading.fail(key.clone(), format!("unknown key {key:?} (expected firms, searches, exemptions)"));
                }
            }
            for (i, value) in reading.array(top, "firms").iter().enumerate() {
                let path = format!("firms[{i}]");
                if let Some(object) = reading.object(value, path.clone(), FIRM_KEYS) {
                    if let Some(firm) = records::firm(&object, reading.errors) {
                        sink.firm(sources, Place { source, at: At::Path(path) }, firm, reading.errors)?;
                    }
                }
            }
        }
        Kind::Shortlists => {
            for (i, value) in reading.array(top, "searches").iter().enumerate() {
                let path = format!("searches[{i}]");
                if let Some(record) = search(source, value, path, &mut reading) {
                    sink.search(sources, record, Vec::new(), reading.errors)?;
                }
            }
        }
        Kind::Exemptions => {
            for (i, value) in reading.array(top, "exemptions").iter().enumerate() {
                let path = format!("exemptions[{i}]");
                if let Some(object) = reading.object(value, path.clone(), EXEMPTION_KEYS) {
                    if let Some(exemption) = records::exemption(&object, reading.errors) {
                        sink.exemption(sources, Place { source, at: At::Path(path) }, exemption, reading.errors)?;
                    }
                }
            }
        }
        Kind::Json | Kind::Clients => {}
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
        let err = read("{\"searches\": [{\"email\": \"x\"}]}").unwrap_err();
        assert!(err.contains("looks like personal data"), "{err}");
    }
}
