//! Entra ID devices: the admin center CSV (current and older header) and Graph `device`
//! JSON (inputs.md section 2), normalised to [`EntraRecord`].

use super::table::Row;
use super::value::{Guid, Id, Stamp, Text};
use crate::diag::RowReject;
use crate::intern::{Sym, SymMemo};

crate::fields!(
    OBJECT_ID = ["objectId", "id"],
    DEVICE_ID = ["deviceId"],
    NAME = ["displayName"],
    TRUST_TYPE = ["joinType (trustType)", "deviceTrustType", "trustType"],
    PROFILE_TYPE = ["profileType"],
    IS_MANAGED = ["isManaged"],
    IS_COMPLIANT = ["isCompliant"],
    MDM_APP_ID = ["mdmAppId"],
    MDM_NAME = ["mdmDisplayName"],
    OWNERSHIP = ["deviceOwnership"],
    OS = ["operatingSystem", "deviceOSType"],
    OS_VERSION = ["operatingSystemVersion", "deviceOSVersion"],
    REGISTERED = ["registrationTime", "registrationDateTime"],
    LAST_SIGN_IN = [
        "approximateLastSignInDateTime",
        "approximateLastLogonTimeStamp"
    ],
    ENABLED = ["accountEnabled"],
    PHYSICAL_IDS = ["physicalIds"],
    OWNERS = ["registeredOwners"],
);

/// Entra `trustType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Entra joined.
    AzureAd,
    /// Hybrid joined (synced from on-premises AD).
    ServerAd,
    /// Registered (BYOD).
    Workplace,
}

impl Trust {
    /// Raw `AzureAd`/`ServerAd`/`Workplace` (any case) or the portal's display strings.
    pub fn parse(raw: &str) -> Option<Trust> {
        // The spellings the exports write, matched as they are: no lower-casing and no
        // substring search (three of them per row were 1% of reading at 1M devices).
        match raw {
            "Microsoft Entra joined" | "Azure AD joined" | "AzureAd" => Some(Trust::AzureAd),
            "Microsoft Entra hybrid joined" | "Hybrid Azure AD joined" | "ServerAd" => {
                Some(Trust::ServerAd)
            }
            "Microsoft Entra registered" | "Azure AD registered" | "Workplace" => {
                Some(Trust::Workplace)
            }
            _ => Trust::parse_any(raw),
        }
    }

    /// [`Trust::parse`] of any spelling.
    fn parse_any(raw: &str) -> Option<Trust> {
        super::value::with_lower(raw, |s| match s {
            "azuread" => Some(Trust::AzureAd),
            "serverad" => Some(Trust::ServerAd),
            "workplace" => Some(Trust::Workplace),
            _ if s.contains("hybrid") => Some(Trust::ServerAd),
            _ if s.contains("registered") => Some(Trust::Workplace),
            _ if s.contains("joined") => Some(Trust::AzureAd),
            _ => None,
        })
    }
}

/// The Intune MDM application id in Entra's `mdmAppId`.
pub const INTUNE_MDM_APP_ID: &str = "0000000a-0000-0000-c000-000000000000";

/// One Entra device object.
#[derive(Debug, Clone, Default)]
pub struct EntraRecord {
    pub file: u16,
    pub line: u64,
    pub object_id: Option<Id>,
    pub device_id: Option<Guid>,
    pub name: Option<Text>,
    pub trust: Option<Trust>,
    pub trust_raw: Option<Sym>,
    pub profile_type: Option<Sym>,
    pub is_managed: Option<bool>,
    pub is_compliant: Option<bool>,
    pub mdm_app_id: Option<Sym>,
    pub mdm_name: Option<Sym>,
    pub ownership: Option<crate::model::Ownership>,
    pub ownership_raw: Option<Sym>,
    pub os: Option<Sym>,
    pub os_version: Option<Sym>,
    /// `None` when empty or `Pending`.
    pub registered: Stamp,
    pub last_sign_in: Stamp,
    pub enabled: Option<bool>,
    /// `[ZTDID]:<guid>`: the Autopilot id the object was created for.
    pub ztdid: Option<Guid>,
    /// `[HWID]:h:<n>`.
    pub hwid: Option<Text>,
    /// `[OrderId]:<group tag>`.
    pub order_id: Option<Text>,
    pub owner: Option<Text>,
    /// The file carried `physicalIds` (Graph JSON): placeholders are recognisable.
    pub has_physical_ids: bool,
    pub non_empty: u16,
}

