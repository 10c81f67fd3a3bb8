//! `spec.observability` (issue 20): the overflow statistics on the services' pods, the Grafana
//! dashboard and the PrometheusRule, for every supported release.
//!
//! Every PromQL expression is parsed by `promql-parser` (GreptimeDB's port of Prometheus'
//! grammar), and every metric and label it names must be one the release's proxies or istiod
//! export. That list is written here, from the sources, independently of the renderer:
//!
//! - `istio_requests_total`: istio/proxy 1.6.14 `extensions/stats/plugin.h`
//!   `STD_ISTIO_DIMENSIONS`; `source_cluster`/`destination_cluster` from 1.6 (istio/istio
//!   1.6.14 `telemetryv2_1.6.yaml`, with `global.multiCluster.clusterName`, which the rendered
//!   install values set), standard from 1.10 (istio/proxy#3229); not in istio/proxy 1.5.10.
//! - `envoy_cluster_*`: Envoy's Prometheus names (`source/server/admin/prometheus_stats.cc`:
//!   `envoy_` + the tag-extracted name) with Istio's `cluster_name` tag (istio/istio
//!   `tools/packaging/common/envoy_bootstrap*.json` `stats_tags`); the statistics from Envoy
//!   `outlier_detection_impl.h` and `envoy/upstream/upstream.h`.
//! - `citadel_server_root_cert_expiry_timestamp` (istio/istio 1.5.10-1.30.3
//!   `security/pkg/server/ca/monitoring.go`), `citadel_server_cert_chain_expiry_timestamp`
//!   from 1.7 (1.7.8, not 1.6.14).
//!
//! The dashboard JSON is checked field by field against Grafana's dashboard model (the fields
//! Grafana's `DashboardModel`/`PanelModel` read and its dashboard schema `schemaVersion` 39
//! requires): `uid` of at most 40 characters, unique panel ids, 24-column grid positions that
//! do not overlap, one data source variable, unique query `refId`s.

use std::collections::{BTreeMap, BTreeSet};

use fed_render::{Bundle, Object};
use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};
use serde_json::Value;

const APAN: &str = include_str!("../../examples/apan.yaml");
const THREE_PEERS: &str = include_str!("../../examples/three-peers.yaml");
const LIQO: &str = include_str!("../../examples/liqo.yaml");

/// The example at Istio `1.minor`, with alerts switched on.
fn doc(example: &str, minor: u32) -> String {
    let mut text = example.to_owned();
    let start = text
        .find("    version: \"")
        .expect("the example names its release")
        + 14;
    let end = start + text[start..].find('"').unwrap();
    text.replace_range(start..end, &format!("1.{minor}"));
    if !text.contains("  observability:") {
        text.push_str("  observability:\n    alerts: {enabled: true}\n");
    }
    text
}

fn render(doc: &str) -> Vec<Bundle> {
    let fed = fed_model::validate_yaml_str(doc, None, None)
        .expect("the example is valid")
        .federation;
    fed_render::render(&fed).expect("renders")
}

const ISTIO_REQUEST_LABELS: [&str; 23] = [
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "source_principal",
    "source_app",
    "source_version",
    "source_canonical_service",
    "source_canonical_revision",
    "destination_workload",
    "destination_workload_namespace",
    "destination_principal",
    "destination_app",
    "destination_version",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_canonical_service",
    "destination_canonical_revision",
    "request_protocol",
    "response_code",
    "grpc_response_status",
    "response_flags",
    "connection_security_policy",
];

/// Metric -> the labels it carries, on Istio `1.minor`.
fn exported(minor: u32) -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut requests: BTreeSet<&str> = ISTIO_REQUEST_LABELS.into_iter().collect();
    if minor >= 6 {
        requests.extend(["source_cluster", "destination_cluster"]);
    }
    let mut out = BTreeMap::from([
        ("istio_requests_total", requests),
        (
            "envoy_cluster_outlier_detection_ejections_active",
            BTreeSet::from(["cluster_name"]),
        ),
        (
            "envoy_cluster_upstream_rq_pending_overflow",
            BTreeSet::from(["cluster_name"]),
        ),
        (
            "envoy_cluster_upstream_cx_overflow",
            BTreeSet::from(["cluster_name"]),
        ),
        ("citadel_server_root_cert_expiry_timestamp", BTreeSet::new()),
    ]);
    if minor >= 7 {
        out.insert(
            "citadel_server_cert_chain_expiry_timestamp",
            BTreeSet::new(),
        );
    }
    out
}

