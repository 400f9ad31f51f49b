//! `fleetstate sample`: a deterministic synthetic fleet in every export form, with the
//! true classification of each device (`expected.csv`) so tests can score accuracy.
//!
//! Each physical machine follows one scenario of [`SCENARIOS`]; its records and its
//! expected row are both derived from that scenario, never by classifying the written
//! files. The same [`SampleOptions`] always give byte-identical files. Only `std` and
//! `csv` are used at run time; the PRNG is SplitMix64, written out here.
//!
//! Layout of the output folder:
//!
//! | path | content |
//! | --- | --- |
//! | `intune-devices.csv` | Intune admin-center export + `EnrollmentType`, UTF-8 BOM, CRLF |
//! | `entra-devices.csv` | Entra "Download devices" CSV, current header |
//! | `configmgr-devices.csv` | the ConfigMgr site query as SSMS saves it (`NULL` literals) |
//! | `autopilot-devices.csv` | Autopilot devices blade export |
//! | `expected.csv` | the truth for the four files above |
//! | `graph/` | Graph beta `managedDevice` pages, Graph `device` pages, Autopilot NDJSON, ConfigMgr CSV, `expected.csv` |
//! | `utf16/` | Intune CSV (UTF-16LE, `;`, no `EnrollmentType`), Entra CSV (UTF-16BE, tab, en-US dates), ConfigMgr `Export-Csv` (UTF-16LE, `#TYPE`), Autopilot hardware-hash CSV (UTF-16LE), `expected.csv` |
//!
//! `as_of` of every folder is `2026-11-20T06:55:27.6237465Z` whatever the seed: device 0
//! checks in to Intune at that instant and nothing else is later; stale devices were last
//! seen 120-540 days before it and fresh ones within 60 days, so `stale` never sits near
//! the 90-day boundary.
//!
//! [`write_snapshots`] (`sample --snapshots W`) writes W weekly snapshots of one fleet
//! migrating to the cloud, one folder per date with the four top-level exports and their
//! `expected.csv`; see `snapshots.rs`.

mod expected;
mod rng;
mod scenario;
mod snapshots;
mod time;
mod write;

pub use snapshots::{
    snapshot_truth, write_snapshots, SnapshotEvent, SnapshotInfo, SnapshotOptions, SnapshotTruth,
    MAX_WEEKS,
};

#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use expected::Form;
use write::{Encoding, EntraCsv, IntuneCsv};

/// What `fleetstate sample` generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Physical machines to generate (in-scope Windows clients and set-aside ones).
    pub devices: usize,
    pub seed: u64,
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleReport {
    /// Physical machines generated (`SampleOptions::devices`). The rows of `expected.csv`
    /// differ: set-aside machines have none, and in the CSV forms an Autopilot placeholder
    /// object shows as a device of its own.
    pub devices: usize,
    /// Every file written, in writing order.
    pub files: Vec<PathBuf>,
}

/// The most machines one sample may hold (ConfigMgr ResourceIDs stay 8 digits).
pub const MAX_DEVICES: usize = 10_000_000;

