//! Round-trip properties for the two kinds the other `prop_*` tests leave out: WorkloadEntry and
//! WorkloadGroup. Generated values -> YAML (and JSON) -> the typed reader -> equal, at every
//! served API version, with text values chosen to trip a YAML writer (`on`, `123`, `~`, `: `).

use std::collections::BTreeMap;

use istio_types::networking::{
    ExecHealthCheckConfig, GrpcHealthCheckConfig, HealthCheckHeader, HealthCheckMethod,
    HttpHealthCheckConfig, ReadinessProbe, TcpHealthCheckConfig, WorkloadEntry, WorkloadEntrySpec,
    WorkloadGroup, WorkloadGroupMetadata, WorkloadGroupSpec,
};
use istio_types::read::{Document, read_stream};
use istio_types::{ApiVersion, IstioResource};
use proptest::prelude::*;

fn read_one(text: &str) -> IstioResource {
    let docs = read_stream(text, None);
    assert_eq!(docs.len(), 1, "{text}");
    match &docs[0].result {
        Ok(Document::Istio(r)) => r.clone(),
        other => panic!("expected an Istio object, got {other:?}\n{text}"),
    }
}

/// Text a YAML writer must quote or escape to keep it a string.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.-]{1,20}",
        Just("on".to_owned()),
        Just("yes".to_owned()),
        Just("NO".to_owned()),
        Just("null".to_owned()),
        Just("~".to_owned()),
        Just("123".to_owned()),
        Just("0x1F".to_owned()),
        Just("1e3".to_owned()),
        Just(".inf".to_owned()),
        Just("a: b".to_owned()),
        Just("- item".to_owned()),
        Just("#comment".to_owned()),
        Just(String::new()),
        Just(" padded ".to_owned()),
        Just("line\nbreak".to_owned()),
        Just("quote'\"".to_owned()),
        Just("*alias".to_owned()),
        Just("&anchor".to_owned()),
        Just("!tag".to_owned()),
        Just("%directive".to_owned()),
        Just("@at".to_owned()),
        Just("`tick".to_owned()),
        Just("---".to_owned()),
        Just("\u{e9}t\u{e9}".to_owned()),
        "\\PC{0,12}",
    ]
}

fn map() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(tricky(), tricky(), 0..4)
}

fn version() -> impl Strategy<Value = ApiVersion> {
    prop_oneof![
        Just(ApiVersion::V1alpha3),
        Just(ApiVersion::V1beta1),
        Just(ApiVersion::V1)
    ]
}

fn entry_spec() -> impl Strategy<Value = WorkloadEntrySpec> {
    (
        proptest::option::of(tricky()),
        proptest::collection::btree_map(tricky(), 0u32..=u32::MAX, 0..4),
        map(),
        proptest::option::of(tricky()),
        proptest::option::of(tricky()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(tricky()),
    )
        .prop_map(
            |(address, ports, labels, network, locality, weight, service_account)| {
                WorkloadEntrySpec {
                    address,
                    ports,
                    labels,
                    network,
                    locality,
                    weight,
                    service_account,
                }
            },
        )
}

fn probe() -> impl Strategy<Value = ReadinessProbe> {
    let method = prop_oneof![
        (
            proptest::option::of(tricky()),
            any::<u32>(),
            proptest::option::of(tricky()),
            proptest::option::of(tricky()),
            proptest::collection::vec(
                (
                    proptest::option::of(tricky()),
                    proptest::option::of(tricky())
                ),
                0..3
            ),
        )
            .prop_map(|(path, port, host, scheme, headers)| {
                HealthCheckMethod::HttpGet(HttpHealthCheckConfig {
                    path,
                    port,
                    host,
                    scheme,
                    http_headers: headers
                        .into_iter()
                        .map(|(name, value)| HealthCheckHeader { name, value })
                        .collect(),
                })
            }),
        (proptest::option::of(tricky()), any::<u32>()).prop_map(|(host, port)| {
            HealthCheckMethod::TcpSocket(TcpHealthCheckConfig { host, port })
        }),
        proptest::collection::vec(tricky(), 0..3)
            .prop_map(|command| HealthCheckMethod::Exec(ExecHealthCheckConfig { command })),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(tricky())
        )
            .prop_map(
                |(port, service)| HealthCheckMethod::Grpc(GrpcHealthCheckConfig { port, service })
            ),
    ];
    (
        proptest::collection::vec(proptest::option::of(any::<i32>()), 5),
        proptest::option::of(method),
    )
        .prop_map(|(n, method)| ReadinessProbe {
            initial_delay_seconds: n[0],
            timeout_seconds: n[1],
            period_seconds: n[2],
            success_threshold: n[3],
            failure_threshold: n[4],
            method,
        })
}

fn entry() -> impl Strategy<Value = WorkloadEntry> {
    (entry_spec(), version(), "[a-z0-9]{1,10}").prop_map(|(spec, v, name)| {
        let mut we = WorkloadEntry::new(&name, "ns", spec);
        we.api_version = v;
        we
    })
}

fn group() -> impl Strategy<Value = WorkloadGroup> {
    (
        entry_spec(),
        proptest::option::of((map(), map())),
        proptest::option::of(probe()),
        version(),
    )
        .prop_map(|(template, metadata, probe, v)| {
            let mut wg = WorkloadGroup::new(
                "group",
                "ns",
                WorkloadGroupSpec {
                    metadata: metadata.map(|(labels, annotations)| WorkloadGroupMetadata {
                        labels,
                        annotations,
                    }),
                    template,
                    probe,
                },
            );
            wg.api_version = v;
            wg
        })
}

fn assert_round_trips(r: &IstioResource) -> Result<(), TestCaseError> {
    let yaml = istio_types::write::to_yaml(r).unwrap();
    prop_assert_eq!(&read_one(&yaml), r, "through YAML:\n{}", yaml);
    let json = istio_types::write::to_json(r).unwrap();
    prop_assert_eq!(&read_one(&json), r, "through JSON:\n{}", json);
    // Validation of any value never panics.
    let _ = r.validate();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_workload_entries_round_trip(we in entry()) {
        assert_round_trips(&IstioResource::from(we))?;
    }

    #[test]
    fn prop_workload_groups_round_trip(wg in group()) {
        assert_round_trips(&IstioResource::from(wg))?;
    }
}
