//! Every property path in Istio's CRD schema exists in our types, and we have none Istio does not.
//!
//! Walks the `spec` of each kind's openAPIV3Schema in ../shared/istio-crds/crd-all.gen.yaml and
//! the JSON Schema schemars derives from our types, collects the property paths of both
//! (`trafficPolicy.connectionPool.tcp.maxConnections`; list items add nothing, map values add
//! `{}`), and compares. Any difference fails the test with the full list.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use istio_types::IstioResource;
use serde_json::Value;

fn crd_spec_schemas() -> Option<Vec<(String, String, Value)>> {
    let path = testkit::shared_file("istio-crds/crd-all.gen.yaml")?;
    let text = std::fs::read_to_string(&path).expect("readable CRD file");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("CRD file parses");
    let mut out = Vec::new();
    for d in docs.into_iter().filter(|d| !d.is_null()) {
        let group = d["spec"]["group"].as_str().unwrap_or_default().to_owned();
        let kind = d["spec"]["names"]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for v in d["spec"]["versions"].as_array().into_iter().flatten() {
            let spec = v["schema"]["openAPIV3Schema"]["properties"]["spec"].clone();
            out.push((
                group.clone(),
                format!("{kind}@{}", v["name"].as_str().unwrap_or("?")),
                spec,
            ));
        }
    }
    Some(out)
}

/// Paths in a CRD (structural) schema.
fn crd_paths(node: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.insert(p.clone());
            crd_paths(v, &p, out);
        }
    }
    if let Some(items) = node.get("items") {
        crd_paths(items, prefix, out);
    }
    if let Some(ap) = node.get("additionalProperties").filter(|v| v.is_object()) {
        crd_paths(ap, &format!("{prefix}.{{}}"), out);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for branch in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            crd_paths(branch, prefix, out);
        }
    }
}

/// Paths in a schemars JSON Schema, resolving `$ref`s into `$defs`.
fn our_paths(root: &Value, node: &Value, prefix: &str, out: &mut BTreeSet<String>, depth: usize) {
    assert!(
        depth < 40,
        "schema nests deeper than 40 at {prefix}: a recursive type?"
    );
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        our_paths(root, &root["$defs"][name], prefix, out, depth + 1);
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.insert(p.clone());
            our_paths(root, v, &p, out, depth + 1);
        }
    }
    if let Some(items) = node.get("items") {
        our_paths(root, items, prefix, out, depth + 1);
    }
    if let Some(ap) = node.get("additionalProperties").filter(|v| v.is_object()) {
        our_paths(root, ap, &format!("{prefix}.{{}}"), out, depth + 1);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for branch in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            our_paths(root, branch, prefix, out, depth + 1);
        }
    }
}

#[test]
fn every_crd_field_is_modeled_and_nothing_else() {
    let Some(crds) = crd_spec_schemas() else {
        return;
    };
    let mut report = String::new();
    let mut checked = 0;
    for (group, kind) in IstioResource::KINDS {
        let ours = IstioResource::json_schema_for(kind).expect("every kind has a schema");
        let ours = serde_json::to_value(&ours).unwrap();
        let spec = &ours["properties"]["spec"];
        let mut our_set = BTreeSet::new();
        our_paths(&ours, spec, "", &mut our_set, 0);

        let versions: Vec<_> = crds
            .iter()
            .filter(|(g, k, _)| g == group.as_str() && k.split('@').next() == Some(*kind))
            .collect();
        assert!(!versions.is_empty(), "no CRD for {group}/{kind}");
        for (_, kv, crd_spec) in versions {
            let mut crd_set = BTreeSet::new();
            crd_paths(crd_spec, "", &mut crd_set);
            let missing: Vec<_> = crd_set.difference(&our_set).collect();
            let extra: Vec<_> = our_set.difference(&crd_set).collect();
            if !missing.is_empty() || !extra.is_empty() {
                writeln!(
                    report,
                    "\n{kv}: {} missing, {} extra\n  missing: {missing:?}\n  extra: {extra:?}",
                    missing.len(),
                    extra.len()
                )
                .expect("writing to a String cannot fail");
            }
            checked += 1;
        }
    }
    eprintln!("checked {checked} kind versions against the CRDs");
    assert!(
        report.is_empty(),
        "our types and Istio's CRDs differ:{report}"
    );
}
