//! `DestinationRule`: what happens to traffic for a host after routing: load balancing,
//! connection limits, outlier detection, client TLS, per-port and per-subset overrides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::networking::PortSelector;
use crate::primitives::{Duration, GoDuration};
use crate::resource::istio_object;
use crate::rules;
use crate::validate::{Report, Validate, index, join, key};

/// The spec of a DestinationRule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// The service the rule is for, as found in the service registry (a Kubernetes Service or a
    /// ServiceEntry host). Short names are resolved in the rule's namespace, so prefer FQDNs.
    /// Required.
    pub host: String,
    /// Policies for all traffic to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named groups of the host's endpoints (selected by label) that routes can target and
    /// that may override the traffic policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// Namespaces the rule is visible to: `.` for its own, `*` for all (the default when empty),
    /// or namespace names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Restricts the rule to the workloads (client proxies) with these labels, in the rule's
    /// namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<crate::common::WorkloadSelector>,
}

/// Policies applied to traffic for a destination (all ports, unless overridden per port).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// How requests are spread over endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Limits on connections and requests to each endpoint (circuit breaking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of endpoints that keep failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS for connections to the endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
    /// Overrides for individual ports. A port-level policy replaces the destination-level
    /// settings of that port entirely (omitted fields get defaults, not the outer values).
    /// At most 4096.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_level_settings: Vec<PortTrafficPolicy>,
    /// Tunnel TCP to the host over HTTP CONNECT or POST (TCP/TLS routes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelSettings>,
    /// Send a PROXY protocol header upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocol>,
    /// Caps concurrent retries relative to active requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_budget: Option<RetryBudget>,
}

/// A traffic policy for one port of the destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    /// The destination port the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
    /// How requests are spread over endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Limits on connections and requests to each endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of endpoints that keep failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS for connections to the endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// Tunnelling of TCP connections to the host through an HTTP proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TunnelSettings {
    /// `CONNECT` (the default) or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The host to tunnel to: an FQDN or an IP address. Required.
    pub target_host: String,
    /// The port to tunnel to. Required.
    #[serde(deserialize_with = "crate::strict::number")]
    pub target_port: u32,
}

/// PROXY protocol settings for upstream connections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProxyProtocol {
    /// The header version; `V1` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<ProxyProtocolVersion>,
}

/// A PROXY protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ProxyProtocolVersion {
    /// Version 1, human-readable text.
    V1,
    /// Version 2, binary.
    V2,
}

/// A limit on concurrent retries, as a share of active requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RetryBudget {
    /// Retries may be at most this percentage (0-100) of active plus pending requests.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub percent: Option<f64>,
    /// Retries allowed whatever the percentage says.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub min_retry_concurrency: Option<u32>,
    /// The window over which requests are counted for the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_interval: Option<GoDuration>,
}

/// A named subset of the host's endpoints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Subset {
    /// The subset's name, used by routes (`destination.subset`). Required; a DNS-1123 label.
    pub name: String,
    /// Endpoint labels that select the subset's members.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Policies for this subset; fields set here override the rule-level policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
}

/// Load-balancing settings. The algorithm (`simple`, `consistentHash`, `backendUtilization`)
/// is a protobuf oneof, so it is one field here: [`LbPolicy`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    try_from = "LoadBalancerSettingsRepr",
    into = "LoadBalancerSettingsRepr"
)]
#[cfg_attr(feature = "schemars", schemars(with = "LoadBalancerSettingsRepr"))]
pub struct LoadBalancerSettings {
    /// The algorithm; Istio picks its default when unset.
    pub policy: Option<LbPolicy>,
    /// Locality-aware load balancing; replaces the mesh-wide setting entirely when set.
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Deprecated (use `warmup`): how long a new endpoint is ramped up for.
    pub warmup_duration_secs: Option<Duration>,
    /// Gradual ramp-up of traffic to new endpoints (ROUND_ROBIN and LEAST_REQUEST only).
    pub warmup: Option<WarmupConfiguration>,
    /// Envoy's zone-aware load balancing.
    pub zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
}

/// The load-balancing algorithm (protobuf oneof `lb_policy`).
#[derive(Clone, Debug, PartialEq)]
pub enum LbPolicy {
    /// A standard algorithm.
    Simple(SimpleLb),
    /// Hash-based affinity.
    ConsistentHash(ConsistentHashLb),
    /// Weights from backend-reported (ORCA) utilization.
    BackendUtilization(BackendUtilization),
}

