//! `devices.parquet`: the columns of `devices.csv` with their types (booleans, a UTC
//! timestamp), raw values (no formula neutralising).

use super::csv_out::{device_cells, DeviceFindings, DEVICE_COLUMNS};
use crate::classify::Classified;
use polars::prelude::*;
use std::io;
use std::path::Path;

fn to_io(e: PolarsError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Builds the device frame (also the input of later stages that work on frames).
pub fn device_frame(
    devices: &[Classified],
    findings: &[DeviceFindings],
) -> PolarsResult<DataFrame> {
    let n = devices.len();
    let mut text: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(n); DEVICE_COLUMNS.len()];
    for (d, f) in devices.iter().zip(findings) {
        for (i, c) in device_cells(d, f).into_iter().enumerate() {
            text[i].push(if c.is_empty() {
                None
            } else {
                Some(c.into_owned())
            });
        }
    }
    let mut columns = Vec::with_capacity(DEVICE_COLUMNS.len());
    for (i, name) in DEVICE_COLUMNS.iter().enumerate() {
        let col: Column = match *name {
            "autopilot_registered" => Column::new(
                (*name).into(),
                devices
                    .iter()
                    .map(|d| d.autopilot_registered)
                    .collect::<Vec<_>>(),
            ),
            "stale" => Column::new(
                (*name).into(),
                devices.iter().map(|d| d.stale).collect::<Vec<_>>(),
            ),
            "tenant_attached" => Column::new(
                (*name).into(),
                devices
                    .iter()
                    .map(|d| d.tenant_attached)
                    .collect::<Vec<_>>(),
            ),
            "last_seen" => Column::new(
                (*name).into(),
                devices.iter().map(|d| d.last_seen).collect::<Vec<_>>(),
            )
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
            _ => Column::new((*name).into(), std::mem::take(&mut text[i])),
        };
        columns.push(col);
    }
    DataFrame::new(n, columns)
}

pub fn write_devices(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
) -> io::Result<()> {
    let mut df = device_frame(devices, findings).map_err(to_io)?;
    let file = std::fs::File::create(path)?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Uncompressed)
        .finish(&mut df)
        .map_err(to_io)?;
    Ok(())
}
