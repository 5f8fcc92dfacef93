//! Bounds on input, so that no file can exhaust memory or flood a terminal: the length of a value, of a CSV
//! record and of a JSON file, a JSON string and its nesting; duplicate JSON keys; characters an identifier may
//! not hold; and how much of the input a message may quote.
//!
//! Measured on the attacks of issue 12: `import /dev/zero` grew by 140 MB/s, a 200 MB line took 1.5 GB and was
//! echoed whole on standard error, and a 100 MB field was accepted (then written 48 times over by reports).

use std::collections::HashSet;
use std::io::{self, Read};

/// The longest identifier, name, client, position or reason, in bytes.
pub const MAX_TEXT: usize = 4 * 1024;
/// The longest note, in bytes.
pub const MAX_NOTE: usize = 64 * 1024;
/// The longest CSV record (all its fields, with separators and quotes), in bytes: room for a note and every
/// other field at their longest.
pub const MAX_RECORD: usize = 1024 * 1024;
/// The largest JSON file: it is read whole (a whole export on one line is normal) into a tree of about 17 times
/// its size, so a refused 4 MB file peaks at 71 MB (6 MB: 103 MB). Larger exports go as CSV, which is streamed.
pub const MAX_JSON: usize = 4 * 1024 * 1024;
/// The deepest JSON nesting pledgecheck's format uses is 6 (top, searches, search, candidates, candidate,
/// experience); anything much deeper is not an export.
pub const MAX_DEPTH: usize = 16;
/// The most keys a JSON object of pledgecheck's format can have (a search has 10).
pub const MAX_KEYS: usize = 64;
/// The most characters of input a message quotes.
pub const EXCERPT: usize = 60;

/// The longest value of a field, in bytes.
pub fn max_len(field: &str) -> usize {
    if field == "note" {
        MAX_NOTE
    } else {
        MAX_TEXT
    }
}

/// A short excerpt of input for a message: at most [`EXCERPT`] characters, quoted and escaped, with the length
/// when cut.
pub fn excerpt(text: &str) -> String {
    let count = text.chars().count();
    if count <= EXCERPT {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(EXCERPT).collect();
        format!("{cut:?}… ({} bytes)", text.len())
    }
}

pub use crate::model::is_hidden;

/// The first hidden character of a text, with its place (counting characters from 1).
pub fn first_hidden(text: &str) -> Option<(usize, char)> {
    text.chars().enumerate().find(|(_, c)| is_hidden(*c)).map(|(i, c)| (i + 1, c))
}

/// Input refused by a bound, at a line.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// The physical line.
    pub line: usize,
    /// What was refused.
    pub message: String,
}

