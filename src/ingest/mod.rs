//! Reading exports: recognise the source and form of a file by its header or shape, decode
//! it, and turn each row into a typed record of its source. Nothing here links records.
//!
//! Every row read is accounted for: `rows_read = rows_used + rows_rejected + rows_skipped`.

pub mod autopilot;
pub mod budget;
pub mod configmgr;
pub mod digest;
pub mod entra;
pub mod intune;
pub mod split;
pub mod table;
pub mod text;
pub mod value;

mod json;

use crate::diag::{Diagnostics, RowReject};
use crate::model::{SkipReason, Source};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use table::{norm_header, Cells, Field, NotText, PendingDate, Projection, Row};
use value::{DateOrder, Micros};

/// The concrete export form of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    IntuneCsv,
    IntuneReportCsv,
    IntuneDiagnosticLog,
    IntuneGraphJson,
    EntraCsv,
    EntraCsvLegacy,
    EntraGraphJson,
    ConfigmgrCsv,
    AutopilotImportCsv,
    AutopilotBladeCsv,
    AutopilotGraphJson,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::IntuneCsv => "intune-csv",
            Form::IntuneReportCsv => "intune-report-csv",
            Form::IntuneDiagnosticLog => "intune-diagnostic-log",
            Form::IntuneGraphJson => "intune-graph-json",
            Form::EntraCsv => "entra-csv",
            Form::EntraCsvLegacy => "entra-csv-legacy",
            Form::EntraGraphJson => "entra-graph-json",
            Form::ConfigmgrCsv => "configmgr-csv",
            Form::AutopilotImportCsv => "autopilot-import-csv",
            Form::AutopilotBladeCsv => "autopilot-blade-csv",
            Form::AutopilotGraphJson => "autopilot-graph-json",
        }
    }

    pub fn source(self) -> Source {
        match self {
            Form::IntuneCsv
            | Form::IntuneReportCsv
            | Form::IntuneDiagnosticLog
            | Form::IntuneGraphJson => Source::Intune,
            Form::EntraCsv | Form::EntraCsvLegacy | Form::EntraGraphJson => Source::Entra,
            Form::ConfigmgrCsv => Source::ConfigMgr,
            Form::AutopilotImportCsv | Form::AutopilotBladeCsv | Form::AutopilotGraphJson => {
                Source::Autopilot
            }
        }
    }

    pub fn is_json(self) -> bool {
        matches!(
            self,
            Form::IntuneDiagnosticLog
                | Form::IntuneGraphJson
                | Form::EntraGraphJson
                | Form::AutopilotGraphJson
        )
    }
}

/// The typed records of one file.
#[derive(Debug, Clone)]
pub enum Records {
    Intune(Vec<intune::IntuneRecord>),
    Entra(Vec<entra::EntraRecord>),
    ConfigMgr(Vec<configmgr::ConfigMgrRecord>),
    Autopilot(Vec<autopilot::AutopilotRecord>),
}

