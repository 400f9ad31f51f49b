//! Bytes to UTF-8 text, in one streaming pass: BOM sniffing, UTF-16 transcoding, and the
//! SHA-256 of the raw file computed on the way through.

use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader, Read};

/// The encoding a file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }
}

/// SHA-256 and size of the raw bytes of a file, fed by [`HashingReader`].
pub struct HashState {
    /// `None`: the size only.
    hasher: Option<Sha256>,
    bytes: u64,
}

impl Default for HashState {
    fn default() -> Self {
        HashState {
            hasher: Some(Sha256::default()),
            bytes: 0,
        }
    }
}

impl HashState {
    /// Counts the bytes without hashing them; [`HashState::finish`] returns an empty
    /// digest.
    pub fn without_digest() -> Self {
        HashState {
            hasher: None,
            bytes: 0,
        }
    }

    /// Hashes whatever is left in `rest` (so the hash covers the whole file) and returns
    /// (sha256 hex, size in bytes).
    pub fn finish<R: Read>(mut self, mut rest: R) -> io::Result<(String, u64)> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = rest.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if let Some(h) = &mut self.hasher {
                h.update(&buf[..n]);
            }
            self.bytes += n as u64;
        }
        let hex = self.hasher.map(|h| hex(&h.finalize())).unwrap_or_default();
        Ok((hex, self.bytes))
    }
}

/// `bytes` as lower-case hex, two digits a byte (the form of a digest in summary.json).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Wraps a reader and hashes every byte that passes through it.
pub struct HashingReader<'a, R> {
    inner: R,
    state: &'a mut HashState,
}

impl<'a, R: Read> HashingReader<'a, R> {
    pub fn new(inner: R, state: &'a mut HashState) -> Self {
        HashingReader { inner, state }
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.state.hasher {
            h.update(&buf[..n]);
        }
        self.state.bytes += n as u64;
        Ok(n)
    }
}

/// Physical line numbers for byte offsets of a stream, whatever the line endings (the csv
/// reader's own count is off after CRLF and inside quoted fields). `\n`, `\r\n` and a lone
/// `\r` each end a line, as they do for the csv reader and in an editor.
///
/// With [`LineIndex::track_quotes`] it also follows the csv reader's quoting rules, so that
/// a quoted field still open at the end of the stream (a truncated file, a stray quote that
/// swallowed the rest of the file) can be told apart from a field that was closed.
#[derive(Default, Clone)]
pub struct LineIndex {
    inner: std::rc::Rc<std::cell::RefCell<LineState>>,
}

#[derive(Default)]
struct LineState {
    /// Offsets of `\r` and `\n` bytes not yet passed by a query, and whether each ends a
    /// line (the `\r` of a CRLF does not; its `\n` does).
    pending: std::collections::VecDeque<(u64, bool)>,
    /// Line ends before the first pending byte.
    passed: u64,
    offset: u64,
    /// The last byte seen was a `\r` (its line end is decided by the next byte).
    after_cr: bool,
    /// The last byte seen ended a line.
    after_line_end: bool,
    quotes: Option<QuoteState>,
}

/// The csv reader's quoting state (RFC 4180, `""` as an escaped quote, no escape byte).
#[derive(Clone, Copy)]
struct QuoteState {
    delimiter: u8,
    at: Quoting,
    /// Offset of the quote that opened the current quoted field.
    opened: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    InField,
    InQuotes,
    /// A quote inside a quoted field: closes it, or starts `""`.
    QuoteInQuotes,
}

impl QuoteState {
    /// Crosses a non-empty run of bytes holding no quote and no line end, `last` its last.
    fn run(&mut self, last: u8) {
        self.at = match self.at {
            Quoting::InQuotes => Quoting::InQuotes,
            _ if last == self.delimiter => Quoting::FieldStart,
            _ => Quoting::InField,
        };
    }

    fn step(&mut self, offset: u64, b: u8) {
        let ends = b == self.delimiter || b == b'\n' || b == b'\r';
        self.at = match self.at {
            Quoting::FieldStart if b == b'"' => {
                self.opened = offset;
                Quoting::InQuotes
            }
            Quoting::FieldStart | Quoting::InField | Quoting::QuoteInQuotes if ends => {
                Quoting::FieldStart
            }
            Quoting::FieldStart | Quoting::InField => Quoting::InField,
            Quoting::InQuotes if b == b'"' => Quoting::QuoteInQuotes,
            Quoting::InQuotes => Quoting::InQuotes,
            Quoting::QuoteInQuotes if b == b'"' => Quoting::InQuotes,
            Quoting::QuoteInQuotes => Quoting::InField,
        };
    }
}

impl LineIndex {
    pub fn reader<R: Read>(&self, inner: R) -> LineCounting<R> {
        LineCounting {
            inner,
            index: self.clone(),
        }
    }

    /// Follows quoting with this delimiter from here on (call before any byte is read).
    pub fn track_quotes(&self, delimiter: u8) {
        self.inner.borrow_mut().quotes = Some(QuoteState {
            delimiter,
            at: Quoting::FieldStart,
            opened: 0,
        });
    }

