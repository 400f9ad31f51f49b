//! Delimited text to records: the csv crate's reading rules (RFC 4180 quoting, `""` as
//! an escaped quote, `\n`, `\r\n` or a lone `\r` ending a record, blank lines skipped,
//! rows of any width), with each record's physical line, in one pass.
//!
//! Most rows of a console export hold no quote. Such a row is found with one `memchr3`
//! (to its line end) and cut at its delimiters eight bytes at a time, its cells left in
//! place in the read buffer. A row with a quote goes byte by byte through the csv
//! reader's state machine, its cells unescaped into a buffer of their own. A property
//! test holds both to the csv crate, cell for cell, and to the line numbers an editor
//! shows.

use std::io::{self, Read};

/// Bytes read at a time (the buffer grows beyond it only for a longer record).
const STEP: usize = 1 << 20;

/// A quoted field still open at the end of the stream: the rest of the file is inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unclosed {
    /// 1-based line of the quote that opened it.
    pub opened: u64,
    /// The number of lines of the stream (its last line, where the field ends).
    pub last: u64,
}

/// One record: its cells are ranges of [`Record::bytes`].
#[derive(Debug)]
pub struct Record<'s> {
    bytes: &'s [u8],
    cells: &'s [(usize, usize)],
    /// 1-based physical line of the record's first byte.
    pub line: u64,
    /// Offset in the stream of the record's first byte.
    pub offset: u64,
    /// Set on the last record of a stream that ends inside a quoted field.
    pub unclosed: Option<Unclosed>,
}

impl<'s> Record<'s> {
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The bytes the cells are ranges of (every cell, and for a row without quotes the
    /// delimiters between them).
    pub fn bytes(&self) -> &'s [u8] {
        self.bytes
    }

    /// The byte ranges of the cells in [`Record::bytes`] (start, end).
    pub fn ranges(&self) -> &'s [(usize, usize)] {
        self.cells
    }

    pub fn get(&self, i: usize) -> Option<&'s [u8]> {
        self.cells.get(i).map(|&(a, b)| &self.bytes[a..b])
    }

    pub fn iter(&self) -> impl Iterator<Item = &'s [u8]> + '_ {
        let bytes = self.bytes;
        self.cells.iter().map(move |&(a, b)| &bytes[a..b])
    }
}

/// Reads records from a byte stream (already decoded to UTF-8 or ASCII-compatible).
pub struct Splitter<R> {
    inner: R,
    /// Read bytes are `buf[pos..end]`; the rest of `buf` is room to read into.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    delimiter: u8,
    /// Line ends (`\n`, `\r\n` or a lone `\r`) before `buf[pos]`.
    line_ends: u64,
    /// The byte before `buf[pos]` is a `\r` (a `\n` at `pos` completes its CRLF).
    after_cr: bool,
    /// The stream's last byte is a line end (for the line count of [`Unclosed`]).
    ends_with_line_end: bool,
    started: bool,
    cells: Vec<(usize, usize)>,
    /// Unescaped cells of a record with quotes.
    unescaped: Vec<u8>,
}

/// The csv reader's states within a record (its NFA, without comments or escapes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    InField,
    InQuotes,
    /// A quote inside a quoted field: closes it, or starts `""`.
    QuoteInQuotes,
}

