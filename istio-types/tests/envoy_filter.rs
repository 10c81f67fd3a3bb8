//! EnvoyFilter reads and writes faithfully, is served only at v1alpha3, and its oneofs are
//! enums.

use istio_types::networking::{
    ApplyTo, ClusterMatch, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilter,
    EnvoyFilterSpec, EnvoyFilterTarget, ObjectMatch, Patch, PatchContext, PatchOperation,
    WorkloadSelector,
};
use istio_types::read::{Document, ReadError, read_stream};
use istio_types::{ApiVersion, IstioObject, IstioResource};
use proptest::prelude::*;

/// Every EnvoyFilter field (from `crdtree.py EnvoyFilter`), spread over several patches
/// because the match objects are a oneof.
const EF_FULL: &str = r"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: full
  namespace: istio-system
spec:
  workloadSelector:
    labels:
      istio: ingressgateway
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: GATEWAY
      proxy:
        proxyVersion: ^1\.2.*
        metadata:
          ISTIO_VERSION: 1.24.0
      listener:
        portNumber: 8080
        portName: http
        filterChain:
          name: chain
          sni: example.com
          transportProtocol: tls
          applicationProtocols: h2,http/1.1
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter:
              name: envoy.filters.http.router
          destinationPort: 443
          transportSocket: envoy.transport_sockets.tls
        listenerFilter: envoy.filters.listener.tls_inspector
        name: 0.0.0.0_8080
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.lua
        typed_config:
          '@type': type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          inlineCode: 'function envoy_on_request(h) end'
          nested:
            count: 3
            ratio: 0.5
            enabled: true
            list: [a, 1, null]
      filterClass: AUTHZ
  - applyTo: HTTP_ROUTE
    match:
      context: SIDECAR_OUTBOUND
      routeConfiguration:
        portNumber: 80
        portName: http
        gateway: istio-system/gw
        vhost:
          name: reviews:80
          route:
            name: default
            action: ROUTE
          domainName: reviews
        name: '80'
    patch:
      operation: MERGE
      value: {}
  - applyTo: CLUSTER
    match:
      context: SIDECAR_INBOUND
      cluster:
        portNumber: 9080
        service: reviews.default.svc.cluster.local
        subset: v1
        name: inbound|9080||
    patch:
      operation: REMOVE
      filterClass: UNSPECIFIED
  - applyTo: HTTP_FILTER
    match:
      context: WAYPOINT
      waypoint:
        filter:
          name: envoy.filters.network.http_connection_manager
          subFilter:
            name: envoy.filters.http.router
        route:
          name: default
        portNumber: 8080
    patch:
      operation: INSERT_FIRST
      value: {name: x}
  - applyTo: INVALID
    match:
      context: ANY
    patch:
      operation: INVALID
  priority: -10
";

fn read_one(yaml: &str) -> Result<IstioResource, Box<ReadError>> {
    let docs = read_stream(yaml, None);
    assert_eq!(docs.len(), 1, "{docs:?}");
    match docs.into_iter().next().unwrap().result {
        Ok(Document::Istio(r)) => Ok(r),
        Ok(other) => panic!("not an Istio document: {other:?}"),
        Err(e) => Err(Box::new(e)),
    }
}

fn read_err(yaml: &str) -> ReadError {
    *read_one(yaml).expect_err("expected a read error")
}

fn as_value(yaml: &str) -> serde_json::Value {
    serde_saphyr::from_str(yaml).unwrap()
}

#[test]
fn envoy_filter_with_every_field_round_trips_unchanged() {
    let first = read_one(EF_FULL).unwrap_or_else(|e| panic!("{e}"));
    let written = istio_types::write::to_yaml(&first).unwrap();
    assert_eq!(as_value(&written), as_value(EF_FULL), "{written}");
    let second = read_one(&written).unwrap();
    assert_eq!(first, second);
    assert_eq!(istio_types::write::to_yaml(&second).unwrap(), written);
    let json = istio_types::write::to_json(&first).unwrap();
    assert_eq!(read_one(&json).unwrap(), first);

    let IstioResource::EnvoyFilter(ef) = first else {
        panic!()
    };
    assert_eq!(ef.api_version(), ApiVersion::V1alpha3);
    assert_eq!(ef.spec.priority, Some(-10));
    let value = ef.spec.config_patches[0]
        .patch
        .as_ref()
        .unwrap()
        .value
        .as_ref()
        .unwrap();
    // The patch value keeps YAML's scalar types: numbers, floats, booleans and nulls.
    assert_eq!(
        value["typed_config"]["nested"]["count"],
        serde_json::json!(3)
    );
    assert_eq!(
        value["typed_config"]["nested"]["ratio"],
        serde_json::json!(0.5)
    );
    assert_eq!(
        value["typed_config"]["nested"]["list"],
        serde_json::json!(["a", 1, null])
    );
    assert!(matches!(
        ef.spec.config_patches[3].match_.as_ref().unwrap().object,
        Some(ObjectMatch::Waypoint(_))
    ));
}

#[test]
fn target_refs_form_round_trips_with_empty_namespace() {
    let yaml = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e}\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: Gateway\n    name: waypoint\n    namespace: ''\n";
    let r = read_one(yaml).unwrap();
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert_eq!(as_value(&written), as_value(yaml), "{written}");
}

