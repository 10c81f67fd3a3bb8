//! The peer-to-peer renderer (issue 10), end to end: Federation YAML in, objects out.
//!
//! Snapshots are named and were read line by line against the seeds before being accepted.

use std::collections::BTreeMap;

use fed_render::{Bundle, Object};
use istio_types::IstioResource;
use istio_types::read::{Document, read_stream};

const APAN: &str = include_str!("../../examples/apan.yaml");

fn render(doc: &str) -> Vec<Bundle> {
    let fed = fed_model::validate_yaml_str(doc, None, None).unwrap_or_else(|r| {
        panic!(
            "the test document is invalid:\n{}",
            r.into_diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    fed_render::render(&fed.federation).expect("rendering a valid federation succeeds")
}

fn stream(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for b in bundles {
        out.push_str("# cluster: ");
        out.push_str(&b.cluster);
        out.push('\n');
        out.push_str(&b.to_yaml_stream().expect("a rendered bundle serialises"));
    }
    out
}

fn at_version(doc: &str, version: &str) -> String {
    assert!(
        doc.contains("version: \"1.5\""),
        "the document must name Istio 1.5 for this substitution"
    );
    doc.replace("version: \"1.5\"", &format!("version: \"{version}\""))
}

/// Three peers, two services, chained overflow: clients of `orders` in `a` spill to `b` and
/// then `c`; in `b` to `c`; `catalog` overflows from `c` to `a` only.
const THREE_PEERS: &str = r#"
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {name: trio}
spec:
  istio: {version: "1.5"}
  mesh: {id: trio-mesh}
  topology:
    peerToPeer:
      peers:
        - {name: a, network: net-a, locality: europe-west1/europe-west1-b, gateway: {address: 10.0.0.1}}
        - {name: b, network: net-b, locality: europe-west4/europe-west4-a, gateway: {address: 10.0.1.1, port: 15443}}
        - {name: c, network: net-c, locality: us-east1/us-east1-c, gateway: {address: 10.0.2.1}}
  services:
    - name: orders
      namespace: shop
      ports: [{name: http, number: 8080, protocol: HTTP}, {name: grpc-api, number: 9090, protocol: GRPC}]
      workload: {image: "example/orders:2.1", replicas: 2, autoscaling: {minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70}}
      overflow:
        - from: a
          to: [b, c]
          thresholds: {maxConnections: 100, http2MaxRequests: 200, consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}
        - from: b
          to: [c]
          thresholds: {http1MaxPendingRequests: 10, consecutiveErrors: 3, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 50}
    - name: catalog
      namespace: shop
      ports: [{name: http, number: 80, protocol: HTTP, targetPort: 8080}]
      runsIn: [a, c]
      ingress: {path: /catalog}
      overflow:
        - from: c
          to: [a]
          thresholds: {maxConnections: 10, consecutiveErrors: 2, interval: 1s, baseEjectionTime: 1m, maxEjectionPercent: 100}
"#;

#[test]
fn apan_at_istio_1_5() {
    insta::assert_snapshot!("apan_istio_1_5", stream(&render(APAN)));
}

#[test]
fn apan_at_istio_1_30() {
    insta::assert_snapshot!(
        "apan_istio_1_30",
        stream(&render(&at_version(APAN, "1.30")))
    );
}

#[test]
fn three_peers_chained_overflow() {
    insta::assert_snapshot!(
        "three_peers_chained_istio_1_5",
        stream(&render(THREE_PEERS))
    );
    insta::assert_snapshot!(
        "three_peers_chained_istio_1_30",
        stream(&render(&at_version(THREE_PEERS, "1.30")))
    );
}

// --- the seeds, structurally ------------------------------------------------------------

/// The ```-fenced blocks of a seed file.
fn fenced_blocks(text: &str) -> Vec<String> {
    text.split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b.trim_start_matches('\n').to_owned())
        .collect()
}

fn only_istio(text: &str) -> IstioResource {
    let docs = read_stream(text, None);
    assert_eq!(docs.len(), 1, "{text}");
    match &docs[0].result {
        Ok(Document::Istio(r)) => r.clone(),
        other => panic!("not an Istio resource: {other:?}\n{text}"),
    }
}

fn rendered<'a>(bundle: &'a Bundle, kind: &'a str) -> &'a IstioResource {
    let found: Vec<&Object> = bundle.of_kind(kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind} in {}", bundle.cluster);
    match found[0] {
        Object::Istio(r) => r,
        _ => unreachable!(),
    }
}

/// The seeds' DestinationRule (seed 001, indented correctly there) is what we render for the
/// overflowing cluster, field for field, apart from the host.
#[test]
fn apan_destination_rule_is_the_seeds() {
    let Some(path) = testkit::shared_file("seeds/001_a782047e751aa1ba.txt") else {
        return;
    };
    let seed = std::fs::read_to_string(path).unwrap();
    let dr_text = fenced_blocks(&seed)
        .into_iter()
        .find(|b| b.contains("kind: DestinationRule"))
        .expect("seed 001 has a DR");
    let IstioResource::DestinationRule(seed_dr) = only_istio(&dr_text) else {
        panic!()
    };

    let bundles = render(APAN);
    let IstioResource::DestinationRule(ours) = rendered(&bundles[0], "DestinationRule") else {
        panic!()
    };
    let mut ours_spec = ours.spec.clone();
    assert_eq!(ours_spec.host, "echo.default.svc.cluster.local");
    ours_spec.host.clone_from(&seed_dr.spec.host);
    assert_eq!(
        ours_spec, seed_dr.spec,
        "the rendered DR differs from the seed's beyond its host"
    );
    assert_eq!(
        ours.api_version, seed_dr.api_version,
        "Istio 1.5 renders v1alpha3, as the seed"
    );
}

/// The seeds' ServiceEntry: seed 002's has the right indentation except inside the endpoint,
/// whose fields lost two levels (`locality:`/`ports:` under `- address:`, `http:` under
/// `ports:`); restoring exactly those is the only change. Its address is a placeholder comment.
#[test]
fn apan_service_entry_is_the_seeds() {
    let Some(path) = testkit::shared_file("seeds/002_50146ed4c937dee1.txt") else {
        return;
    };
    let seed = std::fs::read_to_string(path).unwrap();
    let se_text = fenced_blocks(&seed)
        .into_iter()
        .find(|b| b.contains("kind: ServiceEntry"))
        .expect("seed 002 has an SE");
    let fixed = se_text
        .replace("\n  locality:", "\n    locality:")
        .replace("\n  ports:\n  http:", "\n    ports:\n      http:");
    assert_ne!(
        fixed, se_text,
        "the seed's flattened endpoint was found and fixed"
    );
    let IstioResource::ServiceEntry(seed_se) = only_istio(&fixed) else {
        panic!()
    };

    let bundles = render(APAN);
    let IstioResource::ServiceEntry(ours) = rendered(&bundles[0], "ServiceEntry") else {
        panic!()
    };
    let mut ours_spec = ours.spec.clone();
    // Names and addresses are the federation's; everything else must be the seed's.
    assert_eq!(
        ours_spec.hosts,
        vec!["echo.default.svc.cluster.local".to_owned()]
    );
    ours_spec.hosts.clone_from(&seed_se.spec.hosts);
    let Some(istio_types::networking::ServiceEntryWorkloads::Endpoints(eps)) =
        &mut ours_spec.workloads
    else {
        panic!("endpoints")
    };
    assert_eq!(
        eps[0].address.as_deref(),
        Some("202.28.193.115"),
        "gke's gateway"
    );
    eps[0].address = None; // the seed's is a comment
    // Istio reads protocol names case-insensitively; the seed writes `http`.
    for p in &mut ours_spec.ports {
        p.protocol = p.protocol.as_deref().map(str::to_ascii_lowercase);
    }
    assert_eq!(
        ours_spec, seed_se.spec,
        "the rendered SE differs from the seed's beyond names and addresses"
    );
}

// --- Istio >= 1.7: WorkloadEntries selected by the Kubernetes Service ----------------------

#[test]
fn workload_entries_carry_the_service_selector() {
    for version in ["1.7", "1.11", "1.30"] {
        let doc = at_version(THREE_PEERS, version);
        let bundles = render(&doc);
        let mut seen = 0;
        for b in &bundles {
            assert_eq!(
                b.of_kind("ServiceEntry").count(),
                0,
                "no ServiceEntry from 1.7 on ({version})"
            );
            for o in b.of_kind("WorkloadEntry") {
                let Object::Istio(r) = o else { unreachable!() };
                let IstioResource::WorkloadEntry(we) = r else {
                    unreachable!()
                };
                let svc_name = we
                    .metadata
                    .name
                    .as_deref()
                    .unwrap()
                    .split('-')
                    .next()
                    .unwrap();
                // The Service in the same bundle that must select this entry.
                let Some(Object::Service(svc)) = b.get(
                    "Service",
                    we.metadata.namespace.as_deref().unwrap(),
                    svc_name,
                ) else {
                    panic!(
                        "{version}: no Service {svc_name} in {} for {we:?}",
                        b.cluster
                    )
                };
                let selector = svc.spec.as_ref().unwrap().selector.clone().unwrap();
                for (k, v) in &selector {
                    assert_eq!(
                        we.spec.labels.get(k),
                        Some(v),
                        "{version}: {} must match selector {selector:?}",
                        we.metadata.name.as_deref().unwrap()
                    );
                }
                assert_eq!(
                    we.spec
                        .labels
                        .get("meshfed.io/overflow-from")
                        .map(String::as_str),
                    Some(b.cluster.as_str())
                );
                assert!(
                    we.spec.service_account.is_some(),
                    "auto-mTLS needs the service account"
                );
                assert_eq!(
                    we.spec.network, None,
                    "no network: the gateway is reached directly"
                );
                seen += 1;
            }
        }
        // a->[b,c] for orders, b->[c] for orders, c->[a] for catalog.
        assert_eq!(seen, 4, "{version}");
    }
}

#[test]
fn outlier_detection_field_follows_the_release() {
    for (version, old) in [
        ("1.5", true),
        ("1.6", true),
        ("1.7", false),
        ("1.30", false),
    ] {
        let bundles = render(&at_version(APAN, version));
        let Some(Object::Istio(IstioResource::DestinationRule(dr))) =
            bundles[0].get("DestinationRule", "default", "echo")
        else {
            panic!("{version}: no DestinationRule default/echo in tein")
        };
        let od = dr
            .spec
            .traffic_policy
            .as_ref()
            .unwrap()
            .outlier_detection
            .as_ref()
            .unwrap();
        assert_eq!(od.consecutive_errors.is_some(), old, "{version}");
        assert_eq!(od.consecutive_gateway_errors.is_some(), !old, "{version}");
        let lb = dr
            .spec
            .traffic_policy
            .as_ref()
            .unwrap()
            .load_balancer
            .as_ref();
        assert_eq!(
            lb.is_some(),
            version != "1.5",
            "{version}: localityLbSetting from 1.6"
        );
    }
}

#[test]
fn locality_failover_goes_to_the_first_other_region() {
    let bundles = render(&at_version(THREE_PEERS, "1.30"));
    let IstioResource::DestinationRule(dr) = rendered(&bundles[0], "DestinationRule") else {
        panic!()
    };
    let lb = dr
        .spec
        .traffic_policy
        .as_ref()
        .unwrap()
        .load_balancer
        .as_ref()
        .unwrap();
    let failover = &lb.locality_lb_setting.as_ref().unwrap().failover;
    assert_eq!(failover.len(), 1);
    assert_eq!(failover[0].from.as_deref(), Some("europe-west1"));
    assert_eq!(
        failover[0].to.as_deref(),
        Some("europe-west4"),
        "b comes before c"
    );
}

#[test]
fn api_version_follows_the_release_unless_overridden() {
    for (version, want) in [
        ("1.5", "v1alpha3"),
        ("1.21", "v1alpha3"),
        ("1.22", "v1beta1"),
        ("1.26", "v1beta1"),
        ("1.27", "v1"),
        ("1.32", "v1"),
    ] {
        let bundles = render(&at_version(APAN, version));
        for o in bundles.iter().flat_map(|b| &b.objects) {
            if let Object::Istio(r) = o {
                assert_eq!(r.api_version().as_str(), want, "{version}");
            }
        }
    }
    let overridden = APAN.replace(
        "version: \"1.5\"",
        "version: \"1.30\"\n    apiVersion: v1beta1",
    );
    for o in render(&overridden).iter().flat_map(|b| &b.objects) {
        if let Object::Istio(r) = o {
            assert_eq!(r.api_version().as_str(), "v1beta1");
        }
    }
}

#[test]
fn every_object_carries_the_ownership_labels() {
    for b in render(THREE_PEERS) {
        for o in &b.objects {
            let labels = o.metadata().labels.clone().unwrap_or_default();
            let want = BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_owned(),
                    "fedctl".to_owned(),
                ),
                ("meshfed.io/federation".to_owned(), "trio".to_owned()),
                ("meshfed.io/cluster".to_owned(), b.cluster.clone()),
            ]);
            for (k, v) in want {
                assert_eq!(labels.get(&k), Some(&v), "{} {}", o.kind(), o.name());
            }
        }
    }
}

