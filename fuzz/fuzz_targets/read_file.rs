//! Any bytes, written to a file, through the whole reader: encoding sniffing, the form
//! detector, the delimited and JSON readers, the typed rows and the scope pass. The first
//! byte picks the forced source (`--intune` ...) and the date order. The invariants: no
//! panic, and every row read is used, rejected or skipped.
#![no_main]

use fleetstate::ingest::value::DateOrder;
use fleetstate::ingest::{read_file, ReadOptions};
use fleetstate::model::Source;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("fleetstate-fuzz-{}.input", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    let forced = match knobs % 8 {
        1 => Some(Source::Intune),
        2 => Some(Source::Entra),
        3 => Some(Source::ConfigMgr),
        4 => Some(Source::Autopilot),
        _ => None,
    };
    let opts = ReadOptions {
        date_order: if knobs & 8 != 0 {
            DateOrder::Dmy
        } else {
            DateOrder::Mdy
        },
        include_servers: knobs & 16 != 0,
        as_of: None,
    };
    let path = scratch();
    std::fs::write(path, body).expect("write the scratch file");
    if let Ok(input) = read_file(path, forced, &opts) {
        assert_eq!(
            input.rows_read,
            input.rows_used() + input.rows_rejected() + input.rows_skipped(),
            "row accounting"
        );
        assert_eq!(input.rows_used(), input.records.len() as u64);
        assert_eq!(input.size, body.len() as u64);
    }
});
