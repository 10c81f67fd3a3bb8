//! `spec.observability`: what the rendered bundles add so that users can watch the federation
//! run, with its defaults, and the rules that check it.
//!
//! Defaults: the overflow statistics are exported and the dashboard is rendered (both are
//! harmless without a Prometheus or a Grafana: a pod annotation and a ConfigMap); the alerts
//! are off, because a PrometheusRule cannot be applied to a cluster without the Prometheus
//! Operator's CRD.

use std::collections::BTreeMap;

use istio_types::primitives::{Dns1123Label, join_key};

use crate::check;
use crate::diag::Diagnostic;
use crate::raw::ObservabilitySpec;

/// Where the dashboard and the alerts go unless the document says otherwise: the namespace
/// every rendered bundle already holds.
pub const DEFAULT_OBSERVABILITY_NAMESPACE: &str = "istio-system";
/// Alert this many days before a CA certificate expires, unless the document says otherwise.
pub const DEFAULT_CERTIFICATE_EXPIRY_DAYS: u32 = 30;
/// The most `certificateExpiryDays` may be (ten years).
const MAX_CERTIFICATE_EXPIRY_DAYS: u32 = 3650;

/// `spec.observability`, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observability {
    pub(crate) proxy_stats: bool,
    pub(crate) dashboard: Option<Dashboard>,
    pub(crate) alerts: Option<Alerts>,
}

impl Default for Observability {
    /// What a document without `spec.observability` gets: statistics and dashboard, no alerts.
    fn default() -> Self {
        Self {
            proxy_stats: true,
            dashboard: Some(Dashboard {
                namespace: default_namespace(),
            }),
            alerts: None,
        }
    }
}

impl Observability {
    /// Whether the federated services' sidecars export the overflow and ejection statistics
    /// (default `true`).
    pub fn proxy_stats(&self) -> bool {
        self.proxy_stats
    }

    /// The Grafana dashboard to render (default: rendered).
    pub fn dashboard(&self) -> Option<&Dashboard> {
        self.dashboard.as_ref()
    }

    /// The alerting rules to render (default: none).
    pub fn alerts(&self) -> Option<&Alerts> {
        self.alerts.as_ref()
    }
}

/// The Grafana dashboard's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub(crate) namespace: Dns1123Label,
}

impl Dashboard {
    /// The ConfigMap's namespace (default `istio-system`).
    pub fn namespace(&self) -> &Dns1123Label {
        &self.namespace
    }
}

/// The alerting rules' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alerts {
    pub(crate) namespace: Dns1123Label,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) certificate_expiry_days: u32,
}

impl Alerts {
    /// The PrometheusRule's namespace (default `istio-system`).
    pub fn namespace(&self) -> &Dns1123Label {
        &self.namespace
    }

    /// Extra labels of the PrometheusRule.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// Days before a CA certificate's expiry that the alert fires (default 30).
    pub fn certificate_expiry_days(&self) -> u32 {
        self.certificate_expiry_days
    }
}

fn default_namespace() -> Dns1123Label {
    Dns1123Label::new(DEFAULT_OBSERVABILITY_NAMESPACE)
        .unwrap_or_else(|e| unreachable!("the default namespace is a DNS-1123 label: {e}"))
}

/// Checks `spec.observability`, pushing every problem onto `diagnostics`; `None` when one was
/// found.
pub(crate) fn validate(
    spec: Option<&ObservabilitySpec>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Observability> {
    const PATH: &str = "spec.observability";
    let Some(spec) = spec else {
        return Some(Observability::default());
    };
    let before = diagnostics.len();
    let dashboard_spec = spec.dashboard.clone().unwrap_or_default();
    let dashboard_namespace = namespace(
        &format!("{PATH}.dashboard.namespace"),
        dashboard_spec.namespace.as_deref(),
        diagnostics,
    );
    let alerts_spec = spec.alerts.clone().unwrap_or_default();
    let alerts_path = format!("{PATH}.alerts");
    let alerts_namespace = namespace(
        &format!("{alerts_path}.namespace"),
        alerts_spec.namespace.as_deref(),
        diagnostics,
    );
    for (key, value) in &alerts_spec.labels {
        let key_path = join_key(&format!("{alerts_path}.labels"), key);
        for problem in [check::label_key(key), check::label_value(value)]
            .into_iter()
            .filter_map(Result::err)
        {
            diagnostics.push(Diagnostic::error(&key_path, problem));
        }
    }
    let days = alerts_spec
        .certificate_expiry_days
        .unwrap_or(DEFAULT_CERTIFICATE_EXPIRY_DAYS);
    if !(1..=MAX_CERTIFICATE_EXPIRY_DAYS).contains(&days) {
        diagnostics.push(Diagnostic::error(
            format!("{alerts_path}.certificateExpiryDays"),
            format!("{days} is out of range; allowed: 1 to {MAX_CERTIFICATE_EXPIRY_DAYS} days"),
        ));
    }
    if diagnostics.len() > before {
        return None;
    }
    Some(Observability {
        proxy_stats: spec.proxy_stats.unwrap_or(true),
        dashboard: dashboard_spec.enabled.unwrap_or(true).then(|| Dashboard {
            namespace: dashboard_namespace
                .clone()
                .unwrap_or_else(default_namespace),
        }),
        alerts: alerts_spec.enabled.unwrap_or(false).then(|| Alerts {
            namespace: alerts_namespace.clone().unwrap_or_else(default_namespace),
            labels: alerts_spec.labels.clone(),
            certificate_expiry_days: days,
        }),
    })
}

/// A namespace field: absent gives `None` (the caller's default), a bad one an error.
fn namespace(
    path: &str,
    text: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Dns1123Label> {
    let text = text?;
    match Dns1123Label::new(text) {
        Ok(label) => Some(label),
        Err(e) => {
            diagnostics.push(Diagnostic::error(path, e.to_string()));
            None
        }
    }
}
