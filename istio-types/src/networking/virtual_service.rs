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
        absent_spec: empty,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation: Istio's `ValidateVirtualService` (pkg/config/validation/validation.go and
// virtualservice.go), rule by rule. Each function names the Istio function it ports.
// ---------------------------------------------------------------------------------------------

use crate::rules;
use crate::validate::{Report, Validate, index, join, key};

/// The reserved gateway name for the sidecars.
const MESH_GATEWAY: &str = "mesh";

/// Envoy's retry-on policies Istio accepts (`supportedRetryOnPolicies`).
const RETRY_ON_POLICIES: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// Go's `net/http` methods (`supportedMethods`).
const HTTP_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
];

/// gRPC status names (`grpc.SupportedGRPCStatus`).
const GRPC_STATUSES: &[&str] = &[
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// Whether Go's `http.StatusText` knows the code (retryOn accepts known status codes).
fn is_known_http_status(code: i64) -> bool {
    matches!(code,
        100..=103 | 200..=208 | 226 | 300..=308 | 400..=418 | 421..=426 | 428 | 429 | 431 | 451
        | 500..=508 | 510 | 511)
}

/// Istio's `host.Name.Matches`: the two hosts (either may be a `*` wildcard) overlap.
pub(crate) fn host_matches(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => {
            if sa.len() < sb.len() {
                sb.ends_with(sa)
            } else {
                sa.ends_with(sb)
            }
        }
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Istio's `host.Name.SubsetOf`: every name `a` matches is matched by `b`.
pub(crate) fn host_subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => b.len() <= a.len() && sa.ends_with(sb),
        (None, Some(sb)) => a.ends_with(sb),
        (Some(_), None) => false,
        (None, None) => a == b,
    }
}

/// Istio's `ValidateWildcardDomainForVirtualServiceBoundToGateway`
/// (`pkg/config/validation/agent/validation.go`, the same from 1.25 to 1.31): like a wildcard
/// domain, but an SNI host starting `outbound_` is Istio's generated `outbound_.PORT_._.HOST`
/// name, split at `_`: at least four parts, the second (the port) holding a digit and the
/// fourth (the host) a letter.
fn validate_gateway_bound_domain(sni: bool, domain: &str) -> Result<(), String> {
    if sni && domain.starts_with("outbound_") && domain.len() <= 255 {
        let parts: Vec<&str> = domain.split('_').collect();
        let format = "should follow the format outbound_.<PORT>_._.<HOSTNAME>";
        if parts.len() < 4 {
            return Err(format!("domain name {domain:?} is invalid: it {format}"));
        }
        let port = parts[1].trim_matches('.');
        if !port.bytes().any(|b| b.is_ascii_digit()) {
            return Err(format!(
                "domain name {domain:?} is invalid (port {port:?} has no digit): it {format}"
            ));
        }
        let host = parts[3].trim_matches('.');
        if !host.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Err(format!(
                "domain name {domain:?} is invalid (host {host:?} has no letter): it {format}"
            ));
        }
        return Ok(());
    }
    rules::validate_wildcard_domain(domain)
}

/// Istio's `jwt.ToRoutingClaim(..).Match`: a `@request.auth.claims.` header key.
fn is_jwt_claim_key(name: &str) -> bool {
    name.strip_prefix("@request.auth.claims")
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// True for a header name `^[-_A-Za-z0-9]+$` (`validHeaderRegex`).
fn is_header_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// Istio's `ValidateHTTPHeaderNameOrJwtClaimRoute`.
fn header_name_or_claim(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".into());
    }
    if is_jwt_claim_key(name) || is_header_token(name) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid header name (letters, digits, '-' and '_')"
        ))
    }
}

/// Istio's `ValidateCORSHTTPHeaderName`.
fn cors_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".into());
    }
    if name == "*" || is_header_token(name) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid header name (letters, digits, '-' and '_', or '*')"
        ))
    }
}

fn is_internal_header(name: &str) -> bool {
    name.starts_with(':') || name.eq_ignore_ascii_case("host")
}

fn is_authority_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
}

