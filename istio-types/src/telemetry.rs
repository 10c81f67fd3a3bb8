//! `telemetry.istio.io`: the Telemetry kind, which configures metrics, access logs and tracing
//! for workloads. Served at v1alpha1 (the storage version) and, since Istio 1.22, at v1, with
//! one schema (crd-all.gen.yaml, `telemetries.telemetry.istio.io`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::PolicyTarget;
use crate::primitives::GoDuration;
use crate::resource::istio_object;
use crate::validate::{Report, Validate, index, join, key};

/// The spec of a Telemetry.
///
/// Serialized as Istio's fields `selector`, `targetRef`, `targetRefs`, `tracing`, `metrics` and
/// `accessLogging`; `target` stands for the first three (at most one may be set).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TelemetrySpecRepr", into = "TelemetrySpecRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "TelemetrySpecRepr"))]
pub struct TelemetrySpec {
    /// The workloads or objects the configuration applies to; `None` applies it to every
    /// workload of its namespace (of the mesh, in the root namespace).
    pub target: Option<PolicyTarget>,
    /// Tracing settings (Istio supports one entry).
    pub tracing: Vec<Tracing>,
    /// Metrics settings.
    pub metrics: Vec<Metrics>,
    /// Access logging settings.
    pub access_logging: Vec<AccessLogging>,
}

crate::common::policy_target_wire! {
    /// The wire form of [`TelemetrySpec`]: Istio's fields, each optional.
    struct TelemetrySpecRepr for TelemetrySpec as "TelemetrySpec" {
        /// Tracing settings.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tracing: Vec<Tracing>,
        /// Metrics settings.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        metrics: Vec<Metrics>,
        /// Access logging settings.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        access_logging: Vec<AccessLogging>,
    }
}

/// A telemetry provider, by the name MeshConfig's `extensionProviders` gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProviderRef {
    /// The provider's name (required, not empty).
    pub name: String,
}

/// Which side of a connection's traffic a setting applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    /// Both the client and the server side (the default).
    ClientAndServer,
    /// Traffic the workload sends.
    Client,
    /// Traffic the workload receives.
    Server,
}

/// Chooses the traffic a tracing or access-logging entry applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficModeSelector {
    /// The side of the traffic; both when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// How spans are reported, and which.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tracing {
    /// The traffic this entry applies to.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<TrafficModeSelector>,
    /// The providers spans are sent to (Istio supports one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Percentage of requests sampled, 0-100.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub random_sampling_percentage: Option<f64>,
    /// Do not report spans (context is still propagated).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub disable_span_reporting: Option<bool>,
    /// Sample by the `x-request-id` header instead of the trace context.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub use_request_id_for_trace_sampling: Option<bool>,
    /// Add Istio's own tags to spans.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub enable_istio_tags: Option<bool>,
    /// Do not propagate the trace context.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub disable_context_propagation: Option<bool>,
    /// Tags added to spans, by tag name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_tags: Option<BTreeMap<String, CustomTag>>,
}

/// Where a custom span tag takes its value from: at most one source (protobuf oneof `type`).
///
/// Serialized as Istio's fields `literal`, `environment`, `header` and `formatter`; `None`
/// stands for an entry with none of them (`{}`), which Istio's CRD allows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CustomTagRepr", into = "CustomTagRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "CustomTagRepr"))]
pub struct CustomTag {
    /// The value's source.
    pub source: Option<CustomTagSource>,
}

/// The source of a custom span tag's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomTagSource {
    /// `literal`: a fixed value.
    Literal(LiteralTag),
    /// `environment`: an environment variable of the proxy.
    Environment(EnvironmentTag),
    /// `header`: a request header.
    Header(HeaderTag),
    /// `formatter`: an access-log style format string.
    Formatter(FormatterTag),
}

/// The wire form of [`CustomTag`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CustomTag"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CustomTagRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    literal: Option<LiteralTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<EnvironmentTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    header: Option<HeaderTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formatter: Option<FormatterTag>,
}

impl TryFrom<CustomTagRepr> for CustomTag {
    type Error = String;

