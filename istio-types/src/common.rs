//! Types shared by kinds of several groups (`istio.type.v1beta1` in Istio's API), and
//! [`PolicyTarget`], the one way AuthorizationPolicy, RequestAuthentication, Telemetry and
//! WasmPlugin say what they apply to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod policy_target;

pub use policy_target::PolicyTarget;
pub(crate) use policy_target::{
    TargetKind, TargetKinds, policy_target_wire, validate_target, validate_target_refs,
};

/// Selects the workloads (pods, WorkloadEntries) a policy applies to, by their labels, in the
/// policy's namespace (all namespaces when the policy is in the root namespace). Used by
/// DestinationRule and the security kinds; the networking kinds Sidecar, ServiceEntry and
/// EnvoyFilter use [`crate::networking::WorkloadSelector`] (field `labels`) instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Labels a workload must all carry to be selected. Keys may not be empty or contain `*`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// A reference to the Kubernetes object a policy is attached to (a Gateway API Gateway or
/// GatewayClass, a Service, a ServiceEntry), instead of selecting workloads by label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyTargetReference {
    /// The referent's API group; empty for the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The referent's kind, e.g. `Service` or `Gateway`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The referent's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Must be empty (the referent is in the policy's namespace). Kept when written as `""`:
    /// Istio's CRD requires an empty string here, which is not the same as leaving it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}
