//! Classification (model.md section 2): every column of `devices.csv` for one resolved
//! device, each decided by a first-match list over the device's primary records.

use crate::ingest::configmgr::ConfigMgrRecord;
use crate::ingest::entra::{EntraRecord, Trust};
use crate::ingest::intune::{Agent, EnrollmentType, IntuneRecord};
use crate::ingest::value::{Guid, Id, Micros, Shared, Text};
use crate::intern::Sym;
use crate::model::{
    EnrollmentMethod, JoinType, Management, Os, Ownership, OwnershipSource, Set, Source, State,
    Workload,
};
use crate::resolve::{Device, Fleet, Resolved};
use rayon::prelude::*;

/// One classified device: a row of `devices.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub device_key: Id,
    pub device_name: Option<Text>,
    pub state: State,
    pub join_type: JoinType,
    pub management: Management,
    pub ownership: Ownership,
    pub ownership_source: OwnershipSource,
    pub enrollment_method: EnrollmentMethod,
    pub autopilot_registered: bool,
    pub stale: bool,
    pub last_seen: Option<Micros>,
    pub entra_device_id: Option<Guid>,
    pub entra_object_id: Option<Id>,
    pub intune_device_id: Option<Id>,
    pub configmgr_resource_id: Option<Text>,
    pub autopilot_id: Option<Guid>,
    pub serial_number: Option<Text>,
    pub os: Option<Os>,
    pub os_version: Option<Sym>,
    pub primary_user: Option<Shared>,
    pub sources: Set<Source>,
    pub tenant_attached: bool,
    pub workloads: Set<Workload>,
    pub autopilot_object_id: Option<Id>,
    /// Intune MDM manages the device (model.md "Intune MDM").
    pub intune_mdm: bool,
    /// A ConfigMgr client is on the device.
    pub configmgr_client: bool,
}

/// Settings that change classification.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyOptions {
    pub stale_days: u32,
    /// `--as-of`, already the end of its UTC day.
    pub as_of: Option<Micros>,
}

/// The records classification reads for one device.
pub struct View<'a> {
    pub device: &'a Device,
    pub entra: Option<&'a EntraRecord>,
    pub intune: Option<&'a IntuneRecord>,
    pub configmgr: Option<&'a ConfigMgrRecord>,
    pub autopilot: Option<&'a crate::ingest::autopilot::AutopilotRecord>,
}

impl<'a> View<'a> {
    pub fn new(device: &'a Device, fleet: &'a Fleet) -> View<'a> {
        View {
            device,
            entra: device.entra.map(|e| &fleet.entra[e]),
            intune: device.intune.first().map(|&i| &fleet.intune[i]),
            configmgr: device.configmgr.first().map(|&i| &fleet.configmgr[i]),
            autopilot: device.autopilot.first().map(|&i| &fleet.autopilot[i]),
        }
    }
}

pub fn last_seen(d: &Device, fleet: &Fleet) -> Option<Micros> {
    let i = d
        .intune
        .iter()
        .filter_map(|&i| fleet.intune[i].last_sync.get());
    let e = d.entra.and_then(|e| fleet.entra[e].last_sign_in.get());
    let c = d
        .configmgr
        .iter()
        .filter_map(|&i| fleet.configmgr[i].last_active.get());
    i.chain(e).chain(c).max()
}

/// `as_of`: `--as-of` if given, else the latest `last_seen` of any device.
pub fn as_of(resolved: &Resolved, given: Option<Micros>) -> Option<Micros> {
    given.or_else(|| {
        resolved
            .devices
            .par_iter()
            .filter_map(|d| last_seen(d, &resolved.fleet))
            .max()
    })
}

