//! `ServiceEntry`: adds a service (hosts, ports, endpoints) to Istio's service registry, for
//! services outside the mesh or endpoints Kubernetes does not know about.

use serde::{Deserialize, Serialize};

use crate::networking::{WorkloadEntrySpec, WorkloadSelector};
use crate::primitives::Protocol;
use crate::resource::istio_object;
use crate::rules;
use crate::validate::{Report, Validate, index, join};

/// The spec of a ServiceEntry.
///
/// `endpoints` and `workloadSelector` may not both be set (the CRD's CEL rule and Istio's
/// webhook both say so), so they are one field here: [`ServiceEntryWorkloads`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(try_from = "ServiceEntrySpecRepr", into = "ServiceEntrySpecRepr")]
#[cfg_attr(feature = "schemars", schemars(with = "ServiceEntrySpecRepr"))]
pub struct ServiceEntrySpec {
    /// The hosts of the service: DNS names, with an optional leading `*.` wildcard, or IPs for
    /// plain TCP with `resolution: NONE`. Required; at most 256; not `*`.
    pub hosts: Vec<String>,
    /// Virtual IPs or CIDR blocks of the service (CIDRs only with NONE or STATIC resolution).
    /// At most 256.
    pub addresses: Vec<String>,
    /// The service's ports. At most 256, with distinct numbers.
    pub ports: Vec<ServicePort>,
    /// Whether the service is part of the mesh (affects mTLS and telemetry).
    pub location: Option<Location>,
    /// How the service's endpoints are found; NONE when unset.
    pub resolution: Option<Resolution>,
    /// The service's endpoints: listed, or selected from the mesh's workloads by label.
    pub workloads: Option<ServiceEntryWorkloads>,
    /// Namespaces the service is visible to: `.`, `*`, `~` (no one) or namespace names.
    pub export_to: Vec<String>,
    /// Identities the service's workloads are allowed to present in their certificates.
    pub subject_alt_names: Vec<String>,
}

/// Where a ServiceEntry's endpoints come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceEntryWorkloads {
    /// Listed explicitly (field `endpoints`; at most 4096). An empty list written as
    /// `endpoints: []` is kept.
    Endpoints(Vec<WorkloadEntrySpec>),
    /// Pods and WorkloadEntries whose labels match (field `workloadSelector`), in the entry's
    /// namespace. For MESH_INTERNAL services only.
    WorkloadSelector(WorkloadSelector),
}

/// A port of a ServiceEntry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePort {
    /// The port number, 1-65535. Required.
    #[serde(deserialize_with = "crate::strict::number")]
    pub number: u32,
    /// The protocol (HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS ..., in any case); sniffed when
    /// unset. Kept as written; checked by validation against [`Protocol`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The port's name, a DNS-1123 label; endpoints refer to ports by it. Required.
    pub name: String,
    /// The port on the endpoints that traffic to this port is sent to (same as `number` when
    /// unset).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub target_port: Option<u32>,
}

/// Whether a ServiceEntry's service is inside the mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Location {
    /// Outside the mesh: no mTLS, APIs consumed from outside.
    MeshExternal,
    /// Part of the mesh (e.g. VMs or another cluster's gateway): mTLS and mesh policies apply.
    MeshInternal,
}

/// How a ServiceEntry's endpoints are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// The connection's original destination IP is used; no endpoints.
    None,
    /// The listed endpoints' IP addresses.
    Static,
    /// DNS lookups of the endpoints' addresses (or the hosts when there are none), all
    /// returned IPs used.
    Dns,
    /// DNS lookups using only the first returned IP; at most one endpoint.
    DnsRoundRobin,
    /// Hosts (wildcards included) resolved on demand by a waypoint.
    DynamicDns,
}

