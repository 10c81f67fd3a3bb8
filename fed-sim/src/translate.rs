//! Step one: the Istio objects of every cluster → the Envoy configuration Istio gives the
//! proxies that matter for one service and one client.
//!
//! What the proxies get is looked up the way istiod looks it up (DestinationRule precedence,
//! `exportTo`, workload selectors, Sidecar `inboundConnectionPool`, the Service's selector over
//! pods and WorkloadEntries, ServiceEntry endpoints merged into the Service's); what that
//! configuration then *does* is the release's ([`DataPlane`]).

use std::collections::BTreeMap;

use istio_types::IstioResource;
use istio_types::dataplane::{
    DataPlane, DefaultRetry503, EnvoyLbPolicy, EnvoyOutlierDetection, RemoteEndpoints,
    WorkloadEntryPorts,
};
use istio_types::networking::{
    ConnectionPoolSettings, DestinationRule, HttpRetry, OutlierDetection, VirtualService,
};
use istio_types::primitives::Duration;
use istio_types::release::IstioRelease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::error::SimError;
use crate::input::{
    Amount, ClientKind, Cluster, DEFAULT_GATEWAY_WORKERS, KubeService, Load, Mesh, TargetPort,
    limits,
};

/// Circuit-breaker limits of one Envoy cluster (Envoy's `circuit_breakers` DEFAULT thresholds
/// and `max_requests_per_connection`). Where the objects set none, the release's
/// `DataPlane::unset_limit` (`u32::MAX`: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `tcp.maxConnections`.
    pub max_connections: u32,
    /// `http.http1MaxPendingRequests`.
    pub max_pending: u32,
    /// `http.http2MaxRequests`, where the release applies it to HTTP/1.1; otherwise `u32::MAX`.
    pub max_requests: u32,
    /// `http.maxRequestsPerConnection` (0: no limit).
    pub max_requests_per_connection: u32,
}

impl Limits {
    /// No limits.
    pub const NONE: Self = Self {
        max_connections: u32::MAX,
        max_pending: u32::MAX,
        max_requests: u32::MAX,
        max_requests_per_connection: 0,
    };

    fn from_pool(pool: Option<&ConnectionPoolSettings>, dp: &DataPlane) -> Self {
        let n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        let tcp = pool.and_then(|p| p.tcp.as_ref());
        let http = pool.and_then(|p| p.http.as_ref());
        // A 0 is "unset" in Istio's API (proto3 default); an unset limit is what the release
        // gives it.
        let unset = dp.unset_limit.value.unwrap_or(u32::MAX);
        let limit = |v: Option<u32>| v.filter(|&v| v > 0).unwrap_or(unset);
        Self {
            max_connections: limit(tcp.and_then(|t| n(t.max_connections))),
            max_pending: limit(http.and_then(|h| n(h.http1_max_pending_requests))),
            max_requests: if dp.max_requests_limits_http1.value {
                limit(http.and_then(|h| n(h.http2_max_requests)))
            } else {
                u32::MAX
            },
            max_requests_per_connection: http
                .and_then(|h| n(h.max_requests_per_connection))
                .unwrap_or(0),
        }
    }
}

/// The retry policy of the client's route to the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPlan {
    /// Retries after the first attempt.
    pub attempts: u32,
    /// Whether an upstream 503 is retried (when it carries no `x-envoy-overloaded`).
    pub retry_503: bool,
    /// Whether a failed connection is retried.
    pub retry_connect_failure: bool,
    /// Envoy's `previous_hosts` predicate.
    pub previous_hosts: bool,
    /// `host_selection_retry_max_attempts`.
    pub host_selection_max_attempts: u32,
    /// Envoy's `previous_priorities` update frequency (`retryRemoteLocalities`).
    pub previous_priorities: Option<u32>,
    /// The route's back-off base interval (`retries.backoff`), in milliseconds; without one,
    /// the release table's.
    pub backoff_base_ms: Option<u64>,
    /// Where the policy comes from, for people.
    pub from: String,
}

/// One endpoint (Envoy host) of the client's outbound cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointPlan {
    /// A pod name, or the address of a peer's gateway.
    pub name: String,
    /// The cluster that serves the requests sent to it.
    pub cluster: usize,
    /// Its priority (0 is used first).
    pub priority: u32,
    /// The pods a connection to it may land on (one for a local pod; a peer's pods for a
    /// gateway, which passes the connection through).
    pub pods: Vec<usize>,
    /// Round trip from the client to it, in microseconds.
    pub rtt_us: u64,
    /// Whether connections to it reach a pod (a WorkloadEntry whose port the release ignores,
    /// or a port the peer's gateway does not listen on, does not).
    pub reachable: bool,
}

