//! Analyzers over a rendered federation: istio-types' cross-resource analyzers per cluster,
//! the checks only a federation can make, and every finding traced back to the Federation
//! document's field that produced it.
//!
//! [`analyze`] runs [`istio_types::analysis::analyze`] on each cluster's bundle (with the
//! bundle's own Services as the known services and the federation's Istio release), then:
//!
//! | code | severity | what happens at runtime | fix |
//! |---|---|---|---|
//! | `peer-gateway-port-missing` | warning | an overflow endpoint points at a peer's gateway address on a port where that peer's bundle has no cross-network (AUTO_PASSTHROUGH) Gateway server: the peer's gateway refuses the connection and every overflowed request fails | give the peer's `gateway.port` the port its gateway serves |
//! | `istio-mutual-without-shared-ca` | warning | ISTIO_MUTUAL towards a peer while the federation has no shared root CA (`mesh.ca`): each peer's Istio signs certificates with its own self-signed root, the peer's pods reject the client's certificate (and the client theirs), so overflowed requests fail | `fedctl certs FILE -o certs`, then `mesh.ca.dir: ./certs` |
//!
//! Each [`FederationFinding`] keeps the object and path it is about and adds the Federation
//! path it comes from, e.g. a DestinationRule's `outlierDetection.maxEjectionPercent` maps to
//! `spec.services[0].overflow[0].thresholds.maxEjectionPercent`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use fed_model::{Topology, ValidatedFederation};
use istio_types::IstioResource;
use istio_types::analysis::{
    self, AnalysisContext, Code, IstioRelease, KnownService, KnownWorkload,
};
use istio_types::networking::{ServerTlsMode, TlsMode};
use istio_types::validate::Severity;

use crate::bundle::{Bundle, Object};
use crate::p2p::{CROSS_NETWORK_GATEWAY, ISTIO_SYSTEM};

/// What a finding is about: one of istio-types' analyzers, or a federation-level check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingCode {
    /// A cross-resource analyzer of [`istio_types::analysis`].
    Istio(Code),
    /// An overflow endpoint at a peer gateway port the peer does not serve.
    PeerGatewayPortMissing,
    /// ISTIO_MUTUAL towards a peer without a shared root CA.
    IstioMutualWithoutSharedCa,
}

