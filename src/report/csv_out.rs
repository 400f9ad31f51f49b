//! `devices.csv`: one row per device, the columns of outputs.md in order.

use crate::classify::Classified;
use crate::ingest::value::format_ts;
use crate::rules::{Finding, Severity};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

pub const DEVICE_COLUMNS: &[&str] = &[
    "device_key",
    "device_name",
    "state",
    "join_type",
    "management",
    "ownership",
    "ownership_source",
    "enrollment_method",
    "autopilot_registered",
    "stale",
    "last_seen",
    "entra_device_id",
    "entra_object_id",
    "intune_device_id",
    "configmgr_resource_id",
    "autopilot_id",
    "serial_number",
    "os",
    "os_version",
    "primary_user",
    "sources",
    "findings",
    "max_severity",
    "tenant_attached",
    "workloads",
    "autopilot_object_id",
];

/// Prefixes `'` to a cell a spreadsheet would run as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

/// A device's unsuppressed rule codes and highest severity.
pub type DeviceFindings = (Vec<&'static str>, Option<Severity>);

/// The text cells of one device row, in [`DEVICE_COLUMNS`] order.
pub fn device_cells<'a>(d: &'a Classified, f: &DeviceFindings) -> Vec<Cow<'a, str>> {
    fn o(v: &Option<String>) -> Cow<'_, str> {
        Cow::Borrowed(v.as_deref().unwrap_or(""))
    }
    vec![
        Cow::Borrowed(d.device_key.as_str()),
        o(&d.device_name),
        Cow::Borrowed(d.state.as_str()),
        Cow::Borrowed(d.join_type.as_str()),
        Cow::Borrowed(d.management.as_str()),
        Cow::Borrowed(d.ownership.as_str()),
        Cow::Borrowed(d.ownership_source.as_str()),
        Cow::Borrowed(d.enrollment_method.as_str()),
        Cow::Borrowed(b(d.autopilot_registered)),
        Cow::Borrowed(b(d.stale)),
        Cow::Owned(d.last_seen.map(format_ts).unwrap_or_default()),
        o(&d.entra_device_id),
        o(&d.entra_object_id),
        o(&d.intune_device_id),
        o(&d.configmgr_resource_id),
        o(&d.autopilot_id),
        o(&d.serial_number),
        o(&d.os),
        o(&d.os_version),
        o(&d.primary_user),
        Cow::Owned(
            d.sources
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+"),
        ),
        Cow::Owned(f.0.join(";")),
        Cow::Borrowed(f.1.map(Severity::as_str).unwrap_or("")),
        Cow::Borrowed(b(d.tenant_attached)),
        Cow::Owned(
            d.workloads
                .iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        o(&d.autopilot_object_id),
    ]
}

/// A CSV writer for every output: LF line ends, buffered.
pub fn writer(path: &Path) -> io::Result<csv::Writer<io::BufWriter<std::fs::File>>> {
    let file = std::fs::File::create(path)?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(io::BufWriter::with_capacity(1 << 20, file)))
}

fn finish(w: csv::Writer<io::BufWriter<std::fs::File>>) -> io::Result<()> {
    let mut inner = w.into_inner().map_err(|e| e.into_error())?;
    inner.flush()
}

fn write_row<I, S>(
    w: &mut csv::Writer<io::BufWriter<std::fs::File>>,
    cells: I,
    raw: bool,
) -> io::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    if raw {
        w.write_record(cells.into_iter().map(|c| c.as_ref().as_bytes().to_vec()))?;
    } else {
        w.write_record(
            cells
                .into_iter()
                .map(|c| neutralise(c.as_ref()).into_owned()),
        )?;
    }
    Ok(())
}

pub const FINDING_COLUMNS: &[&str] = &[
    "rule",
    "name",
    "severity",
    "device_key",
    "device_name",
    "evidence",
    "suppressed",
    "suppressed_reason",
];

/// `findings.csv`: one row per finding (suppressed ones included), sorted by rule, device.
pub fn write_findings(
    findings: &[Finding],
    devices: &[Classified],
    path: &Path,
    raw: bool,
) -> io::Result<()> {
    let mut w = writer(path)?;
    w.write_record(FINDING_COLUMNS)?;
    for f in findings {
        let d = &devices[f.device];
        let cells = [
            f.rule.code,
            f.rule.name,
            f.severity.as_str(),
            d.device_key.as_str(),
            d.device_name.as_deref().unwrap_or(""),
            f.evidence.as_str(),
            b(f.suppressed.is_some()),
            f.suppressed.as_deref().unwrap_or(""),
        ];
        write_row(&mut w, cells, raw)?;
    }
    finish(w)
}

pub fn write_devices(
    devices: &[Classified],
    findings: &[DeviceFindings],
    path: &Path,
    raw: bool,
) -> io::Result<()> {
    let mut w = writer(path)?;
    w.write_record(DEVICE_COLUMNS)?;
    for (d, f) in devices.iter().zip(findings) {
        write_row(&mut w, device_cells(d, f), raw)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("LAPTOP-1"), "LAPTOP-1");
    }
}
