//! The document as written: serde types with public fields, before validation.
//!
//! Every field has a default so that one mistake does not hide the others: the reader drops a
//! bad field, notes why, and carries on; [`Federation::validate`] then reports what is missing.
//! Formatted values (names, durations, localities) are kept as text here and checked by
//! validation, which is where they become typed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use istio_types::primitives::{Dns1123Label, Duration, LineIndex, Locality, PortName, Protocol};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::types::{NetworkingApiVersion, Quantity};

/// The `apiVersion` every Federation document carries.
pub const API_VERSION: &str = "meshfed.io/v1alpha1";
/// The `kind` every Federation document carries.
pub const KIND: &str = "Federation";

/// A Federation document: which clusters take part, how they are connected, and which services
/// run where and overflow to whom. Kubernetes-shaped, so it can later become a custom resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(title = "Federation", rename = "Federation")]
#[schemars(extend("required" = ["apiVersion", "kind", "metadata", "spec"]))]
pub struct Federation {
    /// Always `meshfed.io/v1alpha1`.
    #[schemars(required, extend("const" = "meshfed.io/v1alpha1"))]
    pub api_version: String,
    /// Always `Federation`.
    #[schemars(required, extend("const" = "Federation"))]
    pub kind: String,
    /// The federation's name and labels.
    #[schemars(required)]
    pub metadata: Metadata,
    /// What the federation is made of.
    #[schemars(required)]
    pub spec: FederationSpec,
    /// Where the document was read from (file and line numbers); `None` for documents built in
    /// code. Not part of the document.
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Option<Source>,
}

/// Where a document came from, so diagnostics can say `file:line`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The file, if it was read from one.
    pub file: Option<PathBuf>,
    /// Field path -> line.
    pub lines: LineIndex,
}

/// `metadata`: the name that goes into the `meshfed.io/federation` label of every object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name"]))]
pub struct Metadata {
    /// The federation's name, a DNS-1123 label (e.g. `apan-demo`).
    #[schemars(required, with = "Dns1123Label")]
    pub name: String,
    /// Free-form labels, kept for tools; not rendered.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Free-form annotations, kept for tools; not rendered.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["topology"]))]
pub struct FederationSpec {
    /// The Istio release the clusters run.
    pub istio: IstioSpec,
    /// Mesh-wide settings.
    pub mesh: MeshSpec,
    /// The clusters and how they relate: exactly one of `peerToPeer` or `consumerProvider`.
    #[schemars(required)]
    pub topology: TopologySpec,
    /// The services of the federation.
    pub services: Vec<ServiceSpec>,
}

/// `spec.istio`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct IstioSpec {
    /// Target Istio release as a quoted "MAJOR.MINOR" string, 1.5 to 1.32 (default: the newest
    /// supported). Quote it: unquoted, YAML reads 1.10 as the number 1.1.
    #[serde(
        deserialize_with = "crate::parse::quoted_version",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+$"))]
    pub version: Option<String>,
    /// Override of the networking API version of rendered resources (default: the storage
    /// version of the release: v1alpha3 up to 1.21, v1beta1 for 1.22-1.26, v1 from 1.27).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<NetworkingApiVersion>,
}

/// `spec.mesh`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct MeshSpec {
    /// Istio meshID (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kubernetes cluster domain (default `cluster.local`); hosts are
    /// `<name>.<namespace>.svc.<clusterDomain>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_domain: Option<String>,
    /// Shared root CA, rendered as Secret istio-system/cacerts in every cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca: Option<CaSpec>,
}

/// `spec.mesh.ca`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["dir"]))]
pub struct CaSpec {
    /// Directory holding `root-cert.pem` and `<cluster>/{ca-cert,ca-key,cert-chain,root-cert}.pem`,
    /// relative to the document (`fedctl certs` makes them).
    #[schemars(required)]
    pub dir: String,
}

/// `spec.topology`: exactly one of the two fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct TopologySpec {
    /// Peer-to-peer federation (APAN): every cluster runs its own Istio control plane and
    /// overflows to its peers through their ingress gateways.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_to_peer: Option<PeerToPeerSpec>,
    /// Consumer/provider federation (LIQO): one Istio control plane in the consumer, workloads
    /// offloaded to providers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_provider: Option<ConsumerProviderSpec>,
}

