//! Cross-resource analyzers: configurations Istio accepts and then silently does not apply.
//!
//! Istio's admission webhook ([`crate::validate`]) looks at one object at a time. The mistakes
//! that hurt most in multi-cluster meshes only show when objects are looked at together, or
//! against the Istio release that will run them: "failover is configured but traffic never goes
//! to the other cluster". [`analyze`] runs every analyzer over a set of resources (a rendered
//! bundle, or the files given to `fedctl lint`) and an [`AnalysisContext`] (the target Istio
//! release, the Kubernetes Services known to exist) and returns one [`AnalysisFinding`] per
//! problem, each with a stable [`Code`], a severity, the object, the field path and a message
//! that says what will happen at runtime and how to fix it.
//!
//! This module knows nothing about federations; the federation-level checks (an endpoint that
//! points at a peer without a cross-network gateway on that port, ISTIO_MUTUAL towards a peer
//! with no shared CA) are fed-render's.
//!
//! # Codes
//!
//! Codes are stable: tools may match on them. Severity `error` means every request the
//! configuration is about fails; `warning` means it will not do what it says.
//!
//! | code | severity | what happens at runtime | fix |
//! |---|---|---|---|
//! | `failover-without-outlier-detection` | warning | a traffic policy sets locality `failover`, `failoverPriority` or `enabled: true` but has no `outlierDetection`: Istio only assigns failover priorities when the same policy has outlier detection (pilot `ApplyLocalityLoadBalancer(..., enableFailover)` with `enableFailover` = outlier detection set), so nothing ever marks the local endpoints unhealthy and traffic never moves to another locality | add `outlierDetection` to the same policy (a port-level policy does not inherit it) |
//! | `connection-pool-without-outlier-detection` | warning | `connectionPool` limits without `outlierDetection`: requests beyond the limits get a 503 from the client's own sidecar (Envoy response flag `UO`, upstream overflow) and are not sent anywhere else; no endpoint is ejected, so nothing spills over to another locality or cluster | add `outlierDetection` with a gateway-error threshold to the same policy |
//! | `max-ejection-percent-too-low` | warning | requests for the host are meant to fail over, but `maxEjectionPercent` (Envoy's default, 10%, when unset or 0) lets fewer hosts be ejected at once than the local pods must lose before any traffic moves: counting the local pods (the known workloads' replicas, 1 when unknown) and the endpoints elsewhere (WorkloadEntries, ServiceEntry endpoints; 1 when none is shown), with the release's ejection rule (`DataPlane::max_ejection`: up to Istio 1.18 the first host always goes, from 1.19 the share after the ejection must fit) and the overprovisioning factor (`DataPlane::ejections_before_spill`) | the smallest percentage that works, given in the message (100 lets every local pod go) |
//! | `consecutive-5xx-masks-gateway-errors` | warning | `consecutiveGatewayErrors` above Envoy's default `consecutive_5xx` (5) with `consecutive5xxErrors` unset, on a release where that default stays enforced (`DataPlane::default_5xx_stays_enforced`, Istio >= 1.7; the newest release's facts when none is given): every gateway error is a 5xx, so ejection happens after 5 errors, not after the number written | set `consecutive5xxErrors` (0 disables it) |
//! | `consecutive-errors-ignored` | warning | `consecutiveErrors` on a target release that ignores it (`DataPlane::consecutive_errors`, Istio >= 1.7): Envoy's defaults apply instead (eject after 5 consecutive 5xx), so an overflow meant to trigger after N errors triggers after 5 | use `consecutiveGatewayErrors` (or `consecutive5xxErrors`) |
//! | `endpoint-port-name-unknown` | warning | a WorkloadEntry selected by a Kubernetes Service maps a port name the Service does not have: Istio maps endpoint ports by the Service's port names, so the mapping is ignored and traffic goes to the Service's target port on the entry's address instead (a ServiceEntry endpoint with an unknown port name is already an admission error) | use the Service's port names as keys |
//! | `service-entry-not-merged` | warning | a ServiceEntry with static endpoints for the host of a Kubernetes Service: Istio 1.5-1.6 merges such endpoints into the Service only when namespace and port names match; from 1.7 it never does (from 1.11 the Service wins and the entry only decorates it), so the endpoints receive no traffic | put the entry in the Service's namespace with its port names (<= 1.6), or use WorkloadEntries the Service selects (>= 1.7) |
//! | `destination-rule-host-unknown` | warning | no Service or ServiceEntry in the set defines the DestinationRule's host: Istio builds no cluster for an unknown host, so the rule does nothing | fix the host (short names resolve in the rule's namespace) or add the ServiceEntry |
//! | `subset-not-defined` | error | a VirtualService routes to a subset no DestinationRule for that host defines (a warning when no DestinationRule for the host is among the resources given: they cannot prove the subset missing): the route points at a cluster Envoy does not have and every request on it gets a 503 (`NC`, no cluster) | define the subset in the host's DestinationRule, or fix the name; lint the host's DestinationRule with the VirtualService |
//! | `duplicate-destination-rule` | warning | two DestinationRules for the same host in the same namespace (and the same workload selector): Istio merges them silently: subsets are combined, but only the first rule's (the oldest's) traffic policy is used (pilot `mergeDestinationRule`) | keep one rule per host |
//! | `client-overflow-never-ejects` | warning | a failover policy's `connectionPool` limits reach clients outside the service's namespace, on a release where a client's own overflow is never scored by outlier detection (`DataPlane::client_overflow_ejects`: Istio 1.5-1.6 and >= 1.18) and whose placement is not the single shared rule (`DataPlane::threshold_placement`, so not 1.5-1.6): the client answers 503 UO itself, does not retry, ejects nothing, and its limits (shared by all endpoints) keep the server pods' own limits, whose 503s do eject, from being reached | the release's placement: a Sidecar `inboundConnectionPool` (>= 1.21), or a service-namespace rule with `exportTo: ["."]` and a root-namespace rule without `connectionPool` |
//! | `client-limits-shared-with-remote` | warning | a failover policy's `http2MaxRequests` reaches clients outside the service's namespace on a release where that overflow is scored against the endpoint the client picked (`DataPlane::client_max_requests_overflow_ejects`, Istio 1.7-1.17): the limits are shared by every endpoint (`client_limits_shared_by_all_endpoints`), so the endpoints elsewhere get ejected too and, panic mode off, Envoy routes nothing: 503 UH | keep the limits on the pods' inbound side only (service-namespace rule with `exportTo: ["."]`) |
//! | `namespace-clients-get-limits` | warning | a failover rule with `connectionPool` in the service's namespace exported to that namespace only (the placement rendered for Istio 1.7-1.20): the pods' inbound side uses it, and so do clients in that namespace (a proxy looks rules up in its own namespace first), for whom the limits are client-side: their overflow never ejects, or on 1.7-1.17 risks 503 UH. Other clients are not affected; the finding is informational when no client runs there | run the clients elsewhere; from 1.21 move the limits to a Sidecar `inboundConnectionPool` |
//! | `one-ejection-moves-nothing` | warning | the Service's known pods are so many that, with Envoy's overprovisioning factor (140%, `DataPlane::ejections_before_spill`), one ejected pod moves no request (4 or more pods): its share goes to the other local pods and several must be ejected at once before anything spills over | at most 3 replicas per cluster, or limits that make several pods overflow together |
//! | `retry-stays-local` | warning | a route with retries to a host that fails over, without `retryRemoteLocalities: true` (or with fewer attempts than its update frequency, 2; or on a release without the field, 1.5): `previous_hosts` stays among the priorities that have load, so retries never reach the endpoints elsewhere (`DataPlane::retry_remote_localities`, `default_retry`) | `retryRemoteLocalities: true`, `attempts: 2` |
//! | `retry-503-not-retried` | warning | a route with retries to a host that fails over does not retry a 503: an explicit `retryOn` without `5xx`, `gateway-error` or `503`, or none on a release whose default status codes leave 503 out (`DataPlane::default_retry`: excluded by default in 1.24-1.26, gone from 1.27) | `retryOn: "503"` |
//! | `overloaded-503-not-retried` | warning | a route retrying 503s for a host whose pods have inbound connection-pool limits: their overflow 503s carry `x-envoy-overloaded`, which Envoy never retries (`DataPlane::overloaded_header_blocks_retry`); before Istio 1.19 nothing removes the header, from 1.19 it fires only when the set shows the pods without the `envoyDebugHeaders` annotation (`envoy_debug_headers_annotation`) | from 1.19, annotate the pods `proxy.istio.io/config: '{"proxyHeaders":{"envoyDebugHeaders":{"disabled":true}}}'` |
//! | `sidecars-select-same-pods` | warning | two Sidecars in one namespace select the same pods (both without `workloadSelector`; or a known workload both select; or, with no workload known, one selector including the other's labels): a proxy uses only the oldest that selects it (pilot `doGetSidecarScope`), so the other's settings, an `inboundConnectionPool` included, are silently ignored | one Sidecar per set of pods |
//!
//! The analyzers read what a release does from [`crate::dataplane::DataPlane`]; their
//! messages cite the source of the facts they use. Those that depend on the release run only
//! when [`AnalysisContext::istio`] is given, but for `max-ejection-percent-too-low`,
//! `one-ejection-moves-nothing`, `consecutive-5xx-masks-gateway-errors` and
//! `failover-without-outlier-detection`, which then use the newest known release's facts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod runtime;

