//! Scope (model.md section 0): Windows clients are classified; other platforms, servers,
//! obsolete ConfigMgr records and the other days of a diagnostic log are counted and set
//! aside, per input file.

use crate::ingest::configmgr::ConfigMgrRecord;
use crate::ingest::entra::EntraRecord;
use crate::ingest::intune::IntuneRecord;
use crate::ingest::{Input, ReadOptions, Records};
use crate::intern::Sym;
use crate::model::{SkipReason, Source};
use std::cell::Cell;

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

/// What a scope verdict depends on: the source's check, the interned OS and SKU, and
/// whether servers are included.
type Key = (Source, Option<Sym>, Option<Sym>, bool);

/// The verdict for `key`, computed by `verdict()` only when it differs from the last key
/// on this thread: an export's OS and SKU take a handful of values over millions of rows,
/// and a row mostly repeats the one before it.
fn remembered(key: Key, verdict: impl FnOnce() -> Option<SkipReason>) -> Option<SkipReason> {
    thread_local! {
        static LAST: Cell<Option<(Key, Option<SkipReason>)>> = const { Cell::new(None) };
    }
    LAST.with(|last| match last.get() {
        Some((k, v)) if k == key => v,
        _ => {
            let v = verdict();
            last.set(Some((key, v)));
            v
        }
    })
}

/// Whether an Intune record is out of scope, and why.
pub fn intune(r: &IntuneRecord, include_servers: bool) -> Option<SkipReason> {
    remembered((Source::Intune, r.os, r.sku, include_servers), || {
        out_of_scope(r.os.as_deref(), r.sku.as_deref(), include_servers)
    })
}

/// Whether an Entra object is out of scope, and why.
pub fn entra(r: &EntraRecord, include_servers: bool) -> Option<SkipReason> {
    remembered((Source::Entra, r.os, None, include_servers), || {
        out_of_scope(r.os.as_deref(), None, include_servers)
    })
}

