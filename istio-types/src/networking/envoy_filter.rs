//! `EnvoyFilter`: patches to the Envoy configuration Istio generates for some proxies. Served
//! only at `networking.istio.io/v1alpha3`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WorkloadSelector;
use crate::common::{PolicyTargetReference, TargetKind, TargetKinds};
use crate::resource::istio_object;

/// The spec of an EnvoyFilter.
///
/// Serialized as Istio's fields `workloadSelector`, `targetRefs`, `configPatches` and
/// `priority`; `target` stands for the first two (at most one may be set).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EnvoyFilterSpecRepr", into = "EnvoyFilterSpecRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "EnvoyFilterSpecRepr"))]
pub struct EnvoyFilterSpec {
    /// The proxies to patch; every proxy of the namespace (of the mesh, in the root namespace)
    /// when `None`.
    pub target: Option<EnvoyFilterTarget>,
    /// The patches, applied in order.
    pub config_patches: Vec<EnvoyConfigObjectPatch>,
    /// Order among the EnvoyFilters of one context: lower first; 0 by default. Filters in the
    /// root namespace come before those of the workload's namespace at equal priority.
    pub priority: Option<i32>,
}

/// Which proxies an EnvoyFilter patches (at most one of Istio's two fields may be set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum EnvoyFilterTarget {
    /// `workloadSelector`: the proxies of the workloads whose labels match.
    WorkloadSelector(WorkloadSelector),
    /// `targetRefs`: the proxies of the Gateways or waypoints referred to (at most 16).
    TargetRefs(Vec<PolicyTargetReference>),
}

/// The wire form of [`EnvoyFilterSpec`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "EnvoyFilterSpec"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnvoyFilterSpecRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workload_selector: Option<WorkloadSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_refs: Option<Vec<PolicyTargetReference>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    config_patches: Vec<EnvoyConfigObjectPatch>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    priority: Option<i32>,
}

impl TryFrom<EnvoyFilterSpecRepr> for EnvoyFilterSpec {
    type Error = String;

    fn try_from(r: EnvoyFilterSpecRepr) -> Result<Self, String> {
        let target = match (r.workload_selector, r.target_refs) {
            (None, None) => None,
            (Some(s), None) => Some(EnvoyFilterTarget::WorkloadSelector(s)),
            (None, Some(t)) => Some(EnvoyFilterTarget::TargetRefs(t)),
            (Some(_), Some(_)) => {
                return Err("only one of workloadSelector, targetRefs may be set".to_owned());
            }
        };
        Ok(Self {
            target,
            config_patches: r.config_patches,
            priority: r.priority,
        })
    }
}

impl From<EnvoyFilterSpec> for EnvoyFilterSpecRepr {
    fn from(s: EnvoyFilterSpec) -> Self {
        let (workload_selector, target_refs) = match s.target {
            None => (None, None),
            Some(EnvoyFilterTarget::WorkloadSelector(w)) => (Some(w), None),
            Some(EnvoyFilterTarget::TargetRefs(t)) => (None, Some(t)),
        };
        Self {
            workload_selector,
            target_refs,
            config_patches: s.config_patches,
            priority: s.priority,
        }
    }
}

/// One patch: where it applies, to which objects, and what it does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvoyConfigObjectPatch {
    /// The kind of Envoy object patched. Required by Istio (INVALID is rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to: Option<ApplyTo>,
    /// Which objects of that kind are patched; all of them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "match")]
    pub match_: Option<EnvoyConfigObjectMatch>,
    /// The patch. Required by Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Patch>,
}

/// The kind of Envoy configuration object a patch applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplyTo {
    /// Not a kind: the protobuf default, rejected by Istio.
    Invalid,
    /// A listener.
    Listener,
    /// A filter chain of a listener.
    FilterChain,
    /// A network filter of a filter chain (TCP proxy, HTTP connection manager, ...).
    NetworkFilter,
    /// An HTTP filter of the HTTP connection manager.
    HttpFilter,
    /// An HTTP route configuration (RDS).
    RouteConfiguration,
    /// A virtual host of a route configuration.
    VirtualHost,
    /// A route of a virtual host.
    HttpRoute,
    /// A cluster.
    Cluster,
    /// An extension configuration served by ECDS (the patch value is the filter config).
    ExtensionConfig,
    /// The proxy's bootstrap configuration.
    Bootstrap,
    /// A listener filter.
    ListenerFilter,
}

