//! `fed_apply::check` against the in-process fake API server: clusters seeded as an installed
//! federation would look, each check shown passing, then failing for its one cause, then
//! passing again once fixed.

mod fake;

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use fake::{FakeApiServer, seed};
use fed_apply::{
    Applier, ApplyOptions, ApplySetParent, ClusterTarget, NoProgress,
    check::{
        Check, CheckOptions, CheckReport, Checker, ClusterExpectation, GatewayExpectation,
        IstiodExpectation, LiqoProvider, NodeExpectation, PodSelector, RootCaExpectation,
        ServedKind, Verdict,
    },
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};

const GATEWAY_IP: &str = "203.0.113.10";
/// 2026-01-01T00:00:00Z: "now" for every check, whatever the clock says.
const NOW: u64 = 1_767_225_600;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

/// A root CA and an intermediate it signed, valid from `NOW - 1 day` for `days`.
struct Ca {
    root: String,
    intermediate: String,
}

fn ca(name: &str, days: i64) -> Ca {
    let start =
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(NOW).unwrap() - 86_400).unwrap();
    let root_key = KeyPair::generate().unwrap();
    let mut root = CertificateParams::default();
    root.distinguished_name.push(DnType::CommonName, name);
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.not_before = start;
    root.not_after = start + time::Duration::days(days);
    let root_pem = root.self_signed(&root_key).unwrap().pem();
    let issuer = Issuer::new(root, &root_key);
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::default();
    p.distinguished_name
        .push(DnType::CommonName, format!("{name} intermediate"));
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.not_before = start;
    p.not_after = start + time::Duration::days(days);
    Ca {
        root: root_pem,
        intermediate: p.signed_by(&key, &issuer).unwrap().pem(),
    }
}

fn bundle(zone: &str) -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "echo", "namespace": "default"},
            "spec": {"selector": {"app": "echo"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "echo", "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "echo"}},
                "template": {"metadata": {"labels": {"app": "echo"}},
                    "spec": {"containers": [{"name": "echo", "image": "ealen/echo-server:0.9.2"}]}}}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "echo", "namespace": "default"},
            "spec": {"host": "echo.default.svc.cluster.local",
                "trafficPolicy": {"outlierDetection": {"consecutiveGatewayErrors": 1, "interval": "1s"},
                    "tls": {"mode": "ISTIO_MUTUAL"}}}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
            "metadata": {"name": "echo-peer", "namespace": "default"},
            "spec": {"address": "198.51.100.7", "labels": {"app": "echo"}, "locality": format!("r/{zone}")}}),
    ]
}

/// A healthy cluster: Istio 1.22 installed with `ca`, a gateway exposing 15443 at
/// `GATEWAY_IP` in sni-dnat mode, two labelled nodes, echo running on one, the bundle applied.
async fn good_cluster(ca: &Ca, zone: &str) -> FakeApiServer {
    let server = FakeApiServer::start().await;
    seed::serve_istio(&server, "v1");
    seed::istiod(&server, "docker.io/istio/pilot:1.22.3");
    seed::cacerts(&server, &ca.root, &ca.intermediate);
    seed::zoned_node(&server, "n1", "r", zone);
    seed::zoned_node(&server, "n2", "r", zone);
    seed::gateway(
        &server,
        "n1",
        &[80, 443, 15443],
        GATEWAY_IP,
        &[("ISTIO_META_ROUTER_MODE", "sni-dnat")],
    );
    seed::pod(&server, "default", "echo-1", &[("app", "echo")], "n2", &[]);
    apply(&server, bundle(zone), false).await;
    seed::available(&server, "default", "echo");
    server
}

/// A healthy cluster `a` in zone `za`, with a root CA of its own.
async fn cluster_a() -> FakeApiServer {
    good_cluster(&ca("Root", 3650), "za").await
}

async fn apply(server: &FakeApiServer, objects: Vec<Value>, force: bool) {
    let mut options = ApplyOptions::new(ApplySetParent::new("meshfed-test", "kube-system"));
    options.force_conflicts = force;
    let applier = Applier::new(fake::kubeconfig(&[("c", &server.url())]), options);
    let target = ClusterTarget::new("c", "c")
        .with_json_objects(objects)
        .unwrap();
    let cs = applier.apply_cluster(&target, &NoProgress).await;
    assert!(cs.is_success(), "{cs}");
}

