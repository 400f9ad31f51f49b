//! The export files, each in the shape its console or API produces.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::expected::{self, ExpRow, Form};
use super::rng::guid_text;
use super::scenario::{
    ApRec, ApState, CmRec, Compliance, Device, EntraRec, Fleet, IntuneRec, JoinKind, ManagedBy,
    Mdm, Own, Platform, Trust,
};
use super::time;

// ----------------------------------------------------------------------------------------
// Encodings

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// Re-encodes UTF-8 bytes as UTF-16, holding back a character split across writes.
pub(crate) struct Utf16Writer<W: Write> {
    inner: W,
    big_endian: bool,
    pending: Vec<u8>,
    buf: Vec<u8>,
}

impl<W: Write> Utf16Writer<W> {
    fn new(mut inner: W, big_endian: bool) -> io::Result<Self> {
        inner.write_all(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        })?;
        Ok(Utf16Writer {
            inner,
            big_endian,
            pending: Vec::new(),
            buf: Vec::new(),
        })
    }

    fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "incomplete UTF-8 sequence at end of output",
            ));
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for Utf16Writer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(data);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        let text = std::str::from_utf8(&self.pending[..valid])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        self.buf.clear();
        for unit in text.encode_utf16() {
            let bytes = if self.big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            self.buf.extend_from_slice(&bytes);
        }
        self.inner.write_all(&self.buf)?;
        self.pending.drain(..valid);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An output file in one encoding.
pub(crate) enum Out {
    Plain(BufWriter<File>),
    Utf16(Utf16Writer<BufWriter<File>>),
}

impl Out {
    pub(crate) fn create(path: &Path, encoding: Encoding) -> io::Result<Out> {
        let mut file = BufWriter::with_capacity(1 << 16, File::create(path)?);
        Ok(match encoding {
            Encoding::Utf8 => Out::Plain(file),
            Encoding::Utf8Bom => {
                file.write_all(b"\xEF\xBB\xBF")?;
                Out::Plain(file)
            }
            Encoding::Utf16Le => Out::Utf16(Utf16Writer::new(file, false)?),
            Encoding::Utf16Be => Out::Utf16(Utf16Writer::new(file, true)?),
        })
    }

    pub(crate) fn finish(self) -> io::Result<()> {
        let mut file = match self {
            Out::Plain(f) => f,
            Out::Utf16(w) => w.finish()?,
        };
        file.flush()
    }
}

impl Write for Out {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Out::Plain(w) => w.write(data),
            Out::Utf16(w) => w.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Plain(w) => w.flush(),
            Out::Utf16(w) => w.flush(),
        }
    }
}

fn csv_writer(out: Out, delimiter: u8, quote: csv::QuoteStyle, crlf: bool) -> csv::Writer<Out> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(quote)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(out)
}

fn finish_csv(w: csv::Writer<Out>) -> io::Result<()> {
    w.into_inner()
        .map_err(|e| io::Error::other(e.error().to_string()))?
        .finish()
}

type Fields = Vec<Cow<'static, str>>;

fn tf(b: bool) -> Cow<'static, str> {
    Cow::Borrowed(if b { "True" } else { "False" })
}

fn opt_tf(b: Option<bool>) -> Cow<'static, str> {
    b.map_or(Cow::Borrowed(""), tf)
}

fn upper_guid(g: u128) -> String {
    guid_text(g).to_uppercase()
}

// ----------------------------------------------------------------------------------------
// Intune

/// The admin-center export header (inputs.md 1.1), `EnrollmentType` appended when selected.
pub(crate) const INTUNE_HEADER: [&str; 53] = [
    "Device ID",
    "Device name",
    "Enrollment date",
    "Last check-in",
    "Azure AD Device ID",
    "OS version",
    "Azure AD registered",
    "EAS activation ID",
    "Serial number",
    "Manufacturer",
    "Model",
    "EAS activated",
    "IMEI",
    "Last EAS sync time",
    "EAS reason",
    "EAS status",
    "Compliance grace period expiration",
    "Security patch level",
    "Wi-Fi MAC",
    "MEID",
    "Subscriber carrier",
    "Total storage",
    "Free storage",
    "Management name",
    "Category",
    "UserId",
    "Primary user UPN",
    "Primary user email address",
    "Primary user display name",
    "WiFiIPv4Address",
    "WiFiSubnetID",
    "Compliance",
    "Managed by",
    "Ownership",
    "Device state",
    "Intune registered",
    "Supervised",
    "Encrypted",
    "OS",
    "SkuFamily",
    "JoinType",
    "Phone number",
    "Jailbroken",
    "ICCID",
    "EthernetMAC",
    "CellularTechnology",
    "ProcessorArchitecture",
    "EID",
    "SystemManagementBIOSVersion",
    "TPMManufacturerId",
    "TPMManufacturerVersion",
    "ProductName",
    "Management certificate expiration date",
];

