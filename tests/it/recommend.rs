//! The enrollment guide's decision tables: one table-driven test per enrollment option,
//! one recommendation per device, and the funnel.

use crate::common::{bin, run};
use fleetstate::model::{
    EnrollmentMethod as E, JoinType as J, Management as M, Ownership as O, State as S,
};
use fleetstate::recommend::{decide, Context};
use std::path::Path;

/// A corporate Entra-joined Autopilot device under the default policy; cases change fields.
fn base() -> Context {
    Context {
        state: S::EntraJoined,
        join_type: J::EntraJoined,
        management: M::Intune,
        ownership: O::Corporate,
        enrollment_method: E::Autopilot,
        autopilot_registered: true,
        userless: false,
        old_os: false,
        comanagement_failed: false,
        all_workloads_switched: false,
        target: "entra_joined".into(),
        entra_p1: true,
        byod_join: false,
    }
}

fn case(f: impl FnOnce(&mut Context)) -> (&'static str, &'static str) {
    let mut c = base();
    f(&mut c);
    let r = decide(&c);
    (r.option, r.next_step)
}

#[test]
fn autopilot_is_recommended_for_organization_devices_only() {
    assert_eq!(case(|_| {}), ("autopilot", "keep"));
    assert_eq!(
        case(|c| {
            c.state = S::AutopilotOnly;
            c.join_type = J::None;
            c.management = M::None;
            c.enrollment_method = E::None;
        }),
        ("autopilot", "deploy_with_autopilot")
    );
    assert_eq!(
        case(|c| {
            c.state = S::Registered;
            c.join_type = J::Registered;
            c.autopilot_registered = false;
        }),
        ("autopilot", "reenroll_via_autopilot"),
        "corporate only registered"
    );
    assert_eq!(
        case(|c| {
            c.state = S::HybridJoined;
            c.join_type = J::HybridJoined;
            c.management = M::CoManaged;
            c.state = S::CoManaged;
            c.all_workloads_switched = true;
        }),
        ("autopilot", "autopilot_reset_at_hardware_refresh")
    );
    // Not for personal devices: "Windows Autopilot is only for organization-owned devices".
    let (opt, step) = case(|c| c.ownership = O::Personal);
    assert_eq!(
        (opt, step),
        ("user_enrollment", "deregister_from_autopilot")
    );
    // Not while the OS is too old: "for Windows 7 you'll need to upgrade".
    assert_eq!(case(|c| c.old_os = true), ("none", "upgrade_windows"));
}

#[test]
fn entra_join_automatic_enrollment_needs_p1() {
    assert_eq!(
        case(|c| {
            c.autopilot_registered = false;
            c.enrollment_method = E::EntraJoin;
        }),
        ("entra_join", "keep")
    );
    assert_eq!(
        case(|c| {
            c.autopilot_registered = false;
            c.management = M::None;
            c.enrollment_method = E::None;
        }),
        ("entra_join", "enroll_in_intune")
    );
    assert_eq!(
        case(|c| {
            c.state = S::MdmOnly;
            c.join_type = J::None;
            c.autopilot_registered = false;
            c.enrollment_method = E::MdmOnly;
        }),
        ("entra_join", "reenroll_with_entra_join")
    );
    // Automatic enrollment requires Entra ID P1/P2.
    assert_eq!(
        case(|c| {
            c.autopilot_registered = false;
            c.management = M::None;
            c.entra_p1 = false;
        }),
        ("none", "license_entra_p1")
    );
}

#[test]
fn gpo_is_for_hybrid_organization_devices() {
    let hybrid = |c: &mut Context| {
        c.state = S::HybridJoined;
        c.join_type = J::HybridJoined;
        c.autopilot_registered = false;
        c.enrollment_method = E::Gpo;
    };
    assert_eq!(
        case(|c| {
            hybrid(c);
            c.target = "co_managed".into();
        }),
        ("gpo", "keep")
    );
    assert_eq!(
        case(|c| {
            hybrid(c);
            c.state = S::HybridPending;
            c.join_type = J::HybridPending;
        }),
        ("gpo", "complete_hybrid_join")
    );
    assert_eq!(
        case(|c| {
            hybrid(c);
            c.management = M::None;
            c.enrollment_method = E::None;
        }),
        ("gpo", "enable_automatic_enrollment")
    );
    assert_eq!(
        case(|c| {
            c.state = S::ConfigMgrOnly;
            c.join_type = J::None;
            c.management = M::ConfigMgr;
            c.autopilot_registered = false;
        }),
        ("gpo", "hybrid_join")
    );
    // "If you use Group Policy, then ... automatic enrollment are for corporate-owned devices, not personal or BYOD."
    assert_eq!(
        case(|c| {
            hybrid(c);
            c.ownership = O::Personal;
        }),
        ("user_enrollment", "retire_and_reenroll_as_byod")
    );
}