#[test]
fn envoy_filter_is_served_only_at_v1alpha3() {
    let IstioResource::EnvoyFilter(mut ef) = read_one(EF_FULL).unwrap() else {
        panic!()
    };
    for v in [ApiVersion::V1, ApiVersion::V1beta1] {
        let err = ef.set_api_version(v).unwrap_err();
        assert_eq!(err.kind, "EnvoyFilter");
        assert_eq!(err.served, "v1alpha3");
        assert_eq!(
            err.to_string(),
            format!("EnvoyFilter is not served at networking.istio.io/{v} (served: v1alpha3)")
        );
    }
    assert_eq!(ef.api_version(), ApiVersion::V1alpha3);
    let e = read_err(&EF_FULL.replace("networking.istio.io/v1alpha3", "networking.istio.io/v1"));
    assert!(e.message.contains("does not serve EnvoyFilter"), "{e}");
    assert_eq!(EnvoyFilter::STORAGE_VERSION, ApiVersion::V1alpha3);
}

#[test]
fn two_match_objects_are_an_error_at_the_match() {
    let yaml = EF_FULL.replace(
        "      cluster:\n",
        "      listener: {name: x}\n      cluster:\n",
    );
    let e = read_err(&yaml);
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[2].match"),
        "{e}"
    );
    assert!(
        e.message
            .contains("only one of listener, routeConfiguration, cluster, waypoint"),
        "{e}"
    );
}

#[test]
fn workload_selector_and_target_refs_together_are_an_error_at_spec() {
    let yaml = EF_FULL.replace(
        "  priority: -10\n",
        "  priority: -10\n  targetRefs: [{kind: Gateway, name: g}]\n",
    );
    let e = read_err(&yaml);
    assert_eq!(e.path.as_deref(), Some("spec"), "{e}");
    assert!(
        e.message
            .contains("only one of workloadSelector, targetRefs"),
        "{e}"
    );
}

#[test]
fn strictness_unknown_fields_enums_quoted_numbers_non_object_values() {
    let e = read_err(&EF_FULL.replace("          sni: example.com", "          sny: example.com"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[0].match.listener.filterChain.sny"),
        "{e}"
    );
    let e = read_err(&EF_FULL.replace("action: ROUTE", "action: FORWARD"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[1].match.routeConfiguration.vhost.route.action"),
        "{e}"
    );
    let e = read_err(&EF_FULL.replace("applyTo: CLUSTER", "applyTo: Cluster"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[2].applyTo"),
        "{e}"
    );
    let e = read_err(&EF_FULL.replace("portNumber: 9080", "portNumber: '9080'"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[2].match.cluster.portNumber"),
        "{e}"
    );
    let e = read_err(&EF_FULL.replace("priority: -10", "priority: '-10'"));
    assert_eq!(e.path.as_deref(), Some("spec.priority"), "{e}");
    let e = read_err(&EF_FULL.replace("priority: -10", "priority: 3000000000"));
    assert_eq!(e.path.as_deref(), Some("spec.priority"), "{e}");
    // A patch value is a struct (a JSON object) to Istio and its CRD.
    let e = read_err(&EF_FULL.replace("      value: {}", "      value: [1]"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.configPatches[1].patch.value"),
        "{e}"
    );
}

fn context() -> impl Strategy<Value = Option<PatchContext>> {
    prop::option::of(prop_oneof![
        Just(PatchContext::Any),
        Just(PatchContext::SidecarInbound),
        Just(PatchContext::SidecarOutbound),
        Just(PatchContext::Gateway),
        Just(PatchContext::Waypoint),
    ])
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        "[a-z @:/.]{0,10}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_@]{1,6}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn prop_envoy_filter_round_trips(
        labels in prop::option::of(prop::collection::btree_map("[a-z]{1,5}", "[a-z0-9]{0,5}", 0..3)),
        context in context(),
        service in prop::option::of("[a-z.]{1,12}"),
        port in prop::option::of(any::<u32>()),
        value in prop::option::of(prop::collection::btree_map("[a-z_@]{1,6}", json_value(), 0..4)),
        priority in prop::option::of(any::<i32>()),
    ) {
        let ef = EnvoyFilter::new("e", "ns", EnvoyFilterSpec {
            target: labels.map(|labels| EnvoyFilterTarget::WorkloadSelector(WorkloadSelector { labels })),
            config_patches: vec![EnvoyConfigObjectPatch {
                apply_to: Some(ApplyTo::Cluster),
                match_: Some(EnvoyConfigObjectMatch {
                    context,
                    proxy: None,
                    object: Some(ObjectMatch::Cluster(ClusterMatch { port_number: port, service, ..ClusterMatch::default() })),
                }),
                patch: Some(Patch {
                    operation: Some(PatchOperation::Merge),
                    value: value.map(|m| m.into_iter().collect()),
                    filter_class: None,
                }),
            }],
            priority,
        });
        let yaml = istio_types::write::to_yaml(&ef).unwrap();
        let back: EnvoyFilter = istio_types::read::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        prop_assert_eq!(&back, &ef);
        let json = istio_types::write::to_json(&ef).unwrap();
        let back: EnvoyFilter = istio_types::read::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
        prop_assert_eq!(&back, &ef);
    }
}