/// Which objects a patch applies to.
///
/// Serialized as Istio's fields; `object` stands for `listener`, `routeConfiguration`,
/// `cluster` and `waypoint`, of which at most one may be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "EnvoyConfigObjectMatchRepr",
    into = "EnvoyConfigObjectMatchRepr"
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "EnvoyConfigObjectMatchRepr"))]
pub struct EnvoyConfigObjectMatch {
    /// The configuration generation context (sidecar inbound/outbound, gateway, waypoint);
    /// ANY when absent.
    pub context: Option<PatchContext>,
    /// Only proxies with this version or metadata.
    pub proxy: Option<ProxyMatch>,
    /// The object to match.
    pub object: Option<ObjectMatch>,
}

/// The object a patch matches on: the `ObjectTypes` oneof of Istio's API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ObjectMatch {
    /// `listener`: a listener, its filter chains or filters.
    Listener(ListenerMatch),
    /// `routeConfiguration`: an HTTP route configuration, virtual host or route.
    RouteConfiguration(RouteConfigurationMatch),
    /// `cluster`: a cluster.
    Cluster(ClusterMatch),
    /// `waypoint`: a waypoint proxy's filter or route (context WAYPOINT only).
    Waypoint(WaypointMatch),
}

/// The wire form of [`EnvoyConfigObjectMatch`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "EnvoyConfigObjectMatch"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnvoyConfigObjectMatchRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<PatchContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proxy: Option<ProxyMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listener: Option<ListenerMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    route_configuration: Option<RouteConfigurationMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    waypoint: Option<WaypointMatch>,
}

impl TryFrom<EnvoyConfigObjectMatchRepr> for EnvoyConfigObjectMatch {
    type Error = String;

    fn try_from(r: EnvoyConfigObjectMatchRepr) -> Result<Self, String> {
        let object = match (r.listener, r.route_configuration, r.cluster, r.waypoint) {
            (None, None, None, None) => None,
            (Some(l), None, None, None) => Some(ObjectMatch::Listener(l)),
            (None, Some(rc), None, None) => Some(ObjectMatch::RouteConfiguration(rc)),
            (None, None, Some(c), None) => Some(ObjectMatch::Cluster(c)),
            (None, None, None, Some(w)) => Some(ObjectMatch::Waypoint(w)),
            (l, rc, c, w) => {
                let set: Vec<&str> = [
                    l.is_some().then_some("listener"),
                    rc.is_some().then_some("routeConfiguration"),
                    c.is_some().then_some("cluster"),
                    w.is_some().then_some("waypoint"),
                ]
                .into_iter()
                .flatten()
                .collect();
                return Err(format!(
                    "only one of listener, routeConfiguration, cluster, waypoint may be set (found {})",
                    set.join(" and ")
                ));
            }
        };
        Ok(Self {
            context: r.context,
            proxy: r.proxy,
            object,
        })
    }
}

impl From<EnvoyConfigObjectMatch> for EnvoyConfigObjectMatchRepr {
    fn from(m: EnvoyConfigObjectMatch) -> Self {
        let mut r = Self {
            context: m.context,
            proxy: m.proxy,
            ..Self::default()
        };
        match m.object {
            None => {}
            Some(ObjectMatch::Listener(l)) => r.listener = Some(l),
            Some(ObjectMatch::RouteConfiguration(rc)) => r.route_configuration = Some(rc),
            Some(ObjectMatch::Cluster(c)) => r.cluster = Some(c),
            Some(ObjectMatch::Waypoint(w)) => r.waypoint = Some(w),
        }
        r
    }
}

/// The configuration generation context a patch applies in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchContext {
    /// Every context (the default).
    Any,
    /// A sidecar's inbound listeners and clusters.
    SidecarInbound,
    /// A sidecar's outbound listeners, routes and clusters.
    SidecarOutbound,
    /// A gateway's configuration.
    Gateway,
    /// A waypoint proxy's configuration (needs a `waypoint` match).
    Waypoint,
}

