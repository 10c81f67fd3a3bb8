//! `fedctl explain`, and the analyzers' findings in `fedctl validate` and `fedctl lint`.

mod common;

use common::fedctl;

/// An example's path as an argument.
fn example(name: &str) -> String {
    common::example(name).display().to_string()
}

#[test]
fn explain_apan_tells_where_echo_goes_and_the_experiment() {
    let out = fedctl(&["explain", &example("apan.yaml"), "--service", "echo"], "");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Service default/echo (echo.default.svc.cluster.local) in federation apan-demo, Istio 1.5",
        "In cluster tein (asia-southeast1/tein-a):",
        "Overflow goes to gke (gateway 202.28.193.115:15443, locality us-west1/us-west1-b)",
        "after 1 consecutive gateway error (502/503/504, consecutiveErrors) the client ejects that endpoint for 1m (baseEjectionTime)",
        "1 connection at a time stays within the limits: every request is served in tein",
        "3 parallel connections exceed the 2 requests the pod's limits let through at once",
        "Sources:",
        "In cluster gke (us-west1/us-west1-b):",
        "No overflow rule from gke",
        "warning[istio-mutual-without-shared-ca]",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn explain_unknown_service_is_a_usage_error_listing_the_services() {
    let out = fedctl(&["explain", &example("apan.yaml"), "--service", "ehco"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no service \"ehco\" in federation apan-demo (services: default/echo)"),
        "{err}"
    );
}

#[test]
fn explain_invalid_document_exits_1() {
    let out = fedctl(&["explain", "-", "--service", "echo"], "kind: Federation\n");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn validate_reports_analyzer_findings_against_the_documents_paths() {
    let text = std::fs::read_to_string(example("apan.yaml"))
        .unwrap()
        .replace("version: \"1.5\"", "version: \"1.30\"")
        .replace("maxEjectionPercent: 100", "maxEjectionPercent: 40");
    let out = fedctl(&["validate", "-"], &text);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.contains("max-ejection-percent-too-low"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let at = text
        .lines()
        .position(|l| l.contains("maxEjectionPercent: 40"))
        .unwrap()
        + 1;
    assert!(
        line.starts_with(&format!(
            "<stdin>:{at}: warning[max-ejection-percent-too-low]: spec.services[0].overflow[0].thresholds.maxEjectionPercent: cluster tein: DestinationRule default/echo spec.trafficPolicy.outlierDetection.maxEjectionPercent: "
        )),
        "{line}"
    );
    let json = fedctl(&["validate", "-", "--output", "json"], &text);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let found = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "max-ejection-percent-too-low")
        .unwrap();
    assert_eq!(found["kind"], "Federation");
    assert_eq!(found["severity"], "warning");
    assert_eq!(
        found["path"],
        "spec.services[0].overflow[0].thresholds.maxEjectionPercent"
    );
}

const SEEDLIKE: &str = "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80}]
---
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: echo.default.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
    outlierDetection:
      consecutiveErrors: 1
      maxEjectionPercent: 100
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http:
    - route:
        - destination: {host: echo, subset: v2}
";

#[test]
fn lint_runs_the_analyzers_across_documents_with_lines_and_codes() {
    let out = fedctl(&["lint", "-", "--istio", "1.30"], SEEDLIKE);
    // subset-not-defined is an error: every request on that route fails.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    // The webhook's own deprecation warning, then the analyzers' findings.
    assert!(
        lines.iter().any(|l| l.starts_with(
            "<stdin>:17: warning[consecutive-errors-ignored]: DestinationRule default/echo: spec.trafficPolicy.outlierDetection.consecutiveErrors: consecutiveErrors: 1 is ignored by Istio 1.30"
        )),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "<stdin>:27: error[subset-not-defined]: VirtualService default/echo: spec.http[0].route[0].destination.subset: "
        )),
        "{stdout}"
    );
    // Istio 1.5 reads consecutiveErrors: only the subset is left.
    let out = fedctl(
        &["lint", "-", "--istio", "1.5", "--output", "json"],
        SEEDLIKE,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["subset-not-defined"], "{v:#}");
}

/// A Service, its Deployment, the WorkloadEntry of a remote gateway, the pods' rule with
/// limits (exported to their namespace only) and a route retrying 503s towards the peer.
const RETRYING: &str = "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: echo}}
  template:
    metadata:
      labels: {app: echo}
      ANNOTATIONS
    spec:
      containers: [{name: echo, image: ealen/echo-server:0.9.2}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: echo-gke, namespace: default}
spec:
  address: 202.28.193.115
  ports: {http: 15443}
  labels: {app: echo}
  locality: us-west1/us-west1-b
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: echo.default.svc.cluster.local
  exportTo: [\".\"]
  trafficPolicy:
    connectionPool: {http: {http2MaxRequests: 2}}
    outlierDetection: {consecutiveGatewayErrors: 1, maxEjectionPercent: 100}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http:
    - route:
        - destination: {host: echo}
      retries: {attempts: 2, retryOn: \"503\", retryRemoteLocalities: true}
";

#[test]
fn lint_counts_the_deployments_pods_and_reads_their_annotations() {
    let codes = |text: &str, istio: &str| -> Vec<String> {
        let out = fedctl(&["lint", "-", "--istio", istio, "--output", "json"], text);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|d| Some(format!("{}:{}", d["code"].as_str()?, d["line"])))
            .collect()
    };
    // The line of the first line of `text` that contains `needle`.
    let line =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    // Four pods from the Deployment: one ejection moves nothing (at the outlierDetection's
    // line); clients in the namespace get the limits; the pods' overflow 503s carry
    // x-envoy-overloaded, which nothing removes on 1.18 and the annotation removes from 1.19.
    let expected = |text: &str, overloaded: bool| {
        let mut out = vec![
            format!(
                "namespace-clients-get-limits:{}",
                line(text, "connectionPool:")
            ),
            format!(
                "one-ejection-moves-nothing:{}",
                line(text, "outlierDetection:")
            ),
        ];
        if overloaded {
            out.push(format!(
                "overloaded-503-not-retried:{}",
                line(text, "retries:")
            ));
        }
        out
    };
    let plain = RETRYING.replace("      ANNOTATIONS\n", "");
    assert_eq!(codes(&plain, "1.18"), expected(&plain, true));
    assert_eq!(codes(&plain, "1.19"), expected(&plain, true));
    let annotated = RETRYING.replace(
        "ANNOTATIONS",
        "annotations: {proxy.istio.io/config: '{\"proxyHeaders\":{\"envoyDebugHeaders\":{\"disabled\":true}}}'}",
    );
    assert_eq!(codes(&annotated, "1.18"), expected(&annotated, true));
    assert_eq!(codes(&annotated, "1.19"), expected(&annotated, false));
}
