//! `VirtualService`: how requests for a set of hosts are routed: HTTP routes with matches,
//! weighted destinations, redirects, rewrites, retries, fault injection, mirroring and CORS; TLS
//! routes by SNI; TCP routes by port and subnet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::networking::PortSelector;
use crate::primitives::Duration;
use crate::resource::istio_object;

/// The spec of a VirtualService.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// The destination hosts the routes apply to: DNS names (with an optional leading `*.`
    /// wildcard), IP addresses, or short names resolved in the VirtualService's namespace.
    /// Empty only for a delegate VirtualService.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// The gateways (`namespace/name`) and sidecars (the reserved word `mesh`) the routes apply
    /// to; empty means the sidecars only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// HTTP routes (HTTP/1.1, HTTP/2, gRPC), tried in order; the first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    /// Routes for unterminated TLS and HTTPS traffic, matched by SNI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<TlsRoute>,
    /// Routes for opaque TCP traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpRoute>,
    /// The namespaces this VirtualService is visible to: `.` (its own), `*` (all), or names.
    /// Empty means all namespaces (unless the mesh default says otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// One HTTP route: conditions and what to do with matching requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRoute {
    /// A name for the route, logged in access logs and used in debugging output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Conditions: the route applies when any of them matches (the fields inside one condition
    /// must all match). Empty matches every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#match: Vec<HttpMatchRequest>,
    /// Where matching requests go, with weights. Mutually exclusive with `redirect` and
    /// `directResponse`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<HttpRouteDestination>,
    /// Answer with an HTTP 301 (or other 3xx) redirect instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<HttpRedirect>,
    /// Answer with a fixed status and body instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<HttpDirectResponse>,
    /// Hand the routing of matching requests to another VirtualService (a delegate). Only
    /// allowed when `route` and `redirect` are empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Delegate>,
    /// Rewrite the path or authority before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HttpRewrite>,
    /// Timeout for the whole request; off by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// Fault injection (delays and aborts), for testing resilience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<HttpFaultInjection>,
    /// Send a copy of the traffic to this destination too (responses are ignored).
    /// Mutually exclusive with `mirrors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// Send copies of the traffic to several destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<HttpMirrorPolicy>,
    /// Deprecated integer percentage of traffic to `mirror`; use `mirrorPercentage`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub mirror_percent: Option<u32>,
    /// The same deprecated field under its protobuf spelling `mirror_percent`, which the API
    /// server also accepts; kept separately so either spelling round-trips.
    #[serde(
        default,
        rename = "mirror_percent",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub mirror_percent_snake: Option<u32>,
    /// Percentage (0.0-100.0) of traffic to `mirror`; 100 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
    /// Cross-origin resource sharing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<CorsPolicy>,
    /// Header changes for requests and responses of this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// A string condition: exactly one of `exact`, `prefix` or `regex` (RE2 syntax), or none.
///
/// Written as a one-key map: `{prefix: /api}`. [`StringMatch::Any`] is the empty map `{}`, which
/// the API accepts: as a header condition it means "the header is present".
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "StringMatchRepr"))]
pub enum StringMatch {
    /// The value must equal this string.
    Exact(String),
    /// The value must start with this string.
    Prefix(String),
    /// The value must match this RE2 regular expression (the whole value).
    Regex(String),
    /// `{}`: no condition on the value.
    Any,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "StringMatch"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StringMatchRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    regex: Option<String>,
}

impl Serialize for StringMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = StringMatchRepr::default();
        match self {
            StringMatch::Exact(v) => r.exact = Some(v.clone()),
            StringMatch::Prefix(v) => r.prefix = Some(v.clone()),
            StringMatch::Regex(v) => r.regex = Some(v.clone()),
            StringMatch::Any => {}
        }
        r.serialize(s)
    }
}

