//! VirtualService and Gateway: every CRD field round-trips, and the reader is strict about
//! unknown fields, enum values, oneofs and quoted numbers.

use istio_types::networking::{
    AbortError, DelayType, Destination, Gateway, GatewaySpec, HttpBody, HttpMatchRequest,
    HttpRoute, HttpRouteDestination, Percent, Port, RedirectPort, Server, ServerCredentials,
    ServerTlsMode, ServerTlsSettings, StringMatch, VirtualService, VirtualServiceSpec,
};
use istio_types::networking::{
    CaptureMode, IstioEgressListener, OutboundTrafficMode, OutboundTrafficPolicy, Sidecar,
    SidecarPort, SidecarSpec,
};
use istio_types::read::from_str;
use istio_types::write::{to_json, to_yaml};
use proptest::prelude::*;

/// A VirtualService with every field of the CRD set (checked against crdtree.py's listing).
const VS_FULL: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
spec:
  hosts:
  - reviews.bookinfo.svc.cluster.local
  gateways:
  - istio-system/ingress
  - mesh
  http:
  - name: main
    match:
    - name: m1
      uri: {prefix: /api}
      scheme: {exact: https}
      method: {regex: "GET|POST"}
      authority: {exact: reviews}
      headers:
        x-user: {exact: jason}
        x-any: {}
      port: 8080
      sourceLabels: {app: productpage}
      gateways: [mesh]
      queryParams:
        debug: {prefix: "1"}
      ignoreUriCase: true
      withoutHeaders:
        x-skip: {regex: "*"}
      sourceNamespace: bookinfo
      statPrefix: reviews-api
    route:
    - destination:
        host: reviews
        subset: v1
        port: {number: 9080}
      weight: 30
      headers:
        request:
          set: {x-a: "1"}
          add: {x-b: "2"}
          remove: [x-c]
        response:
          set: {x-d: "3"}
          add: {x-e: "4"}
          remove: [x-f]
    - destination: {host: reviews, subset: v2}
      weight: 30
    delegate: {name: child, namespace: other}
    rewrite:
      uri: /v2
      authority: reviews.internal
      uriRegexRewrite: {match: "^/old(.*)$", rewrite: "/new\\1"}
    timeout: 10s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: 5xx,connect-failure
      retryRemoteLocalities: true
      retryIgnorePreviousHosts: false
      backoff: 25ms
    fault:
      delay:
        percent: 5
        fixedDelay: 5s
        percentage: {value: 0.5}
      abort:
        httpStatus: 503
        percentage: {value: 1.5}
    mirror: {host: reviews-shadow, subset: v3, port: {number: 9080}}
    mirrors:
    - destination: {host: reviews-copy}
      percentage: {value: 10}
    mirrorPercent: 50
    mirror_percent: 40
    mirrorPercentage: {value: 25.5}
    corsPolicy:
      allowOrigin: [https://old.example.com]
      allowOrigins:
      - exact: https://example.com
      - regex: "https://.*\\.example\\.com"
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      exposeHeaders: [x-exposed]
      maxAge: 24h
      allowCredentials: false
      unmatchedPreflights: IGNORE
    headers:
      request: {set: {x-route: main}}
  - name: redirect
    redirect:
      uri: /new
      authority: new.example.com
      derivePort: FROM_REQUEST_PORT
      scheme: https
      redirectCode: 308
      prefixRewrite: /p
  - name: redirect-port
    redirect: {port: 8443}
  - name: direct
    directResponse:
      status: 418
      body: {string: teapot}
  - name: direct-bytes
    directResponse:
      status: 200
      body: {bytes: aGVsbG8=}
    fault:
      delay: {exponentialDelay: 1s}
      abort: {grpcStatus: UNAVAILABLE}
  - name: abort-h2
    route: [{destination: {host: reviews}}]
    fault:
      abort: {http2Error: REFUSED_STREAM}
  tls:
  - match:
    - sniHosts: [reviews.bookinfo.svc.cluster.local]
      destinationSubnets: [10.0.0.0/8]
      port: 443
      sourceLabels: {app: a}
      gateways: [mesh]
      sourceNamespace: bookinfo
    route:
    - destination: {host: reviews}
      weight: 100
  tcp:
  - match:
    - destinationSubnets: [10.1.0.0/16]
      port: 3306
      sourceSubnet: 10.2.0.0/16
      sourceLabels: {app: b}
      gateways: [mesh]
      sourceNamespace: db
    route:
    - destination: {host: mysql, port: {number: 3306}}
      weight: 1
  exportTo: [".", istio-system]
"#;

const GW_FULL: &str = r#"apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: ingress
  namespace: istio-system
spec:
  servers:
  - port: {number: 443, protocol: HTTPS, name: https, targetPort: 8443}
    bind: 0.0.0.0
    hosts: [bookinfo/reviews.example.com, "*/*.example.org"]
    tls:
      httpsRedirect: false
      mode: MUTUAL
      serverCertificate: /etc/certs/cert.pem
      privateKey: /etc/certs/key.pem
      caCertificates: /etc/certs/ca.pem
      caCrl: /etc/certs/crl.pem
      subjectAltNames: [spiffe://cluster.local/ns/a/sa/b]
      verifyCertificateSpki: [abc=]
      verifyCertificateHash: [AB:CD]
      minProtocolVersion: TLSV1_2
      maxProtocolVersion: TLSV1_3
      cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]
      ecdhCurves: [X25519]
      insecureSkipVerify: false
      caCertCredentialName: ca-secret
    defaultEndpoint: 127.0.0.1:8080
    name: https-server
  - port: {number: 8443, protocol: HTTPS, name: https-2}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: my-secret}
  - port: {number: 9443, protocol: HTTPS, name: https-3}
    hosts: ["*.example.net"]
    tls: {mode: SIMPLE, credentialNames: [rsa, ecdsa]}
  - port: {number: 10443, protocol: HTTPS, name: https-4}
    hosts: ["*.example.io"]
    tls:
      mode: OPTIONAL_MUTUAL
      tlsCertificates:
      - {serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem}
  - port: {number: 15443, protocol: TLS, name: tls}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}
  selector:
    istio: ingressgateway