impl Refused {
    /// The bound's error inside an I/O error, if it is one.
    pub fn of(error: &io::Error) -> Option<&Refused> {
        error.get_ref().and_then(|inner| inner.downcast_ref::<Refused>())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// A reader under the CSV reader that refuses a record longer than [`MAX_RECORD`] (as it is read, before the CSV
/// reader would buffer it) and a quoted field still open at the end of the file, which the CSV reader would
/// take as a cut-off value. It follows quoting as the CSV reader does (a quote opens a field only at its start;
/// `""` inside quotes is a quote), with `,` and `;` both as separators.
pub struct CsvGuard<R> {
    inner: R,
    state: Quoting,
    record_bytes: usize,
    line: usize,
    quote_line: usize,
}

impl<R> CsvGuard<R> {
    /// Guards a reader of CSV bytes (CRLF already read as LF).
    pub fn new(inner: R) -> Self {
        CsvGuard { inner, state: Quoting::FieldStart, record_bytes: 0, line: 1, quote_line: 0 }
    }

    /// The reader underneath.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn refuse(&self, line: usize, message: String) -> io::Error {
        io::Error::other(Refused { line, message })
    }
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.state == Quoting::Quoted {
            return Err(self.refuse(
                self.quote_line,
                format!(
                    "a quoted field opened on line {} is never closed (a quote missing before the end of the file)",
                    self.quote_line
                ),
            ));
        }
        for &b in &buf[..n] {
            self.record_bytes += 1;
            self.state = match (self.state, b) {
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (Quoting::FieldStart, b'"') => {
                    self.quote_line = self.line;
                    Quoting::Quoted
                }
                (_, b',' | b';') => Quoting::FieldStart,
                (_, b'\n') => {
                    self.record_bytes = 0;
                    Quoting::FieldStart
                }
                _ => Quoting::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
            if self.record_bytes > MAX_RECORD {
                let line = if self.state == Quoting::Quoted { self.quote_line } else { self.line };
                return Err(self.refuse(
                    line,
                    format!("the record is longer than {} MB (refused; a value holds at most 64 KB)", MAX_RECORD >> 20),
                ));
            }
        }
        Ok(n)
    }
}

/// Checks a JSON text before it is parsed: nesting no deeper than [`MAX_DEPTH`], strings no longer than
/// [`MAX_NOTE`], no object with more than [`MAX_KEYS`] keys, and no key twice in one object (a JSON parser keeps the
/// last and drops the first silently). Malformed JSON is left to the parser. Gives the line and column (from 1)
/// and the message of the first problem.
pub fn check_json(text: &str) -> Result<(), (usize, usize, String)> {
    struct Frame {
        object: bool,
        expect_key: bool,
        keys: HashSet<String>,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let (mut line, mut line_start) = (1usize, 0usize);
    let column = |at: usize, line_start: usize| text[line_start..at].chars().count() + 1;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err((line, column(i, line_start), format!("JSON nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Frame { object: b == b'{', expect_key: b == b'{', keys: HashSet::new() });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.expect_key = top.object;
                }
            }
            b':' => {
                if let Some(top) = stack.last_mut() {
                    top.expect_key = false;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let raw = &text[start..(i + 1).min(text.len())];
                if raw.len() > MAX_NOTE + 2 {
                    return Err((
                        line,
                        column(start, line_start),
                        format!("a JSON string of {} bytes (at most {} KB)", raw.len() - 2, MAX_NOTE >> 10),
                    ));
                }
                if let Some(top) = stack.last_mut().filter(|t| t.object && t.expect_key) {
                    let key: String = serde_json::from_str(raw).unwrap_or_else(|_| raw.to_string());
                    if top.keys.len() >= MAX_KEYS {
                        return Err((
                            line,
                            column(start, line_start),
                            format!("a JSON object with more than {MAX_KEYS} keys"),
                        ));
                    }
                    if !top.keys.insert(key.clone()) {
                        return Err((
                            line,
                            column(start, line_start),
                            format!("the key {} appears twice in one object (expected each key once)", excerpt(&key)),
                        ));
                    }
                    top.expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(input: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        CsvGuard::new(input).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn quotes_are_followed_as_the_csv_reader_does() {
        assert!(through(b"a,\"b\nc\",d\n\"e\"\"f\",g\nh\"i,j\n").is_ok());
        let err = through(b"a,b\nc,\"d\ne,f\n").unwrap_err();
        assert_eq!(Refused::of(&err).unwrap().line, 2);
    }

    #[test]
    fn a_long_record_is_refused_as_it_is_read() {
        let mut long = b"a,".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_RECORD + 10));
        assert!(Refused::of(&through(&long).unwrap_err()).unwrap().message.contains("longer than"));
        let mut many = Vec::new();
        for _ in 0..(MAX_RECORD / 4) {
            many.extend_from_slice(b"abc\n");
        }
        assert!(through(&many).is_ok(), "many short records are fine");
    }

    #[test]
    fn json_bounds_and_duplicate_keys() {
        assert!(check_json(r#"{"a": [{"b": "x", "c": {"d": 1}}], "e": "\"}"}"#).is_ok());
        let (line, column, message) = check_json("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert_eq!((line, column), (2, 2));
        assert!(message.contains("twice"), "{message}");
        assert!(check_json(r#"{"a": 1, "\u0061": 2}"#).unwrap_err().2.contains("twice"));
        assert!(check_json(r#"[{"a": 1}, {"a": 2}]"#).is_ok(), "the same key in two objects");
        assert!(check_json(&"[".repeat(MAX_DEPTH + 1)).unwrap_err().2.contains("deeper"));
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_NOTE + 1));
        assert!(check_json(&long).unwrap_err().2.contains("bytes"));
    }

    #[test]
    fn hidden_characters() {
        for c in ['\u{1b}', '\u{7}', '\r', '\0', '\u{202e}', '\u{200b}', '\u{feff}', '\u{9b}'] {
            assert!(is_hidden(c), "{c:?}");
        }
        assert!(!is_hidden('ø') && !is_hidden(' ') && !is_hidden('-'));
        assert_eq!(first_hidden("ab\u{1b}c"), Some((3, '\u{1b}')));
        let cut = excerpt(&"x".repeat(200));
        assert!(cut.starts_with(&format!("\"{}\"…", "x".repeat(EXCERPT))) && cut.ends_with("(200 bytes)"), "{cut}");
    }
}
