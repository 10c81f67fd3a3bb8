//! Which fields a field manager holds, from an object's `metadata.managedFields`, and whether
//! they overlap the fields an applied object sets.
//!
//! `managedFields[].fieldsV1` is the API server's field set (`sigs.k8s.io/structured-merge-diff`
//! v4, `fieldpath/serialize.go`): a tree whose keys are `f:<field>` for a field, `k:<json>`,
//! `v:<json>` or `i:<n>` for a list element by key, value or index, and `.` for the node itself.
//! A key whose value is `{}` is a leaf the manager owns.

use std::collections::BTreeSet;

use serde_json::Value;

/// A field path, one map key per segment (`["spec", "trafficPolicy", "tls"]`). A list is one
/// path: its elements are not told apart, so a manager holding any element holds the list.
pub(crate) type FieldPath = Vec<String>;

/// The paths a `fieldsV1` tree owns: its leaves, cut at the first list element.
pub(crate) fn owned(fields_v1: &Value) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    walk_owned(fields_v1, &mut Vec::new(), &mut out);
    out
}

fn walk_owned(node: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    let Some(map) = node.as_object() else {
        return;
    };
    for (key, child) in map {
        if let Some(field) = key.strip_prefix("f:") {
            path.push(field.to_owned());
            if child.as_object().is_none_or(serde_json::Map::is_empty) {
                out.insert(path.clone());
            } else {
                walk_owned(child, path, out);
            }
            path.pop();
        } else if ["k:", "v:", "i:"].iter().any(|p| key.starts_with(p)) && !path.is_empty() {
            out.insert(path.clone());
        }
        // `.` is the node's own existence, not a value the applied object sets.
    }
}

/// The paths an applied object sets: its leaves, lists as one path, without what names the
/// object (`apiVersion`, `kind`, `metadata.name`, `metadata.namespace`) or what the server
/// owns (`status`, the rest of the server's metadata).
pub(crate) fn applied(object: &Value) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    if let Some(map) = object.as_object() {
        for (key, child) in map {
            match key.as_str() {
                "apiVersion" | "kind" | "status" => {}
                "metadata" => {
                    for k in ["labels", "annotations"] {
                        let mut path = vec!["metadata".to_owned(), k.to_owned()];
                        walk_applied(&child[k], &mut path, &mut out);
                    }
                }
                _ => walk_applied(child, &mut vec![key.clone()], &mut out),
            }
        }
    }
    out
}

fn walk_applied(node: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    match node {
        Value::Null => {}
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                path.push(key.clone());
                walk_applied(child, path, out);
                path.pop();
            }
        }
        _ => {
            out.insert(path.clone());
        }
    }
}

/// The paths of `theirs` that touch a path of `ours`: the same field, a field inside one of
/// ours, or a field holding one of ours.
pub(crate) fn overlap(ours: &BTreeSet<FieldPath>, theirs: &BTreeSet<FieldPath>) -> Vec<FieldPath> {
    theirs
        .iter()
        .filter(|t| ours.iter().any(|o| t.starts_with(o) || o.starts_with(t)))
        .cloned()
        .collect()
}

/// `.spec.trafficPolicy.tls`, as the API server prints field paths in conflicts.
pub(crate) fn display(path: &FieldPath) -> String {
    let mut out = String::new();
    for s in path {
        out.push('.');
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn p(s: &str) -> FieldPath {
        s.split('.').skip(1).map(str::to_owned).collect()
    }

    #[test]
    fn owned_paths_are_leaves_cut_at_list_elements() {
        let fields = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}},
                "f:trafficPolicy": {"f:tls": {"f:mode": {}}}
            }
        });
        let got: Vec<String> = owned(&fields).iter().map(display).collect();
        assert_eq!(
            got,
            [
                ".metadata.labels.app",
                ".spec.ports",
                ".spec.trafficPolicy.tls.mode"
            ]
        );
    }

    #[test]
    fn applied_paths_leave_out_identity_and_status() {
        let object = json!({
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "echo", "namespace": "default", "labels": {"app": "echo"}},
            "spec": {"host": "echo", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}},
            "status": {"x": 1}
        });
        let got: Vec<String> = applied(&object).iter().map(display).collect();
        assert_eq!(
            got,
            [
                ".metadata.labels.app",
                ".spec.host",
                ".spec.trafficPolicy.tls.mode"
            ]
        );
    }

    #[test]
    fn overlap_is_the_same_field_or_one_inside_the_other() {
        let ours: BTreeSet<_> = [p(".spec.ports"), p(".spec.host")].into();
        let theirs: BTreeSet<_> = [
            p(".spec.ports"),
            p(".spec"),
            p(".spec.hosts"),
            p(".metadata.labels.x"),
        ]
        .into();
        let got: Vec<String> = overlap(&ours, &theirs).iter().map(display).collect();
        assert_eq!(got, [".spec", ".spec.ports"]);
    }
}
