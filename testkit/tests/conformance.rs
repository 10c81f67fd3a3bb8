//! `CrdSet::check` against Istio's and LIQO's real CRDs: each test names what the API server
//! would do with the object.

use serde_json::{Value, json};
use testkit::{CrdSet, Violation, ViolationKind};

fn istio() -> Option<&'static CrdSet> {
    CrdSet::istio()
}

fn destination_rule(spec: Value) -> Value {
    let mut object = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "reviews", "namespace": "bookinfo"},
    });
    object["spec"] = spec;
    object
}

fn service_entry(spec: Value) -> Value {
    let mut object = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "external-svc", "namespace": "bookinfo"},
    });
    object["spec"] = spec;
    object
}

fn only(violations: &[Violation], kind: ViolationKind) -> Vec<&Violation> {
    violations.iter().filter(|v| v.rule == kind).collect()
}

fn valid_destination_rule() -> Value {
    destination_rule(json!({
        "host": "reviews.bookinfo.svc.cluster.local",
        "exportTo": ["."],
        "trafficPolicy": {
            "connectionPool": {"tcp": {"maxConnections": 100, "connectTimeout": "30ms"}},
            "loadBalancer": {"simple": "LEAST_REQUEST"},
            "outlierDetection": {
                "consecutive5xxErrors": 7,
                "interval": "5m",
                "baseEjectionTime": "15m",
                "maxEjectionPercent": 50
            },
            "tls": {"mode": "ISTIO_MUTUAL"}
        },
        "subsets": [
            {"name": "v1", "labels": {"version": "v1"}},
            {"name": "v2", "labels": {"version": "v2"},
             "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}}
        ]
    }))
}

#[test]
fn valid_destination_rule_passes() {
    let Some(istio) = istio() else { return };
    istio.assert_valid(&valid_destination_rule());
}

#[test]
fn every_served_destination_rule_version_accepts_the_same_object() {
    let Some(istio) = istio() else { return };
    for version in ["v1", "v1beta1", "v1alpha3"] {
        let mut object = valid_destination_rule();
        object["apiVersion"] = json!(format!("networking.istio.io/{version}"));
        istio.assert_valid(&object);
    }
}

#[test]
fn string_max_ejection_percent_is_a_schema_error_and_blocks_cel() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["outlierDetection"]["maxEjectionPercent"] = json!("a");
    // Also break a CEL rule: the API server does not run CEL after a type error.
    object["spec"]["trafficPolicy"]["outlierDetection"]["interval"] = json!("0s");
    let violations = istio.check(&object);
    let schema = only(&violations, ViolationKind::Schema);
    assert_eq!(schema.len(), 1, "{violations:#?}");
    assert_eq!(
        schema[0].path,
        "spec.trafficPolicy.outlierDetection.maxEjectionPercent"
    );
    let cel = only(&violations, ViolationKind::Cel);
    assert_eq!(cel.len(), 1, "{violations:#?}");
    assert_eq!(cel[0].path, "");
    assert!(cel[0].message.contains("not checked"), "{cel:#?}");
}

#[test]
fn zero_interval_fails_the_duration_rule() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["outlierDetection"]["interval"] = json!("0s");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    let v = &violations[0];
    assert_eq!(v.rule, ViolationKind::Cel);
    assert_eq!(v.path, "spec.trafficPolicy.outlierDetection.interval");
    assert!(
        v.message.contains("duration(self) >= duration('1ms')"),
        "{v}"
    );
}

#[test]
fn unparsable_duration_is_a_cel_evaluation_error() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["connectionPool"]["tcp"]["connectTimeout"] = json!("soon");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(
        violations[0].path,
        "spec.trafficPolicy.connectionPool.tcp.connectTimeout"
    );
}