/// How one Intune admin-center CSV is written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IntuneCsv {
    pub encoding: Encoding,
    pub delimiter: u8,
    /// Append the optional `EnrollmentType` column.
    pub enrollment_type: bool,
    /// Header spells `Microsoft Entra Device ID` / `Microsoft Entra registered`.
    pub entra_header: bool,
    /// `JoinType` values spelled `Microsoft Entra ...` (else `Azure AD ...`).
    pub entra_values: bool,
}

fn join_text(j: JoinKind, entra_values: bool) -> &'static str {
    match (j, entra_values) {
        (JoinKind::None, _) => "",
        (JoinKind::Entra, true) => "Microsoft Entra joined",
        (JoinKind::Hybrid, true) => "Microsoft Entra hybrid joined",
        (JoinKind::Registered, true) => "Microsoft Entra registered",
        (JoinKind::Entra, false) => "Azure AD joined",
        (JoinKind::Hybrid, false) => "Hybrid Azure AD joined",
        (JoinKind::Registered, false) => "Azure AD registered",
    }
}

fn managed_by_text(m: ManagedBy) -> &'static str {
    match m {
        ManagedBy::Intune => "Intune",
        ManagedBy::CoManaged => "Co-managed",
        ManagedBy::ConfigMgr => "ConfigMgr",
        ManagedBy::Mde => "MDE",
    }
}

fn own_text(o: Own) -> &'static str {
    match o {
        Own::Corporate => "Corporate",
        Own::Personal => "Personal",
        Own::Unknown => "Unknown",
    }
}

fn compliance_text(c: Compliance) -> &'static str {
    match c {
        Compliance::Compliant => "Compliant",
        Compliance::Noncompliant => "Noncompliant",
        Compliance::ConfigManager => "ConfigManager",
    }
}

fn platform_labels(p: Platform) -> (&'static str, &'static str, &'static str) {
    // (CSV OS, Graph operatingSystem, Management name platform)
    match p {
        Platform::Windows => ("Windows", "Windows", "Windows"),
        Platform::Ios => ("iOS/iPadOS", "iOS", "IPhone"),
        Platform::Android => ("Android", "Android", "AndroidForWork"),
        Platform::MacOs => ("macOS", "macOS", "MacMDM"),
    }
}

fn management_name(i: &IntuneRec) -> String {
    let who = i.user.map_or_else(
        || i.name.clone(),
        |u| {
            let upn = u.upn();
            upn.split('@').next().unwrap_or_default().to_string()
        },
    );
    format!(
        "{}_{}_{}",
        who,
        platform_labels(i.platform).2,
        time::management_name_stamp(i.enrolled)
    )
}

fn ipv4(ip: u32) -> (String, String) {
    let b = ip.to_be_bytes();
    (
        format!("10.{}.{}.{}", b[1], b[2], b[3].max(2)),
        format!("10.{}.{}.0", b[1], b[2]),
    )
}

fn intune_fields(i: &IntuneRec, style: &IntuneCsv) -> Fields {
    let windows = i.platform == Platform::Windows;
    let (ip, subnet) = ipv4(i.ip);
    let mut f: Fields = vec![
        guid_text(i.id).into(),
        i.name.clone().into(),
        time::intune(i.enrolled).into(),
        time::intune(i.last).into(),
        guid_text(i.entra_id).into(),
        i.os_version.clone().into(),
        tf(i.entra_managed),
        "".into(),
        i.serial.clone().into(),
        i.mfr.into(),
        i.model.into(),
        "False".into(),
        if windows {
            "".into()
        } else {
            format!("35{:013}", i.mac % 10_000_000_000_000).into()
        },
        time::NEVER.into(),
        "".into(),
        "None".into(),
        time::NO_END.into(),
        if i.platform == Platform::Android {
            "2024-10-01".into()
        } else {
            "".into()
        },
        format!("{:012X}", i.mac).into(),
        "".into(),
        "".into(),
        i.storage_total.to_string().into(),
        i.storage_free.to_string().into(),
        management_name(i).into(),
        "".into(),
        i.user.map_or(String::new(), |u| guid_text(u.guid)).into(),
        i.user.map_or(String::new(), |u| u.upn()).into(),
        i.user.map_or(String::new(), |u| u.upn()).into(),
        i.user.map_or(String::new(), |u| u.display()).into(),
        ip.into(),
        subnet.into(),
        compliance_text(i.compliance).into(),
        managed_by_text(i.managed_by).into(),
        own_text(i.ownership).into(),
        "Managed".into(),
        "Registered".into(),
        "False".into(),
        tf(i.encrypted),
        platform_labels(i.platform).0.into(),
        i.sku.into(),
        join_text(i.join, style.entra_values).into(),
        "".into(),
        if windows { "Unknown" } else { "False" }.into(),
        "".into(),
        "".into(),
        "".into(),
        if windows { "x64" } else { "ARM64" }.into(),
        "".into(),
        i.bios.into(),
        if windows { "1229346816" } else { "" }.into(),
        if windows { "7.85" } else { "" }.into(),
        "".into(),
        time::intune(i.enrolled + 365 * time::DAY).into(),
    ];
    if style.enrollment_type {
        f.push(i.enrollment.map_or("", |e| e.graph_name()).into());
    }
    f
}

