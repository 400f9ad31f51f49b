//! Tests of the sample generator: determinism, file shapes, counts, and that each
//! `expected.csv` is consistent with the files beside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::expected::{self, Form, Key};
use super::scenario::{self, Fleet, Scenario, ALL, WEIGHTS};
use super::time::{AS_OF, AS_OF_TEXT};
use super::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("fleetstate-sample-{}-{}", std::process::id(), name));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn generate(name: &str, devices: usize, seed: u64) -> (TempDir, SampleReport) {
    let dir = TempDir::new(name);
    let report = write_sample(&SampleOptions { devices, seed }, &dir.0).unwrap();
    (dir, report)
}

/// Decodes a file by its BOM (UTF-8, UTF-16LE, UTF-16BE).
fn text(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    let utf16 = |body: &[u8], be: bool| {
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).unwrap()
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).unwrap(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => String::from_utf8(bytes).unwrap(),
    }
}

/// Header and rows of a CSV file, `#TYPE` line skipped.
fn table(path: &Path, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let t = text(path);
    let body = t
        .strip_prefix("#TYPE System.Management.Automation.PSCustomObject\r\n")
        .unwrap_or(&t);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
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

fn graph_values(path: &Path) -> Vec<Vec<serde_json::Value>> {
    text(path)
        .lines()
        .map(|line| {
            let page: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(page["@odata.context"].is_string());
            page["value"].as_array().unwrap().clone()
        })
        .collect()
}

#[derive(Default, Debug, PartialEq, Eq)]
struct Counts {
    intune: usize,
    entra: usize,
    cm: usize,
    ap: usize,
    expected_top: usize,
    expected_graph: usize,
}

fn counts(fleet: &Fleet) -> Counts {
    let mut c = Counts::default();
    for idx in 0..fleet.len() {
        let dev = fleet.device(idx);
        let rec = dev.records();
        c.intune += rec.intune.len() + usize::from(dev.dup_intune_row);
        c.entra += rec.entra.len() + usize::from(dev.dup_entra_row);
        c.cm += rec.cm.len();
        c.ap += rec.ap.len();
        if dev.sc.in_scope() {
            c.expected_graph += 1;
            c.expected_top += 1;
            if matches!(
                dev.sc,
                Scenario::AutopilotNotDeployed
                    | Scenario::AutopilotHybrid
                    | Scenario::ReimagedNewObject
                    | Scenario::ReenrolledNewObject
                    | Scenario::DualState
            ) {
                c.expected_top += 1;
            }
            if matches!(
                dev.sc,
                Scenario::ReimagedNewObject | Scenario::ReenrolledNewObject | Scenario::DualState
            ) {
                c.expected_graph += 1;
            }
        }
    }
    c
}

#[test]
fn same_options_give_identical_bytes() {
    let (a, ra) = generate("det-a", 400, 42);
    let (b, rb) = generate("det-b", 400, 42);
    let (c, _) = generate("det-c", 400, 43);
    assert_eq!(ra.files.len(), 15);
    assert_eq!(ra.devices, 400);
    let mut differs = false;
    for (fa, fb) in ra.files.iter().zip(&rb.files) {
        let rel = fa.strip_prefix(&a.0).unwrap();
        assert_eq!(rel, fb.strip_prefix(&b.0).unwrap());
        assert!(
            fs::read(fa).unwrap() == fs::read(fb).unwrap(),
            "{} differs between runs",
            rel.display()
        );
        differs |= fs::read(fa).unwrap() != fs::read(c.0.join(rel)).unwrap();
    }
    assert!(differs, "another seed must give another fleet");
}

#[test]
fn file_shapes_and_counts() {
    let n = 2_600;
    let (dir, _) = generate("counts", n, 7);
    let out = &dir.0;
    let fleet = Fleet::new(n, 7);
    let want = counts(&fleet);

    // BOMs
    let head = |p: &str| fs::read(out.join(p)).unwrap()[..3].to_vec();
    assert_eq!(head("intune-devices.csv"), b"\xEF\xBB\xBF");
    assert_eq!(head("autopilot-devices.csv"), b"\xEF\xBB\xBF");
    assert_eq!(head("utf16/intune-devices.csv")[..2], [0xFF, 0xFE]);
    assert_eq!(head("utf16/entra-devices.csv")[..2], [0xFE, 0xFF]);
    assert_eq!(head("utf16/configmgr-devices.csv")[..2], [0xFF, 0xFE]);
    assert_eq!(head("utf16/autopilot-hwid.csv")[..2], [0xFF, 0xFE]);
    assert!(text(&out.join("utf16/configmgr-devices.csv")).starts_with(
        "#TYPE System.Management.Automation.PSCustomObject\r\n\"ResourceID\",\"Name\","
    ));
    assert!(text(&out.join("utf16/autopilot-hwid.csv")).starts_with(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n"
    ));
    assert!(text(&out.join("intune-devices.csv")).contains("\r\n"));

    // Intune
    let (h, rows) = table(&out.join("intune-devices.csv"), b',');
    assert_eq!(rows.len(), want.intune);
    assert_eq!(h.len(), 54);
    assert_eq!(h[53], "EnrollmentType");
    let (h16, rows16) = table(&out.join("utf16/intune-devices.csv"), b';');
    assert_eq!(rows16.len(), want.intune);
    assert_eq!(h16.len(), 53);
    assert!(h16.contains(&"Microsoft Entra Device ID".to_string()));
    let ids: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
    assert!(ids.len() < rows.len(), "some Intune ids are repeated");
    let pages = graph_values(&out.join("graph/intune-managedDevices.json"));
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), want.intune);
    assert_eq!(pages.len(), want.intune.div_ceil(1000));
    assert!(pages.iter().all(|p| p.len() <= 1000));
    assert!(pages.len() >= 2);

    // Entra
    let (eh, erows) = table(&out.join("entra-devices.csv"), b',');
    assert_eq!(erows.len(), want.entra);
    assert_eq!(eh.len(), 17);
    let (_, erows16) = table(&out.join("utf16/entra-devices.csv"), b'\t');
    assert_eq!(erows16.len(), want.entra);
    let epages = graph_values(&out.join("graph/entra-devices.json"));
    assert_eq!(epages.iter().map(Vec::len).sum::<usize>(), want.entra);

    // ConfigMgr
    let (ch, crows) = table(&out.join("configmgr-devices.csv"), b',');
    assert_eq!(crows.len(), want.cm);
    assert_eq!(ch.len(), 17);
    let (_, crows16) = table(&out.join("utf16/configmgr-devices.csv"), b',');
    assert_eq!(crows16.len(), want.cm);
    assert_eq!(
        fs::read(out.join("configmgr-devices.csv")).unwrap(),
        fs::read(out.join("graph/configmgr-devices.csv")).unwrap()
    );

    // Autopilot
    let (_, arows) = table(&out.join("autopilot-devices.csv"), b',');
    assert_eq!(arows.len(), want.ap);
    let (_, arows16) = table(&out.join("utf16/autopilot-hwid.csv"), b',');
    assert_eq!(arows16.len(), want.ap);
    let ap_lines = text(&out.join("graph/autopilot-devices.json"));
    assert_eq!(ap_lines.lines().count(), want.ap);
    for line in ap_lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["serialNumber"].is_string() && v["managedDeviceId"].is_string());
    }

    // expected.csv
    for (path, rows) in [
        ("expected.csv", want.expected_top),
        ("graph/expected.csv", want.expected_graph),
        ("utf16/expected.csv", want.expected_top),
    ] {
        let (h, e) = table(&out.join(path), b',');
        assert_eq!(h, expected::HEADER.map(String::from).to_vec());
        assert_eq!(e.len(), rows, "{path}");
        let keys: Vec<&String> = e.iter().map(|r| &r[0]).collect();
        let unique: BTreeSet<&String> = keys.iter().copied().collect();
        assert_eq!(unique.len(), keys.len(), "{path}: device_key not unique");
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys, "{path}: not sorted by device_key");
    }
}

