//! The fleet: which scenario each physical machine follows, its generated facts, and the
//! source records (Intune, Entra, ConfigMgr, Autopilot) it leaves behind.
//!
//! Every value of a device is a pure function of `(seed, index)`, so each writer can
//! regenerate a device instead of holding the fleet in memory.

use super::rng::{base36, bijection, mix, Rng};
use super::time::{AS_OF, DAY, HOUR, MINUTE};

/// One scenario per physical machine. The order is the order of [`super::SCENARIOS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Scenario {
    AutopilotCloud,
    EntraJoinedManual,
    HybridCoManaged,
    HybridConfigMgrOnly,
    HybridComgmtScheduled,
    HybridComgmtFailed,
    HybridPending,
    HybridUnmanaged,
    HybridGpoPersonal,
    ByodRegistered,
    ByodRegisteredUnmanaged,
    CorporateRegistered,
    MdmOnly,
    OtherMdm,
    BulkEnrolled,
    BulkPersonal,
    DemEnrolled,
    AutopilotPersonal,
    AutopilotNotDeployed,
    AutopilotHybrid,
    TenantAttached,
    MdeOnly,
    CloudCoManagedSerial,
    ConfigMgrOnly,
    Win7ConfigMgr,
    DiscoveredNoClient,
    ReenrolledDuplicate,
    ReimagedNewObject,
    ReenrolledNewObject,
    DualState,
    DeletedEntraObject,
    DisabledStillEnrolled,
    WhiteboxCloud,
    WhiteboxConfigMgr,
    MobileIos,
    MobileAndroid,
    MacOs,
    WindowsServer,
}

use Scenario as S;

pub(crate) const ALL: [Scenario; 38] = [
    S::AutopilotCloud,
    S::EntraJoinedManual,
    S::HybridCoManaged,
    S::HybridConfigMgrOnly,
    S::HybridComgmtScheduled,
    S::HybridComgmtFailed,
    S::HybridPending,
    S::HybridUnmanaged,
    S::HybridGpoPersonal,
    S::ByodRegistered,
    S::ByodRegisteredUnmanaged,
    S::CorporateRegistered,
    S::MdmOnly,
    S::OtherMdm,
    S::BulkEnrolled,
    S::BulkPersonal,
    S::DemEnrolled,
    S::AutopilotPersonal,
    S::AutopilotNotDeployed,
    S::AutopilotHybrid,
    S::TenantAttached,
    S::MdeOnly,
    S::CloudCoManagedSerial,
    S::ConfigMgrOnly,
    S::Win7ConfigMgr,
    S::DiscoveredNoClient,
    S::ReenrolledDuplicate,
    S::ReimagedNewObject,
    S::ReenrolledNewObject,
    S::DualState,
    S::DeletedEntraObject,
    S::DisabledStillEnrolled,
    S::WhiteboxCloud,
    S::WhiteboxConfigMgr,
    S::MobileIos,
    S::MobileAndroid,
    S::MacOs,
    S::WindowsServer,
];

/// Relative weights (machines per 1110), in the order of [`ALL`].
pub(crate) const WEIGHTS: [u64; 38] = [
    300, 40, 160, 80, 10, 15, 25, 15, 3, 60, 20, 8, 15, 15, 15, 3, 10, 3, 30, 15, 30, 15, 15, 20,
    15, 25, 15, 10, 10, 10, 8, 4, 10, 8, 25, 20, 8, 20,
];

impl Scenario {
    pub(crate) fn name(self) -> &'static str {
        super::SCENARIOS[self as usize].0
    }

    /// Windows clients; the others are set aside by scope (model.md section 0).
    pub(crate) fn in_scope(self) -> bool {
        !matches!(
            self,
            S::MobileIos | S::MobileAndroid | S::MacOs | S::WindowsServer
        )
    }

    /// Chance (per mille) that the device's last activity is older than 120 days.
    fn stale_permille(self) -> u32 {
        match self {
            S::Win7ConfigMgr => 400,
            S::ByodRegisteredUnmanaged => 250,
            S::HybridUnmanaged | S::MdmOnly | S::ConfigMgrOnly | S::WhiteboxConfigMgr => 150,
            S::ByodRegistered => 120,
            S::DeletedEntraObject | S::MobileIos | S::MobileAndroid | S::MacOs => 100,
            S::HybridConfigMgrOnly
            | S::CorporateRegistered
            | S::BulkEnrolled
            | S::DemEnrolled
            | S::WindowsServer => 80,
            S::AutopilotNotDeployed
            | S::DiscoveredNoClient
            | S::ReimagedNewObject
            | S::ReenrolledNewObject
            | S::DisabledStillEnrolled
            | S::BulkPersonal => 0,
            S::AutopilotCloud => 40,
            _ => 60,
        }
    }

    fn has_intune_windows(self) -> bool {
        matches!(
            self,
            S::AutopilotCloud
                | S::EntraJoinedManual
                | S::HybridCoManaged
                | S::HybridGpoPersonal
                | S::ByodRegistered
                | S::CorporateRegistered
                | S::MdmOnly
                | S::BulkEnrolled
                | S::BulkPersonal
                | S::DemEnrolled
                | S::AutopilotPersonal
                | S::AutopilotHybrid
                | S::TenantAttached
                | S::MdeOnly
                | S::CloudCoManagedSerial
                | S::ReenrolledDuplicate
                | S::ReimagedNewObject
                | S::ReenrolledNewObject
                | S::DeletedEntraObject
                | S::DisabledStillEnrolled
                | S::WhiteboxCloud
        )
    }

    /// Intune records whose management agent is MDM-based (noncompliance applies).
    fn intune_mdm(self) -> bool {
        self.has_intune_windows() && !matches!(self, S::TenantAttached | S::MdeOnly)
    }

    /// A live ConfigMgr client row (Client0 = 1) is part of the device.
    fn has_cm_client(self, v: u32) -> bool {
        match self {
            S::HybridCoManaged
            | S::HybridConfigMgrOnly
            | S::HybridComgmtScheduled
            | S::HybridComgmtFailed
            | S::TenantAttached
            | S::CloudCoManagedSerial
            | S::ConfigMgrOnly
            | S::Win7ConfigMgr
            | S::DualState
            | S::WhiteboxConfigMgr
            | S::WindowsServer => true,
            S::HybridPending => v < 700,
            S::DeletedEntraObject => v >= 500,
            _ => false,
        }
    }

    /// The device has a main Entra object of its own (the anchor).
    fn has_entra(self, v: u32) -> bool {
        match self {
            S::MdmOnly
            | S::ConfigMgrOnly
            | S::Win7ConfigMgr
            | S::DiscoveredNoClient
            | S::DeletedEntraObject
            | S::WhiteboxConfigMgr => false,
            S::WindowsServer => v < 500,
            _ => true,
        }
    }

    /// No source records any activity for the device.
    fn no_activity(self, v: u32) -> bool {
        matches!(self, S::AutopilotNotDeployed | S::DiscoveredNoClient)
            || (self == S::HybridPending && v >= 700)
    }
}

// ----------------------------------------------------------------------------------------
// Static catalogues

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SerialStyle {
    Lenovo,
    Hp,
    Dell,
    Surface,
    VMware,
    Placeholder,
}

#[derive(Debug)]
pub(crate) struct Hw {
    pub mfr: &'static str,
    pub model: &'static str,
    pub style: SerialStyle,
    pub bios: &'static str,
}

