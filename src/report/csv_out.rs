//! `devices.csv`: one row per device, the columns of outputs.md in order.

use crate::classify::Classified;
use crate::ingest::value::{format_ts, format_ts_bytes, Guid, Id, Text};
use crate::model::{Os, Set, Source, Workload};
use crate::rules::{Finding, Severity};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

pub const DEVICE_COLUMNS: &[&str] = &[
    "device_key",
    "device_name",
    "state",
    "join_type",
    "management",
    "ownership",
    "ownership_source",
    "enrollment_method",
    "autopilot_registered",
    "stale",
    "last_seen",
    "entra_device_id",
    "entra_object_id",
    "intune_device_id",
    "configmgr_resource_id",
    "autopilot_id",
    "serial_number",
    "os",
    "os_version",
    "primary_user",
    "sources",
    "findings",
    "max_severity",
    "tenant_attached",
    "workloads",
    "autopilot_object_id",
];

/// Prefixes `'` to a cell a spreadsheet would run as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if runs_as_formula(cell.as_bytes()) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell starts like a formula to a spreadsheet (see [`neutralise`]).
fn runs_as_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The csv crate's writer quotes a field holding one of these bytes (its default,
/// `QuoteStyle::Necessary`, with `,` as delimiter).
fn needs_quotes(cell: &[u8]) -> bool {
    // Fields are short (names, ids): a byte loop beats memchr's set-up here.
    cell.iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

/// A device's unsuppressed rule codes and highest severity.
pub type DeviceFindings = (Vec<&'static str>, Option<Severity>);

/// One cell of a device row: borrowed from the device, a GUID or a timestamp formatted on
/// the stack, or (for the joined lists) owned.
pub enum Cell<'a> {
    Borrowed(&'a str),
    Guid([u8; 36]),
    Stamp([u8; 20]),
    Owned(String),
}

impl std::ops::Deref for Cell<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Cell::Borrowed(s) => s,
            Cell::Guid(b) => std::str::from_utf8(b).unwrap_or_default(),
            Cell::Stamp(b) => std::str::from_utf8(b).unwrap_or_default(),
            Cell::Owned(s) => s,
        }
    }
}

impl AsRef<str> for Cell<'_> {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Cell<'_> {
    /// The cell's bytes (no UTF-8 check: the formatted forms are ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Cell::Borrowed(s) => s.as_bytes(),
            Cell::Guid(b) => b,
            Cell::Stamp(b) => b,
            Cell::Owned(s) => s.as_bytes(),
        }
    }
}

/// The text cells of one device row, in [`DEVICE_COLUMNS`] order.
pub fn device_cells<'a>(d: &'a Classified, f: &DeviceFindings) -> Vec<Cell<'a>> {
    (0..DEVICE_COLUMNS.len())
        .map(|c| device_cell(c, d, f))
        .collect()
}