/// Istio's `ValidateHTTPHeaderWithAuthorityOperationName` (request add/set).
fn header_op_name_with_authority(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".into());
    }
    if is_internal_header(name) && !is_authority_header(name) {
        return Err(format!(
            "invalid header {name:?}: pseudo-headers (':' prefix) cannot be changed"
        ));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderOperationName` (request remove, response changes).
fn header_op_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".into());
    }
    if name.eq_ignore_ascii_case("host") {
        return Err(format!(
            "invalid header {name:?}: the Host header cannot be changed here"
        ));
    }
    if is_internal_header(name) {
        return Err(format!(
            "invalid header {name:?}: pseudo-headers (':' prefix) cannot be changed"
        ));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderValue`: no control characters, and `%` only as `%%` or around a
/// `%VARIABLE%` / `%VARIABLE(args)%` (a port of Envoy's header formatter parser).
#[allow(
    clippy::too_many_lines,
    reason = "a direct port of Envoy's header formatter state machine"
)]
pub(crate) fn header_value(value: &str) -> Result<(), String> {
    #[derive(PartialEq)]
    enum S {
        Literal,
        VarName,
        ExpectArray,
        ExpectString,
        Str,
        DelimOrEnd,
        ArgsEnd,
        VarEnd,
    }
    if value
        .chars()
        .any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'))
    {
        return Err(format!(
            "header value {value:?} contains control characters"
        ));
    }
    let b = value.as_bytes();
    let mut st = S::Literal;
    let mut pos = 0;
    while pos < b.len() {
        let ch = b[pos];
        let has_next = pos + 1 < b.len();
        match st {
            S::Literal => {
                if ch == b'%' {
                    if !has_next {
                        return Err(format!(
                            "header value {value:?}: un-escaped '%' (write '%%')"
                        ));
                    }
                    if b[pos + 1] == b'%' {
                        pos += 1;
                    } else {
                        st = S::VarName;
                    }
                }
            }
            S::VarName => {
                if ch == b'%' {
                    st = S::Literal;
                } else if ch == b'(' {
                    st = S::ExpectArray;
                }
            }
            S::ExpectArray => {
                if ch == b'[' {
                    st = S::ExpectString;
                } else if ch != b' ' {
                    st = S::Str;
                }
            }
            S::DelimOrEnd => {
                if ch == b',' {
                    st = S::ExpectString;
                } else if ch == b']' {
                    st = S::ArgsEnd;
                } else if ch != b' ' {
                    return Err(format!(
                        "header value {value:?}: expected ',', ']' or a space"
                    ));
                }
            }
            S::ExpectString => {
                if ch == b'"' {
                    st = S::Str;
                } else if ch != b' ' {
                    return Err(format!("header value {value:?}: expected '\"'"));
                }
            }
            S::Str => {
                if ch == b'\\' {
                    if !has_next {
                        return Err(format!("header value {value:?}: unterminated backslash"));
                    }
                    pos += 1;
                } else if ch == b')' {
                    st = S::VarEnd;
                } else if ch == b'"' {
                    st = S::DelimOrEnd;
                }
            }
            S::ArgsEnd => {
                if ch == b')' {
                    st = S::VarEnd;
                } else if ch != b' ' {
                    return Err(format!("header value {value:?}: expected ')' or a space"));
                }
            }
            S::VarEnd => {
                if ch == b'%' {
                    st = S::Literal;
                } else if ch != b' ' {
                    return Err(format!("header value {value:?}: expected '%' or a space"));
                }
            }
        }
        pos += 1;
    }
    if st == S::Literal {
        Ok(())
    } else {
        Err(format!(
            "header value {value:?}: unterminated variable expression (write '%%' for a literal '%')"
        ))
    }
}

/// Istio's `validateStringRegexp`: at most 1024 characters and a valid RE2 expression.
pub(crate) fn regexp(re: &str) -> Result<(), String> {
    if re.len() > 1024 {
        return Err(format!(
            "regex is too large ({} characters; at most 1024)",
            re.len()
        ));
    }
    crate::re2::check(re).map_err(|e| format!("{re:?} is not a valid RE2 regular expression: {e}"))
}

/// Istio's `validateStringMatch`: a prefix may not be empty; a regex must be valid.
fn string_match(sm: &StringMatch, path: &str, report: &mut Report) {
    match sm {
        StringMatch::Prefix(p) if p.is_empty() => {
            report.error(join(path, "prefix"), "a prefix match may not be empty");
        }
        StringMatch::Regex(_) => string_match_regex(sm, path, report),
        _ => {}
    }
}

/// Istio's `validateStringMatchRegexp`: a regex may not be empty and must be valid.
fn string_match_regex(sm: &StringMatch, path: &str, report: &mut Report) {
    if let StringMatch::Regex(re) = sm {
        if re.is_empty() {
            report.error(join(path, "regex"), "a regex match may not be empty");
        } else if let Err(m) = regexp(re) {
            report.error(join(path, "regex"), m);
        }
    }
}

/// Istio's `validateGatewayNames`: `namespace/name` (both DNS labels) or a legacy FQDN, which is
/// a warning. Like Istio, stops at the first legacy-form name.
pub(crate) fn gateway_names(names: &[String], path: &str, report: &mut Report) {
    for (i, name) in names.iter().enumerate() {
        let at = index(path, i);
        let Some((ns, gw)) = name.split_once('/') else {
            if name.contains('.') {
                let mut parts = name.split('.');
                let (n, s) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                report.warning(
                    at.clone(),
                    format!(
                        "legacy gateway name format {name:?}; prefer namespace/name: \"{s}/{n}\""
                    ),
                );
            }
            if let Err(m) = rules::validate_fqdn(name) {
                report.error(at, m);
            }
            return;
        };
        if ns.is_empty() || gw.is_empty() {
            report.error(at.clone(), "gateway namespace and name cannot be empty");
        }
        if !rules::is_dns1123_label(ns) {
            report.error(
                at.clone(),
                format!("invalid gateway namespace {ns:?} (a DNS-1123 label)"),
            );
        }
        if !rules::is_dns1123_label(gw) {
            report.error(
                at,
                format!("invalid gateway name {gw:?} (a DNS-1123 label)"),
            );
        }
    }
}

/// Istio's `validateDestination`.
pub(crate) fn destination(d: &Destination, path: &str, report: &mut Report) {
    if d.host == "*" {
        report.error(join(path, "host"), "invalid destination host \"*\"");
    } else if let Err(m) = rules::validate_wildcard_domain(&d.host) {
        report.error(join(path, "host"), m);
    }
    if let Some(subset) = &d.subset {
        if subset.is_empty() {
            report.error(join(path, "subset"), "subset name cannot be empty");
        } else if !rules::is_dns1123_label(subset) {
            report.error(
                join(path, "subset"),
                format!("invalid subset name {subset:?} (a DNS-1123 label)"),
            );
        }
    }
    if let Some(port) = &d.port
        && let Err(m) = rules::validate_port(u64::from(port.number.unwrap_or(0)))
    {
        report.error(join(&join(path, "port"), "number"), m);
    }
}

