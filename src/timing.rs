//! Stage timings for `--timings`: how long reading, resolving, classifying, the rule pass
//! and each output took. Off unless [`enable`] was called; the library only records, the
//! command line prints.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static RECORDED: Mutex<Vec<Stage>> = Mutex::new(Vec::new());

/// One finished stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub took: Duration,
    /// CPU time (user + system) of the whole process, every thread, during the stage
    /// (Linux only): `cpu / took` is about how many cores were busy. For stages that ran
    /// beside others (the reads of several files, the outputs) it includes the others' work.
    pub cpu: Option<Duration>,
    /// The part of `cpu` spent in the kernel, most of it page faults on fresh memory.
    pub system: Option<Duration>,
    /// Minor page faults of the process during the stage (first touches of fresh memory).
    pub faults: Option<u64>,
    /// The process's resident memory when the stage ended, and its peak so far, in bytes
    /// (Linux only).
    pub rss: Option<u64>,
    pub peak_rss: Option<u64>,
}

/// Starts recording stage timings (for the rest of the process).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// A running stage: recorded when dropped.
pub struct Span {
    name: Option<String>,
    start: Instant,
    counters: Option<Counters>,
}

/// Times the stage `name` until the returned span is dropped.
pub fn span(name: impl Into<String>) -> Span {
    let name = ENABLED.load(Ordering::Relaxed).then(|| name.into());
    Span {
        counters: name.as_ref().and_then(|_| counters()),
        name,
        start: Instant::now(),
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let took = self.start.elapsed();
            let spent = counters().zip(self.counters).map(|(end, start)| Counters {
                user: end.user.saturating_sub(start.user),
                system: end.system.saturating_sub(start.system),
                minor_faults: end.minor_faults.saturating_sub(start.minor_faults),
            });
            let (rss, peak_rss) = memory();
            if let Ok(mut r) = RECORDED.lock() {
                r.push(Stage {
                    name,
                    took,
                    cpu: spent.map(|c| c.user + c.system),
                    system: spent.map(|c| c.system),
                    faults: spent.map(|c| c.minor_faults),
                    rss,
                    peak_rss,
                });
            }
        }
    }
}

/// The stages recorded so far, in the order they ended; clears the record.
pub fn take() -> Vec<Stage> {
    RECORDED
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default()
}

/// The counters of this process (all its threads) so far.
#[derive(Debug, Clone, Copy)]
struct Counters {
    user: Duration,
    system: Duration,
    minor_faults: u64,
}

/// Reads [`Counters`] from /proc/self/stat: minor faults (field 10), user and system time
/// (fields 14 and 15, in clock ticks of 1/100 s: USER_HZ is 100 on every Linux port but
/// Alpha and IA-64).
fn counters() -> Option<Counters> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_ascii_whitespace().take(13).collect();
    let number = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some(Counters {
        minor_faults: number(7)?,
        user: Duration::from_millis(number(11)? * 10),
        system: Duration::from_millis(number(12)? * 10),
    })
}

/// (VmRSS, VmHWM) of this process in bytes, from /proc/self/status.
fn memory() -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn cpu_time_counts_this_process_work() {
        let cpu_time = || counters().map(|c| c.user + c.system);
        let start = cpu_time().expect("/proc/self/stat is readable");
        // Work until the process's CPU time has moved by at least three clock ticks, or
        // give up after ten seconds of wall time (a clock that never moves).
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut x = 1u64;
        let moved = loop {
            for i in 0..100_000u64 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
            let now = cpu_time().expect("/proc/self/stat is readable");
            if now >= start + Duration::from_millis(30) {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
        };
        assert!(moved, "the CPU time did not move with 10 s of work");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn minor_faults_count_first_touches() {
        let before = counters().expect("/proc/self/stat is readable");
        // 64 MiB touched page by page: 16,384 pages of 4 KiB, each faulted in once (fewer
        // with huge pages, which is why the bound is loose).
        let mut v = vec![0u8; 64 << 20];
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        std::hint::black_box(&v);
        let after = counters().expect("/proc/self/stat is readable");
        assert!(
            after.minor_faults >= before.minor_faults + 16,
            "{} -> {} minor faults",
            before.minor_faults,
            after.minor_faults
        );
    }
}