/// Selects proxies by version or node metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProxyMatch {
    /// A Go (RE2) regular expression matched against the proxy's Istio version, e.g. `^1\.2.*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_version: Option<String>,
    /// Node metadata values the proxy must report, all of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Matches a listener and, optionally, a filter chain and filter in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListenerMatch {
    /// The service or gateway port the listener serves.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port_number: Option<u32>,
    /// Deprecated and ignored by Istio: the port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// A filter chain of the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_chain: Option<FilterChainMatch>,
    /// The name of a listener filter, e.g. `envoy.filters.listener.tls_inspector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_filter: Option<String>,
    /// The listener's exact name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Matches a filter chain of a listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FilterChainMatch {
    /// The filter chain's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The SNI in the chain's match condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// `tls` or `raw_buffer` (SIDECAR_INBOUND only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_protocol: Option<String>,
    /// Comma-separated ALPN values, e.g. `h2,http/1.1` (sidecars only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_protocols: Option<String>,
    /// A network filter of the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<FilterMatch>,
    /// The destination port in the chain's match condition.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub destination_port: Option<u32>,
    /// The name of the transport socket the chain uses, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_socket: Option<String>,
}

/// Matches a filter by name and, optionally, a filter inside it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FilterMatch {
    /// The filter's name, e.g. `envoy.filters.network.http_connection_manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A filter inside it (an HTTP filter of the HTTP connection manager).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<SubFilterMatch>,
}

/// Matches a filter inside another filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubFilterMatch {
    /// The filter's name, e.g. `envoy.filters.http.router`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Matches an HTTP route configuration and, optionally, a virtual host and route in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteConfigurationMatch {
    /// The service or gateway server port the configuration was generated for.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port_number: Option<u32>,
    /// The gateway server's port name (GATEWAY context only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// The Istio Gateway, `namespace/name`, the configuration was generated for (GATEWAY only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// A virtual host of the configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<VirtualHostMatch>,
    /// The route configuration's exact name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Matches a virtual host of a route configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VirtualHostMatch {
    /// The virtual host's name (Istio names them `host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A route of the virtual host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    /// A domain the virtual host serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
}

/// Matches a route of a virtual host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteMatch {
    /// The route's name (the VirtualService route's name; `default` for generated ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind of action the route takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RouteAction>,
}

/// The action of a route, as a route match sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RouteAction {
    /// Any action (the default).
    Any,
    /// Routes to a cluster.
    Route,
    /// Redirects.
    Redirect,
    /// Answers directly.
    DirectResponse,
}

/// Matches a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterMatch {
    /// The service port the cluster was generated for.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port_number: Option<u32>,
    /// The fully qualified service name, e.g. `reviews.prod.svc.cluster.local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The DestinationRule subset the cluster was generated for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The cluster's exact name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Matches a filter or route of a waypoint proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaypointMatch {
    /// A filter of the waypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<FilterMatch>,
    /// A route of the waypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<WaypointRouteMatch>,
    /// The service port (1-65535).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port_number: Option<u32>,
}

/// Matches a route of a waypoint by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaypointRouteMatch {
    /// The route's name (`default` for generated ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What a patch does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    /// How the value is applied. Required by Istio (INVALID is rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<PatchOperation>,
    /// The Envoy configuration (as JSON/YAML) to merge, add or insert; required for every
    /// operation but REMOVE. Kept exactly as written: Istio checks it against Envoy's protos,
    /// which this crate does not model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Map<String, serde_json::Value>>,
    /// Where an HTTP filter added with ADD goes relative to Istio's own filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_class: Option<FilterClass>,
}

