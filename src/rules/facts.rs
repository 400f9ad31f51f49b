//! The facts the rules read: one row per device, computed from the classified device and
//! its records. Column logic over these facts is in `exprs`; the group facts (duplicates
//! across devices) are computed here over groups of devices.

use crate::classify::Classified;
use crate::ingest::entra::Trust;
use crate::ingest::intune::Agent;
use crate::ingest::value::{serial_key, Micros};
use crate::resolve::{order, Resolved};
use polars::prelude::*;
use rayon::prelude::*;

/// Per-device facts, in device order.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub intune_records: u32,
    pub has_entra: bool,
    /// An Intune record that carries an Entra device id absent from the Entra export.
    pub intune_orphan: bool,
    pub cm_client_no_aad: bool,
    pub classic_agent: bool,
    pub cm_row_client: bool,
    pub comgmt_policy: bool,
    pub mdm_enrolled_zero: bool,
    pub status_nonzero: bool,
    pub userless: bool,
    pub entra_other_mdm: bool,
    pub entra_intune_managed: bool,
    pub intune_owner: Option<&'static str>,
    pub entra_owner: Option<&'static str>,
    pub noncompliant: bool,
    pub autopilot_never: bool,
    pub entra_disabled: bool,
    pub intune_recent: bool,
    pub old_os: bool,
    /// Windows 10 build of the device (third part of a `10.0.x` version).
    pub win10_build: Option<i64>,
    pub dup_serial_loser: bool,
    pub hwid_dup: bool,
    pub workplace_name_dup: bool,
}

/// Windows version check for FLT009/FLT008: (major, build) of `6.1.7601`, `10.0.19045.1`.
pub fn version(v: &str) -> Option<(u32, u32, i64)> {
    // Versions as the consoles write them (digits and dots only) are read digit by digit;
    // anything else (spaces, signs, numbers too large) goes the general way.
    fn number(part: &[u8]) -> Option<u64> {
        if part.is_empty() || part.len() > 18 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
    }
    let mut parts = v.as_bytes().splitn(4, |&b| b == b'.');
    let fast = (|| {
        let major = u32::try_from(number(parts.next()?)?).ok()?;
        let minor = u32::try_from(number(parts.next()?)?).ok()?;
        let build = match parts.next() {
            None => 0,
            Some([]) => 0,
            Some(b) => i64::try_from(number(b)?).ok()?,
        };
        // A fourth part, if any, is never read (nor by the general way).
        Some((major, minor, build))
    })();
    fast.or_else(|| version_general(v))
}

/// [`version`] for any form: trimmed, each part trimmed, Rust's integer parsing.
fn version_general(v: &str) -> Option<(u32, u32, i64)> {
    let mut it = v.trim().split('.');
    let major = it.next()?.trim().parse().ok()?;
    let minor = it.next()?.trim().parse().ok()?;
    let build = it.next().and_then(|b| b.trim().parse().ok()).unwrap_or(0);
    Some((major, minor, build))
}

fn too_old(v: Option<&str>) -> bool {
    match v.and_then(version) {
        Some((major, _, _)) if major < 10 => true,
        Some((10, _, build)) => build > 0 && build < 16299,
        _ => false,
    }
}

/// `NT Workstation 6.1` in a ConfigMgr OS name, when Build01 is empty.
fn nt_version(os_name: Option<&str>) -> Option<&str> {
    let s = os_name?;
    let v = s.split_whitespace().last()?;
    v.contains('.').then_some(v)
}

pub fn compute(
    r: &Resolved,
    devices: &[Classified],
    as_of: Option<Micros>,
    stale_days: u32,
    userless_tags: &[String],
) -> Vec<Facts> {
    // The group facts (each a list of flagged devices, a map over a whole source) beside
    // the devices' own: the devices' are many small tasks that keep a core busy while the
    // largest group fact is made on the other.
    let (mut facts, (serial_losers, (hwid_dups, workplace_dups))) = rayon::join(
        || device_facts(r, devices, as_of, stale_days, userless_tags),
        || {
            rayon::join(
                || dup_serial_losers(r),
                || rayon::join(|| hwid_dups(r), || workplace_name_dups(r)),
            )
        },
    );
    for di in serial_losers {
        facts[di].dup_serial_loser = true;
    }
    for di in hwid_dups {
        facts[di].hwid_dup = true;
    }
    for di in workplace_dups {
        facts[di].workplace_name_dup = true;
    }
    facts
}

