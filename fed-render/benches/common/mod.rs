//! The rendering benchmark shared by `render` (the system allocator, what a library user gets
//! by default) and `render_mimalloc` (the allocator `fedctl` is built with).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};

/// Renders and writes each size, all bundles at once and one cluster at a time; `group` names
/// the allocator the binary uses.
pub fn bench(c: &mut Criterion, group: &str) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    for services in [250usize, 500, 1000, 2000] {
        let doc = testkit::bench::peer_to_peer(services);
        let fed = fed_model::validate_yaml_str(&doc, None, None)
            .expect("valid")
            .federation;
        let objects: usize = fed_render::render(&fed)
            .unwrap()
            .iter()
            .map(|b| b.objects.len())
            .sum();
        group.throughput(Throughput::Elements(objects as u64));
        group.bench_with_input(
            BenchmarkId::new("render_and_yaml", services),
            &fed,
            |b, fed| {
                b.iter(|| {
                    let bundles = fed_render::render(black_box(fed)).unwrap();
                    let bytes: usize = bundles
                        .iter()
                        .map(|b| b.to_yaml_stream().unwrap().len())
                        .sum();
                    black_box(bytes)
                });
            },
        );
        // The same work one cluster at a time (`render_cluster`, then its YAML, then drop it):
        // what `fedctl render` does, holding one bundle per core instead of all sixteen.
        let clusters: Vec<String> = fed.clusters().map(|c| c.name().to_string()).collect();
        group.bench_with_input(BenchmarkId::new("per_cluster", services), &fed, |b, fed| {
            b.iter(|| {
                let bytes: usize = clusters
                    .iter()
                    .map(|name| {
                        let bundle = fed_render::render_cluster(black_box(fed), name)
                            .unwrap()
                            .unwrap();
                        bundle.to_yaml_stream().unwrap().len()
                    })
                    .sum();
                black_box(bytes)
            });
        });
    }
    group.finish();
}
