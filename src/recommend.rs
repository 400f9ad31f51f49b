//! The enrollment guide as a decision engine (`fleetstate recommend`): for each device, the
//! enrollment option Microsoft's Windows enrollment guide recommends and the next step from
//! its current state, with the reason and the guidance quoted. The guide's decision tables
//! are data ([`TABLE`]): the first row whose conditions hold decides.

use crate::analyze::Analysis;
use crate::classify::Classified;
use crate::model::{EnrollmentMethod, JoinType, Management, Ownership, State, Workload};
use crate::policy::Policy;
use crate::rules::facts::Facts;
use serde::Serialize;

/// The enrollment options of the guide (outputs.md `recommended_option`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Option_ {
    Autopilot,
    EntraJoin,
    Gpo,
    CoManagement,
    UserEnrollment,
    Bulk,
    None,
}

impl Option_ {
    pub const ALL: [Option_; 7] = [
        Option_::Autopilot,
        Option_::EntraJoin,
        Option_::Gpo,
        Option_::CoManagement,
        Option_::UserEnrollment,
        Option_::Bulk,
        Option_::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Option_::Autopilot => "autopilot",
            Option_::EntraJoin => "entra_join",
            Option_::Gpo => "gpo",
            Option_::CoManagement => "co_management",
            Option_::UserEnrollment => "user_enrollment",
            Option_::Bulk => "bulk",
            Option_::None => "none",
        }
    }
}

/// What a decision row may test about a device and the policy.
#[derive(Debug, Clone)]
pub struct Context {
    pub state: State,
    pub join_type: JoinType,
    pub management: Management,
    pub ownership: Ownership,
    pub enrollment_method: EnrollmentMethod,
    pub autopilot_registered: bool,
    /// Kiosk, shared or dedicated (Entra profileType Shared, bulk userless, a userless tag).
    pub userless: bool,
    /// Windows older than Windows 10 1709 (NT 6.x, or build below 16299).
    pub old_os: bool,
    /// Co-management policy present, MDM enrollment failed with an error code.
    pub comanagement_failed: bool,
    /// Every co-management workload switched to Intune.
    pub all_workloads_switched: bool,
    /// Policy: target end state (`entra_joined` or `co_managed`).
    pub target: String,
    /// Policy: Entra ID P1/P2 licensed (automatic enrollment available).
    pub entra_p1: bool,
    /// Policy: personal devices may be joined.
    pub byod_join: bool,
}

/// One row of a decision table.
pub struct Row {
    /// The guide's table this row belongs to.
    pub option: Option_,
    pub next_step: &'static str,
    pub when: fn(&Context) -> bool,
    pub reason: &'static str,
    pub guidance: &'static str,
}

fn personal(c: &Context) -> bool {
    c.ownership == Ownership::Personal
}
fn org(c: &Context) -> bool {
    c.ownership != Ownership::Personal
}
fn hybrid(c: &Context) -> bool {
    matches!(
        c.join_type,
        JoinType::HybridJoined | JoinType::HybridPending
    )
}

const G_AUTOPILOT: &str = "Windows Autopilot is only for organization-owned devices; use it for new devices bought from an OEM or partner, or to reset existing ones.";
const G_AUTO: &str = "Automatic enrollment: existing organization-owned devices join Microsoft Entra ID (or use Group Policy for hybrid joined devices) and enroll automatically; it requires Microsoft Entra ID P1 or P2.";
const G_GPO: &str = "If you use Group Policy, then bulk enrollment and automatic enrollment are for corporate-owned devices, not personal or BYOD.";
const G_COMGMT: &str = "Co-management: when Configuration Manager stays, devices are managed by both; switch workloads to Intune when ready. They shouldn't be enrolled using the Intune classic agents.";
const G_BYOD: &str = "BYOD user enrollment: personal devices register with Microsoft Entra ID (join only when the user accepts full management); users should know that their personal devices will be managed by their IT.";
const G_BULK: &str = "Bulk enrollment is for organization-owned devices, not personal or BYOD; use a provisioning package for many user-less devices (kiosk, shared).";
const G_UPGRADE: &str =
    "For devices that aren't running Windows 10/11, like Windows 7, you'll need to upgrade.";
const G_MDM_ONLY: &str = "Enroll only in device management doesn't register the device in Microsoft Entra ID; we don't recommend this MDM-only option.";
const G_OTHER_MDM: &str = "To be fully managed by Intune, users need to unenroll from the current MDM provider, and then enroll in Intune.";
const G_DEM: &str = "DEM accounts don't work with Group Policy and don't apply to Windows Autopilot, User enrollment or co-management.";

