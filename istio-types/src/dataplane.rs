//! What the data plane does with Istio's objects, per Istio release: the one table of facts.
//!
//! Istio's API says what a DestinationRule *means*; what Envoy then *does* under load changed
//! from release to release, often in ways the API never shows: which circuit-breaker overflows
//! feed outlier detection, how much of an ejected locality's traffic moves, whether a 503 is
//! retried, whether the default gateway Service even exposes the port multi-cluster traffic
//! arrives on. A configuration that passes every admission check can do nothing under load.
//!
//! [`DataPlane::of`] answers those questions for one release. Every answer is a [`Fact`]: the
//! value and where it comes from (the Envoy or Istio pull request, file and tag), so a tool
//! built on this table can say *why* as well as *what*. The renderer's decisions, `fedctl
//! explain`'s sentences, the release-dependent analyzers and the simulator all read this table;
//! none of them restates a fact.
//!
//! Source abbreviations: `II <tag> path` is istio/istio at that tag, `IE <sha|tag> path` the
//! Envoy that Istio pins (istio/envoy), `EV path` envoyproxy/envoy's main branch. The reading
//! behind each fact is in the project's design notes (`dataplane.md`, `dataplane-sources.md`).
//!
//! Releases older than [`IstioRelease::OLDEST_KNOWN`] get the facts of the oldest known range,
//! newer than [`IstioRelease::NEWEST_KNOWN`] those of the newest: neither was read.
//!
//! ```
//! use istio_types::dataplane::{DataPlane, MaxEjection};
//! use istio_types::release::IstioRelease;
//!
//! let old = DataPlane::of(IstioRelease::new(1, 9));
//! let new = DataPlane::of(IstioRelease::new(1, 30));
//! // On 1.7-1.17 a request over the client's max-requests breaker is scored against the
//! // endpoint the client had picked; from Istio 1.18 (Envoy 1.26) it never is.
//! assert!(old.client_max_requests_overflow_ejects.value);
//! assert!(!new.client_max_requests_overflow_ejects.value);
//! assert!(new.client_max_requests_overflow_ejects.source.contains("envoyproxy/envoy#25488"));
//! // One local pod beside one remote gateway: ejecting the pod is half the endpoints.
//! assert!(old.may_eject(0, 2, 10));
//! assert!(!new.may_eject(0, 2, 10));
//! assert_eq!(new.max_ejection.value, MaxEjection::ShareAfterEjection);
//! // Two local pods, one ejected: Envoy's overprovisioning factor keeps 70% local.
//! assert_eq!(new.priority_loads(&[(1, 2), (1, 1)]), vec![70, 30]);
//! ```

use std::fmt;

use crate::release::IstioRelease;

/// A fact about a release's data plane and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact<T> {
    /// The fact.
    pub value: T,
    /// Where it comes from: pull request, file and tag.
    pub source: &'static str,
}

const fn fact<T>(value: T, source: &'static str) -> Fact<T> {
    Fact { value, source }
}

/// An Envoy release, `MAJOR.MINOR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvoyRelease {
    /// The major number.
    pub major: u32,
    /// The minor number.
    pub minor: u32,
}

impl fmt::Display for EnvoyRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// How Istio reads `outlierDetection.consecutiveErrors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsecutiveErrors {
    /// As Envoy's `consecutive_gateway_failure` (enforced), with `consecutive_5xx` not enforced.
    GatewayFailures,
    /// Ignored (admission only warns): Envoy's defaults apply instead.
    Ignored,
}

/// When Envoy lets outlier detection eject one more host of a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaxEjection {
    /// The share of hosts ejected *before* this ejection must be below `maxEjectionPercent`: the
    /// first host is ejectable whatever the (non-zero) percentage.
    ShareBeforeEjection,
    /// The share ejected *after* this ejection must not exceed `maxEjectionPercent`: one host of
    /// two needs at least 50.
    ShareAfterEjection,
}

/// Whether 503 is among the status codes Istio's default retry policy retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultRetry503 {
    /// 503 is a retriable status code.
    Retried,
    /// Left out by default (`EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY=true`); istiod can put it back.
    ExcludedByDefault,
    /// Not retried by the default policy.
    NotRetried,
}

/// Istio's retry policy for a route that sets none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryDefaults {
    /// Attempts after the first.
    pub attempts: u32,
    /// Envoy's `retry_on`, as Istio writes it.
    pub retry_on: &'static str,
    /// Whether a 503 answer is retried.
    pub status_503: DefaultRetry503,
    /// Envoy's `previous_hosts` predicate is set: a retry avoids the hosts already tried (within
    /// the priorities that have load).
    pub previous_hosts: bool,
    /// `host_selection_retry_max_attempts`.
    pub host_selection_max_attempts: u32,
}

/// How Istio gives a cluster's endpoints Envoy priorities by locality (locality failover).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocalityPriority {
    /// By how much of the endpoint's locality equals the proxy's, compared part by part
    /// (region, zone, sub-zone; a part left out is empty and equals another left out): 0 all
    /// three, 1 region and zone, 2 region, 3 none. A region mismatch becomes 4 when the first
    /// `failover` rule `from` the proxy's region names another `to` region than the
    /// endpoint's (or the endpoint has no locality). The priorities in use are then
    /// renumbered from 0 in order, without gaps. [`DataPlane::locality_priorities`] applies it.
    MatchedPartsThenFailoverRegion,
}

/// An Envoy cluster's load-balancing policy: how an endpoint is picked within a priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvoyLbPolicy {
    /// `ROUND_ROBIN`: each worker thread takes the healthy endpoints of a priority in turn,
    /// from a random start.
    RoundRobin,
    /// `LEAST_REQUEST`: with equal weights, [`DataPlane::least_request_choices`] endpoints are
    /// drawn at random (with replacement) and the one with the fewest active requests wins, the
    /// first drawn on a tie. A host's active requests are those on its connections from every
    /// worker; requests waiting in a pending queue are not counted.
    LeastRequest,
    /// `RANDOM`: a healthy endpoint of the priority at random.
    Random,
}

/// Envoy's back-off between retries when the route sets none (Envoy's `retry_back_off`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryBackOff {
    /// The base interval, in milliseconds.
    pub base_ms: u64,
    /// The largest back-off, as a multiple of the base interval.
    pub max_per_base: u64,
}

/// Which of a route's `retryOn` conditions retry what a federation's traffic meets: an
/// upstream 503 (without `x-envoy-overloaded`) and a failed connection. Istio passes Envoy's
/// conditions through and turns status codes into `retriable-status-codes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryOnConditions {
    /// Conditions that retry an upstream 503.
    pub upstream_503: &'static [&'static str],
    /// Conditions that retry a connection failure (a connect timeout included).
    pub connect_failure: &'static [&'static str],
}

/// How endpoints outside the cluster join a Kubernetes Service's endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RemoteEndpoints {
    /// A ServiceEntry with the Service's host, namespace and port names, `resolution: STATIC`:
    /// its endpoints are merged into the Service's.
    ServiceEntryMerge,
    /// WorkloadEntries whose labels the Service's selector matches.
    WorkloadEntries,
}

/// Which port a WorkloadEntry selected by a Kubernetes Service receives traffic on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadEntryPorts {
    /// Kubernetes Services do not select WorkloadEntries.
    NotSelected,
    /// With a numeric `targetPort` the entry's `ports` are ignored and traffic goes to the
    /// targetPort; a `targetPort` naming the port keeps the entry's port.
    IgnoredWithNumericTargetPort,
    /// The entry's `ports`, keyed by the Service's port names, whatever the targetPort.
    ByServicePortName,
}

/// What an ingress gateway needs to pass mTLS through to the service (`AUTO_PASSTHROUGH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AutoPassthrough {
    /// SNI-DNAT clusters, built only with `ISTIO_META_ROUTER_MODE=sni-dnat` on the gateway.
    NeedsSniDnat,
    /// Istio builds the SNI-DNAT clusters whenever a Gateway uses AUTO_PASSTHROUGH.
    Automatic,
}

/// A gateway's router mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouterMode {
    /// `sni-dnat`: the gateway builds SNI-DNAT clusters.
    SniDnat,
    /// `standard`: it does not.
    Standard,
}

