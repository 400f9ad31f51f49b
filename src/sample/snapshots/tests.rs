//! Tests of the weekly snapshots: determinism, shape, `as_of`, the truth of each week's
//! appeared and vanished keys, progress, and agreement with the classifier.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::Instant;

use super::*;

fn opts(devices: usize, seed: u64, weeks: usize) -> SnapshotOptions {
    SnapshotOptions {
        devices,
        seed,
        weeks,
    }
}

/// Header and rows of a CSV file (a UTF-8 BOM skipped).
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = fs::read(path).unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

/// `expected.csv` by `device_key`: column name -> value.
fn expected(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let (h, rows) = table(&dir.join("expected.csv"));
    let mut out = BTreeMap::new();
    for r in rows {
        let row: BTreeMap<String, String> = h.iter().cloned().zip(r.iter().cloned()).collect();
        assert!(
            out.insert(r[0].clone(), row).is_none(),
            "{}: device_key {} twice",
            dir.display(),
            r[0]
        );
    }
    out
}

/// model.md section 3 with the default target states.
fn progress(dir: &Path) -> f64 {
    let (h, rows) = table(&dir.join("expected.csv"));
    let (state, stale) = (column(&h, "state"), column(&h, "stale"));
    let counted: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[state] != "autopilot_only" && r[stale] == "false")
        .collect();
    let target = counted
        .iter()
        .filter(|r| matches!(r[state].as_str(), "entra_joined" | "co_managed"))
        .count();
    target as f64 / counted.len() as f64
}

#[test]
fn dates_and_as_of() {
    assert_eq!(date(0), "2026-09-07");
    assert_eq!(date(1), "2026-09-14");
    assert_eq!(date(17), "2027-01-04");
    assert_eq!(
        super::super::time::intune(as_of(0)),
        "2026-09-07 06:55:27.6237465"
    );
}

#[test]
fn same_options_give_identical_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ia = write_snapshots(&opts(400, 42, 6), a.path()).unwrap();
    let ib = write_snapshots(&opts(400, 42, 6), b.path()).unwrap();
    write_snapshots(&opts(400, 43, 6), c.path()).unwrap();
    assert_eq!(ia.len(), 6);
    let mut differs = false;
    for (sa, sb) in ia.iter().zip(&ib) {
        assert_eq!(sa.date, sb.date);
        assert_eq!(sa.devices, sb.devices);
        assert_eq!(sa.dir, a.path().join(&sa.date));
        let mut names: Vec<String> = fs::read_dir(&sa.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "autopilot-devices.csv",
                "configmgr-devices.csv",
                "entra-devices.csv",
                "expected.csv",
                "intune-devices.csv"
            ]
        );
        for name in &names {
            let bytes = fs::read(sa.dir.join(name)).unwrap();
            assert!(
                bytes == fs::read(sb.dir.join(name)).unwrap(),
                "{}/{name} differs between runs",
                sa.date
            );
            differs |= bytes != fs::read(c.path().join(&sa.date).join(name)).unwrap();
        }
    }
    assert!(differs, "another seed must give another fleet");
    // The truth does not depend on the files.
    assert_eq!(
        snapshot_truth(&opts(400, 42, 6), 3),
        snapshot_truth(&opts(400, 42, 6), 3)
    );
    assert_eq!(snapshot_truth(&opts(400, 42, 6), 6), None);
}