/// How a patch is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchOperation {
    /// Not an operation: the protobuf default, rejected by Istio.
    Invalid,
    /// Merge the value into the matched object (protobuf merge: lists are appended).
    Merge,
    /// Add the value to the matched object's list (listeners, clusters, filters, ...).
    Add,
    /// Remove the matched object.
    Remove,
    /// Insert before the matched filter or route.
    InsertBefore,
    /// Insert after the matched filter or route.
    InsertAfter,
    /// Insert first in the list.
    InsertFirst,
    /// Replace the matched filter or route.
    Replace,
    /// Merge, replacing lists instead of appending to them.
    MergeAndReplaceList,
}

/// Where an added HTTP filter goes among Istio's filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FilterClass {
    /// No class: the operation decides (the default).
    Unspecified,
    /// After Istio's authentication filter.
    Authn,
    /// After Istio's authorization filter.
    Authz,
    /// Before Istio's stats filter.
    Stats,
}

istio_object! {
    /// A `networking.istio.io/v1alpha3` EnvoyFilter: patches Envoy configuration that Istio
    /// generates. Istio warns on every EnvoyFilter: they depend on internals that change
    /// between releases.
    ///
    /// ```
    /// use istio_types::networking::{EnvoyFilter, EnvoyFilterSpec};
    /// use istio_types::{ApiVersion, IstioObject};
    /// let mut ef = EnvoyFilter::new("lua", "default", EnvoyFilterSpec::default());
    /// assert_eq!(ef.api_version(), ApiVersion::V1alpha3);
    /// assert!(ef.set_api_version(ApiVersion::V1).is_err());
    /// ```
    EnvoyFilter {
        spec: EnvoyFilterSpec,
        group: Networking,
        plural: "envoyfilters",
        served: [V1alpha3],
        storage: V1alpha3,
        absent_spec: empty,
    }
}

/// The network filter name an HTTP sub-filter match needs (and its deprecated spelling).
const HTTP_CONNECTION_MANAGER: &str = "envoy.filters.network.http_connection_manager";
const HTTP_CONNECTION_MANAGER_OLD: &str = "envoy.http_connection_manager";

/// Deprecated Envoy filter names and their replacements: Istio warns on a match by the old name
/// (its `xds.ReverseDeprecatedFilterNames`; the common, unambiguous entries).
const DEPRECATED_FILTER_NAMES: [(&str, &str); 16] = [
    ("envoy.http_connection_manager", HTTP_CONNECTION_MANAGER),
    ("envoy.tcp_proxy", "envoy.filters.network.tcp_proxy"),
    ("envoy.redis_proxy", "envoy.filters.network.redis_proxy"),
    ("envoy.mongo_proxy", "envoy.filters.network.mongo_proxy"),
    (
        "envoy.listener.tls_inspector",
        "envoy.filters.listener.tls_inspector",
    ),
    (
        "envoy.listener.http_inspector",
        "envoy.filters.listener.http_inspector",
    ),
    (
        "envoy.listener.original_dst",
        "envoy.filters.listener.original_dst",
    ),
    (
        "envoy.listener.proxy_protocol",
        "envoy.filters.listener.proxy_protocol",
    ),
    ("envoy.router", "envoy.filters.http.router"),
    ("envoy.cors", "envoy.filters.http.cors"),
    ("envoy.fault", "envoy.filters.http.fault"),
    ("envoy.lua", "envoy.filters.http.lua"),
    ("envoy.buffer", "envoy.filters.http.buffer"),
    ("envoy.grpc_web", "envoy.filters.http.grpc_web"),
    ("envoy.health_check", "envoy.filters.http.health_check"),
    ("envoy.csrf", "envoy.filters.http.csrf"),
];

fn deprecated_name(name: Option<&str>, path: &str, report: &mut crate::validate::Report) {
    let Some(name) = name else { return };
    if let Some((_, new)) = DEPRECATED_FILTER_NAMES.iter().find(|(old, _)| *old == name) {
        report.warning(
            path,
            format!("filter name {name:?} is deprecated; use {new:?} instead"),
        );
    }
}