#[test]
fn as_of_is_pinned() {
    let (dir, _) = generate("asof", 1_500, 99);
    let out = &dir.0;
    let (h, rows) = table(&out.join("intune-devices.csv"), b',');
    let last = column(&h, "Last check-in");
    let max = rows.iter().map(|r| r[last].as_str()).max().unwrap();
    assert_eq!(max, AS_OF_TEXT);
    assert_eq!(rows.iter().filter(|r| r[last] == AS_OF_TEXT).count(), 1);
    let (eh, erows) = table(&out.join("entra-devices.csv"), b',');
    let signin = column(&eh, "approximateLastSignInDateTime");
    assert!(erows
        .iter()
        .all(|r| r[signin].as_str() < "2026-11-20T06:55:27Z"));
    let (ch, crows) = table(&out.join("configmgr-devices.csv"), b',');
    let active = column(&ch, "LastActiveTime");
    assert!(crows
        .iter()
        .all(|r| r[active] == "NULL" || r[active].as_str() < "2026-11-20 06:55:27.623"));
    let _ = AS_OF;
}

#[test]
fn expected_keys_are_the_exported_ids() {
    let (dir, _) = generate("keys", 3_000, 5);
    let out = &dir.0;
    let (ih, irows) = table(&out.join("intune-devices.csv"), b',');
    let (eh, erows) = table(&out.join("entra-devices.csv"), b',');
    let (ch, crows) = table(&out.join("configmgr-devices.csv"), b',');
    let (ah, arows) = table(&out.join("autopilot-devices.csv"), b',');
    let windows = |os: &str| os == "Windows";
    let entra_ids: BTreeSet<String> = erows
        .iter()
        .filter(|r| windows(&r[column(&eh, "operatingSystem")]))
        .map(|r| r[column(&eh, "deviceId")].clone())
        .collect();
    let intune_entra: BTreeSet<String> = irows
        .iter()
        .filter(|r| windows(&r[column(&ih, "OS")]))
        .map(|r| r[column(&ih, "Azure AD Device ID")].clone())
        .collect();
    let intune_ids: BTreeSet<String> = irows.iter().map(|r| r[0].clone()).collect();
    let resource_ids: BTreeSet<String> = crows
        .iter()
        .filter(|r| r[column(&ch, "Obsolete0")] == "0")
        .map(|r| r[0].clone())
        .collect();
    let serials: BTreeSet<String> = arows
        .iter()
        .map(|r| {
            r[column(&ah, "Serial number")]
                .replace(' ', "")
                .to_uppercase()
        })
        .collect();
    let (_, e) = table(&out.join("expected.csv"), b',');
    let keys: BTreeSet<String> = e.iter().map(|r| r[0].clone()).collect();
    for k in &keys {
        if let Some(id) = k.strip_prefix("intune:") {
            assert!(intune_ids.contains(id), "{k}");
        } else if let Some(id) = k.strip_prefix("configmgr:") {
            assert!(resource_ids.contains(id), "{k}");
        } else if let Some(serial) = k.strip_prefix("autopilot:") {
            assert!(serials.contains(serial), "{k}");
        } else {
            assert!(
                entra_ids.contains(k) || intune_entra.contains(k),
                "{k} is no exported Entra device id"
            );
        }
    }
    // Every Windows client Entra object is a device of its own in the CSV form.
    for id in &entra_ids {
        let server = erows.iter().any(|r| {
            &r[column(&eh, "deviceId")] == id && r[column(&eh, "operatingSystem")] != "Windows"
        });
        assert!(server || keys.contains(id), "Entra object {id} has no row");
    }
    // Graph: placeholders fold or anchor, so every graph key is a top-level key.
    let (_, g) = table(&out.join("graph/expected.csv"), b',');
    let gkeys: BTreeSet<String> = g.iter().map(|r| r[0].clone()).collect();
    assert!(gkeys.is_subset(&keys));
    for r in &e {
        if !gkeys.contains(&r[0]) {
            assert!(
                r[0].starts_with("autopilot:") || r[1].ends_with("/entra_placeholder"),
                "{r:?} missing from graph/expected.csv"
            );
        }
    }
}

