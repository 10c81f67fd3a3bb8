//! One test per analyzer: a minimal set that triggers it, and the fixed set that does not.

use istio_types::IstioResource;
use istio_types::analysis::{
    AnalysisContext, AnalysisFinding, Code, IstioRelease, KnownPort, KnownService, KnownWorkload,
    analyze,
};
use istio_types::read::{Document, read_stream};
use istio_types::validate::Severity;

fn resources(yaml: &str) -> Vec<IstioResource> {
    read_stream(yaml, None)
        .into_iter()
        .map(|d| match d.result {
            Ok(Document::Istio(r)) => r,
            other => panic!("not an Istio resource: {other:?}\n{yaml}"),
        })
        .collect()
}

fn run(yaml: &str, ctx: &AnalysisContext) -> Vec<AnalysisFinding> {
    let rs = resources(yaml);
    // Every test set must also pass Istio's per-object rules: the analyzers are about what the
    // webhook accepts.
    for r in &rs {
        assert!(!r.validate().has_errors(), "{:?}", r.validate());
    }
    analyze(&rs, ctx)
}

/// `(code, path)` of every finding.
fn codes(findings: &[AnalysisFinding]) -> Vec<(Code, &str)> {
    findings.iter().map(|f| (f.code, f.path.as_str())).collect()
}

fn at(major: u32, minor: u32) -> AnalysisContext {
    AnalysisContext::for_release(IstioRelease::new(major, minor))
}

fn echo_service() -> KnownService {
    KnownService {
        name: "echo".into(),
        namespace: "default".into(),
        host: "echo.default.svc.cluster.local".into(),
        ports: vec![KnownPort {
            name: Some("http".into()),
            number: 80,
        }],
        selector: [("app".to_owned(), "echo".to_owned())].into(),
    }
}

const DR_HEAD: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: echo.default.svc.cluster.local
";

#[test]
fn failover_without_outlier_detection() {
    let bad = format!(
        "{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        enabled: true
        failover: [{{from: asia-southeast1, to: us-west1}}]
"
    );
    let found = run(&bad, &at(1, 30));
    assert_eq!(
        codes(&found),
        [(
            Code::FailoverWithoutOutlierDetection,
            "spec.trafficPolicy.loadBalancer.localityLbSetting"
        )]
    );
    assert!(found[0].message.contains("never go to another locality"));
    assert_eq!(found[0].severity, Severity::Warning);

    // `enabled: true` alone asks for failover too.
    let enabled = format!(
        "{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting: {{enabled: true}}
"
    );
    assert_eq!(
        codes(&run(&enabled, &at(1, 30)))[0].0,
        Code::FailoverWithoutOutlierDetection
    );

    // A subset inherits the rule's outlier detection (merge per part)...
    let subset_ok = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
  subsets:
    - name: v1
      labels: {{version: v1}}
      trafficPolicy:
        loadBalancer:
          localityLbSetting: {{enabled: true}}
"
    );
    assert_eq!(codes(&run(&subset_ok, &at(1, 30))), []);
    // ...but a port-level policy does not.
    let port_bad = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
    portLevelSettings:
      - port: {{number: 80}}
        loadBalancer:
          localityLbSetting: {{enabled: true}}
"
    );
    assert_eq!(
        codes(&run(&port_bad, &at(1, 30))),
        [(
            Code::FailoverWithoutOutlierDetection,
            "spec.trafficPolicy.portLevelSettings[0].loadBalancer.localityLbSetting"
        )]
    );

    let fixed = format!(
        "{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        enabled: true
        failover: [{{from: asia-southeast1, to: us-west1}}]
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
"
    );
    assert_eq!(codes(&run(&fixed, &at(1, 30))), []);
}