fn expectation(name: &str, zone: &str, root: Option<&Ca>) -> ClusterExpectation {
    let mut e = ClusterExpectation::new(name, name);
    e.kinds = vec![
        ServedKind::new("networking.istio.io", "v1", "DestinationRule"),
        ServedKind::new("networking.istio.io", "v1", "WorkloadEntry"),
    ];
    e.istiod = Some(IstiodExpectation::new(1, 22));
    e.root_ca = Some(RootCaExpectation {
        namespace: "istio-system".into(),
        root_pem: root.map(|c| c.root.clone().into_bytes()),
        root_source: "certs/root-cert.pem".into(),
        fix: None,
    });
    e.gateways = vec![GatewayExpectation {
        selector: BTreeMap::from([("istio".into(), "ingressgateway".into())]),
        port: 15443,
        address: GATEWAY_IP.into(),
        env: BTreeMap::from([("ISTIO_META_ROUTER_MODE".into(), "sni-dnat".into())]),
        env_reason: "this release builds SNI-DNAT clusters only in sni-dnat mode".into(),
        expose_fix: None,
    }];
    e.nodes = Some(NodeExpectation {
        labels: BTreeMap::from([
            ("topology.kubernetes.io/region".into(), "r".into()),
            ("topology.kubernetes.io/zone".into(), zone.into()),
        ]),
        workloads: vec![PodSelector {
            namespace: "default".into(),
            labels: BTreeMap::from([("app".into(), "echo".into())]),
        }],
    });
    e.objects = bundle(zone)
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    e
}

fn options() -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_secs(10),
        now: now(),
        ..CheckOptions::default()
    }
}

async fn check(
    servers: &[(&str, &FakeApiServer)],
    expected: &[ClusterExpectation],
    options: CheckOptions,
) -> CheckReport {
    let urls: Vec<(String, String)> = servers
        .iter()
        .map(|(n, s)| ((*n).to_owned(), s.url()))
        .collect();
    let contexts: Vec<(&str, &str)> = urls.iter().map(|(n, u)| (n.as_str(), u.as_str())).collect();
    Checker::new(fake::kubeconfig(&contexts), options)
        .check(expected)
        .await
}

/// The worst verdict of `check` on `cluster`, with the findings for the assertion message.
fn verdict(report: &CheckReport, cluster: &str, check: Check) -> (Option<Verdict>, String) {
    let c = report
        .clusters
        .iter()
        .find(|c| c.cluster == cluster)
        .expect("cluster in report");
    let text = serde_json::to_string_pretty(&c.findings).unwrap();
    (c.verdict(check), text)
}

fn assert_verdict(report: &CheckReport, cluster: &str, check: Check, want: Verdict) -> String {
    let (got, text) = verdict(report, cluster, check);
    assert_eq!(got, Some(want), "{cluster} {check}: {text}");
    let found: Vec<String> = report
        .clusters
        .iter()
        .filter(|c| c.cluster == cluster)
        .flat_map(|c| c.findings.iter())
        .filter(|f| f.check == check && f.verdict == want)
        .map(|f| {
            format!(
                "{}: {} | fix: {}",
                f.subject,
                f.found,
                f.fix.clone().unwrap_or_default()
            )
        })
        .collect();
    found.join("\n")
}

