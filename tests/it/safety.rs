//! Outputs people can trust: formula and HTML injection neutralised, pseudonymised
//! reports, `verify`, atomic output sets under SIGKILL, a memory limit.

use crate::common::bin;
use std::path::{Path, PathBuf};

const IH: &str = "Device ID,Device name,Last check-in,Azure AD Device ID,Serial number,Managed by,Ownership,OS,JoinType,EnrollmentType,Primary user UPN\n";

/// Personal bulk-enrolled devices (FLT001) whose owners chose hostile names.
fn hostile(dir: &Path) {
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "<img src=x onerror=alert(1)>",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
    ];
    let mut csv = String::from(IH);
    for (i, n) in names.iter().enumerate() {
        let quoted = format!("\"{}\"", n.replace('"', "\"\""));
        csv.push_str(&format!(
            "a0000000-0000-4000-8000-00000000000{i},{quoted},2026-11-20 00:00:00,,SN{i},Intune,Personal,Windows,,windowsBulkUserless,=1+1@evil\n"
        ));
    }
    std::fs::write(dir.join("intune.csv"), csv).unwrap();
}

#[test]
fn formula_and_html_injection_are_neutralised() {
    let input = tempfile::tempdir().unwrap();
    hostile(input.path());
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("analyze")
        .arg(input.path())
        .arg("--xlsx")
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let devices = std::fs::read_to_string(out.path().join("devices.csv")).unwrap();
    // Byte for byte: the CSV cell starts with a quote mark.
    assert!(
        devices.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","),
        "{devices}"
    );
    assert!(devices.contains(",'+cmd|' /C calc'!A0,"), "{devices}");
    assert!(devices.contains(",'@SUM(1+1),"));
    assert!(devices.contains(",'-2+3,"));
    assert!(devices.contains(",'=1+1@evil,"), "UPNs too");
    assert!(
        devices.contains(",<img src=x onerror=alert(1)>,"),
        "not a formula: unchanged in CSV"
    );
    let findings = std::fs::read_to_string(out.path().join("findings.csv")).unwrap();
    assert!(
        findings.contains(",'@SUM(1+1),") && findings.contains(",'-2+3,"),
        "{findings}"
    );
    // HTML: every value escaped.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)"));
    // XLSX: strings, never formulas.
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(out.path().join("report.xlsx")).unwrap()).unwrap();
    let mut sheets = String::new();
    for i in 1..=3 {
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut sheets,
        )
        .unwrap();
    }
    assert!(!sheets.contains("<f>"), "no formula cells");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    let unescaped = strings
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        unescaped.contains("<t>=HYPERLINK(\"http://evil.example\",\"click\")</t>"),
        "the raw name, as a string"
    );
    // --raw-csv keeps the cells as they are; Parquet always does.
    let raw = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("analyze")
        .arg(input.path())
        .arg("--raw-csv")
        .arg("--out")
        .arg(raw.path())
        .output()
        .unwrap();
    assert!(st.status.success());
    let devices = std::fs::read_to_string(raw.path().join("devices.csv")).unwrap();
    assert!(devices.contains(",@SUM(1+1),") && !devices.contains("'@SUM"));
}

