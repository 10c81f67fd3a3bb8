//! The order objects are applied in: stages that the next stage depends on.

use serde::Serialize;

/// An apply stage. Stages run one after another; the objects of one stage are applied
/// concurrently. After [`Stage::Foundations`] the applier waits for CRDs to be Established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Namespaces and CustomResourceDefinitions: everything else may live in or be one of them.
    Foundations,
    /// Where the pods of a namespace may run: LIQO's NamespaceOffloading, awaited Ready before
    /// the workloads that would be offloaded are applied.
    Placement,
    /// Identities, configuration and networking that workloads reference: ServiceAccounts, RBAC,
    /// Secrets, ConfigMaps, Services.
    Config,
    /// Workloads and what scales or protects them: Deployments, StatefulSets, HPAs, PDBs.
    Workloads,
    /// Everything else, custom resources included: Istio, LIQO's other kinds.
    Extensions,
}

impl Stage {
    /// All stages, in order.
    pub const ALL: [Stage; 5] = [
        Stage::Foundations,
        Stage::Placement,
        Stage::Config,
        Stage::Workloads,
        Stage::Extensions,
    ];
}

const FOUNDATIONS: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
];

const PLACEMENT: &[(&str, &str)] = &[("offloading.liqo.io", "NamespaceOffloading")];

const CONFIG: &[(&str, &str)] = &[
    ("scheduling.k8s.io", "PriorityClass"),
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("", "ServiceAccount"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("", "Secret"),
    ("", "ConfigMap"),
    ("storage.k8s.io", "StorageClass"),
    ("", "PersistentVolume"),
    ("", "PersistentVolumeClaim"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("", "Service"),
];

const WORKLOADS: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("", "Pod"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
];

/// The stage of a kind, and its rank within the stage (the position in kubectl-like install
/// order, so `ServiceAccount` sorts before `RoleBinding`).
pub fn stage_of(group: &str, kind: &str) -> (Stage, usize) {
    for (stage, list) in [
        (Stage::Foundations, FOUNDATIONS),
        (Stage::Placement, PLACEMENT),
        (Stage::Config, CONFIG),
        (Stage::Workloads, WORKLOADS),
    ] {
        if let Some(rank) = list.iter().position(|&(g, k)| g == group && k == kind) {
            return (stage, rank);
        }
    }
    (Stage::Extensions, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_crds_come_first_and_istio_last() {
        assert_eq!(stage_of("", "Namespace").0, Stage::Foundations);
        assert_eq!(
            stage_of("apiextensions.k8s.io", "CustomResourceDefinition").0,
            Stage::Foundations
        );
        assert_eq!(stage_of("", "ConfigMap").0, Stage::Config);
        assert_eq!(stage_of("apps", "Deployment").0, Stage::Workloads);
        assert_eq!(
            stage_of("networking.istio.io", "DestinationRule").0,
            Stage::Extensions
        );
        assert_eq!(
            stage_of("offloading.liqo.io", "NamespaceOffloading").0,
            Stage::Placement
        );
        // A kind with a core-looking name in another group is not mistaken for the core one.
        assert_eq!(stage_of("example.com", "Namespace").0, Stage::Extensions);
        assert!(
            stage_of("", "ServiceAccount").1
                < stage_of("rbac.authorization.k8s.io", "RoleBinding").1
        );
    }
}
