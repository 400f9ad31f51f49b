//! The rule engine: the catalogue ([`registry`]), the facts per device ([`facts`]), the
//! rules' column logic as polars expressions evaluated in one vectorised pass, then
//! severity overrides, selection and exemptions applied in one place, after the checks.

pub mod docs;
pub mod evidence;
pub mod facts;
pub mod registry;

use crate::classify::Classified;
use crate::ingest::value::{format_ts, Micros};
use crate::model::Source;
use crate::policy::{Exemption, Policy};
use crate::resolve::Resolved;
use polars::prelude::*;
use rayon::prelude::*;
pub use registry::{Rule, REGISTRY};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// As a value set, severities run from the lowest up (the order of the type), so that the
/// `max_severity` column of devices.parquet orders as severities do.
impl crate::model::Member for Severity {
    fn all() -> &'static [Severity] {
        &[Severity::Info, Severity::Warning, Severity::Error]
    }
    fn index(self) -> usize {
        self as usize
    }
    fn label(self) -> &'static str {
        self.as_str()
    }
}

pub fn by_code(code: &str) -> Option<&'static Rule> {
    REGISTRY.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// `--select` / `--ignore`: codes or prefixes (`FLT0`, `FLT10`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

fn matches(code: &str, patterns: &[String]) -> bool {
    patterns
        .iter()
        .any(|p| code.starts_with(&p.to_ascii_uppercase()))
}

/// Every pattern must match at least one code.
pub fn validate_patterns(patterns: &[String]) -> Result<(), String> {
    for p in patterns {
        if p.is_empty()
            || !REGISTRY
                .iter()
                .any(|r| r.code.starts_with(&p.to_ascii_uppercase()))
        {
            return Err(format!(
                "{p:?} matches no rule code (codes are FLT001-FLT018, FLT101-FLT109)"
            ));
        }
    }
    Ok(())
}

/// The rules that run and their severities: defaults, then the policy's `[rules]`, then
/// `--select` / `--ignore`, which take precedence.
pub fn effective(policy: &Policy, sel: &Selection) -> Vec<(&'static Rule, Severity)> {
    REGISTRY
        .iter()
        .filter_map(|r| {
            let setting = policy.rules.get(r.code);
            let mut on = setting.is_none_or(|s| s.severity().is_some());
            if !sel.select.is_empty() {
                on = matches(r.code, &sel.select);
            }
            if matches(r.code, &sel.ignore) {
                on = false;
            }
            let severity = setting.and_then(|s| s.severity()).unwrap_or(r.severity);
            on.then_some((r, severity))
        })
        .collect()
}

/// What a rule needs to have been given.
pub struct Given {
    pub intune: bool,
    pub entra: bool,
    pub entra_device_id: bool,
    pub configmgr: bool,
}

/// The code of classification value `v` in the rules frame's column `c` (its enum's
/// index, see `facts::frame`); `u32::MAX`, which matches nothing, for an unknown value.
fn value_code(c: &str, v: &str) -> u32 {
    use crate::model::{EnrollmentMethod, JoinType, Management, Ownership};
    match c {
        "ownership" => Ownership::parse(v).map(|x| x as u32),
        "join_type" => JoinType::parse(v).map(|x| x as u32),
        "management" => Management::parse(v).map(|x| x as u32),
        "enrollment_method" => EnrollmentMethod::parse(v).map(|x| x as u32),
        _ => None,
    }
    .unwrap_or(u32::MAX)
}