#[test]
fn co_management_when_configmgr_stays() {
    let cm = |c: &mut Context| {
        c.state = S::HybridJoined;
        c.join_type = J::HybridJoined;
        c.management = M::ConfigMgr;
        c.autopilot_registered = false;
        c.enrollment_method = E::None;
    };
    assert_eq!(case(cm), ("co_management", "enable_co_management"));
    assert_eq!(
        case(|c| {
            cm(c);
            c.comanagement_failed = true;
        }),
        ("co_management", "fix_mdm_enrollment")
    );
    assert_eq!(
        case(|c| {
            cm(c);
            c.state = S::CoManaged;
            c.management = M::CoManaged;
        }),
        ("co_management", "switch_workloads")
    );
    assert_eq!(
        case(|c| {
            cm(c);
            c.state = S::CoManaged;
            c.management = M::CoManaged;
            c.all_workloads_switched = true;
            c.target = "co_managed".into();
        }),
        ("co_management", "keep")
    );
    // Not for DEM enrollments: "DEM accounts ... don't apply to co-management".
    assert_eq!(
        case(|c| {
            cm(c);
            c.management = M::CoManaged;
            c.enrollment_method = E::Dem;
        }),
        ("autopilot", "reenroll_without_dem")
    );
}

#[test]
fn user_enrollment_for_personal_devices() {
    let byod = |c: &mut Context| {
        c.ownership = O::Personal;
        c.state = S::Registered;
        c.join_type = J::Registered;
        c.autopilot_registered = false;
        c.enrollment_method = E::UserEnrollment;
    };
    assert_eq!(case(byod), ("user_enrollment", "keep"));
    assert_eq!(
        case(|c| {
            byod(c);
            c.state = S::EntraJoined;
            c.join_type = J::EntraJoined;
        }),
        ("user_enrollment", "register_instead_of_join")
    );
    assert_eq!(
        case(|c| {
            byod(c);
            c.state = S::EntraJoined;
            c.join_type = J::EntraJoined;
            c.byod_join = true;
        }),
        ("user_enrollment", "keep"),
        "join where the policy allows BYOD join"
    );
    assert_eq!(
        case(|c| {
            byod(c);
            c.state = S::MdmOnly;
            c.join_type = J::None;
        }),
        ("user_enrollment", "register_device")
    );
    // Not for organization devices: a corporate registered device goes back to Autopilot.
    assert_eq!(
        case(|c| {
            byod(c);
            c.ownership = O::Corporate;
        })
        .0,
        "autopilot"
    );
}

#[test]
fn bulk_enrollment_is_for_userless_organization_devices() {
    assert_eq!(
        case(|c| {
            c.userless = true;
            c.enrollment_method = E::Bulk;
            c.autopilot_registered = false;
        }),
        ("bulk", "keep")
    );
    assert_eq!(
        case(|c| {
            c.userless = true;
            c.state = S::Unmanaged;
            c.join_type = J::None;
            c.management = M::None;
            c.autopilot_registered = false;
        }),
        ("bulk", "enroll_with_provisioning_package")
    );
    assert_eq!(
        case(|c| {
            c.userless = true;
            c.ownership = O::Personal;
        }),
        ("bulk", "correct_ownership")
    );
    // "Bulk enrollment is for organization-owned devices, not personal or BYOD."
    assert_eq!(
        case(|c| {
            c.ownership = O::Personal;
            c.enrollment_method = E::Bulk;
            c.autopilot_registered = false;
        }),
        ("user_enrollment", "retire_and_reenroll_as_byod")
    );
}

#[test]
fn help_documents_every_next_step() {
    let st = bin().args(["recommend", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&st.stdout);
    for step in fleetstate::recommend::next_steps() {
        assert!(
            help.contains(&format!("  {step} ")),
            "{step} is documented in --help"
        );
    }
}

#[test]
fn every_device_gets_one_recommendation_and_the_funnel_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    fleetstate::sample::write_sample(
        &fleetstate::sample::SampleOptions {
            devices: 100_000,
            seed: 11,
        },
        dir.path(),
    )
    .unwrap();
    let a = run(&[dir.path().to_path_buf()]);
    let recs = fleetstate::recommend::recommend_all(&a);
    assert_eq!(
        recs.len(),
        a.devices.len(),
        "exactly one recommendation per device"
    );
    let plan = fleetstate::recommend::plan(&a.devices, &recs);
    assert_eq!(
        plan.iter().map(|p| p.2).sum::<usize>(),
        a.devices.len(),
        "the funnel adds up to the fleet"
    );
    for state in fleetstate::model::State::ALL {
        let in_plan: usize = plan.iter().filter(|p| p.0 == *state).map(|p| p.2).sum();
        assert_eq!(
            in_plan,
            a.devices.iter().filter(|d| d.state == *state).count(),
            "{state}"
        );
    }
    let stages: Vec<usize> = plan
        .iter()
        .map(|p| {
            fleetstate::recommend::FUNNEL
                .iter()
                .position(|s| *s == p.0)
                .unwrap()
        })
        .collect();
    assert!(
        stages.windows(2).all(|w| w[0] <= w[1]),
        "ordered as a funnel"
    );
}

#[test]
fn recommendations_for_a_device_of_each_state() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("recommend")
        .arg(&sample)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(out.path().join("recommendations.csv")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = vec![text.lines().next().unwrap().to_string()];
    let mut r = csv::Reader::from_reader(text.as_bytes());
    for (i, rec) in r.records().enumerate() {
        let rec = rec.unwrap();
        if seen.insert(rec[2].to_string()) {
            lines.push(text.lines().nth(i + 1).unwrap().to_string());
        }
    }
    insta::assert_snapshot!("recommend_each_state", lines.join("\n"));
    let plan = std::fs::read_to_string(out.path().join("plan.csv")).unwrap();
    let total: usize = plan
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, text.lines().count() - 1);
}
