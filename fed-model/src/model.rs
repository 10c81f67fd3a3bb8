//! The validated federation: typed, complete (defaults applied), consistent. Only
//! [`Federation::validate`](crate::Federation::validate) makes these.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use istio_types::primitives::{Dns1123Label, Duration, Locality, PortName, Protocol};

use crate::types::{
    GatewayAddress, IstioVersion, NetworkingApiVersion, Percentage, Port, Quantity,
};

/// A federation that passed validation. It cannot be built any other way, so code that
/// receives one (the renderer) can rely on every rule of the document being met.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedFederation {
    pub(crate) name: Dns1123Label,
    pub(crate) istio: Istio,
    pub(crate) mesh: Mesh,
    pub(crate) topology: Topology,
    pub(crate) services: Vec<Service>,
}

impl ValidatedFederation {
    /// `metadata.name`.
    pub fn name(&self) -> &Dns1123Label {
        &self.name
    }

    /// The target Istio release.
    pub fn istio(&self) -> &Istio {
        &self.istio
    }

    /// Mesh-wide settings.
    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// The clusters and how they relate.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The services, in document order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service called `name` in `namespace`.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.name.as_str() == name && s.namespace.as_str() == namespace)
    }

    /// Every cluster, in document order (for consumerProvider: the consumer first).
    pub fn clusters(&self) -> impl Iterator<Item = &Cluster> {
        self.topology.clusters()
    }

    /// The cluster called `name`.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters().find(|c| c.name.as_str() == name)
    }
}

/// `spec.istio`, with the default applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Istio {
    pub(crate) version: IstioVersion,
    pub(crate) api_version_override: Option<NetworkingApiVersion>,
}

impl Istio {
    /// The target release (default [`IstioVersion::NEWEST`]).
    pub fn version(&self) -> IstioVersion {
        self.version
    }

    /// The networking API version to render: the document's override, or the release's
    /// storage version (v1alpha3 up to 1.21, v1beta1 for 1.22-1.26, v1 from 1.27).
    pub fn networking_api_version(&self) -> NetworkingApiVersion {
        self.api_version_override
            .unwrap_or_else(|| self.version.storage_networking_api_version())
    }

    /// The override written in the document, if any.
    pub fn api_version_override(&self) -> Option<NetworkingApiVersion> {
        self.api_version_override
    }
}

/// `spec.mesh`, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesh {
    pub(crate) id: Option<String>,
    pub(crate) cluster_domain: String,
    pub(crate) ca_dir: Option<PathBuf>,
}

impl Mesh {
    /// Istio meshID, if set.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Kubernetes cluster domain (default `cluster.local`).
    pub fn cluster_domain(&self) -> &str {
        &self.cluster_domain
    }

    /// The shared CA directory, resolved against the document's directory; its files were
    /// checked to exist and hold PEM.
    pub fn ca_dir(&self) -> Option<&Path> {
        self.ca_dir.as_deref()
    }
}

/// How the clusters are federated.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per federation; boxing the consumer would only complicate matching"
)]
pub enum Topology {
    /// APAN: every cluster runs its own control plane; overflow goes through the peers' ingress
    /// gateways. At least two peers, each with a gateway.
    PeerToPeer {
        /// The peers, in document order.
        peers: Vec<Cluster>,
    },
    /// LIQO: one control plane in the consumer; workloads are offloaded to providers.
    ConsumerProvider {
        /// The consumer.
        consumer: Cluster,
        /// The providers (at least one), in document order.
        providers: Vec<Cluster>,
    },
}

impl Topology {
    /// Every cluster, in document order (for consumerProvider: the consumer first).
    pub fn clusters(&self) -> impl Iterator<Item = &Cluster> {
        let (first, rest): (Option<&Cluster>, &[Cluster]) = match self {
            Self::PeerToPeer { peers } => (None, peers),
            Self::ConsumerProvider {
                consumer,
                providers,
            } => (Some(consumer), providers),
        };
        first.into_iter().chain(rest)
    }

    /// Whether this is a peerToPeer federation.
    pub fn is_peer_to_peer(&self) -> bool {
        matches!(self, Self::PeerToPeer { .. })
    }
}

/// The role of a cluster in its federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterRole {
    /// A peer in a peerToPeer federation.
    Peer,
    /// The consumer of a consumerProvider federation.
    Consumer,
    /// A provider of a consumerProvider federation.
    Provider,
}

/// A cluster, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub(crate) name: Dns1123Label,
    pub(crate) role: ClusterRole,
    pub(crate) context: String,
    pub(crate) network: Option<String>,
    pub(crate) locality: Locality,
    pub(crate) gateway: Option<Gateway>,
    pub(crate) resources: Option<ProviderResources>,
}

impl Cluster {
    /// The cluster's name.
    pub fn name(&self) -> &Dns1123Label {
        &self.name
    }

    /// Peer, consumer or provider.
    pub fn role(&self) -> ClusterRole {
        self.role
    }