#[test]
fn unknown_fields_are_reported_with_their_path() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["outlierDetection"]["intervall"] = json!("5m");
    object["spec"]["subsets"][1]["weight"] = json!(3);
    object["metadata"]["lables"] = json!({"a": "b"});
    object["extra"] = json!(true);
    let violations = istio.check(&object);
    let paths: Vec<(&str, ViolationKind)> = violations
        .iter()
        .map(|v| (v.path.as_str(), v.rule))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("extra", ViolationKind::UnknownField),
            ("metadata.lables", ViolationKind::UnknownField),
            ("spec.subsets[1].weight", ViolationKind::UnknownField),
            (
                "spec.trafficPolicy.outlierDetection.intervall",
                ViolationKind::UnknownField
            ),
        ],
        "{violations:#?}"
    );
}

#[test]
fn preserve_unknown_fields_keeps_everything_below() {
    let Some(istio) = istio() else { return };
    let object = json!({
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "EnvoyFilter",
        "metadata": {"name": "lua", "namespace": "istio-system"},
        "spec": {
            "configPatches": [{
                "applyTo": "HTTP_FILTER",
                "patch": {"operation": "INSERT_BEFORE", "value": {"name": "envoy.lua", "anything": {"goes": [1, 2]}}}
            }]
        }
    });
    istio.assert_valid(&object);
}

#[test]
fn unserved_version_and_unknown_kind_are_not_served() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["apiVersion"] = json!("networking.istio.io/v2");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::NotServed);
    assert_eq!(violations[0].path, "apiVersion");

    object["apiVersion"] = json!("networking.istio.io/v1");
    object["kind"] = json!("DestinationRules");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::NotServed);
    assert_eq!(violations[0].path, "kind");
}

fn valid_service_entry() -> Value {
    service_entry(json!({
        "hosts": ["api.example.com"],
        "location": "MESH_EXTERNAL",
        "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
        "resolution": "DNS",
        "endpoints": [{"address": "api.example.com", "ports": {"https": 443}}]
    }))
}

#[test]
fn valid_service_entry_passes() {
    let Some(istio) = istio() else { return };
    istio.assert_valid(&valid_service_entry());
}

#[test]
fn service_entry_with_workload_selector_and_endpoints_fails_cel() {
    let Some(istio) = istio() else { return };
    let mut object = valid_service_entry();
    object["spec"]["workloadSelector"] = json!({"labels": {"app": "api"}});
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec");
    assert!(
        violations[0]
            .message
            .contains("only one of WorkloadSelector or Endpoints can be set"),
        "{}",
        violations[0]
    );
}

#[test]
fn service_entry_port_out_of_range_fails() {
    let Some(istio) = istio() else { return };
    for number in [0, 70000] {
        let mut object = valid_service_entry();
        object["spec"]["ports"][0]["number"] = json!(number);
        let violations = istio.check(&object);
        assert!(!violations.is_empty(), "port {number} accepted");
        assert!(
            violations.iter().all(|v| v.path == "spec.ports[0].number"),
            "port {number}: {violations:#?}"
        );
    }
}

#[test]
fn duplicate_port_numbers_fail() {
    let Some(istio) = istio() else { return };
    let mut object = valid_service_entry();
    object["spec"]["ports"] = json!([
        {"number": 443, "name": "https", "protocol": "TLS"},
        {"number": 443, "name": "https-2", "protocol": "TLS"}
    ]);
    let violations = istio.check(&object);
    assert!(
        violations
            .iter()
            .any(|v| v.rule == ViolationKind::Cel && v.path == "spec.ports"),
        "{violations:#?}"
    );
}

#[test]
fn enum_violation_is_a_schema_error() {
    let Some(istio) = istio() else { return };
    let mut object = valid_service_entry();
    object["spec"]["resolution"] = json!("SOMETIMES");
    let violations = istio.check(&object);
    let schema = only(&violations, ViolationKind::Schema);
    assert_eq!(schema.len(), 1, "{violations:#?}");
    assert_eq!(schema[0].path, "spec.resolution");
}