use crate::IstioResource;
use crate::dataplane::{ConsecutiveErrors, DataPlane, RemoteEndpoints};
use crate::networking::{
    ConnectionPoolSettings, DestinationRule, LoadBalancerSettings, OutlierDetection, ServiceEntry,
    TrafficPolicy, VirtualService, WorkloadEntry,
};
use crate::validate::{Severity, index, join, key};

/// The stable code of an analyzer. See the [module docs](self) for what each one means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Locality failover without outlier detection in the same policy.
    FailoverWithoutOutlierDetection,
    /// Connection-pool limits without outlier detection.
    ConnectionPoolWithoutOutlierDetection,
    /// `maxEjectionPercent` too low to eject the local endpoints.
    MaxEjectionPercentTooLow,
    /// Envoy's default `consecutive_5xx` ejects before `consecutiveGatewayErrors`.
    Consecutive5xxMasksGatewayErrors,
    /// `consecutiveErrors` on Istio >= 1.7.
    ConsecutiveErrorsIgnored,
    /// A WorkloadEntry port name the Service selecting it does not have.
    EndpointPortNameUnknown,
    /// ServiceEntry endpoints not merged into the Kubernetes Service of the same host.
    ServiceEntryNotMerged,
    /// A DestinationRule for a host nothing defines.
    DestinationRuleHostUnknown,
    /// A VirtualService subset no DestinationRule defines.
    SubsetNotDefined,
    /// Two DestinationRules for one host.
    DuplicateDestinationRule,
    /// Client-side limits relied on for failover on a release where their overflow never ejects.
    ClientOverflowNeverEjects,
    /// Client-side limits whose overflow ejects, shared with the endpoints elsewhere.
    ClientLimitsSharedWithRemote,
    /// A rule exported to the service's namespace only: clients there get its limits.
    NamespaceClientsGetLimits,
    /// So many local pods that one ejection moves no traffic.
    OneEjectionMovesNothing,
    /// Retries that never leave the local priority.
    RetryStaysLocal,
    /// Retries that do not retry a 503.
    Retry503NotRetried,
    /// Retries of overflow 503s that carry `x-envoy-overloaded`.
    OverloadedNotRetried,
    /// Two Sidecars selecting the same pods.
    SidecarsSelectSamePods,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: [Code; 18] = [
        Code::FailoverWithoutOutlierDetection,
        Code::ConnectionPoolWithoutOutlierDetection,
        Code::MaxEjectionPercentTooLow,
        Code::Consecutive5xxMasksGatewayErrors,
        Code::ConsecutiveErrorsIgnored,
        Code::EndpointPortNameUnknown,
        Code::ServiceEntryNotMerged,
        Code::DestinationRuleHostUnknown,
        Code::SubsetNotDefined,
        Code::DuplicateDestinationRule,
        Code::ClientOverflowNeverEjects,
        Code::ClientLimitsSharedWithRemote,
        Code::NamespaceClientsGetLimits,
        Code::OneEjectionMovesNothing,
        Code::RetryStaysLocal,
        Code::Retry503NotRetried,
        Code::OverloadedNotRetried,
        Code::SidecarsSelectSamePods,
    ];

    /// The code as written in output, e.g. `failover-without-outlier-detection`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::FailoverWithoutOutlierDetection => "failover-without-outlier-detection",
            Code::ConnectionPoolWithoutOutlierDetection => {
                "connection-pool-without-outlier-detection"
            }
            Code::MaxEjectionPercentTooLow => "max-ejection-percent-too-low",
            Code::Consecutive5xxMasksGatewayErrors => "consecutive-5xx-masks-gateway-errors",
            Code::ConsecutiveErrorsIgnored => "consecutive-errors-ignored",
            Code::EndpointPortNameUnknown => "endpoint-port-name-unknown",
            Code::ServiceEntryNotMerged => "service-entry-not-merged",
            Code::DestinationRuleHostUnknown => "destination-rule-host-unknown",
            Code::SubsetNotDefined => "subset-not-defined",
            Code::DuplicateDestinationRule => "duplicate-destination-rule",
            Code::ClientOverflowNeverEjects => "client-overflow-never-ejects",
            Code::ClientLimitsSharedWithRemote => "client-limits-shared-with-remote",
            Code::NamespaceClientsGetLimits => "namespace-clients-get-limits",
            Code::OneEjectionMovesNothing => "one-ejection-moves-nothing",
            Code::RetryStaysLocal => "retry-stays-local",
            Code::Retry503NotRetried => "retry-503-not-retried",
            Code::OverloadedNotRetried => "overloaded-503-not-retried",
            Code::SidecarsSelectSamePods => "sidecars-select-same-pods",
        }
    }

    /// How bad a finding of this code usually is. A finding about an object the files do not
    /// hold (a VirtualService subset with no DestinationRule for its host among them) is a
    /// warning whatever its code: the files do not prove the object is missing.
    pub const fn severity(self) -> Severity {
        match self {
            Code::SubsetNotDefined => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use crate::release::IstioRelease;

/// A port of a [`KnownService`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KnownPort {
    /// The port's name (Kubernetes allows one unnamed port).
    pub name: Option<String>,
    /// The port number.
    pub number: u32,
}

/// A Kubernetes Service known to exist, as far as the analyzers need it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownService {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// Its host, `<name>.<namespace>.svc.<clusterDomain>`.
    pub host: String,
    /// Its ports.
    pub ports: Vec<KnownPort>,
    /// `spec.selector`: the labels of the pods (and WorkloadEntries) it selects.
    pub selector: BTreeMap<String, String>,
}

