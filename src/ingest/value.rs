//! Cell-level parsers shared by every reader (inputs.md section 5): empty values, booleans,
//! GUIDs, serial numbers and timestamps. Parsers never fail loudly: they return `None` for
//! "no value" and a [`Bad`] marker where a value was present but unreadable, so the caller can
//! count a cell warning.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A timestamp in microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// A record's timestamp or none, in 8 bytes where an `Option<Micros>` takes 16: the
/// records hold one to three each, and at 1M devices they are about 50 MB smaller (fewer
/// pages to fault in, less to move when they are put in device order). `i64::MIN`, before
/// any date the parsers give, stands for none.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp(i64);

impl Stamp {
    pub const NONE: Stamp = Stamp(i64::MIN);

    /// The timestamp, if there is one.
    #[inline]
    pub fn get(self) -> Option<Micros> {
        (self.0 != i64::MIN).then_some(self.0)
    }
}

impl Default for Stamp {
    fn default() -> Stamp {
        Stamp::NONE
    }
}

impl From<Option<Micros>> for Stamp {
    /// `Some(i64::MIN)`, which no parser gives, is kept as the microsecond after it.
    #[inline]
    fn from(v: Option<Micros>) -> Stamp {
        match v {
            Some(m) => Stamp(m.max(i64::MIN + 1)),
            None => Stamp::NONE,
        }
    }
}

impl std::fmt::Debug for Stamp {
    /// As the `Option<Micros>` it stands for.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// Returned when a non-empty cell could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bad;

/// Trims a cell and maps the spellings of "no value" (empty, `NULL` in any case) to `None`.
pub fn clean(cell: Option<&str>) -> Option<&str> {
    let cell = cell?;
    let b = cell.as_bytes();
    if b.is_empty() {
        return None;
    }
    // Most cells start and end with a printable ASCII byte: nothing to trim.
    let plain = matches!((b.first(), b.last()), (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic());
    let s = if plain {
        cell
    } else {
        cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
    };
    if s.is_empty() || s.eq_ignore_ascii_case("null") {
        None
    } else {
        Some(s)
    }
}

/// Whether `hay` contains `needle` (lower-case ASCII) in any ASCII case, without
/// allocating.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    let Some(last_start) = h.len().checked_sub(n.len()) else {
        return false;
    };
    // Compared only where the needle's first byte is, in either case.
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &h[..=last_start],
    )
    .any(|i| h[i + 1..i + n.len()].eq_ignore_ascii_case(rest))
}

/// Whether `hay` starts with `prefix` (lower-case ASCII) in any ASCII case.
pub fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    hay.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Calls `f` with `s` trimmed and ASCII lower-cased: on the stack when short, so that
/// matching a cell against fixed spellings does not allocate.
pub fn with_lower<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let t = s.trim();
    let mut buf = [0u8; 64];
    if let Some(b) = buf.get_mut(..t.len()) {
        b.copy_from_slice(t.as_bytes());
        b.make_ascii_lowercase();
        if let Ok(l) = std::str::from_utf8(b) {
            return f(l);
        }
    }
    f(&t.to_ascii_lowercase())
}

/// `True/False`, `Yes/No`, `1/0`, any case.
pub fn parse_bool(s: &str) -> Result<bool, Bad> {
    let t = s.trim();
    let is = |w: &str| t.eq_ignore_ascii_case(w);
    // One comparison at most, by length.
    match t.len() {
        1 if t == "1" => Ok(true),
        1 if t == "0" => Ok(false),
        2 if t == "-1" => Ok(true),
        2 if is("no") => Ok(false),
        3 if is("yes") => Ok(true),
        4 if is("true") => Ok(true),
        5 if is("false") => Ok(false),
        _ => Err(Bad),
    }
}

/// A text cell of a record: up to 24 bytes are held inline (names, serials, OS versions,
/// enum spellings), longer ones on the heap.
pub type Text = compact_str::CompactString;

/// Text a record shares with the classified device made from it (a user principal name):
/// one heap copy for both. Not interned across records: a user's texts repeat, but a
/// lookup in a table of every user costs cache misses on each row (see BENCHMARKS.md).
pub type Shared = std::sync::Arc<str>;

