//! Running whole analyses side by side (`trend` snapshots, `analyze --tenants`).
//!
//! An analysis uses rayon inside (files read in parallel, devices classified in
//! parallel). Mapping the analyses themselves with a rayon `par_iter` lets a worker that
//! waits inside one analysis steal and start another: every snapshot ends up in flight at
//! once, and memory grows with their number (measured: 3 GB for 16 snapshots of 100k
//! devices). Here a fixed number of plain threads, one per core, each take the next item;
//! their inner rayon work goes to the global pool, so at most that many analyses live at
//! a time. Inside one analysis, [`map_in_order`] hands the input files (largest first) to
//! the rayon pool's threads from the same queue.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// `f` over `items`, at most one call per core at a time; results in item order.
pub fn map_bounded<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = rayon::current_num_threads().clamp(1, items.len().max(1));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let order: Vec<usize> = (0..items.len()).collect();
    let queue = Queue::new(&order);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| queue.work(|i| f(&items[i])));
        }
    });
    queue.results()
}

/// `f` on each index on the rayon pool, started in `order` (each thread takes the next
/// index when it is free: the first indices start first); results by index.
pub fn map_in_order<R: Send>(order: &[usize], f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let workers = rayon::current_num_threads().clamp(1, order.len().max(1));
    let queue = Queue::new(order);
    (0..workers).into_par_iter().for_each(|_| queue.work(&f));
    queue.results()
}

/// Indices handed out one at a time to whichever worker asks, and their results.
struct Queue<'a, R> {
    order: &'a [usize],
    next: AtomicUsize,
    done: Mutex<Vec<(usize, R)>>,
}

impl<'a, R> Queue<'a, R> {
    fn new(order: &'a [usize]) -> Queue<'a, R> {
        Queue {
            order,
            next: AtomicUsize::new(0),
            done: Mutex::new(Vec::with_capacity(order.len())),
        }
    }

    /// Takes the next index and runs `f` on it, until none is left.
    fn work(&self, f: impl Fn(usize) -> R) {
        while let Some(&i) = self.order.get(self.next.fetch_add(1, Ordering::Relaxed)) {
            let r = f(i);
            self.done
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((i, r));
        }
    }

    /// The results, by index.
    fn results(self) -> Vec<R> {
        let mut done = self
            .done
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        done.sort_by_key(|&(i, _)| i);
        done.into_iter().map(|(_, r)| r).collect()
    }
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

    #[test]
    fn in_order_runs_each_index_once_and_returns_results_by_index() {
        let started = std::sync::Mutex::new(Vec::new());
        let out = super::map_in_order(&[1, 3, 0, 2], |i| {
            started.lock().expect("lock").push(i);
            i * 10
        });
        assert_eq!(
            out,
            vec![0, 10, 20, 30],
            "results by index, whatever ran first"
        );
        let mut started = started.into_inner().expect("lock");
        started.sort_unstable();
        assert_eq!(started, vec![0, 1, 2, 3], "each index ran once");
        assert!(super::map_in_order(&[], |i| i).is_empty());
    }
}
