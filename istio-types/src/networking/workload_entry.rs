//! `WorkloadEntry`: a workload outside Kubernetes (a VM, a remote gateway) described as an
//! endpoint, so that Services and ServiceEntries can select it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::resource::istio_object;

/// One network endpoint: the spec of a WorkloadEntry, and the type of a ServiceEntry's
/// `endpoints` items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadEntrySpec {
    /// The endpoint's address without a port: an IP, a DNS name, or `unix:///path` for a Unix
    /// domain socket. May be left out when `network` is set (the endpoint is then reached
    /// through that network's gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port name to port number on this endpoint; overrides the service port of the same name.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::strict::port_map"
    )]
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub weight: Option<u32>,
    /// The service account of the workload's sidecar, if it has one; its identity is used for
    /// mTLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

impl crate::validate::Validate for WorkloadEntrySpec {
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::join;
        // Istio: an entry needs an address unless it names a network (then it is reached
        // through that network's gateway).
        match (self.address.as_deref(), self.network.as_deref()) {
            (None | Some(""), None | Some("")) => report.error(
                join(path, "address"),
                "address is required (or set network)",
            ),
            (None | Some(""), Some(_)) => report.warning(
                join(path, "address"),
                "address is unset with network populated; this may be a cross-network endpoint",
            ),
            _ => {}
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
    }
}
