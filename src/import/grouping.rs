//! A shortlists file's rows grouped by search before they are read: an external sort of the raw rows by (firm,
//! search_ref, line) that holds at most a byte budget of rows in memory, spills sorted segments to unnamed
//! temporary files and merges them. Exports write a search's rows anywhere (by date, by candidate, shuffled);
//! grouped, each search reaches the import as one run, so that the cost of a file does not depend on its order.
//!
//! Hand-written rather than taken from a crate: `extsort` bounds its buffer by a number of items, not bytes (a
//! row may be up to 1 MB), and allocates each item on its own.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

use ::csv::ByteRecord;

/// The bytes of rows held in memory before a sorted segment is written out (the import's own budget is 64 MB;
/// SQLite's page cache takes 32 of it, and at 5M rows 16 MB here took the fresh import to 65.5 MB).
pub(super) const BUDGET: usize = 12 << 20;

/// What a merged segment is read through.
const SEGMENT_BUFFER: usize = 64 << 10;

/// Rows pushed in any order, given back grouped by search.
pub(super) struct Grouping {
    budget: usize,
    /// Rows, each encoded as [`encode`] writes it.
    arena: Vec<u8>,
    /// Each row of the arena with its key inline, in the order pushed, then sorted: worked out as the row is
    /// pushed, so that sorting and spilling read the arena only to copy rows out.
    rows: Vec<Sorted>,
    /// The distinct firms of the rows held, each with the number it was first given.
    firms: HashMap<Vec<u8>, u32>,
    /// The firm of the row pushed last, with its number: rows of one firm mostly follow each other.
    last_firm: (Vec<u8>, Option<u32>),
    segments: Vec<File>,
}

/// A row of the arena with the leading bytes of its key inline: sorting compares these and seldom reads the
/// arena, whose rows lie far apart in memory.
#[derive(Clone, Copy)]
struct Sorted {
    /// The rank of the row's firm among the firms of the arena, then the first 12 bytes of its search_ref
    /// (zero-padded): ordered as the key's bytes are, up to ties. Until the sort, the firm's number instead of
    /// its rank.
    head: u128,
    /// The search_ref's length, or [`LONG`] past 12 bytes: two refs of equal heads and at most 12 bytes are
    /// ordered by their lengths (the shorter is the other's prefix), so ties compare without reading the arena.
    len: u32,
    line: u64,
    start: u32,
    /// The encoded row's size in bytes.
    size: u32,
}

/// [`Sorted::len`] of a search_ref longer than the head holds.
const LONG: u32 = u32::MAX;