impl Resolution {
    /// The CRD's spelling, e.g. `DNS_ROUND_ROBIN`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Resolution::None => "NONE",
            Resolution::Static => "STATIC",
            Resolution::Dns => "DNS",
            Resolution::DnsRoundRobin => "DNS_ROUND_ROBIN",
            Resolution::DynamicDns => "DYNAMIC_DNS",
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ServiceEntrySpec"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ServiceEntrySpecRepr {
    hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ports: Vec<ServicePort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoints: Option<Vec<WorkloadEntrySpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workload_selector: Option<WorkloadSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    export_to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    subject_alt_names: Vec<String>,
}

impl TryFrom<ServiceEntrySpecRepr> for ServiceEntrySpec {
    type Error = String;

    fn try_from(r: ServiceEntrySpecRepr) -> Result<Self, String> {
        let workloads = match (r.endpoints, r.workload_selector) {
            (Some(_), Some(_)) => {
                return Err("only one of endpoints, workloadSelector may be set".to_owned());
            }
            (Some(e), None) => Some(ServiceEntryWorkloads::Endpoints(e)),
            (None, Some(s)) => Some(ServiceEntryWorkloads::WorkloadSelector(s)),
            (None, None) => None,
        };
        Ok(Self {
            hosts: r.hosts,
            addresses: r.addresses,
            ports: r.ports,
            location: r.location,
            resolution: r.resolution,
            workloads,
            export_to: r.export_to,
            subject_alt_names: r.subject_alt_names,
        })
    }
}

impl From<ServiceEntrySpec> for ServiceEntrySpecRepr {
    fn from(s: ServiceEntrySpec) -> Self {
        let (endpoints, workload_selector) = match s.workloads {
            None => (None, None),
            Some(ServiceEntryWorkloads::Endpoints(e)) => (Some(e), None),
            Some(ServiceEntryWorkloads::WorkloadSelector(w)) => (None, Some(w)),
        };
        Self {
            hosts: s.hosts,
            addresses: s.addresses,
            ports: s.ports,
            location: s.location,
            resolution: s.resolution,
            endpoints,
            workload_selector,
            export_to: s.export_to,
            subject_alt_names: s.subject_alt_names,
        }
    }
}

impl ServiceEntrySpec {
    /// The listed endpoints (empty when there are none or a workload selector is used).
    pub fn endpoints(&self) -> &[WorkloadEntrySpec] {
        match &self.workloads {
            Some(ServiceEntryWorkloads::Endpoints(e)) => e,
            _ => &[],
        }
    }

    /// The workload selector, if the entry selects its endpoints by label.
    pub fn workload_selector(&self) -> Option<&WorkloadSelector> {
        match &self.workloads {
            Some(ServiceEntryWorkloads::WorkloadSelector(s)) => Some(s),
            _ => None,
        }
    }
}

/// Whether a port's protocol is HTTP-like or TLS (Istio: `IsHTTP() || IsTLS()`; an unset or
/// unknown protocol is neither).
fn is_http_or_tls(p: Option<&str>) -> bool {
    use crate::primitives::ProtocolKind as K;
    p.and_then(|p| Protocol::new(p).ok())
        .is_some_and(|p| p.kind().is_http() || matches!(p.kind(), K::HttpProxy | K::Https | K::Tls))
}

/// Whether a port's protocol is TCP-like for Istio (`protocol.IsTCP`: TCP, HTTPS, TLS, Mongo,
/// Redis, MySQL; an unset or unknown protocol is not).
fn is_tcp(p: Option<&str>) -> bool {
    use crate::primitives::ProtocolKind as K;
    p.and_then(|p| Protocol::new(p).ok()).is_some_and(|p| {
        matches!(
            p.kind(),
            K::Tcp | K::Https | K::Tls | K::Mongo | K::Redis | K::MySql
        )
    })
}

