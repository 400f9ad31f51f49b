//! Windows Autopilot devices: the import/hash CSV, the devices blade CSV and Graph
//! `windowsAutopilotDeviceIdentity` JSON (inputs.md section 4).

use super::table::Row;
use super::value::{Guid, Id, Shared, Stamp, Text};
use crate::diag::RowReject;
use crate::intern::Sym;

crate::fields!(
    ID = ["id"],
    SERIAL = ["Device Serial Number", "Serial number", "serialNumber"],
    GROUP_TAG = ["Group Tag", "groupTag"],
    STATE = ["Enrollment state", "enrollmentState"],
    ENTRA_ID = ["azureAdDeviceId", "azureActiveDirectoryDeviceId"],
    MANAGED_DEVICE_ID = ["managedDeviceId"],
    LAST_CONTACTED = ["Last contacted", "lastContactedDateTime"],
    USER = ["Assigned User", "User", "userPrincipalName"],
    DEVICE_NAME = ["Device name", "displayName"],
    PROFILE_STATUS = ["Profile status", "deploymentProfileAssignmentStatus"],
);

/// One Autopilot device identity.
#[derive(Debug, Clone, Default)]
pub struct AutopilotRecord {
    pub file: u16,
    pub line: u64,
    pub id: Option<Guid>,
    /// Normalised serial (placeholders removed), as spelled.
    pub serial: Option<Text>,
    pub group_tag: Option<Sym>,
    /// `enrollmentState`, lower-cased without spaces (`notcontacted`, `failed`, ...).
    pub state: Option<Sym>,
    pub state_raw: Option<Sym>,
    pub entra_device_id: Option<Guid>,
    pub managed_device_id: Option<Id>,
    pub last_contacted: Stamp,
    pub user: Option<Shared>,
    pub device_name: Option<Text>,
    pub non_empty: u16,
}

pub fn build(row: &mut Row<'_>) -> Result<AutopilotRecord, RowReject> {
    let raw_serial = row.string(SERIAL);
    let id = row.guid(ID);
    if raw_serial.is_none() && id.is_none() {
        return Err(row.reject_missing(SERIAL));
    }
    let managed_device_id = match row.str(MANAGED_DEVICE_ID) {
        Some(s) => match super::value::parse_guid(s) {
            Ok(g) if g.is_zero() => None,
            _ => Some(super::intune::normalise_id(s)),
        },
        None => None,
    };
    let state_raw = row.sym(STATE);
    Ok(AutopilotRecord {
        file: 0,
        line: row.line,
        id,
        serial: raw_serial
            .as_deref()
            .and_then(super::value::clean_serial)
            .map(Text::from),
        group_tag: row.sym(GROUP_TAG),
        state: state_raw
            .as_deref()
            .map(|s| Sym::new(&s.replace([' ', '_'], "").to_ascii_lowercase())),
        state_raw,
        entra_device_id: row.guid(ENTRA_ID),
        managed_device_id,
        last_contacted: row.date(LAST_CONTACTED).into(),
        user: row.shared(USER),
        device_name: row.string(DEVICE_NAME),
        non_empty: row.cells.iter().filter(|c| c.is_some()).count() as u16,
    })
}

pub fn date_slot(rec: &mut AutopilotRecord, field: usize) -> Option<&mut Stamp> {
    match field {
        LAST_CONTACTED => Some(&mut rec.last_contacted),
        _ => None,
    }
}