/// The decision tables, first match wins. Blocking conditions come first ("for Windows 7
/// you'll need to upgrade", "Autopilot is only for organization-owned devices"), then
/// ownership corrections, then the path from each state toward the policy's target.
pub static TABLE: &[Row] = &[
    Row { option: Option_::None, next_step: "upgrade_windows", when: |c| c.old_os, reason: "runs Windows older than Windows 10 1709: no enrollment option applies until it is upgraded", guidance: G_UPGRADE },
    // Personal devices: the BYOD path only.
    Row { option: Option_::UserEnrollment, next_step: "retire_and_reenroll_as_byod", when: |c| personal(c) && matches!(c.enrollment_method, EnrollmentMethod::Bulk | EnrollmentMethod::Gpo), reason: "a personal device enrolled by bulk enrollment or Group Policy, paths for organization-owned devices only", guidance: G_BULK },
    Row { option: Option_::UserEnrollment, next_step: "deregister_from_autopilot", when: |c| personal(c) && c.autopilot_registered && !c.userless, reason: "a personal device registered in Windows Autopilot", guidance: G_AUTOPILOT },
    Row { option: Option_::Bulk, next_step: "correct_ownership", when: |c| personal(c) && c.userless, reason: "a user-less (kiosk, shared) device marked personal: such devices are organization-owned", guidance: G_BULK },
    Row { option: Option_::UserEnrollment, next_step: "register_instead_of_join", when: |c| personal(c) && matches!(c.join_type, JoinType::EntraJoined | JoinType::HybridJoined) && !c.byod_join, reason: "a joined personal device while the policy does not allow BYOD join", guidance: G_BYOD },
    Row { option: Option_::UserEnrollment, next_step: "keep", when: |c| personal(c) && (c.join_type == JoinType::Registered || (c.byod_join && matches!(c.join_type, JoinType::EntraJoined | JoinType::HybridJoined))), reason: "a personal device on the BYOD path", guidance: G_BYOD },
    Row { option: Option_::UserEnrollment, next_step: "register_device", when: personal, reason: "a personal device not registered in Microsoft Entra ID", guidance: G_BYOD },
    // Organization-owned (or unknown) devices.
    Row { option: Option_::Autopilot, next_step: "deploy_with_autopilot", when: |c| c.state == State::AutopilotOnly, reason: "imported into Windows Autopilot, not deployed yet", guidance: G_AUTOPILOT },
    Row { option: Option_::Autopilot, next_step: "reenroll_without_dem", when: |c| c.enrollment_method == EnrollmentMethod::Dem && (hybrid(c) || c.autopilot_registered || c.management == Management::CoManaged), reason: "enrolled with a device enrollment manager account on a path DEM does not support", guidance: G_DEM },
    Row { option: Option_::Autopilot, next_step: "reenroll_via_autopilot", when: |c| org(c) && c.join_type == JoinType::Registered, reason: "an organization-owned device only registered, the BYOD path", guidance: G_AUTOPILOT },
    Row { option: Option_::EntraJoin, next_step: "reenroll_with_entra_join", when: |c| c.state == State::MdmOnly, reason: "enrolled in MDM only, without an Entra registration", guidance: G_MDM_ONLY },
    Row { option: Option_::EntraJoin, next_step: "unenroll_other_mdm_then_enroll", when: |c| c.management == Management::OtherMdm, reason: "managed by another MDM", guidance: G_OTHER_MDM },
    Row { option: Option_::None, next_step: "supply_entra_export", when: |c| c.state == State::Unknown, reason: "registered in Entra, but no export says how it is joined", guidance: G_AUTO },
    Row { option: Option_::Bulk, next_step: "keep", when: |c| c.userless && c.enrollment_method == EnrollmentMethod::Bulk, reason: "a user-less device provisioned with a package", guidance: G_BULK },
    Row { option: Option_::CoManagement, next_step: "fix_mdm_enrollment", when: |c| c.comanagement_failed, reason: "co-management policy reached the client but automatic MDM enrollment failed", guidance: G_COMGMT },
    Row { option: Option_::Gpo, next_step: "complete_hybrid_join", when: |c| c.join_type == JoinType::HybridPending, reason: "a hybrid device whose Entra registration is pending", guidance: G_GPO },
    Row { option: Option_::Gpo, next_step: "hybrid_join", when: |c| c.state == State::ConfigMgrOnly, reason: "a ConfigMgr client not registered in Microsoft Entra ID: hybrid join it before co-management", guidance: G_GPO },
    Row { option: Option_::None, next_step: "license_entra_p1", when: |c| !c.entra_p1 && c.management != Management::Intune && c.management != Management::CoManaged && matches!(c.join_type, JoinType::HybridJoined | JoinType::EntraJoined), reason: "automatic enrollment needs Microsoft Entra ID P1 or P2, which the policy says is not licensed", guidance: G_AUTO },
    Row { option: Option_::CoManagement, next_step: "enable_co_management", when: |c| c.join_type == JoinType::HybridJoined && c.management == Management::ConfigMgr, reason: "a hybrid joined ConfigMgr client: enable co-management (automatic enrollment)", guidance: G_COMGMT },
    Row { option: Option_::CoManagement, next_step: "switch_workloads", when: |c| c.management == Management::CoManaged && !c.all_workloads_switched, reason: "co-managed with workloads still on Configuration Manager", guidance: G_COMGMT },
    Row { option: Option_::Autopilot, next_step: "autopilot_reset_at_hardware_refresh", when: |c| c.target == "entra_joined" && hybrid(c) && matches!(c.management, Management::CoManaged | Management::Intune), reason: "hybrid joined, while the target is cloud-native Entra join: reset with Autopilot to Entra join at the next hardware refresh", guidance: G_AUTOPILOT },
    Row { option: Option_::CoManagement, next_step: "keep", when: |c| c.management == Management::CoManaged, reason: "co-managed, the policy's target", guidance: G_COMGMT },
    Row { option: Option_::Gpo, next_step: "keep", when: |c| hybrid(c) && c.management == Management::Intune, reason: "hybrid joined and enrolled by Group Policy", guidance: G_GPO },
    Row { option: Option_::EntraJoin, next_step: "enroll_in_intune", when: |c| c.join_type == JoinType::EntraJoined && !matches!(c.management, Management::Intune | Management::CoManaged), reason: "Entra joined but not managed: check the MDM user scope for automatic enrollment", guidance: G_AUTO },
    Row { option: Option_::Autopilot, next_step: "keep", when: |c| c.join_type == JoinType::EntraJoined && c.autopilot_registered, reason: "Entra joined through Windows Autopilot, the target", guidance: G_AUTOPILOT },
    Row { option: Option_::EntraJoin, next_step: "keep", when: |c| c.join_type == JoinType::EntraJoined, reason: "Entra joined and enrolled automatically", guidance: G_AUTO },
    Row { option: Option_::Gpo, next_step: "enable_automatic_enrollment", when: hybrid, reason: "hybrid joined without MDM: enable automatic enrollment by Group Policy", guidance: G_GPO },
    Row { option: Option_::Bulk, next_step: "enroll_with_provisioning_package", when: |c| c.userless, reason: "a user-less organization device without management", guidance: G_BULK },
    Row { option: Option_::Autopilot, next_step: "enroll_with_autopilot", when: |_| true, reason: "an organization device without Entra registration or management", guidance: G_AUTOPILOT },
];

