//! 2,000 objects applied to the fake API server with 5 ms latency per request: wall time of a
//! first apply (empty cluster) and of a re-apply (no drift, reads only), and their request counts
//! (printed once before measuring).

#[path = "../tests/fake/mod.rs"]
mod fake;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fake::{FakeApiServer, kubeconfig};
use fed_apply::{Action, Applier, ApplyOptions, ApplySetParent, ClusterTarget, NoProgress};
use serde_json::{Value, json};

const OBJECTS: usize = 2_000;
const NAMESPACES: usize = 10;
const LATENCY: Duration = Duration::from_millis(5);

fn bundle() -> Vec<Value> {
    let mut out: Vec<Value> = (0..NAMESPACES)
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("ns-{n}")}}))
        .collect();
    for i in 0..OBJECTS - NAMESPACES {
        let ns = format!("ns-{}", i % NAMESPACES);
        out.push(match i % 3 {
            0 => json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("cm-{i}"), "namespace": ns}, "data": {"i": i.to_string()}}),
            1 => json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": format!("svc-{i}"), "namespace": ns},
                "spec": {"selector": {"app": format!("a{i}")}, "ports": [{"port": 80}]}}),
            _ => json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": format!("d-{i}"), "namespace": ns},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": format!("a{i}")}},
                    "template": {"metadata": {"labels": {"app": format!("a{i}")}},
                        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}),
        });
    }
    out
}

async fn fresh() -> (FakeApiServer, Applier, Vec<ClusterTarget>) {
    let server = FakeApiServer::start().await;
    server.set_latency(LATENCY);
    let applier = Applier::new(
        kubeconfig(&[("bench", &server.url())]),
        ApplyOptions::new(ApplySetParent::new("meshfed-bench", "kube-system")),
    );
    let targets = vec![
        ClusterTarget::new("bench", "bench")
            .with_json_objects(bundle())
            .expect("bench objects"),
    ];
    (server, applier, targets)
}

fn report(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let (server, applier, targets) = fresh().await;
        let start = Instant::now();
        let first = applier.apply(&targets, &NoProgress).await;
        let first_time = start.elapsed();
        assert!(first.is_success(), "{first}");
        let first_requests = server.requests();
        server.clear_requests();
        let start = Instant::now();
        let again = applier.apply(&targets, &NoProgress).await;
        let again_time = start.elapsed();
        let cs = &again.clusters[0];
        assert_eq!(cs.count(Action::Unchanged), OBJECTS + 1, "{cs}");
        let again_requests = server.requests();
        assert!(server.writes().is_empty(), "re-apply must be reads only");
        let writes = first_requests.iter().filter(|r| r.is_write()).count();
        eprintln!(
            "fed-apply bench: {OBJECTS} objects, {} ms latency: first apply {first_time:?}, {} requests ({writes} writes); \
             re-apply {again_time:?}, {} requests (0 writes)",
            LATENCY.as_millis(),
            first_requests.len(),
            again_requests.len(),
        );
    });
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    report(&rt);
    let mut group = c.benchmark_group("apply_2000_objects_5ms");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(100));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("first_apply", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_server, applier, targets) = fresh().await;
                    let start = Instant::now();
                    let report = applier.apply(&targets, &NoProgress).await;
                    total += start.elapsed();
                    assert!(report.is_success());
                }
                total
            })
        });
    });
    let (_server, applier, targets) = rt.block_on(async {
        let (server, applier, targets) = fresh().await;
        assert!(applier.apply(&targets, &NoProgress).await.is_success());
        (server, applier, targets)
    });
    group.bench_function("reapply_no_drift", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    assert!(applier.apply(&targets, &NoProgress).await.is_success());
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
