//! A clear error instead of an out-of-memory abort: JSON forms are parsed whole, and a
//! parsed document takes several times its size, so a JSON file that cannot fit in the
//! memory this process may use (the address-space limit, `ulimit -v`, or the memory the
//! system has available) is refused before it is read. Delimited files stream.

/// Bytes of memory a parsed JSON document takes per byte of text, at most.
pub const JSON_EXPANSION: u64 = 12;

fn read_number(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l[field.len()..].split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The memory this process may use, in bytes, when the system says (Linux).
pub fn memory_budget() -> Option<u64> {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| read_number(&t, "Max address space"));
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| read_number(&t, "MemAvailable:"))
        .map(|kb| kb * 1024);
    match (limit, available) {
        (Some(l), Some(a)) => Some(l.min(a)),
        (l, a) => l.or(a),
    }
}

/// `Err(message)` when a JSON file of `size` bytes would not fit.
pub fn check_json(size: u64) -> Result<(), String> {
    let Some(budget) = memory_budget() else {
        return Ok(());
    };
    let need = size.saturating_mul(JSON_EXPANSION);
    if need > budget {
        return Err(format!(
            "a JSON export of {} MB needs about {} MB to read, more than the {} MB this run may use \
             (memory available or `ulimit -v`); export it in smaller pages or as CSV",
            size >> 20,
            need >> 20,
            budget >> 20
        ));
    }
    Ok(())
}