/// A GUID as a 128-bit big-endian number in 16 bytes: compact (byte-aligned, so an
/// `Option<Guid>` in a record is 17 bytes, not 32), cheap to hash and compare, and ordered
/// like its lower-case text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guid([u8; 16]);

impl Ord for Guid {
    /// The order of the bytes, compared as one number (not a `memcmp` call).
    fn cmp(&self, other: &Guid) -> std::cmp::Ordering {
        self.to_u128().cmp(&other.to_u128())
    }
}

impl PartialOrd for Guid {
    fn partial_cmp(&self, other: &Guid) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Guid {
    pub fn from_u128(v: u128) -> Guid {
        Guid(v.to_be_bytes())
    }

    pub fn to_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// The lower-case hyphenated form, written into `buf`.
    pub fn format(self, buf: &mut [u8; 36]) -> &str {
        self.format_bytes(buf);
        std::str::from_utf8(buf).unwrap_or_default()
    }

    /// [`Guid::format`] without the UTF-8 check of the result, for byte writers.
    pub fn format_bytes(self, buf: &mut [u8; 36]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Where each byte's two digits go: the hyphens sit at 8, 13, 18 and 23.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        for (&b, &at) in self.0.iter().zip(&AT) {
            buf[at] = HEX[usize::from(b >> 4)];
            buf[at + 1] = HEX[usize::from(b & 0xf)];
        }
        for at in [8, 13, 18, 23] {
            buf[at] = b'-';
        }
    }

    pub fn is_zero(self) -> bool {
        self.0 == [0; 16]
    }
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.format(&mut [0; 36]))
    }
}

/// An id kept as written: in 16 bytes when it is a GUID in the canonical form
/// (lower-case, hyphenated, no braces: Graph's and the consoles' ids), as text otherwise.
/// It reads, orders and prints exactly like the text it was made from, without a heap
/// string for the common case.
///
/// Invariant: `Id::Text` never holds a canonical GUID's text (the derived `Eq` and `Hash`
/// rely on it): build ids with [`Id::new`] (or from a parsed GUID), not `Id::Text(..)`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Id {
    Guid(Guid),
    Text(Text),
}

impl Id {
    pub fn new(s: &str) -> Id {
        match parse_guid(s) {
            Ok(g) if g.format(&mut [0; 36]) == s => Id::Guid(g),
            _ => Id::Text(Text::from(s)),
        }
    }

    /// The text, formatted into `buf` when the id is held as a GUID.
    pub fn as_str<'a>(&'a self, buf: &'a mut [u8; 36]) -> &'a str {
        match self {
            Id::Guid(g) => g.format(buf),
            Id::Text(t) => t.as_str(),
        }
    }

    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        self.as_str(&mut [0; 36]).eq_ignore_ascii_case(other)
    }

    pub fn to_text(&self) -> Text {
        Text::from(self.as_str(&mut [0; 36]))
    }
}

impl Default for Id {
    fn default() -> Id {
        Id::Text(Text::default())
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Id {
        Id::new(s)
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        match self {
            Id::Text(t) => t == other,
            // Only a canonical GUID's text can equal it: 36 bytes.
            Id::Guid(g) => other.len() == 36 && g.format(&mut [0; 36]) == other,
        }
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Id {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Id) -> std::cmp::Ordering {
        match (self, other) {
            // A GUID's bytes order like its lower-case text.
            (Id::Guid(a), Id::Guid(b)) => a.cmp(b),
            (Id::Text(a), Id::Text(b)) => a.as_str().cmp(b.as_str()),
            _ => self.as_str(&mut [0; 36]).cmp(other.as_str(&mut [0; 36])),
        }
    }
}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Id) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str(&mut [0; 36]))
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(&mut [0; 36]), f)
    }
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, with or without braces, any case.
pub fn parse_guid(s: &str) -> Result<Guid, Bad> {
    // Trimming and braces can only shorten a cell: one of 36 bytes is parsed as it is.
    let b = if s.len() == 36 {
        s.as_bytes()
    } else {
        let t = s.trim();
        t.strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t)
            .as_bytes()
    };
    let b: &[u8; 36] = b.try_into().map_err(|_| Bad)?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return Err(Bad);
    }
    // Each byte from two digits looked up in a table; a byte that is no hex digit looks
    // up as 0xFF, and one check at the end finds any.
    let mut out = [0u8; 16];
    let mut bad = 0u8;
    for (k, o) in out.iter_mut().enumerate() {
        let hi = HEX_DIGIT[b[GUID_DIGITS[2 * k]] as usize];
        let lo = HEX_DIGIT[b[GUID_DIGITS[2 * k + 1]] as usize];
        bad |= hi | lo;
        *o = (hi << 4) | lo;
    }
    if bad > 15 {
        return Err(Bad);
    }
    Ok(Guid(out))
}