/// The standard load-balancing algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    /// Let Istio choose.
    Unspecified,
    /// Deprecated alias of LEAST_REQUEST.
    LeastConn,
    /// A random healthy endpoint.
    Random,
    /// Forward to the address the caller asked for, without load balancing.
    Passthrough,
    /// Round robin.
    RoundRobin,
    /// The endpoint with the fewest outstanding requests (Istio's default from 1.14).
    LeastRequest,
}

/// Consistent-hash load balancing: soft affinity by header, cookie, source IP or query
/// parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(try_from = "ConsistentHashLbRepr", into = "ConsistentHashLbRepr")]
#[cfg_attr(feature = "schemars", schemars(with = "ConsistentHashLbRepr"))]
pub struct ConsistentHashLb {
    /// What is hashed (protobuf oneof `hash_key`).
    pub hash_key: Option<HashKey>,
    /// The hashing algorithm (protobuf oneof `hash_algorithm`); ring hash when unset.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// Deprecated (use `ringHash.minimumRingSize`).
    pub minimum_ring_size: Option<u64>,
}

/// What a consistent hash is computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HashKey {
    /// An HTTP header's value.
    HttpHeaderName(String),
    /// An HTTP cookie, generated when absent if a TTL is given.
    HttpCookie(HttpCookie),
    /// The source IP (TCP and HTTP). The value is kept as written (`false` round-trips).
    UseSourceIp(bool),
    /// An HTTP query parameter's value.
    HttpQueryParameterName(String),
}

/// The consistent-hash algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// Ring (modulo) hash.
    RingHash(RingHash),
    /// Maglev.
    Maglev(MagLev),
}

/// The cookie a consistent hash uses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpCookie {
    /// The cookie's name. Required.
    pub name: String,
    /// The cookie's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lifetime of a generated cookie; `0s` makes a session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<GoDuration>,
    /// Extra attributes set on a generated cookie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<HttpCookieAttribute>,
}

/// An attribute of a generated cookie (e.g. `SameSite=Strict`, `Secure`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpCookieAttribute {
    /// The attribute's name. Required.
    pub name: String,
    /// Its value, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Ring-hash settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RingHash {
    /// Minimum number of virtual nodes on the ring (Envoy default 1024).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub minimum_ring_size: Option<u64>,
}

/// Maglev settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MagLev {
    /// Lookup table size: a prime below 5000011 (Envoy default 65537).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub table_size: Option<u64>,
}

/// Utilization-based load balancing from backend-reported ORCA metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackendUtilization {
    /// How long after an endpoint first reports before its weight is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_stabilization_period: Option<GoDuration>,
    /// How long a weight stays valid without new reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_expiration_period: Option<GoDuration>,
    /// How often weights are recomputed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_update_period: Option<GoDuration>,
    /// Extra utilization charged for errors, as a percentage.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub error_utilization_penalty_percent: Option<u32>,
    /// ORCA metric names used to compute utilization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_names_for_computing_utilization: Vec<String>,
}

/// Traffic ramp-up for new endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WarmupConfiguration {
    /// How long a new endpoint is ramped up for. Required.
    pub duration: Duration,
    /// The share of traffic (0-100) a new endpoint starts with.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub minimum_percent: Option<f64>,
    /// How fast traffic grows over the window (at least 1; 1 is linear).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub aggression: Option<f64>,
}

/// Locality-weighted load balancing: where traffic from one locality goes, and where it
/// fails over to. Only one of `distribute`, `failover` (or `failoverPriority` with topology
/// labels) may be used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LocalityLoadBalancerSetting {
    /// Explicit weights from source localities to destination localities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribute: Vec<Distribute>,
    /// Region-to-region failover; needs outlier detection to take effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<Failover>,
    /// Ordered labels (or `label=value`) that rank endpoints for failover by how many leading
    /// labels they share with the client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Turns locality load balancing on or off for this destination.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub enabled: Option<bool>,
}

/// Weights for traffic from one locality (`region/zone/subzone`, trailing `*` allowed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Distribute {
    /// The source locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Destination locality to weight (1-100, summing to 100); unlisted localities get none.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::strict::port_map"
    )]
    pub to: BTreeMap<String, u32>,
}

/// Where traffic from one region goes when its endpoints are unhealthy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Failover {
    /// The source region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The region to fail over to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Envoy zone-aware load balancing settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ZoneAwareLoadBalancerSetting {
    /// Turns zone-aware load balancing on or off.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub enabled: Option<bool>,
    /// Region-to-region failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<Failover>,
    /// Ordered labels that rank endpoints for failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Minimum hosts in the local zone for zone awareness to apply (at least 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub min_cluster_size: Option<u32>,
}

