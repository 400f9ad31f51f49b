//! Deterministic pseudo-random numbers and collision-free codes.
//!
//! SplitMix64 (Steele, Lea, Flood 2014) written out here so that the generated files are
//! byte-identical on every platform and with every crate version.

/// The SplitMix64 output function (a bijection on `u64`).
pub(crate) const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 stream.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(mix(seed ^ 0x5EED_F1EE_7057_A7E5))
    }

    /// The stream of one device: independent of every other device's stream.
    pub(crate) fn for_device(seed: u64, idx: u64) -> Self {
        Rng(mix(
            seed ^ mix(idx.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDE71_CE00)
        ))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by multiply-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// A roll in `0..1000`.
    pub(crate) fn permille(&mut self) -> u32 {
        self.below(1000) as u32
    }

    /// A random (version 4) GUID.
    pub(crate) fn guid(&mut self) -> u128 {
        let raw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        let versioned = (raw & !(0xF_u128 << 76)) | (0x4_u128 << 76);
        (versioned & !(0x3_u128 << 62)) | (0x2_u128 << 62)
    }
}

/// A keyed bijection on `0..2^bits`: distinct inputs give distinct outputs, which is how
/// names, serials and hardware ids stay unique without a lookup table.
pub(crate) fn bijection(x: u64, bits: u32, key: u64) -> u64 {
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1_u64 << bits) - 1
    };
    let mut v = (x ^ key) & mask;
    for mult in [
        0x9E37_79B9_7F4A_7C15_u64,
        0xBF58_476D_1CE4_E5B9,
        0x94D0_49BB_1331_11EB,
    ] {
        v = v.wrapping_mul(mult) & mask;
        v ^= v >> (bits / 2);
    }
    v
}

/// `value` in upper-case base 36, left-padded with `0` to `width` digits.
pub(crate) fn base36(mut value: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = vec![b'0'; width];
    let mut i = width;
    while i > 0 {
        i -= 1;
        out[i] = DIGITS[(value % 36) as usize];
        value /= 36;
    }
    out.into_iter().map(char::from).collect()
}

/// A GUID in its lower-case hyphenated text form.
pub(crate) fn guid_text(g: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            text.push('-');
        }
        text.push(char::from(HEX[((g >> (124 - 4 * i)) & 0xF) as usize]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (reference implementation).
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn bijection_is_injective_on_a_small_space() {
        let mut seen = std::collections::HashSet::new();
        for x in 0..(1 << 12) {
            assert!(seen.insert(bijection(x, 12, 77)));
        }
    }

    #[test]
    fn guid_text_shape() {
        let mut r = Rng::new(1);
        let t = guid_text(r.guid());
        assert_eq!(t.len(), 36);
        assert_eq!(&t[14..15], "4");
        assert_eq!(
            guid_text(0x0123_4567_89ab_cdef_0011_2233_4455_6677),
            "01234567-89ab-cdef-0011-223344556677"
        );
    }
}
