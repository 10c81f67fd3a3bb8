//! consumerProvider (LIQO) rules about the names the LIQO layout derives from the document:
//! namespaces whose offloading Istio's layout fixes, and names that outgrow their limits.

use fed_model::Diagnostic;

const DOC: &str = r"
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: fluidosmesh}
spec:
  topology:
    consumerProvider:
      consumer: {name: consumer, locality: eu-west/consumer}
      providers:
        - {name: provider1, locality: eu-west/provider1}
  services:
    - name: s0
      namespace: NAMESPACE
      ports: [{name: http, number: 80, protocol: HTTP}]
      runsIn: [consumer, provider1]
      workload: {image: example/s0:1.0}
      thresholds: {consecutiveErrors: 5}
";

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match fed_model::validate_yaml_str(text, None, None) {
        Ok(v) => v.warnings,
        Err(report) => report.into_diagnostics(),
    }
}

fn errors_at(text: &str, path: &str) -> Vec<String> {
    diagnostics(text)
        .into_iter()
        .filter(|d| d.is_error() && d.path == path)
        .map(|d| d.message)
        .collect()
}

#[test]
fn a_plain_namespace_is_fine() {
    let text = DOC.replace("NAMESPACE", "fluidosmesh");
    let diags = diagnostics(&text);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
}

#[test]
fn a_service_in_istio_system_is_an_error() {
    let text = DOC.replace("NAMESPACE", "istio-system");
    let errors = errors_at(&text, "spec.services[0].namespace");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("podOffloadingStrategy Local"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("namespace of its own"), "{}", errors[0]);
}

#[test]
fn a_service_in_an_ingress_namespace_is_an_error() {
    for (cluster, ns) in [
        ("provider1", "istio-ingress-provider1"),
        ("consumer", "istio-ingress-consumer"),
    ] {
        let text = DOC.replace("NAMESPACE", ns);
        let errors = errors_at(&text, "spec.services[0].namespace");
        assert_eq!(errors.len(), 1, "{ns}: {errors:?}");
        assert!(errors[0].contains(&format!("{cluster:?}")), "{}", errors[0]);
    }
    // Only the namespaces of the federation's clusters are taken.
    let text = DOC.replace("NAMESPACE", "istio-ingress-elsewhere");
    assert!(errors_at(&text, "spec.services[0].namespace").is_empty());
}

#[test]
fn the_istio_system_rule_is_for_consumer_provider_only() {
    let text = r"
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: apan}
spec:
  topology:
    peerToPeer:
      peers:
        - {name: a, locality: r1/z1, gateway: {address: 10.0.0.1}}
        - {name: b, locality: r2/z2, gateway: {address: 10.0.0.2}}
  services:
    - name: echo
      namespace: istio-system
      ports: [{name: http, number: 80, protocol: HTTP}]
";
    // peerToPeer refuses istio-system too, for its own reason (the renderer would make the
    // Namespace twice, with and without sidecar injection; see fuzz_regressions.rs), not for
    // LIQO's offloading.
    let errors = errors_at(text, "spec.services[0].namespace");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].contains("offload"), "{}", errors[0]);
}

#[test]
fn a_per_cluster_deployment_name_over_63_characters_is_an_error() {
    let doc = |name: &str| {
        DOC.replace("NAMESPACE", "fluidosmesh")
            .replace("name: s0", &format!("name: {name}"))
    };
    // 53 + "-provider1" is 63 characters: the longest allowed.
    let fits = "s".repeat(53);
    assert!(errors_at(&doc(&fits), "spec.services[0].name").is_empty());
    // 54 + "-consumer" is 63 (fine), 54 + "-provider1" is 64 (not).
    let long = "s".repeat(54);
    let errors = errors_at(&doc(&long), "spec.services[0].name");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&format!("\"{long}-provider1\" (64 characters)")),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("app-t"), "{}", errors[0]);
}

#[test]
fn a_cluster_name_over_49_characters_is_an_error() {
    let long = "p".repeat(50);
    let text = DOC
        .replace("NAMESPACE", "fluidosmesh")
        .replace("provider1", &long);
    let errors = errors_at(&text, "spec.topology.consumerProvider.providers[0].name");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("(64 characters)"), "{}", errors[0]);
    let ok = "p".repeat(49);
    let text = DOC
        .replace("NAMESPACE", "fluidosmesh")
        .replace("provider1", &ok);
    assert!(errors_at(&text, "spec.topology.consumerProvider.providers[0].name").is_empty());
}
