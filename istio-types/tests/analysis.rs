//! One test per analyzer: a minimal set that triggers it, and the fixed set that does not.

use istio_types::IstioResource;
use istio_types::analysis::{
    AnalysisContext, AnalysisFinding, Code, IstioRelease, KnownPort, KnownService, analyze,
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
fn max_ejection_percent_too_low() {
    let ctx = AnalysisContext {
        services: vec![echo_service()],
        services_complete: true,
        ..at(1, 30)
    };
    // Unset: Envoy's 10%. The host has an endpoint in another locality.
    let unset = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1}}
{OVERFLOW_WE}"
    );
    let found = run(&unset, &ctx);
    assert_eq!(
        codes(&found),
        [(
            Code::MaxEjectionPercentTooLow,
            "spec.trafficPolicy.outlierDetection"
        )]
    );
    assert!(found[0].message.contains("10%"), "{}", found[0].message);

    let fifty = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 50}}
{OVERFLOW_WE}"
    );
    assert_eq!(
        codes(&run(&fifty, &ctx)),
        [(
            Code::MaxEjectionPercentTooLow,
            "spec.trafficPolicy.outlierDetection.maxEjectionPercent"
        )]
    );

    // Without endpoints elsewhere and without failover, a low limit is a sane safety net.
    let local_only = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 50}}
"
    );
    assert_eq!(codes(&run(&local_only, &ctx)), []);

    let fixed = format!(
        "{DR_HEAD}  trafficPolicy:
    outlierDetection: {{consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}
{OVERFLOW_WE}"
    );
    assert_eq!(codes(&run(&fixed, &ctx)), []);
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
