//! What an installed cluster holds besides the applied objects, stored straight into a
//! [`FakeApiServer`]: istiod, the CA Secret, gateway pods and Services, nodes, pods, LIQO's
//! ForeignClusters and virtual nodes. The checks read these; tests then break one at a time.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{FakeApiServer, Resource};

/// Serves the Istio kinds of `networking.istio.io/<version>` the tests use.
pub fn serve_istio(server: &FakeApiServer, version: &str) {
    for (kind, plural) in [
        ("DestinationRule", "destinationrules"),
        ("Gateway", "gateways"),
        ("ServiceEntry", "serviceentries"),
        ("VirtualService", "virtualservices"),
        ("WorkloadEntry", "workloadentries"),
        ("Sidecar", "sidecars"),
    ] {
        server.serve_kind(Resource::new(
            "networking.istio.io",
            version,
            kind,
            plural,
            true,
        ));
    }
}

/// Serves LIQO's NamespaceOffloading and ForeignCluster.
pub fn serve_liqo(server: &FakeApiServer) {
    server.serve_kind(Resource::new(
        "offloading.liqo.io",
        "v1beta1",
        "NamespaceOffloading",
        "namespaceoffloadings",
        true,
    ));
    server.serve_kind(Resource::new(
        "core.liqo.io",
        "v1beta1",
        "ForeignCluster",
        "foreignclusters",
        false,
    ));
}

fn ensure_namespace(server: &FakeApiServer, ns: &str) {
    if server.get("", "namespaces", "", ns).is_none() {
        server.add_namespace(ns);
    }
}

/// istiod's Deployment in istio-system (label `app=istiod`, container `discovery`), Available.
pub fn istiod(server: &FakeApiServer, image: &str) {
    ensure_namespace(server, "istio-system");
    server.insert(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "istiod", "namespace": "istio-system", "labels": {"app": "istiod"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "istiod"}},
            "template": {"metadata": {"labels": {"app": "istiod"}},
                "spec": {"containers": [{"name": "discovery", "image": image}]}}},
        "status": {"readyReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}}));
}

/// Marks Deployment `ns/name` Available with its one replica ready, as its controller would.
pub fn available(server: &FakeApiServer, ns: &str, name: &str) {
    server.set_status(
        "apps",
        "deployments",
        ns,
        name,
        json!({"readyReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}),
    );
}

/// Secret istio-system/cacerts holding `root` as root-cert.pem and `ca` as ca-cert.pem.
pub fn cacerts(server: &FakeApiServer, root: &str, ca: &str) {
    ensure_namespace(server, "istio-system");
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    server.insert(&json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "cacerts", "namespace": "istio-system"},
        "data": {"root-cert.pem": b64(root), "ca-cert.pem": b64(ca), "cert-chain.pem": b64(&format!("{ca}{root}"))}}));
}

/// ConfigMap istio-system/istio-ca-root-cert, which istiod publishes in every namespace.
pub fn ca_root_configmap(server: &FakeApiServer, root: &str) {
    ensure_namespace(server, "istio-system");
    server.insert(&json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "istio-ca-root-cert", "namespace": "istio-system"},
        "data": {"root-cert.pem": root}}));
}

/// A node with labels.
pub fn node(server: &FakeApiServer, name: &str, labels: &[(&str, &str)]) {
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    server.insert(&json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}}));
}

/// A node labelled with a region and zone.
pub fn zoned_node(server: &FakeApiServer, name: &str, region: &str, zone: &str) {
    node(
        server,
        name,
        &[
            ("topology.kubernetes.io/region", region),
            ("topology.kubernetes.io/zone", zone),
        ],
    );
}

/// A running pod on `node`; `env` is set on a container named `istio-proxy`.
pub fn pod(
    server: &FakeApiServer,
    ns: &str,
    name: &str,
    labels: &[(&str, &str)],
    node: &str,
    env: &[(&str, &str)],
) {
    ensure_namespace(server, ns);
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    let env: Vec<Value> = env
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    server.insert(&json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "istio-proxy", "image": "istio/proxyv2", "env": env}]},
        "status": {"phase": "Running"}}));
}

/// A LoadBalancer Service in `ns` selecting `selector`, with `ports` and the load balancer
/// address `address` (none when empty).
pub fn service(
    server: &FakeApiServer,
    ns: &str,
    name: &str,
    selector: &[(&str, &str)],
    ports: &[u16],
    address: &str,
) {
    ensure_namespace(server, ns);
    let selector: BTreeMap<&str, &str> = selector.iter().copied().collect();
    let ports: Vec<Value> = ports
        .iter()
        .map(|p| json!({"name": format!("p{p}"), "port": p, "protocol": "TCP"}))
        .collect();
    let ingress: Vec<Value> = if address.is_empty() {
        Vec::new()
    } else {
        vec![json!({"ip": address})]
    };
    server.insert(&json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"type": "LoadBalancer", "selector": selector, "ports": ports},
        "status": {"loadBalancer": {"ingress": ingress}}}));
}

/// The ingress gateway of Istio's charts: a pod labelled `istio: ingressgateway` on `node` with
/// `env` on istio-proxy, and Service istio-system/istio-ingressgateway with `ports` at
/// `address`.
pub fn gateway(
    server: &FakeApiServer,
    node: &str,
    ports: &[u16],
    address: &str,
    env: &[(&str, &str)],
) {
    let labels = [("istio", "ingressgateway"), ("app", "istio-ingressgateway")];
    pod(
        server,
        "istio-system",
        "istio-ingressgateway-7d4f9",
        &labels,
        node,
        env,
    );
    service(
        server,
        "istio-system",
        "istio-ingressgateway",
        &labels,
        ports,
        address,
    );
}

/// A ForeignCluster for provider `id`, as LIQO 1.x reports it (`core.liqo.io/v1beta1`): role
/// Provider, the three modules enabled, every condition `Established`/`Ready` unless
/// `networking` names the NetworkConnectionStatus to report instead.
pub fn foreign_cluster(server: &FakeApiServer, id: &str, networking: &str) {
    server.insert(
        &json!({"apiVersion": "core.liqo.io/v1beta1", "kind": "ForeignCluster",
        "metadata": {"name": id},
        "spec": {"clusterID": id},
        "status": {"role": "Provider", "modules": {
            "networking": {"enabled": true, "conditions": [
                {"type": "NetworkConnectionStatus", "status": networking, "message": "tunnel"},
                {"type": "NetworkGatewayClientStatus", "status": "Ready"}]},
            "authentication": {"enabled": true, "conditions": [
                {"type": "AuthIdentityControlPlaneStatus", "status": "Established"}]},
            "offloading": {"enabled": true, "conditions": [
                {"type": "OffloadingVirtualNodeStatus", "status": "Ready"}]}}}}),
    );
}

/// LIQO's virtual node for provider `id` (labels `liqo.io/type: virtual-node`,
/// `liqo.io/remote-cluster-id: <id>`), with the provider's cluster labels `extra`.
pub fn virtual_node(server: &FakeApiServer, id: &str, extra: &[(&str, &str)]) {
    let mut labels = vec![
        ("liqo.io/type", "virtual-node"),
        ("liqo.io/remote-cluster-id", id),
    ];
    labels.extend_from_slice(extra);
    node(server, &format!("liqo-{id}"), &labels);
}