impl<'de> Deserialize<'de> for StringMatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = StringMatchRepr::deserialize(d)?;
        match (r.exact, r.prefix, r.regex) {
            (None, None, None) => Ok(StringMatch::Any),
            (Some(v), None, None) => Ok(StringMatch::Exact(v)),
            (None, Some(v), None) => Ok(StringMatch::Prefix(v)),
            (None, None, Some(v)) => Ok(StringMatch::Regex(v)),
            _ => Err(serde::de::Error::custom(
                "only one of exact, prefix, regex may be set",
            )),
        }
    }
}

impl StringMatch {
    /// The string compared against, if any.
    pub fn value(&self) -> Option<&str> {
        match self {
            StringMatch::Exact(v) | StringMatch::Prefix(v) | StringMatch::Regex(v) => Some(v),
            StringMatch::Any => None,
        }
    }
}

/// The conditions of one HTTP match; all set fields must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// A name for the match, appended to the route's name in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Condition on the request path (case-sensitive unless `ignoreUriCase`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// Condition on the URI scheme (`http`, `https`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// Condition on the HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Condition on the authority (`Host`) header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Conditions on request headers, by lower-case header name (or
    /// `@request.auth.claims.<claim>` on gateways).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// The port the request arrived on (for services or gateways with several ports).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port: Option<u32>,
    /// Labels the calling workload must carry (sidecar routing only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Restricts the match to these gateways (overrides the VirtualService's `gateways`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Conditions on query parameters, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatch>,
    /// Compare `uri` case-insensitively (exact and prefix only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub ignore_uri_case: Option<bool>,
    /// Headers whose condition must NOT hold (a header that is absent satisfies it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub without_headers: BTreeMap<String, StringMatch>,
    /// The namespace the calling workload must be in (sidecar routing only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// A prefix for the route's statistics in Envoy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_prefix: Option<String>,
}

/// A service (and optionally subset and port) that traffic is sent to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Destination {
    /// The service's name in the service registry: a Kubernetes service (short name or FQDN)
    /// or a ServiceEntry host.
    pub host: String,
    /// A subset defined in the service's DestinationRule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The service port; required only when the service has several ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

impl Destination {
    /// A destination with just a host.
    pub fn host(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            subset: None,
            port: None,
        }
    }
}

/// An HTTP route's destination, its weight and header changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRouteDestination {
    /// Where to send the traffic.
    pub destination: Destination,
    /// Relative share of the route's traffic (weights need not sum to 100; with a single
    /// destination it gets everything).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub weight: Option<i32>,
    /// Header changes for traffic to this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// A TCP or TLS route's destination and weight.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteDestination {
    /// Where to send the traffic.
    pub destination: Destination,
    /// Relative share of the route's traffic.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub weight: Option<i32>,
}

/// Which port a redirect sends the client to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectPort {
    /// This port number (`port`).
    Port(u32),
    /// A port derived from the request (`derivePort`).
    DerivePort(DerivePort),
}

/// How a redirect derives its port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DerivePort {
    /// 80 for http, 443 for https.
    FromProtocolDefault,
    /// The port the request arrived on.
    FromRequestPort,
}

/// An HTTP redirect answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "HttpRedirectRepr"))]
#[serde(try_from = "HttpRedirectRepr", into = "HttpRedirectRepr")]
pub struct HttpRedirect {
    /// Replace the whole path with this one.
    pub uri: Option<String>,
    /// Replace the authority (host) with this one.
    pub authority: Option<String>,
    /// The port to redirect to (`port` or `derivePort`, at most one).
    pub redirect_port: Option<RedirectPort>,
    /// Replace the scheme (`http` or `https`).
    pub scheme: Option<String>,
    /// The 3xx status code; 301 when unset.
    pub redirect_code: Option<u32>,
    /// Replace only the matched prefix of the path with this (instead of the whole path).
    pub prefix_rewrite: Option<String>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "HttpRedirect"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HttpRedirectRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    derive_port: Option<DerivePort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheme: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    redirect_code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_rewrite: Option<String>,
}