    /// The offset of the quote that opened a quoted field still open after the last byte
    /// read so far: at the end of the stream, a field that was never closed.
    pub fn open_quote(&self) -> Option<u64> {
        let st = self.inner.borrow();
        st.quotes
            .filter(|q| q.at == Quoting::InQuotes)
            .map(|q| q.opened)
    }

    /// The 1-based line of the first byte at or after `offset` that is not a line-end
    /// byte: a record's position is where the previous one stopped, before the `\n` of its
    /// CRLF and any blank lines, which the csv reader skips. Offsets must not decrease.
    pub fn line_of(&self, offset: u64) -> u64 {
        let mut st = self.inner.borrow_mut();
        let mut at = offset;
        while let Some(&(p, ends)) = st.pending.front() {
            if p > at {
                break;
            }
            if p == at {
                at += 1;
            }
            st.pending.pop_front();
            st.passed += u64::from(ends);
        }
        st.passed + 1
    }

    /// The 1-based line of the byte at `offset` itself. Offsets must not decrease.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut st = self.inner.borrow_mut();
        while let Some(&(p, ends)) = st.pending.front() {
            if p >= offset {
                break;
            }
            st.pending.pop_front();
            st.passed += u64::from(ends);
        }
        st.passed + 1
    }

    /// The number of lines of everything read so far (a last line without an ending
    /// counts).
    pub fn lines_read(&self) -> u64 {
        let st = self.inner.borrow();
        let ends = st.passed + st.pending.iter().filter(|(_, e)| *e).count() as u64;
        ends + u64::from(!st.after_line_end && st.offset > 0)
    }
}

pub struct LineCounting<R> {
    inner: R,
    index: LineIndex,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut st = self.index.inner.borrow_mut();
        let st = &mut *st;
        let base = st.offset;
        let bytes = &buf[..n];
        // Only line ends and quotes change the state byte by byte; a run of other bytes
        // is crossed at once (memchr), its last byte deciding the quoting state.
        let mut from = 0;
        while from < n {
            let next = memchr::memchr3(b'\n', b'\r', b'"', &bytes[from..]).map(|i| from + i);
            let end = next.unwrap_or(n);
            if end > from {
                st.after_cr = false;
                st.after_line_end = false;
                if let Some(q) = st.quotes.as_mut() {
                    q.run(bytes[end - 1]);
                }
            }
            let Some(i) = next else { break };
            let (at, b) = (base + i as u64, bytes[i]);
            match b {
                b'\n' => {
                    if st.after_cr {
                        // The `\r` before it is half of a CRLF: one line end, here.
                        if let Some(last) = st.pending.back_mut() {
                            last.1 = false;
                        }
                    }
                    st.pending.push_back((at, true));
                }
                b'\r' => st.pending.push_back((at, true)),
                _ => {}
            }
            st.after_cr = b == b'\r';
            st.after_line_end = b == b'\r' || b == b'\n';
            if let Some(q) = st.quotes.as_mut() {
                q.step(at, b);
            }
            from = i + 1;
        }
        st.offset += n as u64;
        Ok(n)
    }
}

/// Detects the encoding from the first bytes: a BOM, or (without one) the NUL pattern of
/// UTF-16 text. Returns the encoding and how many BOM bytes to skip.
pub fn sniff(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (Encoding::Utf8Bom, 3);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, 2);
    }
    // UTF-16 without BOM: ASCII text has every other byte NUL.
    let pairs = head.len().min(256) / 2;
    if pairs >= 2 {
        let (mut le, mut be) = (0, 0);
        for p in head[..pairs * 2].chunks_exact(2) {
            if p[0] != 0 && p[1] == 0 {
                le += 1;
            } else if p[0] == 0 && p[1] != 0 {
                be += 1;
            }
        }
        if le * 10 >= pairs * 9 {
            return (Encoding::Utf16Le, 0);
        }
        if be * 10 >= pairs * 9 {
            return (Encoding::Utf16Be, 0);
        }
    }
    (Encoding::Utf8, 0)
}

/// Streams UTF-16 as UTF-8. Unpaired surrogates become U+FFFD.
pub struct Utf16ToUtf8<R> {
    inner: R,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    pending: Option<u8>,
    high: Option<u16>,
    done: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    pub fn new(inner: R, big_endian: bool) -> Self {
        Utf16ToUtf8 {
            inner,
            big_endian,
            out: Vec::new(),
            pos: 0,
            pending: None,
            high: None,
            done: false,
        }
    }

