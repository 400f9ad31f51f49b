//! GUID cells: parse, and a parsed GUID prints back to a string that parses to itself.
#![no_main]

use fleetstate::ingest::value::{parse_guid, parse_link_guid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(g) = parse_guid(&s) {
        let shown = g.to_string();
        assert_eq!(shown.len(), 36);
        assert_eq!(parse_guid(&shown), Ok(g));
        assert_eq!(
            parse_link_guid(&s),
            Ok(if g.is_zero() { None } else { Some(g) })
        );
    } else {
        assert!(parse_link_guid(&s).is_err());
    }
});