/// The places of a GUID's 32 hex digits in its 36-byte text.
const GUID_DIGITS: [usize; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29,
    30, 31, 32, 33, 34, 35,
];

/// The value of each byte as a hex digit (any case), 0xFF for any other byte.
const HEX_DIGIT: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// A GUID-typed link cell: `Ok(None)` for the all-zero GUID ("none").
pub fn parse_link_guid(s: &str) -> Result<Option<Guid>, Bad> {
    parse_guid(s).map(|g| if g.is_zero() { None } else { Some(g) })
}

/// Serial numbers the firmware vendors leave in place of a real one.
const PLACEHOLDER_SERIALS: &[&str] = &[
    "to be filled by o.e.m.",
    "default string",
    "system serial number",
    "not specified",
    "none",
    "n/a",
    "0",
    "123456789",
    "0123456789",
];

/// Trims a serial and maps placeholders to `None`; leading zeros are kept.
pub fn clean_serial(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.is_empty()
        || PLACEHOLDER_SERIALS
            .iter()
            .any(|p| t.eq_ignore_ascii_case(p))
    {
        None
    } else {
        Some(t)
    }
}

/// `s` in lower case (Unicode), borrowed when it already is.
pub fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// The form serials are compared in: white space removed, upper-cased.
pub fn serial_key(s: &str) -> std::borrow::Cow<'_, str> {
    let plain = s
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_whitespace() && !b.is_ascii_lowercase());
    if plain {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

/// Day/month order for slash dates (`--date-order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    Mdy,
    Dmy,
}

/// The outcome of parsing one date cell before the per-column order is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCell {
    /// Unambiguous (ISO, `D.M.YYYY`), or a sentinel mapped to `None`.
    Known(Option<Micros>),
    /// `a/b/YYYY ...`: which of `a` and `b` is the day is decided per column.
    Slash(SlashDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlashDate {
    pub a: u32,
    pub b: u32,
    pub year: i32,
    /// Microseconds since midnight.
    pub time: i64,
}

impl SlashDate {
    pub fn resolve(self, order: DateOrder) -> Option<Micros> {
        let (m, d) = match order {
            DateOrder::Mdy => (self.a, self.b),
            DateOrder::Dmy => (self.b, self.a),
        };
        let date = NaiveDate::from_ymd_opt(self.year, m, d)?;
        Some(to_micros(date.and_time(NaiveTime::MIN)) + self.time)
    }
}

fn to_micros(dt: NaiveDateTime) -> Micros {
    dt.and_utc().timestamp_micros()
}

/// Parses every date form of inputs.md section 5. `Pending` and the `0001-01-01` /
/// `9999-12-31` sentinels mean "none".
pub fn parse_date(s: &str) -> Result<DateCell, Bad> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("pending") {
        return Ok(DateCell::Known(None));
    }
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        // Four digits: a signed year (`-123-01-01`) is no date, not a sentinel.
        let year: i32 = digits(&s[..4], 4)? as i32;
        if year <= 1 || year >= 9999 {
            return Ok(DateCell::Known(None));
        }
        return parse_iso(s).map(|v| DateCell::Known(Some(v)));
    }
    // D.M.YYYY or a/b/YYYY, optionally followed by a time.
    let (date_part, time_part) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let sep = if date_part.contains('/') {
        '/'
    } else if date_part.contains('.') {
        '.'
    } else {
        return Err(Bad);
    };
    let mut it = date_part.split(sep);
    let (Some(x), Some(y), Some(z), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(Bad);
    };
    let a: u32 = x.parse().map_err(|_| Bad)?;
    let b2: u32 = y.parse().map_err(|_| Bad)?;
    if z.len() != 4 {
        return Err(Bad);
    }
    let year: i32 = z.parse().map_err(|_| Bad)?;
    let time = if time_part.is_empty() {
        0
    } else {
        parse_clock(time_part)?
    };
    if year <= 1 || year >= 9999 {
        return Ok(DateCell::Known(None));
    }
    // Both fields above 12 (`31/31/2026`) is no date in either order: a bad cell, and it
    // takes no part in deciding the column's order.
    if a == 0 || b2 == 0 || a > 31 || b2 > 31 || (a > 12 && b2 > 12) {
        return Err(Bad);
    }
    if sep == '.' {
        let date = NaiveDate::from_ymd_opt(year, b2, a).ok_or(Bad)?;
        return Ok(DateCell::Known(Some(
            to_micros(date.and_time(NaiveTime::MIN)) + time,
        )));
    }
    Ok(DateCell::Slash(SlashDate {
        a,
        b: b2,
        year,
        time,
    }))
}

