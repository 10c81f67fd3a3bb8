//! Rendering at scale: 16 peers, N services each overflowing from one peer to the next two,
//! rendered and written as YAML, with the system allocator. Issue target: 16 x 2,000 under 1 s
//! on one core, linear in N. `render_mimalloc` runs the same with fedctl's allocator.
//!
//! `cargo bench -p fed-render --bench render`

use criterion::{Criterion, criterion_group, criterion_main};

mod common;

fn bench(c: &mut Criterion) {
    common::bench(c, "render_16_peers");
}

criterion_group!(benches, bench);
criterion_main!(benches);
