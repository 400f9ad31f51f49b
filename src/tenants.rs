//! `analyze --tenants DIR`: one subfolder per tenant (managed-service providers, holding
//! companies), analysed in parallel. Each tenant gets its full output set in
//! `OUT/<tenant>/`, and the device tables are also written as Parquet partitioned
//! `OUT/parquet/tenant=<name>/snapshot=<date>/devices.parquet`, so DuckDB, Spark or Power
//! BI can query every tenant and week at once.

use crate::analyze::{self, AnalyzeError, AnalyzeOptions, InputSpec};
use crate::ingest::value::format_ts;
use crate::report::{self, WriteOptions};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct TenantResult {
    pub tenant: String,
    pub snapshot: String,
    pub devices: usize,
    pub findings: usize,
    pub highest: Option<crate::rules::Severity>,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("tenant {tenant}: {error}")]
    Analyze { tenant: String, error: AnalyzeError },
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}: no tenant subfolders")]
    Empty(String),
}

/// The tenant folders of `dir`, by name; a tenant name must be a plain folder name.
pub fn tenants(dir: &Path) -> Result<Vec<(String, PathBuf)>, TenantError> {
    let io = |e: std::io::Error| TenantError::Io {
        path: dir.display().to_string(),
        error: e,
    };
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            (!name.starts_with('.')).then_some((name, p))
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(TenantError::Empty(dir.display().to_string()));
    }
    Ok(out)
}

/// Analyses every tenant in parallel and writes their outputs.
pub fn run(
    dir: &Path,
    base: &AnalyzeOptions,
    out: &Path,
    wopts: &WriteOptions,
) -> Result<Vec<TenantResult>, TenantError> {
    let list = tenants(dir)?;
    let results: Vec<Result<TenantResult, TenantError>> =
        crate::par::map_bounded(&list, |(name, path)| {
            let mut opts = base.clone();
            opts.inputs = vec![InputSpec {
                path: path.clone(),
                forced: None,
            }];
            let a = analyze::analyze(&opts).map_err(|e| TenantError::Analyze {
                tenant: name.clone(),
                error: e,
            })?;
            let io = |e: std::io::Error, p: &Path| TenantError::Io {
                path: p.display().to_string(),
                error: e,
            };
            let tenant_out = out.join(name);
            report::write_all(&a, &tenant_out, wopts).map_err(|e| io(e, &tenant_out))?;
            let snapshot = a
                .as_of
                .map(|t| format_ts(t)[..10].to_string())
                .unwrap_or_else(|| "undated".into());
            let part = out
                .join("parquet")
                .join(format!("tenant={name}"))
                .join(format!("snapshot={snapshot}"));
            std::fs::create_dir_all(&part).map_err(|e| io(e, &part))?;
            // The partition file is a copy of the tenant's complete devices.parquet.
            let tmp = part.join(".devices.parquet.tmp");
            std::fs::copy(tenant_out.join("devices.parquet"), &tmp).map_err(|e| io(e, &tmp))?;
            std::fs::rename(&tmp, part.join("devices.parquet")).map_err(|e| io(e, &part))?;
            Ok(TenantResult {
                tenant: name.clone(),
                snapshot,
                devices: a.devices.len(),
                findings: a
                    .outcome
                    .findings
                    .iter()
                    .filter(|f| f.suppressed.is_none())
                    .count(),
                highest: a.outcome.highest_unsuppressed(),
            })
        });
    results.into_iter().collect()
}
