//! Order-preserving parallel work over a slice, one contiguous chunk per core.

/// `f` applied to consecutive chunks of `items`, one chunk per available core (at least
/// `min_chunk` items each, so that small inputs stay on the calling thread), the results
/// concatenated in input order. A panic in `f` is resumed on the caller.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per_thread = items.len().div_ceil(cores).max(min_chunk.max(1));
    if items.len() <= per_thread {
        return f(items);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|part| scope.spawn(|| f(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `f` applied to every item, in parallel as [`map_chunks`] splits them, results in order.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_chunks(items, 1, |part| part.iter().map(&f).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_across_chunks() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            map(&items, |i| i * 2),
            (0..1000).map(|i| i * 2).collect::<Vec<_>>()
        );
        let sums = map_chunks(&items, 7, |part| vec![part.iter().sum::<u32>()]);
        assert_eq!(sums.iter().sum::<u32>(), items.iter().sum::<u32>());
        assert!(map(&Vec::<u32>::new(), |i| *i).is_empty());
    }

    #[test]
    fn a_panic_in_a_chunk_reaches_the_caller() {
        let items: Vec<u32> = (0..64).collect();
        let caught = std::panic::catch_unwind(|| {
            map_chunks(&items, 1, |part| {
                assert!(!part.contains(&63), "boom");
                part.to_vec()
            })
        });
        assert!(caught.is_err());
    }
}