const HW: [Hw; 7] = [
    Hw {
        mfr: "LENOVO",
        model: "20U1A006IG",
        style: SerialStyle::Lenovo,
        bios: "N2XET38W (1.28 )",
    },
    Hw {
        mfr: "LENOVO",
        model: "21HD003VGE",
        style: SerialStyle::Lenovo,
        bios: "R23ET70W (1.45 )",
    },
    Hw {
        mfr: "HP",
        model: "HP EliteBook 840 G8 Notebook PC",
        style: SerialStyle::Hp,
        bios: "T37 Ver. 01.16.00",
    },
    Hw {
        mfr: "HP",
        model: "HP ProDesk 600 G6 Small Form Factor PC",
        style: SerialStyle::Hp,
        bios: "S01 Ver. 02.13.00",
    },
    Hw {
        mfr: "Dell Inc.",
        model: "Latitude 5420",
        style: SerialStyle::Dell,
        bios: "1.31.0",
    },
    Hw {
        mfr: "Dell Inc.",
        model: "OptiPlex 7090",
        style: SerialStyle::Dell,
        bios: "1.22.0",
    },
    Hw {
        mfr: "Microsoft Corporation",
        model: "Surface Laptop 5",
        style: SerialStyle::Surface,
        bios: "18.102.140",
    },
];

const VMWARE: Hw = Hw {
    mfr: "VMware, Inc.",
    model: "VMware7,1",
    style: SerialStyle::VMware,
    bios: "VMW71.00V.21100432.B64.2301110304",
};

const WHITEBOX: [Hw; 2] = [
    Hw {
        mfr: "To Be Filled By O.E.M.",
        model: "To Be Filled By O.E.M.",
        style: SerialStyle::Placeholder,
        bios: "P2.10",
    },
    Hw {
        mfr: "System manufacturer",
        model: "System Product Name",
        style: SerialStyle::Placeholder,
        bios: "2801",
    },
];

/// Serial numbers that identify nothing (inputs.md section 5).
pub(crate) const PLACEHOLDER_SERIALS: [&str; 4] = [
    "To be filled by O.E.M.",
    "Default string",
    "0",
    "System Serial Number",
];

#[derive(Debug)]
pub(crate) struct Build {
    /// ConfigMgr `Build01`.
    pub short: &'static str,
    /// Intune / Entra four-part version.
    pub full: &'static str,
    pub number: u32,
}

const BUILDS: [Build; 4] = [
    Build {
        short: "10.0.19045",
        full: "10.0.19045.5131",
        number: 19045,
    },
    Build {
        short: "10.0.22631",
        full: "10.0.22631.4460",
        number: 22631,
    },
    Build {
        short: "10.0.26100",
        full: "10.0.26100.2314",
        number: 26100,
    },
    Build {
        short: "10.0.22621",
        full: "10.0.22621.4317",
        number: 22621,
    },
];

const BUILD_1709: Build = Build {
    short: "10.0.16299",
    full: "10.0.16299.2166",
    number: 16299,
};

const BUILD_WIN7: Build = Build {
    short: "6.1.7601",
    full: "6.1.7601.24214",
    number: 7601,
};

const BUILD_SERVER: Build = Build {
    short: "10.0.20348",
    full: "10.0.20348.2762",
    number: 20348,
};

const SKUS: [&str; 4] = ["Enterprise", "Enterprise", "Pro", "Education"];

/// Autopilot group tags; `KIOSK` is a userless tag of the default policy.
const GROUP_TAGS: [&str; 8] = ["", "", "", "CORP-STD", "CORP-STD", "SALES", "DEV", "KIOSK"];
const PERSONAL_GROUP_TAGS: [&str; 3] = ["", "SALES", "CORP-STD"];

/// ConfigMgr `MDMWorkloads` values: legacy (< 2111) and 2111+ encodings.
pub(crate) const WORKLOADS: [u32; 11] = [1, 3, 15, 63, 255, 8193, 8195, 12323, 8223, 12543, 8209];

/// Co-management enrollment errors, unsigned and as a signed SQL column holds them.
pub(crate) const FAILED_STATUS: [i64; 6] = [
    2_149_056_555,
    -2_145_910_741,
    2_149_056_536,
    -2_145_910_760,
    2_147_942_450,
    -2_147_024_846,
];

const FIRST: [(&str, &str); 26] = [
    ("anna", "Anna"),
    ("ben", "Ben"),
    ("chloe", "Chloé"),
    ("david", "David"),
    ("emma", "Emma"),
    ("felix", "Felix"),
    ("grace", "Grace"),
    ("henrik", "Henrik"),
    ("ines", "Inês"),
    ("jonas", "Jonas"),
    ("karin", "Karin"),
    ("lukas", "Lukas"),
    ("maria", "María"),
    ("noah", "Noah"),
    ("olga", "Olga"),
    ("paul", "Paul"),
    ("qiang", "Qiang"),
    ("rosa", "Rosa"),
    ("sven", "Sven"),
    ("tanja", "Tanja"),
    ("umar", "Umar"),
    ("vera", "Vera"),
    ("wei", "Wei"),
    ("xenia", "Xenia"),
    ("yusuf", "Yusuf"),
    ("zoe", "Zoë"),
];

const LAST: [(&str, &str); 16] = [
    ("schmidt", "Schmidt"),
    ("muller", "Müller"),
    ("garcia", "García"),
    ("nguyen", "Nguyen"),
    ("okafor", "Okafor"),
    ("rossi", "Rossi"),
    ("kowalski", "Kowalski"),
    ("dubois", "Dubois"),
    ("jensen", "Jensen"),
    ("silva", "Silva"),
    ("tanaka", "Tanaka"),
    ("obrien", "O'Brien"),
    ("novak", "Novák"),
    ("haddad", "Haddad"),
    ("lindqvist", "Lindqvist"),
    ("murphy", "Murphy"),
];

/// A person of the tenant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct User {
    pub n: u32,
    pub guid: u128,
}

impl User {
    fn parts(
        self,
    ) -> (
        &'static (&'static str, &'static str),
        &'static (&'static str, &'static str),
        u32,
    ) {
        let n = self.n as usize;
        (
            &FIRST[n % FIRST.len()],
            &LAST[(n / FIRST.len()) % LAST.len()],
            self.n / (FIRST.len() * LAST.len()) as u32,
        )
    }

    pub(crate) fn upn(self) -> String {
        let (f, l, k) = self.parts();
        if k == 0 {
            format!("{}.{}@contoso.com", f.0, l.0)
        } else {
            format!("{}.{}{}@contoso.com", f.0, l.0, k)
        }
    }

    pub(crate) fn display(self) -> String {
        let (f, l, k) = self.parts();
        if k == 0 {
            format!("{} {}", f.1, l.1)
        } else {
            format!("{} {} ({})", f.1, l.1, k)
        }
    }
}

// ----------------------------------------------------------------------------------------
// The fleet

/// The scenario of every machine, in device order. Device 0 is always `autopilot_cloud`
/// and checks in at exactly `AS_OF` (a snapshot's `as_of` in a snapshot fleet).
pub(crate) struct Fleet {
    pub seed: u64,
    pub kinds: Vec<Scenario>,
    /// A snapshot fleet (`super::snapshots`): per machine, its index (its random stream)
    /// and its [`Life`]. `None`: machine `i` is device `i` as `write_sample` makes it.
    pub lives: Option<Vec<(usize, Life)>>,
}

impl Fleet {
    /// Scenario counts by largest remainder over [`WEIGHTS`] (every scenario at least once
    /// when there are at least as many machines as scenarios), then a seeded shuffle.
    pub(crate) fn new(n: usize, seed: u64) -> Fleet {
        Fleet::with_weights(n, seed, &WEIGHTS)
    }