/// The metrics and labels an expression names.
#[derive(Default)]
struct Names {
    metrics: BTreeSet<String>,
    labels: BTreeSet<String>,
}

impl Names {
    fn selector(&mut self, vs: &parser::VectorSelector) {
        self.metrics.extend(vs.name.clone());
        for m in &vs.matchers.matchers {
            if m.name != "__name__" {
                self.labels.insert(m.name.clone());
            }
        }
    }
}

impl ExprVisitor for Names {
    type Error = ();

    fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
        match e {
            Expr::VectorSelector(vs) => self.selector(vs),
            Expr::MatrixSelector(ms) => self.selector(&ms.vs),
            Expr::Aggregate(a) => {
                if let Some(m) = &a.modifier {
                    self.labels.extend(m.labels().labels.iter().cloned());
                }
            }
            _ => {}
        }
        Ok(true)
    }
}

/// Parses `expr` and checks that it names only what Istio `1.minor` exports.
fn check_expr(expr: &str, minor: u32, context: &str) -> Names {
    let parsed = parser::parse(expr)
        .unwrap_or_else(|e| panic!("{context}: PromQL does not parse: {e}\n{expr}"));
    let mut names = Names::default();
    walk_expr(&mut names, &parsed).unwrap();
    assert!(!names.metrics.is_empty(), "{context}: no metric in {expr}");
    let exported = exported(minor);
    let mut allowed = BTreeSet::new();
    for m in &names.metrics {
        let labels = exported
            .get(m.as_str())
            .unwrap_or_else(|| panic!("{context}: Istio 1.{minor} does not export {m}\n{expr}"));
        allowed.extend(labels.iter().copied());
    }
    for l in &names.labels {
        assert!(
            allowed.contains(l.as_str()),
            "{context}: {l} is not a label of {:?} on Istio 1.{minor}\n{expr}",
            names.metrics
        );
    }
    names
}

fn dashboards(bundle: &Bundle) -> Vec<Value> {
    bundle
        .of_kind("ConfigMap")
        .filter_map(|o| match o {
            Object::ConfigMap(cm) => Some(cm),
            _ => None,
        })
        .filter(|cm| {
            cm.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("grafana_dashboard"))
                == Some(&"1".to_owned())
        })
        .flat_map(|cm| cm.data.clone().unwrap_or_default().into_values())
        .map(|json| serde_json::from_str(&json).expect("the dashboard is JSON"))
        .collect()
}

fn rules(bundle: &Bundle) -> Vec<fed_render::prometheus::AlertRule> {
    bundle
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::PrometheusRule(r) => Some(r.spec.groups.clone()),
            _ => None,
        })
        .flatten()
        .flat_map(|g| g.rules)
        .collect()
}

