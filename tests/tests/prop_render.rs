//! Render properties over generated valid federations (both topologies, every supported Istio
//! release, API version overrides, workloads, ingress, overflow):
//!
//! - determinism: the same federation renders to the same bytes, every time, and the
//!   federation read back from its own YAML renders to the same bytes too;
//! - render never fails on a validated federation;
//! - every Istio object rendered passes Istio's own validation and reads back unchanged.

use std::collections::BTreeMap;

use fed_model::raw::{
    AutoscalingSpec, ConsumerProviderSpec, ConsumerSpec, GatewaySpec, IngressSpec, OverflowSpec,
    PeerSpec, PeerToPeerSpec, PortSpec, ProviderSpec, ServiceSpec, ThresholdsSpec, TopologySpec,
    WorkloadSpec,
};
use fed_model::{Federation, NetworkingApiVersion};
use fed_render::{Bundle, Object};
use istio_types::read::{Document, read_stream};
use proptest::option::of;
use proptest::prelude::*;

const PROTOCOLS: [&str; 8] = [
    "HTTP", "TCP", "GRPC", "HTTP2", "HTTPS", "TLS", "grpc-web", "http",
];

fn thresholds() -> impl Strategy<Value = ThresholdsSpec> {
    (
        (of(0u32..100), of(0u32..100), of(0u32..100), of(0u32..100)),
        (of(0u32..10), of(1u64..5_000), of(1u64..600), of(0u32..=100)),
    )
        .prop_map(
            |((conns, pending, h2, per_conn), (errors, interval, ejection, percent))| {
                ThresholdsSpec {
                    max_connections: conns,
                    http1_max_pending_requests: pending,
                    http2_max_requests: h2,
                    max_requests_per_connection: per_conn,
                    consecutive_errors: errors,
                    interval: interval.map(|ms| format!("{ms}ms")),
                    base_ejection_time: ejection.map(|s| format!("{s}s")),
                    max_ejection_percent: percent,
                }
            },
        )
}

fn ports() -> impl Strategy<Value = Vec<PortSpec>> {
    proptest::collection::btree_set(1u32..=65535, 1..4).prop_flat_map(|numbers| {
        let n = numbers.len();
        (
            Just(numbers),
            proptest::collection::vec((0..PROTOCOLS.len(), of(1u32..=65535)), n),
        )
            .prop_map(|(numbers, extra)| {
                numbers
                    .into_iter()
                    .zip(extra)
                    .enumerate()
                    .map(|(i, (number, (p, target_port)))| PortSpec {
                        name: format!("{}-{i}", PROTOCOLS[p].to_ascii_lowercase()),
                        number,
                        protocol: PROTOCOLS[p].to_owned(),
                        target_port,
                    })
                    .collect()
            })
    })
}

fn workload() -> impl Strategy<Value = WorkloadSpec> {
    (of(0u32..5), of((of(1u32..3), 3u32..10, of(1u32..100)))).prop_map(|(replicas, hpa)| {
        WorkloadSpec {
            image: "example/app:1.0".to_owned(),
            replicas,
            autoscaling: hpa.map(|(min, max, cpu)| AutoscalingSpec {
                min_replicas: min,
                max_replicas: max,
                target_cpu_utilization_percentage: cpu,
            }),
            resources: None,
        }
    })
}

/// What a service may carry in either topology.
#[derive(Clone, Debug)]
struct ServiceParts {
    ports: Vec<PortSpec>,
    namespace: Option<&'static str>,
    mask: u8,
    workload: Option<WorkloadSpec>,
    ingress: bool,
    account: Option<&'static str>,
    thresholds: ThresholdsSpec,
}