impl RouterMode {
    /// The value of `ISTIO_META_ROUTER_MODE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SniDnat => "sni-dnat",
            Self::Standard => "standard",
        }
    }
}

/// The router mode an installer gives the default ingress gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouterModeDefaults {
    /// With `istioctl install` and the default profile.
    pub istioctl: RouterMode,
    /// With the Helm charts' default values.
    pub helm: RouterMode,
    /// Where the istioctl profile sets the mode: `components.ingressGateways[].k8s.env`, which
    /// overrides `values.gateways...env`; setting it through values alone has no effect.
    pub istioctl_sets_it_in_k8s_env: bool,
}

/// How a pod asks its sidecar to export Envoy statistics that Istio leaves out by default
/// (Istio's bootstrap `stats_matcher` keeps only a few prefixes; a cluster's outlier-detection
/// and overflow counters are not among them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatsInclusion {
    /// The pod annotation `sidecar.istio.io/statsInclusionRegexps`: comma-separated regular
    /// expressions.
    SidecarAnnotation,
    /// ProxyConfig `proxyStatsMatcher.inclusionRegexps`, given in the pod annotation
    /// `proxy.istio.io/config`.
    ProxyConfig,
}

/// Which installers' ingress-gateway charts hand the gateway's `podAnnotations` value to the
/// gateway's proxy, so that the gateway asks for extra statistics the way a pod does
/// ([`DataPlane::stats_inclusion`]). An installer writes the value onto the gateway's pod;
/// the gateway is not injected (before the `istio/gateway` chart), so its proxy sees only what
/// the chart passes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatewayPodAnnotations {
    /// Only istioctl's chart (`manifests/gateways/istio-ingress`), which copies them into the
    /// proxy's `ISTIO_METAJSON_ANNOTATIONS`; the Helm chart (`install/kubernetes/helm/istio`)
    /// puts them on the pod alone, and the proxy reads no annotation of its pod.
    IstioctlChartOnly,
    /// Every installer's chart: the value `gateways.istio-ingressgateway.podAnnotations`
    /// (istioctl, and Helm from the `manifests/charts` tree) and, from Istio 1.12, the
    /// `istio/gateway` chart's `podAnnotations` (its pod is injected, the injector merges
    /// `proxy.istio.io/config`).
    EveryChart,
}

/// Where a release needs the server-side limits of an overflow rule, so that the client's
/// outlier detection sees the server's overflow as an ejectable upstream error. Derived from
/// the facts ([`DataPlane::threshold_placement`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdPlacement {
    /// One DestinationRule in the service's namespace with `connectionPool`: the clients use it
    /// outbound and Istio applies it to the server pods' inbound side too.
    SharedDestinationRule,
    /// The limits in a DestinationRule in the service's namespace with `exportTo: ["."]` (the
    /// server pods' inbound side and clients in that namespace use it), and a client
    /// DestinationRule in the root namespace without `connectionPool` for every other client.
    NamespaceDestinationRule,
    /// The limits in a Sidecar `inboundConnectionPool` selecting the server pods; the client
    /// DestinationRule has no `connectionPool`.
    SidecarInbound,
}

/// The data-plane facts of one Istio release. Build it with [`DataPlane::of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataPlane {
    /// The release these facts are about.
    pub release: IstioRelease,
    /// The Envoy release the proxies run: Envoy minor = Istio minor + 8 from Istio 1.5.
    pub envoy: Fact<EnvoyRelease>,

    // Circuit breakers.
    /// Istio applies a DestinationRule's `connectionPool` to the clients' outbound cluster *and*
    /// to the server pods' inbound cluster, so a server pod's own sidecar answers requests over
    /// the limits with a local 503 (flag UO), which its clients receive as an upstream 503.
    pub connection_pool_applies_inbound: Fact<bool>,
    /// The client-side limits are one threshold set per Envoy cluster (no per-host thresholds):
    /// the local pods and the remote gateway endpoints share them, so they cap total
    /// concurrency, overflow included.
    pub client_limits_shared_by_all_endpoints: Fact<bool>,
    /// Each worker thread's connection pool may open one connection past a cluster-wide
    /// `maxConnections` (so a client with N workers can have up to N connections open).
    pub per_worker_connection_overshoot: Fact<bool>,
    /// `http2MaxRequests` (Envoy's `max_requests`) also limits HTTP/1.1 requests.
    pub max_requests_limits_http1: Fact<bool>,
    /// The limit a circuit breaker the DestinationRule leaves out has: Envoy's default (1024
    /// connections, pending or active requests), or `None` where Istio writes the largest
    /// value for every field left out (no limit).
    pub unset_limit: Fact<Option<u32>>,
    /// A request over the client's pending-queue limit (`http1MaxPendingRequests`) is scored by
    /// outlier detection against an endpoint.
    pub client_pending_overflow_ejects: Fact<bool>,
    /// A request over the client's max-requests limit (`http2MaxRequests`) is scored by outlier
    /// detection against the endpoint it had picked (as a local-origin connect failure, which
    /// with `splitExternalLocalOriginErrors` off counts as a 503 for both the 5xx and the
    /// gateway-error counters).
    pub client_max_requests_overflow_ejects: Fact<bool>,
    /// A request refused by a circuit breaker is retried.
    pub overflow_retried: Fact<bool>,
    /// Envoy marks its own overflow 503s with `x-envoy-overloaded`, and never retries a 503
    /// that carries it.
    pub overloaded_header_blocks_retry: Fact<bool>,
    /// The pod annotation `proxy.istio.io/config:
    /// '{"proxyHeaders":{"envoyDebugHeaders":{"disabled":true}}}'` removes Envoy's debug headers
    /// (`x-envoy-overloaded` among them) from the pod's answers.
    pub envoy_debug_headers_annotation: Fact<bool>,

    // Outlier detection.
    /// How `consecutiveErrors` is read.
    pub consecutive_errors: Fact<ConsecutiveErrors>,
    /// `consecutiveGatewayErrors` and `consecutive5xxErrors` exist.
    pub consecutive_gateway_errors_field: Fact<bool>,
    /// With only `consecutiveGatewayErrors` set, Envoy's `consecutive_5xx` keeps its default
    /// ([`Self::envoy_default_consecutive_5xx`], enforced): a 5xx run of that length ejects too.
    pub default_5xx_stays_enforced: Fact<bool>,
    /// Envoy's default `consecutive_5xx`.
    pub envoy_default_consecutive_5xx: Fact<u32>,
    /// `splitExternalLocalOriginErrors` / `consecutiveLocalOriginFailures` exist.
    pub split_local_origin_errors_field: Fact<bool>,
    /// Envoy's panic threshold is `minHealthPercent` (default 0: panic mode off, so with every
    /// endpoint ejected Envoy routes nothing: 503 UH).
    pub panic_threshold_is_min_health_percent: Fact<bool>,
    /// When Envoy may eject one more host.
    pub max_ejection: Fact<MaxEjection>,
    /// Envoy's default `max_ejection_percent` when the rule sets none.
    pub envoy_default_max_ejection_percent: Fact<u32>,
    /// Envoy's defaults for `interval` and `baseEjectionTime`, in milliseconds.
    pub envoy_default_interval_and_base_ejection_ms: Fact<(u64, u64)>,
    /// Ejection time is `baseEjectionTime` x the number of times the host was ejected, capped
    /// at the larger of this (Envoy's default `max_ejection_time`, in ms) and the base time.
    pub max_ejection_time_ms: Fact<u64>,

    // Where traffic goes.
    /// Istio assigns locality failover priorities only when the traffic policy has
    /// `outlierDetection`.
    pub failover_needs_outlier_detection: Fact<bool>,
    /// A DestinationRule's `loadBalancer.localityLbSetting` (per-rule `enabled`, `failover`).
    pub locality_lb_setting_field: Fact<bool>,
    /// `localityLbSetting.failoverPriority` (priorities keyed on labels).
    pub failover_priority_field: Fact<bool>,
    /// Envoy's overprovisioning factor, in percent (Istio never sets it): a priority's share
    /// of the traffic is min(100, factor x its healthy share).
    pub overprovisioning_factor_percent: Fact<u32>,
    /// Istio's retry policy for routes without one.
    pub default_retry: Fact<RetryDefaults>,
    /// VirtualService `retryRemoteLocalities`: adds Envoy's `previous_priorities` predicate with
    /// this update frequency, so a retry moves to the next priority once that many attempts
    /// were made; `None` before the field existed.
    pub retry_remote_localities: Fact<Option<u32>>,
    /// istiod sends unready endpoints to the proxies unless `minHealthPercent` > 0.
    pub sends_unhealthy_endpoints: Fact<bool>,

    /// How Istio gives endpoints priorities by locality when it applies failover.
    pub locality_priority: Fact<LocalityPriority>,
    /// The load-balancing policy Istio gives a cluster whose DestinationRule names none.
    pub default_lb_policy: Fact<EnvoyLbPolicy>,
    /// Endpoints `LEAST_REQUEST` draws per pick (Envoy's `choice_count`; Istio never sets it).
    pub least_request_choices: Fact<u32>,
    /// Envoy's retry back-off when the route sets none.
    pub retry_back_off: Fact<RetryBackOff>,
    /// VirtualService `retries.backoff` (the base interval of Envoy's back-off).
    pub retry_backoff_field: Fact<bool>,
    /// Which `retryOn` conditions retry an upstream 503 and a failed connection.
    pub retry_on: Fact<RetryOnConditions>,
    /// The connect timeout of the clusters istiod builds when the DestinationRule sets no
    /// `connectionPool.tcp.connectTimeout` and the mesh config no `connectTimeout`, in
    /// milliseconds.
    pub connect_timeout_ms: Fact<u64>,

    // Reaching the peer.
    /// How endpoints outside the cluster join a Service.
    pub remote_endpoints: Fact<RemoteEndpoints>,
    /// Which port a selected WorkloadEntry receives traffic on.
    pub workload_entry_ports: Fact<WorkloadEntryPorts>,
    /// A WorkloadEntry without `network` is on the proxy's own network (no network gateway).
    pub workload_entry_without_network_is_local: Fact<bool>,
    /// What AUTO_PASSTHROUGH needs on the receiving gateway.
    pub auto_passthrough: Fact<AutoPassthrough>,
    /// The installers' router-mode defaults; `None` where the mode no longer matters.
    pub router_mode_defaults: Fact<Option<RouterModeDefaults>>,
    /// The default `istio-ingressgateway` Service exposes the mTLS port 15443 (`tls`).
    pub default_gateway_exposes_15443: Fact<bool>,
    /// Istio ships an east-west gateway (`samples/multicluster/gen-eastwest-gateway.sh`, label
    /// `istio: eastwestgateway`), whose Service exposes 15443.
    pub east_west_gateway: Fact<bool>,

    // Fields the release honours.
    /// Sidecar `inboundConnectionPool` (and `ingress[].connectionPool`) configure the inbound
    /// cluster (the 1.20 CRD has the field; pilot 1.20 ignores it).
    pub sidecar_inbound_connection_pool: Fact<bool>,
    /// DestinationRule `workloadSelector` (it applies to outbound traffic only).
    pub destination_rule_workload_selector: Fact<bool>,
    /// A proxy looks DestinationRules up in its own namespace first, then the service's
    /// namespace, then the root namespace (subject to `exportTo`).
    pub destination_rule_proxy_namespace_first: Fact<bool>,
    // Telemetry.
    /// How a pod includes extra Envoy statistics.
    pub stats_inclusion: Fact<StatsInclusion>,
    /// Which installers' gateway charts pass the gateway's `podAnnotations` to its proxy.
    pub gateway_pod_annotations: Fact<GatewayPodAnnotations>,
    /// Istio's Helm repository has the `istio/gateway` chart (a gateway installed on its own,
    /// its values `podAnnotations` and `env` at the top level, its pods labelled `istio:` the
    /// release name without `istio-`).
    pub helm_gateway_chart: Fact<bool>,
    /// The istioctl command that installs Istio from an IstioOperator file
    /// (`istioctl <command> -f FILE`).
    pub istioctl_install: Fact<&'static str>,
    /// `istio_requests_total` carries `source_cluster` and `destination_cluster` when istiod
    /// is installed with `global.multiCluster.clusterName` (as the rendered install values do).
    pub request_cluster_labels: Fact<bool>,
    /// istiod exports `citadel_server_cert_chain_expiry_timestamp` (its CA certificate, the
    /// plugged-in intermediate) beside `citadel_server_root_cert_expiry_timestamp`, which every
    /// release exports.
    pub ca_cert_chain_expiry_metric: Fact<bool>,

    /// Worker threads of a sidecar's Envoy by default (`proxy.concurrency`); a gateway's Envoy
    /// uses the node's cores.
    pub sidecar_default_concurrency: Fact<u32>,
}

