//! Identity resolution (model.md section 1): the records of the four sources become one
//! [`Device`] per physical machine. Row order never matters: every choice goes through the
//! tie-break of [`order`].

use crate::diag::Warning;
use crate::fxhash::{filled_in_bucket_order, map_in_bucket_order, FxHashMap};
use crate::ingest::autopilot::AutopilotRecord;
use crate::ingest::configmgr::ConfigMgrRecord;
use crate::ingest::entra::{EntraRecord, Trust};
use crate::ingest::intune::IntuneRecord;
use crate::ingest::value::{serial_key, Guid, Id, Micros, Text};
use crate::ingest::{Input, Records};
use crate::model::{SkipReason, Source};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Every in-scope record of every input, by source.
#[derive(Debug, Default, Clone)]
pub struct Fleet {
    pub intune: Vec<IntuneRecord>,
    pub entra: Vec<EntraRecord>,
    pub configmgr: Vec<ConfigMgrRecord>,
    pub autopilot: Vec<AutopilotRecord>,
    /// Sources with at least one input file.
    pub given: BTreeSet<Source>,
    /// An Entra export that carries `deviceId` was given.
    pub entra_has_device_id: bool,
    /// The input file names, by `file` index of the records.
    pub files: Vec<String>,
    /// Per file: field name -> the column as spelled in that file (for evidence).
    pub columns: Vec<std::collections::BTreeMap<&'static str, String>>,
    /// The Entra objects by device id, left by [`gather`] (which builds it to find two
    /// objects claiming one device id) for [`resolve`], with the number of objects it was
    /// made for: a map of every object rebuilt at 10M objects cost 3-4 s of cache misses
    /// and fresh pages. `resolve` makes it again if the objects changed in number.
    entra_by_device_id: Option<(usize, FxHashMap<Guid, usize>)>,
}

impl Fleet {
    /// The column of `field` as spelled in file `file`, else `default`.
    pub fn column(&self, file: u16, field: &str, default: &'static str) -> &str {
        self.columns
            .get(file as usize)
            .and_then(|c| c.get(field))
            .map_or(default, String::as_str)
    }
}

/// How a record came to belong to its device (for `explain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// The Entra object that anchors the device.
    Anchor,
    EntraDeviceId,
    ManagedDeviceId,
    Ztdid,
    Serial,
    Name,
    /// The record forms its own device.
    Own,
    /// A folded Autopilot placeholder object.
    Placeholder,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Anchor => "anchor",
            LinkKind::EntraDeviceId => "entra device id",
            LinkKind::ManagedDeviceId => "autopilot managedDeviceId",
            LinkKind::Ztdid => "[ZTDID]",
            LinkKind::Serial => "serial number",
            LinkKind::Name => "name",
            LinkKind::Own => "own device",
            LinkKind::Placeholder => "autopilot placeholder",
        }
    }
}

/// One physical device: indices into the [`Fleet`] vectors, primary record first.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub key: Id,
    pub entra: Option<usize>,
    /// An unfolded Autopilot placeholder anchors this device.
    pub is_placeholder: bool,
    /// A placeholder object folded into this device.
    pub placeholder: Option<usize>,
    pub intune: Members,
    pub configmgr: Members,
    pub autopilot: Members,
    pub links: Links,
}

/// The key a device folded into another carries until it is removed.
const FOLDED: &str = "\u{0}folded";

/// A device's records of one source, primary first: almost always one, held inline.
pub type Members = smallvec::SmallVec<[usize; 1]>;

/// How each record joined its device, in link order: up to three inline.
pub type Links = smallvec::SmallVec<[(Source, u32, LinkKind); 3]>;

#[derive(Debug, Default)]
pub struct Resolved {
    pub fleet: Fleet,
    pub devices: Vec<Device>,
    pub warnings: Vec<Warning>,
}

/// The tie-break of model.md: latest activity, then latest enrollment or registration, then
/// the smallest id in byte order; missing times sort last. `Less` means "preferred".
pub fn order<K: Ord>(
    a: (Option<Micros>, Option<Micros>, K),
    b: (Option<Micros>, Option<Micros>, K),
) -> Ordering {
    fn desc(x: Option<Micros>, y: Option<Micros>) -> Ordering {
        match (x, y) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    desc(a.0, b.0)
        .then_with(|| desc(a.1, b.1))
        .then_with(|| a.2.cmp(&b.2))
}

fn intune_rank(r: &IntuneRecord) -> (Option<Micros>, Option<Micros>, &Id) {
    (r.last_sync.get(), r.enrolled.get(), &r.id)
}

fn ap_sort_id(r: &AutopilotRecord) -> String {
    r.id.map(|g| g.to_string())
        .or_else(|| r.serial.as_deref().map(|s| serial_key(s).into_owned()))
        .unwrap_or_default()
}

/// Whether record `a` is kept over `b`, a copy of the same record: latest activity, then
/// most non-empty fields, then the byte-smallest row (without its position).
fn prefer<T: std::fmt::Debug>(
    a: &T,
    b: &T,
    activity: &impl Fn(&T) -> Option<Micros>,
    non_empty: &impl Fn(&T) -> u16,
    file_line: &impl Fn(&T) -> (u16, u64),
) -> bool {
    let norm = |r: &T| {
        let (f, l) = file_line(r);
        format!("{r:?}").replacen(&format!("file: {f}, line: {l},"), "", 1)
    };
    match (activity(a), activity(b)) {
        (Some(x), Some(y)) if x != y => x > y,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        _ => match non_empty(a).cmp(&non_empty(b)) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => norm(a) < norm(b),
        },
    }
}

/// Which records are copies of another with the same key (`keys[i]` is record `i`'s),
/// keeping the best ([`prefer`]); of identical rows the first. Order-independent.
fn duplicates<T: std::fmt::Debug, K: std::hash::Hash + Eq>(
    records: &[T],
    keys: impl Iterator<Item = Option<K>>,
    activity: impl Fn(&T) -> Option<Micros>,
    non_empty: impl Fn(&T) -> u16,
    file_line: impl Fn(&T) -> (u16, u64),
) -> Vec<bool> {
    duplicates_kept(records, keys, activity, non_empty, file_line).0
}

