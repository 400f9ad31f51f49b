//! Configuration Manager: the site-database query of `docs/configmgr-query.sql`, or the same
//! columns from the console or PowerShell (inputs.md section 3).

use super::table::Row;
use super::value::{Guid, Stamp, Text};
use crate::diag::RowReject;
use crate::intern::Sym;

crate::fields!(
    RESOURCE_ID = ["ResourceID", "ResourceID0"],
    NAME = ["Name0", "Name"],
    CLIENT = ["Client0", "Client"],
    ACTIVE = ["Active0", "Active"],
    OBSOLETE = ["Obsolete0", "Obsolete"],
    OS_NAME = ["Operating_System_Name_and0", "Operating_System_Name_and"],
    BUILD = ["Build01", "Build0", "Build"],
    AAD_DEVICE_ID = ["AADDeviceID", "AADDeviceID0"],
    SERIAL = ["SerialNumber0", "SerialNumber"],
    LAST_ACTIVE = ["LastActiveTime", "LastActiveTime0"],
    MDM_ENROLLED = ["MDMEnrolled", "MDMEnrolled0"],
    COMGMT_POLICY = ["ComgmtPolicyPresent", "ComgmtPolicyPresent0"],
    HYBRID_JOINED = ["HybridAADJoined", "HybridAADJoined0"],
    AAD_JOINED = ["AADJoined", "AADJoined0"],
    WORKLOADS = ["MDMWorkloads", "MDMWorkloads0"],
    STATUS_CODE = ["EnrollmentStatusCode", "EnrollmentStatusCode0"],
);

/// One ConfigMgr system record.
#[derive(Debug, Clone, Default)]
pub struct ConfigMgrRecord {
    pub file: u16,
    pub line: u64,
    pub resource_id: Text,
    pub name: Option<Text>,
    /// `Client0 = 1`.
    pub client: bool,
    pub obsolete: bool,
    pub os_name: Option<Sym>,
    pub build: Option<Sym>,
    pub aad_device_id: Option<Guid>,
    pub serial: Option<Text>,
    pub last_active: Stamp,
    pub mdm_enrolled: Option<bool>,
    pub comgmt_policy: Option<bool>,
    pub hybrid_joined: Option<bool>,
    pub aad_joined: Option<bool>,
    pub workloads: Option<u64>,
    /// The HRESULT's 32 bits, unsigned.
    pub status_code: Option<u32>,
    pub non_empty: u16,
}

impl ConfigMgrRecord {
    pub fn co_managed(&self) -> bool {
        self.mdm_enrolled == Some(true) && self.comgmt_policy == Some(true)
    }
}

pub fn build(row: &mut Row<'_>) -> Result<ConfigMgrRecord, RowReject> {
    let Some(resource_id) = row.string(RESOURCE_ID) else {
        return Err(row.reject_missing(RESOURCE_ID));
    };
    let status_code = row.int(STATUS_CODE).and_then(|v| {
        if (i32::MIN as i64..=u32::MAX as i64).contains(&v) {
            Some(v as u32)
        } else {
            None
        }
    });
    let workloads = row.int(WORKLOADS).map(|v| v as u64);
    Ok(ConfigMgrRecord {
        file: 0,
        line: row.line,
        resource_id,
        name: row.string(NAME),
        client: row.bool(CLIENT) == Some(true),
        obsolete: row.bool(OBSOLETE) == Some(true),
        os_name: row.sym(OS_NAME),
        build: row.sym(BUILD),
        aad_device_id: row.guid(AAD_DEVICE_ID),
        serial: row
            .str(SERIAL)
            .and_then(super::value::clean_serial)
            .map(Text::from),
        last_active: row.date(LAST_ACTIVE).into(),
        mdm_enrolled: row.bool(MDM_ENROLLED),
        comgmt_policy: row.bool(COMGMT_POLICY),
        hybrid_joined: row.bool(HYBRID_JOINED),
        aad_joined: row.bool(AAD_JOINED),
        workloads,
        status_code,
        non_empty: row.cells.iter().filter(|c| c.is_some()).count() as u16,
    })
}

pub fn date_slot(rec: &mut ConfigMgrRecord, field: usize) -> Option<&mut Stamp> {
    match field {
        LAST_ACTIVE => Some(&mut rec.last_active),
        _ => None,
    }
}

/// Known MDM enrollment HRESULTs (ConfigMgr `EnrollmentStatusCode`).
pub fn status_meaning(code: u32) -> Option<&'static str> {
    Some(match code {
        0x8018002B => "MENROLL_E_MDM_NOT_CONFIGURED: MDM enrollment not configured",
        0x80180018 => "MENROLL_E_USERLICENSE: the user has no Intune license",
        0x8018002A => "the user cancelled the enrollment",
        0x80180002 => "device authentication error",
        0x80070032 => "the operating system is not supported",
        0x8000FFFF => "MDM enrollment not configured (catastrophic failure)",
        0xCAA10001 => "the user needs to sign in",
        0x80072EE7 => "WinHTTP: the server name could not be resolved",
        _ => return None,
    })
}