/// The kinds an EnvoyFilter's `targetRefs` may name. Istio's webhook does not check them
/// (`ValidateEnvoyFilter` has no `validatePolicyTargetReferences`); only the CRDs of 1.23
/// (core Service, Gateway API Gateway) and 1.24 (also ServiceEntry) had a rule on them
/// (crd-all.gen.yaml at 1.23.0 and 1.24.0, "Support kinds are ..."), dropped in 1.25.
const ENVOY_FILTER_TARGET_KINDS: TargetKinds = TargetKinds {
    checked: ((1, 23), Some((1, 24))),
    kinds: &[
        TargetKind::new("", "Service", (1, 23)),
        TargetKind::new("networking.istio.io", "ServiceEntry", (1, 24)),
        TargetKind::new("gateway.networking.k8s.io", "Gateway", (1, 23)),
    ],
};

impl crate::validate::Validate for EnvoyFilterSpec {
    /// Istio's `ValidateEnvoyFilter` and the CRD's rules.
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::{index, join};

        report.warning(
            path,
            "EnvoyFilter exposes internal implementation details that may change at any time; \
             prefer other APIs if possible, and take extreme care on upgrades",
        );
        match &self.target {
            None => {}
            Some(EnvoyFilterTarget::WorkloadSelector(s)) => {
                let at = join(&join(path, "workloadSelector"), "labels");
                crate::rules::validate_selector_labels(
                    &s.labels,
                    &at,
                    "workload selector specified without labels: the EnvoyFilter applies to every proxy of its namespace",
                    256,
                    report,
                );
            }
            Some(EnvoyFilterTarget::TargetRefs(refs)) => {
                crate::common::validate_target_refs(
                    refs,
                    &join(path, "targetRefs"),
                    &ENVOY_FILTER_TARGET_KINDS,
                    report,
                );
            }
        }
        let patches = join(path, "configPatches");
        for (i, cp) in self.config_patches.iter().enumerate() {
            cp.validate_at(&index(&patches, i), report);
        }
    }
}

