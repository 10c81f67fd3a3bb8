//! How fast the engine runs: one million requests through the APAN setup at Istio 1.5 (the
//! client gateway, one local pod behind the seeds' limits, one peer gateway), one core.

use criterion::{Criterion, criterion_group, criterion_main};
use fed_sim::{Amount, Load};
use istio_types::release::IstioRelease;

#[path = "../tests/common/mod.rs"]
mod common;

fn million(c: &mut Criterion) {
    let mesh = common::p2p(IstioRelease::new(1, 5), common::SEEDS, &[1, 1]);
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for concurrency in [1, 3] {
        let load = Load {
            service: "echo".into(),
            from: "c0".into(),
            concurrency,
            amount: Amount::Requests(1_000_000),
            ..Load::default()
        };
        let plan = fed_sim::translate(&mesh, &load).expect("the fixture translates");
        group.bench_function(format!("1M requests, concurrency {concurrency}"), |b| {
            b.iter(|| fed_sim::simulate(&plan, &load).expect("runs"));
        });
    }
    group.finish();
}

criterion_group!(benches, million);
criterion_main!(benches);