/// Istio's `validatePercentage`: 0, or 0.0001 to 100.
fn percentage(p: Option<&Percent>, path: &str, report: &mut Report) {
    let Some(v) = p.and_then(|p| p.value) else {
        return;
    };
    if !(0.0..=100.0).contains(&v) || (v > 0.0 && v < 0.0001) {
        report.error(
            join(path, "value"),
            format!("percentage {v} is neither 0 nor in the range 0.0001..100"),
        );
    }
}

fn header_operations(h: Option<&Headers>, path: &str, report: &mut Report) {
    let Some(h) = h else { return };
    if let Some(req) = &h.request {
        let p = join(path, "request");
        for (field, map) in [("add", &req.add), ("set", &req.set)] {
            for (name, value) in map {
                let at = key(&join(&p, field), name);
                if let Err(m) = header_op_name_with_authority(name) {
                    report.error(at.clone(), m);
                }
                if let Err(m) = header_value(value) {
                    report.error(at, m);
                }
            }
        }
        for (i, name) in req.remove.iter().enumerate() {
            if let Err(m) = header_op_name(name) {
                report.error(index(&join(&p, "remove"), i), m);
            }
        }
    }
    if let Some(resp) = &h.response {
        let p = join(path, "response");
        for (field, map) in [("add", &resp.add), ("set", &resp.set)] {
            for (name, value) in map {
                let at = key(&join(&p, field), name);
                if let Err(m) = header_op_name(name) {
                    report.error(at.clone(), m);
                }
                if let Err(m) = header_value(value) {
                    report.error(at, m);
                }
            }
        }
        for (i, name) in resp.remove.iter().enumerate() {
            if let Err(m) = header_op_name(name) {
                report.error(index(&join(&p, "remove"), i), m);
            }
        }
    }
}

/// Istio's `validateHTTPRouteDestinations` (weights may sum to anything since Istio 1.15; only
/// an all-zero split of several destinations is rejected).
fn http_route_destinations(routes: &[HttpRouteDestination], path: &str, report: &mut Report) {
    let mut total: i64 = 0;
    for (i, r) in routes.iter().enumerate() {
        let at = index(path, i);
        header_operations(r.headers.as_ref(), &join(&at, "headers"), report);
        destination(&r.destination, &join(&at, "destination"), report);
        let w = r.weight.unwrap_or(0);
        if w < 0 {
            report.error(
                join(&at, "weight"),
                format!("weight {w} must not be negative"),
            );
        }
        total += i64::from(w);
    }
    if routes.len() > 1 && total == 0 {
        report.error(
            path,
            "total destination weight is 0: give at least one destination a weight",
        );
    }
}

/// Istio's `validateRouteDestinations` (TCP and TLS routes).
fn route_destinations(routes: &[RouteDestination], path: &str, report: &mut Report) {
    let mut total: i64 = 0;
    for (i, r) in routes.iter().enumerate() {
        let at = index(path, i);
        destination(&r.destination, &join(&at, "destination"), report);
        let w = r.weight.unwrap_or(0);
        if w < 0 {
            report.error(
                join(&at, "weight"),
                format!("weight {w} must not be negative"),
            );
        }
        total += i64::from(w);
    }
    if routes.len() > 1 && total == 0 {
        report.error(
            path,
            "total destination weight is 0: give at least one destination a weight",
        );
    }
}

/// Which of Istio's three HTTP route roles a route plays (`getHTTPRouteType`).
#[derive(PartialEq, Eq, Clone, Copy)]
enum RouteType {
    Independent,
    Root,
    Delegate,
}

/// Istio's `validateHTTPRouteConflict`.
fn route_conflicts(r: &HttpRoute, kind: RouteType, path: &str, report: &mut Report) {
    let name = r.name.as_deref().unwrap_or("");
    if kind == RouteType::Root {
        if r.redirect.is_some() {
            report.error(
                join(path, "redirect"),
                format!("root HTTP route {name:?} has a delegate and must not specify redirect"),
            );
        }
        if !r.route.is_empty() {
            report.error(
                join(path, "route"),
                format!("root HTTP route {name:?} has a delegate and must not specify route"),
            );
        }
        return;
    }
    if kind == RouteType::Delegate && r.delegate.is_some() {
        report.error(
            join(path, "delegate"),
            "a delegate VirtualService's HTTP route cannot delegate again",
        );
    }
    if r.redirect.is_some() {
        if !r.route.is_empty() {
            report.error(
                join(path, "route"),
                "an HTTP route cannot have both route and redirect",
            );
        }
        if r.fault.is_some() {
            report.error(
                join(path, "fault"),
                "an HTTP route cannot have both fault and redirect",
            );
        }
        if r.rewrite.is_some() {
            report.error(
                join(path, "rewrite"),
                "an HTTP route cannot have both rewrite and redirect",
            );
        }
        if r.direct_response.is_some() {
            report.error(
                join(path, "directResponse"),
                "an HTTP route cannot have both directResponse and redirect",
            );
        }
    } else if r.direct_response.is_some() {
        if !r.route.is_empty() {
            report.error(
                join(path, "route"),
                "an HTTP route cannot have both route and directResponse",
            );
        }
        if r.fault.is_some() {
            report.error(
                join(path, "fault"),
                "an HTTP route cannot have both fault and directResponse",
            );
        }
        if r.rewrite.is_some() {
            report.error(
                join(path, "rewrite"),
                "an HTTP route cannot have both rewrite and directResponse",
            );
        }
    } else if r.route.is_empty() {
        report.error(
            path,
            "an HTTP route needs route, redirect or directResponse",
        );
    }
    if r.mirror.is_some() && !r.mirrors.is_empty() {
        report.error(
            join(path, "mirrors"),
            "an HTTP route cannot have both mirror and mirrors",
        );
    }
}