impl<R: Read> Splitter<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Splitter {
            inner,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            delimiter,
            line_ends: 0,
            after_cr: false,
            ends_with_line_end: false,
            started: false,
            cells: Vec::new(),
            unescaped: Vec::new(),
        }
    }

    /// Moves the unread bytes to the front, makes room (growing the buffer when a record
    /// fills it) and reads once. Returns whether bytes came; `false` is the end of the
    /// stream. Positions relative to `pos` stay valid.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < STEP / 2 {
            let len = (self.buf.len() * 2).max(STEP);
            self.buf.resize(len, 0);
        }
        if self.read_more()? == 0 {
            self.eof = true;
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            // The csv reader drops a UTF-8 BOM that starts the stream (a file with two).
            while self.end < 3 && self.read_more()? > 0 {}
            if self.buf[..self.end].starts_with(b"\xef\xbb\xbf") {
                self.pos = 3;
            }
        }
        Ok(true)
    }

    /// One read into the room after `end`; returns the bytes read.
    fn read_more(&mut self) -> io::Result<usize> {
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n > 0 {
            self.ends_with_line_end = matches!(self.buf[self.end + n - 1], b'\n' | b'\r');
            self.end += n;
        }
        Ok(n)
    }

    /// The lines of the whole stream (call at its end): a last line without a line end
    /// counts.
    fn lines_read(&self) -> u64 {
        self.line_ends + u64::from(self.base + self.end as u64 > 0 && !self.ends_with_line_end)
    }

    /// The next record, or `None` at the end of the stream.
    pub fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        // Line ends between records (and blank lines) are skipped, and counted.
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b'\n' => self.line_ends += u64::from(!self.after_cr),
                    b'\r' => self.line_ends += 1,
                    _ => break,
                }
                self.after_cr = self.buf[self.pos] == b'\r';
                self.pos += 1;
            }
            if self.pos < self.end {
                break;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
        self.after_cr = false;
        let line = self.line_ends + 1;
        // A record without quotes ends at the first line end.
        let mut from = self.pos;
        let stop = loop {
            match memchr::memchr3(b'\n', b'\r', b'"', &self.buf[from..self.end]) {
                Some(i) if self.buf[from + i] == b'"' => return self.quoted_record(line),
                Some(i) => break from + i,
                None => {
                    let seen = from - self.pos;
                    if !self.fill()? {
                        break self.end;
                    }
                    from = self.pos + seen;
                }
            }
        };
        let start = self.pos;
        split(&self.buf[start..stop], self.delimiter, &mut self.cells);
        self.pos = stop;
        Ok(Some(Record {
            bytes: &self.buf[start..stop],
            cells: &self.cells,
            line,
            offset: self.base + start as u64,
            unclosed: None,
        }))
    }

    /// A record with a quote, from `pos`: the csv reader's state machine, byte by byte.
    fn quoted_record(&mut self, line: u64) -> io::Result<Option<Record<'_>>> {
        let start = self.pos;
        let offset = self.base + start as u64;
        self.cells.clear();
        self.unescaped.clear();
        let mut state = State::StartField;
        let mut field_start = 0;
        let mut opened_line = line;
        let mut at = 0; // relative to `pos`, which `fill` may move
        let d = self.delimiter;
        loop {
            if self.pos + at == self.end && !self.fill()? {
                break;
            }
            // Inside quotes, or inside a field that did not start with one, the bytes up to
            // the next that can change the state are copied at once (a PowerShell export
            // quotes every field).
            let stops = match state {
                State::InQuotes => Some((b'"', b'\n', b'\r')),
                State::InField => Some((d, b'\n', b'\r')),
                State::StartField | State::QuoteInQuotes => None,
            };
            if let Some((x, y, z)) = stops {
                let here = self.pos + at;
                let run =
                    memchr::memchr3(x, y, z, &self.buf[here..self.end]).unwrap_or(self.end - here);
                if run > 0 {
                    self.unescaped
                        .extend_from_slice(&self.buf[here..here + run]);
                    self.after_cr = false;
                    at += run;
                    continue;
                }
            }
            let b = self.buf[self.pos + at];
            let is_end = b == b'\n' || b == b'\r';
            // Line ends inside quotes are lines of the file all the same.
            if state == State::InQuotes && is_end {
                self.line_ends += u64::from(!(b == b'\n' && self.after_cr));
                self.after_cr = b == b'\r';
                self.unescaped.push(b);
                at += 1;
                continue;
            }
            self.after_cr = false;
            match state {
                State::StartField | State::InField | State::QuoteInQuotes if is_end => break,
                State::StartField | State::InField | State::QuoteInQuotes if b == d => {
                    self.cells.push((field_start, self.unescaped.len()));
                    field_start = self.unescaped.len();
                    state = State::StartField;
                }
                State::StartField if b == b'"' => {
                    opened_line = self.line_ends + 1;
                    state = State::InQuotes;
                }
                State::InQuotes if b == b'"' => state = State::QuoteInQuotes,
                State::QuoteInQuotes if b == b'"' => {
                    self.unescaped.push(b'"');
                    state = State::InQuotes;
                }
                State::InQuotes => self.unescaped.push(b),
                State::StartField | State::InField | State::QuoteInQuotes => {
                    self.unescaped.push(b);
                    state = State::InField;
                }
            }
            at += 1;
        }
        self.cells.push((field_start, self.unescaped.len()));
        self.pos += at;
        let unclosed = (state == State::InQuotes).then(|| Unclosed {
            opened: opened_line,
            last: self.lines_read(),
        });
        Ok(Some(Record {
            bytes: &self.unescaped,
            cells: &self.cells,
            line,
            offset,
            unclosed,
        }))
    }
}

