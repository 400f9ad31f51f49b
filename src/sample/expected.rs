//! `expected.csv`: the true classification of every in-scope device, derived from the
//! scenario each machine was generated from (never by classifying the written records).
//!
//! The classification columns are stated per scenario; only the rule codes are computed,
//! from those columns and the scenario's facts, by the conditions of rules.md with the
//! default policy. A [`Form`] says what the exports of one folder can show.

use std::cmp::Ordering;
use std::fmt;

use super::rng::guid_text;
use super::scenario::{Device, Scenario as S};

/// One folder's set of exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// Admin-center CSVs (Intune with `EnrollmentType`), ConfigMgr SQL CSV, Autopilot blade CSV.
    Top,
    /// Graph JSON for Intune, Entra and Autopilot; ConfigMgr SQL CSV.
    Graph,
    /// Intune CSV without `EnrollmentType`, Entra CSV, PowerShell ConfigMgr CSV, Autopilot
    /// hardware-hash CSV.
    Utf16,
}

impl Form {
    /// The Intune enrollment type is in the export.
    fn enrollment_type(self) -> bool {
        self != Form::Utf16
    }
    /// Entra `deviceOwnership` is in the export (Graph only).
    fn entra_ownership(self) -> bool {
        self == Form::Graph
    }
    /// Entra `physicalIds` (`[HWID]`, `[ZTDID]`) are in the export (Graph only).
    fn physical_ids(self) -> bool {
        self == Form::Graph
    }
    /// The Autopilot enrollment state is in the export (not in the hardware-hash CSV).
    fn autopilot_state(self) -> bool {
        self != Form::Utf16
    }
}