/// Istio's `validateHTTPRouteMatchRequest`.
fn match_requests(r: &HttpRoute, path: &str, report: &mut Report) {
    for (i, m) in r.r#match.iter().enumerate() {
        let at = index(path, i);
        for (name, sm) in &m.headers {
            let hp = key(&join(&at, "headers"), name);
            if let Err(e) = header_name_or_claim(name) {
                report.error(hp.clone(), e);
            }
            string_match(sm, &hp, report);
        }
        for (name, sm) in &m.without_headers {
            let hp = key(&join(&at, "withoutHeaders"), name);
            if let Err(e) = header_name_or_claim(name) {
                report.error(hp.clone(), e);
            }
            // `*` is not a regex here: Istio turns it into a presence match.
            if *sm != StringMatch::Regex("*".into()) {
                string_match(sm, &hp, report);
            }
        }
        // An empty uri prefix is allowed (Envoy accepts it for paths).
        if let Some(sm) = &m.uri {
            string_match_regex(sm, &join(&at, "uri"), report);
        }
        for (field, sm) in [
            ("scheme", &m.scheme),
            ("method", &m.method),
            ("authority", &m.authority),
        ] {
            if let Some(sm) = sm {
                string_match(sm, &join(&at, field), report);
            }
        }
        for (name, sm) in &m.query_params {
            string_match(sm, &key(&join(&at, "queryParams"), name), report);
        }
        if let Some(port) = m.port
            && port != 0
            && let Err(e) = rules::validate_port(u64::from(port))
        {
            report.error(join(&at, "port"), e);
        }
        rules::validate_labels(&m.source_labels, &join(&at, "sourceLabels"), report);
        gateway_names(&m.gateways, &join(&at, "gateways"), report);
        if let Some(ns) = m.source_namespace.as_deref()
            && !ns.is_empty()
            && !rules::is_dns1123_label(ns)
        {
            report.error(
                join(&at, "sourceNamespace"),
                format!("sourceNamespace {ns:?} is not a valid namespace name"),
            );
        }
    }
}

/// Istio's `validateCORSPolicy`.
fn cors_policy(c: &CorsPolicy, path: &str, report: &mut Report) {
    for (i, origin) in c.allow_origins.iter().enumerate() {
        let at = index(&join(path, "allowOrigins"), i);
        if origin.value().is_none_or(str::is_empty) {
            report.error(
                at,
                "an allowOrigins entry needs a non-empty exact, prefix or regex",
            );
        } else {
            string_match_regex(origin, &at, report);
        }
    }
    for (i, m) in c.allow_methods.iter().enumerate() {
        if !HTTP_METHODS.contains(&m.as_str()) {
            report.error(
                index(&join(path, "allowMethods"), i),
                format!(
                    "{m:?} is not a supported HTTP method ({})",
                    HTTP_METHODS.join(", ")
                ),
            );
        }
    }
    for (field, list) in [
        ("allowHeaders", &c.allow_headers),
        ("exposeHeaders", &c.expose_headers),
    ] {
        for (i, h) in list.iter().enumerate() {
            if let Err(e) = cors_header_name(h) {
                report.error(index(&join(path, field), i), e);
            }
        }
    }
    if let Some(age) = &c.max_age
        && age.as_millis() % 1000 != 0
    {
        report.error(
            join(path, "maxAge"),
            format!("maxAge {age} must be whole seconds"),
        );
    }
}

/// Istio's `validateHTTPFaultInjection`.
fn fault(f: &HttpFaultInjection, path: &str, report: &mut Report) {
    if f.abort.is_none() && f.delay.is_none() {
        report.error(path, "fault injection needs an abort and/or a delay");
    }
    if let Some(a) = &f.abort {
        let p = join(path, "abort");
        percentage(a.percentage.as_ref(), &join(&p, "percentage"), report);
        match &a.error {
            Some(AbortError::GrpcStatus(s)) if !GRPC_STATUSES.contains(&s.as_str()) => {
                report.error(join(&p, "grpcStatus"), format!("gRPC status {s:?} is not supported; use a name such as NOT_FOUND or UNAVAILABLE"));
            }
            Some(AbortError::Http2Error(_)) => {
                report.error(
                    join(&p, "http2Error"),
                    "HTTP/2 abort fault injection is not supported yet",
                );
            }
            Some(AbortError::HttpStatus(s)) if !(200..=600).contains(s) => {
                report.error(
                    join(&p, "httpStatus"),
                    format!("HTTP status {s} is not in the range 200-600"),
                );
            }
            None => report.warning(
                p.clone(),
                "abort is configured but has no httpStatus, grpcStatus or http2Error",
            ),
            _ => {}
        }
    }
    if let Some(d) = &f.delay {
        let p = join(path, "delay");
        percentage(d.percentage.as_ref(), &join(&p, "percentage"), report);
        if let Some(DelayType::ExponentialDelay(_)) = d.delay {
            report.error(
                join(&p, "exponentialDelay"),
                "exponentialDelay is not supported yet",
            );
        }
    }
}