#[tokio::test]
async fn two_healthy_clusters_pass_every_check() {
    let shared = ca("Shared Root", 3650);
    let a = good_cluster(&shared, "za").await;
    let b = good_cluster(&shared, "zb").await;
    let report = check(
        &[("a", &a), ("b", &b)],
        &[
            expectation("a", "za", Some(&shared)),
            expectation("b", "zb", Some(&shared)),
        ],
        options(),
    )
    .await;
    assert!(
        report.holds(),
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    for cluster in ["a", "b"] {
        // Every check but LIQO's, which these clusters are not asked about.
        for check in Check::ALL
            .into_iter()
            .filter(|c| !matches!(c, Check::LiqoPeering | Check::VirtualNodes))
        {
            assert_verdict(&report, cluster, check, Verdict::Pass);
        }
    }
    let shared_root = assert_verdict(&report, "a", Check::RootCa, Verdict::Pass);
    assert!(
        shared_root.contains("a, b trust the same root"),
        "{shared_root}"
    );
}

#[tokio::test]
async fn different_roots_fail_on_every_cluster_until_they_share_one() {
    let one = ca("Root One", 3650);
    let two = ca("Root Two", 3650);
    let a = good_cluster(&one, "za").await;
    let b = good_cluster(&two, "zb").await;
    let expected = [expectation("a", "za", None), expectation("b", "zb", None)];
    let report = check(&[("a", &a), ("b", &b)], &expected, options()).await;
    assert!(!report.holds());
    for cluster in ["a", "b"] {
        let found = assert_verdict(&report, cluster, Check::RootCa, Verdict::Fail);
        assert!(
            found.contains("the clusters trust different roots"),
            "{found}"
        );
        assert!(
            found.contains(
                "put an intermediate CA of the shared root in Secret istio-system/cacerts"
            ),
            "{found}"
        );
    }
    // With the document's root given, the odd one out is also named against it.
    let with_root = [
        expectation("a", "za", Some(&one)),
        expectation("b", "zb", Some(&one)),
    ];
    let report = check(&[("a", &a), ("b", &b)], &with_root, options()).await;
    let found = assert_verdict(&report, "b", Check::RootCa, Verdict::Fail);
    assert!(
        found.contains("not certs/root-cert.pem (CN=Root One"),
        "{found}"
    );

    seed::cacerts(&b, &one.root, &one.intermediate);
    let report = check(&[("a", &a), ("b", &b)], &with_root, options()).await;
    assert_verdict(&report, "a", Check::RootCa, Verdict::Pass);
    assert_verdict(&report, "b", Check::RootCa, Verdict::Pass);
}

#[tokio::test]
async fn without_cacerts_the_root_istiod_publishes_is_compared() {
    let shared = ca("Shared Root", 3650);
    let own = ca("istiod self-signed", 3650);
    let a = good_cluster(&shared, "za").await;
    let b = FakeApiServer::start().await;
    seed::ca_root_configmap(&b, &own.root);
    let mut eb = ClusterExpectation::new("b", "b");
    eb.root_ca = Some(RootCaExpectation {
        namespace: "istio-system".into(),
        ..RootCaExpectation::default()
    });
    let report = check(
        &[("a", &a), ("b", &b)],
        &[expectation("a", "za", None), eb.clone()],
        options(),
    )
    .await;
    let found = assert_verdict(&report, "b", Check::RootCa, Verdict::Fail);
    assert!(found.contains("different roots"), "{found}");
    let (_, all) = verdict(&report, "b", Check::RootCa);
    assert!(
        all.contains("ConfigMap istio-system/istio-ca-root-cert (no Secret cacerts"),
        "{all}"
    );

    seed::ca_root_configmap(&b, &shared.root);
    let report = check(
        &[("a", &a), ("b", &b)],
        &[expectation("a", "za", None), eb],
        options(),
    )
    .await;
    assert_verdict(&report, "b", Check::RootCa, Verdict::Pass);
}

#[tokio::test]
async fn certificates_expiring_within_30_days_warn_and_expired_ones_fail() {
    let short = ca("Short Root", 20);
    let a = good_cluster(&short, "za").await;
    let expected = [expectation("a", "za", None)];
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::RootCa, Verdict::Warn);
    assert!(
        found.contains("expires on 2026-01-20 (in 19 days)"),
        "{found}"
    );
    assert!(report.holds(), "warnings are not failures");

    let mut later = options();
    later.now = now() + Duration::from_secs(40 * 86_400);
    let report = check(&[("a", &a)], &expected, later).await;
    let found = assert_verdict(&report, "a", Check::RootCa, Verdict::Fail);
    assert!(found.contains("expired on 2026-01-20"), "{found}");

    let long = ca("Long Root", 3650);
    seed::cacerts(&a, &long.root, &long.intermediate);
    let report = check(&[("a", &a)], &expected, options()).await;
    assert_verdict(&report, "a", Check::RootCa, Verdict::Pass);
}

#[tokio::test]
async fn a_gateway_service_without_15443_fails_until_the_port_is_exposed() {
    let a = cluster_a().await;
    // The default ingress gateway Service of Istio >= 1.10: no 15443.
    seed::service(
        &a,
        "istio-system",
        "istio-ingressgateway",
        &[("istio", "ingressgateway"), ("app", "istio-ingressgateway")],
        &[80, 443],
        GATEWAY_IP,
    );
    let expected = [expectation("a", "za", None)];
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::Gateway, Verdict::Fail);
    assert!(
        found.contains("istio-system/istio-ingressgateway exposes 80, 443; none exposes 15443"),
        "{found}"
    );
    assert!(found.contains("expose port 15443"), "{found}");

    // An east-west gateway Service selecting the same pods, at the document's address.
    seed::service(
        &a,
        "istio-system",
        "istio-eastwestgateway",
        &[("istio", "ingressgateway")],
        &[15443],
        GATEWAY_IP,
    );
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::Gateway, Verdict::Pass);
    assert!(
        found.contains("istio-system/istio-eastwestgateway exposes 15443 at 203.0.113.10"),
        "{found}"
    );
}

