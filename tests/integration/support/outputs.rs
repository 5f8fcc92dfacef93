//! Decoding what the binary writes: CSV (plain, and as a Danish spreadsheet reads Excel CSV), spreadsheet cells,
//! error messages, and the database's rows.

/// `valid_to` of a row that is still valid (schema/0001_init.sql).
pub const FOREVER: &str = "9999-12-31T23:59:59.999999Z";

/// The columns `report searches` starts with.
pub const SEARCH_REPORT_COLUMNS: [&str; 11] = [
    "firm",
    "search_ref",
    "client",
    "client_sector",
    "level",
    "opened_on",
    "shortlist_on",
    "quarter",
    "verdict",
    "policy_version",
    "reason",
];

/// The count columns of `report firms` and `report quarters`.
pub const COUNT_COLUMNS: [&str; 8] =
    ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable", "compliance_rate"];

/// A decoded CSV file: the header and the rows, as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Decodes CSV text with `,` separators.
    pub fn parse(text: &str) -> Csv {
        Csv::parse_with(text.as_bytes(), b',')
    }

    /// Decodes CSV bytes with a separator.
    pub fn parse_with(bytes: &[u8], separator: u8) -> Csv {
        let mut reader = csv::ReaderBuilder::new().delimiter(separator).from_reader(bytes);
        let header = reader.headers().expect("a CSV header").iter().map(str::to_string).collect();
        let rows = reader.records().map(|r| r.expect("a CSV row").iter().map(str::to_string).collect()).collect();
        Csv { header, rows }
    }

    /// Decodes plain CSV output (`--format csv`), asserting that it has no byte-order mark.
    #[track_caller]
    pub fn plain(bytes: &[u8]) -> Csv {
        assert!(!bytes.starts_with(b"\xef\xbb\xbf"), "plain CSV has no byte-order mark");
        Csv::parse_with(bytes, b',')
    }

    /// Decodes Excel CSV output (`--excel`) as a Danish spreadsheet reads it, asserting its form: a byte-order
    /// mark, `;` between cells, CRLF after each line. Cells stay text; [`Cell::excel`] reads them as values.
    #[track_caller]
    pub fn excel(bytes: &[u8]) -> Csv {
        let body = bytes.strip_prefix(b"\xef\xbb\xbf").expect("Excel CSV starts with a byte-order mark");
        let text = std::str::from_utf8(body).expect("UTF-8");
        assert!(text.is_empty() || text.ends_with("\r\n"), "Excel CSV lines end with CRLF");
        assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF outside quotes in these reports");
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_reader(body);
        let header = reader.headers().expect("a header").iter().map(String::from).collect();
        let rows = reader.records().map(|r| r.expect("a record").iter().map(String::from).collect()).collect();
        Csv { header, rows }
    }

    /// The value of a column in a row.
    #[track_caller]
    pub fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        let i = self.header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
        &row[i]
    }

    /// The row whose first columns are these values.
    #[track_caller]
    pub fn row(&self, key: &[&str]) -> &[String] {
        self.rows
            .iter()
            .find(|r| r.iter().zip(key).all(|(a, b)| a == b))
            .unwrap_or_else(|| panic!("no row starting {key:?}"))
    }
}

/// A CSV cell's value as a spreadsheet sees it: a number (decimal comma in Excel CSV, point in plain CSV), or
/// text (with the formula guard's leading `'` removed from Excel CSV's text).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
    Empty,
}

impl Cell {
    /// Reads a plain CSV cell.
    pub fn plain(cell: &str) -> Cell {
        if cell.is_empty() {
            Cell::Empty
        } else if let Some(n) = number(cell, '.') {
            Cell::Number(n)
        } else {
            Cell::Text(cell.to_string())
        }
    }

    /// Reads an Excel CSV cell as a Danish spreadsheet would: `0,8750` is a number, `'=x` is the text `=x`;
    /// asserts that no formula-like text is left unguarded.
    #[track_caller]
    pub fn excel(cell: &str) -> Cell {
        if cell.is_empty() {
            Cell::Empty
        } else if let Some(n) = number(cell, ',') {
            Cell::Number(n)
        } else if let Some(rest) = cell.strip_prefix('\'') {
            Cell::Text(rest.to_string())
        } else {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "an unguarded formula-like cell: {cell:?}");
            Cell::Text(cell.to_string())
        }
    }
}

fn number(cell: &str, decimal: char) -> Option<f64> {
    let other = if decimal == ',' { '.' } else { ',' };
    let body = cell.strip_prefix('-').unwrap_or(cell);
    if body.is_empty() || body.contains(other) || !body.chars().all(|c| c.is_ascii_digit() || c == decimal) {
        return None;
    }
    if body.starts_with(decimal) || body.ends_with(decimal) || body.matches(decimal).count() > 1 {
        return None;
    }
    cell.replace(decimal, ".").parse().ok()
}

/// Asserts that some line of `stderr` names `file`, `line N` and, if given, the column, and returns it.
#[track_caller]
pub fn error_line<'a>(stderr: &'a str, file: &str, line: usize, column: Option<&str>) -> &'a str {
    stderr
        .lines()
        .find(|l| {
            l.starts_with(&format!("{file}: "))
                && (l.contains(&format!("line {line},")) || l.contains(&format!("line {line}:")))
                && column.is_none_or(|c| l.contains(&format!("({c})")))
        })
        .unwrap_or_else(|| panic!("no error naming {file}, line {line}, column {column:?} in:\n{stderr}"))
}

/// Every row of every table of a database, to compare before and after.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot(pub Vec<(String, Vec<Vec<String>>)>);

impl Snapshot {
    /// Reads every table, its rows in rowid order.
    pub fn of(conn: &rusqlite::Connection) -> Snapshot {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut snapshot = Vec::new();
        for table in tables {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid")).unwrap();
            let width = stmt.column_count();
            let rows: Vec<Vec<String>> = stmt
                .query_map([], |r| {
                    (0..width).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect()
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            snapshot.push((table, rows));
        }
        Snapshot(snapshot)
    }

    /// The number of rows of one table.
    pub fn rows(&self, table: &str) -> usize {
        self.0.iter().find(|(t, _)| t == table).map_or(0, |(_, rows)| rows.len())
    }
}