/// [`duplicates`], and the record kept for each key (by its position before removal).
fn duplicates_kept<T: std::fmt::Debug, K: std::hash::Hash + Eq>(
    records: &[T],
    keys: impl Iterator<Item = Option<K>>,
    activity: impl Fn(&T) -> Option<Micros>,
    non_empty: impl Fn(&T) -> u16,
    file_line: impl Fn(&T) -> (u16, u64),
) -> (Vec<bool>, FxHashMap<K, usize>) {
    let mut drop = vec![false; records.len()];
    let keyed: Vec<(K, usize)> = keys
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (k, i)))
        .collect();
    // Records with one key come in record order: of identical rows the first stays.
    let best = filled_in_bucket_order(keyed, |best, k, i| match best.entry(k) {
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(i);
        }
        std::collections::hash_map::Entry::Occupied(mut o) => {
            let j = *o.get();
            if prefer(&records[i], &records[j], &activity, &non_empty, &file_line) {
                drop[j] = true;
                o.insert(i);
            } else {
                drop[i] = true;
            }
        }
    });
    (drop, best)
}

/// A record's sort key in 24 bytes: the first 16 bytes of its key's text as two numbers,
/// which decide most comparisons without reading the record, and its position. A key of
/// tuples holding the key's reference took 48 bytes (`u128` is aligned to 16): the sorts
/// of millions of keys move half as much memory with these.
#[derive(Debug, Clone, Copy)]
struct SortKey {
    hi: u64,
    lo: u64,
    at: usize,
}

impl SortKey {
    fn new(prefix: u128, at: usize) -> SortKey {
        SortKey {
            hi: (prefix >> 64) as u64,
            lo: prefix as u64,
            at,
        }
    }
}

/// Sorts `keys` in parallel by prefix, then by `full` (the whole keys of two records, read
/// only when their prefixes tie), then by position: a total order.
fn sort_keys(keys: &mut [SortKey], full: impl Fn(usize, usize) -> Ordering + Sync) {
    keys.par_sort_unstable_by(|a, b| {
        (a.hi, a.lo)
            .cmp(&(b.hi, b.lo))
            .then_with(|| full(a.at, b.at))
            .then(a.at.cmp(&b.at))
    });
}

/// The sorted order of `keys` (one per record, sorted here in parallel by [`sort_keys`])
/// and, per position of that order, whether the record is kept: among adjacent records
/// that `same` calls copies of one record, only the [`prefer`]red one (of identical rows
/// the first). The same records as [`duplicates`], by a sort of 24-byte keys (in
/// parallel) instead of a hash map of the keys.
fn sorted_survivors<T: std::fmt::Debug + Sync>(
    records: &[T],
    mut keys: Vec<SortKey>,
    full: impl Fn(&T, &T) -> Ordering + Sync,
    same: impl Fn(&T, &T) -> bool,
    activity: impl Fn(&T) -> Option<Micros>,
    non_empty: impl Fn(&T) -> u16,
    file_line: impl Fn(&T) -> (u16, u64),
) -> (Vec<usize>, Vec<bool>) {
    sort_keys(&mut keys, |a, b| full(&records[a], &records[b]));
    let mut keep = vec![true; keys.len()];
    let mut start = 0;
    while start < keys.len() {
        let first = keys[start];
        let mut end = start + 1;
        let mut best = start;
        while end < keys.len()
            && (keys[end].hi, keys[end].lo) == (first.hi, first.lo)
            && same(&records[first.at], &records[keys[end].at])
        {
            let (c, b) = (keys[end].at, keys[best].at);
            if prefer(&records[c], &records[b], &activity, &non_empty, &file_line) {
                keep[best] = false;
                best = end;
            } else {
                keep[end] = false;
            }
            end += 1;
        }
        start = end;
    }
    (keys.into_iter().map(|k| k.at).collect(), keep)
}

/// Removes the records not kept (`keep` per position of the sorted `order`), counting
/// them per file; the others stay where they are. No record is moved but to close the gap
/// a removed one left: the records stay in the order of their files, and linking, which
/// visits them in that order, makes no choice by it (every choice goes through the
/// tie-break of [`order`], ids included), so row order still changes no output. They are
/// put in device order once, after linking ([`in_device_order`]), instead of being put in
/// id order here first (at 10M records, a permutation of gigabytes at random places).
fn remove_unkept<T>(
    records: &mut Vec<T>,
    order: Vec<usize>,
    keep: Vec<bool>,
    file_of: impl Fn(&T) -> u16,
    removed: &mut [u64],
) {
    if !keep.contains(&false) {
        return;
    }
    let mut drop = vec![false; records.len()];
    for (&at, &k) in order.iter().zip(&keep) {
        drop[at] = !k;
    }
    remove(records, drop, file_of, removed);
}

/// Removes the records [`duplicates`] marked, counting them per file (`removed[file]`).
fn remove<T>(
    records: &mut Vec<T>,
    drop: Vec<bool>,
    file_of: impl Fn(&T) -> u16,
    removed: &mut [u64],
) {
    if !drop.contains(&true) {
        return;
    }
    let mut i = 0;
    records.retain(|r| {
        let d = drop[i];
        i += 1;
        if d {
            if let Some(n) = removed.get_mut(file_of(r) as usize) {
                *n += 1;
            }
        }
        !d
    });
}

/// Appends the records of one file, taking the vector whole when it is the first.
fn append<T>(all: &mut Vec<T>, mut v: Vec<T>, file: u16, set_file: fn(&mut T, u16)) {
    v.iter_mut().for_each(|r| set_file(r, file));
    if all.is_empty() {
        *all = v;
    } else {
        all.append(&mut v);
    }
}

