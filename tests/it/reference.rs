//! The third-party files of `../shared/reference/samples/` are read and classified.

use crate::common::{device, run};
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/samples")
        .join(name)
}

#[test]
fn graph_beta_managed_devices() {
    let a = run(&[sample("intune-graph-beta-managedDevices.json")]);
    assert_eq!(a.inputs[0].form.as_str(), "intune-graph-json");
    let d = device(&a, "aaaaaaaa-0000-0000-0000-000000000001");
    assert_eq!(
        (
            d.state.as_str(),
            d.management.as_str(),
            d.enrollment_method.as_str()
        ),
        ("entra_joined", "intune", "entra_join")
    );
    assert_eq!(d.ownership.as_str(), "corporate");
}

#[test]
fn diagnostic_log_uses_the_latest_day() {
    let a = run(&[sample("intune-devices-diagnostic.log")]);
    let i = &a.inputs[0];
    assert_eq!(i.form.as_str(), "intune-diagnostic-log");
    assert!(i.snapshot_days.len() > 1);
    assert_eq!(
        i.rows_read,
        i.rows_used() + i.rows_rejected() + i.rows_skipped()
    );
    assert!(
        i.skipped.values().sum::<u64>() >= 1,
        "other days are skipped"
    );
    assert!(
        a.devices.iter().all(|d| d.state.as_str() == "entra_joined"),
        "JoinType Azure AD joined"
    );
}

#[test]
fn date_precision_log() {
    let a = run(&[sample("intune-devices-date-precision.log")]);
    let seen = |id: &str| {
        device(&a, &format!("intune:{id}"))
            .last_seen
            .map(fleetstate::ingest::value::format_ts)
    };
    for id in ["no-fraction", "1-digits", "7-digits", "9-digits", "utc"] {
        assert_eq!(seen(id).as_deref(), Some("2026-03-18T03:38:34Z"), "{id}");
    }
    assert_eq!(seen("sentinel"), None);
    assert_eq!(seen("empty"), None);
}

#[test]
fn autopilot_import_with_trailing_space_and_no_final_newline() {
    let a = run(&[sample("autopilot-import.csv")]);
    assert_eq!(a.devices.len(), 3);
    let d = device(&a, "autopilot:GHI13579");
    assert_eq!(d.state.as_str(), "autopilot_only");
    assert_eq!(
        d.primary_user.as_deref(),
        Some("user3@contoso.com"),
        "trailing space trimmed"
    );
}

#[test]
fn half_cleaned_autopilot_device_is_an_unfolded_placeholder() {
    let a = run(&[
        sample("entra-device-ztdid.json"),
        sample("autopilot-device-notcontacted.json"),
    ]);
    assert_eq!(
        a.devices.len(),
        1,
        "Autopilot record links by [ZTDID] and azureActiveDirectoryDeviceId"
    );
    let d = device(&a, "8d9f1c7a-4883-4bfa-81e9-5d96ab6b41b8");
    assert_eq!(
        (d.state.as_str(), d.join_type.as_str()),
        ("autopilot_only", "none")
    );
    assert_eq!(
        d.autopilot_id.map(|g| g.to_string()).as_deref(),
        Some("6349bbfe-c07a-444c-a7e0-eee62553f000")
    );
}