    /// kubeconfig context (default: the name).
    pub fn context(&self) -> &str {
        &self.context
    }

    /// Istio network, if set.
    pub fn network(&self) -> Option<&str> {
        self.network.as_deref()
    }

    /// Where the cluster is. In consumerProvider it always has a zone.
    pub fn locality(&self) -> &Locality {
        &self.locality
    }

    /// The ingress gateway peers overflow to; always present for peers, never otherwise.
    pub fn gateway(&self) -> Option<&Gateway> {
        self.gateway.as_ref()
    }

    /// LIQO resource policy (providers only).
    pub fn resources(&self) -> Option<&ProviderResources> {
        self.resources.as_ref()
    }
}

/// A peer's ingress gateway, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    pub(crate) address: GatewayAddress,
    pub(crate) port: Port,
    pub(crate) selector: BTreeMap<String, String>,
}

impl Gateway {
    /// IP (or, for peers nobody overflows to, DNS name).
    pub fn address(&self) -> &GatewayAddress {
        &self.address
    }

    /// mTLS port (default 15443).
    pub fn port(&self) -> Port {
        self.port
    }

    /// Gateway pod labels (default `{istio: ingressgateway}`).
    pub fn selector(&self) -> &BTreeMap<String, String> {
        &self.selector
    }
}

/// A LIQO provider's resource policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderResources {
    pub(crate) cpu: Option<Quantity>,
    pub(crate) memory: Option<Quantity>,
}

impl ProviderResources {
    /// CPU share.
    pub fn cpu(&self) -> Option<&Quantity> {
        self.cpu.as_ref()
    }

    /// Memory share.
    pub fn memory(&self) -> Option<&Quantity> {
        self.memory.as_ref()
    }
}

/// A service, with defaults applied and cluster names resolved.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::struct_field_names,
    reason = "service_account is the document's (and Kubernetes') name for it"
)]
pub struct Service {
    pub(crate) name: Dns1123Label,
    pub(crate) namespace: Dns1123Label,
    pub(crate) fqdn: String,
    pub(crate) ports: Vec<ServicePort>,
    pub(crate) runs_in: Vec<Dns1123Label>,
    pub(crate) selector: BTreeMap<String, String>,
    pub(crate) service_account: String,
    pub(crate) workload: Option<Workload>,
    pub(crate) ingress: Option<Ingress>,
    pub(crate) overflow: Vec<Overflow>,
    pub(crate) thresholds: Option<Thresholds>,
}

impl Service {
    /// The service's name.
    pub fn name(&self) -> &Dns1123Label {
        &self.name
    }

    /// Its namespace (default `default`).
    pub fn namespace(&self) -> &Dns1123Label {
        &self.namespace
    }

    /// `<name>.<namespace>.svc.<clusterDomain>`.
    pub fn fqdn(&self) -> &str {
        &self.fqdn
    }

    /// Its ports (at least one; names and numbers unique).
    pub fn ports(&self) -> &[ServicePort] {
        &self.ports
    }

    /// The clusters running it, in document order (default: all clusters).
    pub fn runs_in(&self) -> &[Dns1123Label] {
        &self.runs_in
    }

    /// Whether it runs in cluster `name`.
    pub fn runs_in_cluster(&self, name: &str) -> bool {
        self.runs_in.iter().any(|c| c.as_str() == name)
    }

    /// The pods' labels (default `{app: <name>}`).
    pub fn selector(&self) -> &BTreeMap<String, String> {
        &self.selector
    }

    /// The pods' service account (default `<name>` with a workload, else `default`).
    pub fn service_account(&self) -> &str {
        &self.service_account
    }

    /// The workload to render, if any.
    pub fn workload(&self) -> Option<&Workload> {
        self.workload.as_ref()
    }

    /// Ingress exposure, if any.
    pub fn ingress(&self) -> Option<&Ingress> {
        self.ingress.as_ref()
    }

    /// Overflow rules (peerToPeer only; empty otherwise).
    pub fn overflow(&self) -> &[Overflow] {
        &self.overflow
    }

    /// The overflow rule for clients in cluster `from`.
    pub fn overflow_from(&self, from: &str) -> Option<&Overflow> {
        self.overflow.iter().find(|o| o.from.as_str() == from)
    }

    /// Service-level thresholds (consumerProvider only).
    pub fn thresholds(&self) -> Option<&Thresholds> {
        self.thresholds.as_ref()
    }
}

/// A service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub(crate) name: PortName,
    pub(crate) number: Port,
    pub(crate) protocol: Protocol,
    pub(crate) target_port: Option<Port>,
}

impl ServicePort {
    /// Port name.
    pub fn name(&self) -> &PortName {
        &self.name
    }

    /// Port number.
    pub fn number(&self) -> Port {
        self.number
    }

    /// Istio protocol, as the user spelled it.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// Container port as written (`None`: same as `number`).
    pub fn target_port(&self) -> Option<Port> {
        self.target_port
    }

    /// Container port, defaulting to `number`.
    pub fn effective_target_port(&self) -> Port {
        self.target_port.unwrap_or(self.number)
    }
}

