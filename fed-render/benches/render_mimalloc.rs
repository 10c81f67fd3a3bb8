//! The `render` benchmark with mimalloc as the global allocator, as in the `fedctl` binary:
//! the figure a user of `fedctl render` sees.
//!
//! `cargo bench -p fed-render --bench render_mimalloc`

use criterion::{Criterion, criterion_group, criterion_main};

mod common;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    common::bench(c, "render_16_peers_mimalloc");
}

criterion_group!(benches, bench);
criterion_main!(benches);