/// 12 weeks of 2,000 devices: timing, `as_of`, unique keys, the truth of every week's
/// appeared and vanished keys, and progress rising strictly.
#[test]
fn twelve_weeks_of_2000() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(2000, 1, 12);
    let started = Instant::now();
    let infos = write_snapshots(&o, dir.path()).unwrap();
    let took = started.elapsed();
    assert!(
        took.as_secs() < 60,
        "12 weeks of 2,000 devices took {took:?}"
    );
    assert_eq!(infos.len(), 12);
    assert_eq!(infos[0].devices, 2000);

    let mut previous: Option<BTreeSet<String>> = None;
    let mut last_progress = -1.0;
    for (week, info) in infos.iter().enumerate() {
        assert_eq!(info.date, date(week));
        // as_of: machine 0 checks in at the snapshot's instant, nothing is later.
        let (h, rows) = table(&info.dir.join("intune-devices.csv"));
        let last = column(&h, "Last check-in");
        let stamp = format!("{} 06:55:27.6237465", info.date);
        assert_eq!(rows.iter().map(|r| r[last].as_str()).max(), Some(&*stamp));
        assert_eq!(rows.iter().filter(|r| r[last] == stamp).count(), 1);
        let (eh, erows) = table(&info.dir.join("entra-devices.csv"));
        let signin = column(&eh, "approximateLastSignInDateTime");
        let stamp = format!("{}T06:55:27Z", info.date);
        assert!(erows.iter().all(|r| r[signin] < stamp));

        let keys: BTreeSet<String> = expected(&info.dir).into_keys().collect();
        let truth = snapshot_truth(&o, week).unwrap();
        assert_eq!(truth.date, info.date);
        assert_eq!(truth.devices, info.devices);
        if let Some(prev) = &previous {
            let appeared: Vec<String> = keys.difference(prev).cloned().collect();
            let vanished: Vec<String> = prev.difference(&keys).cloned().collect();
            assert_eq!(appeared, truth.appeared, "week {week}: appeared");
            assert_eq!(vanished, truth.vanished, "week {week}: vanished");
            assert!(!truth.events.is_empty());
        } else {
            assert!(truth.appeared.is_empty() && truth.events.is_empty());
        }
        previous = Some(keys);

        let p = progress(&info.dir);
        assert!(
            p > last_progress,
            "week {week}: progress {p} after {last_progress}"
        );
        last_progress = p;
    }
}

#[test]
fn progress_rises_every_week_for_other_seeds() {
    for seed in [2, 7, 20260907] {
        let dir = tempfile::tempdir().unwrap();
        let infos = write_snapshots(&opts(2000, seed, 12), dir.path()).unwrap();
        let p: Vec<f64> = infos.iter().map(|i| progress(&i.dir)).collect();
        assert!(
            p.windows(2).all(|w| w[1] > w[0]),
            "seed {seed}: progress {p:?}"
        );
    }
}

#[test]
fn every_kind_of_change_happens() {
    let o = opts(2000, 1, 12);
    let mut seen = BTreeMap::new();
    for week in 1..12 {
        for e in snapshot_truth(&o, week).unwrap().events {
            *seen.entry(e.event).or_insert(0) += 1;
            match e.event {
                "autopilot_reset" | "hybrid_joined" => {
                    assert_eq!((e.vanished.len(), e.appeared.len()), (1, 1), "{e:?}");
                    assert_ne!(e.vanished, e.appeared);
                }
                "co_managed" => {
                    assert_eq!(e.to, Some("hybrid_comanaged"));
                    assert!(e.vanished.is_empty() && e.appeared.is_empty());
                }
                "cleaned_up" | "retired" => assert!(e.to.is_none() && e.appeared.is_empty()),
                _ => {}
            }
        }
    }
    let kinds: Vec<&str> = seen.keys().copied().collect();
    assert_eq!(
        kinds,
        [
            "autopilot_deployed",
            "autopilot_enrolled",
            "autopilot_imported",
            "autopilot_reset",
            "bulk_enrolled_personal",
            "cleaned_up",
            "co_managed",
            "co_management_scheduled",
            "hybrid_join_completed",
            "hybrid_joined",
            "moved_to_intune",
            "ownership_fixed",
            "retired",
            "workplace_object_removed"
        ],
        "{seen:?}"
    );
}