impl DataPlane {
    /// The facts of `release`.
    #[allow(clippy::too_many_lines)] // one table, one row per fact
    pub const fn of(release: IstioRelease) -> Self {
        let r = release;
        let envoy_minor = if r.major() == 1 && r.minor() >= 5 {
            r.minor() + 8
        } else if r.major() == 1 {
            13
        } else {
            // Past 1.x nothing was read; keep the newest known mapping.
            IstioRelease::NEWEST_KNOWN.minor() + 8
        };
        Self {
            release,
            envoy: fact(
                EnvoyRelease {
                    major: 1,
                    minor: envoy_minor,
                },
                "istio/proxy ENVOY_SHA at the release tags (1.5.10 = istio/envoy bc117b44 = Envoy 1.13.4); istio/istio#25445; istio/test-infra #3787, #4345, #4495, #4947, #5065, #5517, #5608, #5649",
            ),
            connection_pool_applies_inbound: fact(
                true,
                "II 1.5.10 pilot/pkg/networking/core/v1alpha3/cluster.go 671-684 (\"when users specify circuit breakers, they need to be set on the receiver end\"); II 1.30.3 cluster_builder.go 642-694",
            ),
            client_limits_shared_by_all_endpoints: fact(
                true,
                "II 1.30.3 pilot/pkg/networking/core/cluster_traffic_policy.go 102-147, 438-451 (one DEFAULT threshold, no per_host_thresholds)",
            ),
            per_worker_connection_overshoot: fact(
                true,
                "IE 1.7.8 source/common/conn_pool/conn_pool_base.cc tryCreateNewConnection (each worker's pool may create one connection past the limit)",
            ),
            max_requests_limits_http1: fact(
                r.at_least(1, 6),
                "IE bc117b44 (Envoy 1.13, Istio 1.5) source/common/http/http1/conn_pool.cc: the HTTP/1 pool has no max-requests check",
            ),
            unset_limit: fact(
                if r.at_least(1, 11) { None } else { Some(1024) },
                "Envoy config.cluster.v3.CircuitBreakers.Thresholds (max_connections, max_pending_requests, max_requests default 1024); II 1.11.8 pilot/pkg/networking/core/v1alpha3/cluster_traffic_policy.go (a DEFAULT threshold with MaxUint32 for every field the rule leaves out)",
            ),
            client_pending_overflow_ejects: fact(
                false,
                "IE bc117b44 source/common/http/http1/conn_pool.cc 121-128; IE 1.7.8 source/common/conn_pool/conn_pool_base.cc 135-139 (the pending overflow passes no host); envoyproxy/envoy#25488 (Envoy 1.26)",
            ),
            client_max_requests_overflow_ejects: fact(
                r.within((1, 7), (1, 17)),
                "envoyproxy/envoy#11689 (Envoy 1.15, Istio 1.7: the max-requests overflow passes its host, IE 1.7.8 conn_pool_base.cc 67-71); envoyproxy/envoy#25488 (Envoy 1.26, Istio 1.18: router.cc onUpstreamReset skips outlier detection for overflow; changelog 1.26.0)",
            ),
            overflow_retried: fact(
                false,
                "IE bc117b44 source/common/router/retry_state_impl.cc 336-341 (wouldRetryFromReset is false for Overflow); same in EV",
            ),
            overloaded_header_blocks_retry: fact(
                true,
                "IE source/common/router/retry_state_impl.cc 267-270 (a 503 with x-envoy-overloaded is not retried); EV router.cc onUpstreamAbort adds the header to overflow 503s",
            ),
            envoy_debug_headers_annotation: fact(
                r.at_least(1, 19),
                "ProxyConfig proxyHeaders.envoyDebugHeaders, Istio 1.19 (istio/api mesh/v1alpha1/proxy.proto)",
            ),
            consecutive_errors: fact(
                if r.at_least(1, 7) {
                    ConsecutiveErrors::Ignored
                } else {
                    ConsecutiveErrors::GatewayFailures
                },
                "II 1.5.10 pilot/pkg/networking/core/v1alpha3/cluster.go 951ff (consecutive_gateway_failure, enforcing_consecutive_5xx 0); II 1.7.8 cluster.go applyOutlierDetection and pkg/config/validation/validation.go 889 (ignored, warning)",
            ),
            consecutive_gateway_errors_field: fact(
                r.at_least(1, 6),
                "II 1.6 pkg/config/validation/validation.go (consecutiveErrors refused beside consecutiveGatewayErrors/consecutive5xxErrors)",
            ),
            default_5xx_stays_enforced: fact(
                r.at_least(1, 7),
                "II 1.7.8 cluster.go applyOutlierDetection (consecutive_5xx only set when consecutive5xxErrors is); Envoy outlier_detection_impl.h 300-318 (consecutive_5xx 5, enforcing 100)",
            ),
            envoy_default_consecutive_5xx: fact(
                5,
                "IE 1.7.8 source/common/upstream/outlier_detection_impl.h 300-318",
            ),
            split_local_origin_errors_field: fact(
                r.at_least(1, 11),
                "II 1.11.8 pilot/pkg/networking/core/v1alpha3/cluster_traffic_policy.go 493-560",
            ),
            panic_threshold_is_min_health_percent: fact(
                true,
                "II 1.5.10 cluster.go 951ff; II 1.30.3 cluster_traffic_policy.go 493-560 (healthy_panic_threshold = minHealthPercent, default 0); IE 1.7.8 load_balancer_impl.cc 237-251",
            ),
            max_ejection: fact(
                if r.at_least(1, 19) {
                    MaxEjection::ShareAfterEjection
                } else {
                    MaxEjection::ShareBeforeEjection
                },
                "envoyproxy/envoy#27624, #27909 (Envoy 1.27, Istio 1.19; issue #26877): outlier_detection_impl.cc ejectHost checks the share after the ejection; always_eject_one_host (#34796) is opt-in and Istio does not set it",
            ),
            envoy_default_max_ejection_percent: fact(
                10,
                "Envoy config.cluster.v3.OutlierDetection max_ejection_percent (default 10%)",
            ),
            envoy_default_interval_and_base_ejection_ms: fact(
                (10_000, 30_000),
                "Envoy config.cluster.v3.OutlierDetection interval (default 10s), base_ejection_time (default 30s)",
            ),
            max_ejection_time_ms: fact(
                300_000,
                "Envoy config.cluster.v3.OutlierDetection max_ejection_time (default 300s, or base_ejection_time if larger)",
            ),
            failover_needs_outlier_detection: fact(
                true,
                "II 1.5.10 cluster.go 1089-1092; II 1.30.3 pilot/pkg/networking/core/loadbalancer and endpoint_builder.go 414-431, 837-858",
            ),
            locality_lb_setting_field: fact(
                r.at_least(1, 6),
                "istio/api networking/v1alpha3/destination_rule.proto LoadBalancerSettings.localityLbSetting (per rule from Istio 1.6)",
            ),
            failover_priority_field: fact(
                r.at_least(1, 12),
                "istio/api LocalityLoadBalancerSetting.failoverPriority (Istio 1.12)",
            ),
            overprovisioning_factor_percent: fact(
                140,
                "Envoy's default overprovisioning_factor (config.endpoint.v3.ClusterLoadAssignment.Policy; architecture docs \"Priority levels\"); Istio never sets it",
            ),
            default_retry: fact(
                RetryDefaults {
                    attempts: 2,
                    retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
                    status_503: if r.at_least(1, 27) {
                        DefaultRetry503::NotRetried
                    } else if r.at_least(1, 24) {
                        DefaultRetry503::ExcludedByDefault
                    } else {
                        DefaultRetry503::Retried
                    },
                    previous_hosts: true,
                    host_selection_max_attempts: 5,
                },
                "II pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy (every tag); istio/istio#52111 (1.24: EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY=true; the flag is gone in 1.27)",
            ),
            retry_remote_localities: fact(
                if r.at_least(1, 6) { Some(2) } else { None },
                "II 1.15.7 pilot/pkg/networking/core/v1alpha3/route/retry/retry.go 131-135 (previous_priorities, update_frequency 2); EV source/extensions/retry/priority/previous_priorities/previous_priorities.cc",
            ),
            sends_unhealthy_endpoints: fact(
                r.at_least(1, 31),
                "istio/istio#60690 (1.31: PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS=true)",
            ),
            locality_priority: fact(
                LocalityPriority::MatchedPartsThenFailoverRegion,
                "II 1.5.10 pilot/pkg/networking/core/v1alpha3/loadbalancer/loadbalancer.go 136-185 (applyLocalityFailover) and pilot/pkg/networking/util/util.go 380-391 (LbPriority); II 1.30.3 pilot/pkg/networking/core/loadbalancer/loadbalancer.go 181-235 and pilot/pkg/networking/util/util.go 300-311 (the same rule; failoverPriority labels rank before it)",
            ),
            default_lb_policy: fact(
                if r.at_least(1, 14) {
                    EnvoyLbPolicy::LeastRequest
                } else {
                    EnvoyLbPolicy::RoundRobin
                },
                "II 1.5.10 pilot/pkg/networking/core/v1alpha3/cluster.go 1011-1060 (applyLoadBalancer sets no lb_policy: Envoy's default ROUND_ROBIN); II 1.13.9 cluster.go 720-721 (ROUND_ROBIN); istio/istio#37220 (1.14.0: LEAST_REQUEST, II 1.14.0 cluster.go 706-711; ENABLE_LEGACY_LB_ALGORITHM_DEFAULT restores ROUND_ROBIN up to 1.18); II 1.30.3 pilot/pkg/networking/core/cluster_traffic_policy.go 354-356",
            ),
            least_request_choices: fact(
                2,
                "Envoy config.cluster.v3.Cluster.LeastRequestLbConfig choice_count (default 2); EV load_balancer_impl.cc LeastRequestLoadBalancer::unweightedHostPick (random draws with replacement, strict fewer rq_active wins); EV conn_pool_base.cc attaches a stream before counting it in rq_active",
            ),
            retry_back_off: fact(
                RetryBackOff {
                    base_ms: 25,
                    max_per_base: 10,
                },
                "envoyproxy/envoy 00d9abb7 source/common/router/retry_state_impl.cc RetryStateImpl (base_interval: runtime upstream.base_retry_backoff_ms, default 25 ms; max_interval 10 x base) and envoyproxy/envoy 18a4509c source/common/common/backoff_strategy.cc (fully jittered: the first retry waits [0, base)); EV source/common/common/backoff_strategy.cc JitteredExponentialBackOffStrategy doubles the bound for each later retry up to max_interval (older Envoy's JitteredBackOffStrategy, envoyproxy/envoy#3791, used (2^n - 1) x base for retry n; the Envoy release that changed it was not read); Istio sets no retry_back_off unless retries.backoff is given",
            ),
            retry_backoff_field: fact(
                r.at_least(1, 26),
                "istio/istio#55639 (1.26.0: retries.backoff becomes retry_back_off.base_interval, II 1.26.8 pilot/pkg/networking/core/route/retry/retry.go); absent from II 1.25.5",
            ),
            retry_on: fact(
                RetryOnConditions {
                    upstream_503: &["5xx", "gateway-error", "503"],
                    connect_failure: &["connect-failure", "5xx", "gateway-error", "reset"],
                },
                "envoyproxy/envoy 00d9abb7 source/common/router/retry_state_impl.cc wouldRetryFromHeaders (5xx, gateway-error, retriable-status-codes) and wouldRetryFromReset (5xx and gateway-error retry every reset but an overflow; connect-failure a connection failure); envoyproxy/envoy#7505 (reset, Envoy 1.12); II 1.5.10 pilot/pkg/networking/core/v1alpha3/route/retry/retry.go 89 parseRetryOn (status codes become retriable-status-codes)",
            ),
            connect_timeout_ms: fact(
                if r.at_least(1, 6) { 10_000 } else { 1_000 },
                "II 1.5.10 pkg/config/mesh/mesh.go 68 (DefaultMeshConfig ConnectTimeout 1s; istioctl's manifests/istio-control/istio-discovery/templates/configmap.yaml sets connectTimeout only in defaultConfig, the legacy Helm chart install/kubernetes/helm/istio/templates/configmap.yaml 105 sets 10s); istio/istio#22687 (1.6.0: 10s); II 1.30.3 pkg/config/mesh/mesh.go 94, pilot/pkg/networking/core/cluster_traffic_policy.go 130-131 (connectionPool.tcp.connectTimeout overrides it)",
            ),
            remote_endpoints: fact(
                if r.at_least(1, 7) {
                    RemoteEndpoints::WorkloadEntries
                } else {
                    RemoteEndpoints::ServiceEntryMerge
                },
                "II 1.5.10 pilot/pkg/serviceregistry/aggregate/controller.go 120-125, eds.go 249-290, 600-660 (same-host ServiceEntry endpoints merged); II 1.7.8 pilot/pkg/features/pilot.go 317 (Services select WorkloadEntries)",
            ),
            workload_entry_ports: fact(
                if r.at_least(1, 11) {
                    WorkloadEntryPorts::ByServicePortName
                } else if r.at_least(1, 7) {
                    WorkloadEntryPorts::IgnoredWithNumericTargetPort
                } else {
                    WorkloadEntryPorts::NotSelected
                },
                "II 1.7.8 pilot/pkg/serviceregistry/kube/controller/controller.go 743-790; II 1.10.6 controller.go 826-850; fixed by istio/istio#33774 (1.11.0)",
            ),
            workload_entry_without_network_is_local: fact(
                true,
                "II 1.30.3 pilot/pkg/model/context.go 421-423 (InNetwork: IsSameOrEmpty)",
            ),
            auto_passthrough: fact(
                if r.at_least(1, 11) {
                    AutoPassthrough::Automatic
                } else {
                    AutoPassthrough::NeedsSniDnat
                },
                "II 1.5.10 pilot/pkg/networking/core/v1alpha3/cluster.go 133-135 (SNI-DNAT clusters only in sni-dnat mode); II 1.11.8 cluster.go 105 (ContainsAutoPassthroughGateways)",
            ),
            router_mode_defaults: fact(
                router_mode_defaults(r),
                "II 1.5 operator/data/profiles/default.yaml 148 and install/kubernetes/helm/istio/charts/gateways/values.yaml 127; II 1.8.0 manifests/charts/gateways/istio-ingress/values.yaml 102 (sni-dnat) and manifests/profiles/default.yaml 54 (standard, in k8s.env, which overrides values until istio/istio#28490 in 1.9); II 1.9.9 manifests/charts/gateways/istio-ingress/values.yaml 94",
            ),
            default_gateway_exposes_15443: fact(
                !r.at_least(1, 10),
                "II 1.9.9 manifests/charts/gateways/istio-ingress/values.yaml 31-35; removed by istio/istio#30269 (1.10.0)",
            ),
            east_west_gateway: fact(
                r.at_least(1, 7),
                "II 1.7 samples/multicluster/gen-eastwest-gateway.sh",
            ),
            sidecar_inbound_connection_pool: fact(
                r.at_least(1, 21),
                "istio/istio#47313 (1.21.0, release note sidecar-api-connectionpool.yaml)",
            ),
            destination_rule_workload_selector: fact(
                r.at_least(1, 14),
                "istio/api DestinationRule.workloadSelector (Istio 1.14); II 1.20.8 pilot/pkg/model/sidecar.go 620-645 (outbound only)",
            ),
            destination_rule_proxy_namespace_first: fact(
                true,
                "II 1.20.8 pilot/pkg/model/push_context.go 1115-1175 (proxy namespace, then service namespace, then root namespace)",
            ),
            stats_inclusion: fact(
                if r.at_least(1, 8) {
                    StatsInclusion::ProxyConfig
                } else {
                    StatsInclusion::SidecarAnnotation
                },
                "II 1.5.10 pilot/pkg/model/context.go 325 (sidecar.istio.io/statsInclusionRegexps); II 1.8.6 pkg/bootstrap/config.go 247 (ProxyConfig.ProxyStatsMatcher read; the annotation still wins when both are set, II 1.30.3 pkg/bootstrap/config.go 249-257); II 1.6.14 pkg/kube/inject/inject.go 467 (proxy.istio.io/config merged at injection)",
            ),
            gateway_pod_annotations: fact(
                if r.at_least(1, 6) {
                    GatewayPodAnnotations::EveryChart
                } else {
                    GatewayPodAnnotations::IstioctlChartOnly
                },
                "II 1.5.10 manifests/gateways/istio-ingress/templates/deployment.yaml 290-293 (ISTIO_METAJSON_ANNOTATIONS from podAnnotations), install/kubernetes/helm/istio/charts/gateways/templates/deployment.yaml 34-38 (on the pod only), pkg/bootstrap/config.go 423-470 (node metadata from ISTIO_META*/ISTIO_METAJSON_* and the labels file only); II 1.6.14 manifests/charts/gateways/istio-ingress/templates/deployment.yaml 224-227, 277 (the one gateway chart: ISTIO_METAJSON_ANNOTATIONS and the downward-API annotations file), values.yaml 68; II 1.8.6 pilot/cmd/pilot-agent/config.go 38-50 (proxy.istio.io/config read from that file); II 1.12.9 manifests/charts/gateway/values.yaml 22 and pkg/kube/inject/webhook.go 557 (istio/gateway podAnnotations, merged at injection)",
            ),
            helm_gateway_chart: fact(
                r.at_least(1, 12),
                "II 1.11.8 manifests/charts (no gateway chart; gateways/ is the istioctl and umbrella chart); II 1.12.9 manifests/charts/gateway values.yaml 22 (podAnnotations), 71 (env), templates/_helpers.tpl 42 (istio: the release name without istio-)",
            ),
            istioctl_install: fact(
                if r.at_least(1, 6) {
                    "install"
                } else {
                    "manifest apply"
                },
                "II 1.5.10 operator/cmd/mesh/manifest-apply.go 66 (`manifest apply`; istioctl 1.5 has no `install`); II 1.6.14 operator/cmd/mesh/manifest-apply.go 108-114 (`install`, an alias of `manifest apply`)",
            ),
            request_cluster_labels: fact(
                r.at_least(1, 6),
                "II 1.6.14 manifests/charts/istio-control/istio-discovery/templates/telemetryv2_1.6.yaml 147-155 (source_cluster/destination_cluster dimensions when global.multiCluster.clusterName is set); istio/proxy#3229 (1.10.0: standard labels, istio/proxy 1.10.6 extensions/stats/plugin.h 68, 79); absent from istio/proxy 1.5.10 extensions/stats/plugin.h",
            ),
            ca_cert_chain_expiry_metric: fact(
                r.at_least(1, 7),
                "II 1.7.8 security/pkg/server/ca/monitoring.go (citadel_server_cert_chain_expiry_timestamp; not in 1.6.14); root: II 1.5.10-1.30.3 monitoring.go citadel_server_root_cert_expiry_timestamp",
            ),
            sidecar_default_concurrency: fact(
                2,
                "II 1.5.10 install/kubernetes/helm/istio/values.yaml 155 (proxy concurrency 2); the gateway's Envoy runs one worker per core",
            ),
        }
    }