macro_rules! spelled {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $name { $($variant),+ }
        impl $name {
            pub(crate) fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

spelled!(State {
    CoManaged => "co_managed",
    HybridPending => "hybrid_pending",
    HybridJoined => "hybrid_joined",
    EntraJoined => "entra_joined",
    Registered => "registered",
    MdmOnly => "mdm_only",
    ConfigMgrOnly => "configmgr_only",
    AutopilotOnly => "autopilot_only",
    Unmanaged => "unmanaged",
});

spelled!(Join {
    EntraJoined => "entra_joined",
    HybridJoined => "hybrid_joined",
    HybridPending => "hybrid_pending",
    Registered => "registered",
    None => "none",
});

spelled!(Mgmt {
    CoManaged => "co_managed",
    Intune => "intune",
    ConfigMgr => "configmgr",
    Mde => "mde",
    OtherMdm => "other_mdm",
    None => "none",
});

spelled!(Own {
    Corporate => "corporate",
    Personal => "personal",
    Unknown => "unknown",
});

spelled!(OwnSrc {
    Intune => "intune",
    Entra => "entra",
    Inferred => "inferred",
});

spelled!(Enroll {
    Bulk => "bulk",
    Dem => "dem",
    Autopilot => "autopilot",
    CoManagement => "co_management",
    Gpo => "gpo",
    EntraJoin => "entra_join",
    UserEnrollment => "user_enrollment",
    MdmOnly => "mdm_only",
    Unknown => "unknown",
    None => "none",
});

spelled!(Role {
    Main => "",
    EntraPlaceholder => "entra_placeholder",
    OldObject => "old_object",
    WorkplaceObject => "workplace_object",
});

pub(crate) const SRC_ENTRA: u8 = 1;
pub(crate) const SRC_INTUNE: u8 = 2;
pub(crate) const SRC_CM: u8 = 4;
pub(crate) const SRC_AP: u8 = 8;

/// Rule codes in bit order.
pub(crate) const RULES: [&str; 27] = [
    "FLT001", "FLT002", "FLT003", "FLT004", "FLT005", "FLT006", "FLT007", "FLT008", "FLT009",
    "FLT010", "FLT011", "FLT012", "FLT013", "FLT014", "FLT015", "FLT016", "FLT017", "FLT018",
    "FLT101", "FLT102", "FLT103", "FLT104", "FLT105", "FLT106", "FLT107", "FLT108", "FLT109",
];

const fn bit(code: usize) -> u32 {
    // FLT001..FLT018 -> 0..17, FLT101..FLT109 -> 18..26
    if code > 100 {
        1 << (code - 101 + 18)
    } else {
        1 << (code - 1)
    }
}

/// A `device_key`, ordered exactly as its text sorts byte-wise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Guid(u128),
    Intune(u128),
    ConfigMgr(u32),
    Autopilot(String),
}

impl Key {
    /// Text order: GUIDs by value (lower-case hex), `autopilot:` between GUIDs starting
    /// with `a` and `b`, `configmgr:` between `c` and `d`, `intune:` after every GUID.
    fn bucket(&self) -> u8 {
        match self {
            Key::Guid(g) => ((g >> 124) as u8) * 2,
            Key::Autopilot(_) => 0xa * 2 + 1,
            Key::ConfigMgr(_) => 0xc * 2 + 1,
            Key::Intune(_) => 0x40,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bucket()
            .cmp(&other.bucket())
            .then_with(|| match (self, other) {
                (Key::Guid(a), Key::Guid(b)) | (Key::Intune(a), Key::Intune(b)) => a.cmp(b),
                (Key::ConfigMgr(a), Key::ConfigMgr(b)) => decimal(*a).cmp(&decimal(*b)),
                (Key::Autopilot(a), Key::Autopilot(b)) => a.cmp(b),
                _ => Ordering::Equal,
            })
    }
}

/// The decimal digits of `n`, left-aligned and padded with a byte below `'0'`, so that
/// arrays compare as the texts do.
fn decimal(mut n: u32) -> [u8; 10] {
    let mut digits = [0_u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[..len].reverse();
    digits
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Guid(g) => f.write_str(&guid_text(*g)),
            Key::Intune(g) => write!(f, "intune:{}", guid_text(*g)),
            Key::ConfigMgr(id) => write!(f, "configmgr:{id}"),
            Key::Autopilot(serial) => write!(f, "autopilot:{serial}"),
        }
    }
}

/// One row of `expected.csv`.
#[derive(Clone, Debug)]
pub(crate) struct ExpRow {
    pub key: Key,
    pub scenario: S,
    pub role: Role,
    pub state: State,
    pub join: Join,
    pub mgmt: Mgmt,
    pub own: Own,
    pub own_src: OwnSrc,
    pub enroll: Enroll,
    pub autopilot: bool,
    pub stale: bool,
    pub tenant_attached: bool,
    /// The ConfigMgr `MDMWorkloads` value of a co-managed device (0: no workloads column).
    pub workloads: u32,
    pub sources: u8,
    pub rules: u32,
}

pub(crate) const HEADER: [&str; 14] = [
    "device_key",
    "scenario",
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
    "rules",
];

impl ExpRow {
    pub(crate) fn fields(&self) -> [String; 14] {
        let scenario = match self.role {
            Role::Main => self.scenario.name().to_string(),
            role => format!("{}/{}", self.scenario.name(), role.as_str()),
        };
        [
            self.key.to_string(),
            scenario,
            self.state.as_str().to_string(),
            self.join.as_str().to_string(),
            self.mgmt.as_str().to_string(),
            self.own.as_str().to_string(),
            self.own_src.as_str().to_string(),
            self.enroll.as_str().to_string(),
            self.autopilot.to_string(),
            self.stale.to_string(),
            self.tenant_attached.to_string(),
            workload_names(self.workloads),
            source_names(self.sources),
            rule_names(self.rules),
        ]
    }
}

/// Workloads switched to Intune, in model.md order (`value & mask == mask`).
pub(crate) fn workload_names(value: u32) -> String {
    const NAMES: [(u32, &str); 7] = [
        (2, "compliance"),
        (4, "resource_access"),
        (8, "device_configuration"),
        (16, "windows_update"),
        (32, "endpoint_protection"),
        (64, "client_apps"),
        (128, "office_apps"),
    ];
    NAMES
        .iter()
        .filter(|(mask, _)| value & mask == *mask)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(";")
}

fn source_names(sources: u8) -> String {
    [
        (SRC_ENTRA, "entra"),
        (SRC_INTUNE, "intune"),
        (SRC_CM, "configmgr"),
        (SRC_AP, "autopilot"),
    ]
    .iter()
    .filter(|(b, _)| sources & b != 0)
    .map(|(_, n)| *n)
    .collect::<Vec<_>>()
    .join("+")
}

fn rule_names(rules: u32) -> String {
    RULES
        .iter()
        .enumerate()
        .filter(|(i, _)| rules & (1 << i) != 0)
        .map(|(_, code)| *code)
        .collect::<Vec<_>>()
        .join(";")
}

/// What the rules need beyond the classification columns, as the scenario made it.
#[derive(Default)]
struct Facts {
    /// An Intune record with an MDM-based agent.
    intune_mdm: bool,
    /// Any Intune record.
    has_intune: bool,
    /// Windows build of the device (os_version).
    build: u32,
    /// FLT009: a ConfigMgr client or Entra object on NT 6.x or Windows 10 below 16299.
    old_os: bool,
    /// ConfigMgr co-management state: (ComgmtPolicyPresent, MDMEnrolled, EnrollmentStatusCode).
    comgmt: Option<(bool, bool, Option<i64>)>,
    /// FLT012: a client row without AADDeviceID on a device without an Entra object.
    cm_client_outside_entra: bool,
    /// FLT015: userless as far as the form shows.
    userless: bool,
    has_last_seen: bool,
    /// FLT006: the Entra object is managed by another MDM.
    other_mdm: bool,
    /// FLT102.
    duplicate_intune: bool,
    /// FLT103 (as far as the form shows).
    duplicate_entra: bool,
    /// FLT104.
    entra_object_missing: bool,
    /// FLT105: the Entra object says Intune manages it.
    entra_says_intune: bool,
    /// FLT106 inputs, as far as the form shows.
    intune_own: Option<Own>,
    entra_own: Option<Own>,
    /// FLT107: primary Intune record noncompliant, or Entra isCompliant=false with isManaged.
    noncompliant: bool,
    /// FLT108: Autopilot state notContacted/failed, as far as the form shows.
    autopilot_never: bool,
    /// FLT109: Entra disabled and an Intune record checked in within stale_days.
    disabled_but_active: bool,
}

fn rules(r: &ExpRow, f: &Facts) -> u32 {
    let personal = r.own == Own::Personal;
    let corporate = r.own == Own::Corporate;
    let joined = matches!(r.join, Join::EntraJoined | Join::HybridJoined);
    let mut bits = 0;
    let mut fire = |code: usize, cond: bool| {
        if cond {
            bits |= bit(code);
        }
    };
    fire(1, personal && r.enroll == Enroll::Bulk);
    fire(2, personal && r.autopilot);
    fire(3, personal && joined);
    fire(4, corporate && r.join == Join::Registered);
    fire(5, f.intune_mdm && r.enroll == Enroll::MdmOnly);
    fire(6, !f.intune_mdm && f.other_mdm);
    fire(
        7,
        r.enroll == Enroll::Dem
            && (matches!(r.join, Join::HybridJoined | Join::Registered)
                || r.autopilot
                || r.mgmt == Mgmt::CoManaged),
    );
    fire(8, r.enroll == Enroll::Bulk && f.build <= 16299);
    fire(9, f.old_os);
    if let Some((policy, enrolled, status)) = f.comgmt {
        let attempted = status.is_some_and(|s| s != 0);
        fire(10, !f.intune_mdm && policy && !enrolled && attempted);
        fire(17, !f.intune_mdm && policy && !enrolled && !attempted);
    }
    fire(11, r.join == Join::HybridPending);
    fire(12, f.cm_client_outside_entra);
    fire(15, personal && f.userless);
    fire(
        16,
        corporate && joined && matches!(r.mgmt, Mgmt::None | Mgmt::Mde) && f.has_last_seen,
    );
    fire(18, personal && r.enroll == Enroll::Gpo);
    fire(101, r.stale);
    fire(102, f.duplicate_intune);
    fire(103, f.duplicate_entra);
    fire(104, f.entra_object_missing);
    fire(105, f.entra_says_intune && !f.has_intune);
    fire(
        106,
        matches!((f.intune_own, f.entra_own), (Some(a), Some(b)) if a != b),
    );
    fire(107, f.noncompliant && r.mgmt != Mgmt::None);
    fire(108, f.autopilot_never && !f.has_intune);
    fire(109, f.disabled_but_active);
    bits
}

#[allow(clippy::too_many_arguments)]
fn row(
    dev: &Device,
    key: Key,
    state: State,
    join: Join,
    mgmt: Mgmt,
    (own, own_src): (Own, OwnSrc),
    enroll: Enroll,
    sources: u8,
) -> ExpRow {
    ExpRow {
        key,
        scenario: dev.sc,
        role: Role::Main,
        state,
        join,
        mgmt,
        own,
        own_src,
        enroll,
        autopilot: sources & SRC_AP != 0,
        stale: dev.stale,
        tenant_attached: false,
        workloads: 0,
        sources,
        rules: 0,
    }
}

fn push(out: &mut Vec<ExpRow>, mut r: ExpRow, f: &Facts) {
    r.rules = rules(&r, f);
    out.push(r);
}

/// The expected rows of one machine in one form (none for machines set aside by scope).
pub(crate) fn rows(dev: &Device, form: Form, out: &mut Vec<ExpRow>) {
    use Enroll as E;
    let et = form.enrollment_type();
    // Ownership that only Entra states: Graph shows `deviceOwnership`, the CSVs do not.
    let entra_or_inferred = |own: Own| {
        if form.entra_ownership() {
            (own, OwnSrc::Entra)
        } else {
            (own, OwnSrc::Inferred)
        }
    };
    let by_type = |visible: Enroll| if et { visible } else { E::Unknown };
    let anchor = Key::Guid(dev.entra_device);
    let corp_intune = (Own::Corporate, OwnSrc::Intune);
    let entra_own = |own: Own| {
        if form.entra_ownership() {
            Some(own)
        } else {
            None
        }
    };
    // Facts shared by devices whose primary Intune record is MDM and which have an Entra
    // object stamped by Intune.
    let mdm = |own: Own| Facts {
        intune_mdm: true,
        has_intune: true,
        build: dev.build.number,
        has_last_seen: true,
        intune_own: Some(own),
        entra_own: entra_own(own),
        noncompliant: dev.noncompliant,
        disabled_but_active: dev.disabled && !dev.stale,
        entra_says_intune: true,
        ..Facts::default()
    };
    let plain = |has_last_seen: bool| Facts {
        build: dev.build.number,
        has_last_seen,
        ..Facts::default()
    };
    match dev.sc {
        S::AutopilotCloud
        | S::AutopilotPersonal
        | S::DisabledStillEnrolled
        | S::ReenrolledDuplicate => {
            let own = if dev.sc == S::AutopilotPersonal {
                Own::Personal
            } else {
                Own::Corporate
            };
            let r = row(
                dev,
                anchor,
                State::EntraJoined,
                Join::EntraJoined,
                Mgmt::Intune,
                (own, OwnSrc::Intune),
                E::Autopilot,
                SRC_ENTRA | SRC_INTUNE | SRC_AP,
            );
            let mut f = mdm(own);
            f.duplicate_intune = dev.sc == S::ReenrolledDuplicate;
            f.userless = own == Own::Personal && matches!(dev.group_tag, "KIOSK" | "SHARED");
            push(out, r, &f);
        }
        S::EntraJoinedManual | S::WhiteboxCloud => {
            let r = row(
                dev,
                anchor,
                State::EntraJoined,
                Join::EntraJoined,
                Mgmt::Intune,
                corp_intune,
                by_type(E::EntraJoin),
                SRC_ENTRA | SRC_INTUNE,
            );
            push(out, r, &mdm(Own::Corporate));
        }
        S::HybridCoManaged => {
            let visible = if dev.v < 700 { E::CoManagement } else { E::Gpo };
            let mut r = row(
                dev,
                anchor,
                State::CoManaged,
                Join::HybridJoined,
                Mgmt::CoManaged,
                corp_intune,
                if et { visible } else { E::CoManagement },
                SRC_ENTRA | SRC_INTUNE | SRC_CM,
            );
            r.workloads = dev.workloads;
            let mut f = mdm(Own::Corporate);
            f.comgmt = Some((true, true, Some(0)));
            push(out, r, &f);
        }
        S::HybridConfigMgrOnly | S::HybridComgmtScheduled | S::HybridComgmtFailed => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::ConfigMgr,
                entra_or_inferred(Own::Corporate),
                E::None,
                SRC_ENTRA | SRC_CM,
            );
            let mut f = plain(true);
            f.entra_own = entra_own(Own::Corporate);
            f.comgmt = match dev.sc {
                S::HybridConfigMgrOnly if dev.v < 500 => None,
                S::HybridConfigMgrOnly => Some((false, false, None)),
                S::HybridComgmtScheduled => {
                    Some((true, false, if dev.v < 500 { Some(0) } else { None }))
                }
                _ => Some((true, false, Some(dev.status_code))),
            };
            push(out, r, &f);
        }
        S::HybridPending => {
            let with_cm = dev.v < 700;
            let r = row(
                dev,
                anchor,
                State::HybridPending,
                Join::HybridPending,
                if with_cm { Mgmt::ConfigMgr } else { Mgmt::None },
                (Own::Corporate, OwnSrc::Inferred),
                E::None,
                if with_cm {
                    SRC_ENTRA | SRC_CM
                } else {
                    SRC_ENTRA
                },
            );
            push(out, r, &plain(with_cm));
        }
        S::HybridUnmanaged => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::None,
                entra_or_inferred(Own::Corporate),
                E::None,
                SRC_ENTRA | SRC_CM,
            );
            let mut f = plain(true);
            f.entra_own = entra_own(Own::Corporate);
            push(out, r, &f);
        }
        S::HybridGpoPersonal => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::Intune,
                (Own::Personal, OwnSrc::Intune),
                by_type(E::Gpo),
                SRC_ENTRA | SRC_INTUNE,
            );
            push(out, r, &mdm(Own::Personal));
        }
        S::ByodRegistered => {
            let r = row(
                dev,
                anchor,
                State::Registered,
                Join::Registered,
                Mgmt::Intune,
                (Own::Personal, OwnSrc::Intune),
                by_type(E::UserEnrollment),
                SRC_ENTRA | SRC_INTUNE,
            );
            push(out, r, &mdm(Own::Personal));
        }
        S::ByodRegisteredUnmanaged => {
            let r = row(
                dev,
                anchor,
                State::Registered,
                Join::Registered,
                Mgmt::None,
                entra_or_inferred(Own::Personal),
                E::None,
                SRC_ENTRA,
            );
            push(out, r, &plain(true));
        }
        S::CorporateRegistered => {
            let r = row(
                dev,
                anchor,
                State::Registered,
                Join::Registered,
                Mgmt::Intune,
                corp_intune,
                by_type(E::UserEnrollment),
                SRC_ENTRA | SRC_INTUNE,
            );
            let mut f = mdm(Own::Corporate);
            f.entra_own = entra_own(Own::Personal);
            push(out, r, &f);
        }
        S::MdmOnly => {
            let own = if dev.v < 500 {
                Own::Corporate
            } else {
                Own::Personal
            };
            let r = row(
                dev,
                Key::Intune(dev.intune_id),
                State::MdmOnly,
                Join::None,
                Mgmt::Intune,
                (own, OwnSrc::Intune),
                E::MdmOnly,
                SRC_INTUNE,
            );
            let mut f = mdm(own);
            f.entra_own = None;
            f.entra_says_intune = false;
            push(out, r, &f);
        }
        S::OtherMdm => {
            let r = row(
                dev,
                anchor,
                State::EntraJoined,
                Join::EntraJoined,
                Mgmt::OtherMdm,
                entra_or_inferred(Own::Corporate),
                E::None,
                SRC_ENTRA,
            );
            let mut f = plain(true);
            f.other_mdm = true;
            f.entra_own = entra_own(Own::Corporate);
            f.noncompliant = dev.v2 < 150;
            f.disabled_but_active = false;
            push(out, r, &f);
        }
        S::BulkEnrolled | S::BulkPersonal => {
            let own = if dev.sc == S::BulkPersonal {
                Own::Personal
            } else {
                Own::Corporate
            };
            let r = row(
                dev,
                anchor,
                State::EntraJoined,
                Join::EntraJoined,
                Mgmt::Intune,
                (own, OwnSrc::Intune),
                by_type(E::Bulk),
                SRC_ENTRA | SRC_INTUNE,
            );
            let userless_type = dev.sc == S::BulkPersonal || dev.v < 600;
            let mut f = mdm(own);
            f.userless = et && userless_type;
            push(out, r, &f);
        }
        S::DemEnrolled => {
            let (state, join) = if dev.v < 700 {
                (State::EntraJoined, Join::EntraJoined)
            } else {
                (State::Registered, Join::Registered)
            };
            let r = row(
                dev,
                anchor,
                state,
                join,
                Mgmt::Intune,
                corp_intune,
                by_type(E::Dem),
                SRC_ENTRA | SRC_INTUNE,
            );
            push(out, r, &mdm(Own::Corporate));
        }
        S::AutopilotNotDeployed => {
            let never = form.autopilot_state();
            if form.physical_ids() {
                // Graph shows the placeholder: it anchors its own "imported, not deployed"
                // device with the Autopilot record.
                let r = row(
                    dev,
                    anchor,
                    State::AutopilotOnly,
                    Join::None,
                    Mgmt::None,
                    (Own::Corporate, OwnSrc::Inferred),
                    E::None,
                    SRC_ENTRA | SRC_AP,
                );
                let mut f = plain(false);
                f.autopilot_never = never;
                push(out, r, &f);
            } else {
                let r = row(
                    dev,
                    Key::Autopilot(dev.serial_key()),
                    State::AutopilotOnly,
                    Join::None,
                    Mgmt::None,
                    (Own::Corporate, OwnSrc::Inferred),
                    E::None,
                    SRC_AP,
                );
                let mut f = plain(false);
                f.autopilot_never = never;
                push(out, r, &f);
                push(out, placeholder_row(dev, anchor), &plain(false));
            }
        }
        S::AutopilotHybrid => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::Intune,
                corp_intune,
                E::Autopilot,
                SRC_ENTRA | SRC_INTUNE | SRC_AP,
            );
            push(out, r, &mdm(Own::Corporate));
            if !form.physical_ids() {
                // The CSV forms cannot tell the placeholder from an ordinary object.
                let p = placeholder_row(dev, Key::Guid(dev.entra2_device));
                push(out, p, &plain(false));
            }
        }
        S::TenantAttached => {
            let mut r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::ConfigMgr,
                corp_intune,
                E::None,
                SRC_ENTRA | SRC_INTUNE | SRC_CM,
            );
            r.tenant_attached = true;
            let mut f = plain(true);
            f.has_intune = true;
            f.intune_own = Some(Own::Corporate);
            f.entra_own = entra_own(Own::Corporate);
            f.comgmt = Some((false, false, Some(0)));
            push(out, r, &f);
        }
        S::MdeOnly => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::Mde,
                entra_or_inferred(Own::Corporate),
                E::None,
                SRC_ENTRA | SRC_INTUNE,
            );
            let mut f = plain(true);
            f.has_intune = true;
            f.entra_own = entra_own(Own::Corporate);
            push(out, r, &f);
        }
        S::CloudCoManagedSerial => {
            let mut r = row(
                dev,
                anchor,
                State::CoManaged,
                Join::EntraJoined,
                Mgmt::CoManaged,
                corp_intune,
                if et { E::EntraJoin } else { E::CoManagement },
                SRC_ENTRA | SRC_INTUNE | SRC_CM,
            );
            r.workloads = dev.workloads;
            let mut f = mdm(Own::Corporate);
            f.comgmt = Some((true, true, Some(0)));
            push(out, r, &f);
        }
        S::ConfigMgrOnly | S::WhiteboxConfigMgr | S::Win7ConfigMgr => {
            let r = row(
                dev,
                Key::ConfigMgr(dev.resource_id),
                State::ConfigMgrOnly,
                Join::None,
                Mgmt::ConfigMgr,
                (Own::Corporate, OwnSrc::Inferred),
                E::None,
                SRC_CM,
            );
            let mut f = plain(true);
            f.cm_client_outside_entra = true;
            f.old_os = dev.sc == S::Win7ConfigMgr;
            f.comgmt = if dev.sc != S::Win7ConfigMgr && dev.v < 300 {
                Some((false, false, None))
            } else {
                None
            };
            push(out, r, &f);
        }
        S::DiscoveredNoClient => {
            let r = row(
                dev,
                Key::ConfigMgr(dev.resource_id),
                State::Unmanaged,
                Join::None,
                Mgmt::None,
                (Own::Unknown, OwnSrc::Inferred),
                E::None,
                SRC_CM,
            );
            push(out, r, &plain(false));
        }
        S::ReimagedNewObject | S::ReenrolledNewObject => {
            let r = row(
                dev,
                anchor,
                State::EntraJoined,
                Join::EntraJoined,
                Mgmt::Intune,
                corp_intune,
                by_type(E::EntraJoin),
                SRC_ENTRA | SRC_INTUNE,
            );
            push(out, r, &mdm(Own::Corporate));
            let old_key = Key::Guid(dev.entra2_device);
            if dev.sc == S::ReimagedNewObject {
                // The old object: no Intune record left, still marked managed by Intune.
                let mut o = row(
                    dev,
                    old_key,
                    State::EntraJoined,
                    Join::EntraJoined,
                    Mgmt::None,
                    entra_or_inferred(Own::Corporate),
                    E::None,
                    SRC_ENTRA,
                );
                o.role = Role::OldObject;
                o.stale = true;
                let mut f = plain(true);
                f.entra_says_intune = true;
                f.entra_own = entra_own(Own::Corporate);
                f.duplicate_entra = form.physical_ids();
                push(out, o, &f);
            } else {
                // The old object with the old Intune record (same serial, older check-in).
                let mut o = row(
                    dev,
                    old_key,
                    State::EntraJoined,
                    Join::EntraJoined,
                    Mgmt::Intune,
                    corp_intune,
                    by_type(E::EntraJoin),
                    SRC_ENTRA | SRC_INTUNE,
                );
                o.role = Role::OldObject;
                o.stale = true;
                let mut f = mdm(Own::Corporate);
                f.noncompliant = false;
                f.disabled_but_active = false;
                f.duplicate_intune = true;
                f.duplicate_entra = form.physical_ids();
                push(out, o, &f);
            }
        }
        S::DualState => {
            let r = row(
                dev,
                anchor,
                State::HybridJoined,
                Join::HybridJoined,
                Mgmt::ConfigMgr,
                entra_or_inferred(Own::Corporate),
                E::None,
                SRC_ENTRA | SRC_CM,
            );
            let mut f = plain(true);
            f.entra_own = entra_own(Own::Corporate);
            push(out, r, &f);
            let mut w = row(
                dev,
                Key::Guid(dev.entra2_device),
                State::Registered,
                Join::Registered,
                Mgmt::None,
                entra_or_inferred(Own::Personal),
                E::None,
                SRC_ENTRA,
            );
            w.role = Role::WorkplaceObject;
            w.stale = dev.stale2;
            let mut f = plain(true);
            f.duplicate_entra = true;
            push(out, w, &f);
        }
        S::DeletedEntraObject => {
            let key = Key::Guid(dev.entra_device);
            let mut f = mdm(Own::Corporate);
            f.entra_own = None;
            f.entra_says_intune = false;
            f.entra_object_missing = true;
            if dev.v < 500 {
                let r = row(
                    dev,
                    key,
                    State::EntraJoined,
                    Join::EntraJoined,
                    Mgmt::Intune,
                    corp_intune,
                    by_type(E::EntraJoin),
                    SRC_INTUNE,
                );
                push(out, r, &f);
            } else {
                let mut r = row(
                    dev,
                    key,
                    State::CoManaged,
                    Join::HybridJoined,
                    Mgmt::CoManaged,
                    corp_intune,
                    E::CoManagement,
                    SRC_INTUNE | SRC_CM,
                );
                r.workloads = dev.workloads;
                f.comgmt = Some((true, true, Some(0)));
                push(out, r, &f);
            }
        }
        S::MobileIos | S::MobileAndroid | S::MacOs | S::WindowsServer => {}
    }
}

/// An Autopilot placeholder object as the CSV forms show it: an ordinary Entra-joined
/// object, never signed in to, not managed.
fn placeholder_row(dev: &Device, key: Key) -> ExpRow {
    let mut p = row(
        dev,
        key,
        State::EntraJoined,
        Join::EntraJoined,
        Mgmt::None,
        (Own::Corporate, OwnSrc::Inferred),
        Enroll::None,
        SRC_ENTRA,
    );
    p.role = Role::EntraPlaceholder;
    p.stale = false;
    p
}
