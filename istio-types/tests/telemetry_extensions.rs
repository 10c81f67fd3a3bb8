//! Telemetry (telemetry.istio.io v1alpha1, v1), WasmPlugin (extensions.istio.io v1alpha1) and
//! ProxyConfig (networking.istio.io v1beta1): strict reading, Istio's webhook rules, lossless
//! writing and conversion between served versions.
//!
//! Examples come from istio/istio at tag 1.30.3: pkg/config/validation/testdata/crds/
//! {telemetry,wasm,proxyconfig}-{valid,invalid}.yaml (the CRD tests, `_err` lines removed),
//! pkg/test/datasets/validation/dataset/*.yaml and pkg/config/validation/validation_test.go
//! (`TestValidateWasmPlugin`, `TestValidateTelemetry`).

use istio_types::read::{Document, ReadError, read_stream};
use istio_types::{ApiVersion, IstioResource};

fn read_all(yaml: &str) -> Vec<Result<IstioResource, Box<ReadError>>> {
    read_stream(yaml, None)
        .into_iter()
        .map(|d| match d.result {
            Ok(Document::Istio(r)) => Ok(r),
            Ok(other) => panic!("not an Istio resource: {other:?}"),
            Err(e) => Err(Box::new(e)),
        })
        .collect()
}

fn read_one(yaml: &str) -> Result<IstioResource, Box<ReadError>> {
    read_all(yaml).remove(0)
}

/// Each document reads, passes our rules and both CRD bundles, and writes back to an equal
/// object.
fn assert_valid_and_round_trips(yaml: &str) -> Vec<IstioResource> {
    let crds = [testkit::CrdSet::istio(), testkit::CrdSet::istio_1_30_3()];
    let mut out = Vec::new();
    for r in read_all(yaml) {
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        let name = r.metadata().name.clone().unwrap_or_default();
        let report = r.validate();
        assert!(!report.has_errors(), "{name}: {report:?}");
        let json = serde_json::to_value(&r).unwrap();
        for crds in crds.into_iter().flatten() {
            crds.assert_valid(&json);
        }
        let written = istio_types::write::to_yaml(&r).unwrap();
        assert_eq!(read_one(&written).unwrap(), r, "{name}:\n{written}");
        out.push(r);
    }
    out
}

fn assert_error_at(yaml: &str, path: &str, words: &str) {
    let r = read_one(yaml).unwrap_or_else(|e| panic!("{e}"));
    let report = r.validate();
    assert!(
        report
            .errors()
            .any(|f| f.path == path && f.message.contains(words)),
        "expected an error at {path} with {words:?}: {report:?}"
    );
}

fn assert_read_error_at(yaml: &str, path: &str, words: &str) {
    let e = read_one(yaml).unwrap_err();
    assert_eq!(e.path.as_deref(), Some(path), "{e}");
    assert!(e.message.contains(words), "{e}");
}

/// telemetry-valid.yaml.
const TELEMETRY_VALID: &str = r#"apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: full
spec:
  metrics:
  - providers:
    - name: prometheus
    reportingInterval: 5s
    overrides:
    - tagOverrides:
        request_method:
          value: "request.method"
        request_host:
          value: "request.host"
      match:
        customMetric: "foo"
      disabled: false
    - match:
        metric: GRPC_REQUEST_MESSAGES
      disabled: true
  accessLogging:
  - disabled: false
    filter:
      expression: 'true'
    match:
      mode: CLIENT
    providers:
    - name: stdout
  tracing:
  - providers:
    - name: otlp
    match:
      mode: CLIENT_AND_SERVER
    randomSamplingPercentage: 54.54
    useRequestIdForTraceSampling: true
    disableSpanReporting: false
    customTags:
      env:
        environment:
          name: "NAME"
          defaultValue: "default"
      header:
        header:
          name: "x-name"
          defaultValue: "default name"
      literal:
        literal:
          value: "default literal"
