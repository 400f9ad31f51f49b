//! The `analyze` pipeline: read -> scope -> resolve -> classify. The result is data; the
//! report module writes it.

use crate::classify::{self, Classified, ClassifyOptions};
use crate::diag::Warning;
use crate::ingest::digest::Digests;
use crate::ingest::value::Micros;
use crate::ingest::{self, IngestError, Input, ReadOptions};
use crate::model::Source;
use crate::policy::Policy;
use crate::resolve::{self, Resolved};
use crate::rules;
use crate::timing;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One INPUT argument: a file or folder, optionally forced to a source.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub path: PathBuf,
    pub forced: Option<Source>,
}

#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    pub inputs: Vec<InputSpec>,
    pub read: ReadOptions,
    pub policy: Policy,
    pub selection: rules::Selection,
    /// `--pseudonymize`: names, users and serials replaced as they are read.
    pub pseudonymize: Option<crate::privacy::Pseudonymizer>,
    /// The run feeds a snapshot of `trend` or `diff`, which keep counts and codes: the
    /// findings are made without their evidence text.
    pub no_evidence: bool,
}

/// Everything an analysis found.
#[derive(Debug)]
pub struct Analysis {
    pub inputs: Vec<Input>,
    pub resolved: Resolved,
    pub devices: Vec<Classified>,
    pub as_of: Option<Micros>,
    pub policy: Policy,
    /// The rule pass: findings (suppressed ones included) and expired exemptions.
    pub outcome: rules::Outcome,
    /// Per device (same order as `devices`): unsuppressed codes and the highest severity.
    pub device_findings: Vec<(Vec<&'static str>, Option<rules::Severity>)>,
    /// Codes of the rules that ran.
    pub rules_evaluated: Vec<&'static str>,
    /// Run-level warnings (skipped files, missing activity, link conflicts).
    pub run_warnings: Vec<Warning>,
}

impl Analysis {
    /// Frees the records and the linked devices of the analysis, for the caller to call
    /// before writing the report. The report is written from the
    /// classified devices, the findings (with their facts and evidence) and the inputs'
    /// counts alone, and at fleet scale the records are most of the memory; `explain`,
    /// which shows them, does not call this.
    pub fn free_records(&mut self) {
        let fleet = &mut self.resolved.fleet;
        let intune = std::mem::take(&mut fleet.intune);
        let entra = std::mem::take(&mut fleet.entra);
        let configmgr = std::mem::take(&mut fleet.configmgr);
        let autopilot = std::mem::take(&mut fleet.autopilot);
        let devices = std::mem::take(&mut self.resolved.devices);
        // On both cores, the Intune records (the largest) on one: at 10M devices the
        // drops (each record's heap text and shared user names) took 1.4 s on one core.
        rayon::join(
            || drop(intune),
            || drop((entra, configmgr, autopilot, devices)),
        );
    }

    /// Every warning of the run: per file first (in input order), then the run's own.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out: Vec<Warning> = self
            .inputs
            .iter()
            .flat_map(|i| i.diag.all_warnings())
            .collect();
        out.extend(self.run_warnings.iter().cloned());
        out.extend(self.resolved.warnings.iter().cloned());
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("no input files: give export files or folders that hold them")]
    NoInputs,
    #[error("evaluating the rules: {0}")]
    Rules(String),
}

/// The files to read: explicit files as given, folders' files (not descending) by name.
/// Returns (files, whether each came from a folder).
pub fn expand(specs: &[InputSpec]) -> Result<Vec<(InputSpec, bool)>, AnalyzeError> {
    let mut out = Vec::new();
    for spec in specs {
        let meta = std::fs::metadata(&spec.path).map_err(|e| AnalyzeError::Io {
            path: spec.path.display().to_string(),
            error: e,
        })?;
        if meta.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&spec.path)
                .map_err(|e| AnalyzeError::Io {
                    path: spec.path.display().to_string(),
                    error: e,
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'))
                })
                .collect();
            files.sort();
            out.extend(files.into_iter().map(|p| {
                (
                    InputSpec {
                        path: p,
                        forced: spec.forced,
                    },
                    true,
                )
            }));
        } else {
            out.push((spec.clone(), false));
        }
    }
    Ok(out)
}

/// Reads every input in parallel. Files in folders that are no export are skipped with a
/// warning; an explicit file that is no export is an error.
///
/// The inputs' SHA-256 digests are not taken while parsing: they are being taken on
/// idle cores ([`ingest::digest`]), and [`Digests::finish`] gives them by the index of
/// their input (every input, but with [`ReadOptions::no_digest`] or for a file that is no
/// regular file, a pipe, whose digest is taken as it is parsed).
pub fn read_inputs(
    specs: &[InputSpec],
    opts: &ReadOptions,
) -> Result<(Vec<Input>, Vec<Warning>, Digests), AnalyzeError> {
    let files = expand(specs)?;
    type Read<'p> = (
        Result<(Input, Option<ingest::digest::Later>), IngestError>,
        bool,
        &'p Path,
    );
    let results: Vec<Read> = crate::par::map_in_order(&by_size_desc(&files), |i| {
        let (spec, in_folder) = &files[i];
        let _t = crate::timing::span(format!(
            "  read {}",
            spec.path.file_name().unwrap_or_default().to_string_lossy()
        ));
        (
            ingest::read_file_digest_later(&spec.path, spec.forced, opts, true),
            *in_folder,
            spec.path.as_path(),
        )
    });
    let mut inputs = Vec::new();
    let mut later = Vec::new();
    let mut warnings = Vec::new();
    for (res, in_folder, path) in results {
        match res {
            Ok((i, l)) => {
                later.extend(l.map(|l| (inputs.len(), l)));
                inputs.push(i);
            }
            Err(IngestError::Unrecognised { .. } | IngestError::Empty { .. }) if in_folder => {
                warnings.push(Warning {
                    file: Some(path.display().to_string()),
                    line: None,
                    column: None,
                    message: "not a recognisable export: skipped".to_string(),
                })
            }
            Err(e) => return Err(e.into()),
        }
    }
    if inputs.is_empty() {
        return Err(AnalyzeError::NoInputs);
    }
    Ok((inputs, warnings, Digests::start(later)))
}

