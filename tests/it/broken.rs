//! Hostile and broken inputs (`tests/data/broken`, plus the huge ones generated here): every
//! case ends in a counted rejection with its physical line, a cell warning with line and
//! column (the row is used), or an error that names the file (exit 2). Never a panic, never
//! a row lost without a count: `rows_read = rows_used + rows_rejected + rows_skipped` for
//! every input of every case. `docs/input-faults.md` lists the cases.

use crate::common::{bin, data};
use fleetstate::ingest::{self, IngestError, Input, ReadOptions, Records};
use std::path::{Path, PathBuf};

fn broken(name: &str) -> PathBuf {
    data(&format!("broken/{name}"))
}

fn read_path(path: &Path) -> Input {
    let input = ingest::read_file(path, None, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    accounted(&input);
    input
}

fn read(name: &str) -> Input {
    read_path(&broken(name))
}

/// The accounting invariant, and the records are exactly the rows used.
fn accounted(i: &Input) {
    assert_eq!(
        i.rows_read,
        i.rows_used() + i.rows_rejected() + i.rows_skipped(),
        "{}: rows_read = rows_used + rows_rejected + rows_skipped",
        i.display_path()
    );
    assert_eq!(
        i.rows_used(),
        i.records.len() as u64,
        "{}",
        i.display_path()
    );
    assert_eq!(i.rows_rejected(), i.diag.rejects.len() as u64);
}

fn rejects(i: &Input) -> Vec<(u64, String)> {
    i.diag
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect()
}

/// Cell warnings as `(line, column, message)`.
fn cell_warnings(i: &Input) -> Vec<(u64, String, String)> {
    i.diag
        .warnings
        .iter()
        .filter_map(|w| Some((w.line?, w.column.clone()?, w.message.clone())))
        .collect()
}

fn intune_names(i: &Input) -> Vec<Option<String>> {
    match &i.records {
        Records::Intune(v) => v
            .iter()
            .map(|r| r.name.as_deref().map(String::from))
            .collect(),
        _ => panic!("{}: not read as Intune", i.display_path()),
    }
}

fn intune_last_sync(i: &Input) -> Vec<Option<i64>> {
    match &i.records {
        Records::Intune(v) => v.iter().map(|r| r.last_sync.get()).collect(),
        _ => panic!("not Intune"),
    }
}

/// Runs `fleetstate analyze FILE --out DIR`: (exit code, stderr, summary.json if written).
fn analyze_bin(file: &Path) -> (i32, String, Option<serde_json::Value>) {
    let out = tempfile::tempdir().expect("tempdir");
    let o = bin()
        .arg("analyze")
        .arg(file)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run fleetstate");
    let code = o.status.code().expect("an exit code, not a signal");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let summary = std::fs::read_to_string(out.path().join("summary.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("summary.json is JSON"));
    (code, stderr, summary)
}

#[test]
fn empty_file_is_an_error_naming_it() {
    let path = broken("empty.csv");
    let err = ingest::read_file(&path, None, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IngestError::Empty { .. }), "{err}");
    assert!(err.to_string().contains("empty.csv"), "{err}");
    let (code, stderr, _) = analyze_bin(&path);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("empty.csv: the file is empty"), "{stderr}");
}

#[test]
fn header_only_reads_no_rows_with_a_warning() {
    let i = read("header-only.csv");
    assert_eq!((i.rows_read, i.records.len()), (0, 0));
    assert!(
        i.diag
            .warnings
            .iter()
            .any(|w| w.message.contains("header only")),
        "{:?}",
        i.diag.warnings
    );
}

#[test]
fn truncated_mid_row_is_rejected_at_its_line() {
    let i = read("truncated-mid-row.csv");
    assert_eq!(i.rows_read, 3);
    assert_eq!(
        rejects(&i),
        vec![(4, "expected 8 fields, found 4".to_string())]
    );
    assert_eq!(i.records.len(), 2);
}

#[test]
fn truncated_mid_quote_is_rejected_not_used() {
    // The cut falls inside a quoted last field, so the field count is right: before the
    // fix the row was used, with its serial cut short.
    let i = read("truncated-mid-quote.csv");
    assert_eq!(i.rows_read, 3);
    assert_eq!(
        rejects(&i),
        vec![(
            4,
            "a quoted field opened on line 4 is never closed (truncated file?)".to_string()
        )]
    );
    assert_eq!(
        intune_names(&i),
        vec![Some("PC-001".into()), Some("PC-002".into())]
    );
}

#[test]
fn unclosed_quote_swallowing_the_rest_is_rejected_with_the_lines_lost() {
    // A stray quote in the last column of line 3 makes lines 3-5 one field: before the fix
    // that row was used and lines 4-5 vanished without a count.
    let i = read("unclosed-quote-mid-file.csv");
    assert_eq!(i.rows_read, 2);
    assert_eq!(
        rejects(&i),
        vec![(
            3,
            "a quoted field opened on line 3 is never closed: lines 3 to 5, the end of the \
             file, are inside it and unread"
                .to_string()
        )]
    );
    assert_eq!(intune_names(&i), vec![Some("PC-001".into())]);
}

#[test]
fn a_header_that_never_closes_its_quote_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header-quote.csv");
    std::fs::write(
        &path,
        "Device ID,Device name,Managed by,\"Notes\n1,PC-1,Intune,x\n2,PC-2,Intune,y\n",
    )
    .unwrap();
    let err = ingest::read_file(&path, None, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(err, IngestError::Malformed { line: 1, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("header-quote.csv:1: the header opens a quoted field"),
        "{msg}"
    );
    assert!(msg.contains("lines 1 to 3"), "{msg}");
    let (code, stderr, _) = analyze_bin(&path);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("header-quote.csv:1"), "{stderr}");
}

#[test]
fn wrong_field_counts_are_rejected_at_their_lines() {
    let i = read("wrong-field-counts.csv");
    assert_eq!(i.rows_read, 5);
    assert_eq!(
        rejects(&i),
        vec![
            (3, "expected 8 fields, found 3".to_string()),
            (4, "expected 8 fields, found 10".to_string()),
        ]
    );
    // Line 5 only has trailing blank fields (a spreadsheet's extra delimiters): read.
    assert_eq!(
        intune_names(&i),
        vec![
            Some("PC-001".into()),
            Some("PC-004".into()),
            Some("PC-005".into())
        ]
    );
}

#[test]
fn duplicate_header_names_warn_and_the_first_non_empty_value_wins() {
    let i = read("duplicate-header.csv");
    assert_eq!((i.rows_read, i.records.len()), (2, 2));
    let w: Vec<String> = i.diag.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter().any(|w| w.contains(
            "duplicate-header.csv:1 [Device name]: 2 columns carry NAME: Device name, Device name"
        )),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("Azure AD Device ID, Microsoft Entra Device ID")),
        "{w:?}"
    );
    assert_eq!(
        intune_names(&i),
        vec![Some("PC-001".into()), Some("PC-002-RIGHT".into())]
    );
    let Records::Intune(v) = &i.records else {
        unreachable!()
    };
    assert_eq!(
        v[1].entra_device_id.map(|g| g.to_string()).as_deref(),
        Some("22222222-2222-4222-8222-222222222222")
    );
}

