//! Byte streams under the readers: what a file is (peeked from its first bytes), its SHA-256 computed as it is
//! read, and CRLF read as LF.

use std::io::{self, BufRead, Read};

use sha2::{Digest, Sha256};

use super::error::{At, InputError, InputErrors};
use super::{Encoding, Open};

/// What the first bytes of a file say it is.
pub(super) enum Peek {
    /// It could not be opened (the error is recorded).
    Unreadable,
    /// It holds nothing but a byte-order mark and white space (the error is recorded).
    Empty,
    /// JSON (named `.json`, or starting with `{`).
    Json,
    /// CSV.
    Csv,
}

/// Looks at the first bytes of a file.
pub(super) fn peek(input: &impl Open, errors: &mut InputErrors) -> Peek {
    let mut reader = match super::buffered(input) {
        Ok(reader) => reader,
        Err(e) => {
            errors.push(unreadable(input.name(), &e));
            return Peek::Unreadable;
        }
    };
    let mut first = None;
    let mut at_start = true;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) => {
                errors.push(unreadable(input.name(), &e));
                return Peek::Unreadable;
            }
        };
        if buf.is_empty() {
            break;
        }
        let mut skip = 0;
        if at_start && buf.starts_with(b"\xef\xbb\xbf") {
            skip = 3;
        }
        // Excel's "Unicode text" is UTF-16: read as either encoding, every other byte would be a NUL.
        if at_start && (buf.starts_with(b"\xff\xfe") || buf.starts_with(b"\xfe\xff")) {
            errors.push(InputError {
                file: input.name().to_string(),
                at: At::File,
                message: "the file is UTF-16 (its byte-order mark says so); save it as UTF-8 (in Excel: CSV UTF-8) \
                          and import it again"
                    .into(),
            });
            return Peek::Unreadable;
        }
        at_start = false;
        if let Some(b) = buf[skip..].iter().find(|b| !b.is_ascii_whitespace()) {
            first = Some(*b);
            break;
        }
        let len = buf.len();
        reader.consume(len);
    }
    match first {
        None => {
            errors.push(InputError {
                file: input.name().to_string(),
                at: At::File,
                message: "the file is empty (expected a header line, or a JSON object)".into(),
            });
            Peek::Empty
        }
        Some(b'{') => Peek::Json,
        Some(_) if input.name().to_lowercase().ends_with(".json") => Peek::Json,
        Some(_) => Peek::Csv,
    }
}

/// The encoding a file is read in. Windows-1252 is asked for the files older Excel saves, but one call may mix
/// them with UTF-8 files: a file that is valid UTF-8 throughout and starts with UTF-8's byte-order mark (how Excel
/// marks a UTF-8 file) or holds some non-ASCII text, is read as UTF-8 whatever was asked. (Windows-1252
/// text is valid UTF-8 only by accident: `Ã¸` for `ø`.) A file that cannot be read keeps the one asked (its error
/// comes from reading it).
pub(super) fn encoding_of(input: &impl Open, asked: Encoding) -> Encoding {
    if asked == Encoding::Utf8 {
        return asked;
    }
    match input.open().map(is_utf8_text) {
        Ok(true) => Encoding::Utf8,
        _ => asked,
    }
}

/// Whether a stream is valid UTF-8 and either starts with UTF-8's byte-order mark or holds a non-ASCII character.
/// (A byte-order mark before Windows-1252 bytes is a mistake of the program that saved it: the bytes decide.)
fn is_utf8_text(mut reader: impl Read) -> bool {
    let mut buffer = vec![0u8; 1 << 16];
    // Bytes of a character cut at the end of the last read, carried to the front of the next.
    let mut carried = 0;
    let mut first = true;
    let (mut non_ascii, mut bom) = (false, false);
    loop {
        let n = match reader.read(&mut buffer[carried..]) {
            Ok(0) => return carried == 0 && (non_ascii || bom),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        let filled = carried + n;
        bom |= std::mem::take(&mut first) && buffer[..filled].starts_with(b"\xef\xbb\xbf");
        let valid = match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => filled,
            // Cut in the middle of a character: the rest comes with the next read.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return false,
        };
        non_ascii |= !buffer[..valid].is_ascii();
        buffer.copy_within(valid..filled, 0);
        carried = filled - valid;
    }
}

/// The error for a file that cannot be read.
pub(super) fn unreadable(name: &str, error: &io::Error) -> InputError {
    InputError { file: name.to_string(), at: At::File, message: format!("the file cannot be read: {error}") }
}

/// A reader giving UTF-8: a leading byte-order mark skipped, Windows-1252 bytes decoded (JSON is read as text).
pub(super) struct Decoded<R> {
    inner: std::io::BufReader<R>,
    decoder: Option<encoding_rs::Decoder>,
    at_start: bool,
    /// The decoder was told the input ended: it may not be called again (encoding_rs panics), and every later
    /// read is the end (a JSON parser reads past the end more than once).
    finished: bool,
}

