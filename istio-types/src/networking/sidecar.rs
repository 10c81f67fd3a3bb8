//! `Sidecar`: narrows what a workload's sidecar proxy listens for (ingress listeners) and what
//! it can reach (egress hosts), and sets its outbound traffic policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::networking::{ConnectionPoolSettings, Destination, ServerTlsSettings, WorkloadSelector};
use crate::primitives::Protocol;
use crate::resource::istio_object;

/// The spec of a Sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SidecarSpec {
    /// The workloads (in the Sidecar's namespace) this applies to; all of the namespace's
    /// workloads when unset (at most one such Sidecar per namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    /// Listeners for inbound traffic to the workload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IstioIngressListener>,
    /// Listeners for outbound traffic, and the hosts the workload may reach through them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<IstioEgressListener>,
    /// Connection pool settings for all inbound ports (a listener's own settings win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_connection_pool: Option<ConnectionPoolSettings>,
    /// What to do with traffic to hosts not in the service registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// A port of a sidecar listener. Unlike a gateway's, every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SidecarPort {
    /// The port number; 0 for a Unix domain socket listener.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub number: Option<u32>,
    /// The protocol; detected from the traffic when unset. `protocol: ""` reads as unset, as it
    /// does to Istio.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_protocol"
    )]
    pub protocol: Option<Protocol>,
    /// The port's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated and ignored on sidecars; Istio rejects it when set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub target_port: Option<u32>,
}

/// How traffic reaches a listener.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptureMode {
    /// The environment's default capture (iptables in Kubernetes).
    #[default]
    Default,
    /// Traffic is redirected by iptables.
    Iptables,
    /// No capture: the application sends to the listener's address itself.
    None,
}

/// An inbound listener of the sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IstioIngressListener {
    /// The port the listener accepts traffic on (required).
    pub port: SidecarPort,
    /// The IP address to listen on; all of the workload's addresses when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Where to forward the traffic: `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`,
    /// `[::]:PORT` or `unix:///path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// Terminate TLS on this listener (not ISTIO_MUTUAL or AUTO_PASSTHROUGH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// Connection pool settings for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
}

/// An outbound listener of the sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IstioEgressListener {
    /// The port to listen on; when unset, the listener covers every port of its hosts (only
    /// the last listener may omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<SidecarPort>,
    /// The IP address or `unix://` socket to listen on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// The services reachable through this listener (required), as `namespace/dnsName`:
    /// the namespace is `*`, `.`, `~` (none) or a name; the name may start with `*`.
    pub hosts: Vec<String>,
}

/// What the sidecar does with traffic to unknown hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundTrafficMode {
    /// Only hosts in the service registry are reachable (the protobuf zero value: what an
    /// unset `mode` means to Istio's validation).
    RegistryOnly,
    /// Unknown hosts are passed through (the usual mesh-wide default).
    AllowAny,
}

/// The outbound traffic policy of a sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutboundTrafficPolicy {
    /// REGISTRY_ONLY or ALLOW_ANY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficMode>,
    /// With ALLOW_ANY, send traffic to unknown hosts through this proxy instead of directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_proxy: Option<Destination>,
}

