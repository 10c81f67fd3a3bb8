//! The Federation document round-trips: generated raw documents, valid or not, with text that
//! trips YAML writers (`on`, `1.10`, `~`, `: `) in every string field -> YAML (and JSON) ->
//! the reader -> equal. The reader must read back exactly what the writer wrote, whatever
//! validation later thinks of it.

use std::collections::BTreeMap;

use fed_model::raw::{
    AutoscalingSpec, CaSpec, ConsumerProviderSpec, ConsumerSpec, GatewaySpec, IngressSpec,
    MeshSpec, Metadata, OverflowSpec, PeerSpec, PeerToPeerSpec, PortSpec, ProviderResourcesSpec,
    ProviderSpec, ResourcesSpec, ServiceSpec, ThresholdsSpec, TopologySpec, WorkloadSpec,
};
use fed_model::{Federation, NetworkingApiVersion, Quantity};
use proptest::option::of;
use proptest::prelude::*;

/// Text a YAML writer must quote or escape to keep it a string.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9-]{0,10}",
        1 => prop_oneof![
            Just("on"), Just("off"), Just("yes"), Just("No"), Just("y"), Just("null"),
            Just("~"), Just("1.10"), Just("1.5"), Just("080"), Just("0x1F"), Just("1e3"),
            Just("-.inf"), Just(".NaN"), Just("a: b"), Just("- x"), Just("#c"), Just(""),
            Just(" pad "), Just("a\nb"), Just("'\""), Just("*x"), Just("&x"), Just("!x"),
            Just("%x"), Just("@x"), Just("`x"), Just("---"), Just("..."), Just("{a}"),
            Just("[a]"), Just("\u{e9}"), Just("\t"), Just("\\"),
        ]
        .prop_map(str::to_owned),
        1 => "\\PC{0,10}",
    ]
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(text(), 0..3)
}

fn map() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(text(), text(), 0..3)
}

fn quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        Just("100m"),
        Just("64Mi"),
        Just("1"),
        Just("0.5"),
        Just("20Gi"),
        Just("1e3"),
        Just("10")
    ]
    .prop_map(|q| Quantity::new(q).expect("a quantity"))
}

fn quantities() -> impl Strategy<Value = BTreeMap<String, Quantity>> {
    proptest::collection::btree_map(text(), quantity(), 0..3)
}

fn thresholds() -> impl Strategy<Value = ThresholdsSpec> {
    (
        (of(any::<u32>()), of(any::<u32>()), of(any::<u32>())),
        (of(any::<u32>()), of(any::<u32>())),
        (of(text()), of(text()), of(any::<u32>())),
    )
        .prop_map(
            |((a, b, c), (d, e), (interval, base, percent))| ThresholdsSpec {
                max_connections: a,
                http1_max_pending_requests: b,
                http2_max_requests: c,
                max_requests_per_connection: d,
                consecutive_errors: e,
                interval,
                base_ejection_time: base,
                max_ejection_percent: percent,
            },
        )
}

fn gateway() -> impl Strategy<Value = GatewaySpec> {
    (text(), of(any::<u32>()), of(map())).prop_map(|(address, port, selector)| GatewaySpec {
        address,
        port,
        selector,
    })
}

fn topology() -> impl Strategy<Value = TopologySpec> {
    let peer = (text(), of(text()), of(text()), text(), gateway()).prop_map(
        |(name, context, network, locality, gateway)| PeerSpec {
            name,
            context,
            network,
            locality,
            gateway,
        },
    );
    let provider = (
        text(),
        of(text()),
        of(text()),
        text(),
        of((of(quantity()), of(quantity()))),
    )
        .prop_map(
            |(name, context, network, locality, resources)| ProviderSpec {
                name,
                context,
                network,
                locality,
                resources: resources.map(|(cpu, memory)| ProviderResourcesSpec { cpu, memory }),
            },
        );
    let consumer =
        (text(), of(text()), of(text()), text()).prop_map(|(name, context, network, locality)| {
            ConsumerSpec {
                name,
                context,
                network,
                locality,
            }
        });
    (
        of(proptest::collection::vec(peer, 0..3)),
        of((consumer, proptest::collection::vec(provider, 0..3))),
    )
        .prop_map(|(peers, cp)| TopologySpec {
            peer_to_peer: peers.map(|peers| PeerToPeerSpec { peers }),
            consumer_provider: cp.map(|(consumer, providers)| ConsumerProviderSpec {
                consumer,
                providers,
            }),
        })
}