fn service_parts() -> impl Strategy<Value = ServiceParts> {
    (
        ports(),
        of(prop_oneof![Just("default"), Just("apps"), Just("x-1")]),
        any::<u8>(),
        of(workload()),
        any::<bool>(),
        of(Just("runner")),
        thresholds(),
    )
        .prop_map(
            |(ports, namespace, mask, workload, ingress, account, thresholds)| ServiceParts {
                ports,
                namespace,
                mask,
                workload,
                ingress,
                account,
                thresholds,
            },
        )
}

/// Clusters whose bit is set in `mask`, at least `min` of them.
fn subset(names: &[String], mask: u8, min: usize) -> Vec<String> {
    let mut picked: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| mask >> i & 1 == 1)
        .map(|(_, c)| c.clone())
        .collect();
    if picked.len() < min {
        picked = names[..min].to_vec();
    }
    picked
}

fn service(s: usize, parts: &ServiceParts, runs_in: Vec<String>) -> ServiceSpec {
    ServiceSpec {
        name: format!("svc-{s}"),
        namespace: parts.namespace.map(str::to_owned),
        ports: parts.ports.clone(),
        runs_in: Some(runs_in),
        selector: (s % 2 == 1).then(|| BTreeMap::from([("app".to_owned(), format!("s{s}"))])),
        service_account: parts.account.map(str::to_owned),
        workload: parts.workload.clone(),
        ingress: parts.ingress.then(|| IngressSpec {
            path: format!("/svc-{s}"),
        }),
        ..ServiceSpec::default()
    }
}

fn peer_to_peer() -> impl Strategy<Value = Federation> {
    (
        2usize..=4,
        5u32..=32,
        0u8..4,
        proptest::collection::vec(service_parts(), 1..=3),
    )
        .prop_map(|(n, minor, api, services)| {
            let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let peers = names
                .iter()
                .enumerate()
                .map(|(i, name)| PeerSpec {
                    name: name.clone(),
                    network: (i % 2 == 0).then(|| format!("net-{i}")),
                    locality: format!("region-{}/zone-{i}", i % 2),
                    gateway: GatewaySpec {
                        address: format!("10.0.0.{}", i + 1),
                        port: (i == 1).then_some(443),
                        ..GatewaySpec::default()
                    },
                    ..PeerSpec::default()
                })
                .collect();
            let services = services
                .iter()
                .enumerate()
                .map(|(s, parts)| {
                    let runs_in = subset(&names, parts.mask, 2);
                    let mut spec = service(s, parts, runs_in.clone());
                    spec.overflow = vec![OverflowSpec {
                        from: runs_in[0].clone(),
                        to: runs_in[1..].to_vec(),
                        thresholds: Some(parts.thresholds.clone()),
                        // retryRemote exists from Istio 1.6; alternate it across services.
                        retry_remote: (minor >= 6).then_some(s % 2 == 0),
                    }];
                    spec
                })
                .collect();
            let mut federation = Federation::new("generated");
            federation.spec.istio.version = Some(format!("1.{minor}"));
            federation.spec.istio.api_version = api_version(api, minor);
            federation.spec.topology = TopologySpec {
                peer_to_peer: Some(PeerToPeerSpec { peers }),
                ..TopologySpec::default()
            };
            federation.spec.services = services;
            federation
        })
}

fn api_version(pick: u8, minor: u32) -> Option<NetworkingApiVersion> {
    match pick {
        1 => Some(NetworkingApiVersion::V1alpha3),
        2 => Some(NetworkingApiVersion::V1beta1),
        3 if minor >= 22 => Some(NetworkingApiVersion::V1),
        _ => None,
    }
}