/// One server pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodPlan {
    /// `<workload>-<n>`.
    pub name: String,
    /// Its cluster.
    pub cluster: usize,
    /// The limits of its sidecar's inbound cluster.
    pub inbound: Limits,
    /// Its sidecar's worker threads.
    pub workers: u32,
    /// Whether its sidecar's overflow 503s carry `x-envoy-overloaded` (which blocks retries).
    pub overloaded_header: bool,
}

/// The Envoy-level configuration of one client and one service, and the release's behaviour
/// parameters: what [`crate::simulate`] runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The release.
    pub release: IstioRelease,
    /// `namespace/name` of the service.
    pub service: String,
    /// Its host.
    pub host: String,
    /// The client's cluster (index into `clusters`).
    pub from: usize,
    /// The client proxy.
    pub client: ClientKind,
    /// Its worker threads.
    pub workers: u32,
    /// Cluster names.
    pub clusters: Vec<String>,
    /// The client's endpoints.
    pub endpoints: Vec<EndpointPlan>,
    /// The server pods.
    pub pods: Vec<PodPlan>,
    /// The client's outbound circuit breakers.
    pub client_limits: Limits,
    /// How the client picks an endpoint within a priority ([`DataPlane::lb_policy`]); a rule's
    /// algorithm outside [`EnvoyLbPolicy`] (consistent hash, `PASSTHROUGH`) runs as `RANDOM`.
    pub lb_policy: EnvoyLbPolicy,
    /// The client's outlier detection, as the release translates it.
    pub outlier: Option<EnvoyOutlierDetection>,
    /// The route's retry policy.
    pub retry: RetryPlan,
    /// The objects the client's configuration came from, for people.
    pub sources: Vec<String>,
    /// Round trip from the load generator to the client proxy, in microseconds.
    pub client_rtt_us: u64,
    /// Loopback connect time at the pods, in microseconds.
    pub app_connect_us: u64,
    /// Round trips per new connection.
    pub connect_round_trips: u64,
}

/// How a proxy is seen when istiod picks its configuration.
struct Proxy<'a> {
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
    outbound: bool,
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A host as istiod resolves it in a namespace: a short name gets `.<ns>.svc.<domain>`.
fn resolve(host: &str, namespace: &str, domain: &str) -> String {
    if host.contains('.') || host == "*" {
        host.to_owned()
    } else {
        format!("{host}.{namespace}.svc.{domain}")
    }
}

/// How specifically `pattern` matches `host`: `None` if not at all; exact beats any wildcard,
/// a longer wildcard beats a shorter one.
fn host_match(pattern: &str, host: &str) -> Option<usize> {
    if pattern == host {
        Some(usize::MAX)
    } else if pattern == "*" {
        Some(0)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        host.ends_with(suffix).then_some(pattern.len())
    } else {
        None
    }
}

/// Whether an object in `ns` with `export_to` is visible from `from`.
fn exported(export_to: &[String], ns: &str, from: &str) -> bool {
    export_to.is_empty()
        || export_to
            .iter()
            .any(|e| e == "*" || e == from || (e == "." && ns == from))
}

fn ns_of(meta: &ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("default")
}

/// The DestinationRule a proxy uses for `host`: its own namespace first, then the service's,
/// then the root namespace (II 1.20.8 pilot/pkg/model/push_context.go 1115-1175), each subject
/// to `exportTo`; within a namespace the most specific host.
fn destination_rule<'a>(
    cluster: &'a Cluster,
    mesh: &Mesh,
    dp: &DataPlane,
    proxy: &Proxy<'_>,
    host: &str,
    svc_ns: &str,
) -> Option<&'a DestinationRule> {
    let mut order = vec![proxy.namespace, svc_ns, mesh.root_namespace.as_str()];
    if !dp.destination_rule_proxy_namespace_first.value {
        order.remove(0);
    }
    for ns in order {
        let best = cluster
            .istio
            .iter()
            .filter_map(|r| match r {
                IstioResource::DestinationRule(dr) if ns_of(&dr.metadata) == ns => Some(&**dr),
                _ => None,
            })
            .filter(|dr| exported(&dr.spec.export_to, ns, proxy.namespace))
            .filter(|dr| match &dr.spec.workload_selector {
                None => true,
                Some(sel) => {
                    proxy.outbound
                        && dp.destination_rule_workload_selector.value
                        && ns == proxy.namespace
                        && selects(&sel.match_labels, proxy.labels)
                }
            })
            .filter_map(|dr| {
                host_match(&resolve(&dr.spec.host, ns, &mesh.cluster_domain), host).map(|m| (m, dr))
            })
            // Most specific host first; among equals the first by name (istiod takes the
            // oldest; names stand in for creation times).
            .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| y.metadata.name.cmp(&x.metadata.name)));
        if let Some((_, dr)) = best {
            return Some(dr);
        }
    }
    None
}

