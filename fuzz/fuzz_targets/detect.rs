//! The form detector and the delimiter detector on arbitrary header lines.
#![no_main]

use fleetstate::ingest::{detect, detect_delimiter};
use fleetstate::model::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let delimiter = detect_delimiter(&text);
    assert!(matches!(delimiter, b',' | b';' | b'\t'));
    let names: Vec<String> = text
        .split(delimiter as char)
        .map(|s| s.trim().to_string())
        .collect();
    let forced = match knobs % 8 {
        1 => Some(Source::Intune),
        2 => Some(Source::Entra),
        3 => Some(Source::ConfigMgr),
        4 => Some(Source::Autopilot),
        _ => None,
    };
    let json = knobs & 8 != 0;
    if let Some(form) = detect(&names, json, forced) {
        if let Some(src) = forced {
            assert_eq!(form.source(), src, "a forced source is always honoured");
        }
        if forced.is_none() {
            assert_eq!(form.is_json(), json);
        }
    }
});
