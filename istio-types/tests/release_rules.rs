//! The admission rules that changed between Istio releases, on both sides of each boundary.
//! Every document comes from Istio's own tests or examples (the file is named with each case;
//! `{{ .To.ServiceName }}` templates filled in, Go test structs written as YAML), and every
//! boundary was read in `pkg/config/validation` and `pkg/config/security` at the tags around it.

use istio_types::IstioResource;
use istio_types::read::{Document, read_stream};
use istio_types::release::IstioRelease;
use istio_types::validate::Report;

/// What Istio says of a document.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// No error (warnings allowed: EnvoyFilter always has one).
    Valid,
    /// At least one error, one of them at this path.
    Error(&'static str),
}
use Verdict::{Error, Valid};

struct Case {
    name: &'static str,
    /// Where the document comes from in istio/istio.
    source: &'static str,
    yaml: &'static str,
    /// The verdict of each release given.
    verdicts: &'static [((u32, u32), Verdict)],
}

const AP_HEAD: &str = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: httpbin, namespace: foo}\n";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ------------------------------------------------ AuthorizationPolicy serviceAccounts
    Case {
        name: "serviceAccounts with and without a namespace",
        source: "pilot/pkg/security/authz/builder/testdata/http/allow-full-rule-in.yaml (istio/istio#54745)",
        yaml: "spec:\n  selector:\n    matchLabels: {app: httpbin, version: v1}\n  rules:\n    - from:\n        - source:\n            serviceAccounts: [ \"my-ns/my-sa\", \"sa-only\" ]\n            notServiceAccounts: [ \"my-ns/my-sa-not\", \"sa-not-only\" ]\n",
        // The field is new in 1.25: before, the API server drops it.
        verdicts: &[((1, 24), Error("spec.rules[0].from[0].source.serviceAccounts")), ((1, 25), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "source.serviceAccount condition with a bare name",
        source: "pkg/config/security/security_test.go TestValidateAttribute {source.serviceAccount, [sa]}",
        yaml: "spec:\n  rules:\n  - when:\n    - key: source.serviceAccount\n      values: [sa]\n",
        verdicts: &[((1, 24), Error("spec.rules[0].when[0].values")), ((1, 25), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "source.serviceAccount condition with an empty namespace",
        source: "pkg/config/security/security_test.go TestValidateAttribute {source.serviceAccount, [/emptyns]}",
        yaml: "spec:\n  rules:\n  - when:\n    - key: source.serviceAccount\n      values: [/emptyns]\n",
        verdicts: &[((1, 25), Error("spec.rules[0].when[0].values[0]")), ((1, 32), Error("spec.rules[0].when[0].values[0]"))],
    },
    Case {
        name: "source.serviceAccount condition with two slashes",
        source: "pkg/config/security/security_test.go TestValidateAttribute {source.serviceAccount, [too/many/slashes]}",
        yaml: "spec:\n  rules:\n  - when:\n    - key: source.serviceAccount\n      values: [too/many/slashes]\n",
        verdicts: &[((1, 32), Error("spec.rules[0].when[0].values[0]"))],
    },
    // ------------------------------------------------ source.trustDomain, trustDomains
    Case {
        name: "source.trustDomain conditions",
        source: "tests/integration/security/testdata/authz/conditions.yaml.tmpl (source-trust-domain)",
        yaml: "spec:\n  selector:\n    matchLabels:\n      app: \"b\"\n  rules:\n  - to:\n    - operation:\n        paths: [ \"/source-trust-domain\" ]\n    when:\n    - key: source.trustDomain\n      values: [ \"cluster.local\" ]\n  - to:\n      - operation:\n          paths: [ \"/source-trust-domain-notValues\" ]\n    when:\n      - key: source.trustDomain\n        notValues: [ \"bad.example.com\" ]\n",
        verdicts: &[((1, 29), Error("spec.rules[0].when[0].values")), ((1, 30), Valid), ((1, 31), Valid)],
    },
    Case {
        name: "source.trustDomain with a wildcard in the middle",
        source: "pkg/config/security/security_test.go TestValidateAttribute {source.trustDomain, [fo*-bar]}",
        yaml: "spec:\n  rules:\n  - when:\n    - key: source.trustDomain\n      values: [fo*-bar]\n",
        verdicts: &[((1, 30), Error("spec.rules[0].when[0].values[0]")), ((1, 32), Error("spec.rules[0].when[0].values[0]"))],
    },
    Case {
        name: "source.trustDomain with two wildcards",
        source: "pkg/config/security/security_test.go TestValidateAttribute {source.trustDomain, [fo*bar*]}",
        yaml: "spec:\n  rules:\n  - when:\n    - key: source.trustDomain\n      values: [\"fo*bar*\"]\n",
        verdicts: &[((1, 32), Error("spec.rules[0].when[0].values[0]"))],
    },
    Case {
        name: "trustDomains sources",
        source: "pilot/pkg/security/authz/builder/testdata/http/trust-domains-in.yaml (istio/istio#59358)",
        yaml: "spec:\n  selector:\n    matchLabels: {app: httpbin, version: v1}\n  rules:\n    - from:\n        - source:\n            trustDomains: [\"cluster.local\", \"another.local\"]\n        - source:\n            notTrustDomains: [\"bad*\", \"untrusted\"]\n",
        verdicts: &[((1, 29), Error("spec.rules[0].from[0].source.trustDomains")), ((1, 30), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "a trust domain with a slash",
        source: "pkg/config/security/security_test.go TestCheckTrustDomainValues {slash}",
        yaml: "spec:\n  rules:\n    - from:\n        - source:\n            trustDomains: [cluster.local/ns/foo]\n",
        verdicts: &[((1, 30), Error("spec.rules[0].from[0].source.trustDomains[0]"))],
    },
    // ------------------------------------------------ targetRef, targetRefs: fields and kinds by release
    Case {
        name: "AuthorizationPolicy targetRef to a Gateway",
        source: "pkg/config/validation/validation_test.go TestValidateAuthorizationPolicy target-ref-good (istio/istio#46621, 1.20)",
        yaml: "spec:\n  action: DENY\n  targetRef:\n    group: gateway.networking.k8s.io\n    kind: Gateway\n    name: foo\n  rules:\n  - from:\n    - source:\n        principals: [temp]\n    to:\n    - operation:\n        ports: [\"8080\"]\n        methods: [GET, DELETE]\n",
        // No targetRef before 1.20: the API server drops it and the DENY policy covers the namespace.
        verdicts: &[((1, 19), Error("spec.targetRef")), ((1, 20), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "AuthorizationPolicy targetRef to a Service",
        source: "pkg/config/validation/validation_test.go TestValidateAuthorizationPolicy target-refs-good-service, as targetRef (istio/istio#50436, 1.22)",
        yaml: "spec:\n  action: DENY\n  targetRef:\n    group: \"\"\n    kind: Service\n    name: foo\n  rules:\n  - from:\n    - source:\n        principals: [temp]\n    to:\n    - operation:\n        ports: [\"8080\"]\n",
        // 1.20 and 1.21 accept only gateway.networking.k8s.io/Gateway.
        verdicts: &[((1, 20), Error("spec.targetRef")), ((1, 21), Error("spec.targetRef")), ((1, 22), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "RequestAuthentication targetRefs to a Service",
        source: "pkg/config/validation/testdata/crds/reqauth-valid.yaml (full), at v1beta1",
        yaml: "apiVersion: security.istio.io/v1beta1\nkind: RequestAuthentication\nmetadata:\n  name: full\nspec:\n  targetRefs:\n  - group: \"\"\n    kind: Service\n    name: foo\n  jwtRules:\n  - issuer: \"example.com\"\n    jwksUri: https://example.com/.well-known/jwks.json\n",
        // No targetRefs before 1.22.
        verdicts: &[((1, 21), Error("spec.targetRefs")), ((1, 22), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "Telemetry targetRefs to a ServiceEntry",
        source: "istio/istio#52154 (Allow ServiceEntry as targetRef, 1.24); access logging as in TestValidateTelemetry",
        yaml: "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata: {name: external, namespace: default}\nspec:\n  targetRefs:\n  - group: networking.istio.io\n    kind: ServiceEntry\n    name: external\n  accessLogging:\n  - providers:\n    - name: envoy\n",
        verdicts: &[((1, 22), Error("spec.targetRefs[0]")), ((1, 23), Error("spec.targetRefs[0]")), ((1, 24), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "WasmPlugin targetRef to a GatewayClass",
        source: "istio/istio#54910 (targetRef=gwclass policy attachment, 1.25); url as in TestValidateWasmPlugin",
        yaml: "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: all-gateways, namespace: istio-system}\nspec:\n  targetRef:\n    group: gateway.networking.k8s.io\n    kind: GatewayClass\n    name: istio\n  url: http://test.com/test\n",
        verdicts: &[((1, 24), Error("spec.targetRef")), ((1, 25), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "EnvoyFilter targetRefs to a GatewayClass",
        source: "crd-all.gen.yaml at 1.23.0 and 1.24.0 (\"Support kinds are core/Service ...\" on EnvoyFilter targetRefs, dropped in 1.25); ValidateEnvoyFilter checks no kind",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f, namespace: istio-system}\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: GatewayClass\n    name: istio\n  configPatches:\n    - applyTo: CLUSTER\n      patch:\n        operation: REMOVE\n",
        verdicts: &[((1, 21), Error("spec.targetRefs")), ((1, 22), Valid), ((1, 23), Error("spec.targetRefs[0]")), ((1, 24), Error("spec.targetRefs[0]")), ((1, 25), Valid), ((1, 32), Valid)],
    },
    // ------------------------------------------------ EnvoyFilter context WAYPOINT
    Case {
        name: "waypoint HTTP_FILTER patch",
        source: "pkg/config/validation/testdata/crds/envoyfilter-valid.yaml (waypoint-http-filter)",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: waypoint-http-filter\nspec:\n  configPatches:\n    - applyTo: HTTP_FILTER\n      match:\n        context: WAYPOINT\n        waypoint:\n          filter:\n            name: \"envoy.filters.network.http_connection_manager\"\n            subFilter:\n              name: \"envoy.filters.http.router\"\n      patch:\n        operation: REMOVE\n",
        verdicts: &[((1, 28), Error("spec.configPatches[0].match.context")), ((1, 29), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "waypoint CLUSTER patch",
        source: "pkg/config/validation/testdata/crds/envoyfilter-valid.yaml (waypoint-cluster)",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: waypoint-cluster\nspec:\n  configPatches:\n    - applyTo: CLUSTER\n      match:\n        context: WAYPOINT\n        waypoint: {}\n      patch:\n        operation: REMOVE\n",
        verdicts: &[((1, 28), Error("spec.configPatches[0].match.context")), ((1, 29), Valid), ((1, 32), Valid)],
    },
    // ------------------------------------------------ proxyVersion: Go's RE2, not the regex crate
    Case {
        name: "proxyVersion with a stacked repetition",
        source: "pkg/config/validation/envoyfilter/envoyfilter_test.go \"match with invalid regex\" (Go: invalid nested repetition operator: `++`)",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f}\nspec:\n  configPatches:\n    - applyTo: CLUSTER\n      match:\n        proxy:\n          proxyVersion: '%#@~++==`24c234`'\n      patch:\n        operation: REMOVE\n",
        verdicts: &[((1, 5), Error("spec.configPatches[0].match.proxy.proxyVersion")), ((1, 32), Error("spec.configPatches[0].match.proxy.proxyVersion"))],
    },
    Case {
        name: "proxyVersion Istio's tests accept",
        source: "pkg/config/validation/envoyfilter/envoyfilter_test.go \"match with valid regex\"",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f}\nspec:\n  configPatches:\n    - applyTo: CLUSTER\n      match:\n        proxy:\n          proxyVersion: 'release-1\\.2-23434'\n      patch:\n        operation: REMOVE\n",
        verdicts: &[((1, 32), Valid)],
    },
    // ------------------------------------------------ patch values Envoy's API refuses
    Case {
        name: "CLUSTER patch whose name is a boolean",
        source: "pkg/config/validation/testdata/crds/envoyfilter-valid.yaml add-cluster, its name made a boolean (pkg/config/xds BuildXDSObjectFromStruct refuses a wrong JSON type)",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: add-cluster\nspec:\n  configPatches:\n    - applyTo: CLUSTER\n      patch:\n        operation: ADD\n        value:\n          name: false\n",
        verdicts: &[((1, 25), Error("spec.configPatches[0].patch.value.name")), ((1, 32), Error("spec.configPatches[0].patch.value.name"))],
    },
    Case {
        name: "CLUSTER patch as Istio's valid examples write it",
        source: "pkg/config/validation/testdata/crds/envoyfilter-valid.yaml (add-cluster, http-filter, merge-and-replace-list)",
        yaml: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: add-cluster\nspec:\n  configPatches:\n    - applyTo: CLUSTER\n      patch:\n        operation: ADD\n        value: # cluster specification\n          name: \"lua_cluster\"\n    - applyTo: HTTP_FILTER\n      match:\n        listener:\n          filterChain:\n            filter:\n              name: \"envoy.filters.network.http_connection_manager\"\n      patch:\n        operation: INSERT_FIRST\n        value:\n          name: envoy.filters.http.ext_proc\n          typed_config:\n            \"@type\": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor\n            failure_mode_allow: false\n",
        verdicts: &[((1, 32), Valid)],
    },
    // ------------------------------------------------ VirtualService bound to a gateway, generated SNI
    Case {
        name: "sniHosts in Istio's generated form",
        source: "pkg/config/validation/validation_test.go TestValidateVirtualService (outbound_.15010_._.istiod...), port 9080 as in samples/bookinfo",
        yaml: "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n  hosts: [\"outbound_.9080_._.reviews.default.svc.cluster.local\"]\n  gateways: [istio-eastwestgateway]\n  tls:\n  - match:\n    - port: 15443\n      sniHosts: [\"outbound_.9080_._.reviews.default.svc.cluster.local\"]\n    route:\n    - destination: {host: reviews.default.svc.cluster.local, port: {number: 9080}}\n",
        verdicts: &[((1, 25), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "generated SNI with a port that is not a number",
        source: "pkg/config/validation/agent/validation_test.go TestValidateWildcardDomainForVirtualServiceBoundToGateway (outbound_.thisIsNotAPort_._.e2e.foobar.mesh)",
        yaml: "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: e2e, namespace: default}\nspec:\n  hosts: [\"*.foobar.mesh\"]\n  gateways: [gw]\n  tls:\n  - match:\n    - sniHosts: [\"outbound_.thisIsNotAPort_._.e2e.foobar.mesh\"]\n    route:\n    - destination: {host: e2e.foobar.mesh}\n",
        verdicts: &[((1, 32), Error("spec.tls[0].match[0].sniHosts[0]"))],
    },
    // ------------------------------------------------ Sidecar egress exclusions
    Case {
        name: "egress: all but a namespace",
        source: "pkg/config/validation/validation_test.go TestValidateSidecar \"import all except a namespace\" (istio/istio#60581)",
        yaml: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: foo}\nspec:\n  egress:\n  - hosts: [\"*/*\", \"~ns1/*\"]\n",
        verdicts: &[((1, 30), Error("spec.egress[0].hosts[1]")), ((1, 31), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "egress: all but an exact host",
        source: "pkg/config/validation/validation_test.go TestValidateSidecar \"import all except an exact host\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: foo}\nspec:\n  egress:\n  - hosts: [\"*/*\", \"~/foo.com\"]\n",
        verdicts: &[((1, 31), Valid)],
    },
    Case {
        name: "egress: exclusion of an invalid namespace",
        source: "pkg/config/validation/validation_test.go TestValidateSidecar \"exclude with invalid namespace\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: foo}\nspec:\n  egress:\n  - hosts: [\"*/*\", \"~Invalid_NS/*\"]\n",
        verdicts: &[((1, 30), Error("spec.egress[0].hosts[1]")), ((1, 31), Error("spec.egress[0].hosts[1]"))],
    },
    // ------------------------------------------------ ServiceEntry DYNAMIC_DNS
    Case {
        name: "DYNAMIC_DNS",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS\" (istio/istio#57658)",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [\"*.google.com\"]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  - {number: 8080, protocol: http, name: http-valid2}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 27), Error("spec.resolution")), ((1, 28), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "DYNAMIC_DNS with a TCP port",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, unsupported TCP protocol\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [\"*.google.com\"]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  - {number: 81, protocol: TCP, name: tcp-valid1}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 28), Error("spec.ports[1].protocol")), ((1, 30), Error("spec.ports[1].protocol")), ((1, 32), Error("spec.ports[1].protocol"))],
    },
    Case {
        name: "DYNAMIC_DNS with a gRPC port",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, GRPC protocol\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: grpc, namespace: default}\nspec:\n  hosts: [\"*.svc.cluster.local\"]\n  ports:\n  - {number: 9090, protocol: GRPC, name: grpc}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 29), Error("spec.ports[0].protocol")), ((1, 30), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "DYNAMIC_DNS with a host that is not a wildcard",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, FQDN host\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [google.com]\n  ports:\n  - {number: 80, protocol: http, name: http-valid}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 28), Error("spec.hosts[0]")), ((1, 30), Error("spec.hosts[0]")), ((1, 32), Error("spec.hosts[0]"))],
    },
    Case {
        name: "DYNAMIC_DNS with endpoints",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, endpoints set\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [\"*.google.com\"]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  endpoints:\n  - {address: in.google.com, ports: {http-valid1: 9080}}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 30), Error("spec.endpoints")), ((1, 32), Error("spec.endpoints"))],
    },
    Case {
        name: "DYNAMIC_DNS with an address",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, IP address set\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [\"*.google.com\"]\n  addresses: [10.10.10.10]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  - {number: 8080, protocol: http, name: http-valid2}\n  resolution: DYNAMIC_DNS\n",
        verdicts: &[((1, 30), Error("spec.addresses")), ((1, 32), Error("spec.addresses"))],
    },
    Case {
        name: "DYNAMIC_DNS inside the mesh",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, internal mesh location\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: google, namespace: default}\nspec:\n  hosts: [\"*.google.com\"]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  resolution: DYNAMIC_DNS\n  location: MESH_INTERNAL\n",
        verdicts: &[((1, 29), Error("spec.location")), ((1, 30), Valid), ((1, 32), Valid)],
    },
    Case {
        name: "DYNAMIC_DNS inside the mesh behind a waypoint",
        source: "pkg/config/validation/validation_test.go TestValidateServiceEntries \"discovery type DYNAMIC_DNS, MESH_INTERNAL with waypoint (invalid)\"",
        yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: google\n  namespace: default\n  labels: {istio.io/use-waypoint: my-waypoint}\nspec:\n  hosts: [\"*.google.com\"]\n  ports:\n  - {number: 80, protocol: http, name: http-valid1}\n  resolution: DYNAMIC_DNS\n  location: MESH_INTERNAL\n",
        verdicts: &[((1, 30), Error("spec.location")), ((1, 32), Error("spec.location"))],
    },
];

fn validate(yaml: &str, release: IstioRelease) -> Report {
    let docs = read_stream(yaml, None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!("does not read: {:?}\n{yaml}", docs[0].result)
    };
    let r: &IstioResource = r;
    r.validate_for(release)
}

fn document(c: &Case) -> String {
    if c.yaml.starts_with("apiVersion") {
        c.yaml.to_owned()
    } else {
        format!("{AP_HEAD}{}", c.yaml)
    }
}

#[test]
fn each_release_gets_its_own_verdict() {
    let mut failures = Vec::new();
    for c in CASES {
        let yaml = document(c);
        for &((major, minor), verdict) in c.verdicts {
            let release = IstioRelease::new(major, minor);
            let report = validate(&yaml, release);
            let errors: Vec<_> = report.errors().collect();
            let ok = match verdict {
                Valid => errors.is_empty(),
                Error(path) => errors.iter().any(|f| f.path == path),
            };
            if !ok {
                failures.push(format!(
                    "{} ({}) at Istio {release}: expected {verdict:?}, got {:#?}",
                    c.name, c.source, report.findings
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every boundary the issue names is tested on both sides, and `validate()` is the newest
/// release's verdict.
#[test]
fn boundaries_are_tested_on_both_sides_and_validate_is_the_newest() {
    for boundary in [
        (1, 20),
        (1, 22),
        (1, 23),
        (1, 24),
        (1, 25),
        (1, 28),
        (1, 29),
        (1, 30),
        (1, 31),
    ] {
        let before = (boundary.0, boundary.1 - 1);
        let sides = CASES.iter().any(|c| {
            let releases: Vec<_> = c.verdicts.iter().map(|v| v.0).collect();
            releases.contains(&before) && releases.contains(&boundary)
        });
        assert!(sides, "no case on both sides of {boundary:?}");
    }
    for c in CASES {
        let yaml = document(c);
        let docs = read_stream(&yaml, None);
        let Ok(Document::Istio(r)) = &docs[0].result else {
            panic!()
        };
        assert_eq!(
            r.validate(),
            r.validate_for(IstioRelease::NEWEST_KNOWN),
            "{}",
            c.name
        );
    }
}

#[test]
fn release_messages_name_the_release() {
    let yaml = document(&CASES[0]);
    let report = validate(&yaml, IstioRelease::new(1, 24));
    let e = report.errors().next().unwrap();
    assert!(
        e.message.contains("1.25") && e.message.contains("1.24"),
        "{e}"
    );
}
