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
}

/// Times the stage `name` until the returned span is dropped.
pub fn span(name: impl Into<String>) -> Span {
    Span {
        name: ENABLED.load(Ordering::Relaxed).then(|| name.into()),
        start: Instant::now(),
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let took = self.start.elapsed();
            let (rss, peak_rss) = memory();
            if let Ok(mut r) = RECORDED.lock() {
                r.push(Stage {
                    name,
                    took,
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
