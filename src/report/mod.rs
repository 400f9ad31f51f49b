//! Writing what an analysis found: `devices.csv`, `devices.parquet`, `findings.csv` and
//! `summary.json`,
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
    let (devices, findings) = (&analysis.devices, &analysis.device_findings);
    let raw = opts.raw_csv;
    let ((a, b), c) = rayon::join(
        || {
            rayon::join(
                || csv_out::write_devices(devices, findings, &staging.path("devices.csv"), raw),
                || parquet::write_devices(devices, findings, &staging.path("devices.parquet")),
            )
        },
        || {
            let path = staging.path("findings.csv");
            csv_out::write_findings(&analysis.outcome.findings, devices, &path, raw)
        },
    );
    a?;
    b?;
    c?;
    summary::write(analysis, &staging.path("summary.json"))?;
    staging.commit(
        &["devices.csv", "devices.parquet", "findings.csv"],
        "summary.json",
    )
}
