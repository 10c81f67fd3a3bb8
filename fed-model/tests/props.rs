//! Property tests: generated valid federations validate; any single-field mutation of a valid
//! document validates or reports errors, never panics.

use std::collections::BTreeMap;

use fed_model::raw::{
    ConsumerProviderSpec, ConsumerSpec, GatewaySpec, OverflowSpec, PeerSpec, PeerToPeerSpec,
    PortSpec, ProviderSpec, ServiceSpec, ThresholdsSpec, TopologySpec,
};
use fed_model::{Federation, Severity};
use proptest::prelude::*;
use serde_json::Value;

const PROTOCOLS: [&str; 6] = ["HTTP", "http", "TCP", "GRPC", "grpc-web", "HTTP2"];

fn thresholds() -> impl Strategy<Value = ThresholdsSpec> {
    (1u32..10, 1u32..10, 1u64..5_000, 1u64..600, 1u32..=100).prop_map(
        |(conns, errors, interval_ms, ejection_s, percent)| ThresholdsSpec {
            max_connections: Some(conns),
            http1_max_pending_requests: Some(conns),
            consecutive_errors: Some(errors),
            interval: Some(format!("{interval_ms}ms")),
            base_ejection_time: Some(format!("{ejection_s}s")),
            max_ejection_percent: Some(percent),
            ..ThresholdsSpec::default()
        },
    )
}

/// Ports with distinct names and numbers.
fn ports() -> impl Strategy<Value = Vec<PortSpec>> {
    proptest::collection::btree_set(1u32..=65535, 1..4).prop_flat_map(|numbers| {
        let n = numbers.len();
        (
            Just(numbers),
            proptest::collection::vec(0usize..PROTOCOLS.len(), n),
        )
            .prop_map(|(numbers, protocols)| {
                numbers
                    .into_iter()
                    .zip(protocols)
                    .enumerate()
                    .map(|(i, (number, p))| PortSpec {
                        name: format!("port-{i}"),
                        number,
                        protocol: PROTOCOLS[p].to_owned(),
                        target_port: (number % 2 == 0).then_some(8080),
                    })
                    .collect()
            })
    })
}

/// A peer-to-peer federation of 2 to 5 peers with 1 to 3 services, each overflowing from one
/// peer it runs in to the others it runs in.
fn peer_to_peer() -> impl Strategy<Value = Federation> {
    (
        2usize..=5,
        proptest::collection::vec((ports(), thresholds(), any::<u64>()), 1..=3),
    )
        .prop_map(|(n, services)| {
            let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let peers = names
                .iter()
                .enumerate()
                .map(|(i, name)| PeerSpec {
                    name: name.clone(),
                    locality: format!("region-{i}/zone-{i}"),
                    gateway: GatewaySpec {
                        address: format!("10.0.0.{}", i + 1),
                        ..GatewaySpec::default()
                    },
                    ..PeerSpec::default()
                })
                .collect();
            let services = services
                .into_iter()
                .enumerate()
                .map(|(s, (ports, thresholds, mask))| {
                    // Runs in a non-empty subset of at least 2 peers (bit pattern from `mask`).
                    let mut runs_in: Vec<String> = names
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask >> i & 1 == 1)
                        .map(|(_, c)| c.clone())
                        .collect();
                    if runs_in.len() < 2 {
                        runs_in = names[..2].to_vec();
                    }
                    let overflow = vec![OverflowSpec {
                        from: runs_in[0].clone(),
                        to: runs_in[1..].to_vec(),
                        thresholds: Some(thresholds),
                        ..OverflowSpec::default()
                    }];
                    ServiceSpec {
                        name: format!("svc-{s}"),
                        ports,
                        runs_in: Some(runs_in),
                        overflow,
                        ..ServiceSpec::default()
                    }
                })
                .collect();
            let mut federation = Federation::new("generated");
            federation.spec.istio.version = Some("1.5".to_owned());
            federation.spec.topology = TopologySpec {
                peer_to_peer: Some(PeerToPeerSpec { peers }),
                ..TopologySpec::default()
            };
            federation.spec.services = services;
            federation
        })
}

fn consumer_provider() -> impl Strategy<Value = Federation> {
    (1usize..=4, ports(), thresholds()).prop_map(|(n, ports, thresholds)| {
        let providers = (0..n)
            .map(|i| ProviderSpec {
                name: format!("provider{i}"),
                locality: format!("eu-west/provider{i}"),
                ..ProviderSpec::default()
            })
            .collect();
        let mut federation = Federation::new("liqo");
        federation.spec.topology = TopologySpec {
            consumer_provider: Some(ConsumerProviderSpec {
                consumer: ConsumerSpec {
                    name: "consumer".to_owned(),
                    locality: "eu-west/consumer".to_owned(),
                    ..ConsumerSpec::default()
                },
                providers,
            }),
            ..TopologySpec::default()
        };
        federation.spec.services = vec![ServiceSpec {
            name: "s0".to_owned(),
            namespace: Some("fluidosmesh".to_owned()),
            ports,
            thresholds: Some(thresholds),
            selector: Some(BTreeMap::from([("app".to_owned(), "s0".to_owned())])),
            ..ServiceSpec::default()
        }];
        federation
    })
}

fn any_federation() -> impl Strategy<Value = Federation> {
    prop_oneof![peer_to_peer(), consumer_provider()]
}

/// Every leaf and container of a JSON value, as JSON pointers.
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u32..70_000).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "[a-z0-9./-]{0,12}".prop_map(Value::from),
        Just(Value::Array(vec![])),
        Just(Value::Object(serde_json::Map::new())),
        Just(serde_json::json!({"unknown": 1})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prop_generated_federations_validate(federation in any_federation()) {
        let validated = federation.clone().validate(None);
        prop_assert!(validated.is_ok(), "{}", validated.unwrap_err());
        // ... and so does their YAML.
        let yaml = federation.to_yaml();
        let again = fed_model::validate_yaml_str(&yaml, None, None);
        prop_assert!(again.is_ok(), "{yaml}\n{}", again.unwrap_err());
        prop_assert_eq!(again.unwrap().federation, validated.unwrap().federation);
    }

    #[test]
    fn prop_single_field_mutations_never_panic(
        federation in any_federation(),
        pick in any::<prop::sample::Index>(),
        value in replacement(),
    ) {
        let mut doc = serde_json::to_value(&federation).unwrap();
        let mut all = Vec::new();
        pointers(&doc, "", &mut all);
        let pointer = pick.get(&all).clone();
        *doc.pointer_mut(&pointer).unwrap() = value;
        let yaml = serde_saphyr::to_string(&doc).unwrap();
        match fed_model::validate_yaml_str(&yaml, None, None) {
            Ok(_) => {}
            Err(report) => {
                prop_assert!(report.errors().count() > 0, "a failed report holds an error:\n{report}");
                for d in report.diagnostics() {
                    prop_assert!(!d.message.is_empty());
                    if d.severity == Severity::Error {
                        prop_assert!(d.line.is_some(), "every error has a line: {d}\n{yaml}");
                    }
                }
            }
        }
    }
}