---
apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: tag-upsert
spec:
  metrics:
  - overrides:
    - tagOverrides:
        foo:
          operation: UPSERT
          value: add
---
apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: tag-remove
spec:
  metrics:
  - overrides:
    - tagOverrides:
        foo:
          operation: REMOVE
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: valid
spec:
  tracing:
  - randomSamplingPercentage: 10.00
"#;

/// Every field the CRD has that the examples above leave out (crd-all.gen.yaml).
const TELEMETRY_REST: &str = r#"apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: rest
  namespace: foo
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: waypoint
  tracing:
  - enableIstioTags: true
    disableContextPropagation: false
    customTags:
      fmt:
        formatter:
          value: "%REQ(:PATH)%"
      none: {}
  metrics:
  - overrides:
    - match:
        metric: ALL_METRICS
        mode: SERVER
"#;

#[test]
fn telemetry_examples_from_istio_are_valid_and_round_trip() {
    let all = assert_valid_and_round_trips(TELEMETRY_VALID);
    assert_eq!(all.len(), 4);
    let IstioResource::Telemetry(t) = &all[0] else {
        panic!("{:?}", all[0])
    };
    assert_eq!(t.spec.tracing[0].random_sampling_percentage, Some(54.54));
    assert_eq!(all[3].api_version(), ApiVersion::V1);
    assert_valid_and_round_trips(TELEMETRY_REST);
}

#[test]
fn telemetry_invalid_examples_from_istio_get_their_finding() {
    // telemetry-invalid.yaml: "name in body should be at least 1 chars long".
    assert_error_at(
        "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: bad-provider\nspec:\n  metrics:\n  - providers:\n    - name: \"\"\n",
        "spec.metrics[0].providers[0].name",
        "providers.name may not be empty",
    );
    // "customMetric in body should be at least 1 chars long".
    assert_error_at(
        "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: bad-custom-metric\nspec:\n  metrics:\n  - overrides:\n    - match:\n        customMetric: \"\"\n",
        "spec.metrics[0].overrides[0].match.customMetric",
        "customMetric may not be empty",
    );
    // "value must be set when operation is UPSERT"; without `operation` too (protobuf's
    // default is UPSERT, validation.go's validateTelemetryMetrics).
    for op in ["\n          operation: UPSERT", ""] {
        assert_error_at(
            &format!(
                "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: bad-tag-upsert\nspec:\n  metrics:\n  - overrides:\n    - tagOverrides:\n        foo:{op}\n          {}\n",
                if op.is_empty() { "value: \"\"" } else { "" }
            ),
            "spec.metrics[0].overrides[0].tagOverrides[foo].value",
            "must be set when operation is UPSERT",
        );
    }
    // "value must not be set when operation is REMOVE".
    assert_error_at(
        "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: bad-tag-remove\nspec:\n  metrics:\n  - overrides:\n    - tagOverrides:\n        foo:\n          operation: REMOVE\n          value: oops\n",
        "spec.metrics[0].overrides[0].tagOverrides[foo].value",
        "only be set when operation is UPSERT",
    );
}

#[test]
fn telemetry_tracing_rules() {
    let doc = |tracing: &str| {
        format!(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  tracing:\n{tracing}"
        )
    };
    assert_error_at(
        &doc("  - randomSamplingPercentage: 100.5\n"),
        "spec.tracing[0].randomSamplingPercentage",
        "range [0.0, 100.0]",
    );
    assert_error_at(
        &doc("  - customTags:\n      a:\n        literal:\n          value: \"\"\n"),
        "spec.tracing[0].customTags[a].literal.value",
        "literal tag value may not be empty",
    );
    assert_error_at(
        &doc("  - customTags:\n      a:\n        header:\n          name: \"\"\n"),
        "spec.tracing[0].customTags[a].header.name",
        "header tag name may not be empty",
    );
    // Two tracing entries or two providers: warnings, not errors.
    let r = read_one(&doc(
        "  - providers: [{name: a}, {name: b}]\n  - providers: [{name: c}]\n",
    ))
    .unwrap();
    let report = r.validate();
    assert!(!report.has_errors(), "{report:?}");
    let warned: Vec<_> = report.warnings().map(|f| f.path.as_str()).collect();
    assert_eq!(warned, ["spec.tracing", "spec.tracing[0].providers"]);
    // Two sources of one tag: refused when read (the CRD's oneOf).
    assert_read_error_at(
        &doc("  - customTags:\n      a:\n        literal: {value: x}\n        header: {name: h}\n"),
        "spec.tracing[0].customTags.a",
        "only one of literal, environment, header, formatter",
    );
}