#[test]
fn connection_pool_without_outlier_detection() {
    let bad = format!(
        "{DR_HEAD}  trafficPolicy:
    connectionPool:
      tcp: {{maxConnections: 1}}
      http: {{http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}}
"
    );
    let found = run(&bad, &at(1, 5));
    assert_eq!(
        codes(&found),
        [(
            Code::ConnectionPoolWithoutOutlierDetection,
            "spec.trafficPolicy.connectionPool"
        )]
    );
    let m = &found[0].message;
    assert!(
        m.contains("maxConnections: 1, http1MaxPendingRequests: 1"),
        "{m}"
    );
    assert!(m.contains("UO"), "{m}");
    // The suggested fix is spelt for the target release.
    assert!(m.contains("consecutiveErrors: 1"), "{m}");
    assert!(
        run(&bad, &at(1, 30))[0]
            .message
            .contains("consecutiveGatewayErrors: 1")
    );

    // Only limits that refuse requests count.
    let no_limits = format!(
        "{DR_HEAD}  trafficPolicy:
    connectionPool:
      http: {{maxRequestsPerConnection: 1}}
"
    );
    assert_eq!(codes(&run(&no_limits, &at(1, 30))), []);

    let fixed = format!(
        "{DR_HEAD}  trafficPolicy:
    connectionPool:
      tcp: {{maxConnections: 1}}
    outlierDetection: {{consecutiveGatewayErrors: 1}}
"
    );
    assert_eq!(codes(&run(&fixed, &at(1, 30))), []);
}

const OVERFLOW_WE: &str = "---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: echo-gke, namespace: default}
spec:
  address: 202.28.193.115
  ports: {http: 15443}
  labels: {app: echo}
  locality: us-west1/us-west1-b
";

#[test]
fn max_ejection_percent_too_low_per_release() {
    let ctx = |minor| AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(1, minor)
    };
    // Unset: Envoy's 10%. One local pod (assumed) and one remote endpoint: up to Istio 1.18
    // (Envoy 1.26) the first host always goes; from 1.19 ejecting it is 50% > 10%.
    let unset = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1}}
{OVERFLOW_WE}"
    );
    assert_eq!(codes(&run(&unset, &ctx(18))), []);
    let found = run(&unset, &ctx(19));
    assert_eq!(
        codes(&found),
        [(
            Code::MaxEjectionPercentTooLow,
            "spec.trafficPolicy.outlierDetection"
        )]
    );
    let m = &found[0].message;
    assert!(m.contains("unset (Envoy's default, 10%)"), "{m}");
    assert!(m.contains("1 local pod (assumed"), "{m}");
    assert!(m.contains("envoyproxy/envoy#27624"), "{m}");
    assert!(m.contains("at least 50"), "{m}");
    // Without a release the newest facts apply.
    let newest = AnalysisContext {
        istio: None,
        ..ctx(30)
    };
    assert_eq!(codes(&run(&unset, &newest)).len(), 1);

    // 40% cannot eject one host of two on 1.30; 50% can.
    let pct = |p: u32| {
        format!(
            "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: {p}}}
{OVERFLOW_WE}"
        )
    };
    assert_eq!(
        codes(&run(&pct(40), &ctx(30))),
        [(
            Code::MaxEjectionPercentTooLow,
            "spec.trafficPolicy.outlierDetection.maxEjectionPercent"
        )]
    );
    assert_eq!(codes(&run(&pct(50), &ctx(30))), []);
    assert_eq!(codes(&run(&pct(100), &ctx(30))), []);

    // Four local pods: two must go before anything moves, which 10% never allows, even
    // before Envoy 1.27 (one host at a time), and 40% of 5 hosts does from 1.19.
    let four = AnalysisContext {
        workloads: vec![echo_workload(4, None)],
        ..ctx(18)
    };
    let found = run(&pct(10), &four);
    let low: Vec<_> = found
        .iter()
        .filter(|f| f.code == Code::MaxEjectionPercentTooLow)
        .collect();
    assert_eq!(low.len(), 1, "{found:#?}");
    assert!(low[0].message.contains("4 local pods (default/echo)"));
    assert!(
        low[0].message.contains("at most 1 of 5"),
        "{}",
        low[0].message
    );
    let four_new = AnalysisContext {
        workloads: vec![echo_workload(4, None)],
        ..ctx(19)
    };
    assert!(
        !run(&pct(40), &four_new)
            .iter()
            .any(|f| f.code == Code::MaxEjectionPercentTooLow)
    );

    // Without endpoints elsewhere and without failover, a low limit is a sane safety net.
    let local_only = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 10}}
"
    );
    assert_eq!(codes(&run(&local_only, &ctx(30))), []);
    // Locality failover asked for without the endpoints in the set: one is assumed.
    let failover = format!(
        "{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting: {{enabled: true}}
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 10}}
"
    );
    let found = run(&failover, &ctx(30));
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("1 endpoint elsewhere (assumed"),
        "{}",
        found[0].message
    );
    assert_eq!(codes(&run(&failover, &ctx(18))), []);
}

