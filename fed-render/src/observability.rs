//! What a bundle holds so that the federation can be watched (`spec.observability`): a Grafana
//! dashboard as a ConfigMap the Grafana dashboard sidecar loads, and Prometheus alerting rules.
//!
//! Every query uses only what the target release's proxies and istiod export, read from the
//! data-plane table ([`DataPlane`]):
//!
//! - `istio_requests_total` (Istio's standard metric, `istio_` being its stats namespace) with
//!   the labels of istio/proxy `extensions/stats/plugin.h` `STD_ISTIO_DIMENSIONS` (`reporter`,
//!   `destination_service`, `destination_workload`, `response_code`, `response_flags`...), plus
//!   `source_cluster` / `destination_cluster` where [`DataPlane::request_cluster_labels`] says
//!   the release has them.
//! - Envoy cluster statistics as Envoy's Prometheus endpoint names them: `envoy_` + the
//!   tag-extracted name with `.` turned into `_` (Envoy `source/server/admin/
//!   prometheus_stats.cc` `metricName`, `sanitizeName`), the cluster's name in the label
//!   `cluster_name` (Istio's bootstrap `stats_tags`, II 1.5.10 `tools/packaging/common/
//!   envoy_bootstrap_v2.json`, II 1.30.3 `envoy_bootstrap.json`). They reach Prometheus only
//!   when the pod includes them ([`crate::proxy_config`]), so those panels and alerts exist
//!   only with `proxyStats` on.
//! - istiod's CA metrics, II `security/pkg/server/ca/monitoring.go`:
//!   `citadel_server_root_cert_expiry_timestamp` on every release,
//!   `citadel_server_cert_chain_expiry_timestamp` where [`DataPlane::ca_cert_chain_expiry_metric`]
//!   says so.
//!
//! Each cluster's Prometheus sees its own proxies, so each cluster gets the dashboard (peers)
//! or only the consumer does (consumer/provider: one control plane, everything applied there).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use fed_model::{ClusterRole, Service, Topology, ValidatedFederation};
use istio_types::dataplane::DataPlane;
use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::{Value, json};

use crate::bundle::{Bundle, Object};
use crate::k8s;
use crate::prometheus::{AlertRule, PrometheusRule, RuleGroup};

/// The label Grafana's dashboard sidecar looks for (grafana/helm-charts `sidecar.dashboards.
/// label` and `labelValue` defaults).
pub const DASHBOARD_LABEL: (&str, &str) = ("grafana_dashboard", "1");
/// The Grafana variable holding the Prometheus data source every panel queries.
pub const DATASOURCE_VARIABLE: &str = "datasource";
/// The range of `rate()` in the dashboard: Grafana's own, at least four scrape intervals.
pub const RATE_INTERVAL: &str = "$__rate_interval";
/// The range of `rate()` in the alerts.
const ALERT_RATE_INTERVAL: &str = "5m";
/// How long a 503 UO/UH or a connection failure must last before its alert fires.
const SUSTAINED: &str = "5m";
/// Grafana's dashboard JSON schema version the dashboard is written in (Grafana 10.3-11).
pub const SCHEMA_VERSION: u32 = 39;

/// The dashboard ConfigMap's name for federation `name`.
pub fn dashboard_name(federation: &str) -> String {
    format!("meshfed-{federation}-dashboard")
}

/// The PrometheusRule's name for federation `name`.
pub fn rule_name(federation: &str) -> String {
    format!("meshfed-{federation}-alerts")
}

/// Adds the dashboard and the alerts `fed.observability()` asks for to the bundle of a peer
/// or of the consumer, with a Namespace for them when the bundle has none of that name.
pub(crate) fn add(fed: &ValidatedFederation, bundle: &mut Bundle) {
    let Some(cluster) = fed.cluster(&bundle.cluster) else {
        return;
    };
    if cluster.role() == ClusterRole::Provider {
        return;
    }
    let obs = fed.observability();
    let mut objects = Vec::new();
    let mut namespaces = Vec::new();
    if let Some(d) = obs.dashboard() {
        objects.push(Object::from(dashboard_config_map(
            fed,
            d.namespace().as_str(),
        )));
        namespaces.push(d.namespace().as_str());
    }
    if let Some(a) = obs.alerts() {
        let mut rule = PrometheusRule::new(
            &rule_name(fed.name().as_str()),
            a.namespace().as_str(),
            vec![RuleGroup {
                name: format!("meshfed-{}", fed.name()),
                rules: alert_rules(fed, &bundle.cluster, a.certificate_expiry_days()),
            }],
        );
        if !a.labels().is_empty() {
            rule.metadata.labels = Some(a.labels().clone());
        }
        objects.push(Object::from(rule));
        namespaces.push(a.namespace().as_str());
    }
    for ns in namespaces {
        if bundle.get("Namespace", "", ns).is_none() {
            bundle.objects.push(Object::from(k8s::namespace(ns, false)));
        }
    }
    bundle.objects.extend(objects);
}

