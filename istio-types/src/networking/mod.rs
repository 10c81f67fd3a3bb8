//! `networking.istio.io`: traffic management. Served at v1alpha3, v1beta1 and v1 with one
//! schema, so each kind has one type; its `api_version` field says which version it is written at.

mod common;
mod destination_rule;
mod envoy_api;
mod envoy_filter;
mod gateway;
mod proxy_config;
pub(crate) mod service_entry;
mod sidecar;
mod virtual_service;
mod workload_entry;
mod workload_group;

pub use common::{PortSelector, WorkloadSelector};

pub use destination_rule::{
    BackendUtilization, ClientTlsSettings, ConnectionPoolSettings, ConsistentHashLb,
    DestinationRule, DestinationRuleSpec, Distribute, Failover, H2UpgradePolicy, HashAlgorithm,
    HashKey, Http2KeepAlive, HttpCookie, HttpCookieAttribute, HttpSettings, LbPolicy,
    LoadBalancerSettings, LocalityLoadBalancerSetting, MagLev, OutlierDetection, PortTrafficPolicy,
    ProxyProtocol, ProxyProtocolVersion, RetryBudget, RingHash, SimpleLb, Subset, TcpKeepalive,
    TcpSettings, TlsMode, TrafficPolicy, TunnelSettings, WarmupConfiguration,
    ZoneAwareLoadBalancerSetting,
};
pub use envoy_filter::{
    ApplyTo, ClusterMatch, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilter,
    EnvoyFilterSpec, EnvoyFilterTarget, FilterChainMatch, FilterClass, FilterMatch, ListenerMatch,
    ObjectMatch, Patch, PatchContext, PatchOperation, ProxyMatch, RouteAction,
    RouteConfigurationMatch, RouteMatch, SubFilterMatch, VirtualHostMatch, WaypointMatch,
    WaypointRouteMatch,
};
pub use gateway::{
    Gateway, GatewaySpec, Port, Server, ServerCredentials, ServerTlsMode, ServerTlsSettings,
    TlsCertificate, TlsProtocol,
};
pub use proxy_config::{ProxyConfig, ProxyConfigSpec, ProxyImage};
pub use service_entry::{
    Location, Resolution, ServiceEntry, ServiceEntrySpec, ServiceEntryWorkloads, ServicePort,
};
pub use sidecar::{
    CaptureMode, IstioEgressListener, IstioIngressListener, OutboundTrafficMode,
    OutboundTrafficPolicy, Sidecar, SidecarPort, SidecarSpec,
};
pub use virtual_service::{
    Abort, AbortError, CorsPolicy, Delay, DelayType, Delegate, DerivePort, Destination,
    HeaderOperations, Headers, HttpBody, HttpDirectResponse, HttpFaultInjection, HttpMatchRequest,
    HttpMirrorPolicy, HttpRedirect, HttpRetry, HttpRewrite, HttpRoute, HttpRouteDestination,
    L4MatchAttributes, Percent, RedirectPort, RegexRewrite, RouteDestination, StringMatch,
    TcpRoute, TlsMatchAttributes, TlsRoute, UnmatchedPreflights, VirtualService,
    VirtualServiceSpec,
};
pub use workload_entry::{WorkloadEntry, WorkloadEntrySpec};
pub use workload_group::{
    ExecHealthCheckConfig, GrpcHealthCheckConfig, HealthCheckHeader, HealthCheckMethod,
    HttpHealthCheckConfig, ReadinessProbe, TcpHealthCheckConfig, WorkloadGroup,
    WorkloadGroupMetadata, WorkloadGroupSpec,
};
