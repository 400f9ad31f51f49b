//! Bytes to UTF-8 text, in one streaming pass: BOM sniffing, UTF-16 transcoding, and the
//! SHA-256 of the raw file computed on the way through.

use ring::digest::{Context, SHA256};
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
    hasher: Option<Context>,
    bytes: u64,
}

impl Default for HashState {
    fn default() -> Self {
        HashState {
            hasher: Some(Context::new(&SHA256)),
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
        let hex = self
            .hasher
            .map(|h| hex(h.finish().as_ref()))
            .unwrap_or_default();
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
    fn odd_byte_count_does_not_panic() {
        let mut v = utf16("ab", false, true);
        v.push(0x41);
        let (_, s) = read_all(&v);
        assert_eq!(s, "ab\u{FFFD}");
    }
}