#[test]
fn telemetry_reporting_interval_is_a_go_duration_of_at_least_1ms() {
    let doc = |d: &str| {
        format!(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  metrics:\n  - reportingInterval: {d}\n"
        )
    };
    // The CRD's rule is `duration(self) >= duration('1ms')`; no whole-millisecond rule applies.
    assert_valid_and_round_trips(&doc("1500us"));
    assert_error_at(
        &doc("500us"),
        "spec.metrics[0].reportingInterval",
        "at least 1ms",
    );
    assert!(read_one(&doc("5 s")).is_err());
}

#[test]
fn telemetry_target_rules_are_the_policy_ones() {
    // validation_test.go TestValidateTelemetry: a targetRef with a namespace, and two of
    // selector/targetRef/targetRefs.
    let doc = "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  targetRef:\n    kind: Gateway\n    group: gateway.networking.k8s.io\n    name: foo\n    namespace: bar\n";
    assert_error_at(doc, "spec.targetRef.namespace", "");
    let both = "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  selector:\n    matchLabels: {app: a}\n  targetRef:\n    kind: Service\n    name: foo\n";
    let e = read_one(both).unwrap_err();
    assert!(
        e.message
            .contains("only one of selector, targetRef, targetRefs"),
        "{e}"
    );
    if let Some(crds) = testkit::CrdSet::istio() {
        let v: serde_json::Value = serde_saphyr::from_str(both).unwrap();
        assert!(!crds.check(&v).is_empty());
    }
}

#[test]
fn unknown_telemetry_fields_are_refused_with_their_path() {
    assert_read_error_at(
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  tracing:\n  - providers:\n    - name: a\n      nmae: b\n",
        "spec.tracing[0].providers[0].nmae",
        "unknown field",
    );
    assert_read_error_at(
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  accessLogging:\n  - filter:\n      expresion: 'true'\n",
        "spec.accessLogging[0].filter.expresion",
        "unknown field",
    );
    assert_read_error_at(
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  metrics:\n  - overrides:\n    - match:\n        metric: REQUEST_COUNTS\n",
        "spec.metrics[0].overrides[0].match.metric",
        "REQUEST_COUNTS",
    );
    assert_read_error_at(
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  tracing:\n  - randomSamplingPercentage: '10'\n",
        "spec.tracing[0].randomSamplingPercentage",
        "quoted number",
    );
}

#[test]
fn telemetry_converts_between_v1alpha1_and_v1_only() {
    // Both served in the newest CRDs and in 1.30.3's: v1 is served since Istio 1.22.
    for crds in [testkit::CrdSet::istio(), testkit::CrdSet::istio_1_30_3()]
        .into_iter()
        .flatten()
    {
        let served = crds.served();
        for v in ["v1alpha1", "v1"] {
            assert!(
                served
                    .iter()
                    .any(|(g, ver, k)| g == "telemetry.istio.io" && ver == v && k == "Telemetry"),
                "{v}: {served:?}"
            );
        }
    }
    let mut t = read_one(TELEMETRY_VALID).unwrap();
    let before = t.clone();
    t.set_api_version(ApiVersion::V1).unwrap();
    let yaml = istio_types::write::to_yaml(&t).unwrap();
    assert!(
        yaml.starts_with("apiVersion: telemetry.istio.io/v1\n"),
        "{yaml}"
    );
    let mut back = read_one(&yaml).unwrap();
    back.set_api_version(ApiVersion::V1alpha1).unwrap();
    assert_eq!(back, before);
    for v in [ApiVersion::V1alpha3, ApiVersion::V1beta1] {
        let e = t.set_api_version(v).unwrap_err();
        assert_eq!(e.served, "v1alpha1, v1");
    }
}

