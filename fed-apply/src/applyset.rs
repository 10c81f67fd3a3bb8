//! ApplySet ownership (KEP-3659), as `kubectl apply --applyset` does it, so kubectl can see and
//! prune what fedctl manages.
//!
//! The parent is a `Secret` (kubectl's default parent kind) named by the caller, in a namespace
//! the caller chooses (fedctl uses `kube-system`, which exists on every cluster). Its id is
//! `applyset-<base64url(sha256("<name>.<namespace>.Secret."))>-v1`, the format the KEP mandates.
//! Members carry the label `applyset.kubernetes.io/part-of=<id>`; the parent carries
//! `applyset.kubernetes.io/id=<id>` and the annotations `tooling`, `contains-group-kinds` and
//! `additional-namespaces`.

use std::collections::BTreeSet;

use base64::Engine as _;
use kube::api::{DynamicObject, ObjectMeta, TypeMeta};
use sha2::{Digest as _, Sha256};

use crate::{GroupKind, ObjectRef};

/// Label on every member: its value is the parent's id.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// Label on the parent: the ApplySet id.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// Annotation on the parent: `<tool>/<semver>` of the tool that owns the set.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// Annotation on the parent: sorted, comma-separated `Kind.group` of every member kind.
pub const CONTAINS_GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// Annotation on the parent: sorted, comma-separated namespaces of members other than the
/// parent's own.
pub const ADDITIONAL_NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";

/// The ApplySet parent for one federation on one cluster: a `Secret` `namespace/name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplySetParent {
    /// The Secret's name (fedctl: `meshfed-<federation>`).
    pub name: String,
    /// The Secret's namespace (fedctl: `kube-system`).
    pub namespace: String,
}

impl ApplySetParent {
    /// A parent Secret `namespace/name`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    /// The ApplySet id, as KEP-3659 defines it for a Secret parent.
    pub fn id(&self) -> String {
        let unencoded = format!("{}.{}.Secret.", self.name, self.namespace);
        let hash = Sha256::digest(unencoded.as_bytes());
        format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash)
        )
    }

    /// The parent as an object reference.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            group: String::new(),
            version: "v1".into(),
            kind: "Secret".into(),
            namespace: Some(self.namespace.clone()),
            name: self.name.clone(),
        }
    }

    /// The parent object to apply, listing `group_kinds` and the member namespaces.
    pub(crate) fn object(
        &self,
        tooling: &str,
        group_kinds: &BTreeSet<GroupKind>,
        namespaces: &BTreeSet<String>,
    ) -> DynamicObject {
        // Sorted as strings, as kubectl writes them.
        let mut gks: Vec<String> = group_kinds.iter().map(ToString::to_string).collect();
        gks.sort();
        let nss: Vec<&str> = namespaces
            .iter()
            .map(String::as_str)
            .filter(|ns| *ns != self.namespace)
            .collect();
        DynamicObject {
            types: Some(TypeMeta {
                api_version: "v1".into(),
                kind: "Secret".into(),
            }),
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some([(ID_LABEL.to_string(), self.id())].into()),
                annotations: Some(
                    [
                        (TOOLING_ANNOTATION.to_string(), tooling.to_string()),
                        (CONTAINS_GROUP_KINDS_ANNOTATION.to_string(), gks.join(",")),
                        (ADDITIONAL_NAMESPACES_ANNOTATION.to_string(), nss.join(",")),
                    ]
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            data: serde_json::json!({"type": "Opaque"}),
        }
    }
}

/// Splits a comma-separated annotation value into its non-empty parts.
pub(crate) fn split_list(value: Option<&String>) -> impl Iterator<Item = &str> {
    value
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_follows_the_kep_formula() {
        // Computed independently: python3 -c "import hashlib,base64;
        // print(base64.urlsafe_b64encode(hashlib.sha256(b'meshfed-apan.kube-system.Secret.')
        // .digest()).decode().rstrip('='))"
        let id = ApplySetParent::new("meshfed-apan", "kube-system").id();
        assert_eq!(
            id,
            "applyset-SbI0zSpx-D9AnM9ge5JONJpKNJzSCfQImDWq9g6eFI4-v1"
        );
        assert_ne!(id, ApplySetParent::new("meshfed-apan", "default").id());
    }

    #[test]
    fn parent_lists_sorted_group_kinds_and_other_namespaces() {
        let parent = ApplySetParent::new("p", "kube-system");
        let gks = [
            GroupKind::new("apps", "Deployment"),
            GroupKind::new("", "ConfigMap"),
        ]
        .into();
        let nss = ["kube-system".to_string(), "b".into(), "a".into()].into();
        let obj = parent.object("fedctl/v0.1.0", &gks, &nss);
        let ann = obj.metadata.annotations.unwrap();
        assert_eq!(
            ann[CONTAINS_GROUP_KINDS_ANNOTATION],
            "ConfigMap,Deployment.apps"
        );
        assert_eq!(ann[ADDITIONAL_NAMESPACES_ANNOTATION], "a,b");
        assert_eq!(obj.metadata.labels.unwrap()[ID_LABEL], parent.id());
    }
}