/// Connection pool limits per upstream endpoint (Envoy circuit breakers), TCP and HTTP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectionPoolSettings {
    /// Settings for every connection (TCP and HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// Settings for HTTP/1.1, HTTP/2 and gRPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// TCP connection pool settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TcpSettings {
    /// Maximum HTTP/1 and TCP connections to one endpoint.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub max_connections: Option<i32>,
    /// Connect timeout (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// TCP keepalive on the socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Connections are closed after this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<Duration>,
    /// Idle timeout (default 1h); `0s` disables it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<GoDuration>,
}

/// TCP keepalive settings (OS defaults when unset).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TcpKeepalive {
    /// Unanswered probes before the connection is considered dead.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub probes: Option<u32>,
    /// Idle time before probing starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Duration>,
    /// Time between probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// HTTP connection pool settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpSettings {
    /// Requests queued while waiting for a connection (HTTP/1.1 and HTTP/2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub http1_max_pending_requests: Option<i32>,
    /// Maximum active requests to one endpoint (HTTP/1.1 and HTTP/2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub http2_max_requests: Option<i32>,
    /// Requests per connection; 1 disables keep-alive, 0 means unlimited.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub max_requests_per_connection: Option<i32>,
    /// Maximum outstanding retries to all endpoints.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub max_retries: Option<i32>,
    /// Idle timeout of pooled connections (default 1h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Keep the client's protocol upstream (makes `h2UpgradePolicy` ineffective).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub use_client_protocol: Option<bool>,
    /// Maximum concurrent streams per HTTP/2 connection.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub max_concurrent_streams: Option<i32>,
    /// HTTP/2 PING keepalive for upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_keep_alive: Option<Http2KeepAlive>,
}

/// HTTP/2 PING keepalive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Http2KeepAlive {
    /// PING interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// How long to wait for a PING reply before closing the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Whether HTTP/1.1 upstream connections are upgraded to HTTP/2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// The mesh-wide default.
    Default,
    /// Never upgrade.
    DoNotUpgrade,
    /// Upgrade.
    Upgrade,
}

/// Outlier detection: endpoints that fail repeatedly are ejected from the pool for a while.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Deprecated and ignored since Istio 1.7: use `consecutive5xxErrors` or
    /// `consecutiveGatewayErrors`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub consecutive_errors: Option<i32>,
    /// Count locally originated failures (connect errors, timeouts) apart from upstream errors.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub split_external_local_origin_errors: Option<bool>,
    /// Local-origin failures before ejection (needs `splitExternalLocalOriginErrors`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub consecutive_local_origin_failures: Option<u32>,
    /// 502/503/504 (or TCP connect failures) before ejection; 0 disables.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub consecutive_gateway_errors: Option<u32>,
    /// 5xx (or TCP failures) before ejection (default 5); 0 disables.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub consecutive_5xx_errors: Option<u32>,
    /// Time between ejection sweeps (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Minimum ejection time, multiplied by the number of ejections (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<Duration>,
    /// Most endpoints (percent) that may be ejected at once (default 10).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub max_ejection_percent: Option<i32>,
    /// Outlier detection pauses when fewer than this percent of endpoints are healthy.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub min_health_percent: Option<i32>,
    /// HTTP status codes (100-599) that count as errors.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strict_u32_list"
    )]
    pub outlier_detection_http_error_codes: Vec<u32>,
}

/// TLS settings for upstream connections. Also used by Sidecar's egress proxy settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientTlsSettings {
    /// Whether and how TLS is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsMode>,
    /// File with the client certificate (required for MUTUAL without `credentialName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// File with the client's private key (required for MUTUAL without `credentialName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// File with CA certificates to verify the server with (OS roots when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// A secret holding the client certificate, key and CA (gateways, or sidecars when the rule
    /// has a workload selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names accepted in the server certificate's subject alternative names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// SNI sent in the handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Skip verifying the server certificate's CA signature and SAN.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub insecure_skip_verify: Option<bool>,
    /// File with a certificate revocation list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
}

/// How a client connection to the upstream is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TlsMode {
    /// Plain text.
    Disable,
    /// TLS, verifying the server.
    Simple,
    /// Mutual TLS with certificates you provide.
    Mutual,
    /// Mutual TLS with Istio's workload certificates (all other fields must be empty).
    IstioMutual,
}

fn strict_u32_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(transparent)]
    struct Item(#[serde(deserialize_with = "crate::strict::number")] u32);
    let v: Option<Vec<Item>> = Deserialize::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|Item(n)| n).collect())
}

// ----- oneof mirrors -----

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "LoadBalancerSettings"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LoadBalancerSettingsRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    simple: Option<SimpleLb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    consistent_hash: Option<ConsistentHashLb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backend_utilization: Option<BackendUtilization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warmup_duration_secs: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warmup: Option<WarmupConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
}