/// `h:mm[:ss[.fff]] [AM|PM]` to microseconds since midnight.
fn parse_clock(s: &str) -> Result<i64, Bad> {
    let upper = s.trim().to_ascii_uppercase();
    let (clock, ampm) = if let Some(c) = upper.strip_suffix("AM") {
        (c.trim(), Some(false))
    } else if let Some(c) = upper.strip_suffix("PM") {
        (c.trim(), Some(true))
    } else {
        (upper.as_str(), None)
    };
    let mut parts = clock.split(':');
    let h = digits(parts.next().ok_or(Bad)?, 2)?;
    let m = digits(parts.next().ok_or(Bad)?, 2)?;
    let (sec, frac) = match parts.next() {
        Some(sp) => split_seconds(sp)?,
        None => (0, 0),
    };
    if parts.next().is_some() || m > 59 || sec > 60 {
        return Err(Bad);
    }
    let h = match ampm {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return Err(Bad);
            }
            (h % 12) + if pm { 12 } else { 0 }
        }
        None if h > 23 => return Err(Bad),
        None => h,
    };
    Ok(((h * 60 + m) * 60 + sec) * 1_000_000 + frac)
}

/// One to `max` ASCII digits (no sign, no spaces): hours, minutes, years.
fn digits(s: &str, max: usize) -> Result<i64, Bad> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad);
    }
    s.parse().map_err(|_| Bad)
}

/// `ss[.fffffffff]` to (seconds, microseconds).
fn split_seconds(s: &str) -> Result<(i64, i64), Bad> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || whole.len() > 2 || !whole.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad);
    }
    if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad);
    }
    let sec: i64 = whole.parse().map_err(|_| Bad)?;
    let mut us: i64 = 0;
    for (i, c) in frac.bytes().take(6).enumerate() {
        us += (c - b'0') as i64 * 10_i64.pow(5 - i as u32);
    }
    Ok((sec, us))
}

/// ISO-8601 with `T` or space, 0-9 fraction digits, `Z`, an offset or none (UTC).
fn parse_iso(s: &str) -> Result<Micros, Bad> {
    let head = s.get(..10).ok_or(Bad)?;
    let b = head.as_bytes();
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    let date = match (num(0..4), num(5..7), num(8..10)) {
        // The common case without chrono's format interpreter.
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(Bad)?,
        _ => NaiveDate::parse_from_str(head, "%Y-%m-%d").map_err(|_| Bad)?,
    };
    let rest = &s[10..];
    if rest.is_empty() {
        return Ok(to_micros(date.and_time(NaiveTime::MIN)));
    }
    if let Some(clock) = fixed_clock(rest.as_bytes()) {
        return Ok(to_micros(date.and_time(NaiveTime::MIN)) + clock);
    }
    iso_clock(date, rest)
}