fn object_name(kind: &str, meta: &ObjectMeta) -> String {
    format!(
        "{kind} {}/{}",
        ns_of(meta),
        meta.name.as_deref().unwrap_or_default()
    )
}

fn split(locality: Option<&str>) -> Vec<&str> {
    locality
        .map(|l| l.split('/').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// The retry policy of a route: the VirtualService's `retries`, or Istio's default.
fn retry_plan(retry: Option<&HttpRetry>, dp: &DataPlane, from: String) -> RetryPlan {
    let d = dp.default_retry.value;
    let default_503 = matches!(d.status_503, DefaultRetry503::Retried);
    let default = RetryPlan {
        attempts: d.attempts,
        retry_503: default_503,
        retry_connect_failure: dp.retries_connect_failure(d.retry_on),
        previous_hosts: d.previous_hosts,
        host_selection_max_attempts: d.host_selection_max_attempts,
        previous_priorities: None,
        backoff_base_ms: None,
        from: format!("{from} (Istio's default retry policy)"),
    };
    let Some(r) = retry else {
        return default;
    };
    // A `retries` block without attempts (0) turns retries off (II 1.5.10
    // pilot/pkg/networking/core/v1alpha3/route/retry/retry.go 68-71; the same at 1.30.3).
    let attempts = r.attempts.map_or(0, |a| u32::try_from(a).unwrap_or(0));
    let (retry_503, connect) = match r.retry_on.as_deref().filter(|s| !s.is_empty()) {
        None => (default.retry_503, default.retry_connect_failure),
        Some(on) => (dp.retries_upstream_503(on), dp.retries_connect_failure(on)),
    };
    RetryPlan {
        attempts,
        retry_503,
        retry_connect_failure: connect,
        previous_hosts: r.retry_ignore_previous_hosts.unwrap_or(d.previous_hosts),
        host_selection_max_attempts: d.host_selection_max_attempts,
        previous_priorities: if r.retry_remote_localities == Some(true) {
            dp.retry_remote_localities.value
        } else {
            None
        },
        backoff_base_ms: r.backoff.as_ref().map(Duration::as_millis),
        from,
    }
}

/// The first HTTP route of a VirtualService the client uses that sends to `host`.
fn route_retry<'a>(
    cluster: &'a Cluster,
    mesh: &Mesh,
    client: ClientKind,
    client_ns: &str,
    host: &str,
) -> Option<(&'a VirtualService, Option<&'a HttpRetry>)> {
    let mut services: Vec<&VirtualService> = cluster
        .istio
        .iter()
        .filter_map(|r| match r {
            IstioResource::VirtualService(vs) => Some(&**vs),
            _ => None,
        })
        .filter(|vs| exported(&vs.spec.export_to, ns_of(&vs.metadata), client_ns))
        .filter(|vs| {
            let gws = &vs.spec.gateways;
            match client {
                ClientKind::Gateway => gws.iter().any(|g| g != "mesh"),
                ClientKind::Sidecar => {
                    (gws.is_empty() || gws.iter().any(|g| g == "mesh"))
                        && vs.spec.hosts.iter().any(|h| {
                            host_match(&resolve(h, ns_of(&vs.metadata), &mesh.cluster_domain), host)
                                .is_some()
                        })
                }
            }
        })
        .collect();
    services.sort_by(|a, b| {
        (ns_of(&a.metadata), &a.metadata.name).cmp(&(ns_of(&b.metadata), &b.metadata.name))
    });
    services.into_iter().find_map(|vs| {
        let ns = ns_of(&vs.metadata);
        vs.spec
            .http
            .iter()
            .find(|r| {
                r.route
                    .iter()
                    .any(|d| resolve(&d.destination.host, ns, &mesh.cluster_domain) == host)
            })
            .map(|r| (vs, r.retries.as_ref()))
    })
}

/// Whether a pod's `proxy.istio.io/config` annotation turns Envoy's debug headers off.
fn debug_headers_disabled(annotations: &BTreeMap<String, String>) -> bool {
    annotations
        .get("proxy.istio.io/config")
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .is_some_and(|v| {
            v.pointer("/proxyHeaders/envoyDebugHeaders/disabled") == Some(&true.into())
        })
}

fn find_service<'a>(mesh: &'a Mesh, load: &Load) -> Result<(String, String), SimError> {
    let (ns_given, name) = match (load.namespace.as_deref(), load.service.split_once('/')) {
        (Some(ns), _) => (Some(ns.to_owned()), load.service.clone()),
        (None, Some((ns, name))) => (Some(ns.to_owned()), name.to_owned()),
        (None, None) => (None, load.service.clone()),
    };
    let all: Vec<&'a KubeService> = mesh.clusters.iter().flat_map(|c| &c.services).collect();
    let mut namespaces: Vec<&str> = all
        .iter()
        .filter(|s| s.name == name && ns_given.as_deref().is_none_or(|n| n == s.namespace))
        .map(|s| s.namespace.as_str())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    match namespaces.as_slice() {
        [] => {
            let mut known: Vec<String> = all
                .iter()
                .map(|s| format!("{}/{}", s.namespace, s.name))
                .collect();
            known.sort();
            known.dedup();
            Err(SimError::UnknownService {
                service: load.service.clone(),
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
            })
        }
        [ns] => Ok(((*ns).to_owned(), name)),
        many => Err(SimError::AmbiguousService {
            service: load.service.clone(),
            namespaces: many.join(", "),
        }),
    }
}

