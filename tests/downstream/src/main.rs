//! Reads, validates and writes a DestinationRule with the packaged `istio-types` alone.
//! Exits non-zero (by panicking) if anything does not behave as documented.

use istio_types::IstioResource;
use istio_types::networking::DestinationRule;
use istio_types::read::{Document, read_stream};
use istio_types::validate::Validate;

const RULE: &str = r"
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews.bookinfo.svc.cluster.local
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 100}}
    outlierDetection: {consecutive5xxErrors: 5, interval: 30s, baseEjectionTime: 1m}
";

fn read_rule(yaml: &str) -> DestinationRule {
    let mut docs = read_stream(yaml, None);
    assert_eq!(docs.len(), 1, "one document");
    match docs.remove(0).result {
        Ok(Document::Istio(resource)) => match resource {
            IstioResource::DestinationRule(rule) => *rule,
            other => panic!("expected a DestinationRule, read a {}", other.kind()),
        },
        other => panic!("expected an Istio resource, got {other:?}"),
    }
}

fn main() {
    // Parse and validate.
    let rule = read_rule(RULE);
    assert_eq!(rule.spec.host, "reviews.bookinfo.svc.cluster.local");
    let report = rule.validate();
    assert!(
        report.is_clean(),
        "a valid rule has no findings: {report:?}"
    );

    // Write it back and read the output again: the same object.
    let yaml = istio_types::write::to_yaml(&rule).expect("writes");
    assert_eq!(read_rule(&yaml), rule, "round trip through:\n{yaml}");

    // A misplaced field is an error with its path, not a silent drop.
    let misplaced = RULE.replace(
        "  trafficPolicy:",
        "  tls: {mode: ISTIO_MUTUAL}\n  trafficPolicy:",
    );
    let err = read_stream(&misplaced, None)
        .remove(0)
        .result
        .expect_err("unknown field");
    assert_eq!(err.path.as_deref(), Some("spec.tls"), "{err}");

    // Istio's admission rules: an empty trafficPolicy is rejected at its path.
    let empty = read_rule(&RULE.replace(
        "  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 100}}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 30s, baseEjectionTime: 1m}\n",
        "  trafficPolicy: {}\n",
    ));
    let report = empty.validate();
    let error = report.errors().next().expect("an error");
    assert_eq!(error.path, "spec.trafficPolicy", "{error}");

    println!("downstream: istio-types read, validated and wrote a DestinationRule");
    println!("{yaml}");
}