"#;

/// A Sidecar with every field of the CRD set.
const SC_FULL: &str = r"apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata:
  name: ratings
  namespace: bookinfo
spec:
  workloadSelector:
    labels: {app: ratings}
  ingress:
  - port: {number: 9443, protocol: HTTPS, name: https, targetPort: 8443}
    bind: 0.0.0.0
    captureMode: IPTABLES
    defaultEndpoint: 127.0.0.1:8443
    tls:
      mode: SIMPLE
      serverCertificate: /etc/c.pem
      privateKey: /etc/k.pem
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 30ms
        idleTimeout: 1h
        maxConnectionDuration: 10m
        tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}
      http:
        http1MaxPendingRequests: 10
        http2MaxRequests: 100
        maxRequestsPerConnection: 5
        maxRetries: 2
        idleTimeout: 30s
        h2UpgradePolicy: UPGRADE
        useClientProtocol: false
        maxConcurrentStreams: 50
        http2KeepAlive: {interval: 10s, timeout: 5s}
  egress:
  - port: {number: 9080, protocol: HTTP, name: egresshttp}
    bind: 127.0.0.1
    captureMode: NONE
    hosts: [prod-us1/*]
  - hosts: [istio-system/*]
  inboundConnectionPool:
    http: {http1MaxPendingRequests: 1024}
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy:
      host: proxy.example.com
      subset: v1
      port: {number: 3128}
";

fn roundtrip<T>(text: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let first: T = from_str(text).unwrap_or_else(|e| panic!("{e}"));
    let yaml = to_yaml(&first).unwrap();
    let second: T = from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(first, second, "YAML round trip changed the object:\n{yaml}");
    assert_eq!(to_yaml(&second).unwrap(), yaml, "writing is not stable");
    let json = to_json(&first).unwrap();
    let third: T = from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(first, third, "JSON round trip changed the object");
}

#[test]
fn virtual_service_with_every_field_round_trips() {
    roundtrip::<VirtualService>(VS_FULL);
    let vs: VirtualService = from_str(VS_FULL).unwrap();
    let h = &vs.spec.http[0];
    // Both spellings of the deprecated mirror percentage are real, separate fields.
    assert_eq!(
        (h.mirror_percent, h.mirror_percent_snake),
        (Some(50), Some(40))
    );
    assert_eq!(h.r#match[0].headers["x-any"], StringMatch::Any);
    assert_eq!(
        h.r#match[0].uri,
        Some(StringMatch::Prefix("/api".to_owned()))
    );
    assert_eq!(
        h.fault.as_ref().unwrap().delay.as_ref().unwrap().delay,
        Some(DelayType::FixedDelay("5s".parse().unwrap()))
    );
    let redirect = vs.spec.http[1].redirect.as_ref().unwrap();
    assert!(matches!(
        redirect.redirect_port,
        Some(RedirectPort::DerivePort(_))
    ));
    assert_eq!(
        vs.spec.http[2].redirect.as_ref().unwrap().redirect_port,
        Some(RedirectPort::Port(8443))
    );
    assert_eq!(
        vs.spec.http[4].directResponse_body(),
        Some(&HttpBody::Bytes("aGVsbG8=".into()))
    );
    assert_eq!(
        vs.spec.http[4]
            .fault
            .as_ref()
            .unwrap()
            .abort
            .as_ref()
            .unwrap()
            .error,
        Some(AbortError::GrpcStatus("UNAVAILABLE".into()))
    );
    // The served version is kept.
    assert!(
        to_yaml(&vs)
            .unwrap()
            .starts_with("apiVersion: networking.istio.io/v1alpha3\n")
    );
}

trait BodyOf {
    #[allow(non_snake_case, reason = "reads like the YAML path")]
    fn directResponse_body(&self) -> Option<&HttpBody>;
}
impl BodyOf for HttpRoute {
    fn directResponse_body(&self) -> Option<&HttpBody> {
        self.direct_response.as_ref()?.body.as_ref()
    }
}

#[test]
fn gateway_with_every_field_round_trips() {
    roundtrip::<Gateway>(GW_FULL);
    let gw: Gateway = from_str(GW_FULL).unwrap();
    let tls = |i: usize| gw.spec.servers[i].tls.as_ref().unwrap();
    assert_eq!(tls(0).mode, Some(ServerTlsMode::Mutual));
    assert_eq!(
        tls(1).credentials,
        Some(ServerCredentials::CredentialName("my-secret".into()))
    );
    assert!(matches!(
        tls(2).credentials,
        Some(ServerCredentials::CredentialNames(ref n)) if n.len() == 2
    ));
    assert!(matches!(
        tls(3).credentials,
        Some(ServerCredentials::TlsCertificates(ref c)) if c.len() == 1
    ));
    assert_eq!(gw.spec.servers[0].port.target_port, Some(8443));
}

#[test]
fn sidecar_with_every_field_round_trips() {
    roundtrip::<Sidecar>(SC_FULL);
    let sc: Sidecar = from_str(SC_FULL).unwrap();
    assert_eq!(sc.spec.ingress[0].capture_mode, Some(CaptureMode::Iptables));
    assert_eq!(sc.spec.egress[1].port, None);
    assert_eq!(
        sc.spec.outbound_traffic_policy.as_ref().unwrap().mode,
        Some(OutboundTrafficMode::AllowAny)
    );
    let text = SC_FULL.replace("captureMode: NONE", "captureMode: NO");
    let (path, _) = read_err::<Sidecar>(&text);
    assert_eq!(path, "spec.egress[0].captureMode");
    let text = SC_FULL.replace("maxConnections: 100", "maxConnections: '100'");
    let (path, _) = read_err::<Sidecar>(&text);
    assert_eq!(path, "spec.ingress[0].connectionPool.tcp.maxConnections");
    let text = SC_FULL.replace(
        "      subset: v1\n",
        "      subset: v1\n      subsett: v2\n",
    );
    let (path, _) = read_err::<Sidecar>(&text);
    assert_eq!(path, "spec.outboundTrafficPolicy.egressProxy.subsett");
}

#[test]
fn explicit_defaults_are_written_back() {
    let text = GW_FULL.replace("mode: MUTUAL", "mode: PASSTHROUGH");
    let gw: Gateway = from_str(&text).unwrap();
    let yaml = to_yaml(&gw).unwrap();
    assert!(yaml.contains("mode: PASSTHROUGH"), "{yaml}");
    assert!(yaml.contains("httpsRedirect: false"), "{yaml}");
    let vs = VS_FULL.replace(
        "unmatchedPreflights: IGNORE",
        "unmatchedPreflights: UNSPECIFIED",
    );
    let yaml = to_yaml(&from_str::<VirtualService>(&vs).unwrap()).unwrap();
    assert!(yaml.contains("unmatchedPreflights: UNSPECIFIED"), "{yaml}");
}

fn read_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> (String, String) {
    let e = from_str::<T>(text).expect_err("expected a read error");
    (e.path.clone().unwrap_or_default(), e.message)
}

#[test]
fn unknown_field_at_depth_names_the_full_path() {
    let text = VS_FULL.replace("      retryOn: 5xx", "      retryOnn: 5xx");
    let (path, msg) = read_err::<VirtualService>(&text);
    assert_eq!(path, "spec.http[0].retries.retryOnn", "{msg}");
    let text = VS_FULL.replace(
        "        x-user: {exact: jason}",
        "        x-user: {exakt: jason}",
    );
    let (path, msg) = read_err::<VirtualService>(&text);
    assert!(
        path.starts_with("spec.http[0].match[0].headers"),
        "{path}: {msg}"
    );
    assert!(msg.contains("exakt"), "{msg}");
    let text = GW_FULL.replace("      caCrl:", "      caCRL:");
    let (path, msg) = read_err::<Gateway>(&text);
    assert!(path.starts_with("spec.servers[0].tls"), "{path}: {msg}");
    assert!(msg.contains("caCRL"), "{msg}");
}

#[test]
fn unknown_enum_values_are_errors() {
    let text = GW_FULL.replace("mode: AUTO_PASSTHROUGH", "mode: AUTO");
    let (path, _) = read_err::<Gateway>(&text);
    assert_eq!(path, "spec.servers[4].tls.mode");
    let text = GW_FULL.replace("minProtocolVersion: TLSV1_2", "minProtocolVersion: TLSv1.2");
    let (path, _) = read_err::<Gateway>(&text);
    assert_eq!(path, "spec.servers[0].tls.minProtocolVersion");
    let text = VS_FULL.replace("derivePort: FROM_REQUEST_PORT", "derivePort: SAME");
    let (path, _) = read_err::<VirtualService>(&text);
    assert_eq!(path, "spec.http[1].redirect.derivePort");
    let text = GW_FULL.replace("protocol: TLS,", "protocol: QUIC,");
    let (path, msg) = read_err::<Gateway>(&text);
    assert_eq!(path, "spec.servers[4].port.protocol", "{msg}");
}

#[test]
fn both_members_of_a_oneof_are_an_error_at_the_parent() {
    for (from, to, want) in [
        (
            "uri: {prefix: /api}",
            "uri: {prefix: /api, exact: /api}",
            "spec.http[0].match[0].uri",
        ),
        (
            "redirect: {port: 8443}",
            "redirect: {port: 8443, derivePort: FROM_PROTOCOL_DEFAULT}",
            "spec.http[2].redirect",
        ),
        (
            "body: {string: teapot}",
            "body: {string: teapot, bytes: aGk=}",
            "spec.http[3].directResponse.body",
        ),
        (
            "fixedDelay: 5s",
            "fixedDelay: 5s\n        exponentialDelay: 1s",
            "spec.http[0].fault.delay",
        ),
        (
            "httpStatus: 503",
            "httpStatus: 503\n        grpcStatus: INTERNAL",
            "spec.http[0].fault.abort",
        ),
    ] {
        let text = VS_FULL.replace(from, to);
        assert_ne!(text, VS_FULL, "{from}");
        let (path, msg) = read_err::<VirtualService>(&text);
        assert_eq!(path, want, "{msg}");
        assert!(msg.contains("only one of"), "{msg}");
    }
    let text = GW_FULL.replace(
        "tls: {mode: SIMPLE, credentialName: my-secret}",
        "tls: {mode: SIMPLE, credentialName: my-secret, tlsCertificates: [{privateKey: /k}]}",
    );
    let (path, msg) = read_err::<Gateway>(&text);
    assert_eq!(path, "spec.servers[1].tls", "{msg}");
    assert!(
        msg.contains("only one of credentialName, credentialNames, tlsCertificates"),
        "{msg}"
    );
}

#[test]
fn quoted_numbers_and_booleans_are_errors() {
    for (from, to, want) in [
        (
            "weight: 30\n      headers",
            "weight: '30'\n      headers",
            "spec.http[0].route[0].weight",
        ),
        ("port: 8080", "port: \"8080\"", "spec.http[0].match[0].port"),
        (
            "mirror_percent: 40",
            "mirror_percent: '40'",
            "spec.http[0].mirror_percent",
        ),
        (
            "status: 418",
            "status: '418'",
            "spec.http[3].directResponse.status",
        ),
        (
            "ignoreUriCase: true",
            "ignoreUriCase: 'true'",
            "spec.http[0].match[0].ignoreUriCase",
        ),
        (
            "{value: 25.5}",
            "{value: '25.5'}",
            "spec.http[0].mirrorPercentage.value",
        ),
        (
            "redirect: {port: 8443}",
            "redirect: {port: '8443'}",
            "spec.http[2].redirect.port",
        ),
    ] {
        let text = VS_FULL.replace(from, to);
        assert_ne!(text, VS_FULL, "{from}");
        let (path, msg) = read_err::<VirtualService>(&text);
        assert_eq!(path, want, "{msg}");
    }
    let text = GW_FULL.replace("number: 15443", "number: '15443'");
    let (path, _) = read_err::<Gateway>(&text);
    assert_eq!(path, "spec.servers[4].port.number");
}

#[test]
fn required_fields_are_required() {
    // Destination.host, Server.hosts, Port.name and directResponse.status are required by the CRD.
    let text = VS_FULL.replace(
        "    - destination: {host: reviews, subset: v2}",
        "    - destination: {subset: v2}",
    );
    let (path, msg) = read_err::<VirtualService>(&text);
    assert!(
        path.starts_with("spec.http[0].route[1].destination"),
        "{path}: {msg}"
    );
    assert!(msg.contains("host"), "{msg}");
    let text = GW_FULL.replace(
        "{number: 15443, protocol: TLS, name: tls}",
        "{number: 15443, protocol: TLS}",
    );
    let (path, msg) = read_err::<Gateway>(&text);
    assert!(path.starts_with("spec.servers[4].port"), "{path}: {msg}");
}

fn arb_string_match() -> impl Strategy<Value = StringMatch> {
    prop_oneof![
        "[a-z/]{0,8}".prop_map(StringMatch::Exact),
        "[a-z/]{0,8}".prop_map(StringMatch::Prefix),
        "[a-z.*]{1,8}".prop_map(StringMatch::Regex),
        Just(StringMatch::Any),
    ]
}

fn arb_vs() -> impl Strategy<Value = VirtualService> {
    (
        proptest::collection::vec("[a-z]{1,8}(\\.[a-z]{1,5})?", 0..3),
        proptest::option::of(arb_string_match()),
        proptest::collection::btree_map("[a-z-]{1,6}", arb_string_match(), 0..3),
        proptest::collection::vec(("[a-z]{1,8}", proptest::option::of(-5i32..200)), 0..3),
        proptest::option::of(0u32..200),
        proptest::option::of(0.0f64..100.0),
    )
        .prop_map(|(hosts, uri, headers, dests, mp, mpc)| {
            VirtualService::new(
                "vs",
                "ns",
                VirtualServiceSpec {
                    hosts,
                    http: vec![HttpRoute {
                        r#match: vec![HttpMatchRequest {
                            uri,
                            headers,
                            ..Default::default()
                        }],
                        route: dests
                            .into_iter()
                            .map(|(h, weight)| HttpRouteDestination {
                                destination: Destination::host(h),
                                weight,
                                headers: None,
                            })
                            .collect(),
                        mirror_percent_snake: mp,
                        mirror_percentage: mpc.map(Percent::new),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            )
        })
}

fn arb_gw() -> impl Strategy<Value = Gateway> {
    (
        1u32..65535,
        prop_oneof![Just("HTTP"), Just("https"), Just("TLS"), Just("grpc-web")],
        "[a-z]{1,6}",
        proptest::collection::vec("(\\*|[a-z]{1,5})/\\*?\\.?[a-z]{1,6}\\.com", 1..3),
        proptest::option::of(prop_oneof![
            Just(ServerTlsMode::Passthrough),
            Just(ServerTlsMode::Simple),
            Just(ServerTlsMode::AutoPassthrough),
            Just(ServerTlsMode::IstioMutual),
        ]),
        proptest::option::of("[a-z]{1,8}"),
    )
        .prop_map(|(number, protocol, name, hosts, mode, cred)| {
            Gateway::new(
                "gw",
                "istio-system",
                GatewaySpec {
                    servers: vec![Server {
                        port: Port {
                            number,
                            protocol: protocol.parse().unwrap(),
                            name,
                            target_port: None,
                        },
                        hosts,
                        tls: mode.map(|m| ServerTlsSettings {
                            mode: Some(m),
                            credentials: cred.map(ServerCredentials::CredentialName),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    selector: [("istio".to_owned(), "ingressgateway".to_owned())].into(),
                },
            )
        })
}

fn arb_sc() -> impl Strategy<Value = Sidecar> {
    (
        proptest::collection::vec(
            (
                proptest::option::of((0u32..65535, "[a-z]{1,6}")),
                proptest::option::of(prop_oneof![
                    Just(CaptureMode::Default),
                    Just(CaptureMode::Iptables),
                    Just(CaptureMode::None)
                ]),
                proptest::collection::vec("(\\*|\\.|~|[a-z]{1,5})/(\\*|[a-z]{1,5}\\.com)", 1..3),
            ),
            0..3,
        ),
        proptest::option::of(prop_oneof![
            Just(OutboundTrafficMode::RegistryOnly),
            Just(OutboundTrafficMode::AllowAny)
        ]),
    )
        .prop_map(|(egress, mode)| {
            Sidecar::new(
                "sc",
                "ns",
                SidecarSpec {
                    egress: egress
                        .into_iter()
                        .map(|(port, capture_mode, hosts)| IstioEgressListener {
                            port: port.map(|(n, name)| SidecarPort {
                                number: Some(n),
                                protocol: None,
                                name: Some(name),
                                target_port: None,
                            }),
                            bind: None,
                            capture_mode,
                            hosts,
                        })
                        .collect(),
                    outbound_traffic_policy: mode.map(|m| OutboundTrafficPolicy {
                        mode: Some(m),
                        egress_proxy: None,
                    }),
                    ..Default::default()
                },
            )
        })
}

proptest! {
    #[test]
    fn prop_sidecars_round_trip(sc in arb_sc()) {
        let yaml = to_yaml(&sc).unwrap();
        prop_assert_eq!(&from_str::<Sidecar>(&yaml).unwrap(), &sc, "{}", yaml);
        let json = to_json(&sc).unwrap();
        prop_assert_eq!(&from_str::<Sidecar>(&json).unwrap(), &sc, "{}", json);
    }

    #[test]
    fn prop_virtual_services_round_trip(vs in arb_vs()) {
        let yaml = to_yaml(&vs).unwrap();
        prop_assert_eq!(&from_str::<VirtualService>(&yaml).unwrap(), &vs, "{}", yaml);
        let json = to_json(&vs).unwrap();
        prop_assert_eq!(&from_str::<VirtualService>(&json).unwrap(), &vs, "{}", json);
    }

    #[test]
    fn prop_gateways_round_trip(gw in arb_gw()) {
        let yaml = to_yaml(&gw).unwrap();
        prop_assert_eq!(&from_str::<Gateway>(&yaml).unwrap(), &gw, "{}", yaml);
        let json = to_json(&gw).unwrap();
        prop_assert_eq!(&from_str::<Gateway>(&json).unwrap(), &gw, "{}", json);
    }
}