impl ServiceEntrySpec {
    /// Istio's `ValidateServiceEntry` for resolution `DYNAMIC_DNS`, which Istio 1.28 added
    /// (istio/istio#57658) and widened in 1.29 (TLS ports) and 1.30 (gRPC and HTTP/2 ports,
    /// `MESH_INTERNAL`), all in `pkg/config/validation/validation.go` at those tags: only
    /// wildcard hosts, no addresses, no endpoints, only those protocols, `MESH_EXTERNAL` (and
    /// from 1.30 `MESH_INTERNAL`; see `dynamic_dns_waypoint` for the waypoint label). Before
    /// 1.28 the resolution does not exist.
    fn dynamic_dns(&self, path: &str, report: &mut Report) {
        use crate::primitives::ProtocolKind as K;
        let release = report.release();
        if !release.at_least(1, 28) {
            report.error(
                join(path, "resolution"),
                format!("resolution DYNAMIC_DNS exists from Istio 1.28; Istio {release} does not support it"),
            );
            return;
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if !h.starts_with('*') {
                report.error(
                    index(&join(path, "hosts"), i),
                    format!("host {h:?} must be a wildcard (*.domain) for resolution DYNAMIC_DNS"),
                );
            }
        }
        if !self.addresses.is_empty() {
            report.error(
                join(path, "addresses"),
                "addresses cannot be set for resolution DYNAMIC_DNS: routes are made from the hosts only",
            );
        }
        if !self.endpoints().is_empty() {
            report.error(
                join(path, "endpoints"),
                "endpoints cannot be set for resolution DYNAMIC_DNS: the destination comes from the requested host",
            );
        }
        let allowed: &[K] = if release.at_least(1, 30) {
            &[K::Http, K::Tls, K::Grpc, K::Http2]
        } else if release.at_least(1, 29) {
            &[K::Http, K::Tls]
        } else {
            &[K::Http]
        };
        for (i, p) in self.ports.iter().enumerate() {
            let kind = p
                .protocol
                .as_deref()
                .and_then(|p| Protocol::new(p).ok())
                .map(|p| p.kind());
            if !kind.is_some_and(|k| allowed.contains(&k)) {
                let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
                report.error(
                    join(&index(&join(path, "ports"), i), "protocol"),
                    format!(
                        "protocol {:?}: Istio {release} supports only {} for resolution DYNAMIC_DNS",
                        p.protocol.as_deref().unwrap_or_default(),
                        names.join(", ")
                    ),
                );
            }
        }
        if self.location == Some(Location::MeshInternal) && !release.at_least(1, 30) {
            report.error(
                join(path, "location"),
                format!("Istio {release} needs location MESH_EXTERNAL for resolution DYNAMIC_DNS (MESH_INTERNAL from 1.30)"),
            );
        }
    }
}

/// Istio's `ValidateServiceEntry` from 1.30: a `MESH_INTERNAL` ServiceEntry with resolution
/// `DYNAMIC_DNS` cannot use a waypoint (label `istio.io/use-waypoint` set and not `none`,
/// Istio's `usesWaypoint`). The one rule on a ServiceEntry that reads its metadata.
pub(crate) fn dynamic_dns_waypoint(
    spec: &ServiceEntrySpec,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    path: &str,
    report: &mut Report,
) {
    let waypoint = meta
        .labels
        .as_ref()
        .and_then(|l| l.get("istio.io/use-waypoint"))
        .is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"));
    if waypoint
        && spec.resolution == Some(Resolution::DynamicDns)
        && spec.location == Some(Location::MeshInternal)
        && report.release().at_least(1, 30)
    {
        report.error(
            join(&join(path, "spec"), "location"),
            "location MESH_INTERNAL with resolution DYNAMIC_DNS is not supported when the entry uses a waypoint (label istio.io/use-waypoint)",
        );
    }
}