/// The dashboard as the ConfigMap Grafana's sidecar loads: one key, `<name>.json`.
pub fn dashboard_config_map(fed: &ValidatedFederation, namespace: &str) -> ConfigMap {
    let name = dashboard_name(fed.name().as_str());
    let mut meta = k8s::meta(&name, Some(namespace));
    meta.labels = Some(BTreeMap::from([(
        DASHBOARD_LABEL.0.to_owned(),
        DASHBOARD_LABEL.1.to_owned(),
    )]));
    ConfigMap {
        metadata: meta,
        data: Some(BTreeMap::from([(
            format!("meshfed-{}.json", fed.name()),
            serde_json::to_string(&dashboard(fed)).unwrap_or_default(),
        )])),
        ..ConfigMap::default()
    }
}

/// A PromQL string literal holding `s`.
fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `s` as a regular expression matching exactly `s` (service hosts and cluster names are DNS
/// names: `.` is the only metacharacter they can hold; `|` separates Envoy cluster name parts).
fn regex_literal(s: &str) -> String {
    s.replace('.', r"\.").replace('|', r"\|")
}

/// A regex alternative of the services' hosts.
fn hosts_regex<'a>(services: impl IntoIterator<Item = &'a Service>) -> String {
    let hosts: Vec<String> = services
        .into_iter()
        .map(|s| regex_literal(s.fqdn()))
        .collect();
    format!("({})", hosts.join("|"))
}

/// The label matcher selecting the federated services' requests.
fn services_matcher(fed: &ValidatedFederation) -> String {
    format!(
        "destination_service=~{}",
        promql_string(&hosts_regex(fed.services()))
    )
}

/// The Envoy clusters a client has for the services (`outbound|<port>||<host>`, with or
/// without a subset), plus, with `inbound`, every inbound cluster (the server side, whose
/// names differ by release: `inbound|<port>|<name>|<host>` up to 1.9, `inbound|<port>||`
/// later; only the federated services' pods export them).
fn envoy_clusters_matcher<'a>(
    services: impl IntoIterator<Item = &'a Service>,
    inbound: bool,
) -> String {
    let outbound = format!(r"outbound\|[0-9]+\|[^|]*\|{}", hosts_regex(services));
    let regex = if inbound {
        format!(r"{outbound}|inbound\|.*")
    } else {
        outbound
    };
    format!("cluster_name=~{}", promql_string(&regex))
}

fn release(fed: &ValidatedFederation) -> DataPlane {
    DataPlane::of(crate::analyze::release(fed))
}

/// One query of a panel.
struct Query {
    expr: String,
    legend: String,
}

fn query(expr: String, legend: &str) -> Query {
    Query {
        expr,
        legend: legend.to_owned(),
    }
}

/// One time-series panel.
struct Panel {
    title: &'static str,
    description: String,
    unit: &'static str,
    queries: Vec<Query>,
}

