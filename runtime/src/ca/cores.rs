//! Pure per-request work of a batch (checking requests, building TBSs, signing and
//! encoding certificates with their audit entries) spread over every core, the calling
//! thread working as one of them. Scoped threads rather than a pool: a batch borrows the CA's
//! keys and policy, and the threads cost less than the work they share (one per further
//! core is started per call, one on 2 cores; a kept work-stealing pool was measured
//! and gained nothing above the run-to-run spread, docs/performance.md). The number of
//! cores is read once, since the standard library reads the cgroup files each time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, OnceLock};

/// How many threads share a batch: the cores this process may use, read once.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// `f` over `items` on every core, results in the items' order; the calling thread
/// works as one of them. The threads take the items one at a time from a shared
/// queue, so a thread the scheduler holds back (the batch's store work runs beside a
/// signing fan-out) leaves its items to the others instead of finishing last. An item
/// whose `f` panics loses its result, and only its own: the caller sees one result
/// fewer, and the panic is not carried into the caller (callers carry each item's
/// index in its result to see which).
pub(super) fn on_every_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    let call = |item: T| catch_unwind(AssertUnwindSafe(|| f(item))).ok();
    if threads <= 1 {
        return items.into_iter().filter_map(call).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let work = || {
        let mut done = Vec::new();
        // The lock is held only to take an item: `f` runs outside it, so a panic
        // cannot poison it.
        while let Some((index, item)) = queue.lock().ok().and_then(|mut q| q.next()) {
            if let Some(result) = call(item) {
                done.push((index, result));
            }
        }
        done
    };
    let work = &work;
    let mut results = std::thread::scope(|s| {
        let others: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut results = work();
        for other in others {
            results.extend(other.join().unwrap_or_default());
        }
        results
    });
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        for n in [0, 1, 2, 3, 31, 32, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = on_every_core(items, |i| i * 2);
            assert_eq!(
                doubled,
                (0..n).map(|i| i * 2).collect::<Vec<_>>(),
                "{n} items"
            );
        }
    }

    #[test]
    fn a_panicking_item_loses_its_result_alone_not_the_caller() {
        let items: Vec<usize> = (0..64).collect();
        let results = on_every_core(items, |i| {
            assert_ne!(i % 7, 0, "every seventh item fails");
            i
        });
        let whole: Vec<usize> = (0..64).filter(|i| i % 7 != 0).collect();
        assert_eq!(results, whole, "every other item's result, in order");
    }

    #[test]
    fn a_thread_held_back_leaves_its_items_to_the_others() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        if cores() < 2 {
            return; // One core: nobody to leave them to.
        }
        let n = 64;
        let done = AtomicUsize::new(0);
        // The first item holds its thread until every other item is done (or 10 s):
        // with fixed shares, the items queued behind it on its thread never would be.
        let results = on_every_core((0..n).collect(), |i: usize| {
            if i > 0 {
                done.fetch_add(1, Ordering::SeqCst);
                return true;
            }
            let start = Instant::now();
            while done.load(Ordering::SeqCst) < n - 1 && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
            done.load(Ordering::SeqCst) == n - 1
        });
        assert_eq!(results.len(), n);
        assert!(
            results[0],
            "the other threads took every other item meanwhile"
        );
    }
}
