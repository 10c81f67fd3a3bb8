//! `Federation::validate`: every rule of the document, every problem reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use istio_types::primitives::{
    Dns1123Label, Duration, Locality, PortName, PrimitiveError, Protocol, join_key,
};

use crate::check;
use crate::diag::{Diagnostic, Report};
use crate::model::{
    Autoscaling, Cluster, ClusterRole, Gateway, Ingress, Istio, Mesh, Overflow, ProviderResources,
    Service, ServicePort, Thresholds, Topology, ValidatedFederation, Workload,
};
use crate::raw::{
    API_VERSION, ConsumerProviderSpec, Federation, GatewaySpec, KIND, OverflowSpec, PeerToPeerSpec,
    PortSpec, ServiceSpec, ThresholdsSpec, WorkloadSpec,
};
use crate::types::{GatewayAddress, IstioVersion, Percentage, Port};

/// The default port of the cross-network (AUTO_PASSTHROUGH) gateway.
pub const DEFAULT_GATEWAY_PORT: u16 = 15443;
/// The default Kubernetes cluster domain.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";
/// Istio's connection-pool and outlier counts are int32.
const MAX_COUNT: u32 = i32::MAX.unsigned_abs();

/// A federation that passed validation, and the warnings found on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// The validated federation.
    pub federation: ValidatedFederation,
    /// Things that are allowed but probably not what the author wants.
    pub warnings: Vec<Diagnostic>,
}

impl Federation {
    /// Checks every rule of the document and returns the typed federation, or every problem
    /// found. `base_dir` is where a relative `mesh.ca.dir` is resolved from (normally the
    /// document's directory; `None`: the current directory).
    pub fn validate(self, base_dir: Option<&Path>) -> Result<Validated, Report> {
        let mut v = Validator::default();
        let result = v.federation(&self, base_dir);
        let source = self.source.as_ref();
        for d in &mut v.diagnostics {
            if let Some(source) = source {
                d.file.clone_from(&source.file);
                d.line = source.lines.line(&d.path);
            }
        }
        match result {
            Some(federation) if !v.diagnostics.iter().any(Diagnostic::is_error) => {
                let warnings = Report::new(v.diagnostics).into_diagnostics();
                Ok(Validated {
                    federation,
                    warnings,
                })
            }
            _ => Err(Report::new(v.diagnostics)),
        }
    }
}

/// What validation knows about a cluster while checking services.
struct ClusterInfo {
    role: ClusterRole,
    locality: Option<Locality>,
    address: Option<GatewayAddress>,
    address_text: String,
}

#[derive(Default)]
struct Validator {
    diagnostics: Vec<Diagnostic>,
    /// The target release, once `spec.istio` is read (and valid).
    version: Option<IstioVersion>,
    clusters: BTreeMap<String, ClusterInfo>,
    /// Cluster names in document order, for "defined: ..." messages.
    cluster_order: Vec<String>,
    /// Cluster names that are already reported as invalid: references to them are not
    /// reported again.
    unusable: BTreeSet<String>,
}

