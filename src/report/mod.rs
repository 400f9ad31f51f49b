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
use crate::ingest::digest::Digests;
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
    write_data(analysis, &staging, opts.raw_csv, || Ok(()))?;
    write_rest(analysis, staging, opts)
}

/// [`write_all`] for an analysis from [`crate::analyze::analyze_digesting`]: the digests
/// still being taken are finished beside the data files (devices.csv, devices.parquet and
/// findings.csv need none), and summary.json and the report follow with them. A file that
/// changed while it was analysed is an error and nothing is written.
pub fn write_all_digesting(
    analysis: &mut Analysis,
    digests: Digests,
    dir: &Path,
    opts: &WriteOptions,
) -> std::io::Result<()> {
    let staging = atomic::Staging::new(dir)?;
    let mut digested = None;
    write_data(analysis, &staging, opts.raw_csv, || {
        let _t = timing::span("digests (what the writers left)");
        digested = Some(digests.finish());
        Ok(())
    })?;
    for (at, digest) in digested.unwrap_or_default() {
        let (sha256, size) = digest.map_err(std::io::Error::other)?;
        analysis.inputs[at].sha256 = sha256;
        analysis.inputs[at].size = size;
    }
    write_rest(analysis, staging, opts)
}

/// devices.csv, devices.parquet and findings.csv, in parallel, with `beside` after
/// findings.csv (the shortest).
fn write_data(
    analysis: &Analysis,
    staging: &atomic::Staging,
    raw: bool,
    beside: impl FnOnce() -> std::io::Result<()> + Send,
) -> std::io::Result<()> {
    let (devices, findings) = (&analysis.devices, &analysis.device_findings);
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
            beside()
        },
    );
    a?;
    b?;
    c
}

/// summary.json, the report and the charts, report.xlsx; then the staging folder is
/// committed into place.
fn write_rest(
    analysis: &Analysis,
    staging: atomic::Staging,
    opts: &WriteOptions,
) -> std::io::Result<()> {
    let t = timing::span("write summary.json");
    summary::write(analysis, &staging.path("summary.json"))?;
    drop(t);
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