/// The time of day, in microseconds, of the forms the consoles write after an ISO date:
/// `THH:MM:SS`, a space for the `T`, then an optional fraction of 1-9 digits and an
/// optional `Z`. Read at fixed places; `None` for every other form (an offset, one-digit
/// hours, spaces, an out-of-range field), which [`iso_clock`] reads or rejects.
fn fixed_clock(rest: &[u8]) -> Option<i64> {
    let [sep, h1, h2, b':', m1, m2, b':', s1, s2, tail @ ..] = rest else {
        return None;
    };
    if !matches!(sep, b'T' | b' ' | b't') {
        return None;
    }
    let two = |a: u8, b: u8| {
        let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
        (a < 10 && b < 10).then(|| i64::from(a * 10 + b))
    };
    let (h, m, sec) = (two(*h1, *h2)?, two(*m1, *m2)?, two(*s1, *s2)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let (frac, zone) = match tail {
        [b'.', digits @ ..] => {
            let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let us = digits[..n.min(6)]
                .iter()
                .fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'))
                * 10i64.pow(6 - n.min(6) as u32);
            (us, &digits[n..])
        }
        _ => (0, tail),
    };
    match zone {
        [] | [b'Z'] | [b'z'] => Some(((h * 60 + m) * 60 + sec) * 1_000_000 + frac),
        _ => None,
    }
}

/// The time part of an ISO timestamp in any accepted form (`rest` follows the date).
fn iso_clock(date: NaiveDate, rest: &str) -> Result<Micros, Bad> {
    let rest = rest.strip_prefix(['T', ' ', 't']).ok_or(Bad)?;
    // Split off the zone: `Z`, `+hh:mm`, `-hh:mm`, `+hhmm`.
    let (clock, offset_secs) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (c, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Bad);
        }
        let hh: i64 = digits[..2].parse().map_err(|_| Bad)?;
        let mm: i64 = digits[2..].parse().map_err(|_| Bad)?;
        (c, sign * (hh * 3600 + mm * 60))
    } else {
        (rest, 0)
    };
    let mut parts = clock.trim().split(':');
    let h = digits(parts.next().ok_or(Bad)?, 2)?;
    let m = digits(parts.next().ok_or(Bad)?, 2)?;
    let (sec, frac) = match parts.next() {
        Some(sp) => split_seconds(sp)?,
        None => (0, 0),
    };
    if parts.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return Err(Bad);
    }
    Ok(to_micros(date.and_time(NaiveTime::MIN))
        + ((h * 60 + m) * 60 + sec - offset_secs) * 1_000_000
        + frac)
}

/// Formats a timestamp as outputs.md wants it: `2026-11-26T03:04:05Z`.
pub fn format_ts(us: Micros) -> String {
    let mut buf = [0u8; 20];
    match format_ts_into(us, &mut buf) {
        Some(s) => s.to_string(),
        None => match chrono::DateTime::from_timestamp_micros(us) {
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => String::new(),
        },
    }
}

/// [`format_ts`] without allocating, for years 0000 to 9999 (`None` outside them).
pub fn format_ts_into(us: Micros, buf: &mut [u8; 20]) -> Option<&str> {
    if format_ts_bytes(us, buf) {
        std::str::from_utf8(buf).ok()
    } else {
        None
    }
}