/// Gathers the records of every input into one fleet, removing duplicate records.
pub fn gather(inputs: &mut [Input]) -> Fleet {
    let mut fleet = Fleet::default();
    for (fi, input) in inputs.iter_mut().enumerate() {
        fleet.given.insert(input.source);
        fleet.files.push(input.display_path());
        fleet.columns.push(input.columns.clone());
        let records = std::mem::replace(&mut input.records, Records::Intune(Vec::new()));
        let fi = fi as u16;
        match records {
            Records::Intune(v) => append(&mut fleet.intune, v, fi, |r, f| r.file = f),
            Records::Entra(v) => {
                if input.columns.contains_key("DEVICE_ID") {
                    fleet.entra_has_device_id = true;
                }
                append(&mut fleet.entra, v, fi, |r, f| r.file = f)
            }
            Records::ConfigMgr(v) => append(&mut fleet.configmgr, v, fi, |r, f| r.file = f),
            Records::Autopilot(v) => append(&mut fleet.autopilot, v, fi, |r, f| r.file = f),
        }
    }
    // Each source is deduplicated on its own (Autopilot also sorted), the four in parallel;
    // the copies removed are counted per file and added to the inputs' skip counts
    // afterwards.
    let files = inputs.len();
    let Fleet {
        intune,
        entra,
        configmgr,
        autopilot,
        ..
    } = &mut fleet;
    // The two largest sources start at once, one per core; the two smaller ones follow the
    // Intune records (a core left idle steals one). Nested the other way, a second core
    // would take the two small ones first and start the Entra objects only after them.
    let ((a, (c, d)), (b, by_device_id)) = rayon::join(
        || {
            let a = tidy_intune(intune, files);
            let cd = rayon::join(
                || tidy_configmgr(configmgr, files),
                || tidy_autopilot(autopilot, files),
            );
            (a, cd)
        },
        || tidy_entra(entra, files),
    );
    fleet.entra_by_device_id = Some((fleet.entra.len(), by_device_id));
    for removed in [a, b, c, d] {
        for (input, n) in inputs.iter_mut().zip(removed) {
            input.skip(SkipReason::Duplicate, n);
        }
    }
    fleet
}

/// Removes copies of one record by a hash of `key` ([`duplicates`]), counting them.
macro_rules! dedup {
    ($records:expr, $removed:expr, $key:expr, $activity:expr) => {{
        let drop = duplicates(
            &$records,
            $records.iter().map($key),
            $activity,
            |r| r.non_empty,
            |r| (r.file, r.line),
        );
        remove(&mut $records, drop, |r| r.file, &mut $removed);
    }};
}

/// Deterministic record order, whatever the row order of the inputs: a stable sort on
/// keys gathered once (no record is touched during the sort), then one move per record.
macro_rules! sort_by_key {
    ($records:expr, |$r:ident| $key:expr) => {{
        let mut keys: Vec<_> = $records
            .iter()
            .enumerate()
            .map(|(i, $r)| ($key, i))
            .collect();
        keys.sort_unstable();
        let order: Vec<usize> = keys.into_iter().map(|(_, i)| i).collect();
        permute(&mut $records, order);
    }};
}

fn tidy_intune(v: &mut Vec<IntuneRecord>, files: usize) -> Vec<u64> {
    let mut removed = vec![0; files];
    let t = crate::timing::span("    gather: intune sort");
    let keys = v
        .iter()
        .enumerate()
        .map(|(i, r)| SortKey::new(id_prefix(&r.id), i))
        .collect();
    let (order, keep) = sorted_survivors(
        v,
        keys,
        |a, b| a.id.cmp(&b.id),
        |a, b| a.id == b.id,
        |r| r.last_sync.get(),
        |r| r.non_empty,
        |r| (r.file, r.line),
    );
    drop(t);
    let _t = crate::timing::span("    gather: intune copies removed");
    remove_unkept(v, order, keep, |r| r.file, &mut removed);
    removed
}

/// Tidies the Entra objects, returning the copies removed per file and the objects by
/// device id (positions after the removal).
fn tidy_entra(v: &mut Vec<EntraRecord>, files: usize) -> (Vec<u64>, FxHashMap<Guid, usize>) {
    let mut removed = vec![0; files];
    let t = crate::timing::span("    gather: entra sort");
    // Objects without an object id (none, in the exports seen) first, by device id.
    let keys = v
        .iter()
        .enumerate()
        .map(|(i, r)| SortKey::new(r.object_id.as_ref().map_or(0, id_prefix), i))
        .collect();
    let (order, keep) = sorted_survivors(
        v,
        keys,
        |a, b| (a.object_id.as_ref(), a.device_id).cmp(&(b.object_id.as_ref(), b.device_id)),
        |a, b| a.object_id.is_some() && a.object_id == b.object_id,
        |r| r.last_sign_in.get(),
        |r| r.non_empty,
        |r| (r.file, r.line),
    );
    drop(t);
    let t = crate::timing::span("    gather: entra copies removed");
    remove_unkept(v, order, keep, |r| r.file, &mut removed);
    drop(t);
    let _t = crate::timing::span("    gather: entra device ids");
    // Two objects claiming one device id would make two devices with one key: one is kept.
    let (drop, mut by_device_id) = duplicates_kept(
        v,
        v.iter().map(|r| r.device_id),
        |r| r.last_sign_in.get(),
        |r| r.non_empty,
        |r| (r.file, r.line),
    );
    if drop.contains(&true) {
        // The map holds kept objects only: each moves back by the objects removed before it.
        let mut before = Vec::with_capacity(drop.len());
        let mut n = 0;
        for &d in &drop {
            before.push(n);
            n += usize::from(d);
        }
        by_device_id.values_mut().for_each(|e| *e -= before[*e]);
    }
    remove(v, drop, |r| r.file, &mut removed);
    (removed, by_device_id)
}

fn tidy_configmgr(v: &mut Vec<ConfigMgrRecord>, files: usize) -> Vec<u64> {
    let mut removed = vec![0; files];
    let keys = v
        .iter()
        .enumerate()
        .map(|(i, r)| SortKey::new(prefix(&r.resource_id).0, i))
        .collect();
    let (order, keep) = sorted_survivors(
        v,
        keys,
        |a, b| a.resource_id.cmp(&b.resource_id),
        |a, b| a.resource_id == b.resource_id,
        |r| r.last_active.get(),
        |r| r.non_empty,
        |r| (r.file, r.line),
    );
    remove_unkept(v, order, keep, |r| r.file, &mut removed);
    removed
}

