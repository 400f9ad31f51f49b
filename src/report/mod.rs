//! Writing what an analysis found: `devices.csv`, `devices.parquet`, `findings.csv` and
//! `summary.json`,
//! into a temporary folder first and renamed into place only when every file is complete.

pub mod atomic;
pub mod charts;
pub mod csv_out;
pub mod figures;
pub mod html;
pub mod parquet;
pub mod summary;
pub mod xlsx;

use crate::analyze::Analysis;
use crate::timing;
use std::path::Path;

/// Options that change what is written.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `--raw-csv`: do not neutralise spreadsheet formulas in CSV cells.
    pub raw_csv: bool,
    /// Also write `report.xlsx`.
    pub xlsx: bool,
    /// Skip `report.html` and the charts (benchmarks, machine consumers).
    pub no_html: bool,
}

/// Every file or folder `analyze` may write, but `summary.json`.
pub const OUTPUTS: &[&str] = &[
    "devices.csv",
    "devices.parquet",
    "findings.csv",
    "report.html",
    "charts",
    "report.xlsx",
];

/// Writes the full output set of `analyze` into `dir`, atomically.
pub fn write_all(analysis: &Analysis, dir: &Path, opts: &WriteOptions) -> std::io::Result<()> {
    let staging = atomic::Staging::new(dir)?;
    let (devices, findings) = (&analysis.devices, &analysis.device_findings);
    let raw = opts.raw_csv;
    let ((a, b), c) = rayon::join(
        || {
            rayon::join(
                || {
                    let _t = timing::span("write devices.csv");
                    csv_out::write_devices(devices, findings, &staging.path("devices.csv"), raw)
                },
                || {
                    let _t = timing::span("write devices.parquet");
                    parquet::write_devices(devices, findings, &staging.path("devices.parquet"))
                },
            )
        },
        || {
            let t = timing::span("write findings.csv");
            let path = staging.path("findings.csv");
            csv_out::write_findings(&analysis.outcome.findings, devices, &path, raw)?;
            drop(t);
            let _t = timing::span("write summary.json");
            summary::write(analysis, &staging.path("summary.json"))
        },
    );
    a?;
    b?;
    c?;
    let mut files = vec!["devices.csv", "devices.parquet", "findings.csv"];
    if !opts.no_html {
        let _t = timing::span("write report.html and charts");
        let mut charts = figures::analysis_charts(analysis);
        charts.push(figures::funnel_chart(analysis));
        let recs = crate::recommend::recommend_all(analysis);
        let plan = crate::recommend::plan(&analysis.devices, &recs);
        let svgs = charts::render_all(&charts, &staging.path("charts"))?;
        let named: Vec<(String, String)> =
            charts.iter().map(|c| c.name.clone()).zip(svgs).collect();
        std::fs::write(
            staging.path("report.html"),
            html::page(analysis, &named, &plan),
        )?;
        files.push("report.html");
        files.push("charts");
    }
    if opts.xlsx {
        xlsx::write(analysis, &staging.path("report.xlsx"))?;
        files.push("report.xlsx");
    }
    staging.commit(&files, "summary.json", OUTPUTS)
}