impl EntraRecord {
    pub fn managed_by_intune(&self) -> bool {
        self.is_managed == Some(true)
            && (self
                .mdm_app_id
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(INTUNE_MDM_APP_ID))
                || self
                    .mdm_name
                    .as_deref()
                    .is_some_and(|n| super::value::contains_ci(n, "intune")))
    }

    /// model.md `other_mdm`: managed, and the MDM named is not Intune.
    pub fn managed_by_other_mdm(&self) -> bool {
        if self.is_managed != Some(true) {
            return false;
        }
        let other_app = self
            .mdm_app_id
            .as_deref()
            .is_some_and(|a| !a.eq_ignore_ascii_case(INTUNE_MDM_APP_ID));
        let other_name = self
            .mdm_name
            .as_deref()
            .is_some_and(|n| !super::value::contains_ci(n, "intune"));
        other_app || other_name
    }
}

thread_local! {
    static TRUSTS: SymMemo<Option<Trust>> = const { SymMemo::new() };
    static OWNERSHIPS: SymMemo<Option<crate::model::Ownership>> = const { SymMemo::new() };
}

pub fn build(row: &mut Row<'_>) -> Result<EntraRecord, RowReject> {
    let object_id = row.str(OBJECT_ID).map(super::intune::normalise_id);
    let device_id = row.guid(DEVICE_ID);
    if object_id.is_none() && device_id.is_none() {
        return Err(if row.projection.has(DEVICE_ID) {
            row.reject_missing(DEVICE_ID)
        } else {
            row.reject_missing(OBJECT_ID)
        });
    }
    let trust_raw = row.sym(TRUST_TYPE);
    let trust = trust_raw.and_then(|s| TRUSTS.with(|m| m.get(s, Trust::parse)));
    if trust.is_none() {
        if let Some(t) = trust_raw {
            row.warn(
                TRUST_TYPE,
                "unrecognised trust type, treated as absent:",
                &t,
            );
        }
    }
    let mut rec = EntraRecord {
        file: 0,
        line: row.line,
        object_id,
        device_id,
        name: row.string(NAME),
        trust,
        trust_raw,
        profile_type: row.sym(PROFILE_TYPE),
        is_managed: row.bool(IS_MANAGED),
        is_compliant: row.bool(IS_COMPLIANT),
        mdm_app_id: row
            .str(MDM_APP_ID)
            .map(|s| match s.bytes().any(|b| b.is_ascii_uppercase()) {
                true => Sym::new(&s.to_ascii_lowercase()),
                false => Sym::new(s),
            }),
        mdm_name: row.sym(MDM_NAME),
        ownership_raw: row.sym(OWNERSHIP),
        ownership: None,
        os: row.sym(OS),
        os_version: row.sym(OS_VERSION),
        registered: row.date(REGISTERED).into(),
        last_sign_in: row.date(LAST_SIGN_IN).into(),
        enabled: row.bool(ENABLED),
        owner: row.string(OWNERS),
        has_physical_ids: row.projection.has(PHYSICAL_IDS),
        non_empty: row.cells.iter().filter(|c| c.is_some()).count() as u16,
        ..Default::default()
    };
    rec.ownership = rec
        .ownership_raw
        .and_then(|s| OWNERSHIPS.with(|m| m.get(s, super::intune::parse_ownership)));
    if let Some(ids) = row.str(PHYSICAL_IDS) {
        for id in ids.split('\n') {
            let Some((tag, value)) = id.trim().split_once(':') else {
                continue;
            };
            match tag.to_ascii_lowercase().as_str() {
                "[ztdid]" => rec.ztdid = super::value::parse_link_guid(value).ok().flatten(),
                "[hwid]" => rec.hwid = Some(value.trim().into()),
                "[orderid]" => rec.order_id = Some(value.trim().into()),
                _ => {}
            }
        }
    }
    Ok(rec)
}

pub fn date_slot(rec: &mut EntraRecord, field: usize) -> Option<&mut Stamp> {
    match field {
        REGISTERED => Some(&mut rec.registered),
        LAST_SIGN_IN => Some(&mut rec.last_sign_in),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_spellings_read_as_exact_matches_read_as_any_spelling() {
        for raw in [
            "Microsoft Entra joined",
            "Azure AD joined",
            "AzureAd",
            "Microsoft Entra hybrid joined",
            "Hybrid Azure AD joined",
            "ServerAd",
            "Microsoft Entra registered",
            "Azure AD registered",
            "Workplace",
        ] {
            assert!(Trust::parse(raw).is_some(), "{raw}");
            assert_eq!(Trust::parse(raw), Trust::parse_any(raw), "{raw}");
        }
        assert_eq!(Trust::parse(" azuread "), Some(Trust::AzureAd));
        assert_eq!(
            Trust::parse("MICROSOFT ENTRA HYBRID JOINED"),
            Some(Trust::ServerAd)
        );
        assert_eq!(Trust::parse("Pending"), None);
    }
}
