//! The type of each top-level field of the Envoy objects an EnvoyFilter patch builds.
//!
//! Istio turns every patch value into the Envoy object its `applyTo` names (`pkg/config/xds`
//! `BuildXDSObjectFromStruct`: Cluster, Listener, FilterChain, Filter, ListenerFilter,
//! HttpFilter, RouteConfiguration, VirtualHost, Route, TypedExtensionConfig) with protobuf's
//! JSON mapping, unknown fields ignored, and refuses the EnvoyFilter when a field's value has
//! the wrong JSON type (`{name: false}` on a CLUSTER patch). The tables below are the
//! top-level fields of those messages and their JSON types, read from Envoy's proto definitions
//! (envoyproxy/data-plane-api 84e84367f2560cdb47b9bb78fd3e615feb80c3e4: `envoy/config/cluster/v3/cluster.proto`,
//! `envoy/config/listener/v3/listener.proto` and `listener_components.proto`,
//! `envoy/config/route/v3/route.proto` and `route_components.proto`,
//! `envoy/config/core/v3/extension.proto`,
//! `envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto`).
//! Nested messages are not descended into, and BOOTSTRAP is not checked.

use serde_json::Value;

use super::ApplyTo;
use crate::validate::{Report, index, join};

/// The JSON type protobuf's JSON mapping reads a field from (protobuf `protojson`); the kinds
/// the top-level fields of these messages have (none is a float, a `ListValue` or a `Value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    /// `string`, `bytes`, `Duration`, `Timestamp`, `StringValue`: a string.
    Str,
    /// `bool`, `BoolValue`: `true` or `false`.
    Bool,
    /// Integers and their wrappers: an integral number, or a string holding one.
    Int,
    /// An enum: the value's name, or its number.
    Enum,
    /// A message, a map, `Struct` or `Any`: an object.
    Obj,
}

/// One field: its proto name, its JSON (lowerCamelCase) name, whether it is repeated, and the
/// JSON type of a value (of each item when repeated).
struct Field {
    proto: &'static str,
    json: &'static str,
    repeated: bool,
    kind: K,
}

const fn f(proto: &'static str, json: &'static str, repeated: bool, kind: K) -> Field {
    Field {
        proto,
        json,
        repeated,
        kind,
    }
}