/// The facts each device holds alone.
fn device_facts(
    r: &Resolved,
    devices: &[Classified],
    as_of: Option<Micros>,
    stale_days: u32,
    userless_tags: &[String],
) -> Vec<Facts> {
    let fleet = &r.fleet;
    r.devices
        .par_iter()
        .zip(devices.par_iter())
        .map(|(d, c)| {
            let entra = d.entra.map(|e| &fleet.entra[e]);
            let intune = d.intune.first().map(|&i| &fleet.intune[i]);
            let cm = d.configmgr.first().map(|&i| &fleet.configmgr[i]);
            let mut f = Facts {
                intune_records: d.intune.len() as u32,
                has_entra: entra.is_some(),
                ..Default::default()
            };
            f.intune_orphan = entra.is_none()
                && d.intune
                    .iter()
                    .any(|&i| fleet.intune[i].entra_device_id.is_some());
            f.cm_client_no_aad = d
                .configmgr
                .iter()
                .any(|&i| fleet.configmgr[i].client && fleet.configmgr[i].aad_device_id.is_none());
            f.cm_row_client = d.configmgr.iter().any(|&i| fleet.configmgr[i].client);
            f.classic_agent = d
                .intune
                .iter()
                .any(|&i| fleet.intune[i].agent == Some(Agent::ClassicAgent));
            if let Some(cm) = cm {
                f.comgmt_policy = cm.comgmt_policy == Some(true);
                f.mdm_enrolled_zero = cm.mdm_enrolled == Some(false);
                f.status_nonzero = cm.status_code.is_some_and(|s| s != 0);
            }
            let profile_shared = entra
                .and_then(|e| e.profile_type.as_deref())
                .is_some_and(|p| p.eq_ignore_ascii_case("shared"));
            let bulk_userless = intune.and_then(|i| i.enrollment_type)
                == Some(crate::ingest::intune::EnrollmentType::WindowsBulkUserless);
            let tag_userless = d
                .autopilot
                .iter()
                .filter_map(|&a| fleet.autopilot[a].group_tag.as_deref())
                .chain(entra.and_then(|e| e.order_id.as_deref()))
                .any(|t| userless_tags.iter().any(|x| x.eq_ignore_ascii_case(t)));
            f.userless = profile_shared || bulk_userless || tag_userless;
            f.entra_other_mdm = entra.is_some_and(|e| e.managed_by_other_mdm());
            f.entra_intune_managed = entra.is_some_and(|e| e.managed_by_intune());
            f.intune_owner = intune.and_then(|i| i.ownership).map(|o| o.as_str());
            f.entra_owner = entra.and_then(|e| e.ownership).map(|o| o.as_str());
            let intune_noncompliant =
                intune
                    .and_then(|i| i.compliance.as_deref())
                    .is_some_and(|s| {
                        ["noncompliant", "notcompliant", "2"]
                            .iter()
                            .any(|w| alnum_eq_ignore_case(s, w))
                    });
            let entra_noncompliant =
                entra.is_some_and(|e| e.is_compliant == Some(false) && e.is_managed == Some(true));
            f.noncompliant = intune_noncompliant || entra_noncompliant;
            f.autopilot_never = d.intune.is_empty()
                && d.autopilot.iter().any(|&a| {
                    matches!(
                        fleet.autopilot[a].state.as_deref(),
                        Some("notcontacted" | "failed")
                    )
                });
            f.entra_disabled = entra.is_some_and(|e| e.enabled == Some(false));
            f.intune_recent = match as_of {
                Some(asof) => d
                    .intune
                    .iter()
                    .filter_map(|&i| fleet.intune[i].last_sync.get())
                    .any(|t| t >= asof - stale_days as i64 * 86_400_000_000),
                None => false,
            };
            let cm_version = cm.and_then(|c| {
                c.build
                    .as_deref()
                    .or_else(|| nt_version(c.os_name.as_deref()))
            });
            f.old_os = (c.configmgr_client && cm.is_some_and(|c| c.client) && too_old(cm_version))
                || too_old(entra.and_then(|e| e.os_version.as_deref()));
            f.win10_build = c
                .os_version
                .as_deref()
                .and_then(version)
                .filter(|v| v.0 == 10)
                .map(|v| v.2)
                .filter(|&b| b > 0);
            f
        })
        .collect()
}