/// A Deployment of `replicas` pods labelled `app: echo`, with a `proxy.istio.io/config`
/// annotation when given.
fn echo_workload(replicas: u32, proxy_config: Option<&str>) -> KnownWorkload {
    let mut annotations = serde_json::Map::new();
    if let Some(c) = proxy_config {
        annotations.insert("proxy.istio.io/config".into(), c.into());
    }
    KnownWorkload::from_json(
        &serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "echo", "namespace": "default"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "echo"}},
                "template": {"metadata": {
                    "labels": {"app": "echo", "version": "v1"},
                    "annotations": annotations,
                }},
            },
        }),
        "default",
    )
    .unwrap()
}

/// The findings of one code.
fn only(found: &[AnalysisFinding], code: Code) -> Vec<&AnalysisFinding> {
    found.iter().filter(|f| f.code == code).collect()
}

#[test]
fn one_ejection_moves_nothing() {
    let ctx = |minor, replicas| AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        workloads: vec![echo_workload(replicas, None)],
        ..at(1, minor)
    };
    let dr = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    );
    // The overprovisioning factor is the same on every release: either side of the ejection
    // rule's change (1.18, 1.19), four pods fire, three do not.
    for minor in [18, 19] {
        let found = run(&dr, &ctx(minor, 4));
        assert_eq!(
            codes(&found),
            [(
                Code::OneEjectionMovesNothing,
                "spec.trafficPolicy.outlierDetection"
            )]
        );
        let m = &found[0].message;
        assert!(m.contains("4 local pods (default/echo)"), "{m}");
        assert!(m.contains("2 must be ejected at once"), "{m}");
        assert!(m.contains("(30% then does)"), "{m}");
        assert!(m.contains("at most 3 replicas"), "{m}");
        assert_eq!(codes(&run(&dr, &ctx(minor, 3))), []);
    }
    // Unknown pods: nothing to count.
    let unknown = AnalysisContext {
        workloads: Vec::new(),
        ..ctx(30, 4)
    };
    assert_eq!(codes(&run(&dr, &unknown)), []);
}

/// A failover rule for echo with connection-pool limits `pool`, `exportTo` and namespace as
/// given, and the remote endpoint.
fn limits_rule(pool: &str, export: &str, namespace: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: echo, namespace: {namespace}}}
spec:
  host: echo.default.svc.cluster.local
{export}  trafficPolicy:
    connectionPool: {pool}
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    )
}

fn with_echo(minor: u32) -> AnalysisContext {
    AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(1, minor)
    }
}

const POOL: &str = "{http: {http2MaxRequests: 2}}";

#[test]
fn client_overflow_never_ejects() {
    let dr = limits_rule(POOL, "", "default");
    // 1.5-1.6: the client's overflow does not eject either, but one shared rule is what the
    // release needs (its inbound side ejects): nothing to say.
    assert_eq!(codes(&run(&dr, &with_echo(6))), []);
    // 1.17: the client's max-requests overflow ejects (the shared-limits finding instead).
    assert_eq!(
        codes(&run(&dr, &with_echo(17))),
        [(
            Code::ClientLimitsSharedWithRemote,
            "spec.trafficPolicy.connectionPool"
        )]
    );
    // 1.18: it never does.
    let found = run(&dr, &with_echo(18));
    assert_eq!(
        codes(&found),
        [(
            Code::ClientOverflowNeverEjects,
            "spec.trafficPolicy.connectionPool"
        )]
    );
    let m = &found[0].message;
    assert!(m.contains("envoyproxy/envoy#25488"), "{m}");
    assert!(m.contains("exportTo: [\".\"]"), "{m}");
    // From 1.21 the fix is the Sidecar.
    let m = &run(&dr, &with_echo(21))[0].message;
    assert!(m.contains("Sidecar inboundConnectionPool"), "{m}");
    assert!(m.contains("istio/istio#47313"), "{m}");
    // On 1.17 a pool whose client overflow never ejects (maxConnections queues, the pending
    // overflow is not scored) fires it too.
    let tcp = limits_rule("{tcp: {maxConnections: 2}}", "", "default");
    assert_eq!(
        codes(&run(&tcp, &with_echo(17))),
        [(
            Code::ClientOverflowNeverEjects,
            "spec.trafficPolicy.connectionPool"
        )]
    );
    // Without a release nothing is said.
    let none = AnalysisContext {
        istio: None,
        ..with_echo(18)
    };
    assert_eq!(codes(&run(&dr, &none)), []);
    // A rule without limits (the renderer's client rule) does not fire.
    let without = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    );
    assert_eq!(codes(&run(&without, &with_echo(18))), []);
}

