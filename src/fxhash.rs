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

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

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
