//! Intune managed devices: admin-center CSV, raw report / IntuneDevices CSV and log, and
//! Graph `managedDevice` JSON (inputs.md section 1), normalised to [`IntuneRecord`].

use super::table::Row;
use super::value::{Guid, Id, Shared, Stamp, Text};
use crate::diag::RowReject;
use crate::intern::{Sym, SymMemo};
use crate::model::JoinType;

crate::fields!(
    ID = ["Device ID", "DeviceId", "id"],
    NAME = ["Device name", "DeviceName", "deviceName"],
    ENTRA_ID = [
        "Azure AD Device ID",
        "Microsoft Entra Device ID",
        "ReferenceId",
        "azureADDeviceId",
        "azureActiveDirectoryDeviceId"
    ],
    MANAGED_BY = ["Managed by", "ManagedBy"],
    AGENT = ["managementAgent", "ManagementAgents", "ManagementAgent"],
    OWNERSHIP = ["Ownership", "managedDeviceOwnerType", "OwnerType"],
    ENROLLMENT_TYPE = ["EnrollmentType", "deviceEnrollmentType"],
    JOIN_TYPE = ["JoinType"],
    AUTOPILOT_ENROLLED = ["autopilotEnrolled"],
    OS = ["OS", "operatingSystem"],
    OS_VERSION = ["OS version", "OSVersion"],
    SKU = ["SkuFamily"],
    SERIAL = ["Serial number", "SerialNumber"],
    UPN = ["Primary user UPN", "UPN", "userPrincipalName"],
    ENROLLED = ["Enrollment date", "CreatedDate", "enrolledDateTime"],
    LAST_SYNC = ["Last check-in", "LastContact", "lastSyncDateTime"],
    COMPLIANCE = ["Compliance", "CompliantState", "complianceState"],
    IS_MANAGED = [
        "Azure AD registered",
        "Microsoft Entra registered",
        "GraphDeviceIsManaged",
        "IsManaged"
    ],
    SNAPSHOT_TIME = ["time", "TimeGenerated"],
);

/// The Intune management agent, from `Managed by` or `managementAgent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    /// Intune MDM only (`Intune`, `MDM`, `mdm`, `easMdm`, ...).
    Mdm,
    /// ConfigMgr client and MDM (`Co-managed`, `MDM/ConfigMgr Agent`, `configurationManagerClientMdm[Eas]`).
    CoManaged,
    /// ConfigMgr client only, tenant attach (`ConfigMgr`, `configurationManagerClient`).
    ConfigMgr,
    /// Defender for Endpoint security settings management (`MDE`, `msSense`).
    Mde,
    /// The Intune classic PC agent (`intuneClient`, `easIntuneClient`).
    ClassicAgent,
    /// Exchange ActiveSync only.
    Eas,
    /// Another or unknown agent, kept as spelled.
    Other(String),
}

impl Agent {
    /// Maps a `Managed by` value or a Graph `managementAgentType` name or integer.
    pub fn parse(raw: &str) -> Option<Agent> {
        super::value::with_lower(raw, |s| Agent::parse_lower(raw, s))
    }

    fn parse_lower(raw: &str, s: &str) -> Option<Agent> {
        Some(match s {
            "intune"
            | "mdm"
            | "easmdm"
            | "mdm/eas"
            | "microsoft365managedmdm"
            | "intuneaosp"
            | "2"
            | "3"
            | "258"
            | "2048" => Agent::Mdm,
            "co-managed"
            | "comanaged"
            | "mdm/configmgr agent"
            | "configurationmanagerclientmdm"
            | "configurationmanagerclientmdmeas"
            | "10"
            | "11" => Agent::CoManaged,
            "configmgr" | "configurationmanagerclient" | "8" => Agent::ConfigMgr,
            "mde" | "mssense" | "1024" => Agent::Mde,
            "intuneclient" | "easintuneclient" | "4" | "5" => Agent::ClassicAgent,
            "eas" | "1" => Agent::Eas,
            "" | "unknown" | "16" => return None,
            _ => Agent::Other(raw.trim().to_string()),
        })
    }

    pub fn is_mdm(&self) -> bool {
        matches!(self, Agent::Mdm | Agent::CoManaged)
    }

    /// Whether this agent implies a ConfigMgr client on the device.
    pub fn has_configmgr_client(&self) -> bool {
        matches!(self, Agent::CoManaged | Agent::ConfigMgr)
    }
}

