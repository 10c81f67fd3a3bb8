//! What a security policy applies to: workloads chosen by label, or the objects it is attached to.

use serde::{Deserialize, Serialize};

use crate::common::{PolicyTargetReference, WorkloadSelector};

/// The one way a policy (AuthorizationPolicy, RequestAuthentication) chooses what it applies to.
///
/// Istio's API has three fields here (`selector`, `targetRef`, `targetRefs`) and its CRD allows at
/// most one of them, so they are one enum: a value that sets two cannot be built. Leaving all
/// three out (`target: None`) applies the policy to every workload in its namespace (to the
/// whole mesh in the root namespace).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum PolicyTarget {
    /// `selector`: the workloads whose labels match, in the policy's namespace.
    Selector(WorkloadSelector),
    /// `targetRef` (older, single form of `targetRefs`): one Gateway, Service, ServiceEntry or
    /// GatewayClass the policy is attached to.
    TargetRef(PolicyTargetReference),
    /// `targetRefs`: the Gateways, Services, ServiceEntries or GatewayClasses (at most 16) the
    /// policy is attached to.
    TargetRefs(Vec<PolicyTargetReference>),
}

impl PolicyTarget {
    /// Splits the target back into Istio's three fields.
    pub(crate) fn into_fields(
        target: Option<Self>,
    ) -> (
        Option<WorkloadSelector>,
        Option<PolicyTargetReference>,
        Option<Vec<PolicyTargetReference>>,
    ) {
        match target {
            None => (None, None, None),
            Some(PolicyTarget::Selector(s)) => (Some(s), None, None),
            Some(PolicyTarget::TargetRef(r)) => (None, Some(r), None),
            Some(PolicyTarget::TargetRefs(r)) => (None, None, Some(r)),
        }
    }

    /// Joins Istio's three fields into one target, or says which ones clash.
    pub(crate) fn from_fields(
        selector: Option<WorkloadSelector>,
        target_ref: Option<PolicyTargetReference>,
        target_refs: Option<Vec<PolicyTargetReference>>,
    ) -> Result<Option<Self>, String> {
        match (selector, target_ref, target_refs) {
            (None, None, None) => Ok(None),
            (Some(s), None, None) => Ok(Some(PolicyTarget::Selector(s))),
            (None, Some(r), None) => Ok(Some(PolicyTarget::TargetRef(r))),
            (None, None, Some(r)) => Ok(Some(PolicyTarget::TargetRefs(r))),
            (s, r, rs) => {
                let set: Vec<&str> = [
                    s.is_some().then_some("selector"),
                    r.is_some().then_some("targetRef"),
                    rs.is_some().then_some("targetRefs"),
                ]
                .into_iter()
                .flatten()
                .collect();
                Err(format!(
                    "only one of selector, targetRef, targetRefs may be set (found {})",
                    set.join(" and ")
                ))
            }
        }
    }
}
