//! Throughput of [`istio_types::read::read_stream`] on a large mixed corpus, in documents per
//! second.
//!
//! The corpus is not in the repository (20,000 documents are several megabytes). Make it with
//!
//! ```text
//! pip install pyyaml   # if missing
//! python3 /work/shared/bench/gen_corpus.py 20000 /tmp/corpus.yaml
//! MESHFED_BENCH_CORPUS=/tmp/corpus.yaml cargo bench -p istio-types --bench parse
//! ```
//!
//! Without `MESHFED_BENCH_CORPUS` the benchmark says so and measures nothing.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use istio_types::read::{Document, read_stream};

fn parse(c: &mut Criterion) {
    let Some(path) = std::env::var_os("MESHFED_BENCH_CORPUS") else {
        eprintln!(
            "parse bench: set MESHFED_BENCH_CORPUS to a YAML stream, e.g. make one with \
             `python3 /work/shared/bench/gen_corpus.py 20000 /tmp/corpus.yaml`; nothing measured"
        );
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.to_string_lossy()));
    let docs = read_stream(&text, None);
    let istio = docs
        .iter()
        .filter(|d| matches!(d.result, Ok(Document::Istio(_))))
        .count();
    let failed: Vec<_> = docs.iter().filter(|d| d.result.is_err()).collect();
    eprintln!(
        "parse bench: {} documents ({} bytes), {istio} typed Istio objects, {} failed to read",
        docs.len(),
        text.len(),
        failed.len()
    );
    if let Some(first) = failed.first() {
        eprintln!("parse bench: first failure: {:?}", first.result);
    }

    let mut group = c.benchmark_group("read_stream");
    group.sample_size(10);
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("mixed corpus", |b| {
        b.iter(|| read_stream(black_box(&text), None));
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