/// `envoy/config/cluster/v3/cluster.proto` `Cluster`.
const CLUSTER: &[Field] = &[
    f("alt_stat_name", "altStatName", false, K::Str),
    f("circuit_breakers", "circuitBreakers", false, K::Obj),
    f("cleanup_interval", "cleanupInterval", false, K::Str),
    f(
        "close_connections_on_host_health_failure",
        "closeConnectionsOnHostHealthFailure",
        false,
        K::Bool,
    ),
    f("cluster_type", "clusterType", false, K::Obj),
    f(
        "common_http_protocol_options",
        "commonHttpProtocolOptions",
        false,
        K::Obj,
    ),
    f("common_lb_config", "commonLbConfig", false, K::Obj),
    f("connect_timeout", "connectTimeout", false, K::Str),
    f(
        "connection_pool_per_downstream_connection",
        "connectionPoolPerDownstreamConnection",
        false,
        K::Bool,
    ),
    f(
        "dns_failure_refresh_rate",
        "dnsFailureRefreshRate",
        false,
        K::Obj,
    ),
    f("dns_jitter", "dnsJitter", false, K::Str),
    f("dns_lookup_family", "dnsLookupFamily", false, K::Enum),
    f("dns_refresh_rate", "dnsRefreshRate", false, K::Str),
    f(
        "dns_resolution_config",
        "dnsResolutionConfig",
        false,
        K::Obj,
    ),
    f("dns_resolvers", "dnsResolvers", true, K::Obj),
    f("eds_cluster_config", "edsClusterConfig", false, K::Obj),
    f("filters", "filters", true, K::Obj),
    f("health_checks", "healthChecks", true, K::Obj),
    f(
        "http2_protocol_options",
        "http2ProtocolOptions",
        false,
        K::Obj,
    ),
    f(
        "http_protocol_options",
        "httpProtocolOptions",
        false,
        K::Obj,
    ),
    f(
        "ignore_health_on_host_removal",
        "ignoreHealthOnHostRemoval",
        false,
        K::Bool,
    ),
    f("lb_policy", "lbPolicy", false, K::Enum),
    f("lb_subset_config", "lbSubsetConfig", false, K::Obj),
    f(
        "least_request_lb_config",
        "leastRequestLbConfig",
        false,
        K::Obj,
    ),
    f("load_assignment", "loadAssignment", false, K::Obj),
    f(
        "load_balancing_policy",
        "loadBalancingPolicy",
        false,
        K::Obj,
    ),
    f(
        "lrs_report_endpoint_metrics",
        "lrsReportEndpointMetrics",
        true,
        K::Str,
    ),
    f("lrs_server", "lrsServer", false, K::Obj),
    f("maglev_lb_config", "maglevLbConfig", false, K::Obj),
    f(
        "max_requests_per_connection",
        "maxRequestsPerConnection",
        false,
        K::Int,
    ),
    f("metadata", "metadata", false, K::Obj),
    f("name", "name", false, K::Str),
    f(
        "original_dst_lb_config",
        "originalDstLbConfig",
        false,
        K::Obj,
    ),
    f("outlier_detection", "outlierDetection", false, K::Obj),
    f(
        "per_connection_buffer_limit_bytes",
        "perConnectionBufferLimitBytes",
        false,
        K::Int,
    ),
    f("preconnect_policy", "preconnectPolicy", false, K::Obj),
    f("protocol_selection", "protocolSelection", false, K::Enum),
    f("respect_dns_ttl", "respectDnsTtl", false, K::Bool),
    f("ring_hash_lb_config", "ringHashLbConfig", false, K::Obj),
    f("round_robin_lb_config", "roundRobinLbConfig", false, K::Obj),
    f("track_cluster_stats", "trackClusterStats", false, K::Obj),
    f(
        "track_timeout_budgets",
        "trackTimeoutBudgets",
        false,
        K::Bool,
    ),
    f("transport_socket", "transportSocket", false, K::Obj),
    f(
        "transport_socket_matcher",
        "transportSocketMatcher",
        false,
        K::Obj,
    ),
    f(
        "transport_socket_matches",
        "transportSocketMatches",
        true,
        K::Obj,
    ),
    f("type", "type", false, K::Enum),
    f(
        "typed_dns_resolver_config",
        "typedDnsResolverConfig",
        false,
        K::Obj,
    ),
    f(
        "typed_extension_protocol_options",
        "typedExtensionProtocolOptions",
        false,
        K::Obj,
    ),
    f("upstream_bind_config", "upstreamBindConfig", false, K::Obj),
    f("upstream_config", "upstreamConfig", false, K::Obj),
    f(
        "upstream_connection_options",
        "upstreamConnectionOptions",
        false,
        K::Obj,
    ),
    f(
        "upstream_http_protocol_options",
        "upstreamHttpProtocolOptions",
        false,
        K::Obj,
    ),
    f(
        "use_tcp_for_dns_lookups",
        "useTcpForDnsLookups",
        false,
        K::Bool,
    ),
    f("wait_for_warm_on_init", "waitForWarmOnInit", false, K::Bool),
];
/// `envoy/config/listener/v3/listener.proto` `Listener`.
const LISTENER: &[Field] = &[
    f("access_log", "accessLog", true, K::Obj),
    f("additional_addresses", "additionalAddresses", true, K::Obj),
    f("address", "address", false, K::Obj),
    f("api_listener", "apiListener", false, K::Obj),
    f("bind_to_port", "bindToPort", false, K::Bool),
    f(
        "bypass_overload_manager",
        "bypassOverloadManager",
        false,
        K::Bool,
    ),
    f(
        "connection_balance_config",
        "connectionBalanceConfig",
        false,
        K::Obj,
    ),
    f(
        "continue_on_listener_filters_timeout",
        "continueOnListenerFiltersTimeout",
        false,
        K::Bool,
    ),
    f("default_filter_chain", "defaultFilterChain", false, K::Obj),
    f("deprecated_v1", "deprecatedV1", false, K::Obj),
    f("drain_type", "drainType", false, K::Enum),
    f("enable_mptcp", "enableMptcp", false, K::Bool),
    f("enable_reuse_port", "enableReusePort", false, K::Bool),
    f("fcds_config", "fcdsConfig", false, K::Obj),
    f("filter_chain_matcher", "filterChainMatcher", false, K::Obj),
    f("filter_chains", "filterChains", true, K::Obj),
    f("freebind", "freebind", false, K::Bool),
    f(
        "ignore_global_conn_limit",
        "ignoreGlobalConnLimit",
        false,
        K::Bool,
    ),
    f("internal_listener", "internalListener", false, K::Obj),
    f("listener_filters", "listenerFilters", true, K::Obj),
    f(
        "listener_filters_timeout",
        "listenerFiltersTimeout",
        false,
        K::Str,
    ),
    f(
        "max_connections_to_accept_per_socket_event",
        "maxConnectionsToAcceptPerSocketEvent",
        false,
        K::Int,
    ),
    f("metadata", "metadata", false, K::Obj),
    f("name", "name", false, K::Str),
    f(
        "per_connection_buffer_limit_bytes",
        "perConnectionBufferLimitBytes",
        false,
        K::Int,
    ),
    f("reuse_port", "reusePort", false, K::Bool),
    f("socket_options", "socketOptions", true, K::Obj),
    f("stat_prefix", "statPrefix", false, K::Str),
    f("tcp_backlog_size", "tcpBacklogSize", false, K::Int),
    f(
        "tcp_fast_open_queue_length",
        "tcpFastOpenQueueLength",
        false,
        K::Int,
    ),
    f("tcp_keepalive", "tcpKeepalive", false, K::Obj),
    f("traffic_direction", "trafficDirection", false, K::Enum),
    f("transparent", "transparent", false, K::Bool),
    f("udp_listener_config", "udpListenerConfig", false, K::Obj),
    f("use_original_dst", "useOriginalDst", false, K::Bool),
];
/// `envoy/config/listener/v3/listener_components.proto` `FilterChain`.
const FILTER_CHAIN: &[Field] = &[
    f("filter_chain_match", "filterChainMatch", false, K::Obj),
    f("filters", "filters", true, K::Obj),
    f("metadata", "metadata", false, K::Obj),
    f("name", "name", false, K::Str),
    f("transport_socket", "transportSocket", false, K::Obj),
    f(
        "transport_socket_connect_timeout",
        "transportSocketConnectTimeout",
        false,
        K::Str,
    ),
    f("use_proxy_proto", "useProxyProto", false, K::Bool),
];
/// `envoy/config/listener/v3/listener_components.proto` `Filter`.
const FILTER: &[Field] = &[
    f("config_discovery", "configDiscovery", false, K::Obj),
    f("name", "name", false, K::Str),
    f("typed_config", "typedConfig", false, K::Obj),
];
/// `envoy/config/listener/v3/listener_components.proto` `ListenerFilter`.
const LISTENER_FILTER: &[Field] = &[
    f("config_discovery", "configDiscovery", false, K::Obj),
    f("filter_disabled", "filterDisabled", false, K::Obj),
    f("name", "name", false, K::Str),
    f("typed_config", "typedConfig", false, K::Obj),
];
/// `envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto` `HttpFilter`.
const HTTP_FILTER: &[Field] = &[
    f("config_discovery", "configDiscovery", false, K::Obj),
    f("disabled", "disabled", false, K::Bool),
    f("is_optional", "isOptional", false, K::Bool),
    f("name", "name", false, K::Str),
    f("typed_config", "typedConfig", false, K::Obj),
];
/// `envoy/config/route/v3/route.proto` `RouteConfiguration`.
const ROUTE_CONFIGURATION: &[Field] = &[
    f(
        "cluster_specifier_plugins",
        "clusterSpecifierPlugins",
        true,
        K::Obj,
    ),
    f(
        "ignore_path_parameters_in_path_matching",
        "ignorePathParametersInPathMatching",
        false,
        K::Bool,
    ),
    f(
        "ignore_port_in_host_matching",
        "ignorePortInHostMatching",
        false,
        K::Bool,
    ),
    f("internal_only_headers", "internalOnlyHeaders", true, K::Str),
    f(
        "max_direct_response_body_size_bytes",
        "maxDirectResponseBodySizeBytes",
        false,
        K::Int,
    ),
    f("metadata", "metadata", false, K::Obj),
    f(
        "most_specific_header_mutations_wins",
        "mostSpecificHeaderMutationsWins",
        false,
        K::Bool,
    ),
    f("name", "name", false, K::Str),
    f(
        "request_headers_to_add",
        "requestHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "request_headers_to_remove",
        "requestHeadersToRemove",
        true,
        K::Str,
    ),
    f(
        "request_mirror_policies",
        "requestMirrorPolicies",
        true,
        K::Obj,
    ),
    f(
        "response_headers_to_add",
        "responseHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "response_headers_to_remove",
        "responseHeadersToRemove",
        true,
        K::Str,
    ),
    f(
        "typed_per_filter_config",
        "typedPerFilterConfig",
        false,
        K::Obj,
    ),
    f("validate_clusters", "validateClusters", false, K::Bool),
    f("vhds", "vhds", false, K::Obj),
    f("vhost_header", "vhostHeader", false, K::Str),
    f("virtual_hosts", "virtualHosts", true, K::Obj),
];
/// `envoy/config/route/v3/route_components.proto` `VirtualHost`.
const VIRTUAL_HOST: &[Field] = &[
    f("cors", "cors", false, K::Obj),
    f("domains", "domains", true, K::Str),
    f("hedge_policy", "hedgePolicy", false, K::Obj),
    f(
        "include_attempt_count_in_response",
        "includeAttemptCountInResponse",
        false,
        K::Bool,
    ),
    f(
        "include_is_timeout_retry_header",
        "includeIsTimeoutRetryHeader",
        false,
        K::Bool,
    ),
    f(
        "include_request_attempt_count",
        "includeRequestAttemptCount",
        false,
        K::Bool,
    ),
    f("matcher", "matcher", false, K::Obj),
    f("metadata", "metadata", false, K::Obj),
    f("name", "name", false, K::Str),
    f(
        "per_request_buffer_limit_bytes",
        "perRequestBufferLimitBytes",
        false,
        K::Int,
    ),
    f("rate_limits", "rateLimits", true, K::Obj),
    f(
        "request_body_buffer_limit",
        "requestBodyBufferLimit",
        false,
        K::Int,
    ),
    f(
        "request_headers_to_add",
        "requestHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "request_headers_to_remove",
        "requestHeadersToRemove",
        true,
        K::Str,
    ),
    f(
        "request_mirror_policies",
        "requestMirrorPolicies",
        true,
        K::Obj,
    ),
    f("require_tls", "requireTls", false, K::Enum),
    f(
        "response_headers_to_add",
        "responseHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "response_headers_to_remove",
        "responseHeadersToRemove",
        true,
        K::Str,
    ),
    f("retry_policy", "retryPolicy", false, K::Obj),
    f(
        "retry_policy_typed_config",
        "retryPolicyTypedConfig",
        false,
        K::Obj,
    ),
    f("routes", "routes", true, K::Obj),
    f(
        "typed_per_filter_config",
        "typedPerFilterConfig",
        false,
        K::Obj,
    ),
    f("virtual_clusters", "virtualClusters", true, K::Obj),
];
/// `envoy/config/route/v3/route_components.proto` `Route`.
const ROUTE: &[Field] = &[
    f("decorator", "decorator", false, K::Obj),
    f("direct_response", "directResponse", false, K::Obj),
    f("filter_action", "filterAction", false, K::Obj),
    f("match", "match", false, K::Obj),
    f("metadata", "metadata", false, K::Obj),
    f("name", "name", false, K::Str),
    f(
        "non_forwarding_action",
        "nonForwardingAction",
        false,
        K::Obj,
    ),
    f(
        "per_request_buffer_limit_bytes",
        "perRequestBufferLimitBytes",
        false,
        K::Int,
    ),
    f("redirect", "redirect", false, K::Obj),
    f(
        "request_body_buffer_limit",
        "requestBodyBufferLimit",
        false,
        K::Int,
    ),
    f(
        "request_headers_to_add",
        "requestHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "request_headers_to_remove",
        "requestHeadersToRemove",
        true,
        K::Str,
    ),
    f(
        "response_headers_to_add",
        "responseHeadersToAdd",
        true,
        K::Obj,
    ),
    f(
        "response_headers_to_remove",
        "responseHeadersToRemove",
        true,
        K::Str,
    ),
    f("route", "route", false, K::Obj),
    f("stat_prefix", "statPrefix", false, K::Str),
    f("tracing", "tracing", false, K::Obj),
    f(
        "typed_per_filter_config",
        "typedPerFilterConfig",
        false,
        K::Obj,
    ),
];
/// `envoy/config/core/v3/extension.proto` `TypedExtensionConfig`.
const TYPED_EXTENSION_CONFIG: &[Field] = &[
    f("name", "name", false, K::Str),
    f("typed_config", "typedConfig", false, K::Obj),
];