/// Istio's `validateHTTPRedirect` (stops at the first problem, as Istio does).
fn redirect(r: &HttpRedirect, path: &str, report: &mut Report) {
    let empty = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
    if empty(&r.uri)
        && empty(&r.authority)
        && r.redirect_port.is_none()
        && empty(&r.scheme)
        && empty(&r.prefix_rewrite)
    {
        report.error(
            path,
            "a redirect must set uri, authority, scheme, port or prefixRewrite",
        );
        return;
    }
    if let Some(code) = r.redirect_code
        && code != 0
        && !(300..=399).contains(&code)
    {
        report.error(
            join(path, "redirectCode"),
            format!("{code} is not a redirect code (3xx)"),
        );
        return;
    }
    if let Some(s) = r.scheme.as_deref()
        && !s.is_empty()
        && s != "http"
        && s != "https"
    {
        report.error(
            join(path, "scheme"),
            format!("redirect scheme {s:?} must be \"http\" or \"https\""),
        );
        return;
    }
    if let Some(RedirectPort::Port(p)) = r.redirect_port
        && p > 0
        && let Err(e) = rules::validate_port(u64::from(p))
    {
        report.error(join(path, "port"), e);
    }
}

/// The length of base64 text once decoded, or `None` when it is not base64 (the API server
/// checks `format: byte`).
fn base64_len(s: &str) -> Option<usize> {
    let t = s.trim_end_matches('=');
    let pad = s.len() - t.len();
    if pad > 2
        || !t
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
        || !(t.len() + pad).is_multiple_of(4) && pad > 0
        || t.len() % 4 == 1
    {
        return None;
    }
    Some(t.len() * 3 / 4)
}

/// Istio's `validateHTTPDirectResponse`.
fn direct_response(d: &HttpDirectResponse, path: &str, report: &mut Report) {
    const KB: usize = 1024;
    let size = match &d.body {
        Some(HttpBody::String(s)) => s.len(),
        Some(HttpBody::Bytes(b)) => {
            if let Some(n) = base64_len(b) {
                n
            } else {
                report.error(
                    join(&join(path, "body"), "bytes"),
                    "bytes must be base64-encoded",
                );
                0
            }
        }
        Some(HttpBody::Empty) | None => 0,
    };
    if size > KB * KB {
        report.error(
            join(path, "body"),
            format!("a direct response body must be under 1MB ({size} bytes)"),
        );
    } else if size > 100 * KB {
        report.warning(
            join(path, "body"),
            format!("a large direct response body ({size} bytes) may slow the control plane"),
        );
    }
    if !(200..=600).contains(&d.status) {
        report.error(
            join(path, "status"),
            format!("HTTP status {} is not in the range 200-600", d.status),
        );
    }
}

/// Istio's `validateHTTPRetry`.
fn retries(r: &HttpRetry, path: &str, report: &mut Report) {
    let attempts = r.attempts.unwrap_or(0);
    if attempts < 0 {
        report.error(join(path, "attempts"), "attempts cannot be negative");
    }
    if attempts == 0
        && (r.per_try_timeout.is_some()
            || r.retry_on.as_deref().is_some_and(|s| !s.is_empty())
            || r.retry_remote_localities.is_some())
    {
        report.error(
            join(path, "attempts"),
            "a retry policy is configured but attempts is 0 (retries disabled)",
        );
    }
    if let Some(on) = r.retry_on.as_deref().filter(|s| !s.is_empty()) {
        for policy in on.split(',') {
            let known_code = policy.parse::<i64>().is_ok_and(is_known_http_status);
            if !known_code && !RETRY_ON_POLICIES.contains(&policy) {
                report.error(
                    join(path, "retryOn"),
                    format!(
                        "{policy:?} is not a valid retryOn policy ({} or an HTTP status code)",
                        RETRY_ON_POLICIES.join(", ")
                    ),
                );
            }
        }
    }
}

/// Istio's `validateHTTPRewrite` and `validateURIRegexRewrite`.
fn rewrite(r: &HttpRewrite, path: &str, report: &mut Report) {
    let uri = r.uri.as_deref().is_some_and(|s| !s.is_empty());
    let authority = r.authority.as_deref().is_some_and(|s| !s.is_empty());
    if uri && r.uri_regex_rewrite.is_some() {
        report.error(path, "rewrite may set only one of uri and uriRegexRewrite");
        return;
    }
    if !uri && r.uri_regex_rewrite.is_none() && !authority {
        report.error(path, "rewrite must set uri, uriRegexRewrite or authority");
        return;
    }
    if let Some(rr) = &r.uri_regex_rewrite {
        let p = join(path, "uriRegexRewrite");
        let m = rr.r#match.as_deref().unwrap_or("");
        if m.is_empty() || rr.rewrite.as_deref().is_none_or(str::is_empty) {
            report.error(p, "uriRegexRewrite needs both match and rewrite");
        } else if let Err(e) = regexp(m) {
            report.error(join(&p, "match"), e);
        }
    }
}

/// Istio's `validateAuthorityRewrite`: the authority may be rewritten in one place only.
fn authority_rewrite(r: &HttpRoute, path: &str, report: &mut Report) {
    let mut current = r
        .rewrite
        .as_ref()
        .and_then(|w| w.authority.clone())
        .unwrap_or_default();
    let Some(req) = r.headers.as_ref().and_then(|h| h.request.as_ref()) else {
        return;
    };
    for (field, map) in [("set", &req.set), ("add", &req.add)] {
        for (k, v) in map {
            if !is_authority_header(k) {
                continue;
            }
            if !current.is_empty() {
                report.error(
                    key(&join(&join(&join(path, "headers"), "request"), field), k),
                    format!("the authority is set twice: already {current:?}, now {v:?}"),
                );
                return;
            }
            current.clone_from(v);
        }
    }
}