/// Checks a load's parameters.
pub(crate) fn check_load(load: &Load) -> Result<(), SimError> {
    let bad = |field, value: String, allowed: String| {
        Err(SimError::BadLoad {
            field,
            value,
            allowed,
        })
    };
    if load.concurrency == 0 || load.concurrency > limits::MAX_CONCURRENCY {
        return bad(
            "concurrency",
            load.concurrency.to_string(),
            format!("1 to {}", limits::MAX_CONCURRENCY),
        );
    }
    match load.amount {
        Amount::Requests(n) if n == 0 || n > limits::MAX_REQUESTS => {
            return bad(
                "requests",
                n.to_string(),
                format!("1 to {}", limits::MAX_REQUESTS),
            );
        }
        Amount::DurationMs(d) if d == 0 || d > limits::MAX_DURATION_MS => {
            return bad(
                "duration",
                format!("{d}ms"),
                "1ms to 24h of simulated time".to_owned(),
            );
        }
        _ => {}
    }
    if let Some(rate) = load.rate {
        if !(rate.is_finite() && rate > 0.0 && rate <= 1e9) {
            return bad(
                "rate",
                rate.to_string(),
                "a number of requests per second above 0 and at most 1e9".to_owned(),
            );
        }
        #[allow(clippy::cast_precision_loss)]
        if let Amount::DurationMs(d) = load.amount {
            let n = rate * d as f64 / 1000.0;
            if n > limits::MAX_REQUESTS as f64 {
                return bad(
                    "rate",
                    rate.to_string(),
                    format!(
                        "at most {} requests in a run (rate x duration)",
                        limits::MAX_REQUESTS
                    ),
                );
            }
        }
    }
    if load.service_time_us > limits::MAX_SERVICE_TIME_US {
        return bad(
            "service-time",
            format!("{}us", load.service_time_us),
            "at most 1h".to_owned(),
        );
    }
    if let Some(w) = load.workers.filter(|&w| w == 0 || w > limits::MAX_WORKERS) {
        return bad(
            "workers",
            w.to_string(),
            format!("1 to {}", limits::MAX_WORKERS),
        );
    }
    if let Some(r) = load.replicas.filter(|&r| r > limits::MAX_REPLICAS) {
        return bad(
            "replicas",
            r.to_string(),
            format!("0 to {}", limits::MAX_REPLICAS),
        );
    }
    let n = load.network;
    for (field, v) in [
        ("network.local_rtt", n.local_rtt_us),
        ("network.region_rtt", n.region_rtt_us),
        ("network.remote_rtt", n.remote_rtt_us),
        ("network.app_connect", n.app_connect_us),
    ] {
        if v == 0 || v > limits::MAX_RTT_US {
            return bad(field, format!("{v}us"), "1us to 1 minute".to_owned());
        }
    }
    if n.connect_round_trips > 10 {
        return bad(
            "network.connect_round_trips",
            n.connect_round_trips.to_string(),
            "0 to 10".to_owned(),
        );
    }
    Ok(())
}

