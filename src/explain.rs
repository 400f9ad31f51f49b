//! `fleetstate explain`: for one device, the records that were linked and by which link,
//! each classification column with the branch of model.md that decided it, and every
//! finding with its evidence.

use crate::analyze::Analysis;
use crate::classify::{classify_explained, ClassifyOptions};
use crate::ingest::value::{format_ts, serial_key};
use crate::ingest::value::{Id, Text};
use crate::model::Source;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub device_key: String,
    pub device_name: Option<String>,
    pub records: Vec<RecordLine>,
    pub classification: Vec<Decision>,
    pub findings: Vec<FindingLine>,
}

#[derive(Debug, Serialize)]
pub struct RecordLine {
    pub source: &'static str,
    pub file: String,
    pub line: u64,
    pub id: String,
    pub link: &'static str,
    pub primary: bool,
}

#[derive(Debug, Serialize)]
pub struct Decision {
    pub column: &'static str,
    pub value: String,
    pub decided_by: &'static str,
}

#[derive(Debug, Serialize)]
pub struct FindingLine {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub evidence: String,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_reason: Option<String>,
}

/// Finds a device by device_key, else serial number, else name (case-insensitive).
pub fn find(a: &Analysis, query: &str) -> Result<usize, String> {
    let q = query.trim();
    if let Some(i) = a
        .devices
        .iter()
        .position(|d| d.device_key.eq_ignore_ascii_case(q))
    {
        return Ok(i);
    }
    let by = |f: &dyn Fn(&crate::classify::Classified) -> bool| -> Vec<usize> {
        a.devices
            .iter()
            .enumerate()
            .filter(|(_, d)| f(d))
            .map(|(i, _)| i)
            .collect()
    };
    let qs = serial_key(q);
    for hits in [
        by(&|d| {
            d.serial_number
                .as_deref()
                .is_some_and(|s| serial_key(s) == qs)
        }),
        by(&|d| {
            d.device_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(q))
        }),
    ] {
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok(*one),
            many => {
                let keys: Vec<String> = many
                    .iter()
                    .map(|&i| a.devices[i].device_key.to_string())
                    .collect();
                return Err(format!(
                    "{q:?} names {} devices: {}; give a device_key",
                    many.len(),
                    keys.join(", ")
                ));
            }
        }
    }
    Err(format!(
        "no device has the key, serial number or name {q:?}"
    ))
}

pub fn explain(a: &Analysis, di: usize) -> Explanation {
    let d = &a.resolved.devices[di];
    let fleet = &a.resolved.fleet;
    let c = &a.devices[di];
    let mut records = Vec::new();
    let file = |f: u16| fleet.files.get(f as usize).cloned().unwrap_or_default();
    for (source, idx, link) in &d.links {
        let idx = &(*idx as usize);
        let (f, line, id, primary) = match source {
            Source::Entra => {
                let r = &fleet.entra[*idx];
                let id = r
                    .object_id
                    .as_ref()
                    .map(Id::to_string)
                    .or(r.device_id.map(|g| g.to_string()))
                    .unwrap_or_default();
                (r.file, r.line, id, d.entra == Some(*idx))
            }
            Source::Intune => {
                let r = &fleet.intune[*idx];
                (
                    r.file,
                    r.line,
                    r.id.to_string(),
                    d.intune.first() == Some(idx),
                )
            }
            Source::ConfigMgr => {
                let r = &fleet.configmgr[*idx];
                (
                    r.file,
                    r.line,
                    r.resource_id.to_string(),
                    d.configmgr.first() == Some(idx),
                )
            }
            Source::Autopilot => {
                let r = &fleet.autopilot[*idx];
                let id =
                    r.id.map(|g| g.to_string())
                        .or(r.serial.as_ref().map(Text::to_string))
                        .unwrap_or_default();
                (r.file, r.line, id, d.autopilot.first() == Some(idx))
            }
        };
        records.push(RecordLine {
            source: source.as_str(),
            file: file(f),
            line,
            id,
            link: link.as_str(),
            primary,
        });
    }
    records.sort_by(|x, y| (x.source, !x.primary, &x.id).cmp(&(y.source, !y.primary, &y.id)));
    let opts = ClassifyOptions {
        stale_days: a.policy.activity.stale_days,
        as_of: a.as_of,
    };
    let (_, reasons) = classify_explained(d, fleet, &opts, a.as_of);
    let value = |col: &str| -> String {
        match col {
            "state" => c.state.to_string(),
            "join_type" => c.join_type.to_string(),
            "management" => c.management.to_string(),
            "ownership" => format!("{} (source: {})", c.ownership, c.ownership_source),
            "enrollment_method" => c.enrollment_method.to_string(),
            "autopilot_registered" => c.autopilot_registered.to_string(),
            "stale" => format!(
                "{} (last_seen {}, as_of {})",
                c.stale,
                c.last_seen.map(format_ts).unwrap_or_else(|| "none".into()),
                a.as_of.map(format_ts).unwrap_or_else(|| "null".into())
            ),
            _ => String::new(),
        }
    };
    let classification = reasons
        .iter()
        .map(|(col, why)| Decision {
            column: col,
            value: value(col),
            decided_by: why,
        })
        .collect();
    let findings = a
        .outcome
        .findings
        .iter()
        .filter(|f| f.device == di)
        .map(|f| FindingLine {
            rule: f.rule.code,
            name: f.rule.name,
            severity: f.severity.as_str(),
            evidence: f.evidence.clone(),
            suppressed: f.suppressed.is_some(),
            suppressed_reason: f.suppressed.clone(),
        })
        .collect();
    Explanation {
        device_key: c.device_key.to_string(),
        device_name: c.device_name.as_ref().map(Text::to_string),
        records,
        classification,
        findings,
    }
}

pub fn render(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "device {} ({})",
        e.device_key,
        e.device_name.as_deref().unwrap_or("no name")
    );
    let _ = writeln!(s, "\nrecords:");
    for r in &e.records {
        let _ = writeln!(
            s,
            "  {:<9} {:<40} {}{} ({}:{})",
            r.source,
            r.id,
            r.link,
            if r.primary { ", primary" } else { "" },
            r.file,
            r.line
        );
    }
    let _ = writeln!(s, "\nclassification:");
    for d in &e.classification {
        let _ = writeln!(s, "  {:<20} {:<40} {}", d.column, d.value, d.decided_by);
    }
    let _ = writeln!(s, "\nfindings:");
    if e.findings.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for f in &e.findings {
        let mark = match &f.suppressed_reason {
            Some(r) => format!(" [suppressed: {r}]"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} {} ({}){mark}\n    evidence: {}",
            f.rule, f.name, f.severity, f.evidence
        );
    }
    s
}