/// Every Intune record of the fleet, then the overlapping copies (same Intune id, an
/// earlier check-in) that a concatenated export repeats.
fn for_each_intune(
    fleet: &Fleet,
    mut emit: impl FnMut(&IntuneRec) -> io::Result<()>,
) -> io::Result<()> {
    let mut copies = Vec::new();
    for idx in 0..fleet.len() {
        let dev = fleet.device(idx);
        let rec = dev.records();
        for i in &rec.intune {
            emit(i)?;
        }
        if dev.dup_intune_row {
            if let Some(first) = rec.intune.first() {
                let mut copy = first.clone();
                copy.last = dev.t_dup_copy;
                copies.push(copy);
            }
        }
    }
    copies.iter().try_for_each(emit)
}

fn for_each_entra(
    fleet: &Fleet,
    mut emit: impl FnMut(&EntraRec) -> io::Result<()>,
) -> io::Result<()> {
    let mut copies = Vec::new();
    for idx in 0..fleet.len() {
        let dev = fleet.device(idx);
        let rec = dev.records();
        for e in &rec.entra {
            emit(e)?;
        }
        if dev.dup_entra_row {
            if let Some(first) = rec.entra.first() {
                copies.push(first.clone());
            }
        }
    }
    copies.iter().try_for_each(emit)
}

fn for_each_record<T>(
    fleet: &Fleet,
    pick: impl Fn(&Device, super::scenario::Records) -> Vec<T>,
    mut emit: impl FnMut(&T) -> io::Result<()>,
) -> io::Result<()> {
    for idx in 0..fleet.len() {
        let dev = fleet.device(idx);
        let rec = dev.records();
        for r in &pick(&dev, rec) {
            emit(r)?;
        }
    }
    Ok(())
}

pub(crate) fn intune_csv(fleet: &Fleet, path: &Path, style: &IntuneCsv) -> io::Result<()> {
    let mut w = csv_writer(
        Out::create(path, style.encoding)?,
        style.delimiter,
        csv::QuoteStyle::Necessary,
        true,
    );
    let mut header: Vec<&str> = INTUNE_HEADER.to_vec();
    if style.entra_header {
        header[4] = "Microsoft Entra Device ID";
        header[6] = "Microsoft Entra registered";
    }
    if style.enrollment_type {
        header.push("EnrollmentType");
    }
    w.write_record(&header)?;
    for_each_intune(fleet, |i| {
        w.write_record(intune_fields(i, style).iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

// ----------------------------------------------------------------------------------------
// JSON

/// A JSON object written in a fixed key order.
struct Json(String);

impl Json {
    fn new() -> Json {
        Json(String::from("{"))
    }

    fn key(&mut self, k: &str) -> &mut Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        escape_into(&mut self.0, k);
        self.0.push(':');
        self
    }

    fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        escape_into(&mut self.0, v);
        self
    }

    fn opt_s(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.s(k, v),
            None => self.null(k),
        }
    }

    fn b(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
        self
    }

    fn opt_b(&mut self, k: &str, v: Option<bool>) -> &mut Self {
        match v {
            Some(v) => self.b(k, v),
            None => self.null(k),
        }
    }

    fn n(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k);
        self.0.push_str(&v.to_string());
        self
    }

    fn null(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.0.push_str("null");
        self
    }

    fn arr(&mut self, k: &str, items: &[String]) -> &mut Self {
        self.key(k);
        self.0.push('[');
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                self.0.push(',');
            }
            escape_into(&mut self.0, item);
        }
        self.0.push(']');
        self
    }

    fn done(&mut self) -> String {
        self.0.push('}');
        std::mem::take(&mut self.0)
    }
}

fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Graph pages (`{"@odata.context":...,"value":[...]}`), one per line, `@odata.nextLink`
/// on every page but the last.
struct Pages {
    out: Out,
    context: &'static str,
    next: &'static str,
    size: usize,
    page: Vec<String>,
    number: usize,
}

impl Pages {
    fn new(out: Out, context: &'static str, next: &'static str, size: usize) -> Pages {
        Pages {
            out,
            context,
            next,
            size,
            page: Vec::with_capacity(size),
            number: 0,
        }
    }

    fn push(&mut self, item: String) -> io::Result<()> {
        if self.page.len() == self.size {
            self.write_page(true)?;
        }
        self.page.push(item);
        Ok(())
    }

    fn write_page(&mut self, more: bool) -> io::Result<()> {
        self.number += 1;
        let mut line =
            String::with_capacity(self.page.iter().map(|p| p.len() + 1).sum::<usize>() + 256);
        line.push_str("{\"@odata.context\":");
        escape_into(&mut line, self.context);
        line.push_str(",\"value\":[");
        line.push_str(&self.page.join(","));
        line.push(']');
        if more {
            line.push_str(",\"@odata.nextLink\":");
            let link = format!("{}?$skiptoken=page{}", self.next, self.number + 1);
            escape_into(&mut line, &link);
        }
        line.push_str("}\n");
        self.out.write_all(line.as_bytes())?;
        self.page.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        if !self.page.is_empty() || self.number == 0 {
            self.write_page(false)?;
        }
        self.out.finish()
    }
}

pub(crate) const GRAPH_PAGE: usize = 1000;

fn intune_json(i: &IntuneRec) -> String {
    let (_, os, _) = platform_labels(i.platform);
    let windows = i.platform == Platform::Windows;
    let mut j = Json::new();
    j.s("id", &guid_text(i.id))
        .s(
            "userId",
            &i.user.map_or(String::new(), |u| guid_text(u.guid)),
        )
        .s("deviceName", &i.name)
        .s(
            "managedDeviceOwnerType",
            match i.ownership {
                Own::Corporate => "company",
                Own::Personal => "personal",
                Own::Unknown => "unknown",
            },
        )
        .s("enrolledDateTime", &time::graph(i.enrolled))
        .s("lastSyncDateTime", &time::graph(i.last))
        .s("operatingSystem", os)
        .s(
            "complianceState",
            match i.compliance {
                Compliance::Compliant => "compliant",
                Compliance::Noncompliant => "noncompliant",
                Compliance::ConfigManager => "configManager",
            },
        )
        .s("jailBroken", if windows { "Unknown" } else { "False" })
        .s(
            "managementAgent",
            match i.managed_by {
                ManagedBy::Intune => "mdm",
                ManagedBy::CoManaged => "configurationManagerClientMdm",
                ManagedBy::ConfigMgr => "configurationManagerClient",
                ManagedBy::Mde => "msSense",
            },
        )
        .s("osVersion", &i.os_version)
        .b("easActivated", false)
        .s("easDeviceId", "")
        .s("easActivationDateTime", "0001-01-01T00:00:00Z")
        .b("aadRegistered", i.entra_id != 0)
        .b("azureADRegistered", i.entra_id != 0)
        .s(
            "deviceEnrollmentType",
            i.enrollment.map_or("unknown", |e| e.graph_name()),
        )
        .s("emailAddress", &i.user.map_or(String::new(), |u| u.upn()))
        .s("azureActiveDirectoryDeviceId", &guid_text(i.entra_id))
        .s("azureADDeviceId", &guid_text(i.entra_id))
        .s("deviceRegistrationState", "registered")
        .s("deviceCategoryDisplayName", "Unknown")
        .b("isSupervised", false)
        .s("exchangeLastSuccessfulSyncDateTime", "0001-01-01T00:00:00Z")
        .s("exchangeAccessState", "none")
        .s("exchangeAccessStateReason", "none")
        .b("isEncrypted", i.encrypted)
        .s(
            "userPrincipalName",
            &i.user.map_or(String::new(), |u| u.upn()),
        )
        .s("model", i.model)
        .s("manufacturer", i.mfr)
        .s("imei", "")
        .s(
            "complianceGracePeriodExpirationDateTime",
            "9999-12-31T23:59:59.9999999Z",
        )
        .s("serialNumber", &i.serial)
        .s("phoneNumber", "")
        .s("androidSecurityPatchLevel", "")
        .s(
            "userDisplayName",
            &i.user.map_or(String::new(), |u| u.display()),
        )
        .s("wiFiMacAddress", &format!("{:012x}", i.mac))
        .s("subscriberCarrier", "")
        .s("meid", "")
        .n("totalStorageSpaceInBytes", u64::from(i.storage_total) << 20)
        .n("freeStorageSpaceInBytes", u64::from(i.storage_free) << 20)
        .s("managedDeviceName", &management_name(i))
        .s("managementState", "managed")
        .s(
            "joinType",
            match i.join {
                JoinKind::None => "unknown",
                JoinKind::Entra => "azureADJoined",
                JoinKind::Hybrid => "hybridAzureADJoined",
                JoinKind::Registered => "azureADRegistered",
            },
        )
        .s("skuFamily", i.sku)
        .b("autopilotEnrolled", i.autopilot_enrolled)
        .s("enrollmentProfileName", i.enrollment_profile)
        .s(
            "deviceType",
            match i.platform {
                Platform::Windows => "windowsRT",
                Platform::Ios => "iPhone",
                Platform::Android => "androidEnterprise",
                Platform::MacOs => "macMDM",
            },
        )
        .s(
            "processorArchitecture",
            if windows { "x64" } else { "arM64" },
        );
    j.done()
}