/// Translates the mesh's objects into the configuration of `load`'s client and the service's
/// server pods.
#[allow(clippy::too_many_lines)] // one pass over istiod's lookups, in the order istiod does them
pub fn translate(mesh: &Mesh, load: &Load) -> Result<Plan, SimError> {
    check_load(load)?;
    let dp = DataPlane::of(mesh.release);
    let (svc_ns, svc_name) = find_service(mesh, load)?;
    let host = format!("{svc_name}.{svc_ns}.svc.{}", mesh.cluster_domain);
    let names: Vec<String> = mesh.clusters.iter().map(|c| c.name.clone()).collect();
    let from =
        names
            .iter()
            .position(|n| *n == load.from)
            .ok_or_else(|| SimError::UnknownCluster {
                cluster: load.from.clone(),
                known: names.join(", "),
            })?;
    let client_cluster = &mesh.clusters[from];
    let service_in = |c: &'_ Cluster| {
        c.services
            .iter()
            .find(|s| s.name == svc_name && s.namespace == svc_ns)
            .cloned()
    };
    let Some(service) = service_in(client_cluster) else {
        return Err(SimError::NotRunIn {
            cluster: load.from.clone(),
            service: format!("{svc_ns}/{svc_name}"),
        });
    };

    // Server pods: every cluster's pods the Service selects, with their inbound limits.
    let mut pods = Vec::new();
    let mut pods_of: Vec<Vec<usize>> = vec![Vec::new(); mesh.clusters.len()];
    for (ci, cluster) in mesh.clusters.iter().enumerate() {
        let Some(svc) = service_in(cluster) else {
            continue;
        };
        for w in cluster
            .workloads
            .iter()
            .filter(|w| w.namespace == svc.namespace && selects(&svc.selector, &w.labels))
        {
            let proxy = Proxy {
                namespace: &w.namespace,
                labels: &w.labels,
                outbound: false,
            };
            let sidecar_pool = dp
                .sidecar_inbound_connection_pool
                .value
                .then(|| sidecar_inbound_pool(cluster, &w.namespace, &w.labels))
                .flatten();
            let dr_pool = dp
                .connection_pool_applies_inbound
                .value
                .then(|| destination_rule(cluster, mesh, &dp, &proxy, &host, &svc_ns))
                .flatten()
                .and_then(|dr| dr.spec.traffic_policy.as_ref())
                .and_then(|tp| tp.connection_pool.as_ref());
            // A Sidecar's inboundConnectionPool takes precedence over the DestinationRule's
            // (istio/istio#47313).
            let inbound = Limits::from_pool(sidecar_pool.or(dr_pool), &dp);
            let overloaded_header = !(dp.envoy_debug_headers_annotation.value
                && debug_headers_disabled(&w.annotations));
            for i in 0..load.replicas.unwrap_or(w.replicas) {
                pods_of[ci].push(pods.len());
                pods.push(PodPlan {
                    name: format!("{}/{}-{i}", cluster.name, w.name),
                    cluster: ci,
                    inbound,
                    workers: dp.sidecar_default_concurrency.value,
                    overloaded_header,
                });
            }
        }
    }

    // The client and its DestinationRule.
    let (client_ns, client_labels): (&str, BTreeMap<String, String>) = match load.client {
        ClientKind::Gateway => (
            &mesh.root_namespace,
            BTreeMap::from([("istio".to_owned(), "ingressgateway".to_owned())]),
        ),
        ClientKind::Sidecar => (&svc_ns, BTreeMap::new()),
    };
    let proxy = Proxy {
        namespace: client_ns,
        labels: &client_labels,
        outbound: true,
    };
    let dr = destination_rule(client_cluster, mesh, &dp, &proxy, &host, &svc_ns);
    let mut sources = Vec::new();
    if let Some(dr) = dr {
        sources.push(object_name("DestinationRule", &dr.metadata));
    }
    let policy = dr.and_then(|d| d.spec.traffic_policy.as_ref());
    let od: Option<&OutlierDetection> = policy.and_then(|p| p.outlier_detection.as_ref());
    let outlier = od.map(|od| dp.outlier_detection(od));
    let client_limits = Limits::from_pool(policy.and_then(|p| p.connection_pool.as_ref()), &dp);
    let lb_policy = dp
        .lb_policy(policy.and_then(|p| p.load_balancer.as_ref()))
        .unwrap_or(EnvoyLbPolicy::Random);
    let lb = policy
        .and_then(|p| p.load_balancer.as_ref())
        .and_then(|l| l.locality_lb_setting.as_ref());
    let failover: Vec<(String, String)> = lb
        .map(|l| {
            l.failover
                .iter()
                .filter_map(|f| Some((f.from.clone()?, f.to.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    // Priorities only with outlier detection, and unless the rule turns locality load
    // balancing off.
    let prioritised = lb.and_then(|l| l.enabled) != Some(false)
        && (od.is_some() || !dp.failover_needs_outlier_detection.value);

    let locality = |ci: usize| mesh.clusters[ci].locality.as_deref();
    let rtt = |ci: usize| {
        if ci == from {
            load.network.local_rtt_us
        } else if !split(locality(ci)).is_empty()
            && split(locality(ci)).first() == split(locality(from)).first()
        {
            load.network.region_rtt_us
        } else {
            load.network.remote_rtt_us
        }
    };

    // Endpoints: the local pods, then the peers' gateways that join the Service.
    let mut endpoints: Vec<(EndpointPlan, Option<String>)> = pods_of[from]
        .iter()
        .map(|&p| {
            (
                EndpointPlan {
                    name: pods[p].name.clone(),
                    cluster: from,
                    priority: 0,
                    pods: vec![p],
                    rtt_us: rtt(from),
                    reachable: true,
                },
                client_cluster.locality.clone(),
            )
        })
        .collect();
    let by_address = |object: String, address: &str| {
        mesh.clusters
            .iter()
            .position(|c| c.gateway.as_ref().is_some_and(|(a, _)| a == address))
            .ok_or_else(|| SimError::UnknownEndpoint {
                object,
                address: address.to_owned(),
            })
    };
    let mut remote =
        |object: String, address: &str, port: u32, loc: Option<&String>| -> Result<(), SimError> {
            let ci = by_address(object, address)?;
            let gw_port = mesh.clusters[ci].gateway.as_ref().map(|g| g.1);
            endpoints.push((
                EndpointPlan {
                    name: format!("{address}:{port}"),
                    cluster: ci,
                    priority: 0,
                    pods: pods_of[ci].clone(),
                    rtt_us: rtt(ci),
                    reachable: gw_port == Some(port) && !pods_of[ci].is_empty(),
                },
                loc.cloned(),
            ));
            Ok(())
        };
    let svc_port = service.ports.first();
    for r in &client_cluster.istio {
        match (r, dp.remote_endpoints.value) {
            (IstioResource::ServiceEntry(se), RemoteEndpoints::ServiceEntryMerge)
                if ns_of(&se.metadata) == svc_ns && se.spec.hosts.contains(&host) =>
            {
                let se_port = se.spec.ports.first();
                for ep in se.spec.endpoints() {
                    let Some(address) = ep.address.as_deref() else {
                        continue;
                    };
                    let port = se_port
                        .and_then(|p| ep.ports.get(&p.name).copied())
                        .or_else(|| se_port.map(|p| p.target_port.unwrap_or(p.number)))
                        .unwrap_or(0);
                    remote(
                        object_name("ServiceEntry", &se.metadata),
                        address,
                        port,
                        ep.locality.as_ref(),
                    )?;
                }
            }
            (IstioResource::WorkloadEntry(we), RemoteEndpoints::WorkloadEntries)
                if ns_of(&we.metadata) == svc_ns
                    && !service.selector.is_empty()
                    && selects(&service.selector, &we.spec.labels) =>
            {
                let Some(address) = we.spec.address.as_deref() else {
                    continue;
                };
                let Some(sp) = svc_port else { continue };
                let by_name = sp.name.as_ref().and_then(|n| we.spec.ports.get(n)).copied();
                let target = match &sp.target_port {
                    TargetPort::Number(n) => Some(*n),
                    TargetPort::Name(_) => None,
                };
                let port = match dp.workload_entry_ports.value {
                    WorkloadEntryPorts::NotSelected => continue,
                    WorkloadEntryPorts::IgnoredWithNumericTargetPort => {
                        target.or(by_name).unwrap_or(sp.port)
                    }
                    WorkloadEntryPorts::ByServicePortName => by_name.or(target).unwrap_or(sp.port),
                };
                remote(
                    object_name("WorkloadEntry", &we.metadata),
                    address,
                    port,
                    we.spec.locality.as_ref(),
                )?;
            }
            _ => {}
        }
    }

    // Priorities by Istio's locality rule (the release table's), dense from 0.
    if prioritised {
        let locs: Vec<Option<&str>> = endpoints.iter().map(|(_, l)| l.as_deref()).collect();
        let prios = dp.locality_priorities(client_cluster.locality.as_deref(), &locs, &failover);
        for ((ep, _), p) in endpoints.iter_mut().zip(prios) {
            ep.priority = p;
        }
    }
    let endpoints: Vec<EndpointPlan> = endpoints.into_iter().map(|(e, _)| e).collect();

    // The route and its retry policy.
    let retry = match route_retry(client_cluster, mesh, load.client, client_ns, &host) {
        Some((vs, r)) => retry_plan(r, &dp, object_name("VirtualService", &vs.metadata)),
        None if load.client == ClientKind::Gateway => {
            return Err(SimError::NoGatewayRoute {
                cluster: load.from.clone(),
                host,
            });
        }
        None => retry_plan(None, &dp, "the default route".to_owned()),
    };
    sources.push(retry.from.clone());

    Ok(Plan {
        release: mesh.release,
        service: format!("{svc_ns}/{svc_name}"),
        host,
        from,
        client: load.client,
        workers: load.workers.unwrap_or(match load.client {
            ClientKind::Gateway => DEFAULT_GATEWAY_WORKERS,
            ClientKind::Sidecar => dp.sidecar_default_concurrency.value,
        }),
        clusters: names,
        endpoints,
        pods,
        client_limits,
        lb_policy,
        outlier,
        retry,
        sources,
        client_rtt_us: load.network.local_rtt_us,
        app_connect_us: load.network.app_connect_us,
        connect_round_trips: load.network.connect_round_trips,
    })
}

/// A Sidecar's `inboundConnectionPool` (or its ingress listener's) for pods with `labels`.
fn sidecar_inbound_pool<'a>(
    cluster: &'a Cluster,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Option<&'a ConnectionPoolSettings> {
    let mut sidecars: Vec<_> = cluster
        .istio
        .iter()
        .filter_map(|r| match r {
            IstioResource::Sidecar(s) if ns_of(&s.metadata) == namespace => Some(&**s),
            _ => None,
        })
        .collect();
    // A Sidecar with a selector matching the pod wins over the namespace's default one.
    sidecars.sort_by_key(|s| (s.spec.workload_selector.is_none(), s.metadata.name.clone()));
    sidecars
        .into_iter()
        .find(|s| {
            s.spec
                .workload_selector
                .as_ref()
                .is_none_or(|sel| selects(&sel.labels, labels))
        })
        .and_then(|s| {
            s.spec
                .ingress
                .iter()
                .find_map(|i| i.connection_pool.as_ref())
                .or(s.spec.inbound_connection_pool.as_ref())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_most_specific_first() {
        let h = "echo.default.svc.cluster.local";
        assert!(host_match(h, h) > host_match("*.default.svc.cluster.local", h));
        assert!(host_match("*.default.svc.cluster.local", h) > host_match("*", h));
        assert_eq!(host_match("*.other.svc.cluster.local", h), None);
        assert_eq!(resolve("echo", "default", "cluster.local"), h);
    }

    #[test]
    fn export_to_dot_is_own_namespace_only() {
        assert!(exported(&[".".into()], "default", "default"));
        assert!(!exported(&[".".into()], "default", "istio-system"));
        assert!(exported(&[], "default", "istio-system"));
        assert!(exported(
            &["istio-system".into()],
            "default",
            "istio-system"
        ));
    }

    #[test]
    fn debug_headers_annotation_is_read() {
        let on = BTreeMap::from([(
            "proxy.istio.io/config".to_owned(),
            r#"{"proxyHeaders":{"envoyDebugHeaders":{"disabled":true}}}"#.to_owned(),
        )]);
        assert!(debug_headers_disabled(&on));
        assert!(!debug_headers_disabled(&BTreeMap::new()));
    }
}
