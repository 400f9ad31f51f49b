//! `devices.csv`: one row per device, the columns of outputs.md in order.

use crate::classify::Classified;
use crate::ingest::value::{format_ts, format_ts_into, Guid, Id, Text};
use crate::model::{Os, Source, Workload};
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

/// One cell of a device row: borrowed from the device, a GUID or a timestamp formatted on
/// the stack, or (for the joined lists) owned.
pub enum Cell<'a> {
    Borrowed(&'a str),
    Guid([u8; 36]),
    Stamp([u8; 20]),
    Owned(String),
}

impl std::ops::Deref for Cell<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Cell::Borrowed(s) => s,
            Cell::Guid(b) => std::str::from_utf8(b).unwrap_or_default(),
            Cell::Stamp(b) => std::str::from_utf8(b).unwrap_or_default(),
            Cell::Owned(s) => s,
        }
    }
}

impl AsRef<str> for Cell<'_> {
    fn as_ref(&self) -> &str {
        self
    }
}

/// The text cells of one device row, in [`DEVICE_COLUMNS`] order.
pub fn device_cells<'a>(d: &'a Classified, f: &DeviceFindings) -> Vec<Cell<'a>> {
    (0..DEVICE_COLUMNS.len())
        .map(|c| device_cell(c, d, f))
        .collect()
}

/// Cell `column` (an index into [`DEVICE_COLUMNS`]) of a device row: no heap string but
/// for the few cells that are joined or formatted.
pub fn device_cell<'a>(column: usize, d: &'a Classified, f: &DeviceFindings) -> Cell<'a> {
    fn o(v: &Option<Text>) -> Cell<'_> {
        Cell::Borrowed(v.as_deref().unwrap_or(""))
    }
    fn id(v: Option<&Id>) -> Cell<'_> {
        match v {
            Some(Id::Text(t)) => Cell::Borrowed(t.as_str()),
            Some(&Id::Guid(g)) => guid(Some(g)),
            None => Cell::Borrowed(""),
        }
    }
    fn guid(g: Option<Guid>) -> Cell<'static> {
        match g {
            Some(g) => {
                let mut buf = [0; 36];
                g.format(&mut buf);
                Cell::Guid(buf)
            }
            None => Cell::Borrowed(""),
        }
    }
    fn joined<T: Copy>(
        items: impl IntoIterator<Item = T>,
        name: fn(T) -> &'static str,
        sep: &str,
    ) -> Cell<'static> {
        let mut items = items.into_iter().map(name);
        match (items.next(), items.next()) {
            (None, _) => Cell::Borrowed(""),
            (Some(one), None) => Cell::Borrowed(one),
            (Some(a), Some(b)) => {
                let mut s = format!("{a}{sep}{b}");
                items.for_each(|x| {
                    s.push_str(sep);
                    s.push_str(x);
                });
                Cell::Owned(s)
            }
        }
    }
    match column {
        0 => id(Some(&d.device_key)),
        1 => o(&d.device_name),
        2 => Cell::Borrowed(d.state.as_str()),
        3 => Cell::Borrowed(d.join_type.as_str()),
        4 => Cell::Borrowed(d.management.as_str()),
        5 => Cell::Borrowed(d.ownership.as_str()),
        6 => Cell::Borrowed(d.ownership_source.as_str()),
        7 => Cell::Borrowed(d.enrollment_method.as_str()),
        8 => Cell::Borrowed(b(d.autopilot_registered)),
        9 => Cell::Borrowed(b(d.stale)),
        10 => match d.last_seen {
            None => Cell::Borrowed(""),
            Some(us) => {
                let mut buf = [0; 20];
                match format_ts_into(us, &mut buf) {
                    Some(_) => Cell::Stamp(buf),
                    // Outside years 0000-9999: the general (allocating) form.
                    None => Cell::Owned(format_ts(us)),
                }
            }
        },
        11 => guid(d.entra_device_id),
        12 => id(d.entra_object_id.as_ref()),
        13 => id(d.intune_device_id.as_ref()),
        14 => o(&d.configmgr_resource_id),
        15 => guid(d.autopilot_id),
        16 => o(&d.serial_number),
        17 => Cell::Borrowed(d.os.map(Os::as_str).unwrap_or("")),
        18 => Cell::Borrowed(d.os_version.as_deref().unwrap_or("")),
        19 => Cell::Borrowed(d.primary_user.as_deref().unwrap_or("")),
        20 => joined(d.sources.iter(), Source::as_str, "+"),
        21 => joined(f.0.iter().copied(), |c| c, ";"),
        22 => Cell::Borrowed(f.1.map(Severity::as_str).unwrap_or("")),
        23 => Cell::Borrowed(b(d.tenant_attached)),
        24 => joined(d.workloads.iter(), Workload::as_str, ";"),
        25 => id(d.autopilot_object_id.as_ref()),
        _ => Cell::Borrowed(""),
    }
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
    for c in cells {
        let c = c.as_ref();
        if raw {
            w.write_field(c)?;
        } else {
            w.write_field(neutralise(c).as_ref())?;
        }
    }
    w.write_record(None::<&[u8]>)?;
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
    let mut key = [0; 36];
    for f in findings {
        let d = &devices[f.device];
        let cells = [
            f.rule.code,
            f.rule.name,
            f.severity.as_str(),
            d.device_key.as_str(&mut key),
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
        write_row(
            &mut w,
            (0..DEVICE_COLUMNS.len()).map(|c| device_cell(c, d, f)),
            raw,
        )?;
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