    /// [`Fleet::new`] with other relative weights (in the order of [`ALL`]).
    pub(crate) fn with_weights(n: usize, seed: u64, weights: &[u64; 38]) -> Fleet {
        let total: u64 = weights.iter().sum();
        let n64 = n as u64;
        let mut counts: Vec<u64> = weights.iter().map(|w| w * n64 / total).collect();
        let mut order: Vec<usize> = (0..ALL.len()).collect();
        order.sort_by(|&a, &b| {
            let ra = weights[a] * n64 % total;
            let rb = weights[b] * n64 % total;
            rb.cmp(&ra).then(a.cmp(&b))
        });
        let assigned: u64 = counts.iter().sum();
        for &k in order.iter().take((n64 - assigned) as usize) {
            counts[k] += 1;
        }
        let largest = |counts: &[u64]| {
            let mut best = 0;
            for (k, &c) in counts.iter().enumerate() {
                if c > counts[best] {
                    best = k;
                }
            }
            best
        };
        if n >= ALL.len() {
            for k in 0..ALL.len() {
                if counts[k] == 0 {
                    let from = largest(&counts);
                    counts[from] -= 1;
                    counts[k] = 1;
                }
            }
        }
        let anchor = S::AutopilotCloud as usize;
        if n > 0 && counts[anchor] == 0 {
            let from = largest(&counts);
            counts[from] -= 1;
            counts[anchor] = 1;
        }
        let mut kinds = Vec::with_capacity(n);
        if n > 0 {
            kinds.push(S::AutopilotCloud);
            counts[anchor] -= 1;
        }
        for (k, &c) in counts.iter().enumerate() {
            for _ in 0..c {
                kinds.push(ALL[k]);
            }
        }
        let mut r = Rng::new(seed ^ 0x054A_FF1E);
        for i in (2..kinds.len()).rev() {
            let j = 1 + r.below(i as u64) as usize;
            kinds.swap(i, j);
        }
        Fleet {
            seed,
            kinds,
            lives: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }

    pub(crate) fn device(&self, idx: usize) -> Device {
        match &self.lives {
            None => Device::generate(self.seed, idx, self.kinds[idx]),
            Some(lives) => {
                let (machine, life) = &lives[idx];
                Device::generate_with(self.seed, *machine, self.kinds[idx], life)
            }
        }
    }
}

/// Where a machine stands in time and identity. [`Life::sample`] is what `write_sample`
/// uses; the weekly snapshots (`super::snapshots`) move `as_of` and pin what must not
/// change from one week to the next.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Life {
    /// The export's `as_of`: fresh devices were last seen shortly before it.
    pub as_of: i64,
    /// Stale devices were last seen, and history (enrollment, registration, old objects)
    /// happened, relative to this instant (the first snapshot's `as_of`).
    pub base: i64,
    /// Fresh devices were last seen within this long before `as_of` (at most 60 days).
    pub fresh_max: i64,
    /// The scenario the machine started as: its hardware, build, group tag and staleness.
    pub origin: Scenario,
    /// 0: the ids the machine was drawn with; n: the Entra, Intune and Autopilot ids of
    /// its n-th re-deployment (a new Entra object).
    pub incarnation: u32,
    /// Entra registration, Intune enrollment and Autopilot import instants that happened
    /// during the snapshots (activity is never earlier than the first two).
    pub registered_at: Option<i64>,
    pub enrolled_at: Option<i64>,
    pub imported_at: Option<i64>,
    /// Replaces the sub-variant roll `v`.
    pub v: Option<u32>,
}

impl Life {
    /// The life of a device of `write_sample`.
    pub(crate) fn sample(sc: Scenario) -> Life {
        Life {
            as_of: AS_OF,
            base: AS_OF,
            fresh_max: 60 * DAY,
            origin: sc,
            incarnation: 0,
            registered_at: None,
            enrolled_at: None,
            imported_at: None,
            v: None,
        }
    }
}

/// One physical machine: the scenario and every fact drawn for it.
#[derive(Debug)]
pub(crate) struct Device {
    pub idx: usize,
    pub sc: Scenario,
    /// Sub-variant roll (0..1000), meaning per scenario.
    pub v: u32,
    /// Second roll (0..1000), meaning per scenario.
    pub v2: u32,
    pub stale: bool,
    /// Staleness of a second Entra object (dual_state's Workplace object).
    pub stale2: bool,
    pub last_seen: i64,
    pub noncompliant: bool,
    pub dup_intune_row: bool,
    pub dup_entra_row: bool,
    pub obsolete_cm_row: bool,
    pub blank_signin: bool,
    pub disabled: bool,
    pub hw: &'static Hw,
    pub build: &'static Build,
    pub sku: &'static str,
    pub user: User,
    pub group_tag: &'static str,
    pub workloads: u32,
    pub status_code: i64,
    pub placeholder_serial: &'static str,
    pub odd_name: u32,
    pub alt_casing: bool,
    pub pending_literal: bool,
    pub entra_device: u128,
    pub entra_object: u128,
    pub entra2_device: u128,
    pub entra2_object: u128,
    pub intune_id: u128,
    pub intune2_id: u128,
    pub autopilot_id: u128,
    pub smbios: u128,
    pub vm_uuid: u128,
    pub resource_id: u32,
    pub hwid: u64,
    pub gid: u64,
    name_code: u64,
    serial_code: u64,
    surface_code: u64,
    pub t_enrolled: i64,
    pub t_registered: i64,
    pub t_signin: i64,
    pub t_cm: i64,
    pub t_import: i64,
    pub t_ap_contact: i64,
    pub t_old_last: i64,
    pub t_old_enrolled: i64,
    pub t_old_registered: i64,
    pub t_second_signin: i64,
    pub t_dup_copy: i64,
    pub storage_total: u32,
    pub storage_free: u32,
    pub mac: u64,
    pub ip: u32,
    pub hash_seed: u64,
}

impl Device {
    fn generate(seed: u64, idx: usize, sc: Scenario) -> Device {
        Device::generate_with(seed, idx, sc, &Life::sample(sc))
    }