/// `next_step` values and what each asks (`fleetstate recommend --help`).
pub const NEXT_STEP_HELP: &str = "next_step values:
  keep                               on the recommended path: nothing to do
  upgrade_windows                    Windows 7/8.1 or Windows 10 before 1709: upgrade first
  retire_and_reenroll_as_byod        personal device bulk- or GPO-enrolled: retire, enroll as BYOD
  deregister_from_autopilot          personal device in Autopilot: remove it from Autopilot
  correct_ownership                  user-less (kiosk, shared) device marked personal
  register_instead_of_join           personal device joined, BYOD join not allowed: register it
  register_device                    personal device without Entra registration: register it
  deploy_with_autopilot              imported into Autopilot, never deployed: deploy it
  reenroll_without_dem               DEM enrollment on a path DEM does not support
  reenroll_via_autopilot             organization device only registered: re-enroll via Autopilot
  reenroll_with_entra_join           MDM-only enrollment: re-enroll with Entra join
  unenroll_other_mdm_then_enroll     managed by another MDM: unenroll, then enroll in Intune
  supply_entra_export                join type unknown: give the Entra export
  fix_mdm_enrollment                 co-management MDM enrollment failed: fix its cause
  complete_hybrid_join               hybrid join pending: complete the registration
  hybrid_join                        ConfigMgr client not in Entra: hybrid join it
  license_entra_p1                   automatic enrollment needs Entra ID P1/P2
  enable_co_management               hybrid ConfigMgr client: enable co-management
  switch_workloads                   co-managed: switch the remaining workloads to Intune
  autopilot_reset_at_hardware_refresh  hybrid, target cloud-native: Autopilot reset at refresh
  enroll_in_intune                   Entra joined, not managed: check the MDM user scope
  enable_automatic_enrollment        hybrid joined without MDM: enable automatic enrollment
  enroll_with_provisioning_package   user-less device without management: bulk enrollment
  enroll_with_autopilot              organization device outside Entra and MDM: Autopilot";

