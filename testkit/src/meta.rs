//! `metadata` checks, as the API server's `ValidateObjectMeta` does them for a create.

use serde_json::Value;

use crate::crd::{Violation, ViolationKind};

/// ObjectMeta's fields; anything else under `metadata` is dropped by the API server.
const OBJECT_META_FIELDS: &[&str] = &[
    "annotations",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "generation",
    "labels",
    "managedFields",
    "name",
    "namespace",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// Total size limit of all annotation keys and values.
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

fn schema(path: &str, message: impl Into<String>) -> Violation {
    Violation::new(ViolationKind::Schema, path, message)
}

/// Whether a violation from [`check`] is one the API server treats as blocking CEL evaluation
/// (required, type, too long). Every message built here starts with the API server's error
/// type, so the prefix says which it is.
pub(crate) fn is_blocking(violation: &Violation) -> bool {
    ["Required value", "must be ", "Too long"]
        .iter()
        .any(|prefix| violation.message.starts_with(prefix))
}

/// Checks `metadata` as ObjectMeta.
pub(crate) fn check(object: &Value, namespaced: bool, out: &mut Vec<Violation>) {
    let Some(meta) = object.get("metadata") else {
        out.push(schema(
            "metadata.name",
            "Required value: name or generateName is required",
        ));
        return;
    };
    let Some(meta) = meta.as_object() else {
        out.push(schema("metadata", format!("must be an object, got {meta}")));
        return;
    };
    for key in meta.keys() {
        if !OBJECT_META_FIELDS.contains(&key.as_str()) {
            out.push(Violation::new(
                ViolationKind::UnknownField,
                format!("metadata.{key}"),
                "not an ObjectMeta field; the API server would silently drop it",
            ));
        }
    }
    let string = |key: &str, out: &mut Vec<Violation>| -> Option<String> {
        match meta.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                out.push(schema(
                    &format!("metadata.{key}"),
                    format!("must be a string, got {other}"),
                ));
                None
            }
        }
    };
    let name = string("name", out).filter(|n| !n.is_empty());
    let generate_name = string("generateName", out).filter(|n| !n.is_empty());
    match (&name, &generate_name) {
        (Some(name), _) => {
            if let Err(why) = dns1123_subdomain(name) {
                out.push(schema(
                    "metadata.name",
                    format!("Invalid value: {name:?}: {why}"),
                ));
            }
        }
        (None, Some(prefix)) => {
            // The API server appends 5 random characters; a trailing '-' is fine.
            let masked = prefix
                .strip_suffix('-')
                .map_or(prefix.clone(), |p| format!("{p}a"));
            if let Err(why) = dns1123_subdomain(&masked) {
                out.push(schema(
                    "metadata.generateName",
                    format!("Invalid value: {prefix:?}: {why}"),
                ));
            }
        }
        (None, None) => out.push(schema(
            "metadata.name",
            "Required value: name or generateName is required",
        )),
    }
    if let Some(namespace) = string("namespace", out).filter(|n| !n.is_empty()) {
        if !namespaced {
            out.push(schema(
                "metadata.namespace",
                "Forbidden: not allowed on this type (the kind is cluster-scoped)",
            ));
        } else if let Err(why) = dns1123_label(&namespace) {
            out.push(schema(
                "metadata.namespace",
                format!("Invalid value: {namespace:?}: {why}"),
            ));
        }
    }
    check_labels_and_annotations(meta, out);
}