impl TryFrom<LoadBalancerSettingsRepr> for LoadBalancerSettings {
    type Error = String;

    fn try_from(r: LoadBalancerSettingsRepr) -> Result<Self, String> {
        let policy = match (r.simple, r.consistent_hash, r.backend_utilization) {
            (None, None, None) => None,
            (Some(s), None, None) => Some(LbPolicy::Simple(s)),
            (None, Some(c), None) => Some(LbPolicy::ConsistentHash(c)),
            (None, None, Some(b)) => Some(LbPolicy::BackendUtilization(b)),
            _ => {
                return Err(
                    "only one of simple, consistentHash, backendUtilization may be set".to_owned(),
                );
            }
        };
        Ok(Self {
            policy,
            locality_lb_setting: r.locality_lb_setting,
            warmup_duration_secs: r.warmup_duration_secs,
            warmup: r.warmup,
            zone_aware_lb_setting: r.zone_aware_lb_setting,
        })
    }
}

impl From<LoadBalancerSettings> for LoadBalancerSettingsRepr {
    fn from(s: LoadBalancerSettings) -> Self {
        let mut r = Self {
            locality_lb_setting: s.locality_lb_setting,
            warmup_duration_secs: s.warmup_duration_secs,
            warmup: s.warmup,
            zone_aware_lb_setting: s.zone_aware_lb_setting,
            ..Self::default()
        };
        match s.policy {
            None => {}
            Some(LbPolicy::Simple(v)) => r.simple = Some(v),
            Some(LbPolicy::ConsistentHash(v)) => r.consistent_hash = Some(v),
            Some(LbPolicy::BackendUtilization(v)) => r.backend_utilization = Some(v),
        }
        r
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ConsistentHashLb"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConsistentHashLbRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_header_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_cookie: Option<HttpCookie>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    use_source_ip: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_query_parameter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ring_hash: Option<RingHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    maglev: Option<MagLev>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    minimum_ring_size: Option<u64>,
}

impl TryFrom<ConsistentHashLbRepr> for ConsistentHashLb {
    type Error = String;

    fn try_from(r: ConsistentHashLbRepr) -> Result<Self, String> {
        let keys = [
            r.http_header_name.map(HashKey::HttpHeaderName),
            r.http_cookie.map(HashKey::HttpCookie),
            r.use_source_ip.map(HashKey::UseSourceIp),
            r.http_query_parameter_name
                .map(HashKey::HttpQueryParameterName),
        ];
        let mut keys = keys.into_iter().flatten();
        let hash_key = keys.next();
        if keys.next().is_some() {
            return Err("only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName may be set".to_owned());
        }
        let hash_algorithm = match (r.ring_hash, r.maglev) {
            (None, None) => None,
            (Some(v), None) => Some(HashAlgorithm::RingHash(v)),
            (None, Some(v)) => Some(HashAlgorithm::Maglev(v)),
            (Some(_), Some(_)) => {
                return Err("only one of ringHash, maglev may be set".to_owned());
            }
        };
        Ok(Self {
            hash_key,
            hash_algorithm,
            minimum_ring_size: r.minimum_ring_size,
        })
    }
}

impl From<ConsistentHashLb> for ConsistentHashLbRepr {
    fn from(c: ConsistentHashLb) -> Self {
        let mut r = Self {
            minimum_ring_size: c.minimum_ring_size,
            ..Self::default()
        };
        match c.hash_key {
            None => {}
            Some(HashKey::HttpHeaderName(v)) => r.http_header_name = Some(v),
            Some(HashKey::HttpCookie(v)) => r.http_cookie = Some(v),
            Some(HashKey::UseSourceIp(v)) => r.use_source_ip = Some(v),
            Some(HashKey::HttpQueryParameterName(v)) => r.http_query_parameter_name = Some(v),
        }
        match c.hash_algorithm {
            None => {}
            Some(HashAlgorithm::RingHash(v)) => r.ring_hash = Some(v),
            Some(HashAlgorithm::Maglev(v)) => r.maglev = Some(v),
        }
        r
    }
}

istio_object! {
    /// A `networking.istio.io` DestinationRule: policies for traffic to one host after routing.
    ///
    /// ```
    /// use istio_types::networking::{
    ///     ClientTlsSettings, DestinationRule, DestinationRuleSpec, TlsMode, TrafficPolicy,
    /// };
    /// let dr = DestinationRule::new("a", "istio", DestinationRuleSpec {
    ///     host: "a.istio.svc.cluster.local".into(),
    ///     traffic_policy: Some(TrafficPolicy {
    ///         tls: Some(ClientTlsSettings { mode: Some(TlsMode::IstioMutual), ..Default::default() }),
    ///         ..Default::default()
    ///     }),
    ///     ..Default::default()
    /// });
    /// let yaml = istio_types::write::to_yaml(&dr).unwrap();
    /// assert!(yaml.contains("mode: ISTIO_MUTUAL"));
    /// ```
    DestinationRule {
        spec: DestinationRuleSpec,
        group: Networking,
        plural: "destinationrules",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
        absent_spec: empty,
    }
}

// ----- validation (Istio's ValidateDestinationRule and what it calls) -----

impl Validate for DestinationRuleSpec {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // ValidateDestinationRule: agent.ValidateWildcardDomain(rule.Host)
        if let Err(m) = rules::validate_wildcard_domain(&self.host) {
            report.error(join(path, "host"), m);
        }
        if let Some(tp) = &self.traffic_policy {
            tp.validate_at(&join(path, "trafficPolicy"), report);
        }
        let mut names: Vec<&str> = Vec::new();
        for (i, subset) in self.subsets.iter().enumerate() {
            let at = index(&join(path, "subsets"), i);
            if names.contains(&subset.name.as_str()) {
                report.error(
                    join(&at, "name"),
                    format!("duplicate subset name {:?}", subset.name),
                );
            }
            names.push(&subset.name);
            subset.validate_at(&at, report);
        }
        rules::validate_export_to(
            &self.export_to,
            false,
            self.workload_selector.is_some(),
            &join(path, "exportTo"),
            report,
        );
        if let Some(sel) = &self.workload_selector {
            sel.validate_at(&join(path, "workloadSelector"), report);
        }
    }
}