    fn try_from(r: CustomTagRepr) -> Result<Self, String> {
        let set = [
            r.literal.as_ref().map(|_| "literal"),
            r.environment.as_ref().map(|_| "environment"),
            r.header.as_ref().map(|_| "header"),
            r.formatter.as_ref().map(|_| "formatter"),
        ];
        let set: Vec<&str> = set.into_iter().flatten().collect();
        if set.len() > 1 {
            return Err(format!(
                "only one of literal, environment, header, formatter may be set (found {})",
                set.join(" and ")
            ));
        }
        let source = r
            .literal
            .map(CustomTagSource::Literal)
            .or(r.environment.map(CustomTagSource::Environment))
            .or(r.header.map(CustomTagSource::Header))
            .or(r.formatter.map(CustomTagSource::Formatter));
        Ok(Self { source })
    }
}

impl From<CustomTag> for CustomTagRepr {
    fn from(t: CustomTag) -> Self {
        let mut r = Self::default();
        match t.source {
            None => {}
            Some(CustomTagSource::Literal(v)) => r.literal = Some(v),
            Some(CustomTagSource::Environment(v)) => r.environment = Some(v),
            Some(CustomTagSource::Header(v)) => r.header = Some(v),
            Some(CustomTagSource::Formatter(v)) => r.formatter = Some(v),
        }
        r
    }
}

/// A custom tag with a fixed value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LiteralTag {
    /// The value (required, not empty).
    pub value: String,
}

/// A custom tag from an environment variable of the proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentTag {
    /// The variable's name (required, not empty).
    pub name: String,
    /// The value when the variable is not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A custom tag from a request header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HeaderTag {
    /// The header's name (required, not empty).
    pub name: String,
    /// The value when the header is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A custom tag from a format string (Envoy's access-log command operators).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FormatterTag {
    /// The format string (required, not empty).
    pub value: String,
}

/// Metrics settings for some providers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metrics {
    /// The providers these settings apply to; the default provider when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Changes to metrics and their tags, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<MetricsOverrides>,
    /// How often metrics are reported (at least 1ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_interval: Option<GoDuration>,
}

/// A change to the metrics a selector matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsOverrides {
    /// The metrics changed; every metric when absent.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<MetricSelector>,
    /// Stop reporting the matched metrics.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub disabled: Option<bool>,
    /// Tags added, changed or removed, by tag name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_overrides: Option<BTreeMap<String, TagOverride>>,
}

/// Chooses metrics: one of Istio's standard metrics or a custom one (protobuf oneof
/// `metric_match`), and the side of the traffic.
///
/// Serialized as Istio's fields `metric`, `customMetric` and `mode`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MetricSelectorRepr", into = "MetricSelectorRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "MetricSelectorRepr"))]
pub struct MetricSelector {
    /// The metric; every metric when absent.
    pub metric: Option<MetricMatch>,
    /// The side of the traffic; both when absent.
    pub mode: Option<WorkloadMode>,
}

/// Which metric a [`MetricSelector`] chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricMatch {
    /// `metric`: one of Istio's standard metrics.
    Metric(IstioMetric),
    /// `customMetric`: a metric by name (not empty).
    CustomMetric(String),
}

/// The wire form of [`MetricSelector`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "MetricSelector"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MetricSelectorRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metric: Option<IstioMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    custom_metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<WorkloadMode>,
}

impl TryFrom<MetricSelectorRepr> for MetricSelector {
    type Error = String;

    fn try_from(r: MetricSelectorRepr) -> Result<Self, String> {
        let metric = match (r.metric, r.custom_metric) {
            (Some(_), Some(_)) => {
                return Err(
                    "only one of metric, customMetric may be set (found metric and customMetric)"
                        .into(),
                );
            }
            (Some(m), None) => Some(MetricMatch::Metric(m)),
            (None, Some(c)) => Some(MetricMatch::CustomMetric(c)),
            (None, None) => None,
        };
        Ok(Self {
            metric,
            mode: r.mode,
        })
    }
}