#[tokio::test]
async fn a_gateway_at_another_address_fails() {
    let a = cluster_a().await;
    seed::service(
        &a,
        "istio-system",
        "istio-ingressgateway",
        &[("istio", "ingressgateway")],
        &[15443],
        "192.0.2.99",
    );
    let report = check(&[("a", &a)], &[expectation("a", "za", None)], options()).await;
    let found = assert_verdict(&report, "a", Check::Gateway, Verdict::Fail);
    assert!(
        found.contains("is at 192.0.2.99; not at 203.0.113.10"),
        "{found}"
    );
}

#[tokio::test]
async fn gateway_pods_outside_the_needed_router_mode_fail() {
    let a = cluster_a().await;
    seed::pod(
        &a,
        "istio-system",
        "istio-ingressgateway-7d4f9",
        &[("istio", "ingressgateway"), ("app", "istio-ingressgateway")],
        "n1",
        &[("ISTIO_META_ROUTER_MODE", "standard")],
    );
    let report = check(&[("a", &a)], &[expectation("a", "za", None)], options()).await;
    let found = assert_verdict(&report, "a", Check::Gateway, Verdict::Fail);
    assert!(
        found.contains("istio-system/istio-ingressgateway-7d4f9: ISTIO_META_ROUTER_MODE=standard (want ISTIO_META_ROUTER_MODE=sni-dnat)"),
        "{found}"
    );
    assert!(found.contains("only in sni-dnat mode"), "{found}");
    // A release that needs no router mode: the expectation has no env, and the check holds.
    let mut relaxed = expectation("a", "za", None);
    relaxed.gateways[0].env.clear();
    let report = check(&[("a", &a)], &[relaxed], options()).await;
    assert_verdict(&report, "a", Check::Gateway, Verdict::Pass);
}

#[tokio::test]
async fn a_wrong_istiod_release_fails_and_a_patch_difference_does_not() {
    let a = cluster_a().await;
    seed::istiod(&a, "docker.io/istio/pilot:1.21.6");
    let expected = [expectation("a", "za", None)];
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::IstiodVersion, Verdict::Fail);
    assert!(
        found.contains(
            "istio-system/istiod runs docker.io/istio/pilot:1.21.6: Istio 1.21, not 1.22"
        ),
        "{found}"
    );
    seed::istiod(&a, "docker.io/istio/pilot:1.22.0-distroless");
    let report = check(&[("a", &a)], &expected, options()).await;
    assert_verdict(&report, "a", Check::IstiodVersion, Verdict::Pass);
}

#[tokio::test]
async fn unlabelled_nodes_running_the_services_fail() {
    let a = cluster_a().await;
    seed::node(&a, "n2", &[("topology.kubernetes.io/region", "r")]);
    let expected = [expectation("a", "za", None)];
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::NodeLabels, Verdict::Fail);
    assert!(
        found.starts_with("node n2: topology.kubernetes.io/zone unset (runs default/app=echo)"),
        "{found}"
    );
    assert!(
        found.contains("kubectl --context a label node n2 topology.kubernetes.io/region=r topology.kubernetes.io/zone=za --overwrite"),
        "{found}"
    );
    // n1 runs no echo pod: its labels are not the question.
    seed::node(&a, "n1", &[]);
    seed::zoned_node(&a, "n2", "r", "za");
    let report = check(&[("a", &a)], &expected, options()).await;
    assert_verdict(&report, "a", Check::NodeLabels, Verdict::Pass);
}

#[tokio::test]
async fn a_foreign_manager_on_a_destination_rule_field_fails_until_taken_back() {
    let a = cluster_a().await;
    a.apply_as(
        "kubectl-edit",
        &json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "echo", "namespace": "default"},
            "spec": {"trafficPolicy": {"outlierDetection": {"interval": "30s"}}}}),
        true,
    )
    .unwrap();
    let expected = [expectation("a", "za", None)];
    let report = check(&[("a", &a)], &expected, options()).await;
    let found = assert_verdict(&report, "a", Check::FieldOwners, Verdict::Fail);
    assert!(
        found.contains("DestinationRule default/echo: fields it sets are held by another manager: .spec.trafficPolicy.outlierDetection.interval by \"kubectl-edit\""),
        "{found}"
    );
    assert!(found.contains("--force-conflicts"), "{found}");

    apply(&a, bundle("za"), true).await;
    let report = check(&[("a", &a)], &expected, options()).await;
    assert_verdict(&report, "a", Check::FieldOwners, Verdict::Pass);
}

