//! Accuracy against the generator's truth: `expected.csv` is derived from the scenario the
//! generator gave each device, never from the classifier.

use crate::common::{bin, run};
use fleetstate::sample::{write_sample, SampleOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const COLUMNS: &[&str] = &[
    "state",
    "join_type",
    "management",
    "ownership",
    "ownership_source",
    "enrollment_method",
    "autopilot_registered",
    "stale",
    "tenant_attached",
    "workloads",
    "sources",
];

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

type Table = BTreeMap<String, BTreeMap<String, String>>;

fn read_csv(path: &Path) -> Table {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    let mut out = Table::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        out.insert(row["device_key"].clone(), row);
    }
    out
}

/// Analyses `dir` and checks every device and column against its `expected.csv`.
fn assert_matches_expected(dir: &Path) {
    let out = tempfile::tempdir().unwrap();
    let a = run(&[dir.to_path_buf()]);
    fleetstate::report::write_all(&a, out.path(), &Default::default()).unwrap();
    let got = read_csv(&out.path().join("devices.csv"));
    let expected = read_csv(&dir.join("expected.csv"));
    let missing: Vec<&String> = expected
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<&String> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}: missing {missing:?}, extra {extra:?}",
        dir.display()
    );
    let mut wrong = Vec::new();
    for (key, exp) in &expected {
        for c in COLUMNS {
            if exp[*c] != got[key][*c] {
                wrong.push(format!(
                    "{key} ({}) {c}: expected {:?}, got {:?}",
                    exp["scenario"], exp[*c], got[key][*c]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}: {} wrong cells, e.g. {:#?}",
        dir.display(),
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}

#[test]
fn committed_sample_is_what_the_generator_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let report = write_sample(
        &SampleOptions {
            devices: 2000,
            seed: 1,
        },
        tmp.path(),
    )
    .unwrap();
    for f in &report.files {
        let rel = f.strip_prefix(tmp.path()).unwrap();
        let committed = std::fs::read(sample_data().join(rel)).unwrap_or_default();
        assert!(committed == std::fs::read(f).unwrap(), "sample-data/{} is out of date: run `fleetstate sample --devices 2000 --seed 1 --out sample-data`", rel.display());
    }
}

#[test]
fn sample_data_classifies_as_expected_in_every_form() {
    for sub in ["", "graph", "utf16"] {
        assert_matches_expected(&sample_data().join(sub));
    }
}

#[test]
fn fresh_100k_fleet_classifies_as_expected() {
    let tmp = tempfile::tempdir().unwrap();
    write_sample(
        &SampleOptions {
            devices: 100_000,
            seed: 20261126,
        },
        tmp.path(),
    )
    .unwrap();
    assert_matches_expected(tmp.path());
}

#[test]
fn csv_and_graph_json_forms_agree() {
    // Differences by design, and why:
    // - Autopilot placeholder objects are only recognisable in Graph JSON ([ZTDID],
    //   Autopilot ids): their devices (scenario `*/entra_placeholder`, and the Autopilot-only
    //   half of `autopilot_not_deployed`, one device in JSON) are skipped here.
    // - `ownership_source`: the Entra CSV has no deviceOwnership, so `entra` there is
    //   `inferred` here (the ownership value itself must agree).
    // - `autopilot_id`, `autopilot_object_id`: the Autopilot CSV forms carry no id.
    // - `primary_user`: the Entra CSV carries registeredOwners, Graph `device` does not.
    let agree = [
        "state",
        "join_type",
        "management",
        "ownership",
        "enrollment_method",
        "autopilot_registered",
        "stale",
        "last_seen",
        "tenant_attached",
        "workloads",
        "sources",
        "device_name",
        "serial_number",
        "os_version",
        "intune_device_id",
        "entra_object_id",
        "configmgr_resource_id",
    ];
    let (csv_out, json_out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (dir, out) in [
        (sample_data(), &csv_out),
        (sample_data().join("graph"), &json_out),
    ] {
        let a = run(&[dir]);
        fleetstate::report::write_all(&a, out.path(), &Default::default()).unwrap();
    }
    let csv_t = read_csv(&csv_out.path().join("devices.csv"));
    let json_t = read_csv(&json_out.path().join("devices.csv"));
    let truth = read_csv(&sample_data().join("expected.csv"));
    let mut compared = 0;
    for (key, c) in &csv_t {
        let scenario = truth[key]["scenario"].as_str();
        if scenario.ends_with("/entra_placeholder") || scenario == "autopilot_not_deployed" {
            continue;
        }
        let j = json_t
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from the JSON form"));
        for col in agree {
            assert_eq!(
                c[col], j[col],
                "{key} ({}) column {col}",
                truth[key]["scenario"]
            );
        }
        compared += 1;
    }
    assert!(compared > 1800, "{compared}");
}

#[test]
fn shuffled_rows_change_no_output_byte() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for entry in std::fs::read_dir(sample_data()).unwrap() {
        let p = entry.unwrap().path();
        if !p.is_file() || p.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap();
        std::fs::write(a.path().join(name), &text).unwrap();
        // Rows hold no quoted newlines in these files: a line is a row.
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        let header = lines.remove(0);
        let n = lines.len();
        let mut shuffled: Vec<&str> = (0..n).map(|i| lines[(i * 7919 + 13) % n]).collect();
        if n % 7919 == 0 {
            shuffled.reverse();
        }
        shuffled.insert(0, header);
        std::fs::write(b.path().join(name), shuffled.concat()).unwrap();
    }
    for d in [&a, &b] {
        let st = bin()
            .current_dir(d.path())
            .args(["analyze", ".", "--out", "out"])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    for f in ["devices.csv", "devices.parquet"] {
        assert!(
            std::fs::read(a.path().join("out").join(f)).unwrap()
                == std::fs::read(b.path().join("out").join(f)).unwrap(),
            "{f} differs"
        );
    }
    let strip = |d: &tempfile::TempDir| {
        let mut v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.path().join("out/summary.json")).unwrap(),
        )
        .unwrap();
        for i in v["inputs"].as_array_mut().unwrap() {
            i.as_object_mut().unwrap().remove("sha256");
            for r in i["rejected"].as_array_mut().unwrap() {
                r.as_object_mut().unwrap().remove("line");
            }
        }
        for w in v["warnings"].as_array_mut().unwrap() {
            w.as_object_mut().unwrap().remove("line");
        }
        v
    };
    assert_eq!(strip(&a), strip(&b));
}
