//! The organisation's policy (rules.md "The policy file"): TOML, validated once, with
//! errors that name the key and the allowed values. `Policy::default()` is the behaviour
//! without a file; `DEFAULT_TOML` is what `fleetstate policy init` writes.

use crate::model::{JoinType, State};
use crate::rules::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub activity: Activity,
    pub byod: Byod,
    pub corporate: Corporate,
    pub progress: Progress,
    pub recommend: Recommend,
    /// Per-rule overrides: `None` = off.
    pub rules: BTreeMap<String, RuleSetting>,
    pub exempt: Vec<Exemption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Error,
    Warning,
    Info,
}

impl RuleSetting {
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleSetting::Off => None,
            RuleSetting::Error => Some(Severity::Error),
            RuleSetting::Warning => Some(Severity::Warning),
            RuleSetting::Info => Some(Severity::Info),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Days without activity after which a device is stale; never below 21.
    pub stale_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Byod {
    pub allow_join: bool,
    /// `allow` or `app-protection-only`.
    pub mdm: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corporate {
    pub allowed_join_types: Vec<String>,
    pub userless_group_tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub target_states: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommend {
    pub target: String,
    pub entra_p1: bool,
}

/// An auditable exception: findings stay in the output, marked suppressed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exemption {
    /// A device_key, serial number or device name (case-insensitive).
    pub device: String,
    /// Rule codes or prefixes; empty = every rule.
    pub rules: Vec<String>,
    pub reason: String,
    /// Suppresses while `as_of`'s UTC date <= this date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The lowest `stale_days` allowed: Entra's sign-in time drifts by about 14 days.
pub const MIN_STALE_DAYS: u32 = 21;

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            activity: Activity { stale_days: 90 },
            byod: Byod {
                allow_join: false,
                mdm: "allow".into(),
            },
            corporate: Corporate {
                allowed_join_types: vec!["entra_joined".into(), "hybrid_joined".into()],
                userless_group_tags: vec!["KIOSK".into(), "SHARED".into()],
            },
            progress: Progress {
                target_states: vec!["entra_joined".into(), "co_managed".into()],
            },
            recommend: Recommend {
                target: "entra_joined".into(),
                entra_p1: true,
            },
            rules: BTreeMap::new(),
            exempt: Vec::new(),
        }
    }
}

/// What `fleetstate policy init` writes: the defaults, commented.
pub const DEFAULT_TOML: &str = r#"# fleetstate policy: the organisation's rules for its Windows fleet.
# Every key is optional; a missing key keeps the default shown here.

[activity]
# Days without activity (Intune check-in, Entra sign-in, ConfigMgr) after which a device
# is stale (FLT101). Never below 21: Entra's sign-in time only moves every ~14 days.
stale_days = 90

[byod]
# Personal devices may be Entra joined (else FLT003 flags them).
allow_join = false
# "allow": personal devices may enroll in MDM; "app-protection-only": BYOD is managed by
# app protection (MAM) only, and MDM-enrolled personal devices are flagged (FLT014).
mdm = "allow"

[corporate]
# Join types accepted for organization-owned devices (FLT004): any of
# "registered", "entra_joined", "hybrid_joined".
allowed_join_types = ["entra_joined", "hybrid_joined"]
# Autopilot group tags of user-less devices (kiosk, shared); such a device marked
# personal is flagged (FLT015).
userless_group_tags = ["KIOSK", "SHARED"]

[progress]
# The states that count as migrated in `trend`.
target_states = ["entra_joined", "co_managed"]

[recommend]
# "entra_joined" (cloud-native) or "co_managed" (Configuration Manager stays).
target = "entra_joined"
# Entra ID P1/P2 is licensed: automatic enrollment is available.
entra_p1 = true

[rules]
# Turn a rule off or change its severity: "off", "error", "warning", "info".
# FLT107 = "off"
# FLT101 = "error"

# Auditable exceptions: the findings are still written, marked suppressed.
# [[exempt]]
# device = "3f1c0000-0000-0000-0000-000000000000"   # device_key, serial or name
# rules = ["FLT003"]                                 # codes or prefixes; all when absent
# reason = "approved personal laptop, ticket 4711"
# expires = "2027-01-01"                             # suppresses while as_of <= expires
"#;

/// A policy file that cannot be used: names the key and what it allows.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: `{key}`: {message}")]
    Key {
        path: String,
        key: String,
        message: String,
    },
}

struct Ctx<'a> {
    path: &'a str,
}