/// The workload rendered for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub(crate) image: String,
    pub(crate) replicas: u32,
    pub(crate) autoscaling: Option<Autoscaling>,
    pub(crate) requests: BTreeMap<String, Quantity>,
    pub(crate) limits: BTreeMap<String, Quantity>,
}

impl Workload {
    /// Container image.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// Replicas per cluster (default 1).
    pub fn replicas(&self) -> u32 {
        self.replicas
    }

    /// HPA settings.
    pub fn autoscaling(&self) -> Option<&Autoscaling> {
        self.autoscaling.as_ref()
    }

    /// Resource requests.
    pub fn requests(&self) -> &BTreeMap<String, Quantity> {
        &self.requests
    }

    /// Resource limits.
    pub fn limits(&self) -> &BTreeMap<String, Quantity> {
        &self.limits
    }
}

/// HPA settings, with defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscaling {
    pub(crate) min_replicas: u32,
    pub(crate) max_replicas: u32,
    pub(crate) target_cpu_utilization_percentage: u32,
}

impl Autoscaling {
    /// At least 1 (default 1).
    pub fn min_replicas(&self) -> u32 {
        self.min_replicas
    }

    /// At least `min_replicas`.
    pub fn max_replicas(&self) -> u32 {
        self.max_replicas
    }

    /// Target CPU utilisation in percent (default 80).
    pub fn target_cpu_utilization_percentage(&self) -> u32 {
        self.target_cpu_utilization_percentage
    }
}

/// Ingress exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub(crate) path: String,
}

impl Ingress {
    /// URI prefix, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// An overflow rule: clients in `from` spill over to `to`, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    pub(crate) from: Dns1123Label,
    pub(crate) to: Vec<Dns1123Label>,
    pub(crate) thresholds: Thresholds,
    pub(crate) retry_remote: bool,
}

impl Overflow {
    /// The peer whose clients overflow (it runs the service).
    pub fn from(&self) -> &Dns1123Label {
        &self.from
    }

    /// Target peers in priority order: they run the service, have IP gateways, and differ
    /// from `from`.
    pub fn to(&self) -> &[Dns1123Label] {
        &self.to
    }

    /// When the local endpoints count as saturated (all fields `None` when none were given).
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Whether the request that overflowed is retried on the peers (`retryRemote`).
    pub fn retry_remote(&self) -> bool {
        self.retry_remote
    }
}

/// Connection-pool limits and outlier detection. `None` fields are left out of the
/// DestinationRule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thresholds {
    pub(crate) max_connections: Option<u32>,
    pub(crate) http1_max_pending_requests: Option<u32>,
    pub(crate) http2_max_requests: Option<u32>,
    pub(crate) max_requests_per_connection: Option<u32>,
    pub(crate) consecutive_errors: Option<u32>,
    pub(crate) interval: Option<Duration>,
    pub(crate) base_ejection_time: Option<Duration>,
    pub(crate) max_ejection_percent: Option<Percentage>,
}

impl Thresholds {
    /// `connectionPool.tcp.maxConnections`.
    pub fn max_connections(&self) -> Option<u32> {
        self.max_connections
    }

    /// `connectionPool.http.http1MaxPendingRequests`.
    pub fn http1_max_pending_requests(&self) -> Option<u32> {
        self.http1_max_pending_requests
    }

    /// `connectionPool.http.http2MaxRequests`.
    pub fn http2_max_requests(&self) -> Option<u32> {
        self.http2_max_requests
    }

    /// `connectionPool.http.maxRequestsPerConnection`.
    pub fn max_requests_per_connection(&self) -> Option<u32> {
        self.max_requests_per_connection
    }

    /// Consecutive errors before ejection (`consecutiveErrors` before Istio 1.7,
    /// `consecutiveGatewayErrors` from 1.7).
    pub fn consecutive_errors(&self) -> Option<u32> {
        self.consecutive_errors
    }

    /// `outlierDetection.interval`.
    pub fn interval(&self) -> Option<&Duration> {
        self.interval.as_ref()
    }

    /// `outlierDetection.baseEjectionTime`.
    pub fn base_ejection_time(&self) -> Option<&Duration> {
        self.base_ejection_time.as_ref()
    }

    /// `outlierDetection.maxEjectionPercent`.
    pub fn max_ejection_percent(&self) -> Option<Percentage> {
        self.max_ejection_percent
    }

    /// Whether any connection-pool field is set.
    pub fn has_connection_pool(&self) -> bool {
        self.max_connections.is_some()
            || self.http1_max_pending_requests.is_some()
            || self.http2_max_requests.is_some()
            || self.max_requests_per_connection.is_some()
    }

    /// Whether any outlier-detection field is set.
    pub fn has_outlier_detection(&self) -> bool {
        self.consecutive_errors.is_some()
            || self.interval.is_some()
            || self.base_ejection_time.is_some()
            || self.max_ejection_percent.is_some()
    }
}