    /// Device `idx` following scenario `sc` in `life`. Hardware, build, group tag and
    /// staleness come from `life.origin`, so they stay when the scenario changes.
    pub(crate) fn generate_with(seed: u64, idx: usize, sc: Scenario, life: &Life) -> Device {
        let mut r = Rng::for_device(seed, idx as u64);
        let anchor = idx == 0;
        let origin = life.origin;
        // Every draw happens in this fixed order, whatever the scenario.
        let v = r.permille();
        let v2 = r.permille();
        let stale_roll = r.permille();
        let offset_fresh = r.range(10 * MINUTE, 60 * DAY);
        let offset_stale = r.range(120 * DAY, 540 * DAY);
        let stale2_roll = r.permille();
        let offset2_fresh = r.range(10 * MINUTE, 60 * DAY);
        let offset2_stale = r.range(120 * DAY, 540 * DAY);
        let nc_roll = r.permille();
        let dup_i_roll = r.permille();
        let dup_e_roll = r.permille();
        let obs_roll = r.permille();
        let blank_roll = r.permille();
        let disabled_roll = r.permille();
        let hw_roll = r.permille();
        let hw_pick = r.below(HW.len() as u64) as usize;
        let wb_pick = r.below(WHITEBOX.len() as u64) as usize;
        let build_pick = r.below(BUILDS.len() as u64) as usize;
        let sku_pick = r.below(SKUS.len() as u64) as usize;
        let user_n = r.below(50_000) as u32;
        let tag_pick = r.below(GROUP_TAGS.len() as u64) as usize;
        let ptag_pick = r.below(PERSONAL_GROUP_TAGS.len() as u64) as usize;
        let wl_pick = r.below(WORKLOADS.len() as u64) as usize;
        let status_pick = r.below(FAILED_STATUS.len() as u64) as usize;
        let ph_pick = r.below(PLACEHOLDER_SERIALS.len() as u64) as usize;
        let odd_roll = r.permille();
        let casing_roll = r.permille();
        let pending_roll = r.permille();
        let entra_device = r.guid();
        let entra_object = r.guid();
        let entra2_device = r.guid();
        let entra2_object = r.guid();
        let intune_id = r.guid();
        let intune2_id = r.guid();
        let autopilot_id = r.guid();
        let smbios = r.guid();
        let vm_low = r.next_u64();
        let vm_byte = r.below(256);
        let off_cm = r.range(0, 14 * DAY);
        let off_signin = r.range(0, 14 * DAY);
        let enroll_age = r.range(DAY, 900 * DAY);
        let reg_gap = r.range(MINUTE, HOUR);
        let import_gap = r.range(DAY, 60 * DAY);
        let old_gap = r.range(20 * DAY, 200 * DAY);
        let old_age = r.range(30 * DAY, 600 * DAY);
        let dup_gap = r.range(HOUR, 48 * HOUR);
        let reenroll_gap = r.range(HOUR, DAY);
        let old_obj_offset = r.range(120 * DAY, 500 * DAY);
        let contact_gap = r.range(HOUR, 20 * DAY);
        let storage_total = 120_000 + r.below(900_000) as u32;
        let free_pct = 10 + r.below(80) as u32;
        let mac = r.next_u64() & 0xFFFF_FFFF_FFFF;
        let ip = r.next_u64() as u32;
        let hash_seed = r.next_u64();
        let v = life.v.unwrap_or(v);
        let (entra_device, entra_object, entra2_device, entra2_object, intune_id, intune2_id) =
            if life.incarnation == 0 {
                (
                    entra_device,
                    entra_object,
                    entra2_device,
                    entra2_object,
                    intune_id,
                    intune2_id,
                )
            } else {
                let mut n = Rng::for_device(
                    seed ^ mix(0x1AC0_0000 ^ u64::from(life.incarnation)),
                    idx as u64,
                );
                (n.guid(), n.guid(), n.guid(), n.guid(), n.guid(), n.guid())
            };
        let autopilot_id = if life.incarnation == 0 {
            autopilot_id
        } else {
            Rng::for_device(
                seed ^ mix(0xA070_0000 ^ u64::from(life.incarnation)),
                idx as u64,
            )
            .guid()
        };
        // Identity when `fresh_max` is 60 days (every offset is below it).
        let fresh =
            |offset: i64| 10 * MINUTE + (offset - 10 * MINUTE) % (life.fresh_max - 10 * MINUTE);

        let has_intune = sc.has_intune_windows();
        let has_cm = sc.has_cm_client(v);
        let has_entra = sc.has_entra(v);
        let no_activity = sc.no_activity(v);

        let stale = !anchor && !no_activity && stale_roll < origin.stale_permille();
        // `history`: the last activity as of `base`, from which enrollment and older
        // records are dated (the same as `last_seen` in `write_sample`).
        let (last_seen, history) = if anchor {
            (life.as_of, life.base)
        } else if stale {
            (life.base - offset_stale, life.base - offset_stale)
        } else {
            (
                life.as_of - fresh(offset_fresh),
                life.base - fresh(offset_fresh),
            )
        };
        let stale2 = stale2_roll < 500;
        let t_second_signin = if stale2 {
            life.base - offset2_stale
        } else {
            life.as_of - fresh(offset2_fresh)
        };

        let mut t_enrolled = history - enroll_age;
        let mut t_old_last = history - old_gap;
        let mut t_old_enrolled = t_old_last - old_age;
        let mut t_old_registered = t_old_enrolled - reg_gap;
        let mut t_registered = t_enrolled - reg_gap;
        match sc {
            S::ReenrolledDuplicate => {
                // Autopilot reset: a new Intune record, the same Entra object.
                t_enrolled = t_old_last + reenroll_gap;
                t_registered = t_old_enrolled - reg_gap;
            }
            S::ReimagedNewObject | S::ReenrolledNewObject => {
                // Re-imaged and joined again: a new Entra object after the old one went quiet.
                t_old_last = life.base - old_obj_offset;
                t_old_enrolled = t_old_last - old_age;
                t_old_registered = t_old_enrolled - reg_gap;
                t_registered = t_old_last + reenroll_gap;
                t_enrolled = t_registered + reg_gap;
            }
            S::DualState => {
                t_old_registered = t_registered - old_age;
            }
            _ => {}
        }
        let t_import = life.imported_at.unwrap_or(t_enrolled - import_gap);
        if let Some(t) = life.enrolled_at {
            t_enrolled = t;
        }
        if let Some(t) = life.registered_at {
            t_registered = t;
        } else if origin == S::AutopilotNotDeployed && sc != origin {
            // Deployed: the Entra object is the one Autopilot's import created.
            t_registered = t_import;
        }
        // Activity is never earlier than a registration or enrollment of the snapshots.
        let floor = life
            .enrolled_at
            .max(life.registered_at)
            .map(|t| (t + HOUR).min(last_seen));
        let t_cm = if has_intune {
            last_seen - off_cm
        } else {
            last_seen
        };
        let t_cm = floor.map_or(t_cm, |f| t_cm.max(f));
        let t_signin = if has_intune || has_cm {
            last_seen - off_signin
        } else {
            last_seen
        };
        let t_signin = floor.map_or(t_signin, |f| t_signin.max(f));
        let t_ap_contact = if sc == S::AutopilotNotDeployed {
            (t_import + contact_gap).min(life.as_of - HOUR)
        } else {
            t_enrolled
        };

        let intune_mdm = sc.intune_mdm();
        let noncompliant = !anchor && intune_mdm && nc_roll < 60;
        let dup_intune_row = !anchor && has_intune && dup_i_roll < 10;
        let dup_entra_row = has_entra && sc.in_scope() && dup_e_roll < 5;
        let obsolete_cm_row = has_cm && sc.in_scope() && obs_roll < 30;
        let blank_signin = has_intune && has_entra && blank_roll < 30;
        let disabled = sc == S::DisabledStillEnrolled
            || (stale && has_entra && sc.in_scope() && disabled_roll < 300);

        let hw: &'static Hw = match origin {
            S::WhiteboxCloud | S::WhiteboxConfigMgr => &WHITEBOX[wb_pick],
            S::CloudCoManagedSerial if hw_roll < 300 => &VMWARE,
            S::AutopilotNotDeployed if hw_roll < 50 => &VMWARE,
            S::AutopilotCloud
            | S::AutopilotPersonal
            | S::AutopilotHybrid
            | S::ReenrolledDuplicate
            | S::DisabledStillEnrolled
            | S::AutopilotNotDeployed => &HW[hw_pick],
            _ if hw_roll < 30 => &VMWARE,
            _ => &HW[hw_pick],
        };
        let build: &'static Build = match origin {
            S::Win7ConfigMgr => &BUILD_WIN7,
            S::WindowsServer => &BUILD_SERVER,
            S::BulkEnrolled if v2 < 150 => &BUILD_1709,
            _ => &BUILDS[build_pick],
        };
        let group_tag = match origin {
            S::AutopilotPersonal => PERSONAL_GROUP_TAGS[ptag_pick],
            S::AutopilotHybrid => {
                if tag_pick % 2 == 0 {
                    "HYBRID"
                } else {
                    ""
                }
            }
            _ => GROUP_TAGS[tag_pick],
        };
        let workloads = match sc {
            S::HybridComgmtScheduled | S::HybridComgmtFailed => {
                if wl_pick % 2 == 0 {
                    8193
                } else {
                    1
                }
            }
            _ => WORKLOADS[wl_pick],
        };

        Device {
            idx,
            sc,
            v,
            v2,
            stale,
            stale2,
            last_seen,
            noncompliant,
            dup_intune_row,
            dup_entra_row,
            obsolete_cm_row,
            blank_signin,
            disabled,
            hw,
            build,
            sku: SKUS[sku_pick],
            user: User {
                n: user_n,
                guid: (u128::from(mix(seed ^ u64::from(user_n))) << 64)
                    | u128::from(mix(!seed ^ u64::from(user_n))),
            },
            group_tag,
            workloads,
            status_code: FAILED_STATUS[status_pick],
            placeholder_serial: PLACEHOLDER_SERIALS[ph_pick],
            odd_name: if odd_roll < 60 { 1 + odd_roll % 3 } else { 0 },
            alt_casing: casing_roll < 300,
            pending_literal: pending_roll < 500,
            entra_device,
            entra_object,
            entra2_device,
            entra2_object,
            intune_id,
            intune2_id,
            autopilot_id,
            smbios,
            vm_uuid: (u128::from(
                (0x42_u64 << 56) | (bijection(idx as u64, 48, mix(seed ^ 3)) << 8) | vm_byte,
            ) << 64)
                | u128::from(vm_low),
            resource_id: 16_777_216 + 2 * idx as u32,
            hwid: 6_000_000_000_000_000 + bijection(idx as u64, 48, mix(seed ^ 4)),
            gid: 6_000_000_000_000_000 + bijection(idx as u64, 48, mix(seed ^ 5)),
            name_code: bijection(idx as u64, 35, mix(seed ^ 1)),
            serial_code: bijection(idx as u64, 40, mix(seed ^ 2)),
            surface_code: bijection(idx as u64, 36, mix(seed ^ 6)),
            t_enrolled,
            t_registered,
            t_signin,
            t_cm,
            t_import,
            t_ap_contact,
            t_old_last,
            t_old_enrolled,
            t_old_registered,
            t_second_signin,
            t_dup_copy: last_seen - dup_gap,
            storage_total,
            storage_free: storage_total / 100 * free_pct,
            mac,
            ip,
            hash_seed,
        }
    }

    /// The device name every source shows (Entra placeholders show the serial instead).
    pub(crate) fn name(&self) -> String {
        let code = base36(self.name_code, 7);
        match self.sc {
            S::ByodRegistered | S::ByodRegisteredUnmanaged if self.odd_name > 0 => {
                let first = FIRST[self.user.n as usize % FIRST.len()].1;
                match self.odd_name {
                    1 => format!("{first}'s Surface, \"home\" {code}"),
                    2 => format!("=HYPERLINK(\"http://x\";\"{code}\")"),
                    _ => format!("+{code} {first}"),
                }
            }
            S::ByodRegistered
            | S::ByodRegisteredUnmanaged
            | S::CorporateRegistered
            | S::MdmOnly => format!("DESKTOP-{code}"),
            S::DemEnrolled if self.v >= 700 => format!("DESKTOP-{code}"),
            S::HybridCoManaged
            | S::HybridConfigMgrOnly
            | S::HybridComgmtScheduled
            | S::HybridComgmtFailed
            | S::HybridPending
            | S::HybridUnmanaged
            | S::HybridGpoPersonal
            | S::AutopilotHybrid
            | S::TenantAttached
            | S::MdeOnly
            | S::ConfigMgrOnly
            | S::Win7ConfigMgr
            | S::DiscoveredNoClient
            | S::DualState => format!("CORP-{code}"),
            S::DeletedEntraObject if self.v >= 500 => format!("CORP-{code}"),
            S::BulkEnrolled | S::BulkPersonal => format!("KSK-{code}"),
            S::WhiteboxCloud | S::WhiteboxConfigMgr => format!("WS-{code}"),
            S::MobileIos => format!("iPhone-{code}"),
            S::MobileAndroid => format!("SM-S911B-{code}"),
            S::MacOs => format!("MacBook-{code}"),
            S::WindowsServer => format!("SRV-{code}"),
            _ => format!("CTS-{code}"),
        }
    }

    /// The serial as Intune and the Autopilot service show it.
    pub(crate) fn serial(&self) -> String {
        match self.hw.style {
            SerialStyle::Lenovo => format!("PF{}", base36(self.serial_code, 8)),
            SerialStyle::Hp => format!("5CG{}", base36(self.serial_code, 8)),
            SerialStyle::Dell => base36(self.serial_code, 8),
            SerialStyle::Surface => format!("0{:011}", self.surface_code),
            SerialStyle::VMware => {
                let h = format!("{:032x}", self.vm_uuid);
                format!("VMware-{}-{}", &h[..16], &h[16..])
            }
            SerialStyle::Placeholder => self.placeholder_serial.to_string(),
        }
    }

    /// The serial as Win32_BIOS reports it (ConfigMgr inventory, the hardware hash CSV):
    /// VMware serials come with spaces between the bytes.
    pub(crate) fn serial_bios(&self) -> String {
        if self.hw.style == SerialStyle::VMware {
            let h = format!("{:032x}", self.vm_uuid);
            let bytes = |s: &str| {
                s.as_bytes()
                    .chunks(2)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            format!("VMware-{}-{}", bytes(&h[..16]), bytes(&h[16..]))
        } else {
            self.serial()
        }
    }

    /// The Autopilot device key of model.md: serial upper-cased, white space removed.
    pub(crate) fn serial_key(&self) -> String {
        self.serial_bios()
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    }

    fn signin(&self) -> Option<i64> {
        if self.blank_signin {
            None
        } else {
            Some(self.t_signin)
        }
    }

    fn compliance(&self) -> Compliance {
        if self.noncompliant {
            Compliance::Noncompliant
        } else {
            Compliance::Compliant
        }
    }

    fn intune(
        &self,
        managed_by: ManagedBy,
        ownership: Own,
        join: JoinKind,
        enrollment: Option<EnrollType>,
    ) -> IntuneRec {
        let mdm = matches!(managed_by, ManagedBy::Intune | ManagedBy::CoManaged);
        IntuneRec {
            id: self.intune_id,
            name: self.name(),
            enrolled: self.t_enrolled,
            last: self.last_seen,
            entra_id: self.entra_device,
            platform: Platform::Windows,
            os_version: self.build.full.to_string(),
            serial: self.serial(),
            mfr: self.hw.mfr,
            model: self.hw.model,
            bios: self.hw.bios,
            user: Some(self.user),
            compliance: if mdm {
                self.compliance()
            } else if managed_by == ManagedBy::ConfigMgr {
                Compliance::ConfigManager
            } else {
                Compliance::Compliant
            },
            managed_by,
            ownership,
            join,
            enrollment,
            autopilot_enrolled: false,
            entra_managed: mdm,
            sku: self.sku,
            encrypted: self.hash_seed % 5 != 0,
            storage_total: self.storage_total,
            storage_free: self.storage_free,
            mac: self.mac,
            ip: self.ip,
            enrollment_profile: "",
        }
    }

    fn entra(&self, trust: Trust, ownership: Option<Own>, mdm: Mdm) -> EntraRec {
        let managed = mdm != Mdm::None;
        EntraRec {
            object_id: self.entra_object,
            device_id: self.entra_device,
            name: self.name(),
            enabled: !self.disabled,
            os: "Windows",
            os_version: self.build.full.to_string(),
            trust,
            registered: Some(self.t_registered),
            signin: self.signin(),
            is_managed: Some(managed),
            is_compliant: if managed {
                Some(!self.noncompliant)
            } else {
                None
            },
            mdm,
            ownership,
            profile: "RegisteredDevice",
            ztdid: None,
            hwid: Some(self.hwid),
            gid: self.gid,
            order_id: None,
            owner: if trust == Trust::ServerAd {
                None
            } else {
                Some(self.user)
            },
            mfr: self.hw.mfr,
            model: self.hw.model,
            labels: "",
            synced: trust == Trust::ServerAd,
            pending_literal: self.pending_literal,
            alt_casing: self.alt_casing,
        }
    }

    /// An Entra object for Autopilot's import, never signed in to (`[ZTDID]`, no MDM).
    fn placeholder(&self, device_id: u128, object_id: u128) -> EntraRec {
        let mut e = self.entra(Trust::AzureAd, None, Mdm::None);
        e.device_id = device_id;
        e.object_id = object_id;
        e.name = self.serial();
        e.enabled = true;
        e.registered = Some(self.t_import);
        e.signin = None;
        e.is_managed = Some(false);
        e.is_compliant = Some(false);
        e.ztdid = Some(self.autopilot_id);
        e.order_id = Some(self.group_tag).filter(|t| !t.is_empty());
        e.owner = None;
        e
    }

    fn cm(&self, aad: Option<u128>, co: Option<CoMgmt>) -> CmRec {
        CmRec {
            resource_id: self.resource_id,
            name: self.name(),
            client: Some(true),
            active: Some(true),
            obsolete: false,
            os_name: if self.sc == S::WindowsServer {
                "Microsoft Windows NT Server 10.0"
            } else if self.sc == S::Win7ConfigMgr {
                "Microsoft Windows NT Workstation 6.1"
            } else {
                "Microsoft Windows NT Workstation 10.0"
            },
            build: self.build.short,
            aad,
            smbios: self.smbios,
            serial: Some(self.serial_bios()),
            last_active: Some(self.t_cm),
            co,
        }
    }

    fn discovered(&self) -> CmRec {
        let mut c = self.cm(None, None);
        c.client = if self.v2 % 2 == 0 { Some(false) } else { None };
        c.active = None;
        c.serial = None;
        c.last_active = None;
        c
    }

    fn autopilot(&self, state: ApState, managed: u128, entra: u128) -> ApRec {
        ApRec {
            id: self.autopilot_id,
            serial: self.serial_bios(),
            mfr: self.hw.mfr,
            model: self.hw.model,
            group_tag: self.group_tag,
            purchase_order: if self.v2 % 3 == 0 {
                Some(format!("PO-{}", 4_500_000 + self.idx % 100_000))
            } else {
                None
            },
            user: if self.v2 % 4 == 0 {
                Some(self.user)
            } else {
                None
            },
            state,
            profile: if self.sc == S::AutopilotHybrid {
                "Hybrid Autopilot User-Driven"
            } else if self.group_tag == "KIOSK" {
                "Kiosk Self-Deploying"
            } else {
                "Autopilot User-Driven"
            },
            assigned: self.t_import + HOUR,
            last_contact: match state {
                ApState::NotContacted => None,
                _ => Some(self.t_ap_contact),
            },
            entra_id: entra,
            managed_id: managed,
            hash_seed: self.hash_seed,
        }
    }

    /// Every source record this machine leaves, as the consoles hold them (duplicated
    /// rows and obsolete ConfigMgr rows included).
    pub(crate) fn records(&self) -> Records {
        use ManagedBy as M;
        use Own::{Corporate, Personal};
        let mut rec = Records::default();
        let company = Some(Corporate);
        let personal = Some(Personal);
        let mut ap_linked = false;
        match self.sc {
            S::AutopilotCloud
            | S::AutopilotPersonal
            | S::DisabledStillEnrolled
            | S::ReenrolledDuplicate => {
                let own = if self.sc == S::AutopilotPersonal {
                    Personal
                } else {
                    Corporate
                };
                let mut e = self.entra(Trust::AzureAd, Some(own), Mdm::Intune);
                e.ztdid = Some(self.autopilot_id);
                e.order_id = Some(self.group_tag).filter(|t| !t.is_empty());
                rec.entra.push(e);
                let mut i = self.intune(
                    M::Intune,
                    own,
                    JoinKind::Entra,
                    Some(EnrollType::WindowsAzureADJoin),
                );
                i.autopilot_enrolled = true;
                i.enrollment_profile = "Autopilot User-Driven";
                rec.intune.push(i);
                if self.sc == S::ReenrolledDuplicate {
                    let mut old = self.intune(
                        M::Intune,
                        own,
                        JoinKind::Entra,
                        Some(EnrollType::WindowsAzureADJoin),
                    );
                    old.id = self.intune2_id;
                    old.enrolled = self.t_old_enrolled;
                    old.last = self.t_old_last;
                    old.autopilot_enrolled = true;
                    old.enrollment_profile = "Autopilot User-Driven";
                    old.compliance = if self.v2 < 500 {
                        Compliance::Noncompliant
                    } else {
                        Compliance::Compliant
                    };
                    rec.intune.push(old);
                }
                rec.ap
                    .push(self.autopilot(ApState::Enrolled, self.intune_id, self.entra_device));
                ap_linked = true;
            }
            S::EntraJoinedManual | S::WhiteboxCloud => {
                rec.entra
                    .push(self.entra(Trust::AzureAd, company, Mdm::Intune));
                let et = if self.v < 800 {
                    EnrollType::WindowsAzureADJoin
                } else {
                    EnrollType::WindowsAzureADJoinUsingDeviceAuth
                };
                rec.intune
                    .push(self.intune(M::Intune, Corporate, JoinKind::Entra, Some(et)));
            }
            S::HybridCoManaged => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::Intune));
                let et = if self.v < 700 {
                    EnrollType::WindowsCoManagement
                } else {
                    EnrollType::WindowsAutoEnrollment
                };
                rec.intune
                    .push(self.intune(M::CoManaged, Corporate, JoinKind::Hybrid, Some(et)));
                rec.cm.push(self.cm(
                    Some(self.entra_device),
                    Some(CoMgmt::new(
                        true,
                        true,
                        true,
                        true,
                        Some(self.workloads),
                        Some(0),
                    )),
                ));
            }
            S::HybridConfigMgrOnly | S::HybridComgmtScheduled | S::HybridComgmtFailed => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::None));
                let co = match self.sc {
                    S::HybridConfigMgrOnly if self.v < 500 => None,
                    S::HybridConfigMgrOnly => {
                        Some(CoMgmt::new(false, false, true, true, None, None))
                    }
                    S::HybridComgmtScheduled => Some(CoMgmt::new(
                        false,
                        true,
                        true,
                        true,
                        Some(self.workloads),
                        if self.v < 500 { Some(0) } else { None },
                    )),
                    _ => Some(CoMgmt::new(
                        false,
                        true,
                        true,
                        true,
                        Some(self.workloads),
                        Some(self.status_code),
                    )),
                };
                rec.cm.push(self.cm(Some(self.entra_device), co));
            }
            S::HybridPending => {
                let mut e = self.entra(Trust::ServerAd, None, Mdm::None);
                e.registered = None;
                e.signin = None;
                e.is_managed = None;
                e.hwid = None;
                rec.entra.push(e);
                if self.v < 700 {
                    // The client does not report the Entra id yet: linked by name only.
                    rec.cm.push(self.cm(None, None));
                }
            }
            S::HybridUnmanaged => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::None));
                rec.cm.push(self.discovered());
            }
            S::HybridGpoPersonal => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, personal, Mdm::Intune));
                rec.intune.push(self.intune(
                    M::Intune,
                    Personal,
                    JoinKind::Hybrid,
                    Some(EnrollType::WindowsAutoEnrollment),
                ));
            }
            S::ByodRegistered => {
                rec.entra
                    .push(self.entra(Trust::Workplace, personal, Mdm::Intune));
                let et = if self.v < 500 {
                    EnrollType::UserEnrollment
                } else {
                    EnrollType::WindowsAutoEnrollment
                };
                rec.intune
                    .push(self.intune(M::Intune, Personal, JoinKind::Registered, Some(et)));
            }
            S::ByodRegisteredUnmanaged => {
                rec.entra
                    .push(self.entra(Trust::Workplace, personal, Mdm::None));
            }
            S::CorporateRegistered => {
                // Entra still says Personal: the admin changed ownership in Intune only.
                rec.entra
                    .push(self.entra(Trust::Workplace, personal, Mdm::Intune));
                rec.intune.push(self.intune(
                    M::Intune,
                    Corporate,
                    JoinKind::Registered,
                    Some(EnrollType::WindowsAutoEnrollment),
                ));
            }
            S::MdmOnly => {
                let own = if self.v < 500 { Corporate } else { Personal };
                let mut i = self.intune(M::Intune, own, JoinKind::None, None);
                i.entra_id = 0;
                i.entra_managed = false;
                rec.intune.push(i);
            }
            S::OtherMdm => {
                let mut e = self.entra(Trust::AzureAd, company, Mdm::Other);
                e.is_compliant = Some(self.v2 >= 150);
                rec.entra.push(e);
            }
            S::BulkEnrolled | S::BulkPersonal => {
                let (own, e_own) = if self.sc == S::BulkPersonal {
                    (Personal, personal)
                } else {
                    (Corporate, company)
                };
                rec.entra
                    .push(self.entra(Trust::AzureAd, e_own, Mdm::Intune));
                let et = if self.sc == S::BulkPersonal || self.v < 600 {
                    EnrollType::WindowsBulkUserless
                } else {
                    EnrollType::WindowsBulkAzureDomainJoin
                };
                let mut i = self.intune(M::Intune, own, JoinKind::Entra, Some(et));
                if et == EnrollType::WindowsBulkUserless {
                    i.user = None;
                }
                rec.intune.push(i);
            }
            S::DemEnrolled => {
                let (trust, join) = if self.v < 700 {
                    (Trust::AzureAd, JoinKind::Entra)
                } else {
                    (Trust::Workplace, JoinKind::Registered)
                };
                rec.entra.push(self.entra(trust, company, Mdm::Intune));
                rec.intune.push(self.intune(
                    M::Intune,
                    Corporate,
                    join,
                    Some(EnrollType::DeviceEnrollmentManager),
                ));
            }
            S::AutopilotNotDeployed => {
                rec.entra
                    .push(self.placeholder(self.entra_device, self.entra_object));
                let state = if self.v < 800 {
                    ApState::NotContacted
                } else {
                    ApState::Failed
                };
                rec.ap.push(self.autopilot(state, 0, self.entra_device));
            }
            S::AutopilotHybrid => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::Intune));
                rec.entra
                    .push(self.placeholder(self.entra2_device, self.entra2_object));
                let mut i = self.intune(
                    M::Intune,
                    Corporate,
                    JoinKind::Hybrid,
                    Some(EnrollType::WindowsAzureADJoin),
                );
                i.autopilot_enrolled = true;
                i.enrollment_profile = "Hybrid Autopilot User-Driven";
                rec.intune.push(i);
                rec.ap
                    .push(self.autopilot(ApState::Enrolled, self.intune_id, self.entra2_device));
                ap_linked = true;
            }
            S::TenantAttached => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::None));
                rec.intune
                    .push(self.intune(M::ConfigMgr, Corporate, JoinKind::Hybrid, None));
                rec.cm.push(self.cm(
                    Some(self.entra_device),
                    Some(CoMgmt::new(false, false, true, true, None, Some(0))),
                ));
            }
            S::MdeOnly => {
                let mut e = self.entra(Trust::ServerAd, company, Mdm::None);
                e.labels = "MDEManaged";
                rec.entra.push(e);
                let mut i = self.intune(M::Mde, Own::Unknown, JoinKind::Hybrid, None);
                i.user = None;
                rec.intune.push(i);
            }
            S::CloudCoManagedSerial => {
                rec.entra
                    .push(self.entra(Trust::AzureAd, company, Mdm::Intune));
                rec.intune.push(self.intune(
                    M::CoManaged,
                    Corporate,
                    JoinKind::Entra,
                    Some(EnrollType::WindowsAzureADJoin),
                ));
                // No AADDeviceID: linked to the Intune record by serial only.
                rec.cm.push(self.cm(
                    None,
                    Some(CoMgmt::new(
                        true,
                        true,
                        false,
                        true,
                        Some(self.workloads),
                        Some(0),
                    )),
                ));
            }
            S::ConfigMgrOnly | S::WhiteboxConfigMgr => {
                let co = if self.v < 300 {
                    Some(CoMgmt::new(false, false, false, false, None, None))
                } else {
                    None
                };
                rec.cm.push(self.cm(None, co));
            }
            S::Win7ConfigMgr => rec.cm.push(self.cm(None, None)),
            S::DiscoveredNoClient => rec.cm.push(self.discovered()),
            S::ReimagedNewObject | S::ReenrolledNewObject => {
                rec.entra
                    .push(self.entra(Trust::AzureAd, company, Mdm::Intune));
                let mut old = self.entra(Trust::AzureAd, company, Mdm::Intune);
                old.device_id = self.entra2_device;
                old.object_id = self.entra2_object;
                old.enabled = true;
                old.registered = Some(self.t_old_registered);
                old.signin = Some(self.t_old_last);
                old.is_compliant = Some(true);
                rec.entra.push(old);
                rec.intune.push(self.intune(
                    M::Intune,
                    Corporate,
                    JoinKind::Entra,
                    Some(EnrollType::WindowsAzureADJoin),
                ));
                if self.sc == S::ReenrolledNewObject {
                    let mut i = self.intune(
                        M::Intune,
                        Corporate,
                        JoinKind::Entra,
                        Some(EnrollType::WindowsAzureADJoin),
                    );
                    i.id = self.intune2_id;
                    i.entra_id = self.entra2_device;
                    i.enrolled = self.t_old_enrolled;
                    i.last = self.t_old_last;
                    i.compliance = Compliance::Compliant;
                    rec.intune.push(i);
                }
            }
            S::DualState => {
                rec.entra
                    .push(self.entra(Trust::ServerAd, company, Mdm::None));
                let mut w = self.entra(Trust::Workplace, personal, Mdm::None);
                w.device_id = self.entra2_device;
                w.object_id = self.entra2_object;
                w.enabled = true;
                w.registered = Some(self.t_old_registered);
                w.signin = Some(self.t_second_signin);
                rec.entra.push(w);
                rec.cm.push(self.cm(Some(self.entra_device), None));
            }
            S::DeletedEntraObject => {
                if self.v < 500 {
                    rec.intune.push(self.intune(
                        M::Intune,
                        Corporate,
                        JoinKind::Entra,
                        Some(EnrollType::WindowsAzureADJoin),
                    ));
                } else {
                    rec.intune.push(self.intune(
                        M::CoManaged,
                        Corporate,
                        JoinKind::Hybrid,
                        Some(EnrollType::WindowsCoManagement),
                    ));
                    rec.cm.push(self.cm(
                        Some(self.entra_device),
                        Some(CoMgmt::new(
                            true,
                            true,
                            true,
                            true,
                            Some(self.workloads),
                            Some(0),
                        )),
                    ));
                }
            }
            S::MobileIos | S::MobileAndroid | S::MacOs => {
                let own = if self.v < 600 { Personal } else { Corporate };
                let (platform, et, os_version, e_os, mfr, model) = match self.sc {
                    S::MobileIos => (
                        Platform::Ios,
                        EnrollType::AppleUserEnrollment,
                        "17.6.1",
                        "iOS",
                        "Apple",
                        "iPhone 15",
                    ),
                    S::MobileAndroid => (
                        Platform::Android,
                        EnrollType::AndroidEnterpriseCorporateWorkProfile,
                        "14",
                        "Android",
                        "samsung",
                        "SM-S911B",
                    ),
                    _ => (
                        Platform::MacOs,
                        EnrollType::UserEnrollment,
                        "14.6.1",
                        "MacMDM",
                        "Apple",
                        "MacBookPro18,3",
                    ),
                };
                let mut i = self.intune(M::Intune, own, JoinKind::Registered, Some(et));
                i.platform = platform;
                i.os_version = os_version.to_string();
                i.mfr = mfr;
                i.model = model;
                i.bios = "";
                i.serial = format!("F{}", base36(self.serial_code, 10));
                i.sku = "";
                rec.intune.push(i);
                let e_own = if own == Personal { personal } else { company };
                let mut e = self.entra(Trust::Workplace, e_own, Mdm::Intune);
                e.os = e_os;
                e.os_version = os_version.to_string();
                e.mfr = mfr;
                e.model = model;
                e.hwid = None;
                rec.entra.push(e);
            }
            S::WindowsServer => {
                if self.v < 500 {
                    let mut e = self.entra(Trust::ServerAd, company, Mdm::None);
                    e.os = "Windows Server";
                    rec.entra.push(e);
                    rec.cm.push(self.cm(Some(self.entra_device), None));
                } else {
                    rec.cm.push(self.cm(None, None));
                }
            }
        }
        rec.ap_linked = ap_linked;
        if self.obsolete_cm_row {
            if let Some(live) = rec.cm.first() {
                let mut old = live.clone();
                old.resource_id = self.resource_id + 1;
                old.obsolete = true;
                old.active = Some(false);
                old.aad = None;
                old.co = None;
                old.smbios = self.smbios ^ 0xFFFF;
                old.last_active = Some(self.t_registered - 30 * DAY);
                rec.cm.push(old);
            }
        }
        rec
    }
}