#[test]
fn invalid_utf8_in_a_cell_rejects_the_row_with_its_column() {
    let i = read("invalid-utf8.csv");
    assert_eq!(i.rows_read, 3);
    assert_eq!(
        rejects(&i),
        vec![(
            3,
            "invalid UTF-8 in column \"Device name\" (column 2)".to_string()
        )]
    );
    assert_eq!(i.diag.rejects[0].column.as_deref(), Some("Device name"));
    assert_eq!(i.records.len(), 2);
}

/// Bytes that are valid text as a whole record but not cell by cell (a character split by
/// a delimiter), and a NUL byte: the row is rejected naming the first bad column.
#[test]
fn a_character_split_across_cells_and_a_nul_are_rejected_by_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intune.csv");
    let mut bytes = b"Device ID,Device name,Managed by,Ownership,OS,Serial number\n".to_vec();
    bytes.extend_from_slice(
        b"a1b2c3d4-0000-4000-8000-000000000001,PC-\xc3,\xa9Intune,Corporate,Windows,SN1\n",
    );
    bytes.extend_from_slice(
        b"a1b2c3d4-0000-4000-8000-000000000002,PC-2,Intune,Corp\0orate,Windows,SN2\n",
    );
    bytes.extend_from_slice(
        "a1b2c3d4-0000-4000-8000-000000000003,PC-\u{e9},Intune,Corporate,Windows,SN3\n".as_bytes(),
    );
    std::fs::write(&path, bytes).unwrap();
    let i = read_path(&path);
    accounted(&i);
    assert_eq!(
        rejects(&i),
        vec![
            (
                2,
                "invalid UTF-8 in column \"Device name\" (column 2)".to_string()
            ),
            (
                3,
                "NUL bytes in column \"Ownership\" (column 4)".to_string()
            ),
        ]
    );
    assert_eq!(intune_names(&i), vec![Some("PC-\u{e9}".into())]);
}