/// FLT102: primary Intune records of different devices sharing a serial; all but the
/// best of each group.
fn dup_serial_losers(r: &Resolved) -> Vec<usize> {
    let fleet = &r.fleet;
    let by_serial = groups(&keyed(r, |d| {
        d.intune
            .first()
            .and_then(|&i| fleet.intune[i].serial.as_deref())
            .map(serial_key)
    }));
    let mut out = Vec::new();
    for group in &by_serial {
        let rank = |di: usize| {
            let i = &fleet.intune[r.devices[di].intune[0]];
            (i.last_sync.get(), i.enrolled.get(), &i.id)
        };
        let best = group
            .iter()
            .copied()
            .min_by(|&a, &b| order(rank(a), rank(b)));
        out.extend(group.iter().copied().filter(|&di| Some(di) != best));
    }
    out
}

/// FLT103: Entra objects sharing an [HWID]; all but the latest-registered
/// non-Workplace object of each group.
fn hwid_dups(r: &Resolved) -> Vec<usize> {
    let fleet = &r.fleet;
    let by_hwid = groups(&keyed(r, |d| {
        d.entra.and_then(|e| fleet.entra[e].hwid.as_deref())
    }));
    let mut out = Vec::new();
    for group in &by_hwid {
        let key = |di: usize| {
            let e = &fleet.entra[r.devices[di].entra.unwrap_or_default()];
            (
                e.trust != Some(Trust::Workplace),
                e.registered.get(),
                e.object_id.as_ref(),
            )
        };
        // The latest-registered non-Workplace object is kept; the others fire.
        let keep = group
            .iter()
            .copied()
            .filter(|&di| key(di).0)
            .min_by(|&a, &b| {
                let (ka, kb) = (key(a), key(b));
                order((ka.1, None, ka.2), (kb.1, None, kb.2))
            });
        out.extend(group.iter().copied().filter(|&di| Some(di) != keep));
    }
    out
}

/// FLT103: Workplace objects named like a ServerAd object (names compared in lower case).
fn workplace_name_dups(r: &Resolved) -> Vec<usize> {
    let fleet = &r.fleet;
    let entra_of = |d: &crate::resolve::Device| d.entra.map(|e| &fleet.entra[e]);
    let names: Vec<std::borrow::Cow<'_, str>> = r
        .devices
        .iter()
        .filter_map(entra_of)
        .filter(|e| e.trust == Some(Trust::ServerAd))
        .filter_map(|e| e.name.as_ref().map(|n| crate::ingest::value::lower(n)))
        .collect();
    // Sized up front (a third of the objects at fleet scale): grown from empty, the set is
    // rebuilt at every doubling.
    let mut serverad_names: crate::fxhash::FxHashSet<std::borrow::Cow<'_, str>> =
        crate::fxhash::FxHashSet::with_capacity_and_hasher(names.len(), Default::default());
    serverad_names.extend(names);
    r.devices
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            entra_of(d).is_some_and(|e| {
                e.trust == Some(Trust::Workplace)
                    && e.name
                        .as_ref()
                        .is_some_and(|n| serverad_names.contains(&crate::ingest::value::lower(n)))
            })
        })
        .map(|(di, _)| di)
        .collect()
}

/// Each device's key, where it has one, with the device's index (made on every core).
fn keyed<'r, K: Send>(
    r: &'r Resolved,
    key: impl Fn(&'r crate::resolve::Device) -> Option<K> + Sync,
) -> Vec<(K, usize)> {
    r.devices
        .par_iter()
        .enumerate()
        .filter_map(|(di, d)| key(d).map(|k| (k, di)))
        .collect()
}

/// The groups of items sharing a key (each a list of devices, in the order given), for
/// the keys more than one item holds. Each key is hashed once and the hashes sorted (in
/// parallel): only items whose hashes tie are compared by key. A hash map of the keys
/// (for FLT102 nearly every device has a serial) cost a cache miss per device: `rules:
/// facts` took 0.32 s against 0.25 s now at 1M devices.
fn groups<K: std::hash::Hash + Eq + Sync>(items: &[(K, usize)]) -> Vec<Vec<usize>> {
    use std::hash::BuildHasher;
    let hasher = std::hash::BuildHasherDefault::<crate::fxhash::FxHasher>::default();
    groups_hashed(items, |k| hasher.hash_one(k))
}

