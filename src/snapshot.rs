//! Snapshots for `trend` and `diff` (model.md section 3): an earlier `analyze` output
//! folder, a folder of raw exports (analysed here), or an Intune diagnostic `Devices` log
//! spanning several days (one snapshot per UTC day).

use crate::analyze::{self, Analysis, AnalyzeOptions, InputSpec};
use crate::ingest::value::{format_ts, Text};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One device as a snapshot holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRow {
    pub device_key: Text,
    pub device_name: Text,
    pub state: Text,
    pub join_type: Text,
    pub management: Text,
    pub ownership: Text,
    pub stale: bool,
    /// Unsuppressed rule codes.
    pub findings: BTreeSet<Text>,
}

/// What a snapshot says, whatever it was read from.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub date: String,
    pub origin: String,
    pub devices: Vec<DeviceRow>,
    /// Unsuppressed findings by severity and by rule (from the run that produced it).
    pub by_severity: BTreeMap<String, usize>,
    pub by_rule: BTreeMap<String, usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Analyze(#[from] analyze::AnalyzeError),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("two snapshots have the date {date}: {a} and {b}")]
    SameDate { date: String, a: String, b: String },
}

fn invalid(path: &Path, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// `YYYY-MM-DD` as the last component of a folder name.
fn date_of_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    chrono::NaiveDate::parse_from_str(name, "%Y-%m-%d")
        .ok()
        .map(|_| name.to_string())
}

pub fn from_analysis(a: &Analysis, date: String, origin: String) -> Snapshot {
    let mut by_severity: BTreeMap<String, usize> = ["error", "warning", "info"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut by_rule = BTreeMap::new();
    for f in a.outcome.findings.iter().filter(|f| f.suppressed.is_none()) {
        *by_severity
            .entry(f.severity.as_str().to_string())
            .or_default() += 1;
        *by_rule.entry(f.rule.code.to_string()).or_default() += 1;
    }
    let devices = a
        .devices
        .iter()
        .zip(&a.device_findings)
        .map(|(d, f)| DeviceRow {
            device_key: d.device_key.to_text(),
            device_name: d.device_name.clone().unwrap_or_default(),
            state: Text::const_new(d.state.as_str()),
            join_type: Text::const_new(d.join_type.as_str()),
            management: Text::const_new(d.management.as_str()),
            ownership: Text::const_new(d.ownership.as_str()),
            stale: d.stale,
            findings: f.0.iter().map(|c| Text::const_new(c)).collect(),
        })
        .collect();
    Snapshot {
        date,
        origin,
        devices,
        by_severity,
        by_rule,
    }
}

/// Reads an `analyze` output folder (refusing an incomplete one).
pub fn from_output(dir: &Path) -> Result<Snapshot, SnapshotError> {
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|_| {
        invalid(
            dir,
            "no summary.json: not a complete analyze output (an interrupted run?)",
        )
    })?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(&summary_path, e.to_string()))?;
    let as_of = summary["as_of"]
        .as_str()
        .map(|s| s.get(..10).unwrap_or(s).to_string());
    let date = date_of_name(dir).or(as_of).ok_or_else(|| {
        invalid(
            dir,
            "no date: name the folder YYYY-MM-DD or give data with activity times",
        )
    })?;
    let map = |v: &serde_json::Value| -> BTreeMap<String, usize> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as usize))
                    .collect()
            })
            .unwrap_or_default()
    };
    let by_severity = map(&summary["findings"]["by_severity"]);
    let by_rule = map(&summary["findings"]["by_rule"]);
    let pq = dir.join("devices.parquet");
    let file = std::fs::File::open(&pq).map_err(|e| invalid(&pq, e.to_string()))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| invalid(&pq, e.to_string()))?;
    let bad = |e: PolarsError| invalid(&pq, e.to_string());
    let text_col = |name: &str| -> Result<Vec<String>, SnapshotError> {
        // The value-set columns are enums (strings in reports of earlier versions).
        let c = df
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(bad)?;
        let s = c.as_materialized_series().str().map_err(bad)?;
        Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let keys = text_col("device_key")?;
    let names = text_col("device_name")?;
    let states = text_col("state")?;
    let joins = text_col("join_type")?;
    let mgmt = text_col("management")?;
    let owners = text_col("ownership")?;
    let findings = text_col("findings")?;
    let stale_col = df.column("stale").map_err(bad)?;
    let stale: Vec<bool> = stale_col
        .as_materialized_series()
        .bool()
        .map_err(bad)?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let devices = (0..keys.len())
        .map(|i| DeviceRow {
            device_key: keys[i].as_str().into(),
            device_name: names[i].as_str().into(),
            state: states[i].as_str().into(),
            join_type: joins[i].as_str().into(),
            management: mgmt[i].as_str().into(),
            ownership: owners[i].as_str().into(),
            stale: stale[i],
            findings: findings[i]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(Text::from)
                .collect(),
        })
        .collect();
    Ok(Snapshot {
        date,
        origin: dir.display().to_string(),
        devices,
        by_severity,
        by_rule,
    })
}