impl FindingCode {
    /// The stable code, e.g. `istio-mutual-without-shared-ca`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FindingCode::Istio(c) => c.as_str(),
            FindingCode::PeerGatewayPortMissing => "peer-gateway-port-missing",
            FindingCode::IstioMutualWithoutSharedCa => "istio-mutual-without-shared-ca",
        }
    }

    /// Error or warning.
    pub const fn severity(self) -> Severity {
        match self {
            FindingCode::Istio(c) => c.severity(),
            FindingCode::PeerGatewayPortMissing | FindingCode::IstioMutualWithoutSharedCa => {
                Severity::Warning
            }
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a rendered federation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FederationFinding {
    /// The stable code.
    pub code: FindingCode,
    /// Error or warning.
    pub severity: Severity,
    /// The cluster whose bundle holds the object.
    pub cluster: String,
    /// The object's kind.
    pub kind: String,
    /// The object's namespace.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The field path inside the object.
    pub object_path: String,
    /// The Federation document's field the object (or field) was rendered from.
    pub federation_path: String,
    /// What will happen at runtime, and how to fix it.
    pub message: String,
}

impl fmt::Display for FederationFinding {
    /// `severity[code]: federation path: cluster C: Kind ns/name path: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: ", self.severity, self.code)?;
        if !self.federation_path.is_empty() {
            write!(f, "{}: ", self.federation_path)?;
        }
        write!(f, "{}", self.subject())?;
        write!(f, ": {}", self.message)
    }
}

impl FederationFinding {
    /// `cluster C: Kind ns/name spec.path`: the rendered object the finding is about.
    pub fn subject(&self) -> String {
        let mut s = format!("cluster {}: {} ", self.cluster, self.kind);
        if let Some(ns) = &self.namespace {
            s.push_str(ns);
            s.push('/');
        }
        s.push_str(&self.name);
        if !self.object_path.is_empty() {
            s.push(' ');
            s.push_str(&self.object_path);
        }
        s
    }
}

/// The Istio release the federation targets, for the analyzers.
pub fn release(fed: &ValidatedFederation) -> IstioRelease {
    let v = fed.istio().version();
    IstioRelease::new(v.major(), v.minor())
}

/// The analysis context of one bundle: the federation's release and cluster domain, the
/// bundle's Services as every Service there is and, in the peer-to-peer topology, its
/// Deployments as the pods there are (every pod of a peer's bundle runs in that peer, so the
/// analyzers count them as the local pods). A consumer/provider bundle holds the Deployments
/// of every cluster, each pinned to its own zone, behind one Service: counted together they
/// would all look local, so they are left out and the analyzers assume one local pod.
pub fn context(fed: &ValidatedFederation, bundle: &Bundle) -> AnalysisContext {
    let domain = fed.mesh().cluster_domain().to_owned();
    let services = bundle
        .of_kind("Service")
        .filter_map(|o| KnownService::from_json(&o.to_json_value(), "default", &domain))
        .collect();
    let workloads = if fed.topology().is_peer_to_peer() {
        bundle
            .of_kind("Deployment")
            .filter_map(|o| KnownWorkload::from_json(&o.to_json_value(), "default"))
            .collect()
    } else {
        Vec::new()
    };
    AnalysisContext {
        services,
        services_complete: true,
        workloads,
        cluster_domain: domain,
        ..AnalysisContext::for_release(release(fed))
    }
}

/// Analyzes every bundle of `fed` (as [`crate::render`] made them) and returns the findings,
/// by cluster in bundle order, then object. To analyze bundles as they are rendered (and on
/// several cores), use an [`Analyzer`].
pub fn analyze(fed: &ValidatedFederation, bundles: &[Bundle]) -> Vec<FederationFinding> {
    let analyzer = Analyzer::new(fed);
    let parts = bundles.iter().map(|b| analyzer.bundle(b)).collect();
    analyzer.finish(parts)
}

/// The analysis of a federation one bundle at a time, so that a caller can render, analyze
/// and drop each bundle in turn (or one per core): [`Analyzer::bundle`] on each, then
/// [`Analyzer::finish`] with the results in bundle order, which checks what needs the other
/// peers (the ports their gateways serve). [`analyze`] does the same over a slice.
pub struct Analyzer<'a> {
    fed: &'a ValidatedFederation,
    origins: Origins,
}

/// One bundle's findings, and what the checks against the other peers need from it.
pub struct BundleAnalysis {
    cluster: String,
    /// The ports this bundle's gateways serve AUTO_PASSTHROUGH on.
    served: Vec<u32>,
    /// The analyzers' findings on the bundle's objects.
    findings: Vec<FederationFinding>,
    /// Endpoints that send to a peer's gateway, to check against the ports it serves.
    at_peers: Vec<PeerEndpoint>,
    /// Findings about the federation's CA, after the port checks.
    ca: Vec<FederationFinding>,
}

/// An endpoint at peer `peers[index]`'s gateway.
struct PeerEndpoint {
    kind: String,
    namespace: Option<String>,
    name: String,
    ports_path: String,
    address: String,
    ports: Vec<(String, u32)>,
    index: usize,
    peer: String,
}

impl<'a> Analyzer<'a> {
    /// An analyzer of `fed`'s bundles.
    pub fn new(fed: &'a ValidatedFederation) -> Self {
        Self {
            fed,
            origins: Origins::new(fed),
        }
    }

    /// Analyzes one bundle of the federation on its own.
    pub fn bundle(&self, bundle: &Bundle) -> BundleAnalysis {
        let fed = self.fed;
        let istio: Vec<&IstioResource> = istio_objects(bundle).collect();
        let ctx = context(fed, bundle);
        let findings = analysis::analyze(istio.iter().copied(), &ctx)
            .into_iter()
            .map(|f| FederationFinding {
                code: FindingCode::Istio(f.code),
                severity: f.severity,
                cluster: bundle.cluster.clone(),
                kind: f.kind.to_owned(),
                namespace: f.namespace,
                federation_path: self
                    .origins
                    .path(&bundle.cluster, istio[f.resource], &f.path),
                name: f.name,
                object_path: f.path,
                message: f.message,
            })
            .collect();
        let mut part = BundleAnalysis {
            cluster: bundle.cluster.clone(),
            served: served_passthrough_ports(bundle),
            findings,
            at_peers: Vec::new(),
            ca: Vec::new(),
        };
        if fed.topology().is_peer_to_peer() {
            peer_checks(fed, bundle, &ctx, &mut part);
        }
        part
    }