impl From<MetricSelector> for MetricSelectorRepr {
    fn from(s: MetricSelector) -> Self {
        let (metric, custom_metric) = match s.metric {
            None => (None, None),
            Some(MetricMatch::Metric(m)) => (Some(m), None),
            Some(MetricMatch::CustomMetric(c)) => (None, Some(c)),
        };
        Self {
            metric,
            custom_metric,
            mode: s.mode,
        }
    }
}

/// Istio's standard metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IstioMetric {
    /// Every metric.
    AllMetrics,
    /// `requests_total`.
    RequestCount,
    /// `request_duration_milliseconds`.
    RequestDuration,
    /// `request_bytes`.
    RequestSize,
    /// `response_bytes`.
    ResponseSize,
    /// `tcp_connections_opened_total`.
    TcpOpenedConnections,
    /// `tcp_connections_closed_total`.
    TcpClosedConnections,
    /// `tcp_sent_bytes_total`.
    TcpSentBytes,
    /// `tcp_received_bytes_total`.
    TcpReceivedBytes,
    /// `request_messages_total` (gRPC).
    GrpcRequestMessages,
    /// `response_messages_total` (gRPC).
    GrpcResponseMessages,
}

/// A change to one metric tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TagOverride {
    /// UPSERT (the default) or REMOVE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<TagOperation>,
    /// With UPSERT: the CEL expression giving the tag's value (required then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// What a [`TagOverride`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagOperation {
    /// Add the tag, or replace its value (protobuf's default).
    Upsert,
    /// Remove the tag.
    Remove,
}

/// Access logging settings for some providers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessLogging {
    /// The traffic this entry applies to.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<TrafficModeSelector>,
    /// The providers logs are sent to; the default provider when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Turn access logging off for these providers.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    pub disabled: Option<bool>,
    /// Which requests are logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<AccessLogFilter>,
}

/// Which requests an access log records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessLogFilter {
    /// A CEL expression over request attributes; the request is logged when it is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

istio_object! {
    /// A `telemetry.istio.io` Telemetry: metrics, access logging and tracing for the workloads
    /// it applies to.
    ///
    /// ```
    /// use istio_types::telemetry::{AccessLogging, ProviderRef, Telemetry, TelemetrySpec};
    /// use istio_types::{ApiVersion, IstioObject};
    /// let mut t = Telemetry::new("mesh-default", "istio-system", TelemetrySpec {
    ///     access_logging: vec![AccessLogging {
    ///         providers: vec![ProviderRef { name: "envoy".into() }],
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// });
    /// assert_eq!(t.api_version(), ApiVersion::V1alpha1);
    /// t.set_api_version(ApiVersion::V1).unwrap();
    /// assert!(t.set_api_version(ApiVersion::V1beta1).is_err());
    /// let yaml = istio_types::write::to_yaml(&t).unwrap();
    /// assert!(yaml.starts_with("apiVersion: telemetry.istio.io/v1\n"));
    /// ```
    Telemetry {
        spec: TelemetrySpec,
        group: Telemetry,
        plural: "telemetries",
        served: [V1alpha1, V1],
        storage: V1alpha1,
        absent_spec: empty,
    }
}

/// A provider list: Istio's `validateTelemetryProviders` (each name set) .
fn providers(list: &[ProviderRef], path: &str, report: &mut Report) {
    for (i, p) in list.iter().enumerate() {
        if p.name.is_empty() {
            report.error(
                join(&index(path, i), "name"),
                "providers.name may not be empty",
            );
        }
    }
}

impl Validate for TelemetrySpec {
    /// Istio's `ValidateTelemetry` (pkg/config/validation/validation.go, 1.30.3) and the CRD's
    /// rules (crd-all.gen.yaml).
    fn validate_at(&self, path: &str, report: &mut Report) {
        crate::common::validate_target(self.target.as_ref(), path, report);
        let tracing_path = join(path, "tracing");
        if self.tracing.len() > 1 {
            report.warning(&tracing_path, "multiple tracing is not currently supported");
        }
        for (i, t) in self.tracing.iter().enumerate() {
            t.validate_at(&index(&tracing_path, i), report);
        }
        let metrics_path = join(path, "metrics");
        for (i, m) in self.metrics.iter().enumerate() {
            m.validate_at(&index(&metrics_path, i), report);
        }
        let logging_path = join(path, "accessLogging");
        for (i, l) in self.access_logging.iter().enumerate() {
            // `validateTelemetryFilter` accepts every expression in istiod's build.
            providers(
                &l.providers,
                &join(&index(&logging_path, i), "providers"),
                report,
            );
        }
    }
}