impl Records {
    pub fn len(&self) -> usize {
        match self {
            Records::Intune(v) => v.len(),
            Records::Entra(v) => v.len(),
            Records::ConfigMgr(v) => v.len(),
            Records::Autopilot(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Options that change how files are read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub date_order: DateOrder,
    pub include_servers: bool,
    /// `--as-of`: picks the day of a multi-day diagnostic log.
    pub as_of: Option<Micros>,
    /// Skips the SHA-256 of each file (its [`Input::sha256`] is then empty): for runs
    /// whose outputs do not record their inputs (snapshots of raw exports analysed for
    /// `trend` and `diff`), where the digest was a fifth of the reading.
    pub no_digest: bool,
}

/// One input file, read.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub source: Source,
    pub form: Form,
    pub encoding: &'static str,
    pub delimiter: Option<char>,
    /// Lower-case hex; empty when read with [`ReadOptions::no_digest`].
    pub sha256: String,
    pub size: u64,
    pub rows_read: u64,
    pub skipped: BTreeMap<SkipReason, u64>,
    pub diag: Diagnostics,
    pub records: Records,
    /// Field name -> the column as spelled in this file.
    pub columns: BTreeMap<&'static str, String>,
    /// Days of a multi-day diagnostic log (days since the epoch), ascending.
    pub snapshot_days: Vec<i64>,
}

impl Input {
    pub fn rows_rejected(&self) -> u64 {
        self.diag.rejects_total
    }

    pub fn rows_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn rows_used(&self) -> u64 {
        self.rows_read - self.rows_rejected() - self.rows_skipped()
    }

    pub fn skip(&mut self, reason: SkipReason, n: u64) {
        if n > 0 {
            *self.skipped.entry(reason).or_default() += n;
        }
    }

    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error(
        "{path}: not a recognisable export (found columns: {found}); expected one of:\n{expected}"
    )]
    Unrecognised {
        path: String,
        found: String,
        expected: String,
    },
    #[error("{path}: the {src} export has no {column:?} column (required)")]
    MissingColumn {
        path: String,
        src: &'static str,
        column: &'static str,
    },
    #[error("{path}: the file is empty")]
    Empty { path: String },
    #[error("{path}:{line}: {reason}")]
    Malformed {
        path: String,
        line: u64,
        reason: String,
    },
}

/// The recognition table of inputs.md, as text for error messages.
pub const EXPECTED_HEADERS: &str = "  Intune admin-center CSV: Device ID, Device name, and Managed by or Ownership
  Intune report / IntuneDevices: DeviceId, DeviceName, and ManagedBy or ReferenceId
  Intune Graph JSON: objects with deviceName and managementAgent or azureADDeviceId
  Entra CSV: displayName and joinType (trustType) or deviceTrustType
  Entra Graph JSON: objects with deviceId and trustType or physicalIds
  ConfigMgr CSV: ResourceID and Name0/Name
  Autopilot CSV: Device Serial Number and Hardware Hash, or Serial number and Profile status/Enrollment state
  Autopilot Graph JSON: objects with serialNumber and enrollmentState or groupTag";

/// Recognises a form from the (normalised) column names.
pub fn detect(names: &[String], json: bool, forced: Option<Source>) -> Option<Form> {
    let has = |n: &str| names.iter().any(|h| h.eq_ignore_ascii_case(n));
    let mut found = if json {
        if has("deviceName") && (has("managementAgent") || has("azureADDeviceId")) {
            Some(Form::IntuneGraphJson)
        } else if has("DeviceId") && has("DeviceName") && (has("ManagedBy") || has("ReferenceId")) {
            Some(Form::IntuneDiagnosticLog)
        } else if has("deviceId") && (has("trustType") || has("physicalIds")) {
            Some(Form::EntraGraphJson)
        } else if has("serialNumber") && (has("enrollmentState") || has("groupTag")) {
            Some(Form::AutopilotGraphJson)
        } else {
            None
        }
    } else if has("Device ID") && has("Device name") && (has("Managed by") || has("Ownership")) {
        Some(Form::IntuneCsv)
    } else if has("DeviceId") && has("DeviceName") && (has("ManagedBy") || has("ReferenceId")) {
        Some(Form::IntuneReportCsv)
    } else if has("displayName") && has("joinType (trustType)") {
        Some(Form::EntraCsv)
    } else if has("displayName") && has("deviceTrustType") {
        Some(Form::EntraCsvLegacy)
    } else if has("ResourceID") && (has("Name0") || has("Name")) {
        Some(Form::ConfigmgrCsv)
    } else if has("Device Serial Number") && has("Hardware Hash") {
        Some(Form::AutopilotImportCsv)
    } else if has("Serial number") && (has("Profile status") || has("Enrollment state")) {
        Some(Form::AutopilotBladeCsv)
    } else {
        None
    };
    if let Some(src) = forced {
        if found.map(Form::source) != Some(src) {
            found = Some(match (src, json) {
                (Source::Intune, true) => Form::IntuneGraphJson,
                (Source::Intune, false) => Form::IntuneCsv,
                (Source::Entra, true) => Form::EntraGraphJson,
                (Source::Entra, false) => Form::EntraCsv,
                (Source::ConfigMgr, _) => Form::ConfigmgrCsv,
                (Source::Autopilot, true) => Form::AutopilotGraphJson,
                (Source::Autopilot, false) => Form::AutopilotBladeCsv,
            });
        }
    }
    found
}

fn fields_of(source: Source) -> &'static [Field] {
    match source {
        Source::Intune => intune::FIELDS,
        Source::Entra => entra::FIELDS,
        Source::ConfigMgr => configmgr::FIELDS,
        Source::Autopilot => autopilot::FIELDS,
    }
}