#[test]
fn utf16le_without_bom_is_transcoded_and_lines_are_right() {
    let i = read("utf16le-no-bom.csv");
    assert_eq!(i.encoding, "utf-16le");
    assert_eq!(i.rows_read, 4);
    assert_eq!(
        rejects(&i),
        vec![(4, "expected 8 fields, found 2".to_string())]
    );
    assert_eq!(
        intune_names(&i),
        vec![
            Some("PC-001".into()),
            Some("PC-002".into()),
            Some("PC-004".into())
        ]
    );
}

#[test]
fn nul_bytes_reject_the_row_and_a_zero_filled_tail() {
    // Before the fix the NUL row was used, a NUL inside the device name.
    let i = read("nul-bytes.csv");
    assert_eq!(i.rows_read, 4);
    assert_eq!(
        rejects(&i),
        vec![
            (
                3,
                "NUL bytes in column \"Device name\" (column 2)".to_string()
            ),
            (5, "expected 8 fields, found 1".to_string()),
        ]
    );
    assert_eq!(
        intune_names(&i),
        vec![Some("PC-001".into()), Some("PC-003".into())]
    );
}

#[test]
fn a_50_mb_field_is_a_cell_warning_and_the_row_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-field.csv");
    let huge = "x".repeat(50 * 1024 * 1024);
    let mut text = String::with_capacity(huge.len() * 2 + 1024);
    text.push_str("Device ID,Device name,Managed by,Notes\n");
    text.push_str(&format!("d1,\"{huge}\",Intune,short\n"));
    text.push_str(&format!("d2,PC-2,Intune,\"{huge}\"\n"));
    text.push_str("d3,PC-3,Intune,\n");
    std::fs::write(&path, &text).unwrap();
    drop(text);
    let i = read_path(&path);
    assert_eq!((i.rows_read, i.records.len()), (3, 3));
    assert_eq!(
        cell_warnings(&i),
        vec![(
            2,
            "Device name".to_string(),
            format!(
                "a value of {} bytes, over the limit of {} bytes for a cell: treated as no value",
                huge.len(),
                ingest::MAX_CELL_BYTES
            )
        )]
    );
    // The huge Notes cell of line 3 is in no column fleetstate reads: nothing to say.
    assert_eq!(
        intune_names(&i),
        vec![None, Some("PC-2".into()), Some("PC-3".into())]
    );
}

#[test]
fn a_50_mb_id_rejects_the_row_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-id.csv");
    let huge = "7".repeat(50 * 1024 * 1024);
    std::fs::write(
        &path,
        format!("Device ID,Device name,Managed by\n{huge},PC-1,Intune\nd2,PC-2,Intune\n"),
    )
    .unwrap();
    let i = read_path(&path);
    assert_eq!((i.rows_read, i.records.len()), (2, 1));
    assert_eq!(
        rejects(&i),
        vec![(
            2,
            format!(
                "required column \"Device ID\" holds a value of {} bytes, over the limit of {} \
                 bytes for a cell",
                huge.len(),
                ingest::MAX_CELL_BYTES
            )
        )]
    );
}

#[test]
fn five_thousand_columns_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let width = 5000;
    let mut header: Vec<String> = vec![
        "Device ID".into(),
        "Device name".into(),
        "Managed by".into(),
    ];
    header.extend((header.len()..width).map(|c| format!("Extra {c}")));
    // Twelve more columns that also say "Device name": one capped warning.
    for c in (1000..width).step_by(333).take(12) {
        header[c] = "Device name".into();
    }
    let row = |id: &str, name: &str, n: usize| {
        let mut cells: Vec<String> = vec![id.into(), name.into(), "Intune".into()];
        cells.extend((cells.len()..n).map(|c| format!("v{c}")));
        for c in (1000..width).step_by(333).take(12) {
            if c < n {
                cells[c] = String::new();
            }
        }
        cells.join(",")
    };
    let text = [
        header.join(","),
        row("d1", "PC-1", width),
        row("d2", "PC-2", width - 1),
        row("d3", "PC-3", width),
    ]
    .join("\n");
    std::fs::write(&path, text).unwrap();
    let i = read_path(&path);
    assert_eq!(i.rows_read, 3);
    assert_eq!(
        rejects(&i),
        vec![(3, format!("expected {width} fields, found {}", width - 1))]
    );
    assert_eq!(
        intune_names(&i),
        vec![Some("PC-1".into()), Some("PC-3".into())]
    );
    let w = i
        .diag
        .warnings
        .iter()
        .find(|w| w.message.contains("columns carry NAME"))
        .expect("the doubled Device name is warned about");
    assert!(
        w.message.starts_with("13 columns carry NAME"),
        "{}",
        w.message
    );
    assert!(w.message.len() < 400, "the list is capped: {}", w.message);
}