impl TryFrom<HttpRedirectRepr> for HttpRedirect {
    type Error = String;
    fn try_from(r: HttpRedirectRepr) -> Result<Self, String> {
        let redirect_port = match (r.port, r.derive_port) {
            (Some(_), Some(_)) => return Err("only one of port, derivePort may be set".into()),
            (Some(p), None) => Some(RedirectPort::Port(p)),
            (None, Some(d)) => Some(RedirectPort::DerivePort(d)),
            (None, None) => None,
        };
        Ok(Self {
            uri: r.uri,
            authority: r.authority,
            redirect_port,
            scheme: r.scheme,
            redirect_code: r.redirect_code,
            prefix_rewrite: r.prefix_rewrite,
        })
    }
}

impl From<HttpRedirect> for HttpRedirectRepr {
    fn from(v: HttpRedirect) -> Self {
        let (port, derive_port) = match v.redirect_port {
            Some(RedirectPort::Port(p)) => (Some(p), None),
            Some(RedirectPort::DerivePort(d)) => (None, Some(d)),
            None => (None, None),
        };
        Self {
            uri: v.uri,
            authority: v.authority,
            port,
            derive_port,
            scheme: v.scheme,
            redirect_code: v.redirect_code,
            prefix_rewrite: v.prefix_rewrite,
        }
    }
}

/// A fixed answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpDirectResponse {
    /// The HTTP status (200-599).
    #[serde(deserialize_with = "crate::strict::number")]
    pub status: u32,
    /// The response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<HttpBody>,
}

/// A response body: text or base64-encoded bytes (`{}` is an empty body).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "HttpBodyRepr"))]
pub enum HttpBody {
    /// The body as text (`string`).
    String(String),
    /// The body as base64 text (`bytes`).
    Bytes(String),
    /// `{}`: neither set.
    Empty,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "HttpBody"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HttpBodyRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes: Option<String>,
}

impl Serialize for HttpBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = HttpBodyRepr::default();
        match self {
            HttpBody::String(v) => r.string = Some(v.clone()),
            HttpBody::Bytes(v) => r.bytes = Some(v.clone()),
            HttpBody::Empty => {}
        }
        r.serialize(s)
    }
}

impl<'de> Deserialize<'de> for HttpBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = HttpBodyRepr::deserialize(d)?;
        match (r.string, r.bytes) {
            (None, None) => Ok(HttpBody::Empty),
            (Some(v), None) => Ok(HttpBody::String(v)),
            (None, Some(v)) => Ok(HttpBody::Bytes(v)),
            _ => Err(serde::de::Error::custom(
                "only one of string, bytes may be set",
            )),
        }
    }
}

/// A reference to a delegate VirtualService.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Delegate {
    /// The delegate VirtualService's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace; the referring VirtualService's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Path and authority rewriting before forwarding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRewrite {
    /// Replace the matched part of the path (the prefix for a prefix match, else the whole
    /// path) with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replace the authority (host) header with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Rewrite the path with a regular expression instead (not together with `uri`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_regex_rewrite: Option<RegexRewrite>,
}

/// A regular-expression rewrite.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegexRewrite {
    /// The RE2 expression to find.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<String>,
    /// The replacement; may use numbered capture groups (`\1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
}

/// Retry policy of an HTTP route.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRetry {
    /// How many retries; 0 disables retries.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub attempts: Option<i32>,
    /// Timeout of each try, including the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
    /// Comma-separated conditions to retry on (Envoy's `x-envoy-retry-on` and
    /// `x-envoy-retry-grpc-on` values, or status codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Whether retries may go to other localities.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub retry_remote_localities: Option<bool>,
    /// Whether retries avoid hosts already tried.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Base interval between retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
}

/// A percentage, 0.0 to 100.0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Percent {
    /// The percentage.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub value: Option<f64>,
}

impl Percent {
    /// A percentage of `value`.
    pub fn new(value: f64) -> Self {
        Self { value: Some(value) }
    }
}