// ----------------------------------------------------------------------------------------
// Source records

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ManagedBy {
    Intune,
    CoManaged,
    ConfigMgr,
    Mde,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Own {
    Corporate,
    Personal,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JoinKind {
    None,
    Entra,
    Hybrid,
    Registered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnrollType {
    UserEnrollment,
    DeviceEnrollmentManager,
    WindowsAzureADJoin,
    WindowsBulkUserless,
    WindowsAutoEnrollment,
    WindowsBulkAzureDomainJoin,
    WindowsCoManagement,
    WindowsAzureADJoinUsingDeviceAuth,
    AppleUserEnrollment,
    AndroidEnterpriseCorporateWorkProfile,
}

impl EnrollType {
    pub(crate) fn graph_name(self) -> &'static str {
        match self {
            EnrollType::UserEnrollment => "userEnrollment",
            EnrollType::DeviceEnrollmentManager => "deviceEnrollmentManager",
            EnrollType::WindowsAzureADJoin => "windowsAzureADJoin",
            EnrollType::WindowsBulkUserless => "windowsBulkUserless",
            EnrollType::WindowsAutoEnrollment => "windowsAutoEnrollment",
            EnrollType::WindowsBulkAzureDomainJoin => "windowsBulkAzureDomainJoin",
            EnrollType::WindowsCoManagement => "windowsCoManagement",
            EnrollType::WindowsAzureADJoinUsingDeviceAuth => "windowsAzureADJoinUsingDeviceAuth",
            EnrollType::AppleUserEnrollment => "appleUserEnrollment",
            EnrollType::AndroidEnterpriseCorporateWorkProfile => {
                "androidEnterpriseCorporateWorkProfile"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compliance {
    Compliant,
    Noncompliant,
    ConfigManager,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Platform {
    Windows,
    Ios,
    Android,
    MacOs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    AzureAd,
    ServerAd,
    Workplace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mdm {
    None,
    Intune,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApState {
    Enrolled,
    NotContacted,
    Failed,
}

#[derive(Clone, Debug)]
pub(crate) struct IntuneRec {
    pub id: u128,
    pub name: String,
    pub enrolled: i64,
    pub last: i64,
    /// Entra device id; 0 = none (the zero GUID).
    pub entra_id: u128,
    pub platform: Platform,
    pub os_version: String,
    pub serial: String,
    pub mfr: &'static str,
    pub model: &'static str,
    pub bios: &'static str,
    pub user: Option<User>,
    pub compliance: Compliance,
    pub managed_by: ManagedBy,
    pub ownership: Own,
    pub join: JoinKind,
    pub enrollment: Option<EnrollType>,
    pub autopilot_enrolled: bool,
    /// Intune stamped `isManaged` on the Entra object (`Azure AD registered` column).
    pub entra_managed: bool,
    pub sku: &'static str,
    pub encrypted: bool,
    pub storage_total: u32,
    pub storage_free: u32,
    pub mac: u64,
    pub ip: u32,
    pub enrollment_profile: &'static str,
}

#[derive(Clone, Debug)]
pub(crate) struct EntraRec {
    pub object_id: u128,
    pub device_id: u128,
    pub name: String,
    pub enabled: bool,
    pub os: &'static str,
    pub os_version: String,
    pub trust: Trust,
    /// None: a synced hybrid object whose registration is pending.
    pub registered: Option<i64>,
    pub signin: Option<i64>,
    pub is_managed: Option<bool>,
    pub is_compliant: Option<bool>,
    pub mdm: Mdm,
    pub ownership: Option<Own>,
    pub profile: &'static str,
    pub ztdid: Option<u128>,
    pub hwid: Option<u64>,
    pub gid: u64,
    pub order_id: Option<&'static str>,
    pub owner: Option<User>,
    pub mfr: &'static str,
    pub model: &'static str,
    pub labels: &'static str,
    pub synced: bool,
    /// Write `Pending` rather than an empty cell for a pending registration.
    pub pending_literal: bool,
    /// Write physical id prefixes as `[ZTDId]`/`[OrderID]`.
    pub alt_casing: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct CoMgmt {
    pub mdm_enrolled: bool,
    pub policy: bool,
    pub hybrid: bool,
    pub aad: bool,
    pub workloads: Option<u32>,
    pub status: Option<i64>,
}

impl CoMgmt {
    fn new(
        mdm_enrolled: bool,
        policy: bool,
        hybrid: bool,
        aad: bool,
        workloads: Option<u32>,
        status: Option<i64>,
    ) -> CoMgmt {
        CoMgmt {
            mdm_enrolled,
            policy,
            hybrid,
            aad,
            workloads,
            status,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CmRec {
    pub resource_id: u32,
    pub name: String,
    pub client: Option<bool>,
    pub active: Option<bool>,
    pub obsolete: bool,
    pub os_name: &'static str,
    pub build: &'static str,
    pub aad: Option<u128>,
    pub smbios: u128,
    pub serial: Option<String>,
    pub last_active: Option<i64>,
    /// The `v_ClientCoManagementState` row (None: the LEFT JOIN found none).
    pub co: Option<CoMgmt>,
}

#[derive(Clone, Debug)]
pub(crate) struct ApRec {
    pub id: u128,
    pub serial: String,
    pub mfr: &'static str,
    pub model: &'static str,
    pub group_tag: &'static str,
    pub purchase_order: Option<String>,
    pub user: Option<User>,
    pub state: ApState,
    pub profile: &'static str,
    pub assigned: i64,
    pub last_contact: Option<i64>,
    /// Graph `azureAdDeviceId` (an Autopilot placeholder's device id when not deployed).
    pub entra_id: u128,
    /// Graph `managedDeviceId`; 0 = never enrolled (the zero GUID).
    pub managed_id: u128,
    pub hash_seed: u64,
}

impl ApRec {
    /// A (shortened) hardware hash: base64 text, stable per device.
    pub(crate) fn hardware_hash(&self) -> String {
        const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut r = Rng::new(self.hash_seed);
        let mut s = String::with_capacity(128);
        s.push_str("T0FmAwEAHAAAAAoA");
        while s.len() < 124 {
            let x = r.next_u64();
            for k in 0..10 {
                s.push(char::from(B64[((x >> (k * 6)) & 63) as usize]));
            }
        }
        s.truncate(124);
        s.push_str("AA==");
        s
    }
}

/// The records of one machine, per source.
#[derive(Default, Debug)]
pub(crate) struct Records {
    pub intune: Vec<IntuneRec>,
    pub entra: Vec<EntraRec>,
    pub cm: Vec<CmRec>,
    pub ap: Vec<ApRec>,
    /// The Autopilot record belongs to an enrolled device (linked by serial in CSV forms).
    pub ap_linked: bool,
}
