//! The branches of model.md: identity resolution and each classification column's
//! first-match order, on small real-shaped exports.

use crate::common::{device, run, run_files};
use fleetstate::model::Source;

const IH: &str = "Device ID,Device name,Last check-in,Enrollment date,Azure AD Device ID,Serial number,Managed by,Ownership,OS,JoinType,EnrollmentType\n";
const EH: &str = "displayName,operatingSystem,joinType (trustType),registrationTime,approximateLastSignInDateTime,deviceId,isManaged,objectId,mdmDisplayName\n";
const CH: &str = "ResourceID,Name0,Client0,Obsolete0,Operating_System_Name_and0,Build01,AADDeviceID,SerialNumber0,LastActiveTime,MDMEnrolled,ComgmtPolicyPresent,HybridAADJoined,AADJoined,MDMWorkloads,EnrollmentStatusCode\n";

fn g(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

/// An Intune CSV row.
#[allow(clippy::too_many_arguments)]
fn i(
    id: u32,
    entra: Option<u32>,
    serial: &str,
    managed_by: &str,
    owner: &str,
    join: &str,
    et: &str,
    seen: &str,
) -> String {
    format!(
        "{},PC{id},{seen},2026-01-01 00:00:00,{},{serial},{managed_by},{owner},Windows,{join},{et}\n",
        g(0x1000 + id),
        entra.map(g).unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".into())
    )
}

fn e(dev: u32, trust: &str, registered: &str, name: &str, managed: &str, mdm: &str) -> String {
    format!(
        "{name},Windows,{trust},{registered},2026-11-01T00:00:00Z,{},{managed},{},{mdm}\n",
        g(dev),
        g(0x2000 + dev)
    )
}

#[test]
fn join_type_from_entra_trust_and_fallbacks() {
    let entra = [
        EH.to_string(),
        e(1, "AzureAd", "2026-01-01", "A", "", ""),
        e(2, "ServerAd", "2026-01-01", "B", "", ""),
        e(3, "ServerAd", "Pending", "C", "", ""),
        e(4, "Workplace", "2026-01-01", "D", "", ""),
        e(5, "", "2026-01-01", "E", "", ""),
    ]
    .concat();
    let intune = [
        IH.to_string(),
        // No Entra object: the Intune JoinType decides.
        i(
            10,
            Some(10),
            "S10",
            "Intune",
            "Corporate",
            "Hybrid Azure AD joined",
            "",
            "2026-11-20 00:00:00",
        ),
        // No JoinType: the enrollment type decides (Graph v1.0 has no joinType).
        i(
            11,
            Some(11),
            "S11",
            "Intune",
            "Corporate",
            "Unknown",
            "windowsBulkAzureDomainJoin",
            "2026-11-20 00:00:00",
        ),
        // Only an Entra id: unknown.
        i(
            12,
            Some(12),
            "S12",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    let cm = [
        CH.to_string(),
        "1,H,1,0,Microsoft Windows NT Workstation 10.0,10.0.19045,,SH,2026-11-19 00:00:00,0,0,1,1,,\n".to_string(),
        "2,J,1,0,Microsoft Windows NT Workstation 10.0,10.0.19045,,SJ,2026-11-19 00:00:00,0,0,0,1,,\n".to_string(),
    ]
    .concat();
    let (_d, a) = run_files(&[
        ("entra.csv", &entra),
        ("intune.csv", &intune),
        ("cm.csv", &cm),
    ]);
    let jt = |k: &str| device(&a, k).join_type.as_str();
    assert_eq!(jt(&g(1)), "entra_joined");
    assert_eq!(jt(&g(2)), "hybrid_joined");
    assert_eq!(jt(&g(3)), "hybrid_pending");
    assert_eq!(jt(&g(4)), "registered");
    assert_eq!(
        jt(&g(5)),
        "unknown",
        "empty trust type: no Entra object for this column, but an Entra id"
    );
    assert_eq!(jt(&g(10)), "hybrid_joined");
    assert_eq!(jt(&g(11)), "entra_joined");
    assert_eq!(jt(&g(12)), "unknown");
    assert_eq!(
        jt("configmgr:1"),
        "hybrid_joined",
        "hybrid is tested before AADJoined"
    );
    assert_eq!(jt("configmgr:2"), "entra_joined");
}

#[test]
fn management_first_match() {
    let entra = [
        EH.to_string(),
        e(
            30,
            "AzureAd",
            "2026-01-01",
            "OTHER",
            "True",
            "VMware Workspace ONE",
        ),
        e(
            31,
            "AzureAd",
            "2026-01-01",
            "INTUNE-NAME",
            "True",
            "Microsoft Intune",
        ),
    ]
    .concat();
    let intune = [
        IH.to_string(),
        i(
            20,
            Some(20),
            "S20",
            "Co-managed",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            21,
            Some(21),
            "S21",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            22,
            Some(22),
            "S22",
            "ConfigMgr",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            23,
            Some(23),
            "S23",
            "MDE",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            24,
            Some(24),
            "S24",
            "MDM",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    let cm = [
        CH.to_string(),
        // ConfigMgr client + Intune MDM on one device: co-managed.
        format!("5,X,1,0,Microsoft Windows NT Workstation 10.0,10.0.19045,{},S24,2026-11-19 00:00:00,0,0,1,1,,\n", g(24)),
        // MDMEnrolled=1 and ComgmtPolicyPresent=1: co-managed, with workloads (2111+ bits).
        format!("6,Y,1,0,Microsoft Windows NT Workstation 10.0,10.0.19045,{},SY,2026-11-19 00:00:00,1,1,1,1,{},\n", g(25), 8193 | 2 | 4128 | 64),
    ]
    .concat();
    let (_d, a) = run_files(&[
        ("entra.csv", &entra),
        ("intune.csv", &intune),
        ("cm.csv", &cm),
    ]);
    let m = |k: &str| device(&a, k).management.as_str();
    assert_eq!(m(&g(20)), "co_managed");
    assert_eq!(m(&g(21)), "intune");
    assert_eq!(m(&g(22)), "configmgr");
    assert!(device(&a, &g(22)).tenant_attached);
    assert_eq!(m(&g(23)), "mde");
    assert_eq!(m(&g(24)), "co_managed");
    assert_eq!(m(&g(25)), "co_managed");
    assert_eq!(
        device(&a, &g(25))
            .workloads
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>(),
        ["compliance", "endpoint_protection", "client_apps"]
    );
    assert_eq!(m(&g(30)), "other_mdm");
    assert_eq!(
        m(&g(31)),
        "none",
        "managed by Intune per Entra, but no Intune record"
    );
}

#[test]
fn ownership_sources_and_inference() {
    let entra = [
        EH.to_string(),
        e(40, "Workplace", "2026-01-01", "BYOD", "", ""),
        e(41, "AzureAd", "2026-01-01", "J", "", ""),
    ]
    .concat();
    let intune = [
        IH.to_string(),
        i(
            42,
            Some(42),
            "S42",
            "Intune",
            "Personal",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            43,
            Some(41),
            "S43",
            "Intune",
            "Unknown",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    let (_d, a) = run_files(&[("entra.csv", &entra), ("intune.csv", &intune)]);
    let o = |k: &str| {
        let d = device(&a, k);
        (d.ownership.as_str(), d.ownership_source.as_str())
    };
    assert_eq!(o(&g(40)), ("personal", "inferred"));
    assert_eq!(
        o(&g(41)),
        ("corporate", "inferred"),
        "Intune Unknown falls through to inference"
    );
    assert_eq!(o(&g(42)), ("personal", "intune"));
}

#[test]
fn enrollment_methods() {
    let entra = [
        EH.to_string(),
        e(50, "ServerAd", "2026-01-01", "GPO", "", ""),
        e(51, "AzureAd", "2026-01-01", "AAD", "", ""),
        e(52, "Workplace", "2026-01-01", "REG", "", ""),
        e(53, "AzureAd", "2026-01-01", "AP", "", ""),
    ]
    .concat();
    let intune = [
        IH.to_string(),
        i(
            50,
            Some(50),
            "S50",
            "Intune",
            "Corporate",
            "",
            "windowsAutoEnrollment",
            "2026-11-20 00:00:00",
        ),
        i(
            51,
            Some(51),
            "S51",
            "Intune",
            "Corporate",
            "",
            "windowsAutoEnrollment",
            "2026-11-20 00:00:00",
        ),
        i(
            52,
            Some(52),
            "S52",
            "Intune",
            "Personal",
            "",
            "7",
            "2026-11-20 00:00:00",
        ),
        i(
            53,
            Some(53),
            "SAP53",
            "Intune",
            "Corporate",
            "",
            "windowsAzureADJoin",
            "2026-11-20 00:00:00",
        ),
        i(
            54,
            None,
            "S54",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            55,
            None,
            "S55",
            "Intune",
            "Personal",
            "",
            "windowsBulkUserless",
            "2026-11-20 00:00:00",
        ),
        i(
            56,
            None,
            "S56",
            "Intune",
            "Corporate",
            "",
            "deviceEnrollmentManager",
            "2026-11-20 00:00:00",
        ),
        i(
            57,
            Some(57),
            "S57",
            "Co-managed",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    let autopilot = "Device Serial Number,Windows Product ID,Hardware Hash\nSAP53,,AAAA\n";
    let (_d, a) = run_files(&[
        ("entra.csv", &entra),
        ("intune.csv", &intune),
        ("ap.csv", autopilot),
    ]);
    let em = |k: &str| device(&a, k).enrollment_method.as_str();
    assert_eq!(em(&g(50)), "gpo");
    assert_eq!(em(&g(51)), "entra_join");
    assert_eq!(
        em(&g(52)),
        "user_enrollment",
        "integer 7 on a registered device"
    );
    assert_eq!(
        em(&g(53)),
        "autopilot",
        "linked by serial to the Autopilot record"
    );
    assert_eq!(em(&format!("intune:{}", g(0x1000 + 54))), "mdm_only");
    assert_eq!(em(&format!("intune:{}", g(0x1000 + 55))), "bulk");
    assert_eq!(em(&format!("intune:{}", g(0x1000 + 56))), "dem");
    assert_eq!(
        em(&g(57)),
        "co_management",
        "co-managed without an enrollment type"
    );
}

#[test]
fn states_and_staleness() {
    let intune = [
        IH.to_string(),
        i(
            60,
            None,
            "S60",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            61,
            None,
            "S61",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-08-01 00:00:00",
        ),
    ]
    .concat();
    let cm = [CH.to_string(), "7,CMONLY,1,0,Microsoft Windows NT Workstation 6.1,6.1.7601,,SCM,2026-11-19 00:00:00,,,,,,\n".into(), "8,DISC,0,0,,,,,,,,,,,\n".into()].concat();
    let (_d, a) = run_files(&[("intune.csv", &intune), ("cm.csv", &cm)]);
    let s = |k: &str| device(&a, k).state.as_str();
    assert_eq!(s(&format!("intune:{}", g(0x1000 + 60))), "mdm_only");
    assert_eq!(s("configmgr:7"), "configmgr_only");
    assert_eq!(s("configmgr:8"), "unmanaged");
    assert!(!device(&a, &format!("intune:{}", g(0x1000 + 60))).stale);
    assert!(
        device(&a, &format!("intune:{}", g(0x1000 + 61))).stale,
        "111 days before as_of"
    );
    assert_eq!(
        a.as_of.map(fleetstate::ingest::value::format_ts).as_deref(),
        Some("2026-11-20T00:00:00Z")
    );
}

#[test]
fn primary_record_by_latest_activity_and_serial_links() {
    // Two Intune records for one Entra device (re-enrollment): the latest check-in is primary.
    let intune = [
        IH.to_string(),
        i(
            70,
            Some(70),
            "S70",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-10-01 00:00:00",
        ),
        i(
            71,
            Some(70),
            "S70",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    // A ConfigMgr row without AADDeviceID links by serial (white space and case ignored).
    let cm = [CH.to_string(), "9,PC,1,0,Microsoft Windows NT Workstation 10.0,10.0.19045,,s 70,2026-11-19 00:00:00,,,,,,\n".into()].concat();
    let (_d, a) = run_files(&[("intune.csv", &intune), ("cm.csv", &cm)]);
    assert_eq!(a.devices.len(), 1);
    let d = device(&a, &g(70));
    assert_eq!(
        d.intune_device_id.as_ref().map(ToString::to_string),
        Some(g(0x1000 + 71))
    );
    assert_eq!(d.configmgr_resource_id.as_deref(), Some("9"));
    assert_eq!(
        d.state.as_str(),
        "co_managed",
        "ConfigMgr client and Intune MDM"
    );
}

#[test]
fn autopilot_placeholder_folds_into_the_deployed_device() {
    // An imported device's placeholder object (AzureAd, [ZTDID], no sign-in, no Intune) and the
    // hybrid object of the same machine: the Autopilot record's managedDeviceId folds it.
    let ap_id = "6349bbfe-c07a-444c-a7e0-eee62553f000";
    let entra = format!(
        "{{\"value\":[{{\"id\":\"{}\",\"deviceId\":\"{}\",\"displayName\":\"PH\",\"trustType\":\"AzureAd\",\"operatingSystem\":\"Windows\",\"physicalIds\":[\"[ZTDId]:{ap_id}\"],\"approximateLastSignInDateTime\":null}},\
         {{\"id\":\"{}\",\"deviceId\":\"{}\",\"displayName\":\"HY\",\"trustType\":\"ServerAd\",\"registrationDateTime\":\"2026-01-01T00:00:00Z\",\"operatingSystem\":\"Windows\",\"physicalIds\":[],\"approximateLastSignInDateTime\":\"2026-11-01T00:00:00Z\"}},\
         {{\"id\":\"{}\",\"deviceId\":\"{}\",\"displayName\":\"LONE\",\"trustType\":\"AzureAd\",\"operatingSystem\":\"Windows\",\"physicalIds\":[\"[ZTDID]:{}\"]}}]}}",
        g(0x2080), g(80), g(0x2081), g(81), g(0x2082), g(82), g(0x3082)
    );
    let intune = [
        IH.to_string(),
        i(
            81,
            Some(81),
            "S81",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
    ]
    .concat();
    let ap = format!(
        "[{{\"id\":\"{ap_id}\",\"serialNumber\":\"S81\",\"enrollmentState\":\"enrolled\",\"azureAdDeviceId\":\"{}\",\"managedDeviceId\":\"{}\"}},\
          {{\"id\":\"{}\",\"serialNumber\":\"S82\",\"enrollmentState\":\"notContacted\",\"managedDeviceId\":\"00000000-0000-0000-0000-000000000000\"}}]",
        g(80),
        g(0x1000 + 81),
        g(0x3082)
    );
    let (_d, a) = run_files(&[
        ("entra.json", &entra),
        ("intune.csv", &intune),
        ("ap.json", &ap),
    ]);
    assert!(
        a.devices.iter().all(|d| d.device_key != g(80)),
        "the placeholder is folded, not a device"
    );
    let hy = device(&a, &g(81));
    assert_eq!(
        hy.autopilot_object_id.as_ref().map(ToString::to_string),
        Some(g(0x2080))
    );
    assert!(hy.autopilot_registered);
    assert_eq!(
        (hy.join_type.as_str(), hy.enrollment_method.as_str()),
        ("hybrid_joined", "autopilot")
    );
    // Without a link elsewhere the placeholder is its own device: imported, not deployed.
    let lone = device(&a, &g(82));
    assert_eq!(
        (lone.state.as_str(), lone.join_type.as_str()),
        ("autopilot_only", "none")
    );
}

#[test]
fn row_order_does_not_matter() {
    let rows = [
        i(
            90,
            Some(90),
            "S90",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(
            91,
            Some(90),
            "S90",
            "Intune",
            "Corporate",
            "",
            "",
            "2026-11-20 00:00:00",
        ),
        i(92, None, "S92", "Intune", "Personal", "", "", ""),
    ];
    let fwd = [
        IH.to_string(),
        rows[0].clone(),
        rows[1].clone(),
        rows[2].clone(),
    ]
    .concat();
    let rev = [
        IH.to_string(),
        rows[2].clone(),
        rows[1].clone(),
        rows[0].clone(),
    ]
    .concat();
    let (_a, a) = run_files(&[("i.csv", &fwd)]);
    let (_b, b) = run_files(&[("i.csv", &rev)]);
    assert_eq!(
        a.devices, b.devices,
        "same activity: the smallest id is primary either way"
    );
}

/// After linking, each source's records are in device order (device by device, primary
/// first, so later stages read them front to back), and the renumbering kept every
/// device's records: each record still joins the device its link says.
#[test]
fn records_are_in_device_order_after_linking() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let a = run(&[root]);
    let (fleet, devices) = (&a.resolved.fleet, &a.resolved.devices);
    let mut next = [0usize; 4];
    let mut linked = 0;
    for d in devices {
        let refs = [
            d.entra.into_iter().chain(d.placeholder).collect::<Vec<_>>(),
            d.intune.to_vec(),
            d.configmgr.to_vec(),
            d.autopilot.to_vec(),
        ];
        for (s, r) in refs.iter().enumerate() {
            for &i in r {
                assert_eq!(i, next[s], "source {s}: records follow the devices");
                next[s] += 1;
            }
        }
        // Every link names a record its device holds, in that record's source.
        for &(src, i, _) in &d.links {
            let i = i as usize;
            let held = match src {
                Source::Entra => d.entra == Some(i) || d.placeholder == Some(i),
                Source::Intune => d.intune.contains(&i),
                Source::ConfigMgr => d.configmgr.contains(&i),
                Source::Autopilot => d.autopilot.contains(&i),
            };
            assert!(held, "{}: link {src:?} {i} not among its records", d.key);
            linked += 1;
        }
    }
    assert_eq!(
        next,
        [
            fleet.entra.len(),
            fleet.intune.len(),
            fleet.configmgr.len(),
            fleet.autopilot.len()
        ]
    );
    assert!(
        linked > devices.len(),
        "sample-data links more than one record per device"
    );
    // The same devices as the records say: a device's primary Intune record carries the
    // device's Intune id.
    for (d, c) in devices.iter().zip(&a.devices) {
        if let Some(&i) = d.intune.first() {
            assert_eq!(c.intune_device_id.as_ref(), Some(&fleet.intune[i].id));
        }
    }
}