impl KnownService {
    /// Reads a Kubernetes Service given as JSON (`kind: Service`); `None` when it is not one or
    /// has no name. A missing namespace is `default_namespace`.
    pub fn from_json(
        value: &serde_json::Value,
        default_namespace: &str,
        cluster_domain: &str,
    ) -> Option<Self> {
        if value.get("kind")?.as_str()? != "Service" {
            return None;
        }
        let name = value.pointer("/metadata/name")?.as_str()?.to_owned();
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(default_namespace)
            .to_owned();
        let ports = value
            .pointer("/spec/ports")
            .and_then(serde_json::Value::as_array)
            .map(|ports| {
                ports
                    .iter()
                    .filter_map(|p| {
                        Some(KnownPort {
                            name: p.get("name").and_then(|n| n.as_str()).map(str::to_owned),
                            number: u32::try_from(p.get("port")?.as_u64()?).ok()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let selector = value
            .pointer("/spec/selector")
            .and_then(serde_json::Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            host: format!("{name}.{namespace}.svc.{cluster_domain}"),
            name,
            namespace,
            ports,
            selector,
        })
    }

    /// Whether the Service's selector picks an endpoint with `labels` (an empty selector picks
    /// nothing, as in Kubernetes).
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
    }
}

/// A workload (Deployment or StatefulSet) known to run, as far as the analyzers need it: the
/// release-dependent analyzers count a Service's pods ([`KnownService::selects`] on
/// [`Self::labels`]) and read its pods' annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownWorkload {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The pods' labels (`spec.template.metadata.labels`).
    pub labels: BTreeMap<String, String>,
    /// The pods' annotations (`spec.template.metadata.annotations`).
    pub annotations: BTreeMap<String, String>,
    /// `spec.replicas` (Kubernetes' default, 1, when unset). An autoscaler may change it; the
    /// analyzers count what is written.
    pub replicas: u32,
}

impl KnownWorkload {
    /// Reads a Deployment or StatefulSet given as JSON; `None` for other kinds or without a
    /// name. A missing namespace is `default_namespace`.
    pub fn from_json(value: &serde_json::Value, default_namespace: &str) -> Option<Self> {
        if !matches!(value.get("kind")?.as_str()?, "Deployment" | "StatefulSet") {
            return None;
        }
        let strings = |pointer: &str| -> BTreeMap<String, String> {
            value
                .pointer(pointer)
                .and_then(serde_json::Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(Self {
            name: value.pointer("/metadata/name")?.as_str()?.to_owned(),
            namespace: value
                .pointer("/metadata/namespace")
                .and_then(serde_json::Value::as_str)
                .unwrap_or(default_namespace)
                .to_owned(),
            labels: strings("/spec/template/metadata/labels"),
            annotations: strings("/spec/template/metadata/annotations"),
            replicas: value
                .pointer("/spec/replicas")
                .and_then(serde_json::Value::as_u64)
                .map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
    }

    /// Whether the pods' `proxy.istio.io/config` annotation turns Envoy's debug headers off
    /// (`proxyHeaders.envoyDebugHeaders.disabled: true`, a ProxyConfig in YAML or JSON). Whether
    /// the release honours it is [`crate::dataplane::DataPlane::envoy_debug_headers_annotation`].
    pub fn envoy_debug_headers_disabled(&self) -> bool {
        self.annotations
            .get("proxy.istio.io/config")
            .and_then(|text| serde_saphyr::from_str::<serde_json::Value>(text).ok())
            .and_then(|v| {
                v.pointer("/proxyHeaders/envoyDebugHeaders/disabled")
                    .and_then(serde_json::Value::as_bool)
            })
            .unwrap_or(false)
    }
}

/// What the analyzers know beyond the resources themselves.
#[derive(Clone, Debug)]
pub struct AnalysisContext {
    /// The Istio release that will run the resources; `None` skips the version-dependent
    /// analyzers.
    pub istio: Option<IstioRelease>,
    /// Kubernetes Services known to exist (from the same files, or rendered alongside).
    pub services: Vec<KnownService>,
    /// Whether [`Self::services`] lists every Kubernetes Service there is. When false, a host
    /// of the form `*.svc.<clusterDomain>` is assumed to exist.
    pub services_complete: bool,
    /// Workloads known to run (from the same files, or rendered alongside): a Service's pods
    /// are those of the workloads in its namespace its selector picks. Empty when unknown:
    /// then the analyzers that count pods assume one and say so.
    pub workloads: Vec<KnownWorkload>,
    /// Other hosts known to exist (e.g. from a service registry the set does not show).
    pub extra_hosts: BTreeSet<String>,
    /// The cluster domain short names are resolved with (default `cluster.local`).
    pub cluster_domain: String,
    /// The namespace of resources without one (default `default`).
    pub default_namespace: String,
}

impl Default for AnalysisContext {
    fn default() -> Self {
        Self {
            istio: None,
            services: Vec::new(),
            services_complete: false,
            workloads: Vec::new(),
            extra_hosts: BTreeSet::new(),
            cluster_domain: "cluster.local".to_owned(),
            default_namespace: "default".to_owned(),
        }
    }
}

impl AnalysisContext {
    /// A context for the Istio release `istio`, nothing else known.
    pub fn for_release(istio: IstioRelease) -> Self {
        Self {
            istio: Some(istio),
            ..Self::default()
        }
    }

    /// Resolves a host as Istio does for a rule in `namespace`: a short name (no dot) becomes
    /// `<name>.<namespace>.svc.<clusterDomain>`; anything else is kept.
    pub fn resolve_host(&self, host: &str, namespace: &str) -> String {
        if host.contains('.') || host.contains('*') {
            host.to_owned()
        } else {
            format!("{host}.{namespace}.svc.{}", self.cluster_domain)
        }
    }

    fn namespace_of<'a>(&'a self, r: &'a IstioResource) -> &'a str {
        r.metadata()
            .namespace
            .as_deref()
            .unwrap_or(&self.default_namespace)
    }
}

/// One problem found across resources.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnalysisFinding {
    /// The analyzer's stable code.
    pub code: Code,
    /// Error or warning (the code's).
    pub severity: Severity,
    /// Position of the resource in the input of [`analyze`].
    pub resource: usize,
    /// The resource's kind, e.g. `DestinationRule`.
    pub kind: &'static str,
    /// The resource's namespace, as written (`None` when it has none).
    pub namespace: Option<String>,
    /// The resource's name.
    pub name: String,
    /// The field path inside the resource, e.g. `spec.trafficPolicy.connectionPool`.
    pub path: String,
    /// What will happen at runtime, and how to fix it.
    pub message: String,
}

impl fmt::Display for AnalysisFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.kind)?;
        match &self.namespace {
            Some(ns) => write!(f, " {ns}/{}", self.name)?,
            None => write!(f, " {}", self.name)?,
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Runs every analyzer over `resources` and returns the findings, ordered by resource, then
/// path, then code; no finding is reported twice.
///
/// ```
/// use istio_types::analysis::{analyze, AnalysisContext, Code, IstioRelease};
/// use istio_types::read::{read_stream, Document};
///
/// let yaml = r#"
/// apiVersion: networking.istio.io/v1
/// kind: DestinationRule
/// metadata: {name: echo, namespace: default}
/// spec:
///   host: echo.default.svc.cluster.local
///   trafficPolicy:
///     connectionPool: {tcp: {maxConnections: 1}}
/// "#;
/// let docs = read_stream(yaml, None);
/// let resources: Vec<_> = docs.iter().filter_map(|d| match &d.result {
///     Ok(Document::Istio(r)) => Some(r),
///     _ => None,
/// }).collect();
/// let findings = analyze(resources, &AnalysisContext::for_release(IstioRelease::new(1, 30)));
/// assert_eq!(findings[0].code, Code::ConnectionPoolWithoutOutlierDetection);
/// assert_eq!(findings[0].path, "spec.trafficPolicy.connectionPool");
/// ```
pub fn analyze<'a>(
    resources: impl IntoIterator<Item = &'a IstioResource>,
    ctx: &AnalysisContext,
) -> Vec<AnalysisFinding> {
    let resources: Vec<&IstioResource> = resources.into_iter().collect();
    let set = Set::new(&resources, ctx);
    // Each resource is checked against the indexes alone: the work splits over the cores.
    let per_resource = crate::par::map_chunks(&resources, 512, |offset, part| {
        let mut out = Findings::default();
        for (i, r) in part.iter().enumerate() {
            let i = offset + i;
            match r {
                IstioResource::DestinationRule(dr) => {
                    destination_rule_policies(&set, i, dr, &mut out);
                    destination_rule_host(&set, i, dr, &mut out);
                }
                IstioResource::ServiceEntry(se) => service_entry(&set, i, se, &mut out),
                IstioResource::WorkloadEntry(we) => workload_entry(&set, i, we, &mut out),
                IstioResource::VirtualService(vs) => {
                    virtual_service(&set, i, vs, &mut out);
                    if ctx.istio.is_some() {
                        runtime::virtual_service(&set, i, vs, &set.dp, &mut out);
                    }
                }
                _ => {}
            }
        }
        out.0
    });
    let mut out = Findings(per_resource);
    duplicate_destination_rules(&set, &mut out);
    runtime::sidecars(&set, ctx.istio.is_some().then_some(&set.dp), &mut out);
    let mut findings = out.0;
    findings.sort_by(|a, b| {
        (a.resource, &a.path, a.code, &a.message).cmp(&(b.resource, &b.path, b.code, &b.message))
    });
    findings.dedup_by(|a, b| a.resource == b.resource && a.path == b.path && a.code == b.code);
    findings
}

/// The resources with what the analyzers look up repeatedly, indexed once so that analysing
/// n resources takes O(n log n), not O(n²) (a 20,000-document stream took a minute without).
struct Set<'a> {
    resources: &'a [&'a IstioResource],
    ctx: &'a AnalysisContext,
    /// DestinationRules by resolved host, in input order.
    rules_by_host: BTreeMap<String, Vec<usize>>,
    /// ServiceEntry hosts written out in full.
    entry_hosts: BTreeSet<&'a str>,
    /// ServiceEntry hosts with a leading `*`.
    entry_wildcards: Vec<&'a str>,
    /// Hosts of ServiceEntries with at least one endpoint with a locality.
    located_entry_hosts: BTreeSet<&'a str>,
    /// Known Services by host (the first of each host, as a lookup in the list finds it).
    services: BTreeMap<&'a str, &'a KnownService>,
    /// How many endpoints the ServiceEntries for each host list.
    entry_endpoints: BTreeMap<&'a str, usize>,
    /// WorkloadEntries by namespace.
    workload_entries: BTreeMap<&'a str, Vec<&'a WorkloadEntry>>,
    /// Sidecars by namespace, in input order.
    sidecars: BTreeMap<&'a str, Vec<(usize, &'a crate::networking::Sidecar)>>,
    /// The target release's data plane; the newest known release's when none is given (for
    /// the analyzers that ran without a release before they read the table).
    dp: DataPlane,
}

impl<'a> Set<'a> {
    fn new(resources: &'a [&'a IstioResource], ctx: &'a AnalysisContext) -> Self {
        let mut set = Self {
            resources,
            ctx,
            rules_by_host: BTreeMap::new(),
            entry_hosts: BTreeSet::new(),
            entry_wildcards: Vec::new(),
            located_entry_hosts: BTreeSet::new(),
            services: BTreeMap::new(),
            entry_endpoints: BTreeMap::new(),
            workload_entries: BTreeMap::new(),
            sidecars: BTreeMap::new(),
            dp: DataPlane::of(ctx.istio.unwrap_or(IstioRelease::NEWEST_KNOWN)),
        };
        for svc in &ctx.services {
            set.services.entry(svc.host.as_str()).or_insert(svc);
        }
        for (i, r) in resources.iter().enumerate() {
            match r {
                IstioResource::DestinationRule(dr) => {
                    let host = ctx.resolve_host(&dr.spec.host, ctx.namespace_of(r));
                    set.rules_by_host.entry(host).or_default().push(i);
                }
                IstioResource::ServiceEntry(se) => {
                    let located = se.spec.endpoints().iter().any(|e| e.locality.is_some());
                    for h in &se.spec.hosts {
                        *set.entry_endpoints.entry(h).or_default() += se.spec.endpoints().len();
                        if h.starts_with('*') {
                            set.entry_wildcards.push(h);
                        } else {
                            set.entry_hosts.insert(h);
                        }
                        if located {
                            set.located_entry_hosts.insert(h);
                        }
                    }
                }
                IstioResource::WorkloadEntry(we) => {
                    set.workload_entries
                        .entry(ctx.namespace_of(r))
                        .or_default()
                        .push(we);
                }
                IstioResource::Sidecar(sc) => {
                    set.sidecars
                        .entry(ctx.namespace_of(r))
                        .or_default()
                        .push((i, sc));
                }
                _ => {}
            }
        }
        set
    }

    /// The WorkloadEntries `svc` selects.
    fn selected_entries(&self, svc: &KnownService) -> impl Iterator<Item = &'a WorkloadEntry> {
        self.workload_entries
            .get(svc.namespace.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(move |we| svc.selects(&we.spec.labels))
    }

    fn service_for_host(&self, host: &str) -> Option<&'a KnownService> {
        self.services.get(host).copied()
    }