impl Ctx<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> PolicyError {
        PolicyError::Key {
            path: self.path.to_string(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn table<'v>(&self, key: &str, v: &'v toml::Value) -> Result<&'v toml::Table, PolicyError> {
        v.as_table()
            .ok_or_else(|| self.err(key, "expected a table"))
    }

    fn bool(&self, key: &str, v: &toml::Value) -> Result<bool, PolicyError> {
        v.as_bool()
            .ok_or_else(|| self.err(key, "expected true or false"))
    }

    fn string(&self, key: &str, v: &toml::Value) -> Result<String, PolicyError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.err(key, "expected a string"))
    }

    fn one_of(&self, key: &str, v: &toml::Value, allowed: &[&str]) -> Result<String, PolicyError> {
        let s = v
            .as_str()
            .ok_or_else(|| self.err(key, format!("expected one of {}", quoted(allowed))))?;
        if allowed.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(self.err(
                key,
                format!("{s:?} is not allowed; expected one of {}", quoted(allowed)),
            ))
        }
    }

    fn list(
        &self,
        key: &str,
        v: &toml::Value,
        allowed: Option<&[&str]>,
    ) -> Result<Vec<String>, PolicyError> {
        let arr = v
            .as_array()
            .ok_or_else(|| self.err(key, "expected a list of strings"))?;
        let mut out = Vec::new();
        for item in arr {
            let s = item
                .as_str()
                .ok_or_else(|| self.err(key, "expected a list of strings"))?;
            if let Some(allowed) = allowed {
                if !allowed.contains(&s) {
                    return Err(self.err(
                        key,
                        format!("{s:?} is not allowed; expected any of {}", quoted(allowed)),
                    ));
                }
            }
            out.push(s.to_string());
        }
        Ok(out)
    }

    fn unknown(&self, key: &str, allowed: &[&str]) -> PolicyError {
        self.err(
            key,
            format!("unknown key; expected one of {}", quoted(allowed)),
        )
    }
}