/// The Envoy message a patch of `apply_to` builds, and its fields.
fn message(apply_to: ApplyTo) -> Option<(&'static str, &'static [Field])> {
    Some(match apply_to {
        ApplyTo::Cluster => ("Cluster", CLUSTER),
        ApplyTo::Listener => ("Listener", LISTENER),
        ApplyTo::FilterChain => ("FilterChain", FILTER_CHAIN),
        ApplyTo::NetworkFilter => ("Filter", FILTER),
        ApplyTo::ListenerFilter => ("ListenerFilter", LISTENER_FILTER),
        ApplyTo::HttpFilter => ("HttpFilter", HTTP_FILTER),
        ApplyTo::RouteConfiguration => ("RouteConfiguration", ROUTE_CONFIGURATION),
        ApplyTo::VirtualHost => ("VirtualHost", VIRTUAL_HOST),
        ApplyTo::HttpRoute => ("Route", ROUTE),
        ApplyTo::ExtensionConfig => ("TypedExtensionConfig", TYPED_EXTENSION_CONFIG),
        _ => return None,
    })
}

/// Whether `v` is read as a value of kind `k` (`null` is an unset field of any kind).
fn fits(k: K, v: &Value) -> bool {
    let integral = |s: &str| s.trim_start_matches('-').parse::<u64>().is_ok();
    match (k, v) {
        (_, Value::Null)
        | (K::Str | K::Enum, Value::String(_))
        | (K::Bool, Value::Bool(_))
        | (K::Obj, Value::Object(_)) => true,
        (K::Int, Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|x| x.fract() == 0.0)
        }
        (K::Int, Value::String(s)) => integral(s),
        (K::Enum, Value::Number(n)) => n.is_i64(),
        _ => false,
    }
}