/// The column a source cannot do without, checked against the header.
fn required_ok(source: Source, p: &Projection) -> Result<(), &'static str> {
    let ok = match source {
        Source::Intune => p.has(intune::ID),
        Source::Entra => p.has(entra::OBJECT_ID) || p.has(entra::DEVICE_ID),
        Source::ConfigMgr => p.has(configmgr::RESOURCE_ID),
        Source::Autopilot => p.has(autopilot::SERIAL) || p.has(autopilot::ID),
    };
    if ok {
        return Ok(());
    }
    Err(match source {
        Source::Intune => "Device ID",
        Source::Entra => "deviceId",
        Source::ConfigMgr => "ResourceID",
        Source::Autopilot => "Device Serial Number",
    })
}

/// The longest cell value read, in bytes (a Hardware Hash is about 4 KB): a longer one is
/// no value, with a cell warning.
pub const MAX_CELL_BYTES: usize = 64 * 1024;

/// Marks a [`PendingDate`]'s record as one of the records set aside.
const ASIDE: usize = 1 << (usize::BITS - 1);

/// Keeps a record, or sets it aside with the reason it is out of scope.
fn place<T>(
    out_of_scope: Option<SkipReason>,
    record: T,
    kept: &mut Vec<T>,
    aside: &mut Vec<T>,
    reasons: &mut Vec<SkipReason>,
) {
    match out_of_scope {
        None => kept.push(record),
        Some(reason) => {
            reasons.push(reason);
            aside.push(record);
        }
    }
}

/// Builds typed records from rows, whatever their form.
struct Builder {
    source: Source,
    projection: Projection,
    diag: Diagnostics,
    pending: Vec<PendingDate>,
    records: Records,
    /// The records out of scope ([`crate::scope`]), set aside as they are built (so that
    /// the records kept are never moved by a removal) with the reason of each.
    aside: Records,
    aside_reasons: Vec<SkipReason>,
    include_servers: bool,
    columns: BTreeMap<&'static str, String>,
    /// The projected cells of the row being built, kept between rows for its allocation.
    scratch: Vec<Option<&'static str>>,
    /// Per field, the last value interned ([`table::Row::sym`]).
    last_syms: Vec<table::LastSym>,
}

/// An empty vector that reuses the allocation of `v` for borrows of another lifetime (the
/// standard library collects a vector into itself in place when the types match).
fn recycle<'b, T: ?Sized>(mut v: Vec<Option<&T>>) -> Vec<Option<&'b T>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

impl Builder {
    fn new(source: Source, diag: Diagnostics, include_servers: bool) -> Builder {
        let empty = || match source {
            Source::Intune => Records::Intune(Vec::new()),
            Source::Entra => Records::Entra(Vec::new()),
            Source::ConfigMgr => Records::ConfigMgr(Vec::new()),
            Source::Autopilot => Records::Autopilot(Vec::new()),
        };
        Builder {
            source,
            projection: Projection::new(fields_of(source), &[]),
            diag,
            pending: Vec::new(),
            records: empty(),
            aside: empty(),
            aside_reasons: Vec::new(),
            include_servers,
            columns: BTreeMap::new(),
            scratch: Vec::new(),
            last_syms: Vec::new(),
        }
    }