/// Cell `column` (an index into [`DEVICE_COLUMNS`]) of a device row: no heap string but
/// for the few cells that are joined or formatted.
pub fn device_cell<'a>(column: usize, d: &'a Classified, f: &DeviceFindings) -> Cell<'a> {
    fn o(v: &Option<Text>) -> Cell<'_> {
        Cell::Borrowed(v.as_deref().unwrap_or(""))
    }
    fn id(v: Option<&Id>) -> Cell<'_> {
        match v {
            Some(Id::Text(t)) => Cell::Borrowed(t.as_str()),
            Some(&Id::Guid(g)) => guid(Some(g)),
            None => Cell::Borrowed(""),
        }
    }
    fn guid(g: Option<Guid>) -> Cell<'static> {
        match g {
            Some(g) => {
                let mut buf = [0; 36];
                // No UTF-8 check here: the CSV writer takes the bytes, and the Parquet
                // columns check them as they take them as text.
                g.format_bytes(&mut buf);
                Cell::Guid(buf)
            }
            None => Cell::Borrowed(""),
        }
    }
    fn joined<T: Copy>(
        items: impl IntoIterator<Item = T>,
        name: fn(T) -> &'static str,
        sep: &str,
    ) -> Cell<'static> {
        let mut items = items.into_iter().map(name);
        match (items.next(), items.next()) {
            (None, _) => Cell::Borrowed(""),
            (Some(one), None) => Cell::Borrowed(one),
            (Some(a), Some(b)) => {
                let mut s = format!("{a}{sep}{b}");
                items.for_each(|x| {
                    s.push_str(sep);
                    s.push_str(x);
                });
                Cell::Owned(s)
            }
        }
    }
    match column {
        0 => id(Some(&d.device_key)),
        1 => o(&d.device_name),
        2 => Cell::Borrowed(d.state.as_str()),
        3 => Cell::Borrowed(d.join_type.as_str()),
        4 => Cell::Borrowed(d.management.as_str()),
        5 => Cell::Borrowed(d.ownership.as_str()),
        6 => Cell::Borrowed(d.ownership_source.as_str()),
        7 => Cell::Borrowed(d.enrollment_method.as_str()),
        8 => Cell::Borrowed(b(d.autopilot_registered)),
        9 => Cell::Borrowed(b(d.stale)),
        10 => match d.last_seen {
            None => Cell::Borrowed(""),
            Some(us) => {
                let mut buf = [0; 20];
                if format_ts_bytes(us, &mut buf) {
                    Cell::Stamp(buf)
                } else {
                    // Outside years 0000-9999: the general (allocating) form.
                    Cell::Owned(format_ts(us))
                }
            }
        },
        11 => guid(d.entra_device_id),
        12 => id(d.entra_object_id.as_ref()),
        13 => id(d.intune_device_id.as_ref()),
        14 => o(&d.configmgr_resource_id),
        15 => guid(d.autopilot_id),
        16 => o(&d.serial_number),
        17 => Cell::Borrowed(d.os.map(Os::as_str).unwrap_or("")),
        18 => Cell::Borrowed(d.os_version.as_deref().unwrap_or("")),
        19 => Cell::Borrowed(d.primary_user.as_deref().unwrap_or("")),
        20 => Cell::Borrowed(sources_label(d.sources)),
        21 => joined(f.0.iter().copied(), |c| c, ";"),
        22 => Cell::Borrowed(f.1.map(Severity::as_str).unwrap_or("")),
        23 => Cell::Borrowed(b(d.tenant_attached)),
        24 => Cell::Borrowed(workloads_label(d.workloads)),
        25 => id(d.autopilot_object_id.as_ref()),
        _ => Cell::Borrowed(""),
    }
}

/// The `sources` cell of every set of sources, joined once (`entra+intune`, ...), indexed
/// by [`Set::bits`]: no string is built per device.
pub fn source_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| Set::<Source>::all_labels("+"))
}

/// The `workloads` cell of every set of workloads (`compliance;windows_update`, ...), as
/// [`source_labels`].
pub fn workload_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| Set::<Workload>::all_labels(";"))
}

fn sources_label(s: Set<Source>) -> &'static str {
    &source_labels()[usize::from(s.bits())]
}

fn workloads_label(w: Set<Workload>) -> &'static str {
    &workload_labels()[usize::from(w.bits())]
}

/// The CSV writer of the smaller outputs (trend.csv, changes.csv, recommendations.csv,
/// plan.csv): LF line ends, buffered. devices.csv and findings.csv use [`Rows`], which
/// writes the same bytes.
pub fn writer(path: &Path) -> io::Result<csv::Writer<io::BufWriter<std::fs::File>>> {
    let file = std::fs::File::create(path)?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(io::BufWriter::with_capacity(1 << 20, file)))
}

/// The row writer of the two large outputs, `devices.csv` and `findings.csv`: the same
/// bytes as [`writer`] (the csv crate's necessary quoting, `"` doubled, LF line ends) and
/// the same formula neutralising, written field by field into one buffer with no
/// per-field state machine. Every other CSV output uses [`writer`].
struct Rows<W: Write = std::fs::File> {
    file: W,
    buf: Vec<u8>,
    /// No formula neutralising (`--raw`).
    raw: bool,
    /// The next field is the first of its row.
    first: bool,
}