/// The cells of a row without quotes: cut at every `delimiter`, eight bytes at a time.
fn split(row: &[u8], delimiter: u8, cells: &mut Vec<(usize, usize)>) {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from(delimiter) * 0x0101_0101_0101_0101;
    cells.clear();
    let mut start = 0;
    let mut words = row.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes) ^ pattern;
        // The high bit of each byte of x that is zero (a delimiter), exactly: no carry
        // crosses a byte since the low seven bits are added alone.
        let mut hits = !(((x & LOW).wrapping_add(LOW)) | x | LOW);
        while hits != 0 {
            let i = at + (hits.trailing_zeros() / 8) as usize;
            cells.push((start, i));
            start = i + 1;
            hits &= hits - 1;
        }
        at += 8;
    }
    for (j, &b) in words.remainder().iter().enumerate() {
        if b == delimiter {
            cells.push((start, at + j));
            start = at + j + 1;
        }
    }
    cells.push((start, row.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A record as (line, cells).
    type Row = (u64, Vec<Vec<u8>>);

    /// Reads every record, and the unclosed quote of the last.
    fn records(data: &[u8], delimiter: u8) -> (Vec<Row>, Option<Unclosed>) {
        let mut s = Splitter::new(data, delimiter);
        let mut out = Vec::new();
        let mut unclosed = None;
        while let Some(r) = s.next_record().expect("read") {
            out.push((r.line, r.iter().map(<[u8]>::to_vec).collect()));
            unclosed = r.unclosed;
        }
        (out, unclosed)
    }

    /// The csv crate's records, as `analyze` read them before this module.
    fn csv_records(data: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).expect("csv") {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Lines as an editor counts them: the 1-based line of byte `at`.
    fn line_at(data: &[u8], at: usize) -> u64 {
        let mut line = 1;
        let mut i = 0;
        while i < at {
            match data[i] {
                b'\r' if data.get(i + 1) == Some(&b'\n') && i + 1 < at => {
                    line += 1;
                    i += 1;
                }
                b'\r' | b'\n' => line += 1,
                _ => {}
            }
            i += 1;
        }
        line
    }

    fn cells(r: &[&str]) -> Vec<Vec<u8>> {
        r.iter().map(|c| c.as_bytes().to_vec()).collect()
    }

    #[test]
    fn rows_quotes_blank_lines_and_line_ends() {
        let data = b"a,b,c\r\n\r\n1,\"x,\"\"y\"\"\",3\n\"multi\nline\",,\rlast,\"q\"r,s\"t";
        let (recs, unclosed) = records(data, b',');
        assert_eq!(
            recs,
            vec![
                (1, cells(&["a", "b", "c"])),
                (3, cells(&["1", "x,\"y\"", "3"])),
                (4, cells(&["multi\nline", "", ""])),
                (6, cells(&["last", "qr", "s\"t"])),
            ]
        );
        assert_eq!(unclosed, None);
        assert_eq!(
            csv_records(data, b','),
            recs.into_iter().map(|r| r.1).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_quote_open_at_the_end_takes_the_rest_of_the_file() {
        let data = b"h1;h2\nok;fine\nbad;\"never\nclosed\n";
        let (recs, unclosed) = records(data, b';');
        assert_eq!(recs[2], (3, cells(&["bad", "never\nclosed\n"])));
        assert_eq!(unclosed, Some(Unclosed { opened: 3, last: 4 }));
        // Without a final line end the last line still counts.
        let (_, unclosed) = records(b"a\n\"b\nc", b',');
        assert_eq!(unclosed, Some(Unclosed { opened: 2, last: 3 }));
    }

    #[test]
    fn lines_after_crlf_blank_lines_and_lone_crs() {
        // a0 \r1 \n2 b3 \n4 \n5 \r6 c7 \r8 "9 d10 \n11 e12
        let (recs, unclosed) = records(b"a\r\nb\n\n\rc\r\"d\ne", b',');
        let lines: Vec<u64> = recs.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 5, 6]);
        assert_eq!(recs[3].1, cells(&["d\ne"]));
        assert_eq!(unclosed, Some(Unclosed { opened: 6, last: 7 }));
        // A quoted field over a CRLF: one record, closed.
        let (recs, unclosed) = records(b"x;\"a;\"\"b\"\"\r\n\";c\"d\"\n", b';');
        assert_eq!(recs, vec![(1, cells(&["x", "a;\"b\"\r\n", "c\"d\""]))]);
        assert_eq!(unclosed, None);
    }

    #[test]
    fn a_record_longer_than_the_buffer_and_a_bom() {
        let long = "x".repeat(3 * STEP);
        let data = format!("\u{feff}a,{long}\n\"{long}\",b\n");
        let (recs, _) = records(data.as_bytes(), b',');
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].1, cells(&["a", &long]));
        assert_eq!(recs[1], (2, cells(&[&long, "b"])));
    }

    #[test]
    fn split_finds_every_delimiter() {
        let mut cells = Vec::new();
        for row in [
            "",
            ",",
            "a,,b",
            "abcdefgh,ijklmnop,",
            "\t,x,\u{e9},\u{ff}\u{2c}",
        ] {
            split(row.as_bytes(), b',', &mut cells);
            let got: Vec<&str> = cells.iter().map(|&(a, b)| &row[a..b]).collect();
            assert_eq!(got, row.split(',').collect::<Vec<_>>(), "{row:?}");
        }
    }

    /// A PowerShell-style export, every field quoted, with delimiters, quotes and line ends
    /// inside fields: read in whole and through one-to-seven-byte reads, the csv crate's
    /// records at the lines an editor shows.
    #[test]
    fn every_field_quoted() {
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for i in 0..500 {
            let long = "x".repeat(i * 7 % 300);
            w.write_record([
                format!("{i}"),
                format!("name, \"{i}\""),
                format!("line\r\nbreak {long}"),
                String::new(),
                long.clone(),
            ])
            .expect("write");
        }
        let data = w.into_inner().expect("csv");
        let want = csv_records(&data, b',');
        let mut s = Splitter::new(&data[..], b',');
        let mut got = Vec::new();
        while let Some(r) = s.next_record().expect("read") {
            let first = usize::try_from(r.offset).expect("offset");
            assert_eq!(r.line, line_at(&data, first));
            got.push(r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
        }
        assert_eq!(got, want);
        assert_eq!(got.len(), 500);
        let mut s = Splitter::new(Trickle(&data, 0), b',');
        let mut trickled = Vec::new();
        while let Some(r) = s.next_record().expect("read") {
            trickled.push(r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
        }
        assert_eq!(trickled, want);
    }

    /// Reads through a reader that gives one to seven bytes at a time, so records cross
    /// every refill boundary.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Cell for cell what the csv crate reads, each record at the line of its first
        /// byte, whatever the reads' sizes; an unclosed quote exactly when the csv
        /// reader's quoting is open at the end.
        #[test]
        fn reads_what_the_csv_crate_reads(
            data in proptest::collection::vec(
                prop_oneof![
                    Just(b'a'), Just(b','), Just(b';'), Just(b'"'), Just(b'\n'), Just(b'\r'),
                    Just(b' '), Just(0xc3), Just(0xa9),
                ],
                0..60,
            ),
            semicolon in any::<bool>(),
        ) {
            let d = if semicolon { b';' } else { b',' };
            let mut s = Splitter::new(Trickle(&data, 0), d);
            let mut got = Vec::new();
            let mut last_unclosed = None;
            while let Some(r) = s.next_record().expect("read") {
                let first = usize::try_from(r.offset).expect("offset");
                prop_assert!(!matches!(data[first], b'\r' | b'\n'));
                prop_assert_eq!(r.line, line_at(&data, first));
                got.push(r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
                prop_assert!(last_unclosed.is_none(), "only the last record is unclosed");
                last_unclosed = r.unclosed;
            }
            prop_assert_eq!(&got, &csv_records(&data, d));
            let (whole, unclosed) = records(&data, d);
            prop_assert_eq!(whole.into_iter().map(|r| r.1).collect::<Vec<_>>(), got);
            prop_assert_eq!(unclosed, last_unclosed);
            if let Some(u) = unclosed {
                prop_assert_eq!(u.last, line_at(&data, data.len()) - u64::from(data.last().is_some_and(|b| matches!(b, b'\n' | b'\r'))));
                let quote = data.iter().rposition(|&b| b == b'"').expect("a quote");
                prop_assert!(u.opened <= line_at(&data, quote));
            }
        }
    }
}