#[test]
fn few_weeks_and_tiny_fleets() {
    let dir = tempfile::tempdir().unwrap();
    assert!(write_snapshots(&opts(10, 1, 0), dir.path())
        .unwrap()
        .is_empty());
    let one = write_snapshots(&opts(10, 1, 1), dir.path()).unwrap();
    assert_eq!(one[0].date, "2026-09-07");
    let two = write_snapshots(&opts(1, 3, 3), dir.path()).unwrap();
    assert_eq!(two.len(), 3);
    assert!(write_snapshots(&opts(10, 1, MAX_WEEKS + 1), dir.path()).is_err());
}

/// The classifier reads every week as its `expected.csv` says (all columns and rules).
#[test]
fn snapshots_classify_as_expected() {
    use crate::analyze::{analyze, AnalyzeOptions, InputSpec};
    let dir = tempfile::tempdir().unwrap();
    let infos = write_snapshots(&opts(1200, 5, 12), dir.path()).unwrap();
    for info in &infos {
        let a = analyze(&AnalyzeOptions {
            inputs: vec![InputSpec {
                path: info.dir.clone(),
                forced: None,
            }],
            ..Default::default()
        })
        .unwrap();
        let want = expected(&info.dir);
        assert!(want.len() > 1000, "{}", info.date);
        assert_eq!(a.devices.len(), want.len(), "{}", info.date);
        let mut wrong = Vec::new();
        for (d, (codes, _)) in a.devices.iter().zip(&a.device_findings) {
            let Some(e) = want.get(d.device_key.to_string().as_str()) else {
                wrong.push(format!("{} not expected", d.device_key));
                continue;
            };
            let join = |v: Vec<&str>, sep: &str| v.join(sep);
            let mut rules: Vec<&str> = codes.clone();
            rules.sort_unstable();
            let got = [
                ("state", d.state.as_str().to_string()),
                ("join_type", d.join_type.as_str().to_string()),
                ("management", d.management.as_str().to_string()),
                ("ownership", d.ownership.as_str().to_string()),
                ("ownership_source", d.ownership_source.as_str().to_string()),
                (
                    "enrollment_method",
                    d.enrollment_method.as_str().to_string(),
                ),
                ("autopilot_registered", d.autopilot_registered.to_string()),
                ("stale", d.stale.to_string()),
                ("tenant_attached", d.tenant_attached.to_string()),
                (
                    "workloads",
                    join(d.workloads.iter().map(|w| w.as_str()).collect(), ";"),
                ),
                (
                    "sources",
                    join(d.sources.iter().map(|s| s.as_str()).collect(), "+"),
                ),
                ("rules", rules.join(";")),
            ];
            for (col, value) in got {
                if e[col] != value {
                    wrong.push(format!(
                        "{} ({}) {col}: expected {:?}, got {value:?}",
                        d.device_key, e["scenario"], e[col]
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{}: {} wrong, e.g. {:#?}",
            info.date,
            wrong.len(),
            &wrong[..wrong.len().min(10)]
        );
    }
}

/// Progress from the expected rows in memory, for other sizes, seeds and spans.
#[test]
fn progress_rises_for_other_fleets_and_spans() {
    let cases = (1..=6)
        .flat_map(|seed| [200, 600, 1000].map(|devices| opts(devices, seed, 12)))
        .chain([2, 3, 26, 52].map(|weeks| opts(2000, 3, weeks)));
    for o in cases {
        let plan = Plan::new(&o);
        let p: Vec<f64> = (0..o.weeks)
            .map(|week| {
                let rows = write::expected_rows(&plan.fleet(week), Form::Top);
                let counted: Vec<_> = rows
                    .iter()
                    .filter(|r| r.state.as_str() != "autopilot_only" && !r.stale)
                    .collect();
                let target = counted
                    .iter()
                    .filter(|r| matches!(r.state.as_str(), "entra_joined" | "co_managed"))
                    .count();
                target as f64 / counted.len() as f64
            })
            .collect();
        assert!(p.windows(2).all(|w| w[1] > w[0]), "{o:?}: {p:?}");
    }
}
