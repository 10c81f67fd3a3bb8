//! The structural-schema side of `check`: pruning unknown fields, converting the Kubernetes
//! dialect to JSON Schema, validating, and `x-kubernetes-list-type` uniqueness.

use serde_json::{Map, Value, json};

use crate::crd::{Violation, ViolationKind};

/// Appends `.name` to a path (no leading dot at the root).
pub(crate) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool) == Some(true)
}

/// Removes what the API server prunes, reporting unknown fields. `schema` is the root
/// `openAPIV3Schema`; `object` the whole resource.
pub(crate) fn prune(schema: &Value, object: &mut Value, out: &mut Vec<Violation>) {
    let Some(map) = object.as_object_mut() else {
        out.push(Violation::new(
            ViolationKind::Schema,
            "",
            "the object must be a JSON object",
        ));
        return;
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        // apiVersion, kind and metadata are never pruned at the root; metadata is checked as
        // ObjectMeta by `meta::check`.
        if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        match properties.and_then(|props| props.get(&key)) {
            Some(child) => {
                if map[&key].is_null() && !flag(child, "nullable") {
                    map.remove(&key);
                } else if let Some(value) = map.get_mut(&key) {
                    prune_node(child, value, &key, out);
                }
            }
            None if flag(schema, "x-kubernetes-preserve-unknown-fields") => {}
            None => {
                out.push(unknown(&key));
                map.remove(&key);
            }
        }
    }
}

fn unknown(path: &str) -> Violation {
    Violation::new(
        ViolationKind::UnknownField,
        path,
        "field not declared in the schema; the API server would silently drop it",
    )
}