/// wasm-valid.yaml, then the dataset's example.
const WASM_VALID: &str = r#"apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: full
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: file:///opt/filters/openid.wasm
  sha256: 1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210
  phase: AUTHN
  pluginConfig:
    openid_server: authn
    openid_realm: ingress
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: sha256-empty
spec:
  url: "http://test"
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: url-without-schema
spec:
  url: "test"
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: env
spec:
  url: "http://test"
  vmConfig:
    env:
      - name: "test"
        valueFrom: HOST
      - name: "test2"
        valueFrom: INLINE
        value: "test"
      - name: "test3"
        value: "test"
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: valid
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://private-registry:5000/openid-connect/openid:latest
  imagePullPolicy: IfNotPresent
  imagePullSecret: private-registry-pull-secret
  phase: AUTHN
  pluginConfig:
    openid_server: authn
    openid_realm: ingress
"#;

/// The fields the examples leave out (crd-all.gen.yaml).
const WASM_REST: &str = r"apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: rest
  namespace: foo
spec:
  targetRef:
    kind: Service
    name: reviews
  url: oci://ghcr.io/example/plugin:v1
  imagePullPolicy: Always
  verificationKey: key
  pluginName: example
  phase: STATS
  priority: -10
  failStrategy: FAIL_OPEN
  type: HTTP
  pluginConfig:
    nested:
      list: [1, two, {three: 3}]
    flag: true
  match:
  - mode: SERVER
    ports:
    - number: 8080
";

#[test]
fn wasm_plugin_examples_from_istio_are_valid_and_round_trip() {
    let all = assert_valid_and_round_trips(WASM_VALID);
    assert_eq!(all.len(), 5);
    let IstioResource::WasmPlugin(w) = &all[0] else {
        panic!("{:?}", all[0])
    };
    assert_eq!(
        w.spec.plugin_config.as_ref().unwrap()["openid_realm"],
        "ingress"
    );
    assert_valid_and_round_trips(WASM_REST);
    // validation_test.go TestValidateWasmPlugin: "valid oci no scheme", "valid http w/ sha".
    for url in [
        "test.com/test",
        "oci://test.com/test",
        "http://test.com/test",
    ] {
        assert_valid_and_round_trips(&format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n  url: {url}\n"
        ));
    }
}

