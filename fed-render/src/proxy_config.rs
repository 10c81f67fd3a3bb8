//! The sidecar settings a federated service's pods carry as annotations.
//!
//! Istio reads a pod's proxy settings from one annotation, `proxy.istio.io/config`, holding
//! one ProxyConfig as JSON: two writers each setting their own annotation would overwrite each
//! other. So every setting the renderer wants is a *part* (a ProxyConfig fragment), and
//! [`annotation`] merges the parts into the one JSON object.
//!
//! The parts written here:
//! - the overflow statistics (`spec.observability.proxyStats`): Istio's bootstrap keeps only a
//!   few Envoy statistics (II 1.30.3 `pkg/bootstrap/config.go` 64-71,
//!   `requiredEnvoyStatsMatcherInclusionPrefixes`: `cluster_manager`, `listener_manager`,
//!   `server`, `cluster.xds-grpc`, `wasm`), so a cluster's outlier-detection and overflow
//!   counters never reach Prometheus unless the pod asks for them. How a pod asks depends on
//!   the release ([`DataPlane::stats_inclusion`]).

use std::collections::BTreeMap;

use fed_model::{Service, ValidatedFederation};
use istio_types::dataplane::{DataPlane, StatsInclusion};
use serde_json::{Map, Value};

/// The pod annotation holding the pod's ProxyConfig (JSON or YAML; Istio merges it over the
/// mesh's `defaultConfig` at injection).
pub const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";
/// The pod annotation Istio 1.5-1.7 read extra statistics from (comma-separated regexes).
pub const STATS_INCLUSION_REGEXPS_ANNOTATION: &str = "sidecar.istio.io/statsInclusionRegexps";

/// Envoy statistics that show overflow and ejection, as regexes over the statistic's full name
/// (Envoy's stats matcher matches the whole name, e.g.
/// `cluster.outbound|80||echo.default.svc.cluster.local.outlier_detection.ejections_active`).
/// The names: Envoy `source/common/upstream/outlier_detection_impl.h`
/// (`ALL_OUTLIER_DETECTION_STATS`: `ejections_active`, `ejections_total`,
/// `ejections_enforced_*`...) and `envoy/upstream/upstream.h` (`ALL_CLUSTER_TRAFFIC_STATS`:
/// `upstream_rq_pending_overflow`, `upstream_cx_overflow`, `upstream_rq_retry_overflow`).
pub const OVERFLOW_STATS_REGEXPS: [&str; 4] = [
    ".*outlier_detection.*",
    ".*upstream_rq_pending_overflow",
    ".*upstream_cx_overflow",
    ".*upstream_rq_retry_overflow",
];

/// Merges ProxyConfig fragments (JSON objects) into one JSON object, objects merged key by
/// key, and writes it as the value of [`PROXY_CONFIG_ANNOTATION`]. `None` when there is no
/// part. A later part's scalar or list replaces an earlier one's at the same key.
pub fn annotation(parts: impl IntoIterator<Item = Value>) -> Option<String> {
    let mut merged: Option<Value> = None;
    for part in parts {
        match &mut merged {
            None => merged = Some(part),
            Some(into) => merge(into, part),
        }
    }
    merged.map(|v| v.to_string())
}