#[test]
fn underscore_field_names_reach_cel_unescaped() {
    // `jwks_uri` and `jwksUri` are both real fields; a rule allows at most one of them.
    let Some(istio) = istio() else { return };
    let mut object = json!({
        "apiVersion": "security.istio.io/v1",
        "kind": "RequestAuthentication",
        "metadata": {"name": "jwt", "namespace": "foo"},
        "spec": {
            "selector": {"matchLabels": {"app": "httpbin"}},
            "jwtRules": [{"issuer": "issuer-foo", "jwks_uri": "https://example.com/jwks.json"}]
        }
    });
    istio.assert_valid(&object);
    object["spec"]["jwtRules"][0]["jwksUri"] = json!("https://example.com/other.json");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec.jwtRules[0]");
}

#[test]
fn authorization_policy_v1beta1_passes() {
    let Some(istio) = istio() else { return };
    istio.assert_valid(&json!({
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "httpbin", "namespace": "foo"},
        "spec": {
            "selector": {"matchLabels": {"app": "httpbin", "version": "v1"}},
            "action": "ALLOW",
            "rules": [{
                "from": [{"source": {"principals": ["cluster.local/ns/default/sa/sleep"]}},
                         {"source": {"namespaces": ["dev"]}}],
                "to": [{"operation": {"methods": ["GET"], "paths": ["/info*"]}}],
                "when": [{"key": "request.auth.claims[iss]", "values": ["https://accounts.google.com"]}]
            }]
        }
    }));
}

#[test]
fn authorization_policy_wildcard_label_fails_cel() {
    let Some(istio) = istio() else { return };
    let violations = istio.check(&json!({
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "httpbin", "namespace": "foo"},
        "spec": {"selector": {"matchLabels": {"app": "http*"}}}
    }));
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec.selector.matchLabels.app");
}

#[test]
fn metadata_names_follow_the_api_server_rules() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["metadata"] = json!({
        "name": "Reviews",
        "namespace": "book.info",
        "labels": {"bad key": "x", "app": "-bad-"}
    });
    let violations = istio.check(&object);
    let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "metadata.labels",
            "metadata.labels.app",
            "metadata.name",
            "metadata.namespace"
        ],
        "{violations:#?}"
    );
    assert!(violations.iter().all(|v| v.rule == ViolationKind::Schema));

    // A missing name is a Required error: like the API server, CEL is then not run.
    object["metadata"] = json!({"namespace": "bookinfo"});
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert_eq!(violations[0].path, "metadata.name");
    assert_eq!(violations[0].rule, ViolationKind::Schema);
    assert_eq!(violations[1].rule, ViolationKind::Cel);
}

#[test]
fn null_of_a_non_nullable_field_is_pruned_not_rejected() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["tls"] = Value::Null;
    istio.assert_valid(&object);
}

#[test]
fn status_is_ignored_on_create() {
    let Some(istio) = istio() else { return };
    let mut object = valid_destination_rule();
    object["status"] = json!({"observedGeneration": "not validated", "bogus": 1});
    istio.assert_valid(&object);
}

#[test]
fn the_1_30_3_bundle_lacks_fields_added_later() {
    let (Some(master), Some(old)) = (CrdSet::istio(), CrdSet::istio_1_30_3()) else {
        return;
    };
    let mut object = valid_destination_rule();
    object["spec"]["trafficPolicy"]["retryBudget"] =
        json!({"percent": 20, "budgetInterval": "10s"});
    master.assert_valid(&object);
    let violations = old.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::UnknownField);
    assert_eq!(
        violations[0].path,
        "spec.trafficPolicy.retryBudget.budgetInterval"
    );
}

fn namespace_offloading(spec: Value) -> Value {
    let mut object = json!({
        "apiVersion": "offloading.liqo.io/v1beta1",
        "kind": "NamespaceOffloading",
        "metadata": {"name": "offloading", "namespace": "apps"},
    });
    object["spec"] = spec;
    object
}