#[tokio::test]
async fn missing_objects_and_unavailable_deployments_fail() {
    let a = cluster_a().await;
    let mut expected = expectation("a", "za", None);
    expected.objects.push(
        serde_json::from_value(json!({"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
            "metadata": {"name": "echo-other", "namespace": "default"}, "spec": {"address": "198.51.100.8"}}))
        .unwrap(),
    );
    a.set_status(
        "apps",
        "deployments",
        "default",
        "echo",
        json!({"readyReplicas": 0, "conditions": [{"type": "Available", "status": "False", "message": "Deployment does not have minimum availability."}]}),
    );
    let report = check(&[("a", &a)], &[expected], options()).await;
    let found = assert_verdict(&report, "a", Check::Objects, Verdict::Fail);
    assert!(
        found.starts_with("WorkloadEntry default/echo-other: missing"),
        "{found}"
    );
    let found = assert_verdict(&report, "a", Check::Ready, Verdict::Fail);
    assert!(
        found.contains("Deployment default/echo: not Available (0/1 ready): Deployment does not have minimum availability."),
        "{found}"
    );
}

#[tokio::test]
async fn a_cluster_without_istio_fails_crds_and_istiod() {
    let bare = FakeApiServer::start().await;
    let report = check(&[("a", &bare)], &[expectation("a", "za", None)], options()).await;
    assert_verdict(&report, "a", Check::Reachable, Verdict::Pass);
    let found = assert_verdict(&report, "a", Check::Crds, Verdict::Fail);
    assert!(
        found.contains("networking.istio.io/v1 DestinationRule: not served: is Istio installed?"),
        "{found}"
    );
    let found = assert_verdict(&report, "a", Check::IstiodVersion, Verdict::Fail);
    assert!(
        found.contains("no Deployment labelled app=istiod"),
        "{found}"
    );
    assert_verdict(&report, "a", Check::Objects, Verdict::Fail);
}

#[tokio::test]
async fn an_unreachable_cluster_is_reported_and_the_others_still_checked() {
    let a = cluster_a().await;
    let kubeconfig = fake::kubeconfig(&[("a", &a.url()), ("down", &fake::down_url())]);
    let report = Checker::new(kubeconfig, options())
        .check(&[
            expectation("a", "za", None),
            expectation("down", "zb", None),
        ])
        .await;
    assert!(report.clusters[0].holds(), "{:#?}", report.clusters[0]);
    let found = assert_verdict(&report, "down", Check::Reachable, Verdict::Fail);
    assert!(found.contains("API server does not answer"), "{found}");
    assert_eq!(
        report.clusters[1].findings.len(),
        1,
        "nothing else is checked there"
    );
    assert!(!report.holds());

    // An unknown context is a reachability failure too.
    let report = check(&[("a", &a)], &[expectation("nope", "za", None)], options()).await;
    let found = assert_verdict(&report, "nope", Check::Reachable, Verdict::Fail);
    assert!(found.contains("nope"), "{found}");
}

#[tokio::test]
async fn a_cluster_slower_than_the_timeout_fails_reachable() {
    let a = cluster_a().await;
    a.set_latency(Duration::from_millis(200));
    let mut quick = options();
    quick.timeout = Duration::from_millis(300);
    let report = check(&[("a", &a)], &[expectation("a", "za", None)], quick).await;
    let found = assert_verdict(&report, "a", Check::Reachable, Verdict::Fail);
    assert!(found.contains("did not finish within 300ms"), "{found}");
}

fn liqo_expectation(provider_zone: &str) -> ClusterExpectation {
    let mut e = ClusterExpectation::new("consumer", "consumer");
    e.kinds = vec![
        ServedKind::new("offloading.liqo.io", "v1beta1", "NamespaceOffloading"),
        ServedKind::new("core.liqo.io", "v1beta1", "ForeignCluster"),
    ];
    e.objects = vec![serde_json::from_value(offloading()).unwrap()];
    e.liqo_providers = vec![LiqoProvider {
        cluster_id: "provider1".into(),
        node_labels: BTreeMap::from([("topology.kubernetes.io/zone".into(), provider_zone.into())]),
    }];
    e
}