    /// Sets the header; returns the required column when it is missing. With the header's
    /// line, fields carried by more than one column are warned about.
    fn set_header(&mut self, header: &[String], line: Option<u64>) -> Result<(), &'static str> {
        let fields = fields_of(self.source);
        self.projection = Projection::new(fields, header);
        required_ok(self.source, &self.projection)?;
        for (i, f) in fields.iter().enumerate() {
            if let Some(s) = &self.projection.spelled[i] {
                self.columns.entry(f.name).or_insert_with(|| s.clone());
            }
        }
        if let Some(line) = line {
            for f in self.projection.doubled().collect::<Vec<_>>() {
                let positions = &self.projection.positions[f];
                let names: Vec<String> = positions
                    .iter()
                    .take(10)
                    .map(|&i| header[i].trim().to_string())
                    .collect();
                let more = if positions.len() > names.len() {
                    ", ..."
                } else {
                    ""
                };
                self.diag.warn(
                    Some(line),
                    Some(&names[0]),
                    format!(
                        "{} columns carry {}: {}{more}; the first non-empty value from the left \
                         is used",
                        positions.len(),
                        fields[f].name,
                        names.join(", ")
                    ),
                );
            }
        }
        Ok(())
    }

    fn column_name(&self, f: usize) -> String {
        self.projection.spelled[f]
            .clone()
            .unwrap_or_else(|| fields_of(self.source)[f].name.to_string())
    }

    /// Makes room for `n` more records at once (no repeated doubling of a large vector).
    fn reserve(&mut self, n: usize) {
        match &mut self.records {
            Records::Intune(v) => v.reserve_exact(n),
            Records::Entra(v) => v.reserve_exact(n),
            Records::ConfigMgr(v) => v.reserve_exact(n),
            Records::Autopilot(v) => v.reserve_exact(n),
        }
    }

    /// Builds the record of one row; or, when a cell the projection reads is not text
    /// (see [`Cells`]), does nothing and fails.
    fn row(&mut self, line: u64, cells: Cells<'_>) -> Result<(), NotText> {
        let mut projected = recycle(std::mem::take(&mut self.scratch));
        if let Err(e) = self.projection.project(cells, &mut projected) {
            self.scratch = recycle(projected);
            return Err(e);
        }
        // A value no export writes (a runaway field): no value, with a warning.
        let mut overlong: Vec<(usize, usize)> = Vec::new();
        for (f, cell) in projected.iter_mut().enumerate() {
            if let Some(v) = cell.filter(|v| v.len() > MAX_CELL_BYTES) {
                overlong.push((f, v.len()));
                *cell = None;
            }
        }
        for &(f, n) in &overlong {
            let col = self.column_name(f);
            self.diag.cell_warning(
                line,
                &col,
                format!(
                    "a value of {n} bytes, over the limit of {MAX_CELL_BYTES} bytes for a cell: \
                     treated as no value"
                ),
            );
        }
        let index = self.records.len();
        let pending_before = self.pending.len();
        let fields = fields_of(self.source);
        if self.last_syms.len() != fields.len() {
            self.last_syms = vec![Default::default(); fields.len()];
        }
        let mut row = Row {
            cells: &projected,
            last_syms: &self.last_syms,
            line,
            record_index: index,
            fields,
            projection: &self.projection,
            diag: &mut self.diag,
            pending_dates: &mut self.pending,
        };
        // A record out of scope goes aside, its pending dates with it.
        let inc = self.include_servers;
        let (aside_at, reasons) = (self.aside.len(), &mut self.aside_reasons);
        let result = match (&mut self.records, &mut self.aside) {
            (Records::Intune(v), Records::Intune(a)) => intune::build(&mut row)
                .map(|r| place(crate::scope::intune(&r, inc), r, v, a, reasons)),
            (Records::Entra(v), Records::Entra(a)) => entra::build(&mut row)
                .map(|r| place(crate::scope::entra(&r, inc), r, v, a, reasons)),
            (Records::ConfigMgr(v), Records::ConfigMgr(a)) => configmgr::build(&mut row)
                .map(|r| place(crate::scope::configmgr(&r, inc), r, v, a, reasons)),
            (Records::Autopilot(v), _) => autopilot::build(&mut row).map(|r| v.push(r)),
            _ => unreachable!("the records aside are of the builder's source"),
        };
        if self.aside.len() > aside_at {
            for p in &mut self.pending[pending_before..] {
                p.record = aside_at | ASIDE;
            }
        }
        if let Err(mut reject) = result {
            for &(f, n) in &overlong {
                let col = self.column_name(f);
                if reject.column.as_deref() == Some(col.as_str()) {
                    reject.reason = format!(
                        "required column {col:?} holds a value of {n} bytes, over the limit of \
                         {MAX_CELL_BYTES} bytes for a cell"
                    );
                }
            }
            self.diag.reject(reject);
        }
        self.scratch = recycle(projected);
        Ok(())
    }

    /// Decides the day/month order of each slash-date column and fills the dates in.
    fn resolve_dates(&mut self, default: DateOrder) {
        if self.pending.is_empty() {
            return;
        }
        let mut by_field: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
        for p in &self.pending {
            let e = by_field.entry(p.field).or_default();
            e.0 |= p.date.a > 12;
            e.1 |= p.date.b > 12;
        }
        let fields = fields_of(self.source);
        let mut orders: BTreeMap<usize, Option<DateOrder>> = BTreeMap::new();
        for (&field, &(first_big, second_big)) in &by_field {
            let col = self.projection.spelled[field]
                .clone()
                .unwrap_or_else(|| fields[field].name.to_string());
            let order = match (first_big, second_big) {
                (true, true) => {
                    self.diag.warn(
                        None,
                        Some(&col),
                        "slash dates in this column are both day-first and month-first: \
                         the column is unreadable, its dates are treated as unknown",
                    );
                    None
                }
                (true, false) => Some(DateOrder::Dmy),
                (false, true) => Some(DateOrder::Mdy),
                (false, false) => {
                    let name = match default {
                        DateOrder::Mdy => "month-first (mdy)",
                        DateOrder::Dmy => "day-first (dmy)",
                    };
                    self.diag.warn(
                        None,
                        Some(&col),
                        format!(
                            "slash dates in this column could be read either way: \
                             read as {name} (--date-order)"
                        ),
                    );
                    Some(default)
                }
            };
            orders.insert(field, order);
        }
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            let Some(order) = orders.get(&p.field).copied().flatten() else {
                continue;
            };
            let value = p.date.resolve(order);
            if value.is_none() {
                // Named even when the last header seen (JSON) lacks the field.
                let col = self.column_name(p.field);
                self.diag
                    .cell_warning(p.line, &col, "impossible calendar date".to_string());
            }
            let (records, record) = if p.record & ASIDE != 0 {
                (&mut self.aside, p.record & !ASIDE)
            } else {
                (&mut self.records, p.record)
            };
            let slot = match records {
                Records::Intune(v) => v
                    .get_mut(record)
                    .and_then(|r| intune::date_slot(r, p.field)),
                Records::Entra(v) => v.get_mut(record).and_then(|r| entra::date_slot(r, p.field)),
                Records::ConfigMgr(v) => v
                    .get_mut(record)
                    .and_then(|r| configmgr::date_slot(r, p.field)),
                Records::Autopilot(v) => v
                    .get_mut(record)
                    .and_then(|r| autopilot::date_slot(r, p.field)),
            };
            if let Some(slot) = slot {
                *slot = value.into();
            }
        }
    }
}