    fn push_char(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    fn push_unit(&mut self, u: u16) {
        match (self.high.take(), u) {
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + (((h as u32) - 0xD800) << 10) + (u as u32 - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            (prev, _) => {
                if prev.is_some() {
                    self.push_char('\u{FFFD}');
                }
                match u {
                    0xD800..=0xDBFF => self.high = Some(u),
                    0xDC00..=0xDFFF => self.push_char('\u{FFFD}'),
                    _ => self.push_char(char::from_u32(u as u32).unwrap_or('\u{FFFD}')),
                }
            }
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let mut buf = [0u8; 32 * 1024];
        while self.out.is_empty() && !self.done {
            let n = self.inner.read(&mut buf)?;
            if n == 0 {
                self.done = true;
                if self.pending.take().is_some() || self.high.take().is_some() {
                    self.push_char('\u{FFFD}');
                }
                break;
            }
            let mut bytes = &buf[..n];
            if let Some(first) = self.pending.take() {
                let u = self.unit(first, bytes[0]);
                self.push_unit(u);
                bytes = &bytes[1..];
            }
            let mut chunks = bytes.chunks_exact(2);
            for p in &mut chunks {
                let u = self.unit(p[0], p[1]);
                self.push_unit(u);
            }
            if let [last] = chunks.remainder() {
                self.pending = Some(*last);
            }
        }
        Ok(())
    }

    fn unit(&self, a: u8, b: u8) -> u16 {
        if self.big_endian {
            u16::from_be_bytes([a, b])
        } else {
            u16::from_le_bytes([a, b])
        }
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
        }
        let n = (self.out.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Opens a byte stream as UTF-8 text: the BOM is consumed, UTF-16 is transcoded.
pub fn decode<'a, R: Read + 'a>(inner: R) -> io::Result<(Encoding, Box<dyn BufRead + 'a>)> {
    let mut reader = BufReader::with_capacity(256 * 1024, inner);
    let head = reader.fill_buf()?.to_vec();
    let (enc, skip) = sniff(&head);
    reader.consume(skip);
    let out: Box<dyn BufRead + 'a> = match enc {
        Encoding::Utf8 | Encoding::Utf8Bom => Box::new(reader),
        Encoding::Utf16Le => Box::new(BufReader::with_capacity(
            256 * 1024,
            Utf16ToUtf8::new(reader, false),
        )),
        Encoding::Utf16Be => Box::new(BufReader::with_capacity(
            256 * 1024,
            Utf16ToUtf8::new(reader, true),
        )),
    };
    Ok((enc, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_covers_every_byte_and_can_be_skipped() {
        let data = b"Device ID,Device name\nabc,PC-1\n";
        for (mut state, digest) in [
            (
                HashState::default(),
                // `sha256sum` of the same bytes
                "41e3277d645a1ae3b8b05ce600c80a7103a8b856e0f34a4a605c80143d1c6c21",
            ),
            (HashState::without_digest(), ""),
        ] {
            let mut src = &data[..];
            let mut head = [0u8; 10];
            HashingReader::new(&mut src, &mut state)
                .read_exact(&mut head)
                .unwrap();
            // The rest is hashed by `finish`.
            let (hex, size) = state.finish(&mut src).unwrap();
            assert_eq!(size, data.len() as u64);
            assert_eq!(hex, digest);
        }
    }

    fn utf16(s: &str, be: bool, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if bom {
            v.extend_from_slice(if be { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
        }
        for u in s.encode_utf16() {
            v.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        v
    }

    fn read_all(bytes: &[u8]) -> (Encoding, String) {
        let (enc, mut r) = decode(bytes).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (enc, s)
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "Device Serial Number,Hardware Hash\r\nABC,éö😀\r\n";
        assert_eq!(
            read_all(&utf16(text, false, true)),
            (Encoding::Utf16Le, text.into())
        );
        assert_eq!(
            read_all(&utf16(text, true, true)),
            (Encoding::Utf16Be, text.into())
        );
        assert_eq!(
            read_all(&utf16(text, false, false)),
            (Encoding::Utf16Le, text.into())
        );
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let (enc, s) = read_all(b"\xEF\xBB\xBFa,b\n");
        assert_eq!((enc, s.as_str()), (Encoding::Utf8Bom, "a,b\n"));
    }

    #[test]
    fn line_ends_blank_lines_and_open_quotes() {
        let lines = LineIndex::default();
        lines.track_quotes(b',');
        // a0 \r1 \n2 b3 \n4 \n5 \r6 c7 \r8 "9 d10 \n11 e12
        let mut r = lines.reader(&b"a\r\nb\n\n\rc\r\"d\ne"[..]);
        r.read_to_end(&mut Vec::new()).unwrap();
        // Record positions as the csv reader gives them: where the previous record stopped.
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(2), 2, "after CRLF");
        assert_eq!(
            lines.line_of(5),
            5,
            "after a blank LF line and a blank lone-CR line"
        );
        assert_eq!(lines.line_of(9), 6, "after a lone CR");
        assert_eq!(lines.open_quote(), Some(9));
        assert_eq!(lines.line_at(9), 6);
        assert_eq!(lines.lines_read(), 7);

        let closed = LineIndex::default();
        closed.track_quotes(b';');
        let mut r = closed.reader(&b"x;\"a;\"\"b\"\"\r\n\";c\"d\"\n"[..]);
        r.read_to_end(&mut Vec::new()).unwrap();
        assert_eq!(closed.open_quote(), None);
        assert_eq!(closed.lines_read(), 2);
    }

    #[test]
    fn odd_byte_count_does_not_panic() {
        let mut v = utf16("ab", false, true);
        v.push(0x41);
        let (_, s) = read_all(&v);
        assert_eq!(s, "ab\u{FFFD}");
    }
}