/// Faults to inject into matching requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpFaultInjection {
    /// Delay requests before forwarding them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    /// Answer requests with an error instead of forwarding them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<Abort>,
}

/// How long an injected delay is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DelayType {
    /// A fixed delay (`fixedDelay`).
    FixedDelay(Duration),
    /// An exponential delay (`exponentialDelay`; Istio rejects it: not supported yet).
    ExponentialDelay(Duration),
}

/// An injected delay.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "DelayRepr"))]
#[serde(try_from = "DelayRepr", into = "DelayRepr")]
pub struct Delay {
    /// Deprecated integer percentage of requests to delay; use `percentage`.
    pub percent: Option<i32>,
    /// The delay (`fixedDelay` or `exponentialDelay`, at most one).
    pub delay: Option<DelayType>,
    /// Percentage of requests to delay; all when unset.
    pub percentage: Option<Percent>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "Delay"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DelayRepr {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    percent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed_delay: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exponential_delay: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage: Option<Percent>,
}

impl TryFrom<DelayRepr> for Delay {
    type Error = String;
    fn try_from(r: DelayRepr) -> Result<Self, String> {
        let delay = match (r.fixed_delay, r.exponential_delay) {
            (Some(_), Some(_)) => {
                return Err("only one of fixedDelay, exponentialDelay may be set".into());
            }
            (Some(d), None) => Some(DelayType::FixedDelay(d)),
            (None, Some(d)) => Some(DelayType::ExponentialDelay(d)),
            (None, None) => None,
        };
        Ok(Self {
            percent: r.percent,
            delay,
            percentage: r.percentage,
        })
    }
}

impl From<Delay> for DelayRepr {
    fn from(v: Delay) -> Self {
        let (fixed_delay, exponential_delay) = match v.delay {
            Some(DelayType::FixedDelay(d)) => (Some(d), None),
            Some(DelayType::ExponentialDelay(d)) => (None, Some(d)),
            None => (None, None),
        };
        Self {
            percent: v.percent,
            fixed_delay,
            exponential_delay,
            percentage: v.percentage,
        }
    }
}

/// The error an injected abort answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AbortError {
    /// An HTTP status (`httpStatus`).
    HttpStatus(i32),
    /// A gRPC status name such as `UNAVAILABLE` (`grpcStatus`).
    GrpcStatus(String),
    /// An HTTP/2 error (`http2Error`; Istio rejects it: not supported yet).
    Http2Error(String),
}

/// An injected abort.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "AbortRepr"))]
#[serde(try_from = "AbortRepr", into = "AbortRepr")]
pub struct Abort {
    /// The error to answer with (at most one of `httpStatus`, `grpcStatus`, `http2Error`).
    pub error: Option<AbortError>,
    /// Percentage of requests to abort; all when unset.
    pub percentage: Option<Percent>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "Abort"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AbortRepr {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    http_status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grpc_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http2_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage: Option<Percent>,
}

impl TryFrom<AbortRepr> for Abort {
    type Error = String;
    fn try_from(r: AbortRepr) -> Result<Self, String> {
        let error = match (r.http_status, r.grpc_status, r.http2_error) {
            (None, None, None) => None,
            (Some(s), None, None) => Some(AbortError::HttpStatus(s)),
            (None, Some(s), None) => Some(AbortError::GrpcStatus(s)),
            (None, None, Some(s)) => Some(AbortError::Http2Error(s)),
            _ => return Err("only one of httpStatus, grpcStatus, http2Error may be set".into()),
        };
        Ok(Self {
            error,
            percentage: r.percentage,
        })
    }
}

impl From<Abort> for AbortRepr {
    fn from(v: Abort) -> Self {
        let mut r = AbortRepr {
            percentage: v.percentage,
            ..Default::default()
        };
        match v.error {
            Some(AbortError::HttpStatus(s)) => r.http_status = Some(s),
            Some(AbortError::GrpcStatus(s)) => r.grpc_status = Some(s),
            Some(AbortError::Http2Error(s)) => r.http2_error = Some(s),
            None => {}
        }
        r
    }
}

/// One mirroring destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpMirrorPolicy {
    /// Where to send the copy.
    pub destination: Destination,
    /// Percentage of traffic to copy; all when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// What to do with a CORS preflight request that does not match the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnmatchedPreflights {
    /// Unset: Envoy's default (forward).
    Unspecified,
    /// Forward it to the upstream.
    Forward,
    /// Answer it without CORS headers.
    Ignore,
}