    fn destination_rules(&self) -> impl Iterator<Item = (usize, &'a DestinationRule)> + '_ {
        self.resources
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                IstioResource::DestinationRule(dr) => Some((i, &**dr)),
                _ => None,
            })
    }

    /// The DestinationRules for `host` (resolved), in input order.
    fn rules_for_host(&self, host: &str) -> impl Iterator<Item = &'a DestinationRule> + '_ {
        self.rules_by_host
            .get(host)
            .into_iter()
            .flatten()
            .filter_map(|&i| match self.resources[i] {
                IstioResource::DestinationRule(dr) => Some(&**dr),
                _ => None,
            })
    }

    fn namespace(&self, i: usize) -> &str {
        self.ctx.namespace_of(self.resources[i])
    }

    /// Whether the set gives `host` endpoints with a locality (ServiceEntry endpoints, or
    /// WorkloadEntries a known Service of that host selects): the sign that locality failover
    /// is what the host's policy is for.
    fn host_has_located_endpoints(&self, host: &str) -> bool {
        if self.located_entry_hosts.contains(host) {
            return true;
        }
        let Some(svc) = self.service_for_host(host) else {
            return false;
        };
        self.selected_entries(svc)
            .any(|we| we.spec.locality.is_some())
    }

    /// Whether anything defines `host` (resolved).
    fn host_defined(&self, host: &str) -> bool {
        if self.ctx.extra_hosts.contains(host) || self.service_for_host(host).is_some() {
            return true;
        }
        if !self.ctx.services_complete
            && host
                .strip_suffix(self.ctx.cluster_domain.as_str())
                .is_some_and(|rest| rest.ends_with(".svc."))
        {
            return true;
        }
        self.entry_hosts.contains(host)
            || self
                .entry_wildcards
                .iter()
                .any(|h| *h == host || wildcard_matches(h, host))
    }
}