#[test]
fn every_scenario_and_rule_occurs() {
    let fleet = Fleet::new(5_000, 11);
    let mut seen = BTreeMap::new();
    for sc in &fleet.kinds {
        *seen.entry(*sc).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), ALL.len());
    assert_eq!(fleet.kinds[0], Scenario::AutopilotCloud);
    let mut rules = 0_u32;
    for form in [Form::Top, Form::Graph, Form::Utf16] {
        for r in super::write::expected_rows(&fleet, form) {
            rules |= r.rules;
        }
    }
    let fired: Vec<&str> = expected::RULES
        .iter()
        .enumerate()
        .filter(|(i, _)| rules & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect();
    let never: Vec<&str> = expected::RULES
        .iter()
        .filter(|c| !fired.contains(c))
        .copied()
        .collect();
    // FLT013 (classic agent) and FLT014 (a non-default policy) are not generated.
    assert_eq!(never, ["FLT013", "FLT014"]);
}

#[test]
fn scenario_table_matches_the_catalogue() {
    assert_eq!(SCENARIOS.len(), ALL.len());
    assert_eq!(WEIGHTS.len(), ALL.len());
    for (i, sc) in ALL.iter().enumerate() {
        assert_eq!(*sc as usize, i);
        assert_eq!(sc.name(), SCENARIOS[i].0);
    }
    let names: BTreeSet<&str> = SCENARIOS.iter().map(|s| s.0).collect();
    assert_eq!(names.len(), SCENARIOS.len());
}

