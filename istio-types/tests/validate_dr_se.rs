//! Istio's admission rules for DestinationRule, ServiceEntry, WorkloadEntry and WorkloadGroup,
//! one table row per rule: (name, document, verdict, path). Each row cites the Istio function
//! (istio/istio pkg/config/validation/validation.go, agent/validation.go) or the CRD rule it
//! comes from. A document the strict reader already rejects is an error at the reader's path
//! (e.g. a duration below 1ms cannot even be read).

use istio_types::read::{Document, read_stream};

#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// No errors, no warnings.
    Valid,
    /// An error at this path (whose message contains the text, when not empty).
    Error(&'static str, &'static str),
    /// No errors, and a warning at this path.
    Warning(&'static str),
}
use Verdict::{Error, Valid, Warning};

fn ind(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str(&pad);
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn obj(kind: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata:\n  name: t\n  namespace: ns\nspec:\n{}",
        ind(spec, 2)
    )
}

/// A DestinationRule for `a.ns.svc.cluster.local` with this trafficPolicy.
fn dr(policy: &str) -> String {
    obj(
        "DestinationRule",
        &format!(
            "host: a.ns.svc.cluster.local\ntrafficPolicy:\n{}",
            ind(policy, 2)
        ),
    )
}

fn dr_spec(spec: &str) -> String {
    obj("DestinationRule", spec)
}

/// A DestinationRule whose loadBalancer is this.
fn lb(lb: &str) -> String {
    dr(&format!("loadBalancer:\n{}", ind(lb, 2)))
}

fn se(spec: &str) -> String {
    obj("ServiceEntry", spec)
}

/// A ServiceEntry for gw.example.com port 80 (http) with this resolution and tail.
fn se_res(resolution: &str, tail: &str) -> String {
    se(&format!(
        "hosts:\n- gw.example.com\nports:\n- number: 80\n  name: http\n  protocol: HTTP\nresolution: {resolution}\n{tail}"
    ))
}

fn we(spec: &str) -> String {
    obj("WorkloadEntry", spec)
}

fn wg(spec: &str) -> String {
    obj("WorkloadGroup", spec)
}

fn wg_probe(probe: &str) -> String {
    wg(&format!(
        "template:\n  serviceAccount: vm\nprobe:\n{}",
        ind(probe, 2)
    ))
}

const OUTLIER: &str = "outlierDetection:\n  consecutive5xxErrors: 5\n";