/// Graph `deviceEnrollmentType`, by name (any case) or integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentType {
    UserEnrollment,
    DeviceEnrollmentManager,
    WindowsAzureAdJoin,
    WindowsBulkUserless,
    WindowsAutoEnrollment,
    WindowsBulkAzureDomainJoin,
    WindowsCoManagement,
    WindowsAzureAdJoinUsingDeviceAuth,
    /// Any other known value (Apple, Android, VM extension, future values).
    Other,
}

impl EnrollmentType {
    /// `None` for `unknown`, empty or unrecognised values ("no enrollment type").
    pub fn parse(raw: &str) -> Option<EnrollmentType> {
        super::value::with_lower(raw, EnrollmentType::parse_lower)
    }

    fn parse_lower(s: &str) -> Option<EnrollmentType> {
        use EnrollmentType::*;
        Some(match s {
            "userenrollment" | "1" => UserEnrollment,
            "deviceenrollmentmanager" | "2" => DeviceEnrollmentManager,
            "windowsazureadjoin" | "5" => WindowsAzureAdJoin,
            "windowsbulkuserless" | "6" => WindowsBulkUserless,
            "windowsautoenrollment" | "7" => WindowsAutoEnrollment,
            "windowsbulkazuredomainjoin" | "8" => WindowsBulkAzureDomainJoin,
            "windowscomanagement" | "9" => WindowsCoManagement,
            "windowsazureadjoinusingdeviceauth" | "10" => WindowsAzureAdJoinUsingDeviceAuth,
            "applebulkwithuser"
            | "applebulkwithoutuser"
            | "appleuserenrollment"
            | "appleuserenrollmentwithserviceaccount"
            | "azureadjoinusingazurevmextension"
            | "3"
            | "4"
            | "11"
            | "12"
            | "14" => Other,
            _ => return None,
        })
    }
}

/// Parses a join type as Intune spells it (`Azure AD joined`, `Microsoft Entra hybrid
/// joined`, Graph `hybridAzureADJoined`, ...). `Unknown` and empty are absent.
pub fn parse_join_type(raw: &str) -> Option<JoinType> {
    // The spellings the exports write, matched as they are (see `Trust::parse`).
    match raw {
        "Microsoft Entra joined" | "Azure AD joined" | "azureADJoined" => {
            Some(JoinType::EntraJoined)
        }
        "Microsoft Entra hybrid joined" | "Hybrid Azure AD joined" | "hybridAzureADJoined" => {
            Some(JoinType::HybridJoined)
        }
        "Microsoft Entra registered" | "Azure AD registered" | "azureADRegistered" => {
            Some(JoinType::Registered)
        }
        _ => parse_join_type_any(raw),
    }
}

/// [`parse_join_type`] of any spelling.
fn parse_join_type_any(raw: &str) -> Option<JoinType> {
    super::value::with_lower(raw, |s| {
        if s.contains("hybrid") || s == "3" {
            Some(JoinType::HybridJoined)
        } else if s.contains("registered") || s == "2" {
            Some(JoinType::Registered)
        } else if s.contains("joined") || s == "1" {
            Some(JoinType::EntraJoined)
        } else {
            None
        }
    })
}

/// Ownership as Intune or Entra spell it; `Unknown` is absent.
pub fn parse_ownership(raw: &str) -> Option<crate::model::Ownership> {
    use crate::model::Ownership;
    super::value::with_lower(raw, |s| match s {
        "corporate" | "company" | "1" => Some(Ownership::Corporate),
        "personal" | "2" => Some(Ownership::Personal),
        _ => None,
    })
}

/// One Intune managed device record.
#[derive(Debug, Clone, Default)]
pub struct IntuneRecord {
    pub file: u16,
    pub line: u64,
    /// Intune device id (need not be a GUID; GUIDs are lower-cased).
    pub id: Id,
    pub name: Option<Text>,
    pub entra_device_id: Option<Guid>,
    pub agent: Option<Agent>,
    pub managed_by_raw: Option<Sym>,
    pub ownership: Option<crate::model::Ownership>,
    pub ownership_raw: Option<Sym>,
    pub enrollment_type: Option<EnrollmentType>,
    pub enrollment_type_raw: Option<Sym>,
    pub join_type: Option<JoinType>,
    pub autopilot_enrolled: Option<bool>,
    pub os: Option<Sym>,
    pub os_version: Option<Sym>,
    pub sku: Option<Sym>,
    pub serial: Option<Text>,
    pub upn: Option<Shared>,
    pub enrolled: Stamp,
    pub last_sync: Stamp,
    pub compliance: Option<Sym>,
    pub is_managed: Option<bool>,
    /// Diagnostic-log records only: the record's time (`time` / `TimeGenerated`).
    pub snapshot_time: Stamp,
    pub non_empty: u16,
}

