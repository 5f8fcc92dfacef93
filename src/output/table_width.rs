//! Fitting a table to a terminal's width, in steps that keep it readable:
//!
//! 1. the table as it is, when it fits;
//! 2. headers wrapped after their `_` (`non_` / `compliant`), cells whole;
//! 3. short columns (ids, dates, verdicts, numbers) whole and the long ones (client, reason) wrapped at words;
//! 4. as 3, with long header words abbreviated (`compliance_rate` as `compl_` / `rate`);
//! 5. as 4, without the space either side of each cell;
//! 6. when even that does not fit, one record per block (`column │ value`), like psql's expanded display. A table
//!    without rows is never shown as blocks: it keeps its header and border.
//!
//! Pure: texts and a width in, a plan (or the expanded text) out. Widths count characters.

/// How to lay out a table in a given width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// As it is: it fits.
    Natural,
    /// Each column wrapped to its width; headers wrapped after `_` (and abbreviated).
    Columns {
        /// The content width of each column.
        widths: Vec<usize>,
        /// The headers, with line breaks.
        headers: Vec<String>,
        /// Whether each cell has a space either side.
        padded: bool,
    },
    /// One block per record.
    Expanded,
}

/// Columns at most this wide (ids, dates, verdicts, rule ids, numbers) are never wrapped in step 3.
const SHORT: usize = 20;
/// The narrowest a wrapped column may become in step 3.
const FLOOR: usize = 12;

/// The widest line of a text, in characters.
fn width(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The width a table with these content widths takes with the sharp style's borders and padding.
pub fn with_borders(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 3 * widths.len() + 1
}

/// The width without the padding: borders only.
fn with_bare_borders(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + widths.len() + 1
}

/// Short forms of the words report headers are made of, for step 4.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("searches", "srch"),
    ("compliant", "compl"),
    ("compliance", "compl"),
    ("incomplete", "incompl"),
    ("applicable", "appl"),
    ("pending", "pend"),
    ("exempt", "exmpt"),
    ("previous", "prev"),
    ("change", "chg"),
    ("shortlisted", "shortl"),
    ("interviewed", "intvw"),
    ("cross", "x"),
    ("sector", "sect"),
    ("national", "natl"),
    ("baseline", "base"),
    ("other", "oth"),
    ("public", "pub"),
    ("share", "shr"),
    ("client", "cli"),
    ("quarter", "qtr"),
    ("policy", "pol"),
    ("version", "ver"),
];