fn protocols() -> String {
    istio_types::primitives::ProtocolKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn primitive_problem(err: &PrimitiveError) -> String {
    err.to_string()
}

impl Validator {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(path, message));
    }

    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(path, message));
    }

    fn defined(&self) -> String {
        if self.cluster_order.is_empty() {
            "none".to_owned()
        } else {
            self.cluster_order.join(", ")
        }
    }

    fn label(&mut self, path: &str, text: &str, what: &str) -> Option<Dns1123Label> {
        if text.is_empty() {
            self.error(path, format!("{what} is required (a DNS-1123 label)"));
            return None;
        }
        match Dns1123Label::new(text) {
            Ok(label) => Some(label),
            Err(e) => {
                self.error(path, primitive_problem(&e));
                None
            }
        }
    }

    fn federation(
        &mut self,
        doc: &Federation,
        base_dir: Option<&Path>,
    ) -> Option<ValidatedFederation> {
        if doc.api_version != API_VERSION {
            let message = if doc.api_version.is_empty() {
                format!("apiVersion is required; allowed: {API_VERSION}")
            } else {
                format!(
                    "{:?} is not supported; allowed: {API_VERSION}",
                    doc.api_version
                )
            };
            self.error("apiVersion", message);
        }
        if doc.kind != KIND {
            let message = if doc.kind.is_empty() {
                format!("kind is required; allowed: {KIND}")
            } else {
                format!("{:?} is not supported; allowed: {KIND}", doc.kind)
            };
            self.error("kind", message);
        }
        let name = self.label("metadata.name", &doc.metadata.name, "the federation's name");
        let istio = self.istio(doc);
        let topology = self.topology(doc);
        let mesh = self.mesh(doc, base_dir);
        let services = self.services(doc, topology.as_ref());
        let observability =
            crate::observability::validate(doc.spec.observability.as_ref(), &mut self.diagnostics);
        Some(ValidatedFederation {
            name: name?,
            istio: istio?,
            mesh: mesh?,
            topology: topology?,
            services: services?,
            observability: observability?,
        })
    }

    fn istio(&mut self, doc: &Federation) -> Option<Istio> {
        let spec = &doc.spec.istio;
        let version = match spec.version.as_deref() {
            None => IstioVersion::NEWEST,
            Some(text) => match IstioVersion::parse(text) {
                Ok(v) => v,
                Err(message) => {
                    self.error("spec.istio.version", message);
                    return None;
                }
            },
        };
        if let Some(api) = spec.api_version {
            let first = api.first_served();
            if version < first {
                self.error(
                    "spec.istio.apiVersion",
                    format!(
                        "networking.istio.io/{api} is served from Istio {first}; Istio {version} serves v1alpha3 and v1beta1"
                    ),
                );
                return None;
            }
        }
        self.version = Some(version);
        Some(Istio {
            version,
            api_version_override: spec.api_version,
        })
    }

    fn mesh(&mut self, doc: &Federation, base_dir: Option<&Path>) -> Option<Mesh> {
        let spec = &doc.spec.mesh;
        let mut ok = true;
        if let Some(id) = &spec.id
            && (id.is_empty() || check::label_value(id).is_err())
        {
            self.error(
                    "spec.mesh.id",
                    format!("{id:?} is not a valid mesh ID; allowed: 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
                );
            ok = false;
        }
        let cluster_domain = spec
            .cluster_domain
            .clone()
            .unwrap_or_else(|| DEFAULT_CLUSTER_DOMAIN.to_owned());
        if let Err(problem) = check::dns1123_subdomain(&cluster_domain) {
            self.error(
                "spec.mesh.clusterDomain",
                format!("{cluster_domain:?} is not a DNS domain: {problem}"),
            );
            ok = false;
        }
        let ca_dir = match &spec.ca {
            None => None,
            Some(ca) if ca.dir.is_empty() => {
                self.error(
                    "spec.mesh.ca.dir",
                    "the CA directory is required when ca is given",
                );
                ok = false;
                None
            }
            Some(ca) => {
                let dir = base_dir.map_or_else(|| PathBuf::from(&ca.dir), |b| b.join(&ca.dir));
                if !self.ca_files(&dir) {
                    ok = false;
                }
                Some(dir)
            }
        };
        ok.then(|| Mesh {
            id: spec.id.clone(),
            cluster_domain,
            ca_dir,
        })
    }

    /// Checks `<dir>/root-cert.pem` and `<dir>/<cluster>/{ca-cert,ca-key,cert-chain,root-cert}.pem`.
    fn ca_files(&mut self, dir: &Path) -> bool {
        const PATH: &str = "spec.mesh.ca.dir";
        if !dir.is_dir() {
            self.error(
                PATH,
                format!(
                    "{} is not a directory; run `fedctl certs FILE -o DIR` to make the CA files",
                    dir.display()
                ),
            );
            return false;
        }
        let mut files = vec![dir.join("root-cert.pem")];
        for cluster in &self.cluster_order {
            for name in [
                "ca-cert.pem",
                "ca-key.pem",
                "cert-chain.pem",
                "root-cert.pem",
            ] {
                files.push(dir.join(cluster).join(name));
            }
        }
        let mut ok = true;
        for file in files {
            let problem = match std::fs::read_to_string(&file) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("is missing".to_owned()),
                Err(e) => Some(format!("cannot be read: {e}")),
                Ok(text) => pem_problem(&text),
            };
            if let Some(problem) = problem {
                self.error(PATH, format!("{} {problem}", file.display()));
                ok = false;
            }
        }
        ok
    }

    fn topology(&mut self, doc: &Federation) -> Option<Topology> {
        let spec = &doc.spec.topology;
        match (&spec.peer_to_peer, &spec.consumer_provider) {
            (Some(p2p), None) => self.peer_to_peer(p2p),
            (None, Some(cp)) => self.consumer_provider(cp),
            (Some(_), Some(_)) => {
                self.error(
                    "spec.topology",
                    "give exactly one of peerToPeer or consumerProvider, not both",
                );
                None
            }
            (None, None) => {
                self.error(
                    "spec.topology",
                    "a topology is required: exactly one of peerToPeer or consumerProvider",
                );
                None
            }
        }
    }

    /// Name, context, network and locality: what every kind of cluster has.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call per cluster kind; a struct would only rename them"
    )]
    fn cluster_common(
        &mut self,
        path: &str,
        role: ClusterRole,
        name: &str,
        context: Option<&String>,
        network: Option<&String>,
        locality: &str,
        contexts: &mut BTreeMap<String, String>,
    ) -> Option<Cluster> {
        let name_path = format!("{path}.name");
        let label = self.label(&name_path, name, "the cluster's name");
        if label.is_none() {
            self.unusable.insert(name.to_owned());
        }
        if let Some(label) = &label
            && self.clusters.contains_key(label.as_str())
        {
            self.error(
                &name_path,
                format!("cluster name {:?} is used twice", label.as_str()),
            );
        }
        let context = context.cloned().unwrap_or_else(|| name.to_owned());
        if context.is_empty() || context.chars().any(char::is_control) {
            self.error(
                format!("{path}.context"),
                format!("{context:?} is not a kubeconfig context name"),
            );
        } else if let Some(other) = contexts.get(&context) {
            self.error(
                format!("{path}.context"),
                format!("context {context:?} is also used by cluster {other:?}: both would be applied to the same cluster"),
            );
        } else {
            contexts.insert(context.clone(), name.to_owned());
        }
        if let Some(network) = network
            && (network.is_empty() || check::label_value(network).is_err())
        {
            self.error(
                    format!("{path}.network"),
                    format!("{network:?} is not a valid network name; allowed: 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
                );
        }
        let locality_path = format!("{path}.locality");
        let locality = if locality.is_empty() {
            self.error(
                &locality_path,
                "the locality is required: region[/zone[/subzone]], e.g. us-west1/us-west1-b",
            );
            None
        } else {
            match Locality::new(locality) {
                Ok(l) => Some(l),
                Err(e) => {
                    self.error(&locality_path, primitive_problem(&e));
                    None
                }
            }
        };
        if role != ClusterRole::Peer
            && let Some(l) = &locality
            && l.zone().is_none()
        {
            self.error(
                        &locality_path,
                        format!(
                            "{:?} has no zone; a LIQO cluster needs region/zone: the zone is the value of its nodes' topology.kubernetes.io/zone label, which selects where workloads and its ingress gateway run",
                            l.as_str()
                        ),
                    );
        }
        if let Some(label) = &label
            && !self.clusters.contains_key(label.as_str())
        {
            self.cluster_order.push(label.as_str().to_owned());
            self.clusters.insert(
                label.as_str().to_owned(),
                ClusterInfo {
                    role,
                    locality: locality.clone(),
                    address: None,
                    address_text: String::new(),
                },
            );
        }
        Some(Cluster {
            name: label?,
            role,
            context,
            network: network.cloned(),
            locality: locality?,
            gateway: None,
            resources: None,
        })
    }

    fn peer_to_peer(&mut self, spec: &PeerToPeerSpec) -> Option<Topology> {
        let mut contexts = BTreeMap::new();
        let mut peers = Vec::new();
        let mut ok = true;
        for (i, peer) in spec.peers.iter().enumerate() {
            let path = format!("spec.topology.peerToPeer.peers[{i}]");
            let cluster = self.cluster_common(
                &path,
                ClusterRole::Peer,
                &peer.name,
                peer.context.as_ref(),
                peer.network.as_ref(),
                &peer.locality,
                &mut contexts,
            );
            let gateway = self.gateway(&format!("{path}.gateway"), &peer.gateway);
            if let (Some(gw), Some(info)) = (&gateway, self.clusters.get_mut(&peer.name)) {
                info.address = Some(gw.address.clone());
            }
            if let Some(info) = self.clusters.get_mut(&peer.name) {
                info.address_text.clone_from(&peer.gateway.address);
            }
            match (cluster, gateway) {
                (Some(mut cluster), Some(gateway)) => {
                    cluster.gateway = Some(gateway);
                    peers.push(cluster);
                }
                _ => ok = false,
            }
        }
        if spec.peers.len() < 2 {
            self.error(
                "spec.topology.peerToPeer.peers",
                format!(
                    "a peerToPeer federation needs at least 2 peers, found {}",
                    spec.peers.len()
                ),
            );
            ok = false;
        }
        ok.then_some(Topology::PeerToPeer { peers })
    }

    fn gateway(&mut self, path: &str, spec: &GatewaySpec) -> Option<Gateway> {
        let address = if spec.address.is_empty() {
            self.error(
                format!("{path}.address"),
                "the gateway address is required: the IP of the cluster's ingress gateway",
            );
            None
        } else {
            match GatewayAddress::parse(&spec.address) {
                Ok(a) => Some(a),
                Err(message) => {
                    self.error(format!("{path}.address"), message);
                    None
                }
            }
        };
        let port = match spec.port {
            None => Port::new(u32::from(DEFAULT_GATEWAY_PORT)).ok(),
            Some(n) => match Port::new(n) {
                Ok(p) => Some(p),
                Err(message) => {
                    self.error(format!("{path}.port"), message);
                    None
                }
            },
        };
        let selector = match &spec.selector {
            None => BTreeMap::from([("istio".to_owned(), "ingressgateway".to_owned())]),
            Some(selector) => {
                self.selector(&format!("{path}.selector"), selector, "the gateway's pods");
                selector.clone()
            }
        };
        Some(Gateway {
            address: address?,
            port: port?,
            selector,
        })
    }

    fn selector(&mut self, path: &str, selector: &BTreeMap<String, String>, whose: &str) -> bool {
        if selector.is_empty() {
            self.error(
                path,
                format!("an empty selector selects every pod in the namespace; give the labels of {whose}"),
            );
            return false;
        }
        let mut ok = true;
        for (key, value) in selector {
            let key_path = join_key(path, key);
            if let Err(problem) = check::label_key(key) {
                self.error(&key_path, problem);
                ok = false;
            }
            if let Err(problem) = check::label_value(value) {
                self.error(&key_path, problem);
                ok = false;
            }
        }
        ok
    }

    fn consumer_provider(&mut self, spec: &ConsumerProviderSpec) -> Option<Topology> {
        let mut contexts = BTreeMap::new();
        let path = "spec.topology.consumerProvider.consumer";
        let consumer = self.cluster_common(
            path,
            ClusterRole::Consumer,
            &spec.consumer.name,
            spec.consumer.context.as_ref(),
            spec.consumer.network.as_ref(),
            &spec.consumer.locality,
            &mut contexts,
        );
        let mut ok = true;
        let mut providers = Vec::new();
        for (i, provider) in spec.providers.iter().enumerate() {
            let path = format!("spec.topology.consumerProvider.providers[{i}]");
            match self.cluster_common(
                &path,
                ClusterRole::Provider,
                &provider.name,
                provider.context.as_ref(),
                provider.network.as_ref(),
                &provider.locality,
                &mut contexts,
            ) {
                Some(mut cluster) => {
                    cluster.resources = provider.resources.as_ref().map(|r| ProviderResources {
                        cpu: r.cpu.clone(),
                        memory: r.memory.clone(),
                    });
                    providers.push(cluster);
                }
                None => ok = false,
            }
        }
        if spec.providers.is_empty() {
            self.error(
                "spec.topology.consumerProvider.providers",
                "a consumerProvider federation needs at least 1 provider",
            );
            ok = false;
        }
        // Zones select each cluster's nodes: two clusters in one zone cannot be told apart.
        let mut zones: BTreeMap<String, String> = BTreeMap::new();
        let all = consumer.iter().chain(&providers);
        let mut clashes = Vec::new();
        for (i, cluster) in all.enumerate() {
            if let Some(zone) = cluster.locality.zone() {
                if let Some(other) = zones.get(zone) {
                    let path = if i == 0 {
                        "spec.topology.consumerProvider.consumer.locality".to_owned()
                    } else {
                        format!(
                            "spec.topology.consumerProvider.providers[{}].locality",
                            i - 1
                        )
                    };
                    clashes.push((
                        path,
                        format!(
                            "zone {zone:?} is also the zone of cluster {other:?}; LIQO offloading selects a cluster by its zone, so zones must differ"
                        ),
                    ));
                } else {
                    zones.insert(zone.to_owned(), cluster.name.as_str().to_owned());
                }
            }
        }
        for (path, message) in clashes {
            self.error(path, message);
            ok = false;
        }
        // Each cluster's ingress gateway lives in namespace `istio-ingress-<name>`, a DNS label.
        let named = std::iter::once((
            "spec.topology.consumerProvider.consumer.name".to_owned(),
            &spec.consumer.name,
        ))
        .chain(spec.providers.iter().enumerate().map(|(i, p)| {
            (
                format!("spec.topology.consumerProvider.providers[{i}].name"),
                &p.name,
            )
        }));
        for (path, name) in named {
            let namespace = format!("istio-ingress-{name}");
            if name.len() > 63 || namespace.len() <= 63 {
                continue;
            }
            self.error(
                path,
                format!(
                    "the cluster's ingress-gateway namespace would be {namespace:?} ({} characters), longer than a namespace name may be (63): use a name of at most 49 characters",
                    namespace.len()
                ),
            );
            ok = false;
        }
        let consumer = consumer?;
        ok.then_some(Topology::ConsumerProvider {
            consumer,
            providers,
        })
    }

    fn services(&mut self, doc: &Federation, topology: Option<&Topology>) -> Option<Vec<Service>> {
        let cluster_domain = doc
            .spec
            .mesh
            .cluster_domain
            .as_deref()
            .unwrap_or(DEFAULT_CLUSTER_DOMAIN);
        let peer_to_peer = doc.spec.topology.peer_to_peer.is_some();
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut ingress_paths: BTreeMap<String, usize> = BTreeMap::new();
        let mut services = Vec::new();
        let mut ok = true;
        for (i, spec) in doc.spec.services.iter().enumerate() {
            let path = format!("spec.services[{i}]");
            let namespace = spec.namespace.as_deref().unwrap_or("default");
            let key = (namespace.to_owned(), spec.name.clone());
            if let Some(first) = seen.get(&key) {
                self.error(
                    format!("{path}.name"),
                    format!(
                        "service {:?} in namespace {namespace:?} is already defined by spec.services[{first}]",
                        spec.name
                    ),
                );
                ok = false;
            } else {
                seen.insert(key, i);
            }
            if let Some(ingress) = &spec.ingress {
                if let Some(first) = ingress_paths.get(&ingress.path) {
                    self.error(
                        format!("{path}.ingress.path"),
                        format!(
                            "path {:?} is already routed to spec.services[{first}]; each service needs its own prefix",
                            ingress.path
                        ),
                    );
                    ok = false;
                } else {
                    ingress_paths.insert(ingress.path.clone(), i);
                }
            }
            match self.service(
                &path,
                spec,
                cluster_domain,
                peer_to_peer,
                topology.is_some(),
            ) {
                Some(service) => services.push(service),
                None => ok = false,
            }
        }
        if peer_to_peer {
            ok &= self.workload_entry_names(doc);
        }
        ok.then_some(services)
    }

    /// peerToPeer from Istio 1.7: each overflow target becomes WorkloadEntry
    /// `<service>-<target>` in the service's namespace of cluster `from`. `-` joins are
    /// ambiguous (`a-b` overflowing to `c` and `a` to `b-c` both give `a-b-c`), and two objects
    /// of one name overwrite each other: one service's overflow endpoints would be lost (found
    /// by the `federation` fuzz target).
    fn workload_entry_names(&mut self, doc: &Federation) -> bool {
        let version = match doc.spec.istio.version.as_deref() {
            None => Some(IstioVersion::NEWEST),
            Some(text) => IstioVersion::parse(text).ok(),
        };
        if !version.is_some_and(|v| v.at_least(1, 7)) {
            return true;
        }
        let mut seen: BTreeMap<(&str, &str, String), (usize, &str)> = BTreeMap::new();
        let mut ok = true;
        for (i, spec) in doc.spec.services.iter().enumerate() {
            let namespace = spec.namespace.as_deref().unwrap_or("default");
            for (j, rule) in spec.overflow.iter().enumerate() {
                for (k, to) in rule.to.iter().enumerate() {
                    let name = format!("{}-{to}", spec.name);
                    match seen.get(&(rule.from.as_str(), namespace, name.clone())) {
                        Some(&(first, first_to)) if first != i => {
                            self.error(
                                format!("spec.services[{i}].overflow[{j}].to[{k}]"),
                                format!(
                                    "the WorkloadEntry {name:?} for overflow from {:?} to {to:?} would have the same name as spec.services[{first}]'s ({:?} to {first_to:?}) in namespace {namespace:?}: rename a service or a cluster",
                                    rule.from, doc.spec.services[first].name
                                ),
                            );
                            ok = false;
                        }
                        // The same service: a target listed twice, reported with the list.
                        Some(_) => {}
                        None => {
                            seen.insert((rule.from.as_str(), namespace, name), (i, to.as_str()));
                        }
                    }
                }
            }
        }
        ok
    }

    #[allow(
        clippy::too_many_lines,
        reason = "one rule after another, in document order; splitting would scatter them"
    )]
    fn service(
        &mut self,
        path: &str,
        spec: &ServiceSpec,
        cluster_domain: &str,
        peer_to_peer: bool,
        topology_ok: bool,
    ) -> Option<Service> {
        let mut ok = true;
        let name = self.label(&format!("{path}.name"), &spec.name, "the service's name");
        let namespace = match &spec.namespace {
            None => Dns1123Label::new("default").ok(),
            Some(ns) => self.label(&format!("{path}.namespace"), ns, "the namespace"),
        };
        let ports = self.ports(path, &spec.ports);
        let runs_in = self.runs_in(path, spec.runs_in.as_ref());
        let selector = match &spec.selector {
            None => BTreeMap::from([("app".to_owned(), spec.name.clone())]),
            Some(selector) => {
                ok &= self.selector(&format!("{path}.selector"), selector, "the service's pods");
                selector.clone()
            }
        };
        let service_account = spec.service_account.clone().unwrap_or_else(|| {
            if spec.workload.is_some() {
                spec.name.clone()
            } else {
                "default".to_owned()
            }
        });
        if spec.service_account.is_some()
            && let Err(problem) = check::dns1123_subdomain(&service_account)
        {
            self.error(
                format!("{path}.serviceAccount"),
                format!("{service_account:?} is not a valid service account name: {problem}"),
            );
            ok = false;
        }
        let workload = match &spec.workload {
            None => None,
            Some(w) => {
                if let Some(w) = self.workload(&format!("{path}.workload"), w) {
                    Some(w)
                } else {
                    ok = false;
                    None
                }
            }
        };
        let ingress = match &spec.ingress {
            None => None,
            Some(ingress) => {
                if !ingress.path.starts_with('/') || ingress.path.chars().any(char::is_whitespace) {
                    self.error(
                        format!("{path}.ingress.path"),
                        format!("{:?} is not a URI path prefix; allowed: a path starting with '/', without spaces, e.g. /echo", ingress.path),
                    );
                    ok = false;
                }
                Some(Ingress {
                    path: ingress.path.clone(),
                })
            }
        };
        let runs_in_names: Vec<String> = runs_in
            .as_ref()
            .map(|r| r.iter().map(|c| c.as_str().to_owned()).collect())
            .unwrap_or_default();
        let mut overflow = Vec::new();
        let mut thresholds = None;
        if peer_to_peer {
            if namespace
                .as_ref()
                .is_some_and(|ns| ns.as_str() == "istio-system")
            {
                // The renderer makes istio-system without sidecar injection (it holds istiod and
                // the gateways) and every service namespace with it: both cannot hold.
                self.error(
                    format!("{path}.namespace"),
                    "\"istio-system\" holds Istio's control plane and gateways and is rendered without sidecar injection, so the service's pods would not join the mesh and could not overflow; put the service in a namespace of its own",
                );
                ok = false;
            }
            if spec.thresholds.is_some() {
                self.error(
                    format!("{path}.thresholds"),
                    "service-level thresholds are for consumerProvider; in peerToPeer put thresholds on each overflow rule (overflow[].thresholds)",
                );
                ok = false;
            }
            let mut froms: BTreeMap<String, usize> = BTreeMap::new();
            for (j, rule) in spec.overflow.iter().enumerate() {
                let rule_path = format!("{path}.overflow[{j}]");
                if let Some(first) = froms.get(&rule.from) {
                    self.error(
                        format!("{rule_path}.from"),
                        format!(
                            "there is already an overflow rule from {:?} for this service ({path}.overflow[{first}]); merge their targets into one ordered list",
                            rule.from
                        ),
                    );
                    ok = false;
                } else {
                    froms.insert(rule.from.clone(), j);
                }
                match self.overflow(&rule_path, rule, &spec.name, &runs_in_names) {
                    Some(rule) => overflow.push(rule),
                    None => ok = false,
                }
            }
        } else {
            if !spec.overflow.is_empty() {
                self.error(
                    format!("{path}.overflow"),
                    "overflow rules are for peerToPeer; in consumerProvider Istio's locality load balancing fails over between clusters by itself: put thresholds on the service instead",
                );
                ok = false;
            }
            if topology_ok {
                thresholds = if let Some(t) = &spec.thresholds {
                    let t = self.thresholds(&format!("{path}.thresholds"), t);
                    if let Some(t) = &t {
                        self.ejection_warnings(&format!("{path}.thresholds"), t, false);
                    } else {
                        ok = false;
                    }
                    t
                } else {
                    self.warning(
                        path,
                        "no thresholds: the DestinationRule gets no outlierDetection, and Istio's locality failover does nothing without it (instances that fail keep receiving local traffic)",
                    );
                    None
                };
                if !runs_in_names.is_empty()
                    && runs_in_names.iter().all(|c| {
                        self.clusters
                            .get(c)
                            .is_some_and(|info| info.role == ClusterRole::Provider)
                    })
                {
                    self.warning(
                        format!("{path}.runsIn"),
                        "the service runs only on providers: every request, including those entering through the consumer's gateway, crosses the LIQO network, and locality load balancing has no local instance to prefer in the consumer",
                    );
                }
                ok &= self.liqo_service_names(path, spec, namespace.as_ref(), &runs_in_names);
            }
        }
        Some(Service {
            fqdn: format!(
                "{}.{}.svc.{cluster_domain}",
                spec.name,
                namespace.as_ref()?.as_str()
            ),
            name: name?,
            namespace: namespace?,
            ports: ports?,
            runs_in: runs_in?,
            selector,
            service_account,
            workload,
            ingress,
            overflow,
            thresholds,
        })
        .filter(|_| ok)
    }

    /// consumerProvider: the names the LIQO layout derives from a service must work.
    ///
    /// - `istio-system` and `istio-ingress-<cluster>` have their offloading fixed by the Istio
    ///   layout (`Local`; only to that cluster), which a service cannot use (its instances run
    ///   on every cluster of `runsIn`), and LIQO honours one NamespaceOffloading per namespace.
    /// - The Deployment `<service>-<cluster>` is also the value of its pods' `app-t` label,
    ///   which Kubernetes caps at 63 characters.
    /// - A service with `ingress` gets the Gateway `http-gateway-<namespace>`, and Istio wants a
    ///   Gateway's name to be a DNS-1123 label (at most 63 characters).
    fn liqo_service_names(
        &mut self,
        path: &str,
        spec: &ServiceSpec,
        namespace: Option<&Dns1123Label>,
        runs_in: &[String],
    ) -> bool {
        let mut ok = true;
        if let Some(ns) = namespace.map(Dns1123Label::as_str) {
            let fixed = if ns == "istio-system" {
                Some(
                    "is offloaded with podOffloadingStrategy Local so that istiod stays in the consumer: its pods never run on a provider"
                        .to_owned(),
                )
            } else {
                ns.strip_prefix("istio-ingress-")
                    .filter(|c| self.clusters.contains_key(*c))
                    .map(|c| {
                        format!(
                            "is the ingress-gateway namespace of cluster {c:?}, offloaded to that cluster alone (or not at all, for the consumer)"
                        )
                    })
            };
            if let Some(why) = fixed {
                self.error(
                    format!("{path}.namespace"),
                    format!(
                        "{ns:?} {why}; a service's namespace must be offloaded LocalAndRemote with EnforceSameName to every provider, and LIQO honours one NamespaceOffloading per namespace: put the service in a namespace of its own"
                    ),
                );
                ok = false;
            }
        }
        if spec.ingress.is_some()
            && let Some(ns) = namespace.map(Dns1123Label::as_str)
        {
            let gateway = format!("http-gateway-{ns}");
            if gateway.len() > 63 {
                self.error(
                    format!("{path}.namespace"),
                    format!(
                        "the ingress Gateway of namespace {ns:?} would be named {gateway:?} ({} characters), and Istio allows a Gateway name of at most 63 (a DNS label): use a namespace of at most 50 characters for a service with ingress",
                        gateway.len()
                    ),
                );
                ok = false;
            }
        }
        if spec.workload.is_some()
            && let Some(long) = runs_in
                .iter()
                .map(|c| format!("{}-{c}", spec.name))
                .find(|local| local.len() > 63)
        {
            self.error(
                format!("{path}.name"),
                format!(
                    "the Deployment {long:?} ({} characters) names the service's instances in one cluster and is the value of their app-t label, which allows at most 63: shorten the service or cluster name",
                    long.len()
                ),
            );
            ok = false;
        }
        ok
    }

    fn ports(&mut self, path: &str, specs: &[PortSpec]) -> Option<Vec<ServicePort>> {
        if specs.is_empty() {
            self.error(
                format!("{path}.ports"),
                "a service needs at least one port, e.g. {name: http, number: 80, protocol: HTTP}",
            );
            return None;
        }
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut numbers: BTreeMap<u32, usize> = BTreeMap::new();
        let mut ports = Vec::new();
        let mut ok = true;
        for (k, spec) in specs.iter().enumerate() {
            let path = format!("{path}.ports[{k}]");
            let name = if spec.name.is_empty() {
                self.error(
                    format!("{path}.name"),
                    "the port name is required (e.g. http); Istio matches ports by name",
                );
                None
            } else {
                match PortName::new(spec.name.as_str()) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        self.error(format!("{path}.name"), primitive_problem(&e));
                        None
                    }
                }
            };
            if let Some(first) = names.insert(spec.name.as_str(), k)
                && !spec.name.is_empty()
            {
                self.error(
                    format!("{path}.name"),
                    format!(
                        "port name {:?} is already used by ports[{first}]",
                        spec.name
                    ),
                );
                ok = false;
            }
            let number = match Port::new(spec.number) {
                Ok(p) => Some(p),
                Err(message) => {
                    let message = if spec.number == 0 {
                        "the port number is required; allowed: 1 to 65535".to_owned()
                    } else {
                        message
                    };
                    self.error(format!("{path}.number"), message);
                    None
                }
            };
            if spec.number != 0
                && let Some(first) = numbers.insert(spec.number, k)
            {
                self.error(
                    format!("{path}.number"),
                    format!("port {} is already used by ports[{first}]", spec.number),
                );
                ok = false;
            }
            let protocol = if spec.protocol.is_empty() {
                self.error(
                    format!("{path}.protocol"),
                    format!(
                        "the protocol is required; allowed (any case): {}",
                        protocols()
                    ),
                );
                None
            } else {
                match Protocol::new(spec.protocol.as_str()) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.error(format!("{path}.protocol"), primitive_problem(&e));
                        None
                    }
                }
            };
            let target_port = match spec.target_port.map(Port::new) {
                None => Some(None),
                Some(Ok(p)) => Some(Some(p)),
                Some(Err(message)) => {
                    self.error(format!("{path}.targetPort"), message);
                    None
                }
            };
            match (name, number, protocol, target_port) {
                (Some(name), Some(number), Some(protocol), Some(target_port)) => {
                    ports.push(ServicePort {
                        name,
                        number,
                        protocol,
                        target_port,
                    });
                }
                _ => ok = false,
            }
        }
        ok.then_some(ports)
    }

    fn runs_in(&mut self, path: &str, spec: Option<&Vec<String>>) -> Option<Vec<Dns1123Label>> {
        let Some(names) = spec else {
            return self
                .cluster_order
                .iter()
                .map(|c| Dns1123Label::new(c.as_str()).ok())
                .collect();
        };
        if names.is_empty() {
            self.error(
                format!("{path}.runsIn"),
                "the service runs nowhere; list at least one cluster, or leave runsIn out to run it everywhere",
            );
            return None;
        }
        let mut result = Vec::new();
        let mut seen = BTreeSet::new();
        let mut ok = true;
        for (k, name) in names.iter().enumerate() {
            let item = format!("{path}.runsIn[{k}]");
            if self.unusable.contains(name) {
                ok = false;
            } else if !self.clusters.contains_key(name) {
                let message = format!(
                    "cluster {name:?} is not defined (defined: {})",
                    self.defined()
                );
                self.error(item, message);
                ok = false;
            } else if !seen.insert(name.as_str()) {
                self.error(item, format!("cluster {name:?} is listed twice"));
                ok = false;
            } else if let Ok(label) = Dns1123Label::new(name.as_str()) {
                result.push(label);
            }
        }
        ok.then_some(result)
    }

    fn workload(&mut self, path: &str, spec: &WorkloadSpec) -> Option<Workload> {
        let mut ok = true;
        if spec.image.is_empty() || spec.image.chars().any(char::is_whitespace) {
            let message = if spec.image.is_empty() {
                "the container image is required, e.g. ealen/echo-server:0.9.2".to_owned()
            } else {
                format!(
                    "{:?} is not a container image reference (it contains whitespace)",
                    spec.image
                )
            };
            self.error(format!("{path}.image"), message);
            ok = false;
        }
        let autoscaling = match &spec.autoscaling {
            None => None,
            Some(a) => {
                let min = a.min_replicas.unwrap_or(1);
                let target = a.target_cpu_utilization_percentage.unwrap_or(80);
                if min == 0 {
                    self.error(
                        format!("{path}.autoscaling.minReplicas"),
                        "0 is not allowed; allowed: 1 or more",
                    );
                    ok = false;
                }
                if a.max_replicas == 0 {
                    self.error(
                        format!("{path}.autoscaling.maxReplicas"),
                        "maxReplicas is required; allowed: 1 or more, at least minReplicas",
                    );
                    ok = false;
                } else if a.max_replicas < min {
                    self.error(
                        format!("{path}.autoscaling.maxReplicas"),
                        format!("{} is less than minReplicas ({min})", a.max_replicas),
                    );
                    ok = false;
                }
                if target == 0 {
                    self.error(
                        format!("{path}.autoscaling.targetCPUUtilizationPercentage"),
                        "0 is not allowed; allowed: 1 or more (percent of the CPU request)",
                    );
                    ok = false;
                }
                Some(Autoscaling {
                    min_replicas: min,
                    max_replicas: a.max_replicas,
                    target_cpu_utilization_percentage: target,
                })
            }
        };
        if autoscaling.is_some() {
            let needs_request = spec
                .resources
                .as_ref()
                .is_none_or(|r| !r.requests.contains_key("cpu"));
            if needs_request {
                self.warning(
                    format!("{path}.autoscaling"),
                    "autoscaling on CPU utilisation needs a CPU request (resources.requests.cpu); without one the HPA cannot compute utilisation and never scales",
                );
            }
        }
        let (requests, limits) = match &spec.resources {
            None => (BTreeMap::new(), BTreeMap::new()),
            Some(r) => {
                for (which, map) in [("requests", &r.requests), ("limits", &r.limits)] {
                    for key in map.keys() {
                        if check::label_key(key).is_err() {
                            self.error(
                                join_key(&format!("{path}.resources.{which}"), key),
                                format!("{key:?} is not a resource name (e.g. cpu, memory, ephemeral-storage)"),
                            );
                            ok = false;
                        }
                    }
                }
                (r.requests.clone(), r.limits.clone())
            }
        };
        ok.then(|| Workload {
            image: spec.image.clone(),
            replicas: spec.replicas.unwrap_or(1),
            autoscaling,
            requests,
            limits,
        })
    }

    #[allow(
        clippy::too_many_lines,
        reason = "one rule after another, in document order; splitting would scatter them"
    )]
    fn overflow(
        &mut self,
        path: &str,
        spec: &OverflowSpec,
        service: &str,
        runs_in: &[String],
    ) -> Option<Overflow> {
        let mut ok = true;
        let from_path = format!("{path}.from");
        let from = if spec.from.is_empty() {
            self.error(
                &from_path,
                "from is required: the peer whose clients overflow",
            );
            None
        } else if self.unusable.contains(&spec.from) {
            None
        } else if !self.clusters.contains_key(&spec.from) {
            let message = format!(
                "cluster {:?} is not defined (defined: {})",
                spec.from,
                self.defined()
            );
            self.error(&from_path, message);
            None
        } else {
            if !runs_in.iter().any(|c| c == &spec.from) {
                self.error(
                    &from_path,
                    format!(
                        "{service:?} does not run in {:?}: the overflow endpoints join the service's endpoints in {:?}, so the service must run there (add it to runsIn)",
                        spec.from, spec.from
                    ),
                );
                ok = false;
            }
            Dns1123Label::new(spec.from.as_str()).ok()
        };
        if spec.to.is_empty() {
            self.error(
                format!("{path}.to"),
                "to is required: the peers to overflow to, in priority order",
            );
            ok = false;
        }
        let mut to = Vec::new();
        let mut seen = BTreeSet::new();
        for (k, target) in spec.to.iter().enumerate() {
            let item = format!("{path}.to[{k}]");
            if self.unusable.contains(target) {
                ok = false;
                continue;
            }
            let Some(info) = self.clusters.get(target) else {
                let message = format!(
                    "cluster {target:?} is not defined (defined: {})",
                    self.defined()
                );
                self.error(item, message);
                ok = false;
                continue;
            };
            let (address, address_text, locality) = (
                info.address.clone(),
                info.address_text.clone(),
                info.locality.clone(),
            );
            if target == &spec.from {
                self.error(
                    item,
                    format!("{target:?} is the rule's own from; a peer cannot overflow to itself"),
                );
                ok = false;
                continue;
            }
            if !seen.insert(target.as_str()) {
                self.error(item, format!("cluster {target:?} is listed twice"));
                ok = false;
                continue;
            }
            if !runs_in.iter().any(|c| c == target) {
                self.error(
                    &item,
                    format!(
                        "{service:?} does not run in {target:?}: its gateway would have nothing to route the overflow to (add {target:?} to runsIn)"
                    ),
                );
                ok = false;
            }
            if let Some(GatewayAddress::Hostname(host)) = &address {
                self.error(
                    &item,
                    format!(
                        "the gateway address of {target:?} is the DNS name {host:?}; an overflow target needs an IP: Istio only merges static IP endpoints into the service, a DNS name becomes a separate DNS cluster and nothing spills over"
                    ),
                );
                ok = false;
            } else if address.is_none() && !address_text.is_empty() {
                // Its address is already reported as invalid at the peer.
                ok = false;
            }
            if let (Some(from_info), Some(target_locality)) =
                (self.clusters.get(&spec.from), &locality)
                && from_info.locality.as_ref() == Some(target_locality)
            {
                let message = format!(
                    "{target:?} has the same locality as {:?} ({}): Istio balances between endpoints of equal locality instead of failing over, so traffic goes there all the time, not only on overflow",
                    spec.from,
                    target_locality.as_str()
                );
                self.warning(&item, message);
            }
            if let Ok(label) = Dns1123Label::new(target.as_str()) {
                to.push(label);
            }
        }
        let thresholds = match &spec.thresholds {
            None => {
                self.warning(
                    path,
                    "no thresholds: nothing ever ejects the local endpoints, so traffic never overflows; set e.g. maxConnections and consecutiveErrors",
                );
                Some(Thresholds::default())
            }
            Some(t) => {
                let t = self.thresholds(&format!("{path}.thresholds"), t);
                if let Some(t) = &t {
                    self.ejection_warnings(&format!("{path}.thresholds"), t, true);
                }
                t
            }
        };
        let retry_remote = spec.retry_remote.unwrap_or(false);
        if let (true, Some(version)) = (retry_remote, self.version)
            && version.dataplane().retry_remote_localities.value.is_none()
        {
            // The first release with the field, from the same table fact that gates it.
            let (oldest, newest) = (
                istio_types::release::IstioRelease::OLDEST_KNOWN,
                istio_types::release::IstioRelease::NEWEST_KNOWN,
            );
            let first = (oldest.minor()..=newest.minor())
                .map(|m| istio_types::release::IstioRelease::new(oldest.major(), m))
                .find(|r| {
                    istio_types::dataplane::DataPlane::of(*r)
                        .retry_remote_localities
                        .value
                        .is_some()
                });
            let needs = first.map_or_else(
                || "no known Istio release has it".to_owned(),
                |r| format!("retryRemote needs Istio {r} or newer"),
            );
            self.error(
                format!("{path}.retryRemote"),
                format!(
                    "Istio {version} has no VirtualService retryRemoteLocalities, so a retry never leaves the local locality; {needs}"
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        Some(Overflow {
            from: from?,
            to,
            thresholds: thresholds?,
            retry_remote,
        })
    }

    fn thresholds(&mut self, path: &str, spec: &ThresholdsSpec) -> Option<Thresholds> {
        let mut ok = true;
        for (field, value) in [
            ("maxConnections", spec.max_connections),
            ("http1MaxPendingRequests", spec.http1_max_pending_requests),
            ("http2MaxRequests", spec.http2_max_requests),
            ("maxRequestsPerConnection", spec.max_requests_per_connection),
            ("consecutiveErrors", spec.consecutive_errors),
        ] {
            if let Some(n) = value
                && n > MAX_COUNT
            {
                self.error(
                    format!("{path}.{field}"),
                    format!("{n} is too large; allowed: 0 to {MAX_COUNT} (Istio's int32)"),
                );
                ok = false;
            }
        }
        let mut duration = |field: &str, text: Option<&String>| -> Option<Option<Duration>> {
            match text.map(|t| Duration::new(t.as_str())) {
                None => Some(None),
                Some(Ok(d)) => Some(Some(d)),
                Some(Err(e)) => {
                    self.error(format!("{path}.{field}"), primitive_problem(&e));
                    None
                }
            }
        };
        let interval = duration("interval", spec.interval.as_ref());
        let base_ejection_time = duration("baseEjectionTime", spec.base_ejection_time.as_ref());
        let max_ejection_percent = match spec.max_ejection_percent.map(Percentage::new) {
            None => Some(None),
            Some(Ok(p)) => Some(Some(p)),
            Some(Err(message)) => {
                self.error(format!("{path}.maxEjectionPercent"), message);
                None
            }
        };
        if !ok {
            return None;
        }
        Some(Thresholds {
            max_connections: spec.max_connections,
            http1_max_pending_requests: spec.http1_max_pending_requests,
            http2_max_requests: spec.http2_max_requests,
            max_requests_per_connection: spec.max_requests_per_connection,
            consecutive_errors: spec.consecutive_errors,
            interval: interval?,
            base_ejection_time: base_ejection_time?,
            max_ejection_percent: max_ejection_percent?,
        })
    }

    /// Thresholds that make failover impossible are allowed, but say so.
    fn ejection_warnings(&mut self, path: &str, t: &Thresholds, peer_to_peer: bool) {
        if !t.has_outlier_detection() {
            self.warning(
                path,
                "no outlier detection (consecutiveErrors, interval, baseEjectionTime, maxEjectionPercent): Istio fails over to another locality only when local endpoints are ejected, so traffic never moves",
            );
        }
        if t.max_ejection_percent.is_some_and(|p| p.get() == 0) {
            self.warning(
                format!("{path}.maxEjectionPercent"),
                "Istio passes only values above 0 to Envoy, so 0 leaves Envoy's default of 10%: one endpoint at a time can still be ejected, but not all of a locality's endpoints, so traffic may never fail over; write the percentage you mean (100 lets every local endpoint be ejected)",
            );
        }
        if t.consecutive_errors == Some(0) {
            self.warning(
                format!("{path}.consecutiveErrors"),
                "0 turns error-based ejection off, so traffic never fails over",
            );
        }
        if peer_to_peer && !t.has_connection_pool() {
            self.warning(
                path,
                "no connection-pool limit (maxConnections, http1MaxPendingRequests, http2MaxRequests, maxRequestsPerConnection): local endpoints are never saturated, so traffic overflows only when they fail, not under load",
            );
        }
    }
}

/// `None` if `text` holds at least one well-formed PEM block, else what is wrong.
fn pem_problem(text: &str) -> Option<String> {
    let mut lines = text.lines().map(str::trim);
    let mut blocks = 0;
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = 0;
        loop {
            match lines.next() {
                None => return Some(format!("is not valid PEM: no {end:?} line")),
                Some(l) if l == end => break,
                Some(l) => {
                    if !l
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                    {
                        return Some(format!(
                            "is not valid PEM: the {label} block holds non-base64 text"
                        ));
                    }
                    body += l.len();
                }
            }
        }
        if body == 0 {
            return Some(format!("is not valid PEM: the {label} block is empty"));
        }
        blocks += 1;
    }
    (blocks == 0).then(|| "is not PEM (no -----BEGIN ...----- line)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::pem_problem;

    #[test]
    fn pem() {
        assert_eq!(
            pem_problem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            None
        );
        assert!(pem_problem("hello").is_some());
        assert!(pem_problem("-----BEGIN X-----\nAAAA\n").is_some());
        assert!(pem_problem("-----BEGIN X-----\n-----END X-----\n").is_some());
        assert!(pem_problem("-----BEGIN X-----\nno spaces allowed\n-----END X-----\n").is_some());
    }
}