/// `*.example.com` matches `a.example.com`; `*` matches anything.
fn wildcard_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => host.ends_with(suffix),
        None => false,
    }
}

#[derive(Default)]
struct Findings(Vec<AnalysisFinding>);

impl Findings {
    fn push(&mut self, set: &Set<'_>, i: usize, code: Code, path: String, message: String) {
        self.push_as(set, i, code, code.severity(), path, message);
    }

    /// A finding whose severity is not its code's usual one.
    fn push_as(
        &mut self,
        set: &Set<'_>,
        i: usize,
        code: Code,
        severity: Severity,
        path: String,
        message: String,
    ) {
        let r = set.resources[i];
        self.0.push(AnalysisFinding {
            code,
            severity,
            resource: i,
            kind: r.kind(),
            namespace: r.metadata().namespace.clone(),
            name: r.metadata().name.clone().unwrap_or_default(),
            path,
            message,
        });
    }
}

/// The policy Envoy gets for one cluster of a DestinationRule, each part with the path it
/// comes from.
struct Effective<'a> {
    load_balancer: Option<(&'a LoadBalancerSettings, String)>,
    connection_pool: Option<(&'a ConnectionPoolSettings, String)>,
    outlier_detection: Option<(&'a OutlierDetection, String)>,
}

impl<'a> Effective<'a> {
    fn of(tp: Option<&'a TrafficPolicy>, path: &str) -> Self {
        let at = |field: &str| join(path, field);
        Self {
            load_balancer: tp
                .and_then(|t| t.load_balancer.as_ref())
                .map(|l| (l, at("loadBalancer"))),
            connection_pool: tp
                .and_then(|t| t.connection_pool.as_ref())
                .map(|c| (c, at("connectionPool"))),
            outlier_detection: tp
                .and_then(|t| t.outlier_detection.as_ref())
                .map(|o| (o, at("outlierDetection"))),
        }
    }

    /// A subset's policy over the rule's: Istio's `MergeTrafficPolicy` takes each part from
    /// the subset when the subset sets it.
    fn merged(&self, subset: &Effective<'a>) -> Self {
        Self {
            load_balancer: subset
                .load_balancer
                .clone()
                .or_else(|| self.load_balancer.clone()),
            connection_pool: subset
                .connection_pool
                .clone()
                .or_else(|| self.connection_pool.clone()),
            outlier_detection: subset
                .outlier_detection
                .clone()
                .or_else(|| self.outlier_detection.clone()),
        }
    }
}

/// Every policy a DestinationRule gives Envoy: the rule's, each subset's (merged), and each
/// port-level policy (which replaces the others entirely: "port level policies do not inherit",
/// pilot `MergeTrafficPolicy`).
fn effective_policies(dr: &DestinationRule) -> Vec<Effective<'_>> {
    let tp = dr.spec.traffic_policy.as_ref();
    let mut out = vec![Effective::of(tp, "spec.trafficPolicy")];
    if let Some(tp) = tp {
        port_level_policies(tp, "spec.trafficPolicy", &mut out);
    }
    for (i, s) in dr.spec.subsets.iter().enumerate() {
        let path = join(&index("spec.subsets", i), "trafficPolicy");
        let merged = out[0].merged(&Effective::of(s.traffic_policy.as_ref(), &path));
        out.push(merged);
        if let Some(stp) = &s.traffic_policy {
            port_level_policies(stp, &path, &mut out);
        }
    }
    out
}

/// The port-level policies of `tp` (at `path`), each on its own.
fn port_level_policies<'a>(tp: &'a TrafficPolicy, path: &str, out: &mut Vec<Effective<'a>>) {
    for (j, p) in tp.port_level_settings.iter().enumerate() {
        let at = index(&join(path, "portLevelSettings"), j);
        out.push(Effective {
            load_balancer: p
                .load_balancer
                .as_ref()
                .map(|l| (l, join(&at, "loadBalancer"))),
            connection_pool: p
                .connection_pool
                .as_ref()
                .map(|c| (c, join(&at, "connectionPool"))),
            outlier_detection: p
                .outlier_detection
                .as_ref()
                .map(|o| (o, join(&at, "outlierDetection"))),
        });
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one pass over the effective policies, one block per analyzer sharing the lookups"
)]
fn destination_rule_policies(set: &Set<'_>, i: usize, dr: &DestinationRule, out: &mut Findings) {
    let ns = set.namespace(i).to_owned();
    let host = set.ctx.resolve_host(&dr.spec.host, &ns);
    let located = set.host_has_located_endpoints(&host);
    let istio = set.ctx.istio;
    let dp = &set.dp;
    let od_example = match (istio, dp.consecutive_errors.value) {
        (Some(_), ConsecutiveErrors::GatewayFailures) => "consecutiveErrors: 1",
        _ => "consecutiveGatewayErrors: 1",
    };
    let rule = runtime::Rule {
        i,
        dr,
        ns: &ns,
        host: &host,
        dp,
        release_known: istio.is_some(),
    };
    for p in effective_policies(dr) {
        let locality = p
            .load_balancer
            .as_ref()
            .and_then(|(lb, path)| lb.locality_lb_setting.as_ref().map(|l| (l, path)));
        let wants_failover = runtime::wants_failover(&p);
        // Failover without outlier detection.
        if let (Some((l, lb_path)), None) = (locality, &p.outlier_detection)
            && wants_failover
            && dp.failover_needs_outlier_detection.value
        {
            let what = if !l.failover.is_empty() {
                "failover"
            } else if !l.failover_priority.is_empty() {
                "failoverPriority"
            } else {
                "enabled: true"
            };
            out.push(
                set,
                i,
                Code::FailoverWithoutOutlierDetection,
                join(lb_path, "localityLbSetting"),
                format!(
                    "locality load balancing ({what}) without outlierDetection in the same policy: Istio only \
                     applies locality failover when outlier detection is set ({}), so nothing marks the local \
                     endpoints unhealthy and requests for {host} never go to another locality. Add \
                     outlierDetection (e.g. {od_example}, interval: 1s, baseEjectionTime: 30s, \
                     maxEjectionPercent: 100) next to this loadBalancer",
                    dp.failover_needs_outlier_detection.source
                ),
            );
        }
        // Connection-pool limits without outlier detection.
        if let (Some((pool, pool_path)), None) = (&p.connection_pool, &p.outlier_detection) {
            let limits = pool_limits(pool);
            if !limits.is_empty() {
                out.push(
                    set,
                    i,
                    Code::ConnectionPoolWithoutOutlierDetection,
                    pool_path.clone(),
                    format!(
                        "connection-pool limits ({}) without outlierDetection: requests beyond them get a 503 \
                         from the client's own sidecar (Envoy flag UO, upstream overflow) and are not sent \
                         anywhere else; no endpoint is ever ejected, so nothing spills over to another \
                         locality or cluster. Add outlierDetection (e.g. {od_example}, interval: 1s, \
                         baseEjectionTime: 30s, maxEjectionPercent: 100) to the same policy",
                        limits.join(", ")
                    ),
                );
            }
        }
        runtime::policy(set, &rule, &p, wants_failover || located, out);
        let Some((od, od_path)) = &p.outlier_detection else {
            continue;
        };
        // Envoy's default consecutive_5xx ejects before consecutiveGatewayErrors.
        let default_5xx = dp.envoy_default_consecutive_5xx.value;
        if let Some(n) = od.consecutive_gateway_errors
            && n > default_5xx
            && od.consecutive_5xx_errors.is_none()
            && dp.default_5xx_stays_enforced.value
        {
            out.push(
                set,
                i,
                Code::Consecutive5xxMasksGatewayErrors,
                join(od_path, "consecutiveGatewayErrors"),
                format!(
                    "consecutiveGatewayErrors is {n} but consecutive5xxErrors is unset, so Envoy's default \
                     (eject after {default_5xx} consecutive 5xx) stays on ({}); every gateway error (502/503/504) \
                     is a 5xx, so endpoints are ejected after {default_5xx} errors, not {n}. Set \
                     consecutive5xxErrors: 0 to disable it (or to the number you mean)",
                    dp.default_5xx_stays_enforced.source
                ),
            );
        }
        // consecutiveErrors that the release ignores.
        if let (Some(n), Some(v)) = (od.consecutive_errors, istio)
            && n != 0
            && dp.consecutive_errors.value == ConsecutiveErrors::Ignored
        {
            let instead = if od.consecutive_gateway_errors.is_some()
                || od.consecutive_5xx_errors.is_some()
            {
                "the other counters of this outlierDetection apply".to_owned()
            } else if dp.default_5xx_stays_enforced.value {
                format!(
                    "Envoy's default applies: an endpoint is ejected after {default_5xx} consecutive 5xx"
                )
            } else {
                "no error counter applies".to_owned()
            };
            let read_by = last_release_reading_consecutive_errors()
                .map_or_else(String::new, |r| format!(" (read only up to {r})"));
            out.push(
                set,
                i,
                Code::ConsecutiveErrorsIgnored,
                join(od_path, "consecutiveErrors"),
                format!(
                    "consecutiveErrors: {n} is ignored by Istio {v}{read_by}: {instead}, not after {n} ({}). \
                     Write consecutiveGatewayErrors: {n} (what consecutiveErrors meant where it was read: 502, \
                     503 and 504 only)",
                    dp.consecutive_errors.source
                ),
            );
        }
    }
}