/// Fills in the digests [`read_inputs`] left to `digests`, hashing what is left on this
/// thread.
fn fill_digests(inputs: &mut [Input], digests: Digests) -> Result<(), AnalyzeError> {
    for (at, digest) in digests.finish() {
        let (sha256, size) = digest?;
        inputs[at].sha256 = sha256;
        inputs[at].size = size;
    }
    Ok(())
}

/// The files' indices, largest file first (ties in the order given). Files of one fleet
/// differ in size by an order of magnitude (an Intune export is about twice the size of
/// the Entra one and ten times the Autopilot one): read largest first, the small ones fill
/// in beside the large ones instead of one large file starting last, alone (a folder lists
/// `autopilot-...` before `intune-...`).
fn by_size_desc(files: &[(InputSpec, bool)]) -> Vec<usize> {
    let sizes: Vec<u64> = files
        .iter()
        .map(|(s, _)| std::fs::metadata(&s.path).map(|m| m.len()).unwrap_or(0))
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    order
}

/// `--as-of YYYY-MM-DD` means the end of that UTC day.
pub fn end_of_day(date: chrono::NaiveDate) -> Micros {
    date.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_micros())
        .unwrap_or_default()
        + 86_400_000_000
        - 1
}

pub fn analyze(opts: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let (mut analysis, digests) = analyze_digesting(opts)?;
    let t = timing::span("digests (what idle cores left)");
    fill_digests(&mut analysis.inputs, digests)?;
    drop(t);
    Ok(analysis)
}

/// [`analyze`] without waiting for the inputs' SHA-256 digests: the analysis comes back
/// with the digests of the files still being hashed (their `sha256` empty) and the
/// [`Digests`] that are taking them, for the caller to finish beside other work
/// ([`crate::report::write_all_digesting`] hashes what is left while the data files are
/// written, instead of before, with a core idle).
pub fn analyze_digesting(opts: &AnalyzeOptions) -> Result<(Analysis, Digests), AnalyzeError> {
    let t = timing::span("read");
    let (mut inputs, mut run_warnings, digests) = read_inputs(&opts.inputs, &opts.read)?;
    if let Some(p) = &opts.pseudonymize {
        inputs.par_iter_mut().for_each(|i| p.apply(i));
    }
    drop(t);
    let t = timing::span("resolve: gather");
    let fleet = resolve::gather(&mut inputs);
    drop(t);
    let t = timing::span("resolve: link");
    let resolved = resolve::resolve(fleet);
    drop(t);
    let copts = ClassifyOptions {
        stale_days: opts.policy.activity.stale_days,
        as_of: opts.read.as_of,
    };
    let t = timing::span("classify");
    let (devices, as_of) = classify::classify(&resolved, &copts);
    drop(t);
    if as_of.is_none() {
        run_warnings.push(Warning::global(
            "no device has an activity time and no --as-of was given: as_of is null and staleness is not evaluated",
        ));
    }
    let t = timing::span("rules");
    let outcome = rules::evaluate(
        &resolved,
        &devices,
        as_of,
        &opts.policy,
        &opts.selection,
        !opts.no_evidence,
    )
    .map_err(|e| AnalyzeError::Rules(e.to_string()))?;
    for e in &outcome.expired_exemptions {
        run_warnings.push(Warning::global(format!(
            "the exemption of {:?} ({}) expired on {} and no longer suppresses",
            e.device,
            e.reason,
            e.expires.as_deref().unwrap_or("")
        )));
    }
    let device_findings = outcome.per_device(devices.len());
    drop(t);
    let analysis = Analysis {
        inputs,
        resolved,
        devices,
        as_of,
        policy: opts.policy.clone(),
        outcome,
        device_findings,
        rules_evaluated: rules::effective(&opts.policy, &opts.selection)
            .iter()
            .map(|(r, _)| r.code)
            .collect(),
        run_warnings,
    };
    Ok((analysis, digests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_file_first_ties_in_the_order_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<(InputSpec, bool)> = [("a", 10), ("b", 300), ("c", 0), ("d", 300)]
            .iter()
            .map(|&(name, len)| {
                let path = dir.path().join(name);
                std::fs::write(&path, vec![b'x'; len]).expect("write");
                (InputSpec { path, forced: None }, true)
            })
            .collect();
        // Sizes 10, 300, 0, 300: the two largest first (in the order given), then 10, 0.
        assert_eq!(by_size_desc(&files), vec![1, 3, 0, 2]);
    }
}
