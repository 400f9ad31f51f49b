//! Every date form of inputs.md section 5: parse, resolve a slash date both ways, format.
#![no_main]

use fleetstate::ingest::value::{format_ts, parse_date, DateCell, DateOrder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    match parse_date(&s) {
        Ok(DateCell::Known(Some(us))) => {
            let _ = format_ts(us);
        }
        Ok(DateCell::Slash(d)) => {
            for order in [DateOrder::Mdy, DateOrder::Dmy] {
                if let Some(us) = d.resolve(order) {
                    let _ = format_ts(us);
                }
            }
        }
        Ok(DateCell::Known(None)) | Err(_) => {}
    }
});
