//! Writing what an analysis found: `devices.csv`, `devices.parquet` and `summary.json`,
//! into a temporary folder first and renamed into place only when every file is complete.

pub mod atomic;
pub mod csv_out;
pub mod parquet;
pub mod summary;

use crate::analyze::Analysis;
use std::path::Path;

/// Options that change what is written.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `--raw-csv`: do not neutralise spreadsheet formulas in CSV cells.
    pub raw_csv: bool,
}

/// Writes the full output set of `analyze` into `dir`, atomically.
pub fn write_all(analysis: &Analysis, dir: &Path, opts: &WriteOptions) -> std::io::Result<()> {
    let staging = atomic::Staging::new(dir)?;
    let (a, b) = rayon::join(
        || {
            csv_out::write_devices(
                &analysis.devices,
                &staging.path("devices.csv"),
                opts.raw_csv,
            )
        },
        || parquet::write_devices(&analysis.devices, &staging.path("devices.parquet")),
    );
    a?;
    b?;
    summary::write(analysis, &staging.path("summary.json"))?;
    staging.commit(&["devices.csv", "devices.parquet"], "summary.json")
}