/// The documented `next_step` values (`fleetstate recommend --help`, docs).
pub fn next_steps() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = TABLE.iter().map(|r| r.next_step).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub option: &'static str,
    pub next_step: &'static str,
    pub reason: &'static str,
    pub guidance: &'static str,
}

pub fn decide(c: &Context) -> Recommendation {
    // The last row matches everything, so there is always exactly one.
    let row = TABLE
        .iter()
        .find(|r| (r.when)(c))
        .unwrap_or(&TABLE[TABLE.len() - 1]);
    Recommendation {
        option: row.option.as_str(),
        next_step: row.next_step,
        reason: row.reason,
        guidance: row.guidance,
    }
}

pub fn context(d: &Classified, f: &Facts, policy: &Policy) -> Context {
    Context {
        state: d.state,
        join_type: d.join_type,
        management: d.management,
        ownership: d.ownership,
        enrollment_method: d.enrollment_method,
        autopilot_registered: d.autopilot_registered,
        userless: f.userless,
        old_os: f.old_os,
        comanagement_failed: f.comgmt_policy
            && f.mdm_enrolled_zero
            && f.status_nonzero
            && !d.intune_mdm,
        all_workloads_switched: d.workloads.len() == Workload::ALL.len(),
        target: policy.recommend.target.clone(),
        entra_p1: policy.recommend.entra_p1,
        byod_join: policy.byod.allow_join,
    }
}

/// One recommendation per device, in device order.
pub fn recommend_all(a: &Analysis) -> Vec<Recommendation> {
    a.devices
        .iter()
        .zip(&a.outcome.facts)
        .map(|(d, f)| decide(&context(d, f, &a.policy)))
        .collect()
}

/// States from legacy to cloud-native: the funnel order of `plan.csv`.
pub const FUNNEL: [State; 10] = [
    State::Unmanaged,
    State::Unknown,
    State::ConfigMgrOnly,
    State::HybridPending,
    State::HybridJoined,
    State::MdmOnly,
    State::Registered,
    State::CoManaged,
    State::AutopilotOnly,
    State::EntraJoined,
];

/// `plan.csv`: devices per (state, next_step), in funnel order, then by count.
pub fn plan(devices: &[Classified], recs: &[Recommendation]) -> Vec<(State, &'static str, usize)> {
    let mut counts: std::collections::BTreeMap<(usize, &'static str), usize> = Default::default();
    for (d, r) in devices.iter().zip(recs) {
        let stage = FUNNEL
            .iter()
            .position(|s| *s == d.state)
            .unwrap_or(FUNNEL.len());
        *counts.entry((stage, r.next_step)).or_default() += 1;
    }
    let mut rows: Vec<(State, &'static str, usize)> = counts
        .into_iter()
        .map(|((stage, step), n)| (FUNNEL[stage.min(FUNNEL.len() - 1)], step, n))
        .collect();
    rows.sort_by(|a, b| {
        let sa = FUNNEL.iter().position(|s| *s == a.0);
        let sb = FUNNEL.iter().position(|s| *s == b.0);
        sa.cmp(&sb).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1))
    });
    rows
}

/// Writes `recommendations.csv` and `plan.csv` into `dir`, atomically.
pub fn write(
    a: &Analysis,
    recs: &[Recommendation],
    dir: &std::path::Path,
    raw_csv: bool,
) -> std::io::Result<()> {
    let staging = crate::report::atomic::Staging::new(dir)?;
    let cell = |s: &str| {
        if raw_csv {
            s.to_string()
        } else {
            crate::report::csv_out::neutralise(s).into_owned()
        }
    };
    {
        let mut w = crate::report::csv_out::writer(&staging.path("recommendations.csv"))?;
        w.write_record([
            "device_key",
            "device_name",
            "state",
            "recommended_option",
            "next_step",
            "reason",
            "guidance",
        ])?;
        for (d, r) in a.devices.iter().zip(recs) {
            w.write_record([
                cell(&d.device_key.to_string()),
                cell(d.device_name.as_deref().unwrap_or("")),
                d.state.as_str().to_string(),
                r.option.to_string(),
                r.next_step.to_string(),
                r.reason.to_string(),
                r.guidance.to_string(),
            ])?;
        }
        w.flush()?;
    }
    {
        let mut w = crate::report::csv_out::writer(&staging.path("plan.csv"))?;
        w.write_record(["state", "next_step", "devices"])?;
        for (s, step, n) in plan(&a.devices, recs) {
            w.write_record([s.as_str(), step, &n.to_string()])?;
        }
        w.flush()?;
    }
    staging.commit(&["recommendations.csv"], "plan.csv", &[])
}
