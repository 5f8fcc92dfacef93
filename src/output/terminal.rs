//! The terminal: whether standard output is one, how wide it is, whether to colour, and how much to say.
//!
//! Tables fit the terminal's width and verdict words are coloured only when standard output is a terminal, and
//! never when `NO_COLOR` is set (to anything but the empty string, as no-color.org says). Output to a file or a
//! pipe is never styled, so scripts and files get the same bytes whatever the terminal.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use crate::model::Verdict;

/// How standard output is styled when it is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// The width to fit tables into, when known.
    pub width: Option<usize>,
    /// Whether to colour verdict words.
    pub color: bool,
}

impl Terminal {
    /// The style of standard output, or `None` when it is not a terminal.
    pub fn stdout() -> Option<Terminal> {
        if !io::stdout().is_terminal() {
            return None;
        }
        let width = terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)).filter(|w| *w > 0);
        Some(Terminal { width, color: color_allowed(std::env::var_os("NO_COLOR").as_deref()) })
    }
}

/// Whether colour is allowed, given the value of `NO_COLOR`: only when it is unset or empty.
pub fn color_allowed(no_color: Option<&std::ffi::OsStr>) -> bool {
    no_color.is_none_or(|v| v.is_empty())
}

/// A verdict word in its colour (ANSI): green compliant, red non-compliant, yellow incomplete, cyan exempt,
/// blue pending, dim not-applicable.
pub fn paint(verdict: Verdict) -> String {
    let code = match verdict {
        Verdict::Compliant => "32",
        Verdict::NonCompliant => "31",
        Verdict::Incomplete => "33",
        Verdict::Exempt => "36",
        Verdict::Pending => "34",
        Verdict::NotApplicable => "2",
    };
    format!("\u{1b}[{code}m{verdict}\u{1b}[0m")
}

/// A writer for output meant for people (tables, explanations, history): control and invisible characters in
/// what is written are escaped as `\u{1b}` ([`crate::model::printable`]), except line feeds, tabs and the colour
/// sequences pledgecheck writes itself (`ESC [ digits m`), which only colour. A name stored with an escape
/// sequence can then neither clear the screen, set the window title nor reverse a line. Bytes that are not UTF-8
/// are written as `\x..`.
pub struct Printable<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Printable<W> {
    /// Escapes what is written to `inner`.
    pub fn new(inner: W) -> Self {
        Printable { inner, pending: Vec::new() }
    }

    /// Writes out what can be decided; keeps an incomplete character or colour sequence at the end.
    fn drain(&mut self, at_end: bool) -> io::Result<()> {
        let mut out = String::new();
        let mut used = 0;
        let bytes = std::mem::take(&mut self.pending);
        while used < bytes.len() {
            let rest = &bytes[used..];
            let (valid, bad) = match std::str::from_utf8(rest) {
                Ok(text) => (text, None),
                Err(e) => (std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(), Some(e.error_len())),
            };
            let mut chars = valid.char_indices().peekable();
            let mut stop = None;
            while let Some((i, c)) = chars.next() {
                if c == '\u{1b}' {
                    let tail = &valid[i + 1..];
                    match sgr_len(tail) {
                        Some(Some(len)) => {
                            out.push_str(&valid[i..i + 1 + len]);
                            for _ in 0..len {
                                chars.next();
                            }
                            continue;
                        }
                        Some(None) if !at_end && bad.is_none() => {
                            stop = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                if crate::model::is_hidden(c) && c != '\n' && c != '\t' {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                } else {
                    out.push(c);
                }
            }
            if let Some(i) = stop {
                used += i;
                break;
            }
            used += valid.len();
            match bad {
                None => {}
                Some(Some(len)) => {
                    for b in &rest[valid.len()..valid.len() + len] {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                    used += len;
                }
                // An incomplete character at the end: kept for the next write, or escaped at the end.
                Some(None) if !at_end => break,
                Some(None) => {
                    for b in &rest[valid.len()..] {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                    used = bytes.len();
                }
            }
        }
        self.pending = bytes[used..].to_vec();
        self.inner.write_all(out.as_bytes())
    }
}

/// The length of a colour sequence after its ESC (`[` digits and `;`, then `m`): `Some(Some(len))` when `tail`
/// starts with one, `Some(None)` when it could still become one, `None` when it is not one.
fn sgr_len(tail: &str) -> Option<Option<usize>> {
    let b = tail.as_bytes();
    if b.is_empty() {
        return Some(None);
    }
    if b[0] != b'[' {
        return None;
    }
    for (i, &c) in b.iter().enumerate().skip(1) {
        match c {
            b'0'..=b'9' | b';' if i < 16 => {}
            b'm' => return Some(Some(i + 1)),
            _ => return None,
        }
    }
    Some(None)
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain(true)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Printable<W> {
    fn drop(&mut self) {
        let _ = self.drain(true);
    }
}

/// How much the commands say beyond what was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `--quiet`: only the output asked for, and errors.
    Quiet,
    /// The default: also a line saying what was done.
    Normal,
    /// `--verbose`: also details on standard error (the database, the policy, counts).
    Verbose,
}

impl Verbosity {
    /// The verbosity asked for by `--quiet` and `--verbose` (the command line lets only one be given).
    pub fn from_flags(quiet: bool, verbose: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::Verbose,
            _ => Verbosity::Normal,
        }
    }

    /// Writes a detail to standard error under `--verbose`; a closed standard error is ignored.
    pub fn detail(self, message: fmt::Arguments) {
        if self == Verbosity::Verbose {
            let _ = writeln!(io::stderr().lock(), "pledgecheck: {message}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_when_set_to_anything() {
        assert!(color_allowed(None));
        assert!(color_allowed(Some(std::ffi::OsStr::new(""))));
        assert!(!color_allowed(Some(std::ffi::OsStr::new("1"))));
    }

    #[test]
    fn quiet_wins_over_nothing_and_verbose_over_normal() {
        assert_eq!(Verbosity::from_flags(false, false), Verbosity::Normal);
        assert_eq!(Verbosity::from_flags(true, false), Verbosity::Quiet);
        assert_eq!(Verbosity::from_flags(false, true), Verbosity::Verbose);
    }

    fn printed(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = Printable::new(&mut out);
            for c in chunks {
                w.write_all(c).unwrap();
            }
            w.flush().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn control_characters_are_escaped_but_colours_and_lines_kept() {
        let painted = paint(Verdict::Compliant);
        let text = format!("a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{202e}d\n{painted}\tø");
        let expected = format!("a\\u{{1b}}[2Jb\\u{{1b}}]0;title\\u{{7}}c\\u{{202e}}d\n{painted}\tø");
        assert_eq!(printed(&[text.as_bytes()]), expected);
        // Split anywhere, even inside a character or a colour sequence, it reads the same.
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(printed(&[&bytes[..cut], &bytes[cut..]]), expected, "cut at {cut}");
        }
        assert_eq!(printed(&[b"x\xff\xc3"]), "x\\xff\\xc3");
    }

    #[test]
    fn painted_verdicts_keep_their_word() {
        let painted = paint(Verdict::NonCompliant);
        assert!(painted.contains("non-compliant") && painted.starts_with('\u{1b}'));
    }
}