#[test]
fn client_limits_shared_with_remote() {
    let dr = limits_rule(POOL, "", "default");
    assert_eq!(codes(&run(&dr, &with_echo(6))), []);
    for minor in [7, 17] {
        let found = run(&dr, &with_echo(minor));
        assert_eq!(
            codes(&found),
            [(
                Code::ClientLimitsSharedWithRemote,
                "spec.trafficPolicy.connectionPool"
            )]
        );
        let m = &found[0].message;
        assert!(m.contains("503 UH"), "{m}");
        assert!(m.contains("envoyproxy/envoy#11689"), "{m}");
    }
    assert_eq!(
        codes(&run(&dr, &with_echo(18)))[0].0,
        Code::ClientOverflowNeverEjects
    );
    // A rule in a client namespace exported there only is still client-side.
    let clients = limits_rule(POOL, "  exportTo: [\".\"]\n", "clients");
    assert_eq!(
        codes(&run(&clients, &with_echo(17)))[0].0,
        Code::ClientLimitsSharedWithRemote
    );
    // Without an endpoint elsewhere nor failover, the limits are not about failing over.
    let local = format!(
        "{DR_HEAD}  trafficPolicy:
    connectionPool: {POOL}
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
"
    );
    assert_eq!(codes(&run(&local, &with_echo(17))), []);
}

#[test]
fn namespace_clients_get_limits() {
    // The placement rendered for 1.7-1.20: the limits in the service's namespace, exported
    // there only, and a root-namespace rule without connectionPool for every other client.
    let root = DR_HEAD.replace(
        "name: echo, namespace: default",
        "name: echo-default, namespace: istio-system",
    ) + "  trafficPolicy:
    loadBalancer:
      localityLbSetting: {enabled: true}
    outlierDetection: {consecutiveGatewayErrors: 1, maxEjectionPercent: 100}
";
    let set = format!(
        "{}---\n{root}",
        limits_rule(POOL, "  exportTo: [\".\"]\n", "default")
    );
    let found = run(&set, &with_echo(17));
    assert_eq!(
        codes(&found),
        [(
            Code::NamespaceClientsGetLimits,
            "spec.trafficPolicy.connectionPool"
        )]
    );
    let m = &found[0].message;
    assert!(m.contains("clients in default use it too"), "{m}");
    assert!(m.contains("503 UH"), "{m}");
    let m = &run(&set, &with_echo(18))[0].message;
    assert!(m.contains("nothing fails over"), "{m}");
    assert!(m.contains("in another namespace"), "{m}");
    let m = &run(&set, &with_echo(21))[0].message;
    assert!(m.contains("Sidecar inboundConnectionPool"), "{m}");
    // The same rule without limits says nothing.
    let no_pool = set.replace(&format!("    connectionPool: {POOL}\n"), "");
    assert_eq!(codes(&run(&no_pool, &with_echo(17))), []);
}

#[test]
fn sidecar_placement_is_quiet() {
    // What is rendered from 1.21: the limits in a Sidecar selecting the pods, a rule without
    // connectionPool.
    let set = format!(
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: echo-inbound, namespace: default}}
spec:
  workloadSelector: {{labels: {{app: echo}}}}
  inboundConnectionPool: {POOL}
---
{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting: {{enabled: true}}
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    );
    let ctx = AnalysisContext {
        workloads: vec![echo_workload(1, None)],
        ..with_echo(21)
    };
    assert_eq!(codes(&run(&set, &ctx)), []);
}

/// A VirtualService for echo whose route retries as `retries` says.
fn retry_vs(retries: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: echo, namespace: default}}
spec:
  hosts: [echo]
  http:
    - route:
        - destination: {{host: echo}}
      retries: {retries}
---
"
    )
}

/// The failover rule for echo, without limits.
fn failover_rule() -> String {
    format!(
        "{DR_HEAD}  trafficPolicy:
    loadBalancer:
      localityLbSetting: {{enabled: true}}
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    )
}

