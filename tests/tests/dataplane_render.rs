//! The renderer follows the per-release data-plane table (dataplane.md section 6).
//!
//! Two kinds of tests: snapshots of the APAN federation (objects and the files that are not
//! applied: install values, runbook) at the releases where what is rendered changes, read
//! against dataplane.md before being accepted; and one test per fact the renderer consumes,
//! over every supported release, asserting that the output changes exactly where the table's
//! row does. Changing a row without its consumers fails the second kind.

use std::fmt::Write as _;

use fed_render::{Bundle, Object};
use istio_types::IstioResource;
use istio_types::dataplane::{ConsecutiveErrors, DataPlane, RemoteEndpoints, ThresholdPlacement};
use istio_types::release::IstioRelease;

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

fn at(doc: &str, minor: u32) -> String {
    assert!(doc.contains("version: \"1.5\""));
    doc.replace("version: \"1.5\"", &format!("version: \"1.{minor}\""))
}

/// APAN with `retryRemote: true` on its overflow rule (Istio >= 1.6).
fn apan_retry_remote(minor: u32) -> String {
    let doc = at(APAN, minor);
    let rule = "          to: [gke]";
    assert!(doc.contains(rule), "the APAN example's overflow rule");
    doc.replacen(rule, &format!("          retryRemote: true\n{rule}"), 1)
}

/// Objects and files of every cluster, as one text.
fn everything(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for b in bundles {
        let _ = writeln!(out, "# cluster: {}", b.cluster);
        out.push_str(&b.to_yaml_stream().expect("a rendered bundle serialises"));
        for f in &b.files {
            let _ = write!(out, "# file: {}/{}\n{}", b.cluster, f.name, f.contents);
        }
    }
    out
}

fn releases() -> impl Iterator<Item = u32> {
    IstioRelease::OLDEST_KNOWN.minor()..=IstioRelease::NEWEST_KNOWN.minor()
}

fn dataplane(minor: u32) -> DataPlane {
    DataPlane::of(IstioRelease::new(1, minor))
}

fn istio<'a>(b: &'a Bundle, kind: &'a str) -> impl Iterator<Item = &'a IstioResource> + 'a {
    b.of_kind(kind).filter_map(|o| match o {
        Object::Istio(r) => Some(r),
        _ => None,
    })
}

fn file<'a>(b: &'a Bundle, name: &str) -> Option<&'a str> {
    b.files
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.contents.as_str())
}

// --- snapshots --------------------------------------------------------------------------

#[test]
fn apan_at_the_releases_where_rendering_changes() {
    // 1.5: the seeds; 1.9: WorkloadEntries, namespace rules, sni-dnat, 15443 still on the
    // default gateway; 1.12: 15443 exposed by hand, automatic passthrough; 1.19: the last
    // releases before Sidecar inboundConnectionPool; 1.30: Sidecar limits.
    for minor in [5, 9, 12, 19, 30] {
        insta::assert_snapshot!(
            format!("apan_everything_istio_1_{minor}"),
            everything(&render(&at(APAN, minor)))
        );
    }
}

#[test]
fn apan_with_retry_remote() {
    // 1.18 has no envoyDebugHeaders annotation; 1.19 has.
    for minor in [18, 19] {
        insta::assert_snapshot!(
            format!("apan_retry_remote_istio_1_{minor}"),
            Bundle::to_yaml_stream(&render(&apan_retry_remote(minor))[0]).expect("serialises")
        );
    }
}

// --- each fact the renderer reads, over every release -------------------------------------