/// What reading a file's rows produced, before scope is applied.
struct Loaded {
    form: Form,
    builder: Builder,
    rows_read: u64,
    repeated_headers: u64,
    delimiter: Option<char>,
    encoding: text::Encoding,
}

/// Reads one file. `forced` is the source given by `--intune` and friends.
pub fn read_file(
    path: &Path,
    forced: Option<Source>,
    opts: &ReadOptions,
) -> Result<Input, IngestError> {
    read_file_digest_later(path, forced, opts, false).map(|(input, _)| input)
}

/// [`read_file`]; with `later`, a regular file is parsed without its SHA-256 (the
/// returned [`Input::sha256`] is empty) and handed back open, for [`digest::Digests`] to
/// hash when a core is idle. Anything else (a pipe, `no_digest`) is read as by
/// [`read_file`], and no file is handed back.
pub fn read_file_digest_later(
    path: &Path,
    forced: Option<Source>,
    opts: &ReadOptions,
    later: bool,
) -> Result<(Input, Option<digest::Later>), IngestError> {
    let shown = path.display().to_string();
    let io_err = |e: std::io::Error| IngestError::Io {
        path: shown.clone(),
        error: e,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    let later = later && !opts.no_digest && meta.is_file();
    let mut hash = if opts.no_digest || later {
        text::HashState::without_digest()
    } else {
        text::HashState::default()
    };
    let loaded = {
        let hashing = text::HashingReader::new(&mut file, &mut hash);
        let (encoding, mut reader) = text::decode(hashing).map_err(io_err)?;
        match first_significant_byte(&mut reader).map_err(io_err)? {
            None => return Err(IngestError::Empty { path: shown }),
            Some(b'{') | Some(b'[') => {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                budget::check_json(size).map_err(|m| IngestError::Io {
                    path: shown.clone(),
                    error: std::io::Error::new(std::io::ErrorKind::OutOfMemory, m),
                })?;
                load_json(reader, encoding, forced, &shown, opts.include_servers)?
            }
            Some(_) => {
                // UTF-8 text: the file size tells how many rows to expect.
                let size = matches!(encoding, text::Encoding::Utf8 | text::Encoding::Utf8Bom)
                    .then(|| std::fs::metadata(path).map(|m| m.len()).ok())
                    .flatten();
                load_delimited(reader, encoding, forced, &shown, size, opts.include_servers)?
            }
        }
    };
    let (sha256, size) = hash.finish(&mut file).map_err(io_err)?;
    let Loaded {
        form,
        mut builder,
        rows_read,
        repeated_headers,
        delimiter,
        encoding,
    } = loaded;
    builder.resolve_dates(opts.date_order);
    if rows_read == 0 {
        builder.diag.warn(
            None,
            None,
            if form.is_json() {
                "no records: the file holds no device objects"
            } else {
                "no rows: the file holds a header only"
            },
        );
    }
    let mut input = Input {
        path: path.to_path_buf(),
        source: form.source(),
        form,
        encoding: encoding.as_str(),
        delimiter,
        sha256,
        size,
        rows_read,
        skipped: BTreeMap::new(),
        diag: builder.diag,
        records: builder.records,
        columns: builder.columns,
        snapshot_days: Vec::new(),
    };
    input.skip(SkipReason::RepeatedHeader, repeated_headers);
    crate::scope::apply(&mut input, builder.aside, builder.aside_reasons, opts);
    let later = later.then(|| digest::Later::new(file, shown, &meta));
    Ok((input, later))
}

fn load_json(
    mut reader: Box<dyn BufRead + '_>,
    encoding: text::Encoding,
    forced: Option<Source>,
    shown: &str,
    include_servers: bool,
) -> Result<Loaded, IngestError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| IngestError::Io {
            path: shown.to_string(),
            error: e,
        })?;
    let text = String::from_utf8_lossy(&bytes);
    let rows = json::records(&text);
    let keys: Vec<String> = rows
        .records
        .iter()
        .take(16)
        .flat_map(|r| r.keys.iter().cloned())
        .collect();
    let mut form = detect(&keys, true, forced);
    if form.is_none() && rows.records.is_empty() {
        form = rows.context.as_deref().and_then(json::form_from_context);
    }
    // Diagnostic-settings `Devices` records are Intune's whatever columns they carry.
    if form.is_none() && rows.diagnostic && keys.iter().any(|k| k.eq_ignore_ascii_case("DeviceId"))
    {
        form = Some(Form::IntuneDiagnosticLog);
    }
    let Some(mut form) = form else {
        let mut found: Vec<&str> = Vec::new();
        for k in &keys {
            if !found.contains(&k.as_str()) {
                found.push(k);
            }
        }
        let mut found = if found.is_empty() {
            "no JSON objects".to_string()
        } else {
            found_columns(found.into_iter())
        };
        if let Some(r) = rows.rejects.first() {
            found.push_str(&format!("; line {}: {}", r.line, r.reason));
        }
        return Err(IngestError::Unrecognised {
            path: shown.to_string(),
            found,
            expected: EXPECTED_HEADERS.to_string(),
        });
    };
    if form == Form::IntuneGraphJson && rows.diagnostic {
        form = Form::IntuneDiagnosticLog;
    }
    let mut builder = Builder::new(form.source(), Diagnostics::new(shown), include_servers);
    for r in rows.rejects {
        builder.diag.reject(r);
    }
    let rows_read = rows.records.len() as u64 + builder.diag.rejects_total;
    let mut last_keys: Option<Vec<String>> = None;
    for rec in &rows.records {
        if last_keys.as_ref() != Some(&rec.keys) {
            if let Err(column) = builder.set_header(&rec.keys, None) {
                // A record without the required property is rejected, not the file.
                builder.diag.reject(RowReject {
                    line: rec.line,
                    column: Some(column.to_string()),
                    reason: format!("required property {column:?} is missing"),
                });
                last_keys = None;
                continue;
            }
            last_keys = Some(rec.keys.clone());
        }
        let cells: Vec<&str> = rec
            .values
            .iter()
            .map(|c| c.as_deref().unwrap_or(""))
            .collect();
        // Cells given one by one are always text.
        let _ = builder.row(rec.line, Cells::Each(&cells));
    }
    Ok(Loaded {
        form,
        builder,
        rows_read,
        repeated_headers: 0,
        delimiter: None,
        encoding,
    })
}

