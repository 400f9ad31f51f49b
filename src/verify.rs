//! `fleetstate verify DIR INPUT...`: was the report in DIR produced from exactly these
//! inputs? Compares the SHA-256 and size of every export given with the inputs recorded in
//! `DIR/summary.json`.

use crate::analyze::{expand, AnalyzeError, InputSpec};
use crate::ingest::text::HashState;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Inputs of the report and given files that match: (path in the report, path given).
    pub matched: Vec<(String, String)>,
    /// Recorded in the report, not among the files given (or changed since).
    pub missing: Vec<String>,
    /// Given, but not an input of the report.
    pub extra: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && !self.matched.is_empty()
    }
}

fn hash(path: &Path) -> std::io::Result<(String, u64)> {
    HashState::default().finish(std::fs::File::open(path)?)
}

pub fn verify(dir: &Path, inputs: &[InputSpec]) -> Result<Verdict, AnalyzeError> {
    let summary_path = dir.join("summary.json");
    let io = |e: std::io::Error, p: &Path| AnalyzeError::Io {
        path: p.display().to_string(),
        error: e,
    };
    let text = std::fs::read_to_string(&summary_path).map_err(|e| io(e, &summary_path))?;
    let summary: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        io(
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            &summary_path,
        )
    })?;
    // (sha256, size) -> report paths, as a multiset.
    let mut recorded: BTreeMap<(String, u64), Vec<String>> = BTreeMap::new();
    for i in summary["inputs"].as_array().into_iter().flatten() {
        let key = (
            i["sha256"].as_str().unwrap_or("").to_string(),
            i["size"].as_u64().unwrap_or(0),
        );
        recorded
            .entry(key)
            .or_default()
            .push(i["path"].as_str().unwrap_or("").to_string());
    }
    let mut v = Verdict::default();
    for (spec, in_folder) in expand(inputs)? {
        let (sha, size) = hash(&spec.path).map_err(|e| io(e, &spec.path))?;
        match recorded.get_mut(&(sha, size)).and_then(|paths| paths.pop()) {
            Some(report_path) => v
                .matched
                .push((report_path, spec.path.display().to_string())),
            // A folder's README or expected.csv was never an input: not extra.
            None if in_folder
                && crate::ingest::read_file(&spec.path, None, &Default::default()).is_err() => {}
            None => v.extra.push(spec.path.display().to_string()),
        }
    }
    v.missing = recorded.into_values().flatten().collect();
    Ok(v)
}
