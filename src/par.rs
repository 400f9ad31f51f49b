//! Running whole analyses side by side (`trend` snapshots, `analyze --tenants`).
//!
//! An analysis uses rayon inside (files read in parallel, devices classified in
//! parallel). Mapping the analyses themselves with a rayon `par_iter` lets a worker that
//! waits inside one analysis steal and start another: every snapshot ends up in flight at
//! once, and memory grows with their number (measured: 3 GB for 16 snapshots of 100k
//! devices). Here a fixed number of plain threads, one per core, each take the next item;
//! their inner rayon work goes to the global pool, so at most that many analyses live at
//! a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` over `items`, at most one call per core at a time; results in item order.
pub fn map_bounded<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = rayon::current_num_threads().clamp(1, items.len().max(1));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                match done.lock() {
                    Ok(mut d) => d.push((i, r)),
                    Err(poisoned) => poisoned.into_inner().push((i, r)),
                }
            });
        }
    });
    let mut done = match done.into_inner() {
        Ok(d) => d,
        Err(poisoned) => poisoned.into_inner(),
    };
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_item_order() {
        let items: Vec<u64> = (0..100).collect();
        let out = super::map_bounded(&items, |&x| {
            std::thread::sleep(std::time::Duration::from_micros((100 - x) * 10));
            x * 2
        });
        assert_eq!(out, (0..100).map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::map_bounded(&[] as &[u64], |&x| x).is_empty());
    }
}
