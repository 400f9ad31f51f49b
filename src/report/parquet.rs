//! `devices.parquet`: the columns of `devices.csv` with their types (booleans, a UTC
//! timestamp, the closed value sets of model.md and the sets `sources` and `workloads` as
//! enums), raw values (no formula neutralising).

use super::csv_out::{device_cell, source_labels, workload_labels, DeviceFindings, DEVICE_COLUMNS};
use crate::classify::Classified;
use crate::model::Member;
use polars::prelude::*;
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

pub fn write_devices(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut first = device_frame(
        &devices[..devices.len().min(ROW_GROUP)],
        &findings[..devices.len().min(ROW_GROUP)],
    )
    .map_err(to_io)?;
    let mut writer = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Uncompressed)
        .batched(first.schema())
        .map_err(to_io)?;
    first.rechunk_mut();
    writer.write_batch(&first).map_err(to_io)?;
    drop(first);
    for (d, f) in devices
        .chunks(ROW_GROUP)
        .zip(findings.chunks(ROW_GROUP))
        .skip(1)
    {
        let df = device_frame(d, f).map_err(to_io)?;
        writer.write_batch(&df).map_err(to_io)?;
    }
    writer.finish().map_err(to_io)?;
    Ok(())
}