fn kind_name(k: K) -> &'static str {
    match k {
        K::Str => "a string",
        K::Bool => "true or false",
        K::Int => "an integer",
        K::Enum => "an enum name (or number)",
        K::Obj => "an object",
    }
}

/// Istio's `BuildXDSObjectFromStruct(applyTo, value, false)`, on the top-level fields: every
/// field of the Envoy object `apply_to` names must hold a value of its type (each item of a
/// repeated field, in a list). Fields Envoy does not have are ignored, as Istio ignores them.
pub(crate) fn check_patch_value(
    apply_to: ApplyTo,
    value: &serde_json::Map<String, Value>,
    path: &str,
    report: &mut Report,
) {
    let Some((message, fields)) = message(apply_to) else {
        return;
    };
    for (key, v) in value {
        let Some(field) = fields.iter().find(|f| f.proto == key || f.json == key) else {
            continue;
        };
        let at = join(path, key);
        let wrong = |what: &str, shown: &Value| {
            format!(
                "Envoy's {message}.{} is {what}, not {shown}: Istio cannot build the {message} and refuses the EnvoyFilter",
                field.proto
            )
        };
        if !field.repeated {
            if !fits(field.kind, v) {
                report.error(at, wrong(kind_name(field.kind), v));
            }
            continue;
        }
        let list = format!("a list of {}", kind_name(field.kind));
        match v {
            Value::Null => {}
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() || !fits(field.kind, item) {
                        report.error(index(&at, i), wrong(&list, item));
                    }
                }
            }
            other => report.error(at, wrong(&list, other)),
        }
    }
}
