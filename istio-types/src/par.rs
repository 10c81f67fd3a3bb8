//! Order-preserving parallel work over a slice: one contiguous chunk per core.

/// `f(offset, chunk)` for consecutive chunks of `items` (`offset` is the index of the chunk's
/// first item), one chunk per available core and at least `min_chunk` items each, so that
/// small inputs stay on the calling thread. Results are concatenated in input order; a panic
/// in `f` is resumed on the caller.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per_thread = items.len().div_ceil(cores).max(min_chunk.max(1));
    if items.len() <= per_thread {
        return f(0, items);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .enumerate()
            .map(|(c, part)| scope.spawn(move || f(c * per_thread, part)))
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

#[cfg(test)]
mod tests {
    use super::map_chunks;

    #[test]
    fn offsets_and_order_survive_the_split() {
        let items: Vec<usize> = (0..1000).collect();
        for min in [1, 7, 64, 5000] {
            let out = map_chunks(&items, min, |offset, part| {
                part.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        assert_eq!(offset + i, *v);
                        v * 2
                    })
                    .collect()
            });
            assert_eq!(out, (0..1000).map(|v| v * 2).collect::<Vec<_>>());
        }
        assert!(map_chunks(&Vec::<u8>::new(), 1, |_, p| p.to_vec()).is_empty());
    }
}