    /// The findings of every bundle, `parts` in bundle order: each bundle's own, then its
    /// endpoints checked against the ports the peers' gateways serve, then the CA's.
    pub fn finish(&self, parts: Vec<BundleAnalysis>) -> Vec<FederationFinding> {
        let mut served: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for p in &parts {
            served
                .entry(p.cluster.clone())
                .or_default()
                .extend(p.served.iter().copied());
        }
        let none = BTreeSet::new();
        let mut out = Vec::new();
        for p in parts {
            out.extend(p.findings);
            for ep in &p.at_peers {
                let peer_ports = served.get(&ep.peer).unwrap_or(&none);
                port_findings(&p.cluster, ep, peer_ports, &mut out);
            }
            out.extend(p.ca);
        }
        out
    }
}

/// A finding for each port of `ep` that its peer's gateway does not serve.
fn port_findings(
    cluster: &str,
    ep: &PeerEndpoint,
    served: &BTreeSet<u32>,
    out: &mut Vec<FederationFinding>,
) {
    for (name, port) in &ep.ports {
        if served.contains(port) {
            continue;
        }
        let list = if served.is_empty() {
            "none".to_owned()
        } else {
            served
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let code = FindingCode::PeerGatewayPortMissing;
        out.push(FederationFinding {
            code,
            severity: code.severity(),
            cluster: cluster.to_owned(),
            kind: ep.kind.clone(),
            namespace: ep.namespace.clone(),
            name: ep.name.clone(),
            object_path: format!("{}[{name}]", ep.ports_path),
            federation_path: format!("spec.topology.peerToPeer.peers[{}].gateway.port", ep.index),
            message: format!(
                "this endpoint sends port {name:?} to peer {peer}'s gateway {}:{port}, but {peer}'s \
                 bundle has no cross-network Gateway (AUTO_PASSTHROUGH) server on {port} (its ports: \
                 {list}): the gateway refuses the connection and every overflowed request fails. Make \
                 the peer's gateway.port the port its {CROSS_NETWORK_GATEWAY} serves",
                ep.address,
                peer = ep.peer,
            ),
        });
    }
}

fn istio_objects(bundle: &Bundle) -> impl Iterator<Item = &IstioResource> {
    bundle.objects.iter().filter_map(|o| match o {
        Object::Istio(r) => Some(r),
        _ => None,
    })
}

/// An endpoint of a WorkloadEntry or ServiceEntry: its address, named ports, and where it is.
struct Endpoint<'a> {
    resource: &'a IstioResource,
    address: &'a str,
    ports: &'a BTreeMap<String, u32>,
    /// Path of the endpoint's `ports` map.
    ports_path: String,
    /// The hosts it is an endpoint of (a ServiceEntry's hosts, or the hosts of the Services
    /// selecting a WorkloadEntry).
    hosts: Vec<String>,
}

