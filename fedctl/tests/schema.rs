//! `fedctl schema` prints the document's JSON Schema.

use std::process::Command;

#[test]
fn schema_is_the_models_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_fedctl"))
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, fed_model::json_schema());
    assert_eq!(printed["title"], "Federation");
}