impl Validate for Subset {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateSubset -> validateSubsetName, labels.Validate, validateTrafficPolicy
        if self.name.is_empty() {
            report.error(join(path, "name"), "subset name cannot be empty");
        } else if !rules::is_dns1123_label(&self.name) {
            report.error(
                join(path, "name"),
                format!(
                    "subset name {:?} is invalid: use a DNS-1123 label (1-63 letters, digits and '-')",
                    self.name
                ),
            );
        }
        rules::validate_labels(&self.labels, &join(path, "labels"), report);
        if let Some(tp) = &self.traffic_policy {
            tp.validate_at(&join(path, "trafficPolicy"), report);
        }
    }
}

impl Validate for TrafficPolicy {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateTrafficPolicy
        if self.outlier_detection.is_none()
            && self.connection_pool.is_none()
            && self.load_balancer.is_none()
            && self.tls.is_none()
            && self.port_level_settings.is_empty()
            && self.tunnel.is_none()
            && self.proxy_protocol.is_none()
            && self.retry_budget.is_none()
        {
            report.error(path, "traffic policy must have at least one field");
            return;
        }
        if self.tunnel.is_some() && self.proxy_protocol.is_some() {
            report.error(path, "tunnel and proxyProtocol must not be set together");
            return;
        }
        validate_policy_parts(
            path,
            self.outlier_detection.as_ref(),
            self.connection_pool.as_ref(),
            self.load_balancer.as_ref(),
            self.tls.as_ref(),
            report,
        );
        // CRD: maxItems 4096.
        if self.port_level_settings.len() > 4096 {
            report.error(
                join(path, "portLevelSettings"),
                format!(
                    "{} port-level settings; at most 4096 are allowed",
                    self.port_level_settings.len()
                ),
            );
        }
        for (i, p) in self.port_level_settings.iter().enumerate() {
            p.validate_at(&index(&join(path, "portLevelSettings"), i), report);
        }
        if let Some(t) = &self.tunnel {
            t.validate_at(&join(path, "tunnel"), report);
        }
        if let Some(rb) = &self.retry_budget {
            rb.validate_at(&join(path, "retryBudget"), report);
        }
    }
}

/// The checks a traffic policy and a port-level policy share.
fn validate_policy_parts(
    path: &str,
    outlier: Option<&OutlierDetection>,
    pool: Option<&ConnectionPoolSettings>,
    lb: Option<&LoadBalancerSettings>,
    tls: Option<&ClientTlsSettings>,
    report: &mut Report,
) {
    if let Some(o) = outlier {
        o.validate_at(&join(path, "outlierDetection"), report);
    }
    if let Some(c) = pool {
        c.validate_at(&join(path, "connectionPool"), report);
    }
    if let Some(l) = lb {
        validate_load_balancer(l, outlier.is_some(), &join(path, "loadBalancer"), report);
    }
    if let Some(t) = tls {
        t.validate_at(&join(path, "tls"), report);
    }
}