/// How a SNAPSHOT argument is read.
#[derive(Debug, Clone)]
enum Plan {
    Output(PathBuf),
    /// Raw exports, with `--as-of` for one day of a diagnostic log.
    Raw {
        path: PathBuf,
        day: Option<String>,
    },
}

fn plan(path: &Path, base: &AnalyzeOptions) -> Result<Vec<Plan>, SnapshotError> {
    if path.is_dir() {
        if path.join("summary.json").is_file() {
            return Ok(vec![Plan::Output(path.to_path_buf())]);
        }
        if path.join("devices.csv").is_file() || path.join("devices.parquet").is_file() {
            return Err(invalid(
                path,
                "devices.csv without summary.json: an incomplete analyze output, refused",
            ));
        }
        return Ok(vec![Plan::Raw {
            path: path.to_path_buf(),
            day: None,
        }]);
    }
    // A file: a diagnostic log spanning several days is one snapshot per day.
    let input =
        crate::ingest::read_file(path, None, &base.read).map_err(analyze::AnalyzeError::from)?;
    if input.snapshot_days.len() > 1 {
        return Ok(input
            .snapshot_days
            .iter()
            .map(|d| Plan::Raw {
                path: path.to_path_buf(),
                day: Some(format_ts(d * 86_400_000_000)[..10].to_string()),
            })
            .collect());
    }
    Ok(vec![Plan::Raw {
        path: path.to_path_buf(),
        day: None,
    }])
}

fn run(plan: &Plan, base: &AnalyzeOptions) -> Result<Snapshot, SnapshotError> {
    match plan {
        Plan::Output(dir) => from_output(dir),
        Plan::Raw { path, day } => {
            let mut opts = base.clone();
            opts.inputs = vec![InputSpec {
                path: path.clone(),
                forced: None,
            }];
            // A snapshot records counts and codes, not its inputs or the findings'
            // evidence: neither is computed.
            opts.read.no_digest = true;
            opts.no_evidence = true;
            if let Some(day) = day {
                let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map_err(|e| invalid(path, e.to_string()))?;
                opts.read.as_of = Some(analyze::end_of_day(d));
            }
            let a = analyze::analyze(&opts)?;
            let date = day
                .clone()
                .or_else(|| date_of_name(path))
                .or_else(|| a.as_of.map(|t| format_ts(t)[..10].to_string()))
                .ok_or_else(|| {
                    invalid(path, "no date: name the folder YYYY-MM-DD, or give --as-of")
                })?;
            Ok(from_analysis(&a, date, path.display().to_string()))
        }
    }
}

/// Reads every SNAPSHOT (raw ones analysed in parallel), sorted by date; two snapshots
/// with one date are an error.
pub fn load_all(paths: &[PathBuf], base: &AnalyzeOptions) -> Result<Vec<Snapshot>, SnapshotError> {
    let mut plans = Vec::new();
    for p in paths {
        plans.extend(plan(p, base)?);
    }
    let results: Vec<Result<Snapshot, SnapshotError>> =
        crate::par::map_bounded(&plans, |p| run(p, base));
    let mut snaps = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    snaps.sort_by(|a, b| a.date.cmp(&b.date));
    for w in snaps.windows(2) {
        if w[0].date == w[1].date {
            return Err(SnapshotError::SameDate {
                date: w[0].date.clone(),
                a: w[0].origin.clone(),
                b: w[1].origin.clone(),
            });
        }
    }
    Ok(snaps)
}

/// model.md `progress`: devices in the target states that are neither autopilot_only nor
/// stale, over devices that are neither; `None` when the denominator is 0.
pub fn progress(s: &Snapshot, targets: &[String]) -> Option<f64> {
    let (mut eligible, mut done) = (0usize, 0usize);
    for d in s
        .devices
        .iter()
        .filter(|d| d.state != "autopilot_only" && !d.stale)
    {
        eligible += 1;
        done += usize::from(targets.iter().any(|t| *t == d.state));
    }
    (eligible > 0).then(|| done as f64 / eligible as f64)
}
