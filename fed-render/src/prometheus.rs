//! The Prometheus Operator's `PrometheusRule` (`monitoring.coreos.com/v1`): groups of
//! alerting rules that the operator loads into Prometheus. Only the fields the renderer writes
//! are modeled (prometheus-operator `pkg/apis/monitoring/v1/prometheusrule_types.go`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A PrometheusRule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    /// Always `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// Always `PrometheusRule`.
    pub kind: String,
    /// Name, namespace, labels (the Prometheus `ruleSelector` matches them).
    pub metadata: ObjectMeta,
    /// The rule groups.
    pub spec: PrometheusRuleSpec,
}

impl PrometheusRule {
    /// `monitoring.coreos.com/v1`.
    pub const API_VERSION: &'static str = "monitoring.coreos.com/v1";
    /// `PrometheusRule`.
    pub const KIND: &'static str = "PrometheusRule";
    /// The lower-case plural, as in REST paths.
    pub const PLURAL: &'static str = "prometheusrules";

    /// A PrometheusRule called `namespace/name` holding `groups`.
    pub fn new(name: &str, namespace: &str, groups: Vec<RuleGroup>) -> Self {
        Self {
            api_version: Self::API_VERSION.to_owned(),
            kind: Self::KIND.to_owned(),
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                namespace: Some(namespace.to_owned()),
                ..ObjectMeta::default()
            },
            spec: PrometheusRuleSpec { groups },
        }
    }
}

/// `spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusRuleSpec {
    /// Rule groups; names are unique within the object.
    pub groups: Vec<RuleGroup>,
}

/// A named group of rules, evaluated together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    /// The group's name.
    pub name: String,
    /// Its rules.
    pub rules: Vec<AlertRule>,
}

/// An alerting rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// The alert's name.
    pub alert: String,
    /// The PromQL expression; the alert is pending while it returns series.
    pub expr: String,
    /// How long it must hold before the alert fires (a Prometheus duration, e.g. `5m`).
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Labels added to the alert (`severity`...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description`, templated by Prometheus.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