pub(crate) fn intune_graph(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut pages = Pages::new(
        Out::create(path, Encoding::Utf8)?,
        "https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices",
        "https://graph.microsoft.com/beta/deviceManagement/managedDevices",
        GRAPH_PAGE,
    );
    for_each_intune(fleet, |i| pages.push(intune_json(i)))?;
    pages.finish()
}

// ----------------------------------------------------------------------------------------
// Entra

pub(crate) const ENTRA_HEADER: [&str; 17] = [
    "displayName",
    "accountEnabled",
    "operatingSystem",
    "operatingSystemVersion",
    "joinType (trustType)",
    "registeredOwners",
    "userNames",
    "mdmDisplayName",
    "isCompliant",
    "registrationTime",
    "approximateLastSignInDateTime",
    "deviceId",
    "isManaged",
    "objectId",
    "profileType",
    "systemLabels",
    "model",
];

/// How one Entra "Download devices" CSV is written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntraCsv {
    pub encoding: Encoding,
    pub delimiter: u8,
    /// `Microsoft Entra ...` join type strings (else `Azure AD ...`).
    pub entra_values: bool,
    /// Dates as en-US `M/D/YYYY h:mm:ss AM` (else ISO-8601).
    pub us_dates: bool,
}

const INTUNE_MDM_APP: &str = "0000000a-0000-0000-c000-000000000000";
const OTHER_MDM_APP: &str = "4b7d3c5e-1a2f-4e8b-9c6d-7f0e1a2b3c4d";
const OTHER_MDM_NAME: &str = "VMware Workspace ONE";

fn entra_fields(e: &EntraRec, style: &EntraCsv) -> Fields {
    let date = |t: Option<i64>| -> Cow<'static, str> {
        match t {
            Some(t) if style.us_dates => time::us(t).into(),
            Some(t) => time::iso_seconds(t).into(),
            None => "".into(),
        }
    };
    let join = match (e.trust, style.entra_values) {
        (Trust::AzureAd, true) => "Microsoft Entra joined",
        (Trust::ServerAd, true) => "Microsoft Entra hybrid joined",
        (Trust::Workplace, true) => "Microsoft Entra registered",
        (Trust::AzureAd, false) => "Azure AD joined",
        (Trust::ServerAd, false) => "Hybrid Azure AD joined",
        (Trust::Workplace, false) => "Azure AD registered",
    };
    let registration = match e.registered {
        None if e.pending_literal || style.us_dates => "Pending".into(),
        r => date(r),
    };
    vec![
        e.name.clone().into(),
        tf(e.enabled),
        e.os.into(),
        e.os_version.clone().into(),
        join.into(),
        e.owner.map_or(String::new(), |u| u.display()).into(),
        e.owner.map_or(String::new(), |u| u.upn()).into(),
        match e.mdm {
            Mdm::None => "",
            Mdm::Intune => "Microsoft Intune",
            Mdm::Other => OTHER_MDM_NAME,
        }
        .into(),
        opt_tf(e.is_compliant),
        registration,
        date(e.signin),
        guid_text(e.device_id).into(),
        opt_tf(e.is_managed),
        guid_text(e.object_id).into(),
        e.profile.into(),
        e.labels.into(),
        e.model.into(),
    ]
}

