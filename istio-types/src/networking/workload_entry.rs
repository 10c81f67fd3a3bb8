//! `WorkloadEntry`: a workload outside Kubernetes (a VM, a remote gateway) described as an
//! endpoint, so that Services and ServiceEntries can select it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::resource::istio_object;

/// One network endpoint: the spec of a WorkloadEntry, and the type of a ServiceEntry's
/// `endpoints` items.
///
/// Reading refuses `ports: {}` beside a `unix://` address: the API server's rule asks whether
/// `ports` is there at all, and an empty map, once read, cannot be told from none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadEntrySpec {
    /// The endpoint's address without a port: an IP, a DNS name, or `unix:///path` for a Unix
    /// domain socket. May be left out when `network` is set (the endpoint is then reached
    /// through that network's gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port name to port number on this endpoint; overrides the service port of the same name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ports: BTreeMap<String, u32>,
    /// Labels of the endpoint, matched by workload selectors (a Kubernetes Service's selector
    /// picks WorkloadEntries whose labels match it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The L3 network the endpoint is in; endpoints in other networks are reached through that
    /// network's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The endpoint's locality, `region/zone/subzone`, used by locality load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load-balancing weight; endpoints with higher weights get proportionally more traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// The service account of the workload's sidecar, if it has one; its identity is used for
    /// mTLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// What [`WorkloadEntrySpec`] reads from: the same fields, with `ports` kept as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WorkloadEntrySpecRepr {
    #[serde(default)]
    address: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::opt_port_map")]
    ports: Option<BTreeMap<String, u32>>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    locality: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::opt_number")]
    weight: Option<u32>,
    #[serde(default)]
    service_account: Option<String>,
}

impl<'de> Deserialize<'de> for WorkloadEntrySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = WorkloadEntrySpecRepr::deserialize(d)?;
        if let (Some(address), Some(ports)) = (&r.address, &r.ports)
            && address.starts_with("unix://")
            && ports.is_empty()
        {
            return Err(serde::de::Error::custom(format!(
                "`ports: {{}}` beside the unix:// address {address:?}: the API server refuses \
                 ports on a unix:// endpoint even when empty; leave ports out"
            )));
        }
        Ok(Self {
            address: r.address,
            ports: r.ports.unwrap_or_default(),
            labels: r.labels,
            network: r.network,
            locality: r.locality,
            weight: r.weight,
            service_account: r.service_account,
        })
    }
}

impl crate::validate::Validate for WorkloadEntrySpec {
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        // ValidateWorkloadEntry: validateWorkloadEntry(we, nil, true): DNS names are allowed
        // as addresses, ports are not checked against a service.
        validate_workload_entry(self, None, true, path, report);
    }
}

/// Istio's `validateWorkloadEntry`, for a WorkloadEntry (`service_ports: None`,
/// `allow_fqdn: true`) or a STATIC ServiceEntry's endpoint (the service's port names, no DNS
/// names), plus the CRD's length limits and CEL rules.
pub(crate) fn validate_workload_entry(
    we: &WorkloadEntrySpec,
    service_ports: Option<&[&str]>,
    allow_fqdn: bool,
    path: &str,
    report: &mut crate::validate::Report,
) {
    use crate::validate::join;
    validate_crd_limits(we, path, report);
    let addr = we.address.as_deref().unwrap_or("");
    if addr.is_empty() {
        match we.network.as_deref() {
            None | Some("") => {
                report.error(join(path, "address"), "address is required (or set network)");
                return;
            }
            Some(network) => report.warning(
                join(path, "address"),
                format!(
                    "address is unset with network {network:?}: the endpoint is reached through that network's gateway"
                ),
            ),
        }
    }
    let unix = addr.strip_prefix("unix://");
    if let Some(socket) = unix {
        if let Err(m) = crate::rules::validate_unix_address(socket) {
            report.error(join(path, "address"), m);
        }
        if !we.ports.is_empty() {
            report.error(
                join(path, "ports"),
                format!("unix endpoint {addr:?} must not have ports"),
            );
        }
    } else if !addr.is_empty() && !crate::rules::is_ip(addr) {
        if !allow_fqdn {
            report.error(
                join(path, "address"),
                format!("endpoint address {addr:?} is not a valid IP address"),
            );
        } else if crate::rules::validate_fqdn(addr).is_err() {
            report.error(
                join(path, "address"),
                format!("endpoint address {addr:?} is not a valid FQDN or IP address"),
            );
        }
    }
    validate_endpoint_ports(we, service_ports, &join(path, "ports"), report);
    crate::rules::validate_labels(&we.labels, &join(path, "labels"), report);
    if unix.is_some()
        && let Some(ports) = service_ports
        && ports.len() != 1
    {
        report.error(
            join(path, "address"),
            format!(
                "a unix endpoint needs exactly 1 service port, the service has {}",
                ports.len()
            ),
        );
    }
}

