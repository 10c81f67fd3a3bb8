//! What the applier is given (a [`ClusterTarget`]) and how it names objects ([`ObjectRef`],
//! [`GroupKind`]).

use std::fmt;

use kube::api::DynamicObject;
use serde::Serialize;

use crate::Error;

/// One cluster and the objects to apply to it.
///
/// `objects` are plain [`DynamicObject`]s: whoever renders them (fed-render, a YAML file, a test)
/// converts its typed objects with `serde_json`. Every object needs `apiVersion`, `kind` and
/// `metadata.name`; namespaced objects without `metadata.namespace` go to the context's default
/// namespace, as with `kubectl apply`.
#[derive(Clone, Debug)]
pub struct ClusterTarget {
    /// The cluster's name in reports and errors (`gke`, `kind-west`).
    pub name: String,
    /// The kubeconfig context used to reach the cluster.
    pub context: String,
    /// The objects to apply, in any order: the applier orders them.
    pub objects: Vec<DynamicObject>,
}

impl ClusterTarget {
    /// A target with no objects yet.
    pub fn new(name: impl Into<String>, context: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            context: context.into(),
            objects: Vec::new(),
        }
    }

    /// Adds objects.
    #[must_use]
    pub fn with_objects(mut self, objects: impl IntoIterator<Item = DynamicObject>) -> Self {
        self.objects.extend(objects);
        self
    }

    /// Adds objects given as JSON values (what `serde_json::to_value` makes of a typed object).
    ///
    /// Fails on the first value that is not an object with `apiVersion`, `kind` and
    /// `metadata.name`, naming its index.
    pub fn with_json_objects(
        mut self,
        values: impl IntoIterator<Item = serde_json::Value>,
    ) -> Result<Self, Error> {
        let start = self.objects.len();
        for (offset, value) in values.into_iter().enumerate() {
            let index = start + offset;
            let object: DynamicObject =
                serde_json::from_value(value).map_err(|e| Error::InvalidBundle {
                    problems: vec![format!(
                        "objects[{index}]: not a Kubernetes object: {e} (expected apiVersion, kind and metadata)"
                    )],
                })?;
            self.objects.push(object);
        }
        Ok(self)
    }
}

/// An API group and kind, as ApplySets list them: `Deployment.apps`, or `Secret` for the core
/// group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupKind {
    /// The API group, empty for the core group.
    pub group: String,
    /// The kind.
    pub kind: String,
}

impl GroupKind {
    /// A group and kind.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            kind: kind.into(),
        }
    }

    /// Parses `Kind.group` (or `Kind`), the format of `applyset.kubernetes.io/contains-group-kinds`.
    /// Returns `None` for an empty string.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        Some(match s.split_once('.') {
            Some((kind, group)) => Self::new(group, kind),
            None => Self::new("", s),
        })
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// Names one object on a cluster: group, version, kind, namespace and name.
///
/// Two refs name the same object when they differ only in `version`; see [`ObjectRef::same_object`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// The API group, empty for the core group.
    pub group: String,
    /// The API version within the group (`v1`).
    pub version: String,
    /// The kind.
    pub kind: String,
    /// The namespace, `None` for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectRef {
    /// The group and kind.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group.clone(), self.kind.clone())
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// True when both name the same object (the version does not matter).
    pub fn same_object(&self, other: &Self) -> bool {
        self.key() == other.key()
    }

    pub(crate) fn key(&self) -> ObjectKey {
        (
            self.group.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }
}

/// Identity of an object regardless of version: group, kind, namespace, name.
pub(crate) type ObjectKey = (String, String, Option<String>, String);

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.group_kind())?;
        match &self.namespace {
            Some(ns) => write!(f, " {ns}/{}", self.name),
            None => write!(f, " {}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_kind_round_trips_through_the_applyset_format() {
        for s in [
            "Deployment.apps",
            "Secret",
            "DestinationRule.networking.istio.io",
        ] {
            assert_eq!(GroupKind::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(GroupKind::parse(" "), None);
        assert_eq!(
            GroupKind::parse("DestinationRule.networking.istio.io")
                .unwrap()
                .group,
            "networking.istio.io"
        );
    }

    #[test]
    fn json_values_that_are_not_objects_are_rejected_with_their_index() {
        let err = ClusterTarget::new("a", "ctx")
            .with_json_objects([
                serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
                serde_json::json!(["not", "an object"]),
            ])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("objects[1]: not a Kubernetes object"),
            "{err}"
        );
    }
}