/// The panels of the federation's dashboard, for its release and topology.
fn panels(fed: &ValidatedFederation) -> Vec<Panel> {
    let dp = release(fed);
    let services = services_matcher(fed);
    let mut panels = Vec::new();
    let peer_to_peer = fed.topology().is_peer_to_peer();
    if peer_to_peer && dp.request_cluster_labels.value {
        panels.push(Panel {
            title: "Requests by source and destination cluster",
            description: "Requests to the federated services as their clients report them \
                (istio_requests_total, reporter=source): a destination cluster other than the \
                source is traffic that overflowed to a peer."
                .to_owned(),
            unit: "reqps",
            queries: vec![query(
                format!(
                    "sum by (source_cluster, destination_cluster) (rate(istio_requests_total{{reporter=\"source\", {services}}}[{RATE_INTERVAL}]))"
                ),
                "{{source_cluster}} → {{destination_cluster}}",
            )],
        });
        panels.push(Panel {
            title: "Overflowed share per service",
            description: "Per overflow rule: the share of the requests of clients in the rule's \
                cluster that were served by one of its target peers."
                .to_owned(),
            unit: "percentunit",
            queries: overflow_share_queries(fed),
        });
    }
    let served_by = if peer_to_peer {
        "destination_service"
    } else {
        // One Deployment per cluster, `<service>-<cluster>`: the workload names the cluster.
        "destination_service, destination_workload"
    };
    panels.push(Panel {
        title: "Requests served here",
        description: if peer_to_peer {
            "Requests the federated services' pods in this cluster answered (reporter=destination)."
                .to_owned()
        } else {
            "Requests the federated services' pods answered (reporter=destination), per \
             Deployment: each Deployment `<service>-<cluster>` runs in one cluster."
                .to_owned()
        },
        unit: "reqps",
        queries: vec![query(
            format!(
                "sum by ({served_by}) (rate(istio_requests_total{{reporter=\"destination\", {services}}}[{RATE_INTERVAL}]))"
            ),
            if peer_to_peer {
                "{{destination_service}}"
            } else {
                "{{destination_workload}}"
            },
        )],
    });
    panels.push(Panel {
        title: "503 by response flag",
        description: "UO: refused by a circuit breaker (connection pool limit); UH: no healthy \
            upstream (every endpoint ejected). Reported by the client (source) or by the \
            server's sidecar (destination)."
            .to_owned(),
        unit: "reqps",
        queries: vec![query(
            format!(
                "sum by (destination_service, reporter, response_flags) (rate(istio_requests_total{{response_code=\"503\", response_flags=~\"UO|UH\", {services}}}[{RATE_INTERVAL}]))"
            ),
            "{{destination_service}} {{response_flags}} ({{reporter}})",
        )],
    });
    if fed.observability().proxy_stats() {
        panels.extend(envoy_panels(fed));
    }
    panels.push(ca_panel(&dp));
    panels
}

/// The panels of the Envoy statistics [`crate::proxy_config`] has the pods export.
fn envoy_panels(fed: &ValidatedFederation) -> Vec<Panel> {
    let mut out = Vec::new();
    let outbound = envoy_clusters_matcher(fed.services(), false);
    let both = envoy_clusters_matcher(fed.services(), true);
    out.push(Panel {
        title: "Active ejections",
        description: "Endpoints outlier detection holds ejected, per client Envoy cluster \
            (envoy outlier_detection.ejections_active). Exported by the proxies that \
            include the statistic (the federated services' pods, and each cluster's ingress gateway \
            installed with the rendered values, carry the annotation)."
            .to_owned(),
        unit: "short",
        queries: vec![query(
            format!(
                "sum by (cluster_name) (envoy_cluster_outlier_detection_ejections_active{{{outbound}}})"
            ),
            "{{cluster_name}}",
        )],
    });
    out.push(Panel {
        title: "Pending and connection overflow",
        description: "Requests refused because the pending queue was full \
            (upstream_rq_pending_overflow) and connections refused over maxConnections \
            (upstream_cx_overflow), client side (outbound) and server side (inbound)."
            .to_owned(),
        unit: "reqps",
        queries: vec![
            query(
                format!(
                    "sum by (cluster_name) (rate(envoy_cluster_upstream_rq_pending_overflow{{{both}}}[{RATE_INTERVAL}]))"
                ),
                "pending overflow {{cluster_name}}",
            ),
            query(
                format!(
                    "sum by (cluster_name) (rate(envoy_cluster_upstream_cx_overflow{{{both}}}[{RATE_INTERVAL}]))"
                ),
                "connection overflow {{cluster_name}}",
            ),
        ],
    });
    out
}

/// How long the CA certificates istiod exports have left.
fn ca_panel(dp: &DataPlane) -> Panel {
    let mut ca = vec![query(
        "citadel_server_root_cert_expiry_timestamp - time()".to_owned(),
        "root certificate",
    )];
    if dp.ca_cert_chain_expiry_metric.value {
        ca.push(query(
            "citadel_server_cert_chain_expiry_timestamp - time()".to_owned(),
            "CA certificate chain",
        ));
    }
    Panel {
        title: "CA certificates: time left",
        description: "Time until istiod's root certificate (and, where the release exports it, \
            its CA certificate chain: the cluster's intermediate from mesh.ca) expires."
            .to_owned(),
        unit: "s",
        queries: ca,
    }
}