fn tidy_autopilot(v: &mut Vec<AutopilotRecord>, files: usize) -> Vec<u64> {
    let mut removed = vec![0; files];
    dedup!(*v, removed, |r| r.id, |r| r.last_contacted.get());
    // Autopilot rows without id (CSV forms) are the same record as any with their serial.
    let with_id: BTreeSet<String> = v
        .iter()
        .filter(|r| r.id.is_some())
        .filter_map(|r| r.serial.as_deref().map(|s| serial_key(s).into_owned()))
        .collect();
    if !with_id.is_empty() {
        let drop: Vec<bool> = v
            .iter()
            .map(|r| {
                r.id.is_none()
                    && r.serial
                        .as_deref()
                        .is_some_and(|s| with_id.contains(serial_key(s).as_ref()))
            })
            .collect();
        remove(v, drop, |r| r.file, &mut removed);
    }
    let serials: Vec<Option<std::borrow::Cow<'_, str>>> = v
        .iter()
        .map(|r| match r.id {
            None => r.serial.as_deref().map(serial_key),
            Some(_) => None,
        })
        .collect();
    let dups = duplicates(
        v,
        serials.iter().map(|s| s.as_deref()),
        |r| r.last_contacted.get(),
        |r| r.non_empty,
        |r| (r.file, r.line),
    );
    std::mem::drop(serials);
    remove(v, dups, |r| r.file, &mut removed);
    sort_by_key!(*v, |r| (r.id, r.serial.as_deref().map(prefix)));
    removed
}