fn prune_node(schema: &Value, value: &mut Value, path: &str, out: &mut Vec<Violation>) {
    let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    match value {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let child_path = join(path, &key);
                    match props.get(&key) {
                        Some(child) => {
                            if map[&key].is_null() && !flag(child, "nullable") {
                                map.remove(&key);
                            } else if let Some(child_value) = map.get_mut(&key) {
                                prune_node(child, child_value, &child_path, out);
                            }
                        }
                        None if preserve => {}
                        None => {
                            out.push(unknown(&child_path));
                            map.remove(&key);
                        }
                    }
                }
            } else if let Some(additional) =
                schema.get("additionalProperties").filter(|a| a.is_object())
            {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    if map[&key].is_null() && !flag(additional, "nullable") {
                        map.remove(&key);
                    } else if let Some(child_value) = map.get_mut(&key) {
                        prune_node(additional, child_value, &join(path, &key), out);
                    }
                }
            } else if !preserve
                && schema.get("additionalProperties") != Some(&Value::Bool(true))
                && schema.get("type").and_then(Value::as_str) == Some("object")
            {
                // An object schema with neither properties nor additionalProperties keeps
                // nothing.
                for key in map.keys() {
                    out.push(unknown(&join(path, key)));
                }
                map.clear();
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter_mut().enumerate() {
                    prune_node(item_schema, item, &format!("{path}[{index}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Checks `x-kubernetes-list-type: set | map` uniqueness over the pruned object.
pub(crate) fn check_list_types(schema: &Value, object: &Value, out: &mut Vec<Violation>) {
    if let (Some(props), Some(map)) = (
        schema.get("properties").and_then(Value::as_object),
        object.as_object(),
    ) {
        for (key, value) in map {
            if key == "metadata" {
                continue;
            }
            if let Some(child) = props.get(key) {
                list_types_node(child, value, key, out);
            }
        }
    }
}

fn list_types_node(schema: &Value, value: &Value, path: &str, out: &mut Vec<Violation>) {
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, child_value) in map {
                if let Some(child) = props.and_then(|p| p.get(key)).or(additional) {
                    list_types_node(child, child_value, &join(path, key), out);
                }
            }
        }
        Value::Array(items) => {
            match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("set") => {
                    for (index, item) in items.iter().enumerate() {
                        if items[..index].contains(item) {
                            out.push(Violation::new(
                                ViolationKind::Schema,
                                format!("{path}[{index}]"),
                                format!("Duplicate value: {item}"),
                            ));
                        }
                    }
                }
                Some("map") => {
                    let keys: Vec<&str> = schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let key_of = |item: &Value| -> Value {
                        Value::Object(
                            keys.iter()
                                .filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                                .collect(),
                        )
                    };
                    let seen: Vec<Value> = items.iter().map(key_of).collect();
                    for (index, key) in seen.iter().enumerate() {
                        if seen[..index].contains(key) {
                            out.push(Violation::new(
                                ViolationKind::Schema,
                                format!("{path}[{index}]"),
                                format!("Duplicate value: {key}"),
                            ));
                        }
                    }
                }
                _ => {}
            }
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    list_types_node(item_schema, item, &format!("{path}[{index}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// A compiled JSON Schema for one CRD version.
pub(crate) struct CompiledSchema {
    validator: jsonschema::Validator,
}

/// String formats the API server checks that we check too (as `k8s-<name>` custom formats, so
/// the `jsonschema` crate's own, differently-defined formats never apply).
const CHECKED_FORMATS: &[&str] = &[
    "byte",
    "date-time",
    "datetime",
    "date",
    "ipv4",
    "ipv6",
    "cidr",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
];

/// Compiles a root `openAPIV3Schema` into a JSON Schema validator.
pub(crate) fn compile(raw: &Value) -> Result<CompiledSchema, String> {
    let mut root = convert(raw);
    if let Some(props) = root.get_mut("properties").and_then(Value::as_object_mut) {
        // metadata is ObjectMeta, checked by `meta::check`.
        props.insert("metadata".to_owned(), json!({"type": "object"}));
    }
    let mut options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex());
    for name in CHECKED_FORMATS {
        options = options.with_format(format!("k8s-{name}"), crate::formats::checker(name));
    }
    let validator = options
        .build(&root)
        .map_err(|err| format!("invalid schema: {err}"))?;
    Ok(CompiledSchema { validator })
}

impl CompiledSchema {
    /// Validates the pruned object, appending violations. Returns whether any of them is one the
    /// API server treats as blocking CEL evaluation (type, required, enum, too long, too many).
    pub(crate) fn validate(&self, object: &Value, out: &mut Vec<Violation>) -> bool {
        use jsonschema::error::ValidationErrorKind as K;
        let mut blocking = false;
        for error in self.validator.iter_errors(object) {
            let mut path = String::new();
            for segment in error.instance_path().segments() {
                match segment {
                    jsonschema::paths::LocationSegment::Property(name) => {
                        path = join(&path, &name);
                    }
                    jsonschema::paths::LocationSegment::Index(index) => {
                        path = format!("{path}[{index}]");
                    }
                }
            }
            if path == "metadata" || path.starts_with("metadata.") {
                // Reported by meta::check in the API server's terms.
                if !matches!(error.kind(), K::Type { .. }) {
                    continue;
                }
            }
            let message = match error.kind() {
                K::Required { property } => {
                    path = join(&path, property.as_str().unwrap_or_default());
                    "Required value".to_owned()
                }
                _ => error.to_string(),
            };
            blocking |= matches!(
                error.kind(),
                K::Type { .. }
                    | K::Required { .. }
                    | K::Enum { .. }
                    | K::MaxLength { .. }
                    | K::MaxItems { .. }
                    | K::MaxProperties { .. }
            );
            out.push(Violation::new(ViolationKind::Schema, path, message));
        }
        blocking
    }
}

/// Converts one structural-schema node to JSON Schema (draft 7).
fn convert(node: &Value) -> Value {
    let Some(src) = node.as_object() else {
        return node.clone();
    };
    let mut out = Map::new();
    let nullable = flag(node, "nullable");
    for (key, value) in src {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object() {
                    out.insert(
                        key.clone(),
                        Value::Object(
                            props
                                .iter()
                                .map(|(name, child)| (name.clone(), convert(child)))
                                .collect(),
                        ),
                    );
                }
            }
            "items" | "not" => {
                out.insert(key.clone(), convert(value));
            }
            "additionalProperties" => {
                let converted = if value.is_object() {
                    convert(value)
                } else {
                    value.clone()
                };
                out.insert(key.clone(), converted);
            }
            "allOf" | "anyOf" | "oneOf" => {
                if let Some(branches) = value.as_array() {
                    out.insert(
                        key.clone(),
                        Value::Array(branches.iter().map(convert).collect()),
                    );
                }
            }
            "type" | "required" | "enum" | "maxLength" | "minLength" | "pattern" | "maxItems"
            | "minItems" | "uniqueItems" | "maxProperties" | "minProperties" | "multipleOf" => {
                out.insert(key.clone(), value.clone());
            }
            "maximum" | "minimum" => {
                let exclusive = if key == "maximum" {
                    "exclusiveMaximum"
                } else {
                    "exclusiveMinimum"
                };
                if flag(node, exclusive) {
                    out.insert(exclusive.to_owned(), value.clone());
                } else {
                    out.insert(key.clone(), value.clone());
                }
            }
            "format" => {
                if let Some(format) = value.as_str()
                    && CHECKED_FORMATS.contains(&format)
                {
                    out.insert(key.clone(), Value::String(format!("k8s-{format}")));
                }
            }
            // description, default, example, nullable, exclusive*, x-kubernetes-*: not
            // assertions (or handled above / by other passes).
            _ => {}
        }
    }
    if flag(node, "x-kubernetes-int-or-string") {
        out.insert("type".to_owned(), json!(["integer", "string"]));
    }
    if nullable && let Some(ty) = out.get("type").cloned() {
        let mut types: Vec<Value> = match ty {
            Value::Array(types) => types,
            single => vec![single],
        };
        types.push(json!("null"));
        out.insert("type".to_owned(), Value::Array(types));
    }
    Value::Object(out)
}
