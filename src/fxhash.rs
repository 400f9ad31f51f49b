//! A fast, deterministic hasher for the identity maps (GUIDs, ids, serials): the
//! Firefox/rustc "Fx" hash. These maps hold trusted keys from the run's own inputs and are
//! never iterated into an output, so HashDoS resistance is not needed and SipHash's cost is.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        // The last 1 to 7 bytes in at most two fixed-size loads (overlapping when fewer
        // than 8), with the length: a copy of variable length would call `memcpy`.
        let rest = chunks.remainder();
        let n = rest.len();
        let word = |at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&rest[at..at + 4]);
            u64::from(u32::from_le_bytes(w))
        };
        let tail = match n {
            0 => return,
            1..=3 => {
                u64::from(rest[0]) | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]) << 16
            }
            _ => word(0) | word(n - 4) << 32,
        };
        self.add(tail ^ (n as u64) << 59);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    /// The multiply only carries differences upwards, and hashbrown picks the bucket from
    /// the low bits: keys that differ only in their last bytes (`16777220`, `16777221`)
    /// would pile into a few buckets. A final avalanche (the murmur3 mixer) spreads them.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FxHashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

/// Below this many items a map's table fits in the caches and the order of insertion does
/// not matter.
const IN_ORDER_FROM: usize = 1 << 16;

/// Bits of the bucket index the items are grouped by: 4,096 groups, each inserted into a
/// stretch of the table small enough to stay in the core's cache while it is filled.
const GROUP_BITS: u32 = 12;

/// A map of `items`, sized for them and filled in the order of the table's buckets, with
/// `put` deciding what each item does to it (usually an insert, or an `entry` that keeps
/// the better of two items with one key).
///
/// Filled in the items' order, each insert lands on a random bucket: past the caches (at
/// 10M keys a table of 200-400 MB) every insert is a cache and TLB miss, and a table of
/// 9.5M GUIDs took 3.7 s to fill against 0.13 s for 1M (BENCHMARKS.md, twenty-first
/// round). So the items are first grouped by the high bits of the bucket their hash
/// starts at (hashbrown probes from `hash & (buckets - 1)`), one pass of a counting sort,
/// and inserted group by group: the inserts walk the table front to back (1.1 s for the
/// 9.5M GUIDs). The grouping is stable, so items with one key (one hash) reach `put` in
/// their order in `items`, and the map is the same as one filled in that order; only its
/// layout differs, and no output depends on it (these maps are looked up, never iterated
/// into an output).
pub fn filled_in_bucket_order<K: std::hash::Hash + Eq, V, M>(
    items: Vec<(K, V)>,
    mut put: impl FnMut(&mut FxHashMap<K, M>, K, V),
) -> FxHashMap<K, M> {
    let mut map = FxHashMap::with_capacity_and_hasher(items.len(), Default::default());
    if items.len() < IN_ORDER_FROM {
        for (k, v) in items {
            put(&mut map, k, v);
        }
        return map;
    }
    // A table of 2^b buckets holds 7/8 of them: the next power of two of the capacity.
    let buckets = map.capacity().next_power_of_two();
    let bits = buckets.trailing_zeros();
    let shift = bits - bits.min(GROUP_BITS);
    let hasher = map.hasher().clone();
    let group_of = |k: &K| {
        use std::hash::BuildHasher;
        ((hasher.hash_one(k) as usize & (buckets - 1)) >> shift) as u16
    };
    let groups: Vec<u16> = items.iter().map(|(k, _)| group_of(k)).collect();
    let mut sizes = vec![0usize; 1 << bits.min(GROUP_BITS)];
    for &g in &groups {
        sizes[g as usize] += 1;
    }
    let mut grouped: Vec<Vec<(K, V)>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (item, g) in items.into_iter().zip(groups) {
        grouped[g as usize].push(item);
    }
    for (k, v) in grouped.into_iter().flatten() {
        put(&mut map, k, v);
    }
    map
}

/// [`filled_in_bucket_order`] with plain inserts (of items with one key, the last stays).
pub fn map_in_bucket_order<K: std::hash::Hash + Eq, V>(items: Vec<(K, V)>) -> FxHashMap<K, V> {
    filled_in_bucket_order(items, |m, k, v| {
        m.insert(k, v);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    /// Filled in bucket order, a map holds what one filled in the items' order holds, and
    /// items with one key reach `put` in their order: checked below and above the size
    /// from which the items are grouped, with repeated keys.
    #[test]
    fn a_map_filled_in_bucket_order_is_the_map_filled_in_item_order() {
        for n in [10usize, IN_ORDER_FROM + 12_345] {
            // Keys repeat (every 7th item again under an earlier key).
            let items: Vec<(u64, usize)> = (0..n)
                .map(|i| (if i % 7 == 6 { (i / 2) as u64 } else { i as u64 }, i))
                .collect();
            let mut plain: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
            for &(k, v) in &items {
                plain.entry(k).or_default().push(v);
            }
            let mut seen: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
            let last = filled_in_bucket_order(items.clone(), |m, k, v| {
                seen.entry(k).or_default().push(v);
                m.insert(k, v);
            });
            assert_eq!(seen, plain, "n={n}: every item, in item order per key");
            assert_eq!(last.len(), plain.len());
            for (k, vs) in &plain {
                assert_eq!(last.get(k), vs.last(), "n={n}, key {k}");
            }
            assert_eq!(map_in_bucket_order(items), last);
        }
    }

    #[test]
    fn keys_differing_in_any_byte_or_length_hash_apart() {
        let b = BuildHasherDefault::<FxHasher>::default();
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        // Every key of up to 9 bytes over a small alphabet, and a zero byte in each
        // position: the tail loads must see every byte and the length.
        for len in 0..=9usize {
            for seed in 0..40u64 {
                let key: Vec<u8> = (0..len)
                    .map(|i| b"a0\0Z"[((seed >> (i % 6)) as usize + i) % 4])
                    .collect();
                if seen.insert(key.clone()) {
                    n += 1;
                    let h = b.hash_one(&key[..]);
                    assert!(
                        !seen
                            .iter()
                            .any(|k: &Vec<u8>| k != &key && b.hash_one(&k[..]) == h),
                        "{key:?} collides"
                    );
                }
            }
        }
        assert!(n > 100);
    }
}
