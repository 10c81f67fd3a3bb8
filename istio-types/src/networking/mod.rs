//! `networking.istio.io`: traffic management. Served at v1alpha3, v1beta1 and v1 with one
//! schema, so each kind has one type; its `api_version` field says which version it is written at.

mod common;
mod gateway;
mod virtual_service;
mod workload_entry;

pub use common::{PortSelector, WorkloadSelector};

pub use gateway::{
    Gateway, GatewaySpec, Port, Server, ServerCredentials, ServerTlsMode, ServerTlsSettings,
    TlsCertificate, TlsProtocol,
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