#[test]
fn liqo_namespace_offloading_valid_passes() {
    let Some(liqo) = CrdSet::liqo() else { return };
    liqo.assert_valid(&namespace_offloading(json!({
        "namespaceMappingStrategy": "EnforceSameName",
        "podOffloadingStrategy": "LocalAndRemote",
        "clusterSelector": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": "liqo.io/remote-cluster-id", "operator": "In", "values": ["east"]}]
        }]}
    })));
}

#[test]
fn liqo_unknown_pod_offloading_strategy_fails() {
    let Some(liqo) = CrdSet::liqo() else { return };
    let violations = liqo.check(&namespace_offloading(json!({
        "podOffloadingStrategy": "Sometimes"
    })));
    let schema = only(&violations, ViolationKind::Schema);
    assert_eq!(schema.len(), 1, "{violations:#?}");
    assert_eq!(schema[0].path, "spec.podOffloadingStrategy");
}

#[test]
fn istio_kinds_are_not_liqo_kinds() {
    let Some(liqo) = CrdSet::liqo() else { return };
    let violations = liqo.check(&valid_destination_rule());
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::NotServed);
}

#[test]
fn map_key_rules_run_over_every_key() {
    let Some(istio) = istio() else { return };
    let mut object = valid_service_entry();
    object["spec"]["endpoints"][0]["ports"] = json!({"https": 443, "bad_name!": 8443});
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec.endpoints[0].ports");
    assert!(
        violations[0].message.contains("key.matches"),
        "{}",
        violations[0]
    );
}

#[test]
fn go_duration_spellings_that_istio_accepts() {
    let Some(istio) = istio() else { return };
    for (interval, ok) in [
        ("1ms", true),
        ("1.5h", true),
        ("1h30m", true),
        ("2m0.5s", true),
        ("0.5ms", false),
        ("999us", false),
        ("-1s", false),
        ("10", false),
        ("10 s", false),
        ("5m junk", false),
        ("1e3s", false),
        ("1h-1m", false),
        ("1000\u{b5}s", true),
        ("+2s", true),
    ] {
        let mut object = valid_destination_rule();
        object["spec"]["trafficPolicy"]["outlierDetection"]["interval"] = json!(interval);
        let violations = istio.check(&object);
        assert_eq!(violations.is_empty(), ok, "{interval}: {violations:#?}");
    }
}

#[test]
fn byte_format_is_checked_like_the_api_server() {
    let Some(istio) = istio() else { return };
    let mut object = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "teapot", "namespace": "bookinfo"},
        "spec": {
            "hosts": ["teapot.bookinfo.svc.cluster.local"],
            "http": [{"directResponse": {"status": 418, "body": {"bytes": "aGVsbG8="}}}]
        }
    });
    istio.assert_valid(&object);
    object["spec"]["http"][0]["directResponse"]["body"]["bytes"] = json!("not base64!");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Schema);
    assert_eq!(violations[0].path, "spec.http[0].directResponse.body.bytes");
}

#[test]
fn wasm_plugin_url_scheme_rule() {
    let Some(istio) = istio() else { return };
    let plugin = |url: &str| {
        json!({
            "apiVersion": "extensions.istio.io/v1alpha1",
            "kind": "WasmPlugin",
            "metadata": {"name": "openid", "namespace": "istio-ingress"},
            "spec": {"selector": {"matchLabels": {"istio": "ingressgateway"}}, "url": url}
        })
    };
    for url in [
        "oci://ghcr.io/istio/openid:1.0",
        "https://example.com/openid.wasm",
        "file:///opt/filters/openid.wasm",
        "ghcr.io/istio/openid:1.0",
    ] {
        istio.assert_valid(&plugin(url));
    }
    let violations = istio.check(&plugin("ftp://example.com/openid.wasm"));
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec.url");
}