    /// Whether a request over the client's own limits can eject an endpoint on this release.
    pub const fn client_overflow_ejects(&self) -> bool {
        self.client_pending_overflow_ejects.value || self.client_max_requests_overflow_ejects.value
    }

    /// Where an overflow rule's limits must go on this release. Derived: a server pod's own
    /// overflow 503 reaches its clients as an upstream error on every release
    /// ([`Self::connection_pool_applies_inbound`]), while the client's own overflow ejects
    /// nothing (or, where it does, ejects the remote gateway too, as the limits are shared):
    ///
    /// - with Sidecar `inboundConnectionPool` the limits go there and nowhere client-side;
    /// - where peers join the Service through a ServiceEntry merge (the seeds' releases) the
    ///   seeds' single DestinationRule already applies the limits inbound, and the client's
    ///   overflow counts for nothing, so it is kept as the study used it;
    /// - otherwise a service-namespace rule keeps the limits for the pods' inbound side and a
    ///   root-namespace rule serves every other client without them.
    pub const fn threshold_placement(&self) -> ThresholdPlacement {
        if self.sidecar_inbound_connection_pool.value {
            ThresholdPlacement::SidecarInbound
        } else if matches!(
            self.remote_endpoints.value,
            RemoteEndpoints::ServiceEntryMerge
        ) && !self.client_overflow_ejects()
        {
            ThresholdPlacement::SharedDestinationRule
        } else {
            ThresholdPlacement::NamespaceDestinationRule
        }
    }