impl crate::validate::Validate for EnvoyConfigObjectPatch {
    /// One patch, as Istio's `ValidateEnvoyFilter` checks it (stopping at the first problem of
    /// a patch, as Istio does), plus the CRD's rules on the match.
    #[allow(
        clippy::too_many_lines,
        reason = "one linear port of Istio's per-patch checks reads best in one piece"
    )]
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::join;

        let match_path = join(path, "match");
        if let Some(m) = &self.match_ {
            // CRD: a waypoint match exactly when the context is WAYPOINT.
            let waypoint_ctx = m.context == Some(PatchContext::Waypoint);
            let waypoint_obj = matches!(m.object, Some(ObjectMatch::Waypoint(_)));
            if waypoint_ctx != waypoint_obj {
                report.error(
                    &match_path,
                    "a waypoint match needs context WAYPOINT, and context WAYPOINT needs a waypoint match",
                );
            }
            if let Some(ObjectMatch::Waypoint(w)) = &m.object
                && let Some(p) = w.port_number
                && !(1..=65535).contains(&p)
            {
                report.error(
                    join(&join(&match_path, "waypoint"), "portNumber"),
                    format!("port {p} must be between 1 and 65535"),
                );
            }
        }

        // Istio 1.29 added context WAYPOINT and skips every webhook check of such a patch
        // (`envoyfilter.go`: "TODO(zirain): Add validation for waypoint proxy"); before, the
        // CRD has no such context and the API server refuses it.
        if let Some(m) = &self.match_
            && m.context == Some(PatchContext::Waypoint)
        {
            let release = report.release();
            if !release.at_least(1, 29) {
                report.error(
                    join(&match_path, "context"),
                    format!(
                        "context WAYPOINT exists from Istio 1.29; Istio {release} does not have it"
                    ),
                );
            }
            return;
        }

        let apply_to = match self.apply_to {
            None | Some(ApplyTo::Invalid) => {
                report.error(join(path, "applyTo"), "applyTo is required");
                return;
            }
            Some(a) => a,
        };
        let Some(the_patch) = &self.patch else {
            report.error(join(path, "patch"), "patch is required");
            return;
        };
        let operation = match the_patch.operation {
            None | Some(PatchOperation::Invalid) => {
                report.error(
                    join(&join(path, "patch"), "operation"),
                    "patch.operation is required",
                );
                return;
            }
            Some(o) => o,
        };
        if operation != PatchOperation::Remove && the_patch.value.is_none() {
            report.error(
                join(&join(path, "patch"), "value"),
                format!("patch.value is required for operation {operation:?}"),
            );
            return;
        }
        if let Some(version) = self
            .match_
            .as_ref()
            .and_then(|m| m.proxy.as_ref())
            .and_then(|p| p.proxy_version.as_deref())
            .filter(|v| !v.is_empty())
            && let Err(e) = crate::re2::check(version)
        {
            report.error(
                join(&join(&match_path, "proxy"), "proxyVersion"),
                format!(
                    "invalid regular expression {version:?} (Istio compiles it with Go's RE2): {e}"
                ),
            );
            return;
        }
        let object = self.match_.as_ref().and_then(|m| m.object.as_ref());
        // Istio skips the check of the value after most mismatches of the match (`continue`).
        let go_on = 'checks: {
            match apply_to {
                ApplyTo::Listener
                | ApplyTo::FilterChain
                | ApplyTo::NetworkFilter
                | ApplyTo::HttpFilter => {
                    let Some(object) = object else {
                        break 'checks true;
                    };
                    let ObjectMatch::Listener(listener) = object else {
                        report.error(
                            &match_path,
                            format!(
                                "applyTo {apply_to:?} (a listener object) needs a listener match"
                            ),
                        );
                        break 'checks false;
                    };
                    let Some(filter) = listener
                        .filter_chain
                        .as_ref()
                        .and_then(|fc| fc.filter.as_ref())
                    else {
                        break 'checks true;
                    };
                    let filter_path = join(
                        &join(&join(&match_path, "listener"), "filterChain"),
                        "filter",
                    );
                    if matches!(apply_to, ApplyTo::Listener | ApplyTo::FilterChain) {
                        report.warning(
                            &filter_path,
                            format!("a filter match has no effect with applyTo {apply_to:?}"),
                        );
                    }
                    let name = filter.name.as_deref().unwrap_or_default();
                    if name.is_empty() {
                        report.error(join(&filter_path, "name"), "a filter match needs a name");
                        break 'checks false;
                    }
                    if let Some(sub) = &filter.sub_filter {
                        let sub_path = join(&filter_path, "subFilter");
                        if apply_to != ApplyTo::HttpFilter {
                            report.error(
                                &sub_path,
                                "a subFilter match can only be used with applyTo HTTP_FILTER",
                            );
                            break 'checks false;
                        }
                        if name != HTTP_CONNECTION_MANAGER && name != HTTP_CONNECTION_MANAGER_OLD {
                            report.error(
                            &sub_path,
                            format!("a subFilter match needs the filter match to be {HTTP_CONNECTION_MANAGER}"),
                        );
                            break 'checks false;
                        }
                        if sub.name.as_deref().is_none_or(str::is_empty) {
                            report.error(join(&sub_path, "name"), "a subFilter match needs a name");
                            break 'checks false;
                        }
                    }
                    deprecated_name(Some(name), &join(&filter_path, "name"), report);
                    deprecated_name(
                        filter.sub_filter.as_ref().and_then(|s| s.name.as_deref()),
                        &join(&join(&filter_path, "subFilter"), "name"),
                        report,
                    );
                }
                ApplyTo::RouteConfiguration | ApplyTo::VirtualHost | ApplyTo::HttpRoute
                    if object.is_some_and(|o| !matches!(o, ObjectMatch::RouteConfiguration(_))) =>
                {
                    report.error(
                    &match_path,
                    format!(
                        "applyTo {apply_to:?} (an HTTP route object) needs a routeConfiguration match"
                    ),
                );
                }
                ApplyTo::Cluster
                    if object.is_some_and(|o| !matches!(o, ObjectMatch::Cluster(_))) =>
                {
                    report.error(&match_path, "applyTo CLUSTER needs a cluster match");
                }
                _ => {}
            }
            true
        };
        if go_on && let Some(value) = &the_patch.value {
            super::envoy_api::check_patch_value(
                apply_to,
                value,
                &join(&join(path, "patch"), "value"),
                report,
            );
        }
    }
}