/// A cross-origin resource sharing policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CorsPolicy {
    /// Deprecated exact origins; use `allowOrigins`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origin: Vec<String>,
    /// Origins allowed to make cross-origin requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<StringMatch>,
    /// Allowed methods (`Access-Control-Allow-Methods`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// Allowed request headers (`Access-Control-Allow-Headers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// Response headers the browser may read (`Access-Control-Expose-Headers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// How long a preflight answer may be cached (whole seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// Whether credentials may be sent (`Access-Control-Allow-Credentials`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub allow_credentials: Option<bool>,
    /// What to do with preflight requests that do not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched_preflights: Option<UnmatchedPreflights>,
}

/// Header changes for requests and responses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Headers {
    /// Changes to the request before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Changes to the response before returning it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Header changes, applied in the order set, add, remove.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HeaderOperations {
    /// Set these headers, replacing existing values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Append these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Remove these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// A route for TLS traffic, matched by SNI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TlsRoute {
    /// Conditions (required); the route applies when any matches.
    pub r#match: Vec<TlsMatchAttributes>,
    /// Where matching connections go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// Conditions on a TLS connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TlsMatchAttributes {
    /// SNI names to match (required); wildcards allowed; each must be covered by the
    /// VirtualService's hosts.
    pub sni_hosts: Vec<String>,
    /// Destination IPs or CIDRs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// The port connected to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port: Option<u32>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Restricts the match to these gateways.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// The namespace the calling workload must be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// A route for opaque TCP traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TcpRoute {
    /// Conditions; the route applies when any matches (empty matches all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#match: Vec<L4MatchAttributes>,
    /// Where matching connections go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// Conditions on a TCP connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct L4MatchAttributes {
    /// Destination IPs or CIDRs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// The port connected to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port: Option<u32>,
    /// The source IP or CIDR (deprecated in Istio: not implemented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_subnet: Option<String>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Restricts the match to these gateways.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// The namespace the calling workload must be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

istio_object! {
    /// A `networking.istio.io` VirtualService: routing rules for a set of hosts.
    ///
    /// ```
    /// use istio_types::networking::{
    ///     Destination, HttpMatchRequest, HttpRoute, HttpRouteDestination, StringMatch,
    ///     VirtualService, VirtualServiceSpec,
    /// };
    /// let vs = VirtualService::new("echo", "default", VirtualServiceSpec {
    ///     hosts: vec!["*".into()],
    ///     gateways: vec!["istio-system/ingress".into()],
    ///     http: vec![HttpRoute {
    ///         r#match: vec![HttpMatchRequest {
    ///             uri: Some(StringMatch::Prefix("/echo".into())),
    ///             ..Default::default()
    ///         }],
    ///         route: vec![HttpRouteDestination {
    ///             destination: Destination::host("echo.default.svc.cluster.local"),
    ///             ..Default::default()
    ///         }],
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// });
    /// let yaml = istio_types::write::to_yaml(&vs).unwrap();
    /// assert!(yaml.contains("prefix: /echo"));
    /// ```
    VirtualService {
        spec: VirtualServiceSpec,
        group: Networking,
        plural: "virtualservices",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
    }
}

impl crate::validate::Validate for VirtualServiceSpec {
    fn validate_at(&self, _path: &str, _report: &mut crate::validate::Report) {}
}