/// The newest known release that still reads `consecutiveErrors`.
fn last_release_reading_consecutive_errors() -> Option<IstioRelease> {
    let (oldest, newest) = (IstioRelease::OLDEST_KNOWN, IstioRelease::NEWEST_KNOWN);
    (oldest.minor()..=newest.minor())
        .map(|minor| IstioRelease::new(oldest.major(), minor))
        .take_while(|&r| {
            DataPlane::of(r).consecutive_errors.value == ConsecutiveErrors::GatewayFailures
        })
        .last()
}

/// The set connection-pool fields that make Envoy refuse requests, as `field: value`.
fn pool_limits(pool: &ConnectionPoolSettings) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = pool.tcp.as_ref().and_then(|t| t.max_connections) {
        out.push(format!("maxConnections: {n}"));
    }
    if let Some(h) = &pool.http {
        if let Some(n) = h.http1_max_pending_requests {
            out.push(format!("http1MaxPendingRequests: {n}"));
        }
        if let Some(n) = h.http2_max_requests {
            out.push(format!("http2MaxRequests: {n}"));
        }
    }
    out
}

fn destination_rule_host(set: &Set<'_>, i: usize, dr: &DestinationRule, out: &mut Findings) {
    let raw = &dr.spec.host;
    if raw.is_empty() || raw.contains('*') {
        return;
    }
    let host = set.ctx.resolve_host(raw, set.namespace(i));
    if !set.host_defined(&host) {
        let resolved = if *raw == host {
            String::new()
        } else {
            format!(" (resolved in the rule's namespace to {host})")
        };
        out.push(
            set,
            i,
            Code::DestinationRuleHostUnknown,
            "spec.host".to_owned(),
            format!(
                "no Service or ServiceEntry among the files given defines host {raw:?}{resolved}: Istio builds no \
                 cluster for a host it does not know, so this rule does nothing. Fix the host (a FQDN \
                 such as <name>.<namespace>.svc.{}) or add the ServiceEntry that defines it",
                set.ctx.cluster_domain
            ),
        );
    }
}

