//! The security kinds (AuthorizationPolicy, PeerAuthentication, RequestAuthentication) read and
//! write Istio YAML faithfully and strictly.

use istio_types::read::{Document, ReadError, read_stream};
use istio_types::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicySpec, Condition,
    ExtensionProvider, Jwks, JwtRule, MutualTls, MutualTlsMode, Operation, PeerAuthentication,
    PeerAuthenticationSpec, PolicyTarget, RequestAuthentication, RequestAuthenticationSpec, Rule,
    RuleFrom, RuleTo, Source,
};
use istio_types::{ApiVersion, IstioObject, IstioResource};
use proptest::prelude::*;

/// Every AuthorizationPolicy field (from `crdtree.py AuthorizationPolicy`) but the target
/// alternatives, which `AP_TARGETS` covers.
const AP_FULL: &str = r#"apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: full
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
      version: v1
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
        notPrincipals: [cluster.local/ns/default/sa/evil]
        requestPrincipals: [issuer.example.com/subject]
        notRequestPrincipals: [issuer.example.com/other]
        namespaces: [test]
        notNamespaces: [prod]
        trustDomains: [cluster.local]
        notTrustDomains: [evil.local]
        ipBlocks: [10.0.0.0/8]
        notIpBlocks: [10.1.2.3]
        remoteIpBlocks: [203.0.113.0/24]
        notRemoteIpBlocks: [203.0.113.4]
    - source:
        serviceAccounts: [default/sleep]
        notServiceAccounts: [default/evil]
    to:
    - operation:
        hosts: [example.com]
        notHosts: [admin.example.com]
        ports: ["8080"]
        notPorts: ["9090"]
        methods: [GET]
        notMethods: [DELETE]
        paths: [/info*]
        notPaths: [/admin]
    when:
    - key: request.auth.claims[iss]
      values: [https://accounts.google.com]
      notValues: [https://evil.example.com]
  action: CUSTOM
  provider:
    name: my-ext-authz
"#;

const PA_FULL: &str = r"apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: full
  namespace: foo
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: UNSET
  portLevelMtls:
    8080:
      mode: DISABLE
    9090:
      mode: PERMISSIVE
    10000:
      mode: STRICT
";

const RA_FULL: &str = r#"apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: full
  namespace: foo
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: waypoint
    namespace: ''
  jwtRules:
  - issuer: https://issuer.example.com
    audiences: [bookstore]
    jwksUri: https://issuer.example.com/jwks.json
    fromHeaders:
    - name: x-jwt-assertion
      prefix: 'Bearer '
    fromParams: [my_token]
    outputPayloadToHeader: x-jwt-payload
    fromCookies: [session]
    forwardOriginalToken: true
    outputClaimToHeaders:
    - header: x-sub
      claim: sub
    timeout: 3s
    spaceDelimitedClaims: [scope, permissions]
    presence: REQUIRED
  - issuer: second
    jwks_uri: http://keys.example.com:8080/jwks
  - issuer: third
    jwks: '{"keys":[]}'
    forwardOriginalToken: false
    presence: OPTIONAL
"#;

/// The ways a security policy chooses its target, each of which must round-trip.
const AP_TARGETS: [&str; 4] = [
    "  selector: {}\n",
    "  targetRef:\n    group: ''\n    kind: Service\n    name: reviews\n    namespace: ''\n",
    "  targetRefs:\n  - kind: Service\n    name: a\n  - group: networking.istio.io\n    kind: ServiceEntry\n    name: b\n",
    "  targetRefs: []\n",
];

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

/// parse -> write -> parse gives the same value, and writing is stable.
fn assert_round_trip(yaml: &str) -> IstioResource {
    let first = read_one(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let written = istio_types::write::to_yaml(&first).unwrap();
    let second = read_one(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(
        first, second,
        "YAML round trip changed the value:\n{written}"
    );
    assert_eq!(istio_types::write::to_yaml(&second).unwrap(), written);
    let json = istio_types::write::to_json(&first).unwrap();
    let third = read_one(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(first, third, "JSON round trip changed the value:\n{json}");
    first
}

/// The document as a JSON value, to compare what was written with what was read, field by field.
fn as_value(yaml: &str) -> serde_json::Value {
    serde_saphyr::from_str(yaml).unwrap()
}

#[test]
fn authorization_policy_with_every_field_round_trips_unchanged() {
    let r = assert_round_trip(AP_FULL);
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert_eq!(as_value(&written), as_value(AP_FULL), "{written}");
    let IstioResource::AuthorizationPolicy(ap) = r else {
        panic!()
    };
    assert_eq!(ap.api_version(), ApiVersion::V1beta1);
    assert_eq!(ap.spec.action, Some(AuthorizationPolicyAction::Custom));
    assert!(
        matches!(&ap.spec.target, Some(PolicyTarget::Selector(s)) if s.match_labels["app"] == "httpbin")
    );
    let src = ap.spec.rules[0].from[0].source.as_ref().unwrap();
    assert_eq!(src.not_remote_ip_blocks, ["203.0.113.4"]);
}

#[test]
fn every_target_form_round_trips_including_empty_namespace_and_empty_list() {
    for target in AP_TARGETS {
        let yaml = format!(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: t}}\nspec:\n{target}"
        );
        let r = assert_round_trip(&yaml);
        let written = istio_types::write::to_yaml(&r).unwrap();
        assert_eq!(as_value(&written), as_value(&yaml), "{written}");
    }
}

#[test]
fn peer_authentication_with_every_field_round_trips_and_keeps_unset() {
    let r = assert_round_trip(PA_FULL);
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert!(written.contains("mode: UNSET"), "{written}");
    let IstioResource::PeerAuthentication(pa) = r else {
        panic!()
    };
    let ports = pa.spec.port_level_mtls.as_ref().unwrap();
    // Keys are port numbers, ordered numerically (8080 < 9090 < 10000).
    assert_eq!(
        ports.keys().copied().collect::<Vec<_>>(),
        [8080, 9090, 10000]
    );
    assert_eq!(ports[&8080].mode, Some(MutualTlsMode::Disable));
}

#[test]
fn port_level_mtls_keys_may_be_quoted_like_the_api_server_sees_them() {
    let quoted = PA_FULL.replace("    8080:", "    '8080':");
    let a = read_one(&quoted).unwrap();
    let b = read_one(PA_FULL).unwrap();
    assert_eq!(a, b);
}

#[test]
fn port_level_mtls_key_that_is_not_a_number_is_an_error() {
    let e = read_err(&PA_FULL.replace("    8080:", "    http:"));
    assert_eq!(e.path.as_deref(), Some("spec.portLevelMtls.http"), "{e}");
    assert!(e.message.contains("\"http\" is not a port number"), "{e}");
}

#[test]
fn empty_port_level_mtls_is_kept_because_istio_rejects_it() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec:\n  portLevelMtls: {}\n";
    let r = assert_round_trip(yaml);
    let IstioResource::PeerAuthentication(pa) = &r else {
        panic!()
    };
    assert_eq!(
        pa.spec
            .port_level_mtls
            .as_ref()
            .map(std::collections::BTreeMap::len),
        Some(0)
    );
    assert!(
        istio_types::write::to_yaml(&r)
            .unwrap()
            .contains("portLevelMtls: {}")
    );
}

#[test]
fn request_authentication_with_every_field_round_trips_both_uri_spellings() {
    let r = assert_round_trip(RA_FULL);
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert_eq!(as_value(&written), as_value(RA_FULL), "{written}");
    assert!(
        written.contains("jwksUri: https://issuer.example.com/jwks.json"),
        "{written}"
    );
    assert!(
        written.contains("jwks_uri: http://keys.example.com:8080/jwks"),
        "{written}"
    );
    assert!(written.contains("namespace: \"\""), "{written}");
    let IstioResource::RequestAuthentication(ra) = r else {
        panic!()
    };
    assert_eq!(
        ra.spec.jwt_rules[0].timeout.as_ref().unwrap().as_millis(),
        3000
    );
    assert_eq!(
        ra.spec.jwt_rules[1].jwks,
        Some(Jwks::UriSnakeCase(
            "http://keys.example.com:8080/jwks".into()
        ))
    );
    assert_eq!(
        ra.spec.jwt_rules[1].jwks.as_ref().unwrap().uri(),
        Some("http://keys.example.com:8080/jwks")
    );
}

#[test]
fn unknown_field_at_depth_names_the_full_path() {
    let e = read_err(&AP_FULL.replace("        notMethods:", "        notMethod:"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.rules[0].to[0].operation.notMethod"),
        "{e}"
    );
    let e = read_err(&RA_FULL.replace("      prefix:", "      prefx:"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.jwtRules[0].fromHeaders[0].prefx"),
        "{e}"
    );
    let e = read_err(&PA_FULL.replace("      mode: PERMISSIVE", "      mod: PERMISSIVE"));
    assert!(
        e.path
            .as_deref()
            .is_some_and(|p| p.starts_with("spec.portLevelMtls") && p.ends_with("mod")),
        "{e}"
    );
    let e = read_err(&AP_FULL.replace("  provider:", "  providr:"));
    assert_eq!(e.path.as_deref(), Some("spec.providr"), "{e}");
}

#[test]
fn unknown_enum_values_are_errors() {
    let e = read_err(&AP_FULL.replace("action: CUSTOM", "action: REJECT"));
    assert_eq!(e.path.as_deref(), Some("spec.action"), "{e}");
    let e = read_err(&PA_FULL.replace("mode: STRICT", "mode: strict"));
    assert!(
        e.path.as_deref().is_some_and(|p| p.ends_with("mode")),
        "{e}"
    );
    let e = read_err(&RA_FULL.replace("presence: REQUIRED", "presence: MANDATORY"));
    assert_eq!(e.path.as_deref(), Some("spec.jwtRules[0].presence"), "{e}");
}

#[test]
fn two_members_of_a_oneof_are_an_error_at_the_parent() {
    let yaml = AP_FULL.replace(
        "  rules:\n",
        "  targetRef: {kind: Service, name: x}\n  rules:\n",
    );
    let e = read_err(&yaml);
    assert_eq!(e.path.as_deref(), Some("spec"), "{e}");
    assert!(
        e.message
            .contains("only one of selector, targetRef, targetRefs"),
        "{e}"
    );

    let yaml = RA_FULL.replace("    jwks_uri: http", "    jwks: '{}'\n    jwks_uri: http");
    let e = read_err(&yaml);
    assert_eq!(e.path.as_deref(), Some("spec.jwtRules[1]"), "{e}");
    assert!(
        e.message.contains("only one of jwksUri, jwks_uri, jwks"),
        "{e}"
    );

    let yaml = RA_FULL.replace(
        "    jwks_uri: http",
        "    jwksUri: https://a.example.com\n    jwks_uri: http",
    );
    let e = read_err(&yaml);
    assert_eq!(e.path.as_deref(), Some("spec.jwtRules[1]"), "{e}");
}

#[test]
fn quoted_numbers_and_booleans_are_errors() {
    let e =
        read_err(&RA_FULL.replace("forwardOriginalToken: true", "forwardOriginalToken: 'true'"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.jwtRules[0].forwardOriginalToken"),
        "{e}"
    );
    // A port written as a number where Istio wants a string is an error too.
    let e = read_err(&AP_FULL.replace("ports: [\"8080\"]", "ports: [8080]"));
    assert_eq!(
        e.path.as_deref(),
        Some("spec.rules[0].to[0].operation.ports[0]"),
        "{e}"
    );
}

#[test]
fn bad_duration_is_an_error() {
    let e = read_err(&RA_FULL.replace("timeout: 3s", "timeout: 1500us"));
    assert_eq!(e.path.as_deref(), Some("spec.jwtRules[0].timeout"), "{e}");
}

#[test]
fn security_kinds_move_between_v1beta1_and_v1_but_not_to_v1alpha3() {
    let IstioResource::AuthorizationPolicy(mut ap) = read_one(AP_FULL).unwrap() else {
        panic!()
    };
    ap.set_api_version(ApiVersion::V1).unwrap();
    assert!(
        istio_types::write::to_yaml(&ap)
            .unwrap()
            .starts_with("apiVersion: security.istio.io/v1\n")
    );
    let err = ap.set_api_version(ApiVersion::V1alpha3).unwrap_err();
    assert_eq!(err.kind, "AuthorizationPolicy");
    assert_eq!(err.version, ApiVersion::V1alpha3);
    assert_eq!(
        ap.api_version(),
        ApiVersion::V1,
        "a refused move changes nothing"
    );

    let mut r = read_one(PA_FULL).unwrap();
    assert!(r.set_api_version(ApiVersion::V1alpha3).is_err());
    let mut r = read_one(RA_FULL).unwrap();
    assert!(r.set_api_version(ApiVersion::V1alpha3).is_err());
    r.set_api_version(ApiVersion::V1beta1).unwrap();
    assert_eq!(r.api_version_string(), "security.istio.io/v1beta1");

    // Reading one at v1alpha3 is refused too.
    let e = read_err(&PA_FULL.replace("security.istio.io/v1\n", "security.istio.io/v1alpha3\n"));
    assert!(
        e.message.contains("does not serve PeerAuthentication"),
        "{e}"
    );
}

// ---------------------------------------------------------------- property tests

fn word() -> impl Strategy<Value = String> + Clone {
    "[a-z][a-z0-9-]{0,8}"
}

fn words() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 0..3)
}

fn source() -> impl Strategy<Value = Source> {
    (words(), words(), words(), words(), words()).prop_map(|(p, np, rp, ns, ip)| Source {
        principals: p,
        not_principals: np,
        request_principals: rp,
        namespaces: ns,
        ip_blocks: ip,
        ..Source::default()
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(prop::option::of(source()), 0..3),
        prop::collection::vec((words(), words()), 0..2),
        prop::collection::vec((word(), words()), 0..2),
    )
        .prop_map(|(from, to, when)| Rule {
            from: from.into_iter().map(|source| RuleFrom { source }).collect(),
            to: to
                .into_iter()
                .map(|(hosts, paths)| RuleTo {
                    operation: Some(Operation {
                        hosts,
                        paths,
                        ..Operation::default()
                    }),
                })
                .collect(),
            when: when
                .into_iter()
                .map(|(key, values)| Condition {
                    key,
                    values,
                    not_values: vec![],
                })
                .collect(),
        })
}

fn action() -> impl Strategy<Value = Option<AuthorizationPolicyAction>> {
    prop::option::of(prop_oneof![
        Just(AuthorizationPolicyAction::Allow),
        Just(AuthorizationPolicyAction::Deny),
        Just(AuthorizationPolicyAction::Audit),
        Just(AuthorizationPolicyAction::Custom),
    ])
}

fn target() -> impl Strategy<Value = Option<PolicyTarget>> {
    use istio_types::common::{PolicyTargetReference, WorkloadSelector};
    let reference = || {
        (word(), word()).prop_map(|(kind, name)| PolicyTargetReference {
            group: None,
            kind: Some(kind),
            name: Some(name),
            namespace: Some(String::new()),
        })
    };
    prop::option::of(prop_oneof![
        prop::collection::btree_map(word(), word(), 0..3)
            .prop_map(|match_labels| PolicyTarget::Selector(WorkloadSelector { match_labels })),
        reference().prop_map(PolicyTarget::TargetRef),
        prop::collection::vec(reference(), 0..3).prop_map(PolicyTarget::TargetRefs),
    ])
}

fn check_round_trip<T: IstioObject + PartialEq>(obj: &T) {
    let yaml = istio_types::write::to_yaml(obj).unwrap();
    let back: T = istio_types::read::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(&back, obj, "{yaml}");
    let json = istio_types::write::to_json(obj).unwrap();
    let back: T = istio_types::read::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(&back, obj, "{json}");
}

proptest! {
    #[test]
    fn prop_authorization_policy_round_trips(
        target in target(),
        rules in prop::collection::vec(rule(), 0..3),
        action in action(),
        provider in prop::option::of(prop::option::of(word())),
    ) {
        let ap = AuthorizationPolicy::new("p", "ns", AuthorizationPolicySpec {
            target,
            rules,
            action,
            provider: provider.map(|name| ExtensionProvider { name }),
        });
        check_round_trip(&ap);
    }

    #[test]
    fn prop_peer_authentication_round_trips(
        mode in prop::option::of(prop_oneof![
            Just(MutualTlsMode::Unset), Just(MutualTlsMode::Disable),
            Just(MutualTlsMode::Permissive), Just(MutualTlsMode::Strict)]),
        ports in prop::option::of(prop::collection::btree_map(0u32..70000, Just(MutualTls { mode: Some(MutualTlsMode::Strict) }), 0..4)),
    ) {
        let pa = PeerAuthentication::new("p", "ns", PeerAuthenticationSpec {
            selector: None,
            mtls: mode.map(|m| MutualTls { mode: Some(m) }),
            port_level_mtls: ports,
        });
        check_round_trip(&pa);
    }

    #[test]
    fn prop_request_authentication_round_trips(
        target in target(),
        issuer in prop::option::of(word()),
        jwks in prop::option::of(prop_oneof![
            word().prop_map(|w| Jwks::Uri(format!("https://{w}.example.com/jwks"))),
            word().prop_map(|w| Jwks::UriSnakeCase(format!("http://{w}.example.com/jwks"))),
            word().prop_map(Jwks::Inline),
        ]),
        forward in prop::option::of(any::<bool>()),
        timeout_ms in prop::option::of(1u64..100_000),
        audiences in words(),
    ) {
        let ra = RequestAuthentication::new("r", "ns", RequestAuthenticationSpec {
            target,
            jwt_rules: vec![JwtRule {
                issuer,
                jwks,
                forward_original_token: forward,
                timeout: timeout_ms.map(|ms| istio_types::primitives::Duration::from_millis(ms).unwrap()),
                audiences,
                ..JwtRule::default()
            }],
        });
        check_round_trip(&ra);
    }
}