fn endpoints<'a>(bundle: &'a Bundle, ctx: &AnalysisContext) -> Vec<Endpoint<'a>> {
    let mut out = Vec::new();
    for r in istio_objects(bundle) {
        match r {
            IstioResource::ServiceEntry(se) => {
                for (e, ep) in se.spec.endpoints().iter().enumerate() {
                    if let Some(address) = ep.address.as_deref() {
                        out.push(Endpoint {
                            resource: r,
                            address,
                            ports: &ep.ports,
                            ports_path: format!("spec.endpoints[{e}].ports"),
                            hosts: se.spec.hosts.clone(),
                        });
                    }
                }
            }
            IstioResource::WorkloadEntry(we) => {
                if let Some(address) = we.spec.address.as_deref() {
                    let ns = we.metadata.namespace.as_deref().unwrap_or("default");
                    out.push(Endpoint {
                        resource: r,
                        address,
                        ports: &we.spec.ports,
                        ports_path: "spec.ports".to_owned(),
                        hosts: ctx
                            .services
                            .iter()
                            .filter(|s| s.namespace == ns && s.selects(&we.spec.labels))
                            .map(|s| s.host.clone())
                            .collect(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn peer_checks(
    fed: &ValidatedFederation,
    bundle: &Bundle,
    ctx: &AnalysisContext,
    part: &mut BundleAnalysis,
) {
    let Topology::PeerToPeer { peers } = fed.topology() else {
        return;
    };
    let endpoints = endpoints(bundle, ctx);
    // Hosts whose endpoints include a peer's gateway.
    let mut hosts_at_peers: BTreeSet<&str> = BTreeSet::new();
    for ep in &endpoints {
        let Some((index, peer)) = peers.iter().enumerate().find(|(_, p)| {
            p.name().as_str() != bundle.cluster
                && p.gateway()
                    .is_some_and(|g| g.address().to_string() == ep.address)
        }) else {
            continue;
        };
        hosts_at_peers.extend(ep.hosts.iter().map(String::as_str));
        part.at_peers.push(PeerEndpoint {
            kind: ep.resource.kind().to_owned(),
            namespace: ep.resource.metadata().namespace.clone(),
            name: ep.resource.metadata().name.clone().unwrap_or_default(),
            ports_path: ep.ports_path.clone(),
            address: ep.address.to_owned(),
            ports: ep.ports.iter().map(|(n, p)| (n.clone(), *p)).collect(),
            index,
            peer: peer.name().as_str().to_owned(),
        });
    }
    if fed.mesh().ca_dir().is_some() {
        return;
    }
    for r in istio_objects(bundle) {
        let IstioResource::DestinationRule(dr) = r else {
            continue;
        };
        let mutual = dr
            .spec
            .traffic_policy
            .as_ref()
            .and_then(|t| t.tls.as_ref())
            .is_some_and(|t| t.mode == Some(TlsMode::IstioMutual));
        let ns = dr.metadata.namespace.as_deref().unwrap_or("default");
        let host = ctx.resolve_host(&dr.spec.host, ns);
        if !mutual || !hosts_at_peers.contains(host.as_str()) {
            continue;
        }
        // One message for every such DestinationRule (the object names the service): it is
        // one problem of the document, reported once with the objects it affects.
        let code = FindingCode::IstioMutualWithoutSharedCa;
        part.ca.push(FederationFinding {
            code,
            severity: code.severity(),
            cluster: bundle.cluster.clone(),
            kind: r.kind().to_owned(),
            namespace: r.metadata().namespace.clone(),
            name: r.metadata().name.clone().unwrap_or_default(),
            object_path: "spec.trafficPolicy.tls.mode".to_owned(),
            federation_path: "spec.mesh.ca".to_owned(),
            message: "requests overflow to other peers with ISTIO_MUTUAL, but the federation has no shared \
             root CA (mesh.ca): each peer's Istio signs its workloads' certificates with its own \
             self-signed root, so the peers reject each other's certificates and every overflowed \
             request fails. Make one with `fedctl certs FILE -o certs` and set mesh.ca.dir: ./certs"
                .to_owned(),
        });
    }
}

/// The ports `bundle`'s Gateways serve AUTO_PASSTHROUGH on.
fn served_passthrough_ports(bundle: &Bundle) -> Vec<u32> {
    let mut ports: Vec<u32> = istio_objects(bundle)
        .filter_map(|r| match r {
            IstioResource::Gateway(g) => Some(g),
            _ => None,
        })
        .flat_map(|g| g.spec.servers.iter())
        .filter(|s| {
            s.tls
                .as_ref()
                .is_some_and(|t| t.mode == Some(ServerTlsMode::AutoPassthrough))
        })
        .map(|s| s.port.number)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Which Federation field each rendered object comes from.
struct Origins {
    /// `(cluster, kind, namespace, name)` -> (base path, kind of origin).
    objects: BTreeMap<(String, String, String, String), Origin>,
}

#[derive(Clone)]
enum Origin {
    /// A peer-to-peer overflow rule's DestinationRule, ServiceEntry or WorkloadEntry:
    /// `spec.services[i].overflow[j]` and, for a WorkloadEntry, its target's index in `to`.
    Overflow { base: String, target: Option<usize> },
    /// A consumerProvider service's DestinationRule: `spec.services[i]`.
    ServiceThresholds { base: String },
    /// Anything else: this path as is.
    Plain(String),
}

impl Origins {
    fn new(fed: &ValidatedFederation) -> Self {
        let mut objects = BTreeMap::new();
        let mut put = |cluster: &str, kind: &str, ns: &str, name: &str, o: Origin| {
            objects.insert(
                (
                    cluster.to_owned(),
                    kind.to_owned(),
                    ns.to_owned(),
                    name.to_owned(),
                ),
                o,
            );
        };
        let p2p = fed.topology().is_peer_to_peer();
        let clusters: Vec<String> = fed
            .clusters()
            .map(|c| c.name().as_str().to_owned())
            .collect();
        for (i, svc) in fed.services().iter().enumerate() {
            let base = format!("spec.services[{i}]");
            let (name, ns) = (svc.name().as_str(), svc.namespace().as_str());
            for c in &clusters {
                put(
                    c,
                    "VirtualService",
                    ns,
                    name,
                    Origin::Plain(format!("{base}.ingress")),
                );
                if !p2p {
                    put(
                        c,
                        "DestinationRule",
                        ns,
                        name,
                        Origin::ServiceThresholds { base: base.clone() },
                    );
                }
            }
            for (j, rule) in svc.overflow().iter().enumerate() {
                let from = rule.from().as_str();
                let ob = format!("{base}.overflow[{j}]");
                put(
                    from,
                    "DestinationRule",
                    ns,
                    name,
                    Origin::Overflow {
                        base: ob.clone(),
                        target: None,
                    },
                );
                put(
                    from,
                    "ServiceEntry",
                    ns,
                    name,
                    Origin::Overflow {
                        base: ob.clone(),
                        target: None,
                    },
                );
                for (k, t) in rule.to().iter().enumerate() {
                    put(
                        from,
                        "WorkloadEntry",
                        ns,
                        &format!("{name}-{t}"),
                        Origin::Overflow {
                            base: ob.clone(),
                            target: Some(k),
                        },
                    );
                }
            }
        }
        if let Topology::PeerToPeer { peers } = fed.topology() {
            for (k, p) in peers.iter().enumerate() {
                put(
                    p.name().as_str(),
                    "Gateway",
                    ISTIO_SYSTEM,
                    CROSS_NETWORK_GATEWAY,
                    Origin::Plain(format!("spec.topology.peerToPeer.peers[{k}].gateway")),
                );
            }
        }
        Self { objects }
    }

    /// The Federation path behind `path` of `r` in `cluster`; `""` when unknown.
    fn path(&self, cluster: &str, r: &IstioResource, path: &str) -> String {
        let meta = r.metadata();
        let k = (
            cluster.to_owned(),
            r.kind().to_owned(),
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        );
        let thresholds = |base: &str| {
            let field = path.rsplit('.').next().unwrap_or_default();
            let leaf = match field {
                "consecutiveErrors" | "consecutiveGatewayErrors" => Some("consecutiveErrors"),
                "maxEjectionPercent" => Some("maxEjectionPercent"),
                "interval" => Some("interval"),
                "baseEjectionTime" => Some("baseEjectionTime"),
                _ => None,
            };
            match leaf {
                Some(l) => format!("{base}.thresholds.{l}"),
                None => format!("{base}.thresholds"),
            }
        };
        match self.objects.get(&k) {
            None => String::new(),
            Some(Origin::Plain(p)) => p.clone(),
            Some(Origin::Overflow { base, target }) => {
                if path.contains("connectionPool") || path.contains("outlierDetection") {
                    thresholds(base)
                } else if path.contains("tls") {
                    "spec.mesh.ca".to_owned()
                } else if let Some(k) = target {
                    format!("{base}.to[{k}]")
                } else if path.contains("loadBalancer")
                    || path.contains("endpoints")
                    || path.contains("hosts")
                {
                    format!("{base}.to")
                } else {
                    base.clone()
                }
            }
            Some(Origin::ServiceThresholds { base }) => {
                if path.contains("connectionPool") || path.contains("outlierDetection") {
                    thresholds(base)
                } else {
                    base.clone()
                }
            }
        }
    }
}