#[test]
fn mixed_line_endings_and_blank_lines_keep_physical_line_numbers() {
    // CRLF, LF and lone CR mixed, with blank lines between rows: before the fix a lone CR
    // was no line end for the line count and blank lines shifted every later line.
    let i = read("mixed-line-endings.csv");
    assert_eq!(i.rows_read, 7);
    assert_eq!(
        rejects(&i),
        vec![
            (7, "expected 8 fields, found 2".to_string()),
            (10, "expected 8 fields, found 2".to_string()),
        ]
    );
    assert_eq!(
        cell_warnings(&i),
        vec![(
            8,
            "Last check-in".to_string(),
            "not a date: \"not a date\"".to_string()
        )]
    );
    let lines: Vec<u64> = match &i.records {
        Records::Intune(v) => v.iter().map(|r| r.line).collect(),
        _ => unreachable!(),
    };
    assert_eq!(lines, vec![2, 3, 4, 8, 11]);
}

#[test]
fn graph_page_cut_in_half_keeps_the_complete_objects() {
    // Before the fix the whole page was lost, counted as one rejected row.
    let i = read("graph-page-cut.json");
    assert_eq!(i.form, ingest::Form::IntuneGraphJson);
    assert_eq!(i.rows_read, 3);
    assert_eq!(
        intune_names(&i),
        vec![Some("PC-001".into()), Some("PC-002".into())]
    );
    let r = &i.diag.rejects;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].line, 22, "the line the cut object starts on");
    assert!(
        r[0].reason.starts_with(
            "the JSON ends in the middle of a value (truncated file?): EOF while parsing"
        ) && r[0].reason.ends_with("the rest of the file is unread"),
        "{}",
        r[0].reason
    );
    let Records::Intune(v) = &i.records else {
        unreachable!()
    };
    assert_eq!(
        (v[0].line, v[1].line),
        (4, 13),
        "each object has its own line"
    );
}

#[test]
fn json_of_the_wrong_resource_is_an_error_naming_the_file() {
    let path = broken("graph-users.json");
    let err = ingest::read_file(&path, None, &ReadOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IngestError::Unrecognised { .. }), "{msg}");
    assert!(
        msg.contains("graph-users.json: not a recognisable export")
            && msg.contains("userPrincipalName"),
        "{msg}"
    );
    let (code, stderr, _) = analyze_bin(&path);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("graph-users.json"), "{stderr}");
}

#[test]
fn impossible_dates_are_cell_warnings_and_do_not_poison_the_column() {
    // `31/31/2026` is no date in either order. Before the fix it counted as both day-first
    // and month-first, so the whole column was declared unreadable and every slash date in
    // it lost, with no line named.
    let i = read("impossible-dates.csv");
    assert_eq!((i.rows_read, i.records.len()), (5, 5));
    let col = "Last check-in".to_string();
    assert_eq!(
        cell_warnings(&i),
        vec![
            (2, col.clone(), "not a date: \"2026-02-30\"".to_string()),
            (3, col.clone(), "not a date: \"31/31/2026\"".to_string()),
            (4, col.clone(), "not a date: \"yesterday\"".to_string()),
        ]
    );
    assert!(
        !i.diag
            .warnings
            .iter()
            .any(|w| w.message.contains("unreadable")),
        "{:?}",
        i.diag.warnings
    );
    let dates = intune_last_sync(&i);
    assert_eq!(&dates[..3], &[None, None, None]);
    let shown: Vec<String> = dates[3..]
        .iter()
        .map(|d| ingest::value::format_ts(d.expect("a date")))
        .collect();
    assert_eq!(shown, vec!["2025-10-20T06:55:00Z", "2026-02-03T13:00:00Z"]);
}