impl Validate for PortTrafficPolicy {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validatePortTrafficPolicies
        if self.port.is_none() {
            report.error(join(path, "port"), "a port-level policy needs a port");
        }
        if self.outlier_detection.is_none()
            && self.connection_pool.is_none()
            && self.load_balancer.is_none()
            && self.tls.is_none()
        {
            report.error(path, "port traffic policy must have at least one field");
            return;
        }
        validate_policy_parts(
            path,
            self.outlier_detection.as_ref(),
            self.connection_pool.as_ref(),
            self.load_balancer.as_ref(),
            self.tls.as_ref(),
            report,
        );
    }
}

impl Validate for TunnelSettings {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateTunnelSettings
        if let Some(p) = self.protocol.as_deref()
            && !matches!(p, "" | "CONNECT" | "POST")
        {
            report.error(
                join(path, "protocol"),
                format!("tunnel protocol {p:?} is not allowed: use \"CONNECT\" or \"POST\""),
            );
        }
        if let Err(m) = rules::validate_fqdn(&self.target_host)
            && !rules::is_ip(&self.target_host)
        {
            report.error(
                join(path, "targetHost"),
                format!("tunnel target host must be an FQDN or an IP address: {m}"),
            );
        }
        if let Err(m) = rules::validate_port(u64::from(self.target_port)) {
            report.error(
                join(path, "targetPort"),
                format!("tunnel target port is invalid: {m}"),
            );
        }
    }
}

impl Validate for RetryBudget {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // CRD: percent is 0..100.
        if let Some(p) = self.percent
            && !(0.0..=100.0).contains(&p)
        {
            report.error(
                join(path, "percent"),
                format!("percent {p} must be between 0 and 100"),
            );
        }
    }
}

impl Validate for OutlierDetection {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateOutlierDetection
        if let Some(n) = self.consecutive_errors
            && n != 0
        {
            report.warning(
                join(path, "consecutiveErrors"),
                "consecutiveErrors is deprecated and ignored since Istio 1.7: use consecutive5xxErrors or consecutiveGatewayErrors",
            );
        }
        if self.split_external_local_origin_errors != Some(true)
            && self.consecutive_local_origin_failures.unwrap_or(0) > 0
        {
            report.error(
                join(path, "consecutiveLocalOriginFailures"),
                "consecutiveLocalOriginFailures is set but splitExternalLocalOriginErrors is not true",
            );
        }
        if let Some(p) = self.max_ejection_percent {
            rules::validate_percent(i64::from(p), &join(path, "maxEjectionPercent"), report);
        }
        if let Some(p) = self.min_health_percent {
            rules::validate_percent(i64::from(p), &join(path, "minHealthPercent"), report);
        }
        // CRD: status codes 100..599.
        for (i, code) in self.outlier_detection_http_error_codes.iter().enumerate() {
            if !(100..=599).contains(code) {
                report.error(
                    index(&join(path, "outlierDetectionHttpErrorCodes"), i),
                    format!("{code} is not an HTTP status code (100-599)"),
                );
            }
        }
    }
}

impl Validate for ConnectionPoolSettings {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateConnectionPool
        if self.http.is_none() && self.tcp.is_none() {
            report.error(
                path,
                "connection pool must have at least one field (tcp or http)",
            );
            return;
        }
        if let Some(h) = &self.http {
            let at = join(path, "http");
            for (name, v) in [
                ("http1MaxPendingRequests", h.http1_max_pending_requests),
                ("http2MaxRequests", h.http2_max_requests),
                ("maxRequestsPerConnection", h.max_requests_per_connection),
                ("maxRetries", h.max_retries),
                ("maxConcurrentStreams", h.max_concurrent_streams),
            ] {
                if let Some(v) = v
                    && v < 0
                {
                    report.error(
                        join(&at, name),
                        format!("{name} must be non-negative, found {v}"),
                    );
                }
            }
            if h.h2_upgrade_policy == Some(H2UpgradePolicy::Upgrade)
                && h.use_client_protocol == Some(true)
            {
                report.error(
                    join(&at, "useClientProtocol"),
                    "useClientProtocol must not be true when h2UpgradePolicy is UPGRADE",
                );
            }
        }
        if let Some(t) = &self.tcp {
            let at = join(path, "tcp");
            if let Some(v) = t.max_connections
                && v < 0
            {
                report.error(
                    join(&at, "maxConnections"),
                    format!("maxConnections must be non-negative, found {v}"),
                );
            }
            // A zero idle timeout disables it; anything else is a normal Istio duration.
            if let Some(d) = &t.idle_timeout
                && !d.is_zero()
                && let Err(e) = d.to_duration()
            {
                report.error(join(&at, "idleTimeout"), e.to_string());
            }
        }
    }
}