#[test]
fn retry_stays_local() {
    let plain = retry_vs("{attempts: 2, retryOn: \"503\"}") + &failover_rule();
    for minor in [5, 6, 30] {
        let found = run(&plain, &with_echo(minor));
        assert_eq!(
            codes(&found),
            [(Code::RetryStaysLocal, "spec.http[0].retries")],
            "1.{minor}"
        );
        let m = &found[0].message;
        if minor == 5 {
            assert!(m.contains("Istio 1.5 has no retryRemoteLocalities"), "{m}");
        } else {
            assert!(m.contains("Set retryRemoteLocalities: true"), "{m}");
        }
    }
    let remote =
        retry_vs("{attempts: 2, retryOn: \"503\", retryRemoteLocalities: true}") + &failover_rule();
    // 1.5 does not have the field; 1.6 does.
    let found = run(&remote, &with_echo(5));
    assert_eq!(
        codes(&found),
        [(
            Code::RetryStaysLocal,
            "spec.http[0].retries.retryRemoteLocalities"
        )]
    );
    assert!(found[0].message.contains("it came with 1.6"));
    assert_eq!(codes(&run(&remote, &with_echo(6))), []);
    assert_eq!(codes(&run(&remote, &with_echo(30))), []);
    // One attempt: the priority moves only after two.
    let one = remote.replace("attempts: 2", "attempts: 1");
    let found = run(&one, &with_echo(30));
    assert_eq!(
        codes(&found),
        [(Code::RetryStaysLocal, "spec.http[0].retries.attempts")]
    );
    assert!(found[0].message.contains("Set attempts: 2"));
    // A host that does not fail over: retries are not about the peer.
    let no_failover = retry_vs("{attempts: 2, retryOn: \"503\"}");
    assert_eq!(codes(&run(&no_failover, &with_echo(30))), []);
}

#[test]
fn retry_503_not_retried() {
    let unset = retry_vs("{attempts: 2, retryRemoteLocalities: true}") + &failover_rule();
    // Istio's default status codes: 503 up to 1.23, excluded by default in 1.24-1.26, gone
    // from 1.27.
    assert_eq!(codes(&run(&unset, &with_echo(23))), []);
    let found = run(&unset, &with_echo(24));
    assert_eq!(
        codes(&found),
        [(Code::Retry503NotRetried, "spec.http[0].retries")]
    );
    assert!(
        found[0].message.contains(
            "leaves 503 out of them by default (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY=true"
        )
    );
    assert!(found[0].message.contains("istio/istio#52111"));
    let found = run(&unset, &with_echo(27));
    assert_eq!(
        codes(&found),
        [(Code::Retry503NotRetried, "spec.http[0].retries")]
    );
    assert!(
        found[0]
            .message
            .contains("on Istio 1.27 503 is not among them"),
        "{}",
        found[0].message
    );
    // An explicit retryOn without 503 never retries it; with it, always.
    let explicit = retry_vs(
        "{attempts: 2, retryOn: \"connect-failure,retriable-status-codes\", retryRemoteLocalities: true}",
    ) + &failover_rule();
    assert_eq!(
        codes(&run(&explicit, &with_echo(23))),
        [(Code::Retry503NotRetried, "spec.http[0].retries.retryOn")]
    );
    for on in ["503", "gateway-error", "connect-failure,5xx"] {
        let ok = retry_vs(&format!(
            "{{attempts: 2, retryOn: \"{on}\", retryRemoteLocalities: true}}"
        )) + &failover_rule();
        assert_eq!(codes(&run(&ok, &with_echo(27))), [], "{on}");
    }
}