/// Puts `v` in the order `order` (new `v[i]` = old `v[order[i]]`), in place: each cycle
/// of the permutation is followed with swaps, so no second copy of the records is made.
fn permute<T>(v: &mut [T], order: Vec<usize>) {
    let mut done = vec![false; v.len()];
    for i in 0..v.len() {
        if done[i] {
            continue;
        }
        let mut j = i;
        loop {
            done[j] = true;
            let k = order[j];
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

/// `s` lower-cased (as [`crate::ingest::value::lower`]), held inline up to 24 bytes.
fn lower_text(s: &str) -> Text {
    if s.is_ascii() {
        let mut t = Text::from(s);
        t.as_mut_str().make_ascii_lowercase();
        t
    } else {
        Text::from_str_to_lowercase(s)
    }
}

/// An id's sort prefix: its text's first 16 bytes as a number. It orders like the text
/// (ties apart), so most comparisons are of numbers held in the keys, not of ids read
/// from records all over memory.
fn id_prefix(id: &Id) -> u128 {
    match id {
        // The text's first 16 bytes, formatted without a UTF-8 check (ASCII digits).
        Id::Guid(g) => {
            let mut text = [0; 36];
            g.format_bytes(&mut text);
            let mut first = [0; 16];
            first.copy_from_slice(&text[..16]);
            u128::from_be_bytes(first)
        }
        Id::Text(t) => prefix(t.as_str()).0,
    }
}

/// A sort key for a string that orders like its bytes: the first 16 bytes as a big-endian
/// number decide most comparisons without reading the string again.
fn prefix(s: &str) -> (u128, &str) {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    (u128::from_be_bytes(b), s)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum AnchorKey {
    DeviceId(Guid),
    Autopilot(String),
}

/// What an Autopilot record's link columns reach, looked up before the links are made:
/// devices by index (an Entra object `e` anchors device `e`).
struct ApLinks {
    /// The device of the Intune record its managedDeviceId names.
    managed: Option<usize>,
    /// Its Entra device id, and the Entra object carrying it.
    device_id: Option<(Guid, Option<usize>)>,
    /// The Entra object carrying its [ZTDID].
    ztdid: Option<usize>,
    /// The device of the best Intune record with its serial.
    serial: Option<usize>,
}

/// Where a ConfigMgr record links, looked up before the links are made.
enum CmLink {
    /// An existing device, and how.
    To(usize, LinkKind),
    /// An Entra device id no Entra object carries: the device anchored by that id.
    DeviceId(Guid),
    /// A device of its own.
    Own,
}

/// The Intune records by id: GUIDs (all of them, in the exports seen) in a map of their
/// own, filled in bucket order ([`map_in_bucket_order`]), other ids beside.
struct IntuneById<'f> {
    guids: FxHashMap<Guid, usize>,
    texts: FxHashMap<&'f Id, usize>,
}

impl IntuneById<'_> {
    fn get(&self, id: &Id) -> Option<usize> {
        match id {
            Id::Guid(g) => self.guids.get(g),
            Id::Text(_) => self.texts.get(id),
        }
        .copied()
    }
}

struct Builder {
    devices: Vec<Device>,
    /// Devices anchored by anything but an Entra object (those are devices `0..n_entra`,
    /// device `e` for object `e`).
    by_anchor: FxHashMap<AnchorKey, usize>,
}

impl Builder {
    fn device(&mut self, key: AnchorKey) -> usize {
        if let Some(&d) = self.by_anchor.get(&key) {
            return d;
        }
        let d = self.fresh();
        self.by_anchor.insert(key, d);
        d
    }

    /// A device of a record's own: no other record can reach it, so it is not indexed.
    fn fresh(&mut self) -> usize {
        self.devices.push(Device::default());
        self.devices.len() - 1
    }
}

/// Links the records of a fleet into devices.
pub fn resolve(mut fleet: Fleet) -> Resolved {
    let mut warnings = Vec::new();
    let mut b = Builder {
        devices: Vec::new(),
        by_anchor: FxHashMap::default(),
    };
    let t = crate::timing::span("    link: intune");
    // First, on both cores: the map of Entra objects by device id, and a device per Entra
    // object (made in parallel: at 10M devices these are 1.7 GB of fresh pages, 3.6 s on
    // one core).
    let t2 = crate::timing::span("        link: Entra map, devices");
    let made = fleet.entra_by_device_id.take();
    let fleet_ref = &fleet;
    let entra_map = || -> FxHashMap<Guid, usize> {
        // Left by `gather` for these objects; made again only for a fleet not gathered.
        if let Some((_, m)) = made.filter(|(n, _)| *n == fleet_ref.entra.len()) {
            return m;
        }
        map_in_bucket_order(
            fleet_ref
                .entra
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.device_id.map(|d| (d, i)))
                .collect(),
        )
    };
    // Room for every device there can be (each record its own), so that the devices are
    // never moved by growing: at 10M devices a grown vector copied 1.7 GB into fresh
    // pages. Room not used is address space only, never touched.
    let most = fleet_ref.entra.len()
        + fleet_ref.intune.len()
        + fleet_ref.configmgr.len()
        + fleet_ref.autopilot.len();
    b.devices = Vec::with_capacity(most);
    let (entra_by_devid, ()) = rayon::join(entra_map, || {
        b.devices
            .par_extend((0..fleet_ref.entra.len()).into_par_iter().map(|e| Device {
                entra: Some(e),
                links: smallvec::smallvec![(Source::Entra, e as u32, LinkKind::Anchor)],
                ..Device::default()
            }))
    });
    drop(t2);
    // Then the Intune records are linked on one core while the lookup maps only later
    // passes read (Intune by id and by serial, Entra by [ZTDID]) are made on the other,
    // as three tasks the first core takes up when it is done.
    type Lookups<'f> = (
        IntuneById<'f>,
        FxHashMap<Text, usize>,
        FxHashMap<Guid, usize>,
    );
    let lookups = || -> Lookups<'_> {
        let _t = crate::timing::span("        link: lookup maps beside");
        // The maps keyed by GUIDs are filled in the order of their buckets (at 10M records
        // a fill in record order is a cache miss per insert); the others in record order,
        // since a key held by reference is read again at each insert (in bucket order, a
        // random read of a record instead).
        let by_id = || -> IntuneById<'_> {
            let (guids, texts): (Vec<_>, Vec<_>) = fleet_ref
                .intune
                .iter()
                .enumerate()
                .partition(|(_, r)| matches!(r.id, Id::Guid(_)));
            let guids = guids
                .into_iter()
                .filter_map(|(i, r)| match r.id {
                    Id::Guid(g) => Some((g, i)),
                    Id::Text(_) => None,
                })
                .collect();
            IntuneById {
                guids: map_in_bucket_order(guids),
                texts: texts.into_iter().map(|(i, r)| (&r.id, i)).collect(),
            }
        };
        // The best Intune record for a serial (tie-break), for serial links. The keys are
        // held in the map (up to 24 bytes inline, as `Text`), so that it can be filled in
        // bucket order.
        let by_serial = || -> FxHashMap<Text, usize> {
            let serials = fleet_ref
                .intune
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.serial.as_deref().map(|s| (Text::from(serial_key(s)), i)))
                .collect();
            filled_in_bucket_order(serials, |m, key, i| {
                m.entry(key)
                    .and_modify(|best| {
                        let (r, other) = (&fleet_ref.intune[i], &fleet_ref.intune[*best]);
                        if order(intune_rank(r), intune_rank(other)) == Ordering::Less {
                            *best = i;
                        }
                    })
                    .or_insert(i);
            })
        };
        let by_ztdid = || -> FxHashMap<Guid, usize> {
            map_in_bucket_order(
                fleet_ref
                    .entra
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| r.ztdid.map(|z| (z, i)))
                    .collect(),
            )
        };
        let ((by_id, by_ztdid), by_serial) =
            rayon::join(|| rayon::join(by_id, by_ztdid), by_serial);
        (by_id, by_serial, by_ztdid)
    };
    // Intune: by Entra device id, else a device of its own.
    let link_intune = |b: &mut Builder| -> Vec<usize> {
        let _t = crate::timing::span("        link: Intune records");
        // Each record's device first, in record order (new devices are numbered in it),
        // then the joins, device by device.
        let mut intune_device = vec![0usize; fleet_ref.intune.len()];
        let mut joins = Vec::with_capacity(fleet_ref.intune.len());
        for (i, r) in fleet_ref.intune.iter().enumerate() {
            let (d, kind) = match r.entra_device_id {
                Some(g) => match entra_by_devid.get(&g) {
                    Some(&e) => (e, LinkKind::EntraDeviceId),
                    None => (b.device(AnchorKey::DeviceId(g)), LinkKind::EntraDeviceId),
                },
                None => (b.fresh(), LinkKind::Own),
            };
            intune_device[i] = d;
            joins.push((d, i as u32, kind));
        }
        join_in_device_order(&mut b.devices, INTUNE, joins);
        intune_device
    };
    let (intune_device, (intune_by_id, intune_by_serial, entra_by_ztdid)) =
        rayon::join(|| link_intune(&mut b), lookups);
    let by_serial =
        |s: &str| -> Option<usize> { intune_by_serial.get(serial_key(s).as_ref()).copied() };

    drop(t);
    let t = crate::timing::span("    link: lookups");
    // Every look-up of the Autopilot and ConfigMgr links reads maps that no longer change:
    // they are made here on both cores, and the links below, which create devices, only
    // apply them in record order.
    let ap_lookups = || -> Vec<ApLinks> {
        fleet
            .autopilot
            .par_iter()
            .map(|a| ApLinks {
                managed: a
                    .managed_device_id
                    .as_ref()
                    .and_then(|m| intune_by_id.get(m))
                    .map(|ir| intune_device[ir]),
                device_id: a
                    .entra_device_id
                    .map(|g| (g, entra_by_devid.get(&g).copied())),
                ztdid: a.id.and_then(|z| entra_by_ztdid.get(&z).copied()),
                serial: a
                    .serial
                    .as_deref()
                    .and_then(by_serial)
                    .map(|ir| intune_device[ir]),
            })
            .collect()
    };
    // ConfigMgr: AADDeviceID, else serial (to Intune), else a unique ServerAd name.
    let cm_lookups = || -> Vec<CmLink> {
        // The ServerAd objects (a third of all at fleet scale) by lower-cased name, held
        // inline (`Text`, up to 24 bytes), found and lower-cased on both cores and filled in
        // bucket order. A name only links when one object has it: a name two objects share
        // maps to `SHARED`.
        const SHARED: usize = usize::MAX;
        let named: Vec<(Text, usize)> = fleet
            .entra
            .par_iter()
            .enumerate()
            .filter(|(_, r)| r.trust == Some(Trust::ServerAd))
            .filter_map(|(e, r)| r.name.as_ref().map(|n| (lower_text(n), e)))
            .collect();
        let serverad_by_name = filled_in_bucket_order(named, |m, name, e| {
            m.entry(name).and_modify(|at| *at = SHARED).or_insert(e);
        });
        fleet
            .configmgr
            .par_iter()
            .map(|c| {
                if let Some(g) = c.aad_device_id {
                    match entra_by_devid.get(&g) {
                        Some(&e) => CmLink::To(e, LinkKind::EntraDeviceId),
                        None => CmLink::DeviceId(g),
                    }
                } else if let Some(ir) = c.serial.as_deref().and_then(by_serial) {
                    CmLink::To(intune_device[ir], LinkKind::Serial)
                } else if let Some(&e) = c
                    .name
                    .as_ref()
                    .and_then(|n| serverad_by_name.get(lower_text(n).as_str()))
                    .filter(|&&e| e != SHARED)
                {
                    CmLink::To(e, LinkKind::Name)
                } else {
                    CmLink::Own
                }
            })
            .collect()
    };
    let (ap_links, cm_links) = rayon::join(ap_lookups, cm_lookups);
    // Autopilot placeholders: AzureAd objects for an imported device, never deployed.
    let mut ap_linked = vec![false; fleet.entra.len()];
    for l in &ap_links {
        for e in l.device_id.and_then(|(_, e)| e).into_iter().chain(l.ztdid) {
            ap_linked[e] = true;
        }
    }
    // Object `e` anchors device `e`.
    let placeholders: Vec<bool> = (0..fleet.entra.len())
        .into_par_iter()
        .map(|e| {
            let r = &fleet.entra[e];
            r.trust == Some(Trust::AzureAd)
                && (r.ztdid.is_some() || ap_linked[e])
                && b.devices[e].intune.is_empty()
                && r.last_sign_in.get().is_none()
        })
        .collect();

    drop(t);
    let t = crate::timing::span("    link: autopilot");
    // Autopilot: managedDeviceId, Entra device id, [ZTDID], serial; strongest first.
    let mut folded: FxHashMap<usize, usize> = FxHashMap::default(); // placeholder device -> target device
    let mut ap_only: Vec<usize> = Vec::new();
    let mut joins = Vec::with_capacity(fleet.autopilot.len());
    for (i, (a, l)) in fleet.autopilot.iter().zip(&ap_links).enumerate() {
        let mut cands: smallvec::SmallVec<[(usize, LinkKind); 4]> = smallvec::SmallVec::new();
        let mut placeholder_dev: Option<usize> = None;
        if let Some(d) = l.managed {
            cands.push((d, LinkKind::ManagedDeviceId));
        }
        // Object `e` anchors device `e`; an unknown device id gets a device of its own.
        match l.device_id {
            Some((_, Some(e))) if placeholders[e] => placeholder_dev = Some(e),
            Some((_, Some(e))) => cands.push((e, LinkKind::EntraDeviceId)),
            Some((g, None)) => {
                cands.push((b.device(AnchorKey::DeviceId(g)), LinkKind::EntraDeviceId))
            }
            None => {}
        }
        if let Some(e) = l.ztdid {
            if placeholders[e] {
                placeholder_dev = Some(e);
            } else {
                cands.push((e, LinkKind::Ztdid));
            }
        }
        if let Some(d) = l.serial {
            cands.push((d, LinkKind::Serial));
        }
        let target = match (cands.first().copied(), placeholder_dev) {
            (Some((d, kind)), ph) => {
                if cands.iter().any(|&(o, _)| o != d) {
                    warnings.push(Warning {
                        file: fleet.files.get(a.file as usize).cloned(),
                        line: Some(a.line),
                        column: None,
                        message: format!(
                            "autopilot record links to two devices; joined by the strongest link ({})",
                            kind.as_str()
                        ),
                    });
                }
                if let Some(p) = ph {
                    if p != d {
                        folded.entry(p).or_insert(d);
                    }
                }
                Some((d, kind))
            }
            (None, Some(p)) => Some((p, LinkKind::Placeholder)),
            (None, None) => None,
        };
        match target {
            Some((d, kind)) => joins.push((d, i as u32, kind)),
            None => ap_only.push(i),
        }
    }
    // No record of `ap_only` joins a device these joins reach (those are anchored by an
    // Autopilot key, made below), so each device's records still come in record order.
    join_in_device_order(&mut b.devices, AUTOPILOT, joins);
    for i in ap_only {
        let a = &fleet.autopilot[i];
        let key = match (&a.serial, a.id) {
            (Some(s), _) => serial_key(s).into_owned(),
            (None, Some(id)) => id.to_string(),
            (None, None) => format!("line-{}-{}", a.file, a.line),
        };
        let d = b.device(AnchorKey::Autopilot(key));
        b.devices[d].autopilot.push(i);
        b.devices[d]
            .links
            .push((Source::Autopilot, i as u32, LinkKind::Own));
    }

    drop(t);
    let t = crate::timing::span("    link: configmgr");
    let joins = cm_links
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let (d, kind) = match l {
                CmLink::To(d, kind) => (d, kind),
                CmLink::DeviceId(g) => (b.device(AnchorKey::DeviceId(g)), LinkKind::EntraDeviceId),
                CmLink::Own => (b.fresh(), LinkKind::Own),
            };
            (d, i as u32, kind)
        })
        .collect();
    join_in_device_order(&mut b.devices, CONFIGMGR, joins);

    drop(t);
    let t = crate::timing::span("    link: keys");
    // Fold placeholders into the device their Autopilot record reached.
    let mut devices = b.devices;
    for (&p, &target) in &folded {
        let ph = std::mem::take(&mut devices[p]);
        let t = &mut devices[target];
        t.placeholder = ph.entra;
        if let Some(e) = ph.entra {
            t.links
                .push((Source::Entra, e as u32, LinkKind::Placeholder));
        }
        t.autopilot.extend(ph.autopilot);
        t.configmgr.extend(ph.configmgr);
        t.links
            .extend(ph.links.into_iter().filter(|l| l.0 != Source::Entra));
        devices[p].key = Id::new(FOLDED);
    }
    devices.par_iter_mut().for_each(|d| {
        if d.key == FOLDED {
            return;
        }
        if let Some(e) = d.entra {
            d.is_placeholder = placeholders[e];
        }
        d.intune
            .sort_by(|&x, &y| order(intune_rank(&fleet.intune[x]), intune_rank(&fleet.intune[y])));
        d.configmgr.sort_by(|&x, &y| {
            let (a, b) = (&fleet.configmgr[x], &fleet.configmgr[y]);
            // A live client is primary over a discovered-only record.
            b.client.cmp(&a.client).then_with(|| {
                order(
                    (a.last_active.get(), None, &a.resource_id),
                    (b.last_active.get(), None, &b.resource_id),
                )
            })
        });
        d.autopilot.sort_by(|&x, &y| {
            let (a, b) = (&fleet.autopilot[x], &fleet.autopilot[y]);
            order(
                (a.last_contacted.get(), None, &ap_sort_id(a)),
                (b.last_contacted.get(), None, &ap_sort_id(b)),
            )
        });
        d.key = device_key(d, &fleet);
    });
    devices.retain(|d| {
        d.key != FOLDED
            && !(d.entra.is_none()
                && d.intune.is_empty()
                && d.configmgr.is_empty()
                && d.autopilot.is_empty())
    });
    drop(t);
    let _t = crate::timing::span("    link: sort");
    let mut keys: Vec<SortKey> = devices
        .par_iter()
        .enumerate()
        .map(|(i, d)| SortKey::new(id_prefix(&d.key), i))
        .collect();
    sort_keys(&mut keys, |a, b| devices[a].key.cmp(&devices[b].key));
    let order: Vec<usize> = keys.into_iter().map(|k| k.at).collect();
    permute(&mut devices, order);
    for w in devices.windows(2) {
        if w[0].key == w[1].key {
            warnings.push(Warning::global(format!(
                "two devices share the key {}",
                w[0].key
            )));
        }
    }
    drop(_t);
    let _t = crate::timing::span("    link: records in device order");
    let mut fleet = fleet;
    in_device_order(&mut fleet, &mut devices);
    Resolved {
        fleet,
        devices,
        warnings,
    }
}

