//! `fedctl validate`: one bad document per rule, run through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const FEDCTL: &str = env!("CARGO_BIN_EXE_fedctl");

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `text` to a fresh file under the target dir and returns its path.
fn write_doc(text: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fedctl-validate");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "doc-{}-{}.yaml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn fedctl(args: &[&str]) -> Output {
    Command::new(FEDCTL)
        .args(args)
        .output()
        .expect("fedctl runs")
}

/// Runs `fedctl validate --output json` on `text`: (exit code, diagnostics).
fn validate_json(text: &str) -> (i32, Vec<Value>) {
    let path = write_doc(text);
    let out = fedctl(&["validate", path.to_str().unwrap(), "--output", "json"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let diagnostics: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        diagnostics.as_array().unwrap().clone(),
    )
}

#[derive(Clone, Copy)]
enum Base {
    Apan,
    Liqo,
    /// The replacement is the whole document.
    Whole,
}

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Error,
    Warning,
}

struct Case {
    rule: &'static str,
    base: Base,
    from: &'static str,
    to: &'static str,
    path: &'static str,
    message: &'static str,
    expect: Expect,
}

const fn case(
    rule: &'static str,
    base: Base,
    from: &'static str,
    to: &'static str,
    path: &'static str,
    message: &'static str,
) -> Case {
    Case {
        rule,
        base,
        from,
        to,
        path,
        message,
        expect: Expect::Error,
    }
}

const fn warn(
    rule: &'static str,
    base: Base,
    from: &'static str,
    to: &'static str,
    path: &'static str,
    message: &'static str,
) -> Case {
    Case {
        rule,
        base,
        from,
        to,
        path,
        message,
        expect: Expect::Warning,
    }
}

const ONE_PEER: &str = "\
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: solo}
spec:
  topology:
    peerToPeer:
      peers:
        - {name: tein, locality: asia-southeast1, gateway: {address: 202.28.193.112}}
  services: []
";

const NO_PROVIDERS: &str = "\
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: lonely}
spec:
  topology:
    consumerProvider:
      consumer: {name: consumer, locality: eu-west/consumer}
      providers: []
";

const NO_TOPOLOGY: &str = "\
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: nothing}
spec: {}
";

const NO_THRESHOLDS: &str = "\
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: loose}
spec:
  topology:
    peerToPeer:
      peers:
        - {name: a, locality: r1/z1, gateway: {address: 10.0.0.1}}
        - {name: b, locality: r2/z2, gateway: {address: 10.0.0.2}}
  services:
    - name: web
      ports: [{name: http, number: 80, protocol: HTTP}]
      overflow: [{from: a, to: [b]}]
";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Document shape.
    case("apiVersion", Base::Apan, "apiVersion: meshfed.io/v1alpha1", "apiVersion: meshfed.io/v2", "apiVersion", r#""meshfed.io/v2" is not supported; allowed: meshfed.io/v1alpha1"#),
    case("kind", Base::Apan, "kind: Federation", "kind: Federashun", "kind", r#""Federashun" is not supported; allowed: Federation"#),
    case("metadata.name is a label", Base::Apan, "name: apan-demo", "name: APAN", "metadata.name", r#""APAN" is not a valid DNS-1123 label: uppercase letter 'A' at position 1"#),
    case("unknown top-level key", Base::Apan, "kind: Federation\n", "kind: Federation\nstatus: {}\n", "status", r#"unknown field "status"; allowed here: apiVersion, kind, metadata, spec"#),
    case("unknown nested key", Base::Apan, "locality: asia-southeast1/tein-a", "localty: asia-southeast1/tein-a", "spec.topology.peerToPeer.peers[0].localty", r#"unknown field "localty""#),
    case("YAML syntax", Base::Apan, "kind: Federation", "kind: [Federation", "", "not valid YAML"),
    case("duplicate YAML key", Base::Apan, "kind: Federation\n", "kind: Federation\nkind: Federation\n", "", "duplicate"),
    case("one document per file", Base::Apan, "kind: Federation\n", "kind: Federation\n---\nkind: Federation\n", "", "more than one YAML document"),
    case("empty document", Base::Whole, "", "", "", "the document is empty"),
    // Istio release.
    case("version must be quoted", Base::Apan, r#"version: "1.5""#, "version: 1.10", "spec.istio.version", "write the version as a quoted string such as \"1.5\", not the number 1.1"),
    case("version in range", Base::Apan, r#"version: "1.5""#, r#"version: "1.4""#, "spec.istio.version", "Istio 1.4 is not supported (supported: 1.5 to 1.32)"),
    case("version MAJOR.MINOR", Base::Apan, r#"version: "1.5""#, r#"version: "1.5.10""#, "spec.istio.version", "names a patch release; write only MAJOR.MINOR (\"1.5\")"),
    case("version format", Base::Apan, r#"version: "1.5""#, r#"version: "latest""#, "spec.istio.version", r#""latest" is not a MAJOR.MINOR version"#),
    case("apiVersion served by the release", Base::Apan, "version: \"1.5\"", "version: \"1.5\"\n    apiVersion: v1", "spec.istio.apiVersion", "networking.istio.io/v1 is served from Istio 1.22; Istio 1.5 serves v1alpha3 and v1beta1"),
    case("apiVersion known", Base::Apan, "version: \"1.5\"", "version: \"1.5\"\n    apiVersion: v2", "spec.istio.apiVersion", r#""v2" is not allowed; allowed: v1alpha3, v1beta1, v1"#),
    // Mesh.
    case("clusterDomain is a domain", Base::Apan, "clusterDomain: cluster.local", "clusterDomain: Cluster_Local", "spec.mesh.clusterDomain", r#""Cluster_Local" is not a DNS domain"#),
    case("ca.dir exists", Base::Apan, "clusterDomain: cluster.local\n", "clusterDomain: cluster.local\n    ca: {dir: ./no-such-certs}\n", "spec.mesh.ca.dir", "is not a directory; run `fedctl certs FILE -o DIR`"),
    // Topology.
    case("exactly one topology", Base::Whole, "", NO_TOPOLOGY, "spec.topology", "a topology is required: exactly one of peerToPeer or consumerProvider"),
    case("not both topologies", Base::Apan, "  topology:\n", "  topology:\n    consumerProvider: {consumer: {name: c, locality: a/b}, providers: [{name: p, locality: a/c}]}\n", "spec.topology", "give exactly one of peerToPeer or consumerProvider, not both"),
    case("at least 2 peers", Base::Whole, "", ONE_PEER, "spec.topology.peerToPeer.peers", "a peerToPeer federation needs at least 2 peers, found 1"),
    case("peer names unique", Base::Apan, "- name: gke ", "- name: tein", "spec.topology.peerToPeer.peers[1].name", r#"cluster name "tein" is used twice"#),
    case("peer name is a label", Base::Apan, "- name: gke ", "- name: gke_2", "spec.topology.peerToPeer.peers[1].name", r#""gke_2" is not a valid DNS-1123 label: character '_' at position 4 is not allowed"#),
    case("contexts unique", Base::Apan, "context: gke", "context: tein", "spec.topology.peerToPeer.peers[1].context", r#"context "tein" is also used by cluster "tein""#),
    case("locality has no wildcard", Base::Apan, "us-west1/us-west1-b", "us-west1/*", "spec.topology.peerToPeer.peers[1].locality", "is a wildcard"),
    case("locality has no empty segment", Base::Apan, "asia-southeast1/tein-a", "asia-southeast1//tein-a", "spec.topology.peerToPeer.peers[0].locality", "the zone is empty"),
    case("gateway address is an IP", Base::Apan, "202.28.193.115", "202.28.193.300", "spec.topology.peerToPeer.peers[1].gateway.address", r#""202.28.193.300" is not an IP address"#),
    case("overflow target needs an IP gateway", Base::Apan, "202.28.193.115", "gke-gw.example.com", "spec.services[0].overflow[0].to[0]", "an overflow target needs an IP: Istio only merges static IP endpoints into the service, a DNS name becomes a separate DNS cluster and nothing spills over"),
    case("gateway port in range", Base::Apan, "port: 15443", "port: 0", "spec.topology.peerToPeer.peers[0].gateway.port", "port 0 is out of range; allowed: 1 to 65535"),
    case("numbers are not quoted", Base::Apan, "port: 15443", "port: '15443'", "spec.topology.peerToPeer.peers[0].gateway.port", "expected a whole number, got string \"15443\" (write numbers without quotes)"),
    case("gateway selector not empty", Base::Apan, "port: 15443", "port: 15443\n            selector: {}", "spec.topology.peerToPeer.peers[0].gateway.selector", "an empty selector selects every pod"),
    // Services.
    case("service name is a label", Base::Apan, "- name: echo", "- name: Echo", "spec.services[0].name", "is not a valid DNS-1123 label"),
    case("namespace is a label", Base::Apan, "namespace: default", "namespace: my_ns", "spec.services[0].namespace", r#""my_ns" is not a valid DNS-1123 label"#),
    case("services unique", Base::Apan, "\n  services:\n", "\n  services:\n    - {name: echo, ports: [{name: http, number: 80, protocol: HTTP}], runsIn: [tein]}\n", "spec.services[1].name", r#"service "echo" in namespace "default" is already defined by spec.services[0]"#),
    case("at least one port", Base::Apan, "      ports:\n        - {name: http, number: 80, protocol: HTTP, targetPort: 80}", "      ports: []", "spec.services[0].ports", "a service needs at least one port"),
    case("port name is an Istio port name", Base::Apan, "{name: http,", "{name: HTTP_1,", "spec.services[0].ports[0].name", r#""HTTP_1" is not a valid port name"#),
    case("port number in range", Base::Apan, "number: 80,", "number: 70000,", "spec.services[0].ports[0].number", "port 70000 is out of range; allowed: 1 to 65535"),
    case("protocol is Istio's", Base::Apan, "protocol: HTTP,", "protocol: QUIC,", "spec.services[0].ports[0].protocol", r#""QUIC" is not a protocol Istio knows; allowed (any case): HTTP, HTTPS, GRPC, GRPC-Web, HTTP2, HTTP_PROXY, Mongo, MySQL, Redis, TCP, TLS, UDP"#),
    case("port names unique", Base::Apan, "targetPort: 80}\n", "targetPort: 80}\n        - {name: http, number: 81, protocol: HTTP}\n", "spec.services[0].ports[1].name", r#"port name "http" is already used by ports[0]"#),
    case("port numbers unique", Base::Apan, "targetPort: 80}\n", "targetPort: 80}\n        - {name: http2, number: 80, protocol: HTTP2}\n", "spec.services[0].ports[1].number", "port 80 is already used by ports[0]"),
    case("targetPort in range", Base::Apan, "targetPort: 80}", "targetPort: 0}", "spec.services[0].ports[0].targetPort", "port 0 is out of range"),
    case("runsIn clusters exist", Base::Apan, "runsIn: [tein, gke]", "runsIn: [tein, gke2]", "spec.services[0].runsIn[1]", r#"cluster "gke2" is not defined (defined: tein, gke)"#),
    case("runsIn not empty", Base::Apan, "runsIn: [tein, gke]", "runsIn: []", "spec.services[0].runsIn", "the service runs nowhere"),
    case("runsIn without duplicates", Base::Apan, "runsIn: [tein, gke]", "runsIn: [tein, tein, gke]", "spec.services[0].runsIn[1]", r#"cluster "tein" is listed twice"#),
    case("selector labels valid", Base::Apan, "      runsIn:", "      selector: {app: 'bad value!'}\n      runsIn:", "spec.services[0].selector.app", r#"label value "bad value!" is not valid"#),
    case("serviceAccount valid", Base::Apan, "      runsIn:", "      serviceAccount: Bad_SA\n      runsIn:", "spec.services[0].serviceAccount", r#""Bad_SA" is not a valid service account name"#),
    case("image required", Base::Apan, "image: ealen/echo-server:0.9.2", "image: ''", "spec.services[0].workload.image", "the container image is required"),
    case("maxReplicas >= minReplicas", Base::Apan, "replicas: 1\n", "replicas: 1\n        autoscaling: {minReplicas: 3, maxReplicas: 2}\n", "spec.services[0].workload.autoscaling.maxReplicas", "2 is less than minReplicas (3)"),
    case("ingress path is a prefix", Base::Apan, "path: /echo", "path: echo", "spec.services[0].ingress.path", r#""echo" is not a URI path prefix"#),
    case("ingress paths unique", Base::Apan, "\n  services:\n", "\n  services:\n    - {name: other, ports: [{name: http, number: 80, protocol: HTTP}], ingress: {path: /echo}}\n", "spec.services[1].ingress.path", r#"path "/echo" is already routed to spec.services[0]"#),
    // Overflow (peerToPeer).
    case("overflow.to clusters exist", Base::Apan, "to: [gke]", "to: [gke2]", "spec.services[0].overflow[0].to[0]", r#"cluster "gke2" is not defined (defined: tein, gke)"#),
    case("overflow.from cluster exists", Base::Apan, "from: tein", "from: teen", "spec.services[0].overflow[0].from", r#"cluster "teen" is not defined (defined: tein, gke)"#),
    case("from not in its own to", Base::Apan, "to: [gke]", "to: [tein]", "spec.services[0].overflow[0].to[0]", r#""tein" is the rule's own from; a peer cannot overflow to itself"#),
    case("to clusters run the service", Base::Apan, "runsIn: [tein, gke]", "runsIn: [tein]", "spec.services[0].overflow[0].to[0]", r#""echo" does not run in "gke": its gateway would have nothing to route the overflow to"#),
    case("from cluster runs the service", Base::Apan, "runsIn: [tein, gke]", "runsIn: [gke]", "spec.services[0].overflow[0].from", r#""echo" does not run in "tein""#),
    case("one overflow rule per from", Base::Apan, "      overflow:\n", "      overflow:\n        - {from: tein, to: [gke], thresholds: {maxConnections: 1, consecutiveErrors: 1}}\n", "spec.services[0].overflow[1].from", r#"there is already an overflow rule from "tein" for this service"#),
    case("service thresholds only in consumerProvider", Base::Apan, "      runsIn:", "      thresholds: {consecutiveErrors: 1}\n      runsIn:", "spec.services[0].thresholds", "service-level thresholds are for consumerProvider"),
    case("durations have ms precision", Base::Apan, "interval: 1s", "interval: 1500us", "spec.services[0].overflow[0].thresholds.interval", r#""1500us" is not a valid duration: only millisecond precision is supported"#),
    case("durations have units", Base::Apan, "baseEjectionTime: 1m", "baseEjectionTime: '60'", "spec.services[0].overflow[0].thresholds.baseEjectionTime", r#""60" is not a valid duration: missing unit after 60"#),
    case("durations at least 1ms", Base::Apan, "interval: 1s", "interval: 0s", "spec.services[0].overflow[0].thresholds.interval", "it is shorter than 1ms"),
    case("maxEjectionPercent <= 100", Base::Apan, "maxEjectionPercent: 100", "maxEjectionPercent: 101", "spec.services[0].overflow[0].thresholds.maxEjectionPercent", "101 is not a percentage; allowed: 0 to 100"),
    case("counts >= 0", Base::Apan, "maxConnections: 1", "maxConnections: -1", "spec.services[0].overflow[0].thresholds.maxConnections", "-1 is negative; allowed: 0 or more"),
    case("counts fit Istio's int32", Base::Apan, "maxConnections: 1", "maxConnections: 3000000000", "spec.services[0].overflow[0].thresholds.maxConnections", "3000000000 is too large; allowed: 0 to 2147483647"),
    // consumerProvider (LIQO).
    case("at least 1 provider", Base::Whole, "", NO_PROVIDERS, "spec.topology.consumerProvider.providers", "a consumerProvider federation needs at least 1 provider"),
    case("provider locality has a zone", Base::Liqo, "locality: eu-west/provider1", "locality: eu-west", "spec.topology.consumerProvider.providers[0].locality", r#""eu-west" has no zone; a LIQO cluster needs region/zone"#),
    case("consumer locality has a zone", Base::Liqo, "locality: eu-west/consumer", "locality: eu-west", "spec.topology.consumerProvider.consumer.locality", "has no zone"),
    case("zones differ", Base::Liqo, "locality: eu-west/provider1", "locality: eu-west/consumer", "spec.topology.consumerProvider.providers[0].locality", r#"zone "consumer" is also the zone of cluster "consumer""#),
    case("overflow only in peerToPeer", Base::Liqo, "      ingress:", "      overflow: [{from: consumer, to: [provider1]}]\n      ingress:", "spec.services[0].overflow", "overflow rules are for peerToPeer"),
    case("quantities valid", Base::Liqo, "memory: 20Gi", "memory: 20GB", "spec.topology.consumerProvider.providers[0].resources.memory", r#""20GB" is not a Kubernetes quantity"#),
    case("no gateway in LIQO clusters", Base::Liqo, "context: provider1\n", "context: provider1\n          gateway: {address: 10.0.0.1}\n", "spec.topology.consumerProvider.providers[0].gateway", r#"unknown field "gateway""#),
    // Warnings: valid, but cannot do what they look like.
    warn("overflow without thresholds", Base::Whole, "", NO_THRESHOLDS, "spec.services[0].overflow[0]", "no thresholds: nothing ever ejects the local endpoints, so traffic never overflows"),
    warn("maxEjectionPercent 0", Base::Apan, "maxEjectionPercent: 100", "maxEjectionPercent: 0", "spec.services[0].overflow[0].thresholds.maxEjectionPercent", "Istio passes only values above 0 to Envoy"),
    warn("consecutiveErrors 0", Base::Apan, "consecutiveErrors: 1", "consecutiveErrors: 0", "spec.services[0].overflow[0].thresholds.consecutiveErrors", "0 turns error-based ejection off"),
    warn("target in the same locality", Base::Apan, "us-west1/us-west1-b", "asia-southeast1/tein-a", "spec.services[0].overflow[0].to[0]", "has the same locality as \"tein\""),
    warn("autoscaling without a CPU request", Base::Apan, "replicas: 1\n", "replicas: 1\n        autoscaling: {maxReplicas: 3}\n", "spec.services[0].workload.autoscaling", "needs a CPU request"),
    warn("LIQO service only on providers", Base::Liqo, "runsIn: [consumer, provider1]", "runsIn: [provider1]", "spec.services[0].runsIn", "the service runs only on providers"),
    warn("LIQO service without thresholds", Base::Liqo, "      thresholds: {consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}\n", "", "spec.services[0]", "no thresholds: the DestinationRule gets no outlierDetection"),
];

fn document(case: &Case) -> String {
    let base = match case.base {
        Base::Apan => example("apan.yaml"),
        Base::Liqo => example("liqo.yaml"),
        Base::Whole => return case.to.to_owned(),
    };
    assert!(
        base.contains(case.from),
        "{}: the example no longer contains {:?}",
        case.rule,
        case.from
    );
    base.replacen(case.from, case.to, 1)
}

#[test]
fn every_rule_has_its_diagnostic() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let mut failures = Vec::new();
    for case in CASES {
        let (code, diagnostics) = validate_json(&document(case));
        let severity = if case.expect == Expect::Error {
            "error"
        } else {
            "warning"
        };
        let want_code = i32::from(case.expect == Expect::Error);
        let found = diagnostics.iter().any(|d| {
            d["severity"] == severity
                && d["path"] == case.path
                && d["message"].as_str().unwrap().contains(case.message)
        });
        if code != want_code || !found {
            failures.push(format!(
                "{}: exit {code} (want {want_code}), want {severity} at {:?} containing {:?}; got:\n{}",
                case.rule,
                case.path,
                case.message,
                serde_json::to_string_pretty(&diagnostics).unwrap()
            ));
        }
        for d in &diagnostics {
            if d["severity"] == "error" {
                assert!(
                    d["line"].is_u64(),
                    "{}: every error has a line: {d}",
                    case.rule
                );
            }
            assert_eq!(d["kind"], "Federation");
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_examples_are_valid() {
    let (code, diagnostics) = validate_json(&example("liqo.yaml"));
    assert_eq!(
        (code, diagnostics.len()),
        (0, 0),
        "liqo.yaml: {diagnostics:?}"
    );
    // apan.yaml leaves mesh.ca commented out: valid, with the analyzers' one warning that
    // overflow between peers without a shared root CA fails mTLS.
    let (code, diagnostics) = validate_json(&example("apan.yaml"));
    assert_eq!(code, 0);
    let codes: Vec<(&str, &str)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or(""),
                d["path"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [("istio-mutual-without-shared-ca", "spec.mesh.ca")],
        "{diagnostics:?}"
    );
}

#[test]
fn many_mistakes_are_reported_in_one_run() {
    let text = example("apan.yaml")
        .replacen("name: apan-demo", "name: Apan Demo", 1)
        .replacen(r#"version: "1.5""#, "version: 1.10", 1)
        .replacen(
            "locality: asia-southeast1/tein-a",
            "localty: asia-southeast1/tein-a",
            1,
        )
        .replacen("202.28.193.115", "202.28.193.300", 1)
        .replacen("protocol: HTTP,", "protocol: QUIC,", 1)
        .replacen("runsIn: [tein, gke]", "runsIn: [tein, gke, aws]", 1)
        .replacen("to: [gke]", "to: [gke, gke2]", 1)
        .replacen("interval: 1s", "interval: 1500us", 1)
        .replacen("maxEjectionPercent: 100", "maxEjectionPercent: 250", 1)
        .replacen("maxConnections: 1", "maxConnections: '1'", 1);
    let (code, diagnostics) = validate_json(&text);
    assert_eq!(code, 1);
    let paths: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    for want in [
        "metadata.name",
        "spec.istio.version",
        "spec.topology.peerToPeer.peers[0].localty",
        "spec.topology.peerToPeer.peers[1].gateway.address",
        "spec.services[0].ports[0].protocol",
        "spec.services[0].runsIn[2]",
        "spec.services[0].overflow[0].to[1]",
        "spec.services[0].overflow[0].thresholds.interval",
        "spec.services[0].overflow[0].thresholds.maxEjectionPercent",
        "spec.services[0].overflow[0].thresholds.maxConnections",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:#?}");
    }
}

#[test]
fn json_output_has_the_contract_fields() {
    let text = example("apan.yaml").replacen("to: [gke]", "to: [gke2]", 1);
    let path = write_doc(&text);
    let out = fedctl(&["validate", path.to_str().unwrap(), "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let diagnostics: Value = serde_json::from_slice(&out.stdout).unwrap();
    let line = text.lines().position(|l| l.contains("to: [gke2]")).unwrap() + 1;
    assert_eq!(
        diagnostics,
        serde_json::json!([{
            "severity": "error",
            "message": "cluster \"gke2\" is not defined (defined: tein, gke)",
            "path": "spec.services[0].overflow[0].to[0]",
            "kind": "Federation",
            "name": "apan-demo",
            "file": path.to_str().unwrap(),
            "line": line,
        }])
    );
}

#[test]
fn human_output_is_one_line_per_problem() {
    let text = example("apan.yaml")
        .replacen("to: [gke]", "to: [gke2]", 1)
        .replacen("maxEjectionPercent: 100", "maxEjectionPercent: 0", 1);
    let path = write_doc(&text);
    let out = fedctl(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let to_line = text.lines().position(|l| l.contains("to: [gke2]")).unwrap() + 1;
    let pct_line = text
        .lines()
        .position(|l| l.contains("maxEjectionPercent: 0"))
        .unwrap()
        + 1;
    let file = path.display();
    assert_eq!(
        stdout,
        format!(
            "{file}:{to_line}: error: spec.services[0].overflow[0].to[0]: cluster \"gke2\" is not defined (defined: tein, gke)\n\
             {file}:{pct_line}: warning: spec.services[0].overflow[0].thresholds.maxEjectionPercent: Istio passes only values above 0 to Envoy, so 0 leaves Envoy's default of 10%: one endpoint at a time can still be ejected, but not all of a locality's endpoints, so traffic may never fail over; write the percentage you mean (100 lets every local endpoint be ejected)\n"
        )
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("invalid (1 error, 1 warning)"), "{stderr}");
}

#[test]
fn warnings_alone_exit_zero() {
    let text = example("apan.yaml").replacen("maxEjectionPercent: 100", "maxEjectionPercent: 0", 1);
    let (code, diagnostics) = validate_json(&text);
    assert_eq!(code, 0);
    // The model's warning, then the analyzers' (no shared CA): all warnings. Istio reads 0
    // as unset, Envoy's 10%, which on Istio 1.5 (Envoy 1.13) still lets the first host go:
    // with one local pod and one remote gateway that is enough, so no ejection finding.
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        codes,
        ["-", "istio-mutual-without-shared-ca"],
        "{diagnostics:?}"
    );
    assert!(diagnostics.iter().all(|d| d["severity"] == "warning"));
}

#[test]
fn usage_and_io_errors_exit_two() {
    let out = fedctl(&["validate", "/no/such/file.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/file.yaml"));
    assert_eq!(fedctl(&["validate"]).status.code(), Some(2));
    assert_eq!(
        fedctl(&["validate", "x", "--output", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(fedctl(&["no-such-verb"]).status.code(), Some(2));
}

#[test]
fn stdin_is_read_with_a_dash() {
    use std::io::Write;
    let mut child = Command::new(FEDCTL)
        .args(["validate", "-", "--output", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(example("liqo.yaml").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );
}

/// 16 peers, 40 services overflowing between them, no shared CA: 40 DestinationRules in 16
/// clusters draw the same warning from the same field (`spec.mesh.ca`). It is one problem:
/// one line with the count and the first object, one JSON entry listing all 40.
#[test]
fn a_finding_about_many_objects_is_reported_once_with_their_count() {
    let path = write_doc(&testkit::bench::peer_to_peer(40));
    let out = fedctl(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let ca: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("[istio-mutual-without-shared-ca]"))
        .collect();
    assert_eq!(ca.len(), 1, "{stdout}");
    assert!(
        ca[0].ends_with(
            "(40 DestinationRules in 16 clusters; the first: cluster p0: DestinationRule ns0/svc0 spec.trafficPolicy.tls.mode)"
        ),
        "{}",
        ca[0]
    );
    // No other finding repeats either: each code is reported once per document field.
    // `file:line: warning[code]: path: message`: the first three parts say where and what.
    let mut places: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.splitn(4, ": ").take(3).collect())
        .collect();
    let all = places.len();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), all, "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("valid (0 errors, {all} warning")),
        "{stderr}"
    );

    let (code, diagnostics) = validate_json(&testkit::bench::peer_to_peer(40));
    assert_eq!(code, 0);
    let ca: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "istio-mutual-without-shared-ca")
        .collect();
    assert_eq!(ca.len(), 1, "{diagnostics:?}");
    let d = ca[0];
    assert_eq!(d["path"], "spec.mesh.ca");
    assert_eq!(
        (&d["kind"], &d["name"]),
        (&Value::from("Federation"), &Value::from("bench"))
    );
    assert_eq!(d["count"], 40);
    let objects = d["objects"].as_array().unwrap();
    let mut names: Vec<&str> = objects
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 40);
    assert!(objects.iter().all(|o| o["kind"] == "DestinationRule"
        && o["path"] == "spec.trafficPolicy.tls.mode"
        && o["cluster"].as_str().is_some_and(|c| c.starts_with('p'))));
    assert_eq!(objects[0]["cluster"], "p0");
    assert_eq!(objects[0]["namespace"], "ns0");
}