pub fn join_type(v: &View<'_>, fleet: &Fleet) -> (JoinType, &'static str) {
    if v.device.is_placeholder {
        return (
            JoinType::None,
            "an Autopilot placeholder object (imported, not deployed)",
        );
    }
    if let Some(e) = v.entra {
        match e.trust {
            Some(Trust::AzureAd) => return (JoinType::EntraJoined, "Entra trustType AzureAd"),
            Some(Trust::ServerAd) if e.registered.get().is_none() => {
                return (
                    JoinType::HybridPending,
                    "Entra trustType ServerAd without a registration time",
                )
            }
            Some(Trust::ServerAd) => return (JoinType::HybridJoined, "Entra trustType ServerAd"),
            Some(Trust::Workplace) => return (JoinType::Registered, "Entra trustType Workplace"),
            None => {}
        }
    }
    if let Some(j) = v.intune.and_then(|i| i.join_type) {
        return (j, "no Entra trust type: the Intune JoinType");
    }
    if matches!(
        v.intune.and_then(|i| i.enrollment_type),
        Some(
            EnrollmentType::WindowsAzureAdJoin
                | EnrollmentType::WindowsAzureAdJoinUsingDeviceAuth
                | EnrollmentType::WindowsBulkAzureDomainJoin
        )
    ) {
        return (
            JoinType::EntraJoined,
            "no Entra trust type or Intune JoinType: an Entra join enrollment type",
        );
    }
    if let Some(c) = v.configmgr {
        if c.hybrid_joined == Some(true) {
            return (JoinType::HybridJoined, "ConfigMgr HybridAADJoined = 1");
        }
        if c.aad_joined == Some(true) {
            return (JoinType::EntraJoined, "ConfigMgr AADJoined = 1");
        }
    }
    let d = v.device;
    let carries = v.entra.is_some_and(|e| e.device_id.is_some())
        || d.intune
            .iter()
            .any(|&i| fleet.intune[i].entra_device_id.is_some())
        || d.configmgr
            .iter()
            .any(|&i| fleet.configmgr[i].aad_device_id.is_some())
        || d.autopilot
            .iter()
            .any(|&i| fleet.autopilot[i].entra_device_id.is_some());
    if carries {
        (
            JoinType::Unknown,
            "a record carries an Entra device id, but no export says how it is joined",
        )
    } else {
        (JoinType::None, "no Entra registration anywhere")
    }
}

/// Which branch of model.md decided each column, for `explain`.
pub type Reasons = [(&'static str, &'static str); 7];

pub fn classify_device(
    d: &Device,
    fleet: &Fleet,
    opts: &ClassifyOptions,
    as_of: Option<Micros>,
) -> Classified {
    classify_explained(d, fleet, opts, as_of).0
}

