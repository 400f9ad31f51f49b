//! The rule catalogue, one fixture per rule, the policy file, exemptions and `explain`.

use crate::common::{bin, data};
use fleetstate::analyze::{self, Analysis, AnalyzeOptions, InputSpec};
use fleetstate::policy::Policy;
use fleetstate::rules::{Selection, REGISTRY};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn analyse(dir: &Path, policy: Policy, selection: Selection) -> Analysis {
    let opts = AnalyzeOptions {
        inputs: vec![InputSpec {
            path: dir.to_path_buf(),
            forced: None,
        }],
        policy,
        selection,
        ..Default::default()
    };
    analyze::analyze(&opts).expect("analysis runs")
}

fn fired(a: &Analysis, code: &str) -> BTreeSet<String> {
    a.outcome
        .findings
        .iter()
        .filter(|f| f.rule.code == code && f.suppressed.is_none())
        .map(|f| a.devices[f.device].device_key.to_string())
        .collect()
}

fn keys(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn findings_csv(a: &Analysis) -> String {
    let dir = tempfile::tempdir().unwrap();
    fleetstate::report::write_all(a, dir.path(), &Default::default()).unwrap();
    std::fs::read_to_string(dir.path().join("findings.csv")).unwrap()
}

#[test]
fn codes_and_names_are_unique_and_the_catalogue_is_stable() {
    let codes: BTreeSet<&str> = REGISTRY.iter().map(|r| r.code).collect();
    let names: BTreeSet<&str> = REGISTRY.iter().map(|r| r.name).collect();
    assert_eq!(codes.len(), REGISTRY.len());
    assert_eq!(names.len(), REGISTRY.len());
    assert_eq!(REGISTRY.len(), 27, "FLT001-FLT018 and FLT101-FLT109");
    for r in REGISTRY {
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is kebab-case",
            r.name
        );
    }
    insta::assert_snapshot!("catalogue", fleetstate::rules::docs::table());
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = fleetstate::rules::docs::markdown();
    if std::env::var_os("FLEETSTATE_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date: run `FLEETSTATE_BLESS=1 cargo test docs_rules_md`"
    );
}

/// Each rule's fixture: exactly the devices of `fires.txt` fire, with only that rule
/// selected; none of `quiet.txt`. The findings are snapshotted.
#[test]
fn one_fixture_per_rule() {
    let root = data("rules");
    for rule in REGISTRY {
        let dir = root.join(rule.code);
        assert!(dir.is_dir(), "no fixture for {}", rule.code);
        let policy = match dir.join("policy.toml") {
            p if p.exists() => Policy::load(&p).unwrap(),
            _ => Policy::default(),
        };
        let a = analyse(
            &dir,
            policy,
            Selection {
                select: vec![rule.code.to_string()],
                ignore: vec![],
            },
        );
        let (fires, quiet) = (keys(&dir.join("fires.txt")), keys(&dir.join("quiet.txt")));
        assert!(
            !fires.is_empty() && !quiet.is_empty(),
            "{}: firing and non-firing devices",
            rule.code
        );
        assert_eq!(fired(&a, rule.code), fires, "{}", rule.code);
        let all: BTreeSet<String> = a.devices.iter().map(|d| d.device_key.to_string()).collect();
        assert!(
            quiet.is_subset(&all),
            "{}: every quiet device exists",
            rule.code
        );
        assert!(
            a.outcome.findings.iter().all(|f| f.rule.code == rule.code),
            "{}: only the selected rule runs",
            rule.code
        );
        insta::assert_snapshot!(format!("fixture_{}", rule.code), findings_csv(&a));
    }
}

#[test]
fn selection_by_prefix_and_ignore() {
    let dir = data("rules/FLT102");
    let a = analyse(
        &dir,
        Policy::default(),
        Selection {
            select: vec!["FLT1".into()],
            ignore: vec!["FLT101".into()],
        },
    );
    assert!(a
        .outcome
        .findings
        .iter()
        .all(|f| f.rule.code.starts_with("FLT1") && f.rule.code != "FLT101"));
    assert!(!fired(&a, "FLT102").is_empty());
}

fn policy(text: &str) -> Policy {
    Policy::from_toml(text, "test.toml").unwrap()
}