/// Joins records of `source` to their devices (`(device, record, how)`), device by device:
/// made in record order, each join was a write to a device at a random place (at 10M
/// devices, 1.7 GB of them: a cache and TLB miss each, 3.6 s for the Intune records). Sorted
/// by (device, record), the writes run through the devices front to back and every device
/// still gets its records in record order.
fn join_in_device_order(
    devices: &mut [Device],
    (source, members): (Source, fn(&mut Device) -> &mut Members),
    mut joins: Vec<(usize, u32, LinkKind)>,
) {
    joins.par_sort_unstable_by_key(|&(d, i, _)| (d, i));
    for (d, i, kind) in joins {
        let device = &mut devices[d];
        members(device).push(i as usize);
        device.links.push((source, i, kind));
    }
}

/// The sources whose records join devices, with their members in a device.
const INTUNE: (Source, fn(&mut Device) -> &mut Members) = (Source::Intune, |d| &mut d.intune);
const CONFIGMGR: (Source, fn(&mut Device) -> &mut Members) =
    (Source::ConfigMgr, |d| &mut d.configmgr);
const AUTOPILOT: (Source, fn(&mut Device) -> &mut Members) =
    (Source::Autopilot, |d| &mut d.autopilot);

/// Puts each source's records in the order the devices reach them (device by device,
/// primary first) and renumbers the devices' references to match. Every later stage
/// (classify, facts, evidence) walks the devices in order and reads their records: in
/// device order those reads run through memory front to back instead of jumping across
/// gigabytes of records at fleet scale. Records no device refers to keep their relative
/// order, after the others. Which record is which is unchanged: records are identified in
/// outputs by file and line, never by position.
fn in_device_order(fleet: &mut Fleet, devices: &mut [Device]) {
    const NONE: u32 = u32::MAX;
    // New position of each record, by source (`NONE` until a device reaches it).
    let mut new_at: [Vec<u32>; 4] = [
        vec![NONE; fleet.entra.len()],
        vec![NONE; fleet.intune.len()],
        vec![NONE; fleet.configmgr.len()],
        vec![NONE; fleet.autopilot.len()],
    ];
    let mut order: [Vec<usize>; 4] = [
        Vec::with_capacity(fleet.entra.len()),
        Vec::with_capacity(fleet.intune.len()),
        Vec::with_capacity(fleet.configmgr.len()),
        Vec::with_capacity(fleet.autopilot.len()),
    ];
    let slot = |s: Source| match s {
        Source::Entra => 0,
        Source::Intune => 1,
        Source::ConfigMgr => 2,
        Source::Autopilot => 3,
    };
    // A record's new position, given it when a device first reaches it.
    let mut visit = |s: usize, old: usize| -> usize {
        if new_at[s][old] == NONE {
            new_at[s][old] = order[s].len() as u32;
            order[s].push(old);
        }
        new_at[s][old] as usize
    };
    for d in devices.iter_mut() {
        if let Some(e) = &mut d.entra {
            *e = visit(0, *e);
        }
        if let Some(e) = &mut d.placeholder {
            *e = visit(0, *e);
        }
        d.intune.iter_mut().for_each(|i| *i = visit(1, *i));
        d.configmgr.iter_mut().for_each(|i| *i = visit(2, *i));
        d.autopilot.iter_mut().for_each(|i| *i = visit(3, *i));
        d.links
            .iter_mut()
            .for_each(|l| l.1 = visit(slot(l.0), l.1 as usize) as u32);
    }
    let lens = [
        fleet.entra.len(),
        fleet.intune.len(),
        fleet.configmgr.len(),
        fleet.autopilot.len(),
    ];
    for (s, &len) in lens.iter().enumerate() {
        (0..len).for_each(|old| {
            visit(s, old);
        });
    }
    let [oe, oi, oc, oa] = order;
    let Fleet {
        intune,
        entra,
        configmgr,
        autopilot,
        ..
    } = fleet;
    // The two largest sources start at once, one per core (nested joins would let the
    // second core take the two small ones first and start the Intune records after them).
    rayon::join(
        || {
            permute(intune, oi);
            permute(configmgr, oc);
        },
        || {
            permute(entra, oe);
            permute(autopilot, oa);
        },
    );
}