    /// Whether a gateway receiving AUTO_PASSTHROUGH traffic must run in sni-dnat mode.
    pub const fn needs_sni_dnat(&self) -> bool {
        matches!(self.auto_passthrough.value, AutoPassthrough::NeedsSniDnat)
    }

    /// Whether outlier detection may eject one more host of a cluster of `total` hosts of which
    /// `ejected` already are, with `maxEjectionPercent` `max_percent` (the rule's, or
    /// [`Self::envoy_default_max_ejection_percent`] when it sets none).
    pub fn may_eject(&self, ejected: u32, total: u32, max_percent: u32) -> bool {
        if total == 0 || ejected >= total {
            return false;
        }
        let max = u64::from(max_percent.min(100));
        match self.max_ejection.value {
            // 100 x ejected / total < max
            MaxEjection::ShareBeforeEjection => u64::from(ejected) * 100 < max * u64::from(total),
            // 100 x (ejected + 1) / total <= max
            MaxEjection::ShareAfterEjection => {
                (u64::from(ejected) + 1) * 100 <= max * u64::from(total)
            }
        }
    }

    /// The largest number of hosts of `total` that can be ejected at once.
    pub fn max_ejectable(&self, total: u32, max_percent: u32) -> u32 {
        let mut n = 0;
        while self.may_eject(n, total, max_percent) {
            n += 1;
        }
        n
    }