pub(crate) fn entra_csv(fleet: &Fleet, path: &Path, style: &EntraCsv) -> io::Result<()> {
    let mut w = csv_writer(
        Out::create(path, style.encoding)?,
        style.delimiter,
        csv::QuoteStyle::Necessary,
        true,
    );
    w.write_record(ENTRA_HEADER)?;
    for_each_entra(fleet, |e| {
        w.write_record(entra_fields(e, style).iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

fn physical_ids(e: &EntraRec) -> Vec<String> {
    let mut ids = Vec::new();
    let Some(hwid) = e.hwid else {
        return ids;
    };
    if let Some(u) = e.owner {
        ids.push(format!("[USER-GID]:{}:{}", guid_text(u.guid), e.gid));
    }
    ids.push(format!("[GID]:g:{}", e.gid));
    if let Some(z) = e.ztdid {
        let tag = if e.alt_casing { "ZTDId" } else { "ZTDID" };
        ids.push(format!("[{tag}]:{}", guid_text(z)));
    }
    if let Some(u) = e.owner {
        ids.push(format!("[USER-HWID]:{}:{}", guid_text(u.guid), hwid));
    }
    ids.push(format!("[HWID]:h:{hwid}"));
    if let Some(order) = e.order_id {
        let tag = if e.alt_casing { "OrderID" } else { "OrderId" };
        ids.push(format!("[{tag}]:{order}"));
    }
    ids
}

fn entra_json(e: &EntraRec) -> String {
    let managed = e.mdm != Mdm::None;
    let mut j = Json::new();
    j.s("id", &guid_text(e.object_id))
        .s("deviceId", &guid_text(e.device_id))
        .s("displayName", &e.name)
        .b("accountEnabled", e.enabled)
        .s("operatingSystem", e.os)
        .s("operatingSystemVersion", &e.os_version)
        .s(
            "trustType",
            match e.trust {
                Trust::AzureAd => "AzureAd",
                Trust::ServerAd => "ServerAd",
                Trust::Workplace => "Workplace",
            },
        )
        .s("profileType", e.profile)
        .opt_b("isManaged", e.is_managed)
        .opt_b("isCompliant", e.is_compliant)
        .opt_s(
            "mdmAppId",
            match e.mdm {
                Mdm::None => None,
                Mdm::Intune => Some(INTUNE_MDM_APP),
                Mdm::Other => Some(OTHER_MDM_APP),
            },
        )
        .opt_s("managementType", managed.then_some("MDM"))
        .opt_s(
            "deviceOwnership",
            e.ownership.map(|o| match o {
                Own::Corporate => "Company",
                Own::Personal => "Personal",
                Own::Unknown => "Unknown",
            }),
        )
        .opt_s(
            "registrationDateTime",
            e.registered.map(time::iso_seconds).as_deref(),
        )
        .opt_s(
            "approximateLastSignInDateTime",
            e.signin.map(time::iso_seconds).as_deref(),
        )
        .opt_b("onPremisesSyncEnabled", e.synced.then_some(true))
        .s("manufacturer", e.mfr)
        .s("model", e.model)
        .arr("physicalIds", &physical_ids(e))
        .arr(
            "systemLabels",
            &if e.labels.is_empty() {
                Vec::new()
            } else {
                vec![e.labels.to_string()]
            },
        );
    j.done()
}

pub(crate) fn entra_graph(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut pages = Pages::new(
        Out::create(path, Encoding::Utf8)?,
        "https://graph.microsoft.com/v1.0/$metadata#devices",
        "https://graph.microsoft.com/v1.0/devices",
        GRAPH_PAGE,
    );
    for_each_entra(fleet, |e| pages.push(entra_json(e)))?;
    pages.finish()
}

// ----------------------------------------------------------------------------------------
// ConfigMgr

pub(crate) const CM_HEADER: [&str; 17] = [
    "ResourceID",
    "Name0",
    "Client0",
    "Active0",
    "Obsolete0",
    "Operating_System_Name_and0",
    "Build01",
    "AADDeviceID",
    "SMBIOS_GUID0",
    "SerialNumber0",
    "LastActiveTime",
    "MDMEnrolled",
    "ComgmtPolicyPresent",
    "HybridAADJoined",
    "AADJoined",
    "MDMWorkloads",
    "EnrollmentStatusCode",
];

/// The same columns as PowerShell names them (no `0` suffix).
pub(crate) const CM_PS_HEADER: [&str; 17] = [
    "ResourceID",
    "Name",
    "Client",
    "Active",
    "Obsolete",
    "Operating_System_Name_and",
    "Build",
    "AADDeviceID",
    "SMBIOS_GUID",
    "SerialNumber",
    "LastActiveTime",
    "MDMEnrolled",
    "ComgmtPolicyPresent",
    "HybridAADJoined",
    "AADJoined",
    "MDMWorkloads",
    "EnrollmentStatusCode",
];

/// `powershell`: PowerShell spellings (empty for NULL, en-US dates, lower-case GUIDs).
fn cm_fields(c: &CmRec, powershell: bool) -> Fields {
    let null: Cow<'static, str> = if powershell { "".into() } else { "NULL".into() };
    let int = |b: Option<bool>| b.map_or(null.clone(), |b| if b { "1" } else { "0" }.into());
    let guid = |g: u128| -> Cow<'static, str> {
        if powershell {
            guid_text(g).into()
        } else {
            upper_guid(g).into()
        }
    };
    let co = c.co;
    vec![
        c.resource_id.to_string().into(),
        c.name.clone().into(),
        int(c.client),
        int(c.active),
        int(Some(c.obsolete)),
        c.os_name.into(),
        c.build.into(),
        c.aad.map_or(null.clone(), guid),
        guid(c.smbios),
        c.serial.clone().map_or(null.clone(), Cow::Owned),
        c.last_active.map_or(null.clone(), |t| {
            if powershell {
                time::us(t).into()
            } else {
                time::sql(t).into()
            }
        }),
        int(co.map(|x| x.mdm_enrolled)),
        int(co.map(|x| x.policy)),
        int(co.map(|x| x.hybrid)),
        int(co.map(|x| x.aad)),
        co.and_then(|x| x.workloads)
            .map_or(null.clone(), |w| w.to_string().into()),
        co.and_then(|x| x.status)
            .map_or(null.clone(), |s| s.to_string().into()),
    ]
}

fn cm_rows(_: &Device, rec: super::scenario::Records) -> Vec<CmRec> {
    rec.cm
}

/// The site database query's result as SQL Server Management Studio saves it.
pub(crate) fn configmgr_sql_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut w = csv_writer(
        Out::create(path, Encoding::Utf8)?,
        b',',
        csv::QuoteStyle::Necessary,
        true,
    );
    w.write_record(CM_HEADER)?;
    for_each_record(fleet, cm_rows, |c| {
        w.write_record(cm_fields(c, false).iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

/// `Invoke-Sqlcmd ... | Export-Csv -Encoding Unicode` under Windows PowerShell 5.1.
pub(crate) fn configmgr_powershell_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut out = Out::create(path, Encoding::Utf16Le)?;
    out.write_all(b"#TYPE System.Management.Automation.PSCustomObject\r\n")?;
    let mut w = csv_writer(out, b',', csv::QuoteStyle::Always, true);
    w.write_record(CM_PS_HEADER)?;
    for_each_record(fleet, cm_rows, |c| {
        w.write_record(cm_fields(c, true).iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

// ----------------------------------------------------------------------------------------
// Autopilot

pub(crate) const AUTOPILOT_BLADE_HEADER: [&str; 12] = [
    "Serial number",
    "Manufacturer",
    "Model",
    "Group tag",
    "Purchase order",
    "User",
    "Device name",
    "Profile status",
    "Assigned profile",
    "Date assigned",
    "Enrollment state",
    "Last contacted",
];

pub(crate) const AUTOPILOT_HASH_HEADER: [&str; 5] = [
    "Device Serial Number",
    "Windows Product ID",
    "Hardware Hash",
    "Group Tag",
    "Assigned User",
];

fn ap_rows(_: &Device, rec: super::scenario::Records) -> Vec<ApRec> {
    rec.ap
}

/// Devices > Windows > Enrollment > Devices (Autopilot) > Export.
pub(crate) fn autopilot_blade_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut w = csv_writer(
        Out::create(path, Encoding::Utf8Bom)?,
        b',',
        csv::QuoteStyle::Necessary,
        true,
    );
    w.write_record(AUTOPILOT_BLADE_HEADER)?;
    for_each_record(fleet, ap_rows, |a| {
        let fields: Fields = vec![
            a.serial.clone().into(),
            a.mfr.into(),
            a.model.into(),
            a.group_tag.into(),
            a.purchase_order.clone().unwrap_or_default().into(),
            a.user.map_or(String::new(), |u| u.upn()).into(),
            "".into(),
            "Assigned".into(),
            a.profile.into(),
            time::iso_seconds(a.assigned).into(),
            match a.state {
                ApState::Enrolled => "Enrolled",
                ApState::NotContacted => "Not contacted",
                ApState::Failed => "Failed",
            }
            .into(),
            a.last_contact
                .map_or(String::new(), time::iso_seconds)
                .into(),
        ];
        w.write_record(fields.iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

/// Get-WindowsAutopilotInfo -GroupTag -AssignedUser under Windows PowerShell 5.1:
/// `ConvertTo-Csv` with the quotes stripped, `Out-File` (UTF-16LE with BOM).
pub(crate) fn autopilot_hash_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut w = csv_writer(
        Out::create(path, Encoding::Utf16Le)?,
        b',',
        csv::QuoteStyle::Never,
        true,
    );
    w.write_record(AUTOPILOT_HASH_HEADER)?;
    for_each_record(fleet, ap_rows, |a| {
        let fields: Fields = vec![
            a.serial.clone().into(),
            "".into(),
            a.hardware_hash().into(),
            a.group_tag.into(),
            a.user.map_or(String::new(), |u| u.upn()).into(),
        ];
        w.write_record(fields.iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    finish_csv(w)
}

fn autopilot_json(a: &ApRec) -> String {
    let mut j = Json::new();
    j.s(
        "@odata.type",
        "#microsoft.graph.windowsAutopilotDeviceIdentity",
    )
    .s("id", &guid_text(a.id))
    .s("deploymentProfileAssignmentStatus", "assignedInSync")
    .s(
        "deploymentProfileAssignedDateTime",
        &time::iso_seconds(a.assigned),
    )
    .s("groupTag", a.group_tag)
    .s(
        "purchaseOrderIdentifier",
        a.purchase_order.as_deref().unwrap_or_default(),
    )
    .s("serialNumber", &a.serial)
    .s("productKey", "")
    .s("manufacturer", a.mfr)
    .s("model", a.model)
    .s(
        "enrollmentState",
        match a.state {
            ApState::Enrolled => "enrolled",
            ApState::NotContacted => "notContacted",
            ApState::Failed => "failed",
        },
    )
    .s(
        "lastContactedDateTime",
        &a.last_contact
            .map_or_else(|| "0001-01-01T00:00:00Z".to_string(), time::iso_seconds),
    )
    .s(
        "addressableUserName",
        &a.user.map_or(String::new(), |u| u.display()),
    )
    .s(
        "userPrincipalName",
        &a.user.map_or(String::new(), |u| u.upn()),
    )
    .s("azureActiveDirectoryDeviceId", &guid_text(a.entra_id))
    .s("azureAdDeviceId", &guid_text(a.entra_id))
    .s("managedDeviceId", &guid_text(a.managed_id))
    .s("displayName", "");
    j.done()
}

/// `windowsAutopilotDeviceIdentities` as NDJSON, one object a line.
pub(crate) fn autopilot_graph(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut out = Out::create(path, Encoding::Utf8)?;
    for_each_record(fleet, ap_rows, |a| {
        out.write_all(autopilot_json(a).as_bytes())?;
        out.write_all(b"\n")
    })?;
    out.finish()
}

// ----------------------------------------------------------------------------------------
// expected.csv

/// The expected rows of a form, sorted by `device_key`.
pub(crate) fn expected_rows(fleet: &Fleet, form: Form) -> Vec<ExpRow> {
    let mut rows = Vec::with_capacity(fleet.len());
    for idx in 0..fleet.len() {
        expected::rows(&fleet.device(idx), form, &mut rows);
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

pub(crate) fn expected_csv(fleet: &Fleet, path: &Path, form: Form) -> io::Result<()> {
    let rows = expected_rows(fleet, form);
    let mut w = csv_writer(
        Out::create(path, Encoding::Utf8)?,
        b',',
        csv::QuoteStyle::Necessary,
        false,
    );
    w.write_record(expected::HEADER)?;
    for r in &rows {
        w.write_record(r.fields())?;
    }
    finish_csv(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping_round_trips() {
        let nasty = "=HYPERLINK(\"x\";\"y\") \\ Zoë\n\t\u{1}end";
        let mut out = String::new();
        escape_into(&mut out, nasty);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, nasty);
    }

    #[test]
    fn utf16_writer_handles_split_characters() {
        let mut w = Utf16Writer::new(Vec::new(), false).unwrap();
        let bytes = "aë€😀".as_bytes();
        for b in bytes {
            w.write_all(std::slice::from_ref(b)).unwrap();
        }
        let out = w.finish().unwrap();
        let units: Vec<u16> = out[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(&out[..2], &[0xFF, 0xFE]);
        assert_eq!(String::from_utf16(&units).unwrap(), "aë€😀");
    }
}