/// Istio's `validateHTTPRoute`.
fn http_route(r: &HttpRoute, delegate: bool, path: &str, report: &mut Report) {
    let kind = if delegate {
        RouteType::Delegate
    } else if r.delegate.is_some() {
        RouteType::Root
    } else {
        RouteType::Independent
    };
    route_conflicts(r, kind, path, report);
    match_requests(r, &join(path, "match"), report);
    header_operations(r.headers.as_ref(), &join(path, "headers"), report);
    if let Some(c) = &r.cors_policy {
        cors_policy(c, &join(path, "corsPolicy"), report);
    }
    if let Some(f) = &r.fault {
        fault(f, &join(path, "fault"), report);
    }
    for (field, v) in [
        ("mirrorPercent", r.mirror_percent),
        ("mirror_percent", r.mirror_percent_snake),
    ] {
        if let Some(v) = v {
            if v > 100 {
                report.error(
                    join(path, field),
                    format!("{field} must be at most 100 (it is {v})"),
                );
            }
            report.warning(
                join(path, field),
                format!("{field} is deprecated; use mirrorPercentage"),
            );
        }
    }
    if let Some(v) = r.mirror_percentage.and_then(|p| p.value)
        && !(0.0..=100.0).contains(&v)
    {
        report.error(
            join(&join(path, "mirrorPercentage"), "value"),
            format!("mirrorPercentage must be in the range 0..100 (it is {v})"),
        );
    }
    if let Some(m) = &r.mirror {
        destination(m, &join(path, "mirror"), report);
    }
    for (i, m) in r.mirrors.iter().enumerate() {
        let at = index(&join(path, "mirrors"), i);
        destination(&m.destination, &join(&at, "destination"), report);
        if let Some(v) = m.percentage.and_then(|p| p.value)
            && !(0.0..=100.0).contains(&v)
        {
            report.error(
                join(&join(&at, "percentage"), "value"),
                format!("mirror percentage must be in the range 0..100 (it is {v})"),
            );
        }
    }
    if let Some(x) = &r.redirect {
        redirect(x, &join(path, "redirect"), report);
    }
    if let Some(x) = &r.direct_response {
        direct_response(x, &join(path, "directResponse"), report);
    }
    if let Some(x) = &r.retries {
        retries(x, &join(path, "retries"), report);
    }
    if let Some(x) = &r.rewrite {
        rewrite(x, &join(path, "rewrite"), report);
    }
    authority_rewrite(r, path, report);
    http_route_destinations(&r.route, &join(path, "route"), report);
}

/// Istio's `validateTLSRoute`, `validateTLSMatch` and `validateSniHost`.
fn tls_route(t: &TlsRoute, vs: &VirtualServiceSpec, path: &str, report: &mut Report) {
    if t.r#match.is_empty() {
        report.error(join(path, "match"), "a TLS route needs at least one match");
    }
    let bound_to_gateway = !vs.gateways.iter().any(|g| g == MESH_GATEWAY);
    for (i, m) in t.r#match.iter().enumerate() {
        let at = index(&join(path, "match"), i);
        if m.sni_hosts.is_empty() {
            report.error(
                join(&at, "sniHosts"),
                "a TLS match needs at least one SNI host",
            );
        }
        for (j, sni) in m.sni_hosts.iter().enumerate() {
            let sp = index(&join(&at, "sniHosts"), j);
            let res = if bound_to_gateway {
                validate_gateway_bound_domain(true, sni)
            } else {
                rules::validate_wildcard_domain(sni)
            };
            if let Err(e) = res {
                if rules::is_ip(sni) {
                    report.warning(sp, format!("SNI host {sni:?} is an IP address, which the SNI spec forbids and most clients do not send"));
                } else {
                    report.error(sp, e);
                }
                continue;
            }
            if !vs.hosts.iter().any(|h| host_subset_of(sni, h)) {
                report.error(
                    sp,
                    format!(
                        "SNI host {sni:?} is not covered by any of the VirtualService's hosts [{}]",
                        vs.hosts.join(", ")
                    ),
                );
            }
        }
        l4_common(
            &m.destination_subnets,
            m.port,
            &m.source_labels,
            &m.gateways,
            &at,
            report,
        );
    }
    if t.route.is_empty() {
        report.error(join(path, "route"), "a TLS route needs a route");
    }
    route_destinations(&t.route, &join(path, "route"), report);
}

fn l4_common(
    subnets: &[String],
    port: Option<u32>,
    labels: &BTreeMap<String, String>,
    gateways: &[String],
    path: &str,
    report: &mut Report,
) {
    for (i, s) in subnets.iter().enumerate() {
        if let Err(e) = rules::validate_ip_subnet(s) {
            report.error(index(&join(path, "destinationSubnets"), i), e);
        }
    }
    if let Some(p) = port.filter(|p| *p != 0)
        && let Err(e) = rules::validate_port(u64::from(p))
    {
        report.error(join(path, "port"), e);
    }
    rules::validate_labels(labels, &join(path, "sourceLabels"), report);
    gateway_names(gateways, &join(path, "gateways"), report);
}