/// `spec.topology.peerToPeer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["peers"]))]
pub struct PeerToPeerSpec {
    /// The peers, at least two.
    #[schemars(required)]
    pub peers: Vec<PeerSpec>,
}

/// A peer cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name", "locality", "gateway"]))]
pub struct PeerSpec {
    /// The cluster's name, a DNS-1123 label, unique in the federation.
    #[schemars(required, with = "Dns1123Label")]
    pub name: String,
    /// kubeconfig context used by `fedctl apply` (default: the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Istio network name (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Where the cluster is: `region[/zone[/subzone]]`, no wildcards.
    #[schemars(required, with = "Locality")]
    pub locality: String,
    /// The cluster's ingress gateway, which peers overflow to.
    #[schemars(required)]
    pub gateway: GatewaySpec,
}

/// A cluster's ingress gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["address"]))]
pub struct GatewaySpec {
    /// IP address of the gateway. Overflow targets need an IP: Istio only merges static IP
    /// endpoints into a service; a DNS name becomes a separate DNS cluster.
    #[schemars(required)]
    pub address: String,
    /// The gateway's mTLS (AUTO_PASSTHROUGH) port (default 15443).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u32>,
    /// Labels of the gateway pods (default `{istio: ingressgateway}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
}

/// `spec.topology.consumerProvider`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["consumer", "providers"]))]
pub struct ConsumerProviderSpec {
    /// The consumer cluster, which runs the Istio control plane and from which everything is
    /// applied.
    #[schemars(required)]
    pub consumer: ConsumerSpec,
    /// The provider clusters, at least one.
    #[schemars(required)]
    pub providers: Vec<ProviderSpec>,
}

/// The LIQO consumer cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name", "locality"]))]
pub struct ConsumerSpec {
    /// The cluster's name (and LIQO cluster ID), a DNS-1123 label.
    #[schemars(required, with = "Dns1123Label")]
    pub name: String,
    /// kubeconfig context (default: the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Istio network name (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// `region/zone[/subzone]`; the zone is the value the cluster's nodes carry in
    /// `topology.kubernetes.io/zone`, so it is required.
    #[schemars(required, with = "Locality")]
    pub locality: String,
}

/// A LIQO provider cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name", "locality"]))]
pub struct ProviderSpec {
    /// The cluster's name (and LIQO cluster ID), a DNS-1123 label.
    #[schemars(required, with = "Dns1123Label")]
    pub name: String,
    /// kubeconfig context (default: the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Istio network name (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// `region/zone[/subzone]`; the zone selects the provider's virtual node
    /// (`topology.kubernetes.io/zone`), so it is required.
    #[schemars(required, with = "Locality")]
    pub locality: String,
    /// LIQO resource policy for the peering (`liqoctl create resourcepolicy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ProviderResourcesSpec>,
}

/// The share of a provider the consumer may use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ProviderResourcesSpec {
    /// CPU quantity, e.g. `"20"` or `500m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory quantity, e.g. `20Gi`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
}

/// A service of the federation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name", "ports"]))]
pub struct ServiceSpec {
    /// The service's name, a DNS-1123 label.
    #[schemars(required, with = "Dns1123Label")]
    pub name: String,
    /// Its namespace (default `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Dns1123Label>")]
    pub namespace: Option<String>,
    /// Its ports, at least one.
    #[schemars(required)]
    pub ports: Vec<PortSpec>,
    /// Clusters with instances of the service (default: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<Dns1123Label>>")]
    pub runs_in: Option<Vec<String>>,
    /// The pods' labels (default `{app: <name>}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
    /// The pods' service account (default `<name>` with `workload`, else `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// Render the Deployment(s), the Service and an HPA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadSpec>,
    /// Expose the service through each cluster's ingress gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressSpec>,
    /// peerToPeer only: where clients in a peer spill over to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overflow: Vec<OverflowSpec>,
    /// consumerProvider only: connection pool and outlier detection of the service's
    /// DestinationRule (in peerToPeer they belong to each overflow rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<ThresholdsSpec>,
}