/// One query per overflow rule: the share of its clients' requests served by its targets.
fn overflow_share_queries(fed: &ValidatedFederation) -> Vec<Query> {
    let mut out = Vec::new();
    for svc in fed.services() {
        for rule in svc.overflow() {
            let host = promql_string(svc.fqdn());
            let from = promql_string(rule.from().as_str());
            let targets: Vec<String> = rule
                .to()
                .iter()
                .map(|t| regex_literal(t.as_str()))
                .collect();
            let to = promql_string(&targets.join("|"));
            let base =
                format!("reporter=\"source\", source_cluster={from}, destination_service={host}");
            out.push(query(
                format!(
                    "sum(rate(istio_requests_total{{{base}, destination_cluster=~{to}}}[{RATE_INTERVAL}])) / sum(rate(istio_requests_total{{{base}}}[{RATE_INTERVAL}]))"
                ),
                &format!("{} from {}", svc.name(), rule.from()),
            ));
        }
    }
    out
}

/// The dashboard JSON (Grafana's dashboard model, [`SCHEMA_VERSION`]).
pub fn dashboard(fed: &ValidatedFederation) -> Value {
    let datasource = json!({"type": "prometheus", "uid": format!("${{{DATASOURCE_VARIABLE}}}")});
    let mut y = 0;
    let panels: Vec<Value> = panels(fed)
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            const WIDTH: usize = 12;
            const HEIGHT: usize = 8;
            let x = (i % 2) * WIDTH;
            if i > 0 && i % 2 == 0 {
                y += HEIGHT;
            }
            let targets: Vec<Value> = p
                .queries
                .iter()
                .enumerate()
                .map(|(j, q)| {
                    json!({
                        "refId": ref_id(j),
                        "datasource": datasource,
                        "expr": q.expr,
                        "legendFormat": q.legend,
                        "range": true,
                    })
                })
                .collect();
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": p.title,
                "description": p.description,
                "datasource": datasource,
                "gridPos": {"h": HEIGHT, "w": WIDTH, "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
                "options": {
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true},
                    "tooltip": {"mode": "multi", "sort": "desc"},
                },
                "targets": targets,
            })
        })
        .collect();
    let uid: String = format!("meshfed-{}", fed.name()).chars().take(40).collect();
    json!({
        "uid": uid,
        "title": format!("meshfed: {} (Istio {})", fed.name(), fed.istio().version()),
        "description": "Where the federation's requests are served, when they overflow to a peer, and why (rendered by fedctl).",
        "tags": ["meshfed", "istio", "federation"],
        "editable": true,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "timezone": "browser",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [{
            "name": DATASOURCE_VARIABLE,
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
            "refresh": 1,
            "options": [],
        }]},
        "panels": panels,
    })
}