fn is_prime(x: u64) -> bool {
    // Envoy's (and Istio's) primality test for Maglev table sizes.
    if x != 0 && x < 4 {
        return true;
    }
    if x & 1 == 0 {
        return false;
    }
    let mut f = 3u64;
    while f.saturating_mul(f) <= x {
        if x.is_multiple_of(f) {
            return false;
        }
        f += 2;
    }
    true
}

fn validate_load_balancer(
    lb: &LoadBalancerSettings,
    has_outlier: bool,
    path: &str,
    report: &mut Report,
) {
    // validateLoadBalancer
    if let Some(LbPolicy::ConsistentHash(ch)) = &lb.policy {
        let at = join(path, "consistentHash");
        if let Some(HashKey::HttpCookie(c)) = &ch.hash_key
            && c.name.is_empty()
        {
            report.error(
                join(&join(&at, "httpCookie"), "name"),
                "name required for httpCookie",
            );
        }
        if let Some(n) = ch.minimum_ring_size
            && n != 0
        {
            report.warning(
                join(&at, "minimumRingSize"),
                "minimumRingSize is deprecated: use ringHash.minimumRingSize",
            );
            if ch.hash_algorithm.is_some() {
                report.error(
                    join(&at, "minimumRingSize"),
                    "only one of minimumRingSize or maglev/ringHash can be set",
                );
            }
        }
        if let Some(HashAlgorithm::Maglev(m)) = &ch.hash_algorithm {
            let at = join(&join(&at, "maglev"), "tableSize");
            let size = m.table_size.unwrap_or(0);
            if size == 0 {
                report.error(at.clone(), "tableSize must be set for maglev");
            }
            if size >= 5_000_011 {
                report.error(
                    at.clone(),
                    format!("tableSize {size} must be less than 5000011"),
                );
            }
            if !is_prime(size) {
                report.error(at, format!("tableSize {size} must be a prime number"));
            }
        }
    }
    if let Some(l) = &lb.locality_lb_setting {
        validate_locality_lb_setting(l, has_outlier, &join(path, "localityLbSetting"), report);
    }
    if let Some(w) = &lb.warmup {
        let at = join(path, "warmup");
        if let Some(p) = w.minimum_percent
            && !(0.0..=100.0).contains(&p)
        {
            report.error(
                join(&at, "minimumPercent"),
                format!("minimumPercent {p} must be between 0 and 100"),
            );
        }
        if let Some(a) = w.aggression
            && a < 1.0
        {
            report.error(
                join(&at, "aggression"),
                format!("aggression {a} must be at least 1"),
            );
        }
    }
    if let Some(z) = &lb.zone_aware_lb_setting
        && z.min_cluster_size == Some(0)
    {
        // CRD: minimum 1.
        report.error(
            join(&join(path, "zoneAwareLbSetting"), "minClusterSize"),
            "minClusterSize must be at least 1",
        );
    }
}

/// Istio's `agent.ValidateLocalityLbSetting` for a DestinationRule (`has_outlier`: whether the
/// same policy sets outlier detection).
fn validate_locality_lb_setting(
    lb: &LocalityLoadBalancerSetting,
    has_outlier: bool,
    path: &str,
    report: &mut Report,
) {
    if !lb.distribute.is_empty() && !lb.failover.is_empty() {
        report.error(path, "distribute and failover cannot be set together");
        return;
    }
    if !lb.failover.is_empty() {
        for (i, label) in lb.failover_priority.iter().enumerate() {
            if matches!(
                label.as_str(),
                "topology.kubernetes.io/region"
                    | "topology.kubernetes.io/zone"
                    | "topology.istio.io/subzone"
            ) {
                report.error(
                    index(&join(path, "failoverPriority"), i),
                    format!("failover cannot be combined with the topology label {label:?} in failoverPriority"),
                );
                return;
            }
        }
    }
    let mut sources = Vec::new();
    for (i, d) in lb.distribute.iter().enumerate() {
        let at = index(&join(path, "distribute"), i);
        sources.push(d.from.clone().unwrap_or_default());
        let mut total: u64 = 0;
        for (loc, w) in &d.to {
            if *w == 0 || *w > 100 {
                report.error(
                    key(&join(&at, "to"), loc),
                    format!("locality weight {w} must be in the range 1..100"),
                );
                return;
            }
            total += u64::from(*w);
        }
        if total != 100 {
            report.error(
                join(&at, "to"),
                format!("total locality weight {total} != 100"),
            );
            return;
        }
        let dests: Vec<String> = d.to.keys().cloned().collect();
        if let Err(m) = validate_localities(&dests) {
            report.error(join(&at, "to"), m);
        }
    }
    if let Err(m) = validate_localities(&sources) {
        report.error(join(path, "distribute"), m);
    }
    if (!lb.failover.is_empty() || !lb.failover_priority.is_empty()) && !has_outlier {
        report.warning(
            path,
            "failover needs an outlier detection policy (outlierDetection) to take effect",
        );
    }
    for (i, f) in lb.failover.iter().enumerate() {
        let at = index(&join(path, "failover"), i);
        let from = f.from.as_deref().unwrap_or("");
        let to = f.to.as_deref().unwrap_or("");
        if from == to {
            report.error(
                at.clone(),
                format!("failover from {from:?} to the same region {to:?}: regions must differ"),
            );
        }
        if from.contains('/') || to.contains('/') {
            report.error(
                at.clone(),
                format!("failover takes regions only, not {from:?} -> {to:?} (no '/')"),
            );
        }
        if from.contains('*') || to.contains('*') {
            report.error(at, "failover regions must not contain the '*' wildcard");
        }
    }
}