fn service_entry(set: &Set<'_>, i: usize, se: &ServiceEntry, out: &mut Findings) {
    // Endpoint port names that are not the entry's are the webhook's error already
    // (validateWorkloadEntry with the entry's ports); here only the merge with a Service.
    let names: Vec<&str> = se.spec.ports.iter().map(|p| p.name.as_str()).collect();
    if se.spec.endpoints().is_empty() {
        return;
    }
    for (h, host) in se.spec.hosts.iter().enumerate() {
        let Some(svc) = set.service_for_host(host) else {
            continue;
        };
        let Some(v) = set.ctx.istio else { continue };
        let at = index("spec.hosts", h);
        if set.dp.remote_endpoints.value != RemoteEndpoints::ServiceEntryMerge {
            out.push(
                set,
                i,
                Code::ServiceEntryNotMerged,
                at,
                format!(
                    "{host} is the host of the Kubernetes Service {}/{}: Istio {v} does not merge a \
                     ServiceEntry's endpoints into a Service of the same host (only 1.5-1.6 did; from 1.11 \
                     the Service wins and the entry only decorates it), so these endpoints get no traffic. \
                     Use one WorkloadEntry per endpoint, in the Service's namespace, with labels its \
                     selector matches",
                    svc.namespace, svc.name
                ),
            );
            continue;
        }
        if let Some(ns) = se.metadata.namespace.as_deref()
            && ns != svc.namespace
        {
            out.push(
                set,
                i,
                Code::ServiceEntryNotMerged,
                "metadata.namespace".to_owned(),
                format!(
                    "the entry is in namespace {ns} but the Service {host} is in {}: Istio {v} merges a \
                     ServiceEntry's endpoints into a Service only in the Service's own namespace, so these \
                     endpoints get no traffic. Move the entry to namespace {}",
                    svc.namespace, svc.namespace
                ),
            );
        }
        let service_names: BTreeSet<&str> =
            svc.ports.iter().filter_map(|p| p.name.as_deref()).collect();
        let entry_names: BTreeSet<&str> = names.iter().copied().collect();
        if !service_names.is_empty() && service_names != entry_names {
            out.push(
                set,
                i,
                Code::ServiceEntryNotMerged,
                "spec.ports".to_owned(),
                format!(
                    "the entry's port names ({}) are not the Service {host}'s ({}): Istio {v} merges the \
                     endpoints of a ServiceEntry into a Service only when the port names match, so these \
                     endpoints get no traffic. Use the Service's port names",
                    entry_names.iter().copied().collect::<Vec<_>>().join(", "),
                    service_names.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}

fn workload_entry(set: &Set<'_>, i: usize, we: &WorkloadEntry, out: &mut Findings) {
    let ns = set.namespace(i);
    for svc in set
        .ctx
        .services
        .iter()
        .filter(|s| s.namespace == ns && s.selects(&we.spec.labels))
    {
        let names: Vec<&str> = svc.ports.iter().filter_map(|p| p.name.as_deref()).collect();
        for (name, number) in &we.spec.ports {
            if names.contains(&name.as_str()) {
                continue;
            }
            let address = we.spec.address.as_deref().unwrap_or("the endpoint");
            out.push(
                set,
                i,
                Code::EndpointPortNameUnknown,
                key("spec.ports", name),
                format!(
                    "the Service {}/{} selects this entry but has no port named {name:?} (its ports: {}): \
                     Istio maps endpoint ports by the Service's port names, so this mapping to {number} \
                     is ignored and traffic goes to {address} on the Service's target port. Use the \
                     Service's port names",
                    svc.namespace,
                    svc.name,
                    names.join(", ")
                ),
            );
        }
    }
}

fn virtual_service(set: &Set<'_>, i: usize, vs: &VirtualService, out: &mut Findings) {
    let ns = set.namespace(i).to_owned();
    let mut destinations: Vec<(String, &crate::networking::Destination)> = Vec::new();
    for (h, route) in vs.spec.http.iter().enumerate() {
        let at = index("spec.http", h);
        for (d, dest) in route.route.iter().enumerate() {
            destinations.push((
                join(&index(&join(&at, "route"), d), "destination"),
                &dest.destination,
            ));
        }
        if let Some(m) = &route.mirror {
            destinations.push((join(&at, "mirror"), m));
        }
        for (m, mirror) in route.mirrors.iter().enumerate() {
            destinations.push((
                join(&index(&join(&at, "mirrors"), m), "destination"),
                &mirror.destination,
            ));
        }
    }
    for (kind, routes) in [
        (
            "tls",
            vs.spec.tls.iter().map(|r| &r.route).collect::<Vec<_>>(),
        ),
        (
            "tcp",
            vs.spec.tcp.iter().map(|r| &r.route).collect::<Vec<_>>(),
        ),
    ] {
        for (r, route) in routes.into_iter().enumerate() {
            for (d, dest) in route.iter().enumerate() {
                destinations.push((
                    join(
                        &index(&join(&index(&format!("spec.{kind}"), r), "route"), d),
                        "destination",
                    ),
                    &dest.destination,
                ));
            }
        }
    }
    for (path, dest) in destinations {
        let Some(subset) = dest.subset.as_deref() else {
            continue;
        };
        let host = set.ctx.resolve_host(&dest.host, &ns);
        let rules: Vec<&DestinationRule> = set.rules_for_host(&host).collect();
        if rules
            .iter()
            .any(|dr| dr.spec.subsets.iter().any(|s| s.name == subset))
        {
            continue;
        }
        let known: BTreeSet<&str> = rules
            .iter()
            .flat_map(|dr| dr.spec.subsets.iter().map(|s| s.name.as_str()))
            .collect();
        // An error only when the files prove it: a rule for the host is among them and lacks
        // the subset. With none, the rule may well be elsewhere (the cluster, another file).
        if rules.is_empty() {
            out.push_as(
                set,
                i,
                Code::SubsetNotDefined,
                Severity::Warning,
                join(&path, "subset"),
                format!(
                    "subset {subset:?} of {host}: a DestinationRule for {host} is not among the files given, so \
                     whether it defines the subset cannot be checked. Without one that does, every request \
                     on this route gets a 503 (NC, no cluster): lint the host's DestinationRule together \
                     with this VirtualService"
                ),
            );
            continue;
        }
        let defined = if known.is_empty() {
            format!("the DestinationRules for {host} define no subsets")
        } else {
            format!(
                "the DestinationRules for {host} define {}",
                known.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        out.push(
            set,
            i,
            Code::SubsetNotDefined,
            join(&path, "subset"),
            format!(
                "subset {subset:?} is not defined ({defined}): the route points at a cluster Envoy does \
                 not have, and every request on it gets a 503 (NC, no cluster). Define the subset in the \
                 host's DestinationRule or fix the name"
            ),
        );
    }
}

fn duplicate_destination_rules(set: &Set<'_>, out: &mut Findings) {
    let mut first: BTreeMap<(String, String, BTreeMap<String, String>), usize> = BTreeMap::new();
    for (i, dr) in set.destination_rules() {
        let ns = set.namespace(i).to_owned();
        let host = set.ctx.resolve_host(&dr.spec.host, &ns);
        let selector = dr
            .spec
            .workload_selector
            .as_ref()
            .map(|s| s.match_labels.clone())
            .unwrap_or_default();
        match first.entry((ns.clone(), host.clone(), selector)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::btree_map::Entry::Occupied(o) => {
                let other = set.resources[*o.get()]
                    .metadata()
                    .name
                    .clone()
                    .unwrap_or_default();
                out.push(
                    set,
                    i,
                    Code::DuplicateDestinationRule,
                    "spec.host".to_owned(),
                    format!(
                        "DestinationRule {ns}/{other} is also for {host}: Istio merges rules for one host in \
                         one namespace silently: subsets are combined (a subset name both define keeps the \
                         first's), but only the first rule's trafficPolicy (the oldest's) is used, so this \
                         rule's may be ignored. Keep one DestinationRule per host"
                    ),
                );
            }
        }
    }
}