/// Grafana's dashboard model, the fields it reads (see the module docs).
#[allow(
    clippy::many_single_char_names,
    reason = "x, y, w, h are Grafana's gridPos fields"
)]
fn check_dashboard(d: &Value, context: &str) {
    let uid = d["uid"].as_str().expect("uid");
    assert!(!uid.is_empty() && uid.len() <= 40, "{context}: uid {uid:?}");
    assert!(
        d["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{context}"
    );
    assert_eq!(d["schemaVersion"], 39, "{context}");
    let vars = d["templating"]["list"].as_array().expect("templating.list");
    assert!(
        vars.iter().any(|v| v["name"] == "datasource"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"),
        "{context}: no Prometheus data source variable"
    );
    let panels = d["panels"].as_array().expect("panels");
    assert!(!panels.is_empty(), "{context}");
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for p in panels {
        let id = p["id"].as_u64().expect("panel id");
        assert!(ids.insert(id), "{context}: panel id {id} twice");
        assert_eq!(p["type"], "timeseries", "{context}");
        assert_eq!(p["datasource"]["type"], "prometheus", "{context}");
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{context}");
        let g = &p["gridPos"];
        let (x, y, w, h) = (
            g["x"].as_u64().unwrap(),
            g["y"].as_u64().unwrap(),
            g["w"].as_u64().unwrap(),
            g["h"].as_u64().unwrap(),
        );
        assert!(
            w >= 1 && h >= 1 && x + w <= 24,
            "{context}: panel {id} at {g}"
        );
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(
                    cells.insert((cx, cy)),
                    "{context}: panel {id} overlaps another"
                );
            }
        }
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{context}: panel {id} has no query");
        let ref_ids: BTreeSet<&str> = targets.iter().filter_map(|t| t["refId"].as_str()).collect();
        assert_eq!(ref_ids.len(), targets.len(), "{context}: refIds not unique");
    }
}

fn exprs(d: &Value) -> Vec<String> {
    d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().clone())
        .map(|t| {
            // Grafana replaces its range variable before sending the query.
            t["expr"]
                .as_str()
                .unwrap()
                .replace(fed_render::observability::RATE_INTERVAL, "5m")
        })
        .collect()
}

#[test]
fn every_query_parses_and_names_only_what_the_release_exports() {
    let mut parsed = 0;
    for minor in 5..=32 {
        for (name, example) in [("apan", APAN), ("three-peers", THREE_PEERS), ("liqo", LIQO)] {
            for b in render(&doc(example, minor)) {
                let context = format!("{name} 1.{minor} {}", b.cluster);
                for d in dashboards(&b) {
                    check_dashboard(&d, &context);
                    for e in exprs(&d) {
                        check_expr(&e, minor, &context);
                        parsed += 1;
                    }
                }
                for r in rules(&b) {
                    let context = format!("{context} {}", r.alert);
                    check_expr(&r.expr, minor, &context);
                    let for_ = r.for_.as_deref().expect("every alert waits");
                    promql_parser::util::parse_duration(for_)
                        .unwrap_or_else(|e| panic!("{context}: for {for_:?}: {e}"));
                    assert!(
                        r.alert
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{context}"
                    );
                    parsed += 1;
                }
            }
        }
    }
    assert!(parsed > 28 * 3 * 8, "parsed {parsed} expressions");
}

/// The statistics the dashboard and alerts read are the ones the pods are told to export.
#[test]
fn envoy_metrics_are_among_the_exported_statistics() {
    let regexes: Vec<regex::Regex> = fed_render::proxy_config::OVERFLOW_STATS_REGEXPS
        .iter()
        .map(|r| regex::Regex::new(&format!("^(?:{r})$")).unwrap())
        .collect();
    for b in render(&doc(THREE_PEERS, 30)) {
        let mut metrics = BTreeSet::new();
        for d in dashboards(&b) {
            for e in exprs(&d) {
                metrics.extend(check_expr(&e, 30, "three-peers").metrics);
            }
        }
        for r in rules(&b) {
            metrics.extend(check_expr(&r.expr, 30, "three-peers").metrics);
        }
        let envoy: Vec<&String> = metrics
            .iter()
            .filter(|m| m.starts_with("envoy_cluster_"))
            .collect();
        assert_eq!(envoy.len(), 3, "{envoy:?}");
        for m in envoy {
            // envoy_cluster_<stat with . as _>: the statistic `cluster.<name>.<stat>`.
            let stat = m.trim_start_matches("envoy_cluster_").replacen(
                "outlier_detection_",
                "outlier_detection.",
                1,
            );
            let name = format!("cluster.outbound|8080||orders.shop.svc.cluster.local.{stat}");
            assert!(
                regexes.iter().any(|r| r.is_match(&name)),
                "{name} is not exported"
            );
        }
    }
}