impl Validate for Tracing {
    /// Istio's `validateTelemetryTracing`.
    fn validate_at(&self, path: &str, report: &mut Report) {
        let providers_path = join(path, "providers");
        if self.providers.len() > 1 {
            report.warning(
                &providers_path,
                "multiple providers is not currently supported",
            );
        }
        providers(&self.providers, &providers_path, report);
        if let Some(p) = self.random_sampling_percentage
            && !(0.0..=100.0).contains(&p)
        {
            report.error(
                join(path, "randomSamplingPercentage"),
                format!("randomSamplingPercentage {p} must be in range [0.0, 100.0]"),
            );
        }
        let tags_path = join(path, "customTags");
        for (name, tag) in self.custom_tags.iter().flatten() {
            let tag_path = key(&tags_path, name);
            if name.is_empty() {
                report.error(&tag_path, "tag name may not be empty");
            }
            match &tag.source {
                Some(CustomTagSource::Literal(l)) if l.value.is_empty() => report.error(
                    join(&join(&tag_path, "literal"), "value"),
                    "literal tag value may not be empty",
                ),
                Some(CustomTagSource::Header(h)) if h.name.is_empty() => report.error(
                    join(&join(&tag_path, "header"), "name"),
                    "header tag name may not be empty",
                ),
                Some(CustomTagSource::Environment(e)) if e.name.is_empty() => report.error(
                    join(&join(&tag_path, "environment"), "name"),
                    "environment tag name may not be empty",
                ),
                // The webhook does not look at `formatter`; the CRD requires a value
                // (`minLength: 1`).
                Some(CustomTagSource::Formatter(f)) if f.value.is_empty() => report.error(
                    join(&join(&tag_path, "formatter"), "value"),
                    "formatter tag value may not be empty",
                ),
                _ => {}
            }
        }
    }
}

impl Validate for Metrics {
    /// Istio's `validateTelemetryMetrics` and the CRD's rule on `reportingInterval`.
    fn validate_at(&self, path: &str, report: &mut Report) {
        providers(&self.providers, &join(path, "providers"), report);
        if let Some(interval) = &self.reporting_interval
            && interval.as_nanos() < 1_000_000
        {
            report.error(
                join(path, "reportingInterval"),
                format!("reportingInterval {interval} must be at least 1ms"),
            );
        }
        let overrides_path = join(path, "overrides");
        for (i, o) in self.overrides.iter().enumerate() {
            let o_path = index(&overrides_path, i);
            let to_path = join(&o_path, "tagOverrides");
            for (name, to) in o.tag_overrides.iter().flatten() {
                let t_path = key(&to_path, name);
                if name.is_empty() {
                    report.warning(&t_path, "tagOverrides.name may not be empty");
                }
                // Protobuf's default operation is UPSERT: an override without `operation`
                // needs a value.
                let value = to.value.as_deref().unwrap_or_default();
                match to.operation.unwrap_or(TagOperation::Upsert) {
                    TagOperation::Upsert if value.is_empty() => report.error(
                        join(&t_path, "value"),
                        "tagOverrides.value must be set when operation is UPSERT",
                    ),
                    TagOperation::Remove if to.value.is_some() => report.error(
                        join(&t_path, "value"),
                        "tagOverrides.value may only be set when operation is UPSERT",
                    ),
                    _ => {}
                }
            }
            if let Some(MetricSelector {
                metric: Some(MetricMatch::CustomMetric(c)),
                ..
            }) = &o.match_
                && c.is_empty()
            {
                report.error(
                    join(&join(&o_path, "match"), "customMetric"),
                    "customMetric may not be empty",
                );
            }
        }
    }
}
