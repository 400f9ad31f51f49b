//! `devices.parquet`: the columns of `devices.csv` with their types (booleans, a UTC
//! timestamp, the closed value sets of model.md and the sets `sources` and `workloads` as
//! enums), raw values (no formula neutralising).

use super::csv_out::{source_labels, workload_labels, DeviceFindings, DEVICE_COLUMNS};
use crate::classify::Classified;
use crate::ingest::value::{Guid, Id};
use crate::model::Member;
use polars::io::parquet::write::get_encodings;
use polars::prelude::*;
use polars_parquet::write::{
    array_to_columns, compress, CompressedPage, CompressionOptions, Encoding, Version,
    WriteOptions as PageOptions,
};
use rayon::prelude::*;
use std::io;
use std::path::Path;

fn to_io(e: PolarsError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Builds the device frame straight from the devices (no per-cell strings), in two passes
/// of about equal work, one per core: the ids and names, and the rest. Each pass reads
/// every device once and appends to all of its columns; a pass per column read each
/// device's cache line 26 times, the devices being many times the caches.
pub fn device_frame(
    devices: &[Classified],
    findings: &[DeviceFindings],
) -> PolarsResult<DataFrame> {
    let n = devices.len();
    let (ids, rest) = rayon::join(|| id_columns(devices), || other_columns(devices, findings));
    let mut by_name: Vec<Column> = ids.into_iter().chain(rest?).collect();
    let mut columns = Vec::with_capacity(DEVICE_COLUMNS.len());
    for name in DEVICE_COLUMNS {
        let at = by_name
            .iter()
            .position(|c| c.name().as_str() == *name)
            .ok_or_else(|| polars_err!(ColumnNotFound: "{name}"))?;
        columns.push(by_name.swap_remove(at));
    }
    DataFrame::new(n, columns)
}

/// The text builders of one pass, with a GUID formatted on the stack.
struct Texts {
    builders: Vec<StringChunkedBuilder>,
    guid: [u8; 36],
}

impl Texts {
    fn new(names: &[&str], n: usize) -> Texts {
        Texts {
            builders: names
                .iter()
                .map(|&name| StringChunkedBuilder::new(name.into(), n))
                .collect(),
            guid: [0; 36],
        }
    }

    /// Text, an empty cell as null (as [`super::csv_out::device_cell`] gives it).
    fn text(&mut self, at: usize, v: Option<&str>) {
        match v {
            Some(s) if !s.is_empty() => self.builders[at].append_value(s),
            _ => self.builders[at].append_null(),
        }
    }

    /// A GUID (lower case, hyphenated).
    fn guid(&mut self, at: usize, v: Option<Guid>) {
        match v {
            Some(g) => self.builders[at].append_value(g.format(&mut self.guid)),
            None => self.builders[at].append_null(),
        }
    }

    /// An id: a GUID formatted here, any other id as its text.
    fn id(&mut self, at: usize, v: Option<&Id>) {
        match v {
            Some(&Id::Guid(g)) => self.guid(at, Some(g)),
            Some(Id::Text(t)) => self.text(at, Some(t.as_str())),
            None => self.text(at, None),
        }
    }

    fn finish(self) -> Vec<Column> {
        self.builders
            .into_iter()
            .map(|b| b.finish().into_column())
            .collect()
    }
}

/// The ids and names ([`UNIQUE_TEXT`], in its order): one per device, formatted and
/// copied.
fn id_columns(devices: &[Classified]) -> Vec<Column> {
    let mut t = Texts::new(&UNIQUE_TEXT, devices.len());
    for d in devices {
        t.id(0, Some(&d.device_key));
        t.text(1, d.device_name.as_deref());
        t.guid(2, d.entra_device_id);
        t.id(3, d.entra_object_id.as_ref());
        t.id(4, d.intune_device_id.as_ref());
        t.text(5, d.configmgr_resource_id.as_deref());
        t.guid(6, d.autopilot_id);
        t.text(7, d.serial_number.as_deref());
        t.id(8, d.autopilot_object_id.as_ref());
    }
    t.finish()
}

/// The classification values, flags, sets, the time last seen, and the repeated text
/// (versions, users, rule codes).
fn other_columns(devices: &[Classified], findings: &[DeviceFindings]) -> PolarsResult<Vec<Column>> {
    let n = devices.len();
    let code = |name: &str| PrimitiveChunkedBuilder::<UInt8Type>::new(name.into(), n);
    let flag = |name: &str| BooleanChunkedBuilder::new(name.into(), n);
    let (mut state, mut join_type, mut management, mut ownership) = (
        code("state"),
        code("join_type"),
        code("management"),
        code("ownership"),
    );
    let (mut ownership_source, mut enrollment_method, mut os, mut max_severity) = (
        code("ownership_source"),
        code("enrollment_method"),
        code("os"),
        code("max_severity"),
    );
    let (mut sources, mut workloads) = (code("sources"), code("workloads"));
    let (mut autopilot_registered, mut stale, mut tenant_attached) = (
        flag("autopilot_registered"),
        flag("stale"),
        flag("tenant_attached"),
    );
    let mut last_seen = PrimitiveChunkedBuilder::<Int64Type>::new("last_seen".into(), n);
    let mut t = Texts::new(&["os_version", "primary_user", "findings"], n);
    let mut codes = String::new();
    for (d, f) in devices.iter().zip(findings) {
        state.append_option(Some(code_of(d.state)));
        join_type.append_option(Some(code_of(d.join_type)));
        management.append_option(Some(code_of(d.management)));
        ownership.append_option(Some(code_of(d.ownership)));
        ownership_source.append_option(Some(code_of(d.ownership_source)));
        enrollment_method.append_option(Some(code_of(d.enrollment_method)));
        os.append_option(d.os.map(code_of));
        max_severity.append_option(f.1.map(code_of));
        // The empty set is null; set `bits` is category `bits - 1`.
        sources.append_option(d.sources.bits().checked_sub(1));
        workloads.append_option(d.workloads.bits().checked_sub(1));
        autopilot_registered.append_value(d.autopilot_registered);
        stale.append_value(d.stale);
        tenant_attached.append_value(d.tenant_attached);
        last_seen.append_option(d.last_seen);
        t.text(0, d.os_version.as_deref());
        t.text(1, d.primary_user.as_deref());
        codes.clear();
        for (i, c) in f.0.iter().enumerate() {
            if i > 0 {
                codes.push(';');
            }
            codes.push_str(c);
        }
        t.text(2, Some(&codes));
    }
    let mut columns = vec![
        value_set::<crate::model::State>(state.finish())?,
        value_set::<crate::model::JoinType>(join_type.finish())?,
        value_set::<crate::model::Management>(management.finish())?,
        value_set::<crate::model::Ownership>(ownership.finish())?,
        value_set::<crate::model::OwnershipSource>(ownership_source.finish())?,
        value_set::<crate::model::EnrollmentMethod>(enrollment_method.finish())?,
        value_set::<crate::model::Os>(os.finish())?,
        value_set::<crate::rules::Severity>(max_severity.finish())?,
        set_column(source_labels(), sources.finish())?,
        set_column(workload_labels(), workloads.finish())?,
        autopilot_registered.finish().into_column(),
        stale.finish().into_column(),
        tenant_attached.finish().into_column(),
        last_seen
            .finish()
            .into_column()
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
    ];
    columns.extend(t.finish());
    Ok(columns)
}

/// A value's category in [`value_set`]: its index in its value set.
fn code_of<T: Member>(v: T) -> u8 {
    v.index() as u8
}

/// A column of one of model.md's closed value sets as a polars `Enum` of the whole set, in
/// the set's order, from each value's index ([`code_of`]): Parquet holds it as a dictionary-encoded
/// string column (DuckDB, Spark and Power BI read text; polars and Arrow readers also get
/// the value set), and the writer has no dictionary to build from a million strings.
fn value_set<T: Member>(codes: UInt8Chunked) -> PolarsResult<Column> {
    let mut labels: Vec<&str> = vec![""; T::all().len()];
    for &v in T::all() {
        labels[v.index()] = v.label();
    }
    let dtype = DataType::from_frozen_categories(FrozenCategories::new(labels)?);
    Ok(Categorical8Chunked::from_cats_and_dtype(codes, dtype)
        .into_series()
        .into_column())
}

/// A column of sets (`sources`, `workloads`) as a polars `Enum` of every non-empty set
/// there can be (`labels`, indexed by the set's bits, as in devices.csv), from each set's
/// bits less one (the empty set as null): dictionary-encoded text in the file, with no
/// string built or hashed per device. The categories do not depend on the data, so every
/// row group, snapshot and tenant has the same schema.
fn set_column(labels: &'static [String], codes: UInt8Chunked) -> PolarsResult<Column> {
    let categories: Vec<&str> = labels[1..].iter().map(String::as_str).collect();
    let dtype = DataType::from_frozen_categories(FrozenCategories::new(categories)?);
    Ok(Categorical8Chunked::from_cats_and_dtype(codes, dtype)
        .into_series()
        .into_column())
}

/// Devices per row group: each group's frame is built, written and freed in turn, so the
/// file never needs a frame of the whole fleet.
const ROW_GROUP: usize = 1 << 18;

/// The text columns that hold a different value for nearly every device.
const UNIQUE_TEXT: [&str; 9] = [
    "device_key",
    "device_name",
    "entra_device_id",
    "entra_object_id",
    "intune_device_id",
    "configmgr_resource_id",
    "autopilot_id",
    "serial_number",
    "autopilot_object_id",
];

/// The text columns of [`UNIQUE_TEXT`] in device order: the key, and the Entra device id
/// that most keys are. The others' order has nothing to do with the devices' (see
/// `write_devices_in_groups`).
const IN_DEVICE_ORDER: [&str; 2] = ["device_key", "entra_device_id"];

pub fn write_devices(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
) -> io::Result<()> {
    write_devices_in_groups(devices, findings, path, ROW_GROUP)
}

/// [`write_devices`] with `group` devices per row group.
pub fn write_devices_in_groups(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
    group: usize,
) -> io::Result<()> {
    let group = group.max(1);
    let file = std::fs::File::create(path)?;
    let first = device_frame(
        &devices[..devices.len().min(group)],
        &findings[..devices.len().min(group)],
    )
    .map_err(to_io)?;
    let mut writer = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Uncompressed)
        .batched(first.schema())
        .map_err(to_io)?;
    let mut encodings = get_encodings(&first.schema().to_arrow(CompatLevel::newest())).to_vec();
    // The ids are one per device: plain, without the cardinality estimate (a HyperLogLog
    // over every value) that finds them too many for a dictionary, and without the
    // dictionary the writer does build for a mostly null column (its estimate counts the
    // nulls) or one of 128 values or fewer: a dictionary of values that are all different,
    // hashed one by one. At 1M devices the two were about 1.5% of the run's CPU samples,
    // and the file is 1% smaller (four id columns held dictionaries). The other text
    // columns (versions, users, findings) repeat, and keep the writer's choice.
    for (e, name) in encodings.iter_mut().zip(DEVICE_COLUMNS) {
        if UNIQUE_TEXT.contains(name) {
            e.iter_mut().for_each(|e| *e = Encoding::Plain);
        }
    }
    // The options `ParquetWriter` gives its own pages (statistics by default, format 1.0),
    // but for the ids in no order: devices are sorted by `device_key` (and most keys are
    // the Entra device id), so a row group's smallest and largest of any other id span
    // nearly all ids and can never skip a group; they cost a comparison per value. Their
    // null counts stay.
    let options: Vec<PageOptions> = DEVICE_COLUMNS
        .iter()
        .map(|name| {
            let mut statistics = StatisticsOptions::default();
            if UNIQUE_TEXT.contains(name) && !IN_DEVICE_ORDER.contains(name) {
                statistics.min_value = false;
                statistics.max_value = false;
            }
            PageOptions {
                statistics,
                compression: CompressionOptions::Uncompressed,
                version: Version::V1,
                data_page_size: None,
            }
        })
        .collect();
    // Each group is encoded while the one before it is written and the next one's frame
    // is built (all on every core): the file is written in group order, and no core waits
    // for a write but after the last group.
    let types = writer.parquet_schema().fields().to_vec();
    let mut rest = devices.chunks(group).zip(findings.chunks(group)).skip(1);
    let mut frame = Some(first);
    let mut encoded: Option<Vec<(u64, Vec<Vec<CompressedPage>>)>> = None;
    while let Some(df) = frame.take() {
        let (pages, (next, written)) = rayon::join(
            || encode_group(df, &types, &encodings, &options),
            || {
                let written = encoded
                    .take()
                    .map(|g| write_groups(&mut writer, g))
                    .transpose();
                let next = rest.next().map(|(d, f)| device_frame(d, f)).transpose();
                (next, written)
            },
        );
        written.map_err(to_io)?;
        encoded = Some(pages.map_err(to_io)?);
        frame = next.map_err(to_io)?;
    }
    if let Some(groups) = encoded {
        write_groups(&mut writer, groups).map_err(to_io)?;
    }
    writer.finish().map_err(to_io)?;
    Ok(())
}

