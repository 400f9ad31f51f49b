//! Scope (model.md section 0): Windows clients are classified; other platforms, servers,
//! obsolete ConfigMgr records and the other days of a diagnostic log are counted and set
//! aside, per input file.

use crate::ingest::{Input, ReadOptions, Records};
use crate::model::SkipReason;

const DAY_US: i64 = 86_400_000_000;

/// Classifies an operating system name: `None` when in scope.
pub fn out_of_scope(
    os: Option<&str>,
    sku: Option<&str>,
    include_servers: bool,
) -> Option<SkipReason> {
    use crate::ingest::value::{contains_ci, starts_with_ci};
    if let Some(o) = os {
        if !starts_with_ci(o, "windows") && !starts_with_ci(o, "microsoft windows") {
            return Some(SkipReason::Platform);
        }
    }
    let server = os.is_some_and(|o| contains_ci(o, "server"))
        || sku.is_some_and(|s| contains_ci(s, "server"));
    if server && !include_servers {
        return Some(SkipReason::Server);
    }
    None
}

fn retain_counting<T>(
    v: &mut Vec<T>,
    mut verdict: impl FnMut(&T) -> Option<SkipReason>,
) -> Vec<SkipReason> {
    let mut dropped = Vec::new();
    v.retain(|r| match verdict(r) {
        Some(reason) => {
            dropped.push(reason);
            false
        }
        None => true,
    });
    dropped
}

pub fn apply(input: &mut Input, opts: &ReadOptions) {
    let inc = opts.include_servers;
    let mut days = Vec::new();
    let dropped = match &mut input.records {
        Records::Intune(v) => {
            // A diagnostic log spanning several days: keep the latest day, or --as-of's.
            let mut all_days: Vec<i64> = v
                .iter()
                .filter_map(|r| r.snapshot_time.map(|t| t.div_euclid(DAY_US)))
                .collect();
            all_days.sort_unstable();
            all_days.dedup();
            let mut dropped = Vec::new();
            if all_days.len() > 1 || (opts.as_of.is_some() && !all_days.is_empty()) {
                let keep = match opts.as_of {
                    Some(a) => a.div_euclid(DAY_US),
                    None => all_days.last().copied().unwrap_or_default(),
                };
                dropped.extend(retain_counting(v, |r| match r.snapshot_time {
                    Some(t) if t.div_euclid(DAY_US) != keep => Some(SkipReason::OtherSnapshotDay),
                    _ => None,
                }));
            }
            days = all_days;
            dropped.extend(retain_counting(v, |r| {
                out_of_scope(r.os.as_deref(), r.sku.as_deref(), inc)
            }));
            dropped
        }
        Records::Entra(v) => retain_counting(v, |r| out_of_scope(r.os.as_deref(), None, inc)),
        Records::ConfigMgr(v) => retain_counting(v, |r| {
            if r.obsolete {
                return Some(SkipReason::Obsolete);
            }
            let os = r.os_name.as_deref();
            // ConfigMgr names Windows "Microsoft Windows NT Workstation 10.0".
            match os {
                Some(o) if crate::ingest::value::contains_ci(o, "server") && !inc => {
                    Some(SkipReason::Server)
                }
                Some(o) if !crate::ingest::value::contains_ci(o, "windows") => {
                    Some(SkipReason::Platform)
                }
                _ => None,
            }
        }),
        Records::Autopilot(_) => Vec::new(),
    };
    input.snapshot_days = days;
    for reason in dropped {
        input.skip(reason, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_and_servers() {
        assert_eq!(
            out_of_scope(Some("Windows"), Some("Enterprise"), false),
            None
        );
        assert_eq!(out_of_scope(None, None, false), None);
        assert_eq!(
            out_of_scope(Some("iOS/iPadOS"), None, false),
            Some(SkipReason::Platform)
        );
        assert_eq!(
            out_of_scope(Some("MacMDM"), None, false),
            Some(SkipReason::Platform)
        );
        assert_eq!(
            out_of_scope(Some("Windows Server 2022"), None, false),
            Some(SkipReason::Server)
        );
        assert_eq!(
            out_of_scope(Some("Windows"), Some("ServerStandard"), false),
            Some(SkipReason::Server)
        );
        assert_eq!(out_of_scope(Some("Windows Server 2022"), None, true), None);
    }
}
