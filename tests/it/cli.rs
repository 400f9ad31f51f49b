//! The binary: exit codes, outputs, and determinism.

use crate::common::{bin, data};
use sha2::Digest;
use std::path::Path;
use std::process::Output;

/// `fleetstate analyze INPUT --out OUT EXTRA...` on the test data (`input` as for
/// [`data`]: "" is the whole folder).
fn analyze(input: &str, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("analyze")
        .arg(data(input))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn analyze_writes_the_three_files_and_skips_non_exports_in_folders() {
    let out = tempfile::tempdir().unwrap();
    let st = analyze("", out.path(), &[]);
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for f in ["devices.csv", "devices.parquet", "summary.json"] {
        assert!(out.path().join(f).is_file(), "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    for i in s["inputs"].as_array().unwrap() {
        let skipped: u64 = i["rows_skipped"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            i["rows_read"].as_u64().unwrap(),
            i["rows_used"].as_u64().unwrap() + i["rows_rejected"].as_u64().unwrap() + skipped
        );
        // The digest and size of the bytes on disk (hashed on idle cores after parsing, the
        // rest beside the writers).
        let bytes = std::fs::read(i["path"].as_str().unwrap()).unwrap();
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(i["sha256"].as_str().unwrap(), digest, "{}", i["path"]);
        assert_eq!(i["size"].as_u64().unwrap(), bytes.len() as u64);
    }
    let rejected = &s["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("intune-admin.csv"))
        .unwrap()["rejected"];
    assert_eq!(rejected[0]["line"], 7);
    assert!(s["warnings"].as_array().unwrap().iter().any(|w| w["file"]
        .as_str()
        .unwrap_or("")
        .ends_with("not-an-export.csv")));
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".fleetstate-tmp")
        })
        .collect();
    assert!(leftovers.is_empty(), "no temporary folder left behind");
}

#[test]
fn explicit_non_export_exits_2_naming_file_and_headers() {
    let out = tempfile::tempdir().unwrap();
    let st = analyze("not-an-export.csv", out.path(), &[]);
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("not-an-export.csv")
            && err.contains("Device ID")
            && err.contains("ResourceID"),
        "{err}"
    );
    assert!(!out.path().join("summary.json").exists());
}

#[test]
fn inspect_reports_rejections_with_lines() {
    let st = bin()
        .arg("inspect")
        .arg(data("intune-admin.csv"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    let out = String::from_utf8_lossy(&st.stdout);
    assert!(out.contains("form:      intune-csv"), "{out}");
    assert!(out.contains("line 7: expected 19 fields, found 4"), "{out}");
}

#[test]
fn same_inputs_give_byte_identical_outputs_on_any_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The second run on one thread: no output may depend on how the work was split.
    for (d, threads) in [(&a, None), (&b, Some("1"))] {
        let mut cmd = bin();
        if let Some(n) = threads {
            cmd.arg("--threads").arg(n);
        }
        let st = cmd
            .arg("analyze")
            .arg(data(""))
            .arg("--xlsx")
            .arg("--out")
            .arg(d.path())
            .output()
            .unwrap();
        assert!(st.status.success());
    }
    // Every file of the set: CSV, Parquet, JSON, HTML, XLSX and each chart.
    let mut files = vec![];
    for f in [
        "devices.csv",
        "devices.parquet",
        "findings.csv",
        "summary.json",
        "report.html",
        "report.xlsx",
    ] {
        files.push(std::path::PathBuf::from(f));
    }
    for e in std::fs::read_dir(a.path().join("charts")).unwrap() {
        files.push(std::path::Path::new("charts").join(e.unwrap().file_name()));
    }
    assert!(files.len() >= 18);
    for f in files {
        assert!(
            std::fs::read(a.path().join(&f)).unwrap() == std::fs::read(b.path().join(&f)).unwrap(),
            "{} differs between two runs",
            f.display()
        );
    }
}

#[test]
fn as_of_is_the_end_of_the_given_utc_day() {
    let out = tempfile::tempdir().unwrap();
    let st = analyze("intune-admin.csv", out.path(), &["--as-of", "2027-06-01"]);
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["as_of"], "2027-06-01T23:59:59Z");
    let csv = std::fs::read_to_string(out.path().join("devices.csv")).unwrap();
    assert!(
        csv.lines()
            .skip(1)
            .filter(|l| l.contains("2026-11-"))
            .all(|l| l.contains(",true,2026-11-")),
        "every device seen in November 2026 is stale in June 2027"
    );
}

#[test]
fn missing_input_and_bad_flags_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .args(["analyze", "no-such-file.csv", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("no-such-file.csv"));
    let st = bin()
        .args(["analyze", "x", "--as-of", "26/11/2026", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2), "clap usage errors exit 2");
    let st = bin()
        .args(["analyze", "--threads", "0", "--out"])
        .arg(out.path())
        .arg(data(""))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2), "no threads is a usage error");
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(err.contains("--threads"), "{err}");
}

#[test]
fn tenants_are_analysed_into_partitioned_parquet() {
    let root = tempfile::tempdir().unwrap();
    for (tenant, fixture) in [("contoso", "rules/FLT001"), ("fabrikam", "rules/FLT003")] {
        let dir = root.path().join(tenant);
        std::fs::create_dir(&dir).unwrap();
        for e in std::fs::read_dir(data(fixture)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("analyze")
        .arg("--tenants")
        .arg(root.path())
        .arg("--no-html")
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for tenant in ["contoso", "fabrikam"] {
        assert!(out.path().join(tenant).join("summary.json").is_file());
        let part = out.path().join("parquet").join(format!("tenant={tenant}"));
        let snaps: Vec<_> = std::fs::read_dir(&part)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(snaps.len(), 1);
        assert!(snaps[0].starts_with("snapshot=2026-"), "{snaps:?}");
        assert_eq!(
            std::fs::read(part.join(&snaps[0]).join("devices.parquet")).unwrap(),
            std::fs::read(out.path().join(tenant).join("devices.parquet")).unwrap()
        );
    }
}

#[test]
fn timings_name_each_stage_with_wall_cpu_system_faults_and_memory() {
    let out = tempfile::tempdir().unwrap();
    let st = analyze("", out.path(), &["--no-html", "--timings"]);
    assert_eq!(st.status.code(), Some(0));
    let err = String::from_utf8_lossy(&st.stderr);
    let rows: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.starts_with("timings (stage,"))
        .skip(1)
        .collect();
    for stage in [
        "read",
        "resolve: gather",
        "resolve: link",
        "classify",
        "rules",
    ] {
        let row = rows
            .iter()
            .find(|r| r.trim_start().starts_with(&format!("{stage}  ")))
            .unwrap_or_else(|| panic!("no row for {stage:?} in:\n{err}"));
        if cfg!(target_os = "linux") {
            // name, wall, CPU, system, faults, RSS, peak: "0.012 s 0.02 s 0.00 s 1k pf 9 MiB 9 MiB"
            let tail: Vec<&str> = row[stage.len() + 2..].split_whitespace().collect();
            assert_eq!(tail.len(), 12, "{row}");
            assert_eq!(
                [tail[1], tail[3], tail[5], tail[7]],
                ["s", "s", "s", "pf"],
                "{row}"
            );
            assert!(tail[6].ends_with('k'), "{row}");
            assert_eq!([tail[9], tail[11]], ["MiB", "MiB"], "{row}");
        }
    }
}