/// Classifies one device and says which branch decided each column.
pub fn classify_explained(
    d: &Device,
    fleet: &Fleet,
    opts: &ClassifyOptions,
    as_of: Option<Micros>,
) -> (Classified, Reasons) {
    let v = View::new(d, fleet);
    let agent = v.intune.and_then(|i| i.agent.as_ref());
    let intune_mdm = agent.is_some_and(Agent::is_mdm);
    let cm_client =
        v.configmgr.is_some_and(|c| c.client) || agent.is_some_and(Agent::has_configmgr_client);
    let tenant_attached = agent == Some(&Agent::ConfigMgr);
    let cm_co = v.configmgr.is_some_and(ConfigMgrRecord::co_managed);
    let (management, management_why) = if cm_co {
        (
            Management::CoManaged,
            "ConfigMgr MDMEnrolled = 1 and ComgmtPolicyPresent = 1",
        )
    } else if agent == Some(&Agent::CoManaged) {
        (
            Management::CoManaged,
            "Intune management agent is co-managed",
        )
    } else if cm_client && intune_mdm {
        (
            Management::CoManaged,
            "a ConfigMgr client and Intune MDM on one device",
        )
    } else if intune_mdm {
        (Management::Intune, "Intune MDM agent")
    } else if cm_client {
        (
            Management::ConfigMgr,
            "a ConfigMgr client (Client0 = 1, or Intune Managed by ConfigMgr)",
        )
    } else if agent == Some(&Agent::Mde) {
        (
            Management::Mde,
            "Intune Managed by MDE (Defender security settings management)",
        )
    } else if v.entra.is_some_and(EntraRecord::managed_by_other_mdm) {
        (
            Management::OtherMdm,
            "Entra isManaged with an MDM that is not Intune",
        )
    } else {
        (Management::None, "no management agent in any source")
    };
    let workloads = match (management, v.configmgr.and_then(|c| c.workloads)) {
        (Management::CoManaged, Some(bits)) => Workload::from_bits(bits),
        _ => Set::new(),
    };
    let (join, join_why) = join_type(&v, fleet);
    let (autopilot_registered, autopilot_why) = if !d.autopilot.is_empty() {
        (true, "an Autopilot record is linked")
    } else if v.entra.is_some_and(|e| e.ztdid.is_some()) || d.placeholder.is_some() {
        (true, "the Entra object carries [ZTDID]")
    } else {
        (false, "no Autopilot record, no [ZTDID]")
    };

    let (ownership, ownership_source, ownership_why) =
        if let Some(o) = v.intune.and_then(|i| i.ownership) {
            (o, OwnershipSource::Intune, "Intune ownership")
        } else if let Some(o) = v.entra.and_then(|e| e.ownership) {
            (o, OwnershipSource::Entra, "Entra deviceOwnership")
        } else if autopilot_registered
            || cm_client
            || matches!(
                join,
                JoinType::EntraJoined | JoinType::HybridJoined | JoinType::HybridPending
            )
        {
            (
                Ownership::Corporate,
                OwnershipSource::Inferred,
                "inferred: Autopilot-registered, joined or a ConfigMgr client",
            )
        } else if join == JoinType::Registered {
            (
                Ownership::Personal,
                OwnershipSource::Inferred,
                "inferred: registered",
            )
        } else {
            (
                Ownership::Unknown,
                OwnershipSource::Inferred,
                "no source says, nothing to infer from",
            )
        };

    let (enrollment_method, enrollment_why) = if intune_mdm {
        enrollment_method(&v, join, management, autopilot_registered)
    } else {
        (EnrollmentMethod::None, "no Intune MDM")
    };

    let no_entra_reg = v.intune.is_some_and(|i| i.entra_device_id.is_none());
    let only_autopilot = d.entra.is_none()
        && d.intune.is_empty()
        && d.configmgr.is_empty()
        && !d.autopilot.is_empty();
    let (state, state_why) = match (management, join) {
        (Management::CoManaged, _) => (State::CoManaged, "management co_managed"),
        (_, JoinType::HybridPending) => (State::HybridPending, "join_type hybrid_pending"),
        (_, JoinType::HybridJoined) => (State::HybridJoined, "join_type hybrid_joined"),
        (_, JoinType::EntraJoined) => (State::EntraJoined, "join_type entra_joined"),
        (_, JoinType::Registered) => (State::Registered, "join_type registered"),
        (_, JoinType::None) if intune_mdm && no_entra_reg => {
            (State::MdmOnly, "Intune MDM without Entra registration")
        }
        (_, JoinType::None) if cm_client => {
            (State::ConfigMgrOnly, "a ConfigMgr client, not in Entra")
        }
        _ if d.is_placeholder => (State::AutopilotOnly, "an unfolded Autopilot placeholder"),
        _ if only_autopilot => (State::AutopilotOnly, "Autopilot is the only source"),
        (_, JoinType::Unknown) => (State::Unknown, "join_type unknown: supply the Entra export"),
        _ => (State::Unmanaged, "none of the above"),
    };

    let last_seen = last_seen(d, fleet);
    let (stale, stale_why) = match (last_seen, as_of) {
        (Some(seen), Some(asof))
            if seen < asof - opts.stale_days.max(21) as i64 * 86_400_000_000 =>
        {
            (true, "last_seen older than as_of minus stale_days")
        }
        (Some(_), Some(_)) => (false, "last_seen within stale_days of as_of"),
        (None, _) => (false, "no activity time: never stale"),
        (_, None) => (false, "as_of is null: not evaluated"),
    };
    let reasons: Reasons = [
        ("state", state_why),
        ("join_type", join_why),
        ("management", management_why),
        ("ownership", ownership_why),
        ("enrollment_method", enrollment_why),
        ("autopilot_registered", autopilot_why),
        ("stale", stale_why),
    ];

    let first = |vals: [Option<&Text>; 4]| vals.into_iter().flatten().next().cloned();
    let device_name = first([
        v.intune.and_then(|i| i.name.as_ref()),
        v.entra.and_then(|e| e.name.as_ref()),
        v.configmgr.and_then(|c| c.name.as_ref()),
        v.autopilot.and_then(|a| a.device_name.as_ref()),
    ]);
    let serial_number = first([
        v.intune.and_then(|i| i.serial.as_ref()),
        None,
        v.configmgr.and_then(|c| c.serial.as_ref()),
        v.autopilot.and_then(|a| a.serial.as_ref()),
    ]);
    let os_version = [
        v.intune.and_then(|i| i.os_version),
        v.entra.and_then(|e| e.os_version),
        v.configmgr.and_then(|c| c.build),
    ]
    .into_iter()
    .flatten()
    .next();
    let primary_user = v
        .intune
        .and_then(|i| i.upn.clone())
        .or_else(|| v.entra.and_then(|e| e.owner.as_deref()).map(Into::into))
        .or_else(|| v.autopilot.and_then(|a| a.user.clone()));
    let server = [
        v.intune.and_then(|i| i.os.as_deref()),
        v.intune.and_then(|i| i.sku.as_deref()),
        v.entra.and_then(|e| e.os.as_deref()),
        v.configmgr.and_then(|c| c.os_name.as_deref()),
    ]
    .into_iter()
    .flatten()
    .any(|s| crate::ingest::value::contains_ci(s, "server"));
    let os = Some(if server {
        Os::WindowsServer
    } else {
        Os::Windows
    });

    let entra_device_id = crate::resolve::entra_device_id(d, fleet);

    let mut sources = Set::new();
    if d.entra.is_some() || d.placeholder.is_some() {
        sources.insert(Source::Entra);
    }
    if !d.intune.is_empty() {
        sources.insert(Source::Intune);
    }
    if !d.configmgr.is_empty() {
        sources.insert(Source::ConfigMgr);
    }
    if !d.autopilot.is_empty() {
        sources.insert(Source::Autopilot);
    }

    let classified = Classified {
        device_key: d.key.clone(),
        device_name,
        state,
        join_type: join,
        management,
        ownership,
        ownership_source,
        enrollment_method,
        autopilot_registered,
        stale,
        last_seen,
        entra_device_id,
        entra_object_id: v.entra.and_then(|e| e.object_id.clone()),
        intune_device_id: v.intune.map(|i| i.id.clone()),
        configmgr_resource_id: v.configmgr.map(|c| c.resource_id.clone()),
        autopilot_id: v.autopilot.and_then(|a| a.id),
        serial_number,
        os,
        os_version,
        primary_user,
        sources,
        tenant_attached,
        workloads,
        autopilot_object_id: d.placeholder.and_then(|p| fleet.entra[p].object_id.clone()),
        intune_mdm,
        configmgr_client: cm_client,
    };
    (classified, reasons)
}