/// Lower-cases an id when it is a GUID, so the same id matches across forms.
pub fn normalise_id(s: &str) -> Id {
    match super::value::parse_guid(s) {
        Ok(g) => Id::Guid(g),
        Err(_) => Id::new(s.trim()),
    }
}

thread_local! {
    static AGENTS: SymMemo<Option<Agent>> = const { SymMemo::new() };
    static OWNERSHIPS: SymMemo<Option<crate::model::Ownership>> = const { SymMemo::new() };
    static ENROLLMENT_TYPES: SymMemo<Option<EnrollmentType>> = const { SymMemo::new() };
}

pub fn build(row: &mut Row<'_>) -> Result<IntuneRecord, RowReject> {
    let Some(id) = row.str(ID).map(normalise_id) else {
        return Err(row.reject_missing(ID));
    };
    let managed_by_raw = row.sym(MANAGED_BY).or_else(|| row.sym(AGENT));
    let agent = managed_by_raw.and_then(|s| AGENTS.with(|m| m.get(s, Agent::parse)));
    if let Some(Agent::Other(v)) = &agent {
        let v = v.clone();
        let f = if row.str(MANAGED_BY).is_some() {
            MANAGED_BY
        } else {
            AGENT
        };
        row.warn(f, "unrecognised management agent, kept as", &v);
    }
    let ownership_raw = row.sym(OWNERSHIP);
    let enrollment_type_raw = row.sym(ENROLLMENT_TYPE);
    let rec = IntuneRecord {
        file: 0,
        line: row.line,
        id,
        name: row.string(NAME),
        entra_device_id: row.guid(ENTRA_ID),
        agent,
        managed_by_raw,
        ownership: ownership_raw.and_then(|s| OWNERSHIPS.with(|m| m.get(s, parse_ownership))),
        ownership_raw,
        enrollment_type: enrollment_type_raw
            .and_then(|s| ENROLLMENT_TYPES.with(|m| m.get(s, EnrollmentType::parse))),
        enrollment_type_raw,
        join_type: row.str(JOIN_TYPE).and_then(parse_join_type),
        autopilot_enrolled: row.bool(AUTOPILOT_ENROLLED),
        os: row.sym(OS),
        os_version: row.sym(OS_VERSION),
        sku: row.sym(SKU),
        serial: row
            .str(SERIAL)
            .and_then(super::value::clean_serial)
            .map(Text::from),
        upn: row.shared(UPN),
        enrolled: row.date(ENROLLED).into(),
        last_sync: row.date(LAST_SYNC).into(),
        compliance: row.sym(COMPLIANCE),
        is_managed: row.bool(IS_MANAGED),
        snapshot_time: row.date(SNAPSHOT_TIME).into(),
        non_empty: row.cells.iter().filter(|c| c.is_some()).count() as u16,
    };
    Ok(rec)
}

pub fn date_slot(rec: &mut IntuneRecord, field: usize) -> Option<&mut Stamp> {
    match field {
        ENROLLED => Some(&mut rec.enrolled),
        LAST_SYNC => Some(&mut rec.last_sync),
        SNAPSHOT_TIME => Some(&mut rec.snapshot_time),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_type_spellings_read_as_exact_matches_read_as_any_spelling() {
        for raw in [
            "Microsoft Entra joined",
            "Azure AD joined",
            "azureADJoined",
            "Microsoft Entra hybrid joined",
            "Hybrid Azure AD joined",
            "hybridAzureADJoined",
            "Microsoft Entra registered",
            "Azure AD registered",
            "azureADRegistered",
        ] {
            assert!(parse_join_type(raw).is_some(), "{raw}");
            assert_eq!(parse_join_type(raw), parse_join_type_any(raw), "{raw}");
        }
        assert_eq!(parse_join_type("3"), Some(JoinType::HybridJoined));
        assert_eq!(
            parse_join_type(" AZURE AD JOINED"),
            Some(JoinType::EntraJoined)
        );
        assert_eq!(parse_join_type("Unknown"), None);
    }
}