/// `A`, `B`, ... `Z`, `AA`...: Grafana's query reference ids.
fn ref_id(i: usize) -> String {
    let mut out = String::new();
    let mut n = i;
    loop {
        out.insert(0, char::from(b'A' + u8::try_from(n % 26).unwrap_or(0)));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out
}

/// A Prometheus duration for `ms` milliseconds (`90s`, `1500ms`, `2m`).
pub fn prometheus_duration(ms: u64) -> String {
    if ms > 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn rule(
    alert: &str,
    expr: String,
    for_: String,
    severity: &str,
    summary: &str,
    description: String,
) -> AlertRule {
    AlertRule {
        alert: alert.to_owned(),
        expr,
        for_: Some(for_),
        labels: BTreeMap::from([("severity".to_owned(), severity.to_owned())]),
        annotations: BTreeMap::from([
            ("summary".to_owned(), summary.to_owned()),
            ("description".to_owned(), description),
        ]),
    }
}

/// The alerting rules of `cluster`'s bundle: sustained 503 UO and UH for the federated
/// services; per overflow rule of the cluster (or, for consumer/provider, per service with
/// outlier detection) ejections lasting longer than the base ejection time and connection
/// failures towards the peers; CA certificates close to expiry.
pub fn alert_rules(fed: &ValidatedFederation, cluster: &str, expiry_days: u32) -> Vec<AlertRule> {
    let dp = release(fed);
    let services = services_matcher(fed);
    let mut rules = Vec::new();
    for (flag, alert, severity, meaning) in [
        (
            "UO",
            "MeshfedCircuitBreakerOverflow",
            "warning",
            "refused by a circuit breaker (connection pool limits)",
        ),
        (
            "UH",
            "MeshfedNoHealthyUpstream",
            "critical",
            "failed with no healthy upstream (every endpoint ejected)",
        ),
    ] {
        rules.push(rule(
            alert,
            format!(
                "sum by (destination_service, reporter) (rate(istio_requests_total{{response_code=\"503\", response_flags=\"{flag}\", {services}}}[{ALERT_RATE_INTERVAL}])) > 0"
            ),
            SUSTAINED.to_owned(),
            severity,
            &format!("Requests {meaning} for {SUSTAINED}"),
            format!(
                "{{{{ $labels.destination_service }}}} ({{{{ $labels.reporter }}}}): 503 {flag} at {{{{ $value }}}} requests per second in cluster {cluster}."
            ),
        ));
    }
    for svc in fed.services() {
        rules.extend(service_rules(fed, &dp, cluster, svc));
    }
    let seconds = u64::from(expiry_days) * 86_400;
    let mut expiry = format!("(citadel_server_root_cert_expiry_timestamp - time()) < {seconds}");
    if dp.ca_cert_chain_expiry_metric.value {
        let _ = write!(
            expiry,
            " or (citadel_server_cert_chain_expiry_timestamp - time()) < {seconds}"
        );
    }
    rules.push(rule(
        "MeshfedCaCertificateExpiresSoon",
        expiry,
        "1h".to_owned(),
        "warning",
        "A CA certificate of the mesh expires soon",
        format!(
            "istiod in cluster {cluster}: a CA certificate expires in less than {expiry_days} days ({{{{ $value | humanizeDuration }}}} left); renew mesh.ca (`fedctl certs`) in every cluster."
        ),
    ));
    rules
}

/// The alerts about `svc` in `cluster`: ejections outlasting the base ejection time (with the
/// statistics exported) and, for an overflow rule from the cluster, connection failures
/// towards its peers.
fn service_rules(
    fed: &ValidatedFederation,
    dp: &DataPlane,
    cluster: &str,
    svc: &Service,
) -> Vec<AlertRule> {
    let mut rules = Vec::new();
    let default_base_ms = dp.envoy_default_interval_and_base_ejection_ms.value.1;
    let thresholds = match fed.topology() {
        Topology::PeerToPeer { .. } => svc
            .overflow_from(cluster)
            .map(fed_model::Overflow::thresholds),
        Topology::ConsumerProvider { .. } => svc.thresholds(),
    };
    let Some(thresholds) = thresholds else {
        return rules;
    };
    if fed.observability().proxy_stats() {
        let base_ms = thresholds
            .base_ejection_time()
            .map_or(default_base_ms, fed_model::Duration::as_millis);
        let base = prometheus_duration(base_ms);
        let clusters = envoy_clusters_matcher([svc], false);
        rules.push(rule(
            "MeshfedEjectionOutlastsBaseEjectionTime",
            format!(
                "sum by (cluster_name) (envoy_cluster_outlier_detection_ejections_active{{{clusters}}}) > 0"
            ),
            base.clone(),
            "warning",
            "Endpoints stay ejected longer than the base ejection time",
            format!(
                "{{{{ $labels.cluster_name }}}} in cluster {cluster}: endpoints of {} have been ejected for longer than baseEjectionTime ({base}): outlier detection keeps ejecting them, each time for longer (baseEjectionTime times the number of ejections).",
                svc.fqdn()
            ),
        ));
    }
    if let Some(rule_) = svc.overflow_from(cluster) {
        let peers: Vec<String> = rule_
            .to()
            .iter()
            .filter_map(|t| fed.cluster(t.as_str()))
            .filter_map(|c| {
                c.gateway()
                    .map(|g| format!("{} ({}:{})", c.name(), g.address(), g.port().get()))
            })
            .collect();
        let mut description = String::new();
        let _ = write!(
            description,
            "Connections to endpoints of {} fail (UF) or exhaust their retries (URX) in cluster {cluster}: its pods, or the peer gateways it overflows to: {}.",
            svc.fqdn(),
            peers.join(", ")
        );
        rules.push(rule(
            "MeshfedPeerGatewayUnreachable",
            format!(
                "sum by (destination_service) (rate(istio_requests_total{{reporter=\"source\", response_flags=~\"UF|URX\", destination_service={}}}[{ALERT_RATE_INTERVAL}])) > 0",
                promql_string(svc.fqdn())
            ),
            SUSTAINED.to_owned(),
            "critical",
            "A peer gateway (or a local pod) cannot be connected to",
            description,
        ));
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_the_largest_whole_unit() {
        assert_eq!(prometheus_duration(60_000), "1m");
        assert_eq!(prometheus_duration(90_000), "90s");
        assert_eq!(prometheus_duration(1500), "1500ms");
        assert_eq!(prometheus_duration(0), "0s");
    }

    #[test]
    fn ref_ids_count_like_spreadsheet_columns() {
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(25), "Z");
        assert_eq!(ref_id(26), "AA");
    }

    #[test]
    fn strings_and_regexes_are_escaped() {
        assert_eq!(promql_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(regex_literal("outbound|80||a.b"), r"outbound\|80\|\|a\.b");
    }
}