/// The device's Entra device id: its Entra object's, else the first one its Intune,
/// ConfigMgr or Autopilot records carry (records in primary-first order).
pub fn entra_device_id(d: &Device, fleet: &Fleet) -> Option<Guid> {
    d.entra.and_then(|e| fleet.entra[e].device_id).or_else(|| {
        d.intune
            .iter()
            .filter_map(|&i| fleet.intune[i].entra_device_id)
            .chain(
                d.configmgr
                    .iter()
                    .filter_map(|&i| fleet.configmgr[i].aad_device_id),
            )
            .chain(
                d.autopilot
                    .iter()
                    .filter_map(|&i| fleet.autopilot[i].entra_device_id),
            )
            .next()
    })
}

/// model.md `device_key`.
fn device_key(d: &Device, fleet: &Fleet) -> Id {
    if let Some(g) = entra_device_id(d, fleet) {
        return Id::Guid(g);
    }
    Id::new(&other_device_key(d, fleet))
}

/// The key of a device without an Entra device id (always prefixed, so never a GUID).
fn other_device_key(d: &Device, fleet: &Fleet) -> String {
    if let Some(o) = d.entra.and_then(|e| fleet.entra[e].object_id.as_ref()) {
        return format!("entra-object:{o}");
    }
    if let Some(&i) = d.intune.first() {
        return format!("intune:{}", fleet.intune[i].id);
    }
    if let Some(&i) = d.configmgr.first() {
        return format!("configmgr:{}", fleet.configmgr[i].resource_id);
    }
    if let Some(&i) = d.autopilot.first() {
        let a = &fleet.autopilot[i];
        return match (&a.serial, a.id) {
            (Some(s), _) => format!("autopilot:{}", serial_key(s)),
            (None, Some(id)) => format!("autopilot:{id}"),
            (None, None) => format!("autopilot:line-{}", a.line),
        };
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Of two Entra objects claiming one device id, gather keeps the one signed in last,
    /// and the device-id map it leaves for `resolve` follows the objects it removed: each
    /// Intune record joins the object with its device id, as with a map made afresh.
    #[test]
    fn the_device_id_map_gather_leaves_follows_the_objects_it_removed() {
        let guid = |s: &str| crate::ingest::value::parse_guid(s).unwrap();
        let x = guid("6f1c2a8e-0a57-4d1e-9d3b-0c2f8a1b7e01");
        let y = guid("6f1c2a8e-0a57-4d1e-9d3b-0c2f8a1b7e02");
        let object = |line: u64, id: &str, device: Guid, signed_in: Micros| EntraRecord {
            line,
            object_id: Some(Id::new(id)),
            device_id: Some(device),
            last_sign_in: Some(signed_in).into(),
            ..EntraRecord::default()
        };
        let intune = |line: u64, id: &str, device: Guid| IntuneRecord {
            line,
            id: Id::new(id),
            entra_device_id: Some(device),
            ..IntuneRecord::default()
        };
        let fleet = Fleet {
            // The first object is the older copy of the third: removing it moves both
            // others back by one.
            entra: vec![
                object(2, "a0000000-0000-4000-8000-000000000001", x, 100),
                object(3, "a0000000-0000-4000-8000-000000000002", y, 500),
                object(4, "a0000000-0000-4000-8000-000000000003", x, 900),
            ],
            intune: vec![
                intune(2, "b0000000-0000-4000-8000-000000000001", y),
                intune(3, "b0000000-0000-4000-8000-000000000002", x),
            ],
            ..Fleet::default()
        };
        let joined = |r: &Resolved| -> Vec<(String, Vec<u64>)> {
            r.devices
                .iter()
                .map(|d| {
                    let e = &r.fleet.entra[d.entra.expect("every device has its object")];
                    let lines = d.intune.iter().map(|&i| r.fleet.intune[i].line).collect();
                    (e.object_id.as_ref().unwrap().to_string(), lines)
                })
                .collect()
        };
        let mut left = fleet.clone();
        let (removed, map) = tidy_entra(&mut left.entra, 1);
        assert_eq!(removed, vec![1]);
        left.entra_by_device_id = Some((left.entra.len(), map));
        let mut afresh = fleet;
        tidy_entra(&mut afresh.entra, 1);
        let (left, afresh) = (resolve(left), resolve(afresh));
        // Devices in key (device id) order: x's first.
        let want = vec![
            ("a0000000-0000-4000-8000-000000000003".to_string(), vec![3]),
            ("a0000000-0000-4000-8000-000000000002".to_string(), vec![2]),
        ];
        assert_eq!(joined(&left), want);
        assert_eq!(joined(&afresh), want);
    }

    /// A ConfigMgr record with no device id and no serial joins the ServerAd object of its
    /// name, in any case (non-ASCII too), when exactly one object has that name; a name two
    /// objects share, or no object has, leaves it a device of its own. Checked with a few
    /// objects and with enough for the name map to be filled in bucket order.
    #[test]
    fn configmgr_records_join_the_one_serverad_object_of_their_name() {
        let object = |line: u64, name: &str| EntraRecord {
            line,
            object_id: Some(Id::new(&format!("a0000000-0000-4000-8000-{line:012}"))),
            name: Some(Text::from(name)),
            trust: Some(Trust::ServerAd),
            ..EntraRecord::default()
        };
        let client = |line: u64, name: &str| ConfigMgrRecord {
            line,
            resource_id: Text::from(format!("1677{line:04}")),
            name: Some(Text::from(name)),
            ..ConfigMgrRecord::default()
        };
        for fillers in [0, 70_000] {
            let mut entra = vec![
                object(2, "CORP-PC1"),
                object(3, "ÄRGER-PC"),
                object(4, "Shared-PC"),
                object(5, "SHARED-PC"),
            ];
            entra.extend((0..fillers).map(|i| object(10 + i, &format!("FILL-{i}"))));
            let fleet = Fleet {
                entra,
                configmgr: vec![
                    client(2, "corp-pc1"),
                    client(3, "ärger-pc"),
                    client(4, "shared-pc"),
                    client(5, "NOBODY"),
                ],
                ..Fleet::default()
            };
            let r = resolve(fleet);
            let joined: Vec<(u64, Option<u64>)> = r
                .devices
                .iter()
                .flat_map(|d| {
                    let object = d.entra.map(|e| r.fleet.entra[e].line);
                    d.configmgr.iter().map(move |&c| (c, object))
                })
                .map(|(c, object)| (r.fleet.configmgr[c].line, object))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            assert_eq!(
                joined,
                vec![(2, Some(2)), (3, Some(3)), (4, None), (5, None)],
                "{fillers} fillers"
            );
        }
    }

    #[test]
    fn an_ids_sort_prefix_is_the_first_16_bytes_of_its_text() {
        for text in [
            "5443aeae-4755-4fd7-af88-feb027023c10",
            "00000000-0000-0000-0000-000000000001",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "16777220",
            "{5443aeae-4755-4fd7-af88-feb027023c10}",
            "",
        ] {
            let id = Id::new(text);
            assert_eq!(id_prefix(&id), prefix(text).0, "{text}");
        }
        assert!(matches!(
            Id::new("5443aeae-4755-4fd7-af88-feb027023c10"),
            Id::Guid(_)
        ));
    }
}
