//! The rule catalogue: one static, self-describing entry per code. Codes are permanent; a
//! retired rule keeps its code.

use super::Severity;

/// One rule of the catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    /// Kebab-case name of the bad pattern.
    pub name: &'static str,
    pub severity: Severity,
    /// When it fires, in one sentence.
    pub summary: &'static str,
    /// The enrollment guidance it encodes.
    pub guidance: &'static str,
    /// Why it matters, what it needs, how to fix it.
    pub explanation: &'static str,
}

macro_rules! rules {
    ($($code:literal $name:literal $sev:ident
        summary: $summary:literal
        guidance: $guidance:literal
        explanation: $expl:literal;)+) => {
        pub static REGISTRY: &[Rule] = &[$(Rule {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            summary: $summary,
            guidance: $guidance,
            explanation: $expl,
        }),+];
    };
}

rules! {
    "FLT001" "personal-device-bulk-enrolled" Error
        summary: "A personal device was enrolled with bulk enrollment (a provisioning package)."
        guidance: "Bulk enrollment is for organization-owned devices, not personal or BYOD."
        explanation: "Fires when ownership is `personal` and enrollment_method is `bulk` (enrollment type windowsBulkUserless or windowsBulkAzureDomainJoin). Either the ownership is wrong (set it to corporate) or the device should be retired and enrolled as BYOD.";
    "FLT002" "personal-device-in-autopilot" Error
        summary: "A personal device is registered in Windows Autopilot."
        guidance: "Windows Autopilot is only for organization-owned devices."
        explanation: "Fires when ownership is `personal` and the device is Autopilot-registered (a linked Autopilot record or a [ZTDID] on its Entra object). Correct the ownership, or deregister the device from Autopilot.";
    "FLT003" "personal-device-joined" Warning
        summary: "A personal device is Entra joined or hybrid joined while the policy does not allow BYOD join."
        guidance: "A joined personal device is fully managed by the organization: users \"should know that their personal devices will be managed by their IT\"."
        explanation: "Fires when ownership is `personal`, join_type is `entra_joined` or `hybrid_joined`, and `byod.allow_join` is false. Personal devices should be registered (BYOD user enrollment), or the policy should allow join.";
    "FLT004" "corporate-device-only-registered" Error
        summary: "An organization-owned device uses a join type the policy does not allow (by default: only registered)."
        guidance: "Organization-owned devices should be joined (Autopilot or automatic enrollment); registered is the BYOD path."
        explanation: "Fires when ownership is `corporate` and join_type (registered, entra_joined or hybrid_joined) is not in `corporate.allowed_join_types`. Re-enroll the device through Autopilot or automatic enrollment.";
    "FLT005" "mdm-only-enrollment" Warning
        summary: "Intune manages the device without an Entra registration (MDM-only enrollment)."
        guidance: "Enroll only in device management ... doesn't register the device in Microsoft Entra ID ... we don't recommend this MDM-only option."
        explanation: "Fires when the device has Intune MDM and enrollment_method `mdm_only`: the primary Intune record has no Entra device id and there is no Entra object. Conditional Access and SSO do not work for such devices; re-enroll with Entra join or registration.";
    "FLT006" "managed-by-another-mdm" Warning
        summary: "No Intune MDM, and the Entra object is managed by another MDM."
        guidance: "To be fully managed by Intune, users need to unenroll from the current MDM provider, and then enroll in Intune."
        explanation: "Fires when no Intune MDM record exists (also when no Intune export was given) and the Entra object is managed by an MDM that is not Intune (`isManaged` with another `mdmAppId` or an `mdmDisplayName` not naming Intune). With a ConfigMgr client this is coexistence, still flagged. Defender security settings management is not another MDM.";
    "FLT007" "dem-enrollment-on-unsupported-path" Warning
        summary: "A device enrolled by a device enrollment manager account sits on a path DEM does not support."
        guidance: "DEM accounts don't work with Group Policy; they don't apply to Windows Autopilot, User enrollment or co-management."
        explanation: "Fires when enrollment_method is `dem` and the device is hybrid joined or registered, Autopilot-registered, or co-managed. Re-enroll it through the path it belongs to.";
    "FLT008" "bulk-enrolled-without-conditional-access" Warning
        summary: "A bulk-enrolled device runs Windows 10 1709 (build 16299) or older."
        guidance: "On Windows 10 1709 and older, CA isn't available for Windows devices enrolled using bulk enrollment."
        explanation: "Fires when enrollment_method is `bulk` and the OS is Windows 10 at build 16299 or below. Upgrade the device.";
    "FLT009" "os-too-old-for-cloud-management" Warning
        summary: "A ConfigMgr client or Entra object runs Windows older than Windows 10 1709."
        guidance: "For devices that aren't running Windows 10/11, like Windows 7, you'll need to upgrade."
        explanation: "Fires when a ConfigMgr client or the Entra object reports Windows NT 6.x (Windows 7/8.1) or Windows 10 below build 16299. Such devices cannot be co-managed or enrolled automatically.";
    "FLT010" "comanagement-enrollment-failed" Error
        summary: "Co-management policy reached the ConfigMgr client but automatic MDM enrollment failed."
        guidance: "Co-management needs the device to complete automatic MDM enrollment."
        explanation: "Fires when there is no Intune MDM record, ConfigMgr reports ComgmtPolicyPresent = 1, MDMEnrolled = 0 and a non-zero EnrollmentStatusCode. The evidence gives the code in hex with its meaning (e.g. 0x8018002B: MDM not configured; a negative SQL value is read as the same 32 bits unsigned).";
    "FLT011" "hybrid-join-pending" Warning
        summary: "A hybrid device synced from AD has not completed its Entra registration."
        guidance: "Devices that aren't registered in Microsoft Entra ID aren't available to Intune."
        explanation: "Fires when join_type is `hybrid_pending`: a ServerAd object without a registration time (the portal shows Pending). Check the device's line of sight to Entra and the scheduled join task.";
    "FLT012" "configmgr-client-not-in-entra" Warning
        summary: "A ConfigMgr client has no Entra device id and no Entra object."
        guidance: "Devices that aren't registered in Microsoft Entra ID aren't available to Intune."
        explanation: "Fires when a ConfigMgr row with Client0 = 1 has an empty AADDeviceID and the device has no Entra object. Only evaluated when an Entra export was given.";
    "FLT013" "comanaged-via-classic-agent" Error
        summary: "A ConfigMgr client is also managed through the Intune classic PC agent."
        guidance: "They shouldn't be enrolled using the Intune classic agents."
        explanation: "Fires when the device has a ConfigMgr client and an Intune record whose agent is intuneClient or easIntuneClient. Remove the classic agent and enroll through co-management.";
    "FLT014" "personal-device-mdm-enrolled" Info
        summary: "A registered personal device is MDM-enrolled while the policy manages BYOD by app protection only."
        guidance: "MAM user scope manages the organization account, not the device."
        explanation: "Fires when ownership is `personal`, join_type `registered`, the device has Intune MDM, and `byod.mdm` is `app-protection-only`.";
    "FLT015" "shared-device-marked-personal" Warning
        summary: "A user-less (kiosk, shared) device is marked personal."
        guidance: "Devices are user-less, like kiosk, dedicated, or shared ... These devices are organization-owned."
        explanation: "Fires when ownership is `personal` and the device is user-less: Entra profileType `Shared`, enrollment type windowsBulkUserless, or an Autopilot group tag listed in `corporate.userless_group_tags`.";
    "FLT016" "corporate-device-not-managed" Error
        summary: "An active, organization-owned joined device has no MDM or ConfigMgr management."
        guidance: "MDM user scope Some/All: joined devices are managed by Intune."
        explanation: "Fires when ownership is `corporate`, join_type `entra_joined` or `hybrid_joined`, management `none` or `mde`, the device has a last_seen, and an Intune export was given (for hybrid joined devices also a ConfigMgr export). Check the MDM user scope and the automatic enrollment.";
    "FLT017" "comanagement-enrollment-scheduled" Info
        summary: "Co-management policy is present but MDM enrollment has not been attempted yet."
        guidance: "Configuration Manager can randomize the enrollment, so enrollment might not occur immediately."
        explanation: "Fires when there is no Intune MDM record, ConfigMgr reports ComgmtPolicyPresent = 1, MDMEnrolled = 0 and an empty or zero EnrollmentStatusCode. Long-lived, it is a stalled migration.";
    "FLT018" "personal-device-gpo-enrolled" Error
        summary: "A personal device was enrolled by Group Policy automatic enrollment."
        guidance: "If you use Group Policy, then bulk enrollment and automatic enrollment are for corporate-owned devices, not personal or BYOD."
        explanation: "Fires when ownership is `personal` and enrollment_method is `gpo`.";
    "FLT101" "stale-device" Warning
        summary: "No activity for more than the policy's stale_days before as_of."
        guidance: "Clean up stale devices; never call a device stale under 21 days (Entra's sign-in time drifts by about 14 days)."
        explanation: "Fires when last_seen (latest of Intune check-in, Entra sign-in, ConfigMgr last active) is older than as_of minus `activity.stale_days` (default 90). Not evaluated when as_of is null; a device without any activity time is not stale.";
    "FLT102" "duplicate-intune-records" Warning
        summary: "A device has more than one Intune record, or its Intune record is an older duplicate of another device's."
        guidance: "Re-enrollment leaves stale Intune records behind; delete them so compliance and reports count each device once."
        explanation: "Fires when a device has more than one Intune record (the evidence lists the non-primary ones), or when its primary Intune record shares a non-placeholder serial with other devices' primary Intune records and is not the latest of them (re-enrollment that left a new Entra object).";
    "FLT103" "duplicate-entra-objects" Warning
        summary: "Several Entra objects describe one machine."
        guidance: "Re-imaging or re-registering creates new Entra objects that share a hardware id; clean up the stale ones (never the Autopilot-linked object)."
        explanation: "Fires on every Entra object sharing an [HWID] except the latest-registered non-Workplace one, and on a Workplace object that shares its display name (any case) with a ServerAd object. Folded Autopilot placeholders are not duplicates. [HWID] is only in Graph JSON.";
    "FLT104" "intune-record-without-entra-object" Warning
        summary: "An Intune record points at an Entra device id that is not in the Entra export."
        guidance: "Devices that aren't registered in Microsoft Entra ID aren't available to Intune."
        explanation: "Fires when an Intune record carries an Entra device id absent from the Entra export. Only evaluated when an Entra export carrying deviceId was given.";
    "FLT105" "entra-managed-without-intune-record" Warning
        summary: "Entra says Intune manages the device, but Intune has no record of it."
        guidance: "The Entra object's management state should match Intune's inventory."
        explanation: "Fires when the Entra object is managed by Intune (isManaged and Intune's mdmAppId or an mdmDisplayName naming Intune) and the device has no Intune record. Only evaluated when an Intune export was given.";
    "FLT106" "ownership-disagrees-between-sources" Warning
        summary: "Intune and Entra disagree on the device's ownership."
        guidance: "Ownership drives which enrollment path and policies apply; keep one truth."
        explanation: "Fires when Intune ownership and Entra deviceOwnership are both known and differ.";
    "FLT107" "noncompliant-device" Info
        summary: "A managed device is not compliant."
        guidance: "Compliance policies gate Conditional Access; noncompliant devices lose access."
        explanation: "Fires when the primary Intune record's compliance is Noncompliant (any spelling), or Entra isCompliant = false on an object with isManaged = true, on a device whose management is not `none`.";
    "FLT108" "autopilot-device-never-enrolled" Info
        summary: "An Autopilot device was never contacted or failed, and Intune has no record of it."
        guidance: "Imported Autopilot devices should be deployed or removed from the Autopilot list."
        explanation: "Fires when an Autopilot record is in state notContacted or failed (blade spellings `Not contacted`, `Failed`) and the device has no Intune record. Only evaluated when an Intune export was given.";
    "FLT109" "disabled-entra-object-still-enrolled" Info
        summary: "The Entra object is disabled but the device still checks in with Intune."
        guidance: "A disabled device cannot sign in; its Intune enrollment should be retired."
        explanation: "Fires when Entra accountEnabled = false and an Intune record checked in within `activity.stale_days` before as_of.";
}