/// Whether a ConfigMgr record is out of scope, and why.
pub fn configmgr(r: &ConfigMgrRecord, include_servers: bool) -> Option<SkipReason> {
    use crate::ingest::value::contains_ci;
    if r.obsolete {
        return Some(SkipReason::Obsolete);
    }
    // ConfigMgr names Windows "Microsoft Windows NT Workstation 10.0".
    remembered(
        (Source::ConfigMgr, r.os_name, None, include_servers),
        || match r.os_name.as_deref() {
            Some(o) if contains_ci(o, "server") && !include_servers => Some(SkipReason::Server),
            Some(o) if !contains_ci(o, "windows") => Some(SkipReason::Platform),
            _ => None,
        },
    )
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

/// Counts the records the reader set `aside` (out of scope by [`intune`], [`entra`] or
/// [`configmgr`], with their `reasons`) and, in a diagnostic log spanning several days,
/// removes the records of the other days. A record of another day is counted as such
/// whether or not it is also out of scope: the day is decided first.
pub fn apply(input: &mut Input, aside: Records, reasons: Vec<SkipReason>, opts: &ReadOptions) {
    let mut dropped = reasons;
    // Only a file with a snapshot time column (a diagnostic log) can span several days:
    // the others are not read again for their days.
    let snapshot_time = crate::ingest::intune::FIELDS[crate::ingest::intune::SNAPSHOT_TIME].name;
    let timed = input.columns.contains_key(snapshot_time);
    if let (true, Records::Intune(v), Records::Intune(out)) = (timed, &mut input.records, &aside) {
        let day = |r: &IntuneRecord| r.snapshot_time.get().map(|t| t.div_euclid(DAY_US));
        // The days of every record read, those set aside too; in order when there is one.
        let mut days: Vec<i64> = Vec::new();
        for d in v.iter().chain(out).filter_map(day) {
            if days.last() != Some(&d) {
                days.push(d);
            }
        }
        days.sort_unstable();
        days.dedup();
        if days.len() > 1 || (opts.as_of.is_some() && !days.is_empty()) {
            // A diagnostic log spanning several days: keep the latest day, or --as-of's.
            let keep = match opts.as_of {
                Some(a) => a.div_euclid(DAY_US),
                None => days.last().copied().unwrap_or_default(),
            };
            let other = |r: &IntuneRecord| match day(r) {
                Some(d) if d != keep => Some(SkipReason::OtherSnapshotDay),
                _ => None,
            };
            let mut kept = retain_counting(v, other);
            for (r, reason) in out.iter().zip(&dropped) {
                kept.push(other(r).unwrap_or(*reason));
            }
            dropped = kept;
        }
        input.snapshot_days = days;
    }
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

    /// The records set aside while reading are counted once each, and in a log of several
    /// days by their day first: out of scope on another day is "other_snapshot_day".
    #[test]
    fn records_out_of_scope_are_counted_after_the_day() {
        let row = |time: &str, id: u32, os: &str, sku: &str| {
            format!(
                "{{\"time\":\"{time}\",\"category\":\"Devices\",\"properties\":{{\
                 \"DeviceId\":\"00000000-0000-0000-0000-{id:012}\",\"DeviceName\":\"PC{id}\",\
                 \"OS\":\"{os}\",\"SkuFamily\":\"{sku}\",\"JoinType\":\"Azure AD joined\"}}}}\n"
            )
        };
        let (d1, d2) = ("2026-02-18T00:20:52Z", "2026-02-19T00:20:52Z");
        let log = [
            row(d1, 1, "Windows", "Enterprise"),
            row(d1, 2, "iOS/iPadOS", ""),
            row(d2, 3, "iOS/iPadOS", ""),
            row(d2, 4, "Windows", "Enterprise"),
            row(d2, 5, "Windows", "ServerStandard"),
        ]
        .concat();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intune.log");
        std::fs::write(&path, log).unwrap();
        let read = |as_of: Option<&str>| {
            let opts = ReadOptions {
                as_of: as_of.map(|d| {
                    crate::analyze::end_of_day(chrono::NaiveDate::parse_from_str(d, "%F").unwrap())
                }),
                ..ReadOptions::default()
            };
            let input = crate::ingest::read_file(&path, None, &opts).unwrap();
            let Records::Intune(v) = &input.records else {
                panic!("Intune records expected")
            };
            let ids: Vec<String> = v.iter().map(|r| r.id.to_string()).collect();
            (ids, input)
        };
        let count = |i: &Input, r: SkipReason| i.skipped.get(&r).copied().unwrap_or(0);

        let (ids, latest) = read(None);
        assert_eq!(ids, ["00000000-0000-0000-0000-000000000004"]);
        assert_eq!(latest.snapshot_days.len(), 2);
        assert_eq!(count(&latest, SkipReason::OtherSnapshotDay), 2);
        assert_eq!(count(&latest, SkipReason::Platform), 1);
        assert_eq!(count(&latest, SkipReason::Server), 1);
        assert_eq!(latest.rows_used(), 1);

        let (ids, first) = read(Some("2026-02-18"));
        assert_eq!(ids, ["00000000-0000-0000-0000-000000000001"]);
        assert_eq!(count(&first, SkipReason::OtherSnapshotDay), 3);
        assert_eq!(count(&first, SkipReason::Platform), 1);
        assert_eq!(count(&first, SkipReason::Server), 0);
        assert_eq!(first.rows_used(), 1);
    }

    /// Slash dates are resolved after the whole file is read: those of a record set aside
    /// go to it, not to the record kept at the same position.
    #[test]
    fn slash_dates_of_records_set_aside_stay_theirs() {
        let csv = "Device ID,Device name,Managed by,Last check-in,OS\n\
                   00000000-0000-0000-0000-000000000001,MAC1,Intune,11/20/2026 06:00,macOS\n\
                   00000000-0000-0000-0000-000000000002,PC2,Intune,11/21/2026 07:00,Windows\n\
                   00000000-0000-0000-0000-000000000003,MAC3,Intune,11/22/2026 08:00,macOS\n\
                   00000000-0000-0000-0000-000000000004,PC4,Intune,,Windows\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intune.csv");
        std::fs::write(&path, csv).unwrap();
        let input = crate::ingest::read_file(&path, None, &ReadOptions::default()).unwrap();
        let Records::Intune(v) = &input.records else {
            panic!("Intune records expected")
        };
        let got: Vec<(String, String)> = v
            .iter()
            .map(|r| {
                let t = r.last_sync.get().map(crate::ingest::value::format_ts);
                (r.id.to_string(), t.unwrap_or_default())
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "00000000-0000-0000-0000-000000000002".to_string(),
                    "2026-11-21T07:00:00Z".to_string()
                ),
                // No check-in: the date of the record set aside before it is not its.
                (
                    "00000000-0000-0000-0000-000000000004".to_string(),
                    String::new()
                ),
            ]
        );
        assert_eq!(input.skipped.get(&SkipReason::Platform), Some(&2));
    }
}