#[test]
fn overloaded_503_not_retried() {
    let vs = retry_vs("{attempts: 2, retryOn: \"503\", retryRemoteLocalities: true}");
    // The pods' own rule with limits (exported to its namespace: clients elsewhere do not
    // get them).
    let set = vs.clone() + &limits_rule(POOL, "  exportTo: [\".\"]\n", "default");
    let ctx = |minor, annotation: Option<&str>| AnalysisContext {
        workloads: vec![echo_workload(1, annotation)],
        ..with_echo(minor)
    };
    let retries = |found: Vec<AnalysisFinding>| -> Vec<String> {
        only(&found, Code::OverloadedNotRetried)
            .iter()
            .map(|f| f.message.clone())
            .collect()
    };
    let disabled = r#"{"proxyHeaders":{"envoyDebugHeaders":{"disabled":true}}}"#;
    // Before 1.19 nothing removes x-envoy-overloaded.
    let m = retries(run(&set, &ctx(18, Some(disabled))));
    assert_eq!(m.len(), 1);
    assert!(
        m[0].contains("Istio 1.18 has no way to remove the header"),
        "{}",
        m[0]
    );
    assert!(m[0].contains("came with 1.19"), "{}", m[0]);
    // From 1.19 the annotation does (in YAML too).
    assert_eq!(retries(run(&set, &ctx(19, Some(disabled)))).len(), 0);
    let yaml = "proxyHeaders:\n  envoyDebugHeaders:\n    disabled: true\n";
    assert_eq!(retries(run(&set, &ctx(19, Some(yaml)))).len(), 0);
    let m = retries(run(&set, &ctx(19, None)));
    assert_eq!(m.len(), 1);
    assert!(
        m[0].contains("Annotate the pods of default/echo"),
        "{}",
        m[0]
    );
    // Pods not in the set: they may carry it.
    assert_eq!(retries(run(&set, &with_echo(19))).len(), 0);
    // The limits in a Sidecar: from 1.21 only (1.20 ignores inboundConnectionPool).
    let sidecar = format!(
        "{vs}apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: echo-inbound, namespace: default}}
spec:
  workloadSelector: {{labels: {{app: echo}}}}
  inboundConnectionPool: {POOL}
---
{}",
        failover_rule()
    );
    assert_eq!(retries(run(&sidecar, &ctx(20, None))).len(), 0);
    assert_eq!(retries(run(&sidecar, &ctx(21, None))).len(), 1);
    // Without server-side limits there is no overflow 503.
    let plain = vs + &failover_rule();
    assert_eq!(retries(run(&plain, &ctx(18, None))).len(), 0);
}

#[test]
fn sidecars_select_same_pods() {
    let sidecar = |name: &str, ns: &str, selector: &str, pool: bool| {
        let pool = if pool {
            format!("  inboundConnectionPool: {POOL}\n")
        } else {
            String::new()
        };
        format!(
            "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: {name}, namespace: {ns}}}
spec:
{selector}{pool}  outboundTrafficPolicy: {{mode: REGISTRY_ONLY}}
---
"
        )
    };
    let echo = "  workloadSelector: {labels: {app: echo}}\n";
    let v1 = "  workloadSelector: {labels: {app: echo, version: v1}}\n";
    let other = "  workloadSelector: {labels: {app: other}}\n";
    let web = "  workloadSelector: {labels: {tier: web}}\n";
    // No release boundary: the same on either side of inboundConnectionPool (1.20, 1.21).
    for minor in [20, 21] {
        let both = sidecar("a", "default", echo, true) + &sidecar("b", "default", v1, false);
        let found = run(&both, &at(1, minor));
        assert_eq!(
            codes(&found),
            [(Code::SidecarsSelectSamePods, "spec.workloadSelector")]
        );
        assert_eq!(found[0].resource, 1);
        let m = &found[0].message;
        assert!(
            m.contains("Sidecar default/a also selects every pod labelled app=echo,version=v1"),
            "{m}"
        );
        assert_eq!(m.contains("inboundConnectionPool"), minor >= 21, "{m}");
        // Two without a selector in one namespace.
        let bare = sidecar("a", "default", "", false) + &sidecar("b", "default", "", false);
        assert_eq!(codes(&run(&bare, &at(1, minor))).len(), 1);
        // Disjoint selectors, other namespaces, a selector beside the namespace's default.
        for fine in [
            sidecar("a", "default", echo, false) + &sidecar("b", "default", other, false),
            sidecar("a", "default", echo, false) + &sidecar("b", "clients", echo, false),
            sidecar("a", "default", "", false) + &sidecar("b", "default", echo, false),
            sidecar("a", "default", echo, false) + &sidecar("b", "default", web, false),
        ] {
            assert_eq!(codes(&run(&fine, &at(1, minor))), [], "{fine}");
        }
        // A known workload carrying both labels: app=echo and tier=web overlap there.
        let mut workload = echo_workload(1, None);
        workload.labels.insert("tier".into(), "web".into());
        let ctx = AnalysisContext {
            workloads: vec![workload],
            ..at(1, minor)
        };
        let overlapping =
            sidecar("a", "default", echo, false) + &sidecar("b", "default", web, false);
        let found = run(&overlapping, &ctx);
        assert_eq!(codes(&found).len(), 1);
        assert!(found[0].message.contains("the pods of default/echo"));
    }
}

