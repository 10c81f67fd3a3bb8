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