/// A rule's column logic over the facts frame.
fn expr(code: &str, policy: &Policy, g: &Given, as_of: Option<Micros>) -> Expr {
    let s = |c: &str, v: &str| col(c).eq(lit(value_code(c, v)));
    let b = col;
    let personal = || s("ownership", "personal");
    let corporate = || s("ownership", "corporate");
    let em = |v: &str| s("enrollment_method", v);
    let jt = |v: &str| s("join_type", v);
    let joined = || jt("entra_joined").or(jt("hybrid_joined"));
    let no_intune_mdm = || b("intune_mdm").not();
    match code {
        "FLT001" => personal().and(em("bulk")),
        "FLT002" => personal().and(b("autopilot_registered")),
        "FLT003" => personal().and(joined()).and(lit(!policy.byod.allow_join)),
        "FLT004" => {
            let mut disallowed = lit(false);
            for j in ["registered", "entra_joined", "hybrid_joined"] {
                if !policy.corporate.allowed_join_types.iter().any(|a| a == j) {
                    disallowed = disallowed.or(jt(j));
                }
            }
            corporate().and(disallowed)
        }
        "FLT005" => b("intune_mdm").and(em("mdm_only")),
        "FLT006" => no_intune_mdm().and(b("entra_other_mdm")),
        "FLT007" => em("dem").and(
            jt("hybrid_joined")
                .or(jt("registered"))
                .or(b("autopilot_registered"))
                .or(s("management", "co_managed")),
        ),
        "FLT008" => em("bulk").and(
            col("win10_build")
                .lt_eq(lit(16299i64))
                .fill_null(lit(false)),
        ),
        "FLT009" => b("old_os"),
        "FLT010" => no_intune_mdm()
            .and(b("comgmt_policy"))
            .and(b("mdm_enrolled_zero"))
            .and(b("status_nonzero")),
        "FLT011" => jt("hybrid_pending"),
        "FLT012" => b("cm_client_no_aad")
            .and(b("has_entra").not())
            .and(lit(g.entra)),
        "FLT013" => b("cm_row_client").and(b("classic_agent")),
        "FLT014" => personal()
            .and(jt("registered"))
            .and(b("intune_mdm"))
            .and(lit(policy.byod.mdm == "app-protection-only")),
        "FLT015" => personal().and(b("userless")),
        "FLT016" => corporate()
            .and(jt("entra_joined").or(jt("hybrid_joined").and(lit(g.configmgr))))
            .and(s("management", "none").or(s("management", "mde")))
            .and(b("has_last_seen"))
            .and(lit(g.intune)),
        "FLT017" => no_intune_mdm()
            .and(b("comgmt_policy"))
            .and(b("mdm_enrolled_zero"))
            .and(b("status_nonzero").not()),
        "FLT018" => personal().and(em("gpo")),
        "FLT101" => b("stale").and(lit(as_of.is_some())),
        "FLT102" => col("intune_records")
            .gt(lit(1u32))
            .or(b("dup_serial_loser")),
        "FLT103" => b("hwid_dup").or(b("workplace_name_dup")),
        "FLT104" => b("intune_orphan").and(lit(g.entra_device_id)),
        "FLT105" => b("entra_intune_managed")
            .and(col("intune_records").eq(lit(0u32)))
            .and(lit(g.intune)),
        "FLT106" => col("intune_owner")
            .is_not_null()
            .and(col("entra_owner").is_not_null())
            .and(col("intune_owner").neq(col("entra_owner")))
            .fill_null(lit(false)),
        "FLT107" => b("noncompliant").and(s("management", "none").not()),
        "FLT108" => b("autopilot_never").and(lit(g.intune)),
        "FLT109" => b("entra_disabled").and(b("intune_recent")),
        _ => lit(false),
    }
}

/// One finding: a rule that fired on a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    /// Index into the device list.
    pub device: usize,
    pub evidence: String,
    /// The exemption's reason, when suppressed.
    pub suppressed: Option<String>,
}

/// Everything the rule pass produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Sorted by rule code, then device_key.
    pub findings: Vec<Finding>,
    pub expired_exemptions: Vec<Exemption>,
    /// The per-device facts the rules read (same order as the devices), for the
    /// recommendations of the report.
    pub facts: Vec<facts::Facts>,
}

impl Outcome {
    /// Unsuppressed rule codes and the highest severity, per device.
    pub fn per_device(&self, n: usize) -> Vec<(Vec<&'static str>, Option<Severity>)> {
        let mut out = vec![(Vec::new(), None); n];
        for f in self.findings.iter().filter(|f| f.suppressed.is_none()) {
            let (codes, max): &mut (Vec<&'static str>, Option<Severity>) = &mut out[f.device];
            codes.push(f.rule.code);
            *max = (*max).max(Some(f.severity));
        }
        for (codes, _) in out.iter_mut() {
            codes.sort_unstable();
            codes.dedup();
        }
        out
    }

    pub fn highest_unsuppressed(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.severity)
            .max()
    }
}

/// Whether an exemption names this device.
fn exemption_matches_device(e: &Exemption, d: &Classified) -> bool {
    let want = e.device.trim();
    d.device_key.eq_ignore_ascii_case(want)
        || d.serial_number
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(want))
        || d.device_name
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(want))
}

/// `expires` is still in force at `as_of` (its UTC date <= expires); a null as_of never
/// expires anything.
pub fn exemption_in_force(e: &Exemption, as_of: Option<Micros>) -> bool {
    match (&e.expires, as_of) {
        (Some(exp), Some(a)) => format_ts(a)[..10] <= exp[..],
        _ => true,
    }
}

