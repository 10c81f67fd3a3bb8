//! `WorkloadGroup`: a template for the WorkloadEntries of VMs that register themselves with
//! the mesh (auto-registration), plus their readiness probe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::networking::WorkloadEntrySpec;
use crate::resource::istio_object;
use crate::rules;
use crate::validate::{Report, Validate, index, join};

/// The spec of a WorkloadGroup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadGroupSpec {
    /// Labels and annotations copied to every generated WorkloadEntry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<WorkloadGroupMetadata>,
    /// The WorkloadEntry spec each member starts from; address and labels are filled in by
    /// the registering proxy. Required.
    pub template: WorkloadEntrySpec,
    /// How the members' readiness is checked (by their own proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ReadinessProbe>,
}

/// Metadata given to the WorkloadEntries a WorkloadGroup generates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadGroupMetadata {
    /// Labels of the generated entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the generated entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A readiness probe run by a VM's proxy, like a Kubernetes readiness probe. The check itself
/// (`httpGet`, `tcpSocket`, `exec` or `grpc`) is a protobuf oneof: [`HealthCheckMethod`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(try_from = "ReadinessProbeRepr", into = "ReadinessProbeRepr")]
#[cfg_attr(feature = "schemars", schemars(with = "ReadinessProbeRepr"))]
pub struct ReadinessProbe {
    /// Seconds after start before the first probe.
    pub initial_delay_seconds: Option<i32>,
    /// Seconds before a probe times out (default 1).
    pub timeout_seconds: Option<i32>,
    /// Seconds between probes (default 10).
    pub period_seconds: Option<i32>,
    /// Consecutive successes to become ready after a failure (default 1).
    pub success_threshold: Option<i32>,
    /// Consecutive failures to become unready (default 3).
    pub failure_threshold: Option<i32>,
    /// The check.
    pub method: Option<HealthCheckMethod>,
}

/// What a readiness probe does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthCheckMethod {
    /// An HTTP GET; success is a 2xx or 3xx status.
    HttpGet(HttpHealthCheckConfig),
    /// A TCP connect.
    TcpSocket(TcpHealthCheckConfig),
    /// A command run on the VM; success is exit status 0.
    Exec(ExecHealthCheckConfig),
    /// A gRPC health check.
    Grpc(GrpcHealthCheckConfig),
}

/// An HTTP GET probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpHealthCheckConfig {
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The port, 1-65535. Required.
    #[serde(deserialize_with = "crate::strict::number")]
    pub port: u32,
    /// The host to connect to (default localhost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `HTTP` (default) or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_headers: Vec<HealthCheckHeader>,
}

/// A header sent by an HTTP probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheckHeader {
    /// The header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A TCP connect probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TcpHealthCheckConfig {
    /// The host to connect to (default localhost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The port, 1-65535. Required.
    #[serde(deserialize_with = "crate::strict::number")]
    pub port: u32,
}

/// A command probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecHealthCheckConfig {
    /// The command and its arguments (not run in a shell). Required, not empty.
    pub command: Vec<String>,
}

/// A gRPC health-checking-protocol probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrpcHealthCheckConfig {
    /// The port, 1-65535.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub port: Option<u32>,
    /// The service name sent in the health check request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ReadinessProbe"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReadinessProbeRepr {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    initial_delay_seconds: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    timeout_seconds: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    period_seconds: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    success_threshold: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    failure_threshold: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_get: Option<HttpHealthCheckConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tcp_socket: Option<TcpHealthCheckConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exec: Option<ExecHealthCheckConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grpc: Option<GrpcHealthCheckConfig>,
}

impl TryFrom<ReadinessProbeRepr> for ReadinessProbe {
    type Error = String;

    fn try_from(r: ReadinessProbeRepr) -> Result<Self, String> {
        let mut methods = [
            r.http_get.map(HealthCheckMethod::HttpGet),
            r.tcp_socket.map(HealthCheckMethod::TcpSocket),
            r.exec.map(HealthCheckMethod::Exec),
            r.grpc.map(HealthCheckMethod::Grpc),
        ]
        .into_iter()
        .flatten();
        let method = methods.next();
        if methods.next().is_some() {
            return Err("only one of httpGet, tcpSocket, exec, grpc may be set".to_owned());
        }
        Ok(Self {
            initial_delay_seconds: r.initial_delay_seconds,
            timeout_seconds: r.timeout_seconds,
            period_seconds: r.period_seconds,
            success_threshold: r.success_threshold,
            failure_threshold: r.failure_threshold,
            method,
        })
    }
}

impl From<ReadinessProbe> for ReadinessProbeRepr {
    fn from(p: ReadinessProbe) -> Self {
        let mut r = Self {
            initial_delay_seconds: p.initial_delay_seconds,
            timeout_seconds: p.timeout_seconds,
            period_seconds: p.period_seconds,
            success_threshold: p.success_threshold,
            failure_threshold: p.failure_threshold,
            ..Self::default()
        };
        match p.method {
            None => {}
            Some(HealthCheckMethod::HttpGet(v)) => r.http_get = Some(v),
            Some(HealthCheckMethod::TcpSocket(v)) => r.tcp_socket = Some(v),
            Some(HealthCheckMethod::Exec(v)) => r.exec = Some(v),
            Some(HealthCheckMethod::Grpc(v)) => r.grpc = Some(v),
        }
        r
    }
}