/// Scenario name (the `scenario` column of `expected.csv`) and a one-line description.
/// Rows for a second object of one machine are named `<scenario>/<role>`
/// (`entra_placeholder`, `old_object`, `workplace_object`).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "autopilot_cloud",
        "Windows Autopilot user-driven, Entra joined, Intune MDM (the target state)",
    ),
    (
        "entra_joined_manual",
        "Entra joined at OOBE or from Settings without Autopilot, Intune MDM",
    ),
    (
        "hybrid_comanaged",
        "hybrid joined, ConfigMgr client co-managed with Intune (legacy and 2111+ workload bitmasks)",
    ),
    (
        "hybrid_configmgr_only",
        "hybrid joined, ConfigMgr client only, no Intune record",
    ),
    (
        "hybrid_comgmt_scheduled",
        "hybrid ConfigMgr client with the co-management policy, MDM enrollment not attempted yet",
    ),
    (
        "hybrid_comgmt_failed",
        "hybrid ConfigMgr client whose co-management MDM enrollment failed (HRESULT, signed or unsigned)",
    ),
    (
        "hybrid_pending",
        "synced hybrid object whose registration is pending; most have a ConfigMgr client linked by name",
    ),
    (
        "hybrid_unmanaged",
        "hybrid joined object with only a discovered ConfigMgr record (no client) linked by name",
    ),
    (
        "hybrid_gpo_personal",
        "hybrid joined, enrolled by Group Policy, marked personal in Intune",
    ),
    (
        "byod_registered",
        "personal device, Entra registered, Intune MDM by user enrollment or Add work account",
    ),
    (
        "byod_registered_unmanaged",
        "personal device, Entra registered, not enrolled in any MDM",
    ),
    (
        "corporate_registered",
        "corporate-owned in Intune but only Entra registered (Entra still says Personal)",
    ),
    (
        "mdm_only",
        "enrolled in Intune only, no Entra registration (zero Entra device id)",
    ),
    (
        "other_mdm",
        "Entra joined, managed by another MDM (VMware Workspace ONE), no Intune record",
    ),
    (
        "bulk_enrolled",
        "provisioning-package bulk enrollment of corporate kiosks, some on Windows 10 1709",
    ),
    (
        "bulk_personal",
        "bulk enrolled (windowsBulkUserless) but marked personal",
    ),
    (
        "dem_enrolled",
        "enrolled with a device enrollment manager account, Entra joined or registered",
    ),
    (
        "autopilot_personal",
        "Autopilot-deployed device marked personal",
    ),
    (
        "autopilot_not_deployed",
        "imported into Autopilot, never deployed: Autopilot record and a placeholder Entra object",
    ),
    (
        "autopilot_hybrid",
        "hybrid Autopilot: hybrid object with Intune plus the Autopilot placeholder object",
    ),
    (
        "tenant_attached",
        "ConfigMgr client uploaded to Intune by tenant attach (Managed by ConfigMgr), hybrid joined",
    ),
    (
        "mde_only",
        "hybrid joined, only Defender for Endpoint security settings management (Managed by MDE)",
    ),
    (
        "cloud_comanaged_serial",
        "Entra joined and co-managed; the ConfigMgr row lacks AADDeviceID and links by serial",
    ),
    (
        "configmgr_only",
        "domain-joined ConfigMgr client that is not in Entra",
    ),
    (
        "win7_configmgr",
        "legacy Windows 7 ConfigMgr client (NT Workstation 6.1, build 6.1.7601)",
    ),
    (
        "discovered_no_client",
        "machine discovered by ConfigMgr, no client, in no other source",
    ),
    (
        "reenrolled_duplicate",
        "Autopilot reset left two Intune records pointing at one Entra device",
    ),
    (
        "reimaged_new_object",
        "re-imaged and joined again: a new Entra object; the old one (same [HWID]) is left without Intune",
    ),
    (
        "reenrolled_new_object",
        "re-imaged and joined again: the old Entra object keeps its old Intune record (same serial)",
    ),
    (
        "dual_state",
        "hybrid joined ConfigMgr client that also has an Entra registered object of the same name",
    ),
    (
        "deleted_entra_object",
        "Intune (and ConfigMgr) records name an Entra device deleted from the directory",
    ),
    (
        "disabled_still_enrolled",
        "Entra object disabled while the Intune record still checks in",
    ),
    (
        "whitebox_cloud",
        "Entra joined Intune device with a placeholder serial (To be filled by O.E.M., 0, ...)",
    ),
    (
        "whitebox_configmgr",
        "ConfigMgr-only client with a placeholder serial that must not link",
    ),
    (
        "mobile_ios",
        "iOS/iPadOS device in Intune and Entra (set aside: platform)",
    ),
    (
        "mobile_android",
        "Android device in Intune and Entra (set aside: platform)",
    ),
    ("macos", "macOS device in Intune and Entra (set aside: platform)"),
    (
        "windows_server",
        "Windows Server in ConfigMgr, some also hybrid joined in Entra (set aside: server)",
    ),
];