    /// How long a host is ejected for the `times`-th time (1 = first), in milliseconds.
    pub fn ejection_time_ms(&self, base_ms: u64, times: u32) -> u64 {
        let cap = self.max_ejection_time_ms.value.max(base_ms);
        base_ms.saturating_mul(u64::from(times.max(1))).min(cap)
    }

    /// The share of requests (percent, summing to 100) each priority gets, given each
    /// priority's `(healthy, total)` endpoints, by Envoy's priority load with this release's
    /// overprovisioning factor (EV `source/common/upstream/load_balancer_impl.cc`
    /// `recalculatePerPriorityState`): a priority's health is min(100, factor x healthy /
    /// total); loads are given in priority order, scaled up when the health of all priorities
    /// sums to less than 100. With no healthy endpoint anywhere every load goes to priority 0
    /// (which, panic mode being off, then has nothing to route to).
    pub fn priority_loads(&self, priorities: &[(u32, u32)]) -> Vec<u32> {
        let factor = u64::from(self.overprovisioning_factor_percent.value);
        let health: Vec<u64> = priorities
            .iter()
            .map(|&(healthy, total)| {
                if total == 0 {
                    0
                } else {
                    (factor * u64::from(healthy.min(total)) / u64::from(total)).min(100)
                }
            })
            .collect();
        let mut loads = vec![0; priorities.len()];
        let total_health = health.iter().sum::<u64>().min(100);
        if loads.is_empty() {
            return loads;
        }
        if total_health == 0 {
            loads[0] = 100;
            return loads;
        }
        let mut left = 100_u64;
        for (load, h) in loads.iter_mut().zip(&health) {
            let share = (h * 100 / total_health).min(left);
            *load = u32::try_from(share).unwrap_or(100);
            left -= share;
        }
        // Rounding leftovers go to the first priority with any health, as Envoy does.
        if let (true, Some(i)) = (left > 0, health.iter().position(|&h| h > 0)) {
            loads[i] += u32::try_from(left).unwrap_or(0);
        }
        loads
    }

    /// The smallest number of ejected endpoints, among `n` in the client's own priority (the
    /// rest of the cluster healthy), that moves any traffic to the next priority. `None` when
    /// even all of them would not (n = 0).
    pub fn ejections_before_spill(&self, n: u32) -> Option<u32> {
        (1..=n).find(|&k| self.priority_loads(&[(n - k, n), (1, 1)])[0] < 100)
    }

    /// Each endpoint's Envoy priority for a proxy at `proxy` (localities as
    /// `region[/zone[/sub-zone]]`, `None` where unknown), with the rule's `failover` regions
    /// (`from`, `to`), by [`Self::locality_priority`]: dense, 0 first.
    pub fn locality_priorities(
        &self,
        proxy: Option<&str>,
        endpoints: &[Option<&str>],
        failover: &[(String, String)],
    ) -> Vec<u32> {
        fn parts(l: Option<&str>) -> [&str; 3] {
            let mut it = l.unwrap_or_default().splitn(3, '/');
            [
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
            ]
        }
        let me = parts(proxy);
        let raw: Vec<u32> = match self.locality_priority.value {
            LocalityPriority::MatchedPartsThenFailoverRegion => endpoints
                .iter()
                .map(|&l| {
                    let ep = parts(l);
                    // 3 minus the number of leading parts that match.
                    let matched = me.iter().zip(&ep).take_while(|(a, b)| a == b).count();
                    let p = 3 - u32::try_from(matched).unwrap_or(3);
                    let rule = failover.iter().find(|(from, _)| from == me[0]);
                    match rule {
                        Some((_, to)) if p == 3 && (l.is_none() || ep[0] != to) => 4,
                        _ => p,
                    }
                })
                .collect(),
        };
        let mut used = raw.clone();
        used.sort_unstable();
        used.dedup();
        raw.iter()
            .map(|p| u32::try_from(used.binary_search(p).unwrap_or(0)).unwrap_or(0))
            .collect()
    }

    /// The upper bound (exclusive) of the jittered back-off before the `retry`-th retry (1 =
    /// first), in milliseconds, with the route's base interval `base_ms` or, without one,
    /// [`Self::retry_back_off`]'s: the base for the first retry, doubled for each later one, at
    /// most [`RetryBackOff::max_per_base`] times the base. Envoy waits a random whole number of
    /// milliseconds below it.
    pub fn retry_back_off_bound_ms(&self, base_ms: Option<u64>, retry: u32) -> u64 {
        let d = self.retry_back_off.value;
        let base = base_ms
            .filter(|_| self.retry_backoff_field.value)
            .unwrap_or(d.base_ms)
            .max(1);
        let max = base.saturating_mul(d.max_per_base);
        let doublings = retry.saturating_sub(1).min(63);
        base.saturating_mul(1_u64 << doublings).min(max)
    }

    /// Whether a route retrying on `retry_on` (Istio's `retryOn`, comma-separated) retries an
    /// upstream 503 that carries no `x-envoy-overloaded`.
    pub fn retries_upstream_503(&self, retry_on: &str) -> bool {
        retry_on
            .split(',')
            .any(|t| self.retry_on.value.upstream_503.contains(&t.trim()))
    }

    /// Whether a route retrying on `retry_on` retries a failed connection.
    pub fn retries_connect_failure(&self, retry_on: &str) -> bool {
        retry_on
            .split(',')
            .any(|t| self.retry_on.value.connect_failure.contains(&t.trim()))
    }