impl Validate for WorkloadGroupSpec {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // ValidateWorkloadGroup: the template is not checked like a WorkloadEntry (its address
        // is filled in later), but the API server's rules on it still apply.
        let template = join(path, "template");
        // The CRD's rules on the template (Istio's webhook leaves them to the API server):
        // port names are Istio DNS-1123 labels (either case), numbers 1..65535, lengths.
        crate::networking::workload_entry::validate_endpoint_api_rules(
            &self.template,
            None,
            &template,
            report,
        );
        if self
            .template
            .address
            .as_deref()
            .is_some_and(|a| a.starts_with("unix://"))
            && !self.template.ports.is_empty()
        {
            report.error(
                join(&template, "ports"),
                "a unix:// address cannot have ports",
            );
        }
        if let Some(m) = &self.metadata {
            rules::validate_labels(&m.labels, &join(&join(path, "metadata"), "labels"), report);
        }
        if let Some(p) = &self.probe {
            p.validate_at(&join(path, "probe"), report);
        }
    }
}

impl Validate for ReadinessProbe {
    fn validate_at(&self, path: &str, report: &mut Report) {
        // validateReadinessProbe (the CRD also sets minimum 0 on these)
        for (name, v) in [
            ("periodSeconds", self.period_seconds),
            ("initialDelaySeconds", self.initial_delay_seconds),
            ("timeoutSeconds", self.timeout_seconds),
            ("successThreshold", self.success_threshold),
            ("failureThreshold", self.failure_threshold),
        ] {
            if let Some(v) = v
                && v < 0
            {
                report.error(
                    join(path, name),
                    format!("{name} must be non-negative, found {v}"),
                );
            }
        }
        match &self.method {
            Some(HealthCheckMethod::HttpGet(h)) => {
                let at = join(path, "httpGet");
                if let Err(m) = rules::validate_port(u64::from(h.port)) {
                    report.error(join(&at, "port"), m);
                }
                if let Some(s) = h.scheme.as_deref()
                    && !matches!(s, "" | "HTTP" | "HTTPS")
                {
                    report.error(
                        join(&at, "scheme"),
                        format!("scheme {s:?} is not allowed: use \"HTTP\" or \"HTTPS\""),
                    );
                }
                for (i, hdr) in h.http_headers.iter().enumerate() {
                    let name = hdr.name.as_deref().unwrap_or("");
                    if name.is_empty()
                        || !name
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                    {
                        report.error(
                            join(&index(&join(&at, "httpHeaders"), i), "name"),
                            format!("invalid probe header name {name:?}: use letters, digits, '-' and '_'"),
                        );
                    }
                }
            }
            Some(HealthCheckMethod::TcpSocket(t)) => {
                if let Err(m) = rules::validate_port(u64::from(t.port)) {
                    report.error(join(&join(path, "tcpSocket"), "port"), m);
                }
            }
            Some(HealthCheckMethod::Exec(e)) => {
                let at = join(&join(path, "exec"), "command");
                if e.command.is_empty() {
                    report.error(at.clone(), "exec.command is required");
                }
                // CRD: every item has minLength 1.
                for (i, arg) in e.command.iter().enumerate() {
                    if arg.is_empty() {
                        report.error(index(&at, i), "a command argument must not be empty");
                    }
                }
            }
            Some(HealthCheckMethod::Grpc(g)) => {
                // CRD: 0 < port <= 65535. (Istio 1.30's webhook does not know grpc probes and
                // rejects them as an unknown method; newer Istio accepts them. We follow the
                // CRD.)
                if let Some(port) = g.port
                    && let Err(m) = rules::validate_port(u64::from(port))
                {
                    report.error(join(&join(path, "grpc"), "port"), m);
                }
            }
            None => report.error(
                path,
                "a probe needs a method: one of httpGet, tcpSocket, exec, grpc",
            ),
        }
    }
}

istio_object! {
    /// A `networking.istio.io` WorkloadGroup: the template for auto-registered VM workloads.
    ///
    /// ```
    /// use istio_types::networking::{WorkloadEntrySpec, WorkloadGroup, WorkloadGroupSpec};
    /// let wg = WorkloadGroup::new("vms", "default", WorkloadGroupSpec {
    ///     template: WorkloadEntrySpec { service_account: Some("vm".into()), ..Default::default() },
    ///     ..Default::default()
    /// });
    /// assert!(istio_types::write::to_yaml(&wg).unwrap().contains("serviceAccount: vm"));
    /// ```
    WorkloadGroup {
        spec: WorkloadGroupSpec,
        group: Networking,
        plural: "workloadgroups",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
        absent_spec: refused,
    }
}
