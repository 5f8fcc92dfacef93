//! Errors in input files: where (file, line and column, or JSON path), what was found and what was expected.

use std::fmt;

/// The longest message or JSON path shown, in characters.
pub const MAX_MESSAGE: usize = 400;

/// A message cut to [`MAX_MESSAGE`] characters.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX_MESSAGE).collect();
    format!("{cut}… (cut short)")
}

/// How many errors are shown per file before "and N more".
pub const ERRORS_SHOWN_PER_FILE: usize = 20;

/// Where in a file something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// The file as a whole.
    File,
    /// A physical line (the header is line 1), and a column when one is to blame.
    Line {
        /// The physical line, from 1.
        line: usize,
        /// The column's position (from 1) and name.
        column: Option<(usize, String)>,
    },
    /// A JSON path such as `searches[3].candidates[1].candidate_sector`, counting from 0.
    Path(String),
}

impl At {
    /// The line, for ordering errors: 0 for a file as a whole or a JSON path (kept in the order found).
    fn line(&self) -> usize {
        match self {
            At::Line { line, .. } => *line,
            At::File | At::Path(_) => 0,
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::File => Ok(()),
            At::Line { line, column: None } => write!(f, "line {line}"),
            At::Line { line, column: Some((index, name)) } if name.is_empty() => {
                write!(f, "line {line}, column {index}")
            }
            At::Line { line, column: Some((index, name)) } => write!(f, "line {line}, column {index} ({name})"),
            At::Path(path) => f.write_str(path),
        }
    }
}

/// One thing wrong with an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's name as given.
    pub file: String,
    /// Where in the file.
    pub at: At,
    /// What was found and what was expected.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            At::File => write!(f, "{}: {}", self.file, self.message),
            _ => write!(f, "{}: {}: {}", self.file, self.at, self.message),
        }
    }
}

/// The errors of one call, at most [`ERRORS_SHOWN_PER_FILE`] kept per file (the first in line order), the rest
/// counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputErrors {
    files: Vec<(String, Vec<InputError>, usize)>,
}

impl InputErrors {
    /// Records an error.
    pub fn push(&mut self, mut error: InputError) {
        // A message quotes input; whatever it quotes, it stays short (a 200 MB header was once echoed whole).
        error.message = shorten(&error.message);
        if let At::Path(path) = &mut error.at {
            *path = shorten(path);
        }
        let slot = match self.files.iter().position(|(f, _, _)| *f == error.file) {
            Some(i) => i,
            None => {
                self.files.push((error.file.clone(), Vec::new(), 0));
                self.files.len() - 1
            }
        };
        let (_, kept, total) = &mut self.files[slot];
        *total += 1;
        // The first errors in line order are kept, however they were found: a shortlists file is read grouped by
        // search, not line by line. Errors of one line keep the order they were found in.
        let line = error.at.line();
        let at = kept.partition_point(|e| e.at.line() <= line);
        if at < ERRORS_SHOWN_PER_FILE {
            if kept.len() == ERRORS_SHOWN_PER_FILE {
                kept.pop();
            }
            kept.insert(at, error);
        }
    }

    /// Records every error of another collection.
    pub fn extend(&mut self, other: InputErrors) {
        for (_, kept, total) in other.files {
            let more = total - kept.len();
            let file = kept.first().map(|e| e.file.clone());
            for e in kept {
                self.push(e);
            }
            if let Some(file) = file {
                if let Some(slot) = self.files.iter_mut().find(|(f, _, _)| *f == file) {
                    slot.2 += more;
                }
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many errors were recorded, shown or not.
    pub fn total(&self) -> usize {
        self.files.iter().map(|(_, _, t)| t).sum()
    }

    /// The errors kept, file by file.
    pub fn shown(&self) -> impl Iterator<Item = &InputError> {
        self.files.iter().flat_map(|(_, kept, _)| kept.iter())
    }

    /// Ok when empty, else the errors.
    pub fn into_result(self) -> Result<(), InputErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (file, kept, total) in &self.files {
            for e in kept {
                if !first {
                    writeln!(f)?;
                }
                first = false;
                write!(f, "{e}")?;
            }
            if *total > kept.len() {
                write!(f, "\n{file}: and {} more", total - kept.len())?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_twenty_per_file_and_counts_the_rest() {
        let mut errors = InputErrors::default();
        for line in 2..30 {
            errors.push(InputError {
                file: "a.csv".into(),
                at: At::Line { line, column: None },
                message: "bad".into(),
            });
        }
        errors.push(InputError { file: "b.csv".into(), at: At::File, message: "the file is empty".into() });
        assert_eq!(errors.total(), 29);
        assert_eq!(errors.shown().count(), 21);
        let text = errors.to_string();
        assert!(text.starts_with("a.csv: line 2: bad\n"));
        assert!(text.contains("a.csv: and 8 more\nb.csv: the file is empty"), "{text}");
    }

    #[test]
    fn keeps_the_first_in_line_order_whatever_the_order_found() {
        let mut errors = InputErrors::default();
        for (line, what) in [(40, "late"), (3, "b"), (30, "x")].into_iter().chain((4..30).map(|l| (l, "y"))) {
            errors.push(InputError { file: "a.csv".into(), at: At::Line { line, column: None }, message: what.into() });
        }
        errors.push(InputError { file: "a.csv".into(), at: At::Line { line: 3, column: None }, message: "c".into() });
        assert_eq!(errors.total(), 30);
        let lines: Vec<String> = errors.shown().map(|e| format!("{} {}", e.at, e.message)).collect();
        assert_eq!(lines[..3], ["line 3 b", "line 3 c", "line 4 y"]);
        assert_eq!(lines.len(), ERRORS_SHOWN_PER_FILE);
        assert_eq!(lines.last().unwrap(), "line 21 y");
    }
}