/// [`format_ts_into`] without the UTF-8 check of the result (ASCII), for byte writers:
/// false outside years 0000 to 9999.
pub fn format_ts_bytes(us: Micros, buf: &mut [u8; 20]) -> bool {
    let secs = us.div_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return false;
    }
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    buf[4] = b'-';
    buf[7] = b'-';
    buf[10] = b'T';
    buf[13] = b':';
    buf[16] = b':';
    buf[19] = b'Z';
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_holds_any_parsed_time_or_none_in_eight_bytes() {
        assert_eq!(std::mem::size_of::<Stamp>(), 8);
        assert_eq!(Stamp::default().get(), None);
        assert_eq!(Stamp::from(None).get(), None);
        let earliest = known("0002-01-01T00:00:00Z");
        for t in [
            earliest,
            Some(0),
            Some(-1),
            known("2026-11-28T05:00:00.1234567Z"),
        ] {
            assert!(t.is_some());
            assert_eq!(Stamp::from(t).get(), t);
            assert_eq!(format!("{:?}", Stamp::from(t)), format!("{t:?}"));
        }
        // No parser gives i64::MIN; were one to, it would not read back as none.
        assert_eq!(Stamp::from(Some(i64::MIN)).get(), Some(i64::MIN + 1));
    }

    #[test]
    fn ids_read_order_and_print_as_written() {
        let canonical = "5443aeae-4755-4fd7-af88-feb027023c10";
        let id = Id::new(canonical);
        assert!(matches!(id, Id::Guid(_)));
        assert_eq!(id.to_string(), canonical);
        assert!(std::mem::size_of::<Option<Id>>() <= 32);
        // Not canonical: kept as text, so it prints exactly as it came.
        for s in [
            "5443AEAE-4755-4FD7-AF88-FEB027023C10",
            "{5443aeae-4755-4fd7-af88-feb027023c10}",
            "16777220",
            "",
        ] {
            let id = Id::new(s);
            assert!(matches!(id, Id::Text(_)), "{s}");
            assert_eq!(id.to_string(), s);
        }
        // Order is the order of the texts, across both forms.
        let mut texts = vec![
            "ffffffff-0000-0000-0000-000000000000",
            "16777220",
            "0a000000-0000-0000-0000-000000000000",
            "09000000-0000-0000-0000-000000000000",
            "zz",
            "5443AEAE-4755-4FD7-AF88-FEB027023C10",
            "a",
        ];
        let mut ids: Vec<Id> = texts.iter().map(|s| Id::new(s)).collect();
        texts.sort();
        ids.sort();
        let back: Vec<String> = ids.iter().map(Id::to_string).collect();
        assert_eq!(back, texts);
    }

    #[test]
    fn case_insensitive_helpers_match_their_allocating_forms() {
        let long = "x".repeat(80);
        let cells = [
            "",
            "Windows",
            "  Microsoft Windows NT Server 10.0 ",
            "WINDOWS 11 ENTERPRISE",
            "Microsoft Intune",
            "Intüne",
            "ServerAd",
            "mdm/ConfigMgr agent",
            "Ä Server",
            &long,
            "Ünïcode ÜPPER",
            "windowsserver",
        ];
        for c in cells {
            for w in ["server", "intune", "windows", "microsoft windows", ""] {
                assert_eq!(
                    contains_ci(c, w),
                    c.to_ascii_lowercase().contains(w),
                    "{c:?} {w:?}"
                );
                assert_eq!(
                    starts_with_ci(c, w),
                    c.to_ascii_lowercase().starts_with(w),
                    "{c:?} {w:?}"
                );
            }
            with_lower(c, |l| assert_eq!(l, c.trim().to_ascii_lowercase()));
            assert_eq!(lower(c), c.to_lowercase());
        }
        assert!(matches!(
            lower("already lower"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn booleans_and_clean_cells() {
        for (s, v) in [
            ("True", Ok(true)),
            (" yes ", Ok(true)),
            ("-1", Ok(true)),
            ("1", Ok(true)),
            ("FALSE", Ok(false)),
            ("No", Ok(false)),
            ("0", Ok(false)),
            ("maybe", Err(Bad)),
            ("", Err(Bad)),
            ("01", Err(Bad)),
        ] {
            assert_eq!(
                parse_bool(s).map_err(|_| ()),
                v.map_err(|_: Bad| ()),
                "{s:?}"
            );
        }
        assert_eq!(clean(Some(" a ")), Some("a"));
        assert_eq!(clean(Some("\u{feff}NULL")), None);
        assert_eq!(clean(Some("null")), None);
        assert_eq!(clean(Some("Null1")), Some("Null1"));
        assert_eq!(clean(Some("\u{a0}x\u{a0}")), Some("x"));
        assert_eq!(clean(Some("a b")), Some("a b"));
        assert_eq!(clean(Some("")), None);
    }

    #[test]
    fn format_ts_matches_chrono() {
        let samples = [
            0i64,
            -1,
            1_764_126_245_123_456,
            951_782_400_000_000,     // 2000-02-29
            -62_135_596_800_000_000, // 0001-01-01
            253_402_300_799_999_999, // 9999-12-31T23:59:59
            -86_400_000_000 * 365 * 3 + 17,
        ];
        let mut x: i64 = 0x2545_f491_4f6c_dd1d;
        let randoms = (0..20_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.rem_euclid(253_402_300_799_999_999 + 62_135_596_800_000_000) - 62_135_596_800_000_000
        });
        for us in samples.into_iter().chain(randoms) {
            let want = chrono::DateTime::from_timestamp_micros(us)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(format_ts(us), want, "{us}");
        }
        assert_eq!(format_ts(i64::MAX), "");
    }

    fn known(s: &str) -> Option<Micros> {
        match parse_date(s) {
            Ok(DateCell::Known(v)) => v,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn iso_forms_agree() {
        let base = known("2023-10-20T06:55:27Z").unwrap();
        assert_eq!(known("2023-10-20 06:55:27"), Some(base));
        assert_eq!(known("2023-10-20 06:55:27.0000000"), Some(base));
        assert_eq!(known("2023-10-20T08:55:27+02:00"), Some(base));
        assert_eq!(known("2023-10-20T06:55:27.6237465"), Some(base + 623_746));
        assert_eq!(
            known("2023-10-20T06:55:27.123456789Z"),
            Some(base + 123_456)
        );
        assert_eq!(format_ts(base), "2023-10-20T06:55:27Z");
    }

    /// The fixed-place reading of the common forms agrees with the general one on every
    /// form, accepted or not: it may only decline.
    #[test]
    fn fixed_clock_agrees_with_the_general_reading() {
        let date = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
        let midnight = to_micros(date.and_time(NaiveTime::MIN));
        let mut tried = 0;
        let mut fixed = 0;
        for sep in ["T", " ", "t", "_", ""] {
            for clock in [
                "06:55:27",
                "23:59:60",
                "24:00:00",
                "00:60:00",
                "6:55:27",
                "06:5x:27",
                "06:55",
                "06:55:27 ",
                " 06:55:27",
                "06-55-27",
            ] {
                for frac in [
                    "",
                    ".",
                    ".1",
                    ".123456",
                    ".1234567",
                    ".123456789",
                    ".1234567890",
                    ".12a",
                ] {
                    for zone in ["", "Z", "z", "+02:00", "-0130", "ZZ", " Z", "UTC"] {
                        let rest = format!("{sep}{clock}{frac}{zone}");
                        let general = iso_clock(date, &rest).ok();
                        if let Some(c) = fixed_clock(rest.as_bytes()) {
                            fixed += 1;
                            assert_eq!(Some(midnight + c), general, "{rest:?}");
                        }
                        tried += 1;
                    }
                }
            }
        }
        // The common forms do take the fixed path.
        assert!(fixed > 100 && fixed < tried, "{fixed} of {tried}");
        assert!(fixed_clock(b"T06:55:27.6237465Z").is_some());
        assert!(fixed_clock(b" 06:55:27.433").is_some());
        assert!(fixed_clock(b"T08:55:27+02:00").is_none());
    }

    #[test]
    fn sentinels_and_pending_are_none() {
        assert_eq!(known("0001-01-01 00:00:00.0000000"), None);
        assert_eq!(known("9999-12-31 23:59:59.9999999"), None);
        assert_eq!(known("9999-12-31T23:59:59.9999999Z"), None);
        assert_eq!(known("Pending"), None);
    }

    #[test]
    fn slash_and_dot_forms() {
        let Ok(DateCell::Slash(d)) = parse_date("10/20/2023 6:55 AM") else {
            panic!()
        };
        assert_eq!(
            d.resolve(DateOrder::Mdy),
            Some(known("2023-10-20T06:55:00Z").unwrap())
        );
        assert_eq!(d.resolve(DateOrder::Dmy), None);
        assert_eq!(
            known("20.10.2023 15:04"),
            Some(known("2023-10-20T15:04:00Z").unwrap())
        );
        let Ok(DateCell::Slash(p)) = parse_date("1/2/2023 12:30:05 PM") else {
            panic!()
        };
        assert_eq!(
            p.resolve(DateOrder::Mdy),
            Some(known("2023-01-02T12:30:05Z").unwrap())
        );
    }

    #[test]
    fn impossible_dates_are_bad() {
        for s in [
            "2023-13-01",
            "2023-02-30T00:00:00Z",
            "yesterday",
            "1/2",
            "32/1/2023",
            "2023-10-20T25:00:00",
            "31/31/2026",
            "2026-02-30",
            "-123-01-01",
            "1/1/2023 -9223372036854775808:00",
            "2023-01-01T00:-9223372036854775808+00:00",
            "1/1/2023 -5:-3",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn guids() {
        let g = parse_guid("{F18BD540-D5E4-46E0-8DDD-3D03A59E4E14}").unwrap();
        assert_eq!(g.to_string(), "f18bd540-d5e4-46e0-8ddd-3d03a59e4e14");
        assert_eq!(
            parse_link_guid("00000000-0000-0000-0000-000000000000"),
            Ok(None)
        );
        assert!(parse_guid("not-a-guid").is_err());
        assert!(parse_guid("f18bd540d5e446e08ddd3d03a59e4e14").is_err());
        assert_eq!(parse_guid(" f18bd540-D5E4-46E0-8DDD-3D03A59E4E14\t"), Ok(g));
    }

    /// The digit-by-digit parser the table-driven one replaced: trim, braces, 36 bytes,
    /// hyphens at 8, 13, 18 and 23, hex digits of any case elsewhere.
    fn parse_guid_reference(s: &str) -> Result<Guid, Bad> {
        let s = s.trim();
        let s = s
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(s);
        let b = s.as_bytes();
        if b.len() != 36 {
            return Err(Bad);
        }
        let mut v: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(Bad);
                }
                continue;
            }
            let d = (c as char).to_digit(16).ok_or(Bad)?;
            v = (v << 4) | d as u128;
        }
        Ok(Guid::from_u128(v))
    }

    proptest::proptest! {
        #[test]
        fn contains_ci_agrees_with_comparing_every_window(
            hay in "[a-zA-Z é]{0,12}(server|SeRvEr|windows)?[a-zA-Z é]{0,12}",
            needle in "(server|windows|s|é|sé|)",
        ) {
            let reference = needle.is_empty()
                || hay
                    .as_bytes()
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
            proptest::prop_assert_eq!(contains_ci(&hay, &needle), reference);
        }

        #[test]
        fn guid_parser_agrees_with_the_reference(
            g in proptest::num::u128::ANY,
            upper in proptest::bool::ANY,
            wrap in 0usize..4,
            edits in proptest::collection::vec((0usize..40, proptest::num::u8::ANY), 0..3),
        ) {
            let text = Guid::from_u128(g).to_string();
            let text = if upper { text.to_ascii_uppercase() } else { text };
            let text = match wrap {
                0 => text,
                1 => format!("{{{text}}}"),
                2 => format!(" {text} "),
                _ => format!("{text}0"),
            };
            // Bytes changed anywhere (any byte, so also non-hex, hyphens, multibyte
            // starts): the text is then made valid UTF-8 again, lossily.
            let mut bytes = text.into_bytes();
            for (at, byte) in edits {
                if let Some(b) = bytes.get_mut(at) {
                    *b = byte;
                }
            }
            let s = String::from_utf8_lossy(&bytes);
            proptest::prop_assert_eq!(parse_guid(&s), parse_guid_reference(&s), "{:?}", s);
        }

        /// The formatter writes what `format!` writes, hyphenated.
        #[test]
        fn guid_formatter_agrees_with_format(g in proptest::num::u128::ANY) {
            let hex = format!("{g:032x}");
            let expected = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]
            );
            proptest::prop_assert_eq!(Guid::from_u128(g).to_string(), expected);
        }
    }

    #[test]
    fn booleans_and_empties() {
        for t in ["True", "yes", "1", "TRUE", "-1", " YES ", "tRuE"] {
            assert_eq!(parse_bool(t), Ok(true));
        }
        for f in ["False", "no", "0", "NO", " false\t"] {
            assert_eq!(parse_bool(f), Ok(false));
        }
        for bad in ["maybe", "", "2", "-0", "ye", "truex", "n", "falsey", "-1 1"] {
            assert!(parse_bool(bad).is_err(), "{bad:?}");
        }
        assert_eq!(clean(Some("  NULL ")), None);
        assert_eq!(clean(Some("")), None);
        assert_eq!(clean(Some(" x ")), Some("x"));
    }

    #[test]
    fn serials() {
        assert_eq!(clean_serial(" To be filled by O.E.M. "), None);
        assert_eq!(clean_serial("0"), None);
        assert_eq!(clean_serial("0042 "), Some("0042"));
        assert_eq!(serial_key("vmware-42 03 ab"), "VMWARE-4203AB");
    }
}