#[test]
fn configmgr_aad_device_id_that_is_not_a_guid_is_a_cell_warning() {
    let i = read("configmgr-bad-aaddeviceid.csv");
    assert_eq!((i.rows_read, i.records.len()), (3, 3));
    let col = "AADDeviceID".to_string();
    assert_eq!(
        cell_warnings(&i),
        vec![
            (
                3,
                col.clone(),
                "not a GUID: \"not-a-guid-at-all\"".to_string()
            ),
            (
                4,
                col.clone(),
                "not a GUID: \"1111111111114111811111111111111\"".to_string()
            ),
        ]
    );
    let Records::ConfigMgr(v) = &i.records else {
        panic!("not ConfigMgr")
    };
    let ids: Vec<Option<String>> = v
        .iter()
        .map(|r| r.aad_device_id.map(|g| g.to_string()))
        .collect();
    assert_eq!(
        ids,
        vec![
            Some("11111111-1111-4111-8111-111111111111".to_string()),
            None,
            None
        ]
    );
}

#[test]
fn clock_with_a_huge_negative_hour_is_no_date() {
    // Regression: `-9223372036854775808` parsed as an hour overflowed (a panic in debug).
    use fleetstate::ingest::value::parse_date;
    for s in [
        "1/1/2023 -9223372036854775808:00",
        "2023-01-01T00:-9223372036854775808+00:00",
        "1/1/2023 -5:-3",
        "-123-01-01",
    ] {
        assert!(parse_date(s).is_err(), "{s}");
    }
}

#[test]
fn many_json_values_on_one_line_read_in_linear_time() {
    // Regression: each top-level value's line was counted from the start of the text, so
    // 20,000 concatenated pages on one line took minutes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autopilot.json");
    let one = "{\"serialNumber\":\"S1\",\"groupTag\":\"Kiosk\",\"enrollmentState\":\"enrolled\"}";
    std::fs::write(&path, one.repeat(20_000)).unwrap();
    let started = std::time::Instant::now();
    let i = read_path(&path);
    assert_eq!((i.rows_read, i.records.len()), (20_000, 20_000));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn every_broken_file_through_the_binary_exits_0_or_2_and_accounts_for_every_row() {
    let dir = data("broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (code, stderr, summary) = analyze_bin(&file);
        match code {
            0 => {
                let s = summary.expect("summary.json");
                for input in s["inputs"].as_array().expect("inputs") {
                    let n = |k: &str| input[k].as_u64().unwrap_or_else(|| panic!("{k}"));
                    let skipped: u64 = input["rows_skipped"]
                        .as_object()
                        .expect("rows_skipped")
                        .values()
                        .map(|v| v.as_u64().unwrap())
                        .sum();
                    assert_eq!(
                        n("rows_read"),
                        n("rows_used") + n("rows_rejected") + skipped,
                        "{name}: {input}"
                    );
                }
            }
            2 => assert!(stderr.contains(&name), "{name}: {stderr}"),
            other => panic!("{name}: exit {other}\n{stderr}"),
        }
    }
}

#[test]
fn a_folder_of_broken_files_runs_on() {
    // In a folder, files that are no export are skipped with a warning; the others are
    // read with their rejections; the run goes on.
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "empty.csv",
        "graph-users.json",
        "truncated-mid-quote.csv",
        "graph-page-cut.json",
        "configmgr-bad-aaddeviceid.csv",
    ] {
        std::fs::copy(broken(name), dir.path().join(name)).unwrap();
    }
    let opts = fleetstate::analyze::AnalyzeOptions {
        inputs: vec![fleetstate::analyze::InputSpec {
            path: dir.path().to_path_buf(),
            forced: None,
        }],
        ..Default::default()
    };
    let a = fleetstate::analyze::analyze(&opts).expect("the run goes on");
    assert_eq!(a.inputs.len(), 3);
    for i in &a.inputs {
        assert_eq!(
            i.rows_read,
            i.rows_used() + i.rows_rejected() + i.rows_skipped(),
            "{}",
            i.display_path()
        );
    }
    let skipped: Vec<String> = a
        .run_warnings
        .iter()
        .filter(|w| w.message.contains("skipped"))
        .filter_map(|w| w.file.clone())
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(
        a.inputs.iter().map(Input::rows_rejected).sum::<u64>(),
        2,
        "one cut quote, one cut page"
    );
}