#[test]
fn peer_authentication_port_keys_are_parsed_as_ints() {
    let Some(istio) = istio() else { return };
    let mut object = json!({
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "ports", "namespace": "foo"},
        "spec": {
            "selector": {"matchLabels": {"app": "finance"}},
            "mtls": {"mode": "STRICT"},
            "portLevelMtls": {"8080": {"mode": "DISABLE"}}
        }
    });
    istio.assert_valid(&object);
    object["spec"]["portLevelMtls"] = json!({"70000": {"mode": "DISABLE"}});
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].path, "spec.portLevelMtls");
    // Port-level settings need a workload selector.
    object["spec"]["portLevelMtls"] = json!({"8080": {"mode": "DISABLE"}});
    object["spec"]
        .as_object_mut()
        .expect("spec is an object")
        .remove("selector");
    let violations = istio.check(&object);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].rule, ViolationKind::Cel);
    assert_eq!(violations[0].path, "spec");
}

#[test]
fn yaml_streams_keep_yaml_types() {
    let Some(istio) = istio() else { return };
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: bookinfo}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: bookinfo}
spec:
  hosts: [api.example.com]
  ports: [{number: '443', name: https, protocol: TLS}]
  resolution: DNS
";
    let results = istio.check_yaml(yaml).expect("valid YAML");
    assert_eq!(results.len(), 2);
    assert!(results[0].is_empty(), "{:#?}", results[0]);
    // A quoted number is a string to the API server.
    assert_eq!(results[1].len(), 2, "{:#?}", results[1]);
    assert_eq!(results[1][0].rule, ViolationKind::Schema);
    assert_eq!(results[1][0].path, "spec.ports[0].number");
    assert!(istio.check_yaml("a: [").is_err());
}

/// A table row: name, base object, edit, path of the single expected CEL violation.
type Row<'a> = (&'a str, &'a Value, fn(&mut Value), Option<&'a str>);