/// `threshold_placement`: where the limits are written.
#[test]
fn limits_go_where_the_release_ejects_on_them() {
    for minor in releases() {
        let bundles = render(&at(APAN, minor));
        let tein = &bundles[0];
        let with_pool = |r: &&IstioResource| match r {
            IstioResource::DestinationRule(dr) => dr
                .spec
                .traffic_policy
                .as_ref()
                .is_some_and(|t| t.connection_pool.is_some()),
            _ => false,
        };
        let rules: Vec<&IstioResource> = istio(tein, "DestinationRule").collect();
        let sidecars: Vec<&IstioResource> = istio(tein, "Sidecar").collect();
        match dataplane(minor).threshold_placement() {
            ThresholdPlacement::SharedDestinationRule => {
                assert_eq!(rules.len(), 1, "1.{minor}");
                assert!(
                    with_pool(&rules[0]),
                    "1.{minor}: the seeds' rule has the limits"
                );
                assert!(sidecars.is_empty(), "1.{minor}");
            }
            ThresholdPlacement::NamespaceDestinationRule => {
                assert_eq!(rules.len(), 2, "1.{minor}");
                let Some(Object::Istio(IstioResource::DestinationRule(server))) =
                    tein.get("DestinationRule", "default", "echo")
                else {
                    panic!("1.{minor}: no default/echo")
                };
                assert_eq!(server.spec.export_to, vec!["."], "1.{minor}");
                assert!(
                    server
                        .spec
                        .traffic_policy
                        .as_ref()
                        .unwrap()
                        .connection_pool
                        .is_some()
                );
                let Some(Object::Istio(IstioResource::DestinationRule(client))) =
                    tein.get("DestinationRule", "istio-system", "echo.default")
                else {
                    panic!("1.{minor}: no istio-system/echo.default")
                };
                assert!(client.spec.export_to.is_empty(), "1.{minor}");
                let policy = client.spec.traffic_policy.as_ref().unwrap();
                assert!(policy.connection_pool.is_none(), "1.{minor}");
                assert!(policy.outlier_detection.is_some(), "1.{minor}");
                assert!(sidecars.is_empty(), "1.{minor}");
            }
            ThresholdPlacement::SidecarInbound => {
                assert_eq!(rules.len(), 1, "1.{minor}");
                assert!(!with_pool(&rules[0]), "1.{minor}: no client-side limits");
                let [IstioResource::Sidecar(sc)] = sidecars.as_slice() else {
                    panic!("1.{minor}: one Sidecar")
                };
                assert_eq!(sc.metadata.name.as_deref(), Some("echo-inbound"));
                assert!(sc.spec.inbound_connection_pool.is_some(), "1.{minor}");
                let selector = &sc.spec.workload_selector.as_ref().unwrap().labels;
                assert_eq!(selector.get("app").map(String::as_str), Some("echo"));
            }
        }
    }
}

/// The root-namespace client rules of two services are two objects even when a `-` would join
/// their names and namespaces into one (`a-b` in `c`, `a` in `b-c`).
#[test]
fn client_rules_of_different_services_never_share_a_name() {
    let svc = "    - name: echo\n      namespace: default\n";
    let doc = at(APAN, 9);
    let block_start = doc.find(svc).expect("the APAN example's service");
    let block = &doc[block_start..];
    let twice = format!(
        "{}{}",
        block.replacen(svc, "    - name: a-b\n      namespace: c\n", 1),
        block
            .replacen(svc, "    - name: a\n      namespace: b-c\n", 1)
            .replacen("path: /echo", "path: /a", 1)
    );
    let doc = format!("{}{twice}", &doc[..block_start]);
    let bundles = render(&doc);
    let names: Vec<&str> = istio(&bundles[0], "DestinationRule")
        .filter(|r| r.metadata().namespace.as_deref() == Some("istio-system"))
        .map(|r| r.metadata().name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, ["a-b.c", "a.b-c"]);
}

/// `remote_endpoints`: ServiceEntry merge or WorkloadEntries.
#[test]
fn peers_join_the_service_the_way_the_release_merges_them() {
    for minor in releases() {
        let bundles = render(&at(APAN, minor));
        let (se, we) = (
            istio(&bundles[0], "ServiceEntry").count(),
            istio(&bundles[0], "WorkloadEntry").count(),
        );
        match dataplane(minor).remote_endpoints.value {
            RemoteEndpoints::ServiceEntryMerge => assert_eq!((se, we), (1, 0), "1.{minor}"),
            RemoteEndpoints::WorkloadEntries => assert_eq!((se, we), (0, 1), "1.{minor}"),
        }
    }
}

/// `consecutive_errors` and `locality_lb_setting_field`: the outlier-detection field and the
/// per-rule locality setting.
#[test]
fn outlier_detection_is_spelt_as_the_release_reads_it() {
    for minor in releases() {
        let dp = dataplane(minor);
        let bundles = render(&at(APAN, minor));
        for r in istio(&bundles[0], "DestinationRule") {
            let IstioResource::DestinationRule(dr) = r else {
                unreachable!()
            };
            let policy = dr.spec.traffic_policy.as_ref().unwrap();
            let od = policy.outlier_detection.as_ref().unwrap();
            let old = dp.consecutive_errors.value == ConsecutiveErrors::GatewayFailures;
            assert_eq!(od.consecutive_errors.is_some(), old, "1.{minor}");
            assert_eq!(od.consecutive_gateway_errors.is_some(), !old, "1.{minor}");
            assert_eq!(
                policy.load_balancer.is_some(),
                dp.locality_lb_setting_field.value,
                "1.{minor}"
            );
        }
    }
}

