//! Measures `CrdSet` load, first-check (schema compile) and per-check times on real objects.
//!
//! `cargo run -p testkit --release --example check_timing`

use std::time::{Duration, Instant};

use serde_json::json;
use testkit::CrdSet;

fn per_call(iterations: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}

fn main() {
    let Some(path) = testkit::shared_file("istio-crds/crd-all.gen.yaml") else {
        return;
    };
    let start = Instant::now();
    let istio = CrdSet::load(&path).expect("Istio CRDs load");
    println!("load + parse crd-all.gen.yaml: {:?}", start.elapsed());

    let objects = [
        (
            "DestinationRule (valid)",
            json!({
                "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": {"name": "reviews", "namespace": "bookinfo"},
                "spec": {"host": "reviews", "trafficPolicy": {
                    "connectionPool": {"tcp": {"maxConnections": 100, "connectTimeout": "30ms"}},
                    "outlierDetection": {"consecutive5xxErrors": 7, "interval": "5m", "baseEjectionTime": "15m"},
                    "tls": {"mode": "ISTIO_MUTUAL"}},
                  "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}
            }),
        ),
        (
            "DestinationRule (CEL failure)",
            json!({
                "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": {"name": "reviews", "namespace": "bookinfo"},
                "spec": {"host": "reviews", "trafficPolicy": {"outlierDetection": {"interval": "0s"}}}
            }),
        ),
        (
            "ServiceEntry (valid)",
            json!({
                "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": {"name": "api", "namespace": "bookinfo"},
                "spec": {"hosts": ["api.example.com"], "location": "MESH_EXTERNAL",
                  "ports": [{"number": 443, "name": "https", "protocol": "TLS"}], "resolution": "DNS",
                  "endpoints": [{"address": "api.example.com", "ports": {"https": 443}}]}
            }),
        ),
        (
            "AuthorizationPolicy (valid)",
            json!({
                "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                "metadata": {"name": "allow", "namespace": "foo"},
                "spec": {"selector": {"matchLabels": {"app": "httpbin"}}, "action": "ALLOW",
                  "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/default/sa/sleep"]}}],
                             "to": [{"operation": {"methods": ["GET"]}}]}]}
            }),
        ),
    ];
    for (name, object) in &objects {
        let start = Instant::now();
        let first = istio.check(object);
        let first_time = start.elapsed();
        let each = per_call(2_000, || {
            std::hint::black_box(istio.check(object));
        });
        println!(
            "{name}: first check (compiles the schema) {first_time:?}, then {each:?} per check, {} violation(s)",
            first.len()
        );
    }
}
