//! Each reader against the gotchas of inputs.md section 5, on the fixtures in tests/data.

use crate::common::{data, device, run};
use fleetstate::ingest::{self, Form, ReadOptions};
use fleetstate::model::{SkipReason, Source};

fn read(name: &str) -> ingest::Input {
    ingest::read_file(&data(name), None, &ReadOptions::default()).expect("readable")
}

#[test]
fn intune_admin_csv_bom_crlf_quotes_aliases_repeated_header() {
    let i = read("intune-admin.csv");
    assert_eq!(
        (i.source, i.form, i.encoding),
        (Source::Intune, Form::IntuneCsv, "utf-8-bom")
    );
    assert_eq!(i.rows_read, 8);
    assert_eq!(i.skipped.get(&SkipReason::RepeatedHeader), Some(&1));
    assert_eq!(
        i.skipped.get(&SkipReason::Platform),
        Some(&1),
        "the iPhone is set aside"
    );
    let lines: Vec<(u64, &str)> = i
        .diag
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (7, "expected 19 fields, found 4"),
            (10, "required column \"Device ID\" is empty")
        ],
        "physical line numbers, counting the quoted newline and CRLF"
    );
    assert_eq!(
        i.rows_read,
        i.rows_used() + i.rows_rejected() + i.rows_skipped()
    );
    // Two aliases of one column: a warning, and the first non-empty value wins.
    assert!(i.diag.warnings.iter().any(|w| w
        .message
        .contains("Azure AD Device ID, Microsoft Entra Device ID")));
    // Unparseable cells are warnings with line and column; the row is used.
    let w: Vec<String> = i.diag.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.contains(":9 [Last check-in]: not a date")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains(":9 [Azure AD Device ID]: not a GUID")),
        "{w:?}"
    );
}

#[test]
fn intune_values_are_normalised() {
    let a = run(&[data("intune-admin.csv")]);
    let pc1 = device(&a, "11111111-1111-4111-8111-111111111111");
    assert_eq!(pc1.device_name.as_deref(), Some("PC-001"));
    assert_eq!(
        pc1.intune_device_id.as_ref().map(ToString::to_string),
        Some("a1b2c3d4-0000-4000-8000-000000000001".to_string()),
        "GUID ids lower-cased"
    );
    // The second alias column carries PC-002's Entra id; its name keeps the quoted newline.
    let pc2 = device(&a, "22222222-2222-4222-8222-222222222222");
    assert_eq!(pc2.device_name.as_deref(), Some("PC-002\nsecond line"));
    assert_eq!(
        pc2.serial_number.as_deref(),
        Some("0042"),
        "leading zeros kept"
    );
    // Zero GUID = not registered; placeholder serial = none; 0001 sentinel = no date.
    let pc3 = device(&a, "intune:a1b2c3d4-0000-4000-8000-000000000003");
    assert_eq!(pc3.serial_number, None);
    assert_eq!(pc3.state.as_str(), "mdm_only");
}

#[test]
fn entra_csv_semicolon_pending_and_platform() {
    let i = read("entra-semicolon.csv");
    assert_eq!((i.form, i.delimiter), (Form::EntraCsv, Some(';')));
    assert_eq!(
        i.skipped.get(&SkipReason::Platform),
        Some(&1),
        "MacMDM set aside"
    );
    let a = run(&[data("entra-semicolon.csv")]);
    assert_eq!(
        device(&a, "33333333-3333-4333-8333-333333333333")
            .join_type
            .as_str(),
        "hybrid_pending"
    );
    assert_eq!(
        device(&a, "66666666-6666-4666-8666-666666666666")
            .join_type
            .as_str(),
        "hybrid_joined",
        "raw ServerAd"
    );
}

#[test]
fn entra_legacy_header_and_per_column_date_order() {
    let i = read("entra-legacy.csv");
    assert_eq!(i.form, Form::EntraCsvLegacy);
    let a = run(&[data("entra-legacy.csv")]);
    // approximateLastLogonTimeStamp has 25/10/2026: the column is day-first.
    let d = device(&a, "entra-object:bbbbbbbb-0000-4000-8000-000000000002");
    assert_eq!(
        d.last_seen
            .map(fleetstate::ingest::value::format_ts)
            .as_deref(),
        Some("2026-11-01T14:03:00Z")
    );
    // registrationTime 3/2 and 4/2 are ambiguous: read with --date-order, and said so.
    assert!(i
        .diag
        .warnings
        .iter()
        .any(|w| w.column.as_deref() == Some("registrationTime")
            && w.message.contains("--date-order")));
}

#[test]
fn configmgr_powershell_export() {
    let i = read("configmgr-ps.csv");
    assert_eq!(i.form, Form::ConfigmgrCsv);
    assert_eq!(i.rows_read, 7, "#TYPE line and header are not rows");
    assert_eq!(i.skipped.get(&SkipReason::Obsolete), Some(&1));
    assert_eq!(i.skipped.get(&SkipReason::Server), Some(&1));
    assert!(i
        .diag
        .warnings
        .iter()
        .any(|w| w.message.contains("not a GUID: \"not-a-guid\"") && w.line == Some(8)));
}

#[test]
fn autopilot_utf16_import_and_blade_without_bom() {
    let i = read("autopilot-utf16.csv");
    assert_eq!((i.form, i.encoding), (Form::AutopilotImportCsv, "utf-16le"));
    assert_eq!(i.rows_used(), 2);
    let b = read("autopilot-blade-utf16be.tsv");
    assert_eq!(
        (b.form, b.encoding, b.delimiter),
        (Form::AutopilotBladeCsv, "utf-16be", Some('\t'))
    );
}

#[test]
fn file_that_is_no_export_names_the_expected_headers() {
    let err =
        ingest::read_file(&data("not-an-export.csv"), None, &ReadOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("not-an-export.csv")
            && msg.contains("name, colour")
            && msg.contains("Device ID"),
        "{msg}"
    );
}

#[test]
fn forced_source_with_missing_required_column() {
    let err = ingest::read_file(
        &data("not-an-export.csv"),
        Some(Source::ConfigMgr),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("\"ResourceID\""), "{err}");
}

#[test]
fn json_pages_concatenated_and_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("devices.json");
    let page = |ids: &[&str]| {
        let v: Vec<String> = ids
            .iter()
            .map(|id| format!("{{\"id\":\"{id}\",\"deviceName\":\"N{id}\",\"managementAgent\":\"mdm\",\"azureADDeviceId\":null,\"operatingSystem\":\"Windows\"}}"))
            .collect();
        format!(
            "{{\"@odata.context\":\"x#deviceManagement/managedDevices\",\"value\":[{}]}}",
            v.join(",")
        )
    };
    std::fs::write(
        &p,
        format!(
            "{}\n{}\n{{\"value\":[{{\"id\":\"z\"",
            page(&["a", "b"]),
            page(&["c", "b"])
        ),
    )
    .unwrap();
    let i = ingest::read_file(&p, None, &ReadOptions::default()).unwrap();
    assert_eq!(i.form, Form::IntuneGraphJson);
    assert_eq!(i.rows_rejected(), 1, "the cut page");
    assert_eq!(i.diag.rejects[0].line, 3);
    let a = crate::common::run(std::slice::from_ref(&p));
    assert_eq!(a.devices.len(), 3, "b twice is one record");
    assert_eq!(a.inputs[0].skipped.get(&SkipReason::Duplicate), Some(&1));
    let i = &a.inputs[0];
    assert_eq!(
        i.rows_read,
        i.rows_used() + i.rows_rejected() + i.rows_skipped()
    );
}
