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

    #[test]
    fn painted_verdicts_keep_their_word() {
        let painted = paint(Verdict::NonCompliant);
        assert!(painted.contains("non-compliant") && painted.starts_with('\u{1b}'));
    }
}