#[test]
fn small_fleets() {
    for n in [0, 1, 2, 5, 37, 38] {
        let fleet = Fleet::new(n, 3);
        assert_eq!(fleet.len(), n);
        if n > 0 {
            assert_eq!(fleet.kinds[0], Scenario::AutopilotCloud);
        }
    }
    let (dir, report) = generate("tiny", 1, 0);
    assert_eq!(report.devices, 1);
    let (_, e) = table(&dir.0.join("expected.csv"), b',');
    assert_eq!(e.len(), 1);
    let (_, g) = table(&dir.0.join("graph/expected.csv"), b',');
    assert_eq!(g.len(), 1);
    assert!(write_sample(
        &SampleOptions {
            devices: MAX_DEVICES + 1,
            seed: 0
        },
        &dir.0
    )
    .is_err());
}

#[test]
fn key_order_is_text_order() {
    let mut r = super::rng::Rng::new(9);
    let mut keys = Vec::new();
    for i in 0..400_u32 {
        keys.push(Key::Guid(r.guid()));
        keys.push(Key::Intune(r.guid()));
        keys.push(Key::ConfigMgr(if i % 7 == 0 {
            i
        } else {
            16_777_216 + i * 13
        }));
        keys.push(Key::Autopilot(format!("PF{}", r.below(1 << 40))));
    }
    keys.push(Key::Guid(0xa000_0000_0000_0000_0000_0000_0000_0000));
    keys.push(Key::Guid(0xaf00_0000_0000_0000_0000_0000_0000_0000));
    keys.push(Key::Guid(0xb000_0000_0000_0000_0000_0000_0000_0000));
    keys.push(Key::Guid(0xcf00_0000_0000_0000_0000_0000_0000_0000));
    keys.push(Key::Guid(0xd000_0000_0000_0000_0000_0000_0000_0000));
    let mut by_key = keys.clone();
    by_key.sort();
    let mut by_text: Vec<String> = keys.iter().map(ToString::to_string).collect();
    by_text.sort();
    let by_key: Vec<String> = by_key.iter().map(ToString::to_string).collect();
    if let Some(i) = (0..by_key.len()).find(|&i| by_key[i] != by_text[i]) {
        panic!("order differs at {i}: {} vs {}", by_key[i], by_text[i]);
    }
}