/// The endpoint's `ports` map: names known to the service (when given), valid names, ports in
/// 1..65535.
pub(crate) fn validate_endpoint_ports(
    we: &WorkloadEntrySpec,
    service_ports: Option<&[&str]>,
    path: &str,
    report: &mut crate::validate::Report,
) {
    use crate::validate::key;
    for (name, port) in &we.ports {
        if let Some(known) = service_ports
            && !known.contains(&name.as_str())
        {
            report.error(
                key(path, name),
                format!(
                    "endpoint port {name:?} ({port}) is not a port of the service entry (ports: {})",
                    known.join(", ")
                ),
            );
        }
        if !crate::rules::is_dns1123_label(name) {
            report.error(
                key(path, name),
                format!(
                    "invalid port name {name:?}: use a DNS-1123 label (1-63 letters, digits and '-')"
                ),
            );
        }
        if let Err(m) = crate::rules::validate_port(u64::from(*port)) {
            report.error(key(path, name), m);
        }
    }
}

/// The API server's rules on an endpoint that Istio's webhook may leave out: its ports' names
/// and numbers (and, given the service's port names, that each is one of them) and
/// [`validate_crd_limits`].
pub(crate) fn validate_endpoint_api_rules(
    we: &WorkloadEntrySpec,
    service_ports: Option<&[&str]>,
    path: &str,
    report: &mut crate::validate::Report,
) {
    validate_endpoint_ports(
        we,
        service_ports,
        &crate::validate::join(path, "ports"),
        report,
    );
    validate_crd_limits(we, path, report);
}

/// What the API server checks of a WorkloadEntry spec or ServiceEntry endpoint: lengths and
/// the CEL rules on `unix://` addresses.
pub(crate) fn validate_crd_limits(
    we: &WorkloadEntrySpec,
    path: &str,
    report: &mut crate::validate::Report,
) {
    use crate::validate::join;
    for (field, value, max) in [
        ("address", &we.address, 256),
        ("locality", &we.locality, 2048),
        ("network", &we.network, 2048),
        ("serviceAccount", &we.service_account, 253),
    ] {
        if let Some(v) = value
            && v.chars().count() > max
        {
            report.error(
                join(path, field),
                format!(
                    "{field} is {} characters long; at most {max} are allowed",
                    v.chars().count()
                ),
            );
        }
    }
    // CRD CEL on `ports`: keys shorter than 63 characters matching Istio's label syntax.
    for name in we.ports.keys() {
        if name.len() >= 63 {
            report.error(
                crate::validate::key(&join(path, "ports"), name),
                format!(
                    "port name {name:?} is {} characters long; it must be shorter than 63",
                    name.len()
                ),
            );
        }
    }
    if let Some(socket) = we
        .address
        .as_deref()
        .and_then(|a| a.strip_prefix("unix://"))
    {
        if !(socket.starts_with('/') || socket.starts_with('@')) {
            report.error(
                join(path, "address"),
                "a unix:// address must be followed by an absolute path or an @abstract name",
            );
        }
        if socket.ends_with('/') {
            report.error(
                join(path, "address"),
                "a unix:// address must not end with '/'",
            );
        }
    }
}

istio_object! {
    /// A `networking.istio.io` WorkloadEntry: a non-Kubernetes workload registered in the mesh.
    ///
    /// ```
    /// use istio_types::networking::{WorkloadEntry, WorkloadEntrySpec};
    /// let we = WorkloadEntry::new("vm-1", "default", WorkloadEntrySpec {
    ///     address: Some("10.0.0.7".into()),
    ///     ..Default::default()
    /// });
    /// let yaml = istio_types::write::to_yaml(&we).unwrap();
    /// assert!(yaml.starts_with("apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"));
    /// ```
    WorkloadEntry {
        spec: WorkloadEntrySpec,
        group: Networking,
        plural: "workloadentries",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
        absent_spec: refused,
    }
}