fn first_significant_byte(r: &mut dyn BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => return Ok(Some(buf[i])),
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

/// Picks `,`, `;` or tab: the one seen most often outside quotes in the header line.
pub fn detect_delimiter(header_line: &str) -> u8 {
    let (mut comma, mut semi, mut tab, mut quoted) = (0, 0, 0, false);
    for c in header_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// Rows read before the number of rows of a file is estimated from its size.
const ESTIMATE_AFTER: u64 = 2048;

fn load_delimited(
    mut reader: Box<dyn BufRead + '_>,
    encoding: text::Encoding,
    forced: Option<Source>,
    shown: &str,
    size: Option<u64>,
    include_servers: bool,
) -> Result<Loaded, IngestError> {
    let io_err = |e: std::io::Error| IngestError::Io {
        path: shown.to_string(),
        error: e,
    };
    // A PowerShell `#TYPE ...` first line is skipped.
    let mut first = Vec::new();
    reader.read_until(b'\n', &mut first).map_err(io_err)?;
    let mut line_offset = 0u64;
    if first.starts_with(b"#TYPE") {
        first.clear();
        reader.read_until(b'\n', &mut first).map_err(io_err)?;
        line_offset = 1;
    }
    // Blank lines before the header are skipped by the csv reader: the delimiter is
    // detected on the header line itself.
    let mut header_start = 0;
    while first[header_start..]
        .iter()
        .all(|b| b.is_ascii_whitespace())
    {
        header_start = first.len();
        if reader.read_until(b'\n', &mut first).map_err(io_err)? == 0 {
            break;
        }
    }
    let header_text = String::from_utf8_lossy(&first[header_start..]).into_owned();
    let delimiter = detect_delimiter(header_text.trim_end_matches(['\r', '\n']));
    let mut rdr = split::Splitter::new(std::io::Cursor::new(first).chain(reader), delimiter);
    let mut header: Vec<String> = Vec::new();
    let mut header_line = 1 + line_offset;
    // The header itself opens a quote that is never closed: the whole file is in it.
    let mut header_unclosed = None;
    if let Some(rec) = rdr.next_record().map_err(io_err)? {
        header = rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        header_line = rec.line + line_offset;
        header_unclosed = rec
            .unclosed
            .map(|u| (u.opened + line_offset, u.last + line_offset));
    }
    let Some(form) = detect(&header, false, forced) else {
        let mut found = found_columns(header.iter().map(String::as_str));
        if let Some((opened, _)) = header_unclosed {
            found.push_str(&format!(
                "; a quoted field opened on line {opened} is never closed"
            ));
        }
        return Err(IngestError::Unrecognised {
            path: shown.to_string(),
            found,
            expected: EXPECTED_HEADERS.to_string(),
        });
    };
    if let Some((opened, last)) = header_unclosed {
        return Err(IngestError::Malformed {
            path: shown.to_string(),
            line: opened,
            reason: format!(
                "the header opens a quoted field that is never closed: lines {opened} to \
                 {last}, the end of the file, are inside it"
            ),
        });
    }
    let source = form.source();
    let mut builder = Builder::new(source, Diagnostics::new(shown), include_servers);
    builder
        .set_header(&header, Some(header_line))
        .map_err(|column| IngestError::MissingColumn {
            path: shown.to_string(),
            src: source.as_str(),
            column,
        })?;
    let header_norm: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    let width = header.len();
    let mut rows_read = 0u64;
    let mut repeated_headers = 0u64;
    let mut cells_buf: Vec<&'static str> = Vec::with_capacity(width);
    while let Some(rec) = rdr.next_record().map_err(io_err)? {
        rows_read += 1;
        if rows_read == ESTIMATE_AFTER && rec.offset > 0 {
            if let Some(size) = size {
                // Rows to come, from the bytes per row so far (plus 2%); capped so that a
                // file of one long first rows and then short ones cannot ask for too much.
                let expected = (size as f64 / rec.offset as f64 * rows_read as f64 * 1.02) as u64;
                builder.reserve(expected.saturating_sub(rows_read).min(size / 16) as usize);
            }
        }
        let line = rec.line + line_offset;
        if let Some(u) = rec.unclosed {
            let (opened, last) = (u.opened + line_offset, u.last + line_offset);
            builder.diag.reject(RowReject {
                line,
                column: None,
                reason: if opened == last {
                    format!(
                        "a quoted field opened on line {opened} is never closed (truncated file?)"
                    )
                } else {
                    format!(
                        "a quoted field opened on line {opened} is never closed: lines \
                         {opened} to {last}, the end of the file, are inside it and unread"
                    )
                },
            });
            continue;
        }
        let extra_blank = rec.len() > width
            && rec
                .iter()
                .skip(width)
                .all(|f| f.iter().all(|b| b.is_ascii_whitespace()));
        if rec.len() != width && !extra_blank {
            builder.diag.reject(RowReject {
                line,
                column: None,
                reason: format!("expected {width} fields, found {}", rec.len()),
            });
            continue;
        }
        // The whole record is checked at once, and the cells the fields read are sliced
        // out of it; only a record that fails is looked at cell by cell, to name the
        // column.
        if let Some(all) = record_text(&rec) {
            let cells = Cells::Ranges(all, &rec.ranges()[..width]);
            if is_header_row(cells, &header_norm) {
                repeated_headers += 1;
                continue;
            }
            if builder.row(line, cells).is_ok() {
                continue;
            }
        }
        let cells = match record_cells(&rec, width, cells_buf) {
            Ok(cells) => cells,
            Err((i, what, buf)) => {
                cells_buf = buf;
                builder.diag.reject(RowReject {
                    line,
                    column: Some(header[i].clone()),
                    reason: format!("{what} in column {:?} (column {})", header[i], i + 1),
                });
                continue;
            }
        };
        if is_header_row(Cells::Each(&cells), &header_norm) {
            repeated_headers += 1;
        } else {
            // Cells given one by one are always text.
            let _ = builder.row(line, Cells::Each(&cells));
        }
        cells_buf = recycle_cells(cells);
    }
    Ok(Loaded {
        form,
        builder,
        rows_read,
        repeated_headers,
        delimiter: Some(delimiter as char),
        encoding,
    })
}

/// An empty vector of cells that reuses the allocation of `v` (see [`recycle`]).
fn recycle_cells<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// A record's bytes as text when they are UTF-8 without a NUL byte (`simdutf8`, already
/// built for polars, checks ASCII several times faster than `std` on records of a few
/// hundred bytes).
fn record_text<'r>(rec: &split::Record<'r>) -> Option<&'r str> {
    let all = simdutf8::basic::from_utf8(rec.bytes()).ok()?;
    memchr::memchr(0, all.as_bytes()).is_none().then_some(all)
}

