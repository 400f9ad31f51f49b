//! Evidence: the source values that made a rule fire, as `source:Column=value` pairs
//! joined by `; ` (the column as spelled in that input file), plus derived values as
//! `name=value`.

use super::facts::Facts;
use crate::classify::Classified;
use crate::ingest::configmgr::status_meaning;
use crate::ingest::value::{format_ts, Micros};
use crate::model::OwnershipSource;
use crate::policy::Policy;
use crate::resolve::Resolved;

struct Ev<'a> {
    r: &'a Resolved,
    di: usize,
    /// The parts so far, joined by `; ` as they come (one string per finding).
    out: String,
}

fn show(v: Option<&str>) -> &str {
    v.unwrap_or("")
}

fn b(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

impl Ev<'_> {
    fn dev(&self) -> &crate::resolve::Device {
        &self.r.devices[self.di]
    }
    fn intune(&self) -> Option<&crate::ingest::intune::IntuneRecord> {
        self.dev().intune.first().map(|&i| &self.r.fleet.intune[i])
    }
    fn entra(&self) -> Option<&crate::ingest::entra::EntraRecord> {
        self.dev().entra.map(|e| &self.r.fleet.entra[e])
    }
    fn cm(&self) -> Option<&crate::ingest::configmgr::ConfigMgrRecord> {
        self.dev()
            .configmgr
            .first()
            .map(|&i| &self.r.fleet.configmgr[i])
    }
    fn ap(&self) -> Option<&crate::ingest::autopilot::AutopilotRecord> {
        self.dev()
            .autopilot
            .first()
            .map(|&i| &self.r.fleet.autopilot[i])
    }
    fn src(&mut self, source: &str, file: u16, field: &str, default: &'static str, value: &str) {
        let col = self.r.fleet.column(file, field, default);
        self.part(format_args!("{source}:{col}={value}"));
    }
    fn part(&mut self, part: std::fmt::Arguments<'_>) {
        use std::fmt::Write;
        if !self.out.is_empty() {
            self.out.push_str("; ");
        }
        // Writing into a String cannot fail.
        let _ = self.out.write_fmt(part);
    }
    fn derived(&mut self, name: &str, value: impl std::fmt::Display) {
        self.part(format_args!("{name}={value}"));
    }
    fn ownership(&mut self, c: &Classified) {
        match c.ownership_source {
            OwnershipSource::Intune => {
                if let Some(i) = self.intune() {
                    let (f, v) = (i.file, i.ownership_raw);
                    self.src("intune", f, "OWNERSHIP", "Ownership", show(v.as_deref()));
                }
            }
            OwnershipSource::Entra => {
                if let Some(e) = self.entra() {
                    let (f, v) = (e.file, e.ownership_raw);
                    self.src(
                        "entra",
                        f,
                        "OWNERSHIP",
                        "deviceOwnership",
                        show(v.as_deref()),
                    );
                }
            }
            OwnershipSource::Inferred => {
                self.derived("ownership", format!("{} (inferred)", c.ownership))
            }
        }
    }
    fn enrollment_type(&mut self) {
        if let Some(i) = self.intune() {
            let (f, v) = (i.file, i.enrollment_type_raw);
            if let Some(v) = v {
                self.src("intune", f, "ENROLLMENT_TYPE", "EnrollmentType", &v);
            }
        }
    }
    fn join(&mut self, c: &Classified) {
        match self.entra().filter(|e| e.trust.is_some()) {
            Some(e) => {
                let (f, v) = (e.file, e.trust_raw);
                self.src("entra", f, "TRUST_TYPE", "trustType", show(v.as_deref()));
            }
            None => self.derived("join_type", c.join_type),
        }
    }
    fn autopilot(&mut self) {
        if let Some(a) = self.ap() {
            let (f, v) = (
                a.file,
                a.serial
                    .as_ref()
                    .map(|s| s.to_string())
                    .or_else(|| a.id.map(|g| g.to_string())),
            );
            self.src("autopilot", f, "SERIAL", "serialNumber", show(v.as_deref()));
        } else if let Some(z) = self.entra().and_then(|e| e.ztdid) {
            let f = self.entra().map(|e| e.file).unwrap_or_default();
            self.src(
                "entra",
                f,
                "PHYSICAL_IDS",
                "physicalIds",
                &format!("[ZTDID]:{z}"),
            );
        }
    }
    fn comgmt(&mut self, with_code: bool) {
        if let Some(c) = self.cm() {
            let (f, p, m, code) = (c.file, c.comgmt_policy, c.mdm_enrolled, c.status_code);
            self.src(
                "configmgr",
                f,
                "COMGMT_POLICY",
                "ComgmtPolicyPresent",
                if p == Some(true) { "1" } else { "0" },
            );
            self.src(
                "configmgr",
                f,
                "MDM_ENROLLED",
                "MDMEnrolled",
                if m == Some(true) { "1" } else { "0" },
            );
            let code_text = match code {
                Some(c) if with_code => match status_meaning(c) {
                    Some(m) => format!("0x{c:08X} ({m})"),
                    None => format!("0x{c:08X}"),
                },
                Some(c) => c.to_string(),
                None => String::new(),
            };
            self.src(
                "configmgr",
                f,
                "STATUS_CODE",
                "EnrollmentStatusCode",
                &code_text,
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn for_rule(
    code: &str,
    di: usize,
    r: &Resolved,
    c: &Classified,
    facts: &Facts,
    policy: &Policy,
    as_of: Option<Micros>,
) -> String {
    let mut e = Ev {
        r,
        di,
        out: String::new(),
    };
    match code {
        "FLT001" => {
            e.ownership(c);
            e.enrollment_type();
            e.derived("enrollment_method", c.enrollment_method);
        }
        "FLT002" => {
            e.ownership(c);
            e.autopilot();
        }
        "FLT003" | "FLT004" => {
            e.ownership(c);
            e.join(c);
            if code == "FLT003" {
                e.derived("byod.allow_join", policy.byod.allow_join);
            }
        }
        "FLT005" => {
            let i = e.intune().map(|i| i.file).unwrap_or_default();
            e.src("intune", i, "ENTRA_ID", "azureADDeviceId", "");
            e.derived("enrollment_method", c.enrollment_method);
        }
        "FLT006" | "FLT105" => {
            if let Some(x) = e.entra() {
                let (f, m, app, name) = (x.file, x.is_managed, x.mdm_app_id, x.mdm_name);
                e.src("entra", f, "IS_MANAGED", "isManaged", b(m));
                if let Some(app) = app {
                    e.src("entra", f, "MDM_APP_ID", "mdmAppId", &app);
                }
                if let Some(name) = name {
                    e.src("entra", f, "MDM_NAME", "mdmDisplayName", &name);
                }
            }
            e.derived("management", c.management);
        }
        "FLT007" => {
            e.enrollment_type();
            e.derived("join_type", c.join_type);
            e.derived("autopilot_registered", c.autopilot_registered);
            e.derived("management", c.management);
        }
        "FLT008" => {
            e.enrollment_type();
            e.derived("os_version", show(c.os_version.as_deref()));
        }
        "FLT009" => {
            if let Some(x) = e.cm().filter(|x| x.client) {
                let (f, v, os) = (x.file, x.build, x.os_name);
                e.src("configmgr", f, "BUILD", "Build01", show(v.as_deref()));
                e.src(
                    "configmgr",
                    f,
                    "OS_NAME",
                    "Operating_System_Name_and0",
                    show(os.as_deref()),
                );
            }
            if let Some(x) = e.entra() {
                if let Some(v) = x.os_version {
                    let f = x.file;
                    e.src("entra", f, "OS_VERSION", "operatingSystemVersion", &v);
                }
            }
        }
        "FLT010" => e.comgmt(true),
        "FLT017" => e.comgmt(false),
        "FLT011" => {
            e.join(c);
            if let Some(x) = e.entra() {
                let f = x.file;
                e.src("entra", f, "REGISTERED", "registrationDateTime", "");
            }
        }
        "FLT012" => {
            if let Some(x) = e.cm() {
                let f = x.file;
                e.src("configmgr", f, "CLIENT", "Client0", "1");
                e.src("configmgr", f, "AAD_DEVICE_ID", "AADDeviceID", "");
            }
            e.derived("entra_object", "none");
        }
        "FLT013" => {
            let d = e.dev().clone();
            if let Some(x) = d.configmgr.first().map(|&i| &r.fleet.configmgr[i]) {
                e.src("configmgr", x.file, "CLIENT", "Client0", "1");
            }
            for &i in &d.intune {
                let x = &r.fleet.intune[i];
                if x.agent == Some(crate::ingest::intune::Agent::ClassicAgent) {
                    e.src(
                        "intune",
                        x.file,
                        "MANAGED_BY",
                        "managementAgent",
                        show(x.managed_by_raw.as_deref()),
                    );
                }
            }
        }
        "FLT014" => {
            e.ownership(c);
            e.join(c);
            e.derived("management", c.management);
            e.derived("byod.mdm", &policy.byod.mdm);
        }
        "FLT015" => {
            e.ownership(c);
            if let Some(x) = e.entra().filter(|x| {
                x.profile_type
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case("shared"))
            }) {
                let f = x.file;
                e.src("entra", f, "PROFILE_TYPE", "profileType", "Shared");
            }
            if e.intune().and_then(|i| i.enrollment_type)
                == Some(crate::ingest::intune::EnrollmentType::WindowsBulkUserless)
            {
                e.enrollment_type();
            }
            let tags: Vec<(u16, String)> = e
                .dev()
                .autopilot
                .iter()
                .filter_map(|&a| {
                    r.fleet.autopilot[a]
                        .group_tag
                        .map(|t| (r.fleet.autopilot[a].file, t.to_string()))
                })
                .filter(|(_, t)| {
                    policy
                        .corporate
                        .userless_group_tags
                        .iter()
                        .any(|u| u.eq_ignore_ascii_case(t))
                })
                .collect();
            for (f, t) in tags {
                e.src("autopilot", f, "GROUP_TAG", "groupTag", &t);
            }
        }
        "FLT016" => {
            e.ownership(c);
            e.join(c);
            e.derived("management", c.management);
            e.derived("last_seen", c.last_seen.map(format_ts).unwrap_or_default());
        }
        "FLT018" => {
            e.ownership(c);
            e.enrollment_type();
            e.derived("join_type", c.join_type);
        }
        "FLT101" => {
            e.derived("last_seen", c.last_seen.map(format_ts).unwrap_or_default());
            e.derived("as_of", as_of.map(format_ts).unwrap_or_default());
            e.derived("stale_days", policy.activity.stale_days);
        }
        "FLT102" => {
            let d = e.dev().clone();
            for &i in d.intune.iter().skip(1) {
                let x = &r.fleet.intune[i];
                e.src("intune", x.file, "ID", "id", x.id.as_str(&mut [0; 36]));
            }
            if facts.dup_serial_loser {
                if let Some(x) = d.intune.first().map(|&i| &r.fleet.intune[i]) {
                    e.src(
                        "intune",
                        x.file,
                        "SERIAL",
                        "serialNumber",
                        show(x.serial.as_deref()),
                    );
                }
                e.derived("newer_record_with_serial", "true");
            }
        }
        "FLT103" => {
            if let Some(x) = e.entra() {
                let (f, h, t, n) = (x.file, x.hwid.clone(), x.trust_raw, x.name.clone());
                if facts.hwid_dup {
                    e.src(
                        "entra",
                        f,
                        "PHYSICAL_IDS",
                        "physicalIds",
                        &format!("[HWID]:{}", show(h.as_deref())),
                    );
                }
                if facts.workplace_name_dup {
                    e.src("entra", f, "TRUST_TYPE", "trustType", show(t.as_deref()));
                    e.src("entra", f, "NAME", "displayName", show(n.as_deref()));
                }
            }
        }
        "FLT104" => {
            let d = e.dev().clone();
            if let Some(x) = d
                .intune
                .iter()
                .map(|&i| &r.fleet.intune[i])
                .find(|x| x.entra_device_id.is_some())
            {
                let g = x.entra_device_id.map(|g| g.to_string()).unwrap_or_default();
                e.src("intune", x.file, "ENTRA_ID", "azureADDeviceId", &g);
            }
            e.derived("entra_object", "none");
        }
        "FLT106" => {
            if let Some(x) = e.intune() {
                let (f, v) = (x.file, x.ownership_raw);
                e.src("intune", f, "OWNERSHIP", "Ownership", show(v.as_deref()));
            }
            if let Some(x) = e.entra() {
                let (f, v) = (x.file, x.ownership_raw);
                e.src(
                    "entra",
                    f,
                    "OWNERSHIP",
                    "deviceOwnership",
                    show(v.as_deref()),
                );
            }
        }
        "FLT107" => {
            if let Some(x) = e.intune().filter(|x| x.compliance.is_some()) {
                let (f, v) = (x.file, x.compliance);
                e.src(
                    "intune",
                    f,
                    "COMPLIANCE",
                    "complianceState",
                    show(v.as_deref()),
                );
            }
            if let Some(x) = e
                .entra()
                .filter(|x| x.is_compliant == Some(false) && x.is_managed == Some(true))
            {
                let f = x.file;
                e.src("entra", f, "IS_COMPLIANT", "isCompliant", "false");
                e.src("entra", f, "IS_MANAGED", "isManaged", "true");
            }
        }
        "FLT108" => {
            let d = e.dev().clone();
            for &a in &d.autopilot {
                let x = &r.fleet.autopilot[a];
                if matches!(x.state.as_deref(), Some("notcontacted" | "failed")) {
                    e.src(
                        "autopilot",
                        x.file,
                        "STATE",
                        "enrollmentState",
                        show(x.state_raw.as_deref()),
                    );
                }
            }
            e.derived("intune_record", "none");
        }
        "FLT109" => {
            if let Some(x) = e.entra() {
                let f = x.file;
                e.src("entra", f, "ENABLED", "accountEnabled", "false");
            }
            if let Some(x) = e.intune() {
                let (f, t) = (x.file, x.last_sync.get());
                e.src(
                    "intune",
                    f,
                    "LAST_SYNC",
                    "lastSyncDateTime",
                    &t.map(format_ts).unwrap_or_default(),
                );
            }
        }
        _ => {}
    }
    // Held until the report is written, for millions of findings: without the room the
    // string grew by (`join` gave exactly the length).
    e.out.shrink_to_fit();
    e.out
}