fn pod_annotations(bundle: &Bundle) -> Vec<BTreeMap<String, String>> {
    bundle
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::Deployment(d) => Some(
                d.spec
                    .as_ref()?
                    .template
                    .metadata
                    .as_ref()?
                    .annotations
                    .clone()
                    .unwrap_or_default(),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn pods_export_the_overflow_statistics_in_the_form_their_release_reads() {
    for minor in 5..=32 {
        for (name, example) in [("apan", APAN), ("liqo", LIQO)] {
            let bundles = render(&doc(example, minor));
            let all: Vec<_> = bundles.iter().flat_map(pod_annotations).collect();
            assert!(!all.is_empty(), "{name} 1.{minor}");
            for a in all {
                if minor >= 8 {
                    let config: Value =
                        serde_json::from_str(&a["proxy.istio.io/config"]).expect("JSON");
                    let regexps = config["proxyStatsMatcher"]["inclusionRegexps"]
                        .as_array()
                        .expect("inclusionRegexps");
                    assert!(regexps.contains(&Value::from(".*outlier_detection.*")));
                    assert!(!a.contains_key("sidecar.istio.io/statsInclusionRegexps"));
                } else {
                    assert!(!a.contains_key("proxy.istio.io/config"), "{name} 1.{minor}");
                    assert!(
                        a["sidecar.istio.io/statsInclusionRegexps"]
                            .contains(".*outlier_detection.*")
                    );
                }
            }
        }
    }
}

#[test]
fn observability_can_be_switched_off() {
    let off = APAN.to_owned()
        + "  observability:\n    proxyStats: false\n    dashboard: {enabled: false}\n";
    for b in render(&off) {
        assert!(b.of_kind("ConfigMap").next().is_none());
        assert!(b.of_kind("PrometheusRule").next().is_none());
        assert!(pod_annotations(&b).iter().all(BTreeMap::is_empty));
    }
    // Defaults: statistics and dashboard in istio-system, no alerts.
    for b in render(APAN) {
        let cm = b
            .get("ConfigMap", "istio-system", "meshfed-apan-demo-dashboard")
            .expect("the dashboard by default");
        assert_eq!(cm.namespace(), Some("istio-system"));
        assert!(b.of_kind("PrometheusRule").next().is_none());
    }
    // LIQO: only the consumer, where the one control plane (and everything) is applied.
    let bundles = render(LIQO);
    assert_eq!(bundles[0].of_kind("ConfigMap").count(), 1);
    assert!(
        bundles[1..]
            .iter()
            .all(|b| b.of_kind("ConfigMap").next().is_none())
    );
}

#[test]
fn bad_observability_settings_are_reported_with_their_paths() {
    let bad = APAN.to_owned()
        + "  observability:\n    dashboard: {namespace: Not_A_Label}\n    alerts: {enabled: true, certificateExpiryDays: 0, labels: {\"bad key!\": x}}\n";
    let report = fed_model::validate_yaml_str(&bad, None, None).unwrap_err();
    let paths: Vec<String> = report
        .diagnostics()
        .iter()
        .map(|d| d.path.clone())
        .collect();
    for expected in [
        "spec.observability.dashboard.namespace",
        "spec.observability.alerts.certificateExpiryDays",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("spec.observability.alerts.labels")),
        "{paths:?}"
    );
}

/// The install files of `bundle`, parsed as YAML, by name.
fn install_values(bundle: &Bundle) -> BTreeMap<String, Value> {
    bundle
        .files
        .iter()
        .filter(|f| {
            std::path::Path::new(&f.name)
                .extension()
                .is_some_and(|e| e == "yaml")
        })
        .map(|f| {
            let v: Value = serde_saphyr::from_str(&f.contents)
                .unwrap_or_else(|e| panic!("{}: not YAML: {e}", f.name));
            (f.name.clone(), v)
        })
        .collect()
}

/// The gateway's annotations each install file carries (the key its chart reads).
fn gateway_annotations(name: &str, v: &Value) -> Option<Value> {
    let a = if name.starts_with("gateway-values") {
        &v["podAnnotations"]
    } else if name == "istio-operator.yaml" {
        &v["spec"]["values"]["gateways"]["istio-ingressgateway"]["podAnnotations"]
    } else {
        &v["gateways"]["istio-ingressgateway"]["podAnnotations"]
    };
    (!a.is_null()).then(|| a.clone())
}

fn exports_the_statistics(a: &Value, minor: u32) -> bool {
    if minor >= 8 {
        a.get("sidecar.istio.io/statsInclusionRegexps").is_none()
            && a["proxy.istio.io/config"].as_str().is_some_and(|c| {
                let c: Value = serde_json::from_str(c).expect("JSON");
                c["proxyStatsMatcher"]["inclusionRegexps"]
                    .as_array()
                    .is_some_and(|r| r.contains(&Value::from(".*outlier_detection.*")))
            })
    } else {
        a.get("proxy.istio.io/config").is_none()
            && a["sidecar.istio.io/statsInclusionRegexps"]
                .as_str()
                .is_some_and(|r| r.split(',').any(|r| r == ".*outlier_detection.*"))
    }
}

/// On each side of every boundary (the annotation's form at 1.8, istioctl-only at 1.6, the
/// istio/gateway chart at 1.12): with proxyStats on, every install file that installs a gateway
/// carries its statistics in the form the release reads; with it off, none does.
#[test]
fn the_ingress_gateways_export_the_overflow_statistics_too() {
    for minor in [5, 6, 7, 8, 11, 12, 30] {
        for (name, example) in [("apan", APAN), ("liqo", LIQO)] {
            let on = render(&doc(example, minor));
            let mut seen = 0;
            for b in &on {
                let values = install_values(b);
                // Beside a gateway chart's values, the Helm values are istiod's only.
                let gateway_chart = values.keys().any(|f| f.starts_with("gateway-values"));
                if !values.is_empty() {
                    let release = istio_types::release::IstioRelease::new(1, minor);
                    assert_eq!(
                        gateway_chart,
                        istio_types::dataplane::DataPlane::of(release)
                            .helm_gateway_chart
                            .value,
                        "{name} 1.{minor}: the gateway has values of its own where istio/gateway exists"
                    );
                }
                for (file, v) in values {
                    if file == "istiod-values.yaml"
                        || (gateway_chart && file == "istio-values.yaml")
                    {
                        assert!(gateway_annotations(&file, &v).is_none());
                        assert!(v.get("podAnnotations").is_none(), "{name} 1.{minor}");
                        continue;
                    }
                    let a = gateway_annotations(&file, &v)
                        .unwrap_or_else(|| panic!("{name} 1.{minor} {file}: no annotations"));
                    assert!(
                        exports_the_statistics(&a, minor),
                        "{name} 1.{minor} {file}: {a}"
                    );
                    seen += 1;
                }
            }
            assert!(seen > 0, "{name} 1.{minor}");
            let off = render(
                &(doc(example, minor).replace(
                    "  observability:\n",
                    "  observability:\n    proxyStats: false\n",
                )),
            );
            for b in &off {
                for (file, v) in install_values(b) {
                    assert!(
                        gateway_annotations(&file, &v).is_none(),
                        "{name} 1.{minor} {file} with proxyStats off"
                    );
                }
            }
        }
    }
    // 1.5: only istioctl's chart passes them on, so the peers get an IstioOperator and the
    // runbook installs with istioctl; from 1.6 the Helm values do.
    for (minor, operator) in [(5, true), (6, false)] {
        for b in render(&doc(APAN, minor)) {
            let files = install_values(&b);
            assert_eq!(
                files.contains_key("istio-operator.yaml"),
                operator,
                "1.{minor}"
            );
            let runbook = &b
                .files
                .iter()
                .find(|f| f.name == "RUNBOOK.md")
                .unwrap()
                .contents;
            assert_eq!(
                runbook.contains("istioctl manifest apply -f istio-operator.yaml"),
                operator,
                "1.{minor}"
            );
        }
    }
}