const FLUSH_AT: usize = 1 << 20;

impl Rows {
    fn create(path: &Path, raw: bool) -> io::Result<Rows> {
        Ok(Rows::new(std::fs::File::create(path)?, raw))
    }
}

impl<W: Write> Rows<W> {
    fn new(file: W, raw: bool) -> Rows<W> {
        Rows {
            file,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            raw,
            first: true,
        }
    }

    fn field(&mut self, cell: &[u8]) {
        if !std::mem::take(&mut self.first) {
            self.buf.push(b',');
        }
        let prefix = !self.raw && runs_as_formula(cell);
        let quote = needs_quotes(cell);
        if quote {
            self.buf.push(b'"');
        }
        if prefix {
            self.buf.push(b'\'');
        }
        if quote {
            for part in cell.split_inclusive(|&b| b == b'"') {
                self.buf.extend_from_slice(part);
                if part.last() == Some(&b'"') {
                    self.buf.push(b'"');
                }
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(cell);
        }
    }

    /// A cell from a fixed vocabulary or formatted here (a classification value, a
    /// boolean, a GUID, a timestamp, rule codes): never quoted, never neutralised.
    fn plain(&mut self, cell: &[u8]) {
        if !std::mem::take(&mut self.first) {
            self.buf.push(b',');
        }
        debug_assert!(
            !needs_quotes(cell) && !runs_as_formula(cell),
            "{}",
            String::from_utf8_lossy(cell)
        );
        self.buf.extend_from_slice(cell);
    }

    /// A GUID formatted straight into the row (lower case, hyphenated), or an empty cell.
    fn guid(&mut self, g: Option<Guid>) {
        if !std::mem::take(&mut self.first) {
            self.buf.push(b',');
        }
        if let Some(g) = g {
            let at = self.buf.len();
            self.buf.resize(at + 36, 0);
            if let Ok(cell) = <&mut [u8; 36]>::try_from(&mut self.buf[at..]) {
                g.format_bytes(cell);
            }
        }
    }

    /// An id: a GUID formatted here, any other id as export text.
    fn id(&mut self, id: Option<&Id>) {
        match id {
            Some(&Id::Guid(g)) => self.guid(Some(g)),
            Some(Id::Text(t)) => self.field(t.as_bytes()),
            None => self.plain(b""),
        }
    }

    /// A timestamp as `YYYY-MM-DDTHH:MM:SSZ`; outside years 0000-9999, its general form.
    fn stamp(&mut self, us: crate::ingest::value::Micros) {
        let mut buf = [0; 20];
        if format_ts_bytes(us, &mut buf) {
            self.plain(&buf);
        } else {
            self.field(format_ts(us).as_bytes());
        }
    }

    /// Words of a fixed vocabulary joined by `sep` into one cell.
    fn list(&mut self, items: &[&str], sep: &[u8]) {
        self.plain(b"");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(sep);
            }
            self.buf.extend_from_slice(item.as_bytes());
        }
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        self.first = true;
        if self.buf.len() >= FLUSH_AT {
            self.file.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.file.write_all(&self.buf)?;
        self.file.flush()
    }
}

pub const FINDING_COLUMNS: &[&str] = &[
    "rule",
    "name",
    "severity",
    "device_key",
    "device_name",
    "evidence",
    "suppressed",
    "suppressed_reason",
];

/// `findings.csv`: one row per finding (suppressed ones included), sorted by rule, device.
pub fn write_findings(
    findings: &[Finding],
    devices: &[Classified],
    path: &Path,
    raw: bool,
) -> io::Result<()> {
    let mut w = Rows::create(path, raw)?;
    FINDING_COLUMNS.iter().for_each(|c| w.field(c.as_bytes()));
    w.end_row()?;
    for f in findings {
        let d = &devices[f.device];
        // The rule's code, name and severity and the flag are words of the catalogue.
        w.plain(f.rule.code.as_bytes());
        w.plain(f.rule.name.as_bytes());
        w.plain(f.severity.as_str().as_bytes());
        w.id(Some(&d.device_key));
        w.field(d.device_name.as_deref().unwrap_or("").as_bytes());
        w.field(f.evidence.as_bytes());
        w.plain(b(f.suppressed.is_some()).as_bytes());
        w.field(f.suppressed.as_deref().unwrap_or("").as_bytes());
        w.end_row()?;
    }
    w.finish()
}