#[test]
fn consecutive_5xx_masks_gateway_errors() {
    let bad = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 10}}
"
    );
    let found = run(&bad, &at(1, 30));
    assert_eq!(
        codes(&found),
        [(
            Code::Consecutive5xxMasksGatewayErrors,
            "spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors"
        )]
    );
    assert!(found[0].message.contains("after 5 errors, not 10"));
    // Istio 1.5-1.6 switch Envoy's consecutive_5xx off; 1.7 leaves the default on.
    assert_eq!(codes(&run(&bad, &at(1, 6))), []);
    assert_eq!(codes(&run(&bad, &at(1, 7))).len(), 1);
    // 5 or fewer: the gateway counter fires first or together.
    let five = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 5}}
"
    );
    assert_eq!(codes(&run(&five, &at(1, 30))), []);
    let fixed = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 10, consecutive5xxErrors: 0}}
"
    );
    assert_eq!(codes(&run(&fixed, &at(1, 30))), []);
}

#[test]
fn consecutive_errors_ignored_from_istio_1_7() {
    let bad = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveErrors: 1}}
"
    );
    let found = run(&bad, &at(1, 7));
    assert_eq!(
        codes(&found),
        [(
            Code::ConsecutiveErrorsIgnored,
            "spec.trafficPolicy.outlierDetection.consecutiveErrors"
        )]
    );
    assert!(found[0].message.contains("after 5 consecutive 5xx"));
    // Istio 1.6 still reads it; an unknown release is not guessed.
    assert_eq!(codes(&run(&bad, &at(1, 6))), []);
    assert_eq!(codes(&run(&bad, &AnalysisContext::default())), []);
    let fixed = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1}}
"
    );
    assert_eq!(codes(&run(&fixed, &at(1, 7))), []);
}

#[test]
fn endpoint_port_name_unknown() {
    // A ServiceEntry endpoint with a port name the entry lacks is the webhook's error, not
    // this analyzer's; a WorkloadEntry is checked against the Service that selects it.
    let ctx = AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(1, 30)
    };
    let we = OVERFLOW_WE.replace("{http: 15443}", "{web: 15443}");
    assert_eq!(
        codes(&run(&we, &ctx)),
        [(Code::EndpointPortNameUnknown, "spec.ports[web]")]
    );
    assert_eq!(codes(&run(OVERFLOW_WE, &ctx)), []);
}

const ECHO_SE: &str = "apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo.default.svc.cluster.local]
  ports: [{name: http, number: 80, protocol: HTTP}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
    - address: 202.28.193.115
      locality: us-west1/us-west1-b
      ports: {http: 15443}
";

#[test]
fn service_entry_not_merged() {
    let ctx = |major, minor| AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(major, minor)
    };
    // Istio 1.5 merges it (same namespace, same port names): the seeds' recipe.
    assert_eq!(codes(&run(ECHO_SE, &ctx(1, 5))), []);
    // From 1.7 it never does.
    let found = run(ECHO_SE, &ctx(1, 7));
    assert_eq!(
        codes(&found),
        [(Code::ServiceEntryNotMerged, "spec.hosts[0]")]
    );
    assert!(found[0].message.contains("WorkloadEntry"));
    // On 1.5, another namespace or other port names break the merge.
    let other_ns = ECHO_SE.replace("namespace: default", "namespace: istio-system");
    assert_eq!(
        codes(&run(&other_ns, &ctx(1, 5))),
        [(Code::ServiceEntryNotMerged, "metadata.namespace")]
    );
    let other_port = ECHO_SE
        .replace("name: http, number: 80", "name: web, number: 80")
        .replace("{http: 15443}", "{web: 15443}");
    assert_eq!(
        codes(&run(&other_port, &ctx(1, 5))),
        [(Code::ServiceEntryNotMerged, "spec.ports")]
    );
}