fn quoted(v: &[&str]) -> String {
    v.iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Policy {
    /// Parses and validates a policy file's text.
    pub fn from_toml(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let root: toml::Table = toml::from_str(text).map_err(|e| PolicyError::Syntax {
            path: path.to_string(),
            message: e.to_string().trim().to_string(),
        })?;
        let c = Ctx { path };
        let mut p = Policy::default();
        let sections = [
            "activity",
            "byod",
            "corporate",
            "progress",
            "recommend",
            "rules",
            "exempt",
        ];
        for (section, value) in &root {
            match section.as_str() {
                "activity" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("activity.{k}");
                        match k.as_str() {
                            "stale_days" => {
                                let n = v.as_integer().ok_or_else(|| {
                                    c.err(&key, "expected a whole number of days")
                                })?;
                                if n < MIN_STALE_DAYS as i64 || n > 36_500 {
                                    return Err(c.err(&key, format!("{n} is not allowed; expected {MIN_STALE_DAYS} or more days (Entra's sign-in time drifts by about 14 days)")));
                                }
                                p.activity.stale_days = n as u32;
                            }
                            _ => return Err(c.unknown(&key, &["stale_days"])),
                        }
                    }
                }
                "byod" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("byod.{k}");
                        match k.as_str() {
                            "allow_join" => p.byod.allow_join = c.bool(&key, v)?,
                            "mdm" => {
                                p.byod.mdm = c.one_of(&key, v, &["allow", "app-protection-only"])?
                            }
                            _ => return Err(c.unknown(&key, &["allow_join", "mdm"])),
                        }
                    }
                }
                "corporate" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("corporate.{k}");
                        match k.as_str() {
                            "allowed_join_types" => {
                                p.corporate.allowed_join_types = c.list(
                                    &key,
                                    v,
                                    Some(&["registered", "entra_joined", "hybrid_joined"]),
                                )?
                            }
                            "userless_group_tags" => {
                                p.corporate.userless_group_tags = c.list(&key, v, None)?
                            }
                            _ => {
                                return Err(
                                    c.unknown(&key, &["allowed_join_types", "userless_group_tags"])
                                )
                            }
                        }
                    }
                }
                "progress" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("progress.{k}");
                        match k.as_str() {
                            "target_states" => {
                                let states: Vec<&str> =
                                    State::ALL.iter().map(|s| s.as_str()).collect();
                                p.progress.target_states = c.list(&key, v, Some(&states))?;
                            }
                            _ => return Err(c.unknown(&key, &["target_states"])),
                        }
                    }
                }
                "recommend" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("recommend.{k}");
                        match k.as_str() {
                            "target" => {
                                p.recommend.target =
                                    c.one_of(&key, v, &["entra_joined", "co_managed"])?
                            }
                            "entra_p1" => p.recommend.entra_p1 = c.bool(&key, v)?,
                            _ => return Err(c.unknown(&key, &["target", "entra_p1"])),
                        }
                    }
                }
                "rules" => {
                    for (k, v) in c.table(section, value)? {
                        let key = format!("rules.{k}");
                        if crate::rules::by_code(k).is_none() {
                            return Err(
                                c.err(&key, "no such rule; `fleetstate rules` lists the codes")
                            );
                        }
                        let setting = match c
                            .one_of(&key, v, &["off", "error", "warning", "info"])?
                            .as_str()
                        {
                            "off" => RuleSetting::Off,
                            "error" => RuleSetting::Error,
                            "warning" => RuleSetting::Warning,
                            _ => RuleSetting::Info,
                        };
                        p.rules.insert(k.clone(), setting);
                    }
                }
                "exempt" => {
                    let arr = value
                        .as_array()
                        .ok_or_else(|| c.err("exempt", "expected [[exempt]] tables"))?;
                    for (i, item) in arr.iter().enumerate() {
                        let base = format!("exempt[{i}]");
                        let t = c.table(&base, item)?;
                        let mut e = Exemption {
                            device: String::new(),
                            rules: Vec::new(),
                            reason: String::new(),
                            expires: None,
                        };
                        for (k, v) in t {
                            let key = format!("{base}.{k}");
                            match k.as_str() {
                                "device" => e.device = c.string(&key, v)?,
                                "reason" => e.reason = c.string(&key, v)?,
                                "rules" => {
                                    e.rules = c.list(&key, v, None)?;
                                    for r in &e.rules {
                                        if !crate::rules::REGISTRY
                                            .iter()
                                            .any(|rule| rule.code.starts_with(r.as_str()))
                                            || r.is_empty()
                                        {
                                            return Err(
                                                c.err(&key, format!("{r:?} matches no rule code"))
                                            );
                                        }
                                    }
                                }
                                "expires" => {
                                    let s = match v {
                                        toml::Value::String(s) => s.clone(),
                                        toml::Value::Datetime(d) => d.to_string(),
                                        _ => {
                                            return Err(
                                                c.err(&key, "expected a date as \"YYYY-MM-DD\"")
                                            )
                                        }
                                    };
                                    if chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_err() {
                                        return Err(c.err(
                                            &key,
                                            format!("{s:?} is not a date; expected \"YYYY-MM-DD\""),
                                        ));
                                    }
                                    e.expires = Some(s);
                                }
                                _ => {
                                    return Err(
                                        c.unknown(&key, &["device", "rules", "reason", "expires"])
                                    )
                                }
                            }
                        }
                        if e.device.trim().is_empty() {
                            return Err(c.err(
                                &format!("{base}.device"),
                                "required: a device_key, serial number or device name",
                            ));
                        }
                        if e.reason.trim().is_empty() {
                            return Err(c.err(
                                &format!("{base}.reason"),
                                "required: why the exception was granted (auditors read it)",
                            ));
                        }
                        p.exempt.push(e);
                    }
                }
                _ => return Err(c.unknown(section, &sections)),
            }
        }
        Ok(p)
    }

    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Syntax {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        Policy::from_toml(&text, &shown)
    }

    pub fn join_type_allowed_for_corporate(&self, j: JoinType) -> bool {
        self.corporate
            .allowed_join_types
            .iter()
            .any(|a| a == j.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_is_the_default_policy() {
        assert_eq!(
            Policy::from_toml(DEFAULT_TOML, "p").unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn errors_name_the_key_and_allowed_values() {
        let e = Policy::from_toml("[byod]\nmdm = \"never\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`byod.mdm`") && e.contains("\"app-protection-only\""),
            "{e}"
        );
        let e = Policy::from_toml("[activity]\nstale_days = 7\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`activity.stale_days`") && e.contains("21"),
            "{e}"
        );
        let e = Policy::from_toml("[corporate]\nallowed_join_types = [\"joined\"]\n", "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"entra_joined\""), "{e}");
        let e = Policy::from_toml("[rules]\nFLT999 = \"off\"\n", "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`rules.FLT999`"), "{e}");
        let e = Policy::from_toml("[colour]\n", "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`colour`") && e.contains("\"activity\""), "{e}");
        let e = Policy::from_toml("[[exempt]]\ndevice = \"x\"\n", "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`exempt[0].reason`"), "{e}");
    }
}