/// `workload_entry_ports`: the Service's targetPort is the port's name on every release, so
/// the WorkloadEntry's port is honoured where the release ignores it behind a number.
#[test]
fn target_ports_are_named_on_every_release() {
    for minor in releases() {
        for b in render(&at(APAN, minor)) {
            let Some(Object::Service(svc)) = b.get("Service", "default", "echo") else {
                panic!("1.{minor}: no Service in {}", b.cluster)
            };
            let port = &svc.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
            assert_eq!(
                port.target_port,
                Some(
                    k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(
                        "http".to_owned()
                    )
                ),
                "1.{minor}"
            );
            let Some(Object::Deployment(d)) = b.get("Deployment", "default", "echo") else {
                panic!("1.{minor}: no Deployment")
            };
            let container = &d
                .spec
                .as_ref()
                .unwrap()
                .template
                .spec
                .as_ref()
                .unwrap()
                .containers[0];
            assert_eq!(
                container.ports.as_ref().unwrap()[0].name.as_deref(),
                Some("http"),
                "1.{minor}: the container carries the name the Service targets"
            );
        }
    }
}

/// `auto_passthrough`, `router_mode_defaults`, `default_gateway_exposes_15443`: what the
/// overflow target (gke) is told to install; tein receives no overflow and is told nothing.
#[test]
fn the_target_gateway_is_set_up_for_the_release() {
    for minor in releases() {
        let dp = dataplane(minor);
        let bundles = render(&at(APAN, minor));
        let (tein, gke) = (&bundles[0], &bundles[1]);
        let values = file(gke, "istio-values.yaml").expect("values");
        let runbook = file(gke, "RUNBOOK.md").expect("runbook");
        assert_eq!(
            values.contains("ISTIO_META_ROUTER_MODE: sni-dnat"),
            dp.needs_sni_dnat(),
            "1.{minor}: {values}"
        );
        let k8s_env = dp
            .router_mode_defaults
            .value
            .is_some_and(|d| d.istioctl_sets_it_in_k8s_env);
        // Or where only istioctl's chart passes the gateway's statistics annotation on
        // (`gateway_pod_annotations`; the example keeps proxyStats on).
        let istioctl_only = dp.gateway_pod_annotations.value
            == istio_types::dataplane::GatewayPodAnnotations::IstioctlChartOnly;
        assert_eq!(
            file(gke, "istio-operator.yaml").is_some(),
            (dp.needs_sni_dnat() && k8s_env) || istioctl_only,
            "1.{minor}"
        );
        assert_eq!(
            runbook.contains("patch service istio-ingressgateway"),
            !dp.default_gateway_exposes_15443.value,
            "1.{minor}: {runbook}"
        );
        assert!(runbook.contains("topology.kubernetes.io/region=us-west1"));
        // tein is no overflow target.
        assert!(
            !file(tein, "istio-values.yaml")
                .unwrap()
                .contains("ROUTER_MODE")
        );
        assert!(!file(tein, "RUNBOOK.md").unwrap().contains("patch service"));
    }
}

/// `retry_remote_localities`, `envoy_debug_headers_annotation`: what retryRemote renders.
#[test]
fn retry_remote_follows_the_release() {
    for minor in releases().filter(|&m| dataplane(m).retry_remote_localities.value.is_some()) {
        let dp = dataplane(minor);
        let bundles = render(&apan_retry_remote(minor));
        let tein = &bundles[0];
        let Some(Object::Istio(IstioResource::VirtualService(mesh))) =
            tein.get("VirtualService", "default", "echo-mesh")
        else {
            panic!("1.{minor}: no mesh VirtualService")
        };
        let retries = mesh.spec.http[0].retries.as_ref().unwrap();
        assert_eq!(retries.retry_remote_localities, Some(true));
        assert_eq!(retries.retry_on.as_deref(), Some("503"));
        // The ingress route (the gateway is a client too) retries the same way.
        let Some(Object::Istio(IstioResource::VirtualService(ingress))) =
            tein.get("VirtualService", "default", "echo")
        else {
            panic!("1.{minor}: no ingress VirtualService")
        };
        assert_eq!(ingress.spec.http[0].retries.as_ref(), Some(retries));
        let Some(Object::Deployment(d)) = tein.get("Deployment", "default", "echo") else {
            panic!()
        };
        let annotations = d
            .spec
            .as_ref()
            .unwrap()
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.clone())
            .unwrap_or_default();
        // One proxy config for the pods: the debug headers are off exactly where the release
        // honours it (other parts, e.g. the statistics matcher, may sit beside it).
        let config: serde_json::Value = annotations
            .get("proxy.istio.io/config")
            .map_or(serde_json::Value::Null, |c| {
                serde_json::from_str(c).unwrap()
            });
        assert_eq!(
            config.pointer("/proxyHeaders/envoyDebugHeaders/disabled"),
            dp.envoy_debug_headers_annotation
                .value
                .then_some(&serde_json::Value::Bool(true)),
            "1.{minor}"
        );
        // gke is not the rule's `from`: its pods and routes are untouched.
        assert!(
            bundles[1]
                .get("VirtualService", "default", "echo-mesh")
                .is_none()
        );
    }
}