// --- every rendered object passes Istio's CRD schema + CEL and our webhook rules ----------

/// Every supported release, both documents: the CRD schema and its CEL rules (from
/// ../shared/istio-crds) and istio-types' validation accept every Istio object; the
/// Kubernetes objects read back into k8s-openapi types.
#[test]
fn every_rendered_object_is_valid_for_every_release() {
    let Some(crds) = testkit::CrdSet::istio() else {
        return;
    };
    let mut checked = 0;
    // APAN with retryRemote (a VirtualService with retries, the proxy-config annotation).
    let retry_remote = APAN.replacen(
        "          to: [gke]",
        "          retryRemote: true\n          to: [gke]",
        1,
    );
    for minor in 5..=32 {
        let retry = (minor >= 6).then_some(retry_remote.as_str());
        for doc in [APAN, THREE_PEERS].into_iter().chain(retry) {
            let version = format!("1.{minor}");
            for b in render(&at_version(doc, &version)) {
                for o in &b.objects {
                    let value = o.to_json_value();
                    match o {
                        Object::Istio(r) => {
                            crds.assert_valid(&value);
                            let report = r.validate();
                            // Istio's webhook judges by the newest release: it warns that
                            // consecutiveErrors is ignored since 1.7. For 1.5 and 1.6 targets
                            // it is the field that works, so that one warning is expected there.
                            let unexpected: Vec<_> = report
                                .findings
                                .iter()
                                .filter(|f| {
                                    !(minor < 7
                                        && f.path.ends_with("outlierDetection.consecutiveErrors")
                                        && f.severity == istio_types::validate::Severity::Warning)
                                })
                                .collect();
                            assert!(
                                unexpected.is_empty(),
                                "{version} {} {}/{}: {unexpected:?}",
                                r.kind(),
                                b.cluster,
                                o.name()
                            );
                        }
                        Object::Deployment(_) => {
                            let _: k8s_openapi::api::apps::v1::Deployment =
                                serde_json::from_value(value).unwrap();
                        }
                        Object::Service(_) => {
                            let _: k8s_openapi::api::core::v1::Service =
                                serde_json::from_value(value).unwrap();
                        }
                        Object::HorizontalPodAutoscaler(_) => {
                            let _: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler =
                                serde_json::from_value(value).unwrap();
                        }
                        _ => {}
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 28 * 20, "checked {checked} objects");
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = stream(&render(THREE_PEERS));
    let b = stream(&render(THREE_PEERS));
    assert_eq!(a, b);
    let files_a: Vec<_> = render(APAN)
        .iter()
        .flat_map(|b| b.to_files().unwrap())
        .collect();
    let files_b: Vec<_> = render(APAN)
        .iter()
        .flat_map(|b| b.to_files().unwrap())
        .collect();
    assert_eq!(files_a, files_b);
}

#[test]
fn kustomization_lists_one_file_per_kind_in_apply_order() {
    for b in render(THREE_PEERS) {
        let files = b.to_files().unwrap();
        let kust = files
            .iter()
            .find(|f| f.path.ends_with("/kustomization.yaml"))
            .unwrap();
        let listed: Vec<&str> = kust
            .contents
            .lines()
            .filter_map(|l| l.strip_prefix("- "))
            .collect();
        // The objects' files in the objects' (apply) order, each once.
        let mut expected: Vec<String> = b
            .objects
            .iter()
            .map(fed_render::output::file_name)
            .collect();
        expected.dedup();
        assert_eq!(
            listed,
            expected.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let kinds: std::collections::BTreeSet<&str> = b.objects.iter().map(Object::kind).collect();
        assert_eq!(listed.len(), kinds.len(), "one file per kind");
        // Every object is a document of its kind's file, in the bundle's order, and nothing else
        // is: the files read back give the bundle's objects.
        let mut read_back = Vec::new();
        for name in &listed {
            let file = files
                .iter()
                .find(|f| f.path == format!("{}/{name}", b.cluster))
                .unwrap_or_else(|| panic!("{name} is listed but not written"));
            let docs = istio_types::read::read_stream_map(&file.contents, None, |raw, _| {
                serde_saphyr::from_str::<serde_json::Value>(raw.text).unwrap()
            });
            for value in docs {
                assert_eq!(
                    fed_render::output::file_name(&b.objects[read_back.len()]),
                    *name
                );
                read_back.push(value);
            }
            assert_eq!(
                file.secret,
                file.contents.contains("\nkind: Secret\n"),
                "{name}: mode 0600 exactly when it holds a Secret"
            );
        }
        let objects: Vec<serde_json::Value> = b.objects.iter().map(Object::to_json_value).collect();
        assert_eq!(read_back, objects);
        assert!(
            !listed.contains(&"RUNBOOK.md") && !listed.contains(&"istio-values.yaml"),
            "aux files are not applied"
        );
    }
}

/// Two services that name one ServiceAccount get one ServiceAccount object: two with the same
/// id make `kubectl apply -k` refuse the whole folder.
#[test]
fn a_service_account_two_services_share_is_rendered_once() {
    let svc = "    - name: echo\n      namespace: default\n";
    let start = APAN.find(svc).expect("the APAN example's service");
    let block = APAN[start..].replacen(svc, &format!("{svc}      serviceAccount: runner\n"), 1);
    let second = block.replacen("name: echo\n", "name: echo2\n", 1).replacen(
        "path: /echo",
        "path: /echo2",
        1,
    );
    let doc = format!("{}{block}{second}", &APAN[..start]);
    for b in render(&doc) {
        let accounts: Vec<&str> = b.of_kind("ServiceAccount").map(Object::name).collect();
        assert_eq!(accounts, ["runner"], "{}", b.cluster);
        assert_eq!(b.of_kind("Deployment").count(), 2, "{}", b.cluster);
    }
}