impl Validate for ServiceEntrySpec {
    #[allow(
        clippy::too_many_lines,
        reason = "one function per Istio function keeps the port easy to compare with its source"
    )]
    fn validate_at(&self, path: &str, report: &mut Report) {
        // ValidateServiceEntry
        let endpoints = self.endpoints();
        if let Some(sel) = self.workload_selector() {
            rules::validate_selector_labels(
                &sel.labels,
                &join(&join(path, "workloadSelector"), "labels"),
                "service entry: workload selector specified without labels, will be applied to all services in namespace",
                256,
                report,
            );
        }
        let hosts_at = join(path, "hosts");
        if self.hosts.is_empty() {
            report.error(
                hosts_at.clone(),
                "service entry must have at least one host",
            );
        }
        if self.hosts.len() > 256 {
            report.error(hosts_at.clone(), "at most 256 hosts are allowed");
        }
        for (i, h) in self.hosts.iter().enumerate() {
            let at = index(&hosts_at, i);
            if h == "*" {
                report.error(at, "host \"*\" is not allowed in a service entry");
                continue;
            }
            if let Err(m) = rules::validate_wildcard_domain(h) {
                report.error(at.clone(), m);
            }
            if let Err(m) = rules::validate_partial_wildcard(h) {
                report.warning(at, m);
            }
        }
        let addresses_at = join(path, "addresses");
        if self.addresses.len() > 256 {
            report.error(addresses_at.clone(), "at most 256 addresses are allowed");
        }
        let mut cidr = false;
        for (i, a) in self.addresses.iter().enumerate() {
            cidr |= a.contains('/');
            if let Err(m) = rules::validate_ip_subnet(a) {
                report.error(index(&addresses_at, i), m);
            }
        }
        let resolution = self.resolution.unwrap_or(Resolution::None);
        if cidr && !matches!(resolution, Resolution::None | Resolution::Static) {
            report.error(
                join(path, "resolution"),
                format!(
                    "CIDR addresses are only allowed with NONE or STATIC resolution, not {}",
                    resolution.as_str()
                ),
            );
        }
        let ports_at = join(path, "ports");
        if self.ports.len() > 256 {
            report.error(ports_at.clone(), "at most 256 ports are allowed");
        }
        let mut names: Vec<&str> = Vec::new();
        let mut numbers: Vec<u32> = Vec::new();
        for (i, p) in self.ports.iter().enumerate() {
            let at = index(&ports_at, i);
            if names.contains(&p.name.as_str()) {
                report.error(
                    join(&at, "name"),
                    format!("port name {:?} is already defined", p.name),
                );
            }
            names.push(&p.name);
            if numbers.contains(&p.number) {
                report.error(
                    join(&at, "number"),
                    format!("port {} is already defined", p.number),
                );
            }
            numbers.push(p.number);
            if let Some(t) = p.target_port
                && let Err(m) = rules::validate_port(u64::from(t))
            {
                // The CRD rejects 0 too (`0 < self`); the webhook only checks non-zero values.
                report.error(join(&at, "targetPort"), m);
            }
            // Auto-allocation of addresses is a mesh setting we cannot see: Istio warns only
            // when it is off; we do not warn.
            if !rules::is_dns1123_label(&p.name) {
                report.error(
                    join(&at, "name"),
                    format!(
                        "invalid port name {:?}: use a DNS-1123 label (1-63 letters, digits and '-')",
                        p.name
                    ),
                );
            }
            if let Some(proto) = p.protocol.as_deref()
                && !proto.is_empty()
                && let Err(e) = Protocol::new(proto)
            {
                report.error(join(&at, "protocol"), e.to_string());
            }
            if let Err(m) = rules::validate_port(u64::from(p.number)) {
                report.error(join(&at, "number"), m);
            }
        }
        let endpoints_at = join(path, "endpoints");
        if endpoints.len() > 4096 {
            report.error(endpoints_at.clone(), "at most 4096 endpoints are allowed");
        }
        match resolution {
            Resolution::None => {
                // The CRD's CEL rule asks whether the field is set (`!has(self.endpoints)`),
                // so `endpoints: []` is refused too.
                if matches!(self.workloads, Some(ServiceEntryWorkloads::Endpoints(_))) {
                    report.error(
                        endpoints_at.clone(),
                        if endpoints.is_empty() {
                            "no endpoints may be given with resolution NONE, not even an empty list (the API server refuses `endpoints: []`)"
                        } else {
                            "no endpoints may be given with resolution NONE"
                        },
                    );
                }
                if self.workload_selector().is_some() {
                    report.warning(
                        join(path, "workloadSelector"),
                        "workloadSelector should not be set when resolution is NONE",
                    );
                }
            }
            Resolution::Static => {
                for (i, e) in endpoints.iter().enumerate() {
                    crate::networking::workload_entry::validate_workload_entry(
                        e,
                        Some(&names),
                        false,
                        &index(&endpoints_at, i),
                        report,
                    );
                }
            }
            Resolution::Dns | Resolution::DnsRoundRobin => {
                if endpoints.is_empty() {
                    for (i, h) in self.hosts.iter().enumerate() {
                        if rules::validate_fqdn(h).is_err() {
                            report.error(
                                index(&hosts_at, i),
                                format!(
                                    "host {h:?} must be a fully qualified domain name when no endpoints are given with resolution {}",
                                    resolution.as_str()
                                ),
                            );
                        }
                    }
                }
                if resolution == Resolution::DnsRoundRobin && endpoints.len() > 1 {
                    report.error(
                        endpoints_at.clone(),
                        format!(
                            "{} endpoints: resolution DNS_ROUND_ROBIN takes 0 or 1",
                            endpoints.len()
                        ),
                    );
                }
                for (i, e) in endpoints.iter().enumerate() {
                    let at = index(&endpoints_at, i);
                    let addr = e.address.as_deref().unwrap_or("");
                    if !rules::is_ip(addr) && rules::validate_fqdn(addr).is_err() {
                        report.error(
                            join(&at, "address"),
                            format!("endpoint address {addr:?} is not a valid FQDN or IP address"),
                        );
                    }
                    rules::validate_labels(&e.labels, &join(&at, "labels"), report);
                    crate::networking::workload_entry::validate_endpoint_api_rules(
                        e,
                        Some(&names),
                        &at,
                        report,
                    );
                }
                if !self.addresses.is_empty()
                    && self.hosts.len() > 1
                    && self.ports.iter().any(|p| is_tcp(p.protocol.as_deref()))
                {
                    report.warning(
                        hosts_at.clone(),
                        "a service entry with addresses and a TCP port should not have more than one host",
                    );
                }
            }
            Resolution::DynamicDns => {
                self.dynamic_dns(path, report);
                // The API server's rules on every endpoint still apply (port names and
                // numbers, lengths, unix:// addresses).
                for (i, e) in endpoints.iter().enumerate() {
                    crate::networking::workload_entry::validate_endpoint_api_rules(
                        e,
                        None,
                        &index(&endpoints_at, i),
                        report,
                    );
                }
            }
        }
        if resolution != Resolution::None && self.hosts.len() > 1 {
            for (i, p) in self.ports.iter().enumerate() {
                if !is_http_or_tls(p.protocol.as_deref()) {
                    report.error(
                        index(&ports_at, i),
                        "several hosts with a non-HTTP, non-TLS port need resolution NONE (TCP cannot tell the hosts apart)",
                    );
                    break;
                }
            }
        }
        rules::validate_export_to(
            &self.export_to,
            true,
            false,
            &join(path, "exportTo"),
            report,
        );
    }
}

istio_object! {
    /// A `networking.istio.io` ServiceEntry: a service added to the mesh's registry.
    ///
    /// ```
    /// use istio_types::networking::{Resolution, ServiceEntry, ServiceEntrySpec, ServicePort};
    /// let se = ServiceEntry::new("a", "istio", ServiceEntrySpec {
    ///     hosts: vec!["a.istio.svc.cluster.local".into()],
    ///     ports: vec![ServicePort { number: 80, name: "http".into(), protocol: Some("http".into()), target_port: None }],
    ///     resolution: Some(Resolution::Static),
    ///     ..Default::default()
    /// });
    /// assert!(istio_types::write::to_yaml(&se).unwrap().contains("resolution: STATIC"));
    /// ```
    ServiceEntry {
        spec: ServiceEntrySpec,
        group: Networking,
        plural: "serviceentries",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
        absent_spec: refused,
    }
}