/// Runs the enabled rules over every device in one vectorised pass. Without `evidence`
/// the findings carry no evidence text (for runs that only count them).
pub fn evaluate(
    resolved: &Resolved,
    devices: &[Classified],
    as_of: Option<Micros>,
    policy: &Policy,
    selection: &Selection,
    evidence: bool,
) -> PolarsResult<Outcome> {
    let rules = effective(policy, selection);
    let fleet = &resolved.fleet;
    let given = Given {
        intune: fleet.given.contains(&Source::Intune),
        entra: fleet.given.contains(&Source::Entra),
        entra_device_id: fleet.entra_has_device_id,
        configmgr: fleet.given.contains(&Source::ConfigMgr),
    };
    let t = crate::timing::span("  rules: facts");
    let facts = facts::compute(
        resolved,
        devices,
        as_of,
        policy.activity.stale_days,
        &policy.corporate.userless_group_tags,
    );
    drop(t);
    let mut outcome = Outcome::default();
    if rules.is_empty() || devices.is_empty() {
        outcome.expired_exemptions = policy
            .exempt
            .iter()
            .filter(|e| !exemption_in_force(e, as_of))
            .cloned()
            .collect();
        outcome.facts = facts;
        return Ok(outcome);
    }
    let t = crate::timing::span("  rules: frame + polars plan");
    let t2 = crate::timing::span("    rules: frame");
    let frame = facts::frame(devices, &facts)?;
    drop(t2);
    let exprs: Vec<Expr> = rules
        .iter()
        .map(|(r, _)| {
            expr(r.code, policy, &given, as_of)
                .fill_null(lit(false))
                .alias(r.code)
        })
        .collect();
    let fired = frame.lazy().select(exprs).collect()?;
    drop(t);
    let _t = crate::timing::span("  rules: evidence");
    // The devices each rule fired on, then their evidence on both cores.
    let mut hits: Vec<(&'static Rule, Severity, usize)> = Vec::new();
    for (rule, severity) in &rules {
        let column = fired.column(rule.code)?.as_materialized_series().bool()?;
        // The set bits of each chunk (nulls were filled with false: a set value bit of a
        // null could only come from a chunk with a validity mask, checked then).
        let mut offset = 0;
        for array in column.downcast_iter() {
            let validity = array.validity();
            hits.extend(
                array
                    .values()
                    .true_idx_iter()
                    .filter(|&i| validity.is_none_or(|v| v.get_bit(i)))
                    .map(|i| (*rule, *severity, offset + i)),
            );
            offset += array.len();
        }
    }
    drop(fired);
    outcome.findings = hits
        .par_iter()
        .map(|&(rule, severity, di)| {
            let d = &devices[di];
            let evidence = if evidence {
                evidence::for_rule(rule.code, di, resolved, d, &facts[di], policy, as_of)
            } else {
                String::new()
            };
            let suppressed = policy
                .exempt
                .iter()
                .filter(|e| exemption_matches_device(e, d))
                .filter(|e| e.rules.is_empty() || matches(rule.code, &e.rules))
                .find(|e| exemption_in_force(e, as_of))
                .map(|e| e.reason.clone());
            Finding {
                rule,
                severity,
                device: di,
                evidence,
                suppressed,
            }
        })
        .collect();
    // Devices come from `classify` in device_key order, so a device's index orders like
    // its key (and ties keep their order either way: the sort is stable). The findings
    // were made rule by rule, each rule's in device order: with the rules in code order
    // (the catalogue's), they are sorted already.
    let in_key_order = devices
        .windows(2)
        .all(|w| w[0].device_key <= w[1].device_key);
    if in_key_order && rules.windows(2).all(|w| w[0].0.code < w[1].0.code) {
        debug_assert!(outcome
            .findings
            .windows(2)
            .all(|w| (w[0].rule.code, w[0].device) <= (w[1].rule.code, w[1].device)));
    } else if in_key_order {
        outcome.findings.sort_by_key(|f| (f.rule.code, f.device));
    } else {
        outcome.findings.sort_by(|a, b| {
            a.rule.code.cmp(b.rule.code).then_with(|| {
                devices[a.device]
                    .device_key
                    .cmp(&devices[b.device].device_key)
            })
        });
    }
    outcome.expired_exemptions = policy
        .exempt
        .iter()
        .filter(|e| !exemption_in_force(e, as_of))
        .cloned()
        .collect();
    outcome.facts = facts;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnrollmentMethod, JoinType, Management, Ownership};

    #[test]
    fn value_codes_match_the_frame_and_unknown_values_match_nothing() {
        assert_eq!(
            value_code("ownership", "personal"),
            Ownership::Personal as u32
        );
        assert_eq!(
            value_code("join_type", "hybrid_pending"),
            JoinType::HybridPending as u32
        );
        assert_eq!(
            value_code("management", "co_managed"),
            Management::CoManaged as u32
        );
        assert_eq!(
            value_code("enrollment_method", "bulk"),
            EnrollmentMethod::parse("bulk").map(|m| m as u32).unwrap()
        );
        assert_eq!(value_code("join_type", "Registered"), u32::MAX);
        assert_eq!(value_code("state", "co_managed"), u32::MAX);
    }
}