/// Istio's `validateTCPRoute` and `validateTCPMatch`.
fn tcp_route(t: &TcpRoute, path: &str, report: &mut Report) {
    for (i, m) in t.r#match.iter().enumerate() {
        let at = index(&join(path, "match"), i);
        l4_common(
            &m.destination_subnets,
            m.port,
            &m.source_labels,
            &m.gateways,
            &at,
            report,
        );
    }
    if t.route.is_empty() {
        report.error(join(path, "route"), "a TCP route needs a route");
    }
    route_destinations(&t.route, &join(path, "route"), report);
}

/// Istio's `analyzeUnreachable*Rules`, exact-duplicate part: a second rule without matches,
/// and matches equal (ignoring their names) to an earlier rule's, are warnings. (The prefix
/// overlap part is [`overlapping_prefixes`].)
fn unreachable_rules<M: PartialEq>(matches: &[(&[M], String)], path: &str, report: &mut Report) {
    let mut seen: Vec<(&M, usize)> = Vec::new();
    let mut empty_seen = false;
    for (ri, (ms, name)) in matches.iter().enumerate() {
        let at = index(path, ri);
        if ms.is_empty() {
            if empty_seen {
                report.warning(
                    at,
                    format!("rule {name} is never used: only the last rule can have no matches"),
                );
            }
            empty_seen = true;
            continue;
        }
        let mut dups = 0;
        for (mi, m) in ms.iter().enumerate() {
            if let Some((_, prev)) = seen.iter().find(|(s, _)| *s == m) {
                report.warning(
                    index(&join(&at, "match"), mi),
                    format!(
                        "this match of rule {name} is never used: rule #{prev} has the same match"
                    ),
                );
                dups += 1;
            } else {
                seen.push((m, ri));
            }
        }
        if dups == ms.len() {
            report.warning(
                at,
                format!("rule {name} is never used: all its matches are used by earlier rules"),
            );
        }
    }
}

/// Istio's `assignExactOrPrefix`: `exact:v`, `prefix:v`, or empty (regex and `{}`).
fn exact_or_prefix(sm: Option<&StringMatch>) -> String {
    match sm {
        Some(StringMatch::Exact(v)) if !v.is_empty() => format!("exact:{v}"),
        Some(StringMatch::Prefix(v)) if !v.is_empty() => format!("prefix:{v}"),
        _ => String::new(),
    }
}

/// What Istio's `genMatchHTTPRoutes` keeps of a prefix match to compare it with later ones.
struct PrefixMatch {
    route: usize,
    r#match: usize,
    route_name: String,
    match_name: String,
    prefix: String,
    port: u32,
    method: String,
    authority: String,
    headers: BTreeMap<String, String>,
    query_params: BTreeMap<String, String>,
    without_headers: BTreeMap<String, String>,
}

impl PrefixMatch {
    fn new(route: usize, mi: usize, route_name: String, m: &HttpMatchRequest) -> Option<Self> {
        let Some(StringMatch::Prefix(prefix)) = &m.uri else {
            return None;
        };
        if prefix.is_empty() {
            return None;
        }
        let method = Some(exact_or_prefix(m.method.as_ref()))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "exact:GET".to_owned());
        let map = |m: &BTreeMap<String, StringMatch>| {
            m.iter()
                .map(|(k, v)| (k.clone(), exact_or_prefix(Some(v))))
                .collect::<BTreeMap<_, _>>()
        };
        Some(Self {
            route,
            r#match: mi,
            route_name,
            match_name: m
                .name
                .as_ref()
                .map_or_else(|| format!("#{mi}"), |n| format!("{n:?}")),
            prefix: prefix.clone(),
            port: m.port.unwrap_or(0),
            method,
            authority: exact_or_prefix(m.authority.as_ref()),
            headers: map(&m.headers),
            query_params: map(&m.query_params),
            without_headers: map(&m.without_headers),
        })
    }

    /// Istio's `coveredValidation`: does `self` (earlier) take every request `later` matches?
    fn covers(&self, later: &Self) -> bool {
        let value_covers = |a: &str, b: &str| a == b || a.starts_with(b);
        let map_covers = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|bv| value_covers(v, bv)))
        };
        later.prefix.starts_with(&self.prefix)
            && later.port == self.port
            && value_covers(&self.method, &later.method)
            && value_covers(&self.authority, &later.authority)
            && map_covers(&self.headers, &later.headers)
            && map_covers(&self.query_params, &later.query_params)
            && map_covers(&self.without_headers, &later.without_headers)
    }
}

/// Istio's overlapping-prefix part of `analyzeUnreachableHTTPRules`: a later prefix match that
/// an earlier, shorter prefix with the same other conditions already takes is a warning.
fn overlapping_prefixes(routes: &[HttpRoute], path: &str, report: &mut Report) {
    let mut seen: Vec<HttpMatchRequest> = Vec::new();
    let mut prefixes = Vec::new();
    for (ri, r) in routes.iter().enumerate() {
        let route_name = r
            .name
            .as_ref()
            .map_or_else(|| format!("#{ri}"), |n| format!("{n:?}"));
        for (mi, m) in r.r#match.iter().enumerate() {
            let unnamed = HttpMatchRequest {
                name: None,
                ..m.clone()
            };
            if seen.contains(&unnamed) {
                continue;
            }
            seen.push(unnamed);
            prefixes.extend(PrefixMatch::new(ri, mi, route_name.clone(), m));
        }
    }
    for (i, a) in prefixes.iter().enumerate() {
        for b in &prefixes[i + 1..] {
            if b.prefix != a.prefix && a.covers(b) {
                report.warning(
                    index(&join(&index(path, b.route), "match"), b.r#match),
                    format!(
                        "match {} of prefix {:?} in rule {} is never used: match {} of prefix {:?} in rule {} takes its requests first",
                        b.match_name, b.prefix, b.route_name, a.match_name, a.prefix, a.route_name
                    ),
                );
            }
        }
    }
}

