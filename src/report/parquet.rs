//! `devices.parquet`: the columns of `devices.csv` with their types (booleans, a UTC
//! timestamp), raw values (no formula neutralising).

use super::csv_out::{device_cell, DeviceFindings, DEVICE_COLUMNS};
use crate::classify::Classified;
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