    /// Every fact as a row: name, value, source. For documentation and for tools that show
    /// the table.
    pub fn rows(&self) -> Vec<FactRow> {
        fn row<T: fmt::Debug>(name: &'static str, f: &Fact<T>) -> FactRow {
            FactRow {
                name,
                value: format!("{:?}", f.value),
                source: f.source,
            }
        }
        macro_rules! rows {
            ($($field:ident),* $(,)?) => { vec![$(row(stringify!($field), &self.$field)),*] };
        }
        rows![
            envoy,
            connection_pool_applies_inbound,
            client_limits_shared_by_all_endpoints,
            per_worker_connection_overshoot,
            max_requests_limits_http1,
            unset_limit,
            client_pending_overflow_ejects,
            client_max_requests_overflow_ejects,
            overflow_retried,
            overloaded_header_blocks_retry,
            envoy_debug_headers_annotation,
            consecutive_errors,
            consecutive_gateway_errors_field,
            default_5xx_stays_enforced,
            envoy_default_consecutive_5xx,
            split_local_origin_errors_field,
            panic_threshold_is_min_health_percent,
            max_ejection,
            envoy_default_max_ejection_percent,
            envoy_default_interval_and_base_ejection_ms,
            max_ejection_time_ms,
            failover_needs_outlier_detection,
            locality_lb_setting_field,
            failover_priority_field,
            overprovisioning_factor_percent,
            default_retry,
            retry_remote_localities,
            sends_unhealthy_endpoints,
            locality_priority,
            default_lb_policy,
            least_request_choices,
            retry_back_off,
            retry_backoff_field,
            retry_on,
            connect_timeout_ms,
            remote_endpoints,
            workload_entry_ports,
            workload_entry_without_network_is_local,
            auto_passthrough,
            router_mode_defaults,
            default_gateway_exposes_15443,
            east_west_gateway,
            sidecar_inbound_connection_pool,
            destination_rule_workload_selector,
            destination_rule_proxy_namespace_first,
            stats_inclusion,
            gateway_pod_annotations,
            helm_gateway_chart,
            istioctl_install,
            request_cluster_labels,
            ca_cert_chain_expiry_metric,
            sidecar_default_concurrency,
        ]
    }
}

/// One fact of [`DataPlane::rows`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactRow {
    /// The field of [`DataPlane`].
    pub name: &'static str,
    /// Its value, as Rust's `Debug` prints it.
    pub value: String,
    /// Where it comes from.
    pub source: &'static str,
}

const fn router_mode_defaults(r: IstioRelease) -> Option<RouterModeDefaults> {
    let (istioctl, helm, k8s_env) = if r.at_least(1, 11) {
        return None;
    } else if r.at_least(1, 9) {
        (RouterMode::Standard, RouterMode::Standard, false)
    } else if r.at_least(1, 8) {
        // The 1.8 chart still sets sni-dnat; the istioctl profile overrides it with standard.
        (RouterMode::Standard, RouterMode::SniDnat, true)
    } else if r.at_least(1, 6) {
        (RouterMode::SniDnat, RouterMode::SniDnat, false)
    } else {
        (RouterMode::SniDnat, RouterMode::Standard, false)
    };
    Some(RouterModeDefaults {
        istioctl,
        helm,
        istioctl_sets_it_in_k8s_env: k8s_env,
    })
}

/// Envoy's outlier detection for a DestinationRule's `outlierDetection`, as this release's
/// Istio translates it.
#[cfg(feature = "resources")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvoyOutlierDetection {
    /// Consecutive 5xx (local-origin failures scored as 503 included, when not split) before
    /// an ejection; `None` when not enforced.
    pub consecutive_5xx: Option<u32>,
    /// Consecutive gateway errors (502, 503, 504) before an ejection; `None` when not enforced.
    pub consecutive_gateway_failure: Option<u32>,
    /// Consecutive local-origin failures before an ejection, when they are split from
    /// upstream errors; `None` when they are not.
    pub consecutive_local_origin_failure: Option<u32>,
    /// Time between ejection sweeps, in milliseconds.
    pub interval_ms: u64,
    /// Base ejection time, in milliseconds.
    pub base_ejection_time_ms: u64,
    /// `max_ejection_percent`.
    pub max_ejection_percent: u32,
    /// The panic threshold, percent (0: panic mode off).
    pub healthy_panic_threshold: u32,
}

#[cfg(feature = "resources")]
impl DataPlane {
    /// The load-balancing policy of a cluster whose DestinationRule has `lb`: its `simple`
    /// algorithm as Istio translates it (`LEAST_CONN` is `LEAST_REQUEST`), or
    /// [`Self::default_lb_policy`] when it names none. `None` for a policy outside
    /// [`EnvoyLbPolicy`] (consistent hash, `PASSTHROUGH`, backend utilization).
    pub fn lb_policy(
        &self,
        lb: Option<&crate::networking::LoadBalancerSettings>,
    ) -> Option<EnvoyLbPolicy> {
        use crate::networking::{LbPolicy, SimpleLb};
        match lb.and_then(|l| l.policy.as_ref()) {
            None | Some(LbPolicy::Simple(SimpleLb::Unspecified)) => {
                Some(self.default_lb_policy.value)
            }
            Some(LbPolicy::Simple(SimpleLb::LeastConn | SimpleLb::LeastRequest)) => {
                Some(EnvoyLbPolicy::LeastRequest)
            }
            Some(LbPolicy::Simple(SimpleLb::RoundRobin)) => Some(EnvoyLbPolicy::RoundRobin),
            Some(LbPolicy::Simple(SimpleLb::Random)) => Some(EnvoyLbPolicy::Random),
            Some(_) => None,
        }
    }

