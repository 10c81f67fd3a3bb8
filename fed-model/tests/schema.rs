//! The JSON Schema (`fedctl schema`) accepts the examples, rejects unknown keys, and the copy
//! shipped next to the examples is up to date.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&fed_model::json_schema()).expect("the schema is a valid JSON Schema")
}

#[test]
fn schema_accepts_the_examples() {
    let validator = validator();
    for name in [
        "examples/apan.yaml",
        "examples/liqo.yaml",
        "examples/three-peers.yaml",
    ] {
        let doc = yaml(&repo_file(name));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn schema_rejects_unknown_keys_and_bad_formats() {
    let validator = validator();
    let base = yaml(&repo_file("examples/apan.yaml"));
    let mutations: [(&str, Value); 5] = [
        (
            "/spec/topology/peerToPeer/peers/0/localty",
            Value::from("x"),
        ),
        (
            "/spec/services/0/overflow/0/thresholds/interval",
            Value::from("1 second"),
        ),
        ("/spec/services/0/name", Value::from("Echo")),
        ("/spec/services/0/ports/0/protocol", Value::from("QUIC")),
        ("/spec/services/0/ports/0/number", Value::from(70000)),
    ];
    for (pointer, value) in mutations {
        let mut doc = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_owned(), value);
        assert!(!validator.is_valid(&doc), "{pointer} should be rejected");
    }
    let mut doc = base.clone();
    doc.as_object_mut()
        .unwrap()
        .insert("extra".to_owned(), Value::from(1));
    assert!(!validator.is_valid(&doc));
    // Required fields, and exactly one topology.
    let mut doc = base.clone();
    doc["spec"]["topology"] = serde_json::json!({});
    assert!(!validator.is_valid(&doc));
    let mut doc = base;
    doc["spec"]["services"][0]
        .as_object_mut()
        .unwrap()
        .remove("ports");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn schema_has_descriptions() {
    let schema = fed_model::json_schema();
    let text = schema.to_string();
    assert!(
        text.contains("Target Istio release"),
        "field docs become descriptions"
    );
    assert_eq!(schema["title"], "Federation");
}

/// `examples/federation.schema.json` is what `fedctl schema` prints. Regenerate with
/// `MESHFED_UPDATE_SCHEMA=1 cargo test -p fed-model --test schema`.
#[test]
fn shipped_schema_is_up_to_date() {
    let path = repo_file("examples/federation.schema.json");
    let expected = format!(
        "{}\n",
        serde_json::to_string_pretty(&fed_model::json_schema()).unwrap()
    );
    if std::env::var_os("MESHFED_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == expected,
        "{} is stale; run MESHFED_UPDATE_SCHEMA=1 cargo test -p fed-model --test schema",
        path.display()
    );
}
