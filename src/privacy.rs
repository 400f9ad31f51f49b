//! `--pseudonymize KEY_FILE`: user names, UPNs, device names and serial numbers are
//! replaced by a keyed hash (HMAC-SHA-256) as soon as they are read, so every output, the
//! device keys built from serials, the evidence and `explain` carry only pseudonyms. The
//! same key gives the same pseudonyms week after week; the key itself is never written.

use crate::ingest::value::serial_key;
use crate::ingest::value::Text;
use crate::ingest::{Input, Records};

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

#[derive(Clone)]
pub struct Pseudonymizer {
    /// The HMAC key, prepared once: its padded inner and outer blocks are hashed here,
    /// not again for every value.
    key: ring::hmac::Key,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(<key>)")
    }
}

/// HMAC-SHA-256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::hmac::sign(&key, message).as_ref());
    out
}

impl Pseudonymizer {
    pub fn new(key: Vec<u8>) -> Result<Pseudonymizer, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!("the key must be at least {MIN_KEY_BYTES} bytes (e.g. `head -c 32 /dev/urandom > key`)"));
        }
        Ok(Pseudonymizer {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        })
    }

    /// Reads a key file; a trailing newline is not part of the key.
    pub fn from_file(path: &std::path::Path) -> Result<Pseudonymizer, String> {
        let mut key = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        while key.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            key.pop();
        }
        Pseudonymizer::new(key).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn tag(&self, kind: &str, value: &str) -> String {
        // HMAC over `kind NUL value`, fed in parts (no joined copy).
        let mut ctx = ring::hmac::Context::with_key(&self.key);
        ctx.update(kind.as_bytes());
        ctx.update(b"\0");
        ctx.update(value.as_bytes());
        let mac = ctx.sign();
        let hex = crate::ingest::text::hex(&mac.as_ref()[..10]);
        format!("{kind}-{hex}")
    }

    /// Device names compare case-insensitively, so they are hashed lower-cased.
    pub fn name(&self, v: &str) -> String {
        self.tag("device", &v.trim().to_lowercase())
    }

    /// Serials compare without white space and case: hashed in that form, upper-case out
    /// (a serial-based key stays `autopilot:<SERIAL>`-shaped).
    pub fn serial(&self, v: &str) -> String {
        self.tag("sn", &serial_key(v)).to_uppercase()
    }

    pub fn user(&self, v: &str) -> String {
        self.tag("user", &v.trim().to_lowercase())
    }

    /// Replaces every sensitive value of the records of `input`.
    pub fn apply(&self, input: &mut Input) {
        let n = |o: &mut Option<Text>, f: &dyn Fn(&str) -> String| {
            if let Some(v) = o.as_deref() {
                *o = Some(f(v).into());
            }
        };
        let shared = |o: &mut Option<crate::ingest::value::Shared>| {
            if let Some(v) = o.as_deref() {
                *o = Some(self.user(v).into());
            }
        };
        match &mut input.records {
            Records::Intune(v) => v.iter_mut().for_each(|r| {
                n(&mut r.name, &|s| self.name(s));
                n(&mut r.serial, &|s| self.serial(s));
                shared(&mut r.upn);
            }),
            Records::Entra(v) => v.iter_mut().for_each(|r| {
                n(&mut r.name, &|s| self.name(s));
                n(&mut r.owner, &|s| self.user(s));
            }),
            Records::ConfigMgr(v) => v.iter_mut().for_each(|r| {
                n(&mut r.name, &|s| self.name(s));
                n(&mut r.serial, &|s| self.serial(s));
            }),
            Records::Autopilot(v) => v.iter_mut().for_each(|r| {
                n(&mut r.serial, &|s| self.serial(s));
                shared(&mut r.user);
                n(&mut r.device_name, &|s| self.name(s));
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_6_a_key_longer_than_a_block() {
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            crate::ingest::text::hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn stable_per_key_and_matching_preserved() {
        let p = Pseudonymizer::new(b"0123456789abcdef".to_vec()).unwrap();
        let q = Pseudonymizer::new(b"fedcba9876543210".to_vec()).unwrap();
        assert_eq!(
            p.serial("ab 12"),
            p.serial("AB12"),
            "serials still match after hashing"
        );
        assert_eq!(p.name("PC-1"), p.name("pc-1"));
        assert_ne!(
            p.serial("AB12"),
            q.serial("AB12"),
            "another key, other pseudonyms"
        );
        assert!(Pseudonymizer::new(b"short".to_vec()).is_err());
    }

    #[test]
    fn a_pseudonym_is_the_hmac_of_kind_nul_value() {
        // Pseudonyms must stay the same from week to week: the prepared key and the parts
        // fed one after another give the MAC of the joined message.
        let key = b"0123456789abcdef";
        let p = Pseudonymizer::new(key.to_vec()).unwrap();
        let mac = hmac_sha256(key, b"sn\0AB12");
        assert_eq!(
            p.serial("ab 12"),
            format!("SN-{}", crate::ingest::text::hex(&mac[..10]).to_uppercase())
        );
        let mac = hmac_sha256(key, b"user\0ann@contoso.com");
        assert_eq!(
            p.user(" Ann@Contoso.com"),
            format!("user-{}", crate::ingest::text::hex(&mac[..10]))
        );
    }
}