#[test]
fn destination_rule_host_unknown() {
    let dr = DR_HEAD.replace(
        "host: echo.default.svc.cluster.local",
        "host: echo.defualt.svc.cluster.local",
    );
    // When the set lists every Service, a misspelt namespace is found.
    let complete = AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(1, 30)
    };
    let found = run(&dr, &complete);
    assert_eq!(
        codes(&found),
        [(Code::DestinationRuleHostUnknown, "spec.host")]
    );
    // Short names resolve in the rule's namespace.
    let short = DR_HEAD.replace("host: echo.default.svc.cluster.local", "host: echo");
    assert_eq!(codes(&run(&short, &complete)), []);
    let short_elsewhere = short.replace("namespace: default", "namespace: other");
    let found = run(&short_elsewhere, &complete);
    assert!(
        found[0]
            .message
            .contains("resolved in the rule's namespace to echo.other.svc.cluster.local"),
        "{}",
        found[0].message
    );
    // Without the Services, cluster hosts are assumed to exist; other hosts need an entry.
    assert_eq!(codes(&run(&dr, &at(1, 30))), []);
    let external = DR_HEAD.replace("echo.default.svc.cluster.local", "api.example.com");
    assert_eq!(
        codes(&run(&external, &at(1, 30))),
        [(Code::DestinationRuleHostUnknown, "spec.host")]
    );
    let with_entry = format!(
        "{external}---\n{}",
        ECHO_SE
            .replace("echo.default.svc.cluster.local", "api.example.com")
            .replace("MESH_INTERNAL", "MESH_EXTERNAL")
    );
    assert_eq!(codes(&run(&with_entry, &at(1, 30))), []);
}

#[test]
fn subset_not_defined() {
    let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http:
    - route:
        - destination: {host: echo, subset: v2}
";
    let dr = format!(
        "{DR_HEAD}  subsets:
    - name: v1
      labels: {{version: v1}}
"
    );
    let found = run(&format!("{vs}---\n{dr}"), &at(1, 30));
    assert_eq!(
        codes(&found),
        [(
            Code::SubsetNotDefined,
            "spec.http[0].route[0].destination.subset"
        )]
    );
    assert_eq!(found[0].severity, Severity::Error);
    assert!(
        found[0].message.contains("define v1"),
        "{}",
        found[0].message
    );
    // Without a DestinationRule for the host among the resources, nothing proves the subset
    // missing: a warning that says so.
    let no_rule = run(vs, &at(1, 30));
    assert_eq!(no_rule.len(), 1, "{no_rule:?}");
    assert_eq!(no_rule[0].code, Code::SubsetNotDefined);
    assert_eq!(no_rule[0].severity, Severity::Warning);
    assert!(
        no_rule[0].message.contains("not among the files given"),
        "{}",
        no_rule[0].message
    );

    let fixed = dr.replace("name: v1", "name: v2");
    assert_eq!(codes(&run(&format!("{vs}---\n{fixed}"), &at(1, 30))), []);
}

#[test]
fn duplicate_destination_rule() {
    let second = DR_HEAD.replace("name: echo,", "name: echo-tls,");
    let bad = format!(
        "{DR_HEAD}  trafficPolicy:
    tls: {{mode: ISTIO_MUTUAL}}
---
{second}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1}}
"
    );
    let found = run(&bad, &at(1, 30));
    assert_eq!(
        codes(&found),
        [(Code::DuplicateDestinationRule, "spec.host")]
    );
    assert_eq!(found[0].resource, 1);
    assert!(found[0].message.contains("default/echo"));
    // In another namespace they are separate rules.
    let fixed = bad.replacen(
        "name: echo-tls, namespace: default",
        "name: echo-tls, namespace: clients",
        1,
    );
    assert_eq!(codes(&run(&fixed, &at(1, 30))), []);
}

#[test]
fn codes_are_stable_and_documented() {
    let docs = include_str!("../src/analysis.rs");
    for code in Code::ALL {
        assert!(
            docs.contains(&format!("//! | `{}` | {} |", code, code.severity())),
            "{code} is not in the module docs' table"
        );
    }
    assert_eq!(
        Code::FailoverWithoutOutlierDetection.as_str(),
        "failover-without-outlier-detection"
    );
}

#[test]
fn istio_release_parses() {
    assert_eq!(
        "1.5".parse::<IstioRelease>().unwrap(),
        IstioRelease::new(1, 5)
    );
    assert_eq!(
        "1.5.10".parse::<IstioRelease>().unwrap(),
        IstioRelease::new(1, 5)
    );
    assert!("one.five".parse::<IstioRelease>().is_err());
    assert!(IstioRelease::new(1, 30).at_least(1, 7));
}
