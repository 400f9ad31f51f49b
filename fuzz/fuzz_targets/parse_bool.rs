//! Booleans, empty values and serial numbers.
#![no_main]

use fleetstate::ingest::value::{clean, clean_serial, parse_bool, serial_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(b) = parse_bool(&s) {
        // Only the documented spellings are booleans.
        let t = s.trim().to_ascii_lowercase();
        assert_eq!(
            b,
            matches!(t.as_str(), "true" | "yes" | "1" | "-1"),
            "{t:?}"
        );
    }
    if let Some(c) = clean(Some(&s)) {
        assert!(!c.is_empty() && !c.eq_ignore_ascii_case("null"));
    }
    if let Some(serial) = clean_serial(&s) {
        let _ = serial_key(serial);
    }
});