fn enrollment_method(
    v: &View<'_>,
    join: JoinType,
    management: Management,
    autopilot_registered: bool,
) -> (EnrollmentMethod, &'static str) {
    use EnrollmentType as E;
    let et = v.intune.and_then(|i| i.enrollment_type);
    let joined = matches!(join, JoinType::EntraJoined | JoinType::HybridJoined);
    match et {
        Some(E::WindowsBulkUserless | E::WindowsBulkAzureDomainJoin) => {
            return (EnrollmentMethod::Bulk, "a bulk enrollment type")
        }
        Some(E::DeviceEnrollmentManager) => {
            return (
                EnrollmentMethod::Dem,
                "enrollment type deviceEnrollmentManager",
            )
        }
        _ => {}
    }
    if v.intune.and_then(|i| i.autopilot_enrolled) == Some(true) {
        return (
            EnrollmentMethod::Autopilot,
            "Intune autopilotEnrolled = true",
        );
    }
    if autopilot_registered
        && joined
        && matches!(
            et,
            None | Some(E::WindowsAzureAdJoin | E::WindowsAzureAdJoinUsingDeviceAuth)
        )
    {
        return (
            EnrollmentMethod::Autopilot,
            "Autopilot-registered, joined, Entra join or no enrollment type",
        );
    }
    if et == Some(E::WindowsCoManagement) {
        return (
            EnrollmentMethod::CoManagement,
            "enrollment type windowsCoManagement",
        );
    }
    if management == Management::CoManaged && et.is_none() {
        return (
            EnrollmentMethod::CoManagement,
            "co-managed without an enrollment type",
        );
    }
    match (et, join) {
        (Some(E::WindowsAutoEnrollment), JoinType::HybridJoined | JoinType::HybridPending) => {
            return (
                EnrollmentMethod::Gpo,
                "windowsAutoEnrollment on a hybrid device (Group Policy)",
            )
        }
        (Some(E::WindowsAzureAdJoin | E::WindowsAzureAdJoinUsingDeviceAuth), _) => {
            return (EnrollmentMethod::EntraJoin, "an Entra join enrollment type")
        }
        (Some(E::WindowsAutoEnrollment), JoinType::EntraJoined) => {
            return (
                EnrollmentMethod::EntraJoin,
                "windowsAutoEnrollment on an Entra joined device",
            )
        }
        (Some(E::UserEnrollment), _) => {
            return (
                EnrollmentMethod::UserEnrollment,
                "enrollment type userEnrollment",
            )
        }
        (Some(E::WindowsAutoEnrollment), JoinType::Registered) => {
            return (
                EnrollmentMethod::UserEnrollment,
                "windowsAutoEnrollment on a registered device",
            )
        }
        _ => {}
    }
    if v.intune.is_some_and(|i| i.entra_device_id.is_none()) && v.entra.is_none() {
        return (
            EnrollmentMethod::MdmOnly,
            "no Entra registration on the Intune record, no Entra object",
        );
    }
    (
        EnrollmentMethod::Unknown,
        "no rule decides (no enrollment type in the export?)",
    )
}

/// Classifies every device, in parallel, in `device_key` order.
pub fn classify(resolved: &Resolved, opts: &ClassifyOptions) -> (Vec<Classified>, Option<Micros>) {
    let as_of = as_of(resolved, opts.as_of);
    let rows = resolved
        .devices
        .par_iter()
        .map(|d| classify_device(d, &resolved.fleet, opts, as_of))
        .collect();
    (rows, as_of)
}
