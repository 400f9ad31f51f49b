//! `devices.parquet`: the columns of `devices.csv` with their types (booleans, a UTC
//! timestamp, the closed value sets of model.md and the sets `sources` and `workloads` as
//! enums), raw values (no formula neutralising).

use super::csv_out::{device_cell, source_labels, workload_labels, DeviceFindings, DEVICE_COLUMNS};
use crate::classify::Classified;
use crate::ingest::value::{Guid, Id};
use crate::model::Member;
use polars::io::parquet::write::{get_encodings, BatchedWriter};
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

/// Builds the device frame (also the input of later stages that work on frames): one
/// column at a time, in parallel, straight from the devices (no per-cell strings).
pub fn device_frame(
    devices: &[Classified],
    findings: &[DeviceFindings],
) -> PolarsResult<DataFrame> {
    let n = devices.len();
    let columns: Vec<Column> = DEVICE_COLUMNS
        .par_iter()
        .enumerate()
        .map(|(i, &name)| -> PolarsResult<Column> {
            let bools = |f: fn(&Classified) -> bool| {
                Column::new(name.into(), devices.iter().map(f).collect::<Vec<_>>())
            };
            Ok(match name {
                "state" => value_set(name, devices.iter().map(|d| Some(d.state)))?,
                "join_type" => value_set(name, devices.iter().map(|d| Some(d.join_type)))?,
                "management" => value_set(name, devices.iter().map(|d| Some(d.management)))?,
                "ownership" => value_set(name, devices.iter().map(|d| Some(d.ownership)))?,
                "ownership_source" => {
                    value_set(name, devices.iter().map(|d| Some(d.ownership_source)))?
                }
                "enrollment_method" => {
                    value_set(name, devices.iter().map(|d| Some(d.enrollment_method)))?
                }
                "os" => value_set(name, devices.iter().map(|d| d.os))?,
                "max_severity" => value_set(name, findings.iter().map(|f| f.1))?,
                "sources" => set_column(
                    name,
                    source_labels(),
                    devices.iter().map(|d| d.sources.bits()),
                )?,
                "workloads" => set_column(
                    name,
                    workload_labels(),
                    devices.iter().map(|d| d.workloads.bits()),
                )?,
                "autopilot_registered" => bools(|d| d.autopilot_registered),
                "stale" => bools(|d| d.stale),
                "tenant_attached" => bools(|d| d.tenant_attached),
                "last_seen" => Column::new(
                    name.into(),
                    devices.iter().map(|d| d.last_seen).collect::<Vec<_>>(),
                )
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
                "device_key" => id_column(name, devices.iter().map(|d| Some(&d.device_key))),
                "device_name" => {
                    text_column(name, devices.iter().map(|d| d.device_name.as_deref()))
                }
                "entra_device_id" => guid_column(name, devices.iter().map(|d| d.entra_device_id)),
                "entra_object_id" => {
                    id_column(name, devices.iter().map(|d| d.entra_object_id.as_ref()))
                }
                "intune_device_id" => {
                    id_column(name, devices.iter().map(|d| d.intune_device_id.as_ref()))
                }
                "configmgr_resource_id" => text_column(
                    name,
                    devices.iter().map(|d| d.configmgr_resource_id.as_deref()),
                ),
                "autopilot_id" => guid_column(name, devices.iter().map(|d| d.autopilot_id)),
                "serial_number" => {
                    text_column(name, devices.iter().map(|d| d.serial_number.as_deref()))
                }
                "os_version" => text_column(name, devices.iter().map(|d| d.os_version.as_deref())),
                "primary_user" => {
                    text_column(name, devices.iter().map(|d| d.primary_user.as_deref()))
                }
                "autopilot_object_id" => {
                    id_column(name, devices.iter().map(|d| d.autopilot_object_id.as_ref()))
                }
                _ => StringChunked::from_iter_options(
                    name.into(),
                    devices.iter().zip(findings).map(|(d, f)| {
                        let c = device_cell(i, d, f);
                        (!c.is_empty()).then_some(c)
                    }),
                )
                .into_column(),
            })
        })
        .collect::<PolarsResult<_>>()?;
    DataFrame::new(n, columns)
}