#[test]
fn wasm_plugin_invalid_examples_from_istio_get_their_finding() {
    let doc = |rest: &str| {
        format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n{rest}"
        )
    };
    // wasm-invalid.yaml.
    assert_read_error_at(
        &doc("  url: http://test\n  match:\n    - ports:\n      - {}\n"),
        "spec.match[0].ports[0]",
        "number",
    );
    assert_error_at(
        &doc("  url: \"\"\n"),
        "spec.url",
        "url field needs to be set",
    );
    assert_error_at(
        &doc("  url: \"#%blah$#@\"\n"),
        "spec.url",
        "failed to parse url",
    );
    assert_error_at(
        &doc("  url: \"fake://example.com\"\n"),
        "spec.url",
        "unsupported scheme: fake",
    );
    assert_error_at(
        &doc("  url: http://test\n  sha256: foo\n"),
        "spec.sha256",
        "64 characters",
    );
    assert_error_at(
        &doc("  url: http://test\n  imagePullSecret: \"\"\n"),
        "spec.imagePullSecret",
        "1-253",
    );
    assert_error_at(
        &doc("  url: http://test\n  pluginName: \"\"\n"),
        "spec.pluginName",
        "1-256",
    );
    assert_error_at(
        &doc("  url: http://test\n  vmConfig:\n    env:\n    - name: a\n    - name: a\n"),
        "spec.vmConfig.env[1].name",
        "duplicate env",
    );
    assert_error_at(
        &doc("  url: http://test\n  vmConfig:\n    env:\n      - name: \"\"\n"),
        "spec.vmConfig.env[0].name",
        "spec.vmConfig.env invalid",
    );
    assert_error_at(
        &doc(
            "  url: http://test\n  vmConfig:\n    env:\n    - name: test\n      valueFrom: HOST\n      value: value\n",
        ),
        "spec.vmConfig.env[0].value",
        "only be set when valueFrom is INLINE",
    );
    // `spec:` with nothing, and `url:` with nothing: null, which the CRD refuses.
    assert!(read_one(&doc("")).is_err());
    assert!(read_one(&doc("  url:\n")).is_err());
    assert_error_at(
        &doc("  url: http://test\n  selector:\n    matchLabels:\n      istio: \"bar*\"\n"),
        "spec.selector.matchLabels[istio]",
        "wildcard",
    );
    // validation_test.go TestValidateWasmPlugin.
    assert_error_at(
        &doc("  url: ftp://test.com/test\n"),
        "spec.url",
        "unsupported scheme",
    );
    assert_error_at(
        &doc(
            "  url: http://test.com/test\n  sha256: 01Ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b\n",
        ),
        "spec.sha256",
        "[a-f0-9]{64}",
    );
    assert_error_at(
        &doc(
            "  url: http://test.com/test\n  targetRef:\n    kind: wrong-kind\n    group: gateway.networking.k8s.io\n    name: foo\n",
        ),
        "spec.targetRef",
        "",
    );
    assert_error_at(
        &doc("  url: http://test\n  match:\n  - ports:\n    - number: 0\n"),
        "spec.match[0].ports[0].number",
        "out of range",
    );
}

#[test]
fn wasm_plugin_needs_its_spec_and_is_served_at_v1alpha1_only() {
    let e = read_one(
        "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\n",
    )
    .unwrap_err();
    assert!(e.message.contains("missing field `spec`"), "{e}");
    let mut w = read_one(WASM_VALID).unwrap();
    assert_eq!(w.served_versions(), [ApiVersion::V1alpha1]);
    assert!(w.set_api_version(ApiVersion::V1).is_err());
    assert_read_error_at(
        "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n  url: http://test\n  vmConfig:\n    env:\n    - name: a\n      valuefrom: HOST\n",
        "spec.vmConfig.env[0].valuefrom",
        "unknown field",
    );
}

/// proxyconfig-valid.yaml, then the dataset's example.
const PROXY_CONFIG_VALID: &str = r"apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata:
  name: full
spec:
  concurrency: 1
  selector:
    matchLabels:
      foo: bar
  image:
    imageType: foo
  environmentVariables:
    foo: baz
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata:
  name: valid-example-pc
spec:
  concurrency: 3
";

#[test]
fn proxy_config_examples_from_istio() {
    let all = assert_valid_and_round_trips(PROXY_CONFIG_VALID);
    assert_eq!(all.len(), 2);
    let doc = |rest: &str| {
        format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: p\nspec:\n{rest}"
        )
    };
    // proxyconfig-invalid.yaml.
    assert_error_at(
        &doc("  concurrency: -1\n"),
        "spec.concurrency",
        "greater than or equal to 0",
    );
    assert_error_at(
        &doc("  selector:\n    matchLabels:\n      \"\": bar\n"),
        "spec.selector.matchLabels[]",
        "empty key",
    );
    // ProxyConfig is served at v1beta1 only; without spec it reads as empty.
    let mut p = read_one(&doc("  concurrency: 0\n")).unwrap();
    assert!(p.set_api_version(ApiVersion::V1).is_err());
    assert!(read_one(&doc("  concurency: 2\n")).is_err());
    let empty =
        "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: p\n";
    let r = read_one(empty).unwrap();
    assert_eq!(istio_types::write::to_yaml(&r).unwrap(), empty);
}