fn consumer_provider() -> impl Strategy<Value = Federation> {
    (
        1usize..=3,
        5u32..=32,
        proptest::collection::vec(service_parts(), 1..=3),
    )
        .prop_map(|(n, minor, services)| {
            let providers: Vec<ProviderSpec> = (0..n)
                .map(|i| ProviderSpec {
                    name: format!("provider{i}"),
                    locality: format!("eu-west/provider{i}"),
                    ..ProviderSpec::default()
                })
                .collect();
            let mut names = vec!["consumer".to_owned()];
            names.extend(providers.iter().map(|p| p.name.clone()));
            let services = services
                .iter()
                .enumerate()
                .map(|(s, parts)| {
                    let mut spec = service(s, parts, subset(&names, parts.mask, 1));
                    // LIQO services live in their own namespace, never `default`'s neighbours
                    // istio-system or istio-ingress-*.
                    spec.namespace = Some(format!("ns-{s}"));
                    spec.thresholds = Some(parts.thresholds.clone());
                    spec
                })
                .collect();
            let mut federation = Federation::new("liqo");
            federation.spec.istio.version = Some(format!("1.{minor}"));
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
            federation.spec.services = services;
            federation
        })
}

fn any_federation() -> impl Strategy<Value = Federation> {
    prop_oneof![peer_to_peer(), consumer_provider()]
}

/// Every byte render writes: the streams and the files.
fn bytes(bundles: &[Bundle]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for b in bundles {
        out.push((b.cluster.clone(), b.to_yaml_stream().expect("a stream")));
        for f in b.to_files().expect("files") {
            out.push((f.path, f.contents));
        }
    }
    out
}

fn render(f: &Federation) -> Result<Vec<Bundle>, TestCaseError> {
    let validated = f.clone().validate(None);
    prop_assert!(
        validated.is_ok(),
        "generated federations are valid: {}\n{}",
        validated.unwrap_err(),
        f.to_yaml()
    );
    let rendered = fed_render::render(&validated.unwrap().federation);
    prop_assert!(rendered.is_ok(), "{}", rendered.unwrap_err());
    Ok(rendered.unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn prop_render_is_deterministic(f in any_federation()) {
        let first = bytes(&render(&f)?);
        let second = bytes(&render(&f)?);
        prop_assert_eq!(&first, &second);
        // The same document read from its YAML renders the same bytes.
        let yaml = f.to_yaml();
        let read = fed_model::validate_yaml_str(&yaml, None, None);
        prop_assert!(read.is_ok(), "{}", read.unwrap_err());
        let third = bytes(&fed_render::render(&read.unwrap().federation).expect("renders"));
        prop_assert_eq!(&first, &third);
    }

    /// Two objects of one kind and name in one namespace would be one object in the cluster:
    /// the later would silently replace the earlier on apply.
    #[test]
    fn prop_no_two_objects_of_a_bundle_share_a_name(f in any_federation()) {
        for bundle in render(&f)? {
            let mut seen = std::collections::BTreeSet::new();
            for o in &bundle.objects {
                let key = (o.api_version(), o.kind().to_owned(), o.namespace().map(str::to_owned), o.name().to_owned());
                prop_assert!(seen.insert(key.clone()), "{}: {key:?} twice", bundle.cluster);
            }
        }
    }

    #[test]
    fn prop_rendered_istio_objects_pass_istio_validation(f in any_federation()) {
        for bundle in render(&f)? {
            let stream = bundle.to_yaml_stream().expect("a stream");
            let read: Vec<_> = read_stream(&stream, None)
                .into_iter()
                .filter_map(|d| match d.result {
                    Ok(Document::Istio(r)) => Some(Ok(r)),
                    Ok(Document::Other { .. }) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect();
            let rendered: Vec<_> = bundle
                .objects
                .iter()
                .filter_map(|o| match o {
                    Object::Istio(r) => Some(r),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(read.len(), rendered.len());
            for (back, original) in read.into_iter().zip(rendered) {
                prop_assert!(back.is_ok(), "{}", back.unwrap_err());
                prop_assert_eq!(&back.unwrap(), original);
                let report = original.validate();
                prop_assert!(
                    !report.has_errors(),
                    "{} {:?}: {:?}",
                    original.kind(),
                    original.metadata().name,
                    report.findings
                );
            }
        }
    }
}