istio_object! {
    /// A `networking.istio.io` Sidecar: the listeners and reachable hosts of workloads' proxies.
    ///
    /// ```
    /// use istio_types::networking::{IstioEgressListener, Sidecar, SidecarSpec};
    /// let sc = Sidecar::new("default", "bookinfo", SidecarSpec {
    ///     egress: vec![IstioEgressListener {
    ///         hosts: vec!["./*".into(), "istio-system/*".into()],
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// });
    /// use istio_types::validate::Validate;
    /// assert!(sc.validate().is_clean(), "{:?}", sc.validate());
    /// ```
    Sidecar {
        spec: SidecarSpec,
        group: Networking,
        plural: "sidecars",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
        absent_spec: empty,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation: Istio's `ValidateSidecar`, `validateSidecarIngressPortAndBind`,
// `validateSidecarEgressPortBindAndCaptureMode` and `validateSidecarOutboundTrafficPolicy`.
// ---------------------------------------------------------------------------------------------

use crate::networking::gateway::{is_http, validate_namespace_slash_host, validate_server_tls};
use crate::networking::{ServerCredentials, ServerTlsMode};
use crate::rules;
use crate::validate::{Report, Validate, index, join};

/// Istio's `ValidatePortName` for an optional name.
fn port_name(port: &SidecarPort, path: &str, report: &mut Report) {
    if let Some(name) = port.name.as_deref()
        && !name.is_empty()
        && !rules::is_dns1123_label(name)
    {
        report.error(
            join(path, "name"),
            format!("invalid port name {name:?} (a DNS-1123 label)"),
        );
    }
}

/// Istio's `validateSidecarIngressPortAndBind`.
fn ingress_port_and_bind(port: &SidecarPort, bind: &str, path: &str, report: &mut Report) {
    port_name(port, path, report);
    if let Err(e) = rules::validate_port(u64::from(port.number.unwrap_or(0))) {
        report.error(join(path, "number"), e);
    }
    if !bind.is_empty()
        && let Err(e) = rules::validate_ip(bind)
    {
        report.error(join(path, "bind"), e);
    }
}

/// Istio's `ValidateSidecar` check of an ingress listener's `defaultEndpoint`.
fn default_endpoint(ep: &str, path: &str, report: &mut Report) {
    if let Some(socket) = ep.strip_prefix("unix://") {
        if let Err(e) = rules::validate_unix_address(socket) {
            report.error(path, e);
        }
        return;
    }
    // Go's net.SplitHostPort: host:port, [v6]:port or :port.
    let split = if let Some(rest) = ep.strip_prefix('[') {
        rest.split_once("]:")
    } else {
        ep.rsplit_once(':').filter(|(h, _)| !h.contains(':'))
    };
    let Some((host, port)) = split else {
        report.error(
            path,
            format!("defaultEndpoint {ep:?} must be host:port, [ipv6]:port or unix:///path"),
        );
        return;
    };
    if !host.is_empty() && !matches!(host, "127.0.0.1" | "0.0.0.0" | "::1" | "::") {
        report.error(path, "defaultEndpoint must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port>, unix://<path> or unset");
    }
    match port.parse::<u64>() {
        Ok(p) => {
            if let Err(e) = rules::validate_port(p) {
                report.error(path, e);
            }
        }
        Err(_) => report.error(
            path,
            format!("defaultEndpoint port {port:?} is not a number"),
        ),
    }
}

fn ingress(l: &IstioIngressListener, path: &str, report: &mut Report) {
    let port_path = join(path, "port");
    if l.port.target_port.is_some_and(|t| t > 0) {
        report.error(
            join(&port_path, "targetPort"),
            "targetPort has no effect on Sidecars",
        );
    }
    ingress_port_and_bind(&l.port, l.bind.as_deref().unwrap_or(""), &port_path, report);
    if let Some(ep) = l.default_endpoint.as_deref().filter(|e| !e.is_empty()) {
        default_endpoint(ep, &join(path, "defaultEndpoint"), report);
    }
    if let Some(tls) = &l.tls {
        let tp = join(path, "tls");
        if !tls.subject_alt_names.is_empty() {
            report.error(
                join(&tp, "subjectAltNames"),
                "subjectAltNames is not supported in sidecar ingress tls",
            );
        }
        if tls.https_redirect == Some(true) {
            report.error(
                join(&tp, "httpsRedirect"),
                "httpsRedirect is not supported in sidecar ingress tls",
            );
        }
        if matches!(&tls.credentials, Some(ServerCredentials::CredentialName(n)) if !n.is_empty()) {
            report.error(
                join(&tp, "credentialName"),
                "credentialName is not supported in sidecar ingress tls yet",
            );
        }
        if matches!(
            tls.mode(),
            ServerTlsMode::IstioMutual | ServerTlsMode::AutoPassthrough
        ) {
            report.error(
                join(&tp, "mode"),
                "sidecar ingress tls cannot use ISTIO_MUTUAL or AUTO_PASSTHROUGH",
            );
        }
        validate_server_tls(tls, &tp, report);
    }
    if let Some(pool) = &l.connection_pool {
        pool.validate_at(&join(path, "connectionPool"), report);
        let http_port = l.port.protocol.as_ref().is_some_and(|p| is_http(p.kind()));
        if pool.http.is_some() && !http_port {
            report.warning(
                join(&join(path, "connectionPool"), "http"),
                format!(
                    "HTTP connection pool settings on port {} whose protocol is not HTTP: only the TCP settings apply",
                    l.port.number.unwrap_or(0)
                ),
            );
        }
    }
}

/// Istio's `validateSidecarEgressPortBindAndCaptureMode`.
fn egress_port(l: &IstioEgressListener, port: &SidecarPort, path: &str, report: &mut Report) {
    let port_path = join(path, "port");
    port_name(port, &port_path, report);
    let bind = l.bind.as_deref().unwrap_or("");
    if port.number.unwrap_or(0) == 0 {
        if let Some(socket) = bind.strip_prefix("unix://") {
            if let Err(e) = rules::validate_unix_address(socket) {
                report.error(join(path, "bind"), e);
            }
        } else {
            report.error(
                join(path, "bind"),
                "a listener with port 0 needs a unix:// bind address",
            );
        }
        if !matches!(
            l.capture_mode.unwrap_or_default(),
            CaptureMode::Default | CaptureMode::None
        ) {
            report.error(
                join(path, "captureMode"),
                "unix domain socket listeners need captureMode DEFAULT or NONE",
            );
        }
    } else {
        if let Err(e) = rules::validate_port(u64::from(port.number.unwrap_or(0))) {
            report.error(join(&port_path, "number"), e);
        }
        if !bind.is_empty()
            && let Err(e) = rules::validate_ip(bind)
        {
            report.error(join(path, "bind"), e);
        }
    }
}

/// Istio's `ValidateSidecar` egress host checks: the `ns/host` form, and duplicates (warnings).
/// From Istio 1.31 (istio/istio#60581) a `~`-prefixed namespace excludes hosts (`~ns1/*`), and
/// exclusions are left out of the duplicate checks.
fn egress_hosts(hosts: &[String], path: &str, report: &mut Report) {
    if hosts.is_empty() {
        report.error(path, "an egress listener needs at least one host");
        return;
    }
    let exclusions = report.release().at_least(1, 31);
    let mut by_ns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, h) in hosts.iter().enumerate() {
        let at = index(path, i);
        if let Some((ns, svc)) = h.split_once('/')
            && !(exclusions && ns.starts_with('~'))
        {
            let seen = by_ns.entry(ns).or_default();
            let dup = if svc == "*" {
                !seen.is_empty()
            } else {
                seen.contains(&svc) || seen.contains(&"*")
            };
            if dup {
                report.warning(at.clone(), format!("duplicated egress host {h:?}"));
            }
            seen.push(svc);
        }
        for e in validate_namespace_slash_host(h, false, exclusions) {
            report.error(at.clone(), e);
        }
    }
    if by_ns.get("*").is_some_and(|s| s.contains(&"*")) && by_ns.len() != 1 {
        report.warning(
            path,
            "`*/*` already selects every host: no other hosts can be added",
        );
    }
}

impl Validate for SidecarSpec {
    #[allow(
        clippy::too_many_lines,
        reason = "Istio's ValidateSidecar, kept in its order so it can be compared rule by rule"
    )]
    fn validate_at(&self, path: &str, report: &mut Report) {
        if let Some(sel) = &self.workload_selector {
            rules::validate_selector_labels(
                &sel.labels,
                &join(&join(path, "workloadSelector"), "labels"),
                "workload selector without labels: this Sidecar applies to every workload in the namespace",
                256,
                report,
            );
        }
        if self.egress.is_empty()
            && self.ingress.is_empty()
            && self.outbound_traffic_policy.is_none()
            && self.inbound_connection_pool.is_none()
        {
            report.error(
                path,
                "empty Sidecar: set ingress, egress, outboundTrafficPolicy or inboundConnectionPool",
            );
            return;
        }
        let mut ports = std::collections::BTreeSet::new();
        for (i, l) in self.ingress.iter().enumerate() {
            let at = index(&join(path, "ingress"), i);
            ingress(l, &at, report);
            if !ports.insert(l.port.number.unwrap_or(0)) {
                report.error(
                    join(&join(&at, "port"), "number"),
                    "ports of IP-bound listeners must be unique",
                );
            }
        }
        if let Some(pool) = &self.inbound_connection_pool {
            pool.validate_at(&join(path, "inboundConnectionPool"), report);
        }
        let mut ports = std::collections::BTreeSet::new();
        let mut sockets = std::collections::BTreeSet::new();
        let mut catch_all = false;
        let last = self.egress.len().saturating_sub(1);
        for (i, l) in self.egress.iter().enumerate() {
            let at = index(&join(path, "egress"), i);
            if let Some(port) = &l.port {
                if port.target_port.is_some_and(|t| t > 0) {
                    report.error(
                        join(&join(&at, "port"), "targetPort"),
                        "targetPort has no effect on Sidecars",
                    );
                }
                egress_port(l, port, &at, report);
                let n = port.number.unwrap_or(0);
                if n == 0 {
                    if !sockets.insert(l.bind.clone().unwrap_or_default()) {
                        report.error(
                            join(&at, "bind"),
                            "unix domain socket listeners must be unique",
                        );
                    }
                } else if !ports.insert(n) {
                    report.error(
                        join(&join(&at, "port"), "number"),
                        "ports of IP-bound listeners must be unique",
                    );
                }
            } else if catch_all {
                report.error(at, "only one egress listener may leave out the port");
                continue;
            } else if i == last {
                catch_all = true;
            } else {
                report.error(
                    at.clone(),
                    "the egress listener without a port must be the last one",
                );
            }
            egress_hosts(&l.hosts, &join(&at, "hosts"), report);
        }
        if let Some(tp) = &self.outbound_traffic_policy
            && let Some(proxy) = &tp.egress_proxy
        {
            let p = join(&join(path, "outboundTrafficPolicy"), "egressProxy");
            if tp.mode.unwrap_or(OutboundTrafficMode::RegistryOnly) == OutboundTrafficMode::AllowAny
            {
                if let Err(e) = rules::validate_fqdn(&proxy.host) {
                    report.error(join(&p, "host"), e);
                }
                if proxy.port.is_none() {
                    report.error(join(&p, "port"), "egressProxy needs a port");
                } else {
                    crate::networking::virtual_service::destination(proxy, &p, report);
                }
            } else {
                report.error(p, "egressProxy may only be set with mode ALLOW_ANY");
            }
        }
    }
}