#[test]
fn expected_spot_checks() {
    // Device 0 is the anchor: fresh, Autopilot, Entra joined.
    let fleet = Fleet::new(2_000, 1);
    let dev = fleet.device(0);
    assert_eq!(dev.last_seen, AS_OF);
    let mut rows = Vec::new();
    expected::rows(&dev, Form::Top, &mut rows);
    assert_eq!(rows.len(), 1);
    let f = rows[0].fields();
    assert_eq!(
        &f[2..9],
        [
            "entra_joined",
            "entra_joined",
            "intune",
            "corporate",
            "intune",
            "autopilot",
            "true"
        ]
    );
    // Scenario by scenario, one device each: top-level row fields (state .. sources).
    let mut by_scenario = BTreeMap::new();
    for idx in 0..fleet.len() {
        by_scenario.entry(fleet.kinds[idx]).or_insert(idx);
    }
    let first = |sc: Scenario, form: Form| {
        let mut rows = Vec::new();
        expected::rows(&fleet.device(by_scenario[&sc]), form, &mut rows);
        rows.iter().map(|r| r.fields().to_vec()).collect::<Vec<_>>()
    };
    let r = first(Scenario::MdmOnly, Form::Top);
    assert!(r[0][0].starts_with("intune:"));
    assert_eq!(r[0][7], "mdm_only");
    assert!(r[0][13].contains("FLT005"));
    let r = first(Scenario::AutopilotNotDeployed, Form::Top);
    assert_eq!(r.len(), 2);
    assert!(r[0][0].starts_with("autopilot:"));
    assert_eq!(r[0][2], "autopilot_only");
    assert_eq!(r[0][13], "FLT108");
    assert_eq!(r[1][1], "autopilot_not_deployed/entra_placeholder");
    let g = first(Scenario::AutopilotNotDeployed, Form::Graph);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0][0], r[1][0]);
    assert_eq!(g[0][12], "entra+autopilot");
    let u = first(Scenario::AutopilotNotDeployed, Form::Utf16);
    assert_eq!(u[0][13], "");
    let r = first(Scenario::HybridComgmtFailed, Form::Top);
    assert!(r[0][13].contains("FLT010"));
    let r = first(Scenario::Win7ConfigMgr, Form::Top);
    assert!(r[0][13].contains("FLT009") && r[0][13].contains("FLT012"));
    let r = first(Scenario::DiscoveredNoClient, Form::Top);
    assert_eq!(
        &r[0][2..8],
        ["unmanaged", "none", "none", "unknown", "inferred", "none"]
    );
    let r = first(Scenario::BulkPersonal, Form::Top);
    assert_eq!(r[0][13], "FLT001;FLT003;FLT015");
    let u = first(Scenario::BulkPersonal, Form::Utf16);
    assert_eq!(u[0][13], "FLT003");
    let g = first(Scenario::CorporateRegistered, Form::Graph);
    assert!(g[0][13].contains("FLT004") && g[0][13].contains("FLT106"));
    let r = first(Scenario::ReimagedNewObject, Form::Top);
    assert_eq!(r[1][13], "FLT016;FLT101;FLT105");
    let g = first(Scenario::ReimagedNewObject, Form::Graph);
    assert_eq!(g[1][13], "FLT016;FLT101;FLT103;FLT105");
    assert_eq!(scenario::PLACEHOLDER_SERIALS.len(), 4);
}