/// [`groups`] with the hash function given (a test gives one where every key collides).
fn groups_hashed<K: Eq + Sync>(
    items: &[(K, usize)],
    hash: impl Fn(&K) -> u64 + Sync,
) -> Vec<Vec<usize>> {
    let mut hashes: Vec<(u64, usize)> = items
        .par_iter()
        .enumerate()
        .map(|(at, (k, _))| (hash(k), at))
        .collect();
    // By hash, then position: within a run of one hash, items keep their order.
    hashes.par_sort_unstable();
    let mut out = Vec::new();
    for run in hashes
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        // Hashes collide rarely: the run is split by key.
        let mut left: Vec<usize> = run.iter().map(|&(_, at)| at).collect();
        while left.len() > 1 {
            let key = &items[left[0]].0;
            let (same, rest): (Vec<usize>, Vec<usize>) =
                left.iter().partition(|&&at| items[at].0 == *key);
            if same.len() > 1 {
                out.push(same.iter().map(|&at| items[at].1).collect());
            }
            left = rest;
        }
    }
    out
}

/// `s` with everything but ASCII letters and digits removed equals `word`, ignoring case.
fn alnum_eq_ignore_case(s: &str, word: &str) -> bool {
    let mut kept = s.bytes().filter(u8::is_ascii_alphanumeric);
    word.bytes()
        .all(|w| kept.next().is_some_and(|c| c.eq_ignore_ascii_case(&w)))
        && kept.next().is_none()
}

/// A value of a rule-frame column, and the builder its column is filled with row by row:
/// booleans straight into a bitmap, text into views, nothing held twice.
trait Cell: Sized {
    type Builder;
    fn builder(name: &str, n: usize) -> Self::Builder;
    fn push(b: &mut Self::Builder, v: Self);
    fn finish(b: Self::Builder) -> Column;
}

impl Cell for bool {
    type Builder = BooleanChunkedBuilder;
    fn builder(name: &str, n: usize) -> Self::Builder {
        BooleanChunkedBuilder::new(name.into(), n)
    }
    fn push(b: &mut Self::Builder, v: bool) {
        b.append_value(v);
    }
    fn finish(b: Self::Builder) -> Column {
        b.finish().into_column()
    }
}

impl Cell for u32 {
    type Builder = (PlSmallStr, Vec<u32>);
    fn builder(name: &str, n: usize) -> Self::Builder {
        (name.into(), Vec::with_capacity(n))
    }
    fn push(b: &mut Self::Builder, v: u32) {
        b.1.push(v);
    }
    fn finish(b: Self::Builder) -> Column {
        Column::new(b.0, b.1)
    }
}

impl Cell for Option<i64> {
    type Builder = PrimitiveChunkedBuilder<Int64Type>;
    fn builder(name: &str, n: usize) -> Self::Builder {
        PrimitiveChunkedBuilder::new(name.into(), n)
    }
    fn push(b: &mut Self::Builder, v: Self) {
        b.append_option(v);
    }
    fn finish(b: Self::Builder) -> Column {
        b.finish().into_column()
    }
}

impl Cell for Option<&'static str> {
    type Builder = StringChunkedBuilder;
    fn builder(name: &str, n: usize) -> Self::Builder {
        StringChunkedBuilder::new(name.into(), n)
    }
    fn push(b: &mut Self::Builder, v: Self) {
        b.append_option(v);
    }
    fn finish(b: Self::Builder) -> Column {
        b.finish().into_column()
    }
}