#[allow(clippy::too_many_lines, reason = "a table")]
fn cases() -> Vec<(&'static str, String, Verdict)> {
    vec![
        // ---------- DestinationRule ----------
        // ValidateDestinationRule: a plain mTLS rule.
        (
            "dr minimal istio mutual",
            dr("tls:\n  mode: ISTIO_MUTUAL"),
            Valid,
        ),
        // validateOutlierDetection: consecutiveErrors is deprecated -> warning.
        (
            "dr seed 001 policy",
            dr(
                "connectionPool:\n  tcp:\n    maxConnections: 1\n  http:\n    http2MaxRequests: 1\n    maxRequestsPerConnection: 1\n    http1MaxPendingRequests: 1\noutlierDetection:\n  consecutiveErrors: 1\n  interval: 1s\n  baseEjectionTime: 1m\n  maxEjectionPercent: 100\ntls:\n  mode: ISTIO_MUTUAL",
            ),
            Warning("spec.trafficPolicy.outlierDetection.consecutiveErrors"),
        ),
        // agent.ValidateWildcardDomain(rule.Host)
        (
            "dr host underscore",
            dr_spec("host: a_b.example.com"),
            Error("spec.host", "not a DNS-1123 label"),
        ),
        ("dr host wildcard", dr_spec("host: '*.foo.com'"), Valid),
        (
            "dr host empty",
            dr_spec("host: ''"),
            Error("spec.host", "empty"),
        ),
        (
            "dr host all-numeric tld",
            dr_spec("host: foo.123"),
            Error("spec.host", "all digits"),
        ),
        // validateTrafficPolicy: at least one field.
        (
            "dr empty traffic policy",
            dr_spec("host: a\ntrafficPolicy: {}"),
            Error("spec.trafficPolicy", "at least one field"),
        ),
        // validateConnectionPool: at least one of tcp/http.
        (
            "dr empty connection pool",
            dr("connectionPool: {}"),
            Error("spec.trafficPolicy.connectionPool", "at least one field"),
        ),
        // agent.ValidateDuration (and the CRD's duration >= 1ms CEL): read error.
        (
            "dr connectTimeout 1500us",
            dr("connectionPool:\n  tcp:\n    connectTimeout: 1500us"),
            Error(
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
                "millisecond",
            ),
        ),
        (
            "dr connectTimeout 0s",
            dr("connectionPool:\n  tcp:\n    connectTimeout: 0s"),
            Error(
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
                "shorter than 1ms",
            ),
        ),
        // validateConnectionPool: tcp idleTimeout 0s disables the timeout.
        (
            "dr tcp idleTimeout 0s",
            dr("connectionPool:\n  tcp:\n    idleTimeout: 0s"),
            Valid,
        ),
        (
            "dr tcp idleTimeout 1500us",
            dr("connectionPool:\n  tcp:\n    idleTimeout: 1500us"),
            Error(
                "spec.trafficPolicy.connectionPool.tcp.idleTimeout",
                "millisecond",
            ),
        ),
        // validateConnectionPool: negative limits.
        (
            "dr maxConnections negative",
            dr("connectionPool:\n  tcp:\n    maxConnections: -1"),
            Error(
                "spec.trafficPolicy.connectionPool.tcp.maxConnections",
                "non-negative",
            ),
        ),
        (
            "dr http2MaxRequests negative",
            dr("connectionPool:\n  http:\n    http2MaxRequests: -1"),
            Error(
                "spec.trafficPolicy.connectionPool.http.http2MaxRequests",
                "non-negative",
            ),
        ),
        (
            "dr maxConcurrentStreams negative",
            dr("connectionPool:\n  http:\n    maxConcurrentStreams: -5"),
            Error(
                "spec.trafficPolicy.connectionPool.http.maxConcurrentStreams",
                "non-negative",
            ),
        ),
        // validateConnectionPool: UPGRADE with useClientProtocol.
        (
            "dr upgrade with client protocol",
            dr(
                "connectionPool:\n  http:\n    h2UpgradePolicy: UPGRADE\n    useClientProtocol: true",
            ),
            Error(
                "spec.trafficPolicy.connectionPool.http.useClientProtocol",
                "UPGRADE",
            ),
        ),
        // validateOutlierDetection -> ValidatePercent.
        (
            "dr maxEjectionPercent 150",
            dr("outlierDetection:\n  maxEjectionPercent: 150"),
            Error(
                "spec.trafficPolicy.outlierDetection.maxEjectionPercent",
                "150",
            ),
        ),
        (
            "dr minHealthPercent -1",
            dr("outlierDetection:\n  minHealthPercent: -1"),
            Error("spec.trafficPolicy.outlierDetection.minHealthPercent", ""),
        ),
        // validateOutlierDetection: local-origin failures need the split.
        (
            "dr local origin failures without split",
            dr("outlierDetection:\n  consecutiveLocalOriginFailures: 5"),
            Error(
                "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures",
                "splitExternalLocalOriginErrors",
            ),
        ),
        (
            "dr local origin failures with split",
            dr(
                "outlierDetection:\n  consecutiveLocalOriginFailures: 5\n  splitExternalLocalOriginErrors: true",
            ),
            Valid,
        ),
        // CRD: outlierDetectionHttpErrorCodes items 100..599.
        (
            "dr error code 600",
            dr("outlierDetection:\n  outlierDetectionHttpErrorCodes: [500, 600]"),
            Error(
                "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[1]",
                "600",
            ),
        ),
        // agent.ValidateLocalityLbSetting: distribute weights must total 100.
        (
            "dr distribute sums to 90",
            lb(
                "localityLbSetting:\n  distribute:\n  - from: us-west/zone1/*\n    to:\n      us-west/zone1/*: 80\n      us-west/zone2/*: 10",
            ),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to",
                "total locality weight 90 != 100",
            ),
        ),
        (
            "dr distribute sums to 100",
            lb(
                "localityLbSetting:\n  distribute:\n  - from: us-west/zone1/*\n    to:\n      us-west/zone1/*: 80\n      us-west/zone2/*: 20",
            ),
            Valid,
        ),
        (
            "dr distribute weight 0",
            lb(
                "localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      us-west/zone1/*: 0\n      us-west/zone2/*: 100",
            ),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to[us-west/zone1/*]",
                "1..100",
            ),
        ),
        (
            "dr distribute with failover",
            lb(
                "localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      us-west/zone1/*: 100\n  failover:\n  - from: us-west\n    to: us-east",
            ),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting",
                "distribute and failover",
            ),
        ),
        (
            "dr distribute overlapping sources",
            lb(
                "localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      a/*: 100\n  - from: us-west/zone1\n    to:\n      a/*: 100",
            ),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute",
                "overlaps",
            ),
        ),
        (
            "dr distribute wildcard not at end",
            lb("localityLbSetting:\n  distribute:\n  - from: us-*/zone1\n    to:\n      a/*: 100"),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute",
                "wildcard",
            ),
        ),
        // agent.ValidateLocalityLbSetting: failover is region to region.
        (
            "dr failover from a zone",
            dr(&format!(
                "{OUTLIER}loadBalancer:\n  localityLbSetting:\n    failover:\n    - from: us-east1/us-east1-b\n      to: us-west1"
            )),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]",
                "regions only",
            ),
        ),
        (
            "dr failover to the same region",
            dr(&format!(
                "{OUTLIER}loadBalancer:\n  localityLbSetting:\n    failover:\n    - from: us-east1\n      to: us-east1"
            )),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]",
                "must differ",
            ),
        ),
        (
            "dr failover wildcard",
            dr(&format!(
                "{OUTLIER}loadBalancer:\n  localityLbSetting:\n    failover:\n    - from: us-east1\n      to: '*'"
            )),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]",
                "wildcard",
            ),
        ),
        (
            "dr failover with outlier detection",
            dr(&format!(
                "{OUTLIER}loadBalancer:\n  localityLbSetting:\n    failover:\n    - from: us-east1\n      to: us-west1"
            )),
            Valid,
        ),
        // agent.ValidateLocalityLbSetting: failover without outlier detection is a warning.
        (
            "dr failover without outlier detection",
            lb("localityLbSetting:\n  failover:\n  - from: us-east1\n    to: us-west1"),
            Warning("spec.trafficPolicy.loadBalancer.localityLbSetting"),
        ),
        (
            "dr failoverPriority without outlier detection",
            lb("localityLbSetting:\n  failoverPriority:\n  - topology.istio.io/network"),
            Warning("spec.trafficPolicy.loadBalancer.localityLbSetting"),
        ),
        (
            "dr failover with region priority label",
            dr(&format!(
                "{OUTLIER}loadBalancer:\n  localityLbSetting:\n    failover:\n    - from: us-east1\n      to: us-west1\n    failoverPriority:\n    - topology.kubernetes.io/region"
            )),
            Error(
                "spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority[0]",
                "topology label",
            ),
        ),
        // validateLoadBalancer: maglev table size.
        (
            "dr maglev not prime",
            lb("consistentHash:\n  useSourceIp: true\n  maglev:\n    tableSize: 65536"),
            Error(
                "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize",
                "prime",
            ),
        ),
        (
            "dr maglev prime",
            lb("consistentHash:\n  useSourceIp: true\n  maglev:\n    tableSize: 65537"),
            Valid,
        ),
        (
            "dr maglev without size",
            lb("consistentHash:\n  useSourceIp: true\n  maglev: {}"),
            Error(
                "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize",
                "must be set",
            ),
        ),
        (
            "dr maglev too large",
            lb("consistentHash:\n  useSourceIp: true\n  maglev:\n    tableSize: 5000011"),
            Error(
                "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize",
                "less than 5000011",
            ),
        ),
        // validateLoadBalancer: deprecated minimumRingSize.
        (
            "dr deprecated minimumRingSize",
            lb("consistentHash:\n  httpHeaderName: x-user\n  minimumRingSize: 1024"),
            Warning("spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize"),
        ),
        (
            "dr minimumRingSize with ringHash",
            lb(
                "consistentHash:\n  httpHeaderName: x-user\n  minimumRingSize: 1024\n  ringHash:\n    minimumRingSize: 1024",
            ),
            Error(
                "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize",
                "only one of",
            ),
        ),
        (
            "dr cookie without name",
            lb("consistentHash:\n  httpCookie:\n    name: ''\n    ttl: 0s"),
            Error(
                "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name",
                "name required",
            ),
        ),
        (
            "dr cookie session ttl",
            lb("consistentHash:\n  httpCookie:\n    name: user\n    ttl: 0s"),
            Valid,
        ),
        // CRD oneOf on loadBalancer (the reader's oneof mirror).
        (
            "dr simple and consistentHash",
            lb("simple: RANDOM\nconsistentHash:\n  useSourceIp: true"),
            Error("spec.trafficPolicy.loadBalancer", "only one of"),
        ),
        // validateLoadBalancer: warmup.
        (
            "dr warmup aggression 0.5",
            lb("warmup:\n  duration: 60s\n  aggression: 0.5"),
            Error(
                "spec.trafficPolicy.loadBalancer.warmup.aggression",
                "at least 1",
            ),
        ),
        (
            "dr warmup minimumPercent 150",
            lb("warmup:\n  duration: 60s\n  minimumPercent: 150"),
            Error("spec.trafficPolicy.loadBalancer.warmup.minimumPercent", ""),
        ),
        (
            "dr warmup without duration",
            lb("warmup:\n  aggression: 2"),
            Error("spec.trafficPolicy.loadBalancer.warmup", "duration"),
        ),
        // CRD: zoneAwareLbSetting.minClusterSize minimum 1.
        (
            "dr zone aware min cluster size 0",
            lb("zoneAwareLbSetting:\n  minClusterSize: 0"),
            Error(
                "spec.trafficPolicy.loadBalancer.zoneAwareLbSetting.minClusterSize",
                "at least 1",
            ),
        ),
        // agent.ValidateTLS
        (
            "dr mutual without certificates",
            dr("tls:\n  mode: MUTUAL"),
            Error("spec.trafficPolicy.tls.clientCertificate", "MUTUAL"),
        ),
        (
            "dr mutual with credentialName",
            dr("tls:\n  mode: MUTUAL\n  credentialName: client-cred"),
            Valid,
        ),
        (
            "dr simple credentialName and caCertificates",
            dr("tls:\n  mode: SIMPLE\n  credentialName: c\n  caCertificates: /ca.pem"),
            Error("spec.trafficPolicy.tls", "credentialName"),
        ),
        (
            "dr insecureSkipVerify with CA",
            dr("tls:\n  mode: SIMPLE\n  insecureSkipVerify: true\n  caCertificates: /ca.pem"),
            Error("spec.trafficPolicy.tls", "insecureSkipVerify"),
        ),
        (
            "dr insecureSkipVerify alone",
            dr("tls:\n  mode: SIMPLE\n  insecureSkipVerify: true"),
            Valid,
        ),
        // validateTrafficPolicy: tunnel and proxyProtocol exclude each other.
        (
            "dr tunnel with proxy protocol",
            dr(
                "tunnel:\n  targetHost: proxy.example.com\n  targetPort: 3128\nproxyProtocol:\n  version: V1",
            ),
            Error("spec.trafficPolicy", "tunnel and proxyProtocol"),
        ),
        // validateTunnelSettings
        (
            "dr tunnel protocol GET",
            dr("tunnel:\n  protocol: GET\n  targetHost: proxy.example.com\n  targetPort: 3128"),
            Error("spec.trafficPolicy.tunnel.protocol", "CONNECT"),
        ),
        (
            "dr tunnel target host bad",
            dr("tunnel:\n  targetHost: proxy_1\n  targetPort: 3128"),
            Error("spec.trafficPolicy.tunnel.targetHost", "FQDN or an IP"),
        ),
        (
            "dr tunnel target host ip",
            dr("tunnel:\n  protocol: POST\n  targetHost: 10.0.0.1\n  targetPort: 3128"),
            Valid,
        ),
        (
            "dr tunnel target port 0",
            dr("tunnel:\n  targetHost: proxy.example.com\n  targetPort: 0"),
            Error("spec.trafficPolicy.tunnel.targetPort", "1..65535"),
        ),
        // validatePortTrafficPolicies
        (
            "dr port policy without port",
            dr("portLevelSettings:\n- tls:\n    mode: ISTIO_MUTUAL"),
            Error("spec.trafficPolicy.portLevelSettings[0].port", ""),
        ),
        (
            "dr port policy with only a port",
            dr("portLevelSettings:\n- port:\n    number: 80"),
            Error(
                "spec.trafficPolicy.portLevelSettings[0]",
                "at least one field",
            ),
        ),
        (
            "dr port policy empty pool",
            dr("portLevelSettings:\n- port:\n    number: 80\n  connectionPool: {}"),
            Error(
                "spec.trafficPolicy.portLevelSettings[0].connectionPool",
                "at least one field",
            ),
        ),
        // CRD: retryBudget.percent 0..100.
        (
            "dr retry budget 150 percent",
            dr("retryBudget:\n  percent: 150"),
            Error("spec.trafficPolicy.retryBudget.percent", ""),
        ),
        // ValidateDestinationRule: subsets.
        (
            "dr duplicate subsets",
            dr_spec("host: a\nsubsets:\n- name: v1\n- name: v1"),
            Error("spec.subsets[1].name", "duplicate"),
        ),
        (
            "dr subset name underscore",
            dr_spec("host: a\nsubsets:\n- name: v1_0"),
            Error("spec.subsets[0].name", "DNS-1123"),
        ),
        (
            "dr subset label value bad",
            dr_spec("host: a\nsubsets:\n- name: v1\n  labels:\n    app: 'a b'"),
            Error("spec.subsets[0].labels[app]", "label value"),
        ),
        (
            "dr subset empty traffic policy",
            dr_spec("host: a\nsubsets:\n- name: v1\n  trafficPolicy: {}"),
            Error("spec.subsets[0].trafficPolicy", "at least one field"),
        ),
        // validateExportTo
        (
            "dr exportTo duplicate",
            dr_spec("host: a\nexportTo: [ns1, ns1]"),
            Error("spec.exportTo[1]", "duplicate"),
        ),
        (
            "dr exportTo public and other",
            dr_spec("host: a\nexportTo: ['*', ns1]"),
            Error("spec.exportTo", "public"),
        ),
        (
            "dr exportTo none",
            dr_spec("host: a\nexportTo: ['~']"),
            Error("spec.exportTo[0]", "ServiceEntry"),
        ),
        (
            "dr exportTo bad namespace",
            dr_spec("host: a\nexportTo: [Ns_1]"),
            Error("spec.exportTo[0]", "exportTo"),
        ),
        (
            "dr exportTo with selector beyond namespace",
            dr_spec("host: a\nexportTo: ['*']\nworkloadSelector:\n  matchLabels:\n    app: a"),
            Error("spec.exportTo", "workloadSelector"),
        ),
        (
            "dr exportTo dot with selector",
            dr_spec("host: a\nexportTo: ['.']\nworkloadSelector:\n  matchLabels:\n    app: a"),
            Valid,
        ),
        // validateWorkloadSelector
        (
            "dr selector without labels",
            dr_spec("host: a\nworkloadSelector: {}"),
            Warning("spec.workloadSelector.matchLabels"),
        ),
        (
            "dr selector wildcard",
            dr_spec("host: a\nworkloadSelector:\n  matchLabels:\n    app: '*'"),
            Error("spec.workloadSelector.matchLabels[app]", "wildcard"),
        ),
        // CRD: matchLabels values have at most 63 characters (counted as characters: 40
        // two-byte letters are 80 bytes and fine); found by the schema fuzz target.
        (
            "dr selector value of 64 characters",
            dr_spec(
                "host: a\nworkloadSelector:\n  matchLabels:\n    app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ),
            Error("spec.workloadSelector.matchLabels[app]", "64 characters"),
        ),
        (
            "dr selector value of 40 two-byte characters",
            dr_spec(
                "host: a\nworkloadSelector:\n  matchLabels:\n    app: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            ),
            Valid,
        ),
        // ---------- ServiceEntry ----------
        // ValidateServiceEntry STATIC -> validateWorkloadEntry(..., allowFQDN=false).
        (
            "se static endpoint dns name",
            se_res("STATIC", "endpoints:\n- address: gw.example.com"),
            Error("spec.endpoints[0].address", "not a valid IP address"),
        ),
        (
            "se dns endpoint dns name",
            se_res("DNS", "endpoints:\n- address: gw.example.com"),
            Valid,
        ),
        (
            "se static ip endpoint (seed)",
            se(
                "hosts:\n- a.istio.svc.cluster.local\nports:\n- name: http\n  number: 80\n  protocol: http\nresolution: STATIC\nlocation: MESH_INTERNAL\nendpoints:\n- address: 202.28.193.115\n  locality: us-west1/us-west1-b\n  ports:\n    http: 15443",
            ),
            Valid,
        ),
        (
            "se endpoint port not of the service",
            se_res(
                "STATIC",
                "endpoints:\n- address: 10.0.0.1\n  ports:\n    grpc: 9090",
            ),
            Error(
                "spec.endpoints[0].ports[grpc]",
                "not a port of the service entry",
            ),
        ),
        (
            "se endpoint port 0",
            se_res(
                "STATIC",
                "endpoints:\n- address: 10.0.0.1\n  ports:\n    http: 0",
            ),
            Error("spec.endpoints[0].ports[http]", "1..65535"),
        ),
        (
            "se static endpoint without address",
            se_res("STATIC", "endpoints:\n- locality: a/b"),
            Error("spec.endpoints[0].address", "required"),
        ),
        (
            "se endpoint network without address",
            se_res("STATIC", "endpoints:\n- network: net2"),
            Warning("spec.endpoints[0].address"),
        ),
        (
            "se unix endpoint with ports",
            se_res(
                "STATIC",
                "endpoints:\n- address: unix:///var/run/a.sock\n  ports:\n    http: 80",
            ),
            Error("spec.endpoints[0].ports", "unix"),
        ),
        (
            "se unix endpoint",
            se_res("STATIC", "endpoints:\n- address: unix:///var/run/a.sock"),
            Valid,
        ),
        (
            "se unix endpoint relative",
            se_res("STATIC", "endpoints:\n- address: unix://a.sock"),
            Error("spec.endpoints[0].address", ""),
        ),
        // ValidateServiceEntry: hosts.
        (
            "se host star",
            se("hosts: ['*']\nports:\n- number: 80\n  name: http\n  protocol: HTTP"),
            Error("spec.hosts[0]", "not allowed"),
        ),
        (
            "se no hosts",
            se("hosts: []\nports:\n- number: 80\n  name: http\n  protocol: HTTP"),
            Error("spec.hosts", "at least one host"),
        ),
        (
            "se partial wildcard host",
            se("hosts: ['*foo.com']\nports:\n- number: 80\n  name: http\n  protocol: HTTP"),
            Warning("spec.hosts[0]"),
        ),
        (
            "se wildcard host none",
            se("hosts: ['*.foo.com']\nports:\n- number: 80\n  name: http\n  protocol: HTTP"),
            Valid,
        ),
        // ValidateServiceEntry: addresses (agent.ValidateIPSubnet) and CIDR resolution rule.
        (
            "se address not an ip",
            se_res("DNS", "addresses: [300.1.1.1]"),
            Error("spec.addresses[0]", "not a valid IP"),
        ),
        (
            "se cidr with dns",
            se_res("DNS", "addresses: [10.0.0.0/8]"),
            Error("spec.resolution", "CIDR"),
        ),
        (
            "se cidr with static",
            se_res("STATIC", "addresses: [10.0.0.0/8]"),
            Valid,
        ),
        (
            "se bad cidr",
            se_res("STATIC", "addresses: [10.0.0.0/33]"),
            Error("spec.addresses[0]", "CIDR"),
        ),
        // ValidateServiceEntry: ports.
        (
            "se duplicate port number",
            se(
                "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n- number: 80\n  name: http2\n  protocol: HTTP\nresolution: DNS",
            ),
            Error("spec.ports[1].number", "already defined"),
        ),
        (
            "se duplicate port name",
            se(
                "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n- number: 81\n  name: http\n  protocol: HTTP\nresolution: DNS",
            ),
            Error("spec.ports[1].name", "already defined"),
        ),
        (
            "se unknown protocol",
            se(
                "hosts: [a.example.com]\nports:\n- number: 80\n  name: q\n  protocol: QUIC\nresolution: DNS",
            ),
            Error("spec.ports[0].protocol", "QUIC"),
        ),
        (
            "se bad port name",
            se(
                "hosts: [a.example.com]\nports:\n- number: 80\n  name: http_web\n  protocol: HTTP\nresolution: DNS",
            ),
            Error("spec.ports[0].name", "port name"),
        ),
        (
            "se target port too large",
            se(
                "hosts: [a.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\n  targetPort: 70000\nresolution: DNS",
            ),
            Error("spec.ports[0].targetPort", "1..65535"),
        ),
        (
            "se port number 0",
            se(
                "hosts: [a.example.com]\nports:\n- number: 0\n  name: http\n  protocol: HTTP\nresolution: DNS",
            ),
            Error("spec.ports[0].number", "1..65535"),
        ),
        // ValidateServiceEntry: resolution rules.
        (
            "se none with endpoints",
            se_res("NONE", "endpoints:\n- address: 10.0.0.1"),
            Error("spec.endpoints", "NONE"),
        ),
        // CRD CEL: `!has(self.endpoints)` with NONE (the default), so an empty list is refused
        // too (found by the schema fuzz target).
        (
            "se none with an empty endpoints list",
            se_res("NONE", "endpoints: []"),
            Error("spec.endpoints", "empty list"),
        ),
        (
            "se default resolution with an empty endpoints list",
            se(
                "hosts: [gw.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\nendpoints: []",
            ),
            Error("spec.endpoints", "empty list"),
        ),
        // CRD: an endpoint's port names and numbers, whatever the resolution (DYNAMIC_DNS
        // refuses endpoints too, from Istio 1.28); found by the schema fuzz target.
        (
            "se dynamic dns endpoint port name",
            se_res(
                "DYNAMIC_DNS",
                "endpoints:\n- address: 10.0.0.1\n  ports:\n    Bad_Name: 9080",
            ),
            Error("spec.endpoints[0].ports[Bad_Name]", "port name"),
        ),
        (
            "se dynamic dns endpoint port number",
            se_res(
                "DYNAMIC_DNS",
                "endpoints:\n- address: 10.0.0.1\n  ports:\n    http: 70000",
            ),
            Error("spec.endpoints[0].ports[http]", "70000"),
        ),
        // ValidateServiceEntry (1.28+): DYNAMIC_DNS takes no endpoints.
        (
            "se dynamic dns endpoint",
            se_res(
                "DYNAMIC_DNS",
                "endpoints:\n- address: 10.0.0.1\n  ports:\n    http: 9080",
            ),
            Error("spec.endpoints", "endpoints cannot be set"),
        ),
        (
            "se none with workload selector",
            se_res("NONE", "workloadSelector:\n  labels:\n    app: vm"),
            Warning("spec.workloadSelector"),
        ),
        (
            "se dns round robin two endpoints",
            se_res(
                "DNS_ROUND_ROBIN",
                "endpoints:\n- address: a.example.com\n- address: b.example.com",
            ),
            Error("spec.endpoints", "DNS_ROUND_ROBIN"),
        ),
        (
            "se dns wildcard host without endpoints",
            se(
                "hosts: ['*.example.com']\nports:\n- number: 80\n  name: http\n  protocol: HTTP\nresolution: DNS",
            ),
            Error("spec.hosts[0]", "fully qualified"),
        ),
        (
            "se dns bad endpoint address",
            se_res("DNS", "endpoints:\n- address: -bad-.example.com"),
            Error("spec.endpoints[0].address", "FQDN or IP"),
        ),
        (
            "se two hosts tcp static",
            se(
                "hosts: [a.example.com, b.example.com]\nports:\n- number: 5432\n  name: tcp\n  protocol: TCP\nresolution: STATIC\nendpoints:\n- address: 10.0.0.1",
            ),
            Error("spec.ports[0]", "non-HTTP"),
        ),
        (
            "se two hosts tcp none",
            se(
                "hosts: [a.example.com, b.example.com]\nports:\n- number: 5432\n  name: tcp\n  protocol: TCP\nresolution: NONE",
            ),
            Valid,
        ),
        (
            "se two hosts http dns",
            se(
                "hosts: [a.example.com, b.example.com]\nports:\n- number: 80\n  name: http\n  protocol: HTTP\nresolution: DNS",
            ),
            Valid,
        ),
        // CRD CEL / webhook: endpoints and workloadSelector exclude each other (reader oneof).
        (
            "se endpoints and selector",
            se_res(
                "STATIC",
                "endpoints:\n- address: 10.0.0.1\nworkloadSelector:\n  labels:\n    app: vm",
            ),
            Error("spec", "only one of endpoints, workloadSelector"),
        ),
        // ValidateAlphaWorkloadSelector
        (
            "se selector wildcard",
            se_res("STATIC", "workloadSelector:\n  labels:\n    app: '*'"),
            Error("spec.workloadSelector.labels[app]", "wildcard"),
        ),
        (
            "se selector value of 64 characters",
            se_res(
                "STATIC",
                "workloadSelector:\n  labels:\n    app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ),
            Error("spec.workloadSelector.labels[app]", "64 characters"),
        ),
        // validateExportTo(isServiceEntry=true)
        (
            "se export to no one",
            se_res("DNS", "exportTo: ['~']"),
            Valid,
        ),
        (
            "se export to no one and all",
            se_res("DNS", "exportTo: ['~', '*']"),
            Error("spec.exportTo", ""),
        ),
        // ---------- WorkloadEntry (ValidateWorkloadEntry: allowFQDN=true) ----------
        (
            "we dns address",
            we("address: vm1.example.com\nports:\n  http: 8080"),
            Valid,
        ),
        (
            "we bad address",
            we("address: -bad-"),
            Error("spec.address", "FQDN or IP"),
        ),
        (
            "we port 0",
            we("address: 10.0.0.1\nports:\n  http: 0"),
            Error("spec.ports[http]", "1..65535"),
        ),
        (
            "we bad label key",
            we("address: 10.0.0.1\nlabels:\n  'a b': x"),
            Error("spec.labels[a b]", "label key"),
        ),
        (
            "we no address no network",
            we("locality: a/b"),
            Error("spec.address", "required"),
        ),
        // CRD: serviceAccount maxLength 253.
        (
            "we service account too long",
            we(&format!(
                "address: 10.0.0.1\nserviceAccount: {}",
                "a".repeat(254)
            )),
            Error("spec.serviceAccount", "253"),
        ),
        // ---------- WorkloadGroup (ValidateWorkloadGroup, validateReadinessProbe) ----------
        (
            "wg http probe",
            wg_probe("periodSeconds: 5\nhttpGet:\n  port: 8080\n  path: /ready"),
            Valid,
        ),
        (
            "wg template without address",
            wg("template:\n  serviceAccount: vm"),
            Valid,
        ),
        (
            "wg negative period",
            wg_probe("periodSeconds: -1\ntcpSocket:\n  port: 22"),
            Error("spec.probe.periodSeconds", "non-negative"),
        ),
        (
            "wg http scheme ftp",
            wg_probe("httpGet:\n  port: 8080\n  scheme: FTP"),
            Error("spec.probe.httpGet.scheme", "HTTPS"),
        ),
        (
            "wg http port 0",
            wg_probe("httpGet:\n  port: 0"),
            Error("spec.probe.httpGet.port", "1..65535"),
        ),
        (
            "wg bad probe header",
            wg_probe("httpGet:\n  port: 80\n  httpHeaders:\n  - name: 'x y'\n    value: '1'"),
            Error("spec.probe.httpGet.httpHeaders[0].name", "header name"),
        ),
        (
            "wg exec empty",
            wg_probe("exec:\n  command: []"),
            Error("spec.probe.exec.command", "required"),
        ),
        (
            "wg tcp port 0",
            wg_probe("tcpSocket:\n  port: 0"),
            Error("spec.probe.tcpSocket.port", "1..65535"),
        ),
        (
            "wg probe without method",
            wg_probe("periodSeconds: 5"),
            Error("spec.probe", "method"),
        ),
        (
            "wg metadata label bad",
            wg("metadata:\n  labels:\n    app: 'a b'\ntemplate: {}"),
            Error("spec.metadata.labels[app]", "label value"),
        ),
        // CRD CEL on template.ports (Istio's webhook does not check the template; found by the
        // schema fuzz target): names match ^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$ (capitals
        // allowed, as in a WorkloadEntry's), numbers 1..65535.
        (
            "wg template port names with capitals",
            wg("template:\n  ports:\n    HTTP-Web: 80\n    grpc: 9090"),
            Valid,
        ),
        (
            "wg template port name with a slash",
            wg("template:\n  ports:\n    us-east/zone1: 80"),
            Error("spec.template.ports[us-east/zone1]", "invalid port name"),
        ),
        (
            "wg template port name empty",
            wg("template:\n  ports:\n    '': 80"),
            Error("spec.template.ports[]", "invalid port name"),
        ),
        (
            "wg template port out of range",
            wg("template:\n  ports:\n    http: 65536"),
            Error("spec.template.ports[http]", "1..65535"),
        ),
        (
            "wg template port 0",
            wg("template:\n  ports:\n    http: 0"),
            Error("spec.template.ports[http]", "1..65535"),
        ),
        // CRD: exec.command items have minLength 1.
        (
            "wg exec empty argument",
            wg_probe("exec:\n  command: [cat, '']"),
            Error("spec.probe.exec.command[1]", "empty"),
        ),
        (
            "wg unix template with ports",
            wg("template:\n  address: unix:///a.sock\n  ports:\n    http: 80"),
            Error("spec.template.ports", "unix"),
        ),
    ]
}

fn check(yaml: &str, verdict: Verdict) -> Result<(), String> {
    let docs = read_stream(yaml, None);
    let report = match &docs[0].result {
        Err(e) => {
            return match verdict {
                Error(path, text)
                    if e.path.as_deref() == Some(path) && e.message.contains(text) =>
                {
                    Ok(())
                }
                _ => Err(format!("read error: {e}")),
            };
        }
        Ok(Document::Istio(r)) => r.validate(),
        Ok(other) => return Err(format!("not an Istio object: {other:?}")),
    };
    let ok = match verdict {
        Valid => report.is_clean(),
        Error(path, text) => report
            .errors()
            .any(|f| f.path == path && f.message.contains(text)),
        Warning(path) => !report.has_errors() && report.warnings().any(|f| f.path == path),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("findings: {:#?}", report.findings))
    }
}

#[test]
fn istio_rules_table() {
    let cases = cases();
    let mut failures = Vec::new();
    for (name, yaml, verdict) in &cases {
        if let Err(why) = check(yaml, *verdict) {
            failures.push(format!("{name}: expected {verdict:?}\n{why}\n{yaml}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!("{} cases", cases.len());
}

#[test]
fn every_message_names_the_value() {
    let docs = read_stream(
        &lb(
            "localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      a/*: 60\n      b/*: 30",
        ),
        None,
    );
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!()
    };
    let report = r.validate();
    let f = report.errors().next().unwrap();
    assert_eq!(f.message, "total locality weight 90 != 100");
}

#[test]
fn the_table_checker_can_fail() {
    let ok = dr("tls:\n  mode: ISTIO_MUTUAL");
    assert!(check(&ok, Error("spec.trafficPolicy.tls", "")).is_err());
    assert!(check(&ok, Warning("spec.trafficPolicy.tls")).is_err());
    let bad = dr("outlierDetection:\n  maxEjectionPercent: 150");
    assert!(check(&bad, Valid).is_err());
    assert!(check(&bad, Error("spec.trafficPolicy.outlierDetection", "")).is_err());
    assert!(
        check(
            &bad,
            Error(
                "spec.trafficPolicy.outlierDetection.maxEjectionPercent",
                "nope"
            )
        )
        .is_err()
    );
}

#[test]
fn port_names_of_63_characters_are_rejected_by_the_crd() {
    // CRD CEL on WorkloadEntry.ports: size(key) < 63.
    let name = "a".repeat(63);
    let yaml = we(&format!("address: 10.0.0.1\nports:\n  {name}: 80"));
    let path: &'static str = Box::leak(format!("spec.ports[{name}]").into_boxed_str());
    check(&yaml, Error(path, "shorter than 63")).unwrap();
}