    /// How this release's Istio turns `od` into Envoy's outlier detection.
    pub fn outlier_detection(
        &self,
        od: &crate::networking::OutlierDetection,
    ) -> EnvoyOutlierDetection {
        let count = |n: Option<u32>| n.filter(|&n| n > 0);
        let signed = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
        let (five_xx, gateway) = match self.consecutive_errors.value {
            ConsecutiveErrors::GatewayFailures if od.consecutive_errors.is_some() => {
                (None, count(signed(od.consecutive_errors)))
            }
            _ => {
                let five_xx = match od.consecutive_5xx_errors {
                    Some(n) => count(Some(n)),
                    None if self.default_5xx_stays_enforced.value => {
                        Some(self.envoy_default_consecutive_5xx.value)
                    }
                    None => None,
                };
                (five_xx, count(od.consecutive_gateway_errors))
            }
        };
        let split = self.split_local_origin_errors_field.value
            && od.split_external_local_origin_errors == Some(true);
        let (interval, base) = self.envoy_default_interval_and_base_ejection_ms.value;
        EnvoyOutlierDetection {
            consecutive_5xx: five_xx,
            consecutive_gateway_failure: gateway,
            consecutive_local_origin_failure: split.then(|| {
                od.consecutive_local_origin_failures
                    .unwrap_or(self.envoy_default_consecutive_5xx.value)
            }),
            interval_ms: od
                .interval
                .as_ref()
                .map_or(interval, crate::primitives::Duration::as_millis),
            base_ejection_time_ms: od
                .base_ejection_time
                .as_ref()
                .map_or(base, crate::primitives::Duration::as_millis),
            // Istio passes only a value above 0 (II 1.30.3 cluster_traffic_policy.go 491).
            max_ejection_percent: signed(od.max_ejection_percent)
                .filter(|&n| n > 0)
                .unwrap_or(self.envoy_default_max_ejection_percent.value)
                .min(100),
            healthy_panic_threshold: if self.panic_threshold_is_min_health_percent.value {
                signed(od.min_health_percent).unwrap_or(0).min(100)
            } else {
                0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minor: u32) -> DataPlane {
        DataPlane::of(IstioRelease::new(1, minor))
    }

    #[test]
    fn envoy_is_istio_plus_eight() {
        assert_eq!(
            at(5).envoy.value,
            EnvoyRelease {
                major: 1,
                minor: 13
            }
        );
        assert_eq!(
            at(18).envoy.value,
            EnvoyRelease {
                major: 1,
                minor: 26
            }
        );
        assert_eq!(
            at(30).envoy.value,
            EnvoyRelease {
                major: 1,
                minor: 38
            }
        );
    }

    #[test]
    fn overprovisioning_shares_match_envoy() {
        let dp = at(30);
        // n local pods, k ejected, one healthy remote gateway.
        let share = |n: u32, k: u32| dp.priority_loads(&[(n - k, n), (1, 1)]);
        assert_eq!(share(1, 1), vec![0, 100]);
        assert_eq!(share(2, 1), vec![70, 30]);
        assert_eq!(share(3, 1), vec![93, 7]);
        assert_eq!(share(4, 1), vec![100, 0]);
        assert_eq!(share(4, 2), vec![70, 30]);
        assert_eq!(dp.ejections_before_spill(1), Some(1));
        assert_eq!(dp.ejections_before_spill(4), Some(2));
        // Nothing healthy anywhere: priority 0 keeps the load (and has nothing to route to).
        assert_eq!(dp.priority_loads(&[(0, 1), (0, 1)]), vec![100, 0]);
        // Three priorities, the first two gone: the third gets it all.
        assert_eq!(
            dp.priority_loads(&[(0, 1), (0, 1), (1, 1)]),
            vec![0, 0, 100]
        );
    }

    #[test]
    fn max_ejection_semantics_change_at_1_19() {
        let (before, after) = (at(18), at(19));
        // One local pod and one remote endpoint, the default 10%.
        assert!(before.may_eject(0, 2, 10));
        assert!(!after.may_eject(0, 2, 10));
        assert!(after.may_eject(0, 2, 50));
        assert!(!after.may_eject(1, 2, 50));
        assert_eq!(before.max_ejectable(2, 10), 1);
        assert_eq!(after.max_ejectable(2, 100), 2);
        assert!(!before.may_eject(0, 2, 0));
    }

    #[cfg(feature = "resources")]
    #[test]
    fn max_ejection_percent_zero_is_envoys_default() {
        let od = |pct| crate::networking::OutlierDetection {
            max_ejection_percent: Some(pct),
            ..crate::networking::OutlierDetection::default()
        };
        assert_eq!(at(30).outlier_detection(&od(0)).max_ejection_percent, 10);
        assert_eq!(at(30).outlier_detection(&od(40)).max_ejection_percent, 40);
    }

    #[test]
    fn ejection_time_grows_and_is_capped() {
        let dp = at(30);
        assert_eq!(dp.ejection_time_ms(60_000, 1), 60_000);
        assert_eq!(dp.ejection_time_ms(60_000, 3), 180_000);
        assert_eq!(dp.ejection_time_ms(60_000, 10), 300_000);
        assert_eq!(dp.ejection_time_ms(600_000, 2), 600_000);
    }

    #[test]
    fn placement_per_release_range() {
        assert_eq!(
            at(5).threshold_placement(),
            ThresholdPlacement::SharedDestinationRule
        );
        assert_eq!(
            at(6).threshold_placement(),
            ThresholdPlacement::SharedDestinationRule
        );
        assert_eq!(
            at(7).threshold_placement(),
            ThresholdPlacement::NamespaceDestinationRule
        );
        assert_eq!(
            at(20).threshold_placement(),
            ThresholdPlacement::NamespaceDestinationRule
        );
        assert_eq!(
            at(21).threshold_placement(),
            ThresholdPlacement::SidecarInbound
        );
    }

    #[test]
    fn locality_priorities_follow_istios_rule() {
        let dp = at(30);
        let none: &[(String, String)] = &[];
        let p = |me: Option<&str>, eps: &[Option<&str>], f: &[(String, String)]| {
            dp.locality_priorities(me, eps, f)
        };
        // Same region first, then same zone, then same sub-zone; dense from 0.
        assert_eq!(
            p(
                Some("asia/a/x"),
                &[
                    Some("eu/z"),
                    Some("asia/b"),
                    Some("asia/a/y"),
                    Some("asia/a/x")
                ],
                none
            ),
            vec![3, 2, 1, 0]
        );
        // Parts left out are equal to each other: "asia/a" and "asia/a" match fully, so an
        // endpoint with a sub-zone ranks after them.
        assert_eq!(
            p(Some("asia/a"), &[Some("asia/a/x"), Some("asia/a")], none),
            vec![1, 0]
        );
        // Without a locality on either side, endpoints with none come first.
        assert_eq!(p(None, &[Some("us/a"), None], none), vec![1, 0]);
        // Failover from the proxy's region: the `to` region before every other one.
        let f = vec![("asia".to_owned(), "us".to_owned())];
        assert_eq!(
            p(
                Some("asia/a"),
                &[Some("eu/x"), Some("us/x"), Some("asia/a"), None],
                &f
            ),
            vec![2, 1, 0, 2]
        );
        // A rule from another region changes nothing.
        let other = vec![("eu".to_owned(), "us".to_owned())];
        assert_eq!(
            p(Some("asia/a"), &[Some("eu/x"), Some("us/x")], &other),
            vec![0, 0]
        );
    }

    #[test]
    fn lb_policy_changes_at_1_14() {
        assert_eq!(at(13).default_lb_policy.value, EnvoyLbPolicy::RoundRobin);
        assert_eq!(at(14).default_lb_policy.value, EnvoyLbPolicy::LeastRequest);
        assert!(
            at(14)
                .default_lb_policy
                .source
                .contains("istio/istio#37220")
        );
    }

    #[test]
    fn retry_back_off_doubles_up_to_ten_bases() {
        let dp = at(30);
        let bounds: Vec<u64> = (1..=6)
            .map(|n| dp.retry_back_off_bound_ms(None, n))
            .collect();
        assert_eq!(bounds, vec![25, 50, 100, 200, 250, 250]);
        assert_eq!(dp.retry_back_off_bound_ms(Some(100), 1), 100);
        assert_eq!(dp.retry_back_off_bound_ms(Some(100), 9), 1000);
        // Before VirtualService retries.backoff existed, a base in the route is not honoured.
        assert_eq!(at(25).retry_back_off_bound_ms(Some(100), 1), 25);
    }

    #[test]
    fn retry_on_conditions() {
        let dp = at(30);
        assert!(dp.retries_upstream_503("gateway-error"));
        assert!(dp.retries_upstream_503("connect-failure, 503"));
        assert!(!dp.retries_upstream_503("connect-failure,refused-stream"));
        assert!(dp.retries_connect_failure("gateway-error"));
        assert!(!dp.retries_connect_failure("503,retriable-status-codes"));
    }

    #[test]
    fn connect_timeout_is_ten_seconds_from_1_6() {
        assert_eq!(at(5).connect_timeout_ms.value, 1_000);
        assert_eq!(at(6).connect_timeout_ms.value, 10_000);
        assert_eq!(at(30).connect_timeout_ms.value, 10_000);
    }

    #[cfg(feature = "resources")]
    #[test]
    fn a_rules_simple_lb_wins_over_the_default() {
        use crate::networking::{LbPolicy, LoadBalancerSettings, SimpleLb};
        let lb = |s| LoadBalancerSettings {
            policy: Some(LbPolicy::Simple(s)),
            ..LoadBalancerSettings::default()
        };
        let dp = at(13);
        assert_eq!(dp.lb_policy(None), Some(EnvoyLbPolicy::RoundRobin));
        assert_eq!(
            dp.lb_policy(Some(&lb(SimpleLb::LeastConn))),
            Some(EnvoyLbPolicy::LeastRequest)
        );
        assert_eq!(
            at(30).lb_policy(Some(&lb(SimpleLb::RoundRobin))),
            Some(EnvoyLbPolicy::RoundRobin)
        );
        assert_eq!(
            at(30).lb_policy(Some(&lb(SimpleLb::Unspecified))),
            Some(EnvoyLbPolicy::LeastRequest)
        );
        assert_eq!(at(30).lb_policy(Some(&lb(SimpleLb::Passthrough))), None);
    }

    #[test]
    fn rows_list_every_fact_once() {
        let rows = at(30).rows();
        let names: std::collections::BTreeSet<_> = rows.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), rows.len());
        // The Debug form of the struct names each field; every Fact field is a row.
        let debug = format!("{:?}", at(30));
        assert_eq!(debug.matches("Fact {").count(), rows.len());
    }

    #[test]
    fn every_row_names_a_source() {
        for minor in 5..=32 {
            for row in at(minor).rows() {
                assert!(!row.source.is_empty(), "{} has no source", row.name);
            }
        }
    }
}