/// A row: `firm length, firm, search_ref length, search_ref, line, field count, (length, field)...`, lengths
/// as u32 and the line as u64, little-endian. The key leads, so rows compare without decoding their fields.
fn encode(out: &mut Vec<u8>, firm: &[u8], search_ref: &[u8], line: u64, record: &ByteRecord) {
    for part in [firm, search_ref] {
        out.extend_from_slice(&(part.len() as u32).to_le_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&line.to_le_bytes());
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    for field in record {
        out.extend_from_slice(&(field.len() as u32).to_le_bytes());
        out.extend_from_slice(field);
    }
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
}

/// A row's key: firm, search_ref and line, and where its fields start.
fn key(row: &[u8]) -> (&[u8], &[u8], u64, usize) {
    let firm_len = u32_at(row, 0);
    let firm = &row[4..4 + firm_len];
    let at = 4 + firm_len;
    let ref_len = u32_at(row, at);
    let search_ref = &row[at + 4..at + 4 + ref_len];
    let at = at + 4 + ref_len;
    let line = u64::from_le_bytes(row[at..at + 8].try_into().expect("8 bytes"));
    (firm, search_ref, line, at + 8)
}

/// Fills `record` with a row's fields; gives its line.
fn decode(row: &[u8], record: &mut ByteRecord) -> u64 {
    let (_, _, line, mut at) = key(row);
    let fields = u32_at(row, at);
    at += 4;
    record.clear();
    for _ in 0..fields {
        let len = u32_at(row, at);
        record.push_field(&row[at + 4..at + 4 + len]);
        at += 4 + len;
    }
    line
}

/// Trims ASCII white space, as the import trims values (a key that differs only in other white space leaves its
/// rows apart, and the import session merges them: slower, never wrong).
fn trimmed(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

impl Grouping {
    /// An empty grouping holding at most [`BUDGET`] bytes of rows in memory.
    pub(super) fn new() -> Grouping {
        Grouping::with_budget(BUDGET)
    }

    fn with_budget(budget: usize) -> Grouping {
        Grouping {
            budget,
            arena: Vec::new(),
            rows: Vec::new(),
            firms: HashMap::new(),
            last_firm: (Vec::new(), None),
            segments: Vec::new(),
        }
    }

    /// Adds a row with its line; `firm` and `search_ref` are its fields that name the search.
    pub(super) fn push(&mut self, firm: &[u8], search_ref: &[u8], line: u64, record: &ByteRecord) -> io::Result<()> {
        let size = 24 + firm.len() + search_ref.len() + record.as_slice().len() + 4 * record.len();
        if !self.rows.is_empty() && self.arena.len() + size > self.budget {
            self.spill()?;
        }
        let (firm, search_ref) = (trimmed(firm), trimmed(search_ref));
        let id = match &mut self.last_firm {
            (last, Some(id)) if last.as_slice() == firm => *id,
            (last, last_id) => {
                let next = self.firms.len() as u32;
                let id = match self.firms.get(firm) {
                    Some(id) => *id,
                    None => *self.firms.entry(firm.to_vec()).or_insert(next),
                };
                last.clear();
                last.extend_from_slice(firm);
                *last_id = Some(id);
                id
            }
        };
        let mut prefix = [0u8; 16];
        let n = search_ref.len().min(12);
        prefix[4..4 + n].copy_from_slice(&search_ref[..n]);
        let len = if search_ref.len() <= 12 { search_ref.len() as u32 } else { LONG };
        let start = self.arena.len();
        encode(&mut self.arena, firm, search_ref, line, record);
        let head = u128::from(id) << 96 | u128::from_be_bytes(prefix);
        self.rows.push(Sorted { head, len, line, start: start as u32, size: (self.arena.len() - start) as u32 });
        Ok(())
    }

    /// Sorts the rows held by key (firm, search_ref, line).
    fn sort(&mut self) {
        // Firms are few: their ranks in byte order stand for them in the inline heads.
        let mut firms: Vec<(&Vec<u8>, &u32)> = self.firms.iter().collect();
        firms.sort_unstable();
        let mut rank_of = vec![0u128; firms.len()];
        for (rank, (_, id)) in firms.iter().enumerate() {
            rank_of[**id as usize] = rank as u128;
        }
        const PREFIX: u128 = (1 << 96) - 1;
        for row in &mut self.rows {
            row.head = rank_of[(row.head >> 96) as usize] << 96 | (row.head & PREFIX);
        }
        let arena = &self.arena;
        self.rows.sort_unstable_by(|a, b| {
            a.head.cmp(&b.head).then_with(|| {
                let refs = if a.len != LONG && b.len != LONG {
                    a.len.cmp(&b.len)
                } else {
                    let (_, ar, _, _) = key(&arena[a.start as usize..]);
                    let (_, br, _, _) = key(&arena[b.start as usize..]);
                    ar.cmp(br)
                };
                refs.then(a.line.cmp(&b.line))
            })
        });
    }

    /// Writes the rows held, sorted, to a temporary file, each after its length.
    fn spill(&mut self) -> io::Result<()> {
        self.sort();
        let mut out = BufWriter::with_capacity(SEGMENT_BUFFER, tempfile::tempfile()?);
        for row in &self.rows {
            out.write_all(&row.size.to_le_bytes())?;
            out.write_all(&self.arena[row.start as usize..(row.start + row.size) as usize])?;
        }
        let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        self.segments.push(file);
        self.arena.clear();
        self.rows.clear();
        self.firms.clear();
        self.last_firm.1 = None;
        Ok(())
    }

    /// The rows in order of search and line.
    pub(super) fn finish(mut self) -> io::Result<Grouped> {
        if self.segments.is_empty() {
            self.sort();
            let starts: Vec<u32> = self.rows.iter().map(|row| row.start).collect();
            return Ok(Grouped::InMemory { arena: self.arena, starts: starts.into_iter() });
        }
        if !self.rows.is_empty() {
            self.spill()?;
        }
        // The arena is given back before the merge: the import's writes need the memory next.
        drop(std::mem::take(&mut self.arena));
        let mut heads = BinaryHeap::with_capacity(self.segments.len());
        let mut readers = Vec::with_capacity(self.segments.len());
        for (segment, file) in self.segments.into_iter().enumerate() {
            let mut reader = BufReader::with_capacity(SEGMENT_BUFFER, file);
            let mut head = Head { row: Vec::new(), segment, key: (0..0, 0..0, 0) };
            if head.read(&mut reader)? {
                heads.push(head);
            }
            readers.push(reader);
        }
        Ok(Grouped::Merged { readers, heads, spare: Vec::new() })
    }
}

/// Reads the next row of a segment into `row`; false at its end.
fn read_row(reader: &mut impl Read, row: &mut Vec<u8>) -> io::Result<bool> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    row.resize(u32::from_le_bytes(len) as usize, 0);
    reader.read_exact(row)?;
    Ok(true)
}

/// The row at the head of a segment, ordered for a min-heap.
pub(super) struct Head {
    row: Vec<u8>,
    segment: usize,
    /// Where the row's firm and search_ref lie in it, and its line: worked out once, compared many times.
    key: (std::ops::Range<usize>, std::ops::Range<usize>, u64),
}

impl Head {
    /// Reads the next row of a segment into this head; false at the segment's end.
    fn read(&mut self, reader: &mut impl Read) -> io::Result<bool> {
        if !read_row(reader, &mut self.row)? {
            return Ok(false);
        }
        let firm_len = u32_at(&self.row, 0);
        let ref_at = 4 + firm_len;
        let ref_len = u32_at(&self.row, ref_at);
        let (_, _, line, _) = key(&self.row);
        self.key = (4..ref_at, ref_at + 4..ref_at + 4 + ref_len, line);
        Ok(true)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        let ((af, ar, al), (bf, br, bl)) = (&other.key, &self.key);
        let (a, b) = (&other.row, &self.row);
        a[af.clone()].cmp(&b[bf.clone()]).then_with(|| a[ar.clone()].cmp(&b[br.clone()])).then(al.cmp(bl))
    }
}

/// The rows of a [`Grouping`], in order.
pub(super) enum Grouped {
    /// They fitted in memory.
    InMemory { arena: Vec<u8>, starts: std::vec::IntoIter<u32> },
    /// Sorted segments merged.
    Merged { readers: Vec<BufReader<File>>, heads: BinaryHeap<Head>, spare: Vec<u8> },
}

impl Grouped {
    /// Fills `record` with the next row's fields and gives its line; `None` after the last row.
    pub(super) fn next(&mut self, record: &mut ByteRecord) -> io::Result<Option<u64>> {
        match self {
            Grouped::InMemory { arena, starts } => {
                Ok(starts.next().map(|start| decode(&arena[start as usize..], record)))
            }
            Grouped::Merged { readers, heads, spare } => {
                let Some(mut head) = heads.pop() else { return Ok(None) };
                let line = decode(&head.row, record);
                // The row's buffer is kept for the segment's next row: no allocation per row.
                std::mem::swap(spare, &mut head.row);
                if head.read(&mut readers[head.segment])? {
                    heads.push(head);
                }
                Ok(Some(line))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    fn drain(mut grouped: Grouped) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        let mut r = ByteRecord::new();
        while let Some(line) = grouped.next(&mut r).unwrap() {
            out.push((line, r.iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect()));
        }
        out
    }

    fn group(rows: &[(&str, &str, u64)], budget: usize) -> Vec<(u64, Vec<String>)> {
        let mut g = Grouping::with_budget(budget);
        for (firm, search_ref, line) in rows {
            let fields = [*firm, *search_ref, "x", ""];
            g.push(firm.as_bytes(), search_ref.as_bytes(), *line, &record(&fields)).unwrap();
        }
        drain(g.finish().unwrap())
    }

    #[test]
    fn rows_come_back_by_firm_search_and_line_in_memory_or_spilled() {
        let rows = [("f", "s2", 2), ("f", "s1", 3), ("e", "s9", 4), ("f", "s2", 5), (" f", "s1 ", 6)];
        for budget in [1, 100, BUDGET] {
            let lines: Vec<u64> = group(&rows, budget).into_iter().map(|(line, _)| line).collect();
            assert_eq!(lines, [4, 3, 6, 2, 5], "budget {budget}");
        }
        let fields = &group(&rows, 1)[1].1;
        assert_eq!(fields, &["f", "s1", "x", ""], "the fields as read, untrimmed");
    }

    #[test]
    fn an_empty_grouping_gives_nothing() {
        assert!(group(&[], 1).is_empty());
    }

    proptest! {
        /// References of any bytes and length (NUL bytes, prefixes of one another, longer than the inline head)
        /// and firms in any number come back in byte order of (firm, search_ref), then line.
        #[test]
        fn any_keys_come_back_in_byte_order(
            rows in proptest::collection::vec(
                (proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(0xffu8)], 0..3),
                 proptest::collection::vec(prop_oneof![Just(0u8), Just(b'1'), Just(b'x'), Just(0xffu8)], 0..16)),
                0..150),
            budget in 1usize..3000,
        ) {
            let mut g = Grouping::with_budget(budget);
            let mut expected = Vec::new();
            for (line, (firm, search_ref)) in rows.iter().enumerate() {
                let fields = ByteRecord::from(vec![firm.clone(), search_ref.clone()]);
                g.push(firm, search_ref, line as u64, &fields).unwrap();
                expected.push((firm.clone(), search_ref.clone(), line as u64));
            }
            expected.sort();
            let mut grouped = g.finish().unwrap();
            let mut r = ByteRecord::new();
            let mut got = Vec::new();
            while let Some(line) = grouped.next(&mut r).unwrap() {
                got.push((r[0].to_vec(), r[1].to_vec(), line));
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn any_order_and_budget_gives_the_stable_sort(
            rows in proptest::collection::vec((0u8..4, 0u8..6, "[a-z,\" ]{0,12}"), 0..200),
            budget in 1usize..4000,
        ) {
            let mut g = Grouping::with_budget(budget);
            let mut expected = Vec::new();
            for (line, (firm, search, value)) in rows.iter().enumerate() {
                let (firm, search) = (format!("f{firm}"), format!("s{search}"));
                let fields = [firm.as_str(), search.as_str(), value.as_str()];
                g.push(firm.as_bytes(), search.as_bytes(), line as u64, &record(&fields)).unwrap();
                expected.push((firm, search, line as u64, value.clone()));
            }
            expected.sort();
            let got = drain(g.finish().unwrap());
            let want: Vec<(u64, Vec<String>)> =
                expected.into_iter().map(|(f, s, line, v)| (line, vec![f, s, v])).collect();
            prop_assert_eq!(got, want);
        }
    }
}