/// A header with its words abbreviated (`compliance_rate_4q` as `compl_rate_4q`); a word with no short form
/// longer than 7 characters is cut to 6 and a `.`.
pub fn abbreviate(header: &str) -> String {
    // `compliance_rate...` is the rate: the columns beside it count verdicts, not rates.
    let header = header.strip_prefix("compliance_").filter(|rest| rest.starts_with("rate")).unwrap_or(header);
    header
        .split('_')
        .map(|word| match ABBREVIATIONS.iter().find(|(long, _)| *long == word) {
            Some((_, short)) => short.to_string(),
            None if word.chars().count() > 7 => word.chars().take(6).chain(['.']).collect(),
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// Splits a header after its underscores into lines of at most `limit` characters where it can.
pub fn wrap_header(header: &str, limit: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for piece in header.split_inclusive('_') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + piece.chars().count() <= limit => line.push_str(piece),
            _ => lines.push(piece.to_string()),
        }
    }
    lines.join("\n")
}

/// The longest piece of a header split after its underscores.
fn header_floor(header: &str) -> usize {
    header.split_inclusive('_').map(|p| p.chars().count()).max().unwrap_or(0)
}

/// Plans the layout of a table (headers and plain cell texts) in `limit` characters.
pub fn plan(headers: &[&str], rows: &[Vec<String>], limit: usize) -> Plan {
    let n = headers.len();
    let content: Vec<usize> =
        (0..n).map(|i| rows.iter().map(|r| r.get(i).map_or(0, |c| width(c))).max().unwrap_or(0)).collect();
    let natural: Vec<usize> = headers.iter().zip(&content).map(|(h, c)| width(h).max(*c)).collect();
    if with_borders(&natural) <= limit {
        return Plan::Natural;
    }
    let short: Vec<String> = headers.iter().map(|h| abbreviate(h)).collect();
    let short: Vec<&str> = short.iter().map(String::as_str).collect();
    let steps = [(headers, true, false), (headers, true, true), (&short[..], true, true), (&short[..], false, true)];
    for (names, padded, wrap_long) in steps {
        if let Some(plan) = fit(names, &content, limit, padded, wrap_long) {
            return plan;
        }
    }
    if rows.is_empty() {
        // An empty table keeps its border, however narrow the terminal.
        let widths: Vec<usize> = short.iter().map(|h| header_floor(h)).collect();
        let headers = short.iter().zip(&widths).map(|(h, w)| wrap_header(h, *w)).collect();
        return Plan::Columns { widths, headers, padded: false };
    }
    Plan::Expanded
}

/// Fits columns with these headers in `limit`: headers wrapped after `_`, and with `wrap_long` the columns wider
/// than [`SHORT`] wrapped at words, sharing what is left in proportion to their widths, each at least [`FLOOR`].
fn fit(headers: &[&str], content: &[usize], limit: usize, padded: bool, wrap_long: bool) -> Option<Plan> {
    let n = headers.len();
    let borders = |widths: &[usize]| if padded { with_borders(widths) } else { with_bare_borders(widths) };
    let wrapped: Vec<usize> = headers.iter().zip(content).map(|(h, c)| header_floor(h).max(*c)).collect();
    let columns = |widths: Vec<usize>| {
        let headers = headers.iter().zip(&widths).map(|(h, w)| wrap_header(h, *w)).collect();
        Some(Plan::Columns { widths, headers, padded })
    };
    if borders(&wrapped) <= limit {
        return columns(wrapped);
    }
    if !wrap_long {
        return None;
    }
    let fixed: usize = wrapped.iter().filter(|w| **w <= SHORT).sum();
    let flexible: Vec<usize> = (0..n).filter(|i| wrapped[*i] > SHORT).collect();
    let budget = limit.saturating_sub(borders(&vec![0; n]) + fixed);
    if flexible.is_empty() || budget < FLOOR * flexible.len() {
        return None;
    }
    // Share the budget in proportion to the flexible columns' widths, each at least FLOOR.
    let total: usize = flexible.iter().map(|i| wrapped[*i]).sum();
    let mut widths = wrapped.clone();
    let mut left = budget;
    for (k, i) in flexible.iter().enumerate() {
        let share = if k + 1 == flexible.len() { left } else { (budget * wrapped[*i] / total).max(FLOOR) };
        let share = share.min(wrapped[*i]).min(left.saturating_sub(FLOOR * (flexible.len() - k - 1)));
        widths[*i] = share.max(1);
        left -= widths[*i];
    }
    columns(widths)
}

/// Wraps text at spaces into lines of at most `limit` characters, breaking a longer word where it must.
pub fn wrap_words(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.chars().count() > limit {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(limit).collect();
            word = word.chars().skip(limit).collect();
            lines.push(head);
        }
        let needed =
            if line.is_empty() { word.chars().count() } else { line.chars().count() + 1 + word.chars().count() };
        if needed > limit && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The expanded layout: a rule naming each record, then `column │ value` lines, values wrapped to the width.
/// `paint(record, column, line)` may colour the first line of a value (after wrapping, so colour codes never
/// count towards the width).
pub fn expanded(
    headers: &[&str],
    rows: &[Vec<String>],
    limit: usize,
    paint: impl Fn(usize, usize, &str) -> String,
) -> String {
    let label = headers.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    let value_width = limit.saturating_sub(label + 3).max(10);
    let mut out = String::new();
    for (number, row) in rows.iter().enumerate() {
        let title = format!("─[ {} ]", number + 1);
        let rule = limit.saturating_sub(title.chars().count()).min(label + 3 + value_width);
        out.push_str(&title);
        out.push_str(&"─".repeat(rule));
        out.push('\n');
        for (i, header) in headers.iter().enumerate() {
            let value = row.get(i).map_or("", String::as_str);
            for (k, line) in wrap_words(value, value_width).iter().enumerate() {
                let name = if k == 0 { *header } else { "" };
                let shown = if k == 0 { paint(number, i, line) } else { line.clone() };
                out.push_str(&format!("{name:<label$} │ {shown}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn a_table_that_fits_stays_as_it_is() {
        assert_eq!(plan(&["a", "b"], &rows(&[&["x", "y"]]), 80), Plan::Natural);
    }

    #[test]
    fn headers_wrap_after_underscores_first() {
        let headers = ["firm", "non_compliant", "not_applicable"];
        let body = rows(&[&["f", "1", "2"]]);
        match plan(&headers, &body, 34) {
            Plan::Columns { widths, headers, .. } => {
                assert!(with_borders(&widths) <= 34);
                assert_eq!(headers[1], "non_\ncompliant");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(wrap_header("compliance_rate_4q", 11), "compliance_\nrate_4q");
    }

    #[test]
    fn long_columns_wrap_and_short_ones_stay_whole() {
        let headers = ["firm", "verdict", "reason"];
        let reason = "no shortlisted candidate from outside state; c2 has 1 year in municipality (needs 2)";
        let body = rows(&[&["nordsoeg", "non-compliant", reason]]);
        match plan(&headers, &body, 60) {
            Plan::Columns { widths, .. } => {
                assert_eq!(widths[..2], [8, 13]);
                assert!(with_borders(&widths) <= 60);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn report_firms_keeps_a_table_down_to_80_columns() {
        let headers = [
            "firm",
            "name",
            "searches",
            "compliant",
            "non_compliant",
            "exempt",
            "incomplete",
            "pending",
            "not_applicable",
            "compliance_rate",
        ];
        let body = rows(&[&[
            "limfjord-partners",
            "Nordsøg Executive Search A/S",
            "14",
            "4",
            "3",
            "0",
            "1",
            "1",
            "5",
            "0.5000",
        ]]);
        for limit in [80, 100, 127] {
            match plan(&headers, &body, limit) {
                Plan::Columns { widths, padded, .. } => {
                    let used = if padded { with_borders(&widths) } else { with_bare_borders(&widths) };
                    assert!(used <= limit, "{limit}: {used}");
                }
                other => panic!("{limit}: {other:?}"),
            }
        }
        assert_eq!(abbreviate("compliance_rate_4q"), "rate_4q");
        assert_eq!(abbreviate("non_compliant"), "non_compl");
        assert_eq!(abbreviate("hired_cross_sector_share"), "hired_x_sect_shr");
    }

    #[test]
    fn an_empty_table_keeps_its_border() {
        let headers: Vec<String> = (0..12).map(|i| format!("column_{i}")).collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        assert!(matches!(plan(&headers, &[], 40), Plan::Columns { .. }));
    }

    #[test]
    fn too_many_columns_are_shown_record_by_record() {
        let headers: Vec<String> = (0..12).map(|i| format!("column_{i}")).collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let body = vec![vec!["some value here".to_string(); 12]];
        assert_eq!(plan(&headers, &body, 80), Plan::Expanded);
        let text = expanded(&headers, &body, 40, |_, _, v| v.to_string());
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.starts_with("─[ 1 ]"));
    }

    #[test]
    fn words_wrap_and_long_words_break() {
        assert_eq!(wrap_words("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
    }
}
