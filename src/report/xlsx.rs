//! `report.xlsx` (`--xlsx`): summary, devices and findings sheets. Every cell taken from
//! the inputs is written as a string, never a formula; the workbook's dates are fixed to
//! `as_of` so the same inputs give the same bytes.

use super::csv_out::{device_cells, DEVICE_COLUMNS, FINDING_COLUMNS};
use crate::analyze::Analysis;
use crate::ingest::value::format_ts;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use std::path::Path;

/// Excel's row limit, header included.
pub const MAX_ROWS: usize = 1_048_576;

pub const SHEETS: &[&str] = &["summary", "devices", "findings"];

fn to_io(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

pub fn write(a: &Analysis, path: &Path) -> std::io::Result<()> {
    let mut wb = Workbook::new();
    let created = match a.as_of.map(format_ts) {
        Some(ts) => ExcelDateTime::parse_from_str(&ts[..19]).map_err(to_io)?,
        None => ExcelDateTime::from_ymd(2000, 1, 1).map_err(to_io)?,
    };
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title("fleetstate report"),
    );
    let bold = Format::new().set_bold();

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[0]).map_err(to_io)?;
    let summary = super::summary::build(a);
    let mut row = 0u32;
    let mut put =
        |ws: &mut rust_xlsxwriter::Worksheet, k: &str, v: &str| -> Result<(), XlsxError> {
            ws.write_string_with_format(row, 0, k, &bold)?;
            ws.write_string(row, 1, v)?;
            row += 1;
            Ok(())
        };
    put(ws, "as_of", summary.as_of.as_deref().unwrap_or("")).map_err(to_io)?;
    put(ws, "devices", &summary.devices.to_string()).map_err(to_io)?;
    put(ws, "findings", &summary.findings.total.to_string()).map_err(to_io)?;
    put(
        ws,
        "suppressed findings",
        &summary.findings.suppressed.to_string(),
    )
    .map_err(to_io)?;
    for (group, counts) in [
        ("state", &summary.counts.state),
        ("join_type", &summary.counts.join_type),
        ("management", &summary.counts.management),
        ("ownership", &summary.counts.ownership),
        ("enrollment_method", &summary.counts.enrollment_method),
        ("workload", &summary.counts.workload),
    ] {
        for (k, v) in counts {
            put(ws, &format!("{group}: {k}"), &v.to_string()).map_err(to_io)?;
        }
    }
    for (k, v) in &summary.findings.by_severity {
        put(ws, &format!("findings: {k}"), &v.to_string()).map_err(to_io)?;
    }
    for (k, v) in &summary.findings.by_rule {
        put(ws, &format!("findings: {k}"), &v.to_string()).map_err(to_io)?;
    }
    for i in &summary.inputs {
        put(
            ws,
            &format!("input: {}", i.path),
            &format!("{} {} sha256 {}", i.source, i.form, i.sha256),
        )
        .map_err(to_io)?;
    }
    if a.devices.len() + 1 > MAX_ROWS || a.outcome.findings.len() + 1 > MAX_ROWS {
        put(
            ws,
            "note",
            "a sheet reached Excel's row limit and was cut; the CSV files are complete",
        )
        .map_err(to_io)?;
    }
    ws.set_column_width(0, 36).map_err(to_io)?;
    ws.set_column_width(1, 60).map_err(to_io)?;

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[1]).map_err(to_io)?;
    for (c, name) in DEVICE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &bold)
            .map_err(to_io)?;
    }
    for (r, (d, f)) in a
        .devices
        .iter()
        .zip(&a.device_findings)
        .take(MAX_ROWS - 1)
        .enumerate()
    {
        for (c, cell) in device_cells(d, f).iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, cell.as_ref())
                    .map_err(to_io)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(to_io)?;

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[2]).map_err(to_io)?;
    for (c, name) in FINDING_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &bold)
            .map_err(to_io)?;
    }
    for (r, f) in a.outcome.findings.iter().take(MAX_ROWS - 1).enumerate() {
        let d = &a.devices[f.device];
        let key = d.device_key.to_string();
        let cells = [
            f.rule.code,
            f.rule.name,
            f.severity.as_str(),
            key.as_str(),
            d.device_name.as_deref().unwrap_or(""),
            f.evidence.as_str(),
            if f.suppressed.is_some() {
                "true"
            } else {
                "false"
            },
            f.suppressed.as_deref().unwrap_or(""),
        ];
        for (c, cell) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *cell)
                .map_err(to_io)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(to_io)?;
    wb.save(path).map_err(to_io)
}
