//! Timestamps as 100 ns ticks since 1970-01-01 UTC, and the date spellings of each export.

pub(crate) const SECOND: i64 = 10_000_000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// The fleet's `as_of`: the latest activity time of any generated device, whatever the seed
/// (device 0 checks in to Intune at exactly this instant; every other time is earlier).
pub(crate) const AS_OF: i64 =
    days_from_civil(2026, 11, 20) * DAY + 6 * HOUR + 55 * MINUTE + 27 * SECOND + 6_237_465;

/// `AS_OF` as the Intune export writes it.
#[cfg(test)]
pub(crate) const AS_OF_TEXT: &str = "2026-11-20 06:55:27.6237465";

/// Intune's "never" sentinel.
pub(crate) const NEVER: &str = "0001-01-01 00:00:00.0000000";
/// Intune's "no end" sentinel.
pub(crate) const NO_END: &str = "9999-12-31 23:59:59.9999999";

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A broken-down UTC time.
pub(crate) struct Civil {
    pub y: i64,
    pub m: i64,
    pub d: i64,
    pub hh: i64,
    pub mm: i64,
    pub ss: i64,
    /// 100 ns ticks within the second.
    pub frac: i64,
}

pub(crate) fn civil(ts: i64) -> Civil {
    let days = ts.div_euclid(DAY);
    let rem = ts.rem_euclid(DAY);
    let z = days + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Civil {
        y,
        m,
        d,
        hh: rem / HOUR,
        mm: rem % HOUR / MINUTE,
        ss: rem % MINUTE / SECOND,
        frac: rem % SECOND,
    }
}

/// Intune export: `2026-11-20 06:55:27.6237465`.
pub(crate) fn intune(ts: i64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:07}",
        c.y, c.m, c.d, c.hh, c.mm, c.ss, c.frac
    )
}

/// Graph: `2026-11-20T06:55:27.6237465Z`.
pub(crate) fn graph(ts: i64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        c.y, c.m, c.d, c.hh, c.mm, c.ss, c.frac
    )
}

/// Whole seconds, ISO-8601 UTC: `2026-11-20T06:55:27Z` (Entra, Autopilot).
pub(crate) fn iso_seconds(ts: i64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.y, c.m, c.d, c.hh, c.mm, c.ss
    )
}

/// SQL Server `datetime` as a query result writes it: `2026-11-20 06:55:27.623`.
pub(crate) fn sql(ts: i64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.y,
        c.m,
        c.d,
        c.hh,
        c.mm,
        c.ss,
        c.frac / 10_000
    )
}

fn hour12(hh: i64) -> (i64, &'static str) {
    let ampm = if hh < 12 { "AM" } else { "PM" };
    let h = match hh % 12 {
        0 => 12,
        h => h,
    };
    (h, ampm)
}

/// en-US `DateTime.ToString()`: `11/20/2026 6:55:27 AM` (PowerShell, Entra download).
pub(crate) fn us(ts: i64) -> String {
    let c = civil(ts);
    let (h, ampm) = hour12(c.hh);
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        c.m, c.d, c.y, h, c.mm, c.ss, ampm
    )
}

/// The date part of Intune's `Management name`: `11/20/2026_6:55 AM`.
pub(crate) fn management_name_stamp(ts: i64) -> String {
    let c = civil(ts);
    let (h, ampm) = hour12(c.hh);
    format!("{}/{}/{}_{}:{:02} {}", c.m, c.d, c.y, h, c.mm, ampm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_spellings() {
        assert_eq!(intune(AS_OF), AS_OF_TEXT);
        assert_eq!(graph(AS_OF), "2026-11-20T06:55:27.6237465Z");
        assert_eq!(sql(AS_OF), "2026-11-20 06:55:27.623");
        assert_eq!(iso_seconds(AS_OF), "2026-11-20T06:55:27Z");
        assert_eq!(us(AS_OF), "11/20/2026 6:55:27 AM");
        assert_eq!(us(AS_OF + 12 * HOUR), "11/20/2026 6:55:27 PM");
        assert_eq!(management_name_stamp(AS_OF), "11/20/2026_6:55 AM");
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1_000_000_i64, -1, 0, 59, 60, 11_016, 20_777, 2_932_896] {
            let c = civil(days * DAY);
            assert_eq!(days_from_civil(c.y, c.m, c.d), days);
        }
        assert_eq!(intune(0), "1970-01-01 00:00:00.0000000");
    }
}