fn service() -> impl Strategy<Value = ServiceSpec> {
    let port = (text(), any::<u32>(), text(), of(any::<u32>())).prop_map(
        |(name, number, protocol, target_port)| PortSpec {
            name,
            number,
            protocol,
            target_port,
        },
    );
    let workload = (
        text(),
        of(any::<u32>()),
        of((of(any::<u32>()), any::<u32>(), of(any::<u32>()))),
        of((quantities(), quantities())),
    )
        .prop_map(|(image, replicas, autoscaling, resources)| WorkloadSpec {
            image,
            replicas,
            autoscaling: autoscaling.map(|(min, max, cpu)| AutoscalingSpec {
                min_replicas: min,
                max_replicas: max,
                target_cpu_utilization_percentage: cpu,
            }),
            resources: resources.map(|(requests, limits)| ResourcesSpec { requests, limits }),
        });
    let overflow = (text(), texts(), of(thresholds()), of(any::<bool>())).prop_map(
        |(from, to, thresholds, retry_remote)| OverflowSpec {
            from,
            to,
            thresholds,
            retry_remote,
        },
    );
    (
        (text(), of(text()), proptest::collection::vec(port, 0..3)),
        (of(texts()), of(map()), of(text())),
        (
            of(workload),
            of(text()),
            proptest::collection::vec(overflow, 0..2),
        ),
        of(thresholds()),
    )
        .prop_map(
            |(
                (name, namespace, ports),
                (runs_in, selector, service_account),
                (workload, ingress, overflow),
                thresholds,
            )| ServiceSpec {
                name,
                namespace,
                ports,
                runs_in,
                selector,
                service_account,
                workload,
                ingress: ingress.map(|path| IngressSpec { path }),
                overflow,
                thresholds,
            },
        )
}

fn federation() -> impl Strategy<Value = Federation> {
    let api_version = prop_oneof![
        Just(NetworkingApiVersion::V1alpha3),
        Just(NetworkingApiVersion::V1beta1),
        Just(NetworkingApiVersion::V1)
    ];
    (
        (text(), map(), map()),
        (of(text()), of(api_version)),
        (of(text()), of(text()), of(text())),
        topology(),
        proptest::collection::vec(service(), 0..3),
    )
        .prop_map(
            |(
                (name, labels, annotations),
                (version, api),
                (id, domain, ca),
                topology,
                services,
            )| {
                let mut f = Federation::new(name);
                f.metadata = Metadata {
                    name: f.metadata.name,
                    labels,
                    annotations,
                };
                f.spec.istio.version = version;
                f.spec.istio.api_version = api;
                f.spec.mesh = MeshSpec {
                    id,
                    cluster_domain: domain,
                    ca: ca.map(|dir| CaSpec { dir }),
                };
                f.spec.topology = topology;
                f.spec.services = services;
                f
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_federation_documents_round_trip_through_yaml(f in federation()) {
        let yaml = f.to_yaml();
        let back = fed_model::from_yaml_str(&yaml, None);
        prop_assert!(back.is_ok(), "{yaml}\n{}", back.unwrap_err());
        let mut back = back.unwrap();
        prop_assert!(back.source.is_some(), "a document read from text knows its lines");
        back.source = None;
        prop_assert_eq!(back, f, "{}", yaml);
    }

    #[test]
    fn prop_federation_documents_round_trip_through_json(f in federation()) {
        let json = serde_json::to_string_pretty(&f).unwrap();
        let back = fed_model::from_yaml_str(&json, None);
        prop_assert!(back.is_ok(), "{json}\n{}", back.unwrap_err());
        let mut back = back.unwrap();
        back.source = None;
        prop_assert_eq!(back, f, "{}", json);
    }

    #[test]
    fn prop_validation_agrees_with_validation_of_the_yaml(f in federation()) {
        // Validating a document built in code and validating its YAML give the same verdict
        // and the same errors (paths and messages; lines differ: code has none).
        let direct = f.clone().validate(None);
        let through = fed_model::validate_yaml_str(&f.to_yaml(), None, None);
        match (direct, through) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a.federation, b.federation),
            (Err(a), Err(b)) => {
                let key = |r: &fed_model::Report| {
                    let mut v: Vec<_> = r.errors().map(|d| (d.path.clone(), d.message.clone())).collect();
                    v.sort();
                    v
                };
                prop_assert_eq!(key(&a), key(&b));
            }
            (a, b) => prop_assert!(false, "direct: {:?}\nthrough YAML: {:?}", a.err(), b.err()),
        }
    }
}