fn merge(into: &mut Value, part: Value) {
    match (into, part) {
        (Value::Object(into), Value::Object(part)) => {
            for (key, value) in part {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (into, part) => *into = part,
    }
}

/// The ProxyConfig part that exports [`OVERFLOW_STATS_REGEXPS`].
pub fn stats_matcher_part() -> Value {
    let regexps = OVERFLOW_STATS_REGEXPS.iter().map(|r| Value::from(*r));
    let mut matcher = Map::new();
    matcher.insert("inclusionRegexps".into(), Value::Array(regexps.collect()));
    let mut part = Map::new();
    part.insert("proxyStatsMatcher".into(), Value::Object(matcher));
    Value::Object(part)
}

/// The annotations the ingress gateway's pod needs so that its proxy exports
/// [`OVERFLOW_STATS_REGEXPS`] too, in the form the release reads (as [`pod_annotations`]); empty
/// with `proxyStats` off. The gateway is the client whose outlier detection ejects the local
/// endpoints of requests entering the cluster, so its ejections are the ones the dashboard is
/// for. Only the gateway is asked, not every proxy through `meshConfig.defaultConfig`: each
/// statistic is one series per Envoy cluster per proxy, and the dashboard reads only the
/// federated services' clients. Installers write these as the gateway's `podAnnotations`
/// value, which reaches the proxy through the charts
/// [`DataPlane::gateway_pod_annotations`] names (never through IstioOperator
/// `k8s.podAnnotations`, which up to 1.10 skips the proxy's `ISTIO_METAJSON_ANNOTATIONS`).
pub fn gateway_annotations(fed: &ValidatedFederation) -> BTreeMap<String, String> {
    let dp = DataPlane::of(crate::analyze::release(fed));
    let mut out = BTreeMap::new();
    if fed.observability().proxy_stats() {
        match dp.stats_inclusion.value {
            StatsInclusion::ProxyConfig => {
                out.insert(
                    PROXY_CONFIG_ANNOTATION.to_owned(),
                    stats_matcher_part().to_string(),
                );
            }
            StatsInclusion::SidecarAnnotation => {
                out.insert(
                    STATS_INCLUSION_REGEXPS_ANNOTATION.to_owned(),
                    OVERFLOW_STATS_REGEXPS.join(","),
                );
            }
        }
    }
    out
}

/// The annotations of `svc`'s pods: the merged `proxy.istio.io/config` and, on releases that
/// read statistics from a pod annotation of their own, that annotation.
pub fn pod_annotations(
    fed: &ValidatedFederation,
    _svc: &Service,
    extra: Option<Value>,
) -> BTreeMap<String, String> {
    let dp = DataPlane::of(crate::analyze::release(fed));
    let mut out = BTreeMap::new();
    let mut parts = Vec::new();
    if fed.observability().proxy_stats() {
        match dp.stats_inclusion.value {
            StatsInclusion::ProxyConfig => parts.push(stats_matcher_part()),
            StatsInclusion::SidecarAnnotation => {
                out.insert(
                    STATS_INCLUSION_REGEXPS_ANNOTATION.to_owned(),
                    OVERFLOW_STATS_REGEXPS.join(","),
                );
            }
        }
    }
    parts.extend(extra);
    if let Some(config) = annotation(parts) {
        out.insert(PROXY_CONFIG_ANNOTATION.to_owned(), config);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_merge_into_one_object() {
        let headers =
            serde_json::json!({"proxyHeaders": {"envoyDebugHeaders": {"disabled": true}}});
        let merged = annotation([stats_matcher_part(), headers]).unwrap();
        let value: Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(
            value["proxyHeaders"]["envoyDebugHeaders"]["disabled"],
            Value::Bool(true)
        );
        assert_eq!(
            value["proxyStatsMatcher"]["inclusionRegexps"]
                .as_array()
                .unwrap()
                .len(),
            OVERFLOW_STATS_REGEXPS.len()
        );
    }

    #[test]
    fn nested_objects_merge_key_by_key() {
        let a = serde_json::json!({"proxyHeaders": {"server": {"disabled": true}}});
        let b = serde_json::json!({"proxyHeaders": {"envoyDebugHeaders": {"disabled": true}}});
        let merged: Value = serde_json::from_str(&annotation([a, b]).unwrap()).unwrap();
        assert_eq!(merged["proxyHeaders"].as_object().unwrap().len(), 2);
    }

    #[test]
    fn no_part_no_annotation() {
        assert_eq!(annotation(Vec::new()), None);
    }

    #[test]
    fn every_regexp_matches_the_statistic_it_is_for() {
        // Envoy's stats matcher matches the whole name; the names as Envoy 1.13 (Istio 1.5)
        // and Istio >= 1.2x (`;` closing the cluster name) spell them.
        let names = [
            "cluster.outbound|80||echo.default.svc.cluster.local.outlier_detection.ejections_active",
            "cluster.outbound|80||echo.default.svc.cluster.local;.outlier_detection.ejections_active",
            "cluster.inbound|8080||;.upstream_rq_pending_overflow",
            "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_overflow",
            "cluster.outbound|80||echo.default.svc.cluster.local.upstream_rq_retry_overflow",
        ];
        let regexes: Vec<regex::Regex> = OVERFLOW_STATS_REGEXPS
            .iter()
            .map(|r| regex::Regex::new(&format!("^(?:{r})$")).unwrap())
            .collect();
        for name in names {
            assert!(regexes.iter().any(|r| r.is_match(name)), "{name}");
        }
        assert!(
            !regexes.iter().any(|r| r
                .is_match("cluster.outbound|80||echo.default.svc.cluster.local.upstream_rq_total")),
            "only the overflow statistics are added"
        );
    }
}
