//! DestinationRule, ServiceEntry, WorkloadGroup (and WorkloadEntry as a ServiceEntry endpoint):
//! every CRD field round-trips, the reader is strict, and generated values survive YAML and JSON.

use std::collections::BTreeSet;

use istio_types::IstioResource;
use istio_types::networking::{
    ClientTlsSettings, ConnectionPoolSettings, DestinationRule, DestinationRuleSpec, HashKey,
    LbPolicy, LoadBalancerSettings, Location, OutlierDetection, Resolution, ServiceEntry,
    ServiceEntrySpec, ServiceEntryWorkloads, ServicePort, SimpleLb, TcpSettings, TlsMode,
    TrafficPolicy, WorkloadEntrySpec, WorkloadGroup,
};
use istio_types::read::{Document, read_stream};
use serde_json::Value;

/// A load balancer with every field, the algorithm being consistentHash (httpCookie, maglev).
const LB_FULL: &str = "
consistentHash:
  httpCookie:
    name: user
    path: /
    ttl: 0s
    attributes:
    - name: SameSite
      value: Strict
    - name: Secure
  maglev:
    tableSize: 65537
localityLbSetting:
  distribute:
  - from: us-west1/zone1/*
    to:
      us-west1/zone1/*: 80
      us-west1/zone2/*: 20
  failoverPriority:
  - topology.istio.io/network
  enabled: true
warmupDurationSecs: 30s
warmup:
  duration: 60s
  minimumPercent: 10.5
  aggression: 2.0
zoneAwareLbSetting:
  enabled: false
  failover:
  - from: us-east1
    to: us-west1
  failoverPriority:
  - topology.kubernetes.io/zone
  minClusterSize: 3
";

/// The other load-balancer algorithms and hash keys, one DestinationRule each.
const LB_VARIANTS: [&str; 5] = [
    "consistentHash:\n  httpHeaderName: x-user\n  ringHash:\n    minimumRingSize: 1024\n",
    "consistentHash:\n  useSourceIp: false\n  minimumRingSize: 512\n",
    "consistentHash:\n  httpQueryParameterName: user\n",
    "backendUtilization:\n  weightStabilizationPeriod: 10s\n  weightExpirationPeriod: 3m\n  weightUpdatePeriod: 1s\n  errorUtilizationPenaltyPercent: 50\n  metricNamesForComputingUtilization:\n  - named_metrics.foo\n",
    "simple: UNSPECIFIED\nlocalityLbSetting:\n  failover:\n  - from: us-east1\n    to: us-west1\n",
];

/// connectionPool, outlierDetection and tls with every field.
const PARTS: &str = "
connectionPool:
  tcp:
    maxConnections: 100
    connectTimeout: 30ms
    tcpKeepalive:
      probes: 9
      time: 7200s
      interval: 75s
    maxConnectionDuration: 1h
    idleTimeout: 0s
  http:
    http1MaxPendingRequests: 1
    http2MaxRequests: 1000
    maxRequestsPerConnection: 10
    maxRetries: 3
    idleTimeout: 1m
    h2UpgradePolicy: DO_NOT_UPGRADE
    useClientProtocol: false
    maxConcurrentStreams: 100
    http2KeepAlive:
      interval: 10s
      timeout: 5s
outlierDetection:
  consecutiveErrors: 1
  splitExternalLocalOriginErrors: true
  consecutiveLocalOriginFailures: 5
  consecutiveGatewayErrors: 0
  consecutive5xxErrors: 7
  interval: 1s
  baseEjectionTime: 1m
  maxEjectionPercent: 100
  minHealthPercent: 0
  outlierDetectionHttpErrorCodes:
  - 500
  - 503
tls:
  mode: MUTUAL
  clientCertificate: /etc/certs/cert.pem
  privateKey: /etc/certs/key.pem
  caCertificates: /etc/certs/ca.pem
  credentialName: ''
  subjectAltNames:
  - spiffe://cluster.local/ns/a/sa/b
  sni: a.example.com
  insecureSkipVerify: false
  caCrl: /etc/certs/crl.pem
";

fn indent(block: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for l in block.lines().filter(|l| !l.is_empty()) {
        out.push_str(&pad);
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// A traffic policy (at column 0) with `lb` as its load balancer and its port-level one;
/// `full` adds every other field.
fn policy(lb: &str, full: bool) -> String {
    let mut p = format!("loadBalancer:\n{}", indent(lb, 2));
    let mut port = format!(
        "- port:\n    number: 80\n  loadBalancer:\n{}",
        indent(lb, 4)
    );
    if full {
        p.push_str(&indent(PARTS, 0));
        port.push_str(&indent(PARTS, 2));
    }
    p.push_str("portLevelSettings:\n");
    p.push_str(&port);
    if full {
        p.push_str(
            "tunnel:\n  protocol: CONNECT\n  targetHost: proxy.example.com\n  targetPort: 3128\n\
             retryBudget:\n  percent: 25.0\n  minRetryConcurrency: 3\n  budgetInterval: 10s\n",
        );
    } else {
        p.push_str("proxyProtocol:\n  version: V2\n");
    }
    p
}

fn dr_doc(name: &str, lb: &str, full: bool) -> String {
    let pol = policy(lb, full);
    format!(
        "apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: {name}
  namespace: istio
spec:
  host: a.istio.svc.cluster.local
  trafficPolicy:
{policy}  subsets:
  - name: v1
    labels:
      version: v1
    trafficPolicy:
{subset_policy}  exportTo:
  - .
  workloadSelector:
    matchLabels:
      app: a
",
        policy = indent(&pol, 4),
        subset_policy = indent(&pol, 6),
    )
}

/// DestinationRules that together set every field of the CRD.
fn full_drs() -> Vec<String> {
    let mut v = vec![dr_doc("full", LB_FULL, true)];
    for (i, lb) in LB_VARIANTS.iter().enumerate() {
        v.push(dr_doc(&format!("variant-{i}"), lb, false));
    }
    v
}

const FULL_SE: &str = "apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: full
  namespace: istio
spec:
  hosts:
  - a.istio.svc.cluster.local
  addresses:
  - 240.0.0.1
  ports:
  - number: 80
    protocol: http
    name: http
    targetPort: 8080
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - address: 202.28.193.115
    ports:
      http: 15443
    labels:
      cluster: gke
    network: net2
    locality: us-west1/us-west1-b
    weight: 1
    serviceAccount: echo
  exportTo:
  - '*'
  subjectAltNames:
  - spiffe://cluster.local/ns/istio/sa/echo
";

const SELECTOR_SE: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: selected
spec:
  hosts:
  - vm.example.com
  ports:
  - number: 8080
    name: http
    protocol: HTTP
  resolution: STATIC
  workloadSelector:
    labels:
      app: vm
";

const FULL_WG: &str = "apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata:
  name: vms
  namespace: default
spec:
  metadata:
    labels:
      app: vm
    annotations:
      note: x
  template:
    address: 10.0.0.9
    ports:
      http: 8080
    labels:
      version: v1
    network: vm-net
    locality: eu-west/z1
    weight: 2
    serviceAccount: vm
  probe:
    initialDelaySeconds: 5
    timeoutSeconds: 3
    periodSeconds: 4
    successThreshold: 1
    failureThreshold: 3
    httpGet:
      path: /ready
      port: 8080
      host: 127.0.0.1
      scheme: HTTP
      httpHeaders:
      - name: x-probe
        value: '1'
";

/// The other probe methods, one WorkloadGroup each.
fn probe_wgs() -> Vec<String> {
    [
        "tcpSocket:\n      host: 127.0.0.1\n      port: 22",
        "exec:\n      command:\n      - /bin/true",
        "grpc:\n      port: 9090\n      service: health",
    ]
    .iter()
    .map(|m| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: WorkloadGroup\nmetadata:\n  name: p\nspec:\n  template: {{}}\n  probe:\n    {m}\n"
        )
    })
    .collect()
}

fn read_one(text: &str) -> IstioResource {
    let docs = read_stream(text, None);
    assert_eq!(docs.len(), 1);
    match &docs[0].result {
        Ok(Document::Istio(r)) => r.clone(),
        other => panic!("expected an Istio object, got {other:?}\n{text}"),
    }
}

fn read_err(text: &str) -> istio_types::read::ReadError {
    let docs = read_stream(text, None);
    assert_eq!(docs.len(), 1);
    docs[0].result.clone().expect_err("expected a read error")
}

/// parse -> write -> parse gives the same value, writing is stable, and the YAML written
/// equals the input as a JSON tree (nothing dropped, nothing added, explicit defaults kept).
fn assert_round_trip(text: &str) {
    let first = read_one(text);
    let yaml = istio_types::write::to_yaml(&first).unwrap();
    let second = read_one(&yaml);
    assert_eq!(first, second, "value changed through YAML:\n{yaml}");
    assert_eq!(
        istio_types::write::to_yaml(&second).unwrap(),
        yaml,
        "writing is not stable"
    );
    let json = istio_types::write::to_json(&first).unwrap();
    assert_eq!(read_one(&json), first, "value changed through JSON");
    let input: Value = serde_saphyr::from_str(text).unwrap();
    let output: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(
        input, output,
        "written YAML differs from the input:\n{yaml}"
    );
}

#[test]
fn every_document_round_trips() {
    let mut all = full_drs();
    all.extend([
        FULL_SE.to_owned(),
        SELECTOR_SE.to_owned(),
        FULL_WG.to_owned(),
    ]);
    all.extend(probe_wgs());
    for text in &all {
        assert_round_trip(text);
    }
}

#[test]
fn typed_values_are_what_the_yaml_says() {
    let IstioResource::DestinationRule(dr) = read_one(&full_drs()[0]) else {
        panic!()
    };
    let tp = dr.spec.traffic_policy.as_ref().unwrap();
    let Some(LbPolicy::ConsistentHash(ch)) = &tp.load_balancer.as_ref().unwrap().policy else {
        panic!()
    };
    let Some(HashKey::HttpCookie(c)) = &ch.hash_key else {
        panic!()
    };
    assert!(c.ttl.as_ref().unwrap().is_zero());
    assert_eq!(
        tp.connection_pool
            .as_ref()
            .unwrap()
            .tcp
            .as_ref()
            .unwrap()
            .connect_timeout
            .as_ref()
            .unwrap()
            .as_millis(),
        30
    );
    let IstioResource::DestinationRule(v1) = read_one(&full_drs()[2]) else {
        panic!()
    };
    let pls = &v1.spec.traffic_policy.as_ref().unwrap().port_level_settings;
    let Some(LbPolicy::ConsistentHash(src)) = &pls[0].load_balancer.as_ref().unwrap().policy else {
        panic!()
    };
    assert_eq!(src.hash_key, Some(HashKey::UseSourceIp(false)));
    assert_eq!(src.minimum_ring_size, Some(512));
    let IstioResource::ServiceEntry(se) = read_one(FULL_SE) else {
        panic!()
    };
    assert_eq!(se.spec.resolution, Some(Resolution::Static));
    assert_eq!(se.spec.endpoints()[0].ports["http"], 15443);
    assert_eq!(se.spec.ports[0].protocol.as_deref(), Some("http"));
    let IstioResource::ServiceEntry(sel) = read_one(SELECTOR_SE) else {
        panic!()
    };
    assert!(matches!(
        sel.spec.workloads,
        Some(ServiceEntryWorkloads::WorkloadSelector(_))
    ));
}

/// Property paths of a YAML value, normalised like crd_coverage.rs: list items add nothing,
/// values of free-form maps (the CRD's additionalProperties) add `{}`.
fn value_paths(v: &Value, prefix: &str, maps: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            let is_map = maps.contains(prefix);
            for (k, child) in m {
                // A map's keys are data, not fields: only what is inside its values counts.
                let p = match (prefix.is_empty(), is_map) {
                    (_, true) => format!("{prefix}.{{}}"),
                    (true, false) => k.clone(),
                    (false, false) => format!("{prefix}.{k}"),
                };
                if !is_map {
                    out.insert(p.clone());
                }
                value_paths(child, &p, maps, out);
            }
        }
        Value::Array(a) => {
            for item in a {
                value_paths(item, prefix, maps, out);
            }
        }
        _ => {}
    }
}

/// The CRD's spec property paths for `kind`, and which of them are free-form maps.
fn crd_paths(kind: &str) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    fn walk(n: &Value, prefix: &str, paths: &mut BTreeSet<String>, maps: &mut BTreeSet<String>) {
        if let Some(props) = n.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                paths.insert(p.clone());
                walk(v, &p, paths, maps);
            }
        }
        if let Some(items) = n.get("items") {
            walk(items, prefix, paths, maps);
        }
        if let Some(ap) = n.get("additionalProperties").filter(|v| v.is_object()) {
            maps.insert(prefix.to_owned());
            walk(ap, &format!("{prefix}.{{}}"), paths, maps);
        }
    }
    let path = testkit::shared_file("istio-crds/crd-all.gen.yaml")?;
    let text = std::fs::read_to_string(path).unwrap();
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
    let crd = docs
        .iter()
        .find(|d| d["spec"]["names"]["kind"] == kind)
        .unwrap();
    let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
    let (mut paths, mut maps) = (BTreeSet::new(), BTreeSet::new());
    walk(spec, "", &mut paths, &mut maps);
    Some((paths, maps))
}

#[test]
fn the_round_trip_documents_set_every_crd_field() {
    let mut probe = probe_wgs();
    probe.push(FULL_WG.to_owned());
    for (kind, texts) in [
        ("DestinationRule", full_drs()),
        (
            "ServiceEntry",
            vec![FULL_SE.to_owned(), SELECTOR_SE.to_owned()],
        ),
        ("WorkloadGroup", probe),
    ] {
        let Some((crd, maps)) = crd_paths(kind) else {
            return;
        };
        let mut ours = BTreeSet::new();
        for t in &texts {
            let v: Value = serde_saphyr::from_str(t).unwrap();
            value_paths(&v["spec"], "", &maps, &mut ours);
        }
        let missing: Vec<_> = crd.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&crd).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{kind}: fields never set: {missing:?}; fields not in the CRD: {extra:?}"
        );
    }
}

const SMALL_DR: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: a
spec:
  host: a.istio.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1
    loadBalancer:
      simple: ROUND_ROBIN
    tls:
      mode: ISTIO_MUTUAL
";

#[test]
fn unknown_fields_are_errors_at_their_full_path() {
    let e = read_err(&SMALL_DR.replace("maxConnections", "maxConection"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.trafficPolicy.connectionPool.tcp.maxConection")
    );
    assert_eq!(e.location.line, Some(10));
    // Inside a oneof mirror too.
    let e = read_err(&SMALL_DR.replace("simple: ROUND_ROBIN", "simpel: ROUND_ROBIN"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.trafficPolicy.loadBalancer.simpel")
    );
    let e = read_err(&FULL_SE.replace("    serviceAccount: echo", "    serviceAcount: echo"));
    assert_eq!(e.path.as_deref(), Some("spec.endpoints[0].serviceAcount"));
    let e = read_err(&FULL_WG.replace("      scheme: HTTP", "      schema: HTTP"));
    assert_eq!(e.path.as_deref(), Some("spec.probe.httpGet.schema"));
}

#[test]
fn tls_one_level_too_high_is_an_error_naming_spec_tls() {
    let bad = SMALL_DR.replace("    tls:\n      mode", "  tls:\n    mode");
    let e = read_err(&bad);
    assert_eq!(e.path.as_deref(), Some("spec.tls"), "{e}");
}

#[test]
fn unknown_enum_values_are_errors() {
    for (from, to, path) in [
        (
            "simple: ROUND_ROBIN",
            "simple: ROUNDROBIN",
            "spec.trafficPolicy.loadBalancer.simple",
        ),
        (
            "mode: ISTIO_MUTUAL",
            "mode: istio_mutual",
            "spec.trafficPolicy.tls.mode",
        ),
    ] {
        let e = read_err(&SMALL_DR.replace(from, to));
        assert_eq!(e.path.as_deref(), Some(path), "{e}");
        assert!(e.message.contains("unknown variant"), "{e}");
    }
    let e = read_err(&FULL_SE.replace("resolution: STATIC", "resolution: STATICK"));
    assert_eq!(e.path.as_deref(), Some("spec.resolution"), "{e}");
    let e = read_err(&FULL_SE.replace("location: MESH_INTERNAL", "location: INTERNAL"));
    assert_eq!(e.path.as_deref(), Some("spec.location"), "{e}");
}

#[test]
fn both_members_of_a_oneof_are_an_error_at_the_parent() {
    let e = read_err(&SMALL_DR.replace(
        "      simple: ROUND_ROBIN\n",
        "      simple: ROUND_ROBIN\n      consistentHash:\n        useSourceIp: true\n",
    ));
    assert_eq!(e.path.as_deref(), Some("spec.trafficPolicy.loadBalancer"));
    assert!(
        e.message.contains("only one of simple, consistentHash"),
        "{e}"
    );
    let e = read_err(&SMALL_DR.replace(
        "      simple: ROUND_ROBIN\n",
        "      consistentHash:\n        useSourceIp: true\n        httpHeaderName: x\n",
    ));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.trafficPolicy.loadBalancer.consistentHash")
    );
    let e = read_err(&SMALL_DR.replace(
        "      simple: ROUND_ROBIN\n",
        "      consistentHash:\n        ringHash: {}\n        maglev: {}\n",
    ));
    assert!(e.message.contains("only one of ringHash, maglev"), "{e}");
    let e = read_err(&format!(
        "{SELECTOR_SE}  endpoints:\n  - address: 10.0.0.1\n"
    ));
    assert_eq!(e.path.as_deref(), Some("spec"), "{e}");
    assert!(
        e.message
            .contains("only one of endpoints, workloadSelector")
    );
    let e = read_err(&FULL_WG.replace(
        "    httpGet:\n",
        "    tcpSocket:\n      port: 22\n    httpGet:\n",
    ));
    assert_eq!(e.path.as_deref(), Some("spec.probe"), "{e}");
}

#[test]
fn quoted_numbers_and_booleans_are_errors() {
    let e = read_err(&SMALL_DR.replace("maxConnections: 1", "maxConnections: '1'"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.trafficPolicy.connectionPool.tcp.maxConnections")
    );
    assert!(e.message.contains("quoted number"), "{e}");
    let e = read_err(&FULL_SE.replace("number: 80", "number: \"80\""));
    assert_eq!(e.path.as_deref(), Some("spec.ports[0].number"), "{e}");
    let e = read_err(&FULL_SE.replace("http: 15443", "http: '15443'"));
    assert!(
        e.path
            .as_deref()
            .unwrap()
            .starts_with("spec.endpoints[0].ports"),
        "{e}"
    );
    let dr = &full_drs()[0];
    let e = read_err(&dr.replacen("useClientProtocol: false", "useClientProtocol: 'false'", 1));
    assert!(e.message.contains("quoted boolean"), "{e}");
    let e = read_err(&dr.replacen("    - 503", "    - '503'", 1));
    assert!(
        e.path
            .as_deref()
            .unwrap()
            .contains("outlierDetectionHttpErrorCodes"),
        "{e}"
    );
}

#[test]
fn required_fields_are_required() {
    let e = read_err(&SMALL_DR.replace("  host: a.istio.svc.cluster.local\n", ""));
    assert!(e.message.contains("host"), "{e}");
    let e = read_err(&FULL_SE.replace("    name: http\n", ""));
    assert!(e.message.contains("name"), "{e}");
}

#[test]
fn every_served_version_reads_and_converts() {
    let mut dr = read_one(SMALL_DR);
    // The networking versions; v1alpha1 is Telemetry's and WasmPlugin's.
    for v in istio_types::ApiVersion::ALL {
        if v == istio_types::ApiVersion::V1alpha1 {
            assert!(dr.set_api_version(v).is_err());
            continue;
        }
        dr.set_api_version(v).unwrap();
        let yaml = istio_types::write::to_yaml(&dr).unwrap();
        assert!(yaml.starts_with(&format!("apiVersion: networking.istio.io/{v}\n")));
        assert_eq!(read_one(&yaml), dr);
    }
    assert!(
        IstioResource::KINDS
            .iter()
            .any(|(_, k)| *k == "WorkloadGroup")
    );
    let wg: WorkloadGroup = istio_types::read::from_str(FULL_WG).unwrap();
    assert_eq!(wg.spec.template.service_account.as_deref(), Some("vm"));
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn host() -> impl Strategy<Value = String> {
        "[a-z]{1,8}(\\.[a-z]{1,8}){0,3}"
    }

    fn tls() -> impl Strategy<Value = Option<ClientTlsSettings>> {
        proptest::option::of(
            (
                proptest::option::of(prop_oneof![
                    Just(TlsMode::Disable),
                    Just(TlsMode::Simple),
                    Just(TlsMode::Mutual),
                    Just(TlsMode::IstioMutual)
                ]),
                proptest::option::of("[a-z/.]{0,12}"),
                proptest::collection::vec(host(), 0..3),
                proptest::option::of(any::<bool>()),
            )
                .prop_map(|(mode, sni, sans, skip)| ClientTlsSettings {
                    mode,
                    sni,
                    subject_alt_names: sans,
                    insecure_skip_verify: skip,
                    ..Default::default()
                }),
        )
    }

    fn dr() -> impl Strategy<Value = DestinationRule> {
        (
            host(),
            proptest::option::of(0i32..10_000),
            proptest::option::of(1u64..100_000),
            proptest::option::of(prop_oneof![
                Just(SimpleLb::Unspecified),
                Just(SimpleLb::RoundRobin),
                Just(SimpleLb::LeastRequest),
                Just(SimpleLb::Random),
                Just(SimpleLb::Passthrough),
                Just(SimpleLb::LeastConn)
            ]),
            tls(),
            proptest::option::of(0u32..20),
            proptest::collection::vec("[a-z.*~]{1,6}", 0..3),
        )
            .prop_map(|(host, max, ms, simple, tls, c5xx, export_to)| {
                let tcp = (max.is_some() || ms.is_some()).then(|| TcpSettings {
                    max_connections: max,
                    connect_timeout: ms
                        .map(|m| istio_types::primitives::Duration::from_millis(m).unwrap()),
                    ..Default::default()
                });
                DestinationRule::new(
                    "p",
                    "ns",
                    DestinationRuleSpec {
                        host,
                        traffic_policy: Some(TrafficPolicy {
                            connection_pool: tcp.map(|t| ConnectionPoolSettings {
                                tcp: Some(t),
                                http: None,
                            }),
                            load_balancer: simple.map(|s| LoadBalancerSettings {
                                policy: Some(LbPolicy::Simple(s)),
                                ..Default::default()
                            }),
                            outlier_detection: c5xx.map(|c| OutlierDetection {
                                consecutive_5xx_errors: Some(c),
                                ..Default::default()
                            }),
                            tls,
                            ..Default::default()
                        }),
                        export_to,
                        ..Default::default()
                    },
                )
            })
    }

    fn se() -> impl Strategy<Value = ServiceEntry> {
        (
            proptest::collection::vec(host(), 1..3),
            proptest::collection::vec(
                (
                    1u32..65536,
                    "[a-z]{1,5}",
                    proptest::option::of(prop_oneof![Just("http"), Just("TCP"), Just("grpc")]),
                ),
                0..3,
            ),
            proptest::option::of(prop_oneof![
                Just(Resolution::None),
                Just(Resolution::Static),
                Just(Resolution::Dns),
                Just(Resolution::DnsRoundRobin),
                Just(Resolution::DynamicDns)
            ]),
            proptest::option::of(prop_oneof![
                Just(Location::MeshExternal),
                Just(Location::MeshInternal)
            ]),
            proptest::option::of(proptest::collection::vec(
                ("[0-9.]{1,15}", proptest::option::of(1u32..65536)),
                0..3,
            )),
        )
            .prop_map(|(hosts, ports, resolution, location, eps)| {
                let ports = ports
                    .into_iter()
                    .map(|(number, name, proto)| ServicePort {
                        number,
                        name,
                        protocol: proto.map(str::to_owned),
                        target_port: None,
                    })
                    .collect();
                let workloads = eps.map(|eps| {
                    ServiceEntryWorkloads::Endpoints(
                        eps.into_iter()
                            .map(|(address, port)| WorkloadEntrySpec {
                                address: Some(address),
                                ports: port.map(|p| ("http".to_owned(), p)).into_iter().collect(),
                                ..Default::default()
                            })
                            .collect(),
                    )
                });
                ServiceEntry::new(
                    "p",
                    "ns",
                    ServiceEntrySpec {
                        hosts,
                        ports,
                        resolution,
                        location,
                        workloads,
                        ..Default::default()
                    },
                )
            })
    }

    proptest! {
        #[test]
        fn prop_destination_rules_round_trip(dr in dr()) {
            let r = IstioResource::from(dr);
            let yaml = istio_types::write::to_yaml(&r).unwrap();
            prop_assert_eq!(read_one(&yaml), r.clone());
            let json = istio_types::write::to_json(&r).unwrap();
            prop_assert_eq!(read_one(&json), r);
        }

        #[test]
        fn prop_service_entries_round_trip(se in se()) {
            let r = IstioResource::from(se);
            let yaml = istio_types::write::to_yaml(&r).unwrap();
            prop_assert_eq!(read_one(&yaml), r.clone());
            let json = istio_types::write::to_json(&r).unwrap();
            prop_assert_eq!(read_one(&json), r);
        }
    }
}

/// `ports: {}` beside a `unix://` address: the CRD's rule is `!has(self.ports)`, so the API
/// server refuses even the empty map, and once read an empty map cannot be told from none.
/// The reader refuses it at the endpoint; without `ports`, or with an IP address, it reads.
/// (Found by the schema fuzz target's listing of the CRD rules webhook-clean objects break.)
#[test]
fn empty_ports_beside_a_unix_address_are_a_read_error() {
    let cases = [
        (
            "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: vm}\n\
             spec:\n  address: unix:///var/run/app.sock\n  ports: {}\n",
            "spec",
        ),
        (
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se}\n\
             spec:\n  hosts: [app.example.com]\n  ports: [{number: 80, name: http}]\n  \
             resolution: STATIC\n  endpoints:\n  - address: 10.0.0.1\n  \
             - address: unix:///var/run/app.sock\n    ports: {}\n",
            "spec.endpoints[1]",
        ),
        (
            "apiVersion: networking.istio.io/v1\nkind: WorkloadGroup\nmetadata: {name: wg}\n\
             spec:\n  template:\n    address: unix:///var/run/app.sock\n    ports: {}\n",
            "spec.template",
        ),
    ];
    let crds = testkit::CrdSet::istio();
    for (text, path) in cases {
        let e = read_err(text);
        assert_eq!(e.path.as_deref(), Some(path), "{e}");
        assert!(e.message.contains("unix://"), "{e}");
        let fixed = text.replace("ports: {}\n", "labels: {app: a}\n");
        let fixed_ip = text.replace("unix:///var/run/app.sock", "10.0.0.2");
        for ok in [&fixed, &fixed_ip] {
            let doc = read_one(ok);
            assert!(!doc.validate().has_errors(), "{ok}");
        }
        // The API server agrees: the object as written is refused, without ports accepted.
        if let Some(crds) = crds {
            let as_json = |t: &str| -> Value { serde_saphyr::from_str(t).unwrap() };
            assert!(!crds.check(&as_json(text)).is_empty(), "{text}");
            assert!(crds.check(&as_json(&fixed)).is_empty(), "{fixed}");
        }
    }
}