/// Label keys and values, annotation keys, and the annotations' total size.
fn check_labels_and_annotations(meta: &serde_json::Map<String, Value>, out: &mut Vec<Violation>) {
    check_string_map(
        meta.get("labels"),
        "metadata.labels",
        out,
        |key, value, out| {
            if let Err(why) = qualified_name(key) {
                out.push(schema(
                    "metadata.labels",
                    format!("Invalid value: {key:?}: {why}"),
                ));
            }
            if let Err(why) = label_value(value) {
                out.push(schema(
                    &format!("metadata.labels.{key}"),
                    format!("Invalid value: {value:?}: {why}"),
                ));
            }
        },
    );
    let mut total = 0;
    check_string_map(
        meta.get("annotations"),
        "metadata.annotations",
        out,
        |key, value, out| {
            total += key.len() + value.len();
            if let Err(why) = qualified_name(&key.to_ascii_lowercase()) {
                out.push(schema(
                    "metadata.annotations",
                    format!("Invalid value: {key:?}: {why}"),
                ));
            }
        },
    );
    if total > ANNOTATIONS_MAX_BYTES {
        out.push(schema(
            "metadata.annotations",
            format!("Too long: may not be more than {ANNOTATIONS_MAX_BYTES} bytes"),
        ));
    }
}

fn check_string_map(
    value: Option<&Value>,
    path: &str,
    out: &mut Vec<Violation>,
    mut each: impl FnMut(&str, &str, &mut Vec<Violation>),
) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                match value {
                    Value::String(s) => each(key, s, out),
                    other => out.push(schema(
                        &format!("{path}.{key}"),
                        format!("must be a string, got {other}"),
                    )),
                }
            }
        }
        Some(other) => out.push(schema(
            path,
            format!("must be a map of strings, got {other}"),
        )),
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most `max` long.
fn label_like(s: &str, max: usize, extra: &[u8], upper: bool) -> bool {
    let ok =
        |b: u8| b.is_ascii_digit() || b.is_ascii_lowercase() || (upper && b.is_ascii_uppercase());
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && ok(bytes[0])
        && ok(bytes[bytes.len() - 1])
        && bytes.iter().all(|&b| ok(b) || extra.contains(&b))
}

/// A DNS-1123 label: what namespaces must be.
pub(crate) fn dns1123_label(s: &str) -> Result<(), String> {
    if label_like(s, 63, b"-", false) {
        Ok(())
    } else {
        Err(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \
             '-', start and end with an alphanumeric character, and be at most 63 characters"
                .to_owned(),
        )
    }
}

/// A DNS-1123 subdomain: what custom resource names must be.
pub(crate) fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() <= 253 && s.split('.').all(|part| label_like(part, 253, b"-", false)) {
        Ok(())
    } else {
        Err(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', must start and end with an alphanumeric character, and be at most 253 \
             characters"
                .to_owned(),
        )
    }
}

/// A qualified name: `[prefix/]name`, prefix a DNS-1123 subdomain, name at most 63 characters of
/// `[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]`.
pub(crate) fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|why| format!("prefix part {why}"))?;
    }
    if label_like(name, 63, b"-_.", true) {
        Ok(())
    } else {
        Err(
            "name part must consist of alphanumeric characters, '-', '_' or '.', must start and \
             end with an alphanumeric character, and be at most 63 characters"
                .to_owned(),
        )
    }
}

/// A label value: empty, or a qualified name's name part.
pub(crate) fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() || label_like(s, 63, b"-_.", true) {
        Ok(())
    } else {
        Err(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', \
             '_' or '.', must start and end with an alphanumeric character, and be at most 63 \
             characters"
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_1123() {
        assert!(dns1123_subdomain("reviews.default").is_ok());
        assert!(dns1123_subdomain("Reviews").is_err());
        assert!(dns1123_subdomain("a..b").is_err());
        assert!(dns1123_subdomain(&"a".repeat(254)).is_err());
        assert!(dns1123_label("istio-system").is_ok());
        assert!(dns1123_label("istio.system").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(qualified_name("app.kubernetes.io/name").is_ok());
        assert!(qualified_name("topology.istio.io/network").is_ok());
        assert!(qualified_name("/name").is_err());
        assert!(qualified_name("bad key").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("v1.2_3-A").is_ok());
        assert!(label_value("-x").is_err());
    }
}