/// Each policy key changes the outcome it should, on the sample fleet.
#[test]
fn policy_keys_change_outcomes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let base = analyse(&dir, Policy::default(), Selection::default());
    let count = |a: &Analysis, code: &str| fired(a, code).len();
    for code in ["FLT003", "FLT004", "FLT015", "FLT101"] {
        assert!(count(&base, code) > 0, "{code} fires on the sample");
    }
    assert_eq!(
        count(&base, "FLT014"),
        0,
        "FLT014 is off under the default byod.mdm"
    );

    let a = analyse(
        &dir,
        policy("[byod]\nallow_join = true\n"),
        Selection::default(),
    );
    assert_eq!(count(&a, "FLT003"), 0, "byod.allow_join silences FLT003");
    let a = analyse(
        &dir,
        policy("[byod]\nmdm = \"app-protection-only\"\n"),
        Selection::default(),
    );
    assert!(
        count(&a, "FLT014") > 0,
        "byod.mdm app-protection-only enables FLT014"
    );
    let a = analyse(&dir, policy("[corporate]\nallowed_join_types = [\"registered\", \"entra_joined\", \"hybrid_joined\"]\n"), Selection::default());
    assert_eq!(
        count(&a, "FLT004"),
        0,
        "allowing registered silences FLT004"
    );
    let a = analyse(
        &dir,
        policy("[corporate]\nallowed_join_types = [\"entra_joined\"]\n"),
        Selection::default(),
    );
    assert!(
        count(&a, "FLT004") > count(&base, "FLT004"),
        "disallowing hybrid_joined flags corporate hybrid devices"
    );
    let a = analyse(
        &dir,
        policy("[corporate]\nuserless_group_tags = []\n"),
        Selection::default(),
    );
    assert!(count(&a, "FLT015") <= count(&base, "FLT015"));
    let a = analyse(
        &dir,
        policy("[activity]\nstale_days = 400\n"),
        Selection::default(),
    );
    assert!(
        count(&a, "FLT101") < count(&base, "FLT101"),
        "a longer stale_days finds fewer stale devices"
    );
    assert!(
        a.devices.iter().filter(|d| d.stale).count()
            < base.devices.iter().filter(|d| d.stale).count()
    );
    let a = analyse(
        &dir,
        policy("[rules]\nFLT101 = \"off\"\nFLT011 = \"error\"\n"),
        Selection::default(),
    );
    assert_eq!(count(&a, "FLT101"), 0, "a rule turned off");
    assert!(a
        .outcome
        .findings
        .iter()
        .filter(|f| f.rule.code == "FLT011")
        .all(|f| f.severity.as_str() == "error"));
    // --select takes precedence over the policy's `off`.
    let a = analyse(
        &dir,
        policy("[rules]\nFLT101 = \"off\"\n"),
        Selection {
            select: vec!["FLT101".into()],
            ignore: vec![],
        },
    );
    assert_eq!(count(&a, "FLT101"), count(&base, "FLT101"));
    // [progress] and [recommend] are validated and recorded in the effective policy.
    let p = policy("[progress]\ntarget_states = [\"entra_joined\"]\n[recommend]\ntarget = \"co_managed\"\nentra_p1 = false\n");
    assert_eq!(p.progress.target_states, ["entra_joined"]);
    assert_eq!(
        (p.recommend.target.as_str(), p.recommend.entra_p1),
        ("co_managed", false)
    );
}

#[test]
fn exemptions_suppress_until_they_expire() {
    let dir = data("rules/FLT003");
    let target = keys(&dir.join("fires.txt")).into_iter().next().unwrap();
    let exempt = |expires: &str| {
        policy(&format!(
            "[[exempt]]\ndevice = \"{target}\"\nrules = [\"FLT003\"]\nreason = \"approved personal laptop, ticket 4711\"\nexpires = \"{expires}\"\n"
        ))
    };
    let sel = || Selection {
        select: vec!["FLT003".into()],
        ignore: vec![],
    };
    let a = analyse(&dir, exempt("2099-01-01"), sel());
    let f = a
        .outcome
        .findings
        .iter()
        .find(|f| a.devices[f.device].device_key == target)
        .unwrap();
    assert_eq!(
        f.suppressed.as_deref(),
        Some("approved personal laptop, ticket 4711"),
        "still written, marked"
    );
    assert!(
        !a.device_findings[f.device].0.contains(&"FLT003"),
        "left out of the findings column"
    );
    assert!(a.outcome.expired_exemptions.is_empty());
    let csv = findings_csv(&a);
    assert!(
        csv.contains(",true,approved personal laptop, ticket 4711")
            || csv.contains(",true,\"approved personal laptop, ticket 4711\""),
        "{csv}"
    );

    let a = analyse(&dir, exempt("2020-01-01"), sel());
    assert!(
        fired(&a, "FLT003").contains(&target),
        "an expired exemption no longer suppresses"
    );
    assert_eq!(a.outcome.expired_exemptions.len(), 1, "and is reported");
    assert!(a
        .warnings()
        .iter()
        .any(|w| w.message.contains("expired on 2020-01-01")));
}

