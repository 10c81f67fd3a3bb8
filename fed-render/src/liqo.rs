//! LIQO's `NamespaceOffloading` (`offloading.liqo.io/v1beta1`): which clusters a namespace's
//! pods may run in. LIQO only honours an object named `offloading` in the namespace it offloads.

use k8s_openapi::api::core::v1::NodeSelector;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// The only name LIQO honours for a NamespaceOffloading.
pub const OFFLOADING_NAME: &str = "offloading";

/// How the remote namespace is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NamespaceMappingStrategy {
    /// The remote namespace has the local namespace's name. What Istio needs: a service's
    /// FQDN (`svc.ns.svc.cluster.local`) must mean the same in every cluster.
    EnforceSameName,
    /// LIQO's default: `<namespace>-<local cluster id>`.
    DefaultName,
    /// The name in `remoteNamespaceName`.
    SelectedName,
}

/// Where the namespace's pods may be scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodOffloadingStrategy {
    /// Only on the local cluster.
    Local,
    /// Only on remote (virtual) nodes.
    Remote,
    /// Anywhere; LIQO's default.
    LocalAndRemote,
}

/// The spec of a NamespaceOffloading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamespaceOffloadingSpec {
    /// How the remote namespace is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_mapping_strategy: Option<NamespaceMappingStrategy>,
    /// Where pods may run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_offloading_strategy: Option<PodOffloadingStrategy>,
    /// Which remote clusters (virtual nodes) the namespace is offloaded to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_selector: Option<NodeSelector>,
    /// The remote namespace's name, with `SelectedName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_namespace_name: Option<String>,
}

/// A LIQO NamespaceOffloading. The status LIQO writes is not modeled: we only create these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceOffloading {
    /// Always `offloading.liqo.io/v1beta1`.
    pub api_version: String,
    /// Always `NamespaceOffloading`.
    pub kind: String,
    /// Name (always [`OFFLOADING_NAME`]) and namespace.
    pub metadata: ObjectMeta,
    /// What to offload where.
    pub spec: NamespaceOffloadingSpec,
}

impl NamespaceOffloading {
    /// `offloading.liqo.io/v1beta1`.
    pub const API_VERSION: &'static str = "offloading.liqo.io/v1beta1";
    /// `NamespaceOffloading`.
    pub const KIND: &'static str = "NamespaceOffloading";
    /// The lower-case plural, as in REST paths.
    pub const PLURAL: &'static str = "namespaceoffloadings";

    /// The NamespaceOffloading of `namespace`.
    pub fn new(namespace: &str, spec: NamespaceOffloadingSpec) -> Self {
        Self {
            api_version: Self::API_VERSION.to_owned(),
            kind: Self::KIND.to_owned(),
            metadata: ObjectMeta {
                name: Some(OFFLOADING_NAME.to_owned()),
                namespace: Some(namespace.to_owned()),
                ..ObjectMeta::default()
            },
            spec,
        }
    }
}