const TOP_INTUNE: IntuneCsv = IntuneCsv {
    encoding: Encoding::Utf8Bom,
    delimiter: b',',
    enrollment_type: true,
    entra_header: false,
    entra_values: true,
};

const UTF16_INTUNE: IntuneCsv = IntuneCsv {
    encoding: Encoding::Utf16Le,
    delimiter: b';',
    enrollment_type: false,
    entra_header: true,
    entra_values: false,
};

const TOP_ENTRA: EntraCsv = EntraCsv {
    encoding: Encoding::Utf8,
    delimiter: b',',
    entra_values: true,
    us_dates: false,
};

/// The Entra CSV of `utf16/`: the current header (the older header has no `deviceId`,
/// which would unlink nearly every record), tab-delimited UTF-16BE, en-US dates.
const UTF16_ENTRA: EntraCsv = EntraCsv {
    encoding: Encoding::Utf16Be,
    delimiter: b'\t',
    entra_values: false,
    us_dates: true,
};

/// Writes the sample fleet into `out` (created if absent; files of the same names are
/// replaced).
pub fn write_sample(opts: &SampleOptions, out: &Path) -> io::Result<SampleReport> {
    if opts.devices > MAX_DEVICES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "at most {MAX_DEVICES} devices per sample, {} asked",
                opts.devices
            ),
        ));
    }
    let fleet = scenario::Fleet::new(opts.devices, opts.seed);
    let graph = out.join("graph");
    let utf16 = out.join("utf16");
    std::fs::create_dir_all(&graph)?;
    std::fs::create_dir_all(&utf16)?;
    let mut files = Vec::new();
    let mut file = |path: PathBuf, result: io::Result<()>| -> io::Result<()> {
        result.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        files.push(path);
        Ok(())
    };

    let p = out.join("intune-devices.csv");
    file(p.clone(), write::intune_csv(&fleet, &p, &TOP_INTUNE))?;
    let p = out.join("entra-devices.csv");
    file(p.clone(), write::entra_csv(&fleet, &p, &TOP_ENTRA))?;
    let p = out.join("configmgr-devices.csv");
    file(p.clone(), write::configmgr_sql_csv(&fleet, &p))?;
    let p = out.join("autopilot-devices.csv");
    file(p.clone(), write::autopilot_blade_csv(&fleet, &p))?;
    let p = out.join("expected.csv");
    file(p.clone(), write::expected_csv(&fleet, &p, Form::Top))?;

    let p = graph.join("intune-managedDevices.json");
    file(p.clone(), write::intune_graph(&fleet, &p))?;
    let p = graph.join("entra-devices.json");
    file(p.clone(), write::entra_graph(&fleet, &p))?;
    let p = graph.join("autopilot-devices.json");
    file(p.clone(), write::autopilot_graph(&fleet, &p))?;
    let p = graph.join("configmgr-devices.csv");
    file(p.clone(), write::configmgr_sql_csv(&fleet, &p))?;
    let p = graph.join("expected.csv");
    file(p.clone(), write::expected_csv(&fleet, &p, Form::Graph))?;

    let p = utf16.join("intune-devices.csv");
    file(p.clone(), write::intune_csv(&fleet, &p, &UTF16_INTUNE))?;
    let p = utf16.join("entra-devices.csv");
    file(p.clone(), write::entra_csv(&fleet, &p, &UTF16_ENTRA))?;
    let p = utf16.join("configmgr-devices.csv");
    file(p.clone(), write::configmgr_powershell_csv(&fleet, &p))?;
    let p = utf16.join("autopilot-hwid.csv");
    file(p.clone(), write::autopilot_hash_csv(&fleet, &p))?;
    let p = utf16.join("expected.csv");
    file(p.clone(), write::expected_csv(&fleet, &p, Form::Utf16))?;

    Ok(SampleReport {
        devices: fleet.len(),
        files,
    })
}