fn offloading() -> Value {
    json!({"apiVersion": "offloading.liqo.io/v1beta1", "kind": "NamespaceOffloading",
        "metadata": {"name": "offloading", "namespace": "istio-system"},
        "spec": {"namespaceMappingStrategy": "EnforceSameName", "podOffloadingStrategy": "Local"}})
}

#[tokio::test]
async fn liqo_peering_offloading_and_virtual_nodes_each_fail_for_their_cause() {
    let consumer = FakeApiServer::start().await;
    seed::serve_liqo(&consumer);
    consumer.add_namespace("istio-system");
    apply(&consumer, vec![offloading()], false).await;
    seed::foreign_cluster(&consumer, "provider1", "Established");
    seed::virtual_node(
        &consumer,
        "provider1",
        &[("topology.kubernetes.io/zone", "provider1")],
    );
    let expected = [liqo_expectation("provider1")];
    let report = check(&[("consumer", &consumer)], &expected, options()).await;
    assert!(
        report.holds(),
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    for c in [Check::LiqoPeering, Check::VirtualNodes, Check::Ready] {
        assert_verdict(&report, "consumer", c, Verdict::Pass);
    }

    // The NamespaceOffloading is not Ready.
    consumer.set_status(
        "offloading.liqo.io",
        "namespaceoffloadings",
        "istio-system",
        "offloading",
        json!({"offloadingPhase": "InProgress"}),
    );
    // The tunnel is down.
    seed::foreign_cluster(&consumer, "provider1", "NotReady");
    // The virtual node lacks the zone.
    seed::virtual_node(&consumer, "provider1", &[]);
    let report = check(&[("consumer", &consumer)], &expected, options()).await;
    let found = assert_verdict(&report, "consumer", Check::Ready, Verdict::Fail);
    assert!(
        found.contains(
            "NamespaceOffloading istio-system/offloading: offloadingPhase InProgress, not Ready"
        ),
        "{found}"
    );
    let found = assert_verdict(&report, "consumer", Check::LiqoPeering, Verdict::Fail);
    assert!(
        found.contains("networking: NetworkConnectionStatus=NotReady (tunnel)"),
        "{found}"
    );
    let found = assert_verdict(&report, "consumer", Check::VirtualNodes, Verdict::Fail);
    assert!(
        found.contains(
            "node liqo-provider1: virtual node of provider1: topology.kubernetes.io/zone unset"
        ),
        "{found}"
    );

    // Fixed: Ready, Established, labelled.
    consumer.set_status(
        "offloading.liqo.io",
        "namespaceoffloadings",
        "istio-system",
        "offloading",
        json!({"offloadingPhase": "Ready"}),
    );
    seed::foreign_cluster(&consumer, "provider1", "Established");
    seed::virtual_node(
        &consumer,
        "provider1",
        &[("topology.kubernetes.io/zone", "provider1")],
    );
    let report = check(&[("consumer", &consumer)], &expected, options()).await;
    assert!(
        report.holds(),
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
}

#[tokio::test]
async fn a_provider_without_foreign_cluster_or_virtual_node_fails() {
    let consumer = FakeApiServer::start().await;
    seed::serve_liqo(&consumer);
    consumer.add_namespace("istio-system");
    apply(&consumer, vec![offloading()], false).await;
    let report = check(
        &[("consumer", &consumer)],
        &[liqo_expectation("provider1")],
        options(),
    )
    .await;
    let found = assert_verdict(&report, "consumer", Check::LiqoPeering, Verdict::Fail);
    assert!(
        found.contains("provider provider1: no ForeignCluster for it"),
        "{found}"
    );
    assert!(found.contains("liqoctl peer --context consumer"), "{found}");
    let found = assert_verdict(&report, "consumer", Check::VirtualNodes, Verdict::Fail);
    assert!(
        found.contains(
            "no node labelled liqo.io/type=virtual-node,liqo.io/remote-cluster-id=provider1"
        ),
        "{found}"
    );
}

#[tokio::test]
async fn the_checks_only_read() {
    let a = cluster_a().await;
    a.clear_requests();
    let _ = check(&[("a", &a)], &[expectation("a", "za", None)], options()).await;
    let requests = a.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:#?}");
}
