//! Pure per-request work of a batch (checking requests, building TBSs, signing and
//! encoding certificates with their audit entries) spread over every core, the calling
//! thread taking a share. Scoped threads rather than a pool: a batch borrows the CA's
//! keys and policy, and the threads cost less than the work they share (one per further
//! core is started per call, one on 2 cores; a kept work-stealing pool was measured
//! and gained nothing above the run-to-run spread, docs/performance.md). The number of
//! cores is read once, since the standard library reads the cgroup files each time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// How many threads share a batch: the cores this process may use, read once.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// `f` over `items` on every core, results in the items' order; the calling thread
/// takes the first share. An item whose `f` panics loses its result, and only its own:
/// the caller sees one result fewer, and the panic is not carried into the caller
/// (callers carry each item's index in its result to see which).
pub(super) fn on_every_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    let run = |share: Vec<T>| {
        share
            .into_iter()
            .filter_map(|item| catch_unwind(AssertUnwindSafe(|| f(item))).ok())
            .collect::<Vec<R>>()
    };
    if threads <= 1 {
        return run(items);
    }
    let per = items.len().div_ceil(threads);
    let mut items = items.into_iter();
    let mut shares: Vec<Vec<T>> = Vec::with_capacity(threads);
    loop {
        let share: Vec<T> = items.by_ref().take(per).collect();
        if share.is_empty() {
            break;
        }
        shares.push(share);
    }
    let mut shares = shares.into_iter();
    let first = shares.next().unwrap_or_default();
    let run = &run;
    std::thread::scope(|s| {
        let others: Vec<_> = shares.map(|share| s.spawn(move || run(share))).collect();
        let mut results = run(first);
        for other in others {
            results.extend(other.join().unwrap_or_default());
        }
        results
    })
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
}