/// Each row: a change to a valid object, and the path of the one CEL violation it must cause
/// (`None`: still valid). Covers the rule families of the kinds meshfed renders.
#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one table of cases reads best in one place"
)]
fn rule_families_of_rendered_kinds() {
    let Some(istio) = istio() else { return };
    let gateway = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "cross-network", "namespace": "istio-system"},
        "spec": {
            "selector": {"istio": "eastwestgateway"},
            "servers": [{
                "port": {"number": 15443, "name": "tls", "protocol": "TLS"},
                "tls": {"mode": "AUTO_PASSTHROUGH"},
                "hosts": ["*.local"]
            }]
        }
    });
    let workload_entry = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "WorkloadEntry",
        "metadata": {"name": "vm-1", "namespace": "vm"},
        "spec": {"address": "10.0.0.1", "ports": {"http": 8080}, "labels": {"app": "vm"}, "network": "net-2"}
    });
    let service_entry = valid_service_entry();
    let rows: Vec<Row<'_>> = vec![
        ("gateway valid", &gateway, |_| {}, None),
        (
            "gateway credentialName + credentialNames",
            &gateway,
            |o| {
                o["spec"]["servers"][0]["tls"] =
                    json!({"mode": "SIMPLE", "credentialName": "a", "credentialNames": ["b"]});
            },
            Some("spec.servers[0].tls"),
        ),
        ("workload entry valid", &workload_entry, |_| {}, None),
        (
            "workload entry without address or network",
            &workload_entry,
            |o| {
                let spec = o["spec"].as_object_mut().expect("object");
                spec.remove("address");
                spec.remove("network");
            },
            Some("spec"),
        ),
        (
            "workload entry network only",
            &workload_entry,
            |o| {
                o["spec"].as_object_mut().expect("object").remove("address");
            },
            None,
        ),
        (
            "workload entry UDS with ports",
            &workload_entry,
            |o| {
                o["spec"]["address"] = json!("unix:///var/run/app.sock");
            },
            Some("spec"),
        ),
        (
            "workload entry relative UDS",
            &workload_entry,
            |o| {
                o["spec"]["address"] = json!("unix://run/app.sock");
                o["spec"].as_object_mut().expect("object").remove("ports");
            },
            Some("spec.address"),
        ),
        (
            "workload entry UDS dir",
            &workload_entry,
            |o| {
                o["spec"]["address"] = json!("unix:///var/run/");
                o["spec"].as_object_mut().expect("object").remove("ports");
            },
            Some("spec.address"),
        ),
        (
            "service entry wildcard host",
            &service_entry,
            |o| {
                o["spec"]["hosts"] = json!(["*"]);
            },
            Some("spec.hosts[0]"),
        ),
        (
            "service entry NONE with endpoints",
            &service_entry,
            |o| {
                o["spec"]["resolution"] = json!("NONE");
            },
            Some("spec"),
        ),
        (
            "service entry CIDR with DNS",
            &service_entry,
            |o| {
                o["spec"]["addresses"] = json!(["240.0.0.0/16"]);
            },
            Some("spec"),
        ),
        (
            "service entry CIDR with STATIC",
            &service_entry,
            |o| {
                o["spec"]["addresses"] = json!(["240.0.0.0/16"]);
                o["spec"]["resolution"] = json!("STATIC");
                o["spec"]["endpoints"] = json!([{"address": "240.0.0.1"}]);
            },
            None,
        ),
        (
            "service entry DNS_ROUND_ROBIN two endpoints",
            &service_entry,
            |o| {
                o["spec"]["resolution"] = json!("DNS_ROUND_ROBIN");
                o["spec"]["endpoints"] =
                    json!([{"address": "a.example.com"}, {"address": "b.example.com"}]);
            },
            Some("spec"),
        ),
        (
            "service entry endpoint port 0",
            &service_entry,
            |o| {
                o["spec"]["endpoints"][0]["ports"]["https"] = json!(0);
            },
            Some("spec.endpoints[0].ports.https"),
        ),
    ];
    for (name, base, edit, expected) in rows {
        let mut object = base.clone();
        edit(&mut object);
        let violations = istio.check(&object);
        match expected {
            None => assert!(violations.is_empty(), "{name}: {violations:#?}"),
            Some(path) => {
                assert_eq!(violations.len(), 1, "{name}: {violations:#?}");
                assert_eq!(
                    violations[0].rule,
                    ViolationKind::Cel,
                    "{name}: {violations:#?}"
                );
                assert_eq!(violations[0].path, path, "{name}: {violations:#?}");
            }
        }
    }
}

#[test]
fn bad_input_is_reported_not_panicked_on() {
    let Some(istio) = istio() else { return };
    let base = valid_destination_rule();
    let mut cases = vec![
        json!(42),
        json!(null),
        json!([]),
        json!({"apiVersion": 1, "kind": "DestinationRule"}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": ["DestinationRule"]}),
    ];
    let edits: [fn(&mut Value); 9] = [
        |o| o["metadata"] = json!("x"),
        |o| o["metadata"]["labels"] = json!(["a"]),
        |o| o["metadata"]["annotations"] = json!({"a": 1}),
        |o| o["spec"] = json!("x"),
        |o| o["spec"]["subsets"] = json!({"name": "v1"}),
        |o| o["spec"]["subsets"][0] = json!(7),
        |o| o["spec"]["trafficPolicy"]["outlierDetection"]["interval"] = json!({"a": "5m"}),
        |o| o["spec"]["trafficPolicy"]["outlierDetection"]["interval"] = json!(5),
        |o| {
            o["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"] =
                json!({"minimumRingSize": 1e30});
        },
    ];
    for edit in edits {
        let mut object = base.clone();
        edit(&mut object);
        cases.push(object);
    }
    for case in cases {
        let violations = istio.check(&case);
        assert!(!violations.is_empty(), "accepted: {case}");
        assert!(
            violations.iter().all(|v| !v.message.is_empty()),
            "{violations:#?}"
        );
    }
}