/// Writes encoded row groups, in order.
fn write_groups(
    writer: &mut polars::io::parquet::write::BatchedWriter<std::fs::File>,
    groups: Vec<(u64, Vec<Vec<CompressedPage>>)>,
) -> PolarsResult<()> {
    groups
        .into_iter()
        .try_for_each(|(rows, columns)| writer.write_row_group(rows, &columns))
}

/// The pages of one row group: its columns encoded on every core. (polars' `write_batch`
/// encodes each column's pages as it writes them, on one thread: about a third of this
/// file's samples at 1M devices, on the last stage to end.) The pages and the file are
/// those `write_batch` gives, byte for byte.
#[allow(clippy::type_complexity)]
fn encode_group(
    mut df: DataFrame,
    types: &[polars_parquet::parquet::schema::types::ParquetType],
    encodings: &[Vec<polars_parquet::write::Encoding>],
    options: &[PageOptions],
) -> PolarsResult<Vec<(u64, Vec<Vec<CompressedPage>>)>> {
    df.rechunk_mut();
    // No row group for no devices (as `write_batch`): the file then holds the schema only.
    df.iter_chunks(CompatLevel::newest(), false)
        .filter(|b| !b.is_empty())
        .map(|batch| {
            let columns: Vec<Vec<Vec<CompressedPage>>> = batch
                .columns()
                .par_iter()
                .zip(types)
                .zip(encodings)
                .zip(options)
                .map(|(((array, type_), encoding), &options)| {
                    array_to_columns(array, type_.clone(), options, encoding)?
                        .into_iter()
                        .map(|pages| {
                            pages
                                .map(|page| Ok(compress(page?, Vec::new(), options.compression)?))
                                .collect::<PolarsResult<Vec<_>>>()
                        })
                        .collect()
                })
                .collect::<PolarsResult<_>>()?;
            Ok((batch.len() as u64, columns.into_iter().flatten().collect()))
        })
        .collect()
}