impl Validate for VirtualServiceSpec {
    #[allow(
        clippy::too_many_lines,
        reason = "Istio's ValidateVirtualService, kept in its order so it can be compared rule by rule"
    )]
    fn validate_at(&self, path: &str, report: &mut Report) {
        let delegate = self.hosts.is_empty();
        if delegate {
            if !self.gateways.is_empty() {
                report.error(
                    join(path, "gateways"),
                    "a delegate VirtualService (no hosts) must not name gateways",
                );
            }
            if !self.tls.is_empty() {
                report.error(
                    join(path, "tls"),
                    "a delegate VirtualService (no hosts) must not have tls routes",
                );
            }
            if !self.tcp.is_empty() {
                report.error(
                    join(path, "tcp"),
                    "a delegate VirtualService (no hosts) must not have tcp routes",
                );
            }
        }
        let mut applies_to_gateway = false;
        let mut applies_to_mesh = true;
        if !self.gateways.is_empty() {
            gateway_names(&self.gateways, &join(path, "gateways"), report);
            applies_to_gateway = !self.gateways.iter().any(|g| g == MESH_GATEWAY);
            applies_to_mesh = !applies_to_gateway;
        }
        if !applies_to_gateway {
            for (i, h) in self.http.iter().enumerate() {
                for (j, m) in h.r#match.iter().enumerate() {
                    let at = index(&join(&index(&join(path, "http"), i), "match"), j);
                    for (field, map) in [
                        ("headers", &m.headers),
                        ("withoutHeaders", &m.without_headers),
                    ] {
                        for k in map.keys().filter(|k| is_jwt_claim_key(k)) {
                            report.error(key(&join(&at, field), k), format!("JWT claim based routing ({k}) is only supported on gateways, and this VirtualService applies to the mesh"));
                        }
                    }
                }
            }
        }
        let sni = self
            .tls
            .iter()
            .any(|t| t.r#match.iter().any(|m| !m.sni_hosts.is_empty()));
        let mut all_valid = true;
        for (i, h) in self.hosts.iter().enumerate() {
            let at = index(&join(path, "hosts"), i);
            let res = if applies_to_gateway {
                validate_gateway_bound_domain(sni, h)
            } else {
                rules::validate_wildcard_domain(h)
            };
            if let Err(e) = res {
                if !rules::is_ip(h) {
                    report.error(at, e);
                    all_valid = false;
                }
            } else if applies_to_mesh && h == "*" {
                report.error(
                    at,
                    "the wildcard host \"*\" is not allowed for VirtualServices bound to the mesh",
                );
                all_valid = false;
            }
        }
        if all_valid {
            for i in 0..self.hosts.len() {
                for j in i + 1..self.hosts.len() {
                    if host_matches(&self.hosts[i], &self.hosts[j]) {
                        report.error(
                            index(&join(path, "hosts"), j),
                            format!(
                                "duplicate hosts in VirtualService: {} and {}",
                                self.hosts[i], self.hosts[j]
                            ),
                        );
                    }
                }
            }
        }
        if self.http.is_empty() && self.tcp.is_empty() && self.tls.is_empty() {
            report.error(path, "a VirtualService needs http, tcp or tls routes");
        }
        for (i, r) in self.http.iter().enumerate() {
            http_route(r, delegate, &index(&join(path, "http"), i), report);
        }
        for (i, t) in self.tls.iter().enumerate() {
            tls_route(t, self, &index(&join(path, "tls"), i), report);
        }
        for (i, t) in self.tcp.iter().enumerate() {
            tcp_route(t, &index(&join(path, "tcp"), i), report);
        }
        rules::validate_export_to(
            &self.export_to,
            false,
            false,
            &join(path, "exportTo"),
            report,
        );

        let unnamed = |m: &HttpMatchRequest| HttpMatchRequest {
            name: None,
            ..m.clone()
        };
        let http: Vec<Vec<HttpMatchRequest>> = self
            .http
            .iter()
            .map(|r| r.r#match.iter().map(unnamed).collect())
            .collect();
        let http_names: Vec<(&[HttpMatchRequest], String)> = self
            .http
            .iter()
            .zip(&http)
            .enumerate()
            .map(|(i, (r, m))| {
                (
                    m.as_slice(),
                    r.name
                        .as_ref()
                        .map_or_else(|| format!("#{i}"), |n| format!("{n:?}")),
                )
            })
            .collect();
        unreachable_rules(&http_names, &join(path, "http"), report);
        overlapping_prefixes(&self.http, &join(path, "http"), report);
        let tcp: Vec<(&[L4MatchAttributes], String)> = self
            .tcp
            .iter()
            .enumerate()
            .map(|(i, r)| (r.r#match.as_slice(), format!("#{i}")))
            .collect();
        unreachable_rules(&tcp, &join(path, "tcp"), report);
        let tls: Vec<(&[TlsMatchAttributes], String)> = self
            .tls
            .iter()
            .enumerate()
            .map(|(i, r)| (r.r#match.as_slice(), format!("#{i}")))
            .collect();
        unreachable_rules(&tls, &join(path, "tls"), report);
    }
}