/// A text column straight from the devices' fields, an empty cell as null (as
/// [`device_cell`] gives it): no cell enum, no column dispatch per cell.
fn text_column<'a>(name: &str, values: impl ExactSizeIterator<Item = Option<&'a str>>) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), values.len());
    for v in values {
        match v {
            Some(s) if !s.is_empty() => b.append_value(s),
            _ => b.append_null(),
        }
    }
    b.finish().into_column()
}

/// A column of GUIDs, each formatted on the stack (lower case, hyphenated).
fn guid_column(name: &str, values: impl ExactSizeIterator<Item = Option<Guid>>) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), values.len());
    let mut buf = [0u8; 36];
    for v in values {
        match v {
            Some(g) => b.append_value(g.format(&mut buf)),
            None => b.append_null(),
        }
    }
    b.finish().into_column()
}

/// A column of ids: a GUID formatted on the stack, any other id as its text.
fn id_column<'a>(name: &str, values: impl ExactSizeIterator<Item = Option<&'a Id>>) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), values.len());
    let mut buf = [0u8; 36];
    for v in values {
        match v {
            Some(Id::Guid(g)) => b.append_value(g.format(&mut buf)),
            Some(Id::Text(t)) if !t.is_empty() => b.append_value(t.as_str()),
            _ => b.append_null(),
        }
    }
    b.finish().into_column()
}

/// A column of one of model.md's closed value sets as a polars `Enum` of the whole set, in
/// the set's order: Parquet holds it as a dictionary-encoded string column (DuckDB, Spark
/// and Power BI read text; polars and Arrow readers also get the value set), and the writer
/// has no dictionary to build from a million strings.
fn value_set<T: Member>(
    name: &str,
    values: impl Iterator<Item = Option<T>>,
) -> PolarsResult<Column> {
    let codes =
        UInt8Chunked::from_iter_options(name.into(), values.map(|v| v.map(|v| v.index() as u8)));
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
/// there can be (`labels`, indexed by the set's bits, as in devices.csv), the empty set
/// as null: dictionary-encoded text in the file, with no string built or hashed per
/// device. The categories do not depend on the data, so every row group, snapshot and
/// tenant has the same schema.
fn set_column(
    name: &str,
    labels: &'static [String],
    bits: impl Iterator<Item = u8>,
) -> PolarsResult<Column> {
    let codes = UInt8Chunked::from_iter_options(name.into(), bits.map(|b| b.checked_sub(1)));
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

/// The ids whose order has nothing to do with the devices' (see `write_devices_in_groups`).
const UNORDERED: [&str; 7] = [
    "device_name",
    "entra_object_id",
    "intune_device_id",
    "configmgr_resource_id",
    "autopilot_id",
    "serial_number",
    "autopilot_object_id",
];

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
            if UNORDERED.contains(name) {
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
    write_group(&mut writer, first, &encodings, &options).map_err(to_io)?;
    for (d, f) in devices.chunks(group).zip(findings.chunks(group)).skip(1) {
        let df = device_frame(d, f).map_err(to_io)?;
        write_group(&mut writer, df, &encodings, &options).map_err(to_io)?;
    }
    writer.finish().map_err(to_io)?;
    Ok(())
}

/// Writes `df` as one row group, its columns encoded into pages on every core first, then
/// written in order. (polars' `write_batch` encodes each column's pages as it writes them,
/// on one thread: about a third of this file's samples at 1M devices, on the last stage to
/// end.) The pages and the file are those `write_batch` gives, byte for byte.
fn write_group(
    writer: &mut BatchedWriter<std::fs::File>,
    mut df: DataFrame,
    encodings: &[Vec<polars_parquet::write::Encoding>],
    options: &[PageOptions],
) -> PolarsResult<()> {
    df.rechunk_mut();
    let types = writer.parquet_schema().fields().to_vec();
    // No row group for no devices (as `write_batch`): the file then holds the schema only.
    for batch in df
        .iter_chunks(CompatLevel::newest(), false)
        .filter(|b| !b.is_empty())
    {
        let rows = batch.len() as u64;
        let columns: Vec<Vec<Vec<CompressedPage>>> = batch
            .columns()
            .par_iter()
            .zip(&types)
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
        let columns: Vec<Vec<CompressedPage>> = columns.into_iter().flatten().collect();
        writer.write_row_group(rows, &columns)?;
    }
    Ok(())
}