/// The facts and the classification as one frame, the input of the rule expressions.
pub fn frame(devices: &[Classified], facts: &[Facts]) -> PolarsResult<DataFrame> {
    let n = devices.len();
    // Row by row into one vector per column (named as the column). A pass per column read
    // each device's cache line 32 times over, the devices being many times the caches at
    // 1M.
    macro_rules! by_rows {
        ($rows:expr, |$r:ident| { $( $column:ident: $ty:ty = $e:expr ),* $(,)? }) => {{
            struct Columns { $( $column: <$ty as Cell>::Builder, )* }
            let mut c = Columns { $( $column: <$ty>::builder(stringify!($column), n), )* };
            for $r in $rows {
                $( <$ty>::push(&mut c.$column, $e); )*
            }
            vec![$( <$ty>::finish(c.$column), )*]
        }};
    }
    // Three passes of about equal work, on whichever core is free (the rules find their
    // columns by name, in any order): the devices' columns; the facts' flags; the facts'
    // text and optional columns, whose arrays cost the most to build.
    let (mut columns, (flags, texts)) = rayon::join(
        || {
            // The classification values as their enum's index (`value_code` in the
            // rules): a 4-byte column where a string column would hold a view and often a
            // copy per row.
            by_rows!(devices, |d| {
                ownership: u32 = d.ownership as u32,
                join_type: u32 = d.join_type as u32,
                management: u32 = d.management as u32,
                enrollment_method: u32 = d.enrollment_method as u32,
                autopilot_registered: bool = d.autopilot_registered,
                stale: bool = d.stale,
                has_last_seen: bool = d.last_seen.is_some(),
                intune_mdm: bool = d.intune_mdm,
                configmgr_client: bool = d.configmgr_client,
            })
        },
        || {
            rayon::join(
                || {
                    by_rows!(facts, |f| {
                        intune_records: u32 = f.intune_records,
                        has_entra: bool = f.has_entra,
                        intune_orphan: bool = f.intune_orphan,
                        cm_client_no_aad: bool = f.cm_client_no_aad,
                        cm_row_client: bool = f.cm_row_client,
                        classic_agent: bool = f.classic_agent,
                        comgmt_policy: bool = f.comgmt_policy,
                        mdm_enrolled_zero: bool = f.mdm_enrolled_zero,
                        status_nonzero: bool = f.status_nonzero,
                        userless: bool = f.userless,
                        entra_other_mdm: bool = f.entra_other_mdm,
                        entra_intune_managed: bool = f.entra_intune_managed,
                        noncompliant: bool = f.noncompliant,
                        autopilot_never: bool = f.autopilot_never,
                        entra_disabled: bool = f.entra_disabled,
                        intune_recent: bool = f.intune_recent,
                        old_os: bool = f.old_os,
                        dup_serial_loser: bool = f.dup_serial_loser,
                        hwid_dup: bool = f.hwid_dup,
                        workplace_name_dup: bool = f.workplace_name_dup,
                    })
                },
                || {
                    by_rows!(facts, |f| {
                        intune_owner: Option<&'static str> = f.intune_owner,
                        entra_owner: Option<&'static str> = f.entra_owner,
                        win10_build: Option<i64> = f.win10_build,
                    })
                },
            )
        },
    );
    columns.extend(flags);
    columns.extend(texts);
    DataFrame::new(n, columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The groups of two or more items sharing a key, each in item order: what `groups`
    /// must give (in some order), by the plainest means.
    fn naive_groups(items: &[(u8, usize)]) -> Vec<Vec<usize>> {
        let mut by_key: std::collections::BTreeMap<u8, Vec<usize>> = Default::default();
        for &(k, di) in items {
            by_key.entry(k).or_default().push(di);
        }
        by_key.into_values().filter(|g| g.len() > 1).collect()
    }

    fn sorted(mut g: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
        g.sort();
        g
    }

    proptest! {
        #[test]
        fn groups_are_the_shared_keys_whatever_the_hashes_collide(
            keys in proptest::collection::vec(0u8..12, 0..60),
        ) {
            let items: Vec<(u8, usize)> = keys.iter().enumerate().map(|(i, &k)| (k, i * 3)).collect();
            let want = sorted(naive_groups(&items));
            prop_assert_eq!(sorted(groups(&items)), want.clone());
            // Every key one hash, and only two hashes: the runs are split by key.
            prop_assert_eq!(sorted(groups_hashed(&items, |_| 7)), want.clone());
            prop_assert_eq!(sorted(groups_hashed(&items, |&k| u64::from(k % 2))), want);
        }
    }

    #[test]
    fn versions_as_the_consoles_write_them() {
        assert_eq!(version("10.0.19045.4780"), Some((10, 0, 19045)));
        assert_eq!(version("6.1.7601"), Some((6, 1, 7601)));
        assert_eq!(version("10.0"), Some((10, 0, 0)));
        assert_eq!(version(" 10 . 0 . 22631 "), Some((10, 0, 22631)));
        assert_eq!(version("10"), None);
        assert_eq!(version("Windows"), None);
    }

    proptest! {
        /// The digit-by-digit path reads every string as the general way does.
        #[test]
        fn the_fast_path_agrees_with_the_general_way(
            v in "[0-9. +-]{0,12}|[0-9]{1,25}\\.[0-9]{1,25}\\.[0-9]{0,25}(\\.[0-9a-z]{0,4})?"
        ) {
            prop_assert_eq!(version(&v), version_general(&v));
        }
    }
}