#[test]
fn retry_remote_is_refused_where_the_release_cannot_retry_remotely() {
    let minor = releases()
        .find(|&m| dataplane(m).retry_remote_localities.value.is_none())
        .expect("a release without retryRemoteLocalities");
    let Err(report) = fed_model::validate_yaml_str(&apan_retry_remote(minor), None, None) else {
        panic!("1.{minor}: retryRemote must be refused")
    };
    let text = report
        .into_diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("spec.services[0].overflow[0].retryRemote"),
        "{text}"
    );
}

// --- explain ------------------------------------------------------------------------------

fn explain(doc: &str) -> String {
    let fed = fed_model::validate_yaml_str(doc, None, None)
        .unwrap_or_else(|_| panic!("valid"))
        .federation;
    fed_render::explain::explain(&fed, "echo", &[])
        .expect("echo exists")
        .to_string()
}

#[test]
fn explain_snapshots() {
    for minor in [5, 9, 19, 30] {
        insta::assert_snapshot!(
            format!("explain_apan_istio_1_{minor}"),
            explain(&at(APAN, minor))
        );
    }
}

/// Each sentence that depends on the release says what the table says for that release.
#[test]
fn explain_follows_the_table_on_every_release() {
    for minor in releases() {
        let dp = dataplane(minor);
        let text = explain(&at(APAN, minor));
        let has = |s: &str| text.contains(s);
        // Claims that are wrong on every release are never made.
        assert!(!has("while any is healthy"), "1.{minor}");
        assert!(
            !has("Envoy counts it against the endpoint it had picked"),
            "1.{minor}"
        );
        // The client's own overflow.
        if dp.threshold_placement() == ThresholdPlacement::SidecarInbound {
            assert!(has("in the Sidecar default/echo-inbound"), "1.{minor}");
            assert!(has("Clients have no limits of their own"), "1.{minor}");
        } else {
            assert_eq!(
                has("counted against the endpoint it had picked"),
                dp.client_overflow_ejects(),
                "1.{minor}"
            );
            assert_eq!(
                has(&format!("it ejects nothing on Istio 1.{minor}")),
                !dp.client_overflow_ejects(),
                "1.{minor}"
            );
        }
        // The server-side overflow ejects on every release: the seeds' 3 connections move
        // traffic to gke.
        assert!(
            has("the pod is ejected: requests go to gke for 1m"),
            "1.{minor}"
        );
        // What gke's gateway needs.
        assert_eq!(
            has("sni-dnat router mode"),
            dp.needs_sni_dnat(),
            "1.{minor}"
        );
        assert_eq!(
            has("which Istio 1.") && has("default ingress gateway Service does not"),
            !dp.default_gateway_exposes_15443.value,
            "1.{minor}"
        );
        // Retries.
        assert_eq!(
            has("Istio's default retry policy retries 503"),
            dp.default_retry.value.status_503 == istio_types::dataplane::DefaultRetry503::Retried,
            "1.{minor}"
        );
        // Every cited source is one of the table's.
        let sources: Vec<String> = dp.rows().iter().map(|r| r.source.to_owned()).collect();
        let cited = text.split("Sources:\n").nth(1).unwrap_or_default();
        for line in cited.lines() {
            let source = line.trim_start().split_once("] ").map_or("", |(_, s)| s);
            assert!(sources.iter().any(|s| s == source), "1.{minor}: {line}");
        }
        assert!(!cited.is_empty(), "1.{minor}: explain cites its sources");
    }
}

#[test]
fn explain_counts_the_overprovisioning_for_the_replicas() {
    let doc = at(APAN, 30).replace("replicas: 1", "replicas: 4");
    let dp = dataplane(30);
    let text = explain(&doc);
    let first = dp.ejections_before_spill(4).unwrap();
    let loads = dp.priority_loads(&[(4 - first, 4), (1, 1)]);
    assert!(
        text.contains(&format!(
            "With 4 pods, traffic moves only once {first} are ejected"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{first} ejected: {}% stay, {}% go",
            loads[0], loads[1]
        )),
        "{text}"
    );
}