fn all_output_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn pseudonymized_reports_carry_no_names_serials_or_users() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("key");
    std::fs::write(&key, "a secret key of the auditor, 32+ bytes\n").unwrap();
    let (plain, p1, p2) = (
        work.path().join("plain"),
        work.path().join("p1"),
        work.path().join("p2"),
    );
    for (out, pseudo) in [(&plain, false), (&p1, true), (&p2, true)] {
        let mut c = bin();
        c.arg("analyze")
            .arg(&sample)
            .arg("--xlsx")
            .arg("--out")
            .arg(out);
        if pseudo {
            c.arg("--pseudonymize").arg(&key);
        }
        assert!(c.output().unwrap().status.success());
    }
    assert_eq!(
        all_output_bytes(&p1),
        all_output_bytes(&p2),
        "stable for the same key"
    );
    // Every name, serial and user of the plain report is absent from the pseudonymised one.
    let mut r = csv::Reader::from_path(plain.join("devices.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (name, serial, user) = (
        col("device_name"),
        col("serial_number"),
        col("primary_user"),
    );
    let mut secrets = std::collections::BTreeSet::new();
    let mut states_plain = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for i in [name, serial, user] {
            if rec[i].len() >= 6 {
                secrets.insert(rec[i].trim_start_matches('\'').to_string());
            }
        }
        states_plain.push(rec[col("state")].to_string());
    }
    assert!(secrets.len() > 1000);
    let outputs = all_output_bytes(&p1);
    for (path, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("a secret key of the auditor"),
            "the key is in {}",
            path.display()
        );
        if path
            .extension()
            .is_some_and(|e| e == "csv" || e == "html" || e == "json")
        {
            for s in &secrets {
                assert!(
                    !text.contains(s.as_str()),
                    "{s:?} leaks into {}",
                    path.display()
                );
            }
        }
    }
    // Same classification: pseudonyms keep serial and name matching intact.
    let mut states_p: Vec<String> = csv::Reader::from_path(p1.join("devices.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[col("state")].to_string())
        .collect();
    states_plain.sort();
    states_p.sort();
    assert_eq!(states_plain, states_p);
}

#[test]
fn verify_checks_the_inputs_of_a_report() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    assert!(bin()
        .arg("analyze")
        .arg(&sample)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap()
        .status
        .success());
    let st = bin().arg("verify").arg(&out).arg(&sample).output().unwrap();
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stdout)
    );
    // One byte changed in one input: not the same inputs.
    let copy = work.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for f in [
        "intune-devices.csv",
        "entra-devices.csv",
        "configmgr-devices.csv",
        "autopilot-devices.csv",
    ] {
        std::fs::copy(sample.join(f), copy.join(f)).unwrap();
    }
    let st = bin().arg("verify").arg(&out).arg(&copy).output().unwrap();
    assert_eq!(st.status.code(), Some(0), "identical copies verify");
    let mut text = std::fs::read_to_string(copy.join("entra-devices.csv")).unwrap();
    text.push('\n');
    std::fs::write(copy.join("entra-devices.csv"), text).unwrap();
    let st = bin().arg("verify").arg(&out).arg(&copy).output().unwrap();
    assert_eq!(st.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&st.stdout).contains("missing"));
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_intact() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules/FLT001");
    assert!(bin()
        .arg("analyze")
        .arg(&small)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap()
        .status
        .success());
    let before = all_output_bytes(&out);
    let big = work.path().join("big");
    fleetstate::sample::write_sample(
        &fleetstate::sample::SampleOptions {
            devices: 40_000,
            seed: 3,
        },
        &big,
    )
    .unwrap();
    // How long a whole run takes here; kills land well before its final renames.
    let scratch = work.path().join("scratch");
    let started = std::time::Instant::now();
    assert!(bin()
        .arg("analyze")
        .arg(&big)
        .arg("--xlsx")
        .arg("--out")
        .arg(&scratch)
        .output()
        .unwrap()
        .status
        .success());
    let full = started.elapsed().as_millis() as u64;
    let complete = all_output_bytes(&scratch);
    for percent in [5u64, 20, 40, 60, 80] {
        let delay_ms = full * percent / 100;
        let mut child = bin()
            .arg("analyze")
            .arg(&big)
            .arg("--xlsx")
            .arg("--out")
            .arg(&out)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now: Vec<(PathBuf, Vec<u8>)> = all_output_bytes(&out)
            .into_iter()
            .filter(|(p, _)| !p.to_string_lossy().starts_with(".fleetstate-tmp-"))
            .collect();
        if status.success() {
            // A busy machine can let the run finish before the kill: then the folder holds
            // exactly the new set, never a mix.
            assert!(
                now == complete,
                "finished before the kill at {delay_ms} ms: not the complete new set"
            );
        } else {
            assert!(
                now == before,
                "killed after {delay_ms} ms of {full}: the previous set changed"
            );
        }
    }
}

#[test]
fn a_json_input_larger_than_the_memory_limit_is_a_clear_error() {
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("managedDevices.json");
    let mut text = String::from("{\"value\":[");
    for i in 0..120_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"id\":\"{i:08x}-0000-4000-8000-000000000000\",\"deviceName\":\"PC{i}\",\"managementAgent\":\"mdm\",\"operatingSystem\":\"Windows\",\"notes\":\"{}\"}}",
            "x".repeat(400)
        ));
    }
    text.push_str("]}");
    std::fs::write(&path, text).unwrap();
    let script = format!(
        "ulimit -v 400000 && exec {} analyze {} --out {}",
        env!("CARGO_BIN_EXE_fleetstate"),
        path.display(),
        work.path().join("out").display()
    );
    let st = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&st.stderr);
    assert_eq!(
        st.status.code(),
        Some(2),
        "a clear error, not an abort: {err}"
    );
    assert!(
        err.contains("managedDevices.json") && err.contains("MB"),
        "{err}"
    );
}
