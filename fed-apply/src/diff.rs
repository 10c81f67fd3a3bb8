//! Field-level differences between a live object and what applying would make of it.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value};

/// Metadata fields the API server owns; a difference there is not drift.
const IGNORED_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "uid",
    "selfLink",
];

/// Returns the object without what the server owns: `status`, and `metadata.managedFields`,
/// `resourceVersion`, `generation`, `uid`, timestamps. Two objects that are equal after this are
/// "unchanged".
pub fn normalize(object: &Value) -> Value {
    let mut object = object.clone();
    if let Value::Object(map) = &mut object {
        map.remove("status");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            for key in IGNORED_METADATA {
                meta.remove(*key);
            }
        }
    }
    object
}

/// How a field differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldChange {
    /// Present only in the desired object.
    Added,
    /// Present only in the live object.
    Removed,
    /// Present in both with different values.
    Changed,
}

/// One differing field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDiff {
    /// The field path: `.spec.replicas`, `.metadata.labels["app.kubernetes.io/name"]`,
    /// `.spec.ports[0].port`.
    pub path: String,
    /// Added, removed or changed.
    pub change: FieldChange,
    /// The live value (masked for Secret data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Value>,
    /// The desired value (masked for Secret data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<Value>,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(String::new, Value::to_string);
        match self.change {
            FieldChange::Added => write!(f, "+ {}: {}", self.path, show(&self.desired)),
            FieldChange::Removed => write!(f, "- {}: {}", self.path, show(&self.live)),
            FieldChange::Changed => write!(
                f,
                "~ {}: {} -> {}",
                self.path,
                show(&self.live),
                show(&self.desired)
            ),
        }
    }
}

/// The field-level differences from `live` to `desired` (typically the server-side dry-run
/// result), ignoring what [`normalize`] drops. Arrays of different length are reported as one
/// change. Values under `.data` and `.stringData` of a `Secret` are masked (`***`), as
/// `kubectl diff` does. Paths are sorted as the objects' keys are.
pub fn diff(live: &Value, desired: &Value) -> Vec<FieldDiff> {
    let live = normalize(live);
    let desired = normalize(desired);
    let mut out = Vec::new();
    walk(&mut String::new(), Some(&live), Some(&desired), &mut out);
    let is_secret = desired.get("kind").and_then(Value::as_str) == Some("Secret")
        || live.get("kind").and_then(Value::as_str) == Some("Secret");
    if is_secret {
        for d in &mut out {
            if d.path.starts_with(".data") || d.path.starts_with(".stringData") {
                mask(d);
            }
        }
    }
    out
}

fn mask(d: &mut FieldDiff) {
    let (before, after) = if d.change == FieldChange::Changed {
        ("*** (before)", "*** (after)")
    } else {
        ("***", "***")
    };
    if d.live.is_some() {
        d.live = Some(Value::String(before.into()));
    }
    if d.desired.is_some() {
        d.desired = Some(Value::String(after.into()));
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        let _ = write!(path, "[{}]", Value::String(key.to_string()));
    }
}

fn walk(
    path: &mut String,
    live: Option<&Value>,
    desired: Option<&Value>,
    out: &mut Vec<FieldDiff>,
) {
    match (live, desired) {
        (Some(Value::Object(l)), Some(Value::Object(d))) => walk_maps(path, l, d, out),
        (Some(Value::Array(l)), Some(Value::Array(d))) if l.len() == d.len() => {
            for (i, (lv, dv)) in l.iter().zip(d).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                walk(path, Some(lv), Some(dv), out);
                path.truncate(len);
            }
        }
        (Some(l), Some(d)) if l == d => {}
        (l, d) => {
            let change = match (l, d) {
                (None, _) => FieldChange::Added,
                (_, None) => FieldChange::Removed,
                _ => FieldChange::Changed,
            };
            out.push(FieldDiff {
                path: if path.is_empty() {
                    ".".into()
                } else {
                    path.clone()
                },
                change,
                live: l.cloned(),
                desired: d.cloned(),
            });
        }
    }
}

fn walk_maps(
    path: &mut String,
    live: &Map<String, Value>,
    desired: &Map<String, Value>,
    out: &mut Vec<FieldDiff>,
) {
    let mut keys: Vec<&String> = live.keys().chain(desired.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let len = path.len();
        push_key(path, key);
        walk(path, live.get(key), desired.get(key), out);
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn server_owned_fields_and_status_are_not_drift() {
        let live = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "7",
            "managedFields": [{"manager": "x"}], "uid": "u", "generation": 3,
            "creationTimestamp": "2024-01-01T00:00:00Z"}, "data": {"k": "v"}, "status": {"x": 1}});
        let desired = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "8"},
            "data": {"k": "v"}});
        assert_eq!(diff(&live, &desired), vec![]);
    }

    #[test]
    fn reports_added_removed_and_changed_leaves_with_paths() {
        let live = json!({"spec": {"replicas": 1, "old": true, "ports": [{"port": 80}]},
            "metadata": {"labels": {"app.kubernetes.io/name": "a"}}});
        let desired = json!({"spec": {"replicas": 2, "new": "x", "ports": [{"port": 81}]},
            "metadata": {"labels": {"app.kubernetes.io/name": "b"}}});
        let paths: Vec<String> = diff(&live, &desired)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            paths,
            vec![
                r#"~ .metadata.labels["app.kubernetes.io/name"]: "a" -> "b""#,
                r#"+ .spec.new: "x""#,
                "- .spec.old: true",
                "~ .spec.ports[0].port: 80 -> 81",
                "~ .spec.replicas: 1 -> 2",
            ]
        );
    }

    #[test]
    fn secret_data_is_masked() {
        let live = json!({"kind": "Secret", "data": {"password": "c2VjcmV0", "gone": "eA=="}});
        let desired = json!({"kind": "Secret", "data": {"password": "b3RoZXI=", "new": "eQ=="},
            "stringData": {"token": "plain"}});
        let d = diff(&live, &desired);
        let text = d
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("b3RoZXI="),
            "{text}"
        );
        assert!(
            !text.contains("plain") && !text.contains("eA==") && !text.contains("eQ=="),
            "{text}"
        );
        assert!(
            text.contains(r#"~ .data.password: "*** (before)" -> "*** (after)""#),
            "{text}"
        );
        assert_eq!(d.len(), 4);
    }
}