#[test]
fn fail_on_and_invalid_policy_exit_codes() {
    let dir = data("rules/FLT001");
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        bin()
            .arg("analyze")
            .arg(&dir)
            .arg("--out")
            .arg(out.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&["--select", "FLT001"]).status.code(),
        Some(0),
        "no --fail-on: never fails on findings"
    );
    assert_eq!(
        run(&["--select", "FLT001", "--fail-on", "error"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["--select", "FLT108", "--fail-on", "warning"])
            .status
            .code(),
        Some(0),
        "FLT108 is info"
    );
    let bad = out.path().join("bad.toml");
    std::fs::write(&bad, "[byod]\nmdm = \"sometimes\"\n").unwrap();
    let st = run(&["--policy", bad.to_str().unwrap()]);
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("byod.mdm") && err.contains("app-protection-only"),
        "{err}"
    );
    let st = run(&["--select", "FLT9"]);
    assert_eq!(st.status.code(), Some(2), "a prefix that matches no rule");
}

#[test]
fn policy_init_writes_the_default() {
    let st = bin().args(["policy", "init"]).output().unwrap();
    assert!(st.status.success());
    let text = String::from_utf8(st.stdout).unwrap();
    assert_eq!(Policy::from_toml(&text, "init").unwrap(), Policy::default());
    let st = bin().args(["rule", "FLT005"]).output().unwrap();
    assert!(String::from_utf8_lossy(&st.stdout).contains("mdm-only-enrollment"));
}

/// `explain` for one device of each state of the sample fleet.
#[test]
fn explain_a_device_of_each_state() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let a = analyse(
        &root.join("sample-data"),
        Policy::default(),
        Selection::default(),
    );
    let mut seen = BTreeSet::new();
    let mut text = String::new();
    for (i, d) in a.devices.iter().enumerate() {
        if seen.insert(d.state) {
            let e = fleetstate::explain::explain(&a, i);
            text.push_str(&fleetstate::explain::render(&e));
            text.push_str("\n----\n");
        }
    }
    assert_eq!(
        seen.len(),
        fleetstate::model::State::ALL.len() - 1,
        "every state but unknown is in the sample"
    );
    // `unknown`: an Intune record naming an Entra device, and no Entra export to say how.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("intune.csv"),
        "Device ID,Device name,Last check-in,Azure AD Device ID,Managed by,Ownership,OS,JoinType\n\
         c0ffee00-0000-4000-8000-000000000001,PC-UNKNOWN,2026-11-20 00:00:00,d0000000-0000-4000-8000-000000000001,Intune,Corporate,Windows,Unknown\n",
    )
    .unwrap();
    let u = analyse(dir.path(), Policy::default(), Selection::default());
    assert_eq!(u.devices[0].state, fleetstate::model::State::Unknown);
    let e = fleetstate::explain::explain(&u, 0);
    text.push_str(
        &fleetstate::explain::render(&e).replace(&format!("{}/", dir.path().display()), ""),
    );
    let text = text.replace(&format!("{}/", root.display()), "");
    insta::assert_snapshot!("explain_each_state", text);
}

#[test]
fn explain_finds_devices_by_serial_and_name() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let a = analyse(
        &root.join("sample-data"),
        Policy::default(),
        Selection::default(),
    );
    let d = a
        .devices
        .iter()
        .find(|d| d.serial_number.is_some() && d.device_name.is_some())
        .unwrap();
    let by_serial =
        fleetstate::explain::find(&a, &d.serial_number.clone().unwrap().to_lowercase()).unwrap();
    assert_eq!(a.devices[by_serial].device_key, d.device_key);
    assert!(fleetstate::explain::find(&a, "no-such-device").is_err());
}