/// Istio's `validateLocalities`: at most one trailing `*`, no empty segments, no overlaps.
fn validate_localities(localities: &[String]) -> Result<(), String> {
    use std::collections::{BTreeMap as Map, BTreeSet as Set};
    let mut tree: Map<String, Map<String, Set<String>>> = Map::new();
    for loc in localities {
        let stars = loc.matches('*').count();
        if stars > 0 && (stars > 1 || !loc.ends_with('*')) {
            return Err(format!(
                "locality {loc:?}: at most one '*' wildcard, and only at the end"
            ));
        }
        let overlap = || Err(format!("locality {loc:?} overlaps with an earlier one"));
        if tree.contains_key("*") {
            return overlap();
        }
        let items: Vec<&str> = loc.splitn(3, '/').collect();
        if items.iter().any(|s| s.is_empty()) {
            return Err(format!(
                "locality {loc:?} must not have an empty region, zone or subzone"
            ));
        }
        let region = items[0].to_owned();
        match items.len() {
            1 => {
                if tree.contains_key(&region) {
                    return overlap();
                }
                tree.insert(
                    region,
                    Map::from([("*".to_owned(), Set::from(["*".to_owned()]))]),
                );
            }
            2 => {
                let zone = items[1].to_owned();
                let zones = tree.entry(region).or_default();
                if zones.contains_key("*") || zones.contains_key(&zone) {
                    return overlap();
                }
                zones.insert(zone, Set::from(["*".to_owned()]));
            }
            _ => {
                let zone = items[1].to_owned();
                let sub = items[2].to_owned();
                let zones = tree.entry(region).or_default();
                if zones.contains_key("*") {
                    return overlap();
                }
                let subs = zones.entry(zone).or_default();
                if subs.contains("*") || subs.contains(&sub) {
                    return overlap();
                }
                subs.insert(sub);
            }
        }
    }
    Ok(())
}

impl Validate for ClientTlsSettings {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // agent.ValidateTLS (the configmap:// credentialName namespace check needs the object's
        // namespace, which a spec does not know: not checked).
        let set = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.is_empty());
        let mode = self.mode.unwrap_or(TlsMode::Disable);
        if self.insecure_skip_verify == Some(true) {
            if mode == TlsMode::Simple
                && (set(&self.ca_certificates)
                    || set(&self.credential_name)
                    || !self.subject_alt_names.is_empty())
            {
                report.error(
                    path,
                    "caCertificates, credentialName and subjectAltNames cannot be set when insecureSkipVerify is true",
                );
            }
            if mode == TlsMode::Mutual
                && (set(&self.ca_certificates) || !self.subject_alt_names.is_empty())
            {
                report.error(
                    path,
                    "caCertificates and subjectAltNames cannot be set when insecureSkipVerify is true",
                );
            }
        }
        if matches!(mode, TlsMode::Simple | TlsMode::Mutual) && set(&self.credential_name) {
            if set(&self.client_certificate)
                || set(&self.ca_certificates)
                || set(&self.private_key)
                || set(&self.ca_crl)
            {
                report.error(
                    path,
                    "clientCertificate, privateKey, caCertificates and caCrl cannot be set together with credentialName",
                );
            }
            return;
        }
        if mode == TlsMode::Mutual {
            if !set(&self.client_certificate) {
                report.error(
                    join(path, "clientCertificate"),
                    "a client certificate is required for MUTUAL TLS (or set credentialName)",
                );
            }
            if !set(&self.private_key) {
                report.error(
                    join(path, "privateKey"),
                    "a private key is required for MUTUAL TLS (or set credentialName)",
                );
            }
        }
    }
}