/// Whether every cell of a row spells its column's header name (normalised by
/// [`norm_header`]): a row that repeats the header is skipped.
fn is_header_row(cells: Cells<'_>, header_norm: &[String]) -> bool {
    cells.len() == header_norm.len()
        && header_norm
            .iter()
            .enumerate()
            .all(|(i, h)| matches!(cells.get(i), Ok(Some(c)) if is_header(c, h)))
}

/// The first `width` cells of a record as text, each checked on its own, in `buf`'s
/// allocation; or the first cell that is not UTF-8 or holds a NUL byte, with what is
/// wrong.
#[allow(clippy::type_complexity)]
fn record_cells<'r>(
    rec: &split::Record<'r>,
    width: usize,
    buf: Vec<&str>,
) -> Result<Vec<&'r str>, (usize, &'static str, Vec<&'static str>)> {
    let mut cells = recycle_cells(buf);
    for (i, f) in rec.iter().take(width).enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) if s.contains('\0') => return Err((i, "NUL bytes", recycle_cells(cells))),
            Ok(s) => cells.push(s),
            Err(_) => return Err((i, "invalid UTF-8", recycle_cells(cells))),
        }
    }
    Ok(cells)
}

/// Whether a cell spells the header name `norm` (already normalised by [`norm_header`]),
/// without allocating: a row that repeats the header is skipped.
fn is_header(cell: &str, norm: &str) -> bool {
    let b = cell.as_bytes();
    // Most cells start and end with a printable ASCII byte other than a quote: nothing to
    // trim (a data row is told from the header by its first cell, once per row).
    let plain = matches!((b.first(), b.last()), (Some(&f), Some(&l))
        if f.is_ascii_graphic() && l.is_ascii_graphic() && f != b'"' && l != b'"');
    if plain {
        return cell.eq_ignore_ascii_case(norm);
    }
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"')
        .eq_ignore_ascii_case(norm)
}

/// The column names of an unrecognised file, for its error message: at most 30, each cut
/// to 60 characters, control characters escaped.
fn found_columns<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut total = 0usize;
    for n in names {
        total += 1;
        if out.len() < 30 {
            let shown: String = n.chars().take(60).flat_map(char::escape_debug).collect();
            let cut = if n.chars().count() > 60 { "..." } else { "" };
            out.push(format!("{shown}{cut}"));
        }
    }
    if total > out.len() {
        out.push(format!("... ({total} columns in all)"));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_spells_a_header_name_trimmed_and_in_any_case() {
        let norm = norm_header("Device name");
        for cell in [
            "Device name",
            "DEVICE NAME",
            " device name ",
            "\"Device name\"",
            "\u{feff}Device name",
        ] {
            assert!(is_header(cell, &norm), "{cell:?}");
        }
        for cell in [
            "Device",
            "Device names",
            "CTS-0000000",
            "",
            "\"",
            "Device\u{a0}name",
        ] {
            assert!(!is_header(cell, &norm), "{cell:?}");
        }
    }
}
