//! Meshes built from Istio YAML, for the tests and the benchmark: a client cluster with local
//! pods and peers whose gateways join the service the way each release joins them.

#![allow(
    dead_code, // each test binary uses part of it
    clippy::format_push_string, // fixtures, written for reading
    clippy::too_many_lines
)]

use std::collections::BTreeMap;

use fed_sim::{Cluster, KubePort, KubeService, Mesh, TargetPort, Workload};
use istio_types::IstioResource;
use istio_types::dataplane::{DataPlane, RemoteEndpoints};
use istio_types::read::{Document, read_stream};
use istio_types::release::IstioRelease;

/// Thresholds of an overflow rule.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    pub max_connections: u32,
    pub pending: u32,
    pub max_requests: u32,
    pub per_connection: u32,
    pub errors: u32,
    pub interval_ms: u64,
    pub base_ejection_ms: u64,
    pub max_ejection_percent: u32,
}

/// The seeds' thresholds.
pub const SEEDS: Thresholds = Thresholds {
    max_connections: 1,
    pending: 1,
    max_requests: 1,
    per_connection: 1,
    errors: 1,
    interval_ms: 1000,
    base_ejection_ms: 60_000,
    max_ejection_percent: 100,
};

pub fn objects(yaml: &str) -> Vec<IstioResource> {
    read_stream(yaml, None)
        .into_iter()
        .map(|d| match d.result {
            Ok(Document::Istio(r)) => r,
            other => panic!("fixture does not read: {other:?}"),
        })
        .collect()
}

fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_owned(), "echo".to_owned())])
}

/// A cluster running `replicas` echo pods.
pub fn cluster(name: &str, region: &str, address: &str, replicas: u32) -> Cluster {
    Cluster {
        name: name.to_owned(),
        locality: Some(format!("{region}/{region}-a")),
        gateway: Some((address.to_owned(), 15443)),
        istio: Vec::new(),
        services: vec![KubeService {
            name: "echo".to_owned(),
            namespace: "default".to_owned(),
            selector: labels(),
            ports: vec![KubePort {
                name: Some("http".to_owned()),
                port: 80,
                target_port: TargetPort::Name("http".to_owned()),
            }],
        }],
        workloads: vec![Workload {
            name: "echo".to_owned(),
            namespace: "default".to_owned(),
            labels: labels(),
            annotations: BTreeMap::new(),
            replicas,
        }],
    }
}

/// Peer-to-peer: `clusters[0]` overflows to the others in order, with thresholds `t` placed in
/// one DestinationRule (client-side and, where the release applies it inbound, server-side).
pub fn p2p(release: IstioRelease, t: Thresholds, replicas: &[u32]) -> Mesh {
    let dp = DataPlane::of(release);
    let regions = ["asia", "us", "eu", "sa", "af", "oc"];
    let mut clusters: Vec<Cluster> = replicas
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            cluster(
                &format!("c{i}"),
                regions[i % regions.len()],
                &format!("10.0.0.{}", i + 1),
                r,
            )
        })
        .collect();
    let errors = if release.at_least(1, 7) {
        format!("consecutiveGatewayErrors: {}", t.errors)
    } else {
        format!("consecutiveErrors: {}", t.errors)
    };
    let failover: String = if release.at_least(1, 6) && replicas.len() > 1 {
        let rules: Vec<String> = (1..replicas.len())
            .map(|i| {
                format!(
                    "        - {{from: asia, to: {}}}\n",
                    regions[i % regions.len()]
                )
            })
            .collect();
        format!(
            "    loadBalancer:\n      localityLbSetting:\n        enabled: true\n        failover:\n{}",
            rules.concat()
        )
    } else {
        String::new()
    };
    let mut yaml = format!(
        r"apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: {{name: echo, namespace: default}}
spec:
  host: echo.default.svc.cluster.local
  trafficPolicy:
{failover}    connectionPool:
      tcp: {{maxConnections: {mc}}}
      http: {{http1MaxPendingRequests: {p}, http2MaxRequests: {mr}, maxRequestsPerConnection: {pc}}}
    outlierDetection:
      {errors}
      interval: {i}ms
      baseEjectionTime: {b}ms
      maxEjectionPercent: {m}
",
        mc = t.max_connections,
        p = t.pending,
        mr = t.max_requests,
        pc = t.per_connection,
        i = t.interval_ms,
        b = t.base_ejection_ms,
        m = t.max_ejection_percent,
    );
    yaml.push_str(
        r#"---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/cross-network-gateway]
  http:
  - route:
    - destination: {host: echo.default.svc.cluster.local}
"#,
    );
    for (i, _) in replicas.iter().enumerate().skip(1) {
        let region = regions[i % regions.len()];
        let address = format!("10.0.0.{}", i + 1);
        match dp.remote_endpoints.value {
            RemoteEndpoints::ServiceEntryMerge => yaml.push_str(&format!(
                r"---
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {{name: echo-c{i}, namespace: default}}
spec:
  hosts: [echo.default.svc.cluster.local]
  ports: [{{number: 80, protocol: HTTP, name: http}}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - {{address: {address}, ports: {{http: 15443}}, locality: {region}/{region}-a}}
"
            )),
            RemoteEndpoints::WorkloadEntries => yaml.push_str(&format!(
                r"---
apiVersion: networking.istio.io/v1alpha3
kind: WorkloadEntry
metadata: {{name: echo-c{i}, namespace: default}}
spec:
  address: {address}
  ports: {{http: 15443}}
  labels: {{app: echo}}
  locality: {region}/{region}-a
"
            )),
        }
    }
    clusters[0].istio = objects(&yaml);
    Mesh {
        release,
        cluster_domain: "cluster.local".to_owned(),
        root_namespace: "istio-system".to_owned(),
        clusters,
    }
}

/// [`p2p`] with the thresholds server-side only, as the renderer places them for Istio
/// 1.7-1.20: the service's DestinationRule is visible in its own namespace only (the pods'
/// inbound side uses it) and a root-namespace copy without `connectionPool` serves every other
/// client.
pub fn p2p_server_side(release: IstioRelease, t: Thresholds, replicas: &[u32]) -> Mesh {
    let mut mesh = p2p(release, t, replicas);
    let mut root = None;
    for r in &mut mesh.clusters[0].istio {
        if let IstioResource::DestinationRule(dr) = r {
            let mut client = dr.clone();
            client.metadata.namespace = Some("istio-system".to_owned());
            client.metadata.name = Some("echo-default".to_owned());
            if let Some(tp) = client.spec.traffic_policy.as_mut() {
                tp.connection_pool = None;
            }
            root = Some(IstioResource::DestinationRule(client));
            dr.spec.export_to = vec![".".to_owned()];
        }
    }
    mesh.clusters[0].istio.extend(root);
    mesh
}
