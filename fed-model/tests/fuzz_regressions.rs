//! Inputs the fuzzers (fuzz/, see FUZZING.md) found, kept as normal tests.

/// Two peers and one service, `echo`, in `namespace`.
fn p2p_with_service_in(namespace: &str) -> String {
    format!(
        r"apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {{name: apan}}
spec:
  topology:
    peerToPeer:
      peers:
        - {{name: a, locality: r1/z1, gateway: {{address: 10.0.0.1}}}}
        - {{name: b, locality: r2/z2, gateway: {{address: 10.0.0.2}}}}
  services:
    - name: echo
      namespace: {namespace}
      ports: [{{name: http, number: 80, protocol: HTTP}}]
"
    )
}

/// fuzz target `federation`, crash-cfc23264: a peerToPeer service in istio-system validated,
/// and the renderer then made Namespace istio-system twice in each bundle (once plain for
/// istiod and the gateways, once with sidecar injection for the service), so `fedctl render -o`
/// failed writing the second file and apply would send two different objects of one name.
#[test]
fn a_peer_to_peer_service_in_istio_system_is_an_error() {
    let report = fed_model::validate_yaml_str(&p2p_with_service_in("istio-system"), None, None)
        .expect_err("istio-system is refused");
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0].path, "spec.services[0].namespace");
    assert!(
        errors[0].message.contains("istio-system")
            && errors[0].message.contains("namespace of its own"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].line, Some(12));
    // Any other namespace is fine.
    assert!(fed_model::validate_yaml_str(&p2p_with_service_in("istio-apps"), None, None).is_ok());
}

/// Services `a-b` (overflowing from `p` to `c`) and `a` (from `p` to `b-c`).
fn colliding_workload_entries(version: &str) -> String {
    format!(
        r#"apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {{name: coll}}
spec:
  istio: {{version: "{version}"}}
  topology:
    peerToPeer:
      peers:
        - {{name: p, locality: r1/z1, gateway: {{address: 10.0.0.1}}}}
        - {{name: c, locality: r2/z2, gateway: {{address: 10.0.0.2}}}}
        - {{name: b-c, locality: r3/z3, gateway: {{address: 10.0.0.3}}}}
  services:
    - name: a-b
      ports: [{{name: http, number: 80, protocol: HTTP}}]
      overflow: [{{from: p, to: [c], thresholds: {{maxConnections: 1, consecutiveErrors: 1}}}}]
    - name: a
      ports: [{{name: http, number: 80, protocol: HTTP}}]
      overflow: [{{from: p, to: [b-c], thresholds: {{maxConnections: 1, consecutiveErrors: 1}}}}]
"#
    )
}

/// fuzz target `federation`: from Istio 1.7 each overflow target is WorkloadEntry
/// `<service>-<target>`, so `a-b` -> `c` and `a` -> `b-c` both made `default/a-b-c` in cluster
/// `p`. The document validated; `fedctl render -o` then failed ("File exists") and the stream
/// held two objects of one name, the second silently replacing the first on apply.
#[test]
fn overflow_workload_entries_with_one_name_are_an_error() {
    let report = fed_model::validate_yaml_str(&colliding_workload_entries("1.20"), None, None)
        .expect_err("the collision is refused");
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0].path, "spec.services[1].overflow[0].to[0]");
    assert!(
        errors[0].message.contains(r#"WorkloadEntry "a-b-c""#)
            && errors[0].message.contains("spec.services[0]"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].line, Some(18));
    // Istio 1.5-1.6 renders one ServiceEntry per service instead: no WorkloadEntry, no clash.
    assert!(fed_model::validate_yaml_str(&colliding_workload_entries("1.6"), None, None).is_ok());
    // In different namespaces the names do not clash either.
    let apart = colliding_workload_entries("1.20")
        .replace("    - name: a\n", "    - name: a\n      namespace: other\n");
    assert!(fed_model::validate_yaml_str(&apart, None, None).is_ok());
}

/// A consumer/provider federation whose one service, with ingress, lives in `namespace`.
fn liqo_ingress_in(namespace: &str) -> String {
    format!(
        r"apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {{name: fm}}
spec:
  topology:
    consumerProvider:
      consumer: {{name: consumer, locality: eu-west/consumer}}
      providers:
        - {{name: provider1, locality: eu-west/provider1}}
  services:
    - name: s0
      namespace: {namespace}
      ports: [{{name: http, number: 80, protocol: HTTP}}]
      runsIn: [consumer, provider1]
      workload: {{image: example/s0:1}}
      ingress: {{path: /s0}}
"
    )
}

/// fuzz target `render_valid`, crash-c00428ea (2026-12-02): a consumer/provider service with
/// ingress in a 63-character namespace validated, and the renderer named its Gateway
/// `http-gateway-<namespace>` (76 characters), which Istio's webhook refuses ("invalid gateway
/// name": a Gateway's name must be a DNS label). Such a namespace is now an error that says
/// why; 50 characters is the longest that works, and it renders a Gateway Istio accepts.
#[test]
fn a_namespace_too_long_for_the_ingress_gateway_name_is_an_error() {
    let long = format!("x{}y", &"0123456789".repeat(7)[..61]);
    assert_eq!(long.len(), 63);
    let report = fed_model::validate_yaml_str(&liqo_ingress_in(&long), None, None)
        .expect_err("the Gateway name would be too long");
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0].path, "spec.services[0].namespace");
    assert!(
        errors[0].message.contains("http-gateway-") && errors[0].message.contains("at most 50"),
        "{}",
        errors[0].message
    );
    let fits = "n".repeat(50);
    let report = fed_model::validate_yaml_str(&liqo_ingress_in(&fits), None, None);
    assert!(report.is_ok(), "{:?}", report.err());
}