impl<R: Read> Decoded<R> {
    pub(super) fn new(inner: R, encoding: Encoding) -> Self {
        let decoder = match encoding {
            Encoding::Utf8 => None,
            Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling()),
        };
        Decoded { inner: std::io::BufReader::with_capacity(1 << 16, inner), decoder, at_start: true, finished: false }
    }

    /// The reader underneath.
    pub(super) fn into_inner(self) -> R {
        self.inner.into_inner()
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // A byte-order mark is skipped before Windows-1252 text too (see `is_utf8_text`).
        if std::mem::take(&mut self.at_start) {
            let first = self.inner.fill_buf()?;
            if first.starts_with(b"\xef\xbb\xbf") {
                self.inner.consume(3);
            }
        }
        let Some(decoder) = self.decoder.as_mut() else { return self.inner.read(buf) };
        if self.finished {
            return Ok(0);
        }
        loop {
            let raw = self.inner.fill_buf()?;
            let last = raw.is_empty();
            // A Windows-1252 byte takes at most 3 bytes of UTF-8.
            let room = buf.len() / 3;
            if room == 0 {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "a read buffer of fewer than 3 bytes"));
            }
            let take = raw.len().min(room);
            let (_, read, written, _) = decoder.decode_to_utf8(&raw[..take], buf, last);
            self.inner.consume(read);
            self.finished = last;
            if written > 0 || last {
                return Ok(written);
            }
        }
    }
}

/// The message for bytes that are not UTF-8.
pub(super) fn not_utf8(byte: u8) -> String {
    format!(
        "the field is not UTF-8 (byte 0x{byte:02X}); if the file was saved by older Excel, add --encoding windows-1252"
    )
}

/// A reader that hashes every byte read through it.
pub(super) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R> Hashing<R> {
    pub(super) fn new(inner: R) -> Self {
        Hashing { inner, hasher: Sha256::new() }
    }

    /// The hex SHA-256 of everything read.
    pub(super) fn finish(self) -> String {
        crate::digest::hex_digest(self.hasher.finalize().as_slice())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A reader that turns CRLF into LF, so that the CSV reader counts lines right (rust-csv#395: with CRLF its line
/// numbers run one behind). A lone CR is kept.
pub(super) struct CrlfToLf<R> {
    inner: R,
    held_cr: bool,
}

impl<R> CrlfToLf<R> {
    pub(super) fn new(inner: R) -> Self {
        CrlfToLf { inner, held_cr: false }
    }

    /// The reader underneath.
    pub(super) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let start = usize::from(self.held_cr);
            if self.held_cr {
                buf[0] = b'\r';
            }
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                // End of input: a held CR was alone.
                let held = std::mem::take(&mut self.held_cr);
                return Ok(usize::from(held));
            }
            let filled = start + n;
            // Most files have no CR at all: nothing to do then.
            if !self.held_cr && memchr::memchr(b'\r', &buf[..filled]).is_none() {
                return Ok(filled);
            }
            let mut out = 0;
            let mut i = 0;
            self.held_cr = false;
            while i < filled {
                let b = buf[i];
                if b == b'\r' {
                    if i + 1 == filled {
                        // A CR at the end of what was read: keep it back until the next byte is known.
                        self.held_cr = true;
                        i += 1;
                        continue;
                    }
                    if buf[i + 1] == b'\n' {
                        i += 1;
                        continue;
                    }
                }
                buf[out] = b;
                out += 1;
                i += 1;
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// A reader giving its bytes a few at a time, for tests of readers that must hold state across reads.
#[cfg(test)]
pub(super) struct Chunks<'a>(pub(super) &'a [u8], pub(super) usize);

#[cfg(test)]
impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(self.1).min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        CrlfToLf::new(Chunks(input, chunk)).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn crlf_becomes_lf_across_reads() {
        for chunk in 1..6 {
            assert_eq!(through(b"a\r\nb\r\n\r\nc\rd\r", chunk), b"a\nb\n\nc\rd\r", "chunk {chunk}");
        }
    }

    #[test]
    fn windows_1252_reads_past_the_end_give_the_end_again() {
        let mut decoded = Decoded::new(Chunks(b"1 \xf8", 2), Encoding::Windows1252);
        let mut text = String::new();
        decoded.read_to_string(&mut text).unwrap();
        assert_eq!(text, "1 ø");
        let mut more = [0u8; 8];
        assert_eq!((decoded.read(&mut more).unwrap(), decoded.read(&mut more).unwrap()), (0, 0));
    }

    #[test]
    fn utf8_text_is_told_from_windows_1252_across_reads() {
        for chunk in 1..6 {
            let utf8 = |bytes: &[u8]| is_utf8_text(Chunks(bytes, chunk));
            assert!(utf8("firm,name\nnordsoeg,Nordsøg Søgning\n".as_bytes()), "chunk {chunk}");
            assert!(utf8(b"\xef\xbb\xbffirm,name\n"), "a byte-order mark, chunk {chunk}");
            assert!(
                !utf8(b"\xef\xbb\xbffirm,name\nnordsoeg,Nords\xf8g\n"),
                "a mark before Windows-1252, chunk {chunk}"
            );
            assert!(!utf8(b"firm,name\nnordsoeg,Nords\xf8g\n"), "Windows-1252's ø, chunk {chunk}");
            assert!(!utf8(b"firm,name\nnordsoeg,Nordsoeg\n"), "ASCII alone keeps what was asked, chunk {chunk}");
            assert!(!utf8("Nordsø".as_bytes().split_last().unwrap().1), "a character cut at the end, chunk {chunk}");
        }
    }
}