pub fn write_devices(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
    raw: bool,
) -> io::Result<()> {
    let mut w = Rows::create(path, raw)?;
    DEVICE_COLUMNS.iter().for_each(|c| w.field(c.as_bytes()));
    w.end_row()?;
    for (d, f) in devices.iter().zip(findings) {
        device_row(&mut w, d, f);
        w.end_row()?;
    }
    w.finish()
}

/// One row of devices.csv, written field by field into the row buffer: the cells of
/// [`device_cell`] in [`DEVICE_COLUMNS`] order (a test holds the two together), with no
/// cell value in between and the GUIDs and timestamps formatted in place. Text from the
/// exports (names, ids that are not GUIDs, serials, versions, users, and `last_seen`
/// outside years 0000-9999 in its general form) is quoted and neutralised as needed; the
/// rest never needs it.
fn device_row<W: Write>(w: &mut Rows<W>, d: &Classified, f: &DeviceFindings) {
    let text = |w: &mut Rows<W>, v: Option<&str>| w.field(v.unwrap_or("").as_bytes());
    let word = |w: &mut Rows<W>, v: &str| w.plain(v.as_bytes());
    w.id(Some(&d.device_key));
    text(w, d.device_name.as_deref());
    word(w, d.state.as_str());
    word(w, d.join_type.as_str());
    word(w, d.management.as_str());
    word(w, d.ownership.as_str());
    word(w, d.ownership_source.as_str());
    word(w, d.enrollment_method.as_str());
    word(w, b(d.autopilot_registered));
    word(w, b(d.stale));
    match d.last_seen {
        Some(us) => w.stamp(us),
        None => word(w, ""),
    }
    w.guid(d.entra_device_id);
    w.id(d.entra_object_id.as_ref());
    w.id(d.intune_device_id.as_ref());
    text(w, d.configmgr_resource_id.as_deref());
    w.guid(d.autopilot_id);
    text(w, d.serial_number.as_deref());
    word(w, d.os.map(Os::as_str).unwrap_or(""));
    text(w, d.os_version.as_deref());
    text(w, d.primary_user.as_deref());
    word(w, sources_label(d.sources));
    w.list(&f.0, b";");
    word(w, f.1.map(Severity::as_str).unwrap_or(""));
    word(w, b(d.tenant_attached));
    word(w, workloads_label(d.workloads));
    w.id(d.autopilot_object_id.as_ref());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `fields` as the csv crate writes them (with [`neutralise`] unless raw).
    fn by_csv_crate(rows: &[Vec<String>], raw: bool) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(Vec::new());
        for row in rows {
            for f in row {
                if raw {
                    w.write_field(f).unwrap();
                } else {
                    w.write_field(neutralise(f).as_ref()).unwrap();
                }
            }
            w.write_record(None::<&[u8]>).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn by_rows(rows: &[Vec<String>], raw: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = Rows::new(&mut out, raw);
        for row in rows {
            row.iter().for_each(|f| w.field(f.as_bytes()));
            w.end_row().unwrap();
        }
        w.finish().unwrap();
        out
    }

    #[test]
    fn rows_write_what_the_csv_crate_writes() {
        let rows: Vec<Vec<String>> = [
            vec![
                "LAPTOP-1",
                "",
                "a,b",
                "say \"hi\"",
                "=1+1",
                "-x,\"y\"",
                "line\nbreak",
                "cr\rx",
            ],
            vec!["@SUM(A1)", "\tx", "\rx", "\"", "\"\"", ",", "+", "ü é"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        for raw in [false, true] {
            assert_eq!(
                String::from_utf8(by_rows(&rows, raw)).unwrap(),
                String::from_utf8(by_csv_crate(&rows, raw)).unwrap()
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn rows_match_the_csv_crate_on_any_text(
            rows in proptest::collection::vec(
                proptest::collection::vec("[=+@\t\r\n,\"a-c -]{0,6}", 2..5),
                1..4,
            ),
            raw: bool,
        ) {
            proptest::prop_assert_eq!(by_rows(&rows, raw), by_csv_crate(&rows, raw));
        }
    }

    /// A device with every optional cell set, from export text `t`.
    fn device(key: Id, t: &str, last_seen: Option<i64>) -> Classified {
        use crate::model::*;
        Classified {
            device_key: key,
            device_name: Some(t.into()),
            state: State::HybridPending,
            join_type: JoinType::HybridPending,
            management: Management::CoManaged,
            ownership: Ownership::Personal,
            ownership_source: OwnershipSource::Inferred,
            enrollment_method: EnrollmentMethod::CoManagement,
            autopilot_registered: true,
            stale: true,
            last_seen,
            entra_device_id: Some(Guid::from_u128(0xab << 100 | 0xcd)),
            entra_object_id: Some(Id::new(t)),
            intune_device_id: Some(Id::new("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
            configmgr_resource_id: Some(t.into()),
            autopilot_id: Some(Guid::from_u128(7)),
            serial_number: Some(t.into()),
            os: Some(Os::WindowsServer),
            os_version: (!t.is_empty()).then(|| crate::intern::Sym::new(t)),
            primary_user: Some(t.into()),
            sources: Source::ALL.iter().copied().collect(),
            tenant_attached: true,
            workloads: [Workload::Compliance, Workload::OfficeApps]
                .into_iter()
                .collect(),
            autopilot_object_id: Some(Id::new(t)),
            intune_mdm: true,
            configmgr_client: true,
        }
    }

    /// devices.csv's rows are [`device_cells`] as the csv crate writes them, formulas
    /// neutralised (or not, raw): the same columns in the same order, quoted alike.
    #[test]
    fn device_rows_are_the_device_cells_as_the_csv_crate_writes_them() {
        let mut devices = Vec::new();
        for (i, t) in ["", "LAPTOP-1", "=1+1", "a,\"b\"", "-x\ny", "@u", "ü é"]
            .into_iter()
            .enumerate()
        {
            let key = if i % 2 == 0 {
                Id::new("8a5a6b34-f85b-469d-92b3-19878bb2393b")
            } else {
                Id::new(&format!("{t}{i}"))
            };
            // A timestamp of this year, none, and one before year 0 (its general form).
            let seen = [
                Some(1_795_000_000_000_000),
                None,
                Some(-62_200_000_000_000_000),
            ];
            devices.push(device(key, t, seen[i % 3]));
        }
        let mut bare = device(Id::new("k"), "", None);
        bare.device_name = None;
        bare.entra_device_id = None;
        bare.entra_object_id = None;
        bare.intune_device_id = None;
        bare.autopilot_id = None;
        bare.os = None;
        bare.sources = Set::new();
        bare.workloads = Set::new();
        devices.push(bare);
        let findings: Vec<DeviceFindings> = (0..devices.len())
            .map(|i| {
                let codes = ["FLT001", "FLT006", "FLT102"];
                (
                    codes[..i % 4].to_vec(),
                    (i % 4 > 0).then_some(Severity::Warning),
                )
            })
            .collect();
        let rows: Vec<Vec<String>> = devices
            .iter()
            .zip(&findings)
            .map(|(d, f)| device_cells(d, f).iter().map(|c| c.to_string()).collect())
            .collect();
        assert!(rows.iter().all(|r| r.len() == DEVICE_COLUMNS.len()));
        for raw in [false, true] {
            let mut out = Vec::new();
            let mut w = Rows::new(&mut out, raw);
            for (d, f) in devices.iter().zip(&findings) {
                device_row(&mut w, d, f);
                w.end_row().unwrap();
            }
            w.finish().unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(by_csv_crate(&rows, raw)).unwrap()
            );
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("LAPTOP-1"), "LAPTOP-1");
    }
}