/// A service port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["name", "number", "protocol"]))]
pub struct PortSpec {
    /// Port name (an Istio port name, e.g. `http`); ServiceEntries and WorkloadEntries match
    /// ports by it.
    #[schemars(required, with = "PortName")]
    pub name: String,
    /// Port number, 1 to 65535.
    #[schemars(required, range(min = 1, max = 65535))]
    pub number: u32,
    /// Istio protocol (any case), e.g. `HTTP`, `GRPC`, `TCP`.
    #[schemars(required, with = "Protocol")]
    pub protocol: String,
    /// Container port (default: `number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub target_port: Option<u32>,
}

/// The workload meshfed renders for a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["image"]))]
pub struct WorkloadSpec {
    /// Container image.
    #[schemars(required)]
    pub image: String,
    /// Replicas per cluster (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// HorizontalPodAutoscaler per cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoscalingSpec>,
    /// Container resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesSpec>,
}

/// HPA settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["maxReplicas"]))]
pub struct AutoscalingSpec {
    /// At least 1 (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub min_replicas: Option<u32>,
    /// At least `minReplicas`.
    #[schemars(required, range(min = 1))]
    pub max_replicas: u32,
    /// Target average CPU utilisation in percent of the request (default 80).
    #[serde(
        rename = "targetCPUUtilizationPercentage",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 1))]
    pub target_cpu_utilization_percentage: Option<u32>,
}

/// Container resource requests and limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ResourcesSpec {
    /// Requested resources, e.g. `{cpu: 100m, memory: 64Mi}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
    /// Resource limits.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Quantity>,
}

/// Expose a service through the ingress gateways.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["path"]))]
pub struct IngressSpec {
    /// URI prefix routed to the service, e.g. `/echo`.
    #[schemars(required, regex(pattern = r"^/\S*$"))]
    pub path: String,
}

/// An overflow rule (peerToPeer): when the service in `from` is saturated, its clients spill
/// over to the peers in `to`, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
#[schemars(extend("required" = ["from", "to"]))]
pub struct OverflowSpec {
    /// The peer whose clients overflow.
    #[schemars(required, with = "Dns1123Label")]
    pub from: String,
    /// Target peers in priority order; each must run the service and have an IP gateway.
    #[schemars(required, with = "Vec<Dns1123Label>")]
    pub to: Vec<String>,
    /// When the local endpoints count as saturated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<ThresholdsSpec>,
    /// Istio >= 1.6: the request that overflowed is retried on the peer instead of failing with
    /// a 503 (a VirtualService retry with `retryRemoteLocalities`, and from Istio 1.19 the
    /// service's pods drop the `x-envoy-overloaded` header Envoy never retries). Default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_remote: Option<bool>,
}

/// Connection pool limits and outlier detection: what makes traffic overflow. Fields left out
/// are left out of the DestinationRule (Istio's defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ThresholdsSpec {
    /// `connectionPool.tcp.maxConnections`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 2_147_483_647))]
    pub max_connections: Option<u32>,
    /// `connectionPool.http.http1MaxPendingRequests`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 2_147_483_647))]
    pub http1_max_pending_requests: Option<u32>,
    /// `connectionPool.http.http2MaxRequests`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 2_147_483_647))]
    pub http2_max_requests: Option<u32>,
    /// `connectionPool.http.maxRequestsPerConnection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 2_147_483_647))]
    pub max_requests_per_connection: Option<u32>,
    /// Errors in a row that eject an endpoint (`consecutiveErrors` before Istio 1.7,
    /// `consecutiveGatewayErrors` from 1.7).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 2_147_483_647))]
    pub consecutive_errors: Option<u32>,
    /// Time between ejection sweeps, e.g. `1s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Duration>")]
    pub interval: Option<String>,
    /// Minimum ejection duration, e.g. `1m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Duration>")]
    pub base_ejection_time: Option<String>,
    /// Most endpoints that may be ejected, in percent (0 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 100))]
    pub max_ejection_percent: Option<u32>,
}
